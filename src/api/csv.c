/*
 * csv.c: CSV in and out (issue 17, item 6; README "CSV"):
 * POST /api/v1/import/products (?dry_run=1), a text/csv body, answers a
 * JSON report; GET /api/v1/export/products.csv, /stock.csv (?location=),
 * /ledger.csv and /orders.csv (?from=&to=) answer text/csv, streamed row
 * by row as the database sends them (http_stream_begin): the head goes
 * out with the first rows, so an export that fails before them is still
 * an error envelope, and one that fails after them drops the connection.
 */
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/csv_io.h"

#define CSV_TYPE	"text/csv; charset=utf-8"

/* The success type of a route that does not answer the envelope. */
const char *
api_csv_produces(const struct route *r)
{
	if (r->handler == api_export_products ||
	    r->handler == api_export_stock ||
	    r->handler == api_export_ledger ||
	    r->handler == api_export_orders)
		return CSV_TYPE;
	return NULL;
}

/* --- the import -------------------------------------------------------- */

static json_object *
report_errors(const struct import_report *rep)
{
	json_object		*a = json_object_new_array(), *o;
	const struct import_error *e;
	size_t			 i;

	for (i = 0; i < rep->nerrors; i++) {
		e = &rep->errors[i];
		o = json_object_new_object();
		json_object_object_add(o, "line", json_object_new_int64(
		    e->line));
		json_object_object_add(o, "sku", api_str_or_null(e->sku));
		json_object_object_add(o, "column", api_str_or_null(
		    e->column));
		json_object_object_add(o, "reason", json_object_new_string(
		    e->reason != NULL ? e->reason : ""));
		json_object_array_add(a, o);
	}
	return a;
}

