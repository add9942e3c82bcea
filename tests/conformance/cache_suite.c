/* Conformance tests of the cache port; see cache_suite.h. */
#include "cache_suite.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const tc_cache_fixture *fx;

static tc_cache *mk(void) {
  tc_cache *c = fx->make(fx->payload);
  ck_assert_ptr_nonnull(c);
  ck_assert_uint_ge(c->version, 1);
  return c;
}

static void done(tc_cache *c) {
  fx->destroy(c, fx->payload);
}

static void advance(int64_t ms) {
  fx->advance(fx->payload, ms);
}

/* get into a fresh buffer; *out is the value as text (or "" when absent). */
static int get_text(tc_cache *c, const char *key, char *out, size_t size) {
  tc_buf b = TC_BUF_INIT;
  int rc = c->get(c->self, key, &b);
  snprintf(out, size, "%s", rc == TC_OK && b.ptr ? b.ptr : "");
  tc_buf_dispose(&b);
  return rc;
}

static int set_text(tc_cache *c, const char *key, const char *v, int64_t ttl) {
  return c->set(c->self, key, v, strlen(v), ttl);
}

START_TEST(set_get_appends) {
  tc_cache *c = mk();
  ck_assert_int_eq(set_text(c, "k", "hello", 0), TC_OK);
  tc_buf b = TC_BUF_INIT;
  ck_assert_int_eq(tc_buf_puts(&b, "x:"), TC_OK);
  ck_assert_int_eq(c->get(c->self, "k", &b), TC_OK);
  ck_assert_uint_eq(b.size, 7);
  ck_assert_str_eq(b.ptr, "x:hello");
  tc_buf_dispose(&b);
  done(c);
}
END_TEST

START_TEST(overwrite) {
  tc_cache *c = mk();
  char v[64];
  ck_assert_int_eq(set_text(c, "k", "first value", 0), TC_OK);
  ck_assert_int_eq(set_text(c, "k", "2nd", 0), TC_OK);
  ck_assert_int_eq(get_text(c, "k", v, sizeof(v)), TC_OK);
  ck_assert_str_eq(v, "2nd");
  done(c);
}
END_TEST

START_TEST(del_and_missing) {
  tc_cache *c = mk();
  char v[64];
  tc_buf b = TC_BUF_INIT;
  ck_assert_int_eq(tc_buf_puts(&b, "keep"), TC_OK);
  ck_assert_int_eq(c->get(c->self, "absent", &b), TC_ENOTFOUND);
  ck_assert_str_eq(b.ptr, "keep"); /* a miss appends nothing */
  tc_buf_dispose(&b);
  ck_assert_int_eq(set_text(c, "k", "v", 0), TC_OK);
  ck_assert_int_eq(set_text(c, "other", "w", 0), TC_OK);
  ck_assert_int_eq(c->del(c->self, "k"), TC_OK);
  ck_assert_int_eq(get_text(c, "k", v, sizeof(v)), TC_ENOTFOUND);
  ck_assert_int_eq(c->del(c->self, "k"), TC_OK); /* absent is fine */
  ck_assert_int_eq(get_text(c, "other", v, sizeof(v)), TC_OK);
  ck_assert_str_eq(v, "w");
  done(c);
}
END_TEST

START_TEST(binary_value) {
  tc_cache *c = mk();
  const unsigned char val[] = {'a', 0, 'b', 0, 0xff, 0x80, 0};
  ck_assert_int_eq(c->set(c->self, "bin", val, sizeof(val), 0), TC_OK);
  tc_buf b = TC_BUF_INIT;
  ck_assert_int_eq(c->get(c->self, "bin", &b), TC_OK);
  ck_assert_uint_eq(b.size, sizeof(val));
  ck_assert_int_eq(memcmp(b.ptr, val, sizeof(val)), 0);
  tc_buf_dispose(&b);
  done(c);
}
END_TEST

START_TEST(empty_value) {
  tc_cache *c = mk();
  ck_assert_int_eq(c->set(c->self, "e", "", 0, 0), TC_OK);
  ck_assert_int_eq(c->set(c->self, "n", NULL, 0, 0), TC_OK);
  tc_buf b = TC_BUF_INIT;
  ck_assert_int_eq(c->get(c->self, "e", &b), TC_OK);
  ck_assert_int_eq(c->get(c->self, "n", &b), TC_OK);
  ck_assert_uint_eq(b.size, 0);
  tc_buf_dispose(&b);
  /* NULL with a length is refused. */
  ck_assert_int_eq(c->set(c->self, "n", NULL, 3, 0), TC_EINVAL);
  done(c);
}
END_TEST

