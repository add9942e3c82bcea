/*
 * tests/test_payments.c - the payments module over the sandbox provider:
 * authorize, capture (partial too), void, refunds, decline, retries, the
 * circuit breaker, webhooks, reconciliation after a simulated crash, bad
 * input leaving the database unchanged, and the JSON API.
 */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "test_payments_util.h"

static tt_clock clk;
static char dir[512];
static tc_ctx *ctx;

#define T0 INT64_C(1700000000000)

static void setup(void) {
  tt_clock_init(&clk, T0);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  /* The table queue keeps only what some group subscribed to. */
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "payments.*"), TC_OK);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
  ctx = NULL;
}

static tc_money brl(int64_t amount) {
  tc_money m;
  ck_assert_int_eq(tc_money_make(&m, amount, "BRL"), TC_OK);
  return m;
}

/* Reaches into the module state: tests only. */
#include "../lib/payments/payments_priv.h"

/* The sandbox the context made for itself. */
static tc_sandbox_ledger ledger(void) {
  pay_state *st = tc__pay_state(ctx);
  ck_assert_ptr_nonnull(st);
  tc_sandbox_ledger l;
  ck_assert_int_eq(tc_payment_sandbox_ledger(&l, st->provider), TC_OK);
  return l;
}

static tc_payment authorize_ok(const char *source, int64_t amount) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(amount);
  tc_payment p;
  int rc = tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str, NULL, "k1",
                                 &m, source);
  ck_assert_msg(rc == TC_OK, "authorize: %s", tc_errmsg(ctx));
  return p;
}

/* ---- authorize ------------------------------------------------------------
 */

START_TEST(authorize_approved_and_idempotent) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(5000);
  tc_payment p, again;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "chk-1", &m, "tok_visa"),
                   TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_str_eq(p.card_last4, "4242");
  ck_assert_str_eq(p.provider, "sandbox");
  ck_assert_int_eq(p.amount.amount, 5000);
  ck_assert_str_eq(p.pending_step, "");
  ck_assert_int_eq(pu_events(ctx, "payments.authorized"), 1);
  tc_sandbox_ledger l = ledger();
  ck_assert_uint_eq(l.authorizations, 1);
  uint32_t calls = l.calls;
  /* Same key, same request: the first result, no provider call. */
  ck_assert_int_eq(tc_payments_authorize(&again, ctx, tt_sys(), NULL, order.str,
                                         NULL, "chk-1", &m, "tok_visa"),
                   TC_OK);
  ck_assert_str_eq(again.id, p.id);
  ck_assert_uint_eq(ledger().calls, calls);
  ck_assert_uint_eq(ledger().authorizations, 1);
  /* Same key, other amount: a conflict, nothing written. */
  char before[4096], after[4096];
  pu_snapshot(ctx, before);
  tc_money other = brl(5001);
  ck_assert_int_eq(tc_payments_authorize(&again, ctx, tt_sys(), NULL, order.str,
                                         NULL, "chk-1", &other, "tok_visa"),
                   TC_ECONFLICT);
  ck_assert_str_eq(tc_errfield(ctx), "idempotency_key");
  pu_snapshot(ctx, after);
  ck_assert_str_eq(before, after);
  /* The internal function for orders sees the same payment. */
  tc_payment info;
  ck_assert_int_eq(tc_payments_get_for_order(&info, ctx, tt_sys(), order.str),
                   TC_OK);
  ck_assert_str_eq(info.id, p.id);
  ck_assert_str_eq(info.state, "authorized");
  ck_assert_int_eq(pu_count(ctx, "SELECT COUNT(*) FROM payments_attempts"), 1);
}
END_TEST

START_TEST(decline_is_final) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(1000);
  tc_payment p;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_chargeDeclined"),
                   TC_EDECLINED);
  ck_assert_str_eq(p.state, "failed");
  ck_assert_str_eq(p.decline_code, "card_declined");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "card_declined"));
  ck_assert_int_eq(pu_events(ctx, "payments.failed"), 1);
  uint32_t calls = ledger().calls;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_chargeDeclined"),
                   TC_EDECLINED);
  ck_assert_uint_eq(ledger().calls, calls); /* not retried */
  tc_id order2 = pu_order(ctx);
  ck_assert_int_eq(
      tc_payments_authorize(&p, ctx, tt_sys(), NULL, order2.str, NULL, "k", &m,
                            "tok_insufficientFunds"),
      TC_EDECLINED);
  ck_assert_str_eq(p.decline_code, "insufficient_funds");
  ck_assert_uint_eq(ledger().authorizations, 0);
  /* A permanent provider error fails the payment too. */
  tc_id order3 = pu_order(ctx);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order3.str,
                                         NULL, "k", &m, "tok_error"),
                   TC_EPROVIDER);
  ck_assert_str_eq(p.state, "failed");
  /* Voiding a failed payment holds nothing: OK. */
  ck_assert_int_eq(tc_payments_void(&p, ctx, tt_sys(), NULL, p.id), TC_OK);
  ck_assert_str_eq(p.state, "failed");
}
END_TEST

