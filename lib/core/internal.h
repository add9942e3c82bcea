/*
 * lib/core/internal.h - what the core offers the domain modules and the
 * adapters inside the library. Nothing here is exported (hidden visibility,
 * double-underscore names).
 */
#ifndef TC_CORE_INTERNAL_H
#define TC_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "techcorp/techcorp.h"

/* ---- the context ----------------------------------------------------------
 */

#define TC__ERRMSG_SIZE 512
#define TC__ERRFIELD_SIZE 128
#define TC__ERRREASON_SIZE 64

struct tc_ctx {
  tc_config cfg;      /* copy of what the host gave */
  tc_allocator alloc; /* never NULL functions */
  tc_clock clock;
  tc_random random;
  tc_logger logger;
  tc_store *store;
  tc_queue *queue;
  tc_cache *cache;
  bool owns_store, owns_queue, owns_cache;
  int txn_depth;   /* nesting of tc__txn_begin */
  bool txn_failed; /* an inner level ended in error */
  /* What runs when the outermost transaction ends (tc__txn_on_commit). */
  struct tc__txn_hook_slot {
    void (*fn)(tc_ctx *ctx, void *arg, bool committed);
    void *arg;
  } txn_hooks[8];
  size_t ntxn_hooks;
  int errcode;
  char errmsg[TC__ERRMSG_SIZE];
  char errfield[TC__ERRFIELD_SIZE];
  /* Machine-readable sub-code ("invalid_grant"), "" when none. */
  char errreason[TC__ERRREASON_SIZE];
  /* Per-module state, created on first use and freed with the context. */
  void *module_state[16];
  void (*module_state_free[16])(tc_ctx *ctx, void *state);
};

/* Slots of module_state; one per module that needs one. */
enum {
  TC__SLOT_AUTH = 0,
  TC__SLOT_USERS,
  TC__SLOT_CATALOG,
  TC__SLOT_INVENTORY,
  TC__SLOT_ORDERS,
  TC__SLOT_PAYMENTS,
  TC__SLOT_NOTIFY,
  TC__SLOT_SEARCH,
};

/* ---- errors ----------------------------------------------------------------
 * Every failing path sets the context's message once, where the most is
 * known, and returns the code: `return tc__seterr(ctx, TC_EINVAL, "qty",
 * "qty must be between 1 and %d", max);`. field may be NULL. Never put a
 * secret in a message. */
int tc__seterr(tc_ctx *ctx, int code, const char *field, const char *fmt, ...)
    TC_PRINTF(4, 5);
int tc__vseterr(tc_ctx *ctx, int code, const char *field, const char *fmt,
                va_list ap);
void tc__clearerr(tc_ctx *ctx);
/* As tc__seterr, plus a stable machine-readable sub-code of the error
 * (an RFC 6749 name such as "invalid_grant"; lower-case ASCII, at most 63
 * bytes) that tc_errreason() and the JSON error document's "reason" give.
 * tc__seterr and tc__clearerr reset it to "". */
int tc__seterr_reason(tc_ctx *ctx, int code, const char *field,
                      const char *reason, const char *fmt, ...) TC_PRINTF(5, 6);
/* The context's error kept across a side step that must not change it
 * (giving a lease back, reading a courtesy name, counting a failure). */
typedef struct tc__saved_error {
  int code;
  char msg[TC__ERRMSG_SIZE];
  char field[TC__ERRFIELD_SIZE];
  char reason[TC__ERRREASON_SIZE];
} tc__saved_error;
void tc__error_save(const tc_ctx *ctx, tc__saved_error *out);
/* Put the saved error back; returns its code. */
int tc__error_restore(tc_ctx *ctx, const tc__saved_error *saved);
/* For failures before a context exists (tc_last_error_message()). */
int tc__set_thread_error(int code, const char *fmt, ...) TC_PRINTF(2, 3);
void tc__clear_thread_error(void);

/* ---- memory (the context's allocator) --------------------------------------
 */
void *tc__malloc(tc_ctx *ctx, size_t n);
void *tc__calloc(tc_ctx *ctx, size_t n, size_t size);
void *tc__realloc(tc_ctx *ctx, void *p, size_t n);
void tc__free(tc_ctx *ctx, void *p);
char *tc__strdup(tc_ctx *ctx, const char *s);

/* ---- time, randomness, logging
 * ----------------------------------------------- */
int64_t tc__now_ms(tc_ctx *ctx);
void tc__random(tc_ctx *ctx, void *buf, size_t n);
uint32_t tc__random_u32(tc_ctx *ctx);
void tc__log(tc_ctx *ctx, tc_log_level level, const char *module,
             const char *fmt, ...) TC_PRINTF(4, 5);

/* Defaults, also used by adapters built without a context. */
extern const tc_clock tc__system_clock;
extern const tc_random tc__sodium_random;

/* ---- store ----------------------------------------------------------------
 * Every call checks the port and, on failure, copies the adapter's message
 * into the context's. */
