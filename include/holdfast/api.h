/*
 * api.h: the route table and the handlers it names, one file per
 * resource under src/api/.
 */
#ifndef HOLDFAST_API_H
#define HOLDFAST_API_H

#include <stddef.h>

#include "holdfast/http.h"
#include "holdfast/svc.h"

extern const struct route	api_routes[];
extern const size_t		api_nroutes;

/* common.c */
struct api_render {
	struct http_request	*req;
	int			 status;
	json_object		*(*build)(struct http_request *, void *);
	void			*arg;
};

void		 api_ctx(struct http_request *, struct svc_ctx *);
void		 api_fail(struct http_request *, struct svc_ctx *, int);
const char	*api_fail_body(struct http_request *, struct svc_ctx *, int,
		    size_t *);
int		 api_idem_begin(struct http_request *, struct svc_ctx *,
		    struct idem *, struct api_render *);
void		 api_idem_finish(struct http_request *, struct svc_ctx *,
		    struct idem *, struct api_render *, int);
/* ?page (1..1000000, 1) and ?per_page (1..100, 20) of every list */
enum { API_PAGE, API_PER_PAGE };
#define API_PER_PAGE_MAX	100
extern const struct body_schema	schema_paging;
int		 api_paging(struct http_request *, long long *, long long *);
int		 api_sku_arg(struct http_request *, size_t, const char **);
int		 api_sku_query(struct http_request *, const char *,
		    const char **);
void		 api_bad_query(struct http_request *, const char *,
		    const char *);
int		 api_id_arg(struct http_request *, size_t, uint64_t *);
int		 api_id_query(struct http_request *, const char *,
		    const char *, uint64_t *);
const char	*api_time_param(struct http_request *, const char *);
json_object	*api_list(json_object *, long long, long long, long long);
/* the history lists' keyset paging (issue 13, common.c) */
struct svc_keyset;
int		 api_keyset(struct http_request *, long long *, long long *,
		    struct svc_keyset *);
json_object	*api_list_ks(json_object *, long long, long long,
		    const struct svc_keyset *);
json_object	*api_str_or_null(const char *);

/* system.c */
void	api_root(struct http_request *);
void	api_health(struct http_request *);

/* metrics.c */
void	api_metrics(struct http_request *);

/* openapi.c: the document, read off api_routes and the error table */
void	api_openapi(struct http_request *);

/* queries.c: the query parameters a handler reads, for the document */
struct api_query_param {
	http_handler	 handler;	/* the route whose handler it is */
	const char	*name;
	const char	*schema;	/* JSON Schema text; NULL: the paging
					 * parameter of that name */
	const char	*text;
};
extern const struct api_query_param	api_query_params[];
extern const size_t			api_nquery_params;
/* What a route's OpenAPI description adds after its permission (queries.c):
 * its success status and idempotence where the table cannot say them. */
struct api_route_note {
	void		(*handler)(struct http_request *);
	const char	*text;
};
extern const struct api_route_note	api_route_notes[];
extern const size_t			api_nroute_notes;

/* auth.c */
extern const struct body_schema	schema_register, schema_verify,
				schema_email, schema_login, schema_refresh,
				schema_reset;
void	api_register(struct http_request *);
void	api_verify(struct http_request *);
void	api_resend(struct http_request *);
void	api_login(struct http_request *);
void	api_refresh(struct http_request *);
void	api_logout(struct http_request *);
/* the services the front door's guard uses, for http_hooks_set */
extern const struct http_hooks	api_http_hooks;
void	api_forgot(struct http_request *);
void	api_reset(struct http_request *);

/* users.c */
extern const struct body_schema	schema_me_patch, schema_user_create,
				schema_user_patch, schema_key_create;
json_object *api_user_json(const struct user *);
void	api_me_get(struct http_request *);
void	api_me_patch(struct http_request *);
void	api_users_list(struct http_request *);
void	api_user_create(struct http_request *);
void	api_user_patch(struct http_request *);
void	api_keys_create(struct http_request *);
void	api_keys_list(struct http_request *);
void	api_keys_delete(struct http_request *);

/* audit.c */
void	api_audit_list(struct http_request *);

/* locations.c (issue 17) */
extern const struct body_schema	schema_location_create, schema_location_patch;
void	api_locations_list(struct http_request *);
void	api_location_get(struct http_request *);
void	api_location_create(struct http_request *);
void	api_location_patch(struct http_request *);

/* transfers.c (issue 17) */
extern const struct body_schema	schema_transfer, schema_transfer_receive,
				schema_transfer_close;
void	api_transfers_list(struct http_request *);
void	api_transfer_get(struct http_request *);
void	api_transfer_create(struct http_request *);
void	api_transfer_receive(struct http_request *);
void	api_transfer_close(struct http_request *);
/* stocktakes.c (issue 17, item 4) */
#define API_STOCKTAKE_LINES_MAX	10000	/* lines in one count sheet */
extern const struct body_schema	schema_stocktake_start,
				schema_stocktake_counts;