START_TEST(many_keys) {
  tc_cache *c = mk();
  char key[32], val[32], got[32];
  int wrong = 0; /* counted, not asserted: Check's asserts are slow */
  for (int i = 0; i < 2000; i++) {
    snprintf(key, sizeof(key), "key:%d", i);
    snprintf(val, sizeof(val), "val-%d", i * 7);
    wrong += set_text(c, key, val, 0) != TC_OK;
  }
  for (int i = 0; i < 2000; i++) {
    snprintf(key, sizeof(key), "key:%d", i);
    snprintf(val, sizeof(val), "val-%d", i * 7);
    wrong += get_text(c, key, got, sizeof(got)) != TC_OK || strcmp(got, val);
  }
  ck_assert_int_eq(wrong, 0);
  done(c);
}
END_TEST

START_TEST(ttl_expiry) {
  tc_cache *c = mk();
  char v[16];
  ck_assert_int_eq(set_text(c, "t", "v", 1000), TC_OK);
  ck_assert_int_eq(set_text(c, "forever", "f", 0), TC_OK);
  advance(500);
  ck_assert_int_eq(get_text(c, "t", v, sizeof(v)), TC_OK);
  advance(600);
  ck_assert_int_eq(get_text(c, "t", v, sizeof(v)), TC_ENOTFOUND);
  /* Setting again starts a new life. */
  ck_assert_int_eq(set_text(c, "t", "again", 1000), TC_OK);
  ck_assert_int_eq(get_text(c, "t", v, sizeof(v)), TC_OK);
  ck_assert_str_eq(v, "again");
  /* A set without TTL on an expiring key makes it last. */
  ck_assert_int_eq(set_text(c, "t", "last", 0), TC_OK);
  advance(86400000);
  ck_assert_int_eq(get_text(c, "t", v, sizeof(v)), TC_OK);
  ck_assert_int_eq(get_text(c, "forever", v, sizeof(v)), TC_OK);
  ck_assert_str_eq(v, "f");
  ck_assert_int_eq(set_text(c, "neg", "v", -1), TC_EINVAL);
  done(c);
}
END_TEST

START_TEST(incr_basic) {
  tc_cache *c = mk();
  int64_t n = 0;
  char v[32];
  ck_assert_int_eq(c->incr(c->self, "n", 5, 0, &n), TC_OK);
  ck_assert_int_eq(n, 5);
  ck_assert_int_eq(c->incr(c->self, "n", 3, 0, &n), TC_OK);
  ck_assert_int_eq(n, 8);
  ck_assert_int_eq(c->incr(c->self, "n", -10, 0, &n), TC_OK);
  ck_assert_int_eq(n, -2);
  ck_assert_int_eq(c->incr(c->self, "n", 0, 0, &n), TC_OK);
  ck_assert_int_eq(n, -2);
  /* A counter reads back as its decimal text. */
  ck_assert_int_eq(get_text(c, "n", v, sizeof(v)), TC_OK);
  ck_assert_str_eq(v, "-2");
  /* A missing key starts from 0, even with a negative delta. */
  ck_assert_int_eq(c->incr(c->self, "m", -4, 0, &n), TC_OK);
  ck_assert_int_eq(n, -4);
  /* A value holding an integer can be counted on. */
  ck_assert_int_eq(set_text(c, "s", "41", 0), TC_OK);
  ck_assert_int_eq(c->incr(c->self, "s", 1, 0, &n), TC_OK);
  ck_assert_int_eq(n, 42);
  ck_assert_int_eq(c->del(c->self, "n"), TC_OK);
  ck_assert_int_eq(c->incr(c->self, "n", 1, 0, &n), TC_OK);
  ck_assert_int_eq(n, 1);
  done(c);
}
END_TEST

START_TEST(incr_ttl_only_on_create) {
  tc_cache *c = mk();
  int64_t n = 0;
  ck_assert_int_eq(c->incr(c->self, "w", 1, 1000, &n), TC_OK);
  advance(600);
  /* The window runs from the first hit: a later TTL does not extend it. */
  ck_assert_int_eq(c->incr(c->self, "w", 1, 1000, &n), TC_OK);
  ck_assert_int_eq(n, 2);
  advance(500); /* 1100 ms after creation */
  ck_assert_int_eq(c->incr(c->self, "w", 1, 1000, &n), TC_OK);
  ck_assert_int_eq(n, 1); /* expired: a new window from 0 */
  advance(900);
  ck_assert_int_eq(c->incr(c->self, "w", 1, 1000, &n), TC_OK);
  ck_assert_int_eq(n, 2);
  advance(200);
  char v[16];
  ck_assert_int_eq(get_text(c, "w", v, sizeof(v)), TC_ENOTFOUND);
  ck_assert_int_eq(c->incr(c->self, "w", 1, -5, &n), TC_EINVAL);
  done(c);
}
END_TEST

