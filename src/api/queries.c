/*
 * queries.c: the query parameters a handler reads, one line each, for
 * the OpenAPI document (openapi.c adds them to the operation of every
 * route whose handler is named here). A list's page and per_page are a
 * reference to components/parameters. What a handler actually accepts is
 * its own code; a line here describes it (tests/api/test_A3_stock_at.py
 * checks the lines of the /stock and /ledger reads).
 */
#include "holdfast/api.h"

#define STR		"{\"type\":\"string\"}"
#define MOMENT		"{\"type\":\"string\",\"minLength\":10}"
#define ROW_ID		"{\"type\":\"integer\",\"minimum\":1," \
	"\"maximum\":9223372036854775807}"
#define LOC_CODE	"{\"type\":\"string\",\"minLength\":1,\"maxLength\":32," \
	"\"pattern\":\"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$\"}"
#define SKU_CODE	"{\"type\":\"string\",\"minLength\":1,\"maxLength\":64}"
#define LEVELS		"{\"type\":\"string\",\"enum\":[\"ok\",\"warning\"," \
	"\"critical\",\"out\"]}"
#define DAY_TIME	"{\"type\":\"string\"}"

#define AT_TEXT		"the stock at this moment, from the ledger's " \
	"after-values per location (the last row of each product and " \
	"location with created_at at or before it): YYYY-MM-DD (its " \
	"midnight) or YYYY-MM-DDTHH:MM:SS with an optional fraction of 1 " \
	"to 9 digits and Z, +HH:MM or -HH:MM (none: UTC); not in the " \
	"future; business or admin (401/403 otherwise); 422 REQ_010 when " \
	"malformed"
#define LEDGER_ID_TEXT	"the stock right after ledger row N (every row " \
	"with id <= N), per location; not with at; past the last row: 422 " \
	"REQ_010; business or admin"
#define AFTER_TEXT	"keyset paging (issue 13): the data.next of the " \
	"page before, the id the next page starts after (newest first); " \
	"data.next is null on the last page. Digits only, no leading zero " \
	"(422 REQ_010 otherwise); page must be 1 with it. Without it, " \
	"page * per_page may reach 1000 rows at most (400 REQ_013 past " \
	"that). data.total counts to 1000 (data.total_exact false past it)"
#define LOCATION_TEXT	"one location's code (compared without case): " \
	"only its stock; unknown 404 LOC_001"

