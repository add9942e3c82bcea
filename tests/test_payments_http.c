/*
 * tests/test_payments_http.c - the Stripe-style HTTP provider against the
 * fake provider on loopback: request shape (form body, Bearer key,
 * Idempotency-Key), outcome mapping (402 decline, 4xx error, 429/5xx,
 * timeouts, garbage, dropped connections), exactly one charge across
 * retries, reconciliation by fetch, and Stripe-Signature webhooks.
 */
#include <stdio.h>

#include "fake_provider.h"
#include "test_payments_util.h"

static tt_clock clk;
static char dir[512];
static tc_ctx *ctx;
static fake_provider *fp;
static tc_payment_provider *stripe;

static void setup(void) {
  tt_clock_init(&clk, INT64_C(1700000000000));
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "payments.*"), TC_OK);
  fp = fp_start();
  ck_assert_ptr_nonnull(fp);
  tc_stripe_options so = TC_STRIPE_OPTIONS_INIT;
  so.base_url = fp_url(fp);
  so.secret_key = FP_SECRET;
  so.webhook_secret = "whsec_test";
  so.connect_timeout_ms = 200;
  so.timeout_ms = 200;
  ck_assert_int_eq(tc_payment_provider_stripe_new(&stripe, &so), TC_OK);
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.provider = stripe;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
  stripe->free(stripe->self);
  fp_stop(fp);
}

static int pay(tc_payment *p, const char *pm, int64_t amount) {
  tc_id order = pu_order(ctx);
  tc_money m;
  tc_money_make(&m, amount, "BRL");
  return tc_payments_authorize(p, ctx, tt_sys(), NULL, order.str, NULL, "chk",
                               &m, pm);
}

START_TEST(request_shape_and_full_flow) {
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 5000), TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_str_eq(p.provider, "stripe");
  ck_assert_str_eq(p.provider_ref, "pi_fake_1");
  ck_assert_str_eq(p.card_last4, "4242");
  fp_request r = fp_request_at(fp, 0);
  ck_assert_str_eq(r.method, "POST");
  ck_assert_str_eq(r.path, "/v1/payment_intents");
  ck_assert_str_eq(r.authorization, "Bearer " FP_SECRET);
  ck_assert_str_eq(r.content_type, "application/x-www-form-urlencoded");
  char key[128];
  snprintf(key, sizeof(key), "%s:authorize", p.id);
  ck_assert_str_eq(r.idempotency_key, key);
  ck_assert_ptr_nonnull(strstr(r.body, "amount=5000"));
  ck_assert_ptr_nonnull(strstr(r.body, "currency=brl"));
  ck_assert_ptr_nonnull(strstr(r.body, "payment_method=pm_card_visa"));
  ck_assert_ptr_nonnull(strstr(r.body, "confirm=true"));
  ck_assert_ptr_nonnull(strstr(r.body, "capture_method=manual"));

  ck_assert_int_eq(tc_payments_capture(&p, ctx, tt_sys(), NULL, p.id, 2000),
                   TC_OK);
  r = fp_request_at(fp, 1);
  ck_assert_str_eq(r.path, "/v1/payment_intents/pi_fake_1/capture");
  ck_assert_str_eq(r.body, "amount_to_capture=2000");
  snprintf(key, sizeof(key), "%s:capture:1", p.id);
  ck_assert_str_eq(r.idempotency_key, key);
  ck_assert_int_eq(p.captured, 2000);

  ck_assert_int_eq(
      tc_payments_refund(&p, ctx, tt_sys(), NULL, p.id, 500, "r1", NULL),
      TC_OK);
  r = fp_request_at(fp, 2);
  ck_assert_str_eq(r.path, "/v1/refunds");
  ck_assert_ptr_nonnull(strstr(r.body, "payment_intent=pi_fake_1"));
  ck_assert_ptr_nonnull(strstr(r.body, "amount=500"));
  ck_assert_str_eq(p.state, "partially_refunded");

  tc_payment q;
  ck_assert_int_eq(pay(&q, "pm_card_visa", 100), TC_OK);
  ck_assert_msg(tc_payments_void(&q, ctx, tt_sys(), NULL, q.id) == TC_OK, "%s",
                tc_errmsg(ctx));
  r = fp_request_at(fp, 4);
  ck_assert_str_eq(r.path, "/v1/payment_intents/pi_fake_2/cancel");
  ck_assert_str_eq(q.state, "voided");
  ck_assert_int_eq(fp_charges(fp), 2);
  ck_assert_int_eq(fp_captures(fp), 1);
  ck_assert_int_eq(fp_refunds(fp), 1);
}
END_TEST