void	api_stocktakes_list(struct http_request *);
void	api_stocktake_get(struct http_request *);
void	api_stocktake_start(struct http_request *);
void	api_stocktake_counts(struct http_request *);
void	api_stocktake_counts_csv(struct http_request *);
#define API_STOCKTAKE_SHEET_BYTES	(1024 * 1024)	/* CSV sheet: as nginx */
void	api_stocktake_post(struct http_request *);
void	api_stocktake_cancel(struct http_request *);
/* csv.c (issue 17, item 6): CSV in and out, README "CSV" */
void	api_import_products(struct http_request *);
void	api_export_products(struct http_request *);
void	api_export_stock(struct http_request *);
void	api_export_ledger(struct http_request *);
void	api_export_orders(struct http_request *);
/* the success type of a route that does not answer the envelope */
const char *api_csv_produces(const struct route *);

/* products.c, stock.c, reservations.c, ledger.c */
/* caps that keep a page of 100 products in one request's memory */
#define API_DESCRIPTION_MAX	16384	/* bytes */
#define API_ATTRIBUTES_MAX	16384	/* bytes as JSON */
#define API_QUANTITY_MAX	1000000000	/* units in one line or move */
extern const struct body_schema	schema_product_create, schema_stock_patch,
				schema_restock, schema_deduct, schema_adjust,
				schema_reserve, schema_reference;
void	api_product_create(struct http_request *);
void	api_product_get(struct http_request *);
void	api_stock_list(struct http_request *);
void	api_stock_get(struct http_request *);
void	api_stock_patch(struct http_request *);
void	api_stock_restock(struct http_request *);
void	api_stock_deduct(struct http_request *);
void	api_stock_adjust(struct http_request *);
void	api_stock_reconcile(struct http_request *);
void	api_reserve(struct http_request *);
void	api_reservations_list(struct http_request *);
void	api_reservation_get(struct http_request *);
void	api_reservation_commit(struct http_request *);
void	api_reservation_release(struct http_request *);
void	api_reference_commit(struct http_request *);
void	api_reference_release(struct http_request *);
void	api_ledger_list(struct http_request *);
void	api_ledger_get(struct http_request *);
void	api_ledger_stats(struct http_request *);
json_object *api_stock_json(const struct stock_row *);
/* coupons.c: coupon campaigns (issue 15) */
extern const struct body_schema	schema_coupon_create, schema_coupon_patch;
void	api_coupon_create(struct http_request *);
void	api_coupons_list(struct http_request *);
void	api_coupon_get(struct http_request *);
void	api_coupon_patch(struct http_request *);
void	api_coupons_reconcile(struct http_request *);
/* groups.c: group buys (issue 15) */
extern const struct body_schema	schema_grp_create, schema_grp_patch;
void	api_grp_create(struct http_request *);
void	api_grp_campaigns_list(struct http_request *);
void	api_grp_campaign_get(struct http_request *);
void	api_grp_campaign_patch(struct http_request *);
void	api_grp_list(struct http_request *);
void	api_grp_get(struct http_request *);
void	api_grp_start(struct http_request *);
void	api_grp_join(struct http_request *);
void	api_grp_members_list(struct http_request *);
void	api_grp_member_refunded(struct http_request *);
json_object *api_grp_on_order(struct svc_ctx *, json_object *, uint64_t);

/* delivery.c: delivery and pickup (issue 15) */
struct dlv_choice;
extern const struct body_schema	schema_dlv_area_create, schema_dlv_area_patch,
				schema_dlv_point_create, schema_dlv_point_patch,
				schema_dlv_address_create,
				schema_dlv_address_patch,
				schema_dlv_slot_create, schema_dlv_slot_patch;
void	api_dlv_area_create(struct http_request *);
void	api_dlv_area_patch(struct http_request *);
void	api_dlv_areas_list(struct http_request *);
void	api_dlv_point_create(struct http_request *);
void	api_dlv_point_patch(struct http_request *);
void	api_dlv_points_list(struct http_request *);
void	api_dlv_addresses_list(struct http_request *);
void	api_dlv_address_create(struct http_request *);
void	api_dlv_address_patch(struct http_request *);
void	api_dlv_address_delete(struct http_request *);
void	api_dlv_slot_create(struct http_request *);
void	api_dlv_slot_patch(struct http_request *);
void	api_dlv_slot_get(struct http_request *);
void	api_dlv_slots_list(struct http_request *);
int	api_dlv_choice(struct http_request *, const struct field_value *,
	    struct dlv_choice *);
void	api_dlv_order_add(struct http_request *, json_object *, uint64_t);

/* points.c: a user's points (issue 15) */
extern const struct body_schema	schema_points_adjust;
void	api_points_me(struct http_request *);
void	api_points_user(struct http_request *);
void	api_points_checkin(struct http_request *);
void	api_points_adjust(struct http_request *);
void	api_points_reconcile(struct http_request *);
/* refunds.c: refunds, returns, payments (issue 15 item 6) */
extern const struct body_schema	schema_refund, schema_return;
void	api_refund_create(struct http_request *);
void	api_return_create(struct http_request *);
void	api_order_payments(struct http_request *);
void	api_payments_list(struct http_request *);
void	api_payment_get(struct http_request *);
void	api_payments_report(struct http_request *);

