/*
 * tests/test_inventory.c - the inventory module: warehouses, adjustments
 * and the ledger, reservations (allocation, idempotency, confirm, release,
 * expiry, sweep), availability through the cache, low-stock events, the
 * legacy feed and export, the JSON API, and every bad input leaving the
 * database as it was.
 */
#include <stdio.h>

#include "test_inventory_fixture.h"

static char dir[4096];
static tt_clock clk;
static tc_ctx *ctx;

#define T0 1700000000000LL
#define MIN 60000LL

static void setup(void) {
  tt_clock_init(&clk, T0);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  ti_setup(ctx);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
  ctx = NULL;
}

/* Run `call` expecting code `want` and an unchanged database. */
#define EXPECT_NOCHANGE(want, call)                                           \
  do {                                                                        \
    char *before_ = ti_snapshot(ctx);                                         \
    int rc_ = (call);                                                         \
    ck_assert_msg(rc_ == (want), "%s: got %s (%s), want %s", #call,           \
                  tc_status_name(rc_), tc_errmsg(ctx), tc_status_name(want)); \
    char *after_ = ti_snapshot(ctx);                                          \
    ck_assert_str_eq(before_, after_);                                        \
    free(before_);                                                            \
    free(after_);                                                             \
  } while (0)

static void assert_verified(void) {
  size_t problems = 99;
  int rc = tc_inventory_verify(ctx, tt_sys(), &problems);
  ck_assert_msg(rc == TC_OK, "verify: %s", tc_errmsg(ctx));
  ck_assert_uint_eq(problems, 0);
}

static int no_level(const tc_stock_level *v, void *payload) {
  (void)v;
  (void)payload;
  return 0;
}
#define NULL_LEVEL_CB no_level, NULL

static int collect_actor(const tc_ledger_entry *e, void *payload) {
  char *buf = payload;
  size_t n = strlen(buf);
  snprintf(buf + n, 256 - n, "%s;", e->actor);
  return 0;
}

static tc_reservation *reserve1(const char *key, const char *sku, int64_t qty) {
  tc_inventory_line l = {sku, qty};
  tc_reservation *r = NULL;
  int rc = tc_inventory_reserve(&r, ctx, tt_sys(), "order-1", key, &l, 1, 0);
  ck_assert_msg(rc == TC_OK, "reserve %s: %s", key, tc_errmsg(ctx));
  return r;
}

/* ---- who may: the typed functions decide, for a C host as for JSON ---- */

START_TEST(typed_functions_decide_who_may) {
  ti_stock(ctx, "SKU-A", "SP", 5);
  tc_principal cust =
      tt_user("00000000-0000-7000-8000-000000000001", TC_ROLE_CUSTOMER);
  tc_principal sup =
      tt_user("00000000-0000-7000-8000-000000000002", TC_ROLE_SUPPORT);
  tc_principal adm =
      tt_user("00000000-0000-7000-8000-000000000003", TC_ROLE_ADMIN);
  EXPECT_NOCHANGE(TC_EUNAUTHENTICATED,
                  tc_inventory_adjust(NULL, ctx, NULL, "SKU-A", "SP", 1,
                                      TC_STOCK_RECEIPT, NULL, NULL));
  EXPECT_NOCHANGE(TC_EDENIED,
                  tc_inventory_adjust(NULL, ctx, &cust, "SKU-A", "SP", 1,
                                      TC_STOCK_RECEIPT, NULL, NULL));
  EXPECT_NOCHANGE(TC_EDENIED,
                  tc_inventory_adjust(NULL, ctx, &sup, "SKU-A", "SP", 1,
                                      TC_STOCK_RECEIPT, NULL, NULL));
  /* Support reads levels, but not the ledger (an admin's). */
  ck_assert_int_eq(tc_inventory_levels(ctx, &cust, "SKU-A", NULL_LEVEL_CB),
                   TC_EDENIED);
  ck_assert_int_eq(tc_inventory_levels(ctx, &sup, "SKU-A", NULL_LEVEL_CB),
                   TC_OK);
  size_t problems = 0;
  ck_assert_int_eq(tc_inventory_verify(ctx, &sup, &problems), TC_EDENIED);
  ck_assert_int_eq(tc_inventory_verify(ctx, &adm, &problems), TC_OK);
  /* Availability is public. */
  int64_t n = 0;
  ck_assert_int_eq(tc_inventory_available(ctx, "SKU-A", &n), TC_OK);
  ck_assert_int_eq(n, 5);
  /* Without an actor the ledger names the caller. */
  ck_assert_int_eq(tc_inventory_adjust(NULL, ctx, &adm, "SKU-A", "SP", 2,
                                       TC_STOCK_RECEIPT, NULL, NULL),
                   TC_OK);
  tc_principal job = TC_PRINCIPAL_SYSTEM_INIT;
  snprintf(job.client_id, sizeof(job.client_id), "nightly");
  ck_assert_int_eq(tc_inventory_adjust(NULL, ctx, &job, "SKU-A", "SP", 3,
                                       TC_STOCK_RECEIPT, NULL, NULL),
                   TC_OK);
  char actors[256] = "";
  ck_assert_int_eq(tc_inventory_ledger(ctx, &adm, "SKU-A", "SP", NULL, 10,
                                       collect_actor, actors),
                   TC_OK);
  ck_assert_str_eq(actors,
                   "test;user:00000000-0000-7000-8000-000000000003;"
                   "system:nightly;");
}
END_TEST

/* ---- warehouses ------------------------------------------------------- */

static int count_wh(const tc_warehouse *w, void *payload) {
  char *order = payload;
  strcat(order, w->code);
  strcat(order, ",");
  return 0;
}

START_TEST(warehouses) {
  ti_wh(ctx, "BH-1", 5);
  char order[128] = "";
  ck_assert_int_eq(tc_inventory_warehouse_list(ctx, tt_sys(), count_wh, order),
                   TC_OK);
  ck_assert_str_eq(order, "BH-1,SP,RJ,");
  EXPECT_NOCHANGE(TC_ECONFLICT, tc_inventory_warehouse_create(
                                    ctx, tt_sys(), "SP", "again", 1, 1));
  ck_assert_str_eq(tc_errfield(ctx), "code");
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_warehouse_create(ctx, tt_sys(), "sp",
                                                           "lower", 1, 1));
  ck_assert_str_eq(tc_errfield(ctx), "code");
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_warehouse_create(ctx, tt_sys(), "X", "", 1, 1));
  ck_assert_str_eq(tc_errfield(ctx), "name");
  EXPECT_NOCHANGE(
      TC_EINVAL, tc_inventory_warehouse_create(ctx, tt_sys(), "X", "x", -1, 1));
  ck_assert_str_eq(tc_errfield(ctx), "priority");
  EXPECT_NOCHANGE(
      TC_EINVAL,
      tc_inventory_warehouse_create(
          ctx, tt_sys(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "long", 1, 1));
  EXPECT_NOCHANGE(TC_ENOTFOUND, tc_inventory_warehouse_update(
                                    ctx, tt_sys(), "NOPE", "x", -1, -1));
  ck_assert_int_eq(
      tc_inventory_warehouse_update(ctx, tt_sys(), "RJ", NULL, 1, 0), TC_OK);
  tc_warehouse w;
  ck_assert_int_eq(tc_inventory_warehouse_get(&w, ctx, tt_sys(), "RJ"), TC_OK);
  ck_assert_str_eq(w.name, "RJ");
  ck_assert_int_eq(w.priority, 1);
  ck_assert_int_eq(w.active, 0);
  ck_assert_int_eq(tc_inventory_warehouse_get(&w, ctx, tt_sys(), "NOPE"),
                   TC_ENOTFOUND);
}
END_TEST