START_TEST(declines_are_final) {
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_chargeDeclined", 100), TC_EDECLINED);
  ck_assert_str_eq(p.state, "failed");
  ck_assert_str_eq(p.decline_code, "card_declined");
  ck_assert_int_eq(pay(&p, "pm_card_insufficientFunds", 100), TC_EDECLINED);
  ck_assert_str_eq(p.decline_code, "insufficient_funds");
  ck_assert_uint_eq(fp_count(fp), 2); /* no retries */
  ck_assert_int_eq(fp_charges(fp), 0);
}
END_TEST

START_TEST(server_error_retried_one_charge) {
  fp_script(fp, 500, "{\"error\":{\"type\":\"api_error\"}}", 0);
  fp_script(fp, 429, "{\"error\":{\"type\":\"rate_limit_error\"}}", 0);
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 700), TC_OK);
  ck_assert_uint_eq(fp_count(fp), 3);
  ck_assert_str_eq(fp_request_at(fp, 0).idempotency_key,
                   fp_request_at(fp, 2).idempotency_key);
  ck_assert_int_eq(fp_charges(fp), 1);
}
END_TEST

START_TEST(timeout_then_replay_one_charge) {
  /* The server acts but answers after the client's 200 ms: the retry with
   * the same key gets the stored answer. */
  fp_script(fp, 0, NULL, 400);
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 900), TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_int_eq(fp_charges(fp), 1);
  ck_assert_int_ge((int)fp_count(fp), 2);
  fp_request last = fp_request_at(fp, fp_count(fp) - 1);
  ck_assert_int_eq(last.replayed, 1);
  ck_assert_int_ge(
      pu_count(ctx,
               "SELECT COUNT(*) FROM payments_attempts WHERE code ="
               " 'timeout'"),
      1);
}
END_TEST

START_TEST(garbage_and_dropped_answers) {
  for (int i = 0; i < 3; i++) fp_script(fp, 200, "<html>oops</html>", 0);
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 900), TC_EUNAVAILABLE);
  ck_assert_str_eq(p.state, "pending");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "bad_response"));
  ck_assert_int_eq(fp_charges(fp), 0);
  /* A dropped connection is transient as well; the sweep settles it. */
  fp_script(fp, -1, NULL, 0);
  clk.now += 120000;
  uint32_t settled = 0;
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 60000, 10), TC_OK);
  ck_assert_uint_eq(settled, 1);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_int_eq(fp_charges(fp), 1);
}
END_TEST

START_TEST(client_errors_are_permanent) {
  fp_script(fp, 400,
            "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
            "\"parameter_invalid_integer\",\"message\":\"bad amount\"}}",
            0);
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 900), TC_EPROVIDER);
  ck_assert_str_eq(p.state, "failed");
  ck_assert_uint_eq(fp_count(fp), 1);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "parameter_invalid_integer"));
}
END_TEST

START_TEST(wrong_key_never_leaks) {
  tc_payment_provider *bad = NULL;
  tc_stripe_options so = TC_STRIPE_OPTIONS_INIT;
  so.base_url = fp_url(fp);
  so.secret_key = "sk_test_WRONGSECRET";
  so.timeout_ms = 200;
  ck_assert_int_eq(tc_payment_provider_stripe_new(&bad, &so), TC_OK);
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.provider = bad;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 900), TC_EPROVIDER);
  ck_assert_ptr_null(strstr(tc_errmsg(ctx), "WRONGSECRET"));
  ck_assert_ptr_null(strstr(p.message, "WRONGSECRET"));
  ck_assert_int_eq(
      pu_count(ctx,
               "SELECT COUNT(*) FROM payments_attempts WHERE message"
               " LIKE '%WRONGSECRET%' OR code LIKE '%WRONGSECRET%'"),
      0);
  o.provider = stripe;
  tc_payments_configure(ctx, &o);
  bad->free(bad->self);
}
END_TEST

