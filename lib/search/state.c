/*
 * lib/search/state.c - per-context state (options, counters, whether the
 * consumer group is subscribed), the entry checks every search function
 * runs, and error helpers.
 */
#include "search_priv.h"

static const int64_t default_edges[] = {1000, 5000, 10000, 50000, 100000};
#define DEFAULT_TTL_MS 30000

static void srch_defaults(tc_search_options *o) {
  if (o->cache_ttl_ms == 0) o->cache_ttl_ms = DEFAULT_TTL_MS;
  if (o->price_edge_count == 0) {
    o->price_edge_count = sizeof(default_edges) / sizeof(default_edges[0]);
    for (uint32_t i = 0; i < o->price_edge_count; i++)
      o->price_edges[i] = default_edges[i];
  }
}

static void srch_state_free(tc_ctx *ctx, void *state) {
  tc__free(ctx, state);
}

srch_state *srch_state_get(tc_ctx *ctx) {
  srch_state *st = ctx->module_state[TC__SLOT_SEARCH];
  if (st) return st;
  st = tc__calloc(ctx, 1, sizeof(*st));
  if (!st) {
    tc__oom(ctx);
    return NULL;
  }
  st->opts.version = TC_SEARCH_OPTIONS_VERSION;
  srch_defaults(&st->opts);
  ctx->module_state[TC__SLOT_SEARCH] = st;
  ctx->module_state_free[TC__SLOT_SEARCH] = srch_state_free;
  return st;
}

int srch_store_failed(tc_ctx *ctx, int rc, const char *what) {
  if (rc == TC_ESTORAGE || rc == TC_ECORRUPT) {
    tc__log(ctx, TC_LOG_ERROR, "search", "%s: %s", what, tc_errmsg(ctx));
    return tc__seterr(ctx, rc, NULL,
                      "%s failed: the search index is not "
                      "usable (see the log)",
                      what);
  }
  if (rc == TC_ENOMEM && tc_errcode(ctx) != TC_ENOMEM) return tc__oom(ctx);
  if (rc < 0 && tc_errcode(ctx) == TC_OK)
    return tc__seterr(ctx, rc, NULL, "%s failed", what);
  return rc;
}

int tc_search_configure(tc_ctx *ctx, const tc_search_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts || opts->version < 1 || opts->version > TC_SEARCH_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "search options version %u is not supported",
                      opts ? opts->version : 0u);
  if (opts->price_edge_count > TC_SEARCH_PRICE_EDGES_MAX)
    return tc__seterr(ctx, TC_EINVAL, "price_edge_count",
                      "price_edge_count must be at most %d",
                      TC_SEARCH_PRICE_EDGES_MAX);
  for (uint32_t i = 0; i < opts->price_edge_count; i++)
    if (opts->price_edges[i] <= 0 ||
        (i > 0 && opts->price_edges[i] <= opts->price_edges[i - 1]))
      return tc__seterr(ctx, TC_EINVAL, "price_edges",
                        "price_edges[%u] must be positive and greater than "
                        "the one before",
                        i);
  srch_state *st = srch_state_get(ctx);
  if (!st) return TC_ENOMEM;
  tc_search_options o = *opts;
  o.version = TC_SEARCH_OPTIONS_VERSION;
  srch_defaults(&o);
  st->opts = o;
  return TC_OK;
}

int tc_search_subscribe(tc_ctx *ctx) {
  if (!ctx) return TC_EINVAL;
  srch_state *st = srch_state_get(ctx);
  if (!st) return TC_ENOMEM;
  if (st->subscribed) return TC_OK;
  static const char *const topics[] = {"catalog.*", "inventory.*", "orders.*"};
  for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
    int rc = tc_events_subscribe(ctx, SRCH_GROUP, topics[i]);
    if (rc) return rc;
  }
  st->subscribed = true;
  return TC_OK;
}

int srch_enter(tc_ctx *ctx, srch_state **out) {
  tc__clearerr(ctx);
  if (!ctx->store || !ctx->store->dialect ||
      strcmp(ctx->store->dialect, "sqlite") != 0)
    return tc__seterr(ctx, TC_EUNSUPPORTED, NULL,
                      "search needs the SQLite store (FTS5) for now");
  srch_state *st = srch_state_get(ctx);
  if (!st) return TC_ENOMEM;
  if (!st->subscribed) {
    int rc = tc_search_subscribe(ctx);
    if (rc) return rc;
  }
  tc__clearerr(ctx);
  if (out) *out = st;
  return TC_OK;
}

int tc_search_stats_get(tc_ctx *ctx, tc_search_stats *out) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  srch_state *st = srch_state_get(ctx);
  if (!st) return TC_ENOMEM;
  *out = st->stats;
  return TC_OK;
}

const char *tc_search_sort_name(tc_search_sort sort) {
  switch (sort) {
    case TC_SEARCH_RELEVANCE:
      return "relevance";
    case TC_SEARCH_PRICE_ASC:
      return "price_asc";
    case TC_SEARCH_PRICE_DESC:
      return "price_desc";
    case TC_SEARCH_NEWEST:
      return "newest";
  }
  return "unknown";
}

int tc_search_sort_parse(tc_search_sort *out, const char *name) {
  static const tc_search_sort all[] = {TC_SEARCH_RELEVANCE, TC_SEARCH_PRICE_ASC,
                                       TC_SEARCH_PRICE_DESC, TC_SEARCH_NEWEST};
  for (size_t i = 0; name && out && i < 4; i++)
    if (strcmp(name, tc_search_sort_name(all[i])) == 0) {
      *out = all[i];
      return TC_OK;
    }
  return TC_EINVAL;
}
