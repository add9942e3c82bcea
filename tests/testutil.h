/*
 * tests/testutil.h - shared helpers for the Check suites: a clock moved by
 * hand, an allocator that fails the N-th allocation, temporary databases.
 */
#ifndef TC_TESTUTIL_H
#define TC_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "techcorp/techcorp.h"

/* A clock that only moves when told; sleeping advances it. */
typedef struct tt_clock {
  tc_clock clock;
  int64_t now;
  int64_t slept; /* total ms slept */
} tt_clock;

void tt_clock_init(tt_clock *c, int64_t start_ms);

/* An allocator that fails allocation number fail_at (1-based; 0: never),
 * counts allocations and tracks live bytes to spot leaks. */
typedef struct tt_alloc {
  tc_allocator alloc;
  long calls;
  long fail_at;
  long live; /* live blocks */
} tt_alloc;

void tt_alloc_init(tt_alloc *a, long fail_at);

/* A fresh temporary directory (removed by tt_tmpdir_remove). Returned
 * string is static per call site buffer given by the caller. */
void tt_tmpdir(char *buf, size_t size);
void tt_tmpdir_remove(const char *dir);

/* Open a context on a new SQLite file in a fresh temp dir, with the given
 * clock (may be NULL). dir receives the directory. */
tc_ctx *tt_ctx_new(char *dir, size_t dir_size, tt_clock *clock);
/* Free the context, its store and remove the directory. */
void tt_ctx_free(tc_ctx *ctx, const char *dir);

/* Call the JSON API; returns the code, response in *out (caller frees
 * with free()). */
int tt_call(tc_ctx *ctx, const tc_principal *who, const char *method,
            const char *request, char **out);

/* Run a suite, return the number of failures (for main()). */
int tt_run(Suite *s);

/* A system principal and a user principal for tests. */
tc_principal tt_system(void);
/* A system principal that lives for the whole run, for calls that need a
 * `who` but test something else. */
const tc_principal *tt_sys(void);
tc_principal tt_user(const char *user_id, uint32_t roles);

#endif
