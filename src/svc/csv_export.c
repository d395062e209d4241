/*
 * csv_export.c: the CSV exports (README "CSV"): products in the import's
 * own form, stock per location, the ledger and orders for a time range.
 * Each is one statement read with db_stream: a row is formatted into a
 * buffer on the heap as it arrives and the buffer goes out through the
 * caller's writer every EXPORT_FLUSH bytes, so a million rows cost the
 * worker what a few hundred do. One statement is one consistent read
 * (InnoDB's snapshot of the statement), whatever commits meanwhile.
 */
#include <string.h>

#include "holdfast/csv.h"
#include "holdfast/csv_io.h"
#include "holdfast/db.h"
#include "holdfast/db_csv.h"
#include "inv_int.h"

#define EXPORT_FLUSH	(64 * 1024)	/* bytes gathered before a write */
#define EXPORT_ROW_MAX	(4 * 1024 * 1024)	/* the buffer's cap */

/* Open ends of a time range: before and after any row. */
#define EXPORT_FROM	"1000-01-01 00:00:00.000"
#define EXPORT_TO	"9999-12-31 23:59:59.999"

struct export_run {
	struct csv_out	*out;
	struct hf_buf	 buf;
	int		 gone;		/* the writer refused: client gone */
	int		(*row)(struct hf_buf *, const void *);
};

/* Sends what the buffer holds. Returns HF_OK, or not once gone. */
static int
export_flush(struct export_run *x)
{
	if (x->buf.toobig)
		return HF_E_SYS_INTERNAL;
	if (x->buf.len == 0)
		return HF_OK;
	x->out->started = 1;
	if (x->out->write(x->out->arg, x->buf.p, x->buf.len) != 0) {
		x->gone = 1;
		return HF_E_SYS_INTERNAL;
	}
	x->buf.len = 0;
	return HF_OK;
}

static int
export_row(void *arg, void *row)
{
	struct export_run	*x = arg;

	if (x->row(&x->buf, row) != 0)
		return HF_E_SYS_INTERNAL;
	x->out->rows++;
	return x->buf.len >= EXPORT_FLUSH ? export_flush(x) : HF_OK;
}

/*
 * The header, then every row of q through fmt. Returns HF_OK, or the
 * error that stopped it (out->started says whether any of it went out).
 */
static int
export_run(struct svc_ctx *ctx, struct csv_out *out, const char *header,
    struct db_sql *q, const struct db_param *p, size_t np,
    int (*fmt)(struct hf_buf *, const void *))
{
	struct export_run	 x;
	unsigned long long	 n = 0;
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.out = out;
	x.row = fmt;
	hf_buf_init(&x.buf, NULL, EXPORT_ROW_MAX);
	hf_buf_puts(&x.buf, header);
	hf_buf_puts(&x.buf, "\r\n");
	rc = db_stream(ctx->app->db, q, p, np, export_row, &x, &n);
	if (rc == HF_OK)
		rc = export_flush(&x);
	if (x.gone)
		log_info(ctx->request_id, "export: the client left after %llu "
		    "rows", n);
	else if (rc != HF_OK)
		log_error(ctx->request_id, "export failed after %llu rows: %s",
		    n, db_last_error(ctx->app->db));
	hf_buf_free(&x.buf);
	return rc;
}

/* --- the rows --------------------------------------------------------- */

/* money as the currency writes it (no ".00" in JPY: currency.c) */
static void
put_money(struct hf_buf *b, const char *s)
{
	char	m[32];

	hf_csv_puts(b, hf_money_text(s, m, sizeof(m)), 0);
}

static int
fmt_product(struct hf_buf *b, const void *arg)
{
	const struct csv_product_row	*r = arg;

	hf_csv_puts(b, r->sku, 1);
	hf_csv_puts(b, r->name, 0);
	put_money(b, r->price);
	hf_csv_puts(b, r->category, 0);
	hf_csv_puts(b, r->description, 0);
	hf_csv_puts(b, r->location, 0);
	if (r->on_hand == HF_NULL_INT)
		hf_csv_puts(b, NULL, 0);
	else
		hf_csv_put_int(b, r->on_hand, 0);
	return hf_csv_end(b);
}

static int
fmt_stock(struct hf_buf *b, const void *arg)
{
	const struct csv_stock_row	*r = arg;

	hf_csv_puts(b, r->sku, 1);
	hf_csv_puts(b, r->name, 0);
	hf_csv_puts(b, r->location, 0);
	hf_csv_put_int(b, r->on_hand, 0);
	hf_csv_put_int(b, r->reserved, 0);
	hf_csv_put_int(b, r->available, 0);
	return hf_csv_end(b);
}

