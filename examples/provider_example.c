/*
 * examples/provider_example.c - a payment provider supplied by the host,
 * registered through the port (techcorp/sys/payment.h), and a payment run
 * through it: authorize, capture part, refund part. Built against the
 * shared library like a host would; run as a test.
 *
 * The provider is an in-house "store credit" ledger: it approves any
 * "credit_*" token, declines others, and keeps the idempotency rule of the
 * port: a key seen before answers what it answered then, acting once.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

/* ---- the provider (the part a host writes) ------------------------------ */

#define SEEN_MAX 64
typedef struct credit {
  char keys[SEEN_MAX][128];
  tc_payment_result answers[SEEN_MAX];
  int seen, refs, charges;
} credit;

static int credit_call(void *self, const tc_payment_request *req,
                       tc_payment_result *res, const char *status) {
  credit *c = self;
  for (int i = 0; i < c->seen; i++)
    if (!strcmp(c->keys[i], req->idempotency_key)) {
      *res = c->answers[i]; /* same key: same answer, no second effect */
      return TC_OK;
    }
  if (c->seen == SEEN_MAX) return TC_ENOMEM;
  memset(res, 0, sizeof(*res));
  if (req->source && strncmp(req->source, "credit_", 7)) {
    res->outcome = TC_PAYMENT_DECLINED;
    snprintf(res->code, sizeof(res->code), "not_store_credit");
  } else {
    res->outcome = TC_PAYMENT_APPROVED;
    if (req->provider_ref)
      snprintf(res->provider_ref, sizeof(res->provider_ref), "%s",
               req->provider_ref);
    else
      snprintf(res->provider_ref, sizeof(res->provider_ref), "cr_%d",
               ++c->refs);
    if (!strcmp(status, "authorized")) c->charges++;
  }
  snprintf(res->status, sizeof(res->status), "%s", status);
  res->amount = req->amount;
  snprintf(c->keys[c->seen], sizeof(c->keys[0]), "%s", req->idempotency_key);
  c->answers[c->seen++] = *res;
  return TC_OK;
}

static int cr_auth(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return credit_call(s, q, r, "authorized");
}
static int cr_capt(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return credit_call(s, q, r, "captured");
}
static int cr_void(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return credit_call(s, q, r, "voided");
}
static int cr_refd(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return credit_call(s, q, r, "refunded");
}

/* ---- the host --------------------------------------------------------------
 */

static int check(tc_ctx *ctx, int rc, const char *what, const tc_payment *p) {
  printf("    %-10s -> %s: state %s, captured %lld, refunded %lld\n", what,
         tc_status_name(rc), p->state, (long long)p->captured,
         (long long)p->refunded);
  if (rc) fprintf(stderr, "provider_example: %s: %s\n", what, tc_errmsg(ctx));
  return rc;
}

int main(void) {
  static credit state;
  tc_payment_provider provider = {TC_PAYMENT_PROVIDER_VERSION,
                                  &state,
                                  "store-credit",
                                  cr_auth,
                                  cr_capt,
                                  cr_void,
                                  cr_refd,
                                  NULL,
                                  NULL,
                                  NULL};
  tc_store *store = NULL;
  tc_ctx *ctx = NULL;
  if (tc_store_sqlite_open(&store, ":memory:", NULL)) return 1;
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.payments = &provider; /* registered through the port */
  if (tc_ctx_new(&ctx, &cfg)) {
    fprintf(stderr, "provider_example: %s\n", tc_last_error_message());
    store->free(store->self);
    return 1;
  }
  tc_id order;
  tc_id_new(&order, ctx);
  tc_money total;
  tc_money_make(&total, 4990, "BRL");
  tc_payment p, again;
  int bad = 0;
  printf("A payment through a host-supplied provider (store credit)\n");
  bad |= check(ctx,
               tc_payments_authorize(&p, ctx, &host, NULL, order.str, NULL,
                                     "checkout-1", &total, "credit_alice"),
               "authorize", &p);
  bad |= check(ctx, tc_payments_capture(&p, ctx, &host, NULL, p.id, 4000),
               "capture", &p);
  bad |= check(
      ctx,
      tc_payments_refund(&p, ctx, &host, NULL, p.id, 1000, "rma-1", "return"),
      "refund", &p);
  /* A retried checkout and a retried refund act once. */
  bad |= check(ctx,
               tc_payments_authorize(&again, ctx, &host, NULL, order.str, NULL,
                                     "checkout-1", &total, "credit_alice"),
               "retry", &again);
  bad |= check(
      ctx,
      tc_payments_refund(&p, ctx, &host, NULL, p.id, 1000, "rma-1", "return"),
      "refund", &p);
  bad |= strcmp(p.state, "partially_refunded") || p.captured != 4000 ||
         p.refunded != 1000 || strcmp(again.id, p.id) || state.charges != 1;
  tc_id order2;
  tc_id_new(&order2, ctx);
  int rc = tc_payments_authorize(&p, ctx, &host, NULL, order2.str, NULL,
                                 "checkout-2", &total, "visa_token");
  check(ctx, rc, "decline", &p);
  bad |= rc != TC_EDECLINED || strcmp(p.decline_code, "not_store_credit");
  tc_ctx_free(ctx);
  store->free(store->self);
  printf("%s\n", bad ? "FAILED" : "ok: one charge, amounts as expected");
  return bad ? 1 : 0;
}
