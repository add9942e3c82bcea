/*
 * tests/test_orders.c - carts, checkout results, the idempotency table, the
 * state machine, cancellation and refunds, listings and the orders.* JSON
 * methods. The saga's fault injection lives in test_orders_saga.c.
 */
#include <stdio.h>

#include "test_orders_fixture.h"

/* Text of every orders table, to prove a failed call changed nothing. */
static char *snapshot(to_env *e) {
  static const char *const sql[] = {
      "SELECT cart_id, sku, qty, unit_amount FROM orders_cart_lines ORDER BY "
      "cart_id, sku",
      "SELECT id, currency FROM orders_carts ORDER BY id",
      "SELECT id, status, total, refunded FROM orders_orders ORDER BY id",
      "SELECT order_id, line_no, refunded_qty FROM orders_lines ORDER BY 1, 2",
      "SELECT id FROM orders_transitions ORDER BY id",
      "SELECT order_id, step FROM orders_sagas ORDER BY 1",
      "SELECT scope, idem_key FROM orders_idempotency ORDER BY 1, 2",
      "SELECT id, state FROM orders_refunds ORDER BY 1",
  };
  tc_buf b = TC_BUF_INIT;
  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
    char n[32];
    snprintf(
        n, sizeof(n), "%lld;",
        (long long)to_count(e,
                            i == 0   ? "SELECT COUNT(*) FROM orders_cart_lines"
                            : i == 1 ? "SELECT COUNT(*) FROM orders_carts"
                            : i == 2 ? "SELECT COUNT(*) FROM orders_orders"
                            : i == 3 ? "SELECT COUNT(*) FROM orders_lines"
                            : i == 4 ? "SELECT COUNT(*) FROM orders_transitions"
                            : i == 5 ? "SELECT COUNT(*) FROM orders_sagas"
                            : i == 6 ? "SELECT COUNT(*) FROM orders_idempotency"
                                     : "SELECT COUNT(*) FROM orders_refunds",
                            NULL));
    tc_buf_puts(&b, n);
    (void)sql[i];
  }
  char q[64];
  snprintf(q, sizeof(q), "%lld",
           (long long)to_count(e,
                               "SELECT COALESCE(SUM(qty * unit_amount), 0) "
                               "FROM orders_cart_lines",
                               NULL));
  tc_buf_puts(&b, q);
  char *s = strdup(b.ptr);
  tc_buf_dispose(&b);
  return s;
}

/* ---- carts ----------------------------------------------------------------
 */

START_TEST(guest_cart_lines_and_totals) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1990, 10);
  to_product(&e, "SKU-B", 500, 10);
  char tok[TC_ORDERS_CART_TOKEN_LEN + 1];
  ck_assert_int_eq(tc_orders_cart_open(tok, sizeof(tok), e.ctx, "BRL"), TC_OK);
  ck_assert_uint_eq(strlen(tok), TC_ORDERS_CART_TOKEN_LEN);
  /* Only the hash is stored. */
  ck_assert_int_eq(to_count(&e,
                            "SELECT COUNT(*) FROM orders_carts WHERE "
                            "token_hash = ?",
                            tok),
                   0);
  tc_principal anon = TC_PRINCIPAL_INIT;
  tc_cart *c = NULL;
  ck_assert_int_eq(tc_orders_cart_add(&c, e.ctx, &anon, tok, "SKU-A", 2),
                   TC_OK);
  tc_orders_cart_free(e.ctx, c);
  ck_assert_int_eq(tc_orders_cart_add(&c, e.ctx, &anon, tok, "SKU-A", 1),
                   TC_OK);
  tc_orders_cart_free(e.ctx, c);
  ck_assert_int_eq(tc_orders_cart_add(&c, e.ctx, &anon, tok, "SKU-B", 4),
                   TC_OK);
  ck_assert_uint_eq(c->nlines, 2);
  ck_assert_int_eq(c->lines[0].qty, 3);
  ck_assert_int_eq(c->lines[0].total.amount, 5970);
  ck_assert_int_eq(c->subtotal.amount, 5970 + 2000);
  ck_assert_int_eq(c->item_count, 7);
  ck_assert_str_eq(c->currency, "BRL");
  tc_orders_cart_free(e.ctx, c);
  ck_assert_int_eq(tc_orders_cart_update(&c, e.ctx, &anon, tok, "SKU-B", 1),
                   TC_OK);
  ck_assert_int_eq(c->subtotal.amount, 5970 + 500);
  tc_orders_cart_free(e.ctx, c);
  ck_assert_int_eq(tc_orders_cart_remove(&c, e.ctx, &anon, tok, "SKU-A"),
                   TC_OK);
  ck_assert_uint_eq(c->nlines, 1);
  tc_orders_cart_free(e.ctx, c);

  /* Bad input: a clear error each, nothing changed. */
  char *before = snapshot(&e);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, &anon, tok, "SKU-A", 0),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "qty");
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, &anon, tok, "SKU-A", 1000),
                   TC_EINVAL);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, &anon, tok, "SKU-B", 999),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "SKU-B"));
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, &anon, tok, "NOPE", 1),
                   TC_ENOTFOUND);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, &anon, tok, "bad sku!", 1),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "sku");
  ck_assert_int_eq(tc_orders_cart_update(NULL, e.ctx, &anon, tok, "SKU-A", 1),
                   TC_ENOTFOUND);
  ck_assert_int_eq(tc_orders_cart_remove(NULL, e.ctx, &anon, tok, "SKU-A"),
                   TC_ENOTFOUND);
  char bad[TC_ORDERS_CART_TOKEN_LEN + 1];
  memset(bad, 'a', TC_ORDERS_CART_TOKEN_LEN);
  bad[TC_ORDERS_CART_TOKEN_LEN] = '\0';
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, &anon, bad), TC_ENOTFOUND);
  ck_assert_str_eq(tc_errfield(e.ctx), "cart_token");
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, &anon, "short"), TC_EINVAL);
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, &anon, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_orders_cart_open(tok, sizeof(tok), e.ctx, "XXX"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "currency");
  char *after = snapshot(&e);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  to_env_free(&e);
}
END_TEST