/* ---- adjustments and the ledger --------------------------------------- */

static int collect_ledger(const tc_ledger_entry *e, void *payload) {
  int64_t *sum = payload;
  sum[0] += e->delta;
  sum[1]++;
  return 0;
}

START_TEST(adjust_and_ledger) {
  int64_t on_hand = 0;
  ck_assert_int_eq(tc_inventory_adjust(&on_hand, ctx, tt_sys(), "SKU-A", "SP",
                                       10, TC_STOCK_RECEIPT, "alice", "NF-1"),
                   TC_OK);
  ck_assert_int_eq(on_hand, 10);
  ck_assert_int_eq(tc_inventory_adjust(&on_hand, ctx, tt_sys(), "SKU-A", "SP",
                                       -3, TC_STOCK_ADJUSTMENT, "alice", NULL),
                   TC_OK);
  ck_assert_int_eq(on_hand, 7);
  ck_assert_int_eq(tc_inventory_adjust(&on_hand, ctx, tt_sys(), "SKU-A", "SP",
                                       2, TC_STOCK_RETURN, "bob", "RMA-9"),
                   TC_OK);
  ck_assert_int_eq(on_hand, 9);
  int64_t sum[2] = {0, 0};
  ck_assert_int_eq(tc_inventory_ledger(ctx, tt_sys(), "SKU-A", "SP", NULL, 100,
                                       collect_ledger, sum),
                   TC_OK);
  ck_assert_int_eq(sum[0], 9);
  ck_assert_int_eq(sum[1], 3);
  ti_level l = ti_level_of(ctx, "SKU-A", "SP");
  ck_assert_int_eq(l.on_hand, 9);
  assert_verified();

  /* bad input, none of it written */
  tc_reservation *r = reserve1("k1", "SKU-A", 4);
  EXPECT_NOCHANGE(TC_EINSUFFICIENT,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP", -6,
                                      TC_STOCK_ADJUSTMENT, "a", NULL));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "reserved"));
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP", 0,
                                      TC_STOCK_RECEIPT, "a", NULL));
  ck_assert_str_eq(tc_errfield(ctx), "delta");
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP",
                                      2000000000, TC_STOCK_RECEIPT, "a", NULL));
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP", -1,
                                      TC_STOCK_RECEIPT, "a", NULL));
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP", -1,
                                      TC_STOCK_SALE, "a", NULL));
  ck_assert_str_eq(tc_errfield(ctx), "reason");
  EXPECT_NOCHANGE(TC_ENOTFOUND,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "NO-SUCH", "SP", 1,
                                      TC_STOCK_RECEIPT, "a", NULL));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "NO-SUCH"));
  EXPECT_NOCHANGE(TC_ENOTFOUND,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "XX", 1,
                                      TC_STOCK_RECEIPT, "a", NULL));
  ck_assert_str_eq(tc_errfield(ctx), "warehouse");
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP", 1,
                                      TC_STOCK_RECEIPT, "", NULL));
  ck_assert_str_eq(tc_errfield(ctx), "actor");
  ck_assert_int_eq(tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "RJ",
                                       999999999, TC_STOCK_RECEIPT, "a", NULL),
                   TC_OK);
  EXPECT_NOCHANGE(TC_EOVERFLOW,
                  tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "RJ", 2,
                                      TC_STOCK_RECEIPT, "a", NULL));
  tc_inventory_reservation_free(ctx, r);
  assert_verified();
}
END_TEST

START_TEST(schema_checks_hold) {
  /* The CHECK constraints refuse a broken level even from raw SQL. */
  ti_stock(ctx, "SKU-A", "SP", 3);
  tc_store *s = tc_ctx_store(ctx);
  ck_assert_int_ne(
      s->exec(s->self, "UPDATE inventory_stock SET reserved = on_hand + 1",
              NULL, 0, NULL, NULL, NULL),
      TC_OK);
  ck_assert_int_ne(s->exec(s->self, "UPDATE inventory_stock SET reserved = -1",
                           NULL, 0, NULL, NULL, NULL),
                   TC_OK);
  /* and verify spots a level that disagrees with its ledger */
  ck_assert_int_eq(
      s->exec(s->self, "UPDATE inventory_stock SET on_hand = on_hand + 1", NULL,
              0, NULL, NULL, NULL),
      TC_OK);
  size_t problems = 0;
  ck_assert_int_eq(tc_inventory_verify(ctx, tt_sys(), &problems), TC_ECORRUPT);
  ck_assert_uint_eq(problems, 1);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "SKU-A/SP"));
}
END_TEST

/* ---- reservations ------------------------------------------------------ */

START_TEST(reserve_one_warehouse_when_possible) {
  ti_stock(ctx, "SKU-A", "SP", 5); /* SP has only A */
  ti_stock(ctx, "SKU-A", "RJ", 5);
  ti_stock(ctx, "SKU-B", "RJ", 5);
  tc_inventory_line lines[] = {{"SKU-B", 2}, {"SKU-A", 2}};
  tc_reservation *r = NULL;
  ck_assert_int_eq(
      tc_inventory_reserve(&r, ctx, tt_sys(), "order-1", "k1", lines, 2, 0),
      TC_OK);
  ck_assert_int_eq(r->state, TC_RESERVATION_HELD);
  ck_assert_int_eq(r->expires_ms, T0 + 15 * MIN);
  ck_assert_uint_eq(r->nallocs, 2);
  ck_assert_str_eq(r->allocs[0].sku, "SKU-A");
  ck_assert_str_eq(r->allocs[0].warehouse, "RJ");
  ck_assert_str_eq(r->allocs[1].warehouse, "RJ");
  tc_inventory_reservation_free(ctx, r);
  /* alone, A comes from the better warehouse */
  r = reserve1("k2", "SKU-A", 3);
  ck_assert_uint_eq(r->nallocs, 1);
  ck_assert_str_eq(r->allocs[0].warehouse, "SP");
  tc_inventory_reservation_free(ctx, r);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "RJ").reserved, 2);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 3);
  assert_verified();
}
END_TEST

START_TEST(reserve_split_and_duplicates) {
  ti_stock(ctx, "SKU-A", "SP", 3);
  ti_stock(ctx, "SKU-A", "RJ", 3);
  /* the same SKU twice is added up: 5 = SP 3 + RJ 2 */
  tc_inventory_line lines[] = {{"SKU-A", 4}, {"SKU-A", 1}};
  tc_reservation *r = NULL;
  ck_assert_int_eq(
      tc_inventory_reserve(&r, ctx, tt_sys(), "order-1", "k1", lines, 2, 0),
      TC_OK);
  ck_assert_uint_eq(r->nallocs, 2);
  ck_assert_str_eq(r->allocs[0].warehouse, "RJ");
  ck_assert_int_eq(r->allocs[0].qty, 2);
  ck_assert_str_eq(r->allocs[1].warehouse, "SP");
  ck_assert_int_eq(r->allocs[1].qty, 3);
  tc_inventory_reservation_free(ctx, r);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 1);
  /* an inactive warehouse is never picked */
  ck_assert_int_eq(
      tc_inventory_warehouse_update(ctx, tt_sys(), "RJ", NULL, -1, 0), TC_OK);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 0);
  tc_inventory_line one = {"SKU-A", 1};
  EXPECT_NOCHANGE(
      TC_EINSUFFICIENT,
      tc_inventory_reserve(&r, ctx, tt_sys(), "order-2", "k2", &one, 1, 0));
  assert_verified();
}
END_TEST

