/*
 * holdfast-fcgi: one FastCGI worker. spawn-fcgi (under multiwatch) starts
 * several; each builds its state once and then serves requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/app.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: holdfast-fcgi [-c FILE]\n"
	    "       holdfast-fcgi --help | --version\n"
	    "\n"
	    "One FastCGI worker: it serves the requests that arrive on the\n"
	    "listening socket it is given as standard input (spawn-fcgi binds\n"
	    "it; multiwatch keeps several workers running). Started from a\n"
	    "terminal it has no socket and exits.\n"
	    "\n"
	    "  -c, --config FILE  configuration (default $HOLDFAST_CONF, else\n"
	    "                     /etc/holdfast/holdfast.conf)\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n"
	    "\n"
	    "Signals: TERM stops after the current request; USR2 or HUP\n"
	    "reopens log_file. See holdfast-fcgi(8).\n");
}

int
main(int argc, char **argv)
{
	struct app	 app;
	const char	*conf = NULL;
	char		 err[512];
	int		 i, rc;

	for (i = 1; i < argc; i++) {
		if ((rc = app_common_arg("holdfast-fcgi", argc, argv, &i, &conf,
		    usage)) == 1)
			return 0;
		if (rc == 0)
			continue;
		fprintf(stderr, "holdfast-fcgi: unknown argument '%s'\n",
		    argv[i]);
		usage(stderr);
		return 2;
	}
	if (app_init(&app, conf != NULL ? conf : config_path(), err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "holdfast-fcgi: %s\n", err);
		log_error(NULL, "holdfast-fcgi: %s", err);
		return 1;
	}
	if (strlen(app.cfg.jwt_secret) < 32) {
		if (app.cfg.mode == HF_MODE_PRODUCTION) {
			fprintf(stderr, "holdfast-fcgi: jwt_secret: required in "
			    "production mode, at least 32 bytes\n");
			log_error(NULL, "jwt_secret: required in production "
			    "mode, at least 32 bytes");
			app_free(&app);
			return 1;
		}
		log_warn(NULL, "jwt_secret shorter than 32 bytes: sign-in is "
		    "refused until it is set");
	}
	if (log_reopen_signals() != 0)
		log_warn(NULL, "cannot catch USR2 and HUP: log_file is "
		    "reopened only when it moves");
	log_info(NULL, "worker started (holdfast %s)", app_version());
	svc_init();
	http_hooks_set(&api_http_hooks);
	rc = http_serve(&app, api_routes, api_nroutes);
	log_info(NULL, "worker stopping");
	app_free(&app);
	return rc == 0 ? 0 : 1;
}
