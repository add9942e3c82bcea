/*
 * tests/test_redis.c - suite "redis": the Redis cache against a real
 * server (TECHCORP_TEST_REDIS, see tests/services.h): the cache port
 * conformance suite (a fresh key prefix per test, expiry on a clock moved
 * by hand), then what is Redis's own: two caches (two processes' worth of
 * connections) sharing counters and locks, scripts forgotten by the
 * server, degrading while Redis is away and coming back after a restart.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformance/cache_suite.h"
#include "services.h"
#include "testutil.h"

static unsigned prefix_seq;

static void fresh_prefix(char *buf, size_t size) {
  snprintf(buf, size, "tctest:%d:%u:%ld:", (int)getpid(), ++prefix_seq,
           (long)random());
}

static tc_cache *redis_open(const char *prefix, tt_clock *clk) {
  tc_redis_options o = TC_REDIS_OPTIONS_INIT;
  o.prefix = prefix;
  o.clock = clk ? &clk->clock : NULL;
  tc_cache *c = NULL;
  int rc = tc_cache_redis_new(&c, tt_service("TECHCORP_TEST_REDIS"), &o);
  ck_assert_msg(rc == TC_OK, "%s", tc_last_error_message());
  tc_redis_status st;
  ck_assert_int_eq(tc_cache_redis_status(c, &st), TC_OK);
  ck_assert_msg(st.connected, "not connected: %s", st.last_error);
  return c;
}

/* ---- the conformance fixture ---------------------------------------------
 */

static tt_clock conf_clock;

static tc_cache *conf_make(void *payload) {
  tt_clock *clk = payload;
  tt_clock_init(clk, 1700000000000);
  char prefix[64];
  fresh_prefix(prefix, sizeof(prefix));
  return redis_open(prefix, clk);
}

static void conf_destroy(tc_cache *c, void *payload) {
  (void)payload;
  tc_redis_status st;
  ck_assert_int_eq(tc_cache_redis_status(c, &st), TC_OK);
  /* everything went to Redis, nothing to the fallback */
  ck_assert_uint_eq(st.degraded_calls, 0);
  c->free(c->self);
}

static void conf_advance(void *payload, int64_t ms) {
  ((tt_clock *)payload)->now += ms;
}

static const tc_cache_fixture redis_fixture = {conf_make, conf_destroy,
                                               conf_advance, &conf_clock};

/* ---- Redis's own -----------------------------------------------------------
 */

START_TEST(two_caches_share_state) {
  char prefix[64];
  fresh_prefix(prefix, sizeof(prefix));
  tc_cache *a = redis_open(prefix, NULL), *b = redis_open(prefix, NULL);
  ck_assert_int_eq(a->set(a->self, "session:1", "revoked", 7, 60000), TC_OK);
  tc_buf buf = TC_BUF_INIT;
  ck_assert_int_eq(b->get(b->self, "session:1", &buf), TC_OK);
  ck_assert_str_eq(buf.ptr, "revoked");
  tc_buf_dispose(&buf);
  int64_t n = 0;
  for (int i = 0; i < 50; i++) {
    ck_assert_int_eq(a->incr(a->self, "hits", 1, 60000, &n), TC_OK);
    ck_assert_int_eq(b->incr(b->self, "hits", 1, 60000, &n), TC_OK);
  }
  ck_assert_int_eq(n, 100);
  ck_assert_int_eq(a->try_lock(a->self, "job", "proc-a", 60000), TC_OK);
  ck_assert_int_eq(b->try_lock(b->self, "job", "proc-b", 60000), TC_EBUSY);
  ck_assert_int_eq(b->unlock(b->self, "job", "proc-b"), TC_ESTATE);
  ck_assert_int_eq(a->unlock(a->self, "job", "proc-a"), TC_OK);
  ck_assert_int_eq(b->try_lock(b->self, "job", "proc-b", 60000), TC_OK);
  /* a different prefix is a different namespace */
  char other[64];
  fresh_prefix(other, sizeof(other));
  tc_cache *c = redis_open(other, NULL);
  buf = (tc_buf)TC_BUF_INIT;
  ck_assert_int_eq(c->get(c->self, "session:1", &buf), TC_ENOTFOUND);
  tc_buf_dispose(&buf);
  c->free(c->self);
  a->free(a->self);
  b->free(b->self);
}
END_TEST

START_TEST(real_time_expiry) {
  /* With the system clock the server's own expiry follows closely. */
  char prefix[64];
  fresh_prefix(prefix, sizeof(prefix));
  tc_cache *a = redis_open(prefix, NULL);
  ck_assert_int_eq(a->set(a->self, "t", "v", 1, 150), TC_OK);
  tc_buf buf = TC_BUF_INIT;
  ck_assert_int_eq(a->get(a->self, "t", &buf), TC_OK);
  usleep(300000);
  ck_assert_int_eq(a->get(a->self, "t", &buf), TC_ENOTFOUND);
  tc_buf_dispose(&buf);
  a->free(a->self);
}
END_TEST

typedef struct racer {
  tc_cache *cache;
  int n;
  int failures;
} racer;

static void *race(void *arg) {
  racer *r = arg;
  int64_t v;
  for (int i = 0; i < r->n; i++)
    if (r->cache->incr(r->cache->self, "shared", 1, 0, &v) != TC_OK)
      r->failures++;
  return NULL;
}

