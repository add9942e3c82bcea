/* Retry, circuit breaker and token bucket (techcorp/resilience.h). */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

/* ---- retry delays -----------------------------------------------------------
 */

START_TEST(delay_caps_grow_and_stop) {
  tc_retry_policy p = TC_RETRY_POLICY_INIT; /* 100 ms base, 5000 max */
  int64_t want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
  for (uint32_t r = 1; r <= 8; r++)
    ck_assert_int_eq(tc_retry_delay_ms(&p, r, UINT32_MAX), want[r - 1]);
  /* Doubling never overflows, however far it goes. */
  ck_assert_int_eq(tc_retry_delay_ms(&p, 63, UINT32_MAX), 5000);
  ck_assert_int_eq(tc_retry_delay_ms(&p, 64, UINT32_MAX), 5000);
  ck_assert_int_eq(tc_retry_delay_ms(&p, UINT32_MAX, UINT32_MAX), 5000);
  tc_retry_policy huge = {TC_RETRY_POLICY_VERSION, 3, INT64_MAX / 2 + 1,
                          INT64_MAX};
  ck_assert_int_eq(
      tc_retry_delay_ms(&huge, 1, UINT32_MAX),
      (int64_t)(((unsigned __int128)(INT64_MAX / 2 + 2) * UINT32_MAX) >> 32));
  int64_t d = tc_retry_delay_ms(&huge, 2, UINT32_MAX);
  ck_assert_int_ge(d, INT64_MAX - (INT64_MAX >> 31));
  ck_assert_int_eq(tc_retry_delay_ms(&huge, 100, 0), 0);
  /* A base above the maximum is capped at the maximum. */
  tc_retry_policy inverted = {TC_RETRY_POLICY_VERSION, 3, 900, 300};
  ck_assert_int_eq(tc_retry_delay_ms(&inverted, 1, UINT32_MAX), 300);
  tc_retry_policy zero = {TC_RETRY_POLICY_VERSION, 3, 0, 1000};
  ck_assert_int_eq(tc_retry_delay_ms(&zero, 5, UINT32_MAX), 0);
}
END_TEST

START_TEST(delay_full_jitter) {
  tc_retry_policy p = {TC_RETRY_POLICY_VERSION, 5, 100, 10000};
  /* The word picks uniformly in [0, cap]: both ends are reachable. */
  ck_assert_int_eq(tc_retry_delay_ms(&p, 1, 0), 0);
  ck_assert_int_eq(tc_retry_delay_ms(&p, 1, UINT32_MAX), 100);
  ck_assert_int_eq(tc_retry_delay_ms(&p, 1, 1u << 31), 50);
  ck_assert_int_eq(tc_retry_delay_ms(&p, 3, 1u << 30), 100); /* cap 400 */
  /* Monotonic in the word, bounded by the cap, and spread over it. */
  for (uint32_t r = 1; r <= 5; r++) {
    int64_t cap = tc_retry_delay_ms(&p, r, UINT32_MAX), prev = 0;
    int64_t buckets[4] = {0, 0, 0, 0};
    int wrong = 0; /* counted, not asserted: Check's asserts are slow */
    for (uint64_t w = 0; w <= UINT32_MAX; w += 65537) {
      int64_t d = tc_retry_delay_ms(&p, r, (uint32_t)w);
      if (d < prev || d > cap) {
        wrong++;
        continue;
      }
      buckets[d * 4 / (cap + 1)]++;
      prev = d;
    }
    ck_assert_int_eq(wrong, 0);
    for (int b = 0; b < 4; b++) ck_assert_int_gt(buckets[b], 15000);
  }
}
END_TEST

START_TEST(delay_malformed) {
  tc_retry_policy p = TC_RETRY_POLICY_INIT;
  ck_assert_int_eq(tc_retry_delay_ms(NULL, 1, 5), -1);
  ck_assert_int_eq(tc_retry_delay_ms(&p, 0, 5), -1);
  p.base_delay_ms = -1;
  ck_assert_int_eq(tc_retry_delay_ms(&p, 1, 5), -1);
  p.base_delay_ms = 100;
  p.max_delay_ms = -5;
  ck_assert_int_eq(tc_retry_delay_ms(&p, 1, 5), -1);
  p.max_delay_ms = 5000;
  p.version = 0;
  ck_assert_int_eq(tc_retry_delay_ms(&p, 1, 5), -1);
}
END_TEST

