/*
 * csv_io.h: CSV in and out (issue 17, item 6). The import of products
 * with their stock per location (svc/csv_import.c, svc/csv_apply.c) and
 * the streamed exports (svc/csv_export.c). The services never see
 * FastCGI: an export writes through the caller's callback, the import
 * reads a body the caller hands over. README "CSV" is the contract.
 */
#ifndef HOLDFAST_CSV_IO_H
#define HOLDFAST_CSV_IO_H

#include <stddef.h>
#include <stdint.h>

#include "holdfast/svc.h"

/* The import's header, its caps (README "CSV"). */
#define IMPORT_HEADER		"sku,name,price,category,description," \
	"location,on_hand"
#define IMPORT_MAX_BYTES	(32 * 1024 * 1024)	/* the body */
#define IMPORT_MAX_ROWS		200000		/* data rows */
#define IMPORT_ERRORS_MAX	10000		/* bad rows listed */
#define IMPORT_CHUNK		200		/* products per transaction */

/* One bad row (or the file itself: line 1 for the header). */
struct import_error {
	long long	 line;
	const char	*sku;		/* as the row spells it, or NULL */
	const char	*column;	/* NULL: the row as a whole */
	const char	*reason;
};

/*
 * What an import found and did. A dry run counts what a real run would
 * do; a real run counts what it did. Products: created, updated (a
 * field or a unit moved), unchanged. stock_changes: (product, location)
 * pairs whose on_hand moves, one ledger row each.
 */
struct import_report {
	int			 dry_run;
	long long		 rows, products;
	long long		 created, updated, unchanged;
	long long		 stock_changes, units_added, units_removed;
	struct import_error	*errors;	/* by line, the first listed */
	size_t			 nerrors;
	long long		 error_count;	/* all of them */
	/* a real run: transactions of IMPORT_CHUNK products, done */
	long long		 chunks, chunks_done;
	/* a real run that stopped part way (IMP_002): where and why */
	long long		 failed_line;
	const char		*failed_sku, *failed_code, *failed_reason;
};

/*
 * Checks every row of body (the whole file, or nothing changes) and,
 * unless dry_run, applies it. Returns HF_OK (a dry run, whatever it
 * found; or everything applied), HF_E_IMP_BAD_ROWS (a real run refused:
 * report lists the bad rows, nothing changed), HF_E_IMP_PARTIAL (chunks
 * before failed_sku were applied; the same file again finishes it), or
 * an error before anything changed.
 */
int	 svc_import_products(struct svc_ctx *, const char *body, size_t len,
	    int dry_run, struct import_report *);

/*
 * The exports write their text through write (0, or -1 when the client
 * is gone), in parts of whole rows; nothing is written before the first
 * row is in hand, so a failure up to there leaves the answer unsent
 * (started stays 0) and the caller can still refuse with an error.
 */
struct csv_out {
	int			(*write)(void *arg, const char *, size_t);
	void			*arg;
	int			 started;	/* a part went out */
	unsigned long long	 rows;
};

int	 svc_export_products(struct svc_ctx *, struct csv_out *);
int	 svc_export_stock(struct svc_ctx *, const char *location,
	    struct csv_out *);
/* from and to in the database's form, NULL for an open end */
int	 svc_export_ledger(struct svc_ctx *, const char *from, const char *to,
	    struct csv_out *);
int	 svc_export_orders(struct svc_ctx *, const char *from, const char *to,
	    struct csv_out *);

#endif /* HOLDFAST_CSV_IO_H */