START_TEST(unpublished_and_unpriced_refused) {
  to_env e;
  to_env_init(&e);
  const char *pid = to_product(&e, "SKU-A", 1000, 10);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", pid);
  char tok[TC_ORDERS_CART_TOKEN_LEN + 1];
  ck_assert_int_eq(tc_orders_cart_open(tok, sizeof(tok), e.ctx, "USD"), TC_OK);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, NULL, tok, "SKU-A", 1),
                   TC_ENOTFOUND);
  ck_assert_int_eq(
      tc_catalog_product_set_status(e.ctx, tt_sys(), id, TC_CATALOG_DRAFT, 0),
      TC_OK);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1),
      TC_ENOTFOUND);
  ck_assert_str_eq(tc_errfield(e.ctx), "sku");
  to_env_free(&e);
}
END_TEST

START_TEST(merge_guest_into_user) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  to_product(&e, "SKU-B", 300, 10);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 998), TC_OK);
  char tok[TC_ORDERS_CART_TOKEN_LEN + 1];
  ck_assert_int_eq(tc_orders_cart_open(tok, sizeof(tok), e.ctx, NULL), TC_OK);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, NULL, tok, "SKU-A", 5),
                   TC_OK);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, NULL, tok, "SKU-B", 2),
                   TC_OK);
  tc_principal anon = TC_PRINCIPAL_INIT;
  ck_assert_int_eq(tc_orders_cart_merge(NULL, NULL, e.ctx, tok, &anon),
                   TC_EUNAUTHENTICATED);
  tc_cart *c = NULL;
  size_t dropped = 9;
  ck_assert_int_eq(tc_orders_cart_merge(&c, &dropped, e.ctx, tok, &e.customer),
                   TC_OK);
  ck_assert_uint_eq(dropped, 0);
  ck_assert_uint_eq(c->nlines, 2);
  ck_assert_int_eq(c->lines[0].qty, 999); /* capped */
  ck_assert_int_eq(c->lines[1].qty, 2);
  tc_orders_cart_free(e.ctx, c);
  /* The guest cart is gone. */
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, NULL, tok), TC_ENOTFOUND);
  ck_assert_int_eq(tc_orders_cart_merge(NULL, NULL, e.ctx, tok, &e.customer),
                   TC_ENOTFOUND);
  ck_assert_str_eq(tc_errfield(e.ctx), "guest_token");
  to_env_free(&e);
}
END_TEST

START_TEST(cart_expires) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  char tok[TC_ORDERS_CART_TOKEN_LEN + 1];
  ck_assert_int_eq(tc_orders_cart_open(tok, sizeof(tok), e.ctx, NULL), TC_OK);
  ck_assert_int_eq(tc_orders_cart_add(NULL, e.ctx, NULL, tok, "SKU-A", 1),
                   TC_OK);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1), TC_OK);
  e.clock.now += 8LL * 24 * 3600 * 1000;
  tc_cart *c = NULL;
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, NULL, tok), TC_ENOTFOUND);
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, &e.customer, NULL), TC_OK);
  ck_assert_uint_eq(c->nlines, 0);
  tc_orders_cart_free(e.ctx, c);
  /* The sweep purges expired carts. */
  uint32_t done = 0;
  ck_assert_int_eq(tc_orders_recover(e.ctx, 100, &done), TC_OK);
  ck_assert_int_eq(to_count(&e, "SELECT COUNT(*) FROM orders_carts", NULL), 0);
  to_env_free(&e);
}
END_TEST

START_TEST(cart_total_overflow) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", TC_CATALOG_PRICE_MAX, 10);
  to_product(&e, "SKU-B", TC_CATALOG_PRICE_MAX, 10);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 999), TC_OK);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-B", 1),
      TC_EOVERFLOW);
  ck_assert_str_eq(tc_errfield(e.ctx), "qty");
  to_env_free(&e);
}
END_TEST

/* ---- checkout ---------------------------------------------------------------
 */

