/* Retry with backoff, a circuit breaker and a token bucket. */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

/* ---- retry -------------------------------------------------------------- */

int tc_status_is_transient(int code) {
  return code == TC_EUNAVAILABLE || code == TC_ETIMEOUT || code == TC_EBUSY;
}

int64_t tc_retry_delay_ms(const tc_retry_policy *policy, uint32_t retry,
                          uint32_t random_word) {
  if (!policy || policy->version < 1 || policy->base_delay_ms < 0 ||
      policy->max_delay_ms < 0 || retry < 1)
    return -1;
  int64_t base = policy->base_delay_ms, max = policy->max_delay_ms;
  uint32_t shift = retry - 1;
  int64_t cap;
  /* base * 2^shift without overflow: anything past max is max. */
  if (base == 0)
    cap = 0;
  else if (shift >= 62 || base > (max >> shift))
    cap = max;
  else
    cap = base << shift;
  if (cap > max) cap = max;
  /* Uniform in [0, cap]: scale the 32-bit word onto cap + 1 values. The
   * product needs 96 bits, hence the 128-bit intermediate. */
  unsigned __int128 span = (unsigned __int128)cap + 1;
  return (int64_t)((span * random_word) >> 32);
}

int tc_retry_run(tc_ctx *ctx, const tc_retry_policy *policy, tc_retry_fn fn,
                 void *payload) {
  static const tc_retry_policy defaults = TC_RETRY_POLICY_INIT;
  if (!ctx) return TC_EINVAL;
  if (!fn) return tc__seterr(ctx, TC_EINVAL, "fn", "retry: fn is NULL");
  if (!policy) policy = &defaults;
  uint32_t attempts = policy->max_attempts ? policy->max_attempts : 1;
  int rc = fn(payload);
  for (uint32_t done = 1; done < attempts && tc_status_is_transient(rc);
       done++) {
    /* A clock that cannot sleep would make retries back-to-back, which is
     * what backoff exists to avoid: then the first answer stands. */
    if (!ctx->clock.sleep_ms) break;
    int64_t delay = tc_retry_delay_ms(policy, done, tc__random_u32(ctx));
    if (delay < 0) break; /* malformed policy: no retries */
    if (delay > 0) ctx->clock.sleep_ms(ctx->clock.self, delay);
    rc = fn(payload);
  }
  return rc;
}

/* ---- circuit breaker ---------------------------------------------------- */

struct tc_breaker {
  pthread_mutex_t lock;
  uint32_t threshold;
  int64_t open_ms;
  uint32_t trials; /* half_open_calls */
  tc_breaker_state state;
  uint32_t failures;  /* consecutive, while closed */
  int64_t since;      /* when the current open or half-open state began */
  uint32_t granted;   /* trials let through while half-open */
  uint32_t succeeded; /* of those, reported successes */
};

int tc_breaker_new(tc_breaker **out, const tc_breaker_options *opts) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "breaker: out is NULL");
  *out = NULL;
  tc_breaker_options o = TC_BREAKER_OPTIONS_INIT;
  if (opts) {
    if (opts->version < 1)
      return tc__set_thread_error(
          TC_EINVAL, "breaker options: version %u is not valid", opts->version);
    o = *opts;
  }
  if (o.open_ms < 0)
    return tc__set_thread_error(TC_EINVAL,
                                "breaker options: open_ms must not be "
                                "negative");
  tc_breaker *b = calloc(1, sizeof(*b));
  if (!b) return tc__set_thread_error(TC_ENOMEM, "breaker: out of memory");
  if (pthread_mutex_init(&b->lock, NULL) != 0) {
    free(b);
    return tc__set_thread_error(TC_ERROR, "breaker: cannot create a mutex");
  }
  b->threshold = o.failure_threshold ? o.failure_threshold : 5;
  b->open_ms = o.open_ms ? o.open_ms : 30000;
  b->trials = o.half_open_calls ? o.half_open_calls : 1;
  b->state = TC_BREAKER_CLOSED;
  *out = b;
  return TC_OK;
}

