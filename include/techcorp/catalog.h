/*
 * techcorp/catalog.h - the product catalog: products, variants (SKUs),
 * prices per currency, a category tree, publishing.
 *
 * A product has a title, a unique slug ([a-z0-9-], made from the title when
 * not given, Portuguese accents folded: "Café Pão" -> "cafe-pao"), a
 * description, a status (draft -> published -> archived, see below),
 * attributes (a flat JSON object of string, number and bool values), image
 * URLs (http/https) and any number of categories. A variant belongs to one
 * product and has a unique SKU (1..64 of [A-Za-z0-9._-]), options (a flat
 * JSON object of strings: {"size":"M","colour":"blue"}), an active flag and
 * an optional weight. A variant has at most one price per currency, in
 * integer minor units (tc_money), with an optional compare-at ("was")
 * price; every change is kept in a price history.
 *
 * Status transitions: draft -> published, draft -> archived, published ->
 * draft (unpublish), published -> archived, archived -> draft (restore).
 * Anything else (archived -> published) is TC_ESTATE naming both states;
 * asking for the current state is a no-op (TC_OK, no event).
 * Publishing needs at least one active variant.
 *
 * Who may do what is decided here, for every front alike: each function
 * takes the caller's principal `who` (NULL: anonymous). Writes need a
 * caller who may write the catalog (admin, system, or a client with the
 * scope "catalog:write"); anyone else gets TC_EUNAUTHENTICATED or
 * TC_EDENIED. Reads show only published products and active variants,
 * except to a caller who may read the whole catalog (support, admin,
 * system, or a client with "catalog:read"), who also sees drafts, archived
 * products and inactive variants (the admin view).
 *
 * Every change publishes an event in the same transaction (so it exists
 * if and only if the change was committed): catalog.product_created,
 * catalog.product_updated, catalog.product_published,
 * catalog.product_unpublished, catalog.product_archived,
 * catalog.variant_created, catalog.variant_updated, catalog.price_changed,
 * catalog.category_created, catalog.category_updated,
 * catalog.category_deleted. Product and variant events carry
 * {"product": {"id","title","slug","status","version","category_ids",
 * "skus"}} for indexers; price_changed carries sku, product_id,
 * variant_id, currency, old (null when new), new (null when removed),
 * compare_at.
 *
 * Optimistic concurrency: products and variants carry a version that
 * every change increments; passing expected_version > 0 to a change makes
 * it fail with TC_ECONFLICT (field "expected_version") when someone else
 * changed the record first.
 *
 * Errors: TC_EINVAL naming the field (tc_errfield), TC_ECONFLICT for a
 * duplicate slug, SKU or category name (naming it), TC_ENOTFOUND, TC_ESTATE
 * for an illegal transition or deleting a category in use, TC_ESTORAGE,
 * TC_ENOMEM. A failed call changes nothing.
 *
 * Thread rules: as for the context (one thread at a time per context).
 */
#ifndef TECHCORP_CATALOG_H
#define TECHCORP_CATALOG_H

#include <stdbool.h>

#include "common.h"
#include "context.h"
#include "id.h"
#include "money.h"

TC_BEGIN_DECL

/* ---- limits -------------------------------------------------------------- */

#define TC_CATALOG_TITLE_MAX 200     /**< bytes of UTF-8 */
#define TC_CATALOG_SLUG_MAX 120      /**< characters of [a-z0-9-] */
#define TC_CATALOG_DESC_MAX 20000    /**< bytes of UTF-8 */
#define TC_CATALOG_SKU_MAX 64        /**< characters of [A-Za-z0-9._-] */
#define TC_CATALOG_URL_MAX 2048      /**< bytes of an image URL */
#define TC_CATALOG_ATTRS_MAX 50      /**< attributes per product */
#define TC_CATALOG_OPTIONS_MAX 10    /**< options per variant */
#define TC_CATALOG_CATEGORIES_MAX 20 /**< categories per product */
#define TC_CATALOG_NAME_MAX 100      /**< bytes of a category name */
/** Largest price in minor units (10^12: ten billion units with cents). */
#define TC_CATALOG_PRICE_MAX INT64_C(1000000000000)
/** Largest variant weight in grams (100 tonnes). */
#define TC_CATALOG_WEIGHT_MAX INT64_C(100000000)

/* ---- options ------------------------------------------------------------- */

