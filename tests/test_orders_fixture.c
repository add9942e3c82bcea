/*
 * tests/test_orders_fixture.c - shared setup for the orders suites: a store
 * wrapper that fails the N-th exec/commit (one failure, or every one after
 * it as if the process had died), a payment provider wrapper that charges
 * but loses the answer, catalog and stock setup, and the invariant check
 * every saga test ends with.
 */
#include <stdio.h>

#include "test_orders_fixture.h"

/* ---- the failing store ----------------------------------------------------
 */

static bool fault_hit(to_env *e) {
  if (!e->armed) return false;
  e->ops++;
  if (e->ops == e->fail_at || (e->crash && e->ops > e->fail_at)) {
    e->failures++;
    return true;
  }
  return false;
}

static int f_begin(void *self, tc_txn_mode mode) {
  to_env *e = self;
  return e->real->begin(e->real->self, mode);
}
static int f_commit(void *self) {
  to_env *e = self;
  if (fault_hit(e)) return TC_ESTORAGE;
  return e->real->commit(e->real->self);
}
static int f_rollback(void *self) {
  to_env *e = self;
  return e->real->rollback(e->real->self);
}
static int f_exec(void *self, const char *sql, const tc_value *params, size_t n,
                  tc_store_row_cb cb, void *payload, int64_t *changes) {
  to_env *e = self;
  if (fault_hit(e)) return TC_ESTORAGE;
  return e->real->exec(e->real->self, sql, params, n, cb, payload, changes);
}
static const char *f_errmsg(void *self) {
  to_env *e = self;
  return e->failures ? "injected store failure"
                     : e->real->errmsg(e->real->self);
}
static void f_free(void *self) {
  (void)self;
}

/* ---- the provider that loses answers --------------------------------------
 */

static int p_authorize(void *self, const tc_payment_request *req,
                       tc_payment_result *res) {
  to_env *e = self;
  if (e->on_authorize) e->on_authorize(e);
  int rc = e->sandbox->authorize(e->sandbox->self, req, res);
  if (rc == TC_OK && e->lost_answers > 0 &&
      res->outcome == TC_PAYMENT_APPROVED) {
    /* The provider acted; the answer never came back. */
    e->lost_answers--;
    memset(res, 0, sizeof(*res));
    res->outcome = TC_PAYMENT_TRANSIENT;
    snprintf(res->code, sizeof(res->code), "timeout");
  }
  return rc;
}
#define PASS(name)                                               \
  static int p_##name(void *self, const tc_payment_request *req, \
                      tc_payment_result *res) {                  \
    to_env *e = self;                                            \
    return e->sandbox->name(e->sandbox->self, req, res);         \
  }
PASS(capture)
PASS(void_auth)
PASS(refund)
PASS(fetch)
static int p_webhook(void *self, const char *sig, const char *body, size_t n,
                     int64_t now_s, tc_payment_event *ev) {
  to_env *e = self;
  return e->sandbox->parse_webhook(e->sandbox->self, sig, body, n, now_s, ev);
}
static void p_free(void *self) {
  (void)self;
}

/* ---- setup ------------------------------------------------------------------
 */

void to_payments_mode(to_env *e, tc_payments_capture_mode mode) {
  tc_payments_options po = TC_PAYMENTS_OPTIONS_INIT;
  po.provider = &e->flaky;
  po.breaker = e->breaker;
  po.capture_mode = mode;
  int rc = tc_payments_configure(e->ctx, &po);
  ck_assert_msg(rc == TC_OK, "payments: %s", tc_errmsg(e->ctx));
}

