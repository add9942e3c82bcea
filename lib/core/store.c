/* The core's side of the store port: checked calls, nested transactions. */
#include <stdio.h>

#include "internal.h"

static int store_error(tc_ctx *ctx, int rc, const char *what) {
  const char *msg = ctx->store->errmsg(ctx->store->self);
  return tc__seterr(ctx, rc, NULL, "%s: %s", what,
                    msg && *msg ? msg : tc_strerror(rc));
}

int tc__db_exec(tc_ctx *ctx, const char *sql, const tc_value *params,
                size_t nparams, tc_store_row_cb cb, void *payload,
                int64_t *changes) {
  int saved = ctx->errcode;
  ctx->errcode = TC_OK;
  int rc = ctx->store->exec(ctx->store->self, sql, params, nparams, cb, payload,
                            changes);
  if (rc == TC_STORE_STOP) rc = TC_OK;
  /* A callback's own error has set the message already; the store's not. */
  if (rc < 0 && ctx->errcode == TC_OK) return store_error(ctx, rc, "store");
  if (rc == TC_OK) ctx->errcode = saved;
  return rc;
}

typedef struct {
  tc_store_row_cb cb;
  void *payload;
  bool seen;
} row_once;

static int row_once_cb(const tc_value *cols, size_t n, void *payload) {
  row_once *r = payload;
  r->seen = true;
  int rc = r->cb ? r->cb(cols, n, r->payload) : 0;
  return rc ? rc : TC_STORE_STOP;
}

int tc__db_row(tc_ctx *ctx, const char *sql, const tc_value *params,
               size_t nparams, tc_store_row_cb cb, void *payload) {
  row_once r = {cb, payload, false};
  int rc = tc__db_exec(ctx, sql, params, nparams, row_once_cb, &r, NULL);
  if (rc) return rc;
  return r.seen ? TC_OK : TC_ENOTFOUND;
}

int tc__txn_begin(tc_ctx *ctx, tc_txn_mode mode) {
  if (ctx->txn_depth > 0) {
    ctx->txn_depth++;
    return TC_OK;
  }
  int rc = ctx->store->begin(ctx->store->self, mode);
  if (rc) return store_error(ctx, rc, "begin transaction");
  ctx->txn_depth = 1;
  ctx->txn_failed = false;
  return TC_OK;
}

/* The hooks of the transaction that just ended; taken off the context
 * first, so a hook may open a transaction of its own. */
static void run_hooks(tc_ctx *ctx, bool committed) {
  struct tc__txn_hook_slot
      hooks[sizeof(ctx->txn_hooks) / sizeof(ctx->txn_hooks[0])];
  size_t n = ctx->ntxn_hooks;
  memcpy(hooks, ctx->txn_hooks, n * sizeof(hooks[0]));
  ctx->ntxn_hooks = 0;
  for (size_t i = 0; i < n; i++) hooks[i].fn(ctx, hooks[i].arg, committed);
}

int tc__txn_on_commit(tc_ctx *ctx, tc__txn_hook fn, void *arg) {
  if (ctx->txn_depth <= 0) {
    fn(ctx, arg, true);
    return TC_OK;
  }
  for (size_t i = 0; i < ctx->ntxn_hooks; i++)
    if (ctx->txn_hooks[i].fn == fn && ctx->txn_hooks[i].arg == arg)
      return TC_OK;
  if (ctx->ntxn_hooks == sizeof(ctx->txn_hooks) / sizeof(ctx->txn_hooks[0]))
    return tc__seterr(ctx, TC_ELIMIT, NULL,
                      "too many after-commit hooks in one transaction");
  ctx->txn_hooks[ctx->ntxn_hooks].fn = fn;
  ctx->txn_hooks[ctx->ntxn_hooks].arg = arg;
  ctx->ntxn_hooks++;
  return TC_OK;
}

int tc__txn_end(tc_ctx *ctx, int rc) {
  if (ctx->txn_depth <= 0)
    return tc__seterr(ctx, TC_ERROR, NULL, "transaction end without begin");
  if (rc != TC_OK) ctx->txn_failed = true;
  if (--ctx->txn_depth > 0) return rc;
  if (rc == TC_OK && !ctx->txn_failed) {
    int crc = ctx->store->commit(ctx->store->self);
    if (crc == TC_OK) {
      run_hooks(ctx, true);
      return TC_OK;
    }
    store_error(ctx, crc, "commit");
    ctx->store->rollback(ctx->store->self);
    run_hooks(ctx, false);
    return crc;
  }
  ctx->store->rollback(ctx->store->self);
  ctx->txn_failed = false;
  run_hooks(ctx, false);
  if (rc == TC_OK)
    rc = tc__seterr(ctx, TC_ESTATE, NULL,
                    "transaction rolled back: an inner step failed");
  return rc;
}

void tc__col_copy(char *dst, size_t size, const tc_value *col) {
  if (!size) return;
  const char *s = tc__col_text(col);
  size_t n = col->type == TC_VALUE_TEXT ? col->len : 0;
  if (n >= size) n = size - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}