START_TEST(counters_atomic_across_connections) {
  char prefix[64];
  fresh_prefix(prefix, sizeof(prefix));
  tc_cache *a = redis_open(prefix, NULL), *b = redis_open(prefix, NULL);
  racer ra = {a, 2000, 0}, rb = {b, 2000, 0};
  pthread_t ta, tb;
  ck_assert_int_eq(pthread_create(&ta, NULL, race, &ra), 0);
  ck_assert_int_eq(pthread_create(&tb, NULL, race, &rb), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  ck_assert_int_eq(ra.failures + rb.failures, 0);
  int64_t v = 0;
  ck_assert_int_eq(a->incr(a->self, "shared", 0, 0, &v), TC_OK);
  ck_assert_int_eq(v, 4000);
  a->free(a->self);
  b->free(b->self);
}
END_TEST

START_TEST(unreachable_degrades) {
  tc_redis_options o = TC_REDIS_OPTIONS_INIT;
  o.timeout_ms = 200;
  tc_cache *c = NULL;
  ck_assert_int_eq(tc_cache_redis_new(&c, "redis://127.0.0.1:1", &o), TC_OK);
  tc_redis_status st;
  ck_assert_int_eq(tc_cache_redis_status(c, &st), TC_OK);
  ck_assert_int_eq(st.connected, 0);
  ck_assert_str_ne(st.last_error, "");
  /* values and counters still work, in this process only */
  int64_t n = 0;
  ck_assert_int_eq(c->incr(c->self, "n", 2, 1000, &n), TC_OK);
  ck_assert_int_eq(n, 2);
  ck_assert_int_eq(c->set(c->self, "k", "v", 1, 0), TC_OK);
  tc_buf buf = TC_BUF_INIT;
  ck_assert_int_eq(c->get(c->self, "k", &buf), TC_OK);
  ck_assert_str_eq(buf.ptr, "v");
  tc_buf_dispose(&buf);
  /* a lock only one process knows is no lock */
  ck_assert_int_eq(c->try_lock(c->self, "L", "me", 1000), TC_EUNAVAILABLE);
  ck_assert_int_eq(tc_cache_redis_status(c, &st), TC_OK);
  ck_assert_uint_ge(st.degraded_calls, 4);
  c->free(c->self);
  /* what is refused outright */
  ck_assert_int_eq(tc_cache_redis_new(&c, "http://x", NULL), TC_EINVAL);
  ck_assert_int_eq(tc_cache_redis_new(&c, "redis://h:99999", NULL), TC_EINVAL);
  ck_assert_int_eq(tc_cache_redis_new(&c, NULL, NULL), TC_EINVAL);
  ck_assert_int_eq(tc_cache_redis_status(NULL, &st), TC_EINVAL);
  tc_cache *mem = NULL;
  ck_assert_int_eq(tc_cache_memory_new(&mem, NULL), TC_OK);
  ck_assert_int_eq(tc_cache_redis_status(mem, &st), TC_EINVAL);
  mem->free(mem->self);
}
END_TEST

START_TEST(restart_keeps_requests_succeeding) {
  char prefix[64];
  fresh_prefix(prefix, sizeof(prefix));
  tc_cache *a = redis_open(prefix, NULL);
  int64_t n = 0;
  ck_assert_int_eq(a->incr(a->self, "r", 1, 0, &n), TC_OK);
  ck_assert_int_eq(tt_service_restart("redis"), 0);
  /* Every call succeeds: first from the fallback, then from Redis again
   * once the backoff lets the adapter reconnect. */
  tc_redis_status st;
  int calls = 0;
  for (;;) {
    ck_assert_int_eq(a->incr(a->self, "r", 1, 0, &n), TC_OK);
    tc_buf buf = TC_BUF_INIT;
    int rc = a->get(a->self, "r", &buf);
    ck_assert(rc == TC_OK || rc == TC_ENOTFOUND);
    tc_buf_dispose(&buf);
    ck_assert_int_eq(tc_cache_redis_status(a, &st), TC_OK);
    if (st.connected && st.reconnects >= 1) break;
    ck_assert_int_lt(++calls, 2000);
    usleep(10000);
  }
  ck_assert_uint_ge(st.degraded_calls, 1);
  /* and what is written now is in Redis, for everyone */
  ck_assert_int_eq(a->set(a->self, "after", "1", 1, 0), TC_OK);
  tc_cache *b = redis_open(prefix, NULL);
  tc_buf buf = TC_BUF_INIT;
  ck_assert_int_eq(b->get(b->self, "after", &buf), TC_OK);
  tc_buf_dispose(&buf);
  b->free(b->self);
  a->free(a->self);
}
END_TEST

static Suite *redis_suite(void) {
  Suite *s = suite_create("redis");
  TCase *tc = tc_cache_suite_tcase(&redis_fixture);
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tc = tcase_create("redis");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, two_caches_share_state);
  tcase_add_test(tc, real_time_expiry);
  tcase_add_test(tc, counters_atomic_across_connections);
  tcase_add_test(tc, unreachable_degrades);
  suite_add_tcase(s, tc);
  /* Last: it restarts the server that the others use. */
  tc = tcase_create("redis_restart");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, restart_keeps_requests_succeeding);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  tt_service("TECHCORP_TEST_REDIS");
  srandom((unsigned)getpid());
  return tt_run(redis_suite());
}
