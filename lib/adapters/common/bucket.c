/* lib/adapters/common/bucket.c - see bucket.h. */
#include "bucket.h"

bool tc__bucket_args_ok(uint32_t capacity, uint32_t refill_tokens,
                        int64_t refill_every_ms, uint32_t cost) {
  return capacity >= 1 && capacity <= TC__BUCKET_MAX_CAPACITY &&
         refill_tokens >= 1 && refill_tokens <= TC__BUCKET_MAX_CAPACITY &&
         refill_every_ms >= 1 && refill_every_ms <= TC__BUCKET_MAX_PERIOD_MS &&
         cost >= 1 && cost <= capacity;
}

static int64_t ceil_div(int64_t a, int64_t b) {
  return a / b + (a % b != 0);
}

bool tc__bucket_take(tc__bucket *b, int64_t now, uint32_t capacity,
                     uint32_t refill_tokens, int64_t refill_every_ms,
                     uint32_t cost, int64_t *retry_after_ms,
                     int64_t *full_in_ms) {
  int64_t full = (int64_t)capacity * refill_every_ms;
  int64_t rate = refill_tokens; /* units per millisecond */
  if (b->last_ms < 0) {
    b->units = full;
    b->last_ms = now;
  }
  if (now > b->last_ms) {
    int64_t gain;
    if (__builtin_mul_overflow(now - b->last_ms, rate, &gain) ||
        gain >= full - b->units)
      b->units = full;
    else
      b->units += gain;
    b->last_ms = now;
  }
  int64_t need = (int64_t)cost * refill_every_ms;
  bool taken = b->units >= need;
  if (taken) {
    b->units -= need;
  } else if (retry_after_ms) {
    /* plus what a clock that went backwards still has to catch up */
    int64_t behind = b->last_ms > now ? b->last_ms - now : 0;
    *retry_after_ms = ceil_div(need - b->units, rate) + behind;
  }
  *full_in_ms = ceil_div(full - b->units, rate);
  return taken;
}
