/* The memory cache: the cache port conformance suite plus its own rules
 * (LRU eviction, options). */
#include "conformance/cache_suite.h"
#include "testutil.h"

#include <stdio.h>

#include "techcorp/adapters.h"

static tt_clock clock_;

static tc_cache *memory_make(void *payload) {
  tt_clock *clk = payload;
  tt_clock_init(clk, 1700000000000);
  tc_memory_cache_options o = TC_MEMORY_CACHE_OPTIONS_INIT;
  o.clock = &clk->clock;
  tc_cache *c = NULL;
  if (tc_cache_memory_new(&c, &o) != TC_OK) return NULL;
  return c;
}

static void memory_destroy(tc_cache *c, void *payload) {
  (void)payload;
  c->free(c->self);
}

static void memory_advance(void *payload, int64_t ms) {
  ((tt_clock *)payload)->now += ms;
}

static const tc_cache_fixture memory_fixture = {memory_make, memory_destroy,
                                                memory_advance, &clock_};

static tc_cache *small_cache(tt_clock *clk, size_t max_entries) {
  tt_clock_init(clk, 1000);
  tc_memory_cache_options o = TC_MEMORY_CACHE_OPTIONS_INIT;
  o.clock = &clk->clock;
  o.max_entries = max_entries;
  tc_cache *c = NULL;
  ck_assert_int_eq(tc_cache_memory_new(&c, &o), TC_OK);
  return c;
}

static int has(tc_cache *c, const char *key) {
  tc_buf b = TC_BUF_INIT;
  int rc = c->get(c->self, key, &b);
  tc_buf_dispose(&b);
  return rc == TC_OK;
}

START_TEST(lru_evicts_least_recently_used) {
  tt_clock clk;
  tc_cache *c = small_cache(&clk, 4);
  ck_assert_int_eq(c->set(c->self, "k1", "1", 1, 0), TC_OK);
  ck_assert_int_eq(c->set(c->self, "k2", "2", 1, 0), TC_OK);
  ck_assert_int_eq(c->set(c->self, "k3", "3", 1, 0), TC_OK);
  ck_assert_int_eq(c->set(c->self, "k4", "4", 1, 0), TC_OK);
  ck_assert(has(c, "k1")); /* k1 is now the most recent; k2 the oldest */
  ck_assert_int_eq(c->set(c->self, "k5", "5", 1, 0), TC_OK);
  ck_assert(!has(c, "k2")); /* a miss does not reorder anything */
  /* Now k3 k4 k1 k5 from old to new. Overwriting refreshes k3 and takes no
   * new room, so the next one out is k4. */
  ck_assert_int_eq(c->set(c->self, "k3", "33", 2, 0), TC_OK);
  ck_assert_int_eq(c->set(c->self, "k6", "6", 1, 0), TC_OK);
  ck_assert(!has(c, "k4"));
  ck_assert(has(c, "k3") && has(c, "k5") && has(c, "k6") && has(c, "k1"));
  c->free(c->self);
}
END_TEST

START_TEST(lru_expired_go_first) {
  tt_clock clk;
  tc_cache *c = small_cache(&clk, 3);
  ck_assert_int_eq(c->set(c->self, "old", "o", 1, 0), TC_OK);
  ck_assert_int_eq(c->set(c->self, "short", "s", 1, 10), TC_OK);
  ck_assert_int_eq(c->set(c->self, "new", "n", 1, 0), TC_OK);
  clk.now += 20;
  /* The expired entry makes the room; the oldest live one stays. */
  ck_assert_int_eq(c->set(c->self, "more", "m", 1, 0), TC_OK);
  ck_assert(has(c, "old") && has(c, "new") && has(c, "more"));
  c->free(c->self);
}
END_TEST

