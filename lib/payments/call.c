/*
 * lib/payments/call.c - one provider step: retries with backoff through
 * the context's clock, behind the provider's circuit breaker, every call
 * recorded in payments_attempts with its outcome.
 */
#include <stdio.h>

#include "payments_priv.h"

typedef struct call_state {
  tc_ctx *ctx;
  pay_state *st;
  pay_method m;
  const pay_row *row;
  const char *step;
  const char *key;
  int64_t amount;
  tc_payment_result *res;
  int tries;
  bool answered; /* res holds a provider answer */
} call_state;

/* TC_ELIMIT marks "the breaker refused": not transient, so the retry loop
 * stops at once (fail fast), and mapped to TC_EUNAVAILABLE afterwards. */
#define CALL_CIRCUIT_OPEN TC_ELIMIT

static int outcome_code(tc_payment_outcome o) {
  switch (o) {
    case TC_PAYMENT_APPROVED:
      return TC_OK;
    case TC_PAYMENT_DECLINED:
      return TC_EDECLINED;
    case TC_PAYMENT_TRANSIENT:
      return TC_EUNAVAILABLE;
    case TC_PAYMENT_ERROR:
      break;
  }
  return TC_EPROVIDER;
}

static void terminate(tc_payment_result *r) {
  r->provider_ref[sizeof(r->provider_ref) - 1] = '\0';
  r->status[sizeof(r->status) - 1] = '\0';
  r->code[sizeof(r->code) - 1] = '\0';
  r->message[sizeof(r->message) - 1] = '\0';
  r->card_last4[sizeof(r->card_last4) - 1] = '\0';
}

static int call_once(void *payload) {
  call_state *cs = payload;
  tc_ctx *ctx = cs->ctx;
  tc_payment_provider *p = cs->st->provider;
  if (tc_breaker_allow(cs->st->breaker, tc__now_ms(ctx)) != TC_OK)
    return CALL_CIRCUIT_OPEN;
  tc_payment_request req;
  memset(&req, 0, sizeof(req));
  req.version = 1;
  req.idempotency_key = cs->key;
  req.payment_id = cs->row->p.id;
  req.provider_ref =
      cs->row->p.provider_ref[0] ? cs->row->p.provider_ref : NULL;
  req.source = cs->m == PAY_AUTHORIZE ? cs->row->source : NULL;
  req.amount = cs->amount;
  memcpy(req.currency, cs->row->p.amount.currency, sizeof(req.currency));
  req.description = cs->row->p.order_id;
  memset(cs->res, 0, sizeof(*cs->res));
  int (*fn)(void *, const tc_payment_request *, tc_payment_result *) = NULL;
  switch (cs->m) {
    case PAY_AUTHORIZE:
      fn = p->authorize;
      break;
    case PAY_CAPTURE:
      fn = p->capture;
      break;
    case PAY_VOID:
      fn = p->void_auth;
      break;
    case PAY_REFUND:
      fn = p->refund;
      break;
    case PAY_FETCH:
      fn = p->fetch;
      break;
  }
  cs->tries++;
  int rc = fn(p->self, &req, cs->res);
  int64_t now = tc__now_ms(ctx);
  if (rc < 0) {
    /* A local failure of the adapter says nothing about the provider. */
    tc_breaker_record(cs->st->breaker, now, 1);
    cs->answered = false;
    tc__pay_attempt(ctx, cs->row, cs->step, cs->key, cs->amount, cs->tries,
                    NULL, rc);
    return tc__seterr(ctx, rc, NULL,
                      "payment provider '%s' failed locally on %s (%s)",
                      p->name, cs->step, tc_strerror(rc));
  }
  terminate(cs->res);
  cs->answered = true;
  int code = outcome_code(cs->res->outcome);
  tc_breaker_record(cs->st->breaker, now, code != TC_EUNAVAILABLE);
  int wrc = tc__pay_attempt(ctx, cs->row, cs->step, cs->key, cs->amount,
                            cs->tries, cs->res, code);
  if (wrc) return wrc;
  if (code == TC_EUNAVAILABLE)
    tc__log(ctx, TC_LOG_WARN, "payments",
            "provider %s: transient failure on %s of %s (try %d): %s", p->name,
            cs->step, cs->row->p.id, cs->tries, cs->res->code);
  return code;
}

int tc__pay_call(tc_ctx *ctx, pay_method m, const pay_row *row,
                 const char *step, const char *key, int64_t amount,
                 tc_payment_result *res) {
  memset(res, 0, sizeof(*res));
  int rc = tc__pay_no_txn(ctx);
  if (rc) return rc;
  pay_state *st = tc__pay_state(ctx);
  if (!st) return tc_errcode(ctx) ? tc_errcode(ctx) : TC_ENOMEM;
  if (m == PAY_FETCH && !st->provider->fetch)
    return tc__seterr(ctx, TC_EUNSUPPORTED, NULL,
                      "payment provider '%s' cannot fetch a payment",
                      st->provider->name);
  if (m == PAY_FETCH && !row->p.provider_ref[0])
    return tc__seterr(ctx, TC_EINVAL, "provider_ref",
                      "payment '%s' has no provider reference to fetch",
                      row->p.id);
  call_state cs = {ctx, st, m, row, step, key, amount, res, 0, false};
  rc = tc_retry_run(ctx, &st->opts.retry, call_once, &cs);
  switch (rc) {
    case TC_OK:
      return TC_OK;
    case CALL_CIRCUIT_OPEN:
      return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                        "payment provider '%s' is unavailable (circuit "
                        "open); %s of payment '%s' left for later",
                        st->provider->name, step, row->p.id);
    case TC_EUNAVAILABLE:
      return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                        "payment provider '%s' failed %d time(s) on %s: %s%s%s",
                        st->provider->name, cs.tries, step,
                        res->code[0] ? res->code : "transient error",
                        res->message[0] ? ": " : "", res->message);
    case TC_EDECLINED:
      return tc__seterr(ctx, TC_EDECLINED, "source",
                        "payment declined by '%s': %s%s%s", st->provider->name,
                        res->code[0] ? res->code : "declined",
                        res->message[0] ? ": " : "", res->message);
    case TC_EPROVIDER:
      return tc__seterr(
          ctx, TC_EPROVIDER, NULL, "payment provider '%s' refused %s: %s%s%s",
          st->provider->name, step, res->code[0] ? res->code : "error",
          res->message[0] ? ": " : "", res->message);
    default:
      if (!cs.answered) memset(res, 0, sizeof(*res));
      return rc;
  }
}
