/*
 * tests/test_rabbitmq.c - suite "rabbitmq": the RabbitMQ queue against a
 * real broker (TECHCORP_TEST_AMQP) with its outbox in a store (SQLite
 * files, and PostgreSQL for the fault test): the queue port conformance
 * suite (fresh exchange and queue names per test), the transactional
 * outbox, a broker that is not there, competing consumers in two
 * "processes", and the broker restarted in the middle of a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conformance/queue_suite.h"
#include "core/internal.h"
#include "services.h"
#include "testutil.h"

#define T0 INT64_C(1700000000000)

static unsigned prefix_seq;

static void fresh_prefix(char *buf, size_t size) {
  snprintf(buf, size, "t%d-%u-%ld", (int)getpid(), ++prefix_seq,
           (long)(random() % 100000));
}

static void sleep_ms(int64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

typedef struct env {
  char dir[512];
  char path[600];
  char prefix[64];
  tc_store *store;
  tc_queue *q;
  tt_clock clock;
} env;

static tc_queue *open_queue(env *e, const char *url, uint32_t max_attempts) {
  tc_rabbitmq_options o = TC_RABBITMQ_OPTIONS_INIT;
  o.max_attempts = max_attempts;
  o.prefix = e->prefix;
  o.clock = &e->clock.clock;
  o.timeout_ms = 3000;
  tc_queue *q = NULL;
  int rc = tc_queue_rabbitmq_new(&q, url, e->store, &o);
  ck_assert_msg(rc == TC_OK, "queue: %s", tc_last_error_message());
  return q;
}

static void env_open(env *e, uint32_t max_attempts) {
  memset(e, 0, sizeof(*e));
  tt_tmpdir(e->dir, sizeof(e->dir));
  snprintf(e->path, sizeof(e->path), "%s/outbox.db", e->dir);
  tt_clock_init(&e->clock, T0);
  fresh_prefix(e->prefix, sizeof(e->prefix));
  ck_assert_int_eq(tc_store_sqlite_open(&e->store, e->path, NULL), TC_OK);
  e->q = open_queue(e, tt_service("TECHCORP_TEST_AMQP"), max_attempts);
  ck_assert(tc_queue_rabbitmq_connected(e->q));
}

static void env_free(env *e) {
  if (e->q) e->q->free(e->q->self);
  if (e->store) e->store->free(e->store->self);
  tt_tmpdir_remove(e->dir);
  memset(e, 0, sizeof(*e));
}

/* ---- the conformance factory ----------------------------------------------
 */

static env conf_env;

static tc_queue *conf_open(void *arg, uint32_t max_attempts) {
  env_open(arg, max_attempts);
  return ((env *)arg)->q;
}

static void conf_close(void *arg, tc_queue *q) {
  env *e = arg;
  ck_assert_ptr_eq(q, e->q);
  env_free(e);
}

/* Leases run on the adapter's clock, moved by hand; retry delays run on
 * the broker's, so time really passes too (up to 600 ms a step: no delay
 * in the suite is longer). */
static void conf_advance(void *arg, int64_t ms) {
  ((env *)arg)->clock.now += ms;
  sleep_ms(ms < 600 ? ms : 600);
}

static const queue_suite_factory rabbit_factory = {
    "rabbitmq", &conf_env, conf_open, conf_close, conf_advance, 250};

/* ---- the outbox -----------------------------------------------------------
 */

static int int_cb(const tc_value *cols, size_t n, void *payload) {
  ck_assert_uint_ge(n, 1);
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

static int64_t outbox_rows(tc_store *st) {
  int64_t n = -1;
  ck_assert_int_eq(st->exec(st->self, "SELECT count(*) FROM tc_rabbitmq_outbox",
                            NULL, 0, int_cb, &n, NULL),
                   TC_OK);
  return n;
}

START_TEST(outbox_commits_with_the_transaction) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "orders.*"), TC_OK);
  /* rolled back: never sent */
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      e.q->publish(e.q->self, "orders.paid", NULL, "{\"n\":0}", NULL, NULL),
      TC_OK);
  ck_assert_int_eq(e.store->rollback(e.store->self), TC_OK);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_EEMPTY);
  /* committed: in the outbox until a relay, then at the broker */
  char id[37];
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      e.q->publish(e.q->self, "orders.paid", "o1", "{\"n\":1}", NULL, id),
      TC_OK);
  ck_assert_int_eq(outbox_rows(e.store), 1);
  ck_assert_int_eq(e.store->commit(e.store->self), TC_OK);
  ck_assert_int_eq(outbox_rows(e.store), 1);
  size_t moved = 0;
  ck_assert_int_eq(tc_queue_rabbitmq_relay(e.q, 0, &moved), TC_OK);
  ck_assert_uint_eq(moved, 1);
  ck_assert_int_eq(outbox_rows(e.store), 0);
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  ck_assert_str_eq(m->id, id);
  ck_assert_str_eq(m->key, "o1");
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  /* the relay refuses to run inside a transaction */
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      e.q->publish(e.q->self, "orders.paid", NULL, "{\"n\":2}", NULL, NULL),
      TC_OK);
  ck_assert_int_eq(tc_queue_rabbitmq_relay(e.q, 0, &moved), TC_ESTATE);
  ck_assert_int_eq(e.store->commit(e.store->self), TC_OK);
  /* take relays first */
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  ck_assert_str_eq(m->payload, "{\"n\":2}");
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  env_free(&e);
}
END_TEST