START_TEST(transient_retried_then_one_charge) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(2500);
  tc_payment p;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_transient_2"),
                   TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  tc_sandbox_ledger l = ledger();
  ck_assert_uint_eq(l.calls, 3);
  ck_assert_uint_eq(l.authorizations, 1);
  ck_assert_int_eq(l.authorized, 2500);
  ck_assert_int_gt(clk.slept, -1); /* backoff went through the clock */
  ck_assert_int_eq(
      pu_count(ctx,
               "SELECT COUNT(*) FROM payments_attempts WHERE outcome ="
               " 'transient'"),
      2);
  ck_assert_int_eq(pu_count(ctx,
                            "SELECT COUNT(DISTINCT idempotency_key) FROM"
                            " payments_attempts"),
                   1);
}
END_TEST

START_TEST(transient_exhausted_then_reconciled) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(2500);
  tc_payment p;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_transient_4"),
                   TC_EUNAVAILABLE);
  ck_assert_str_eq(p.state, "pending");
  ck_assert_str_eq(p.pending_step, "authorize");
  uint32_t settled = 9;
  /* Too recent for the sweep. */
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 60000, 10), TC_OK);
  ck_assert_uint_eq(settled, 0);
  clk.now += 120000;
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 60000, 10), TC_OK);
  ck_assert_uint_eq(settled, 1);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_uint_eq(ledger().authorizations, 1);
}
END_TEST

START_TEST(timeout_and_slow) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(100);
  tc_payment p;
  int64_t t = clk.now;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_timeout"),
                   TC_EUNAVAILABLE);
  ck_assert_str_eq(p.state, "pending");
  ck_assert_int_ge(clk.now - t, 3 * 10000); /* three tries timed out */
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "timeout"));
  t = clk.now;
  tc_id order2 = pu_order(ctx);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order2.str,
                                         NULL, "k", &m, "tok_slow"),
                   TC_OK);
  ck_assert_int_ge(clk.now - t, 2000);
}
END_TEST

/* ---- circuit breaker --------------------------------------------------------
 */

START_TEST(breaker_opens_and_fails_fast_for_all_contexts) {
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.retry.max_attempts = 1;
  o.breaker_options.failure_threshold = 3;
  o.breaker_options.open_ms = 60000;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
  tc_money m = brl(100);
  tc_payment p;
  for (int i = 0; i < 3; i++) {
    tc_id order = pu_order(ctx);
    ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                           NULL, "k", &m, "tok_transient_9"),
                     TC_EUNAVAILABLE);
  }
  uint32_t calls = ledger().calls;
  tc_id order = pu_order(ctx);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_EUNAVAILABLE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "circuit open"));
  ck_assert_uint_eq(ledger().calls, calls); /* failed fast */
  ck_assert_str_eq(p.state, "pending");
  /* Another context of the process shares the breaker. */
  char dir2[512];
  tc_ctx *ctx2 = tt_ctx_new(dir2, sizeof(dir2), &clk);
  tc_id order2 = pu_order(ctx2);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx2, tt_sys(), NULL, order2.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_EUNAVAILABLE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx2), "circuit open"));
  tt_ctx_free(ctx2, dir2);
  /* After open_ms a trial goes through and closes it. */
  clk.now += 60001;
  tc_id order3 = pu_order(ctx);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order3.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_OK);
  /* The checkout refused by the open circuit, retried with its key,
   * re-drives the recorded step: one charge each. */
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_uint_eq(ledger().authorizations, 2);
}
END_TEST

/* ---- capture, void, refund
 * --------------------------------------------------- */

