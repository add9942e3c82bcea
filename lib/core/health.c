/*
 * lib/core/health.c - tc_ctx_health(): do the context's ports answer?
 * (system.health of the JSON API reports it.)
 */
#include <stdio.h>

#include "internal.h"

/* How long the probe's cache key lives if the delete is lost. */
#define HEALTH_KEY_TTL_MS 10000

static int health_row(const tc_value *cols, size_t ncols, void *payload) {
  *(int64_t *)payload = ncols ? tc__col_int(&cols[0]) : 0;
  return 0;
}

/* Run SELECT 1; on failure describe it in why. */
static bool probe_store(tc_ctx *ctx, char *why, size_t size) {
  if (!ctx->store || !ctx->store->exec) {
    snprintf(why, size, "no store");
    return false;
  }
  int64_t one = 0;
  int rc = tc__db_exec(ctx, "SELECT 1", NULL, 0, health_row, &one, NULL);
  if (rc == TC_OK && one == 1) return true;
  const char *msg = rc == TC_OK      ? "SELECT 1 returned no row"
                    : ctx->errmsg[0] ? ctx->errmsg
                                     : tc_strerror(rc);
  /* Cut to fit, as the message may be longer than the report holds. */
  size_t n = strnlen(msg, size - 1);
  memcpy(why, msg, n);
  why[n] = '\0';
  return false;
}

/* Set a fresh random key, read it back, delete it. A random key keeps
 * concurrent probes against a shared cache from reading each other's. */
static bool probe_cache(tc_ctx *ctx, char *why, size_t size) {
  tc_cache *c = ctx->cache;
  if (!c || c->version < 1 || !c->set || !c->get) {
    snprintf(why, size, "no cache");
    return false;
  }
  unsigned char r[8];
  char value[17], key[32];
  tc__random(ctx, r, sizeof(r));
  for (size_t i = 0; i < sizeof(r); i++)
    snprintf(value + 2 * i, 3, "%02x", r[i]);
  snprintf(key, sizeof(key), "tc:health:%s", value);
  int rc = c->set(c->self, key, value, 16, HEALTH_KEY_TTL_MS);
  if (rc) {
    snprintf(why, size, "set: %s", tc_strerror(rc));
    return false;
  }
  tc_buf got = TC_BUF_INIT;
  got.alloc = &ctx->alloc;
  rc = c->get(c->self, key, &got);
  bool same = rc == TC_OK && got.size == 16 && !memcmp(got.ptr, value, 16);
  tc_buf_dispose(&got);
  if (c->del) c->del(c->self, key);
  if (rc)
    snprintf(why, size, "get: %s", tc_strerror(rc));
  else if (!same)
    snprintf(why, size, "get returned another value");
  return rc == TC_OK && same;
}

int tc_ctx_health(tc_health *out, tc_ctx *ctx) {
  if (!out || !ctx) return TC_EINVAL;
  memset(out, 0, sizeof(*out));
  out->store_ok = probe_store(ctx, out->store_error, sizeof(out->store_error));
  out->cache_ok = probe_cache(ctx, out->cache_error, sizeof(out->cache_error));
  /* A failing part is the answer, not an error of the call. */
  tc__clearerr(ctx);
  out->time_ms = tc__now_ms(ctx);
  return TC_OK;
}
