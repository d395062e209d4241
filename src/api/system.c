/*
 * system.c: GET /api/v1 and GET /api/v1/health.
 */
#include <stddef.h>

#include "holdfast/api.h"
#include "holdfast/app.h"
#include "holdfast/svc.h"

/* GET /api/v1: what answers */
struct api_about {
	const char	*name;
	const char	*version;
	const char	*revision;
	long long	 uptime_seconds;
};

static const struct hf_field about_fields[] = {
	HF_FIELD(struct api_about, name, HF_K_STR),
	HF_FIELD(struct api_about, version, HF_K_STR),
	HF_FIELD(struct api_about, revision, HF_K_STR),
	HF_FIELD(struct api_about, uptime_seconds, HF_K_INT),
};

/* GET /api/v1/health: "ok" or "down" for each dependency */
struct api_health_view {
	const char	*database;
	const char	*redis;
};

static const struct hf_field health_fields[] = {
	HF_FIELD(struct api_health_view, database, HF_K_STR),
	HF_FIELD(struct api_health_view, redis, HF_K_STR),
};

void
api_root(struct http_request *req)
{
	struct api_about	about;

	about.name = "holdfast";
	about.version = app_version();
	about.revision = app_revision();
	about.uptime_seconds = (hf_now_ms() - req->app->started_ms) / 1000;
	http_reply(req, 200, hf_fields_json(about_fields,
	    HF_NITEMS(about_fields), &about));
}

/* 200 while the database answers, even with Redis down; 503 otherwise. */
void
api_health(struct http_request *req)
{
	struct svc_health	 h;
	struct api_health_view	 v;
	json_object		*data;

	svc_health(req->app, &h);
	v.database = h.database_ok ? "ok" : "down";
	v.redis = h.redis_ok ? "ok" : "down";
	data = hf_fields_json(health_fields, HF_NITEMS(health_fields), &v);
	if (!h.database_ok) {
		http_reply_err(req, HF_E_SYS_UNAVAILABLE,
		    "database unavailable", data);
		return;
	}
	http_reply(req, 200, data);
}
