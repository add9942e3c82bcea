/*
 * lib/payments/public.c - the typed C API and the functions the orders
 * module calls (payments_internal.h), both thin over the steps.
 */
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

static void to_info(tc__payment_info *out, const pay_row *r) {
  if (!out) return;
  memset(out, 0, sizeof(*out));
  tc__pay_copy(out->id, sizeof(out->id), r->p.id);
  tc__pay_copy(out->order_id, sizeof(out->order_id), r->p.order_id);
  tc__pay_copy(out->state, sizeof(out->state), r->p.state);
  out->amount = r->p.amount;
  out->captured = r->p.captured;
  out->refunded = r->p.refunded;
  tc__pay_copy(out->card_last4, sizeof(out->card_last4), r->p.card_last4);
  tc__pay_copy(out->decline_code, sizeof(out->decline_code), r->p.decline_code);
  tc__pay_copy(out->message, sizeof(out->message), r->p.message);
}

/* Fill out when a record exists (its id is set). */
static void give(tc_payment *out, const pay_row *r) {
  if (!out) return;
  if (r->p.id[0])
    *out = r->p;
  else
    memset(out, 0, sizeof(*out));
}

static void give_info(tc__payment_info *out, const pay_row *r) {
  if (out && r->p.id[0])
    to_info(out, r);
  else if (out)
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

/* ---- internal (orders) ----------------------------------------------------
 */

int tc__payments_authorize_owned(tc_ctx *ctx, const char *order_id,
                                 const char *owner_user_id,
                                 const char *idempotency_key,
                                 const tc_money *amount, const char *source,
                                 tc__payment_info *out) {
  pay_row row;
  int rc = tc__pay_authorize(ctx, "orders", order_id, owner_user_id,
                             idempotency_key, amount, source, &row);
  give_info(out, &row);
  return rc;
}

int tc__payments_authorize(tc_ctx *ctx, const char *order_id,
                           const char *idempotency_key, const tc_money *amount,
                           const char *source, tc__payment_info *out) {
  return tc__payments_authorize_owned(ctx, order_id, NULL, idempotency_key,
                                      amount, source, out);
}

int tc__payments_capture(tc_ctx *ctx, const char *payment_id, int64_t amount,
                         tc__payment_info *out) {
  pay_row row;
  int rc = tc__pay_capture(ctx, payment_id, amount, &row);
  give_info(out, &row);
  return rc;
}

int tc__payments_void(tc_ctx *ctx, const char *payment_id,
                      tc__payment_info *out) {
  pay_row row;
  int rc = tc__pay_void(ctx, payment_id, &row);
  give_info(out, &row);
  return rc;
}

int tc__payments_refund(tc_ctx *ctx, const char *payment_id, int64_t amount,
                        const char *key, const char *reason,
                        tc__payment_info *out) {
  pay_row row;
  int rc = tc__pay_refund(ctx, payment_id, amount, key, reason, &row);
  give_info(out, &row);
  return rc;
}

int tc__payments_get_for_order(tc_ctx *ctx, const char *order_id,
                               tc__payment_info *out) {
  char idbuf[64];
  order_id = keep(idbuf, order_id);
  if (out) memset(out, 0, sizeof(*out));
  int rc = tc__pay_check_id(ctx, "order_id", order_id);
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
  if (rc == TC_OK) to_info(out, &row);
  return rc;
}

int tc__payments_reconcile(tc_ctx *ctx, int64_t older_than_ms, uint32_t limit,
                           uint32_t *settled) {
  return tc__pay_reconcile(ctx, older_than_ms, limit, settled);
}

/* ---- public -------------------------------------------------------------- */

int tc_payments_authorize(tc_payment *out, tc_ctx *ctx, const char *order_id,
                          const char *owner_user_id,
                          const char *idempotency_key, const tc_money *amount,
                          const char *source) {
  char idbuf[64];
  order_id = keep(idbuf, order_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  pay_row row;
  int rc = tc__pay_authorize(ctx, "", order_id, owner_user_id, idempotency_key,
                             amount, source, &row);
  give(out, &row);
  return rc;
}

int tc_payments_capture(tc_payment *out, tc_ctx *ctx, const char *payment_id,
                        int64_t amount) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  pay_row row;
  int rc = tc__pay_capture(ctx, payment_id, amount, &row);
  give(out, &row);
  return rc;
}

int tc_payments_void(tc_payment *out, tc_ctx *ctx, const char *payment_id) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  pay_row row;
  int rc = tc__pay_void(ctx, payment_id, &row);
  give(out, &row);
  return rc;
}

int tc_payments_refund(tc_payment *out, tc_ctx *ctx, const char *payment_id,
                       int64_t amount, const char *key, const char *reason) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  pay_row row;
  int rc = tc__pay_refund(ctx, payment_id, amount, key, reason, &row);
  give(out, &row);
  return rc;
}

int tc_payments_get(tc_payment *out, tc_ctx *ctx, const char *payment_id) {
  char idbuf[64];
  payment_id = keep(idbuf, payment_id);
  if (out) memset(out, 0, sizeof(*out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__pay_check_id(ctx, "payment_id", payment_id);
  if (rc) return rc;
  pay_row row;
  rc = tc__pay_load(ctx, payment_id, &row);
  if (rc == TC_OK) give(out, &row);
  return rc;
}

typedef struct list_state {
  tc_payments_list_cb cb;
  void *payload;
  int stop;
} list_state;

static int list_row(const tc_value *cols, size_t n, void *payload) {
  list_state *ls = payload;
  pay_row row;
  tc__pay_row_cb(cols, n, &row);
  int r = ls->cb(&row.p, ls->payload);
  if (r) {
    ls->stop = r;
    return r < 0 ? r : TC_STORE_STOP;
  }
  return 0;
}

int tc_payments_list_for_order(tc_ctx *ctx, const char *order_id,
                               const char *after, uint32_t limit,
                               tc_payments_list_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__pay_check_id(ctx, "order_id", order_id);
  if (rc) return rc;
  if (after && (rc = tc__pay_check_id(ctx, "cursor", after))) return rc;
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..100");
  if (!cb) return tc__seterr(ctx, TC_EINVAL, "cb", "cb is NULL");
  list_state ls = {cb, payload, 0};
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