START_TEST(checkout_happy_path) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1990, 10);
  to_product(&e, "SKU-B", 500, 10);
  to_events_start(&e);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-B", 3), TC_OK);
  tc_order *o = NULL;
  int rc = to_checkout(&e, "SKU-A", 2, "k1", "tok_visa", &o);
  ck_assert_msg(rc == TC_OK, "%s", tc_errmsg(e.ctx));
  ck_assert_int_eq(o->status, TC_ORDER_PAID);
  ck_assert_int_eq(o->total.amount, 2 * 1990 + 3 * 500);
  ck_assert_uint_eq(o->nlines, 2);
  ck_assert_str_eq(o->card_last4, "4242");
  ck_assert_str_eq(o->shipping_address.city, "São Paulo");
  ck_assert_str_eq(o->saga_step, "");
  ck_assert_int_eq(strncmp(o->number, "TC-", 3), 0);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 8);
  ck_assert_int_eq(to_on_hand(&e, "SKU-B"), 7);
  ck_assert_int_eq(to_reserved(&e, "SKU-A"), 0);
  /* The cart is empty now. */
  tc_cart *c = NULL;
  ck_assert_int_eq(tc_orders_cart_get(&c, e.ctx, &e.customer, NULL), TC_OK);
  ck_assert_uint_eq(c->nlines, 0);
  tc_orders_cart_free(e.ctx, c);
  /* Events: created, awaiting_payment, paid with the rich payload. */
  char last[2048];
  ck_assert_int_eq(to_events_count(&e, "orders.paid", last, sizeof(last)), 1);
  ck_assert_ptr_nonnull(strstr(last, o->id));
  ck_assert_ptr_nonnull(strstr(last, o->number));
  ck_assert_ptr_nonnull(strstr(last, "\"total\":5480"));
  ck_assert_ptr_nonnull(strstr(last, "\"skus\":[\"SKU-A\",\"SKU-B\"]"));
  ck_assert_ptr_nonnull(strstr(last, "\"from\":\"awaiting_payment\""));
  ck_assert_ptr_null(strstr(last, "tok_visa"));
  ck_assert_int_eq(to_count(&e,
                            "SELECT COUNT(*) FROM orders_transitions WHERE "
                            "order_id = ?",
                            o->id),
                   3);
  tc_orders_order_free(e.ctx, o);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(checkout_idempotent_replay_and_conflict) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  tc_order *o1 = NULL, *o2 = NULL;
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 1, "same", "tok_visa", &o1), TC_OK);
  /* Same key, same request (even with a new cart): the first order. */
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 1, "same", "tok_visa", &o2), TC_OK);
  ck_assert_str_eq(o1->id, o2->id);
  tc_orders_order_free(e.ctx, o2);
  ck_assert_int_eq(to_count(&e, "SELECT COUNT(*) FROM orders_orders", NULL), 1);
  ck_assert_int_eq(to_ledger(&e).authorizations, 1);
  /* Same key, another request: conflict, nothing written. */
  char *before = snapshot(&e);
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "same", "tok_mastercard", &o2),
                   TC_ECONFLICT);
  ck_assert_ptr_null(o2);
  ck_assert_str_eq(tc_errfield(e.ctx), "idempotency_key");
  char *after = snapshot(&e);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  /* A declined checkout replays as declined. */
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "k2", "tok_chargeDeclined", NULL),
                   TC_EDECLINED);
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "k2", "tok_chargeDeclined", NULL),
                   TC_EDECLINED);
  ck_assert_int_eq(to_count(&e, "SELECT COUNT(*) FROM orders_orders", NULL), 2);
  /* Keys live at least 24 hours, then the sweep purges them. */
  e.clock.now += 23LL * 3600 * 1000;
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "same", "tok_visa", &o2), TC_OK);
  ck_assert_str_eq(o1->id, o2->id);
  tc_orders_order_free(e.ctx, o2);
  e.clock.now += 2LL * 3600 * 1000;
  uint32_t done;
  ck_assert_int_eq(tc_orders_recover(e.ctx, 100, &done), TC_OK);
  ck_assert_int_eq(
      to_count(&e, "SELECT COUNT(*) FROM orders_idempotency", NULL), 0);
  tc_orders_order_free(e.ctx, o1);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(checkout_price_changed) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1), TC_OK);
  tc_money m;
  tc_money_make(&m, 1250, "BRL");
  ck_assert_int_eq(tc_catalog_price_set(e.ctx, tt_sys(), "SKU-A", &m, NULL),
                   TC_OK);
  char *before = snapshot(&e);
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "k1", "tok_visa", NULL),
                   TC_ECONFLICT);
  ck_assert_str_eq(tc_errfield(e.ctx), "lines[0]");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "SKU-A"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "10.00 BRL"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "12.50 BRL"));
  char *after = snapshot(&e);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  /* Setting the line again accepts the new price. */
  ck_assert_int_eq(
      tc_orders_cart_update(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1), TC_OK);
  tc_order *o = NULL;
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "k1", "tok_visa", &o), TC_OK);
  ck_assert_int_eq(o->total.amount, 1250);
  tc_orders_order_free(e.ctx, o);
  to_env_free(&e);
}
END_TEST

START_TEST(checkout_vanished_product) {
  to_env e;
  to_env_init(&e);
  const char *pid = to_product(&e, "SKU-A", 1000, 10);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", pid);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1), TC_OK);
  ck_assert_int_eq(tc_catalog_product_archive(e.ctx, tt_sys(), id, 0), TC_OK);
  char *before = snapshot(&e);
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "k1", "tok_visa", NULL),
                   TC_ENOTFOUND);
  ck_assert_str_eq(tc_errfield(e.ctx), "lines[0]");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "no longer sold"));
  char *after = snapshot(&e);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  to_env_free(&e);
}
END_TEST

