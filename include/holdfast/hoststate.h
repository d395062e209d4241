/*
 * hoststate.h: what every app host shares instead of keeping it on its
 * own (issue 16, item 2; src/svc/hoststate.c).
 */
#ifndef HOLDFAST_HOSTSTATE_H
#define HOLDFAST_HOSTSTATE_H

#include <stddef.h>

#include "holdfast/svc.h"

/*
 * hoststate.c (issue 16, item 2): covers in the database, cached on each
 * host's disk; the generation of lost cache invalidations every host
 * reads (README "Scale-out: shared state").
 */
int	 svc_cover_store(struct svc_ctx *, const char *hash, const char *type,
	    const char *body, size_t len);
int	 svc_cover_get(struct svc_ctx *, const char *file, const char **bytes,
	    size_t *len, const char **media_type);
void	 svc_lost_poll(struct app *, struct arena *);
void	 svc_lost_record(struct app *, const char *rid);
int	 svc_covers_import(struct app *, long *added, long *bad, char *err,
	    size_t errlen);

#endif /* HOLDFAST_HOSTSTATE_H */
