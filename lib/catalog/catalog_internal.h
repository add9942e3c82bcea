/*
 * lib/catalog/catalog_internal.h - what the catalog module offers other
 * modules inside the library (inventory, orders, search). Owned by the
 * catalog module; agreed signatures: append, don't change.
 */
#ifndef TC_CATALOG_INTERNAL_H
#define TC_CATALOG_INTERNAL_H

#include "core/internal.h"

typedef struct tc__sku_info {
  char sku[65];
  char product_id[TC_ID_STRLEN + 1];
  char variant_id[TC_ID_STRLEN + 1];
  char title[256]; /* product title + variant options, for display */
  bool published;  /* product published and variant active */
} tc__sku_info;

/* Look a SKU up. TC_OK, or TC_ENOTFOUND with the message naming the SKU
 * (field "sku"). */
int tc__catalog_sku_lookup(tc_ctx *ctx, const char *sku, tc__sku_info *out);

/* The price of a SKU in currency (minor units). TC_ENOTFOUND when the SKU
 * has no price in that currency (message names both). */
int tc__catalog_sku_price(tc_ctx *ctx, const char *sku, const char *currency,
                          tc_money *out);

/* ---- appended by the catalog module ---- */

/* Both functions above also answer TC_ENOTFOUND (field "sku") for a text
 * that is not a valid SKU at all. They run inside the caller's
 * transaction if one is open, and never clear the context's error. */

/* One SKU of a batch lookup. */
typedef struct tc__sku_price_info {
  bool found;        /* the SKU exists (info filled) */
  tc__sku_info info; /* when found */
  bool has_price;    /* found and priced in the asked currency */
  tc_money price;    /* when has_price */
} tc__sku_price_info;

/* Look up n SKUs (at most TC__CATALOG_BATCH_MAX, duplicates allowed) and
 * their prices in currency (NULL: no prices) in one query; out[i] answers
 * skus[i]. Returns TC_OK even when some are unknown (see found/has_price):
 * the caller decides what a missing one means. TC_EINVAL (field "skus" or
 * "currency") for a bad count or currency. */
#define TC__CATALOG_BATCH_MAX 100
int tc__catalog_skus_lookup(tc_ctx *ctx, const char *const *skus, size_t n,
                            const char *currency, tc__sku_price_info *out);

/* The module's schema (registry.c). */
extern const tc__schema_module tc__schema_catalog;

/* ---- appended for the search module (implemented in search_feed.c) ---- */

/* A product as the search index sees it. Everything is borrowed for the
 * callback only. */
typedef struct tc__product_doc {
  const char *id;
  const char *title;
  const char *slug;
  const char *description;
  const char *status;      /* "draft", "published", "archived" */
  const char *attributes;  /* flat JSON object text */
  const char *const *skus; /* SKUs of the active variants */
  size_t sku_count;
  /* The product's categories and all their ancestors (no duplicates),
   * with names; the first direct_category_count are the direct ones. */
  const char *const *category_ids;
  const char *const *category_names;
  size_t category_count;
  size_t direct_category_count;
  /* Lowest price per currency over the active variants, by currency. */
  const tc_money *min_prices;
  size_t price_count;
  int64_t created_ms;
  int64_t updated_ms;
} tc__product_doc;

/* Return TC_OK to go on, or a negative code to stop with it. The callback
 * runs outside any row callback, so it may use the store. */
typedef int (*tc__product_doc_cb)(const tc__product_doc *doc, void *payload);

/* Call cb for every product (only published ones when published_only), in
 * id order, reading in pages (a few queries per page of products, inside
 * one read transaction, nested in the caller's if open). */
int tc__catalog_for_each_product(tc_ctx *ctx, bool published_only,
                                 tc__product_doc_cb cb, void *payload);

/* Call cb once for product_id (any status); TC_ENOTFOUND (no message)
 * when there is no such product. */
int tc__catalog_product_doc(tc_ctx *ctx, const char *product_id,
                            tc__product_doc_cb cb, void *payload);

#endif
