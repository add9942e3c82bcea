/*
 * techcorp/sys/cache.h - the cache port: values with a TTL, counters, locks.
 *
 * Keys are NUL-terminated UTF-8 strings of at most 512 bytes; values are
 * bytes. A TTL is in milliseconds; 0 means no expiry. Expiry reads the
 * clock the adapter was built with. Everything here is best effort except
 * incr, try_lock and take_tokens, which must be atomic across every user of
 * the same cache (threads of one process for the memory cache, processes
 * for Redis).
 *
 * Stability promise: fields are only appended (marked since N).
 * Thread rules: unlike the store and queue, one cache value is meant to be
 * shared by all contexts, so every method must be safe to call from many
 * threads at once.
 */
#ifndef TECHCORP_SYS_CACHE_H
#define TECHCORP_SYS_CACHE_H

#include "../common.h"
#include "../buf.h"

TC_BEGIN_DECL

#define TC_CACHE_VERSION 2

struct tc_cache {
  uint32_t version;
  void *self;

  /**
   * Append the value of key to out (the caller owns out). TC_ENOTFOUND
   * when the key is absent or expired.
   */
  int (*get)(void *self, const char *key, tc_buf *out);

  /** Set key to value[0..len) for ttl_ms (0: forever). */
  int (*set)(void *self, const char *key, const void *value, size_t len,
             int64_t ttl_ms);

  /** Remove key; TC_OK even when it did not exist. */
  int (*del)(void *self, const char *key);

  /**
   * Add delta to the integer counter at key (a missing key counts as 0)
   * and store the new value in *out. ttl_ms applies only when the call
   * creates the key, so a fixed window runs from its first hit.
   */
  int (*incr)(void *self, const char *key, int64_t delta, int64_t ttl_ms,
              int64_t *out);

  /**
   * Take the lock named key for owner for ttl_ms. TC_OK when taken (or
   * already held by the same owner, which extends it), TC_EBUSY when
   * someone else holds it.
   */
  int (*try_lock)(void *self, const char *key, const char *owner,
                  int64_t ttl_ms);

  /** Release the lock if owner holds it; TC_ESTATE if not. */
  int (*unlock)(void *self, const char *key, const char *owner);

  void (*free)(void *self);

  /**
   * Since 2. Take cost tokens from the token bucket named key: it holds up
   * to capacity tokens and gains refill_tokens every refill_every_ms,
   * continuously; a bucket not seen before (or idle until full) is full.
   * TC_OK when taken; TC_ELIMIT when not, with the milliseconds until it
   * could be in *retry_after_ms (when not NULL). Atomic across every user
   * of the cache, like incr: a rate limit shared by all server processes
   * on Redis. TC_EINVAL for capacity or refill_tokens 0 or above
   * 1,000,000, refill_every_ms outside 1..1,000,000,000, or cost 0 or
   * above capacity.
   */
  int (*take_tokens)(void *self, const char *key, uint32_t capacity,
                     uint32_t refill_tokens, int64_t refill_every_ms,
                     uint32_t cost, int64_t *retry_after_ms);
};

TC_END_DECL

#endif
