/*
 * lib/core/migrate.c - the schema migrations runner.
 *
 * Every module lists numbered migrations with SQL per dialect
 * (tc__schema_modules, lib/core/registry.c). The versions applied are
 * recorded in tc_schema_migrations, one row per (module, version). Running
 * the pending ones happens in one write transaction, so a database is
 * always at a state some released library produced: all or nothing.
 *
 * There is no context here (tc_ctx_new calls this before it has one), so
 * messages go to the thread error (tc_last_error_message()).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>

#include "internal.h"

#define MIG_TABLE_SQL                                 \
  "CREATE TABLE IF NOT EXISTS tc_schema_migrations (" \
  "module TEXT NOT NULL, version INTEGER NOT NULL, "  \
  "applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))"
#define MIG_SELECT_SQL \
  "SELECT module, max(version) FROM tc_schema_migrations GROUP BY module"
#define MIG_INSERT_SQL                                                     \
  "INSERT INTO tc_schema_migrations (module, version, applied_at) VALUES " \
  "(?, ?, ?)"

/* Recorded versions, one per module of the list (0: none). */
typedef struct mig_state {
  const tc__schema_module *const *mods;
  size_t n;
  int64_t *have;
} mig_state;

static int mig_newest(const tc__schema_module *m) {
  int v = 0;
  for (size_t i = 0; i < m->count; i++)
    if (m->migrations[i].version > v) v = m->migrations[i].version;
  return v;
}

static int mig_read_row(const tc_value *cols, size_t ncols, void *payload) {
  mig_state *st = payload;
  if (ncols < 2 || cols[0].type != TC_VALUE_TEXT) return 0;
  for (size_t i = 0; i < st->n; i++) {
    /* Modules this library does not know (removed, or the host's own) are
     * left alone. */
    if (strcmp(st->mods[i]->name, cols[0].v.s) == 0) {
      st->have[i] = tc__col_int(&cols[1]);
      break;
    }
  }
  return 0;
}

static int mig_read(tc_store *store, mig_state *st) {
  memset(st->have, 0, st->n * sizeof(*st->have));
  return store->exec(store->self, MIG_SELECT_SQL, NULL, 0, mig_read_row, st,
                     NULL);
}

/* TC_EVERSION when the database is ahead of this library; else sets
 * *pending to whether anything is left to apply. */
static int mig_check(const mig_state *st, bool *pending) {
  *pending = false;
  for (size_t i = 0; i < st->n; i++) {
    int newest = mig_newest(st->mods[i]);
    if (st->have[i] > newest)
      return tc__set_thread_error(
          TC_EVERSION,
          "database schema for module '%s' is version %" PRId64
          "; this library knows up to %d (upgrade libtechcorp)",
          st->mods[i]->name, st->have[i], newest);
    if (st->have[i] < newest) *pending = true;
  }
  return TC_OK;
}

static const char *mig_sql(const tc__migration *m, const char *dialect) {
  if (strcmp(dialect, "sqlite") == 0) return m->sqlite;
  if (strcmp(dialect, "postgres") == 0) return m->postgres;
  return NULL;
}

/* Check the lists themselves: versions 1, 2, ... in order. A mistake here
 * is the library's, caught before anything is written. */
static int mig_validate(const tc__schema_module *const *mods, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const tc__schema_module *m = mods[i];
    if (!m || !m->name || (m->count && !m->migrations))
      return tc__set_thread_error(TC_ERROR, "schema module %zu is malformed",
                                  i);
    for (size_t k = 0; k < m->count; k++) {
      if (m->migrations[k].version != (int)k + 1)
        return tc__set_thread_error(
            TC_ERROR,
            "module '%s' lists migration %d at position %zu; expected %zu",
            m->name, m->migrations[k].version, k + 1, k + 1);
    }
  }
  return TC_OK;
}

