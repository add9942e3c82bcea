/*
 * tests/conformance/store_suite.h - the store port conformance suite.
 *
 * Written only against the tc_store vtable (techcorp/sys/store.h), so every
 * store adapter (SQLite now, PostgreSQL later) runs the same tests. An
 * adapter's test file supplies a factory and adds the returned Suite's
 * cases to its runner, or runs it directly with tt_run().
 *
 * SQL in the suite is portable: `?` placeholders, INTEGER/BIGINT/TEXT
 * columns, DOUBLE PRECISION for reals; blob columns use BLOB on "sqlite"
 * and BYTEA on "postgres" (picked from store->dialect).
 */
#ifndef TC_STORE_SUITE_H
#define TC_STORE_SUITE_H

#include <check.h>

#include "techcorp/techcorp.h"

typedef struct tc_store_factory {
  /** Open a store on a fresh, empty database; NULL on failure (the test
   *  then fails). Called once at the start of each test case. */
  tc_store *(*open_fresh)(void *arg);
  /** Optional (NULL: the lock test is skipped). Open a second connection
   *  to the database of first, whose lock wait is short (a few ms), so a
   *  write transaction while first holds the write lock gives TC_EBUSY. */
  tc_store *(*open_second)(tc_store *first, void *arg);
  /** Close a store from open_fresh or open_second (seconds are closed
   *  first) and remove whatever it made. */
  void (*close)(tc_store *store, void *arg);
  void *arg;
} tc_store_factory;

/**
 * A Check Suite named name with the store conformance cases, each run
 * against stores from factory. name and factory are borrowed and must
 * outlive running the suite (keep factory static). Up to 8 factories may be
 * registered per process.
 */
Suite *tc_store_conformance_suite(const char *name,
                                  const tc_store_factory *factory);

/** Add the conformance cases for factory to an existing suite s. */
void tc_store_conformance_add(Suite *s, const tc_store_factory *factory);

#endif
