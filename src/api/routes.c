/*
 * routes.c: every route, one line each: method, pattern, handler,
 * required permission, body kind, body cap, body schema. The router
 * answers 404, 405, 413, 415, 401, 403 and 429 from this table, and
 * REQ_009/REQ_010 from the schema, before any handler runs.
 */
#include "holdfast/api.h"

#define NONE	ROUTE_BODY_NONE
#define JSON	ROUTE_BODY_JSON

const struct route api_routes[] = {
	{ HTTP_GET, "/api/v1", api_root, PERM_PUBLIC, NONE, 0, NULL },
	{ HTTP_GET, "/api/v1/health", api_health, PERM_PUBLIC, NONE, 0, NULL },

	{ HTTP_POST, "/api/v1/auth/register", api_register, PERM_PUBLIC, JSON,
	    0, &schema_register },
	{ HTTP_POST, "/api/v1/auth/verify", api_verify, PERM_PUBLIC, JSON, 0,
	    &schema_verify },
	{ HTTP_POST, "/api/v1/auth/resend", api_resend, PERM_PUBLIC, JSON, 0,
	    &schema_email },
	{ HTTP_POST, "/api/v1/auth/login", api_login, PERM_PUBLIC, JSON, 0,
	    &schema_login },
	{ HTTP_POST, "/api/v1/auth/refresh", api_refresh, PERM_PUBLIC, JSON, 0,
	    &schema_refresh },
	{ HTTP_POST, "/api/v1/auth/logout", api_logout, PERM_PUBLIC, JSON, 0,
	    &schema_refresh },
	{ HTTP_POST, "/api/v1/auth/password/forgot", api_forgot, PERM_PUBLIC,
	    JSON, 0, &schema_email },
	{ HTTP_POST, "/api/v1/auth/password/reset", api_reset, PERM_PUBLIC,
	    JSON, 0, &schema_reset },

	{ HTTP_GET, "/api/v1/me", api_me_get, PERM_USER, NONE, 0, NULL },
	{ HTTP_PATCH, "/api/v1/me", api_me_patch, PERM_USER, JSON, 0,
	    &schema_me_patch },
	{ HTTP_GET, "/api/v1/users", api_users_list, PERM_ADMIN, NONE, 0,
	    NULL },
	{ HTTP_POST, "/api/v1/users", api_user_create, PERM_ADMIN, JSON, 0,
	    &schema_user_create },
	{ HTTP_PATCH, "/api/v1/users/{id}", api_user_patch, PERM_ADMIN, JSON,
	    0, &schema_user_patch },
	{ HTTP_POST, "/api/v1/api-keys", api_keys_create, PERM_ADMIN, JSON, 0,
	    &schema_key_create },
	{ HTTP_GET, "/api/v1/api-keys", api_keys_list, PERM_ADMIN, NONE, 0,
	    NULL },
	{ HTTP_DELETE, "/api/v1/api-keys/{id}", api_keys_delete, PERM_ADMIN,
	    NONE, 0, NULL },
	{ HTTP_GET, "/api/v1/audit", api_audit_list, PERM_ADMIN, NONE, 0,
	    NULL },

	{ HTTP_POST, "/api/v1/products", api_product_create, PERM_ADMIN, JSON,
	    0, &schema_product_create },
	{ HTTP_GET, "/api/v1/products/{id}", api_product_get, PERM_PUBLIC,
	    NONE, 0, NULL },
	{ HTTP_GET, "/api/v1/stock", api_stock_list, PERM_PUBLIC, NONE, 0,
	    NULL },
	{ HTTP_GET, "/api/v1/stock/{sku}", api_stock_get, PERM_PUBLIC, NONE, 0,
	    NULL },
	{ HTTP_PATCH, "/api/v1/stock/{sku}", api_stock_patch, PERM_ADMIN, JSON,
	    0, &schema_stock_patch },
	{ HTTP_POST, "/api/v1/stock/{sku}/restock", api_stock_restock,
	    PERM_BUSINESS, JSON, 0, &schema_restock },
	{ HTTP_POST, "/api/v1/stock/{sku}/deduct", api_stock_deduct,
	    PERM_BUSINESS, JSON, 0, &schema_deduct },
	{ HTTP_POST, "/api/v1/stock/{sku}/adjust", api_stock_adjust,
	    PERM_ADMIN, JSON, 0, &schema_adjust },
	{ HTTP_GET, "/api/v1/stock/{sku}/reconcile", api_stock_reconcile,
	    PERM_BUSINESS, NONE, 0, NULL },

	{ HTTP_POST, "/api/v1/reservations", api_reserve, PERM_BUSINESS, JSON,
	    0, &schema_reserve },
	{ HTTP_GET, "/api/v1/reservations", api_reservations_list,
	    PERM_BUSINESS, NONE, 0, NULL },
	{ HTTP_POST, "/api/v1/reservations/commit", api_reference_commit,
	    PERM_BUSINESS, JSON, 0, &schema_reference },
	{ HTTP_POST, "/api/v1/reservations/release", api_reference_release,
	    PERM_BUSINESS, JSON, 0, &schema_reference },
	{ HTTP_GET, "/api/v1/reservations/{id}", api_reservation_get,
	    PERM_BUSINESS, NONE, 0, NULL },
	{ HTTP_POST, "/api/v1/reservations/{id}/commit", api_reservation_commit,
	    PERM_BUSINESS, NONE, 0, NULL },
	{ HTTP_POST, "/api/v1/reservations/{id}/release",
	    api_reservation_release, PERM_BUSINESS, NONE, 0, NULL },

	{ HTTP_GET, "/api/v1/ledger", api_ledger_list, PERM_BUSINESS, NONE, 0,
	    NULL },
	{ HTTP_GET, "/api/v1/ledger/stats", api_ledger_stats, PERM_BUSINESS,
	    NONE, 0, NULL },
	{ HTTP_GET, "/api/v1/ledger/{id}", api_ledger_get, PERM_BUSINESS, NONE,
	    0, NULL },
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