#define TC_CATALOG_OPTIONS_VERSION 1
/** Module options; 0 in a field means its default. */
typedef struct tc_catalog_options {
  uint32_t version;
  uint32_t max_images;         /**< image URLs per product; 0: 10, <= 100 */
  uint32_t max_category_depth; /**< levels of the tree; 0: 8, <= 32 */
  uint32_t max_variants;       /**< variants per product; 0: 100, <= 1000 */
} tc_catalog_options;

#define TC_CATALOG_OPTIONS_INIT \
  { TC_CATALOG_OPTIONS_VERSION, 0, 0, 0 }

/**
 * Set the catalog's options for ctx (copied). Without a call the defaults
 * apply. TC_EINVAL (naming the field) for a wrong version or a value
 * beyond its bound; the previous options then stay.
 */
TC_EXTERN int tc_catalog_configure(tc_ctx *ctx, const tc_catalog_options *opts);

/* ---- status -------------------------------------------------------------- */

typedef enum tc_catalog_status {
  TC_CATALOG_DRAFT = 0,
  TC_CATALOG_PUBLISHED = 1,
  TC_CATALOG_ARCHIVED = 2,
} tc_catalog_status;

/** "draft", "published", "archived"; "unknown" for anything else. Static. */
TC_EXTERN const char *tc_catalog_status_name(tc_catalog_status status);

/** Parse a status name; TC_EINVAL for anything else. Pure function. */
TC_EXTERN int tc_catalog_status_parse(tc_catalog_status *out, const char *name);

/**
 * Make a slug from text: letters and digits lower-cased, Latin accents
 * folded ("ç" -> "c", "ã" -> "a", "ß" -> "ss"), any run of other
 * characters becomes one '-', none at either end, cut at a '-' to fit
 * TC_CATALOG_SLUG_MAX. Writes into out (size bytes; 121 is always enough).
 * TC_EINVAL when text is NULL, not UTF-8, gives an empty slug or out is
 * too small; out is then "" (when size > 0). Pure function.
 */
TC_EXTERN int tc_catalog_slugify(char *out, size_t size, const char *text);

/** TC_OK when slug is 1..TC_CATALOG_SLUG_MAX of [a-z0-9-], not starting or
 *  ending with '-' and without "--"; TC_EINVAL otherwise. Pure. */
TC_EXTERN int tc_catalog_slug_check(const char *slug);

/** TC_OK when sku is 1..64 of [A-Za-z0-9._-]; TC_EINVAL otherwise. Pure. */
TC_EXTERN int tc_catalog_sku_check(const char *sku);

/* ---- records as read ------------------------------------------------------
 */

/** A price of a variant. A value struct. */
typedef struct tc_catalog_price {
  tc_money price;
  bool has_compare_at;
  tc_money compare_at; /**< the "was" price, when has_compare_at */
} tc_catalog_price;

/** A variant as read; part of a tc_catalog_product (owned by it). */
typedef struct tc_catalog_variant {
  char id[TC_ID_STRLEN + 1];
  char sku[TC_CATALOG_SKU_MAX + 1];
  char *options; /**< JSON object text, keys sorted */
  bool active;
  int64_t weight_grams; /**< -1 when unknown */
  int64_t version;
  int64_t created_ms, updated_ms;
  tc_catalog_price *prices; /**< sorted by currency */
  size_t price_count;
} tc_catalog_variant;

/**
 * A product as read. Everything inside is owned by the struct and freed
 * with tc_catalog_product_free() (or with its page). Items of a listing
 * carry no variants and no categories (variant_count and category_count
 * are 0): get the product for those.
 */
typedef struct tc_catalog_product {
  char id[TC_ID_STRLEN + 1];
  char *slug;
  char *title;
  char *description;
  tc_catalog_status status;
  char *attributes; /**< JSON object text */
  char **images;    /**< image_count URLs */
  size_t image_count;
  tc_id *category_ids; /**< category_count ids */
  size_t category_count;
  tc_catalog_variant *variants; /**< variant_count, oldest first */
  size_t variant_count;
  int64_t version;
  int64_t created_ms, updated_ms;
} tc_catalog_product;

/* ---- products -------------------------------------------------------------
 */

