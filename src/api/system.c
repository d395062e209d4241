/*
 * system.c: GET /api/v1 and GET /api/v1/health.
 */
#include "holdfast/api.h"
#include "holdfast/app.h"
#include "holdfast/svc.h"

void
api_root(struct http_request *req)
{
	json_object	*data = json_object_new_object();

	json_object_object_add(data, "name", json_object_new_string("holdfast"));
	json_object_object_add(data, "version",
	    json_object_new_string(app_version()));
	json_object_object_add(data, "revision",
	    json_object_new_string(app_revision()));
	json_object_object_add(data, "uptime_seconds",
	    json_object_new_int64((hf_now_ms() - req->app->started_ms) / 1000));
	http_reply(req, 200, data);
}

/* 200 while the database answers, even with Redis down; 503 otherwise. */
void
api_health(struct http_request *req)
{
	struct svc_health	 h;
	json_object		*data;

	svc_health(req->app, &h);
	data = json_object_new_object();
	json_object_object_add(data, "database",
	    json_object_new_string(h.database_ok ? "ok" : "down"));
	json_object_object_add(data, "redis",
	    json_object_new_string(h.redis_ok ? "ok" : "down"));
	if (!h.database_ok) {
		http_reply_err(req, HF_E_SYS_UNAVAILABLE,
		    "database unavailable", data);
		return;
	}
	http_reply(req, 200, data);
}
