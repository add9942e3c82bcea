/*
 * lib/auth/sessions.c - sessions and their refresh tokens.
 *
 * A session is one login (or one OAuth grant); it is also the refresh
 * token family: every refresh spends the token and issues the next one,
 * and presenting a spent token revokes the session (RFC 9700 4.14.2).
 * Refresh tokens are kept only as BLAKE2b hashes. Whether a session is
 * still live is asked of the cache first, then of the store, so verifying
 * an access token costs no store round trip in the common case.
 */
#include <stdio.h>

#include "auth_private.h"

#define SESS_KEY "auth:sess:"
#define JTI_KEY "auth:jti:"

static void cache_key(char *out, size_t size, const char *prefix,
                      const char *id) {
  snprintf(out, size, "%s%s", prefix, id);
}

static void cache_forget(tc_ctx *ctx, const char *sid) {
  char key[128];
  cache_key(key, sizeof(key), SESS_KEY, sid);
  if (ctx->cache && ctx->cache->del) ctx->cache->del(ctx->cache->self, key);
}

static void cache_put(tc_ctx *ctx, const char *prefix, const char *id,
                      const char *v, int64_t ttl) {
  char key[128];
  cache_key(key, sizeof(key), prefix, id);
  if (ctx->cache && ctx->cache->set)
    ctx->cache->set(ctx->cache->self, key, v, 1, ttl);
}

/* "1" live, "0" dead, TC_ENOTFOUND when the cache does not know. */
static int cache_get(tc_ctx *ctx, const char *prefix, const char *id,
                     bool *live) {
  char key[128];
  cache_key(key, sizeof(key), prefix, id);
  if (!ctx->cache || !ctx->cache->get) return TC_ENOTFOUND;
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  int rc = ctx->cache->get(ctx->cache->self, key, &b);
  if (rc == TC_OK) *live = b.size == 1 && b.ptr[0] == '1';
  tc_buf_dispose(&b);
  return rc == TC_OK ? TC_OK : TC_ENOTFOUND;
}

/* ---- issuing ---- */

static const char SQL_SESS_INSERT[] =
    "INSERT INTO auth_sessions (id, user_id, client_id, scope, ip, "
    "user_agent, created_at, last_used_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_RT_INSERT[] =
    "INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at, "
    "idle_expires_at) VALUES (?, ?, ?, ?)";

static int new_refresh(tc_ctx *ctx, tc__auth_state *st, const char *sid,
                       int64_t session_exp, char out[TC_AUTH_OPAQUE_MAX]) {
  char hash[TC__AUTH_HASH_HEX];
  int64_t now = tc__now_ms(ctx);
  int64_t idle = now + st->refresh_idle;
  if (idle > session_exp) idle = session_exp;
  tc__auth_opaque(ctx, out);
  tc__auth_hash_hex(hash, out);
  tc_value p[] = {TC_VAL_TEXT(hash), TC_VAL_TEXT(sid), TC_VAL_INT(now),
                  TC_VAL_INT(idle)};
  return tc__db_exec(ctx, SQL_RT_INSERT, p, 4, NULL, NULL, NULL);
}

/* OAuth clients act for the user but never with staff powers. */
static int token_roles(tc_ctx *ctx, const char *user_id, const char *client_id,
                       uint32_t *roles) {
  if (client_id && *client_id) {
    *roles = TC_ROLE_CUSTOMER;
    return TC_OK;
  }
  return tc__auth_roles_effective(ctx, user_id, roles);
}

static int fill_access(tc_ctx *ctx, tc_auth_tokens *out, const char *user_id,
                       const char *sid, const char *client_id,
                       const char *scope) {
  tc__auth_jwt_in in = {user_id, sid, client_id, scope, 0};
  int rc = token_roles(ctx, user_id, client_id, &in.roles);
  if (rc) return rc;
  if ((rc =
           tc__auth_jwt_issue(ctx, out->access_token, sizeof(out->access_token),
                              &in, &out->expires_in)))
    return rc;
  snprintf(out->token_type, sizeof(out->token_type), "Bearer");
  snprintf(out->scope, sizeof(out->scope), "%s", scope ? scope : "");
  snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
  snprintf(out->session_id, sizeof(out->session_id), "%s", sid);
  return TC_OK;
}