#define TC_CATALOG_PRODUCT_INPUT_VERSION 1
/**
 * What to create or change. All pointers are borrowed for the call. On
 * update a NULL field (or images/category_ids NULL) keeps the stored value;
 * a non-NULL array with a count of 0 clears it.
 */
typedef struct tc_catalog_product_input {
  uint32_t version;
  const char *title;       /**< required on create */
  const char *slug;        /**< NULL on create: made from the title */
  const char *description; /**< NULL on create: "" */
  const char *attributes;  /**< flat JSON object text; NULL on create: {} */
  const char *const *images;
  size_t image_count;
  const char *const *category_ids;
  size_t category_count;
  /** update only: > 0 to require this version (else TC_ECONFLICT) */
  int64_t expected_version;
} tc_catalog_product_input;

#define TC_CATALOG_PRODUCT_INPUT_INIT                                        \
  {                                                                          \
    TC_CATALOG_PRODUCT_INPUT_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL, \
        0, 0                                                                 \
  }

/**
 * Create a product in draft status; its id goes into *out. Errors name the
 * field: "title", "slug" (bad: TC_EINVAL; taken: TC_ECONFLICT),
 * "description", "attributes" ("attributes.colour" for one value),
 * "images[2]", "category_ids[0]" (TC_ENOTFOUND when unknown).
 * Publishes catalog.product_created.
 */
TC_EXTERN int tc_catalog_product_create(tc_id *out, tc_ctx *ctx,
                                        const tc_principal *who,
                                        const tc_catalog_product_input *in);

/**
 * Change the fields of in that are not NULL (same checks as create; slug
 * NULL keeps the slug, a title change does not change it). Increments the
 * version and publishes catalog.product_updated. TC_ENOTFOUND, TC_ECONFLICT
 * ("expected_version" or "slug").
 */
TC_EXTERN int tc_catalog_product_update(tc_ctx *ctx, const tc_principal *who,
                                        const char *product_id,
                                        const tc_catalog_product_input *in);

/**
 * Move a product to status `to` (see the transitions at the top). Publishes
 * catalog.product_published, _unpublished or _archived. TC_ESTATE names
 * both states; TC_ESTATE (field "variants") when publishing a product
 * without an active variant.
 */
TC_EXTERN int tc_catalog_product_set_status(tc_ctx *ctx,
                                            const tc_principal *who,
                                            const char *product_id,
                                            tc_catalog_status to,
                                            int64_t expected_version);

/** tc_catalog_product_set_status(ctx, who, id, TC_CATALOG_PUBLISHED, ev). */
TC_EXTERN int tc_catalog_product_publish(tc_ctx *ctx, const tc_principal *who,
                                         const char *product_id,
                                         int64_t expected_version);

/** tc_catalog_product_set_status(ctx, who, id, TC_CATALOG_ARCHIVED, ev). */
TC_EXTERN int tc_catalog_product_archive(tc_ctx *ctx, const tc_principal *who,
                                         const char *product_id,
                                         int64_t expected_version);

/**
 * Read a product by id or by slug, with its categories, variants and
 * prices, as who may see it: outside the admin view (see the top) a
 * product that is not published is TC_ENOTFOUND and inactive variants are
 * left out. On success *out owns the product (free with
 * tc_catalog_product_free); on failure it is NULL.
 */
TC_EXTERN int tc_catalog_product_get(tc_catalog_product **out, tc_ctx *ctx,
                                     const tc_principal *who,
                                     const char *id_or_slug);

/** Free a product from tc_catalog_product_get(). NULL is a no-op. */
TC_EXTERN void tc_catalog_product_free(tc_ctx *ctx, tc_catalog_product *p);

/* ---- listings -------------------------------------------------------------
 */

typedef enum tc_catalog_order {
  TC_CATALOG_ORDER_CREATED = 0, /**< oldest first, then id */
  TC_CATALOG_ORDER_TITLE = 1,   /**< by folded title (its slug form), id */
} tc_catalog_order;

#define TC_CATALOG_QUERY_VERSION 1
/**
 * A listing. Filters combine with AND. Pointers are borrowed for the call.
 * Paging is by keyset: pass the previous page's next_cursor (with the
 * same filters and order) to get the next page; rows inserted meanwhile
 * never cause a duplicate or a gap, and a deep page costs as little as
 * the first.
 */