START_TEST(capture_partial_and_full) {
  tc_payment p = authorize_ok("tok_visa", 5000);
  char before[4096], after[4096];
  ck_assert_int_eq(tc_payments_capture(&p, ctx, tt_sys(), NULL, p.id, 3000),
                   TC_OK);
  ck_assert_str_eq(p.state, "captured");
  ck_assert_int_eq(p.captured, 3000);
  ck_assert_int_eq(tc_payments_capture(&p, ctx, tt_sys(), NULL, p.id, 1500),
                   TC_OK);
  ck_assert_int_eq(p.captured, 4500);
  pu_snapshot(ctx, before);
  tc_payment scratch;
  ck_assert_int_eq(
      tc_payments_capture(&scratch, ctx, tt_sys(), NULL, p.id, 501), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "amount");
  ck_assert_int_eq(scratch.captured, 4500); /* the record is given back */
  ck_assert_int_eq(tc_payments_capture(&scratch, ctx, tt_sys(), NULL, p.id, -1),
                   TC_EINVAL);
  ck_assert_str_eq(scratch.id, ""); /* refused before any read */
  ck_assert_int_eq(
      tc_payments_capture(NULL, ctx, tt_sys(), NULL, p.id, INT64_MAX),
      TC_EOVERFLOW);
  pu_snapshot(ctx, after);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(tc_payments_capture(&p, ctx, tt_sys(), NULL, p.id, 0),
                   TC_OK);
  ck_assert_int_eq(p.captured, 5000);
  ck_assert_int_eq(tc_payments_capture(NULL, ctx, tt_sys(), NULL, p.id, 0),
                   TC_EINVAL);
  tc_sandbox_ledger l = ledger();
  ck_assert_uint_eq(l.captures, 3);
  ck_assert_int_eq(l.captured, 5000);
  ck_assert_int_eq(pu_events(ctx, "payments.captured"), 3);
  ck_assert_int_eq(pu_count(ctx,
                            "SELECT COUNT(DISTINCT idempotency_key) FROM"
                            " payments_attempts WHERE step = 'capture'"),
                   3);
  /* Capturing after a void is refused naming both states. */
  tc_payment q = authorize_ok("tok_visa", 700);
  ck_assert_int_eq(tc_payments_void(&q, ctx, tt_sys(), NULL, q.id), TC_OK);
  ck_assert_str_eq(q.state, "voided");
  ck_assert_int_eq(tc_payments_void(&q, ctx, tt_sys(), NULL, q.id),
                   TC_OK); /* idempotent */
  ck_assert_int_eq(tc_payments_capture(NULL, ctx, tt_sys(), NULL, q.id, 0),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "'voided'"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "'captured'"));
  ck_assert_uint_eq(ledger().voids, 1);
  ck_assert_int_eq(pu_events(ctx, "payments.voided"), 1);
  /* A captured payment cannot be voided. */
  ck_assert_int_eq(tc_payments_void(NULL, ctx, tt_sys(), NULL, p.id),
                   TC_ESTATE);
}
END_TEST

START_TEST(capture_at_checkout) {
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.capture_mode = TC_PAYMENTS_CAPTURE_AT_CHECKOUT;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
  tc_payment p = authorize_ok("tok_visa", 990);
  ck_assert_str_eq(p.state, "captured");
  ck_assert_int_eq(p.captured, 990);
  ck_assert_uint_eq(ledger().captures, 1);
}
END_TEST

