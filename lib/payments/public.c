/* * lib/payments/public.c - the typed C API, thin over the steps, with who
 * may do what and the driver rule (see techcorp/payments.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

/* Fill out when a record exists (its id is set). */
static void give(tc_payment *out, const pay_row *r) {
  if (!out) return;
  if (r->p.id[0])
    *out = r->p;
  else
    memset(out, 0, sizeof(*out));
}

/* The caller's id copied before *out is cleared: out may hold it
 * (tc_payments_get(&p, ctx, p.id)). Longer text is kept as is (and then
 * refused by the checks; out's fields are shorter, so no alias). */
static const char *keep(char buf[64], const char *s) {
  if (!s || strlen(s) >= 64) return s;
  memcpy(buf, s, strlen(s) + 1);
  return buf;
}

/* ---- who may ---------------------------------------------------------- */

/* Money moves for admin and system callers. */
static int may_move(tc_ctx *ctx, const tc_principal *who) {
  return tc__authorize(ctx, who, "payments", TC__ACT_WRITE, NULL);
}

/* How to move a payment its driver keeps records of, per action. */
static const char *driver_hint(const char *driver, const char *action) {
  if (strcmp(driver, "orders")) return "its driver's functions";
  if (!strcmp(action, "capture")) return "orders.transition (to fulfilling)";
  if (!strcmp(action, "void")) return "orders.cancel";
  return "orders.refund or orders.cancel";
}

/* A payment with a driver moves only with it (see payments.h), so the
 * driver's records (an order and its stock) never fall behind. */
static int check_driver(tc_ctx *ctx, const char *payment_id, const char *driver,
                        const char *action) {
  pay_row row;
  int rc = tc__pay_load(ctx, payment_id, &row);
  if (rc == TC_ENOTFOUND || rc == TC_EINVAL) {
    tc__clearerr(ctx); /* said by the step itself */
    return TC_OK;
  }
  if (rc) return rc;
  if (!driver) driver = "";
  if (!strcmp(row.managed_by, driver)) return TC_OK;
  if (!row.managed_by[0])
    return tc__seterr(ctx, TC_ESTATE, "id",
                      "payment %s is driven by the host, not by %s", row.p.id,
                      driver);
  return tc__seterr(ctx, TC_ESTATE, "id",
                    "payment %s belongs to order %s: %s it with %s, so the "
                    "order and its stock follow",
                    row.p.id, row.p.order_id, action,
                    driver_hint(row.managed_by, action));
}

/* ---- public -------------------------------------------------------------- */

int tc_payments_authorize(tc_payment *out, tc_ctx *ctx, const tc_principal *who,
                          const char *driver, const char *order_id,
                          const char *owner_user_id,
                          const char *idempotency_key, const tc_money *amount,
                          const char *source) {
  char idbuf[64];
  order_id = keep(idbuf, order_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = may_move(ctx, who);
  if (rc) return rc;
  if (driver &&
      (!*driver || strlen(driver) >= sizeof(((pay_row *)0)->managed_by)))
    return tc__seterr(ctx, TC_EINVAL, "driver",
                      "driver must be 1..15 bytes, or NULL");
  pay_row row;
  rc = tc__pay_authorize(ctx, driver ? driver : "", order_id, owner_user_id,
                         idempotency_key, amount, source, &row);
  give(out, &row);
  return rc;
}

int tc_payments_capture(tc_payment *out, tc_ctx *ctx, const tc_principal *who,
                        const char *driver, const char *payment_id,
                        int64_t amount) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = may_move(ctx, who);
  if (!rc) rc = check_driver(ctx, payment_id, driver, "capture");
  if (rc) return rc;
  pay_row row;
  rc = tc__pay_capture(ctx, payment_id, amount, &row);
  give(out, &row);
  return rc;
}

int tc_payments_void(tc_payment *out, tc_ctx *ctx, const tc_principal *who,
                     const char *driver, const char *payment_id) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = may_move(ctx, who);
  if (!rc) rc = check_driver(ctx, payment_id, driver, "void");
  if (rc) return rc;
  pay_row row;
  rc = tc__pay_void(ctx, payment_id, &row);
  give(out, &row);
  return rc;
}

