/*
 * lib/auth/login.c - logging in: throttling of failures per account and
 * per client address (counters in the cache port, growing delays), the
 * same answer and about the same cost for an unknown e-mail as for a wrong
 * password, and the MFA challenge that stands in for tokens until the
 * second factor is given.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth_private.h"

#define MFA_MAX_ATTEMPTS 5
#define WRONG_LOGIN "e-mail or password is wrong"

/* ---- throttling ---- */

static bool have_cache(tc_ctx *ctx) {
  return ctx->cache && ctx->cache->get && ctx->cache->set && ctx->cache->incr;
}

static int64_t lock_left(tc_ctx *ctx, const char *kind, const char *who) {
  char key[600];
  snprintf(key, sizeof(key), "auth:lock:%s:%s", kind, who);
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  int64_t left = 0;
  if (ctx->cache->get(ctx->cache->self, key, &b) == TC_OK && b.ptr) {
    int64_t until = strtoll(b.ptr, NULL, 10);
    left = until - tc__now_ms(ctx);
  }
  tc_buf_dispose(&b);
  return left > 0 ? left : 0;
}

int tc__auth_throttle_check(tc_ctx *ctx, const char *account, const char *ip) {
  if (!have_cache(ctx)) return TC_OK;
  int64_t left = lock_left(ctx, "acct", account);
  if (ip && *ip) {
    int64_t l2 = lock_left(ctx, "ip", ip);
    if (l2 > left) left = l2;
  }
  if (left > 0)
    return tc__seterr(ctx, TC_ELIMIT, NULL,
                      "too many failed logins; retry after %" PRId64 " s",
                      (left + 999) / 1000);
  return TC_OK;
}

static void fail_one(tc_ctx *ctx, tc__auth_state *st, const char *kind,
                     const char *who, uint32_t free_tries) {
  char key[600];
  int64_t n = 0;
  snprintf(key, sizeof(key), "auth:fail:%s:%s", kind, who);
  if (ctx->cache->incr(ctx->cache->self, key, 1, st->thr_window, &n) ||
      n <= (int64_t)free_tries)
    return;
  int64_t shift = n - (int64_t)free_tries - 1;
  int64_t delay = st->thr_base;
  while (shift-- > 0 && delay < st->thr_max) delay *= 2;
  if (delay > st->thr_max) delay = st->thr_max;
  char until[32];
  int len = snprintf(until, sizeof(until), "%" PRId64, tc__now_ms(ctx) + delay);
  snprintf(key, sizeof(key), "auth:lock:%s:%s", kind, who);
  ctx->cache->set(ctx->cache->self, key, until, (size_t)len, delay);
}

void tc__auth_throttle_fail(tc_ctx *ctx, const char *account, const char *ip) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st || !have_cache(ctx)) return;
  fail_one(ctx, st, "acct", account, st->thr_acct);
  if (ip && *ip) fail_one(ctx, st, "ip", ip, st->thr_ip);
}

void tc__auth_throttle_ok(tc_ctx *ctx, const char *account) {
  char key[600];
  snprintf(key, sizeof(key), "auth:fail:acct:%s", account);
  if (ctx->cache && ctx->cache->del) ctx->cache->del(ctx->cache->self, key);
}

/* ---- MFA challenges ---- */

static int make_challenge(tc_ctx *ctx, tc__auth_state *st, tc_auth_tokens *out,
                          const char *user_id, const tc_auth_client *client) {
  char hash[TC__AUTH_HASH_HEX];
  tc__auth_opaque(ctx, out->mfa_challenge);
  tc__auth_hash_hex(hash, out->mfa_challenge);
  char ip[64] = "";
  if (client && client->ip && tc__utf8_valid(client->ip, strlen(client->ip)))
    snprintf(ip, sizeof(ip), "%s", client->ip);
  tc_value p[] = {TC_VAL_TEXT(hash), TC_VAL_TEXT(user_id),
                  TC_VAL_INT(tc__now_ms(ctx) + st->mfa_ttl), TC_VAL_TEXT(ip)};
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__db_exec(ctx,
                   "INSERT INTO auth_mfa_challenges (token_hash, user_id, "
                   "expires_at, attempts, ip) VALUES (?, ?, ?, 0, ?)",
                   p, 4, NULL, NULL, NULL);
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK) {
    out->mfa_required = true;
    out->mfa_expires_in = st->mfa_ttl / 1000;
    snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
  }
  return rc;
}