START_TEST(broker_away_keeps_events) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "*"), TC_OK);
  /* a second queue over the same store whose broker is not there */
  tc_queue *away = open_queue(&e, "amqp://techcorp:techcorp@127.0.0.1:1/", 5);
  ck_assert(!tc_queue_rabbitmq_connected(away));
  for (int i = 0; i < 10; i++) {
    char payload[32];
    snprintf(payload, sizeof(payload), "{\"i\":%d}", i);
    ck_assert_int_eq(
        away->publish(away->self, "a.b", NULL, payload, NULL, NULL), TC_OK);
  }
  ck_assert_int_eq(outbox_rows(e.store), 10);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(away->take(away->self, "g", 1000, &m), TC_EUNAVAILABLE);
  size_t moved = 7;
  ck_assert_int_eq(tc_queue_rabbitmq_relay(away, 0, &moved), TC_EUNAVAILABLE);
  ck_assert_uint_eq(moved, 0);
  away->free(away->self);
  /* the reachable one sends them all, in order */
  ck_assert_int_eq(tc_queue_rabbitmq_relay(e.q, 4, &moved), TC_OK);
  ck_assert_uint_eq(moved, 4);
  ck_assert_int_eq(tc_queue_rabbitmq_relay(e.q, 0, &moved), TC_OK);
  ck_assert_uint_eq(moved, 6);
  for (int i = 0; i < 10; i++) {
    ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
    char want[32];
    snprintf(want, sizeof(want), "{\"i\":%d}", i);
    ck_assert_str_eq(m->payload, want);
    ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  }
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_EEMPTY);
  /* what is refused outright */
  tc_queue *bad = NULL;
  ck_assert_int_eq(tc_queue_rabbitmq_new(&bad, "http://x", e.store, NULL),
                   TC_EINVAL);
  tc_rabbitmq_options o = TC_RABBITMQ_OPTIONS_INIT;
  o.prefix = "no spaces";
  ck_assert_int_eq(tc_queue_rabbitmq_new(&bad, tt_service("TECHCORP_TEST_AMQP"),
                                         e.store, &o),
                   TC_EINVAL);
  ck_assert_int_eq(tc_queue_rabbitmq_relay(NULL, 0, NULL), TC_EINVAL);
  env_free(&e);
}
END_TEST

START_TEST(competing_consumers) {
  /* Two processes' worth of queues over one store and one broker. */
  env e;
  env_open(&e, 5);
  tc_queue *other = open_queue(&e, tt_service("TECHCORP_TEST_AMQP"), 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "workers", "jobs.*"), TC_OK);
  ck_assert_int_eq(other->subscribe(other->self, "workers", "jobs.*"), TC_OK);
  enum { N = 40 };
  for (int i = 0; i < N; i++) {
    char payload[16];
    snprintf(payload, sizeof(payload), "%d", i);
    ck_assert_int_eq(
        e.q->publish(e.q->self, "jobs.run", NULL, payload, NULL, NULL), TC_OK);
  }
  int seen[N] = {0};
  int by[2] = {0, 0};
  for (int round = 0; round < N; round++) {
    tc_queue *q = round % 2 ? other : e.q;
    tc_queue_message *m = NULL;
    ck_assert_int_eq(q->take(q->self, "workers", 5000, &m), TC_OK);
    int v = atoi(m->payload);
    ck_assert_int_eq(seen[v]++, 0);
    by[round % 2]++;
    ck_assert_int_eq(q->ack(q->self, m), TC_OK);
  }
  ck_assert_int_eq(by[0] + by[1], N);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(other->take(other->self, "workers", 1000, &m), TC_EEMPTY);
  /* a message leased by one is not the other's until it is returned */
  ck_assert_int_eq(e.q->publish(e.q->self, "jobs.run", NULL, "99", NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(e.q->take(e.q->self, "workers", 1000, &m), TC_OK);
  tc_queue_message *n = NULL;
  ck_assert_int_eq(other->take(other->self, "workers", 1000, &n), TC_EEMPTY);
  /* the holder "dies": its connection closes and the broker returns it */
  free(m);
  e.q->free(e.q->self);
  e.q = NULL;
  for (int i = 0; i < 100; i++) {
    if (other->take(other->self, "workers", 1000, &n) == TC_OK) break;
    sleep_ms(20);
  }
  ck_assert_ptr_nonnull(n);
  ck_assert_str_eq(n->payload, "99");
  ck_assert_uint_eq(n->attempts, 2);
  ck_assert_int_eq(other->ack(other->self, n), TC_OK);
  other->free(other->self);
  env_free(&e);
}
END_TEST

/* ---- the broker restarted in the middle of a run ---------------------------
 * Events published in transactions of a PostgreSQL store while a consumer
 * works through them; the broker goes away and comes back. Every committed
 * event must arrive, and the consumer, idempotent as the library's are,
 * applies each exactly once. */

enum { RESTART_EVENTS = 120 };

typedef struct consumer {
  int applied[RESTART_EVENTS];
  int deliveries;
  int effects;
} consumer;

/* Take and apply what is there; acks that find their lease gone (the
 * connection died) are what at-least-once means. */
static void consume_some(tc_queue *q, consumer *c, int max) {
  for (int i = 0; i < max; i++) {
    tc_queue_message *m = NULL;
    int rc = q->take(q->self, "billing", 5000, &m);
    if (rc != TC_OK) return;
    c->deliveries++;
    int v = atoi(m->payload);
    ck_assert_int_ge(v, 0);
    ck_assert_int_lt(v, RESTART_EVENTS);
    if (!c->applied[v]++) c->effects++;
    rc = q->ack(q->self, m);
    ck_assert(rc == TC_OK || rc == TC_ESTATE || rc == TC_EUNAVAILABLE);
  }
}

static void publish_in_txn(tc_store *st, tc_queue *q, int v) {
  char payload[16];
  snprintf(payload, sizeof(payload), "%d", v);
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      q->publish(q->self, "orders.paid", NULL, payload, NULL, NULL), TC_OK);
  ck_assert_int_eq(st->commit(st->self), TC_OK);
}