static int start(tc_ctx *ctx, tc__auth_state *st, tc_auth_tokens *out,
                 const char *user_id, const char *client_id, const char *scope,
                 const tc_auth_client *client) {
  tc_id sid;
  tc_id_new(&sid, ctx);
  int64_t now = tc__now_ms(ctx);
  int64_t exp = now + st->refresh_abs;
  char ip[64] = "", ua[256] = "";
  if (client && client->ip) snprintf(ip, sizeof(ip), "%s", client->ip);
  if (client && client->user_agent)
    snprintf(ua, sizeof(ua), "%s", client->user_agent);
  /* Cut text may end inside a character; keep only valid UTF-8. */
  if (!tc__utf8_valid(ip, strlen(ip))) ip[0] = '\0';
  if (!tc__utf8_valid(ua, strlen(ua))) ua[0] = '\0';
  tc_value p[] = {TC_VAL_TEXT(sid.str),
                  TC_VAL_TEXT(user_id),
                  TC_VAL_TEXT(client_id ? client_id : ""),
                  TC_VAL_TEXT(scope ? scope : ""),
                  TC_VAL_TEXT(ip),
                  TC_VAL_TEXT(ua),
                  TC_VAL_INT(now),
                  TC_VAL_INT(now),
                  TC_VAL_INT(exp)};
  int rc = tc__db_exec(ctx, SQL_SESS_INSERT, p, 9, NULL, NULL, NULL);
  if (rc == TC_OK) rc = new_refresh(ctx, st, sid.str, exp, out->refresh_token);
  if (rc == TC_OK)
    rc = fill_access(ctx, out, user_id, sid.str, client_id, scope);
  return rc;
}

int tc__auth_session_start(tc_ctx *ctx, tc_auth_tokens *out,
                           const char *user_id, const char *client_id,
                           const char *scope, const tc_auth_client *client) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  memset(out, 0, sizeof(*out));
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__txn_end(ctx, start(ctx, st, out, user_id, client_id, scope, client));
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}

/* ---- liveness and revocation ---- */

typedef struct {
  int64_t revoked_at, expires_at;
  bool revoked;
  char user_id[TC_ID_STRLEN + 1];
} sess_row;

static int read_sess(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  sess_row *r = payload;
  r->revoked = !tc__col_null(&cols[0]);
  r->expires_at = tc__col_int(&cols[1]);
  tc__col_copy(r->user_id, sizeof(r->user_id), &cols[2]);
  return 0;
}

int tc__auth_session_alive(tc_ctx *ctx, const char *sid) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  bool live = false;
  if (cache_get(ctx, SESS_KEY, sid, &live) == TC_OK)
    return live ? TC_OK : TC_ENOTFOUND;
  sess_row r = {0};
  tc_value p[] = {TC_VAL_TEXT(sid)};
  int rc = tc__db_row(ctx,
                      "SELECT revoked_at, expires_at, user_id FROM "
                      "auth_sessions WHERE id = ?",
                      p, 1, read_sess, &r);
  if (rc && rc != TC_ENOTFOUND) return rc;
  live = rc == TC_OK && !r.revoked && r.expires_at > tc__now_ms(ctx);
  /* Dead stays dead: remember that as long as a token could live. */
  cache_put(ctx, SESS_KEY, sid, live ? "1" : "0",
            live ? st->sess_cache_ttl : st->access_ttl + st->leeway + 1000);
  return live ? TC_OK : TC_ENOTFOUND;
}

static const char SQL_SESS_REVOKE[] =
    "UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ? "
    "WHERE id = ? AND revoked_at IS NULL";

int tc__auth_session_kill(tc_ctx *ctx, const char *sid, const char *reason,
                          bool *changed) {
  int64_t n = 0;
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(reason),
                  TC_VAL_TEXT(sid)};
  int rc = tc__db_exec(ctx, SQL_SESS_REVOKE, p, 3, NULL, NULL, &n);
  if (changed) *changed = n > 0;
  /* The next check goes to the store, which is right whether or not the
   * surrounding transaction commits. */
  cache_forget(ctx, sid);
  return rc;
}