static int mig_apply(tc_store *store, const mig_state *st, int64_t now) {
  for (size_t i = 0; i < st->n; i++) {
    const tc__schema_module *m = st->mods[i];
    for (size_t k = 0; k < m->count; k++) {
      const tc__migration *mig = &m->migrations[k];
      if (mig->version <= st->have[i]) continue;
      const char *sql = mig_sql(mig, store->dialect);
      if (!sql)
        return tc__set_thread_error(
            TC_EUNSUPPORTED,
            "module '%s' migration %d has no SQL for store dialect '%s'",
            m->name, mig->version, store->dialect);
      int rc = store->exec(store->self, sql, NULL, 0, NULL, NULL, NULL);
      if (rc)
        return tc__set_thread_error(
            rc, "module '%s' migration %d failed: %s", m->name, mig->version,
            store->errmsg ? store->errmsg(store->self) : tc_strerror(rc));
      tc_value p[] = {TC_VAL_TEXT(m->name), TC_VAL_INT(mig->version),
                      TC_VAL_INT(now)};
      rc = store->exec(store->self, MIG_INSERT_SQL, p, 3, NULL, NULL, NULL);
      if (rc)
        return tc__set_thread_error(
            rc, "recording module '%s' migration %d failed: %s", m->name,
            mig->version,
            store->errmsg ? store->errmsg(store->self) : tc_strerror(rc));
    }
  }
  return TC_OK;
}

static int mig_store_err(tc_store *store, int rc, const char *what) {
  return tc__set_thread_error(
      rc, "schema migration: %s failed: %s", what,
      store->errmsg ? store->errmsg(store->self) : tc_strerror(rc));
}

/* The write path: lock, create the table, read again (another connection
 * may have migrated meanwhile), apply, record, commit. */
static int mig_locked(tc_store *store, mig_state *st, const tc_clock *clock) {
  int rc = store->begin(store->self, TC_TXN_WRITE);
  if (rc) return mig_store_err(store, rc, "begin");
  bool pending;
  if ((rc = store->exec(store->self, MIG_TABLE_SQL, NULL, 0, NULL, NULL,
                        NULL))) {
    rc = mig_store_err(store, rc, "creating tc_schema_migrations");
  } else if ((rc = mig_read(store, st))) {
    rc = mig_store_err(store, rc, "reading tc_schema_migrations");
  } else if ((rc = mig_check(st, &pending)) == TC_OK && pending) {
    rc = mig_apply(store, st, clock->now_ms(clock->self));
  }
  if (rc == TC_OK) {
    rc = store->commit(store->self);
    if (rc == TC_OK) return TC_OK;
    rc = mig_store_err(store, rc, "commit");
  }
  store->rollback(store->self);
  return rc;
}

int tc__migrate_modules(tc_store *store, const tc_clock *clock,
                        const tc__schema_module *const *mods, size_t n) {
  if (!store || store->version < 1 || !store->dialect || !store->begin ||
      !store->commit || !store->rollback || !store->exec)
    return tc__set_thread_error(TC_EINVAL, "schema migration: store port is %s",
                                store ? "incomplete" : "NULL");
  if (!clock) clock = &tc__system_clock;
  if (clock->version < 1 || !clock->now_ms)
    return tc__set_thread_error(TC_EINVAL,
                                "schema migration: clock port is incomplete");
  if (n && !mods)
    return tc__set_thread_error(TC_EINVAL,
                                "schema migration: module list is NULL");
  int rc = mig_validate(mods, n);
  if (rc) return rc;

  int64_t one;
  mig_state st = {mods, n, n ? calloc(n, sizeof(int64_t)) : &one};
  if (!st.have)
    return tc__set_thread_error(TC_ENOMEM, "schema migration: out of memory");

  /* Fast path: one read, no write lock, when all is up to date. A failed
   * read most likely means the table does not exist yet: the locked path
   * creates it or reports what is really wrong. */
  bool pending = true;
  rc = mig_read(store, &st);
  if (rc == TC_OK) {
    rc = mig_check(&st, &pending);
  } else if (rc != TC_ESTORAGE) {
    rc = mig_store_err(store, rc, "reading tc_schema_migrations");
  } else {
    rc = TC_OK;
  }
  if (rc == TC_OK && pending) rc = mig_locked(store, &st, clock);
  if (n) free(st.have);
  return rc;
}

int tc_store_migrate(tc_store *store, const tc_clock *clock) {
  return tc__migrate_modules(store, clock, tc__schema_modules,
                             tc__schema_module_count);
}

int tc_schema_version(const char *module) {
  if (!module) return 0;
  for (size_t i = 0; i < tc__schema_module_count; i++) {
    const tc__schema_module *m = tc__schema_modules[i];
    if (m && m->name && strcmp(m->name, module) == 0) return mig_newest(m);
  }
  return 0;
}
