/*
 * acct_int.h: what the account services (users.c, register.c, tokens.c,
 * keys.c) share. users.c is the root of the four: it reads users, makes
 * them, and publishes their generation; the others call it, never each
 * other.
 */
#ifndef HOLDFAST_ACCT_INT_H
#define HOLDFAST_ACCT_INT_H

#include "holdfast/db_accounts.h"
#include "holdfast/svc.h"

/* A user by id or e-mail into *u (arena strings): HF_E_NOT_FOUND if none. */
int	 acct_user_by_id(struct db *, struct arena *, uint64_t id,
	    struct user *u);
int	 acct_user_by_email(struct db *, struct arena *, const char *email,
	    struct user *u);

/* A user as its audit rows show it (JSON text in the arena, NULL: OOM). */
char	*acct_user_audit_text(struct arena *, const struct user *);

/*
 * Copies user id's token_version to Redis after a COMMIT that bumped it,
 * so that the user's next request, on any worker, reads the database.
 */
void	 acct_gen_publish(struct app *, struct arena *, uint64_t id);

/* HF_OK, or HF_E_REQ_FIELD naming "password" when its length is wrong. */
int	 acct_check_password(struct svc_ctx *, const char *pw);

/* An e-mail queued in the outbox by the transaction that causes it. */
struct acct_mail {
	const char	*event;
	const char	*to;
	const char	*subject;	/* NULL: no mail */
	const char	*body;
	uint64_t	 outbox_id;	/* set when queued */
};

/* A new user, and the mail its transaction queues (register's code). */
struct acct_new {
	const char	*email;
	const char	*password;
	const char	*role;
	const char	*status;	/* active, or pending until verified */
	const char	*display_name;	/* NULL: none */
	struct acct_mail mail;
};

/*
 * Creates the user in one transaction with its audit row and its mail,
 * which is sent right after COMMIT. HF_E_AUTH_EMAIL_TAKEN when the
 * address is in use.
 */
int	 acct_user_create(struct svc_ctx *, struct acct_new *, struct user *);

#endif /* HOLDFAST_ACCT_INT_H */