START_TEST(checkout_bad_input) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  /* Empty cart. */
  ck_assert_int_eq(to_checkout(&e, NULL, 0, "k1", "tok_visa", NULL), TC_ESTATE);
  ck_assert_str_eq(tc_errfield(e.ctx), "cart");
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1), TC_OK);
  char *before = snapshot(&e);
  tc_order_address a = to_address();
  tc_checkout_request r = TC_CHECKOUT_REQUEST_INIT;
  r.idempotency_key = "k1";
  r.shipping_address = &a;
  r.payment_source = "tok_visa";
  tc_order *o = NULL;
  r.currency = "ZZZ";
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &e.customer, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "currency");
  r.currency = "USD";
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &e.customer, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "currency");
  r.currency = NULL;
  a.country[0] = 'b';
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &e.customer, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "shipping_address.country");
  a = to_address();
  a.city[0] = '\0';
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &e.customer, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "shipping_address.city");
  a = to_address();
  r.idempotency_key = "";
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &e.customer, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "idempotency_key");
  r.idempotency_key = "k1";
  r.payment_source = NULL;
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &e.customer, &r), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "payment_source");
  tc_principal anon = TC_PRINCIPAL_INIT;
  ck_assert_int_eq(tc_orders_checkout(&o, e.ctx, &anon, &r),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_null(o);
  char *after = snapshot(&e);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  to_env_free(&e);
}
END_TEST

/* ---- state machine --------------------------------------------------------
 */

START_TEST(transition_table) {
  ck_assert(tc_orders_transition_allowed(TC_ORDER_PAID, TC_ORDER_FULFILLING,
                                         TC_ORDER_ACTOR_SUPPORT));
  ck_assert(!tc_orders_transition_allowed(TC_ORDER_PAID, TC_ORDER_FULFILLING,
                                          TC_ORDER_ACTOR_CUSTOMER));
  ck_assert(tc_orders_transition_allowed(TC_ORDER_PAID, TC_ORDER_CANCELLED,
                                         TC_ORDER_ACTOR_CUSTOMER));
  ck_assert(!tc_orders_transition_allowed(TC_ORDER_SHIPPED, TC_ORDER_CANCELLED,
                                          TC_ORDER_ACTOR_ADMIN));
  ck_assert(!tc_orders_transition_allowed(TC_ORDER_REFUNDED, TC_ORDER_PAID,
                                          TC_ORDER_ACTOR_SYSTEM));
  ck_assert_str_eq(tc_order_status_name(TC_ORDER_PARTIALLY_REFUNDED),
                   "partially_refunded");
  ck_assert_ptr_null(tc_order_status_name((tc_order_status)99));
  tc_order_status s;
  ck_assert_int_eq(tc_order_status_parse(&s, "awaiting_payment"), TC_OK);
  ck_assert_int_eq(s, TC_ORDER_AWAITING_PAYMENT);
  ck_assert_int_eq(tc_order_status_parse(&s, "lost"), TC_EINVAL);
}
END_TEST

typedef struct {
  int n;
  char last_to[24];
  char actors[512];
} hist;

static int hist_cb(const tc_order_transition *t, void *payload) {
  hist *h = payload;
  h->n++;
  snprintf(h->last_to, sizeof(h->last_to), "%s", t->to);
  strncat(h->actors, t->actor, sizeof(h->actors) - strlen(h->actors) - 2);
  strcat(h->actors, ",");
  return 0;
}

