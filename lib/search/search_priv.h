/*
 * lib/search/search_priv.h - shared by the files of the search module
 * (and its tests and benchmark) only.
 */
#ifndef TC_SEARCH_PRIV_H
#define TC_SEARCH_PRIV_H

#include <cjson/cJSON.h>

#include "core/internal.h"
#include "techcorp/catalog.h"
#include "techcorp/search.h"

/* A text parameter from a pointer or an array. */
static inline tc_value srch_text(const char *s) {
  if (!s) return TC_VAL_NULL;
  return (tc_value){TC_VALUE_TEXT, strlen(s), {.s = s}};
}

/* ---- state (state.c) ---- */
typedef struct srch_state {
  tc_search_options opts; /* defaults filled in */
  bool subscribed;
  bool batch; /* inside a reindex: one generation move at the end */
  tc_search_stats stats;
} srch_state;

/* The state of ctx, created on first use; NULL (ENOMEM set) on failure. */
srch_state *srch_state_get(tc_ctx *ctx);
/* Common entry checks of every search function: the store is SQLite
 * (else TC_EUNSUPPORTED), the group is subscribed, the state exists. */
int srch_enter(tc_ctx *ctx, srch_state **st);
/* After a store error while searching: log the store's message, give the
 * caller one without SQL. Other codes pass through. */
int srch_store_failed(tc_ctx *ctx, int rc, const char *what);

/* ---- text (text.c) ---- */
#define SRCH_TERM_MAX 256
typedef struct srch_terms {
  size_t n;
  char raw[TC_SEARCH_TERMS_MAX][SRCH_TERM_MAX + 1];  /* as typed */
  char fold[TC_SEARCH_TERMS_MAX][SRCH_TERM_MAX + 1]; /* folded */
} srch_terms;

/* Split q into words, checking it (TC_EINVAL naming field: empty, too
 * long, too many words, not UTF-8). allow_empty: no words is TC_OK. */
int srch_tokenize(tc_ctx *ctx, const char *field, const char *q,
                  bool allow_empty, srch_terms *out);
/* Fold UTF-8 text to lower case without Latin diacritics (as FTS5's
 * unicode61 remove_diacritics 2 does for Latin letters). */
void srch_fold(char *out, size_t size, const char *s);
/* The FTS5 query for terms: every term double-quoted (quotes doubled),
 * implicit AND; prefix_last adds '*' after the last. column may be NULL
 * or a column name to restrict the query to. TC_EOVERFLOW if it does not
 * fit (cannot happen within the limits). */
int srch_match(char *out, size_t size, const srch_terms *t, bool prefix_last,
               const char *column);
/* Damerau-Levenshtein (optimal string alignment) distance between two
 * folded words, in code points; max+1 when it exceeds max. */
int srch_distance(const char *a, const char *b, int max);
/* Code points in s. */
size_t srch_chars(const char *s);

/* ---- cache (cache.c) ---- */
/* The index generation (0 when the cache is unavailable: then *ok false). */
int64_t srch_generation(tc_ctx *ctx, bool *ok);
/* The index changed: move the generation on (best effort). */
void srch_bump(tc_ctx *ctx);
/* Cache key for a canonical request text of the given generation. */
void srch_cache_key(char out[80], const char *kind, int64_t gen,
                    const char *canon, size_t len);
/* Cached JSON text for key, parsed; NULL when absent or unusable. */
cJSON *srch_cache_get(tc_ctx *ctx, const char *key);
void srch_cache_put(tc_ctx *ctx, const char *key, const cJSON *value);

/* How one kind of search goes through the query cache. req and the
 * result are the kind's own types. */