START_TEST(reserve_all_or_nothing) {
  ti_stock(ctx, "SKU-A", "SP", 5);
  ti_stock(ctx, "SKU-B", "SP", 1);
  tc_inventory_line lines[] = {{"SKU-A", 2}, {"SKU-B", 2}};
  tc_reservation *r = NULL;
  EXPECT_NOCHANGE(
      TC_EINSUFFICIENT,
      tc_inventory_reserve(&r, ctx, tt_sys(), "order-1", "k1", lines, 2, 0));
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "SKU-B"));
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 0);
  /* bad lines, named */
  tc_inventory_line bad[] = {{"SKU-A", 1}, {"SKU-B", 0}};
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_reserve(&r, ctx, tt_sys(), "o", "k", bad, 2, 0));
  ck_assert_str_eq(tc_errfield(ctx), "lines[1].qty");
  tc_inventory_line neg = {"SKU-A", -5};
  EXPECT_NOCHANGE(
      TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "o", "k", &neg, 1, 0));
  tc_inventory_line absurd = {"SKU-A", 5000000000LL};
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "o", "k",
                                                  &absurd, 1, 0));
  tc_inventory_line unknown = {"NOPE", 1};
  EXPECT_NOCHANGE(TC_ENOTFOUND, tc_inventory_reserve(&r, ctx, tt_sys(), "o",
                                                     "k", &unknown, 1, 0));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "NOPE"));
  tc_inventory_line empty_sku = {"", 1};
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "o", "k",
                                                  &empty_sku, 1, 0));
  ck_assert_str_eq(tc_errfield(ctx), "lines[0].sku");
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "o", "k",
                                                  lines, 0, 0));
  EXPECT_NOCHANGE(
      TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "", "k", lines, 1, 0));
  ck_assert_str_eq(tc_errfield(ctx), "owner");
  EXPECT_NOCHANGE(
      TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "o", "", lines, 1, 0));
  ck_assert_str_eq(tc_errfield(ctx), "key");
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_reserve(&r, ctx, tt_sys(), "o", "k",
                                                  lines, 1, -1));
  ck_assert_str_eq(tc_errfield(ctx), "ttl_ms");
}
END_TEST

START_TEST(reserve_idempotent) {
  ti_stock(ctx, "SKU-A", "SP", 5);
  tc_reservation *a = reserve1("key-1", "SKU-A", 2);
  ck_assert_int_eq(a->replayed, 0);
  tc_reservation *b = reserve1("key-1", "SKU-A", 2);
  ck_assert_str_eq(a->id, b->id);
  ck_assert_int_eq(b->replayed, 1);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 2);
  tc_inventory_line other = {"SKU-A", 3};
  tc_reservation *c = NULL;
  EXPECT_NOCHANGE(TC_ECONFLICT,
                  tc_inventory_reserve(&c, ctx, tt_sys(), "order-1", "key-1",
                                       &other, 1, 0));
  ck_assert_str_eq(tc_errfield(ctx), "key");
  tc_inventory_line same = {"SKU-A", 2};
  EXPECT_NOCHANGE(
      TC_ECONFLICT,
      tc_inventory_reserve(&c, ctx, tt_sys(), "order-2", "key-1", &same, 1, 0));
  /* still the same after it is confirmed */
  ck_assert_int_eq(tc_inventory_confirm(ctx, tt_sys(), a->id), TC_OK);
  c = reserve1("key-1", "SKU-A", 2);
  ck_assert_str_eq(c->id, a->id);
  ck_assert_int_eq(c->state, TC_RESERVATION_CONFIRMED);
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  tc_inventory_reservation_free(ctx, c);
  assert_verified();
}
END_TEST

static int count_sales(const tc_ledger_entry *e, void *payload) {
  if (e->reason == TC_STOCK_SALE) {
    int64_t *v = payload;
    v[0] += e->delta;
    ck_assert_str_eq(e->actor, "order-1");
  }
  return 0;
}

START_TEST(confirm_and_release) {
  ti_stock(ctx, "SKU-A", "SP", 10);
  tc_reservation *a = reserve1("k1", "SKU-A", 3);
  tc_reservation *b = reserve1("k2", "SKU-A", 2);
  ck_assert_int_eq(tc_inventory_confirm(ctx, tt_sys(), a->id), TC_OK);
  ti_level l = ti_level_of(ctx, "SKU-A", "SP");
  ck_assert_int_eq(l.on_hand, 7);
  ck_assert_int_eq(l.reserved, 2);
  int64_t sales[1] = {0};
  tc_inventory_ledger(ctx, tt_sys(), "SKU-A", NULL, NULL, 100, count_sales,
                      sales);
  ck_assert_int_eq(sales[0], -3);
  /* confirming twice changes nothing */
  EXPECT_NOCHANGE(TC_OK, tc_inventory_confirm(ctx, tt_sys(), a->id));
  /* a confirmed one cannot be released: both states named */
  EXPECT_NOCHANGE(TC_ESTATE, tc_inventory_release(ctx, tt_sys(), a->id));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "confirmed"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "held"));
  ck_assert_int_eq(tc_inventory_release(ctx, tt_sys(), b->id), TC_OK);
  l = ti_level_of(ctx, "SKU-A", "SP");
  ck_assert_int_eq(l.on_hand, 7);
  ck_assert_int_eq(l.reserved, 0);
  EXPECT_NOCHANGE(TC_OK, tc_inventory_release(ctx, tt_sys(), b->id));
  EXPECT_NOCHANGE(TC_ESTATE, tc_inventory_confirm(ctx, tt_sys(), b->id));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "released"));
  EXPECT_NOCHANGE(TC_ENOTFOUND,
                  tc_inventory_confirm(ctx, tt_sys(),
                                       "01890000-0000-7000-8000-000000000000"));
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_release(ctx, tt_sys(), "not-an-id"));
  tc_reservation *g = NULL;
  ck_assert_int_eq(tc_inventory_reservation_get(&g, ctx, tt_sys(), b->id),
                   TC_OK);
  ck_assert_int_eq(g->state, TC_RESERVATION_RELEASED);
  tc_inventory_reservation_free(ctx, g);
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  tc_inventory_reservation_free(NULL, NULL);
  assert_verified();
}
END_TEST