START_TEST(incr_not_integer) {
  tc_cache *c = mk();
  int64_t n = 77;
  char v[32];
  const char *bad[] = {"abc", "", "12x", " 1", "1.5", "99999999999999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_int_eq(set_text(c, "x", bad[i], 0), TC_OK);
    ck_assert_msg(c->incr(c->self, "x", 1, 0, &n) == TC_EINVAL, "value '%s'",
                  bad[i]);
    ck_assert_int_eq(n, 77); /* out untouched */
    ck_assert_int_eq(get_text(c, "x", v, sizeof(v)), TC_OK);
    ck_assert_str_eq(v, bad[i]); /* value untouched */
  }
  done(c);
}
END_TEST

START_TEST(incr_overflow) {
  tc_cache *c = mk();
  int64_t n = 0;
  ck_assert_int_eq(c->incr(c->self, "big", INT64_MAX, 0, &n), TC_OK);
  ck_assert_int_eq(c->incr(c->self, "big", 1, 0, &n), TC_EOVERFLOW);
  ck_assert_int_eq(n, INT64_MAX);
  ck_assert_int_eq(c->incr(c->self, "big", 0, 0, &n), TC_OK);
  ck_assert_int_eq(n, INT64_MAX);
  ck_assert_int_eq(c->incr(c->self, "small", INT64_MIN, 0, &n), TC_OK);
  ck_assert_int_eq(c->incr(c->self, "small", -1, 0, &n), TC_EOVERFLOW);
  done(c);
}
END_TEST

START_TEST(lock_semantics) {
  tc_cache *c = mk();
  ck_assert_int_eq(c->try_lock(c->self, "L", "alice", 1000), TC_OK);
  ck_assert_int_eq(c->try_lock(c->self, "L", "bob", 1000), TC_EBUSY);
  advance(600);
  /* The holder extends: now until 1600. */
  ck_assert_int_eq(c->try_lock(c->self, "L", "alice", 1000), TC_OK);
  advance(600); /* 1200: past the first expiry, within the extension */
  ck_assert_int_eq(c->try_lock(c->self, "L", "bob", 1000), TC_EBUSY);
  advance(500); /* 1700: expired, bob may take it */
  ck_assert_int_eq(c->try_lock(c->self, "L", "bob", 1000), TC_OK);
  ck_assert_int_eq(c->unlock(c->self, "L", "alice"), TC_ESTATE);
  ck_assert_int_eq(c->try_lock(c->self, "L", "alice", 1000), TC_EBUSY);
  ck_assert_int_eq(c->unlock(c->self, "L", "bob"), TC_OK);
  ck_assert_int_eq(c->unlock(c->self, "L", "bob"), TC_ESTATE);
  ck_assert_int_eq(c->unlock(c->self, "never", "bob"), TC_ESTATE);
  ck_assert_int_eq(c->try_lock(c->self, "L", "alice", 1000), TC_OK);
  /* An expired lock is no longer held, so it cannot be unlocked. */
  advance(1000);
  ck_assert_int_eq(c->unlock(c->self, "L", "alice"), TC_ESTATE);
  /* Locks without TTL last until unlocked; independent names. */
  ck_assert_int_eq(c->try_lock(c->self, "A", "x", 0), TC_OK);
  ck_assert_int_eq(c->try_lock(c->self, "B", "y", 0), TC_OK);
  advance(86400000);
  ck_assert_int_eq(c->try_lock(c->self, "A", "y", 0), TC_EBUSY);
  ck_assert_int_eq(c->unlock(c->self, "A", "x"), TC_OK);
  ck_assert_int_eq(c->try_lock(c->self, "A", "y", 0), TC_OK);
  ck_assert_int_eq(c->try_lock(c->self, "A", "y", -1), TC_EINVAL);
  ck_assert_int_eq(c->try_lock(c->self, "A", "", 10), TC_EINVAL);
  ck_assert_int_eq(c->try_lock(c->self, "A", NULL, 10), TC_EINVAL);
  done(c);
}
END_TEST

