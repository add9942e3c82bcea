/*
 * tests/conformance/cache_suite.h - the conformance suite of the cache port
 * (techcorp/sys/cache.h), written only against the vtable so that every
 * adapter (memory, Redis...) runs the same tests.
 *
 * An adapter's test file fills a tc_cache_fixture and adds the returned
 * TCase to its suite:
 *
 *   static tc_cache_fixture fx = {make, destroy, advance, &state};
 *   suite_add_tcase(s, tc_cache_suite_tcase(&fx));
 *
 * The fixture must stay alive until the suite has run (a static is best).
 */
#ifndef TC_CACHE_SUITE_H
#define TC_CACHE_SUITE_H

#include <check.h>
#include <stdint.h>

#include "techcorp/techcorp.h"

typedef struct tc_cache_fixture {
  /* A fresh, empty cache (Redis: a new key prefix) whose expiry reads a
   * clock that advance() moves. NULL fails the test. */
  tc_cache *(*make)(void *payload);
  /* Free what make() gave, including the cache itself. */
  void (*destroy)(tc_cache *cache, void *payload);
  /* Move the cache's clock forward by ms (ms > 0). */
  void (*advance)(void *payload, int64_t ms);
  void *payload;
} tc_cache_fixture;

/* A test case with every conformance test, bound to fx (borrowed). */
TCase *tc_cache_suite_tcase(const tc_cache_fixture *fx);

#endif