START_TEST(broker_restart_loses_nothing) {
  char schema[64], conninfo[1024];
  tt_pg_schema_new(conninfo, sizeof(conninfo), schema);
  env e;
  memset(&e, 0, sizeof(e));
  tt_clock_init(&e.clock, T0);
  fresh_prefix(e.prefix, sizeof(e.prefix));
  ck_assert_int_eq(tc_store_pg_open(&e.store, conninfo, NULL), TC_OK);
  const char *url = tt_service("TECHCORP_TEST_AMQP");
  e.q = open_queue(&e, url, 50);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "billing", "orders.*"), TC_OK);
  static consumer c;
  memset(&c, 0, sizeof(c));
  int v = 0;
  for (; v < RESTART_EVENTS / 2; v++) publish_in_txn(e.store, e.q, v);
  tc_queue_rabbitmq_relay(e.q, 0, NULL);
  consume_some(e.q, &c, 20);
  /* hold one lease across the restart */
  tc_queue_message *held = NULL;
  ck_assert_int_eq(e.q->take(e.q->self, "billing", 60000, &held), TC_OK);
  ck_assert_int_eq(tt_service_restart("rabbitmq"), 0);
  /* the old connection is dead: its lease is lost, not acked */
  int rc = e.q->ack(e.q->self, held);
  ck_assert(rc == TC_ESTATE || rc == TC_EUNAVAILABLE);
  /* publishing goes on whatever the broker does */
  for (; v < RESTART_EVENTS; v++) publish_in_txn(e.store, e.q, v);
  for (int round = 0; round < 600 && c.effects < RESTART_EVENTS; round++) {
    tc_queue_rabbitmq_relay(e.q, 0, NULL);
    consume_some(e.q, &c, 50);
    if (c.effects < RESTART_EVENTS) sleep_ms(50);
  }
  ck_assert_msg(c.effects == RESTART_EVENTS, "%d of %d events arrived",
                c.effects, RESTART_EVENTS);
  for (int i = 0; i < RESTART_EVENTS; i++) ck_assert_int_ge(c.applied[i], 1);
  ck_assert_int_eq(outbox_rows(e.store), 0);
  ck_assert(tc_queue_rabbitmq_connected(e.q));
  fprintf(stderr, "broker restart: %d events, %d deliveries (%d again)\n",
          RESTART_EVENTS, c.deliveries, c.deliveries - RESTART_EVENTS);
  e.q->free(e.q->self);
  e.store->free(e.store->self);
  tt_pg_schema_drop(schema);
}
END_TEST

static Suite *rabbit_suite(void) {
  Suite *s = suite_create("rabbitmq");
  queue_suite_add(s, &rabbit_factory);
  TCase *tc = tcase_create("rabbitmq");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, outbox_commits_with_the_transaction);
  tcase_add_test(tc, broker_away_keeps_events);
  tcase_add_test(tc, competing_consumers);
  suite_add_tcase(s, tc);
  /* Last: it restarts the broker the others use. */
  tc = tcase_create("rabbitmq_restart");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, broker_restart_loses_nothing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  tt_service("TECHCORP_TEST_AMQP");
  srandom((unsigned)getpid());
  return tt_run(rabbit_suite());
}