typedef struct {
  tc_ctx *ctx;
  char (*ids)[TC_ID_STRLEN + 1];
  size_t n, cap;
  int rc;
} id_list;

static int collect_id(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  id_list *l = payload;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    void *p = tc__realloc(l->ctx, l->ids, cap * sizeof(*l->ids));
    if (!p) return tc__oom(l->ctx);
    l->ids = p;
    l->cap = cap;
  }
  tc__col_copy(l->ids[l->n++], TC_ID_STRLEN + 1, &cols[0]);
  return 0;
}

int tc__auth_revoke_sessions(tc_ctx *ctx, const char *user_id,
                             const char *except_sid, const char *reason,
                             int64_t *count) {
  id_list l = {ctx, NULL, 0, 0, TC_OK};
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(except_sid)};
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__db_exec(ctx,
                   "SELECT id FROM auth_sessions WHERE user_id = ? AND "
                   "revoked_at IS NULL AND id <> ?",
                   p, 2, collect_id, &l, NULL);
  int64_t n = 0;
  if (rc == TC_OK) {
    tc_value u[] = {TC_VAL_INT(tc__now_ms(ctx)),
                    TC_VAL_TEXT(reason ? reason : "revoked"),
                    TC_VAL_TEXT(user_id), TC_VAL_TEXT(except_sid)};
    rc = tc__db_exec(ctx,
                     "UPDATE auth_sessions SET revoked_at = ?, "
                     "revoke_reason = ? WHERE user_id = ? AND "
                     "revoked_at IS NULL AND id <> ?",
                     u, 4, NULL, NULL, &n);
  }
  rc = tc__txn_end(ctx, rc);
  for (size_t i = 0; i < l.n; i++) cache_forget(ctx, l.ids[i]);
  tc__free(ctx, l.ids);
  if (count) *count = rc == TC_OK ? n : 0;
  return rc;
}

int tc__auth_revoke_all_sessions(tc_ctx *ctx, const char *user_id,
                                 const char *reason) {
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc) return rc;
  return tc__auth_revoke_sessions(ctx, user_id, "", reason, NULL);
}

/* ---- revoked access tokens without a session (client credentials) ---- */

bool tc__auth_jti_revoked(tc_ctx *ctx, const char *jti) {
  bool live = false;
  if (cache_get(ctx, JTI_KEY, jti, &live) == TC_OK) return !live;
  tc_value p[] = {TC_VAL_TEXT(jti)};
  int rc = tc__db_row(ctx, "SELECT 1 FROM auth_revoked_tokens WHERE jti = ?", p,
                      1, NULL, NULL);
  /* A store failure fails closed. */
  bool revoked = rc != TC_ENOTFOUND;
  if (rc == TC_OK || rc == TC_ENOTFOUND) {
    tc__auth_state *st = tc__auth_state_get(ctx);
    if (st)
      cache_put(ctx, JTI_KEY, jti, revoked ? "0" : "1",
                revoked ? st->access_ttl + st->leeway : st->sess_cache_ttl);
  }
  return revoked;
}

int tc__auth_jti_revoke(tc_ctx *ctx, const char *jti, int64_t exp_s) {
  tc_value p[] = {TC_VAL_TEXT(jti), TC_VAL_INT(exp_s * 1000)};
  int rc = tc__db_exec(ctx,
                       "INSERT INTO auth_revoked_tokens (jti, expires_at) "
                       "VALUES (?, ?) ON CONFLICT DO NOTHING",
                       p, 2, NULL, NULL, NULL);
  char key[128];
  cache_key(key, sizeof(key), JTI_KEY, jti);
  if (ctx->cache && ctx->cache->del) ctx->cache->del(ctx->cache->self, key);
  return rc;
}

/* ---- refresh ---- */

typedef struct {
  char sid[TC_ID_STRLEN + 1];
  char user_id[TC_ID_STRLEN + 1];
  char client_id[64];
  char scope[256];
  bool used, revoked;
  int64_t idle_exp, sess_exp, created;
} rt_row;