START_TEST(bad_keys) {
  tc_cache *c = mk();
  char max[513], over[514];
  memset(max, 'k', 512);
  max[512] = '\0';
  memset(over, 'k', 513);
  over[513] = '\0';
  const char *bad[] = {"", over, NULL};
  int64_t n;
  tc_buf b = TC_BUF_INIT;
  for (size_t i = 0; i < 3; i++) {
    const char *k = bad[i];
    ck_assert_int_eq(c->get(c->self, k, &b), TC_EINVAL);
    ck_assert_int_eq(c->set(c->self, k, "v", 1, 0), TC_EINVAL);
    ck_assert_int_eq(c->del(c->self, k), TC_EINVAL);
    ck_assert_int_eq(c->incr(c->self, k, 1, 0, &n), TC_EINVAL);
    ck_assert_int_eq(c->try_lock(c->self, k, "o", 10), TC_EINVAL);
    ck_assert_int_eq(c->unlock(c->self, k, "o"), TC_EINVAL);
  }
  ck_assert_int_eq(c->set(c->self, max, "v", 1, 0), TC_OK);
  ck_assert_int_eq(c->get(c->self, max, &b), TC_OK);
  ck_assert_str_eq(b.ptr, "v");
  ck_assert_int_eq(c->get(c->self, "k", NULL), TC_EINVAL);
  tc_buf_dispose(&b);
  done(c);
}
END_TEST

/* ---- token buckets (port version 2) ---------------------------------------
 */

static bool has_buckets(tc_cache *c) {
  return c->version >= 2 && c->take_tokens;
}

static int take_tokens(tc_cache *c, const char *key, uint32_t cost,
                       int64_t *wait) {
  /* 3 tokens, one more every second */
  return c->take_tokens(c->self, key, 3, 1, 1000, cost, wait);
}

START_TEST(token_bucket) {
  tc_cache *c = mk();
  if (!has_buckets(c)) {
    done(c);
    return;
  }
  int64_t wait = -1;
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(take_tokens(c, "api:alice", 1, &wait), TC_OK);
  ck_assert_int_eq(take_tokens(c, "api:alice", 1, &wait), TC_ELIMIT);
  ck_assert_int_eq(wait, 1000);
  /* other keys have their own bucket */
  ck_assert_int_eq(take_tokens(c, "api:bob", 3, &wait), TC_OK);
  advance(400);
  ck_assert_int_eq(take_tokens(c, "api:alice", 1, &wait), TC_ELIMIT);
  ck_assert_int_eq(wait, 600);
  advance(600);
  ck_assert_int_eq(take_tokens(c, "api:alice", 1, &wait), TC_OK);
  /* refilling is continuous: half a token after half a second */
  advance(1500);
  ck_assert_int_eq(take_tokens(c, "api:alice", 2, &wait), TC_ELIMIT);
  ck_assert_int_eq(wait, 500);
  advance(500);
  ck_assert_int_eq(take_tokens(c, "api:alice", 2, &wait), TC_OK);
  /* a long rest fills it to capacity, never beyond */
  advance(3600000);
  ck_assert_int_eq(take_tokens(c, "api:alice", 3, &wait), TC_OK);
  ck_assert_int_eq(take_tokens(c, "api:alice", 1, NULL), TC_ELIMIT);
  /* what the port refuses */
  ck_assert_int_eq(take_tokens(c, "api:alice", 4, &wait), TC_EINVAL);
  ck_assert_int_eq(take_tokens(c, "api:alice", 0, &wait), TC_EINVAL);
  ck_assert_int_eq(c->take_tokens(c->self, "k", 0, 1, 1000, 1, NULL),
                   TC_EINVAL);
  ck_assert_int_eq(c->take_tokens(c->self, "k", 1, 0, 1000, 1, NULL),
                   TC_EINVAL);
  ck_assert_int_eq(c->take_tokens(c->self, "k", 1, 1, 0, 1, NULL), TC_EINVAL);
  ck_assert_int_eq(c->take_tokens(c->self, "", 1, 1, 1000, 1, NULL), TC_EINVAL);
  /* a key that holds a value is not a bucket */
  ck_assert_int_eq(set_text(c, "plain", "v", 0), TC_OK);
  ck_assert_int_eq(c->take_tokens(c->self, "plain", 1, 1, 1000, 1, NULL),
                   TC_ESTATE);
  done(c);
}
END_TEST

/* ---- concurrency ----------------------------------------------------------
 */

#define INCR_THREADS 4
#define INCR_EACH 10000

typedef struct worker {
  tc_cache *cache;
  pthread_barrier_t *start;
  int id;
  int failures; /* calls that did not return TC_OK */
  int result;
} worker;

static void *incr_worker(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start);
  int64_t n;
  for (int i = 0; i < INCR_EACH; i++)
    if (w->cache->incr(w->cache->self, "hits", 1, 0, &n) != TC_OK)
      w->failures++;
  return NULL;
}

