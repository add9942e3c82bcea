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

int tc__txn_end(tc_ctx *ctx, int rc) {
  if (ctx->txn_depth <= 0)
    return tc__seterr(ctx, TC_ERROR, NULL, "transaction end without begin");
  if (rc != TC_OK) ctx->txn_failed = true;
  if (--ctx->txn_depth > 0) return rc;
  if (rc == TC_OK && !ctx->txn_failed) {
    int crc = ctx->store->commit(ctx->store->self);
    if (crc == TC_OK) return TC_OK;
    store_error(ctx, crc, "commit");
    ctx->store->rollback(ctx->store->self);
    return crc;
  }
  ctx->store->rollback(ctx->store->self);
  ctx->txn_failed = false;
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