static int read_rt(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  rt_row *r = payload;
  tc__col_copy(r->sid, sizeof(r->sid), &cols[0]);
  r->used = !tc__col_null(&cols[1]);
  r->idle_exp = tc__col_int(&cols[2]);
  tc__col_copy(r->user_id, sizeof(r->user_id), &cols[3]);
  tc__col_copy(r->client_id, sizeof(r->client_id), &cols[4]);
  tc__col_copy(r->scope, sizeof(r->scope), &cols[5]);
  r->sess_exp = tc__col_int(&cols[6]);
  r->revoked = !tc__col_null(&cols[7]);
  r->created = tc__col_int(&cols[8]);
  return 0;
}

static const char SQL_RT_GET[] =
    "SELECT r.session_id, r.used_at, r.idle_expires_at, s.user_id, "
    "s.client_id, s.scope, s.expires_at, s.revoked_at, r.created_at "
    "FROM auth_refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id "
    "WHERE r.token_hash = ?";

static int rt_get(tc_ctx *ctx, const char *token, rt_row *r) {
  char hash[TC__AUTH_HASH_HEX];
  if (!token || strnlen(token, TC_AUTH_OPAQUE_MAX) >= TC_AUTH_OPAQUE_MAX)
    return TC_ENOTFOUND;
  tc__auth_hash_hex(hash, token);
  tc_value p[] = {TC_VAL_TEXT(hash)};
  return tc__db_row(ctx, SQL_RT_GET, p, 1, read_rt, r);
}

int tc__auth_refresh_lookup(tc_ctx *ctx, const char *token, char *sid,
                            char *client_id, char *user_id, bool *live,
                            int64_t *exp_ms, int64_t *iat_ms, char *scope) {
  rt_row r;
  memset(&r, 0, sizeof(r));
  int rc = rt_get(ctx, token, &r);
  if (rc) return rc;
  int64_t now = tc__now_ms(ctx);
  snprintf(sid, TC_ID_STRLEN + 1, "%s", r.sid);
  snprintf(client_id, 64, "%s", r.client_id);
  snprintf(user_id, TC_ID_STRLEN + 1, "%s", r.user_id);
  snprintf(scope, 256, "%s", r.scope);
  *live = !r.used && !r.revoked && now < r.idle_exp && now < r.sess_exp;
  *exp_ms = r.idle_exp < r.sess_exp ? r.idle_exp : r.sess_exp;
  *iat_ms = r.created;
  return TC_OK;
}

/* Outcome of one refresh, decided inside the transaction. */
enum { RT_OK, RT_REUSED, RT_FAIL };

static int refresh_txn(tc_ctx *ctx, tc__auth_state *st, tc_auth_tokens *out,
                       const char *token, const char *client_id, bool oauth,
                       int *outcome, rt_row *r) {
  *outcome = RT_FAIL;
  int rc = rt_get(ctx, token, r);
  const char *grant = "invalid_grant";
  if (rc == TC_ENOTFOUND)
    return oauth ? tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, grant,
                                      "refresh_token",
                                      "the refresh token is not known")
                 : tc__seterr(ctx, TC_EUNAUTHENTICATED, "refresh_token",
                              "the refresh token is not known");
  if (rc) return rc;
  if (strcmp(r->client_id, client_id ? client_id : ""))
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, grant, "refresh_token",
                              "the refresh token was issued to another "
                              "client");
  if (r->revoked)
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, grant, "refresh_token",
                              "the session of this refresh token was "
                              "revoked");
  int64_t now = tc__now_ms(ctx);
  int64_t changed = 0;
  if (!r->used) {
    if (now >= r->idle_exp || now >= r->sess_exp)
      return tc__auth_oauth_err(ctx, TC_EEXPIRED, grant, "refresh_token",
                                "the refresh token has expired (%s lifetime)",
                                now >= r->sess_exp ? "absolute" : "idle");
    char hash[TC__AUTH_HASH_HEX];
    tc__auth_hash_hex(hash, token);
    tc_value p[] = {TC_VAL_INT(now), TC_VAL_TEXT(hash)};
    rc = tc__db_exec(ctx,
                     "UPDATE auth_refresh_tokens SET used_at = ? "
                     "WHERE token_hash = ? AND used_at IS NULL",
                     p, 2, NULL, NULL, &changed);
    if (rc) return rc;
  }
  if (!changed) {
    /* Spent before (or by a racing call): someone holds a copy. */
    *outcome = RT_REUSED;
    rc = tc__auth_session_kill(ctx, r->sid, "refresh token reuse", NULL);
    const char *kv[] = {"session_id", r->sid, "client_id", r->client_id, NULL};
    if (rc == TC_OK)
      rc = tc__auth_audit(ctx, "auth.refresh_reuse_detected", r->user_id, kv);
    return rc;
  }
  tc_value s[] = {TC_VAL_INT(now), TC_VAL_TEXT(r->sid)};
  rc =
      tc__db_exec(ctx, "UPDATE auth_sessions SET last_used_at = ? WHERE id = ?",
                  s, 2, NULL, NULL, NULL);
  if (rc == TC_OK)
    rc = new_refresh(ctx, st, r->sid, r->sess_exp, out->refresh_token);
  if (rc == TC_OK)
    rc = fill_access(ctx, out, r->user_id, r->sid, r->client_id, r->scope);
  if (rc == TC_OK) *outcome = RT_OK;
  return rc;
}

