/*
 * holdfast-fcgi: one FastCGI worker. spawn-fcgi (under multiwatch) starts
 * several; each builds its state once and then serves requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holdfast/api.h"
#include "holdfast/app.h"

int
main(void)
{
	struct app	app;
	char		err[512];
	int		rc;

	if (app_init(&app, config_path(), err, sizeof(err)) != 0) {
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
	log_info(NULL, "worker started");
	svc_init();
	http_hooks_set(&api_http_hooks);
	rc = http_serve(&app, api_routes, api_nroutes);
	log_info(NULL, "worker stopping");
	app_free(&app);
	return rc == 0 ? 0 : 1;
}