void tc_breaker_free(tc_breaker *breaker) {
  if (!breaker) return;
  pthread_mutex_destroy(&breaker->lock);
  free(breaker);
}

/* now is at least ms after since (without overflow; a clock that went
 * backwards has not reached it). */
static bool elapsed(int64_t now, int64_t since, int64_t ms) {
  int64_t end;
  if (__builtin_add_overflow(since, ms, &end)) return false;
  return now >= end;
}

static void enter_half_open(tc_breaker *b, int64_t now_ms) {
  b->state = TC_BREAKER_HALF_OPEN;
  b->since = now_ms;
  b->granted = 0;
  b->succeeded = 0;
}

/* Move the state forward in time; the caller holds the lock. */
static void breaker_advance(tc_breaker *b, int64_t now_ms) {
  if (b->state == TC_BREAKER_OPEN && elapsed(now_ms, b->since, b->open_ms)) {
    enter_half_open(b, now_ms);
  } else if (b->state == TC_BREAKER_HALF_OPEN &&
             elapsed(now_ms, b->since, b->open_ms)) {
    /* Trials that never reported back (a caller that forgot to record)
     * would hold the breaker half-open forever; after another open period
     * new trials are let through. */
    enter_half_open(b, now_ms);
  }
}

static void breaker_open(tc_breaker *b, int64_t now_ms) {
  b->state = TC_BREAKER_OPEN;
  b->since = now_ms;
  b->failures = 0;
  b->granted = 0;
  b->succeeded = 0;
}

int tc_breaker_allow(tc_breaker *breaker, int64_t now_ms) {
  if (!breaker) return TC_EINVAL;
  int rc = TC_OK;
  pthread_mutex_lock(&breaker->lock);
  breaker_advance(breaker, now_ms);
  switch (breaker->state) {
    case TC_BREAKER_CLOSED:
      break;
    case TC_BREAKER_OPEN:
      rc = TC_EUNAVAILABLE;
      break;
    case TC_BREAKER_HALF_OPEN:
      if (breaker->granted < breaker->trials)
        breaker->granted++;
      else
        rc = TC_EUNAVAILABLE;
      break;
  }
  pthread_mutex_unlock(&breaker->lock);
  return rc;
}

void tc_breaker_record(tc_breaker *breaker, int64_t now_ms, int success) {
  if (!breaker) return;
  pthread_mutex_lock(&breaker->lock);
  switch (breaker->state) {
    case TC_BREAKER_CLOSED:
      if (success) {
        breaker->failures = 0;
      } else if (++breaker->failures >= breaker->threshold) {
        breaker_open(breaker, now_ms);
      }
      break;
    case TC_BREAKER_OPEN:
      /* A late answer to a call let through before the breaker opened:
       * the decision is already made. */
      break;
    case TC_BREAKER_HALF_OPEN:
      if (!success) {
        breaker_open(breaker, now_ms);
      } else if (breaker->succeeded < breaker->granted &&
                 ++breaker->succeeded >= breaker->trials) {
        breaker->state = TC_BREAKER_CLOSED;
        breaker->failures = 0;
      }
      break;
  }
  pthread_mutex_unlock(&breaker->lock);
}

tc_breaker_state tc_breaker_state_at(tc_breaker *breaker, int64_t now_ms) {
  if (!breaker) return TC_BREAKER_OPEN;
  pthread_mutex_lock(&breaker->lock);
  breaker_advance(breaker, now_ms);
  tc_breaker_state s = breaker->state;
  pthread_mutex_unlock(&breaker->lock);
  return s;
}

/* ---- token bucket ------------------------------------------------------- */

/* Tokens are kept scaled by refill_every_ms, so one millisecond adds
 * exactly refill_tokens units and no fraction is ever lost or rounded. */