const struct api_query_param api_query_params[] = {
	{ api_stock_list, "page", NULL, NULL },
	{ api_stock_list, "per_page", NULL, NULL },
	{ api_stock_list, "status", LEVELS, "the stock level now; not with "
	    "at, ledger_id or location" },
	{ api_stock_list, "at", MOMENT, AT_TEXT },
	{ api_stock_list, "ledger_id", ROW_ID, LEDGER_ID_TEXT },
	{ api_stock_list, "location", LOC_CODE, LOCATION_TEXT "; without "
	    "at or ledger_id, every product's units there now (0 where it "
	    "has none)" },
	{ api_stock_get, "at", MOMENT, AT_TEXT },
	{ api_stock_get, "ledger_id", ROW_ID, LEDGER_ID_TEXT },
	{ api_stock_get, "location", LOC_CODE, LOCATION_TEXT "; only with "
	    "at or ledger_id" },
	{ api_ledger_list, "page", NULL, NULL },
	{ api_ledger_list, "per_page", NULL, NULL },
	{ api_ledger_list, "sku", SKU_CODE, "one SKU's rows" },
	{ api_ledger_list, "type", STR, "restock, deduct, adjust, reserve "
	    "or release" },
	{ api_ledger_list, "reference_id", STR, "the rows naming it" },
	{ api_ledger_list, "from", DAY_TIME, "created_at at or after: "
	    "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm][Z], UTC" },
	{ api_ledger_list, "to", DAY_TIME, "created_at before (as from)" },
	{ api_ledger_list, "location", LOC_CODE, "the rows of one "
	    "location; unknown 404 LOC_001" },
	/* the keyset lists (issue 13) */
	{ api_ledger_list, "after", ROW_ID, AFTER_TEXT },
	{ api_reservations_list, "page", NULL, NULL },
	{ api_reservations_list, "per_page", NULL, NULL },
	{ api_reservations_list, "after", ROW_ID, AFTER_TEXT },
	{ api_orders_list, "page", NULL, NULL },
	{ api_orders_list, "per_page", NULL, NULL },
	{ api_orders_list, "after", ROW_ID, AFTER_TEXT },
	{ api_loans_list, "page", NULL, NULL },
	{ api_loans_list, "per_page", NULL, NULL },
	{ api_loans_list, "after", ROW_ID, AFTER_TEXT },
	{ api_holds_list, "page", NULL, NULL },
	{ api_holds_list, "per_page", NULL, NULL },
	{ api_holds_list, "after", ROW_ID, AFTER_TEXT },
	{ api_favs_list, "page", NULL, NULL },
	{ api_favs_list, "per_page", NULL, NULL },
	{ api_favs_list, "after", ROW_ID, AFTER_TEXT },
	{ api_history_list, "page", NULL, NULL },
	{ api_history_list, "per_page", NULL, NULL },
	{ api_history_list, "after", ROW_ID, "keyset paging: the data.next "
	    "of the page before (a view's position, newest first); null on "
	    "the last page" },
	{ api_audit_list, "page", NULL, NULL },
	{ api_audit_list, "per_page", NULL, NULL },
	{ api_audit_list, "after", ROW_ID, AFTER_TEXT },
	{ api_webhook_deliveries, "page", NULL, NULL },
	{ api_webhook_deliveries, "per_page", NULL, NULL },
	{ api_webhook_deliveries, "after", ROW_ID, AFTER_TEXT },
	{ api_coupons_list, "page", NULL, NULL },
	{ api_coupons_list, "per_page", NULL, NULL },
	/* group buys (issue 15) */
	{ api_grp_campaigns_list, "page", NULL, NULL },
	{ api_grp_campaigns_list, "per_page", NULL, NULL },
	{ api_grp_list, "page", NULL, NULL },
	{ api_grp_list, "per_page", NULL, NULL },
	{ api_grp_list, "state", "{\"type\":\"string\",\"enum\":["
	    "\"open\",\"succeeded\",\"failed\"]}", "the groups in this state" },
	{ api_grp_members_list, "page", NULL, NULL },
	{ api_grp_members_list, "per_page", NULL, NULL },
	{ api_grp_members_list, "state", "{\"type\":\"string\",\"enum\":["
	    "\"pending\",\"paid\",\"succeeded\",\"cancelled\","
	    "\"expired\",\"refund_due\",\"refunded\"]}",
	    "the seats in this state (refund_due: a failed group's paid "
	    "seats)" },
	/* delivery slots (issue 15): by start */
	{ api_dlv_slots_list, "page", NULL, NULL },
	{ api_dlv_slots_list, "per_page", NULL, NULL },
	{ api_dlv_slots_list, "area_id", ROW_ID, "the slots of this delivery "
	    "area" },
	{ api_dlv_slots_list, "pickup_point_id", ROW_ID, "the slots of this "
	    "pickup point" },
	/* points (issue 15): the ledger of the account, newest first */
	{ api_points_me, "page", NULL, NULL },
	{ api_points_me, "per_page", NULL, NULL },
	{ api_points_me, "after", ROW_ID, AFTER_TEXT },
	{ api_points_user, "page", NULL, NULL },
	{ api_points_user, "per_page", NULL, NULL },
	{ api_points_user, "after", ROW_ID, AFTER_TEXT },
	{ api_points_reconcile, "user_id", ROW_ID, "one user's account "
	    "(else every account)" },
	{ api_coupons_reconcile, "campaign_id", ROW_ID, "one campaign "
	    "(else every campaign)" },
	/* payments (issue 15 item 6): newest first */
	{ api_payments_list, "page", NULL, NULL },
	{ api_payments_list, "per_page", NULL, NULL },
	{ api_payments_list, "after", ROW_ID, AFTER_TEXT },
	{ api_payments_list, "order_id", ROW_ID, "one order's payments" },
	{ api_payments_list, "outcome", "{\"type\":\"string\",\"enum\":["
	    "\"applied\",\"rejected\",\"duplicate\"]}", "only the "
	    "notifications that had this outcome" },
	{ api_payments_report, "page", NULL, NULL },
	{ api_payments_report, "per_page", NULL, NULL },
	{ api_payments_report, "after", ROW_ID, "keyset paging: the data.next "
	    "of the page before (an order id, newest first)" },
	/* the discussion (issue 14): pages of top-level comments */
	{ api_comments_list, "page", NULL, NULL },
	{ api_comments_list, "per_page", NULL, NULL },
	{ api_comments_list, "sort", "{\"type\":\"string\",\"enum\":["
	    "\"new\",\"top\"]}", "the order of the top-level comments: new "
	    "(newest first, the default) or top (most liked first); replies "
	    "are oldest first under their parent" },
	/* issue 13: data.total_exact false when data.total is a capped count */
	{ api_products_list, "page", NULL, NULL },
	{ api_products_list, "per_page", NULL, NULL },
	{ api_products_list, "q", "{\"type\":\"string\",\"maxLength\":200}",
	    "a search: every word of 3 bytes or more as a prefix (operators "
	    "are ignored), the exact SKU, ISBN digits or a name prefix; over "
	    "200 bytes 422 REQ_010. Its data.total counts every match "
	    "(data.total_exact true); a list without q counts at most 1000 "
	    "rows past the page asked for: data.total_exact false when it "
	    "stopped there (data.total is then a lower bound)" },
	{ api_products_list, "category", STR, "a category's slug or name" },
	{ api_products_list, "status", "{\"type\":\"string\",\"enum\":["
	    "\"active\",\"maintenance\",\"retired\"]}", "default: all but "
	    "retired" },
	{ api_products_list, "sort", "{\"type\":\"string\",\"enum\":["
	    "\"name\",\"-created_at\",\"price\",\"-price\"]}",
	    "default -created_at (newest first)" },
	/* issue 14 item 4: capped lists, not pages */
	{ api_recs_related, "limit", "{\"type\":\"integer\",\"minimum\":1,"
	    "\"maximum\":50}", "how many, most co-borrowers first (default "
	    "10); 422 REQ_010 otherwise" },
	{ api_recs_mine, "limit", "{\"type\":\"integer\",\"minimum\":1,"
	    "\"maximum\":50}", "how many, best first (default 10); 422 "
	    "REQ_010 otherwise" },
};

const size_t api_nquery_params = sizeof(api_query_params) /
    sizeof(api_query_params[0]);

const struct api_route_note api_route_notes[] = {
	/* issue 14: favorites and reading history */
	{ api_fav_put, "Idempotent: 200 with the favorite whether this PUT "
	    "made it or it was there (one row per reader and product); "
	    "notify left out keeps its value (false for a new one). 404 "
	    "INV_001 for a product that does not exist or an id that is not "
	    "ASCII digits; 403 AUTH_005 for an API key." },
	{ api_fav_delete, "Idempotent: 200 {product_id, favorited: false, "
	    "removed} whether or not it was a favorite (removed false when "
	    "not); 404 INV_001 only when the product does not exist." },
	{ api_favs_list, "The signed-in reader's favorites, newest first, "
	    "each with its product's availability now." },
	{ api_history_list, "The signed-in reader's product views, newest "
	    "first, one per product (kept in Redis: 503 without it); bounded "
	    "by history_max_items and history_days." },
	{ api_history_clear, "200 {cleared: true}, also when it was empty." },
};

const size_t api_nroute_notes = sizeof(api_route_notes) /
    sizeof(api_route_notes[0]);
