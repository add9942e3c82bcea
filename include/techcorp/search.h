/*
 * techcorp/search.h - full-text search over products and orders: relevance
 * ranking (BM25 with field weights), filters, facets, sorting and cursor
 * pagination; prefix autocomplete; "did you mean" suggestions; a query
 * cache; an index kept up to date by events.
 *
 * Matching is accent- and case-insensitive ("cafe" finds "Café" and
 * "CAFÉ"): text is split into words of letters and digits, folded to lower
 * case without diacritics. Every word of a query must match (AND); quotes,
 * '*', parentheses and the words AND/OR/NOT/NEAR are plain text, never
 * query syntax. A query (q) is 1..TC_SEARCH_Q_MAX bytes of UTF-8 with 1..
 * TC_SEARCH_TERMS_MAX words; anything else is TC_EINVAL naming "q".
 *
 * The index lives in the store (SQLite FTS5; a PostgreSQL store gets the
 * tables but the search functions answer TC_EUNSUPPORTED). It holds
 * published products only, and orders. It follows the other modules
 * through events: the consumer group "search" subscribes to catalog.*,
 * inventory.* and orders.*; tc_search_consume() applies what they
 * published (an archived product disappears once its event is consumed),
 * tc_search_reindex() rebuilds the product index from the catalog.
 * Events published before the group first subscribed (tc_search_subscribe,
 * which every tc_search_* function also calls) are not delivered to it:
 * run tc_search_reindex() once after enabling search on an existing
 * catalog.
 *
 * Results go through the context's cache port for cache_ttl_ms, keyed by
 * the normalised query, filters and caller scope, and by an index
 * generation that every index write increments, so a change is seen by
 * the next query (across processes when the cache is shared).
 *
 * Errors: TC_EINVAL naming the field ("q", "cursor", "currency", "limit",
 * "price_min"...), TC_EUNAUTHENTICATED / TC_EDENIED for order searches,
 * TC_ESTORAGE (never with SQL text), TC_ENOMEM. Thread rules: as for the
 * context (one thread at a time per context).
 */
#ifndef TECHCORP_SEARCH_H
#define TECHCORP_SEARCH_H

#include <stdbool.h>

#include "common.h"
#include "buf.h"
#include "context.h"
#include "money.h"

TC_BEGIN_DECL

#define TC_SEARCH_Q_MAX 256    /**< bytes of a query */
#define TC_SEARCH_TERMS_MAX 16 /**< words of a query */
#define TC_SEARCH_LIMIT_MAX 100
#define TC_SEARCH_PRICE_EDGES_MAX 8

/* ---- options ------------------------------------------------------------- */

#define TC_SEARCH_OPTIONS_VERSION 1
/** Module options; 0 in a field means its default. */
typedef struct tc_search_options {
  uint32_t version;
  /** Lifetime of a cached result: 0: 30000 ms; < 0: no caching. */
  int64_t cache_ttl_ms;
  /** Edges of the price facet's buckets in minor units, ascending and
   *  > 0 ([0,e1), [e1,e2) ... [en, inf)); count 0: 1000, 5000, 10000,
   *  50000, 100000. */
  uint32_t price_edge_count;
  int64_t price_edges[TC_SEARCH_PRICE_EDGES_MAX];
} tc_search_options;

#define TC_SEARCH_OPTIONS_INIT         \
  {                                    \
    TC_SEARCH_OPTIONS_VERSION, 0, 0, { \
      0                                \
    }                                  \
  }

/**
 * Set the options for ctx (copied). TC_EINVAL naming the field
 * ("version", "price_edges") for a bad value; the previous options stay.
 */
TC_EXTERN int tc_search_configure(tc_ctx *ctx, const tc_search_options *opts);

/* ---- products ------------------------------------------------------------ */

typedef enum tc_search_sort {
  TC_SEARCH_RELEVANCE = 0,  /**< best match first (BM25), then id */
  TC_SEARCH_PRICE_ASC = 1,  /**< lowest price in `currency` first */
  TC_SEARCH_PRICE_DESC = 2, /**< highest price in `currency` first */
  TC_SEARCH_NEWEST = 3,     /**< most recently created first */
} tc_search_sort;

/** "relevance", "price_asc", "price_desc", "newest"; "unknown" else. */
TC_EXTERN const char *tc_search_sort_name(tc_search_sort sort);
/** Parse a sort name; TC_EINVAL for anything else. Pure function. */
TC_EXTERN int tc_search_sort_parse(tc_search_sort *out, const char *name);

#define TC_SEARCH_QUERY_VERSION 1
/**
 * A product search. Pointers are borrowed for the call. With currency
 * set, only products priced in it are found and each hit carries its
 * lowest price there; the price range and the price sorts need it.
 */