int tc__db_exec(tc_ctx *ctx, const char *sql, const tc_value *params,
                size_t nparams, tc_store_row_cb cb, void *payload,
                int64_t *changes);
/* Run a query expected to give at most one row: TC_ENOTFOUND (with no
 * message set) when it gives none. */
int tc__db_row(tc_ctx *ctx, const char *sql, const tc_value *params,
               size_t nparams, tc_store_row_cb cb, void *payload);

/* Transactions nest: only the outermost level talks to the store. Use as
 *   if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
 *   rc = work(ctx);
 *   return tc__txn_end(ctx, rc);
 * tc__txn_end commits when rc is TC_OK at the outermost level, rolls back
 * otherwise, and returns rc (or the commit's error). An inner level that
 * ends in error makes the outermost roll back. */
int tc__txn_begin(tc_ctx *ctx, tc_txn_mode mode);
int tc__txn_end(tc_ctx *ctx, int rc);

/* After-commit hook: fn(ctx, arg, committed) runs once when the outermost
 * transaction ends, committed true when it committed, so a module acts on
 * what was committed (drops its cache entries) whoever ends the
 * transaction. Outside a transaction it runs at once (committed true). The
 * same (fn, arg) registered again in one transaction runs once. At most 8
 * different hooks per transaction: TC_ELIMIT beyond. fn may use the
 * store; it must not fail (a commit cannot be undone). */
typedef void (*tc__txn_hook)(tc_ctx *ctx, void *arg, bool committed);
int tc__txn_on_commit(tc_ctx *ctx, tc__txn_hook fn, void *arg);

/* Column readers for row callbacks: NULL reads as "" / 0. */
static inline const char *tc__col_text(const tc_value *col) {
  return col->type == TC_VALUE_TEXT && col->v.s ? col->v.s : "";
}
static inline int64_t tc__col_int(const tc_value *col) {
  if (col->type == TC_VALUE_INT) return col->v.i;
  if (col->type == TC_VALUE_REAL) return (int64_t)col->v.r;
  return 0;
}
static inline bool tc__col_null(const tc_value *col) {
  return col->type == TC_VALUE_NULL;
}
/* Copy a text column into a fixed buffer (truncating, always NUL-ended). */
void tc__col_copy(char *dst, size_t size, const tc_value *col);

/* ---- schema migrations ------------------------------------------------------
 * Each module lists its migrations in order, version 1, 2, ...; each has
 * the SQL for every dialect (NULL where a dialect is not supported yet).
 * Migrations are append-only: a released one is never edited. */
typedef struct tc__migration {
  int version;
  const char *sqlite;
  const char *postgres;
} tc__migration;

typedef struct tc__schema_module {
  const char *name;
  const tc__migration *migrations;
  size_t count;
} tc__schema_module;

/* The registry (lib/core/registry.c): one line per module. */
extern const tc__schema_module *const tc__schema_modules[];
extern const size_t tc__schema_module_count;

/* The runner behind tc_store_migrate(), over any module list (tests pass
 * their own): applies what is pending of mods[0..n) in one write
 * transaction. clock NULL: the system clock. Messages go to the thread
 * error. (lib/core/migrate.c) */
int tc__migrate_modules(tc_store *store, const tc_clock *clock,
                        const tc__schema_module *const *mods, size_t n);

/* Consumer groups of the library's own modules (lib/core/registry.c),
 * subscribed by every new context. */
typedef struct tc__subscription {
  const char *group;
  const char *pattern;
} tc__subscription;
extern const tc__subscription tc__standing_subscriptions[];
extern const size_t tc__standing_subscription_count;

/* ---- ids
 * --------------------------------------------------------------------- */
void tc__uuid7(char out[TC_ID_STRLEN + 1], int64_t now_ms,
               const tc_random *random);

/* ---- queue
 * ------------------------------------------------------------------- */
int tc__publish(tc_ctx *ctx, const char *topic, const char *key,
                const char *payload);
/* Publish payload, a cJSON object (consumed, also on failure; NULL counts
 * as a failed allocation): every module builds its events with cJSON, so
 * whatever text they hold is escaped. id_out (TC_ID_STRLEN + 1, may be
 * NULL) receives the event's id. */
struct cJSON;
int tc__publish_json(tc_ctx *ctx, const char *topic, const char *key,
                     struct cJSON *payload, char *id_out);
/* The table queue's schema module (lib/adapters/tablequeue). */
extern const tc__schema_module tc__schema_queue;

/* ---- utf-8
 * --------------------------------------------------------------------- */
/* true when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool tc__utf8_valid(const char *s, size_t n);
/* Length (1..4) of the well-formed UTF-8 sequence at s[0..rem), or 0 when
 * the bytes there are not one. */
size_t tc__utf8_seq(const char *s, size_t rem);

/* Text checks and quoting (lib/core/text.c), the shared authorization
 * policy (lib/core/policy.c). */
#include "text.h"
#include "policy.h"

#endif
