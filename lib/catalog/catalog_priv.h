/*
 * lib/catalog/catalog_priv.h - shared by the files of the catalog module
 * only (validation, options, event documents).
 */
#ifndef TC_CATALOG_PRIV_H
#define TC_CATALOG_PRIV_H

#include <cjson/cJSON.h>

#include "core/internal.h"
#include "techcorp/catalog.h"

/* A text parameter from a pointer or an array (TC_VAL_TEXT warns about
 * arrays, whose address is never NULL). */
static inline tc_value cat__text(const char *s) {
  if (!s) return TC_VAL_NULL;
  return (tc_value){TC_VALUE_TEXT, strlen(s), {.s = s}};
}

/* The policy's answers for the catalog: may who write it (TC_OK, or the
 * error set), does who see the admin view (drafts, archived, inactive). */
static inline int cat__may_write(tc_ctx *ctx, const tc_principal *who) {
  return tc__authorize(ctx, who, "catalog", TC__ACT_WRITE, NULL);
}
static inline bool cat__sees_all(const tc_principal *who) {
  return tc__allowed(who, "catalog", TC__ACT_READ, NULL);
}
/* TC_OK when who sees the admin view, else TC_EDENIED (or
 * TC_EUNAUTHENTICATED) with the message set. */
static inline int cat__may_read_all(tc_ctx *ctx, const tc_principal *who) {
  return tc__authorize(ctx, who, "catalog", TC__ACT_READ, NULL);
}

/* The schema (lib/core/registry.c). */
extern const tc__schema_module tc__schema_catalog;

/* The options in force for ctx (defaults when never configured). */
typedef struct cat__opts {
  uint32_t max_images;
  uint32_t max_category_depth;
  uint32_t max_variants;
} cat__opts;
cat__opts cat__options(tc_ctx *ctx);

/* ---- validation (validate.c); each sets the message naming field (ids and
 * text: tc__check_id, tc__check_text in core) ---- */
int cat__check_slug(tc_ctx *ctx, const char *slug);
int cat__check_sku(tc_ctx *ctx, const char *field, const char *sku);
int cat__check_url(tc_ctx *ctx, const char *field, const char *url);
/* Check a flat JSON object (strings only when strings_only) and give its
 * canonical text (keys sorted) in *out, owned by the caller (cJSON_free). */
int cat__check_object(tc_ctx *ctx, const char *field, const char *json,
                      size_t max_members, bool strings_only, char **out);
/* JSON array text of the image URLs (cJSON_free), after checking them. */
int cat__images_json(tc_ctx *ctx, const char *const *images, size_t n,
                     char **out);
/* Check ids of categories: well formed, no duplicates, not too many. */
int cat__check_category_ids(tc_ctx *ctx, const char *const *ids, size_t n);
int cat__check_amount(tc_ctx *ctx, const char *field, int64_t amount);

/* ---- products shared by files (products.c) ---- */
/* Replace the category links of product_id (ids checked already; each must
 * exist, TC_ENOTFOUND naming category_ids[i]). */
int cat__set_product_categories(tc_ctx *ctx, const char *product_id,
                                const char *const *ids, size_t n);
void cat__product_clear(tc_ctx *ctx, tc_catalog_product *p);
/* Fill p from a product row read with CAT__PRODUCT_COLS. */
int cat__product_from_row(tc_ctx *ctx, tc_catalog_product *p,
                          const tc_value *cols, size_t ncols);
#define CAT__PRODUCT_COLS                                                    \
  "p.id, p.slug, p.title, p.description, p.status, p.attributes, p.images, " \
  "p.version, p.created_ms, p.updated_ms"
#define CAT__PRODUCT_NCOLS 10

/* ---- events (events.c) ---- */
/* Publish topic with {"product": doc, ...extra members of `extra`} where
 * doc is read from the store inside the current transaction. extra may be
 * NULL; it is not consumed. */
int cat__publish_product(tc_ctx *ctx, const char *topic, const char *product_id,
                         const cJSON *extra);

/* ---- categories (categories.c) ---- */
/* The materialized path ("/a/b/") of a category; TC_ENOTFOUND (message
 * naming field) when unknown. */
int cat__category_path(tc_ctx *ctx, const char *field, const char *id,
                       char *path, size_t size, int *depth);
/* [lo, hi) bounds of the text range covering every path under prefix. */
void cat__prefix_range(const char *prefix, char *hi, size_t size);

/* Room for the deepest path: 32 levels of "/<id>" and the final "/". */
#define CAT__PATH_MAX 1400

/* For tests (SQLite only): the EXPLAIN QUERY PLAN details of the
 * statement tc_catalog_product_list would run for q, one per line (all:
 * the admin view). */
int cat__list_plan(tc_ctx *ctx, const tc_catalog_query *q, bool all, char *out,
                   size_t size);

/* Status names in the store. */
const char *cat__status_str(tc_catalog_status s);

#endif