int tc__auth_refresh(tc_auth_tokens *out, tc_ctx *ctx, const char *token,
                     const char *client_id, bool oauth) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  memset(out, 0, sizeof(*out));
  if (!token || !*token)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request",
                              "refresh_token", "refresh_token is required");
  int outcome = RT_FAIL;
  rt_row r;
  memset(&r, 0, sizeof(r));
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__txn_end(
      ctx, refresh_txn(ctx, st, out, token, client_id, oauth, &outcome, &r));
  if (rc == TC_OK && outcome == RT_REUSED) {
    cache_forget(ctx, r.sid);
    rc = tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_grant",
                            "refresh_token",
                            "the refresh token was already used; its "
                            "session is revoked");
  }
  if (!oauth && rc != TC_OK) {
    /* Outside the OAuth endpoint the RFC 6749 names do not apply. */
    if (tc__auth_state_get(ctx)) tc__auth_state_get(ctx)->oauth_error[0] = '\0';
    ctx->errreason[0] = '\0';
  }
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}

int tc_auth_refresh(tc_auth_tokens *out, tc_ctx *ctx, const char *refresh_token,
                    const char *client_id) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  return tc__auth_refresh(out, ctx, refresh_token, client_id, false);
}

/* ---- verifying access tokens ---- */

int tc_auth_verify_token(tc_principal *out, tc_auth_claims *claims, tc_ctx *ctx,
                         const char *token) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_auth_claims c;
  tc_principal who = TC_PRINCIPAL_INIT;
  int rc = tc__auth_jwt_verify(ctx, token, &who, &c);
  if (rc == TC_OK && c.sid[0]) {
    rc = tc__auth_session_alive(ctx, c.sid);
    if (rc == TC_ENOTFOUND)
      rc = tc__seterr(ctx, TC_EUNAUTHENTICATED, "token",
                      "the token's session was revoked or has ended");
  } else if (rc == TC_OK && tc__auth_jti_revoked(ctx, c.jti)) {
    rc = tc__seterr(ctx, TC_EUNAUTHENTICATED, "token", "the token was revoked");
  }
  if (rc) return rc;
  *out = who;
  if (claims) *claims = c;
  return TC_OK;
}

/* ---- listing and revoking sessions ---- */

typedef struct {
  tc_auth_session_cb cb;
  void *payload;
  const char *current;
  size_t limit, seen;
  char last[TC_ID_STRLEN + 1];
  bool more;
  int stop;
} list_ctx;

static int list_row(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  list_ctx *l = payload;
  if (l->seen == l->limit) {
    l->more = true;
    return TC_STORE_STOP;
  }
  tc_auth_session s;
  memset(&s, 0, sizeof(s));
  tc__col_copy(s.id, sizeof(s.id), &cols[0]);
  tc__col_copy(s.user_id, sizeof(s.user_id), &cols[1]);
  tc__col_copy(s.client_id, sizeof(s.client_id), &cols[2]);
  tc__col_copy(s.ip, sizeof(s.ip), &cols[3]);
  tc__col_copy(s.user_agent, sizeof(s.user_agent), &cols[4]);
  s.created_at = tc__col_int(&cols[5]);
  s.last_used_at = tc__col_int(&cols[6]);
  s.expires_at = tc__col_int(&cols[7]);
  s.current = l->current && !strcmp(l->current, s.id);
  l->seen++;
  snprintf(l->last, sizeof(l->last), "%s", s.id);
  if (l->cb(&s, l->payload)) {
    l->stop = 1;
    return TC_STORE_STOP;
  }
  return 0;
}

