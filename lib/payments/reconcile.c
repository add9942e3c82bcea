/*
 * lib/payments/reconcile.c - finishing steps a crash or an outage left
 * open: re-drive the recorded step with its idempotency key (the provider
 * answers the first result and acts once), or ask the provider (fetch)
 * where it already gave us a reference.
 */
#include <stdio.h>

#include "payments_priv.h"

/* Map a fetched status onto our states ("" when still open). Our own
 * providers answer with our words; Stripe's words are understood too. */
static const char *fetched_state(const char *status) {
  static const struct {
    const char *word, *state;
  } map[] = {
      {"authorized", "authorized"},
      {"requires_capture", "authorized"},
      {"captured", "captured"},
      {"succeeded", "captured"},
      {"partially_refunded", "partially_refunded"},
      {"refunded", "refunded"},
      {"voided", "voided"},
      {"canceled", "voided"},
      {"failed", "failed"},
      {"declined", "failed"},
      {"requires_payment_method", "failed"},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (!strcmp(map[i].word, status)) return map[i].state;
  return "";
}

/* An authorization the provider has a reference for: fetch its state. */
static int settle_by_fetch(tc_ctx *ctx, pay_row *row) {
  tc_payment_result res;
  int rc =
      tc__pay_call(ctx, PAY_FETCH, row, "fetch", row->pending_key, 0, &res);
  if (rc) return rc;
  const char *state = fetched_state(res.status);
  if (!strcmp(state, "failed")) {
    if (!res.code[0]) tc__text_copy(res.code, sizeof(res.code), "failed");
    return tc__pay_finish_authorize(ctx, row, TC_EDECLINED, &res);
  }
  if (!*state || !strcmp(state, "voided"))
    return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                      "payment '%s' is still '%s' at the provider", row->p.id,
                      res.status);
  return tc__pay_finish_authorize(ctx, row, TC_OK, &res);
}

int tc__pay_redrive(tc_ctx *ctx, pay_row *row) {
  tc_payment_result res;
  const char *step = row->p.pending_step;
  int rc;
  if (!strcmp(step, "authorize")) {
    pay_state *st = tc__pay_state(ctx);
    if (!st) return ctx->errcode;
    if (row->p.provider_ref[0] && st->provider->fetch)
      return settle_by_fetch(ctx, row);
    rc = tc__pay_call(ctx, PAY_AUTHORIZE, row, "authorize", row->pending_key,
                      row->pending_amount, &res);
    return tc__pay_finish_authorize(ctx, row, rc, &res);
  }
  if (!strcmp(step, "capture")) {
    rc = tc__pay_call(ctx, PAY_CAPTURE, row, "capture", row->pending_key,
                      row->pending_amount, &res);
    return tc__pay_finish_capture(ctx, row, rc, &res);
  }
  if (!strcmp(step, "void")) {
    rc = tc__pay_call(ctx, PAY_VOID, row, "void", row->pending_key, 0, &res);
    return tc__pay_finish_void(ctx, row, rc, &res);
  }
  if (!strcmp(step, "refund")) {
    rc = tc__pay_call(ctx, PAY_REFUND, row, "refund", row->pending_key,
                      row->pending_amount, &res);
    return tc__pay_finish_refund(ctx, row, rc, &res);
  }
  return TC_OK; /* nothing pending */
}

typedef struct open_list {
  char ids[100][TC_ID_STRLEN + 1];
  uint32_t n;
} open_list;

static int open_cb(const tc_value *cols, size_t n, void *payload) {
  open_list *l = payload;
  (void)n;
  if (l->n >= 100) return TC_STORE_STOP;
  tc__col_copy(l->ids[l->n], sizeof(l->ids[0]), &cols[0]);
  l->n++;
  return 0;
}

int tc__pay_reconcile(tc_ctx *ctx, int64_t older_than_ms, uint32_t limit,
                      uint32_t *settled) {
  if (settled) *settled = 0;
  if (older_than_ms < 0)
    return tc__seterr(ctx, TC_EINVAL, "older_than_ms",
                      "older_than_ms must not be negative");
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..100");
  int rc = tc__pay_no_txn(ctx);
  if (rc) return rc;
  if (!tc__pay_state(ctx)) return ctx->errcode;
  open_list *l = tc__calloc(ctx, 1, sizeof(*l));
  if (!l) return tc__oom(ctx);
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx) - older_than_ms),
                  TC_VAL_INT(limit)};
  rc = tc__db_exec(ctx,
                   "SELECT id FROM payments_payments"
                   " WHERE pending_step IN ('authorize', 'capture', 'void',"
                   " 'refund') AND updated_ms <= ?"
                   " ORDER BY updated_ms, id LIMIT ?",
                   p, 2, open_cb, l, NULL);
  uint32_t done = 0;
  for (uint32_t i = 0; rc == TC_OK && i < l->n; i++) {
    pay_row row;
    if ((rc = tc__pay_load(ctx, l->ids[i], &row))) break;
    if (!row.p.pending_step[0]) continue; /* settled meanwhile */
    int r = tc__pay_redrive(ctx, &row);
    if (r == TC_OK || r == TC_EDECLINED || r == TC_EPROVIDER) {
      done++;
    } else if (r == TC_ESTORAGE || r == TC_ENOMEM || r == TC_ECORRUPT) {
      rc = r;
    } else {
      tc__log(ctx, TC_LOG_INFO, "payments", "reconcile %s: left open (%s)",
              row.p.id, tc_strerror(r));
    }
  }
  tc__free(ctx, l);
  if (rc == TC_OK) tc__clearerr(ctx);
  if (settled) *settled = done;
  return rc;
}