typedef struct tc_catalog_query {
  uint32_t version;
  int status;              /**< a tc_catalog_status, or -1: any */
  const char *category_id; /**< NULL: any */
  bool descendants;        /**< with category_id: its subtree too */
  const char *prefix;      /**< title or slug starts with (folded) */
  const char *currency;    /**< for the price range */
  int64_t price_min;       /**< minor units; -1: none */
  int64_t price_max;       /**< minor units; -1: none */
  tc_catalog_order order;
  uint32_t limit;     /**< 1..100; 0: 20 */
  const char *cursor; /**< NULL: first page */
} tc_catalog_query;

#define TC_CATALOG_QUERY_INIT                                      \
  {                                                                \
    TC_CATALOG_QUERY_VERSION, -1, NULL, false, NULL, NULL, -1, -1, \
        TC_CATALOG_ORDER_CREATED, 0, NULL                          \
  }

/** One page of a listing; free with tc_catalog_page_free(). */
typedef struct tc_catalog_page {
  tc_catalog_product *items; /**< count products (no variants) */
  size_t count;
  char *next_cursor; /**< opaque; NULL on the last page */
} tc_catalog_page;

/**
 * List products as who may see them: outside the admin view only
 * published products are seen (a status filter other than published then
 * gives an empty page). The price range matches products with a variant
 * (active, outside the admin view) priced in currency within [price_min,
 * price_max]. TC_EINVAL names
 * the field ("cursor", "currency", "limit"...); an unknown category is
 * TC_ENOTFOUND. On success *out owns the page; on failure it is NULL.
 */
TC_EXTERN int tc_catalog_product_list(tc_catalog_page **out, tc_ctx *ctx,
                                      const tc_principal *who,
                                      const tc_catalog_query *q);

/** Free a page and its items. NULL is a no-op. */
TC_EXTERN void tc_catalog_page_free(tc_ctx *ctx, tc_catalog_page *page);

/* ---- variants and prices ---------------------------------------------------
 */

/** In a variant input: keep the stored value (update) / none (create). */
#define TC_CATALOG_KEEP (-1)
/** In weight_grams of an update: forget the weight. */
#define TC_CATALOG_WEIGHT_CLEAR (-2)

#define TC_CATALOG_VARIANT_INPUT_VERSION 1
/** A variant to add or change; pointers borrowed for the call. */
typedef struct tc_catalog_variant_input {
  uint32_t version;
  const char *sku;          /**< required on add; ignored on update (fixed) */
  const char *options;      /**< flat JSON object of strings; NULL: {} / keep */
  int active;               /**< 1, 0, or TC_CATALOG_KEEP (add: active) */
  int64_t weight_grams;     /**< grams, TC_CATALOG_KEEP, or _WEIGHT_CLEAR */
  int64_t expected_version; /**< update only: > 0 to require it */
} tc_catalog_variant_input;

#define TC_CATALOG_VARIANT_INPUT_INIT                              \
  {                                                                \
    TC_CATALOG_VARIANT_INPUT_VERSION, NULL, NULL, TC_CATALOG_KEEP, \
        TC_CATALOG_KEEP, 0                                         \
  }

/**
 * Add a variant to a product (which may be in any status but archived);
 * its id goes into *out. Errors: "sku" (TC_EINVAL, or TC_ECONFLICT when
 * taken by any product), "options" ("options.size"), "weight_grams",
 * "product_id" (TC_ENOTFOUND), TC_ELIMIT beyond max_variants. Publishes
 * catalog.variant_created.
 */
TC_EXTERN int tc_catalog_variant_add(tc_id *out, tc_ctx *ctx,
                                     const tc_principal *who,
                                     const char *product_id,
                                     const tc_catalog_variant_input *in);

/**
 * Change options, active flag or weight of a variant (the SKU never
 * changes: stock and orders refer to it). Publishes
 * catalog.variant_updated. *product_out (may be NULL) receives the id of
 * the variant's product. TC_ENOTFOUND, TC_ECONFLICT ("expected_version").
 */
TC_EXTERN int tc_catalog_variant_update(tc_id *product_out, tc_ctx *ctx,
                                        const tc_principal *who,
                                        const char *variant_id,
                                        const tc_catalog_variant_input *in);