START_TEST(expiry_and_sweep) {
  tc_inventory_options o = TC_INVENTORY_OPTIONS_INIT;
  o.reservation_ttl_ms = 2 * MIN;
  ck_assert_int_eq(tc_inventory_configure(ctx, &o), TC_OK);
  ti_stock(ctx, "SKU-A", "SP", 10);
  ti_events_start(ctx);
  tc_reservation *a = reserve1("k1", "SKU-A", 1);
  tc_reservation *b = reserve1("k2", "SKU-A", 2);
  clk.now += MIN;
  tc_reservation *c = reserve1("k3", "SKU-A", 3);
  ck_assert_int_eq(c->expires_ms, T0 + 3 * MIN);
  tc_inventory_line l = {"SKU-A", 1};
  tc_reservation *d = NULL;
  ck_assert_int_eq(
      tc_inventory_reserve(&d, ctx, tt_sys(), "o", "k4", &l, 1, 10 * MIN),
      TC_OK);
  size_t n = 99;
  ck_assert_int_eq(tc_inventory_sweep(ctx, 0, 100, &n), TC_OK);
  ck_assert_uint_eq(n, 0);
  clk.now = T0 + 2 * MIN; /* a and b are due */
  ck_assert_int_eq(tc_inventory_sweep(ctx, 0, 1, &n), TC_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(tc_inventory_sweep(ctx, 0, 100, &n), TC_OK);
  ck_assert_uint_eq(n, 1);
  EXPECT_NOCHANGE(TC_OK, tc_inventory_sweep(ctx, 0, 100, &n));
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 4);
  /* confirm of a swept one: expired, nothing changes */
  EXPECT_NOCHANGE(TC_EEXPIRED, tc_inventory_confirm(ctx, tt_sys(), a->id));
  /* release of an expired one: nothing held, fine */
  EXPECT_NOCHANGE(TC_OK, tc_inventory_release(ctx, tt_sys(), b->id));
  /* confirm of a held one past its TTL: expired there and then */
  clk.now = T0 + 3 * MIN;
  ck_assert_int_eq(tc_inventory_confirm(ctx, tt_sys(), c->id), TC_EEXPIRED);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 1);
  tc_reservation *g = NULL;
  ck_assert_int_eq(tc_inventory_reservation_get(&g, ctx, tt_sys(), c->id),
                   TC_OK);
  ck_assert_int_eq(g->state, TC_RESERVATION_EXPIRED);
  tc_inventory_reservation_free(ctx, g);
  ck_assert_int_eq(ti_events_count(ctx, "inventory.expired", NULL, 0), 3);
  /* the explicit "now" of a sweep */
  ck_assert_int_eq(tc_inventory_sweep(ctx, T0 + 60 * MIN, 10, &n), TC_OK);
  ck_assert_uint_eq(n, 1);
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_sweep(ctx, 0, 0, &n));
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  tc_inventory_reservation_free(ctx, c);
  tc_inventory_reservation_free(ctx, d);
  assert_verified();
  o.reservation_ttl_ms = -1;
  ck_assert_int_eq(tc_inventory_configure(ctx, &o), TC_EINVAL);
}
END_TEST

/* ---- availability and the cache --------------------------------------- */

START_TEST(available_cached_and_invalidated) {
  ti_stock(ctx, "SKU-A", "SP", 4);
  ti_stock(ctx, "SKU-A", "RJ", 6);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 10);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 10); /* from the cache */
  tc_reservation *r = reserve1("k1", "SKU-A", 3);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 7);
  ck_assert_int_eq(tc_inventory_release(ctx, tt_sys(), r->id), TC_OK);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 10);
  tc_inventory_reservation_free(ctx, r);

  /* A second context sharing the cache sees the first one's change. */
  tc_cache *shared = NULL;
  ck_assert_int_eq(tc_cache_memory_new(&shared, NULL), TC_OK);
  tc_ctx *c1 = ti_ctx_on(dir, shared, &clk), *c2 = ti_ctx_on(dir, shared, &clk);
  int64_t n = 0;
  ck_assert_int_eq(tc_inventory_available(c1, "SKU-A", &n), TC_OK);
  ck_assert_int_eq(n, 10);
  ck_assert_int_eq(tc_inventory_adjust(NULL, c2, tt_sys(), "SKU-A", "SP", -4,
                                       TC_STOCK_ADJUSTMENT, "t", NULL),
                   TC_OK);
  ck_assert_int_eq(tc_inventory_available(c1, "SKU-A", &n), TC_OK);
  ck_assert_int_eq(n, 6);

  /* A lying cache entry never lets a reservation through. */
  char gen[64], val[64];
  int64_t g = 0;
  snprintf(gen, sizeof(gen), "inv:gen:%s", "SKU-A");
  snprintf(val, sizeof(val), "inv:avail:%s", "SKU-A");
  int64_t w = 0;
  ck_assert_int_eq(shared->incr(shared->self, gen, 0, 0, &g), TC_OK);
  ck_assert_int_eq(shared->incr(shared->self, "inv:gen:*", 0, 0, &w), TC_OK);
  char lie[64];
  int len =
      snprintf(lie, sizeof(lie), "%lld:%lld:1000", (long long)w, (long long)g);
  ck_assert_int_eq(shared->set(shared->self, val, lie, (size_t)len, 0), TC_OK);
  ck_assert_int_eq(tc_inventory_available(c1, "SKU-A", &n), TC_OK);
  ck_assert_int_eq(n, 1000);
  tc_inventory_line l = {"SKU-A", 7};
  tc_reservation *x = NULL;
  ck_assert_int_eq(tc_inventory_reserve(&x, c1, tt_sys(), "o", "kx", &l, 1, 0),
                   TC_EINSUFFICIENT);
  ti_ctx_close(c1);
  ti_ctx_close(c2);
  shared->free(shared->self);

  EXPECT_NOCHANGE(TC_ENOTFOUND, tc_inventory_available(ctx, "NOPE", &n));
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_available(ctx, "", &n));
}
END_TEST

/* ---- low stock --------------------------------------------------------- */

START_TEST(low_stock_once_per_crossing) {
  ti_stock(ctx, "SKU-A", "SP", 10);
  ck_assert_int_eq(tc_inventory_set_threshold(ctx, tt_sys(), "SKU-A", 5),
                   TC_OK);
  ti_events_start(ctx);
  char payload[512] = "";
  tc_reservation *a = reserve1("k1", "SKU-A", 4); /* 6 left */
  ck_assert_int_eq(ti_events_count(ctx, "inventory.low_stock", NULL, 0), 0);
  tc_reservation *b = reserve1("k2", "SKU-A", 2); /* 4: crosses */
  ck_assert_int_eq(
      ti_events_count(ctx, "inventory.low_stock", payload, sizeof(payload)), 1);
  ck_assert_ptr_nonnull(strstr(payload, "\"available\":4"));
  tc_reservation *c = reserve1("k3", "SKU-A", 1); /* 3: still below */
  ck_assert_int_eq(ti_events_count(ctx, "inventory.low_stock", NULL, 0), 0);
  ck_assert_int_eq(tc_inventory_release(ctx, tt_sys(), b->id),
                   TC_OK); /* 5: above */
  ck_assert_int_eq(tc_inventory_release(ctx, tt_sys(), c->id), TC_OK); /* 6 */
  ck_assert_int_eq(ti_events_count(ctx, "inventory.low_stock", NULL, 0), 0);
  ck_assert_int_eq(tc_inventory_adjust(NULL, ctx, tt_sys(), "SKU-A", "SP", -2,
                                       TC_STOCK_ADJUSTMENT, "t", NULL),
                   TC_OK); /* 4: crosses again */
  ck_assert_int_eq(ti_events_count(ctx, "inventory.low_stock", NULL, 0), 1);
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_set_threshold(ctx, tt_sys(), "SKU-A", -1));
  EXPECT_NOCHANGE(TC_ENOTFOUND,
                  tc_inventory_set_threshold(ctx, tt_sys(), "NOPE", 1));
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  tc_inventory_reservation_free(ctx, c);
}
END_TEST

