/*
 * lib/orders/idempotency.c - the idempotency table of the core pattern:
 * keyed by (scope, key), holding a hash of the request and the stored
 * response. The first caller claims a key by inserting it; later callers
 * replay the stored response or, when their request differs, get a
 * conflict. Keys live at least 24 hours and are purged after.
 */
#include <sodium.h>

#include "orders_priv.h"

void tc__idem_hash(char out[65], const void *data, size_t len) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, data, len);
  sodium_bin2hex(out, 65, h, sizeof(h));
}

static int check_key(tc_ctx *ctx, const char *scope, const char *key) {
  if (!scope || !*scope || strlen(scope) > TC__IDEM_SCOPE_MAX)
    return tc__seterr(ctx, TC_EINVAL, "scope", "bad idempotency scope");
  return tc__check_text(ctx, "idempotency_key", key, 1, TC__IDEM_KEY_MAX, 0);
}

int tc__idem_claim(tc_ctx *ctx, const char *scope, const char *key,
                   const char *request_hash, int64_t ttl_ms,
                   const char *response) {
  int rc = check_key(ctx, scope, key);
  if (rc) return rc;
  if (ttl_ms < TC__IDEM_MIN_TTL_MS) ttl_ms = TC__IDEM_MIN_TTL_MS;
  if (response && strlen(response) > TC__IDEM_RESPONSE_MAX)
    return tc__seterr(ctx, TC_EINVAL, "response", "response too large");
  int64_t now = tc__now_ms(ctx);
  /* An expired key may be taken again: the old row goes first. */
  tc_value pd[] = {tc__ord_text(scope), tc__ord_text(key), TC_VAL_INT(now)};
  tc_value p[] = {
      tc__ord_text(scope),    tc__ord_text(key), tc__ord_text(request_hash),
      tc__ord_text(response), TC_VAL_INT(now),   TC_VAL_INT(now + ttl_ms)};
  int64_t changes = 0;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__db_exec(ctx,
                   "DELETE FROM orders_idempotency WHERE scope = ? AND "
                   "idem_key = ? AND expires_ms <= ?",
                   pd, 3, NULL, NULL, NULL);
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "INSERT INTO orders_idempotency (scope, idem_key, "
                     "request_hash, response, created_ms, expires_ms) VALUES "
                     "(?, ?, ?, ?, ?, ?) ON CONFLICT (scope, idem_key) DO "
                     "NOTHING",
                     p, 6, NULL, NULL, &changes);
  if (rc == TC_OK && changes == 0) {
    /* Leave the caller's transaction usable: the conflict is an answer,
     * not a failure of the work around it. */
    tc__txn_end(ctx, TC_OK);
    return TC_ECONFLICT;
  }
  return tc__txn_end(ctx, rc);
}

int tc__idem_complete(tc_ctx *ctx, const char *scope, const char *key,
                      const char *response) {
  int rc = check_key(ctx, scope, key);
  if (rc) return rc;
  if (!response || strlen(response) > TC__IDEM_RESPONSE_MAX)
    return tc__seterr(ctx, TC_EINVAL, "response", "bad response");
  tc_value p[] = {tc__ord_text(response), tc__ord_text(scope),
                  tc__ord_text(key)};
  int64_t changes = 0;
  rc = tc__db_exec(ctx,
                   "UPDATE orders_idempotency SET response = ? WHERE scope = "
                   "? AND idem_key = ?",
                   p, 3, NULL, NULL, &changes);
  if (rc == TC_OK && changes == 0)
    return tc__seterr(ctx, TC_ENOTFOUND, "idempotency_key",
                      "idempotency key is not claimed");
  return rc;
}

typedef struct {
  tc_ctx *ctx;
  tc__idem_record *rec;
  int rc;
} idem_read;

static int idem_row(const tc_value *c, size_t n, void *payload) {
  idem_read *r = payload;
  (void)n;
  tc__col_copy(r->rec->request_hash, sizeof(r->rec->request_hash), &c[0]);
  r->rec->completed = !tc__col_null(&c[1]);
  r->rec->response = tc__strdup(r->ctx, tc__col_text(&c[1]));
  if (!r->rec->response) return TC_ENOMEM;
  r->rec->created_ms = tc__col_int(&c[2]);
  r->rec->expires_ms = tc__col_int(&c[3]);
  return 0;
}

int tc__idem_lookup(tc_ctx *ctx, const char *scope, const char *key,
                    tc__idem_record *out) {
  memset(out, 0, sizeof(*out));
  int rc = check_key(ctx, scope, key);
  if (rc) return rc;
  tc_value p[] = {tc__ord_text(scope), tc__ord_text(key),
                  TC_VAL_INT(tc__now_ms(ctx))};
  idem_read r = {ctx, out, 0};
  rc = tc__db_row(ctx,
                  "SELECT request_hash, response, created_ms, expires_ms FROM "
                  "orders_idempotency WHERE scope = ? AND idem_key = ? AND "
                  "expires_ms > ?",
                  p, 3, idem_row, &r);
  if (rc == TC_ENOMEM) tc__oom(ctx);
  if (rc) {
    tc__free(ctx, out->response);
    out->response = NULL;
  }
  return rc;
}

int tc__idem_purge(tc_ctx *ctx, int64_t now_ms, uint32_t limit, uint32_t *n) {
  if (n) *n = 0;
  tc_value p[] = {TC_VAL_INT(now_ms), TC_VAL_INT(limit)};
  int64_t changes = 0;
  /* Bounded by limit through the expiry index, so one sweep stays small. */
  int rc = tc__db_exec(ctx,
                       "DELETE FROM orders_idempotency WHERE (scope, idem_key) "
                       "IN (SELECT scope, idem_key FROM orders_idempotency "
                       "WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?)",
                       p, 2, NULL, NULL, &changes);
  if (rc == TC_OK && n) *n = (uint32_t)changes;
  return rc;
}