START_TEST(fulfil_ship_deliver_and_illegal) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  tc_order *o = NULL;
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 1, "k1", "tok_visa", &o), TC_OK);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(e.ctx, o);
  /* Illegal: skipping states names both. */
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.admin, id,
                                        TC_ORDER_DELIVERED, NULL, NULL),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "paid"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "delivered"));
  /* Neither the customer nor another customer may fulfil. */
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.customer, id,
                                        TC_ORDER_FULFILLING, NULL, NULL),
                   TC_EDENIED);
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.other, id,
                                        TC_ORDER_FULFILLING, NULL, NULL),
                   TC_EDENIED);
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.support, id,
                                        TC_ORDER_FULFILLING, "picking", NULL),
                   TC_OK);
  /* Fulfilment captured the authorized payment. */
  ck_assert_int_eq(to_ledger(&e).captures, 1);
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.support, id,
                                        TC_ORDER_SHIPPED, NULL, NULL),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "tracking");
  ck_assert_int_eq(tc_orders_transition(&o, e.ctx, &e.support, id,
                                        TC_ORDER_SHIPPED, NULL, "BR123456789"),
                   TC_OK);
  ck_assert_str_eq(o->tracking, "BR123456789");
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(tc_orders_cancel(NULL, e.ctx, &e.admin, id, NULL),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "shipped"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(e.ctx), "cancelled"));
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.support, id,
                                        TC_ORDER_DELIVERED, NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(tc_orders_transition(NULL, e.ctx, &e.admin, id,
                                        TC_ORDER_PAID, NULL, NULL),
                   TC_ESTATE);
  hist h;
  memset(&h, 0, sizeof(h));
  ck_assert_int_eq(tc_orders_history(e.ctx, &e.customer, id, hist_cb, &h),
                   TC_OK);
  ck_assert_int_eq(h.n, 6);
  ck_assert_str_eq(h.last_to, "delivered");
  ck_assert_ptr_nonnull(strstr(h.actors, "support:"));
  ck_assert_int_eq(tc_orders_history(e.ctx, &e.other, id, hist_cb, &h),
                   TC_EDENIED);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(cancel_paid_refunds_and_returns_stock) {
  to_env e;
  to_env_init(&e);
  to_payments_mode(&e, TC_PAYMENTS_CAPTURE_AT_CHECKOUT);
  to_product(&e, "SKU-A", 1000, 10);
  tc_order *o = NULL;
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 3, "k1", "tok_visa", &o), TC_OK);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 7);
  ck_assert_int_eq(tc_orders_cancel(NULL, e.ctx, &e.other, id, NULL),
                   TC_EDENIED);
  ck_assert_int_eq(tc_orders_cancel(&o, e.ctx, &e.customer, id, "changed mind"),
                   TC_OK);
  ck_assert_int_eq(o->status, TC_ORDER_CANCELLED);
  ck_assert_int_eq(o->refunded, 3000);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 10);
  tc_sandbox_ledger lg = to_ledger(&e);
  ck_assert_int_eq(lg.refunded, 3000);
  ck_assert_int_eq(to_count(&e,
                            "SELECT COUNT(*) FROM inventory_ledger WHERE "
                            "reason = 'return'",
                            NULL),
                   1);
  /* Twice is refused; nothing more is refunded. */
  ck_assert_int_eq(tc_orders_cancel(NULL, e.ctx, &e.customer, id, NULL),
                   TC_ESTATE);
  ck_assert_int_eq(to_ledger(&e).refunds, 1);
  to_check_invariants(&e, true);

  /* Authorized only (capture later): the authorization is voided. */
  to_payments_mode(&e, TC_PAYMENTS_CAPTURE_LATER);
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 1, "k2", "tok_visa", &o), TC_OK);
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(tc_orders_cancel(NULL, e.ctx, &e.admin, id, NULL), TC_OK);
  ck_assert_int_eq(to_ledger(&e).voids, 1);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 10);
  to_check_invariants(&e, true);
  to_env_free(&e);
}
END_TEST

START_TEST(cancel_refund_provider_down_then_recovered) {
  to_env e;
  to_env_init(&e);
  to_payments_mode(&e, TC_PAYMENTS_CAPTURE_AT_CHECKOUT);
  to_product(&e, "SKU-A", 1000, 10);
  tc_order *o = NULL;
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 1, "k1", "tok_visa", &o), TC_OK);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(e.ctx, o);
  /* The store fails right after the cancellation commits: the refund row
   * is pending; the sweep refunds once. */
  to_arm(&e, 1, true);
  e.fail_at = 1000000;
  e.armed = false;
  ck_assert_int_eq(tc_orders_cancel(NULL, e.ctx, &e.customer, id, NULL), TC_OK);
  ck_assert_int_eq(to_ledger(&e).refunds, 1);
  to_recover(&e, 2);
  ck_assert_int_eq(to_ledger(&e).refunds, 1);
  to_env_free(&e);
}
END_TEST

START_TEST(partial_refunds_and_returns) {
  to_env e;
  to_env_init(&e);
  to_payments_mode(&e, TC_PAYMENTS_CAPTURE_AT_CHECKOUT);
  to_product(&e, "SKU-A", 1000, 10);
  to_product(&e, "SKU-B", 250, 10);
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-B", 4), TC_OK);
  tc_order *o = NULL;
  ck_assert_int_eq(to_checkout(&e, "SKU-A", 2, "k1", "tok_visa", &o), TC_OK);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  int la = strcmp(o->lines[0].sku, "SKU-A") == 0 ? 1 : 2;
  int lb = 3 - la;
  tc_orders_order_free(e.ctx, o);
  tc_order_refund_line l1[] = {{la, 1}};
  ck_assert_int_eq(
      tc_orders_refund(NULL, e.ctx, &e.customer, id, l1, 1, 1, NULL, "r1"),
      TC_EDENIED);
  ck_assert_int_eq(
      tc_orders_refund(&o, e.ctx, &e.admin, id, l1, 1, 1, "damaged", "r1"),
      TC_OK);
  ck_assert_int_eq(o->status, TC_ORDER_PARTIALLY_REFUNDED);
  ck_assert_int_eq(o->refunded, 1000);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 9);
  /* The same key again: no second refund. */
  ck_assert_int_eq(
      tc_orders_refund(NULL, e.ctx, &e.admin, id, l1, 1, 1, NULL, "r1"), TC_OK);
  ck_assert_int_eq(to_ledger(&e).refunds, 1);
  ck_assert_int_eq(to_on_hand(&e, "SKU-A"), 9);
  /* More than is left is refused, naming the line. */
  tc_order_refund_line too_many[] = {{lb, 5}};
  char *before = snapshot(&e);
  ck_assert_int_eq(
      tc_orders_refund(NULL, e.ctx, &e.admin, id, too_many, 1, 0, NULL, "r2"),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "lines[0].qty");
  tc_order_refund_line no_line[] = {{7, 1}};
  ck_assert_int_eq(
      tc_orders_refund(NULL, e.ctx, &e.admin, id, no_line, 1, 0, NULL, "r2"),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "lines[0].line_no");
  char *after = snapshot(&e);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  /* The rest: refunded in full. */
  tc_order_refund_line rest[] = {{la, 1}, {lb, 4}};
  ck_assert_int_eq(
      tc_orders_refund(&o, e.ctx, &e.admin, id, rest, 2, 0, NULL, "r3"), TC_OK);
  ck_assert_int_eq(o->status, TC_ORDER_REFUNDED);
  ck_assert_int_eq(o->refunded, o->total.amount);
  tc_orders_order_free(e.ctx, o);
  ck_assert_int_eq(to_ledger(&e).refunded, 3000);
  to_env_free(&e);
}
END_TEST