START_TEST(refunds_never_exceed_captured) {
  tc_payment p = authorize_ok("tok_visa", 5000);
  char before[4096], after[4096];
  pu_snapshot(ctx, before);
  /* Nothing captured yet. */
  ck_assert_int_eq(
      tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 100, NULL, NULL),
      TC_ESTATE);
  ck_assert_int_eq(tc_payments_capture(&p, ctx, tt_sys(), NULL, p.id, 4000),
                   TC_OK);
  pu_snapshot(ctx, before);
  ck_assert_int_eq(
      tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 4001, "r1", NULL),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "amount");
  ck_assert_int_eq(
      tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 10, "bad key", NULL),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "key");
  ck_assert_int_eq(tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 10, "r1",
                                      "bad\x01reason"),
                   TC_EINVAL);
  pu_snapshot(ctx, after);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(
      tc_payments_refund(&p, ctx, tt_sys(), NULL, p.id, 1000, "r1", "damaged"),
      TC_OK);
  ck_assert_str_eq(p.state, "partially_refunded");
  ck_assert_int_eq(p.refunded, 1000);
  /* The same key: the first result, no second refund. */
  ck_assert_int_eq(
      tc_payments_refund(&p, ctx, tt_sys(), NULL, p.id, 1000, "r1", "damaged"),
      TC_OK);
  ck_assert_int_eq(p.refunded, 1000);
  ck_assert_uint_eq(ledger().refunds, 1);
  ck_assert_int_eq(
      tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 999, "r1", NULL),
      TC_ECONFLICT);
  ck_assert_int_eq(
      tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 3001, "r2", NULL),
      TC_EINVAL);
  ck_assert_int_eq(
      tc_payments_refund(&p, ctx, tt_sys(), NULL, p.id, 0, "r2", NULL), TC_OK);
  ck_assert_str_eq(p.state, "refunded");
  ck_assert_int_eq(p.refunded, 4000);
  ck_assert_int_eq(
      tc_payments_refund(NULL, ctx, tt_sys(), NULL, p.id, 0, "r3", NULL),
      TC_ESTATE);
  tc_sandbox_ledger l = ledger();
  ck_assert_uint_eq(l.refunds, 2);
  ck_assert_int_eq(l.refunded, 4000);
  ck_assert_int_eq(pu_events(ctx, "payments.refunded"), 2);
  ck_assert_int_eq(pu_count(ctx,
                            "SELECT COUNT(*) FROM payments_refunds"
                            " WHERE state = 'succeeded'"),
                   2);
  /* A payment the orders module drives, moved by its driver; the host's
   * call (driver NULL) is sent to the orders methods. */
  tc_id order = pu_order(ctx);
  tc_money m3 = brl(300);
  tc_payment q;
  ck_assert_int_eq(tc_payments_authorize(&q, ctx, tt_sys(), "orders", order.str,
                                         NULL, "k1", &m3, "tok_visa"),
                   TC_OK);
  tc_payment info;
  ck_assert_int_eq(tc_payments_capture(&info, ctx, tt_sys(), NULL, q.id, 0),
                   TC_ESTATE);
  ck_assert_str_eq(tc_errfield(ctx), "id");
  ck_assert_int_eq(tc_payments_capture(&info, ctx, tt_sys(), "orders", q.id, 0),
                   TC_OK);
  ck_assert_int_eq(tc_payments_refund(&info, ctx, tt_sys(), "orders", q.id, 0,
                                      NULL, "cancel"),
                   TC_OK);
  ck_assert_str_eq(info.state, "refunded");
  ck_assert_int_eq(tc_payments_refund(&info, ctx, tt_sys(), "orders", q.id, 0,
                                      NULL, "cancel"),
                   TC_ESTATE);
}
END_TEST

/* ---- bad input
 * ------------------------------------------------------------------ */

START_TEST(bad_input_changes_nothing) {
  authorize_ok("tok_visa", 100);
  char before[4096], after[4096];
  pu_snapshot(ctx, before);
  tc_id order = pu_order(ctx);
  tc_money m = brl(100), big = brl(0), usd;
  big.amount = INT64_MAX;
  tc_payment p;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &big, "tok_visa"),
                   TC_EOVERFLOW);
  ck_assert_str_eq(tc_errfield(ctx), "amount");
  big.amount = TC_PAYMENTS_MAX_AMOUNT + 1;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &big, "tok_visa"),
                   TC_EOVERFLOW);
  big.amount = 0;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &big, "tok_visa"),
                   TC_EINVAL);
  big.amount = -5;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &big, "tok_visa"),
                   TC_EINVAL);
  usd = m;
  memcpy(usd.currency, "ABC", 4);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &usd, "tok_visa"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "currency");
  memcpy(usd.currency, "usd", 4);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &usd, "tok_visa"),
                   TC_EINVAL);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, "not-an-id",
                                         NULL, "k", &m, "tok_visa"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "order_id");
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "", &m, "tok_visa"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "idempotency_key");
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok visa"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "source");
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", NULL, "tok_visa"),
                   TC_EINVAL);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         "x", "k", &m, "tok_visa"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "owner_user_id");
  ck_assert_int_eq(tc_payments_capture(&p, ctx, tt_sys(), NULL, order.str, 0),
                   TC_ENOTFOUND);
  ck_assert_int_eq(tc_payments_void(&p, ctx, tt_sys(), NULL, "nope"),
                   TC_EINVAL);
  ck_assert_int_eq(
      tc_payments_refund(&p, ctx, tt_sys(), NULL, NULL, 0, NULL, NULL),
      TC_EINVAL);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), order.str), TC_ENOTFOUND);
  ck_assert_int_eq(tc_payments_authorize(NULL, NULL, tt_sys(), NULL, NULL, NULL,
                                         NULL, NULL, NULL),
                   TC_EINVAL);
  pu_snapshot(ctx, after);
  ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(no_provider_call_inside_a_transaction) {
  tc_id order = pu_order(ctx);
  tc_money m = brl(100);
  tc_payment p;
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "transaction"));
  tc__txn_end(ctx, TC_OK);
  ck_assert_int_eq(pu_count(ctx, "SELECT COUNT(*) FROM payments_payments"), 0);
}
END_TEST

