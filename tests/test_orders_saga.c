/*
 * tests/test_orders_saga.c - the checkout saga under injected faults: the
 * store failing at every exec/commit of a checkout (once, or for good as if
 * the process had died), the provider declining, failing transiently,
 * charging but losing its answer, and reservations running out while
 * paying. After tc_orders_recover() every order must be consistent (see
 * to_check_invariants).
 */
#include "test_orders_fixture.h"

/* Fail every store operation of a checkout in turn, until a checkout runs
 * without reaching the armed one. */
static void store_fault_loop(bool crash, const char *source) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 100000);
  long n = 1;
  for (;; n++) {
    int rc = tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 2);
    ck_assert_msg(rc == TC_OK, "cart: %s", tc_errmsg(e.ctx));
    char key[32];
    snprintf(key, sizeof(key), "key-%ld", n);
    to_arm(&e, n, crash);
    rc = to_checkout(&e, NULL, 0, key, source, NULL);
    bool hit = e.failures > 0;
    to_disarm(&e);
    if (hit) {
      ck_assert_msg(rc != TC_OK || !crash,
                    "op %ld failed yet checkout succeeded", n);
    }
    /* Whatever the checkout left, recovery finishes it. */
    to_recover(&e, 6);
    to_check_invariants(&e, true);
    /* The cart is empty once an order exists; a failed creation left it. */
    tc_orders_cart_update(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1);
    tc_orders_cart_remove(NULL, e.ctx, &e.customer, NULL, "SKU-A");
    if (!hit) break;
  }
  ck_assert_msg(n > 20, "the checkout made only %ld store calls", n);
  /* Each order is settled: paid (or failed for a decline) exactly once. */
  int64_t orders = to_count(&e, "SELECT COUNT(*) FROM orders_orders", NULL);
  tc_sandbox_ledger lg = to_ledger(&e);
  if (!strcmp(source, "tok_visa")) {
    ck_assert_int_eq(to_count(&e,
                              "SELECT COUNT(*) FROM orders_orders WHERE "
                              "status = 'paid'",
                              NULL),
                     orders);
    ck_assert_int_eq((int64_t)lg.authorizations, orders);
  } else {
    ck_assert_int_eq(lg.authorizations, 0);
  }
  to_env_free(&e);
}

START_TEST(store_fault_once_each_step) {
  store_fault_loop(false, "tok_visa");
}
END_TEST

START_TEST(store_crash_each_step) {
  store_fault_loop(true, "tok_visa");
}
END_TEST

START_TEST(store_crash_each_step_declined) {
  store_fault_loop(true, "tok_chargeDeclined");
}
END_TEST

START_TEST(declined_releases_stock) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  tc_order *o = NULL;
  int rc = to_checkout(&e, "SKU-A", 3, "k1", "tok_chargeDeclined", &o);
  ck_assert_int_eq(rc, TC_EDECLINED);
  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(o->status, TC_ORDER_PAYMENT_FAILED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "card_declined"));
  ck_assert_int_eq(to_reserved(&e, "SKU-A"), 0);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 5);
  tc_orders_order_free(e.ctx, o);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(provider_error_fails_order) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  int rc = to_checkout(&e, "SKU-A", 1, "k1", "tok_error", NULL);
  ck_assert_int_eq(rc, TC_EPROVIDER);
  to_check_invariants(&e, true);
  ck_assert_int_eq(to_reserved(&e, "SKU-A"), 0);
  to_env_free(&e);
}
END_TEST