/* ---- listings
 * ---------------------------------------------------------------- */

START_TEST(listings_keyset) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 100);
  char key[16];
  for (int i = 0; i < 5; i++) {
    snprintf(key, sizeof(key), "k%d", i);
    ck_assert_int_eq(
        to_checkout(&e, "SKU-A", 1, key,
                    i == 4 ? "tok_chargeDeclined" : "tok_visa", NULL),
        i == 4 ? TC_EDECLINED : TC_OK);
    e.clock.now += 1000;
  }
  char cursor[96] = "";
  int seen = 0, pages = 0;
  int64_t last_created = INT64_MAX;
  for (;;) {
    tc_order_page *p = NULL;
    ck_assert_int_eq(tc_orders_list(&p, e.ctx, &e.customer, cursor, 2), TC_OK);
    for (size_t i = 0; i < p->count; i++) {
      ck_assert(p->items[i].created_ms < last_created);
      last_created = p->items[i].created_ms;
      ck_assert_uint_eq(p->items[i].nlines, 0);
    }
    seen += (int)p->count;
    pages++;
    snprintf(cursor, sizeof(cursor), "%s", p->next_cursor);
    tc_orders_page_free(e.ctx, p);
    if (!cursor[0]) break;
  }
  ck_assert_int_eq(seen, 5);
  ck_assert_int_eq(pages, 3);
  tc_order_page *p = NULL;
  ck_assert_int_eq(tc_orders_list(&p, e.ctx, &e.other, NULL, 10), TC_OK);
  ck_assert_uint_eq(p->count, 0);
  tc_orders_page_free(e.ctx, p);
  ck_assert_int_eq(tc_orders_list(&p, e.ctx, &e.customer, "garbage", 10),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(e.ctx), "cursor");
  /* Admin: filters. */
  ck_assert_int_eq(tc_orders_admin_list(&p, e.ctx, &e.customer, NULL, NULL, 10),
                   TC_EDENIED);
  tc_order_filter f = TC_ORDER_FILTER_INIT;
  f.status = TC_ORDER_PAYMENT_FAILED;
  ck_assert_int_eq(tc_orders_admin_list(&p, e.ctx, &e.support, &f, NULL, 10),
                   TC_OK);
  ck_assert_uint_eq(p->count, 1);
  tc_orders_page_free(e.ctx, p);
  f.status = 0;
  f.customer_id = e.customer.user_id;
  f.created_from_ms = 1700000000000LL + 1500;
  ck_assert_int_eq(tc_orders_admin_list(&p, e.ctx, &e.admin, &f, NULL, 10),
                   TC_OK);
  ck_assert_uint_eq(p->count, 3);
  tc_orders_page_free(e.ctx, p);
  f.customer_id = e.other.user_id;
  ck_assert_int_eq(tc_orders_admin_list(&p, e.ctx, &e.admin, &f, NULL, 10),
                   TC_OK);
  ck_assert_uint_eq(p->count, 0);
  tc_orders_page_free(e.ctx, p);
  to_env_free(&e);
}
END_TEST

/* ---- idempotency table -----------------------------------------------------
 */

START_TEST(idempotency_table) {
  to_env e;
  to_env_init(&e);
  char h1[65], h2[65];
  tc__idem_hash(h1, "a", 1);
  tc__idem_hash(h2, "b", 1);
  ck_assert_str_ne(h1, h2);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "s", "k", h1, 0, NULL), TC_OK);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "s", "k", h1, 0, NULL), TC_ECONFLICT);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "t", "k", h2, 0, NULL), TC_OK);
  tc__idem_record r;
  ck_assert_int_eq(tc__idem_lookup(e.ctx, "s", "k", &r), TC_OK);
  ck_assert(!r.completed);
  ck_assert_str_eq(r.request_hash, h1);
  tc__free(e.ctx, r.response);
  ck_assert_int_eq(tc__idem_complete(e.ctx, "s", "k", "{\"x\":1}"), TC_OK);
  ck_assert_int_eq(tc__idem_lookup(e.ctx, "s", "k", &r), TC_OK);
  ck_assert(r.completed);
  ck_assert_str_eq(r.response, "{\"x\":1}");
  /* Kept at least 24 h even when asked for less. */
  ck_assert_int_ge(r.expires_ms - r.created_ms, TC__IDEM_MIN_TTL_MS);
  tc__free(e.ctx, r.response);
  ck_assert_int_eq(tc__idem_complete(e.ctx, "s", "nope", "{}"), TC_ENOTFOUND);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "s", "", h1, 0, NULL), TC_EINVAL);
  /* The claim inside a transaction leaves it usable. */
  ck_assert_int_eq(tc__txn_begin(e.ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "s", "k", h1, 0, NULL), TC_ECONFLICT);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "s", "k2", h1, 0, NULL), TC_OK);
  ck_assert_int_eq(tc__txn_end(e.ctx, TC_OK), TC_OK);
  ck_assert_int_eq(tc__idem_lookup(e.ctx, "s", "k2", &r), TC_OK);
  tc__free(e.ctx, r.response);
  /* Expired: not found, purged, claimable again. */
  e.clock.now += TC__IDEM_MIN_TTL_MS + 1;
  ck_assert_int_eq(tc__idem_lookup(e.ctx, "s", "k", &r), TC_ENOTFOUND);
  ck_assert_int_eq(tc__idem_claim(e.ctx, "s", "k", h2, 0, NULL), TC_OK);
  uint32_t n = 0;
  ck_assert_int_eq(tc__idem_purge(e.ctx, e.clock.now, 100, &n), TC_OK);
  ck_assert_uint_eq(n, 2);
  to_env_free(&e);
}
END_TEST