START_TEST(configure_checks) {
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.version = 99;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_EINVAL);
  ck_assert_int_eq(tc_payments_configure(ctx, NULL), TC_EINVAL);
  tc_payments_options r = TC_PAYMENTS_OPTIONS_INIT;
  r.retry.max_attempts = 0;
  ck_assert_int_eq(tc_payments_configure(ctx, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "retry");
  tc_payments_options w = TC_PAYMENTS_OPTIONS_INIT;
  w.webhook_tolerance_s = -1;
  ck_assert_int_eq(tc_payments_configure(ctx, &w), TC_EINVAL);
  tc_payment_provider bad;
  memset(&bad, 0, sizeof(bad));
  bad.version = 1;
  tc_payments_options b = TC_PAYMENTS_OPTIONS_INIT;
  b.provider = &bad;
  ck_assert_int_eq(tc_payments_configure(ctx, &b), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "provider");
}
END_TEST

/* ---- webhooks
 * ----------------------------------------------------------------- */

static int hook(const char *body, int64_t t_s) {
  char sig[128];
  ck_assert_int_eq(tc_payments_webhook_sign(sig, sizeof(sig), "whsec_sandbox",
                                            t_s, body, strlen(body)),
                   TC_OK);
  return tc_payments_apply_webhook(ctx, sig, body, strlen(body));
}

static void event_body(char *out, size_t size, const char *id, const char *type,
                       const char *ref, int64_t amount) {
  bool charge = !strncmp(type, "charge.", 7);
  snprintf(out, size,
           "{\"id\":\"%s\",\"type\":\"%s\",\"created\":1700000000,"
           "\"data\":{\"object\":{\"id\":\"%s\",%s%s%s\"status\":\"x\","
           "\"amount\":%lld,\"amount_received\":%lld,\"amount_refunded\":"
           "%lld,\"amount_capturable\":%lld,\"currency\":\"brl\"}}}",
           id, type, charge ? "ch_1" : ref,
           charge ? "\"payment_intent\":\"" : "", charge ? ref : "",
           charge ? "\"," : "", (long long)amount, (long long)amount,
           (long long)amount, (long long)amount);
}

