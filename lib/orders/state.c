/*
 * lib/orders/state.c - module options and per-context state.
 */
#include "orders_priv.h"

#define DAY_MS (24 * 3600 * 1000LL)

static void ord_state_free(tc_ctx *ctx, void *p) {
  tc__free(ctx, p);
}

static void fill_defaults(tc_orders_options *o) {
  if (o->cart_ttl_ms == 0) o->cart_ttl_ms = 7 * DAY_MS;
  if (o->reservation_ttl_ms == 0) o->reservation_ttl_ms = 15 * 60 * 1000LL;
  if (o->idempotency_ttl_ms < TC__IDEM_MIN_TTL_MS)
    o->idempotency_ttl_ms = TC__IDEM_MIN_TTL_MS;
  if (o->lease_ms == 0) o->lease_ms = 60 * 1000LL;
  if (o->recover_after_ms == 0) o->recover_after_ms = 30 * 1000LL;
}

ord_state *tc__ord_state(tc_ctx *ctx) {
  ord_state *st = ctx->module_state[TC__SLOT_ORDERS];
  if (st) return st;
  st = tc__calloc(ctx, 1, sizeof(*st));
  if (!st) {
    tc__oom(ctx);
    return NULL;
  }
  tc_orders_options o = TC_ORDERS_OPTIONS_INIT;
  fill_defaults(&o);
  st->opts = o;
  memcpy(st->currency, "BRL", 4);
  /* The lease owner: random, so two contexts never take each other's
   * lease for their own. */
  unsigned char r[16];
  tc__random(ctx, r, sizeof(r));
  for (size_t i = 0; i < sizeof(r); i++)
    snprintf(st->instance + 2 * i, 3, "%02x", r[i]);
  ctx->module_state[TC__SLOT_ORDERS] = st;
  ctx->module_state_free[TC__SLOT_ORDERS] = ord_state_free;
  return st;
}

int tc_orders_configure(tc_ctx *ctx, const tc_orders_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts || opts->version < 1 || opts->version > TC_ORDERS_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "orders options version must be %d",
                      TC_ORDERS_OPTIONS_VERSION);
  static const char *const names[] = {"cart_ttl_ms", "reservation_ttl_ms",
                                      "idempotency_ttl_ms", "lease_ms",
                                      "recover_after_ms"};
  const int64_t vals[] = {opts->cart_ttl_ms, opts->reservation_ttl_ms,
                          opts->idempotency_ttl_ms, opts->lease_ms,
                          opts->recover_after_ms};
  for (size_t i = 0; i < 5; i++)
    if (vals[i] < 0)
      return tc__seterr(ctx, TC_EINVAL, names[i], "%s must not be negative",
                        names[i]);
  if (opts->reservation_ttl_ms > 7 * DAY_MS)
    return tc__seterr(ctx, TC_EINVAL, "reservation_ttl_ms",
                      "reservation_ttl_ms must be at most 7 days");
  if (opts->default_currency && tc_currency_check(opts->default_currency))
    return tc__seterr(ctx, TC_EINVAL, "default_currency",
                      "default_currency is not an ISO 4217 currency");
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  st->opts = *opts;
  st->opts.version = TC_ORDERS_OPTIONS_VERSION;
  st->opts.default_currency = NULL;
  fill_defaults(&st->opts);
  memcpy(st->currency, opts->default_currency ? opts->default_currency : "BRL",
         4);
  return TC_OK;
}

int tc__ord_lease_take(tc_ctx *ctx, const ord_lease_sql *sql, const char *id,
                       bool *taken) {
  *taken = false;
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {tc__ord_text(st->instance),
                  TC_VAL_INT(now + st->opts.lease_ms), tc__ord_text(id),
                  TC_VAL_INT(now), tc__ord_text(st->instance)};
  int64_t changes = 0;
  int rc = tc__db_exec(ctx, sql->take, p, 5, NULL, NULL, &changes);
  *taken = rc == TC_OK && changes == 1;
  return rc;
}

void tc__ord_lease_give(tc_ctx *ctx, const ord_lease_sql *sql, const char *id) {
  ord_state *st = tc__ord_state(ctx);
  if (!st) return;
  tc__saved_error saved;
  tc__error_save(ctx, &saved);
  tc_value p[] = {tc__ord_text(id), tc__ord_text(st->instance)};
  tc__db_exec(ctx, sql->give, p, 2, NULL, NULL, NULL);
  tc__error_restore(ctx, &saved);
}
