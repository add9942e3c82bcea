/*
 * lib/orders/orders_internal.h - what the orders module offers other
 * modules inside the library: the idempotency table of the core pattern
 * (design.md, "Idempotency"), usable by any module under its own scope.
 */
#ifndef TC_ORDERS_INTERNAL_H
#define TC_ORDERS_INTERNAL_H

#include "core/internal.h"

/* Keys are kept at least this long (the issue promises 24 hours). */
#define TC__IDEM_MIN_TTL_MS (24 * 3600 * 1000LL)
#define TC__IDEM_KEY_MAX 128
#define TC__IDEM_SCOPE_MAX 128
#define TC__IDEM_RESPONSE_MAX 65536

/* SHA-256 of data[0..len) as 64 lower-case hex characters + NUL. */
void tc__idem_hash(char out[65], const void *data, size_t len);

/* What a key holds. response is "" until completed. */
typedef struct tc__idem_record {
  char request_hash[65];
  bool completed;
  char *response; /* owned: free with tc__free(ctx, ...) */
  int64_t created_ms, expires_ms;
} tc__idem_record;

/*
 * Claim (scope, key) for a request whose hash is request_hash, keeping it
 * for ttl_ms (raised to at least TC__IDEM_MIN_TTL_MS). The first caller
 * wins with TC_OK; anyone after gets TC_ECONFLICT (no message set: look
 * the key up to replay or refuse). response may be NULL (claimed, not
 * completed) or the response to store at once. Runs inside the caller's
 * transaction when one is open (so the claim commits with the work), else
 * in its own. An INSERT ... ON CONFLICT DO NOTHING decides, so a failed
 * claim never aborts the caller's transaction (PostgreSQL). Errors
 * TC_EINVAL ("idempotency_key") for a key of 0 or > 128 bytes.
 */
int tc__idem_claim(tc_ctx *ctx, const char *scope, const char *key,
                   const char *request_hash, int64_t ttl_ms,
                   const char *response);

/* Store the response of a claimed key (at most TC__IDEM_RESPONSE_MAX
 * bytes). TC_ENOTFOUND when the key is not claimed. */
int tc__idem_complete(tc_ctx *ctx, const char *scope, const char *key,
                      const char *response);

/* Read a key: TC_OK and *out filled (free out->response), or TC_ENOTFOUND
 * (no message) when there is none or it has expired. */
int tc__idem_lookup(tc_ctx *ctx, const char *scope, const char *key,
                    tc__idem_record *out);

/* Delete up to limit keys that expired before now_ms; *n (may be NULL)
 * receives how many. */
int tc__idem_purge(tc_ctx *ctx, int64_t now_ms, uint32_t limit, uint32_t *n);

/* The module's schema and JSON API (lib/core/registry.c). */
extern const tc__schema_module tc__schema_orders;
struct tc__api_module;
extern const struct tc__api_module tc__api_orders;

#endif
