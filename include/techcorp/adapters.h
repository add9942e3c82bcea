/*
 * techcorp/adapters.h - the embedded default adapters: the SQLite store, the
 * durable table queue over a store, the in-process memory cache, and the
 * schema migrations runner they share.
 *
 * Errors: these functions run before any context exists, so the message of
 * a failure is read with tc_last_error_message() on the calling thread.
 *
 * Thread rules: each function is safe to call from any thread. The store and
 * queue made here belong to one thread at a time; the memory cache is safe
 * to share between threads (as the cache port requires).
 */
#ifndef TECHCORP_ADAPTERS_H
#define TECHCORP_ADAPTERS_H

#include "common.h"
#include "context.h"
#include "sys/store.h"
#include "sys/queue.h"
#include "sys/cache.h"

TC_BEGIN_DECL

/* ---- SQLite store ------------------------------------------------------- */

#define TC_SQLITE_OPTIONS_VERSION 1
typedef struct tc_sqlite_options {
  uint32_t version;
  /** Milliseconds to wait for a lock before TC_EBUSY (0: 5000; negative:
   *  do not wait at all). */
  int busy_timeout_ms;
  /** Open read-only; writes then fail with TC_EREADONLY. */
  int read_only;
  /** Prepared statements kept per connection (0: 128). */
  size_t statement_cache_size;
} tc_sqlite_options;

#define TC_SQLITE_OPTIONS_INIT \
  { TC_SQLITE_OPTIONS_VERSION, 0, 0, 0 }

/**
 * Open or create the SQLite database at path (UTF-8; ":memory:" for a
 * private in-memory database) in WAL mode with foreign keys on, a busy
 * timeout and a prepared-statement cache. opts may be NULL for defaults.
 *
 * The file is checked at open: something that is not an SQLite database
 * gives TC_ECORRUPT, a file that cannot be opened TC_ESTORAGE, a directory
 * that cannot be written TC_EREADONLY. On success *out is a store owned by
 * the caller (free it with its free method after every context using it).
 */
TC_EXTERN int tc_store_sqlite_open(tc_store **out, const char *path,
                                   const tc_sqlite_options *opts);

/* ---- schema ------------------------------------------------------------- */

/**
 * Bring store's schema up to date: every module's migrations for the
 * store's dialect not yet recorded in table tc_schema_migrations are
 * applied in order, in one write transaction (all or nothing). clock may be
 * NULL (the system clock). TC_EVERSION when the database holds a migration
 * newer than this library knows. tc_ctx_new() calls this itself.
 */
TC_EXTERN int tc_store_migrate(tc_store *store, const tc_clock *clock);

/** The newest schema version this library knows for module ("core"...),
 *  or 0 for an unknown module. */
TC_EXTERN int tc_schema_version(const char *module);

/* ---- durable table queue ------------------------------------------------ */

#define TC_TABLE_QUEUE_OPTIONS_VERSION 1
typedef struct tc_table_queue_options {
  uint32_t version;
  /** Takes before a message is dead-lettered (0: 5). */
  uint32_t max_attempts;
  const tc_clock *clock;   /**< NULL: the system clock; borrowed */
  const tc_random *random; /**< NULL: libsodium; borrowed */
} tc_table_queue_options;

#define TC_TABLE_QUEUE_OPTIONS_INIT \
  { TC_TABLE_QUEUE_OPTIONS_VERSION, 0, NULL, NULL }

/**
 * Make a queue kept in tables of store (migrating the schema if needed).
 * A publish made while a transaction is open on store is part of that
 * transaction. store is borrowed and must outlive the queue; opts may be
 * NULL. *out is owned by the caller (free with its free method).
 */
TC_EXTERN int tc_queue_table_new(tc_queue **out, tc_store *store,
                                 const tc_table_queue_options *opts);

/* ---- memory cache ------------------------------------------------------- */

#define TC_MEMORY_CACHE_OPTIONS_VERSION 1
typedef struct tc_memory_cache_options {
  uint32_t version;
  /** Entries kept before the least recently used are dropped (0: 65536).
   *  Counters and locks are never dropped before they expire. */
  size_t max_entries;
  const tc_clock *clock; /**< NULL: the system clock; borrowed */
} tc_memory_cache_options;

#define TC_MEMORY_CACHE_OPTIONS_INIT \
  { TC_MEMORY_CACHE_OPTIONS_VERSION, 0, NULL }

/**
 * Make an in-process cache, safe to share between threads. opts may be
 * NULL. *out is owned by the caller (free with its free method).
 */
TC_EXTERN int tc_cache_memory_new(tc_cache **out,
                                  const tc_memory_cache_options *opts);

TC_END_DECL

#endif