START_TEST(transient_codes) {
  ck_assert(tc_status_is_transient(TC_EUNAVAILABLE));
  ck_assert(tc_status_is_transient(TC_ETIMEOUT));
  ck_assert(tc_status_is_transient(TC_EBUSY));
  int final[] = {TC_OK,        TC_ERROR,   TC_EINVAL,   TC_EDECLINED,
                 TC_ENOTFOUND, TC_ELIMIT,  TC_ESTORAGE, TC_EPROVIDER,
                 TC_ENOMEM,    TC_EDENIED, 1,           -1000};
  for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
    ck_assert(!tc_status_is_transient(final[i]));
}
END_TEST

/* ---- retry_run
 * ---------------------------------------------------------------- */

static void fill_ff(void *self, void *buf, size_t n) {
  (*(int *)self)++;
  memset(buf, 0xff, n);
}

typedef struct env {
  tt_clock clock;
  tc_clock no_sleep;
  int random_calls;
  tc_random random;
  tc_store *store;
  tc_ctx *ctx;
} env;

static void env_open(env *e, int can_sleep) {
  memset(e, 0, sizeof(*e));
  tt_clock_init(&e->clock, 1000000);
  e->no_sleep = e->clock.clock;
  e->no_sleep.sleep_ms = NULL;
  e->random = (tc_random){TC_RANDOM_VERSION, &e->random_calls, fill_ff};
  ck_assert_int_eq(tc_store_sqlite_open(&e->store, ":memory:", NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = e->store;
  cfg.clock = can_sleep ? &e->clock.clock : &e->no_sleep;
  cfg.random = &e->random;
  ck_assert_msg(tc_ctx_new(&e->ctx, &cfg) == TC_OK, "%s",
                tc_last_error_message());
  e->random_calls = 0;
}

static void env_close(env *e) {
  tc_ctx_free(e->ctx);
  e->store->free(e->store->self);
}

typedef struct script {
  const int *codes; /* returned in turn; the last one repeats */
  int n;
  int calls;
} script;

static int scripted(void *payload) {
  script *s = payload;
  int i = s->calls < s->n ? s->calls : s->n - 1;
  s->calls++;
  return s->codes[i];
}

START_TEST(retry_until_attempts_used) {
  env e;
  env_open(&e, 1);
  tc_retry_policy p = {TC_RETRY_POLICY_VERSION, 4, 100, 250};
  const int codes[] = {TC_EUNAVAILABLE};
  script s = {codes, 1, 0};
  ck_assert_int_eq(tc_retry_run(e.ctx, &p, scripted, &s), TC_EUNAVAILABLE);
  ck_assert_int_eq(s.calls, 4);
  /* All-ones random words pick the cap each time: 100 + 200 + 250. */
  ck_assert_int_eq(e.clock.slept, 550);
  ck_assert_int_eq(e.random_calls, 3);
  env_close(&e);
}
END_TEST

START_TEST(retry_stops_on_success_or_final) {
  env e;
  env_open(&e, 1);
  tc_retry_policy p = {TC_RETRY_POLICY_VERSION, 5, 100, 5000};
  const int ok_third[] = {TC_ETIMEOUT, TC_EBUSY, TC_OK};
  script s = {ok_third, 3, 0};
  ck_assert_int_eq(tc_retry_run(e.ctx, &p, scripted, &s), TC_OK);
  ck_assert_int_eq(s.calls, 3);
  ck_assert_int_eq(e.clock.slept, 300);
  const int declined[] = {TC_EUNAVAILABLE, TC_EDECLINED, TC_OK};
  script d = {declined, 3, 0};
  ck_assert_int_eq(tc_retry_run(e.ctx, &p, scripted, &d), TC_EDECLINED);
  ck_assert_int_eq(d.calls, 2);
  ck_assert_int_eq(e.clock.slept, 400);
  const int bad[] = {TC_EINVAL};
  script b = {bad, 1, 0};
  ck_assert_int_eq(tc_retry_run(e.ctx, &p, scripted, &b), TC_EINVAL);
  ck_assert_int_eq(b.calls, 1);
  ck_assert_int_eq(e.clock.slept, 400); /* no sleep for a final answer */
  env_close(&e);
}
END_TEST

START_TEST(retry_defaults_and_misuse) {
  env e;
  env_open(&e, 1);
  const int codes[] = {TC_EUNAVAILABLE};
  script s = {codes, 1, 0};
  /* NULL policy: 3 calls, 100 then 200 ms. */
  ck_assert_int_eq(tc_retry_run(e.ctx, NULL, scripted, &s), TC_EUNAVAILABLE);
  ck_assert_int_eq(s.calls, 3);
  ck_assert_int_eq(e.clock.slept, 300);
  /* max_attempts 0 still makes the one call. */
  tc_retry_policy p = {TC_RETRY_POLICY_VERSION, 0, 100, 5000};
  s.calls = 0;
  ck_assert_int_eq(tc_retry_run(e.ctx, &p, scripted, &s), TC_EUNAVAILABLE);
  ck_assert_int_eq(s.calls, 1);
  /* A malformed policy gives no retries. */
  p.max_attempts = 3;
  p.base_delay_ms = -1;
  s.calls = 0;
  ck_assert_int_eq(tc_retry_run(e.ctx, &p, scripted, &s), TC_EUNAVAILABLE);
  ck_assert_int_eq(s.calls, 1);
  ck_assert_int_eq(tc_retry_run(e.ctx, NULL, NULL, &s), TC_EINVAL);
  ck_assert_str_ne(tc_errmsg(e.ctx), "");
  ck_assert_int_eq(tc_retry_run(NULL, NULL, scripted, &s), TC_EINVAL);
  env_close(&e);
}
END_TEST

START_TEST(retry_without_sleep_calls_once) {
  env e;
  env_open(&e, 0);
  const int codes[] = {TC_EUNAVAILABLE};
  script s = {codes, 1, 0};
  ck_assert_int_eq(tc_retry_run(e.ctx, NULL, scripted, &s), TC_EUNAVAILABLE);
  ck_assert_int_eq(s.calls, 1);
  ck_assert_int_eq(e.clock.slept, 0);
  env_close(&e);
}
END_TEST

/* ---- breaker
 * ------------------------------------------------------------------ */

static tc_breaker *breaker(uint32_t threshold, int64_t open_ms,
                           uint32_t trials) {
  tc_breaker_options o = TC_BREAKER_OPTIONS_INIT;
  o.failure_threshold = threshold;
  o.open_ms = open_ms;
  o.half_open_calls = trials;
  tc_breaker *b = NULL;
  ck_assert_int_eq(tc_breaker_new(&b, &o), TC_OK);
  return b;
}

/* allow() then record(): one call through the breaker. */
static int call(tc_breaker *b, int64_t now, int success) {
  int rc = tc_breaker_allow(b, now);
  if (rc == TC_OK) tc_breaker_record(b, now, success);
  return rc;
}

START_TEST(breaker_opens_on_consecutive_failures) {
  tc_breaker *b = breaker(3, 1000, 1);
  ck_assert_int_eq(tc_breaker_state_at(b, 0), TC_BREAKER_CLOSED);
  ck_assert_int_eq(call(b, 0, 0), TC_OK);
  ck_assert_int_eq(call(b, 1, 0), TC_OK);
  ck_assert_int_eq(call(b, 2, 1), TC_OK); /* a success resets the count */
  ck_assert_int_eq(call(b, 3, 0), TC_OK);
  ck_assert_int_eq(call(b, 4, 0), TC_OK);
  ck_assert_int_eq(tc_breaker_state_at(b, 4), TC_BREAKER_CLOSED);
  ck_assert_int_eq(call(b, 5, 0), TC_OK); /* third in a row */
  ck_assert_int_eq(tc_breaker_state_at(b, 5), TC_BREAKER_OPEN);
  ck_assert_int_eq(tc_breaker_allow(b, 6), TC_EUNAVAILABLE);
  ck_assert_int_eq(tc_breaker_allow(b, 1004), TC_EUNAVAILABLE);
  ck_assert_int_eq(tc_breaker_state_at(b, 1004), TC_BREAKER_OPEN);
  ck_assert_int_eq(tc_breaker_state_at(b, 1005), TC_BREAKER_HALF_OPEN);
  tc_breaker_free(b);
}
END_TEST

START_TEST(breaker_half_open_trials) {
  tc_breaker *b = breaker(1, 1000, 2);
  ck_assert_int_eq(call(b, 0, 0), TC_OK);
  ck_assert_int_eq(tc_breaker_state_at(b, 0), TC_BREAKER_OPEN);
  /* Two trials go out; a third is refused while they are pending. */
  ck_assert_int_eq(tc_breaker_allow(b, 1000), TC_OK);
  ck_assert_int_eq(tc_breaker_allow(b, 1001), TC_OK);
  ck_assert_int_eq(tc_breaker_allow(b, 1002), TC_EUNAVAILABLE);
  tc_breaker_record(b, 1003, 1);
  ck_assert_int_eq(tc_breaker_state_at(b, 1003), TC_BREAKER_HALF_OPEN);
  ck_assert_int_eq(tc_breaker_allow(b, 1003), TC_EUNAVAILABLE);
  tc_breaker_record(b, 1004, 1); /* every trial succeeded */
  ck_assert_int_eq(tc_breaker_state_at(b, 1004), TC_BREAKER_CLOSED);
  ck_assert_int_eq(tc_breaker_allow(b, 1005), TC_OK);
  tc_breaker_record(b, 1005, 1);
  /* Closed again with a fresh count: one failure (threshold 1) opens. */
  ck_assert_int_eq(call(b, 1006, 0), TC_OK);
  ck_assert_int_eq(tc_breaker_state_at(b, 1006), TC_BREAKER_OPEN);
  tc_breaker_free(b);
}
END_TEST

START_TEST(breaker_failed_trial_reopens) {
  tc_breaker *b = breaker(2, 500, 3);
  call(b, 0, 0);
  call(b, 0, 0);
  ck_assert_int_eq(tc_breaker_state_at(b, 0), TC_BREAKER_OPEN);
  ck_assert_int_eq(tc_breaker_allow(b, 500), TC_OK);
  ck_assert_int_eq(tc_breaker_allow(b, 500), TC_OK);
  tc_breaker_record(b, 510, 1);
  tc_breaker_record(b, 520, 0); /* one trial failed */
  ck_assert_int_eq(tc_breaker_state_at(b, 520), TC_BREAKER_OPEN);
  /* The open period restarts at the failure. */
  ck_assert_int_eq(tc_breaker_allow(b, 1019), TC_EUNAVAILABLE);
  /* A late answer while open changes nothing. */
  tc_breaker_record(b, 1019, 1);
  ck_assert_int_eq(tc_breaker_state_at(b, 1019), TC_BREAKER_OPEN);
  ck_assert_int_eq(tc_breaker_state_at(b, 1020), TC_BREAKER_HALF_OPEN);
  /* Nor does a success with no trial out while half-open. */
  tc_breaker_record(b, 1020, 1);
  ck_assert_int_eq(tc_breaker_state_at(b, 1020), TC_BREAKER_HALF_OPEN);
  for (int i = 0; i < 3; i++) ck_assert_int_eq(call(b, 1020, 1), TC_OK);
  ck_assert_int_eq(tc_breaker_state_at(b, 1020), TC_BREAKER_CLOSED);
  tc_breaker_free(b);
}
END_TEST

START_TEST(breaker_lost_trials_expire) {
  tc_breaker *b = breaker(1, 1000, 1);
  call(b, 0, 0);
  ck_assert_int_eq(tc_breaker_allow(b, 1000), TC_OK); /* never recorded */
  ck_assert_int_eq(tc_breaker_allow(b, 1500), TC_EUNAVAILABLE);
  /* After another open period new trials are let through. */
  ck_assert_int_eq(tc_breaker_allow(b, 2000), TC_OK);
  tc_breaker_record(b, 2000, 1);
  ck_assert_int_eq(tc_breaker_state_at(b, 2000), TC_BREAKER_CLOSED);
  tc_breaker_free(b);
}
END_TEST

START_TEST(breaker_options) {
  tc_breaker *b = (tc_breaker *)1;
  ck_assert_int_eq(tc_breaker_new(NULL, NULL), TC_EINVAL);
  tc_breaker_options o = TC_BREAKER_OPTIONS_INIT;
  o.version = 0;
  ck_assert_int_eq(tc_breaker_new(&b, &o), TC_EINVAL);
  ck_assert_ptr_null(b);
  o.version = TC_BREAKER_OPTIONS_VERSION;
  o.open_ms = -1;
  ck_assert_int_eq(tc_breaker_new(&b, &o), TC_EINVAL);
  /* Defaults: 5 failures, 30 s open, 1 trial. */
  ck_assert_int_eq(tc_breaker_new(&b, NULL), TC_OK);
  for (int i = 0; i < 4; i++) call(b, 0, 0);
  ck_assert_int_eq(tc_breaker_state_at(b, 0), TC_BREAKER_CLOSED);
  call(b, 0, 0);
  ck_assert_int_eq(tc_breaker_state_at(b, 29999), TC_BREAKER_OPEN);
  ck_assert_int_eq(tc_breaker_allow(b, 30000), TC_OK);
  ck_assert_int_eq(tc_breaker_allow(b, 30000), TC_EUNAVAILABLE);
  tc_breaker_free(b);
  tc_breaker_free(NULL);
  ck_assert_int_eq(tc_breaker_allow(NULL, 0), TC_EINVAL);
  tc_breaker_record(NULL, 0, 1);
}
END_TEST

#define RACERS 8

typedef struct racer {
  tc_breaker *b;
  tc_limiter *l;
  pthread_barrier_t *start;
  _Atomic int64_t *clock;
  int granted;
} racer;

static void *breaker_racer(void *arg) {
  racer *r = arg;
  pthread_barrier_wait(r->start);
  for (int i = 0; i < 100; i++)
    if (tc_breaker_allow(r->b, 5000) == TC_OK) r->granted++;
  return NULL;
}

START_TEST(breaker_half_open_limit_threads) {
  tc_breaker *b = breaker(1, 1000, 3);
  call(b, 0, 0);
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, RACERS);
  pthread_t th[RACERS];
  racer r[RACERS];
  for (int i = 0; i < RACERS; i++) {
    r[i] = (racer){b, NULL, &start, NULL, 0};
    ck_assert_int_eq(pthread_create(&th[i], NULL, breaker_racer, &r[i]), 0);
  }
  int granted = 0;
  for (int i = 0; i < RACERS; i++) {
    pthread_join(th[i], NULL);
    granted += r[i].granted;
  }
  pthread_barrier_destroy(&start);
  ck_assert_int_eq(granted, 3);
  tc_breaker_free(b);
}
END_TEST

/* ---- limiter ----------------------------------------------------------------
 */

static tc_limiter *limiter(uint32_t cap, uint32_t tokens, int64_t every,
                           int64_t now) {
  tc_limiter_options o = {TC_LIMITER_OPTIONS_VERSION, cap, tokens, every};
  tc_limiter *l = NULL;
  ck_assert_int_eq(tc_limiter_new(&l, &o, now), TC_OK);
  return l;
}

START_TEST(limiter_burst_and_refill) {
  tc_limiter *l = limiter(5, 1, 1000, 10000);
  int64_t after = -1;
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(tc_limiter_take(l, 10000, 1, &after), TC_OK);
  ck_assert_int_eq(tc_limiter_take(l, 10000, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 1000);
  ck_assert_int_eq(tc_limiter_take(l, 10400, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 600);
  ck_assert_int_eq(tc_limiter_take(l, 10999, 1, NULL), TC_ELIMIT);
  ck_assert_int_eq(tc_limiter_take(l, 11000, 1, &after), TC_OK);
  ck_assert_int_eq(tc_limiter_take(l, 11000, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 1000);
  /* A long idle time fills the bucket, never past its capacity. */
  int ok = 0;
  while (tc_limiter_take(l, 99999999, 1, NULL) == TC_OK) ok++;
  ck_assert_int_eq(ok, 5);
  tc_limiter_free(l);
}
END_TEST

START_TEST(limiter_retry_after_exact) {
  /* 3 tokens a second: one token every 333.33 ms, with no drift. */
  tc_limiter *l = limiter(3, 3, 1000, 0);
  int64_t after = 0;
  ck_assert_int_eq(tc_limiter_take(l, 0, 3, &after), TC_OK);
  ck_assert_int_eq(tc_limiter_take(l, 0, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 334);
  ck_assert_int_eq(tc_limiter_take(l, 333, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 1);
  ck_assert_int_eq(tc_limiter_take(l, 334, 1, &after), TC_OK);
  /* Fractions carry over: 300 takes of one token need exactly 100 s. */
  int granted = 0;
  for (int64_t t = 334; t <= 100334; t++)
    if (tc_limiter_take(l, t, 1, NULL) == TC_OK) granted++;
  ck_assert_int_eq(granted, 300);
  /* A bigger cost waits for all of it. */
  tc_limiter *m = limiter(10, 1, 100, 0);
  for (int i = 0; i < 8; i++) tc_limiter_take(m, 0, 1, NULL);
  ck_assert_int_eq(tc_limiter_take(m, 0, 5, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 300);
  ck_assert_int_eq(tc_limiter_take(m, 299, 5, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 1);
  ck_assert_int_eq(tc_limiter_take(m, 300, 5, &after), TC_OK);
  tc_limiter_free(m);
  tc_limiter_free(l);
}
END_TEST

START_TEST(limiter_cost_and_options) {
  tc_limiter *l = limiter(4, 1, 1000, 0);
  int64_t after = 77;
  ck_assert_int_eq(tc_limiter_take(l, 0, 5, &after), TC_EINVAL);
  ck_assert_int_eq(after, 77);
  ck_assert_int_eq(tc_limiter_take(l, 0, 0, &after), TC_OK);
  ck_assert_int_eq(tc_limiter_take(l, 0, 4, &after), TC_OK);
  ck_assert_int_eq(tc_limiter_take(NULL, 0, 1, &after), TC_EINVAL);
  tc_limiter_free(l);
  tc_limiter_free(NULL);

  tc_limiter *x = (tc_limiter *)1;
  tc_limiter_options o = {TC_LIMITER_OPTIONS_VERSION, 0, 1, 1000};
  ck_assert_int_eq(tc_limiter_new(&x, &o, 0), TC_EINVAL);
  ck_assert_ptr_null(x);
  o.capacity = 1;
  o.refill_every_ms = 0;
  ck_assert_int_eq(tc_limiter_new(&x, &o, 0), TC_EINVAL);
  o.refill_every_ms = INT64_MAX; /* capacity x period must fit */
  o.capacity = 4;
  ck_assert_int_eq(tc_limiter_new(&x, &o, 0), TC_EINVAL);
  o.version = 0;
  o.refill_every_ms = 1000;
  ck_assert_int_eq(tc_limiter_new(&x, &o, 0), TC_EINVAL);
  ck_assert_int_eq(tc_limiter_new(NULL, NULL, 0), TC_EINVAL);
  /* NULL options: 10 tokens, one a second. */
  ck_assert_int_eq(tc_limiter_new(&x, NULL, 0), TC_OK);
  ck_assert_int_eq(tc_limiter_take(x, 0, 10, &after), TC_OK);
  ck_assert_int_eq(tc_limiter_take(x, 0, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 1000);
  tc_limiter_free(x);

  /* A bucket that never refills says so. */
  tc_limiter *once = limiter(2, 0, 1000, 0);
  ck_assert_int_eq(tc_limiter_take(once, 0, 2, NULL), TC_OK);
  ck_assert_int_eq(tc_limiter_take(once, 1000000, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, INT64_MAX);
  tc_limiter_free(once);
}
END_TEST

START_TEST(limiter_clock_backwards) {
  tc_limiter *l = limiter(2, 1, 1000, 10000);
  int64_t after = 0;
  ck_assert_int_eq(tc_limiter_take(l, 10000, 2, NULL), TC_OK);
  /* Time seen again from before: nothing refills twice. */
  ck_assert_int_eq(tc_limiter_take(l, 9000, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, 2000);
  ck_assert_int_eq(tc_limiter_take(l, 10999, 1, NULL), TC_ELIMIT);
  ck_assert_int_eq(tc_limiter_take(l, 11000, 1, NULL), TC_OK);
  /* Extremes of time do not overflow. */
  ck_assert_int_eq(tc_limiter_take(l, INT64_MAX, 2, NULL), TC_OK);
  ck_assert_int_eq(tc_limiter_take(l, INT64_MIN, 1, &after), TC_ELIMIT);
  ck_assert_int_eq(after, INT64_MAX);
  tc_limiter_free(l);
}
END_TEST

static void *limiter_racer(void *arg) {
  racer *r = arg;
  pthread_barrier_wait(r->start);
  for (int i = 0; i < 5000; i++) {
    int64_t now = atomic_fetch_add(r->clock, 1);
    if (tc_limiter_take(r->l, now, 1, NULL) == TC_OK) r->granted++;
  }
  return NULL;
}

START_TEST(limiter_threads_within_budget) {
  /* 100 at once, then 10 per 100 ms; time moves 1 ms per call. */
  tc_limiter *l = limiter(100, 10, 100, 0);
  _Atomic int64_t clock = 0;
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, RACERS);
  pthread_t th[RACERS];
  racer r[RACERS];
  for (int i = 0; i < RACERS; i++) {
    r[i] = (racer){NULL, l, &start, &clock, 0};
    ck_assert_int_eq(pthread_create(&th[i], NULL, limiter_racer, &r[i]), 0);
  }
  int granted = 0;
  for (int i = 0; i < RACERS; i++) {
    pthread_join(th[i], NULL);
    granted += r[i].granted;
  }
  pthread_barrier_destroy(&start);
  int64_t elapsed = atomic_load(&clock) - 1;
  int64_t budget = 100 + elapsed * 10 / 100;
  ck_assert_int_le(granted, budget);
  ck_assert_int_ge(granted, budget - 110); /* and it was not stingy */
  tc_limiter_free(l);
}
END_TEST

int main(void) {
  Suite *s = suite_create("resilience");
  TCase *retry = tcase_create("retry");
  tcase_add_test(retry, delay_caps_grow_and_stop);
  tcase_add_test(retry, delay_full_jitter);
  tcase_add_test(retry, delay_malformed);
  tcase_add_test(retry, transient_codes);
  tcase_add_test(retry, retry_until_attempts_used);
  tcase_add_test(retry, retry_stops_on_success_or_final);
  tcase_add_test(retry, retry_defaults_and_misuse);
  tcase_add_test(retry, retry_without_sleep_calls_once);
  suite_add_tcase(s, retry);
  TCase *br = tcase_create("breaker");
  tcase_add_test(br, breaker_opens_on_consecutive_failures);
  tcase_add_test(br, breaker_half_open_trials);
  tcase_add_test(br, breaker_failed_trial_reopens);
  tcase_add_test(br, breaker_lost_trials_expire);
  tcase_add_test(br, breaker_options);
  tcase_add_test(br, breaker_half_open_limit_threads);
  suite_add_tcase(s, br);
  TCase *lim = tcase_create("limiter");
  tcase_add_test(lim, limiter_burst_and_refill);
  tcase_add_test(lim, limiter_retry_after_exact);
  tcase_add_test(lim, limiter_cost_and_options);
  tcase_add_test(lim, limiter_clock_backwards);
  tcase_add_test(lim, limiter_threads_within_budget);
  suite_add_tcase(s, lim);
  return tt_run(s);
}
