/* Flows driven by tokens: e-mail verification, e-mail change and password
 * reset. The token goes to the notify module through the event only. */
#include <stdio.h>

#include <sodium.h>

#include "techcorp/auth.h"
#include "users/users_priv.h"

int tc__users_publish_token(tc_ctx *ctx, const char *topic, const tc_user *u,
                            const char *email_to, const char *field,
                            const char *token, int64_t expires_ms) {
  cJSON *o = cJSON_CreateObject();
  cJSON *secret = o ? cJSON_AddArrayToObject(o, "secret_fields") : NULL;
  cJSON *name = cJSON_CreateString(field);
  bool ok = secret && name && cJSON_AddItemToArray(secret, name);
  if (!ok) cJSON_Delete(name);
  ok = ok && cJSON_AddStringToObject(o, "user_id", u->id) &&
       cJSON_AddStringToObject(o, "email", email_to) &&
       cJSON_AddStringToObject(o, "name", u->name) &&
       cJSON_AddStringToObject(o, "locale", u->locale) &&
       cJSON_AddNumberToObject(o, "expires_ms", (double)expires_ms) &&
       cJSON_AddStringToObject(o, field, token);
  if (!ok) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, topic, u->id, o, NULL);
}

/* ---- e-mail verification ---- */

static int verify_txn(tc_ctx *ctx, const char *token, tc_user *u) {
  char uid[TC_ID_STRLEN + 1];
  int rc = tc__users_token_consume(ctx, TC__USERS_VERIFY, token, uid, NULL);
  if (rc == TC_OK) rc = tc__users_load_active(ctx, uid, u);
  if (rc || u->email_verified) return rc;
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {TC_VAL_INT(now), TC__VAL_BUF(uid)};
  rc = tc__db_exec(ctx,
                   "UPDATE users_users SET email_verified = 1, updated_ms = ? "
                   "WHERE id = ? AND status = 'active'",
                   p, 2, NULL, NULL, NULL);
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, NULL, uid, "email_verified");
  ch.actor_kind = "token";
  if (rc == TC_OK)
    rc = tc__users_record(&ch, "email_verified", "false", "true", NULL);
  if (rc == TC_OK) rc = tc__users_publish_id(ctx, "users.email_verified", uid);
  u->email_verified = true;
  u->updated_ms = now;
  return rc;
}

int tc_users_verify_email(tc_user *out, tc_ctx *ctx, const char *token) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_user u;
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__txn_end(ctx, verify_txn(ctx, token, &u));
  if (rc == TC_OK && out) *out = u;
  return rc;
}

int tc_users_send_verification(tc_ctx *ctx, const tc_principal *who,
                               const char *user_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_WRITE, user_id)))
    return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  tc_user u;
  char token[TC__USERS_TOKEN_LEN + 1] = "";
  int64_t exp = 0;
  rc = tc__users_load_active(ctx, user_id, &u);
  if (rc == TC_OK && u.email_verified)
    rc = tc__seterr(ctx, TC_ESTATE, "user_id", "e-mail is already verified");
  if (rc == TC_OK)
    rc = tc__users_token_issue(ctx, user_id, TC__USERS_VERIFY, NULL, token,
                               &exp);
  if (rc == TC_OK)
    rc = tc__users_publish_token(ctx, "users.verification_requested", &u,
                                 u.email, "verification_token", token, exp);
  sodium_memzero(token, sizeof(token));
  return tc__txn_end(ctx, rc);
}

/* ---- e-mail change ---- */

static int email_taken(tc_ctx *ctx, const char *email) {
  tc_value p[] = {TC__VAL_BUF(email)};
  int rc = tc__db_row(ctx, "SELECT id FROM users_users WHERE email = ?", p, 1,
                      NULL, NULL);
  if (rc == TC_OK)
    return tc__seterr(ctx, TC_ECONFLICT, "email",
                      "email is already registered");
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}

static int change_email_txn(tc_ctx *ctx, const tc_principal *who,
                            const char *user_id, const char *email) {
  tc_user u;
  int rc = tc__users_load_active(ctx, user_id, &u);
  if (rc) return rc;
  if (strcmp(u.email, email) == 0)
    return tc__seterr(ctx, TC_EINVAL, "email",
                      "email is already the user's address");
  if ((rc = email_taken(ctx, email))) return rc;
  char token[TC__USERS_TOKEN_LEN + 1] = "";
  int64_t exp = 0;
  rc = tc__users_token_issue(ctx, user_id, TC__USERS_CHANGE_EMAIL, email, token,
                             &exp);
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, who, user_id, "email_change_requested");
  if (rc == TC_OK)
    rc = tc__users_record(&ch, "email", u.email, email,
                          "pending confirmation from the new address");
  if (rc == TC_OK)
    rc = tc__users_publish_token(ctx, "users.email_change_requested", &u, email,
                                 "verification_token", token, exp);
  sodium_memzero(token, sizeof(token));
  return rc;
}

