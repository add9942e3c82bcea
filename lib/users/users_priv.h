/*
 * lib/users/users_priv.h - helpers shared by the files of the users module
 * only. Other modules use its public functions (techcorp/users.h).
 */
#ifndef TC_USERS_PRIV_H
#define TC_USERS_PRIV_H

#include <cjson/cJSON.h>

#include "core/internal.h"
#include "techcorp/users.h"

/* A bound text parameter from a local char array (TC_VAL_TEXT's NULL test
 * would warn: an array is never NULL). */
#define TC__VAL_BUF(a) TC_VAL_TEXTN((a), strlen(a))

/* Token text: 32 random bytes in base64url without padding. */
#define TC__USERS_TOKEN_LEN 43
#define TC__USERS_TOKEN_BYTES 32

/* Find an active user by e-mail (normalised here): TC_OK and user_id
 * filled, or TC_ENOTFOUND with no message set (callers decide what to
 * reveal). */
int tc__users_find_by_email(tc_ctx *ctx, const char *email,
                            char user_id[TC_ID_STRLEN + 1]);

/* One preference of a user as text ("true"/"false" for booleans) into out:
 * TC_OK, TC_ENOTFOUND (no message) when the user has not set it, TC_EINVAL
 * naming "key" for a key the module does not know. */
int tc__users_get_pref(tc_ctx *ctx, const char *user_id, const char *key,
                       char *out, size_t out_size);

/* Options in force for ctx (the defaults when never configured). */
const tc_users_options *tc__users_opts(tc_ctx *ctx);

/* True when who acts on their own account (a user principal whose id is
 * user_id). */
bool tc__users_is_self(const tc_principal *who, const char *user_id);

/* Load a user row. TC_ENOTFOUND naming "user_id" when missing. */
int tc__users_load(tc_ctx *ctx, const char *user_id, tc_user *out);
/* As tc__users_load, but a deleted user is TC_ENOTFOUND too. */
int tc__users_load_active(tc_ctx *ctx, const char *user_id, tc_user *out);

/* ---- validation (errors name `field`) ---- */
int tc__users_check_locale(tc_ctx *ctx, const char *field, const char *s);
/* Normalise a phone number into out (TC_USERS_PHONE_MAX + 1 bytes). */
int tc__users_norm_phone(tc_ctx *ctx, const char *field, const char *s,
                         char *out);
int tc__users_check_country(tc_ctx *ctx, const char *field, const char *s,
                            char out[3]);
int tc__users_check_timezone(tc_ctx *ctx, const char *field, const char *s);

/* ---- history ---- */
typedef struct tc__users_change {
  tc_ctx *ctx;
  const tc_principal *who; /* NULL: anonymous */
  const char *actor_kind;  /* NULL: from who */
  const char *user_id;
  const char *action;
  char change_id[TC_ID_STRLEN + 1];
} tc__users_change;

/* Start a group of history entries written by one call. */
void tc__users_change_begin(tc__users_change *ch, tc_ctx *ctx,
                            const tc_principal *who, const char *user_id,
                            const char *action);
/* Record one field's change (values may be NULL; note may be NULL). */
int tc__users_record(tc__users_change *ch, const char *field,
                     const char *old_value, const char *new_value,
                     const char *note);

/* ---- tokens ---- */
typedef enum tc__users_purpose {
  TC__USERS_VERIFY = 0,
  TC__USERS_CHANGE_EMAIL,
  TC__USERS_RESET,
} tc__users_purpose;

/* Issue a token for user_id (older unused ones of the same purpose stop
 * working). token receives the text; the caller wipes it after use. */
int tc__users_token_issue(tc_ctx *ctx, const char *user_id,
                          tc__users_purpose purpose, const char *new_email,
                          char token[TC__USERS_TOKEN_LEN + 1],
                          int64_t *expires_ms);
/* Use a token up (inside the caller's write transaction): user_id and,
 * when not NULL, new_email (TC_USERS_EMAIL_MAX + 1) are filled. */
int tc__users_token_consume(tc_ctx *ctx, tc__users_purpose purpose,
                            const char *token, char user_id[TC_ID_STRLEN + 1],
                            char *new_email);

/* ---- events ---- */

/* Publish {"user_id": user_id} on topic. */
int tc__users_publish_id(tc_ctx *ctx, const char *topic, const char *user_id);

/* Publish a token for the notify module to deliver: the payload carries
 * user_id, email (where to send: email_to), name, locale, expires_ms, the
 * token under `field` and "secret_fields": [field]. */
int tc__users_publish_token(tc_ctx *ctx, const char *topic, const tc_user *u,
                            const char *email_to, const char *field,
                            const char *token, int64_t expires_ms);

/* Print o (deleted) to out: TC_ENOMEM (no message) when either fails. */
int tc__users_put_json(tc_buf *out, cJSON *o);

/* JSON form of a user / an address (NULL on ENOMEM, message set). */
cJSON *tc__users_user_json(tc_ctx *ctx, const tc_user *u);
cJSON *tc__users_address_json(tc_ctx *ctx, const tc_address *a);
/* JSON text of an address for the history (caller frees with cJSON_free). */
char *tc__users_address_text(const tc_address *a);

/* Rows of users_users: the column list matching tc__users_row_cb. */
#define TC__USERS_COLS                                                     \
  "id, email, name, locale, COALESCE(phone, ''), status, email_verified, " \
  "created_ms, updated_ms"
int tc__users_row_cb(const tc_value *cols, size_t n, void *payload);

/* Addresses. */
#define TC__ADDR_COLS                                                        \
  "id, user_id, label, recipient, line1, line2, city, region, postal_code, " \
  "country, phone, default_shipping, default_billing, created_ms, "          \
  "updated_ms"
int tc__users_address_row_cb(const tc_value *cols, size_t n, void *payload);

/* Delete all addresses / preferences of a user (account erasure). */
int tc__users_addresses_erase(tc_ctx *ctx, const char *user_id);
int tc__users_prefs_erase(tc_ctx *ctx, const char *user_id);
int tc__users_tokens_erase(tc_ctx *ctx, const char *user_id);
int tc__users_history_scrub(tc_ctx *ctx, const char *user_id);

/* Preferences into a JSON object (for export and the API). */
int tc__users_prefs_json(tc_ctx *ctx, const char *user_id, cJSON *obj);

/* The export document as JSON (the message set on failure). */
int tc__users_export_json(tc_ctx *ctx, const char *user_id, cJSON *doc);

/* The schema (lib/core/registry.c). */
extern const tc__schema_module tc__schema_users;

#endif