START_TEST(transient_then_success_one_charge) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  tc_order *o = NULL;
  /* Three tries per call: the first checkout gives up, the replay wins. */
  int rc = to_checkout(&e, "SKU-A", 1, "k1", "tok_transient_5", &o);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  ck_assert_int_eq(o->status, TC_ORDER_AWAITING_PAYMENT);
  ck_assert_int_eq(to_reserved(&e, "SKU-A"), 1);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(e.ctx, o);
  rc = to_checkout(&e, NULL, 0, "k1", "tok_transient_5", &o);
  ck_assert_msg(rc == TC_OK, "replay: %s", tc_errmsg(e.ctx));
  ck_assert_str_eq(o->id, id);
  ck_assert_int_eq(o->status, TC_ORDER_PAID);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(to_ledger(&e).authorizations, 1);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 4);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(transient_recovered_by_sweep) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  int rc = to_checkout(&e, "SKU-A", 1, "k1", "tok_transient_4", NULL);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  to_check_invariants(&e, false);
  to_recover(&e, 3);
  to_check_invariants(&e, true);
  ck_assert_int_eq(to_count(&e,
                            "SELECT COUNT(*) FROM orders_orders WHERE status "
                            "= 'paid'",
                            NULL),
                   1);
  ck_assert_int_eq(to_ledger(&e).authorizations, 1);
  to_env_free(&e);
}
END_TEST

START_TEST(charged_but_answer_lost) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  /* The provider charges, the answer is lost twice: the retry with the
   * same key gets the first result, not a second charge. */
  e.lost_answers = 2;
  int rc = to_checkout(&e, "SKU-A", 1, "k1", "tok_visa", NULL);
  ck_assert_msg(rc == TC_OK, "%s", tc_errmsg(e.ctx));
  ck_assert_int_eq(to_ledger(&e).authorizations, 1);
  /* Lost more often than the retries: recovery finishes it, once. */
  e.lost_answers = 5;
  rc = to_checkout(&e, "SKU-A", 1, "k2", "tok_visa", NULL);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  to_recover(&e, 4);
  to_check_invariants(&e, true);
  ck_assert_int_eq(to_ledger(&e).authorizations, 2);
  ck_assert_int_eq(to_count(&e,
                            "SELECT COUNT(*) FROM orders_orders WHERE status "
                            "= 'paid'",
                            NULL),
                   2);
  to_env_free(&e);
}
END_TEST

START_TEST(payment_never_answers_before_ttl) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  e.lost_answers = 1000000;
  int rc = to_checkout(&e, "SKU-A", 2, "k1", "tok_visa", NULL);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  ck_assert_int_eq(to_reserved(&e, "SKU-A"), 2);
  /* Past the reservation's TTL the sweep gives up: stock released, the
   * order failed, and whatever the provider holds is undone. */
  e.clock.now += 20 * 60 * 1000;
  e.lost_answers = 0;
  to_recover(&e, 6);
  to_check_invariants(&e, true);
  ck_assert_int_eq(to_reserved(&e, "SKU-A"), 0);
  ck_assert_int_eq(to_count(&e,
                            "SELECT COUNT(*) FROM orders_orders WHERE status "
                            "= 'payment_failed'",
                            NULL),
                   1);
  tc_sandbox_ledger lg = to_ledger(&e);
  ck_assert_uint_eq(lg.authorizations, lg.voids);
  to_env_free(&e);
}
END_TEST

/* While the provider thinks, the reservation runs out (and, for the second
 * order, someone else takes the stock). */
static to_env *g_env;
static bool g_take_stock;

static void expire_during_payment(to_env *e) {
  e->on_authorize = NULL;
  e->clock.now += 16 * 60 * 1000;
  if (!g_take_stock) return;
  tc_ctx *other = NULL;
  ck_assert_int_eq(tc_ctx_open_sqlite(&other, e->path), TC_OK);
  size_t n = 0;
  ck_assert_int_eq(tc_inventory_sweep(other, e->clock.now, 100, &n), TC_OK);
  ck_assert_uint_eq(n, 1);
  int64_t left = 0;
  ck_assert_int_eq(tc_inventory_adjust(&left, other, tt_sys(), "SKU-A", "SP",
                                       -to_on_hand(e, "SKU-A"),
                                       TC_STOCK_ADJUSTMENT, "test", "shrink"),
                   TC_OK);
  tc_ctx_free(other);
}

