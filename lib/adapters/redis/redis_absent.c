/*
 * lib/adapters/redis/redis_absent.c - the Redis cache functions in a build
 * without hiredis (meson feature 'redis' disabled or libhiredis-dev
 * missing).
 */
#include "core/internal.h"
#include "techcorp/redis.h"

int tc_cache_redis_new(tc_cache **out, const char *url,
                       const tc_redis_options *opts) {
  (void)url;
  (void)opts;
  if (out) *out = NULL;
  return tc__set_thread_error(TC_EUNSUPPORTED,
                              "libtechcorp was built without Redis support "
                              "(hiredis was not found at build time)");
}

int tc_cache_redis_status(tc_cache *cache, tc_redis_status *out) {
  (void)cache;
  (void)out;
  return TC_EINVAL;
}