/* ---- JSON API
 * ------------------------------------------------------------------ */

START_TEST(json_api) {
  to_env e;
  to_env_init(&e);
  to_product(&e, "SKU-A", 1000, 10);
  char *out = NULL;
  tc_principal anon = TC_PRINCIPAL_INIT;
  ck_assert_int_eq(tt_call(e.ctx, &anon, "orders.cart_open", "{}", &out),
                   TC_OK);
  char tok[TC_ORDERS_CART_TOKEN_LEN + 1];
  const char *t = strstr(out, "\"cart_token\":\"");
  ck_assert_ptr_nonnull(t);
  snprintf(tok, sizeof(tok), "%s", t + 14);
  free(out);
  char req[1024];
  snprintf(req, sizeof(req),
           "{\"cart_token\":\"%s\",\"sku\":\"SKU-A\","
           "\"qty\":2}",
           tok);
  ck_assert_int_eq(tt_call(e.ctx, &anon, "orders.cart_add", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"subtotal\":2000"));
  free(out);
  snprintf(req, sizeof(req),
           "{\"cart_token\":\"%s\",\"sku\":\"SKU-A\","
           "\"qty\":0}",
           tok);
  ck_assert_int_eq(tt_call(e.ctx, &anon, "orders.cart_update", req, &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"qty\""));
  free(out);
  snprintf(req, sizeof(req), "{\"guest_token\":\"%s\"}", tok);
  ck_assert_int_eq(tt_call(e.ctx, &anon, "orders.cart_merge", req, &out),
                   TC_EUNAUTHENTICATED);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.cart_merge", req, &out),
                   TC_OK);
  free(out);
  const char *co =
      "{\"idempotency_key\":\"j1\",\"payment_source\":\"tok_visa\","
      "\"shipping_address\":{\"name\":\"Ana\",\"line1\":\"Rua A, 1\","
      "\"city\":\"Recife\",\"postal_code\":\"50000-000\",\"country\":\"BR\"}}";
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.checkout", co, &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"status\":\"paid\""));
  const char *idp = strstr(out, "\"id\":\"");
  ck_assert_ptr_nonnull(idp);
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", idp + 6);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.checkout",
                           "{\"idempotency_key\":\"j2\"}", &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":"));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", id);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.get", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"lines\":["));
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.other, "orders.get", req, &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.support, "orders.get", req, &out), TC_OK);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.history", req, &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"to\":\"paid\""));
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.list", "{}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, id));
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.admin_list", "{}", &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.support, "orders.admin_list",
                           "{\"status\":\"paid\"}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, id));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"to\":\"shipped\"}", id);
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.transition", req, &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.support, "orders.transition", req, &out),
                   TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(out, "paid"));
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"to\":\"fulfilling\"}", id);
  ck_assert_int_eq(tt_call(e.ctx, &e.support, "orders.transition", req, &out),
                   TC_OK);
  free(out);
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"lines\":[{\"line_no\":1,\"qty\":1}],"
           "\"key\":\"rf1\",\"restock\":true}",
           id);
  ck_assert_int_eq(tt_call(e.ctx, &e.support, "orders.refund", req, &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.admin, "orders.refund", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "partially_refunded"));
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.admin, "orders.recover", "{}", &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(e.ctx, &e.system, "orders.recover", "{}", &out),
                   TC_OK);
  free(out);
  /* A declined checkout names the order it left. */
  ck_assert_int_eq(
      tc_orders_cart_add(NULL, e.ctx, &e.customer, NULL, "SKU-A", 1), TC_OK);
  const char *dc =
      "{\"idempotency_key\":\"j3\",\"payment_source\":\"tok_chargeDeclined\","
      "\"shipping_address\":{\"name\":\"Ana\",\"line1\":\"Rua A, 1\","
      "\"city\":\"Recife\",\"postal_code\":\"50000-000\",\"country\":\"BR\"}}";
  ck_assert_int_eq(tt_call(e.ctx, &e.customer, "orders.checkout", dc, &out),
                   TC_EDECLINED);
  ck_assert_ptr_nonnull(strstr(out, "payment_failed"));
  free(out);
  to_env_free(&e);
}
END_TEST

/* ---- a host-supplied provider (as in examples/provider_example.c) ------- */

typedef struct host_credit {
  char keys[32][128];
  tc_payment_result answers[32];
  int seen, charges;
} host_credit;

