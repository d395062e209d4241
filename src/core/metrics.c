/*
 * metrics.c: the workers' shared counters (see metrics.h): the file that
 * holds them, and a worker's claim on one slot of it. What a worker counts
 * is in metrics_count.c, the Prometheus text of a scrape in metrics_text.c,
 * the layout they share in metrics_int.h.
 *
 * The file: a header, a table of row names (one row per route, found by
 * name), then one slot per worker. Each slot is written only by the
 * process that claimed it, with relaxed atomic loads and stores (plain
 * moves on x86-64 and arm64: no lock, no fence, no system call); a scrape
 * reads every slot the same way and adds them up.
 *
 * Who owns a slot is decided by a one-byte OFD lock (fcntl F_OFD_SETLK)
 * per slot, held for the life of the process: the kernel drops it when
 * the process dies, however it dies, so a free slot is one whose byte can
 * be locked, and a pid that the system has since reused cannot make a dead
 * worker's slot look alive. Claiming a slot, naming rows and laying the
 * file out happen under another lock byte, once per worker start. The
 * lock bytes sit at fixed offsets far past the end of any layout, so a
 * worker can tell whether any other holds a slot without understanding
 * the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "holdfast/metrics.h"
#include "metrics_int.h"

#define METRICS_SETUP_WAIT_MS	2000

#ifdef F_OFD_SETLK
#define MX_SETLK	F_OFD_SETLK
#define MX_GETLK	F_OFD_GETLK
#else
#define MX_SETLK	F_SETLK		/* per process: keep one descriptor */
#define MX_GETLK	F_GETLK
#endif

struct metrics_proc	metrics_mx = { -1, NULL, NULL, -1, NULL, 0 };

static int
mx_lock(int fd, int cmd, short type, off_t start, off_t len,
    struct flock *out)
{
	struct flock	fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	if (fcntl(fd, cmd, &fl) != 0)
		return -1;
	if (out != NULL)
		*out = fl;
	return 0;
}

/* 1 when another process holds a lock on [start, start + len). */
int
metrics_locked_by_other(int fd, off_t start, off_t len)
{
	struct flock	fl;

	if (mx_lock(fd, MX_GETLK, F_WRLCK, start, len, &fl) != 0)
		return 1;	/* cannot tell: assume it is in use */
	return fl.l_type != F_UNLCK;
}

/* Waits a bounded time for the setup byte. */
static int
mx_setup_lock(int fd)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		waited;

	for (waited = 0; waited < METRICS_SETUP_WAIT_MS; waited += 10) {
		if (mx_lock(fd, MX_SETLK, F_WRLCK, METRICS_LOCK_SETUP, 1,
		    NULL) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES)
			return -1;
		nanosleep(&ts, NULL);
	}
	errno = EAGAIN;
	return -1;
}

static void
mx_row_name(struct metrics_row *row, const char *method, const char *pattern)
{
	snprintf(row->method, sizeof(row->method), "%s", method);
	snprintf(row->pattern, sizeof(row->pattern), "%s", pattern);
	__atomic_store_n(&row->used, 1, __ATOMIC_RELEASE);
}

static int
mx_layout_ok(const struct metrics_map *m, off_t file_size)
{
	const struct metrics_head	*h = &m->head;

	return h->magic == METRICS_MAGIC && h->version == METRICS_VERSION &&
	    h->nslots == METRICS_SLOTS && h->nrows == METRICS_ROWS &&
	    h->nstatuses == METRICS_STATUSES &&
	    h->nbuckets == METRICS_BUCKETS &&
	    h->ncounters == METRICS_COUNTERS &&
	    h->size == sizeof(struct metrics_map) &&
	    h->rows_used >= 2 && h->rows_used <= METRICS_ROWS &&
	    file_size == (off_t)sizeof(struct metrics_map);
}

static void
mx_lay_out(struct metrics_map *m)
{
	struct metrics_head	*h = &m->head;

	h->version = METRICS_VERSION;
	h->nslots = METRICS_SLOTS;
	h->nrows = METRICS_ROWS;
	h->nstatuses = METRICS_STATUSES;
	h->nbuckets = METRICS_BUCKETS;
	h->ncounters = METRICS_COUNTERS;
	h->size = sizeof(struct metrics_map);
	mx_row_name(&m->rows[METRICS_ROW_UNMATCHED], "", "unmatched");
	mx_row_name(&m->rows[METRICS_ROW_OTHER], "", "other");
	__atomic_store_n(&h->rows_used, 2, __ATOMIC_RELEASE);
	__atomic_store_n(&h->magic, METRICS_MAGIC, __ATOMIC_RELEASE);
}

/*
 * Maps the file, laying it out afresh when it is new or was laid out by
 * another version that no live worker uses any more. Called with the
 * setup byte held.
 */