void to_env_init(to_env *e) {
  memset(e, 0, sizeof(*e));
  tt_clock_init(&e->clock, 1700000000000LL);
  tt_tmpdir(e->dir, sizeof(e->dir));
  snprintf(e->path, sizeof(e->path), "%s/test.db", e->dir);
  ck_assert_int_eq(tc_store_sqlite_open(&e->real, e->path, NULL), TC_OK);
  e->fault = *e->real;
  e->fault.self = e;
  e->fault.begin = f_begin;
  e->fault.commit = f_commit;
  e->fault.rollback = f_rollback;
  e->fault.exec = f_exec;
  e->fault.errmsg = f_errmsg;
  e->fault.free = f_free;
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = &e->fault;
  cfg.clock = &e->clock.clock;
  int rc = tc_ctx_new(&e->ctx, &cfg);
  ck_assert_msg(rc == TC_OK, "ctx: %s", tc_last_error_message());

  tc_sandbox_options so = TC_SANDBOX_OPTIONS_INIT;
  so.clock = &e->clock.clock;
  ck_assert_int_eq(tc_payment_provider_sandbox_new(&e->sandbox, &so), TC_OK);
  e->flaky = *e->sandbox;
  e->flaky.self = e;
  e->flaky.authorize = p_authorize;
  e->flaky.capture = p_capture;
  e->flaky.void_auth = p_void_auth;
  e->flaky.refund = p_refund;
  e->flaky.fetch = p_fetch;
  e->flaky.parse_webhook = p_webhook;
  e->flaky.free = p_free;
  tc_breaker_options bo = TC_BREAKER_OPTIONS_INIT;
  bo.failure_threshold = 1000000;
  ck_assert_int_eq(tc_breaker_new(&e->breaker, &bo), TC_OK);
  to_payments_mode(e, TC_PAYMENTS_CAPTURE_LATER);

  ck_assert_int_eq(
      tc_inventory_warehouse_create(e->ctx, tt_sys(), "SP", "Sao Paulo", 10, 1),
      TC_OK);
  tc_id id;
  tc_id_new(&id, e->ctx);
  e->customer = tt_user(id.str, TC_ROLE_CUSTOMER);
  tc_id_new(&id, e->ctx);
  e->other = tt_user(id.str, TC_ROLE_CUSTOMER);
  tc_id_new(&id, e->ctx);
  e->admin = tt_user(id.str, TC_ROLE_ADMIN);
  tc_id_new(&id, e->ctx);
  e->support = tt_user(id.str, TC_ROLE_SUPPORT);
  e->system = tt_system();
}

void to_env_free(to_env *e) {
  tc_ctx_free(e->ctx);
  e->real->free(e->real->self);
  e->sandbox->free(e->sandbox->self);
  tc_breaker_free(e->breaker);
  tt_tmpdir_remove(e->dir);
}

const char *to_product(to_env *e, const char *sku, int64_t amount, int64_t n) {
  static char pid_out[TC_ID_STRLEN + 1];
  char title[96];
  snprintf(title, sizeof(title), "Product %s", sku);
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = title;
  tc_id pid, vid;
  int rc = tc_catalog_product_create(&pid, e->ctx, tt_sys(), &in);
  ck_assert_msg(rc == TC_OK, "product: %s", tc_errmsg(e->ctx));
  tc_catalog_variant_input v = TC_CATALOG_VARIANT_INPUT_INIT;
  v.sku = sku;
  rc = tc_catalog_variant_add(&vid, e->ctx, tt_sys(), pid.str, &v);
  ck_assert_msg(rc == TC_OK, "variant: %s", tc_errmsg(e->ctx));
  tc_money m;
  tc_money_make(&m, amount, "BRL");
  rc = tc_catalog_price_set(e->ctx, tt_sys(), sku, &m, NULL);
  ck_assert_msg(rc == TC_OK, "price: %s", tc_errmsg(e->ctx));
  rc = tc_catalog_product_publish(e->ctx, tt_sys(), pid.str, 0);
  ck_assert_msg(rc == TC_OK, "publish: %s", tc_errmsg(e->ctx));
  if (n > 0) {
    rc = tc_inventory_adjust(NULL, e->ctx, tt_sys(), sku, "SP", n,
                             TC_STOCK_RECEIPT, "test", "setup");
    ck_assert_msg(rc == TC_OK, "stock: %s", tc_errmsg(e->ctx));
  }
  snprintf(pid_out, sizeof(pid_out), "%s", pid.str);
  return pid_out;
}

void to_arm(to_env *e, long fail_at, bool crash) {
  e->armed = true;
  e->ops = 0;
  e->fail_at = fail_at;
  e->crash = crash;
  e->failures = 0;
}

void to_disarm(to_env *e) {
  e->armed = false;
}