START_TEST(connection_refused_is_transient) {
  tc_payment_provider *dead = NULL;
  tc_stripe_options so = TC_STRIPE_OPTIONS_INIT;
  so.base_url = "http://127.0.0.1:1";
  so.secret_key = FP_SECRET;
  so.timeout_ms = 200;
  ck_assert_int_eq(tc_payment_provider_stripe_new(&dead, &so), TC_OK);
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  o.provider = dead;
  ck_assert_int_eq(tc_payments_configure(ctx, &o), TC_OK);
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 900), TC_EUNAVAILABLE);
  ck_assert_str_eq(p.state, "pending");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "connection_error"));
  o.provider = stripe;
  tc_payments_configure(ctx, &o);
  dead->free(dead->self);
}
END_TEST

START_TEST(processing_settled_by_fetch) {
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_processing", 900), TC_EUNAVAILABLE);
  ck_assert_str_eq(p.state, "pending");
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.provider_ref, "pi_fake_1");
  clk.now += 120000;
  size_t before = fp_count(fp);
  uint32_t settled = 0;
  ck_assert_int_eq(tc_payments_reconcile(&settled, ctx, 60000, 10), TC_OK);
  ck_assert_uint_eq(settled, 1);
  fp_request r = fp_request_at(fp, before);
  ck_assert_str_eq(r.method, "GET");
  ck_assert_str_eq(r.path, "/v1/payment_intents/pi_fake_1");
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "authorized");
  ck_assert_int_eq(fp_charges(fp), 1);
}
END_TEST

START_TEST(stripe_webhooks) {
  tc_payment p;
  ck_assert_int_eq(pay(&p, "pm_card_visa", 5000), TC_OK);
  char body[512], sig[128];
  snprintf(body, sizeof(body),
           "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\","
           "\"created\":1,\"data\":{\"object\":{\"id\":\"%s\",\"object\":"
           "\"payment_intent\",\"status\":\"succeeded\",\"amount\":5000,"
           "\"amount_received\":5000,\"currency\":\"brl\"}}}",
           p.provider_ref);
  int64_t now_s = clk.now / 1000;
  tc_payments_webhook_sign(sig, sizeof(sig), "whsec_test", now_s - 400, body,
                           strlen(body));
  ck_assert_int_eq(tc_payments_apply_webhook(ctx, sig, body, strlen(body)),
                   TC_EDENIED);
  tc_payments_webhook_sign(sig, sizeof(sig), "whsec_test", now_s, body,
                           strlen(body));
  ck_assert_int_eq(tc_payments_apply_webhook(ctx, sig, body, strlen(body)),
                   TC_OK);
  ck_assert_int_eq(tc_payments_apply_webhook(ctx, sig, body, strlen(body)),
                   TC_OK);
  ck_assert_int_eq(tc_payments_get(&p, ctx, tt_sys(), p.id), TC_OK);
  ck_assert_str_eq(p.state, "captured");
  ck_assert_int_eq(pu_events(ctx, "payments.captured"), 1);
}
END_TEST

START_TEST(options_checked) {
  tc_payment_provider *x = NULL;
  tc_stripe_options so = TC_STRIPE_OPTIONS_INIT;
  ck_assert_int_eq(tc_payment_provider_stripe_new(&x, &so), TC_EINVAL);
  so.secret_key = "sk";
  so.base_url = "ftp://example.com";
  ck_assert_int_eq(tc_payment_provider_stripe_new(&x, &so), TC_EINVAL);
  so.base_url = NULL;
  so.secret_key = "sk\r\nX-Evil: 1";
  ck_assert_int_eq(tc_payment_provider_stripe_new(&x, &so), TC_EINVAL);
  ck_assert_ptr_null(x);
  ck_assert_int_eq(tc_payment_provider_stripe_new(&x, NULL), TC_EINVAL);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("payments_http");
  TCase *tc = tcase_create("stripe");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, request_shape_and_full_flow);
  tcase_add_test(tc, declines_are_final);
  tcase_add_test(tc, server_error_retried_one_charge);
  tcase_add_test(tc, timeout_then_replay_one_charge);
  tcase_add_test(tc, garbage_and_dropped_answers);
  tcase_add_test(tc, client_errors_are_permanent);
  tcase_add_test(tc, wrong_key_never_leaks);
  tcase_add_test(tc, connection_refused_is_transient);
  tcase_add_test(tc, processing_settled_by_fetch);
  tcase_add_test(tc, stripe_webhooks);
  tcase_add_test(tc, options_checked);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(suite());
}