START_TEST(webhooks_verified_once_never_backwards) {
  tc_payment p = authorize_ok("tok_visa", 5000);
  int64_t now_s = clk.now / 1000;
  char body[1024], before[4096], after[4096];
  event_body(body, sizeof(body), "evt_1", "payment_intent.succeeded",
             p.provider_ref, 5000);
  pu_snapshot(ctx, before);
  /* Bad signature, wrong secret, stale, missing, garbage. */
  ck_assert_int_eq(
      tc_payments_apply_webhook(ctx, "t=1,v1=00", body, strlen(body)),
      TC_EDENIED);
  ck_assert_str_eq(tc_errfield(ctx), "signature");
  char sig[128];
  tc_payments_webhook_sign(sig, sizeof(sig), "whsec_other", now_s, body,
                           strlen(body));
  ck_assert_int_eq(tc_payments_apply_webhook(ctx, sig, body, strlen(body)),
                   TC_EDENIED);
  ck_assert_int_eq(hook(body, now_s - 301), TC_EDENIED);
  ck_assert_int_eq(hook(body, now_s + 301), TC_EDENIED);
  ck_assert_int_eq(tc_payments_apply_webhook(ctx, NULL, body, strlen(body)),
                   TC_EDENIED);
  /* Tampered body under a valid signature of the original. */
  tc_payments_webhook_sign(sig, sizeof(sig), "whsec_sandbox", now_s, body,
                           strlen(body));
  char tampered[1024];
  snprintf(tampered, sizeof(tampered), "%s", body);
  tampered[strlen(tampered) - 5] = ' ';
  ck_assert_int_eq(
      tc_payments_apply_webhook(ctx, sig, tampered, strlen(tampered)),
      TC_EDENIED);
  ck_assert_int_eq(hook("not json", now_s), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "body");
  ck_assert_int_eq(hook("{\"id\":\"evt_x\"}", now_s), TC_EINVAL);
  pu_snapshot(ctx, after);
  ck_assert_str_eq(before, after);

  /* Several v1 entries: any one matching is enough. */
  char multi[256];
  snprintf(multi, sizeof(multi), "t=%lld,v1=%064d,%s", (long long)now_s, 0,
           strchr(sig, ',') + 1);
  ck_assert_int_eq(tc_payments_apply_webhook(ctx, multi, body, strlen(body)),
                   TC_OK);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "captured");
  ck_assert_int_eq(p.captured, 5000);
  ck_assert_int_eq(pu_events(ctx, "payments.captured"), 1);
  /* A duplicate delivery is a no-op. */
  pu_snapshot(ctx, before);
  ck_assert_int_eq(hook(body, now_s), TC_OK);
  pu_snapshot(ctx, after);
  ck_assert_str_eq(before, after);
  /* A late "authorized" never moves it back. */
  event_body(body, sizeof(body), "evt_0",
             "payment_intent.amount_capturable_updated", p.provider_ref, 5000);
  ck_assert_int_eq(hook(body, now_s), TC_OK);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "captured");
  /* A partial refund, then an older (smaller) refund total arriving late. */
  event_body(body, sizeof(body), "evt_3", "charge.refunded", p.provider_ref,
             2000);
  ck_assert_int_eq(hook(body, now_s), TC_OK);
  event_body(body, sizeof(body), "evt_2", "charge.refunded", p.provider_ref,
             1000);
  ck_assert_int_eq(hook(body, now_s), TC_OK);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "partially_refunded");
  ck_assert_int_eq(p.refunded, 2000);
  /* A cancel after capture is ignored. */
  event_body(body, sizeof(body), "evt_4", "payment_intent.canceled",
             p.provider_ref, 5000);
  ck_assert_int_eq(hook(body, now_s), TC_OK);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "partially_refunded");
  ck_assert_int_eq(pu_count(ctx,
                            "SELECT COUNT(*) FROM"
                            " payments_webhook_events"),
                   5);
  /* An event about an unknown payment is recorded and ignored. */
  event_body(body, sizeof(body), "evt_9", "payment_intent.succeeded",
             "pi_unknown", 10);
  ck_assert_int_eq(hook(body, now_s), TC_OK);
  /* The module's tolerance option applies to the shipped providers. */
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.webhook_tolerance_s = 10;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
  event_body(body, sizeof(body), "evt_10", "payment_intent.succeeded",
             "pi_unknown", 10);
  ck_assert_int_eq(hook(body, now_s - 11), TC_EDENIED);
}
END_TEST

/* ---- crash between the provider call and recording its outcome -------------
 */

typedef struct crashing {
  tc_payment_provider vt;
  tc_payment_provider *inner;
  int crash; /* the next authorize "dies" after the provider acted */
} crashing;

static int cr_authorize(void *self, const tc_payment_request *req,
                        tc_payment_result *res) {
  crashing *c = self;
  int rc = c->inner->authorize(c->inner->self, req, res);
  if (c->crash) {
    c->crash = 0;
    return TC_ERROR; /* the outcome never reaches the store */
  }
  return rc;
}
#define FWD(name, field)                                     \
  static int name(void *self, const tc_payment_request *req, \
                  tc_payment_result *res) {                  \
    crashing *c = self;                                      \
    return c->inner->field(c->inner->self, req, res);        \
  }
FWD(cr_capture, capture)
FWD(cr_void, void_auth)
FWD(cr_refund, refund)
FWD(cr_fetch, fetch)

START_TEST(reconcile_after_crash_never_charges_twice) {
  tc_payment_provider *sb = NULL;
  tc_sandbox_options so = TC_SANDBOX_OPTIONS_INIT;
  so.clock = &clk.clock;
  ck_assert_int_eq(tc_payment_provider_sandbox_new(&sb, &so), TC_OK);
  crashing c = {{TC_PAYMENT_PROVIDER_VERSION, NULL, "crashy", cr_authorize,
                 cr_capture, cr_void, cr_refund, cr_fetch, NULL, NULL},
                sb,
                1};
  c.vt.self = &c;
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.provider = &c.vt;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
  tc_id order = pu_order(ctx);
  tc_money m = brl(4200);
  tc_payment p;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_ERROR);
  ck_assert_str_eq(p.state, "pending");
  ck_assert_str_eq(p.pending_step, "authorize");
  tc_sandbox_ledger l;
  tc_payment_sandbox_ledger(&l, sb);
  ck_assert_uint_eq(l.authorizations, 1); /* the provider did charge */
  clk.now += 300000;
  uint32_t settled = 0;
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 60000, 10), TC_OK);
  ck_assert_uint_eq(settled, 1);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_str_eq(p.provider_ref, "pi_sb_1");
  tc_payment_sandbox_ledger(&l, sb);
  ck_assert_uint_eq(l.authorizations, 1); /* never two charges */
  /* Nothing left for the next sweep. */
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 0, 10), TC_OK);
  ck_assert_uint_eq(settled, 0);
  /* The checkout retried with the same key gets the same payment. */
  tc_payment again;
  ck_assert_int_eq(tc_payments_authorize(&again, ctx, tt_sys(), NULL, order.str,
                                         NULL, "k", &m, "tok_visa"),
                   TC_OK);
  ck_assert_str_eq(again.id, p.id);
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, -1, 10), TC_EINVAL);
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 0, 0), TC_EINVAL);
  /* Borrowed providers are never called when the context is freed. */
  sb->free(sb->self);
}
END_TEST

