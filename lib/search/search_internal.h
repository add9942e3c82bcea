/*
 * lib/search/search_internal.h - what the search module offers other
 * modules inside the library (orders) and its own tests and benchmark.
 * Owned by the search module: append, don't change.
 */
#ifndef TC_SEARCH_INTERNAL_H
#define TC_SEARCH_INTERNAL_H

#include "techcorp/catalog.h"
#include "core/internal.h"
#include "techcorp/search.h"

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

/* The module's schema and JSON API (listed in lib/core/registry.c). */
extern const tc__schema_module tc__schema_search;
struct tc__api_module;
extern const struct tc__api_module tc__api_search;

#endif
