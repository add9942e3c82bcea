/*
 * lib/orders/orders_priv.h - shared between the files of the orders module
 * only.
 */
#ifndef TC_ORDERS_PRIV_H
#define TC_ORDERS_PRIV_H

#include <stdio.h>

#include "core/internal.h"
#include "techcorp/orders.h"

/* ---- idempotency (idempotency.c) -----------------------------------------
 * The idempotency table of the core pattern (design.md, "Idempotency"):
 * the checkout and refunds claim their keys here. */

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

/* The module's schema (lib/core/registry.c). */
extern const tc__schema_module tc__schema_orders;

/* ---- module state (state.c) ---------------------------------------------- */

typedef struct ord_state {
  tc_orders_options opts; /* defaults filled in */
  char currency[4];       /* default_currency, copied */
  char instance[33];      /* lease owner name of this context */
} ord_state;

/* The state of ctx (created on first use), or NULL with TC_ENOMEM set. */
ord_state *tc__ord_state(tc_ctx *ctx);

/* ---- small helpers (util.c) ---------------------------------------------- */

static inline tc_value tc__ord_text(const char *s) {
  return s ? TC_VAL_TEXTN(s, strlen(s)) : TC_VAL_NULL;
}

/* Who is acting: TC_ORDER_ACTOR_* bits of who for an order of owner
 * (CUSTOMER only when who is that user), and its text ("admin:<id>"). */
unsigned tc__ord_actor_mask(const tc_principal *who, const char *owner);
void tc__ord_actor_text(char out[64], const tc_principal *who);
/* Format an amount for messages ("12.34 BRL"). */
void tc__ord_fmt_money(char out[48], int64_t amount, const char *currency);

/* ---- transitions (states.c) ---------------------------------------------- */

tc_order_status tc__ord_status_from(const char *name); /* 0 if unknown */

/* TC_OK when the table lets mask move from -> to; else TC_ESTATE (no such
 * transition) or TC_EDENIED (not for this caller), naming both states. */
int tc__ord_check_rule(tc_ctx *ctx, tc_order_status from, tc_order_status to,
                       unsigned mask);

/*
 * Inside the caller's write transaction: move order_id from `from` to
 * `to` for actor mask `mask`, checked by the table (TC_ESTATE naming both
 * states) and by a conditional UPDATE on the current status (TC_ESTATE
 * when it moved meanwhile), record the transition (actor text, reason)
 * and publish orders.<to>. extra_sql may set more columns: NULL.
 * from == 0 records the creation (orders.created).
 */
int tc__ord_transition(tc_ctx *ctx, const char *order_id, tc_order_status from,
                       tc_order_status to, unsigned mask, const char *actor,
                       const char *reason);

/* ---- events (events.c) --------------------------------------------------- */

/* Publish topic about order_id (read back inside the caller's
 * transaction) with from (0: null), actor and reason. */
int tc__ord_publish(tc_ctx *ctx, const char *topic, const char *order_id,
                    tc_order_status from, const char *actor,
                    const char *reason);

/* ---- reading orders (read.c) --------------------------------------------- */

/* Load an order, with lines when with_lines. TC_ENOTFOUND naming
 * "order_id". *out owned by the caller (tc_orders_order_free). */
int tc__ord_load(tc_ctx *ctx, const char *order_id, bool with_lines,
                 tc_order **out);

/* ---- the checkout saga (saga.c) ------------------------------------------ */

typedef struct ord_saga {
  char order_id[TC_ID_STRLEN + 1];
  char customer_id[TC_ID_STRLEN + 1];
  char step[16];
  char state[12];
  char source[256];
  char reservation_id[TC_ID_STRLEN + 1];
  char payment_id[TC_ID_STRLEN + 1];
  int64_t reserve_seq;
  int64_t reserve_expires_ms;
  int64_t attempts;
  int64_t result_rc;
  int64_t lease_until;
  int64_t created_ms, updated_ms;
  char last_error[256];
} ord_saga;

int tc__ord_saga_load(tc_ctx *ctx, const char *order_id, ord_saga *out);
/* ---- leases (state.c): one context drives a row at a time ---- */
/* The two statements of a lease on a table: take (owner, until, id, now,
 * owner: free, expired or already ours, in the state that may be driven)
 * and give back (id, owner). */
typedef struct ord_lease_sql {
  const char *take;
  const char *give;
} ord_lease_sql;
/* Take the lease of row id; *taken false when another context holds it. */
int tc__ord_lease_take(tc_ctx *ctx, const ord_lease_sql *sql, const char *id,
                       bool *taken);
/* Give it back, best effort (a lease not given back runs out by itself),
 * leaving the context's error as it was. */
void tc__ord_lease_give(tc_ctx *ctx, const ord_lease_sql *sql, const char *id);

/* Take the lease of a running saga (free, expired, or already ours):
 * TC_OK, or TC_EBUSY when another process holds it, TC_ESTATE when the
 * saga is no longer running. */
int tc__ord_saga_lease(tc_ctx *ctx, const char *order_id);
/* Give the lease back (best effort). */
void tc__ord_saga_unlease(tc_ctx *ctx, const char *order_id);
/* Drive a leased saga as far as it goes; returns the checkout result
 * (TC_OK when paid, TC_EDECLINED...). */
int tc__ord_saga_drive(tc_ctx *ctx, const char *order_id);

/* ---- refunds (refunds.c) --------------------------------------------------
 */

/* Re-drive a pending refund row (leased by the caller). */
int tc__ord_refund_drive(tc_ctx *ctx, const char *refund_id);
int tc__ord_refund_lease(tc_ctx *ctx, const char *refund_id);
void tc__ord_refund_unlease(tc_ctx *ctx, const char *refund_id);

/* ---- carts (carts.c) ------------------------------------------------------
 */

typedef struct ord_cart_row {
  char id[TC_ID_STRLEN + 1];
  char user_id[TC_ID_STRLEN + 1];
  char currency[4];
  int64_t created_ms, updated_ms, expires_ms;
  bool exists; /* false: a user's cart not written yet */
} ord_cart_row;

/* Find the cart of (who, token) inside the caller's transaction; with
 * create, make a user's cart (or renew an expired one). */
int tc__ord_cart_resolve(tc_ctx *ctx, const tc_principal *who,
                         const char *token, bool create, ord_cart_row *out);
/* Read the lines of a cart into a new tc_cart. */
int tc__ord_cart_read(tc_ctx *ctx, const ord_cart_row *row, tc_cart **out);
/* Delete every line of a cart (after checkout). */
int tc__ord_cart_clear(tc_ctx *ctx, const char *cart_id);
/* Purge up to limit expired carts. */
int tc__ord_cart_purge(tc_ctx *ctx, int64_t now_ms, uint32_t limit,
                       uint32_t *n);

#endif
