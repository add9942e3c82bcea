/*
 * techcorp/sys/store.h - the store port: an SQL connection.
 *
 * For someone writing a store adapter (the embedded SQLite one lives in
 * lib/adapters/sqlite, PostgreSQL comes later). The library owns the SQL:
 * statements use `?` placeholders and are always bound, never built from
 * input; schema changes come as numbered migrations per dialect, which the
 * core applies through this same port.
 *
 * Stability promise: fields are only ever appended, each marked with the
 * TC_STORE_VERSION that brought it; the core checks `version` and NULL
 * before calling any method added after version 1.
 *
 * Thread rules: one store value is one connection, used by one thread at a
 * time (the context that holds it). An adapter may be used by several
 * contexts only if it says so itself.
 */
#ifndef TECHCORP_SYS_STORE_H
#define TECHCORP_SYS_STORE_H

#include <string.h>

#include "../common.h"

TC_BEGIN_DECL

typedef enum tc_value_type {
  TC_VALUE_NULL = 0,
  TC_VALUE_INT = 1,  /**< int64_t */
  TC_VALUE_REAL = 2, /**< double */
  TC_VALUE_TEXT = 3, /**< UTF-8, not necessarily NUL-terminated */
  TC_VALUE_BLOB = 4, /**< bytes */
} tc_value_type;

/**
 * One bound parameter or one column of a result row. Text and blob
 * pointers are borrowed: a parameter's must live until exec returns, a
 * column's only during the row callback. Column text is NUL-terminated.
 */
typedef struct tc_value {
  tc_value_type type;
  size_t len; /**< bytes of text/blob */
  union {
    int64_t i;
    double r;
    const char *s;
    const void *b;
  } v;
} tc_value;

/* Parameter constructors: tc_value p[] = {TC_VAL_TEXT(id), TC_VAL_INT(n)}; */
#define TC_VAL_NULL ((tc_value){TC_VALUE_NULL, 0, {.i = 0}})
#define TC_VAL_INT(x) ((tc_value){TC_VALUE_INT, 0, {.i = (int64_t)(x)}})
#define TC_VAL_REAL(x) ((tc_value){TC_VALUE_REAL, 0, {.r = (double)(x)}})
/* An inline function rather than a macro so that arrays (never NULL) do
 * not trip -Waddress. */
static inline tc_value tc_val_text(const char *s) {
  tc_value v;
  v.type = s ? TC_VALUE_TEXT : TC_VALUE_NULL;
  v.len = s ? strlen(s) : 0;
  v.v.s = s;
  return v;
}
#define TC_VAL_TEXT(x) tc_val_text(x)
#define TC_VAL_TEXTN(x, n) ((tc_value){TC_VALUE_TEXT, (n), {.s = (x)}})
#define TC_VAL_BLOB(x, n) ((tc_value){TC_VALUE_BLOB, (n), {.b = (x)}})

/** Return from a row callback to stop reading rows without an error. */
#define TC_STORE_STOP 1

/**
 * Called once per result row. cols[0..ncols) are valid only during the
 * call. Return 0 to go on, TC_STORE_STOP to stop (exec then returns TC_OK),
 * or a negative TC_E code to stop with that error (exec returns it).
 */
typedef int (*tc_store_row_cb)(const tc_value *cols, size_t ncols,
                               void *payload);

typedef enum tc_txn_mode {
  TC_TXN_READ = 0,  /**< deferred: a write lock is taken on first write */
  TC_TXN_WRITE = 1, /**< immediate: the write lock is taken at begin */
} tc_txn_mode;

#define TC_STORE_VERSION 1

struct tc_store {
  uint32_t version; /**< TC_STORE_VERSION the adapter was written for */
  void *self;       /**< adapter state, passed to every method */
  /** "sqlite" or "postgres": picks the migrations and SQL variants. */
  const char *dialect;

  /** Start a transaction. Nested calls are the core's job, not yours. */
  int (*begin)(void *self, tc_txn_mode mode);
  int (*commit)(void *self);
  /** Must succeed when no transaction is open (returns TC_OK). */
  int (*rollback)(void *self);

  /**
   * Run one statement with nparams bound values (`?` placeholders, in
   * order). Calls row_cb for each result row when it is not NULL. Stores
   * the number of rows changed in *changes when changes is not NULL.
   * Statements may be cached by text: the same sql string comes back often.
   * When nparams is 0, sql may hold several statements separated by ';'
   * (migrations do): run them all, in order. Migration SQL never contains
   * its own BEGIN/COMMIT; the core wraps it in a write transaction.
   *
   * Errors: TC_ECONFLICT for a unique or primary key violation (the core
   * relies on it to claim idempotency keys), TC_EBUSY when a lock could not
   * be had in time, TC_EREADONLY, TC_EFULL, TC_ECORRUPT, TC_ESTORAGE for
   * anything else, TC_ENOMEM; or what row_cb returned.
   */
  int (*exec)(void *self, const char *sql, const struct tc_value *params,
              size_t nparams, tc_store_row_cb row_cb, void *payload,
              int64_t *changes);

  /** Text of the last error on this connection; owned by the adapter. */
  const char *(*errmsg)(void *self);

  /** Close the connection and free self. */
  void (*free)(void *self);
};

TC_END_DECL

#endif
