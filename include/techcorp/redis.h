/*
 * techcorp/redis.h - the Redis cache adapter (hiredis).
 *
 * The cache port (techcorp/sys/cache.h) shared by every process of a
 * deployment: values with a TTL, atomic counters (the library's rate
 * limits and throttles), locks with a TTL and an owner, across all server
 * processes talking to one Redis.
 *
 * How the port's promises are kept:
 * - Every key lives under a prefix (options.prefix) as a small hash: the
 *   value, and its expiry time read from the adapter's clock. Writes are
 *   server-side Lua scripts (EVALSHA), so incr, try_lock and the
 *   owner-checked unlock are atomic across processes; expiry follows the
 *   clock the adapter was given (as the port says), and Redis also
 *   expires each key by itself a little later (options.expiry_slack_ms) so
 *   that nothing lingers.
 * - When Redis cannot be reached, the adapter degrades instead of failing:
 *   get/set/del/incr go to an in-process memory cache (so rate limits hold
 *   per process), try_lock answers TC_EUNAVAILABLE (a lock only one
 *   process knows is no lock), and it reconnects with a backoff (100 ms
 *   doubling to 5 s). tc_cache_redis_status() tells a health endpoint.
 *
 * Built only when hiredis was found at build time (meson feature
 * 'redis'); otherwise tc_cache_redis_new() answers TC_EUNSUPPORTED.
 *
 * Thread rules: as the cache port requires, one cache is shared by every
 * context and thread; calls are serialised on its connection.
 */
#ifndef TECHCORP_REDIS_H
#define TECHCORP_REDIS_H

#include "common.h"
#include "context.h"
#include "sys/cache.h"

TC_BEGIN_DECL

#define TC_REDIS_OPTIONS_VERSION 1
typedef struct tc_redis_options {
  uint32_t version;
  /** Prefix of every key (NULL: "tc:"); at most 64 bytes. Copied. */
  const char *prefix;
  /** Clock that TTLs are read from (NULL: the system clock); borrowed. */
  const tc_clock *clock;
  /** Milliseconds to wait for a connection or an answer (0: 1000). */
  int timeout_ms;
  /** Redis's own expiry of a key comes this long after the adapter's
   *  (0: 1000 with the system clock, one hour with a clock given). */
  int64_t expiry_slack_ms;
} tc_redis_options;

#define TC_REDIS_OPTIONS_INIT \
  { TC_REDIS_OPTIONS_VERSION, NULL, NULL, 0, 0 }

/**
 * Make a cache over the Redis at url: "redis://host:port",
 * "redis://:password@host:port/db" or "redis://user:password@host" (port
 * 6379 and database 0 by default). opts may be NULL.
 *
 * An unreachable server is not an error: the cache starts degraded and
 * connects when it can (see tc_cache_redis_status()). Errors: TC_EINVAL
 * for a NULL argument, a bad options version, a malformed url or a prefix
 * too long; TC_EDENIED when the server refused the password;
 * TC_EUNSUPPORTED when built without hiredis; TC_ENOMEM. The message
 * (tc_last_error_message()) never holds the password. *out is owned by the
 * caller: free it with its free method after every context using it.
 */
TC_EXTERN int tc_cache_redis_new(tc_cache **out, const char *url,
                                 const tc_redis_options *opts);

/** What tc_cache_redis_status() reports. */
typedef struct tc_redis_status {
  int connected;           /**< 1 when the last call reached Redis */
  int64_t down_since_ms;   /**< monotonic ms it went away (0: up) */
  uint64_t degraded_calls; /**< calls served by the local fallback */
  uint64_t reconnects;     /**< connections made after the first */
  char last_error[160];    /**< why it is (or was last) down; "" if never */
} tc_redis_status;

/**
 * The state of a cache made by tc_cache_redis_new(). TC_EINVAL when cache
 * is NULL or another kind of cache. Safe from any thread.
 */
TC_EXTERN int tc_cache_redis_status(tc_cache *cache, tc_redis_status *out);

TC_END_DECL

#endif