int tc_payments_refund(tc_payment *out, tc_ctx *ctx, const tc_principal *who,
                       const char *driver, const char *payment_id,
                       int64_t amount, const char *key, const char *reason) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = may_move(ctx, who);
  if (!rc) rc = check_driver(ctx, payment_id, driver, "refund");
  if (rc) return rc;
  pay_row row;
  rc = tc__pay_refund(ctx, payment_id, amount, key, reason, &row);
  give(out, &row);
  return rc;
}

int tc_payments_get(tc_payment *out, tc_ctx *ctx, const tc_principal *who,
                    const char *payment_id) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "payment_id", payment_id);
  if (rc) return rc;
  pay_row row;
  rc = tc__pay_load(ctx, payment_id, &row);
  /* Only who may read every payment learns which ids exist. */
  if (rc == TC_ENOTFOUND && !tc__allowed(who, "payments", TC__ACT_READ, NULL))
    return tc__seterr(ctx, TC_ENOTFOUND, "id", "no such payment");
  /* The same answer for "not yours" as for "missing" would hide ids, but
   * payment ids are unguessable; a clear denial helps support. */
  if (rc == TC_OK)
    rc = tc__authorize(ctx, who, "payments", TC__ACT_READ, row.p.owner_id);
  if (rc == TC_OK) give(out, &row);
  return rc;
}

int tc_payments_get_for_order(tc_payment *out, tc_ctx *ctx,
                              const tc_principal *who, const char *order_id) {
  char idbuf[64];
  order_id = keep(idbuf, order_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "order_id", order_id);
  if (rc) return rc;
  pay_row row;
  tc_value p[] = {TC_VAL_TEXT(order_id)};
  rc = tc__db_row(ctx,
                  "SELECT " PAY_COLUMNS
                  " FROM payments_payments WHERE order_id = ?"
                  " ORDER BY id DESC LIMIT 1",
                  p, 1, tc__pay_row_cb, &row);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "order_id",
                      "order '%s' has no payment", order_id);
  if (rc == TC_OK)
    rc = tc__authorize(ctx, who, "payments", TC__ACT_READ, row.p.owner_id);
  if (rc == TC_OK) give(out, &row);
  return rc;
}

typedef struct list_state {
  tc_ctx *ctx;
  const tc_principal *who;
  tc_payments_list_cb cb;
  void *payload;
  int stop;
} list_state;

static int list_row(const tc_value *cols, size_t n, void *payload) {
  list_state *ls = payload;
  pay_row row;
  tc__pay_row_cb(cols, n, &row);
  int r =
      tc__authorize(ls->ctx, ls->who, "payments", TC__ACT_READ, row.p.owner_id);
  if (!r) r = ls->cb(&row.p, ls->payload);
  if (r) {
    ls->stop = r;
    return r < 0 ? r : TC_STORE_STOP;
  }
  return 0;
}

int tc_payments_list_for_order(tc_ctx *ctx, const tc_principal *who,
                               const char *order_id, const char *after,
                               uint32_t limit, tc_payments_list_cb cb,
                               void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "order_id", order_id);
  if (rc) return rc;
  if (after && (rc = tc__check_id(ctx, "cursor", after))) return rc;
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..100");
  if (!cb) return tc__seterr(ctx, TC_EINVAL, "cb", "cb is NULL");
  list_state ls = {ctx, who, cb, payload, 0};
  tc_value p[] = {TC_VAL_TEXT(order_id), TC_VAL_TEXT(after ? after : ""),
                  TC_VAL_INT(limit)};
  rc = tc__db_exec(ctx,
                   "SELECT " PAY_COLUMNS
                   " FROM payments_payments WHERE order_id = ? AND id > ?"
                   " ORDER BY id LIMIT ?",
                   p, 3, list_row, &ls, NULL);
  if (rc < 0 && rc == ls.stop && ctx->errcode == TC_OK)
    tc__seterr(ctx, rc, NULL, "the listing callback stopped with an error");
  return rc;
}

int tc_payments_reconcile(uint32_t *settled, tc_ctx *ctx, int64_t older_than_ms,
                          uint32_t limit) {
  if (settled) *settled = 0;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  return tc__pay_reconcile(ctx, older_than_ms, limit, settled);
}