typedef struct {
  int64_t sessions, same_device;
} device_seen;

static int device_row(const tc_value *cols, size_t n, void *payload) {
  device_seen *d = payload;
  (void)n;
  d->sessions = tc__col_int(&cols[0]);
  d->same_device = tc__col_int(&cols[1]);
  return 0;
}

/* A login is from a new device when the user has logged in before, but
 * never from this user agent and address: the "new login" notice. */
static int is_new_device(tc_ctx *ctx, const char *user_id,
                         const tc_auth_client *client, bool *out) {
  const char *ua = client && client->user_agent ? client->user_agent : "";
  const char *ip = client && client->ip ? client->ip : "";
  device_seen d = {0, 0};
  tc_value p[] = {TC_VAL_TEXT(ua), TC_VAL_TEXT(ip), TC_VAL_TEXT(user_id)};
  int rc = tc__db_row(ctx,
                      "SELECT count(*), coalesce(sum(CASE WHEN user_agent = ? "
                      "AND ip = ? THEN 1 ELSE 0 END), 0) FROM auth_sessions "
                      "WHERE user_id = ?",
                      p, 3, device_row, &d);
  *out = rc == TC_OK && d.sessions > 0 && d.same_device == 0;
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}

static int finish_login(tc_ctx *ctx, tc_auth_tokens *out, const char *user_id,
                        const tc_auth_client *client, const char *method) {
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  bool new_device = false;
  rc = is_new_device(ctx, user_id, client, &new_device);
  if (rc == TC_OK)
    rc = tc__auth_session_start(ctx, out, user_id, "", "", client);
  const char *kv[] = {"session_id", out->session_id,
                      "method",     method,
                      "client_ip",  client ? client->ip : NULL,
                      "new_device", new_device ? "true" : "false",
                      NULL};
  if (rc == TC_OK)
    rc = tc__auth_audit(ctx, "auth.login_succeeded", user_id, kv);
  rc = tc__txn_end(ctx, rc);
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}

/* Shared by both logins once the account key and the user are known
 * (user_id "" when nobody has that e-mail). */
static int login_common(tc_auth_tokens *out, tc_ctx *ctx, const char *account,
                        const char *user_id, const char *password,
                        const tc_auth_client *client) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  const char *ip = client ? client->ip : NULL;
  int rc = tc__auth_throttle_check(ctx, account, ip);
  if (rc) return rc;
  rc = tc__auth_password_verify(ctx, user_id, password, true);
  if (rc == TC_EUNAUTHENTICATED) {
    tc__auth_throttle_fail(ctx, account, ip);
    const char *kv[] = {"account",   account, "reason", "wrong credentials",
                        "client_ip", ip,      NULL};
    tc__auth_audit_commit(ctx, "auth.login_failed", user_id, kv);
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL, WRONG_LOGIN);
  }
  if (rc) return rc;
  tc__auth_throttle_ok(ctx, account);
  bool mfa = false;
  if ((rc = tc__auth_mfa_on(ctx, user_id, &mfa))) return rc;
  if (mfa) return make_challenge(ctx, st, out, user_id, client);
  return finish_login(ctx, out, user_id, client, "password");
}

static int check_password_arg(tc_ctx *ctx, const char *password) {
  if (!password || !*password)
    return tc__seterr(ctx, TC_EINVAL, "password", "password is required");
  return TC_OK;
}

static int copy_user_id(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc__col_copy(payload, TC_ID_STRLEN + 1, &cols[0]);
  return 0;
}

int tc_auth_login(tc_auth_tokens *out, tc_ctx *ctx, const char *email,
                  const char *password, const tc_auth_client *client) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  if (!email || !*email)
    return tc__seterr(ctx, TC_EINVAL, "email", "email is required");
  int rc = check_password_arg(ctx, password);
  if (rc) return rc;
  char norm[TC__EMAIL_MAX + 1];
  if ((rc = tc__email_normalize(ctx, email, norm, sizeof(norm)))) return rc;
  /* The login is this module's copy of the user's address (kept in step by
   * the users module), so finding the user asks no other module. */
  char user_id[TC_ID_STRLEN + 1] = "";
  tc_value p[] = {TC_VAL_TEXT(norm)};
  rc = tc__db_row(ctx, "SELECT user_id FROM auth_credentials WHERE login = ?",
                  p, 1, copy_user_id, user_id);
  if (rc && rc != TC_ENOTFOUND) return rc;
  tc__clearerr(ctx);
  if (rc == TC_ENOTFOUND) user_id[0] = '\0';
  return login_common(out, ctx, norm, user_id, password, client);
}

