/* Single-use tokens (e-mail verification, e-mail change, password reset):
 * 256 random bits shown once, stored as SHA-256, expiring. */
#include <stdio.h>

#include <sodium.h>

#include "users/users_priv.h"

static const char *const purpose_names[] = {"verify_email", "change_email",
                                            "reset_password"};

static int64_t ttl_of(tc_ctx *ctx, tc__users_purpose purpose) {
  const tc_users_options *o = tc__users_opts(ctx);
  switch (purpose) {
    case TC__USERS_VERIFY:
      return o->verify_ttl_ms;
    case TC__USERS_CHANGE_EMAIL:
      return o->email_change_ttl_ms;
    case TC__USERS_RESET:
      return o->reset_ttl_ms;
  }
  return o->reset_ttl_ms;
}

/* Hex SHA-256 of the token text: the only form that is stored. */
static void token_hash(char hex[65], const char *token) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
  sodium_bin2hex(hex, 65, h, sizeof(h));
}

int tc__users_token_issue(tc_ctx *ctx, const char *user_id,
                          tc__users_purpose purpose, const char *new_email,
                          char token[TC__USERS_TOKEN_LEN + 1],
                          int64_t *expires_ms) {
  unsigned char raw[TC__USERS_TOKEN_BYTES];
  tc__random(ctx, raw, sizeof(raw));
  sodium_bin2base64(token, TC__USERS_TOKEN_LEN + 1, raw, sizeof(raw),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof(raw));
  char hash[65];
  token_hash(hash, token);
  int64_t now = tc__now_ms(ctx);
  *expires_ms = now + ttl_of(ctx, purpose);
  const char *pname = purpose_names[purpose];

  /* A new token replaces any older one of the same purpose. */
  tc_value up[] = {TC_VAL_INT(now), TC_VAL_TEXT(user_id), TC_VAL_TEXT(pname)};
  int rc = tc__db_exec(ctx,
                       "UPDATE users_tokens SET state = 'replaced', used_ms = "
                       "? WHERE user_id = ? AND purpose = ? AND state = "
                       "'pending'",
                       up, 3, NULL, NULL, NULL);
  if (rc) return rc;
  tc_id id;
  tc_id_new(&id, ctx);
  tc_value p[] = {TC_VAL_TEXT(id.str),    TC_VAL_TEXT(user_id),
                  TC_VAL_TEXT(pname),     TC__VAL_BUF(hash),
                  TC_VAL_TEXT(new_email), TC_VAL_INT(now),
                  TC_VAL_INT(*expires_ms)};
  return tc__db_exec(ctx,
                     "INSERT INTO users_tokens (id, user_id, purpose, "
                     "token_hash, new_email, created_ms, expires_ms, state) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                     p, 7, NULL, NULL, NULL);
}

typedef struct {
  char user_id[TC_ID_STRLEN + 1];
  char new_email[TC_USERS_EMAIL_MAX + 1];
  int64_t expires_ms;
  char state[16];
} token_row;

static int token_row_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  token_row *t = payload;
  tc__col_copy(t->user_id, sizeof(t->user_id), &cols[0]);
  tc__col_copy(t->new_email, sizeof(t->new_email), &cols[1]);
  t->expires_ms = tc__col_int(&cols[2]);
  tc__col_copy(t->state, sizeof(t->state), &cols[3]);
  return 0;
}

static bool token_shape_ok(const char *token) {
  if (!token || strlen(token) != TC__USERS_TOKEN_LEN) return false;
  for (const char *p = token; *p; p++) {
    char c = *p;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

int tc__users_token_consume(tc_ctx *ctx, tc__users_purpose purpose,
                            const char *token, char user_id[TC_ID_STRLEN + 1],
                            char *new_email) {
  if (!token_shape_ok(token))
    return tc__seterr(ctx, TC_EINVAL, "token",
                      "token is malformed (expected %d base64url characters)",
                      TC__USERS_TOKEN_LEN);
  char hash[65];
  token_hash(hash, token);
  const char *pname = purpose_names[purpose];
  token_row t = {0};
  tc_value p[] = {TC__VAL_BUF(hash), TC_VAL_TEXT(pname)};
  int rc = tc__db_row(ctx,
                      "SELECT user_id, COALESCE(new_email, ''), expires_ms, "
                      "state FROM users_tokens WHERE token_hash = ? AND "
                      "purpose = ?",
                      p, 2, token_row_cb, &t);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, rc, "token", "token is not known");
  if (rc) return rc;
  if (strcmp(t.state, "used") == 0)
    return tc__seterr(ctx, TC_ESTATE, "token", "token was already used");
  if (strcmp(t.state, "pending") != 0)
    return tc__seterr(ctx, TC_ESTATE, "token",
                      "token was replaced by a newer one");
  int64_t now = tc__now_ms(ctx);
  if (now >= t.expires_ms)
    return tc__seterr(ctx, TC_EEXPIRED, "token", "token has expired");
  /* Conditional: of two concurrent uses only one changes the row. */
  int64_t changed = 0;
  tc_value u[] = {TC_VAL_INT(now), TC__VAL_BUF(hash)};
  rc = tc__db_exec(ctx,
                   "UPDATE users_tokens SET state = 'used', used_ms = ? WHERE "
                   "token_hash = ? AND state = 'pending'",
                   u, 2, NULL, NULL, &changed);
  if (rc) return rc;
  if (changed != 1)
    return tc__seterr(ctx, TC_ESTATE, "token", "token was already used");
  memcpy(user_id, t.user_id, TC_ID_STRLEN + 1);
  if (new_email) memcpy(new_email, t.new_email, sizeof(t.new_email));
  return TC_OK;
}

int tc__users_tokens_erase(tc_ctx *ctx, const char *user_id) {
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  return tc__db_exec(ctx, "DELETE FROM users_tokens WHERE user_id = ?", p, 1,
                     NULL, NULL, NULL);
}