tc_order_address to_address(void) {
  tc_order_address a;
  memset(&a, 0, sizeof(a));
  snprintf(a.name, sizeof(a.name), "Maria Silva");
  snprintf(a.line1, sizeof(a.line1), "Rua Augusta, 100");
  snprintf(a.city, sizeof(a.city), "São Paulo");
  snprintf(a.region, sizeof(a.region), "SP");
  snprintf(a.postal_code, sizeof(a.postal_code), "01305-000");
  snprintf(a.country, sizeof(a.country), "BR");
  return a;
}

int to_checkout(to_env *e, const char *sku, int64_t qty, const char *key,
                const char *source, tc_order **out) {
  if (out) *out = NULL;
  if (sku) {
    int rc = tc_orders_cart_add(NULL, e->ctx, &e->customer, NULL, sku, qty);
    ck_assert_msg(rc == TC_OK, "cart_add: %s", tc_errmsg(e->ctx));
  }
  tc_order_address a = to_address();
  tc_checkout_request r = TC_CHECKOUT_REQUEST_INIT;
  r.idempotency_key = key;
  r.shipping_address = &a;
  r.payment_source = source;
  tc_order *o = NULL;
  int rc = tc_orders_checkout(&o, e->ctx, &e->customer, &r);
  if (out)
    *out = o;
  else
    tc_orders_order_free(e->ctx, o);
  return rc;
}

void to_recover(to_env *e, int rounds) {
  for (int i = 0; i < rounds; i++) {
    e->clock.now += 2 * 60 * 1000;
    uint32_t done = 0;
    int rc = tc_orders_recover(e->ctx, 1000, &done);
    ck_assert_msg(rc == TC_OK, "recover: %s", tc_errmsg(e->ctx));
    if (to_count(e,
                 "SELECT COUNT(*) FROM orders_sagas WHERE state = "
                 "'running'",
                 NULL) == 0 &&
        to_count(e,
                 "SELECT COUNT(*) FROM orders_refunds WHERE state = "
                 "'pending'",
                 NULL) == 0)
      return;
  }
}

static int count_row(const tc_value *c, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = c[0].type == TC_VALUE_INT ? c[0].v.i : 0;
  return 0;
}

int64_t to_count(to_env *e, const char *sql, const char *param) {
  int64_t v = -1;
  tc_value p[] = {TC_VAL_TEXT(param)};
  int rc =
      e->real->exec(e->real->self, sql, p, param ? 1 : 0, count_row, &v, NULL);
  ck_assert_msg(rc == TC_OK, "count: %s", e->real->errmsg(e->real->self));
  return v;
}

/* ---- invariants -------------------------------------------------------------
 */

typedef struct {
  char id[TC_ID_STRLEN + 1];
  char status[24];
  char saga[12];
} inv_order;

typedef struct {
  inv_order items[512];
  size_t n;
} inv_orders;

static int order_row(const tc_value *c, size_t n, void *payload) {
  inv_orders *l = payload;
  (void)n;
  if (l->n == 512) return TC_STORE_STOP;
  inv_order *o = &l->items[l->n++];
  snprintf(o->id, sizeof(o->id), "%s", c[0].v.s);
  snprintf(o->status, sizeof(o->status), "%s", c[1].v.s);
  snprintf(o->saga, sizeof(o->saga), "%s",
           c[2].type == TC_VALUE_TEXT ? c[2].v.s : "");
  return 0;
}

typedef struct {
  int n;
  tc_payment last;
} pay_acc;

static int pay_cb(const tc_payment *p, void *payload) {
  pay_acc *a = payload;
  a->n++;
  a->last = *p;
  return 0;
}