typedef struct srch_cached {
  const char *kind; /* of the cache key: "p" products, "o" orders */
  /* The canonical text of req (same text, same answer). */
  int (*canon)(tc_ctx *ctx, const void *req, tc_buf *b);
  /* Search the index into *out (owned by the caller). */
  int (*run)(tc_ctx *ctx, srch_state *st, const void *req, void **out);
  /* A result to JSON and back (result.c). */
  int (*to_json)(tc_ctx *ctx, const void *res, cJSON *obj);
  int (*from_json)(tc_ctx *ctx, const cJSON *obj, void **out);
  /* Mark a result as read from the cache. */
  void (*mark_cached)(void *res);
} srch_cached;

/* Answer req from the cache when it holds it (for the index generation in
 * force), else run the search and keep its answer (best effort: a cache
 * that fails is only a miss). */
int srch_cached_search(tc_ctx *ctx, srch_state *st, const srch_cached *how,
                       const void *req, void **out);

/* ---- cursors (cursor.c) ---- */
/* Opaque cursor: base64url of "<kind>|<a>|<b>|<id>". */
int srch_cursor_encode(tc_ctx *ctx, char **out, char kind, const char *a,
                       const char *b, const char *id);
/* Decode into parts (each <= 63 bytes, id a UUID text); TC_EINVAL naming
 * "cursor" when malformed or of another kind. */
int srch_cursor_decode(tc_ctx *ctx, const char *cursor, char kind, char a[64],
                       char b[64], char id[TC_ID_STRLEN + 1]);

/* ---- results as JSON (result.c) ---- */
int srch_result_to_json(tc_ctx *ctx, const tc_search_result *r, cJSON *obj);
int srch_result_from_json(tc_ctx *ctx, const cJSON *obj,
                          tc_search_result **out);
int srch_orders_to_json(tc_ctx *ctx, const tc_search_order_page *p, cJSON *obj);
int srch_orders_from_json(tc_ctx *ctx, const cJSON *obj,
                          tc_search_order_page **out);

/* ---- index (index.c) ---- */
/* Re-read product_id from the catalog and index or remove it. */
int srch_refresh_product(tc_ctx *ctx, const char *product_id);
/* Recompute the stock flag of the products having sku. */
int srch_refresh_sku(tc_ctx *ctx, const char *sku);
/* Re-read every product of the category (and its subcategories). */
int srch_refresh_category(tc_ctx *ctx, const char *category_id);

#define SRCH_GROUP "search"

/* ---- the index's writers (index.c, orders.c), also for the tests and the
 * benchmark ---- */

/*
 * An order as the search index sees it; everything borrowed for the call.
 * Strings may be NULL (treated as ""), except id, number and customer_id.
 */
typedef struct tc__order_doc {
  const char *id;          /* the order's id (UUID) */
  const char *number;      /* human order number ("TC-2024-000123") */
  const char *customer_id; /* the user who owns it */
  const char *customer_name;
  const char *customer_email;
  const char *status; /* "pending", "paid", "shipped"... */
  const char *const *skus;
  size_t sku_count;
  tc_money total;
  int64_t created_ms;
  int64_t updated_ms;
} tc__order_doc;

/*
 * Add or replace the order in the index. Runs inside the caller's
 * transaction if one is open (the orders module may call it in the
 * transaction of the change), else in its own. Errors name the field
 * ("id", "number", "customer_id", "total.currency").
 */
int tc__search_index_order(tc_ctx *ctx, const tc__order_doc *doc);

/* Remove the order from the index; TC_OK also when it was not there. */
int tc__search_remove_order(tc_ctx *ctx, const char *order_id);

/*
 * Add or replace a product document with the given stock flag (published
 * documents only; any other status removes it). Same transaction rule as
 * above. tc__search_index_product() asks the inventory for the stock.
 */
int tc__search_put_product(tc_ctx *ctx, const tc_catalog_product_doc *doc,
                           bool in_stock);
int tc__search_index_product(tc_ctx *ctx, const tc_catalog_product_doc *doc);

/* Remove a product from the index; TC_OK also when it was not there. */
int tc__search_remove_product(tc_ctx *ctx, const char *product_id);

/* The module's schema (lib/core/registry.c). */
extern const tc__schema_module tc__schema_search;

#endif