#define REP_INT(o, rep, m) \
	json_object_object_add((o), #m, json_object_new_int64((rep)->m))

/* The report, as data (200) or as the details of IMP_001 / IMP_002. */
static json_object *
report_json(const struct import_report *rep)
{
	json_object	*o = json_object_new_object(), *f;

	json_object_object_add(o, "dry_run", json_object_new_boolean(
	    rep->dry_run));
	json_object_object_add(o, "ok", json_object_new_boolean(
	    rep->error_count == 0 && rep->failed_code == NULL));
	REP_INT(o, rep, rows);
	REP_INT(o, rep, products);
	REP_INT(o, rep, created);
	REP_INT(o, rep, updated);
	REP_INT(o, rep, unchanged);
	REP_INT(o, rep, stock_changes);
	REP_INT(o, rep, units_added);
	REP_INT(o, rep, units_removed);
	REP_INT(o, rep, error_count);
	json_object_object_add(o, "errors", report_errors(rep));
	REP_INT(o, rep, chunks);
	REP_INT(o, rep, chunks_done);
	f = NULL;
	if (rep->failed_code != NULL) {
		f = json_object_new_object();
		json_object_object_add(f, "line", json_object_new_int64(
		    rep->failed_line));
		json_object_object_add(f, "sku", api_str_or_null(
		    rep->failed_sku));
		json_object_object_add(f, "code", json_object_new_string(
		    rep->failed_code));
		json_object_object_add(f, "reason", api_str_or_null(
		    rep->failed_reason));
	}
	json_object_object_add(o, "failed", f);
	return o;
}

void
api_import_products(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct import_report	 rep;
	const char		*dry = http_query(req, "dry_run");
	int			 rc, dry_run = 0;

	if (dry != NULL && *dry != '\0') {
		if (strcmp(dry, "1") == 0 || strcmp(dry, "true") == 0)
			dry_run = 1;
		else if (strcmp(dry, "0") != 0 && strcmp(dry, "false") != 0) {
			api_bad_query(req, "dry_run", "1 or true, 0 or false");
			return;
		}
	}
	api_ctx(req, &ctx);
	rc = svc_import_products(&ctx, req->body, req->body_len, dry_run,
	    &rep);
	if (rc == HF_OK)
		http_reply(req, 200, report_json(&rep));
	else if (rc == HF_E_IMP_BAD_ROWS)
		http_reply_err(req, rc, arena_printf(req->arena, "the file has "
		    "%lld bad row(s): nothing was changed (details.errors)",
		    rep.error_count), report_json(&rep));
	else if (rc == HF_E_IMP_PARTIAL)
		http_reply_err(req, rc, arena_printf(req->arena, "the import "
		    "stopped at line %lld after %lld of %lld chunks: send the "
		    "same file again to finish (details.failed)",
		    rep.failed_line, rep.chunks_done, rep.chunks),
		    report_json(&rep));
	else
		api_fail(req, &ctx, rc);
}

/* --- the exports ------------------------------------------------------- */

struct csv_stream {
	struct http_request	*req;
	const char		*filename;
};

/* The head goes out with the first part (svc's csv_out writer). */
static int
csv_write(void *arg, const char *data, size_t len)
{
	struct csv_stream	*cs = arg;

	if (!cs->req->replied) {
		http_header(cs->req, "Content-Disposition", arena_printf(
		    cs->req->arena, "attachment; filename=\"%s\"",
		    cs->filename));
		http_stream_begin(cs->req, 200, CSV_TYPE);
	}
	return http_stream_write(cs->req, data, len);
}

/*
 * Sets up the writer; a HEAD is answered here (the head alone, no query
 * run). Returns 1 when the export should run.
 */
static int
csv_start(struct http_request *req, struct csv_stream *cs,
    struct csv_out *out, const char *filename)
{
	memset(out, 0, sizeof(*out));
	cs->req = req;
	cs->filename = filename;
	out->write = csv_write;
	out->arg = cs;
	if (req->method != HTTP_HEAD)
		return 1;
	csv_write(cs, "", 0);
	return 0;
}

/* After the export: an error before any row, or a cut connection. */
static void
csv_finish(struct http_request *req, struct svc_ctx *ctx,
    const struct csv_out *out, int rc)
{
	if (rc == HF_OK)
		return;
	if (!out->started && !req->replied)
		api_fail(req, ctx, rc);
	else
		http_stream_abort(req);
}

/* ?from and ?to in the database's form; replies 422 and -1 if bad. */
static int
csv_range(struct http_request *req, const char **from, const char **to)
{
	static const char *const times[] = { "from", "to" };
	const char	**out[2] = { from, to }, *v;
	int		  i;

	for (i = 0; i < 2; i++) {
		*out[i] = NULL;
		if ((v = http_query(req, times[i])) == NULL || *v == '\0')
			continue;
		if ((*out[i] = api_time_param(req, v)) == NULL) {
			api_bad_query(req, times[i], "expected ISO 8601 UTC, "
			    "e.g. 2026-11-21T10:00:00Z");
			return -1;
		}
	}
	return 0;
}

void
api_export_products(struct http_request *req)
{
	struct svc_ctx		ctx;
	struct csv_stream	cs;
	struct csv_out		out;

	if (!csv_start(req, &cs, &out, "products.csv"))
		return;
	api_ctx(req, &ctx);
	csv_finish(req, &ctx, &out, svc_export_products(&ctx, &out));
}

void
api_export_stock(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct csv_stream	 cs;
	struct csv_out		 out;
	const char		*loc = http_query(req, "location");

	if (loc != NULL && *loc == '\0')
		loc = NULL;
	if (loc != NULL && (strlen(loc) > API_LOCATION_MAX ||
	    !hf_sku_valid(loc, strlen(loc)))) {
		api_bad_query(req, "location", "a location code");
		return;
	}
	if (!csv_start(req, &cs, &out, "stock.csv"))
		return;
	api_ctx(req, &ctx);
	csv_finish(req, &ctx, &out, svc_export_stock(&ctx, loc, &out));
}

void
api_export_ledger(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct csv_stream	 cs;
	struct csv_out		 out;
	const char		*from, *to;

	if (csv_range(req, &from, &to) != 0 ||
	    !csv_start(req, &cs, &out, "ledger.csv"))
		return;
	api_ctx(req, &ctx);
	csv_finish(req, &ctx, &out, svc_export_ledger(&ctx, from, to, &out));
}

void
api_export_orders(struct http_request *req)
{
	struct svc_ctx		 ctx;
	struct csv_stream	 cs;
	struct csv_out		 out;
	const char		*from, *to;

	if (csv_range(req, &from, &to) != 0 ||
	    !csv_start(req, &cs, &out, "orders.csv"))
		return;
	api_ctx(req, &ctx);
	csv_finish(req, &ctx, &out, svc_export_orders(&ctx, from, to, &out));
}