int tc_users_change_email(tc_ctx *ctx, const tc_principal *who,
                          const char *user_id, const char *new_email,
                          const char *current_password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_WRITE, user_id)))
    return rc;
  char email[TC_USERS_EMAIL_MAX + 1];
  if ((rc = tc__email_normalize(ctx, new_email, email, sizeof(email))))
    return rc;
  if (tc__users_is_self(who, user_id)) {
    /* Re-authentication: a stolen session alone cannot take the account
     * over by moving its e-mail. */
    if (!current_password || !*current_password)
      return tc__seterr(ctx, TC_EINVAL, "password",
                        "password (the current one) is required");
    if (tc_auth_verify_password(ctx, who, user_id, current_password) != TC_OK)
      return tc__seterr(ctx, TC_EUNAUTHENTICATED, "password",
                        "password is not correct");
  }
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, change_email_txn(ctx, who, user_id, email));
}

static int confirm_change_txn(tc_ctx *ctx, const char *token, tc_user *u) {
  char uid[TC_ID_STRLEN + 1], email[TC_USERS_EMAIL_MAX + 1];
  int rc =
      tc__users_token_consume(ctx, TC__USERS_CHANGE_EMAIL, token, uid, email);
  if (rc == TC_OK) rc = tc__users_load_active(ctx, uid, u);
  if (rc) return rc;
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {TC__VAL_BUF(email), TC_VAL_INT(now), TC__VAL_BUF(uid)};
  rc = tc__db_exec(ctx,
                   "UPDATE users_users SET email = ?, email_verified = 1, "
                   "updated_ms = ? WHERE id = ? AND status = 'active'",
                   p, 3, NULL, NULL, NULL);
  if (rc == TC_ECONFLICT)
    return tc__seterr(ctx, TC_ECONFLICT, "email",
                      "email was registered by someone else meanwhile");
  if (rc) return rc;
  /* The login moves with the address (auth keeps its own copy). */
  rc = tc_auth_credential_set_login(ctx, &tc__system_principal, uid, email);
  if (rc == TC_ENOTFOUND) { /* no credential: no login to move */
    tc__clearerr(ctx);
    rc = TC_OK;
  }
  if (rc) return rc;
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, NULL, uid, "email_changed");
  ch.actor_kind = "token";
  rc = tc__users_record(&ch, "email", u->email, email, NULL);
  if (rc == TC_OK && !u->email_verified)
    rc = tc__users_record(&ch, "email_verified", "false", "true", NULL);
  if (rc == TC_OK) rc = tc__users_publish_id(ctx, "users.email_changed", uid);
  snprintf(u->email, sizeof(u->email), "%s", email);
  u->email_verified = true;
  u->updated_ms = now;
  return rc;
}

int tc_users_confirm_email_change(tc_user *out, tc_ctx *ctx,
                                  const char *token) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_user u;
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__txn_end(ctx, confirm_change_txn(ctx, token, &u));
  if (rc == TC_OK && out) *out = u;
  return rc;
}

/* ---- password reset ---- */

static int reset_request_txn(tc_ctx *ctx, const char *user_id) {
  tc_user u;
  char token[TC__USERS_TOKEN_LEN + 1] = "";
  int64_t exp = 0;
  int rc = tc__users_load_active(ctx, user_id, &u);
  if (rc == TC_OK)
    rc =
        tc__users_token_issue(ctx, user_id, TC__USERS_RESET, NULL, token, &exp);
  if (rc == TC_OK)
    rc = tc__users_publish_token(ctx, "users.password_reset_requested", &u,
                                 u.email, "reset_token", token, exp);
  sodium_memzero(token, sizeof(token));
  return rc;
}

int tc_users_request_password_reset(tc_ctx *ctx, const char *email) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  char norm[TC_USERS_EMAIL_MAX + 1], uid[TC_ID_STRLEN + 1];
  int rc = tc__email_normalize(ctx, email, norm, sizeof(norm));
  if (rc) return rc;
  rc = tc__users_find_by_email(ctx, norm, uid);
  if (rc == TC_ENOTFOUND) {
    /* Same answer as for a known address; spend about the same work so
     * the timing does not tell either. */
    unsigned char raw[TC__USERS_TOKEN_BYTES], h[crypto_hash_sha256_BYTES];
    tc__random(ctx, raw, sizeof(raw));
    crypto_hash_sha256(h, raw, sizeof(raw));
    tc__clearerr(ctx);
    return TC_OK;
  }
  if (rc) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, reset_request_txn(ctx, uid));
}

static int reset_txn(tc_ctx *ctx, const char *token, const char *password) {
  char uid[TC_ID_STRLEN + 1];
  tc_user u;
  int rc = tc__users_token_consume(ctx, TC__USERS_RESET, token, uid, NULL);
  if (rc == TC_OK) rc = tc__users_load_active(ctx, uid, &u);
  /* Sets the password, revokes every session, audits: one transaction. */
  if (rc == TC_OK)
    rc = tc_auth_reset_password(ctx, &tc__system_principal, uid, password);
  if (rc) return rc;
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, NULL, uid, "password_reset");
  ch.actor_kind = "token";
  rc = tc__users_record(&ch, "password", NULL, NULL, "password changed");
  if (rc == TC_OK) rc = tc__users_publish_id(ctx, "users.password_reset", uid);
  return rc;
}

int tc_users_reset_password(tc_ctx *ctx, const char *token,
                            const char *new_password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!new_password)
    return tc__seterr(ctx, TC_EINVAL, "password", "password is required");
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  return tc__txn_end(ctx, reset_txn(ctx, token, new_password));
}
