/* tests/test_orders_fixture.h - see test_orders_fixture.c. */
#ifndef TEST_ORDERS_FIXTURE_H
#define TEST_ORDERS_FIXTURE_H

#include "orders/orders_priv.h"
#include "testutil.h"

/* A context over a store that can fail on demand, a sandbox payment
 * provider behind a wrapper that can lose answers, a hand-moved clock. */
typedef struct to_env {
  char dir[512];
  char path[600];
  tt_clock clock;
  tc_store *real;
  tc_store fault;
  bool armed;
  long ops;      /* exec + commit calls since armed */
  long fail_at;  /* 1-based op to fail */
  bool crash;    /* fail every op from fail_at on (the process died) */
  long failures; /* ops failed */
  tc_ctx *ctx;
  tc_payment_provider *sandbox;
  tc_payment_provider flaky;
  int lost_answers; /* authorize: charge, then answer TRANSIENT this often */
  void (*on_authorize)(struct to_env *env); /* called before authorizing */
  tc_breaker *breaker;
  tc_principal customer;
  tc_principal other;
  tc_principal admin;
  tc_principal support;
  tc_principal system;
} to_env;

void to_env_init(to_env *e);
void to_env_free(to_env *e);
/* capture at checkout or later. */
void to_payments_mode(to_env *e, tc_payments_capture_mode mode);
/* A published product with one variant sku priced amount BRL, and stock
 * of n units in warehouse SP. Returns the product id (static buffer). */
const char *to_product(to_env *e, const char *sku, int64_t amount, int64_t n);
/* Arm the store to fail op fail_at (crash: and every one after). */
void to_arm(to_env *e, long fail_at, bool crash);
void to_disarm(to_env *e);
/* A shipping address. */
tc_order_address to_address(void);
/* Fill the customer's cart with qty of sku and check out with key and
 * source. Returns the code, *out the order (may be NULL). */
int to_checkout(to_env *e, const char *sku, int64_t qty, const char *key,
                const char *source, tc_order **out);
/* Move the clock past lease and recovery delay, run the sweep until
 * nothing is left (at most rounds times). */
void to_recover(to_env *e, int rounds);
/* Check the saga invariants over every order; all_settled: every saga
 * must be done. Fails the test (naming the order) otherwise. */
void to_check_invariants(to_env *e, bool all_settled);
/* Count rows of a query with one text parameter (NULL: none). */
int64_t to_count(to_env *e, const char *sql, const char *param);
/* Subscribe group "to" to orders.* (call before the events). */
void to_events_start(to_env *e);
/* Count (and ack) taken messages of topic, keeping the last payload. */
int to_events_count(to_env *e, const char *topic, char *last, size_t size);
tc_sandbox_ledger to_ledger(to_env *e);
int64_t to_on_hand(to_env *e, const char *sku);
int64_t to_reserved(to_env *e, const char *sku);

#endif