START_TEST(events_published) {
  ti_events_start(ctx);
  ti_stock(ctx, "SKU-A", "SP", 10);
  char p[1024];
  ck_assert_int_eq(ti_events_count(ctx, "inventory.adjusted", p, sizeof(p)), 1);
  ck_assert_ptr_nonnull(strstr(p, "\"reason\":\"receipt\""));
  tc_reservation *a = reserve1("k1", "SKU-A", 1);
  tc_reservation *b = reserve1("k2", "SKU-A", 1);
  ck_assert_int_eq(tc_inventory_confirm(ctx, tt_sys(), a->id), TC_OK);
  ck_assert_int_eq(tc_inventory_release(ctx, tt_sys(), b->id), TC_OK);
  ck_assert_int_eq(ti_events_count(ctx, "inventory.reserved", p, sizeof(p)), 2);
  ck_assert_ptr_nonnull(strstr(p, b->id));
  ck_assert_ptr_nonnull(strstr(p, "\"warehouse\":\"SP\""));
  ck_assert_int_eq(ti_events_count(ctx, "inventory.confirmed", p, sizeof(p)),
                   0); /* counted (and acked) above with the others */
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
}
END_TEST

START_TEST(events_all_topics) {
  ti_events_start(ctx);
  ti_stock(ctx, "SKU-A", "SP", 10);
  tc_reservation *a = reserve1("k1", "SKU-A", 1);
  tc_reservation *b = reserve1("k2", "SKU-A", 1);
  tc_reservation *c = reserve1("k3", "SKU-A", 1);
  ck_assert_int_eq(tc_inventory_confirm(ctx, tt_sys(), a->id), TC_OK);
  ck_assert_int_eq(tc_inventory_release(ctx, tt_sys(), b->id), TC_OK);
  size_t n;
  ck_assert_int_eq(tc_inventory_sweep(ctx, T0 + 99 * MIN, 10, &n), TC_OK);
  ck_assert_int_eq(tc_inventory_set_threshold(ctx, tt_sys(), "SKU-A", 100),
                   TC_OK);
  const char *feed = "sku,warehouse,quantity\nSKU-A,SP,1\n";
  tc_sync_result *res = NULL;
  ck_assert_int_eq(tc_inventory_import(&res, ctx, tt_sys(), "f1", TC_FEED_CSV,
                                       feed, strlen(feed), NULL),
                   TC_OK);
  tc_inventory_sync_result_free(ctx, res);
  /* take them in publish order */
  const char *want[] = {"inventory.adjusted",  "inventory.reserved",
                        "inventory.reserved",  "inventory.reserved",
                        "inventory.confirmed", "inventory.released",
                        "inventory.expired",   "inventory.synced"};
  tc_queue_message *m = NULL;
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    ck_assert_int_eq(tc_events_take(ctx, "ti", 60000, &m), TC_OK);
    ck_assert_str_eq(m->topic, want[i]);
    ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  }
  ck_assert_int_eq(tc_events_take(ctx, "ti", 60000, &m), TC_EEMPTY);
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  tc_inventory_reservation_free(ctx, c);
}
END_TEST

/* ---- legacy feed ------------------------------------------------------- */

static tc_sync_result *import_ok(const char *id, tc_feed_format f,
                                 const char *data, const tc_import_options *o) {
  tc_sync_result *r = NULL;
  int rc = tc_inventory_import(&r, ctx, tt_sys(), id, f, data, strlen(data), o);
  ck_assert_msg(rc == TC_OK, "import %s: %s", id, tc_errmsg(ctx));
  return r;
}

START_TEST(feed_csv_absolute_delta_and_replay) {
  ti_stock(ctx, "SKU-A", "SP", 5);
  const char *feed =
      "sku,warehouse,quantity,mode\r\n"
      "SKU-A,SP,8,\r\n"
      "\"SKU-B\",\"RJ\",3,set\r\n"
      "SKU-A,RJ,\"2\",delta\r\n"
      "\r\n"
      "SKU-C,SP,0,\r\n";
  tc_sync_result *r = import_ok("feed-1", TC_FEED_CSV, feed, NULL);
  ck_assert_int_eq(r->replayed, 0);
  ck_assert_int_eq(r->had_bom, 0);
  ck_assert_uint_eq(r->rows, 4);
  ck_assert_uint_eq(r->nchanges, 3); /* SKU-C stays 0 */
  ck_assert_str_eq(r->changes[0].sku, "SKU-A");
  ck_assert_int_eq(r->changes[0].old_on_hand, 5);
  ck_assert_int_eq(r->changes[0].new_on_hand, 8);
  ck_assert_str_eq(r->changes[1].warehouse, "RJ");
  ck_assert_int_eq(r->changes[1].new_on_hand, 3);
  ck_assert_int_eq(r->changes[2].old_on_hand, 0);
  ck_assert_int_eq(r->changes[2].new_on_hand, 2);
  tc_inventory_sync_result_free(ctx, r);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").on_hand, 8);
  assert_verified();
  /* the same feed again: nothing changes, same result */
  char *before = ti_snapshot(ctx);
  r = import_ok("feed-1", TC_FEED_CSV, feed, NULL);
  char *after = ti_snapshot(ctx);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  ck_assert_int_eq(r->replayed, 1);
  ck_assert_uint_eq(r->nchanges, 3);
  ck_assert_int_eq(r->changes[2].new_on_hand, 2);
  tc_inventory_sync_result_free(ctx, r);
  /* same id, other bytes */
  EXPECT_NOCHANGE(TC_ECONFLICT,
                  tc_inventory_import(&r, ctx, tt_sys(), "feed-1", TC_FEED_CSV,
                                      "sku,warehouse,quantity\n", 23, NULL));
  ck_assert_str_eq(tc_errfield(ctx), "feed_id");
  /* delta as the default mode */
  tc_import_options o = TC_IMPORT_OPTIONS_INIT;
  o.mode = TC_FEED_DELTA;
  o.actor = "legacy-erp";
  r = import_ok("feed-2", TC_FEED_CSV, "sku,warehouse,quantity\nSKU-A,SP,-3\n",
                &o);
  ck_assert_int_eq(r->changes[0].new_on_hand, 5);
  tc_inventory_sync_result_free(ctx, r);
  assert_verified();
}
END_TEST

START_TEST(feed_csv_quoting) {
  /* RFC 4180: quotes, doubled quotes, commas and line breaks inside */
  const char *feed =
      "\"sku\",\"warehouse\",\"quantity\"\n"
      "\"SKU-A\",SP,\"7\"\n";
  tc_sync_result *r = import_ok("q1", TC_FEED_CSV, feed, NULL);
  ck_assert_uint_eq(r->nchanges, 1);
  tc_inventory_sync_result_free(ctx, r);
  const char *bad = "sku,warehouse,quantity\n\"SKU-\"\"A\",SP,1\n";
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_import(&r, ctx, tt_sys(), "q2", TC_FEED_CSV, bad,
                                      strlen(bad), NULL));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "line 2"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "unknown SKU"));
  const char *multi = "sku,warehouse,quantity\n\"SKU\nA\",SP,1\nSKU-B,SP,x\n";
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_import(&r, ctx, tt_sys(), "q3", TC_FEED_CSV,
                                      multi, strlen(multi), NULL));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "line 2"));
  const char *unterminated = "sku,warehouse,quantity\nSKU-A,SP,\"1\n";
  EXPECT_NOCHANGE(
      TC_EINVAL, tc_inventory_import(&r, ctx, tt_sys(), "q4", TC_FEED_CSV,
                                     unterminated, strlen(unterminated), NULL));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "unterminated"));
  const char *stray = "sku,warehouse,quantity\nSKU-A,SP,1\nSK\"U,SP,1\n";
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_import(&r, ctx, tt_sys(), "q5", TC_FEED_CSV,
                                      stray, strlen(stray), NULL));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "line 3"));
}
END_TEST