/* stock_at.c: /stock and /stock/{sku} with ?at, ?ledger_id or ?location */
int	api_stock_at_asked(struct http_request *);
int	api_location_query(struct http_request *, const char *,
	    const char **);
void	api_stock_at_get(struct http_request *);
void	api_stock_at_list(struct http_request *);
json_object *api_product_json(const struct product *);
char	*api_json_text(struct arena *, json_object *, size_t *);

/* catalog.c */
extern const struct body_schema	schema_product_patch;
void	api_products_list(struct http_request *);
void	api_product_patch(struct http_request *);
void	api_product_delete(struct http_request *);
void	api_product_cover(struct http_request *);
void	api_categories(struct http_request *);

/* loans.c, holds.c, stats_lending.c (issue 6, library) */
struct loan;
extern const struct body_schema	schema_loan, schema_hold, schema_loan_return;
json_object *api_loan_json(struct http_request *, const struct loan *);
struct lend_filter;
int	api_lend_filter(struct http_request *, const char *const *,
	    struct lend_filter *, struct svc_keyset *);
int	api_enum_param(struct http_request *, const char *,
	    const char *const *, const char **);
void	api_loans_create(struct http_request *);
void	api_loans_list(struct http_request *);
void	api_loan_get(struct http_request *);
void	api_loan_return(struct http_request *);
void	api_loan_renew(struct http_request *);
void	api_hold_create(struct http_request *);
void	api_holds_list(struct http_request *);
void	api_hold_get(struct http_request *);
void	api_hold_cancel(struct http_request *);
void	api_hold_checkout(struct http_request *);
void	api_stats_loans(struct http_request *);
void	api_stats_categories(struct http_request *);
/* lend_rules.c, and loans.c's borrow-or-hold (issue 14, item 6) */
struct hold;
extern const struct body_schema	schema_loan_batch, schema_loan_void;
json_object *api_hold_json(const struct hold *);
void	api_loans_return_batch(struct http_request *);
void	api_loans_renew_batch(struct http_request *);
void	api_loan_void(struct http_request *);

/* orders.c, webhooks.c, stats_orders.c (issue 6, shop); reservations.c */
extern const struct body_schema	schema_order_create, schema_webhook;
/* a line {sku, quantity} of a reservation or an order: its fields */
enum { API_LINE_SKU, API_LINE_QTY, API_LINE_LOC };
/* a location code's field: the SKU grammar, 1 to 32 */
#define API_LOCATION_MAX	32
#define API_LINES_MAX	100	/* lines in one reservation or loan */
extern const struct body_schema	schema_line;
int	api_lines(struct http_request *, const struct field_value *,
	    struct reserve_item **, size_t *);
void	api_order_create(struct http_request *);
void	api_orders_list(struct http_request *);
void	api_order_get(struct http_request *);
void	api_order_pay(struct http_request *);
void	api_order_cancel(struct http_request *);
void	api_order_refund(struct http_request *);
void	api_order_fulfill(struct http_request *);
void	api_payment_notify(struct http_request *);
void	api_webhook_create(struct http_request *);
void	api_webhooks_list(struct http_request *);
void	api_webhook_delete(struct http_request *);
void	api_webhook_deliveries(struct http_request *);
void	api_stats_orders(struct http_request *);

/* comments.c (issue 14, item 2: discussion) */
extern const struct body_schema	schema_comment, schema_comment_patch;
void	api_comment_create(struct http_request *);
void	api_comments_list(struct http_request *);
void	api_comment_like(struct http_request *);
void	api_comment_unlike(struct http_request *);
void	api_comment_delete(struct http_request *);
void	api_comment_patch(struct http_request *);
/* assistant.c: the catalog assistant (issue 14, item 5) */
extern const struct body_schema	schema_assistant;
void	api_assistant_get(struct http_request *);
void	api_assistant_ask(struct http_request *);
/* 1 when r's handler waits on an upstream server (502, 504: openapi.c) */
int	api_route_upstream(const struct route *);
/* favorites.c, history.c: the reader's side (issue 14, items 1 and 3) */
extern const struct body_schema	schema_fav_put;
int	api_product_id_arg(struct http_request *, size_t, uint64_t *);
void	api_fav_put(struct http_request *);
void	api_fav_delete(struct http_request *);
void	api_favs_list(struct http_request *);
int	api_fav_count_add(struct svc_ctx *, uint64_t, json_object *);
const char *api_fav_detail(struct http_request *, struct svc_ctx *,
	    uint64_t, const char *, size_t *);
void	api_history_list(struct http_request *);
void	api_history_clear(struct http_request *);
/* recs.c (issue 14 item 4) */
void	api_recs_related(struct http_request *);
void	api_recs_mine(struct http_request *);
/* covers.c (issue 16, item 2) */
void	api_cover_get(struct http_request *);

#endif /* HOLDFAST_API_H */