void to_check_invariants(to_env *e, bool all_settled) {
  static inv_orders l;
  l.n = 0;
  int rc = e->real->exec(e->real->self,
                         "SELECT o.id, o.status, s.state FROM orders_orders o "
                         "LEFT JOIN orders_sagas s ON s.order_id = o.id",
                         NULL, 0, order_row, &l, NULL);
  ck_assert_int_eq(rc, TC_OK);
  for (size_t i = 0; i < l.n; i++) {
    const inv_order *o = &l.items[i];
    if (all_settled)
      ck_assert_msg(!strcmp(o->saga, "done"), "order %s saga %s (status %s)",
                    o->id, o->saga, o->status);
    int64_t held = to_count(e,
                            "SELECT COUNT(*) FROM inventory_reservations "
                            "WHERE owner = ? AND state = 'held'",
                            o->id);
    int64_t confirmed = to_count(e,
                                 "SELECT COUNT(*) FROM inventory_reservations "
                                 "WHERE owner = ? AND state = 'confirmed'",
                                 o->id);
    pay_acc pa;
    memset(&pa, 0, sizeof(pa));
    rc = tc_payments_list_for_order(e->ctx, tt_sys(), o->id, NULL, 100, pay_cb,
                                    &pa);
    ck_assert_msg(rc == TC_OK, "payments: %s", tc_errmsg(e->ctx));
    ck_assert_msg(pa.n <= 1, "order %s has %d payments", o->id, pa.n);
    const char *ps = pa.n ? pa.last.state : "none";
    bool paid =
        !strcmp(o->status, "paid") || !strcmp(o->status, "fulfilling") ||
        !strcmp(o->status, "shipped") || !strcmp(o->status, "delivered");
    bool dead =
        !strcmp(o->status, "payment_failed") || !strcmp(o->status, "cancelled");
    if (paid) {
      ck_assert_msg(held == 0 && confirmed == 1,
                    "paid order %s: held %lld confirmed %lld", o->id,
                    (long long)held, (long long)confirmed);
      ck_assert_msg(!strcmp(ps, "authorized") || !strcmp(ps, "captured"),
                    "paid order %s has payment %s", o->id, ps);
    } else if (dead && !strcmp(o->saga, "done")) {
      ck_assert_msg(held == 0, "dead order %s holds stock", o->id);
      ck_assert_msg(!strcmp(ps, "none") || !strcmp(ps, "failed") ||
                        !strcmp(ps, "voided") || !strcmp(ps, "refunded"),
                    "dead order %s has payment %s", o->id, ps);
      if (!strcmp(ps, "refunded"))
        ck_assert_int_eq(pa.last.captured, pa.last.refunded);
    } else {
      ck_assert_msg(!all_settled, "order %s left %s", o->id, o->status);
    }
  }
  size_t problems = 0;
  rc = tc_inventory_verify(e->ctx, tt_sys(), &problems);
  ck_assert_msg(rc == TC_OK, "inventory: %s", tc_errmsg(e->ctx));
  /* Never two charges: one approved authorization per order at most. */
  tc_sandbox_ledger lg = to_ledger(e);
  ck_assert_msg(lg.authorizations <= l.n, "%u charges for %zu orders",
                lg.authorizations, l.n);
}

tc_sandbox_ledger to_ledger(to_env *e) {
  tc_sandbox_ledger lg;
  ck_assert_int_eq(tc_payment_sandbox_ledger(&lg, e->sandbox), TC_OK);
  return lg;
}

static int64_t level_col(to_env *e, const char *sql, const char *sku) {
  return to_count(e, sql, sku);
}

int64_t to_on_hand(to_env *e, const char *sku) {
  return level_col(e,
                   "SELECT COALESCE(SUM(on_hand), 0) FROM inventory_stock "
                   "WHERE sku = ?",
                   sku);
}

int64_t to_reserved(to_env *e, const char *sku) {
  return level_col(e,
                   "SELECT COALESCE(SUM(reserved), 0) FROM inventory_stock "
                   "WHERE sku = ?",
                   sku);
}

void to_events_start(to_env *e) {
  ck_assert_int_eq(tc_events_subscribe(e->ctx, "to", "orders.*"), TC_OK);
}

int to_events_count(to_env *e, const char *topic, char *last, size_t size) {
  int n = 0;
  tc_queue_message *m = NULL;
  while (tc_events_take(e->ctx, "to", 60000, &m) == TC_OK) {
    if (!topic || !strcmp(m->topic, topic)) {
      n++;
      if (last) snprintf(last, size, "%s", m->payload);
    }
    tc_events_ack(e->ctx, m);
  }
  return n;
}
