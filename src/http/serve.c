/*
 * serve.c: a worker's life: the FastCGI accept loop. spawn-fcgi hands the
 * listening socket over as fd 0; each accepted request gets the worker's
 * one arena, which is reset when the request ends, and is served by the
 * front door (front.c). SIGTERM ends the loop between requests; the
 * shared counters (metrics_file) are opened before the first request.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "holdfast/app.h"
#include "holdfast/http.h"
#include "holdfast/metrics.h"
#include "http_int.h"

/* above 4 x max_body_bytes: room for the largest list page (100 products
 * at every cap need about 8 MiB: their rows and the page's text) */
#define HTTP_ARENA_SLACK	(12 * 1024 * 1024)

static volatile sig_atomic_t	serve_busy;
static volatile sig_atomic_t	serve_stopping;

/* SIGTERM: leave now when idle, else after the current request. */
static void
serve_on_term(int sig)
{
	(void)sig;
	if (!serve_busy)
		_exit(0);
	serve_stopping = 1;
}

/*
 * Maps the shared counters (metrics_file) with a row named for every
 * route. Here rather than in app_init(): only the workers count, and
 * holdfast-admin, run as root, must not create the file that the workers
 * (www-data) could then not open. A failure only costs the counters.
 */
static void
serve_metrics_open(struct app *app, const struct route *routes,
    size_t nroutes)
{
	struct metrics_route	*names;
	char			 err[512];
	size_t			 i;

	if (app->cfg.metrics_file[0] == '\0') {
		log_info(NULL, "metrics_file is empty: no request counters");
		return;
	}
	if ((names = calloc(nroutes + 1, sizeof(*names))) == NULL) {
		log_warn(NULL, "metrics: out of memory: no request counters");
		return;
	}
	for (i = 0; i < nroutes; i++) {
		names[i].method = http_method_name(routes[i].method);
		names[i].pattern = routes[i].pattern;
	}
	if (metrics_open(app->cfg.metrics_file, names, nroutes, err,
	    sizeof(err)) != 0)
		log_warn(NULL, "%s: serving without request counters", err);
	else
		log_debug(NULL, "metrics: slot %d of %s", metrics_slot(),
		    app->cfg.metrics_file);
	free(names);
}

/*
 * Accepts and serves requests until SIGTERM or a fatal accept error.
 * Returns 0 on a clean stop, -1 otherwise.
 */
int
http_serve(struct app *app, const struct route *routes, size_t nroutes)
{
	FCGX_Request		 fr;
	struct arena		 arena;
	struct http_request	 req;
	struct sigaction	 sa;
	int64_t			 usec;
	size_t			 i, cap = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_error(NULL, "FastCGI initialisation failed");
		return -1;
	}
	/* a route with a larger cap of its own (a CSV import) reads its
	 * body whole and walks it: room for twice that */
	for (i = 0; i < nroutes; i++)
		if (routes[i].max_body > cap)
			cap = routes[i].max_body;
	arena_init(&arena, (size_t)app->cfg.max_body_bytes * 4 +
	    HTTP_ARENA_SLACK + (cap > (size_t)app->cfg.max_body_bytes ?
	    cap * 2 : 0));
	serve_metrics_open(app, routes, nroutes);
	while (!serve_stopping) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		serve_busy = 1;
		memset(&req, 0, sizeof(req));
		req.app = app;
		req.arena = &arena;
		req.io = &fr;
		req.started_us = hf_now_us();
		http_serve_one(&req, routes, nroutes);
		usec = hf_now_us() - req.started_us;
		log_access(req.method_name, req.raw_uri, req.status, usec,
		    req.request_id);
		/* counted before the reply is flushed, so a client that has
		 * its answer finds it in the next scrape */
		metrics_request(req.route != NULL ?
		    (int)(req.route - routes) : -1, req.status, usec);
		/* a stream cut short: the web server must see the
		 * connection drop, not an answer that ends as if whole */
		if (req.aborted)
			shutdown(fr.ipcFd, SHUT_RDWR);
		FCGX_Finish_r(&fr);
		arena_reset(&arena);
		serve_busy = 0;
	}
	metrics_close();
	arena_free(&arena);
	FCGX_Free(&fr, 1);
	return serve_stopping ? 0 : -1;
}