/**
 * Set the price of the variant with sku in price->currency; compare_at
 * (NULL: none) must be of the same currency and not below the price.
 * Amounts are 0..TC_CATALOG_PRICE_MAX. Records the change in the history
 * and publishes catalog.price_changed, unless nothing changed. Errors:
 * "sku" (TC_ENOTFOUND), "currency", "amount", "compare_at".
 */
TC_EXTERN int tc_catalog_price_set(tc_ctx *ctx, const tc_principal *who,
                                   const char *sku, const tc_money *price,
                                   const tc_money *compare_at);

/** Remove the price of sku in currency (history kept, event published).
 *  TC_ENOTFOUND when there is none. */
TC_EXTERN int tc_catalog_price_remove(tc_ctx *ctx, const tc_principal *who,
                                      const char *sku, const char *currency);

/** One change of a price; old_amount/new_amount -1 when absent. */
typedef struct tc_catalog_price_change {
  char currency[4];
  int64_t old_amount;
  int64_t new_amount;
  int64_t compare_at;
  int64_t changed_ms;
} tc_catalog_price_change;

/** Called per change, oldest first; return non-zero to stop. The struct
 *  lives during the call only. */
typedef int (*tc_catalog_price_change_cb)(const tc_catalog_price_change *c,
                                          void *payload);

/** List the price history of sku (in currency, or all when NULL). Only for
 *  a caller who may read the whole catalog (TC_EDENIED otherwise). */
TC_EXTERN int tc_catalog_price_history(tc_ctx *ctx, const tc_principal *who,
                                       const char *sku, const char *currency,
                                       tc_catalog_price_change_cb cb,
                                       void *payload);

/* ---- categories ------------------------------------------------------------
 */

/** A category as listed; valid during the callback only. */
typedef struct tc_catalog_category {
  const char *id;
  const char *parent_id; /**< "" for a root */
  const char *name;
  const char *slug; /**< unique among siblings */
  int depth;        /**< 0 for a root */
} tc_catalog_category;

/** Return non-zero to stop listing. */
typedef int (*tc_catalog_category_cb)(const tc_catalog_category *c,
                                      void *payload);

/**
 * Create a category under parent_id (NULL or "": a root). Errors: "name"
 * (empty, too long, not UTF-8; TC_ECONFLICT when a sibling has the same
 * slug), "parent_id" (TC_ENOTFOUND), TC_ELIMIT beyond max_category_depth.
 */
TC_EXTERN int tc_catalog_category_create(tc_id *out, tc_ctx *ctx,
                                         const tc_principal *who,
                                         const char *parent_id,
                                         const char *name);

/** Rename a category (its slug follows). Same errors as create. */
TC_EXTERN int tc_catalog_category_rename(tc_ctx *ctx, const tc_principal *who,
                                         const char *id, const char *name);

/**
 * Move a category and its subtree under new_parent_id (NULL or "": make
 * it a root). TC_EINVAL (field "parent_id") when that would make a cycle
 * (the new parent is the category itself or inside its subtree);
 * TC_ECONFLICT when a sibling there has the same slug; TC_ELIMIT when the
 * subtree would grow too deep.
 */
TC_EXTERN int tc_catalog_category_move(tc_ctx *ctx, const tc_principal *who,
                                       const char *id,
                                       const char *new_parent_id);

/**
 * Rename and move a category in one transaction: both or neither. name
 * NULL keeps the name, new_parent_id NULL keeps the parent ("" makes it a
 * root); giving neither is TC_EINVAL (field "name"). Errors as for
 * tc_catalog_category_rename() and tc_catalog_category_move().
 */
TC_EXTERN int tc_catalog_category_update(tc_ctx *ctx, const tc_principal *who,
                                         const char *id, const char *name,
                                         const char *new_parent_id);

/** Delete a category that has no children and no products (else
 *  TC_ESTATE naming what is left). */
TC_EXTERN int tc_catalog_category_delete(tc_ctx *ctx, const tc_principal *who,
                                         const char *id);

/**
 * List categories in tree order (each parent before its children):
 * root_id NULL lists the whole tree; otherwise root_id's children, or with
 * descendants its whole subtree (root_id itself excluded).
 */
TC_EXTERN int tc_catalog_category_list(tc_ctx *ctx, const char *root_id,
                                       bool descendants,
                                       tc_catalog_category_cb cb,
                                       void *payload);