struct tc_limiter {
  pthread_mutex_t lock;
  int64_t period; /* refill_every_ms */
  int64_t rate;   /* refill_tokens: units per ms */
  int64_t full;   /* capacity * period */
  uint32_t capacity;
  int64_t units;   /* tokens * period */
  int64_t last_ms; /* when units were last brought up to date */
};

int tc_limiter_new(tc_limiter **out, const tc_limiter_options *opts,
                   int64_t now_ms) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "limiter: out is NULL");
  *out = NULL;
  tc_limiter_options o = TC_LIMITER_OPTIONS_INIT;
  if (opts) {
    if (opts->version < 1)
      return tc__set_thread_error(
          TC_EINVAL, "limiter options: version %u is not valid", opts->version);
    o = *opts;
  }
  if (o.capacity < 1)
    return tc__set_thread_error(TC_EINVAL,
                                "limiter options: capacity must be >= 1");
  if (o.refill_every_ms < 1)
    return tc__set_thread_error(TC_EINVAL,
                                "limiter options: refill_every_ms must be "
                                ">= 1");
  int64_t full;
  if (__builtin_mul_overflow((int64_t)o.capacity, o.refill_every_ms, &full))
    return tc__set_thread_error(TC_EINVAL,
                                "limiter options: capacity x refill_every_ms "
                                "is too large");
  tc_limiter *l = calloc(1, sizeof(*l));
  if (!l) return tc__set_thread_error(TC_ENOMEM, "limiter: out of memory");
  if (pthread_mutex_init(&l->lock, NULL) != 0) {
    free(l);
    return tc__set_thread_error(TC_ERROR, "limiter: cannot create a mutex");
  }
  l->period = o.refill_every_ms;
  l->rate = o.refill_tokens;
  l->capacity = o.capacity;
  l->full = full;
  l->units = full;
  l->last_ms = now_ms;
  *out = l;
  return TC_OK;
}

void tc_limiter_free(tc_limiter *limiter) {
  if (!limiter) return;
  pthread_mutex_destroy(&limiter->lock);
  free(limiter);
}

/* Add what has accrued since last_ms; the caller holds the lock. A clock
 * that went backwards adds nothing and keeps last_ms, so no time is
 * counted twice. */
static void limiter_refill(tc_limiter *l, int64_t now_ms) {
  if (now_ms <= l->last_ms) return;
  int64_t dt, add, units;
  if (__builtin_sub_overflow(now_ms, l->last_ms, &dt) ||
      __builtin_mul_overflow(dt, l->rate, &add) ||
      __builtin_add_overflow(l->units, add, &units) || units > l->full)
    units = l->full;
  l->units = units;
  l->last_ms = now_ms;
}

int tc_limiter_take(tc_limiter *limiter, int64_t now_ms, uint32_t cost,
                    int64_t *retry_after_ms) {
  if (!limiter) return TC_EINVAL;
  if (cost > limiter->capacity) return TC_EINVAL;
  int rc = TC_OK;
  pthread_mutex_lock(&limiter->lock);
  limiter_refill(limiter, now_ms);
  /* cost <= capacity, so this fits: it is at most full. */
  int64_t need = (int64_t)cost * limiter->period;
  if (limiter->units >= need) {
    limiter->units -= need;
  } else {
    rc = TC_ELIMIT;
    if (retry_after_ms) {
      int64_t missing = need - limiter->units;
      int64_t wait;
      if (limiter->rate == 0) {
        wait = INT64_MAX; /* a bucket that never refills */
      } else {
        wait = missing / limiter->rate + (missing % limiter->rate != 0);
        /* Time the clock still has to catch up if it went backwards. */
        if (now_ms < limiter->last_ms &&
            (__builtin_sub_overflow(limiter->last_ms, now_ms, &missing) ||
             __builtin_add_overflow(wait, missing, &wait)))
          wait = INT64_MAX;
      }
      *retry_after_ms = wait;
    }
  }
  pthread_mutex_unlock(&limiter->lock);
  return rc;
}
