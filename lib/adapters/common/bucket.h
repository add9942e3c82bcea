/*
 * lib/adapters/common/bucket.h - the token bucket arithmetic of the cache
 * port's take_tokens (techcorp/sys/cache.h), for the caches that keep the
 * bucket in memory. The Redis cache runs the same steps in a Lua script.
 *
 * Exact integer arithmetic: a token is refill_every_ms "units" and the
 * bucket gains refill_tokens units per millisecond, so refilling is
 * continuous and nothing is lost to rounding. The limits on the arguments
 * (TC__BUCKET_MAX_*) keep every unit count below 2^53, where Lua's
 * doubles are exact too.
 */
#ifndef TC_BUCKET_H
#define TC_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define TC__BUCKET_MAX_CAPACITY 1000000u
#define TC__BUCKET_MAX_PERIOD_MS INT64_C(1000000000)

typedef struct tc__bucket {
  int64_t units;
  int64_t last_ms; /* negative: never used, which is full */
} tc__bucket;

/* Whether the arguments are within the port's limits. */
bool tc__bucket_args_ok(uint32_t capacity, uint32_t refill_tokens,
                        int64_t refill_every_ms, uint32_t cost);

/* Take cost tokens at now; true when taken, else *retry_after_ms is the
 * wait. *full_in_ms is how long until the bucket is full again, after
 * which it may be forgotten (a missing bucket is full). */
bool tc__bucket_take(tc__bucket *b, int64_t now, uint32_t capacity,
                     uint32_t refill_tokens, int64_t refill_every_ms,
                     uint32_t cost, int64_t *retry_after_ms,
                     int64_t *full_in_ms);

#endif