typedef struct tc_search_query {
  uint32_t version;
  const char *q;           /**< the words (required) */
  const char *category_id; /**< NULL: any; else it or a subcategory */
  const char *currency;    /**< ISO 4217 or NULL */
  int64_t price_min;       /**< minor units, inclusive; -1: none */
  int64_t price_max;       /**< minor units, inclusive; -1: none */
  bool in_stock;           /**< only products with available stock */
  const char *attr_name;   /**< attribute filter ("brand"), NULL: none */
  const char *attr_value;  /**< its value as text ("Acme") */
  tc_search_sort sort;
  uint32_t limit;     /**< 1..100; 0: 20 */
  const char *cursor; /**< a previous page's next_cursor; NULL: first */
  bool facets;        /**< also count facets and the total */
} tc_search_query;

#define TC_SEARCH_QUERY_INIT                                              \
  {                                                                       \
    TC_SEARCH_QUERY_VERSION, NULL, NULL, NULL, -1, -1, false, NULL, NULL, \
        TC_SEARCH_RELEVANCE, 0, NULL, false                               \
  }

/** One product found. Owned by its result. */
typedef struct tc_search_hit {
  char id[TC_ID_STRLEN + 1];
  char *title;
  char *slug;
  bool in_stock;
  bool has_price; /**< a currency was asked and the product has it */
  tc_money price; /**< lowest price of its variants, when has_price */
  double score;   /**< relevance, higher is better (-BM25) */
  int64_t created_ms;
} tc_search_hit;

/** One value of a facet with the number of products having it. */
typedef struct tc_search_facet_value {
  char *value; /**< category id, "1000-5000" ("100000-" for the last),
                *   "true"/"false", or the attribute's value */
  char *label; /**< category name, "10.00-50.00 BRL"..., or the value */
  int64_t count;
} tc_search_facet_value;

/** A facet: "category", "price" (with a currency), "in_stock", or
 *  "attributes.<name>" (each attribute, its 10 most common values). */
typedef struct tc_search_facet {
  char *name;
  tc_search_facet_value *values; /**< most frequent first */
  size_t count;
} tc_search_facet;

/** A page of products; free with tc_search_result_free(). */
typedef struct tc_search_result {
  tc_search_hit *hits;
  size_t count;
  char *next_cursor; /**< opaque; NULL on the last page */
  int64_t total;     /**< products matching (with facets), else -1 */
  tc_search_facet *facets;
  size_t facet_count;
  bool cached; /**< served from the query cache */
} tc_search_result;

/**
 * Search published products. Pages follow each other without duplicates
 * or gaps while the index does not change (relevance pages after an index
 * change may reorder). On success *out owns the result; on failure it is
 * NULL. Errors name the field: "q", "cursor" (malformed or from another
 * sort), "currency" (unknown, or missing for a price range or sort),
 * "price_min"/"price_max", "limit", "category_id", "attr_name".
 */
TC_EXTERN int tc_search_products(tc_search_result **out, tc_ctx *ctx,
                                 const tc_search_query *q);

/** Free a result. NULL is a no-op. */
TC_EXTERN void tc_search_result_free(tc_ctx *ctx, tc_search_result *r);

/**
 * Append r to out (owned by the caller) as one JSON object: {"hits":[{"id",
 * "title","slug","in_stock","price":{"amount","currency"} or null,"score",
 * "created_ms"}...],"next_cursor":text or null,"total":n or null,
 * "facets":[{"name","values":[{"value","label","count"}...]}...]} - the
 * body of search.products in the JSON API, and what the query cache keeps.
 * TC_ENOMEM.
 */
TC_EXTERN int tc_search_result_json(tc_buf *out, tc_ctx *ctx,
                                    const tc_search_result *r);

/* ---- autocomplete and suggestions ---------------------------------------- */

/** A completion: a product (id set) or a word (id NULL). */
typedef struct tc_search_completion {
  char *text;       /**< product title, or the query with its last word
                     *   completed (folded: "cafe moido") */
  char *product_id; /**< NULL for a word */
  char *slug;       /**< NULL for a word */
  int64_t count;    /**< products containing the word; 0 for products */
} tc_search_completion;

typedef struct tc_search_completions {
  tc_search_completion *products; /**< best matching titles */
  size_t product_count;
  tc_search_completion *words; /**< most frequent completions first */
  size_t word_count;
} tc_search_completions;

/**
 * Complete what a user is typing: the last word of prefix is taken as a
 * prefix ("caf" finds "Café"), the others as whole words. Gives up to
 * limit (1..20, 0: 8) product titles and words. A last word shorter than
 * two characters gives empty lists. Same rules for prefix as for q
 * (errors name "q"). *out owns the lists (tc_search_completions_free).
 */
TC_EXTERN int tc_search_autocomplete(tc_search_completions **out, tc_ctx *ctx,
                                     const char *prefix, uint32_t limit);

/** Free completions. NULL is a no-op. */
TC_EXTERN void tc_search_completions_free(tc_ctx *ctx,
                                          tc_search_completions *c);

/** One corrected word. */
typedef struct tc_search_correction {
  char *word;       /**< the word as typed, folded */
  char *suggestion; /**< the indexed word proposed instead */
  int distance;     /**< edits between them (1 or 2) */
  int64_t count;    /**< products containing the suggestion */
} tc_search_correction;

