/*
 * api.h: the route table and the handlers it names, one file per
 * resource under src/api/.
 */
#ifndef HOLDFAST_API_H
#define HOLDFAST_API_H

#include <stddef.h>

#include "holdfast/http.h"
#include "holdfast/svc.h"

extern const struct route	api_routes[];
extern const size_t		api_nroutes;

/* common.c */
void		 api_ctx(struct http_request *, struct svc_ctx *);
void		 api_fail(struct http_request *, const struct svc_ctx *, int);
int		 api_paging(struct http_request *, long long *, long long *);
void		 api_bad_query(struct http_request *, const char *,
		    const char *);
int		 api_id_arg(struct http_request *, size_t, uint64_t *);
const char	*api_time_param(struct http_request *, const char *);
json_object	*api_list(json_object *, long long, long long, long long);
json_object	*api_str_or_null(const char *);

/* system.c */
void	api_root(struct http_request *);
void	api_health(struct http_request *);

/* auth.c */
extern const struct body_schema	schema_register, schema_verify,
				schema_email, schema_login, schema_refresh,
				schema_reset;
void	api_register(struct http_request *);
void	api_verify(struct http_request *);
void	api_resend(struct http_request *);
void	api_login(struct http_request *);
void	api_refresh(struct http_request *);
void	api_logout(struct http_request *);
void	api_forgot(struct http_request *);
void	api_reset(struct http_request *);

/* users.c */
extern const struct body_schema	schema_me_patch, schema_user_create,
				schema_user_patch, schema_key_create;
json_object *api_user_json(const struct user *);
void	api_me_get(struct http_request *);
void	api_me_patch(struct http_request *);
void	api_users_list(struct http_request *);
void	api_user_create(struct http_request *);
void	api_user_patch(struct http_request *);
void	api_keys_create(struct http_request *);
void	api_keys_list(struct http_request *);
void	api_keys_delete(struct http_request *);

/* audit.c */
void	api_audit_list(struct http_request *);

#endif /* HOLDFAST_API_H */
