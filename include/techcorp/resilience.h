/*
 * techcorp/resilience.h - helpers around outside calls: retry with
 * exponential backoff and jitter, a circuit breaker, a token-bucket limiter.
 *
 * All of them take the time as an argument (milliseconds from the
 * context's clock, tc_ctx_now_ms()), so tests drive them without sleeping.
 *
 * Thread rules: tc_retry_* are pure or use only the given context. A
 * tc_breaker and a tc_limiter are safe to share between threads (they lock
 * internally), so one breaker can guard a provider for a whole server.
 */
#ifndef TECHCORP_RESILIENCE_H
#define TECHCORP_RESILIENCE_H

#include "common.h"
#include "context.h"

TC_BEGIN_DECL

/* ---- retry -------------------------------------------------------------- */

#define TC_RETRY_POLICY_VERSION 1
typedef struct tc_retry_policy {
  uint32_t version;
  uint32_t max_attempts; /**< calls in all, the first included (>= 1) */
  int64_t base_delay_ms; /**< delay cap before the 2nd call */
  int64_t max_delay_ms;  /**< no delay is longer than this */
} tc_retry_policy;

#define TC_RETRY_POLICY_INIT \
  { TC_RETRY_POLICY_VERSION, 3, 100, 5000 }

/**
 * Non-zero for codes worth retrying: TC_EUNAVAILABLE, TC_ETIMEOUT,
 * TC_EBUSY. Everything else (a decline, bad input) is final.
 */
TC_EXTERN int tc_status_is_transient(int code);

/**
 * Delay before retry number `retry` (1 for the wait after the first
 * failure): "full jitter", a uniform pick in [0, min(max_delay,
 * base_delay * 2^(retry-1))], using the 32-bit random word given.
 * Returns -1 when policy is NULL or malformed.
 */
TC_EXTERN int64_t tc_retry_delay_ms(const tc_retry_policy *policy,
                                    uint32_t retry, uint32_t random_word);

/** The operation tc_retry_run() repeats. Returns a TC code. */
typedef int (*tc_retry_fn)(void *payload);

/**
 * Call fn until it returns a code that is not transient, or the attempts
 * are used; between calls, sleep tc_retry_delay_ms() through the context's
 * clock. Returns fn's last code. If the clock cannot sleep, makes only one
 * call. policy NULL: TC_RETRY_POLICY_INIT.
 */
TC_EXTERN int tc_retry_run(tc_ctx *ctx, const tc_retry_policy *policy,
                           tc_retry_fn fn, void *payload);

/* ---- circuit breaker ---------------------------------------------------- */

typedef enum tc_breaker_state {
  TC_BREAKER_CLOSED = 0,    /**< calls flow; failures are counted */
  TC_BREAKER_OPEN = 1,      /**< calls refused until open_ms have passed */
  TC_BREAKER_HALF_OPEN = 2, /**< a few trial calls decide */
} tc_breaker_state;

#define TC_BREAKER_OPTIONS_VERSION 1
typedef struct tc_breaker_options {
  uint32_t version;
  uint32_t failure_threshold; /**< consecutive failures that open (0: 5) */
  int64_t open_ms;            /**< time spent open (0: 30000) */
  uint32_t half_open_calls;   /**< trial calls let through (0: 1); that
                                   many successes close it again */
} tc_breaker_options;

#define TC_BREAKER_OPTIONS_INIT \
  { TC_BREAKER_OPTIONS_VERSION, 0, 0, 0 }

typedef struct tc_breaker tc_breaker;

/** Make a closed breaker. opts may be NULL. Free with tc_breaker_free(). */
TC_EXTERN int tc_breaker_new(tc_breaker **out, const tc_breaker_options *opts);

/** NULL is a no-op. */
TC_EXTERN void tc_breaker_free(tc_breaker *breaker);

/**
 * May a call go out now? TC_OK (and, when half-open, the call counts as
 * one of the trials) or TC_EUNAVAILABLE while open or while the trials are
 * all taken. Every TC_OK must be followed by tc_breaker_record().
 */
TC_EXTERN int tc_breaker_allow(tc_breaker *breaker, int64_t now_ms);

/**
 * Report the outcome of an allowed call. Pass success = 0 only for
 * failures of the dependency (tc_status_is_transient()); a decline or a
 * bad request is a success of the dependency.
 */
TC_EXTERN void tc_breaker_record(tc_breaker *breaker, int64_t now_ms,
                                 int success);

/** The state at now_ms (open turns half-open when its time is up). */
TC_EXTERN tc_breaker_state tc_breaker_state_at(tc_breaker *breaker,
                                               int64_t now_ms);

/* ---- token bucket ------------------------------------------------------- */

#define TC_LIMITER_OPTIONS_VERSION 1
typedef struct tc_limiter_options {
  uint32_t version;
  uint32_t capacity;       /**< bucket size, the largest burst (>= 1) */
  uint32_t refill_tokens;  /**< tokens added ... */
  int64_t refill_every_ms; /**< ... every this many ms (>= 1) */
} tc_limiter_options;

#define TC_LIMITER_OPTIONS_INIT \
  { TC_LIMITER_OPTIONS_VERSION, 10, 1, 1000 }

typedef struct tc_limiter tc_limiter;

/** Make a full bucket. TC_EINVAL for a zero capacity or period. */
TC_EXTERN int tc_limiter_new(tc_limiter **out, const tc_limiter_options *opts,
                             int64_t now_ms);

/** NULL is a no-op. */
TC_EXTERN void tc_limiter_free(tc_limiter *limiter);

/**
 * Take cost tokens at now_ms. TC_OK, or TC_ELIMIT with the wait until
 * enough tokens are there in *retry_after_ms (when not NULL). A cost larger
 * than the capacity is TC_EINVAL.
 */
TC_EXTERN int tc_limiter_take(tc_limiter *limiter, int64_t now_ms,
                              uint32_t cost, int64_t *retry_after_ms);

TC_END_DECL

#endif