typedef struct tc_search_suggestion {
  char *query; /**< the whole query corrected; NULL when no word was */
  tc_search_correction *corrections;
  size_t count;
} tc_search_suggestion;

/**
 * "Did you mean": for each word of q that no indexed product contains,
 * propose the indexed word closest to it (Damerau-Levenshtein distance,
 * at most 1 for words of 3-4 characters and 2 from 5 on; shorter words
 * are left alone), the most frequent among equally close ones. Only
 * words starting with the same letter as the typed word or its second
 * letter are candidates. Same rules for q as tc_search_products (errors
 * name "q"). *out owns the answer (tc_search_suggestion_free).
 */
TC_EXTERN int tc_search_suggest(tc_search_suggestion **out, tc_ctx *ctx,
                                const char *q);

/** Free a suggestion. NULL is a no-op. */
TC_EXTERN void tc_search_suggestion_free(tc_ctx *ctx, tc_search_suggestion *s);

/* ---- orders ------------------------------------------------------------- */

#define TC_SEARCH_ORDER_QUERY_VERSION 1
/** An order search; pointers borrowed for the call. */
typedef struct tc_search_order_query {
  uint32_t version;
  const char *q;      /**< words (number, customer, e-mail, SKU); NULL or
                       *   "": every order the caller may see */
  const char *status; /**< NULL: any; else exact status ("paid") */
  uint32_t limit;     /**< 1..100; 0: 20 */
  const char *cursor; /**< a previous page's next_cursor */
} tc_search_order_query;

#define TC_SEARCH_ORDER_QUERY_INIT \
  { TC_SEARCH_ORDER_QUERY_VERSION, NULL, NULL, 0, NULL }

typedef struct tc_search_order_hit {
  char id[TC_ID_STRLEN + 1];
  char *number;
  char customer_id[TC_ID_STRLEN + 1];
  char *customer_name;
  char *customer_email;
  char *status;
  tc_money total;
  int64_t created_ms;
} tc_search_order_hit;

typedef struct tc_search_order_page {
  tc_search_order_hit *hits; /**< newest first */
  size_t count;
  char *next_cursor; /**< NULL on the last page */
  bool cached;
} tc_search_order_page;

/**
 * Search the orders who may see: a customer sees only their own orders;
 * support, admin and system callers see all. Anonymous callers get
 * TC_EUNAUTHENTICATED. Newest first. *out owns the page
 * (tc_search_order_page_free).
 */
TC_EXTERN int tc_search_orders(tc_search_order_page **out, tc_ctx *ctx,
                               const tc_principal *who,
                               const tc_search_order_query *q);

/** Free an order page. NULL is a no-op. */
TC_EXTERN void tc_search_order_page_free(tc_ctx *ctx, tc_search_order_page *p);

/**
 * Append p to out (owned by the caller) as one JSON object: {"orders":[{"id",
 * "number","customer_id","customer_name","customer_email","status",
 * "total":{"amount","currency"},"created_ms"}...],"next_cursor":text or
 * null} - the body of search.orders, and what the query cache keeps.
 * TC_ENOMEM.
 */
TC_EXTERN int tc_search_order_page_json(tc_buf *out, tc_ctx *ctx,
                                        const tc_search_order_page *p);

/* ---- keeping the index up to date ---------------------------------------- */

/**
 * Subscribe the consumer group "search" to catalog.*, inventory.* and
 * orders.* (idempotent; every tc_search_* function does it once per
 * context). A host calls it at start-up so no event is missed.
 */
TC_EXTERN int tc_search_subscribe(tc_ctx *ctx);

/**
 * Apply up to max (1..10000) pending events of the "search" group to the
 * index, each in its own transaction, acknowledging each one applied. An
 * event that fails is given back for a retry after a delay (and
 * dead-lettered after the queue's attempts). *applied (may be NULL)
 * receives the number acknowledged. TC_OK also when some failed (see the
 * log and the dead letters); TC_EINVAL ("max"), or the queue's error.
 */
TC_EXTERN int tc_search_consume(tc_ctx *ctx, size_t max, size_t *applied);

/**
 * Rebuild the product index from the catalog (published products, stock
 * from the inventory) in one write transaction: on failure the old index
 * stays. *indexed (may be NULL) receives the number of products indexed.
 * The order index is fed by the orders module and is left as it is. For
 * admin and system callers (who); anyone else TC_EUNAUTHENTICATED or
 * TC_EDENIED.
 */
TC_EXTERN int tc_search_reindex(tc_ctx *ctx, const tc_principal *who,
                                size_t *indexed);

/** Counters of this context since it was created. */
typedef struct tc_search_stats {
  uint64_t index_queries; /**< searches that read the index */
  uint64_t cache_hits;    /**< searches answered from the cache */
  uint64_t index_writes;  /**< documents written or removed */
  uint64_t events;        /**< events applied by tc_search_consume */
} tc_search_stats;

/** Copy the counters of ctx into *out. */
TC_EXTERN int tc_search_stats_get(tc_ctx *ctx, tc_search_stats *out);

TC_END_DECL

#endif