/* Each bad feed: TC_EINVAL (or want), the message names the line, and the
 * database is unchanged. */
static void bad_feed(tc_feed_format f, const char *data, size_t len, int want,
                     const char *needle) {
  tc_sync_result *r = NULL;
  EXPECT_NOCHANGE(
      want, tc_inventory_import(&r, ctx, tt_sys(), "bad", f, data, len, NULL));
  ck_assert_ptr_null(r);
  ck_assert_msg(strstr(tc_errmsg(ctx), needle) != NULL,
                "message '%s' lacks '%s'", tc_errmsg(ctx), needle);
}

#define BAD_CSV(data, needle) \
  bad_feed(TC_FEED_CSV, data, strlen(data), TC_EINVAL, needle)

START_TEST(feed_bad_rows) {
  ti_stock(ctx, "SKU-A", "SP", 5);
  tc_reservation *r = reserve1("k1", "SKU-A", 4);
  BAD_CSV("", "header row");
  BAD_CSV("sku,quantity\nSKU-A,1\n", "line 1: the header row");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,1\nSKU-A,SP\n",
          "line 3: expected 3 columns, got 2");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,1,2\n",
          "line 2: expected 3 columns, got 4");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,1.5\n", "line 2: quantity '1.5'");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP, 1\n", "not a whole number");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,\n", "line 2: quantity");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,99999999999\n", "out of range");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,1\nNOPE,SP,1\n",
          "line 3: unknown SKU 'NOPE'");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,XX,1\n",
          "line 2: unknown warehouse 'XX'");
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,-1\n", "line 2: negative level");
  BAD_CSV("sku,warehouse,quantity\nSKU-B,SP,3\nSKU-A,SP,3\n",
          "line 3: level 3 of SKU-A in SP is below the 4 units reserved");
  BAD_CSV("sku,warehouse,quantity,mode\nSKU-A,SP,-9,delta\n",
          "line 2: level of SKU-A in SP would become -4");
  BAD_CSV("sku,warehouse,quantity,mode\nSKU-A,SP,1,sometimes\n",
          "line 2: mode 'sometimes'");
  /* encodings */
  BAD_CSV("sku,warehouse,quantity\nSKU-A,SP,1\nSKU-\xC3\x28,SP,1\n",
          "line 3: invalid UTF-8");
  bad_feed(TC_FEED_CSV, "\xFF\xFEs\0k\0u\0", 8, TC_EINVAL, "UTF-16");
  bad_feed(TC_FEED_CSV, "\xFE\xFF\0s\0k\0u", 8, TC_EINVAL, "UTF-16");
  bad_feed(TC_FEED_CSV, "\xFF\xFE\0\0s\0\0\0", 8, TC_EINVAL, "UTF-32");
  bad_feed(TC_FEED_CSV, "sku,warehouse,quantity\nSKU-A,SP,1\0\n", 35, TC_EINVAL,
           "line 2: NUL byte");
  /* absurd ids, formats */
  tc_sync_result *res = NULL;
  EXPECT_NOCHANGE(TC_EINVAL, tc_inventory_import(&res, ctx, tt_sys(), "",
                                                 TC_FEED_CSV, "x", 1, NULL));
  ck_assert_str_eq(tc_errfield(ctx), "feed_id");
  EXPECT_NOCHANGE(TC_EINVAL,
                  tc_inventory_import(&res, ctx, tt_sys(), "f",
                                      (tc_feed_format)9, "x", 1, NULL));
  ck_assert_str_eq(tc_errfield(ctx), "format");
  tc_inventory_reservation_free(ctx, r);
  assert_verified();
}
END_TEST

START_TEST(feed_bom_accepted) {
  const char *feed = "\xEF\xBB\xBFsku,warehouse,quantity\nSKU-A,SP,3\n";
  tc_sync_result *r = import_ok("bom", TC_FEED_CSV, feed, NULL);
  ck_assert_int_eq(r->had_bom, 1);
  ck_assert_uint_eq(r->nchanges, 1);
  tc_inventory_sync_result_free(ctx, r);
  r = import_ok("bom-json", TC_FEED_JSON,
                "\xEF\xBB\xBF[{\"sku\":\"SKU-B\",\"warehouse\":\"SP\","
                "\"quantity\":2}]",
                NULL);
  ck_assert_int_eq(r->had_bom, 1);
  tc_inventory_sync_result_free(ctx, r);
}
END_TEST

START_TEST(feed_limits) {
  tc_inventory_options o = TC_INVENTORY_OPTIONS_INIT;
  o.max_feed_bytes = 64;
  o.max_feed_rows = 2;
  ck_assert_int_eq(tc_inventory_configure(ctx, &o), TC_OK);
  char big[200];
  memset(big, 'x', sizeof(big));
  bad_feed(TC_FEED_CSV, big, sizeof(big), TC_ELIMIT, "limit is 64 bytes");
  BAD_CSV("", "header"); /* still parsed when small */
  bad_feed(TC_FEED_CSV, "sku,warehouse,quantity\nA,SP,1\nA,SP,1\nA,SP,1\n", 44,
           TC_ELIMIT, "line 4: the feed has more than 2 rows");
  const char *js = "[{},{},{}]";
  bad_feed(TC_FEED_JSON, js, strlen(js), TC_ELIMIT, "more than 2 rows");
}
END_TEST

START_TEST(feed_huge_default_limit) {
  /* over the default 16 MiB: refused before it is read */
  size_t n = ((size_t)16 << 20) + 1;
  char *big = malloc(n);
  ck_assert_ptr_nonnull(big);
  memset(big, 'a', n);
  bad_feed(TC_FEED_CSV, big, n, TC_ELIMIT, "the limit is 16777216 bytes");
  free(big);
}
END_TEST

START_TEST(feed_json) {
  ti_stock(ctx, "SKU-A", "SP", 1);
  const char *feed =
      "[\n"
      " {\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"quantity\":4},\n"
      " {\"sku\":\"SKU-B\",\"warehouse\":\"RJ\",\"quantity\":2,"
      "\"mode\":\"delta\"}\n"
      "]";
  tc_sync_result *r = import_ok("j1", TC_FEED_JSON, feed, NULL);
  ck_assert_uint_eq(r->nchanges, 2);
  ck_assert_int_eq(r->changes[0].old_on_hand, 1);
  ck_assert_int_eq(r->changes[0].new_on_hand, 4);
  tc_inventory_sync_result_free(ctx, r);
  bad_feed(TC_FEED_JSON, "{\"sku\":1}", 9, TC_EINVAL, "JSON array");
  const char *broken = "[\n{\"sku\":\"SKU-A\",\n\"warehouse\":}\n]";
  bad_feed(TC_FEED_JSON, broken, strlen(broken), TC_EINVAL,
           "line 3: not valid JSON");
  const char *frac =
      "[{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"quantity\":1},"
      "{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"quantity\":1.5}]";
  bad_feed(TC_FEED_JSON, frac, strlen(frac), TC_EINVAL,
           "item 2: quantity '(fraction)'");
  const char *extra =
      "[{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"quantity\":1,\"x\":1}]";
  bad_feed(TC_FEED_JSON, extra, strlen(extra), TC_EINVAL,
           "item 1: unknown member 'x'");
  const char *missing = "[{\"sku\":\"SKU-A\",\"warehouse\":\"SP\"}]";
  bad_feed(TC_FEED_JSON, missing, strlen(missing), TC_EINVAL,
           "item 1: quantity is required");
  const char *notobj = "[1]";
  bad_feed(TC_FEED_JSON, notobj, 3, TC_EINVAL, "item 1: not an object");
  const char *neg =
      "[{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"quantity\":-2}]";
  bad_feed(TC_FEED_JSON, neg, strlen(neg), TC_EINVAL, "item 1: negative level");
  assert_verified();
}
END_TEST