START_TEST(concurrent_incr) {
  tc_cache *c = mk();
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, INCR_THREADS);
  pthread_t th[INCR_THREADS];
  worker w[INCR_THREADS];
  for (int i = 0; i < INCR_THREADS; i++) {
    w[i] = (worker){c, &start, i, 0, 0};
    ck_assert_int_eq(pthread_create(&th[i], NULL, incr_worker, &w[i]), 0);
  }
  for (int i = 0; i < INCR_THREADS; i++) {
    pthread_join(th[i], NULL);
    ck_assert_int_eq(w[i].failures, 0);
  }
  pthread_barrier_destroy(&start);
  int64_t n = 0;
  ck_assert_int_eq(c->incr(c->self, "hits", 0, 0, &n), TC_OK);
  ck_assert_int_eq(n, (int64_t)INCR_THREADS * INCR_EACH);
  done(c);
}
END_TEST

#define LOCK_THREADS 8

static void *lock_worker(void *arg) {
  worker *w = arg;
  char owner[32];
  snprintf(owner, sizeof(owner), "owner-%d", w->id);
  pthread_barrier_wait(w->start);
  w->result = w->cache->try_lock(w->cache->self, "race", owner, 60000);
  return NULL;
}

static void *bucket_worker(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start);
  for (int i = 0; i < 100; i++) {
    /* 50 tokens that never come back within the test */
    int rc = w->cache->take_tokens(w->cache->self, "shared-bucket", 50, 1,
                                   1000000000, 1, NULL);
    if (rc == TC_OK)
      w->result++;
    else if (rc != TC_ELIMIT)
      w->failures++;
  }
  return NULL;
}

START_TEST(concurrent_bucket) {
  tc_cache *c = mk();
  if (!has_buckets(c)) {
    done(c);
    return;
  }
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, INCR_THREADS);
  pthread_t th[INCR_THREADS];
  worker w[INCR_THREADS];
  for (int i = 0; i < INCR_THREADS; i++) {
    w[i] = (worker){c, &start, i, 0, 0};
    ck_assert_int_eq(pthread_create(&th[i], NULL, bucket_worker, &w[i]), 0);
  }
  int taken = 0;
  for (int i = 0; i < INCR_THREADS; i++) {
    pthread_join(th[i], NULL);
    ck_assert_int_eq(w[i].failures, 0);
    taken += w[i].result;
  }
  pthread_barrier_destroy(&start);
  ck_assert_int_eq(taken, 50);
  done(c);
}
END_TEST

START_TEST(lock_race) {
  tc_cache *c = mk();
  for (int round = 0; round < 20; round++) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, LOCK_THREADS);
    pthread_t th[LOCK_THREADS];
    worker w[LOCK_THREADS];
    for (int i = 0; i < LOCK_THREADS; i++) {
      w[i] = (worker){c, &start, i, 0, 0};
      ck_assert_int_eq(pthread_create(&th[i], NULL, lock_worker, &w[i]), 0);
    }
    int winners = 0, winner = -1;
    for (int i = 0; i < LOCK_THREADS; i++) {
      pthread_join(th[i], NULL);
      if (w[i].result == TC_OK) {
        winners++;
        winner = i;
      } else {
        ck_assert_int_eq(w[i].result, TC_EBUSY);
      }
    }
    pthread_barrier_destroy(&start);
    ck_assert_int_eq(winners, 1);
    char owner[32];
    snprintf(owner, sizeof(owner), "owner-%d", winner);
    ck_assert_int_eq(c->unlock(c->self, "race", owner), TC_OK);
  }
  done(c);
}
END_TEST

TCase *tc_cache_suite_tcase(const tc_cache_fixture *fixture) {
  fx = fixture;
  TCase *tc = tcase_create("cache conformance");
  tcase_add_test(tc, set_get_appends);
  tcase_add_test(tc, overwrite);
  tcase_add_test(tc, del_and_missing);
  tcase_add_test(tc, binary_value);
  tcase_add_test(tc, empty_value);
  tcase_add_test(tc, many_keys);
  tcase_add_test(tc, ttl_expiry);
  tcase_add_test(tc, incr_basic);
  tcase_add_test(tc, incr_ttl_only_on_create);
  tcase_add_test(tc, incr_not_integer);
  tcase_add_test(tc, incr_overflow);
  tcase_add_test(tc, lock_semantics);
  tcase_add_test(tc, bad_keys);
  tcase_add_test(tc, concurrent_incr);
  tcase_add_test(tc, lock_race);
  tcase_add_test(tc, token_bucket);
  tcase_add_test(tc, concurrent_bucket);
  return tc;
}
