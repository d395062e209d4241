/*
 * csv_int.h: what the two halves of the CSV import share. csv_import.c
 * reads the file (every row on its own, then the rows of each product
 * together) and runs the import; csv_apply.c compares each product with
 * the database and writes what differs. The file stays where the request
 * put it: a row is a few numbers pointing into it (struct imp_ref), and
 * is read again from there when its fields are needed.
 */
#ifndef HOLDFAST_CSV_INT_H
#define HOLDFAST_CSV_INT_H

#include <stdint.h>

#include "holdfast/csv.h"
#include "holdfast/csv_io.h"
#include "holdfast/db_csv.h"
#include "inv_int.h"

#define IMP_COLS	7
enum { IMP_SKU, IMP_NAME, IMP_PRICE, IMP_CATEGORY, IMP_DESC, IMP_LOC,
    IMP_QTY };
#define IMP_NAME_MAX		255
#define IMP_CATEGORY_MAX	100
#define IMP_DESC_MAX		16384
#define IMP_QTY_MAX		1000000000LL
#define IMP_FIELD_MAX		IMP_DESC_MAX	/* the reader's field cap */

/* One data row that passed on its own. */
struct imp_ref {
	const char	*sku;		/* in the body (never escaped) */
	uint64_t	 loc_id;	/* 0: a row without location */
	uint32_t	 off;		/* the record's offset in the body */
	uint32_t	 line;
	int32_t		 on_hand;	/* -1 without location */
	uint8_t		 sku_len;
	uint8_t		 bad;		/* refused on the product's level */
};

/* A product's catalog fields, from its first row in the file. */
struct imp_fields {
	const char	*sku, *name, *category, *description;
	long long	 price;		/* cents */
};

/* One product of the file: its rows, sorted by location. */
struct imp_group {
	struct imp_ref	*rows;
	size_t		 n;
	struct imp_ref	*head;		/* its first row in the file */
	struct imp_fields f;		/* head's fields (scratch arena) */
};

struct imp_cat {
	const char	*name;		/* exactly as written */
	uint64_t	 id;
};

#define IMP_CATS	64

struct imp_run {
	struct svc_ctx		*ctx;
	struct arena		*keep;		/* the request's: the report */
	struct arena		 scratch;	/* reset every chunk */
	const char		*body;
	size_t			 len;
	struct hf_csv		 rd;		/* re-reads one record */
	struct imp_ref		*refs;
	size_t			 nrefs;
	struct import_report	*rep;
	int			 dry_run;
	int			 refused;	/* the file as a whole */
	/* categories found or made (the cache lives in keep) */
	struct imp_cat		 cats[IMP_CATS];
	size_t			 ncats;
	/* a chunk being applied: its counts, added after its COMMIT */
	struct imp_group	*groups;
	size_t			 g_from, g_to;
	int			 attempt;	/* of the chunk, from 0 */
	/* the chunk's products read in one trip (csv_apply.c) */
	struct csv_import_product **pre;
	unsigned char		*pre_known;
	long long		 c_created, c_updated, c_unchanged,
				 c_changes, c_added, c_removed;
	/* the product a real run stopped at */
	struct imp_group	*failed;
	const struct imp_ref	*fail_row;	/* the row that could not */
	const char		*fail_reason;
};

/* csv_rows.c */
void	 imp_error(struct imp_run *, long long line, const char *sku,
	    size_t sku_len, const char *column, const char *reason);
int	 imp_fields_read(struct imp_run *, const struct imp_ref *,
	    struct imp_fields *);
long long imp_money(const char *, size_t);
int	 imp_sku_cmp(const char *, size_t, const char *, size_t);

/* One row whose on_hand differs from its place's (from: on hand now). */
struct imp_move {
	const struct imp_ref	*row;
	long long		 from;
};

/* What a product needs: its fields to set, its units to move. */
struct imp_plan {
	int			 exists, set_name, set_desc, set_cat,
				 set_price;
	uint64_t		 pid, cat_id;
	struct imp_move		*moves;
	size_t			 nmoves;
};

/* csv_rows.c: passes 1 and 2, the file alone */
int	 imp_read_rows(struct imp_run *);
int	 imp_group_rows(struct imp_run *, size_t *ngroups);

/* csv_plan.c: pass 3; what a product needs, the counts */
int	 imp_check_all(struct imp_run *, size_t ngroups);
int	 imp_plan(struct imp_run *, struct db *, struct imp_group *,
	    const struct imp_fields *, const struct csv_import_product *,
	    const struct stock_place *, size_t, int apply, struct imp_plan *);
int	 imp_read(struct imp_run *, struct db *, const char *sku,
	    struct csv_import_product *, int *found, struct stock_place **,
	    size_t *);
int	 imp_batch_read(struct imp_run *, struct db *);
int	 imp_read_group(struct imp_run *, struct db *, size_t group,
	    const char *sku, struct csv_import_product *, int *found,
	    struct stock_place **, size_t *);
int	 imp_category(struct imp_run *, struct db *, const char *name,
	    int create, uint64_t *id, int *found);
void	 imp_count(struct imp_run *, const struct imp_plan *);
void	 imp_report_add(struct imp_run *);
void	 imp_scratch_reset(struct imp_run *);

/* csv_apply.c: the real run */
int	 imp_apply_all(struct imp_run *, size_t ngroups);

#endif /* HOLDFAST_CSV_INT_H */