static const char SQL_LIST_FIRST[] =
    "SELECT id, user_id, client_id, ip, user_agent, created_at, "
    "last_used_at, expires_at FROM auth_sessions WHERE user_id = ? AND "
    "revoked_at IS NULL AND expires_at > ? ORDER BY id DESC LIMIT ?";
static const char SQL_LIST_AFTER[] =
    "SELECT id, user_id, client_id, ip, user_agent, created_at, "
    "last_used_at, expires_at FROM auth_sessions WHERE user_id = ? AND "
    "revoked_at IS NULL AND expires_at > ? AND id < ? ORDER BY id DESC "
    "LIMIT ?";

int tc_auth_sessions_list(tc_ctx *ctx, const tc_principal *who,
                          const char *user_id, const char *after_id,
                          size_t limit, char *next_cursor,
                          tc_auth_session_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  /* after_id may be the caller's next_cursor buffer: copy it first. */
  char after[TC_ID_STRLEN + 1] = "";
  if (after_id) snprintf(after, sizeof(after), "%.36s", after_id);
  bool long_cursor = after_id && strlen(after_id) > TC_ID_STRLEN;
  after_id = after;
  if (next_cursor) next_cursor[0] = '\0';
  if (long_cursor)
    return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor must be an id");
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_READ, user_id)))
    return rc;
  if (!cb) return tc__seterr(ctx, TC_EINVAL, "cb", "cb is NULL");
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1 to 100");
  if (after_id && *after_id && (rc = tc__check_id(ctx, "cursor", after_id)))
    return rc;
  list_ctx l = {cb, payload, who->session_id, limit, 0, "", false, 0};
  int64_t now = tc__now_ms(ctx);
  if (after_id && *after_id) {
    tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_INT(now),
                    TC_VAL_TEXT(after_id), TC_VAL_INT(limit + 1)};
    rc = tc__db_exec(ctx, SQL_LIST_AFTER, p, 4, list_row, &l, NULL);
  } else {
    tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_INT(now),
                    TC_VAL_INT(limit + 1)};
    rc = tc__db_exec(ctx, SQL_LIST_FIRST, p, 3, list_row, &l, NULL);
  }
  if (rc == TC_OK && l.more && next_cursor)
    snprintf(next_cursor, TC_ID_STRLEN + 1, "%s", l.last);
  return rc;
}

int tc_auth_session_revoke(tc_ctx *ctx, const tc_principal *who,
                           const char *session_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "session_id", session_id);
  if (rc) return rc;
  sess_row r = {0};
  tc_value p[] = {TC_VAL_TEXT(session_id)};
  rc = tc__db_row(ctx,
                  "SELECT revoked_at, expires_at, user_id FROM auth_sessions "
                  "WHERE id = ?",
                  p, 1, read_sess, &r);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "session_id", "no session %s",
                      session_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, r.user_id)))
    return rc;
  /* Support reads sessions but only owners and admins end them. */
  bool changed = false;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx,
                   tc__auth_session_kill(ctx, session_id, "revoked", &changed));
  if (rc == TC_OK && !changed)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "session_id",
                    "session %s is already revoked", session_id);
  return rc;
}

int tc_auth_sessions_revoke_all(tc_ctx *ctx, const tc_principal *who,
                                const char *user_id, int64_t *count) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (count) *count = 0;
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, user_id)))
    return rc;
  return tc__auth_revoke_sessions(ctx, user_id, "", "revoked all", count);
}

int tc_auth_logout(tc_ctx *ctx, const tc_principal *who) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!who || who->kind != TC_PRINCIPAL_USER || !who->session_id[0])
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "logout needs a caller with a session");
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  return tc__txn_end(
      ctx, tc__auth_session_kill(ctx, who->session_id, "logout", NULL));
}
