/*
 * lib/auth/sweep.c - tc_auth_sweep(): delete rows that expired for good.
 *
 * Each deletion picks its victims with a bounded subquery over an index
 * from migration 2 (DELETE ... LIMIT is not portable), so a sweep costs
 * about `limit` rows however big the tables are. Rows that must outlive
 * their expiry (used refresh tokens and codes: reuse detection needs them)
 * are picked by a later cutoff instead of being rescanned each time.
 */
#include <stdint.h>

#include "auth_private.h"

/* The cutoffs a statement's leading parameters take, before the limits. */
enum { T_NOW, T_ABS, T_LEEWAY, T_RETAIN, T_NONE };

typedef struct {
  const char *sql;
  int t1, t2; /* T_* for the first two parameters; the rest are limits */
} sweep_step;

static const sweep_step steps[] = {
    /* Unused refresh tokens past idle expiry: refused either way. */
    {"DELETE FROM auth_refresh_tokens WHERE token_hash IN (SELECT "
     "token_hash FROM auth_refresh_tokens WHERE used_at IS NULL AND "
     "idle_expires_at <= ? LIMIT ?)",
     T_NOW, T_NONE},
    /* Past the absolute lifetime: the session is over unless the lifetime
     * was shortened since, hence the check. */
    {"DELETE FROM auth_refresh_tokens WHERE token_hash IN (SELECT "
     "r.token_hash FROM auth_refresh_tokens r WHERE r.created_at <= ? AND "
     "NOT EXISTS (SELECT 1 FROM auth_sessions s WHERE s.id = r.session_id "
     "AND s.revoked_at IS NULL AND s.expires_at > ?) LIMIT ?)",
     T_ABS, T_NOW},
    {"DELETE FROM auth_mfa_challenges WHERE token_hash IN (SELECT "
     "token_hash FROM auth_mfa_challenges WHERE expires_at <= ? LIMIT ?)",
     T_NOW, T_NONE},
    {"DELETE FROM auth_oauth_codes WHERE code_hash IN (SELECT code_hash "
     "FROM auth_oauth_codes WHERE used_at IS NULL AND expires_at <= ? "
     "LIMIT ?)",
     T_NOW, T_NONE},
    /* A used code's session started before the code expired, so it is
     * over one absolute lifetime after that. */
    {"DELETE FROM auth_oauth_codes WHERE code_hash IN (SELECT code_hash "
     "FROM auth_oauth_codes WHERE expires_at <= ? LIMIT ?)",
     T_ABS, T_NONE},
    /* A token within the leeway after exp still verifies. */
    {"DELETE FROM auth_revoked_tokens WHERE jti IN (SELECT jti FROM "
     "auth_revoked_tokens WHERE expires_at <= ? LIMIT ?)",
     T_LEEWAY, T_NONE},
    /* Sessions go only once their tokens are gone; tokens first, among a
     * bounded set of due sessions. */
    {"DELETE FROM auth_refresh_tokens WHERE token_hash IN (SELECT "
     "token_hash FROM auth_refresh_tokens WHERE session_id IN (SELECT id "
     "FROM auth_sessions WHERE expires_at <= ? LIMIT ?) LIMIT ?)",
     T_RETAIN, T_NONE},
    {"DELETE FROM auth_refresh_tokens WHERE token_hash IN (SELECT "
     "token_hash FROM auth_refresh_tokens WHERE session_id IN (SELECT id "
     "FROM auth_sessions WHERE revoked_at <= ? LIMIT ?) LIMIT ?)",
     T_RETAIN, T_NONE},
    {"DELETE FROM auth_sessions WHERE id IN (SELECT s.id FROM auth_sessions "
     "s WHERE s.expires_at <= ? AND NOT EXISTS (SELECT 1 FROM "
     "auth_refresh_tokens r WHERE r.session_id = s.id) LIMIT ?)",
     T_RETAIN, T_NONE},
    {"DELETE FROM auth_sessions WHERE id IN (SELECT s.id FROM auth_sessions "
     "s WHERE s.revoked_at <= ? AND NOT EXISTS (SELECT 1 FROM "
     "auth_refresh_tokens r WHERE r.session_id = s.id) LIMIT ?)",
     T_RETAIN, T_NONE},
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

const char *tc__auth_sweep_statement(size_t i) {
  return i < NSTEPS ? steps[i].sql : NULL;
}

static size_t count_params(const char *sql) {
  size_t n = 0;
  for (; *sql; sql++) n += *sql == '?';
  return n;
}

static int sweep_txn(tc_ctx *ctx, const int64_t cut[4], size_t limit,
                     size_t *total) {
  for (size_t i = 0; i < NSTEPS && *total < limit; i++) {
    int64_t left = (int64_t)(limit - *total);
    tc_value p[4];
    size_t n = count_params(steps[i].sql), k = 0;
    if (steps[i].t1 != T_NONE) p[k++] = TC_VAL_INT(cut[steps[i].t1]);
    if (steps[i].t2 != T_NONE) p[k++] = TC_VAL_INT(cut[steps[i].t2]);
    while (k < n && k < 4) p[k++] = TC_VAL_INT(left);
    int64_t changes = 0;
    int rc = tc__db_exec(ctx, steps[i].sql, p, k, NULL, NULL, &changes);
    if (rc) return rc;
    if (changes > 0) *total += (size_t)changes;
  }
  return TC_OK;
}

int tc_auth_sweep(tc_ctx *ctx, int64_t now_ms, size_t limit, size_t *removed) {
  if (removed) *removed = 0;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (limit == 0)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be at least 1");
  if (now_ms < 0)
    return tc__seterr(ctx, TC_EINVAL, "now_ms", "now_ms must not be negative");
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  if (limit > INT64_MAX) limit = INT64_MAX;
  if (now_ms == 0) now_ms = tc__now_ms(ctx);
  /* now_ms >= 0 and every duration is >= 0: no overflow. */
  int64_t cut[4] = {now_ms, now_ms - st->refresh_abs, now_ms - st->leeway,
                    now_ms - st->sess_retention};
  size_t total = 0;
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__txn_end(ctx, sweep_txn(ctx, cut, limit, &total));
  if (rc == TC_OK && removed) *removed = total;
  return rc;
}