static int
fmt_ledger(struct hf_buf *b, const void *arg)
{
	const struct ledger_row	*r = arg;

	hf_csv_put_int(b, (long long)r->id, 1);
	hf_csv_puts(b, r->created_at, 0);
	hf_csv_puts(b, r->sku, 0);
	hf_csv_puts(b, r->location, 0);
	hf_csv_puts(b, r->type, 0);
	hf_csv_put_int(b, r->on_hand_delta, 0);
	hf_csv_put_int(b, r->reserved_delta, 0);
	hf_csv_put_int(b, r->on_hand_after, 0);
	hf_csv_put_int(b, r->reserved_after, 0);
	hf_csv_puts(b, r->reference_type, 0);
	hf_csv_puts(b, r->reference_id, 0);
	hf_csv_puts(b, r->reason, 0);
	hf_csv_puts(b, r->actor, 0);
	hf_csv_puts(b, r->request_id, 0);
	return hf_csv_end(b);
}

static int
fmt_order(struct hf_buf *b, const void *arg)
{
	const struct csv_order_row	*r = arg;

	hf_csv_put_int(b, (long long)r->order_id, 1);
	hf_csv_puts(b, r->reference_id, 0);
	hf_csv_puts(b, r->created_at, 0);
	hf_csv_puts(b, r->status, 0);
	if (r->user_id == HF_NULL_INT)
		hf_csv_puts(b, NULL, 0);
	else
		hf_csv_put_int(b, r->user_id, 0);
	hf_csv_puts(b, r->created_by, 0);
	hf_csv_puts(b, r->currency, 0);
	put_money(b, r->total);
	hf_csv_puts(b, r->paid_at, 0);
	hf_csv_puts(b, r->cancelled_at, 0);
	hf_csv_puts(b, r->refunded_at, 0);
	hf_csv_puts(b, r->fulfilled_at, 0);
	hf_csv_puts(b, r->note, 0);
	hf_csv_puts(b, r->sku, 0);
	hf_csv_put_int(b, r->quantity, 0);
	put_money(b, r->unit_price);
	put_money(b, r->line_total);
	hf_csv_puts(b, r->location, 0);
	return hf_csv_end(b);
}

/* --- the exports ------------------------------------------------------ */

int
svc_export_products(struct svc_ctx *ctx, struct csv_out *out)
{
	return export_run(ctx, out, IMPORT_HEADER, &db_sql_csv_products, NULL,
	    0, fmt_product);
}

/* Every place, or those of one location (LOC_001 when there is none). */
int
svc_export_stock(struct svc_ctx *ctx, const char *location,
    struct csv_out *out)
{
	const struct location	*lo;
	const char		*code = NULL;
	struct db_param		 p[1];
	int			 rc;

	if (location != NULL) {
		if ((rc = inv_location_named(ctx->app->db, ctx, location,
		    &lo)) != HF_OK)
			return rc;
		code = lo->code;
	}
	p[0] = DB_OPT_STR(code);
	return export_run(ctx, out, "sku,name,location,on_hand,reserved,"
	    "available", &db_sql_csv_stock, p, 1, fmt_stock);
}

int
svc_export_ledger(struct svc_ctx *ctx, const char *from, const char *to,
    struct csv_out *out)
{
	struct db_param	p[2];

	p[0] = DB_STR(from != NULL ? from : EXPORT_FROM);
	p[1] = DB_STR(to != NULL ? to : EXPORT_TO);
	return export_run(ctx, out, "id,created_at,sku,location,type,"
	    "on_hand_delta,reserved_delta,on_hand_after,reserved_after,"
	    "reference_type,reference_id,reason,actor,request_id",
	    &db_sql_csv_ledger, p, 2, fmt_ledger);
}

int
svc_export_orders(struct svc_ctx *ctx, const char *from, const char *to,
    struct csv_out *out)
{
	struct db_param	p[2];

	p[0] = DB_STR(from != NULL ? from : EXPORT_FROM);
	p[1] = DB_STR(to != NULL ? to : EXPORT_TO);
	return export_run(ctx, out, "order_id,reference_id,created_at,status,"
	    "user_id,created_by,currency,total,paid_at,cancelled_at,"
	    "refunded_at,fulfilled_at,note,sku,quantity,unit_price,"
	    "line_total,location", &db_sql_csv_orders, p, 2, fmt_order);
}
