/*
 * lib/adapters/postgres/pg_absent.c - tc_store_pg_open() in a build without
 * libpq (meson feature 'postgres' disabled or libpq-dev missing).
 */
#include "core/internal.h"
#include "techcorp/postgres.h"

int tc_store_pg_open(tc_store **out, const char *conninfo,
                     const tc_pg_options *opts) {
  (void)conninfo;
  (void)opts;
  if (out) *out = NULL;
  return tc__set_thread_error(TC_EUNSUPPORTED,
                              "libtechcorp was built without PostgreSQL "
                              "support (libpq was not found at build time)");
}