START_TEST(feed_skip_invalid) {
  tc_import_options o = TC_IMPORT_OPTIONS_INIT;
  o.skip_invalid = 1;
  const char *feed =
      "sku,warehouse,quantity\nSKU-A,SP,4\nNOPE,SP,1\nSKU-B,SP,x\nSKU-B,RJ,6\n";
  tc_sync_result *r = import_ok("s1", TC_FEED_CSV, feed, &o);
  ck_assert_uint_eq(r->nchanges, 2);
  ck_assert_uint_eq(r->nerrors, 2);
  ck_assert_uint_eq(r->errors[0].line, 3);
  ck_assert_ptr_nonnull(strstr(r->errors[0].reason, "unknown SKU"));
  ck_assert_uint_eq(r->errors[1].line, 4);
  tc_inventory_sync_result_free(ctx, r);
  r = import_ok("s1", TC_FEED_CSV, feed, &o);
  ck_assert_int_eq(r->replayed, 1);
  ck_assert_uint_eq(r->nerrors, 2);
  ck_assert_uint_eq(r->errors[1].line, 4);
  tc_inventory_sync_result_free(ctx, r);
  assert_verified();
}
END_TEST

START_TEST(export_formats) {
  ti_stock(ctx, "SKU-B", "RJ", 2);
  ti_stock(ctx, "SKU-A", "SP", 5);
  ti_stock(ctx, "SKU-A", "RJ", 1);
  tc_reservation *r = reserve1("k1", "SKU-A", 2);
  tc_buf b = TC_BUF_INIT;
  ck_assert_int_eq(tc_inventory_export(&b, ctx, tt_sys(), TC_FEED_CSV), TC_OK);
  ck_assert_str_eq(b.ptr,
                   "sku,warehouse,on_hand,reserved,available\r\n"
                   "SKU-A,RJ,1,0,1\r\n"
                   "SKU-A,SP,5,2,3\r\n"
                   "SKU-B,RJ,2,0,2\r\n");
  tc_buf_clear(&b);
  ck_assert_int_eq(tc_inventory_export(&b, ctx, tt_sys(), TC_FEED_JSON), TC_OK);
  ck_assert_str_eq(
      b.ptr,
      "[{\"sku\":\"SKU-A\",\"warehouse\":\"RJ\",\"on_hand\":1,\"reserved\":0,"
      "\"available\":1},{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"on_hand\":5,"
      "\"reserved\":2,\"available\":3},{\"sku\":\"SKU-B\",\"warehouse\":"
      "\"RJ\",\"on_hand\":2,\"reserved\":0,\"available\":2}]");
  tc_buf_clear(&b);
  ck_assert_int_eq(tc_inventory_export(&b, ctx, tt_sys(), (tc_feed_format)0),
                   TC_EINVAL);
  tc_buf_dispose(&b);
  tc_inventory_reservation_free(ctx, r);
}
END_TEST

static int count_levels(const tc_stock_level *l, void *payload) {
  (void)l;
  (*(int *)payload)++;
  return 0;
}

START_TEST(levels_paging) {
  ti_stock(ctx, "SKU-A", "SP", 1);
  ti_stock(ctx, "SKU-A", "RJ", 1);
  ti_stock(ctx, "SKU-B", "SP", 1);
  int n = 0;
  char next[128];
  ck_assert_int_eq(
      tc_inventory_levels_page(ctx, tt_sys(), NULL, 2, count_levels, &n, next),
      TC_OK);
  ck_assert_int_eq(n, 2);
  ck_assert_str_eq(next, "SP:SKU-A");
  ck_assert_int_eq(
      tc_inventory_levels_page(ctx, tt_sys(), next, 2, count_levels, &n, next),
      TC_OK);
  ck_assert_int_eq(n, 3);
  ck_assert_str_eq(next, "");
  ck_assert_int_eq(tc_inventory_levels_page(ctx, tt_sys(), "garbage", 2,
                                            count_levels, &n, next),
                   TC_EINVAL);
  n = 0;
  ck_assert_int_eq(
      tc_inventory_levels(ctx, tt_sys(), "SKU-A", count_levels, &n), TC_OK);
  ck_assert_int_eq(n, 2);
}
END_TEST

/* ---- JSON API ---------------------------------------------------------- */

#define CALL(who, method, req, want)                                \
  do {                                                              \
    free(out);                                                      \
    int rc_ = tt_call(ctx, who, method, req, &out);                 \
    ck_assert_msg(rc_ == (want), "%s: %s -> %s", method, req, out); \
  } while (0)