/* ---- JSON API
 * ------------------------------------------------------------------ */

/* An order's payment moves only with its order: the JSON money methods
 * point to the orders methods and change nothing. */
START_TEST(json_refuses_an_orders_payment) {
  tc_id order = pu_order(ctx), owner;
  tc_id_new(&owner, ctx);
  tc_money m = brl(3000);
  tc_payment info;
  ck_assert_int_eq(
      tc_payments_authorize(&info, ctx, tt_sys(), "orders", order.str,
                            owner.str, "chk", &m, "tok_visa"),
      TC_OK);
  tc_principal admin = tt_system();
  char req[256], *out = NULL;
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"amount\":1000}", info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.capture", req, &out),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(out, "orders.transition"));
  free(out);
  ck_assert_int_eq(
      tc_payments_capture(&info, ctx, tt_sys(), "orders", info.id, 0), TC_OK);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.refund", req, &out),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(out, "orders.refund"));
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"id\""));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.void", req, &out), TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(out, "orders.cancel"));
  free(out);
  tc_payment p;
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), info.id), TC_OK);
  ck_assert_str_eq(p.state, "captured");
  ck_assert_int_eq(p.captured, 3000);
  ck_assert_int_eq(p.refunded, 0);
}
END_TEST

/* The typed functions decide, so a C host gets the JSON API's rules. */
START_TEST(typed_functions_decide_who_may) {
  tc_id order = pu_order(ctx), owner, other;
  tc_id_new(&owner, ctx);
  tc_id_new(&other, ctx);
  tc_money m = brl(1000);
  tc_principal me = tt_user(owner.str, TC_ROLE_CUSTOMER);
  tc_principal them = tt_user(other.str, TC_ROLE_CUSTOMER);
  tc_payment p;
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, &me, NULL, order.str,
                                         owner.str, "k", &m, "tok_visa"),
                   TC_EDENIED);
  ck_assert_int_eq(tc_payments_authorize(&p, ctx, tt_sys(), NULL, order.str,
                                         owner.str, "k", &m, "tok_visa"),
                   TC_OK);
  tc_payment got;
  ck_assert_int_eq(tc_payments_get(&got, ctx, &me, p.id), TC_OK);
  ck_assert_int_eq(tc_payments_get(&got, ctx, &them, p.id), TC_EDENIED);
  ck_assert_int_eq(tc_payments_get(&got, ctx, NULL, p.id), TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_payments_get_for_order(&got, ctx, &me, order.str), TC_OK);
  ck_assert_str_eq(got.id, p.id);
  ck_assert_int_eq(tc_payments_capture(&got, ctx, &me, NULL, p.id, 0),
                   TC_EDENIED);
  /* Customers do not learn which ids exist. */
  tc_id ghost;
  tc_id_new(&ghost, ctx);
  ck_assert_int_eq(tc_payments_get(&got, ctx, &me, ghost.str), TC_ENOTFOUND);
  ck_assert_str_eq(tc_errmsg(ctx), "no such payment");
  ck_assert_int_eq(tc_payments_get(&got, ctx, tt_sys(), ghost.str),
                   TC_ENOTFOUND);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), ghost.str));
}
END_TEST