static int hc_call(void *self, const tc_payment_request *req,
                   tc_payment_result *res, const char *status) {
  host_credit *c = self;
  for (int i = 0; i < c->seen; i++)
    if (!strcmp(c->keys[i], req->idempotency_key)) {
      *res = c->answers[i];
      return TC_OK;
    }
  if (c->seen == 32) return TC_ENOMEM;
  memset(res, 0, sizeof(*res));
  bool ok = !req->source || !strncmp(req->source, "credit_", 7);
  res->outcome = ok ? TC_PAYMENT_APPROVED : TC_PAYMENT_DECLINED;
  snprintf(res->status, sizeof(res->status), "%s", ok ? status : "failed");
  snprintf(res->provider_ref, sizeof(res->provider_ref), "cr_%d", c->seen);
  res->amount = req->amount;
  if (ok && !strcmp(status, "authorized")) c->charges++;
  snprintf(c->keys[c->seen], sizeof(c->keys[0]), "%s", req->idempotency_key);
  c->answers[c->seen++] = *res;
  return TC_OK;
}
static int hc_auth(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return hc_call(s, q, r, "authorized");
}
static int hc_capt(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return hc_call(s, q, r, "captured");
}
static int hc_void(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return hc_call(s, q, r, "voided");
}
static int hc_refd(void *s, const tc_payment_request *q, tc_payment_result *r) {
  return hc_call(s, q, r, "refunded");
}

START_TEST(checkout_through_host_provider) {
  static host_credit hc;
  memset(&hc, 0, sizeof(hc));
  tc_payment_provider provider = {TC_PAYMENT_PROVIDER_VERSION,
                                  &hc,
                                  "store-credit",
                                  hc_auth,
                                  hc_capt,
                                  hc_void,
                                  hc_refd,
                                  NULL,
                                  NULL,
                                  NULL};
  char dir[512], path[600];
  tt_tmpdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/test.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.payments = &provider;
  tc_ctx *ctx = NULL;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_OK);
  to_env e; /* only for the product helper */
  memset(&e, 0, sizeof(e));
  e.ctx = ctx;
  ck_assert_int_eq(
      tc_inventory_warehouse_create(ctx, tt_sys(), "SP", "SP", 1, 1), TC_OK);
  to_product(&e, "SKU-A", 1500, 5);
  tc_id uid;
  tc_id_new(&uid, ctx);
  tc_principal who = tt_user(uid.str, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_orders_cart_add(NULL, ctx, &who, NULL, "SKU-A", 2),
                   TC_OK);
  tc_order_address a = to_address();
  tc_checkout_request r = TC_CHECKOUT_REQUEST_INIT;
  r.idempotency_key = "host-1";
  r.shipping_address = &a;
  r.payment_source = "credit_maria";
  tc_order *o = NULL;
  int rc = tc_orders_checkout(&o, ctx, &who, &r);
  ck_assert_msg(rc == TC_OK, "%s", tc_errmsg(ctx));
  ck_assert_int_eq(o->status, TC_ORDER_PAID);
  tc_orders_order_free(ctx, o);
  ck_assert_int_eq(tc_orders_checkout(&o, ctx, &who, &r), TC_OK);
  tc_orders_order_free(ctx, o);
  ck_assert_int_eq(hc.charges, 1);
  /* Declined by the host's provider: the order fails, stock comes back. */
  ck_assert_int_eq(tc_orders_cart_add(NULL, ctx, &who, NULL, "SKU-A", 1),
                   TC_OK);
  r.idempotency_key = "host-2";
  r.payment_source = "visa_not_credit";
  ck_assert_int_eq(tc_orders_checkout(&o, ctx, &who, &r), TC_EDECLINED);
  ck_assert_int_eq(o->status, TC_ORDER_PAYMENT_FAILED);
  tc_orders_order_free(ctx, o);
  int64_t n = 0;
  ck_assert_int_eq(tc_inventory_available(ctx, "SKU-A", &n), TC_OK);
  ck_assert_int_eq(n, 3);
  tc_ctx_free(ctx);
  store->free(store->self);
  tt_tmpdir_remove(dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("orders");
  TCase *t = tcase_create("orders");
  tcase_set_timeout(t, 300);
  tcase_add_test(t, guest_cart_lines_and_totals);
  tcase_add_test(t, unpublished_and_unpriced_refused);
  tcase_add_test(t, merge_guest_into_user);
  tcase_add_test(t, cart_expires);
  tcase_add_test(t, cart_total_overflow);
  tcase_add_test(t, checkout_happy_path);
  tcase_add_test(t, checkout_idempotent_replay_and_conflict);
  tcase_add_test(t, checkout_price_changed);
  tcase_add_test(t, checkout_vanished_product);
  tcase_add_test(t, checkout_bad_input);
  tcase_add_test(t, transition_table);
  tcase_add_test(t, fulfil_ship_deliver_and_illegal);
  tcase_add_test(t, cancel_paid_refunds_and_returns_stock);
  tcase_add_test(t, cancel_refund_provider_down_then_recovered);
  tcase_add_test(t, partial_refunds_and_returns);
  tcase_add_test(t, listings_keyset);
  tcase_add_test(t, idempotency_table);
  tcase_add_test(t, json_api);
  tcase_add_test(t, checkout_through_host_provider);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tt_run(suite());
}