START_TEST(json_api) {
  tc_principal sys = tt_system(), admin = tt_user("u-admin", TC_ROLE_ADMIN);
  tc_principal cust = tt_user("u-cust", TC_ROLE_CUSTOMER);
  tc_principal sup = tt_user("u-sup", TC_ROLE_SUPPORT);
  char *out = NULL;
  CALL(&admin, "inventory.warehouse_create",
       "{\"code\":\"POA\",\"name\":\"Porto Alegre\",\"priority\":30}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"active\":true"));
  CALL(&cust, "inventory.warehouse_create", "{\"code\":\"X\",\"name\":\"x\"}",
       TC_EDENIED);
  CALL(NULL, "inventory.warehouses", "{}", TC_EUNAUTHENTICATED);
  CALL(&admin, "inventory.warehouse_create",
       "{\"code\":\"bad code\","
       "\"name\":\"x\"}",
       TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"code\""));
  CALL(&admin, "inventory.warehouse_update",
       "{\"code\":\"POA\",\"active\":false}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"active\":false"));
  CALL(&admin, "inventory.warehouses", "{}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"POA\""));
  CALL(&admin, "inventory.adjust",
       "{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"delta\":5,"
       "\"reason\":\"receipt\",\"reference\":\"NF-7\"}",
       TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"on_hand\":5"));
  CALL(&admin, "inventory.adjust",
       "{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"delta\":5,"
       "\"reason\":\"sale\"}",
       TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"reason\""));
  CALL(&admin, "inventory.adjust",
       "{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"delta\":5000000000,"
       "\"reason\":\"receipt\"}",
       TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"delta\""));
  CALL(&cust, "inventory.adjust",
       "{\"sku\":\"SKU-A\",\"warehouse\":\"SP\",\"delta\":5,"
       "\"reason\":\"receipt\"}",
       TC_EDENIED);
  CALL(NULL, "inventory.available", "{\"sku\":\"SKU-A\"}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"available\":5"));
  CALL(&cust, "inventory.levels", "{\"sku\":\"SKU-A\"}", TC_EDENIED);
  CALL(&sup, "inventory.levels", "{\"sku\":\"SKU-A\"}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"reserved\":0"));
  CALL(&sup, "inventory.levels", "{\"limit\":1}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"next_cursor\":\"SP:SKU-A\""));
  /* reservations: the order flow (system) */
  CALL(&cust, "inventory.reserve",
       "{\"owner\":\"o1\",\"key\":\"k1\",\"lines\":[{\"sku\":\"SKU-A\","
       "\"qty\":1}]}",
       TC_EDENIED);
  CALL(&sys, "inventory.reserve",
       "{\"owner\":\"o1\",\"key\":\"k1\",\"lines\":[{\"sku\":\"SKU-A\","
       "\"qty\":0}]}",
       TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"lines[0].qty\""));
  CALL(&sys, "inventory.reserve",
       "{\"owner\":\"o1\",\"key\":\"k1\",\"lines\":[{\"sku\":\"SKU-A\","
       "\"qty\":9}]}",
       TC_EINSUFFICIENT);
  CALL(&sys, "inventory.reserve",
       "{\"owner\":\"o1\",\"key\":\"k1\",\"lines\":[{\"sku\":\"SKU-A\","
       "\"qty\":2}],\"ttl_ms\":60000}",
       TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"state\":\"held\""));
  ck_assert_ptr_nonnull(strstr(out, "\"warehouse\":\"SP\""));
  char id[37];
  const char *p = strstr(out, "\"id\":\"");
  ck_assert_ptr_nonnull(p);
  memcpy(id, p + 6, 36);
  id[36] = '\0';
  char req[128];
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", id);
  CALL(&sup, "inventory.reservation", req, TC_OK);
  CALL(&sys, "inventory.confirm", req, TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"state\":\"confirmed\""));
  CALL(&sys, "inventory.release", req, TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(out, "is confirmed"));
  CALL(&admin, "inventory.sweep", "{}", TC_EDENIED);
  CALL(&sys, "inventory.sweep", "{\"limit\":10}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"released\":0"));
  CALL(&admin, "inventory.set_threshold", "{\"sku\":\"SKU-A\",\"threshold\":2}",
       TC_OK);
  CALL(&admin, "inventory.ledger", "{\"sku\":\"SKU-A\",\"limit\":1}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"reason\":\"receipt\""));
  ck_assert_ptr_nonnull(strstr(out, "\"actor\":\"user:u-admin\""));
  ck_assert_ptr_nonnull(strstr(out, "\"next_cursor\""));
  CALL(&admin, "inventory.verify", "{}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"ok\":true"));
  /* feeds */
  CALL(&admin, "inventory.import",
       "{\"feed_id\":\"api-1\",\"format\":\"csv\",\"data\":"
       "\"sku,warehouse,quantity\\nSKU-B,RJ,7\\n\"}",
       TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"new\":7"));
  CALL(&admin, "inventory.import",
       "{\"feed_id\":\"api-2\",\"format\":\"csv\",\"data\":"
       "\"sku,warehouse,quantity\\nSKU-B,RJ\\n\"}",
       TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "line 2"));
  CALL(&admin, "inventory.import",
       "{\"feed_id\":\"api-3\",\"format\":\"xml\",\"data\":\"\"}", TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"format\""));
  CALL(&cust, "inventory.import",
       "{\"feed_id\":\"api-4\",\"format\":\"csv\",\"data\":\"\"}", TC_EDENIED);
  CALL(&admin, "inventory.export", "{\"format\":\"csv\"}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "SKU-B,RJ,7,0,7"));
  CALL(&admin, "inventory.export", "{\"format\":\"json\"}", TC_OK);
  CALL(&admin, "system.methods", "{}", TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "inventory.reserve"));
  free(out);
  assert_verified();
}
END_TEST

/* Every allocation of a reserve and of an import fails in turn: the call
 * reports TC_ENOMEM (never crashes) and leaves the database unchanged. */
START_TEST(allocation_failures) {
  ti_stock(ctx, "SKU-A", "SP", 5);
  ti_stock(ctx, "SKU-B", "RJ", 5);
  char path[4200];
  snprintf(path, sizeof(path), "%s/test.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  tt_alloc a;
  tt_alloc_init(&a, 0);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.allocator = &a.alloc;
  cfg.clock = &clk.clock;
  tc_ctx *c = NULL;
  ck_assert_int_eq(tc_ctx_new(&c, &cfg), TC_OK);
  tc_inventory_line lines[] = {{"SKU-A", 2}, {"SKU-B", 1}};
  const char *feed = "sku,warehouse,quantity\nSKU-A,SP,9\nSKU-C,RJ,1\n";
  for (int which = 0; which < 2; which++) {
    int rc = TC_ENOMEM;
    for (long k = 1; k < 500 && rc == TC_ENOMEM; k++) {
      char *before = ti_snapshot(ctx);
      a.fail_at = a.calls + k;
      if (which == 0) {
        tc_reservation *r = NULL;
        rc = tc_inventory_reserve(&r, c, tt_sys(), "o", "alloc", lines, 2, 0);
        tc_inventory_reservation_free(c, r);
      } else {
        tc_sync_result *r = NULL;
        rc = tc_inventory_import(&r, c, tt_sys(), "alloc", TC_FEED_CSV, feed,
                                 strlen(feed), NULL);
        tc_inventory_sync_result_free(c, r);
      }
      a.fail_at = 0;
      char *after = ti_snapshot(ctx);
      ck_assert_msg(rc == TC_OK || rc == TC_ENOMEM, "k=%ld: %s", k,
                    tc_errmsg(c));
      if (rc == TC_ENOMEM) ck_assert_str_eq(before, after);
      free(before);
      free(after);
    }
    ck_assert_int_eq(rc, TC_OK);
  }
  tc_ctx_free(c);
  store->free(store->self);
  ck_assert_int_eq(a.live, 0);
  assert_verified();
}
END_TEST

static Suite *inventory_suite(void) {
  Suite *s = suite_create("inventory");
  TCase *tc = tcase_create("inventory");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, typed_functions_decide_who_may);
  tcase_add_test(tc, warehouses);
  tcase_add_test(tc, adjust_and_ledger);
  tcase_add_test(tc, schema_checks_hold);
  tcase_add_test(tc, reserve_one_warehouse_when_possible);
  tcase_add_test(tc, reserve_split_and_duplicates);
  tcase_add_test(tc, reserve_all_or_nothing);
  tcase_add_test(tc, reserve_idempotent);
  tcase_add_test(tc, confirm_and_release);
  tcase_add_test(tc, expiry_and_sweep);
  tcase_add_test(tc, available_cached_and_invalidated);
  tcase_add_test(tc, low_stock_once_per_crossing);
  tcase_add_test(tc, events_published);
  tcase_add_test(tc, events_all_topics);
  tcase_add_test(tc, feed_csv_absolute_delta_and_replay);
  tcase_add_test(tc, feed_csv_quoting);
  tcase_add_test(tc, feed_bad_rows);
  tcase_add_test(tc, feed_bom_accepted);
  tcase_add_test(tc, feed_limits);
  tcase_add_test(tc, feed_huge_default_limit);
  tcase_add_test(tc, feed_json);
  tcase_add_test(tc, feed_skip_invalid);
  tcase_add_test(tc, export_formats);
  tcase_add_test(tc, levels_paging);
  tcase_add_test(tc, json_api);
  tcase_add_test(tc, allocation_failures);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(inventory_suite());
}
