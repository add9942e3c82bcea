/*
 * lib/users/users_internal.h - what the users module offers other modules
 * inside the library (auth, orders, notify). Owned by the users module; the
 * signatures below are agreed with the auth module: append, don't change.
 */
#ifndef TC_USERS_INTERNAL_H
#define TC_USERS_INTERNAL_H

#include "core/internal.h"

/* Normalise an e-mail address into out (lower-cased domain and local part,
 * trimmed; RFC 5321 limits: 254 bytes total, 64 local): TC_EINVAL naming
 * field "email" when it is not an address. */
int tc__users_normalize_email(tc_ctx *ctx, const char *email, char *out,
                              size_t out_size);

/* Find an active user by (normalised) e-mail: TC_OK and user_id filled,
 * or TC_ENOTFOUND with no message set (callers decide what to reveal). */
int tc__users_find_by_email(tc_ctx *ctx, const char *email,
                            char user_id[TC_ID_STRLEN + 1]);

/* Basic facts about a user for other modules. */
typedef struct tc__user_brief {
  char id[TC_ID_STRLEN + 1];
  char email[256];
  char name[256];
  char locale[16];
  bool email_verified;
  bool active;
} tc__user_brief;

/* TC_OK, or TC_ENOTFOUND (message set, naming the id). */
int tc__users_get_brief(tc_ctx *ctx, const char *user_id, tc__user_brief *out);

/* ---- appended by the users module ---- */

/* One preference of a user as text ("true"/"false" for booleans) into
 * out: TC_OK, TC_ENOTFOUND (no message) when the user has not set it,
 * TC_EINVAL naming "key" for a key the module does not know. For notify
 * (opt_out_email, opt_out_sms, opt_out_push, opt_out_in_app,
 * marketing_opt_in) and others (currency, timezone, locale). */
int tc__users_get_pref(tc_ctx *ctx, const char *user_id, const char *key,
                       char *out, size_t out_size);

#endif