START_TEST(counters_and_locks_survive_eviction) {
  tt_clock clk;
  tc_cache *c = small_cache(&clk, 3);
  int64_t n = 0;
  ck_assert_int_eq(c->incr(c->self, "ctr", 7, 0, &n), TC_OK);
  ck_assert_int_eq(c->try_lock(c->self, "lock", "me", 0), TC_OK);
  char key[16];
  for (int i = 0; i < 50; i++) {
    snprintf(key, sizeof(key), "v%d", i);
    ck_assert_int_eq(c->set(c->self, key, "x", 1, 0), TC_OK);
  }
  ck_assert(has(c, "v49")); /* the newest value is kept */
  ck_assert(!has(c, "v0"));
  ck_assert_int_eq(c->incr(c->self, "ctr", 1, 0, &n), TC_OK);
  ck_assert_int_eq(n, 8);
  ck_assert_int_eq(c->try_lock(c->self, "lock", "you", 0), TC_EBUSY);
  /* With only counters and locks the cache may go past max_entries
   * rather than forget a count or a lock. */
  for (int i = 0; i < 10; i++) {
    snprintf(key, sizeof(key), "c%d", i);
    ck_assert_int_eq(c->incr(c->self, key, i, 0, &n), TC_OK);
  }
  for (int i = 0; i < 10; i++) {
    snprintf(key, sizeof(key), "c%d", i);
    ck_assert_int_eq(c->incr(c->self, key, 0, 0, &n), TC_OK);
    ck_assert_int_eq(n, i);
  }
  ck_assert_int_eq(c->unlock(c->self, "lock", "me"), TC_OK);
  c->free(c->self);
}
END_TEST

START_TEST(expired_windows_under_load) {
  tt_clock clk;
  tc_cache *c = small_cache(&clk, 100000);
  int64_t n;
  char key[32];
  int failed = 0; /* counted: Check's asserts are slow in loops */
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof(key), "rl:%d", i);
    failed += c->incr(c->self, key, 1, 50, &n) != TC_OK;
  }
  clk.now += 100;
  /* Writes go on (sweeping as they go); every old window reads as gone. */
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof(key), "new:%d", i);
    failed += c->set(c->self, key, "v", 1, 0) != TC_OK;
  }
  int alive = 0;
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof(key), "rl:%d", i);
    alive += has(c, key);
  }
  ck_assert_int_eq(failed, 0);
  ck_assert_int_eq(alive, 0);
  c->free(c->self);
}
END_TEST

START_TEST(options_checked) {
  tc_cache *c = (tc_cache *)1;
  ck_assert_int_eq(tc_cache_memory_new(NULL, NULL), TC_EINVAL);
  tc_memory_cache_options o = TC_MEMORY_CACHE_OPTIONS_INIT;
  o.version = 0;
  ck_assert_int_eq(tc_cache_memory_new(&c, &o), TC_EINVAL);
  ck_assert_ptr_null(c);
  tc_clock bad = {TC_CLOCK_VERSION, NULL, NULL, NULL};
  o.version = TC_MEMORY_CACHE_OPTIONS_VERSION;
  o.clock = &bad;
  ck_assert_int_eq(tc_cache_memory_new(&c, &o), TC_EINVAL);
  ck_assert_ptr_null(c);
  /* NULL options: the system clock and the default size. */
  ck_assert_int_eq(tc_cache_memory_new(&c, NULL), TC_OK);
  ck_assert_int_eq(c->set(c->self, "k", "v", 1, 60000), TC_OK);
  ck_assert(has(c, "k"));
  void (*free_fn)(void *) = c->free;
  free_fn(c->self);
  free_fn(NULL); /* a no-op */
}
END_TEST

int main(void) {
  Suite *s = suite_create("cache");
  suite_add_tcase(s, tc_cache_suite_tcase(&memory_fixture));
  TCase *tc = tcase_create("memory");
  tcase_add_test(tc, lru_evicts_least_recently_used);
  tcase_add_test(tc, lru_expired_go_first);
  tcase_add_test(tc, counters_and_locks_survive_eviction);
  tcase_add_test(tc, expired_windows_under_load);
  tcase_add_test(tc, options_checked);
  suite_add_tcase(s, tc);
  return tt_run(s);
}
