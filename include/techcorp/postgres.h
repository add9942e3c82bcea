/*
 * techcorp/postgres.h - the PostgreSQL store adapter (libpq).
 *
 * The scale-out store: one PostgreSQL connection behind the store port
 * (techcorp/sys/store.h), dialect "postgres". The library's statements use
 * `?` placeholders; the adapter translates them to `$1, $2...` once per
 * statement text and prepares each text once per connection, so the hot
 * path is one Bind/Execute round trip (two more, pipelined into the same
 * round trip, inside a transaction: see below).
 *
 * Behaviour the port promises and how it is kept on PostgreSQL:
 * - A failed statement inside a transaction fails only that statement
 *   (as on SQLite): each statement in a transaction runs under a
 *   SAVEPOINT, sent in one pipeline with the statement itself.
 * - Errors map to the port's codes: unique violation TC_ECONFLICT;
 *   serialization failure, deadlock, lock timeout TC_EBUSY (a statement
 *   outside a transaction is retried a few times first); a lost connection
 *   TC_EUNAVAILABLE, and the next call reconnects (with a backoff after a
 *   failed attempt); read-only TC_EREADONLY; disk full TC_EFULL; other
 *   constraints and SQL errors TC_ESTORAGE.
 * - TC_TXN_WRITE begins a transaction at the isolation level of
 *   tc_pg_options.write_isolation (READ COMMITTED by default). PostgreSQL
 *   has no database-wide write lock: writers conflict on the rows they
 *   touch, waiting up to lock_timeout_ms, then TC_EBUSY.
 *
 * Built only when libpq was found at build time (meson feature
 * 'postgres'); otherwise tc_store_pg_open() answers TC_EUNSUPPORTED.
 *
 * Thread rules: a store is one connection, used by one thread at a time
 * (one per context). Open one store per thread or worker; opening is safe
 * from any thread.
 */
#ifndef TECHCORP_POSTGRES_H
#define TECHCORP_POSTGRES_H

#include "common.h"
#include "sys/store.h"

TC_BEGIN_DECL

/** Isolation level of TC_TXN_WRITE transactions. */
typedef enum tc_pg_isolation {
  TC_PG_READ_COMMITTED = 0, /**< default; the library's conditional updates
                                 are atomic at this level */
  TC_PG_REPEATABLE_READ = 1,
  TC_PG_SERIALIZABLE = 2, /**< conflicts end in TC_EBUSY at a statement or
                               at commit: the caller retries */
} tc_pg_isolation;

#define TC_PG_OPTIONS_VERSION 1
typedef struct tc_pg_options {
  uint32_t version;
  /** Milliseconds a statement waits for a row lock before TC_EBUSY
   *  (0: 5000; negative: wait as long as it takes). */
  int lock_timeout_ms;
  /** Milliseconds a statement may run before it is cancelled with TC_EBUSY
   *  (0: no limit). */
  int statement_timeout_ms;
  /** Prepared statements kept per connection (0: 256); the least recently
   *  used is deallocated beyond that. */
  size_t statement_cache_size;
  /** Seconds to wait for a connection (0: 10), unless the connection
   *  string sets connect_timeout itself. */
  int connect_timeout_s;
  /** Isolation level of TC_TXN_WRITE transactions. */
  tc_pg_isolation write_isolation;
  /** Times a statement outside a transaction is run again after a
   *  serialization failure or deadlock (0: 3; negative: never). */
  int busy_retries;
} tc_pg_options;

#define TC_PG_OPTIONS_INIT \
  { TC_PG_OPTIONS_VERSION, 0, 0, 0, 0, TC_PG_READ_COMMITTED, 0 }

/**
 * Connect to PostgreSQL. conninfo is what libpq takes: "host=... port=...
 * dbname=... user=... sslmode=verify-full ..." or a URI
 * "postgresql://user@host:5432/db?sslmode=require" (TLS, passwords from
 * ~/.pgpass or PGPASSWORD, and the PG* environment variables all work as
 * in psql). opts may be NULL for defaults.
 *
 * Does not touch the schema: tc_ctx_new() (or tc_store_migrate()) runs the
 * migrations of the "postgres" dialect.
 *
 * Errors: TC_EINVAL for a NULL argument, a bad options version or a
 * malformed connection string; TC_EDENIED when the server refused the
 * credentials; TC_EUNAVAILABLE when the server cannot be reached;
 * TC_EUNSUPPORTED when the library was built without libpq; TC_ENOMEM.
 * The message (tc_last_error_message()) never holds the password.
 * On success *out is owned by the caller: free it with its free method
 * after every context using it is gone.
 */
TC_EXTERN int tc_store_pg_open(tc_store **out, const char *conninfo,
                               const tc_pg_options *opts);

TC_END_DECL

#endif
