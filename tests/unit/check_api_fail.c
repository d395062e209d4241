/*
 * check_api_fail.c: the error body for a service's refusal. A field the
 * service names goes into details beside what the service put there.
 */
#include <fcgiapp.h>
#include <json-c/json.h>
#include <string.h>

#include "holdfast/api.h"
#include "suites.h"

/* The reply goes to a buffer; more than fits is dropped. */
static void
sink_empty(FCGX_Stream *s, int done)
{
	(void)done;
	s->wrNext = s->stopUnget;
}

static json_object *
fail_body(struct svc_ctx *ctx, int rc)
{
	static unsigned char	 buf[16384];
	struct arena		 a;
	struct http_request	 req;
	FCGX_Request		 fr;
	FCGX_Stream		 out;
	const char		*body;
	json_object		*o;

	arena_init(&a, 0);
	memset(&req, 0, sizeof(req));
	memset(&fr, 0, sizeof(fr));
	memset(&out, 0, sizeof(out));
	out.wrNext = out.stopUnget = buf;
	out.stop = buf + sizeof(buf);
	out.emptyBuffProc = sink_empty;
	fr.out = &out;
	req.io = &fr;
	req.arena = &a;
	req.method = HTTP_POST;
	req.method_name = "POST";
	req.path = "/api/v1/test";
	memcpy(req.request_id, "rid-1", 6);
	ctx->arena = &a;
	body = api_fail_body(&req, ctx, rc, NULL);
	ck_assert_ptr_nonnull(body);
	o = json_tokener_parse(body);
	ck_assert_ptr_nonnull(o);
	arena_free(&a);
	return o;
}

static const char *
detail(json_object *o, const char *key)
{
	json_object	*d, *v;

	if (!json_object_object_get_ex(o, "details", &d) ||
	    !json_object_object_get_ex(d, key, &v))
		return NULL;
	return json_object_get_string(v);
}

START_TEST(test_field_keeps_details)
{
	struct svc_ctx	 ctx;
	struct arena	 a;
	json_object	*o, *l, *v;

	arena_init(&a, 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.arena = &a;
	ctx.field = "items";
	ctx.reason = "1 to 100 lines";
	svc_detail_str(&ctx, "sku", "BK-1");
	ck_assert_int_eq(svc_detail_line(&ctx, "BK-2", 3, -1, NULL), 0);
	o = fail_body(&ctx, HF_E_REQ_FIELD);
	arena_free(&a);
	/* a line: sku, requested, available (never negative) */
	ck_assert(json_object_object_get_ex(o, "details", &l));
	ck_assert(json_object_object_get_ex(l, "lines", &l));
	ck_assert_int_eq((int)json_object_array_length(l), 1);
	l = json_object_array_get_idx(l, 0);
	ck_assert(json_object_object_get_ex(l, "requested", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	ck_assert(json_object_object_get_ex(l, "available", &v));
	ck_assert_int_eq(json_object_get_int(v), 0);
	ck_assert_str_eq(detail(o, "field"), "items");
	ck_assert_str_eq(detail(o, "reason"), "1 to 100 lines");
	ck_assert_ptr_nonnull(detail(o, "sku"));
	ck_assert_str_eq(detail(o, "sku"), "BK-1");
	json_object_put(o);
}
END_TEST

START_TEST(test_field_alone_and_details_alone)
{
	struct svc_ctx	 ctx;
	json_object	*o, *v;

	memset(&ctx, 0, sizeof(ctx));
	ctx.field = "to";
	o = fail_body(&ctx, HF_E_REQ_FIELD);
	ck_assert_str_eq(detail(o, "field"), "to");
	ck_assert(json_object_object_get_ex(o, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "to: invalid");
	json_object_put(o);

	memset(&ctx, 0, sizeof(ctx));
	svc_detail_int(&ctx, "waiting", 2);
	o = fail_body(&ctx, HF_E_REQ_FIELD);
	ck_assert_ptr_null(detail(o, "field"));
	ck_assert_str_eq(detail(o, "waiting"), "2");
	json_object_put(o);
}
END_TEST

Suite *
suite_api_fail(void)
{
	Suite	*s = suite_create("api_fail");
	TCase	*tc = tcase_create("details");

	tcase_add_test(tc, test_field_keeps_details);
	tcase_add_test(tc, test_field_alone_and_details_alone);
	suite_add_tcase(s, tc);
	return s;
}
