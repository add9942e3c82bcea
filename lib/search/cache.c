/*
 * lib/search/cache.c - the query cache over the context's cache port.
 *
 * A result is stored under a hash of the canonical request (normalised
 * words, filters, sort, page, caller scope) and of the index generation: a
 * counter in the cache that every index write increments. A write thus
 * makes every older entry unreachable at once, in every process sharing
 * the cache, and the entries age out by their TTL. When the cache fails
 * the search simply runs against the index.
 */
#include <sodium.h>
#include <stdio.h>

#include "search_priv.h"

#define GEN_KEY "search:gen"

int64_t srch_generation(tc_ctx *ctx, bool *ok) {
  *ok = false;
  tc_cache *c = ctx->cache;
  if (!c || !c->incr) return 0;
  int64_t gen = 0;
  /* adding 0 reads the counter atomically (creating it at 0) */
  if (c->incr(c->self, GEN_KEY, 0, 0, &gen) != TC_OK) return 0;
  *ok = true;
  return gen;
}

void srch_bump(tc_ctx *ctx) {
  tc_cache *c = ctx->cache;
  int64_t gen = 0;
  if (c && c->incr && c->incr(c->self, GEN_KEY, 1, 0, &gen) != TC_OK)
    tc__log(ctx, TC_LOG_WARN, "search",
            "could not move the index generation on; cached results may "
            "show the old index until their TTL runs out");
}

void srch_cache_key(char out[80], const char *kind, int64_t gen,
                    const char *canon, size_t len) {
  unsigned char h[16];
  crypto_generichash_state st;
  char g[24];
  int gl = snprintf(g, sizeof(g), "%lld|", (long long)gen);
  crypto_generichash_init(&st, NULL, 0, sizeof(h));
  crypto_generichash_update(&st, (const unsigned char *)g, (size_t)gl);
  crypto_generichash_update(&st, (const unsigned char *)canon, len);
  crypto_generichash_final(&st, h, sizeof(h));
  char hex[33];
  sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
  snprintf(out, 80, "search:%s:%s", kind, hex);
}

cJSON *srch_cache_get(tc_ctx *ctx, const char *key) {
  tc_cache *c = ctx->cache;
  if (!c || !c->get) return NULL;
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  cJSON *v = NULL;
  if (c->get(c->self, key, &b) == TC_OK && b.ptr)
    v = cJSON_ParseWithLength(b.ptr, b.size);
  tc_buf_dispose(&b);
  if (v && !cJSON_IsObject(v)) {
    cJSON_Delete(v);
    v = NULL;
  }
  return v;
}

void srch_cache_put(tc_ctx *ctx, const char *key, const cJSON *value) {
  tc_cache *c = ctx->cache;
  srch_state *st = ctx->module_state[TC__SLOT_SEARCH];
  if (!c || !c->set || !st || st->opts.cache_ttl_ms < 0) return;
  char *text = cJSON_PrintUnformatted(value);
  if (!text) return; /* best effort: the answer is still given */
  c->set(c->self, key, text, strlen(text), st->opts.cache_ttl_ms);
  cJSON_free(text);
}

int srch_cached_search(tc_ctx *ctx, srch_state *st, const srch_cached *how,
                       const void *req, void **out) {
  bool cache_ok = false;
  int64_t gen = st->opts.cache_ttl_ms < 0 ? 0 : srch_generation(ctx, &cache_ok);
  char key[80] = "";
  int rc;
  if (cache_ok) {
    tc_buf b = TC_BUF_INIT;
    b.alloc = &ctx->alloc;
    if ((rc = how->canon(ctx, req, &b)) == TC_OK)
      srch_cache_key(key, how->kind, gen, b.ptr, b.size);
    tc_buf_dispose(&b);
    if (rc) return rc;
    cJSON *hit = srch_cache_get(ctx, key);
    if (hit) {
      rc = how->from_json(ctx, hit, out);
      cJSON_Delete(hit);
      if (rc == TC_OK) {
        how->mark_cached(*out);
        st->stats.cache_hits++;
        return TC_OK;
      }
      tc__clearerr(ctx); /* unusable entry: search the index instead */
    }
  }
  if ((rc = how->run(ctx, st, req, out))) return rc;
  if (cache_ok) {
    cJSON *o = cJSON_CreateObject();
    if (o && how->to_json(ctx, *out, o) == TC_OK) srch_cache_put(ctx, key, o);
    cJSON_Delete(o);
    tc__clearerr(ctx); /* caching is best effort */
  }
  return TC_OK;
}