/* ---- lookups (for the other modules and for hosts) ------------------------
 * A caller who may read the whole catalog sees every SKU and product;
 * anyone else only published products and active variants (the others are
 * TC_ENOTFOUND, or not found in a batch). The library's own modules ask as
 * the system and apply their own rules (orders: "not for sale"). They run
 * inside the caller's transaction when one is open.
 */

/** What a SKU is. A value struct. */
typedef struct tc_catalog_sku_info {
  char sku[TC_CATALOG_SKU_MAX + 1];
  char product_id[TC_ID_STRLEN + 1];
  char variant_id[TC_ID_STRLEN + 1];
  char title[256]; /**< product title + variant options, for display */
  bool published;  /**< product published and variant active */
} tc_catalog_sku_info;

/** Look a SKU up. TC_OK, or TC_ENOTFOUND (field "sku") naming it, also
 *  for a text that is not a SKU at all. */
TC_EXTERN int tc_catalog_sku_lookup(tc_catalog_sku_info *out, tc_ctx *ctx,
                                    const tc_principal *who, const char *sku);

/** The price of a SKU in currency. TC_ENOTFOUND (field "sku") when the SKU
 *  is unknown or has no price there (the message names both); TC_EINVAL
 *  ("currency") for a code that is not ISO 4217. */
TC_EXTERN int tc_catalog_sku_price(tc_money *out, tc_ctx *ctx,
                                   const tc_principal *who, const char *sku,
                                   const char *currency);

/** Most SKUs of one batch lookup. */
#define TC_CATALOG_BATCH_MAX 100

/** One SKU of a batch lookup. A value struct. */
typedef struct tc_catalog_sku_price_info {
  bool found;               /**< the SKU exists (info filled) */
  tc_catalog_sku_info info; /**< when found */
  bool has_price;           /**< found and priced in the asked currency */
  tc_money price;           /**< when has_price */
} tc_catalog_sku_price_info;

/**
 * Look up n SKUs (at most TC_CATALOG_BATCH_MAX, duplicates allowed) and
 * their prices in currency (NULL: no prices) in one query; out[i] answers
 * skus[i]. TC_OK even when some are unknown (see found/has_price): the
 * caller decides what a missing one means. TC_EINVAL (field "skus" or
 * "currency") for a bad count or currency.
 */
TC_EXTERN int tc_catalog_skus_lookup(tc_catalog_sku_price_info *out,
                                     tc_ctx *ctx, const tc_principal *who,
                                     const char *const *skus, size_t n,
                                     const char *currency);

/**
 * A product as an indexer sees it (the search module). Everything is
 * borrowed for the callback only.
 */
typedef struct tc_catalog_product_doc {
  const char *id;
  const char *title;
  const char *slug;
  const char *description;
  const char *status;      /**< "draft", "published", "archived" */
  const char *attributes;  /**< flat JSON object text */
  const char *const *skus; /**< SKUs of the active variants */
  size_t sku_count;
  /** The product's categories and all their ancestors (no duplicates),
   *  with names; the first direct_category_count are the direct ones. */
  const char *const *category_ids;
  const char *const *category_names;
  size_t category_count;
  size_t direct_category_count;
  /** Lowest price per currency over the active variants, by currency. */
  const tc_money *min_prices;
  size_t price_count;
  int64_t created_ms;
  int64_t updated_ms;
} tc_catalog_product_doc;

/** Return TC_OK to go on, or a negative code to stop with it. The callback
 *  runs outside any row callback, so it may use the store. */
typedef int (*tc_catalog_product_doc_cb)(const tc_catalog_product_doc *doc,
                                         void *payload);

/**
 * Call cb for every product (only published ones when published_only), in
 * id order, reading in pages (a few queries per page of products, inside
 * one read transaction, nested in the caller's if open). Only for a caller
 * who may read the whole catalog.
 */
TC_EXTERN int tc_catalog_for_each_product(tc_ctx *ctx, const tc_principal *who,
                                          bool published_only,
                                          tc_catalog_product_doc_cb cb,
                                          void *payload);

/** Call cb once for product_id (any status); TC_ENOTFOUND (no message)
 *  when there is no such product. Only for a caller who may read the whole
 *  catalog. */
TC_EXTERN int tc_catalog_product_doc_get(tc_ctx *ctx, const tc_principal *who,
                                         const char *product_id,
                                         tc_catalog_product_doc_cb cb,
                                         void *payload);

TC_END_DECL

#endif