static struct metrics_map *
mx_map(int fd, char *err, size_t errlen)
{
	struct metrics_map	*m;
	struct stat		 st;
	int			 fresh = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return NULL;
	}
	if (st.st_size != (off_t)sizeof(struct metrics_map)) {
		if (st.st_size != 0 && metrics_locked_by_other(fd,
		    METRICS_LOCK_SLOT(0), METRICS_LOCK_SLOTS_ANY)) {
			snprintf(err, errlen, "laid out by another version "
			    "that a running worker still uses");
			return NULL;
		}
		if (ftruncate(fd, 0) != 0 ||
		    ftruncate(fd, (off_t)sizeof(struct metrics_map)) != 0) {
			snprintf(err, errlen, "cannot size it: %s",
			    strerror(errno));
			return NULL;
		}
		fresh = 1;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	if (!fresh && !mx_layout_ok(m, (off_t)sizeof(*m))) {
		if (metrics_locked_by_other(fd, METRICS_LOCK_SLOT(0),
		    METRICS_LOCK_SLOTS_ANY)) {
			snprintf(err, errlen, "laid out by another version "
			    "that a running worker still uses");
			munmap(m, sizeof(*m));
			return NULL;
		}
		memset(m, 0, sizeof(*m));
		fresh = 1;
	}
	if (fresh)
		mx_lay_out(m);
	return m;
}

/* Names a row for every route; a route with no room counts as "other". */
static int
mx_name_rows(struct metrics_map *m, const struct metrics_route *routes,
    size_t n)
{
	struct metrics_row	*row;
	uint32_t		 used, r;
	size_t			 i;

	free(metrics_mx.rows);
	metrics_mx.nroutes = 0;
	if ((metrics_mx.rows = calloc(n + 1, sizeof(*metrics_mx.rows))) == NULL)
		return -1;
	used = m->head.rows_used;
	for (i = 0; i < n; i++) {
		metrics_mx.rows[i] = METRICS_ROW_OTHER;
		if (strlen(routes[i].method) >= METRICS_METHOD_LEN ||
		    strlen(routes[i].pattern) >= METRICS_PATTERN_LEN)
			continue;
		for (r = 2; r < used; r++) {
			row = &m->rows[r];
			if (strcmp(row->method, routes[i].method) == 0 &&
			    strcmp(row->pattern, routes[i].pattern) == 0)
				break;
		}
		if (r == used) {
			if (used == METRICS_ROWS)
				continue;
			mx_row_name(&m->rows[used], routes[i].method,
			    routes[i].pattern);
			__atomic_store_n(&m->head.rows_used, ++used,
			    __ATOMIC_RELEASE);
		}
		metrics_mx.rows[i] = (uint16_t)r;
	}
	metrics_mx.nroutes = n;
	return 0;
}

/* The first slot no live process holds: a dead worker's or a new one. */
static int
mx_claim(int fd, struct metrics_map *m)
{
	struct metrics_slot	*s;
	int			 i;

	for (i = 0; i < METRICS_SLOTS; i++) {
		if (mx_lock(fd, MX_SETLK, F_WRLCK, METRICS_LOCK_SLOT(i), 1,
		    NULL) != 0)
			continue;
		s = &m->slots[i];
		__atomic_store_n(&s->pid, (int32_t)getpid(), __ATOMIC_RELAXED);
		__atomic_store_n(&s->starts, s->starts + 1, __ATOMIC_RELAXED);
		return i;
	}
	return -1;
}

int
metrics_open(const char *path, const struct metrics_route *routes,
    size_t nroutes, char *err, size_t errlen)
{
	struct metrics_map	*m = NULL;
	char			 why[160];
	int			 fd, slot;

	metrics_close();
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "metrics_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (mx_setup_lock(fd) != 0) {
		snprintf(err, errlen, "metrics_file %s: cannot lock it: %s",
		    path, strerror(errno));
		goto close_fd;
	}
	if ((m = mx_map(fd, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "metrics_file %s: %s", path, why);
		goto unlock;
	}
	if (mx_name_rows(m, routes, nroutes) != 0) {
		snprintf(err, errlen, "metrics_file %s: out of memory", path);
		goto unmap;
	}
	if ((slot = mx_claim(fd, m)) < 0) {
		snprintf(err, errlen, "metrics_file %s: all %d slots are held "
		    "by running workers", path, METRICS_SLOTS);
		goto unmap;
	}
	mx_lock(fd, MX_SETLK, F_UNLCK, METRICS_LOCK_SETUP, 1, NULL);
	metrics_mx.fd = fd;
	metrics_mx.map = m;
	metrics_mx.slot = &m->slots[slot];
	metrics_mx.slot_index = slot;
	return 0;
unmap:
	munmap(m, sizeof(*m));
	free(metrics_mx.rows);
	metrics_mx.rows = NULL;
	metrics_mx.nroutes = 0;
unlock:
	mx_lock(fd, MX_SETLK, F_UNLCK, METRICS_LOCK_SETUP, 1, NULL);
close_fd:
	close(fd);
	return -1;
}

/* Unmaps the file; closing the descriptor gives the slot up. */
void
metrics_close(void)
{
	if (metrics_mx.map != NULL)
		munmap(metrics_mx.map, sizeof(*metrics_mx.map));
	if (metrics_mx.fd >= 0)
		close(metrics_mx.fd);
	free(metrics_mx.rows);
	metrics_mx.fd = -1;
	metrics_mx.map = NULL;
	metrics_mx.slot = NULL;
	metrics_mx.slot_index = -1;
	metrics_mx.rows = NULL;
	metrics_mx.nroutes = 0;
}

int
metrics_slot(void)
{
	return metrics_mx.slot_index;
}