START_TEST(json_api) {
  tc_id order = pu_order(ctx), owner, other;
  tc_id_new(&owner, ctx);
  tc_id_new(&other, ctx);
  tc_money m = brl(3000);
  /* A payment the host drives itself; an order's payment is refused below
   * (json_refuses_an_orders_payment). */
  tc_payment pay;
  ck_assert_int_eq(tc_payments_authorize(&pay, ctx, tt_sys(), NULL, order.str,
                                         owner.str, "chk", &m, "tok_visa"),
                   TC_OK);
  struct {
    const char *id;
  } info = {pay.id};
  tc_principal me = tt_user(owner.str, TC_ROLE_CUSTOMER);
  tc_principal them = tt_user(other.str, TC_ROLE_CUSTOMER);
  tc_principal support = tt_user(other.str, TC_ROLE_SUPPORT);
  tc_principal admin = tt_user(other.str, TC_ROLE_ADMIN);
  tc_principal sys = tt_system();
  tc_principal anon = TC_PRINCIPAL_INIT;
  char req[2048], *out = NULL;
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", info.id);
  ck_assert_int_eq(tt_call(ctx, &me, "payments.get", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"state\":\"authorized\""));
  ck_assert_ptr_nonnull(strstr(out, "\"card_last4\":\"4242\""));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &them, "payments.get", req, &out), TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &anon, "payments.get", req, &out),
                   TC_EUNAUTHENTICATED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &support, "payments.get", req, &out), TC_OK);
  free(out);
  snprintf(req, sizeof(req), "{\"order_id\":\"%s\"}", order.str);
  ck_assert_int_eq(tt_call(ctx, &me, "payments.list", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, info.id));
  ck_assert_ptr_nonnull(strstr(out, "\"next_cursor\":null"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &them, "payments.list", req, &out), TC_EDENIED);
  free(out);
  /* Money movements are for admins. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"amount\":1000}", info.id);
  ck_assert_int_eq(tt_call(ctx, &me, "payments.capture", req, &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.capture", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"captured\":1000"));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"amount\":-1}", info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.refund", req, &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"amount\""));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"amount\":1001}", info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.refund", req, &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"amount\""));
  free(out);
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"amount\":400,\"key\":\"r-1\",\"reason\":\"x\"}",
           info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.refund", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"refunded\":400"));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.void", req, &out), TC_ESTATE);
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"bogus\":1}", info.id);
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.void", req, &out), TC_EINVAL);
  free(out);
  /* Reconcile is for system callers only. */
  ck_assert_int_eq(tt_call(ctx, &admin, "payments.reconcile", "{}", &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(
      tt_call(ctx, &sys, "payments.reconcile", "{\"older_than_ms\":0}", &out),
      TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"settled\":0"));
  free(out);
  /* Webhooks are public; the signature is what counts. */
  tc_payment p;
  tc_payments_get(&p, ctx, tt_sys(), info.id);
  char body[1024], sig[128];
  event_body(body, sizeof(body), "evt_j", "charge.refunded", p.provider_ref,
             1000);
  tc_payments_webhook_sign(sig, sizeof(sig), "whsec_sandbox", clk.now / 1000,
                           body, strlen(body));
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "signature", sig);
  cJSON_AddStringToObject(o, "body", body);
  char *text = cJSON_PrintUnformatted(o);
  ck_assert_int_eq(tt_call(ctx, &anon, "payments.webhook", text, &out), TC_OK);
  free(out);
  cJSON_ReplaceItemInObject(o, "signature", cJSON_CreateString("t=1,v1=ab"));
  free(text);
  text = cJSON_PrintUnformatted(o);
  ck_assert_int_eq(tt_call(ctx, &anon, "payments.webhook", text, &out),
                   TC_EDENIED);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"signature\""));
  free(out);
  free(text);
  cJSON_Delete(o);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), info.id), TC_OK);
  ck_assert_str_eq(p.state, "refunded");
  ck_assert_int_eq(p.refunded, 1000);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("payments");
  TCase *tc = tcase_create("payments");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, authorize_approved_and_idempotent);
  tcase_add_test(tc, decline_is_final);
  tcase_add_test(tc, transient_retried_then_one_charge);
  tcase_add_test(tc, transient_exhausted_then_reconciled);
  tcase_add_test(tc, timeout_and_slow);
  tcase_add_test(tc, breaker_opens_and_fails_fast_for_all_contexts);
  tcase_add_test(tc, capture_partial_and_full);
  tcase_add_test(tc, capture_at_checkout);
  tcase_add_test(tc, refunds_never_exceed_captured);
  tcase_add_test(tc, bad_input_changes_nothing);
  tcase_add_test(tc, no_provider_call_inside_a_transaction);
  tcase_add_test(tc, configure_checks);
  tcase_add_test(tc, webhooks_verified_once_never_backwards);
  tcase_add_test(tc, reconcile_after_crash_never_charges_twice);
  tcase_add_test(tc, typed_functions_decide_who_may);
  tcase_add_test(tc, json_api);
  tcase_add_test(tc, json_refuses_an_orders_payment);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(suite());
}