START_TEST(reservation_expires_while_paying) {
  to_env e;
  to_env_init(&e);
  g_env = &e;
  to_product(&e, "SKU-A", 1000, 5);
  g_take_stock = false;
  e.on_authorize = expire_during_payment;
  int rc = to_checkout(&e, "SKU-A", 2, "k1", "tok_visa", NULL);
  ck_assert_msg(rc == TC_OK, "%s", tc_errmsg(e.ctx));
  to_check_invariants(&e, true);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 3);

  g_take_stock = true;
  e.on_authorize = expire_during_payment;
  tc_order *o = NULL;
  rc = to_checkout(&e, "SKU-A", 2, "k2", "tok_visa", &o);
  ck_assert_int_eq(rc, TC_EINSUFFICIENT);
  ck_assert_int_eq(o->status, TC_ORDER_CANCELLED);
  tc_orders_order_free(e.ctx, o);
  to_check_invariants(&e, true);
  tc_sandbox_ledger lg = to_ledger(&e);
  ck_assert_uint_eq(lg.authorizations, 2);
  ck_assert_uint_eq(lg.voids, 1);
  to_env_free(&e);
}
END_TEST

START_TEST(out_of_stock_cancels) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 1);
  tc_order *o = NULL;
  int rc = to_checkout(&e, "SKU-A", 2, "k1", "tok_visa", &o);
  ck_assert_int_eq(rc, TC_EINSUFFICIENT);
  ck_assert_int_eq(o->status, TC_ORDER_CANCELLED);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(to_ledger(&e).calls, 0);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(lease_keeps_others_away) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 5);
  tc_order *o = NULL;
  int rc = to_checkout(&e, "SKU-A", 1, "k1", "tok_transient_9", &o);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(e.ctx, o);
  /* This process takes the saga; another one (its own lease name) must
   * leave it alone until the lease runs out. */
  ck_assert_int_eq(tc__ord_saga_lease(e.ctx, id), TC_OK);
  e.clock.now += 45 * 1000;
  tc_store *st2 = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&st2, e.path, NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = st2;
  cfg.clock = &e.clock.clock;
  tc_ctx *other = NULL;
  ck_assert_int_eq(tc_ctx_new(&other, &cfg), TC_OK);
  uint32_t done = 9;
  ck_assert_int_eq(tc_orders_recover(other, 10, &done), TC_OK);
  ck_assert_uint_eq(done, 0);
  ck_assert_int_eq(tc__ord_saga_lease(other, id), TC_EBUSY);
  e.clock.now += 60 * 1000;
  ck_assert_int_eq(tc__ord_saga_lease(other, id), TC_OK);
  /* The first process lost it: its writes are refused. */
  int64_t before = to_count(&e,
                            "SELECT attempts FROM orders_sagas WHERE "
                            "order_id = ?",
                            id);
  ck_assert_int_ne(tc__ord_saga_drive(e.ctx, id), TC_OK);
  ck_assert_int_eq(to_count(&e,
                            "SELECT attempts FROM orders_sagas WHERE "
                            "order_id = ?",
                            id),
                   before);
  tc_ctx_free(other);
  st2->free(st2->self);
  to_env_free(&e);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("orders_saga");
  TCase *t = tcase_create("saga");
  tcase_set_timeout(t, 600);
  tcase_add_test(t, store_fault_once_each_step);
  tcase_add_test(t, store_crash_each_step);
  tcase_add_test(t, store_crash_each_step_declined);
  tcase_add_test(t, declined_releases_stock);
  tcase_add_test(t, provider_error_fails_order);
  tcase_add_test(t, transient_then_success_one_charge);
  tcase_add_test(t, transient_recovered_by_sweep);
  tcase_add_test(t, charged_but_answer_lost);
  tcase_add_test(t, payment_never_answers_before_ttl);
  tcase_add_test(t, reservation_expires_while_paying);
  tcase_add_test(t, out_of_stock_cancels);
  tcase_add_test(t, lease_keeps_others_away);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tt_run(suite());
}