int tc_auth_login_user(tc_auth_tokens *out, tc_ctx *ctx, const char *user_id,
                       const char *password, const tc_auth_client *client) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = check_password_arg(ctx, password))) return rc;
  return login_common(out, ctx, user_id, user_id, password, client);
}

/* ---- the second factor ---- */

typedef struct {
  char user_id[TC_ID_STRLEN + 1];
  int64_t expires_at, attempts;
  bool used;
} chal_row;

static int read_chal(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  chal_row *r = payload;
  tc__col_copy(r->user_id, sizeof(r->user_id), &cols[0]);
  r->expires_at = tc__col_int(&cols[1]);
  r->attempts = tc__col_int(&cols[2]);
  r->used = !tc__col_null(&cols[3]);
  return 0;
}

static int verify_txn(tc_ctx *ctx, tc_auth_tokens *out, const char *hash,
                      const chal_row *r, const char *code,
                      const tc_auth_client *client) {
  int rc = tc__auth_mfa_check(ctx, r->user_id, code, true, true);
  if (rc) return rc;
  int64_t changed = 0;
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(hash)};
  rc = tc__db_exec(ctx,
                   "UPDATE auth_mfa_challenges SET used_at = ? WHERE "
                   "token_hash = ? AND used_at IS NULL",
                   p, 2, NULL, NULL, &changed);
  if (rc == TC_OK && !changed)
    rc = tc__seterr(ctx, TC_EUNAUTHENTICATED, "challenge",
                    "the MFA challenge was already used");
  if (rc == TC_OK) rc = finish_login(ctx, out, r->user_id, client, "mfa");
  return rc;
}

int tc_auth_mfa_verify(tc_auth_tokens *out, tc_ctx *ctx, const char *challenge,
                       const char *code, const tc_auth_client *client) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  if (!challenge || !*challenge ||
      strnlen(challenge, TC_AUTH_OPAQUE_MAX) >= TC_AUTH_OPAQUE_MAX)
    return tc__seterr(ctx, TC_EINVAL, "challenge", "challenge is required");
  if (!code || !*code)
    return tc__seterr(ctx, TC_EINVAL, "code", "code is required");
  char hash[TC__AUTH_HASH_HEX];
  tc__auth_hash_hex(hash, challenge);
  chal_row r;
  memset(&r, 0, sizeof(r));
  tc_value p[] = {TC_VAL_TEXT(hash)};
  int rc = tc__db_row(ctx,
                      "SELECT user_id, expires_at, attempts, used_at FROM "
                      "auth_mfa_challenges WHERE token_hash = ?",
                      p, 1, read_chal, &r);
  if (rc == TC_ENOTFOUND || (rc == TC_OK && r.used))
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, "challenge",
                      "the MFA challenge is not known or already used");
  if (rc) return rc;
  if (tc__now_ms(ctx) >= r.expires_at)
    return tc__seterr(ctx, TC_EEXPIRED, "challenge",
                      "the MFA challenge has expired; log in again");
  if (r.attempts >= MFA_MAX_ATTEMPTS)
    return tc__seterr(ctx, TC_ELIMIT, "challenge",
                      "too many wrong codes for this challenge; log in again");
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx, verify_txn(ctx, out, hash, &r, code, client));
  if (rc == TC_EUNAUTHENTICATED) {
    /* Count the miss in a transaction of its own (the one above rolled
     * back), keeping the message of the failure. */
    char msg[TC__ERRMSG_SIZE], field[TC__ERRFIELD_SIZE];
    snprintf(msg, sizeof(msg), "%s", ctx->errmsg);
    snprintf(field, sizeof(field), "%s", ctx->errfield);
    if (tc__txn_begin(ctx, TC_TXN_WRITE) == TC_OK) {
      int urc = tc__db_exec(ctx,
                            "UPDATE auth_mfa_challenges SET attempts = "
                            "attempts + 1 WHERE token_hash = ?",
                            p, 1, NULL, NULL, NULL);
      const char *kv[] = {"reason", "wrong second factor", "client_ip",
                          client ? client->ip : NULL, NULL};
      if (urc == TC_OK)
        urc = tc__auth_audit(ctx, "auth.login_failed", r.user_id, kv);
      tc__txn_end(ctx, urc);
    }
    tc__seterr(ctx, rc, field[0] ? field : NULL, "%s", msg);
  }
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}
