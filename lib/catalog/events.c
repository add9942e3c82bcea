/*
 * lib/catalog/events.c - the catalog's events. Each one is published in
 * the transaction of the change it describes, and product events carry
 * what an indexer needs (title, slug, status, categories, SKUs), read back
 * from the store so the event shows the state as committed.
 */
#include "catalog_priv.h"

static int add_str(cJSON *o, const char *name, const char *v) {
  return cJSON_AddStringToObject(o, name, v) ? TC_OK : TC_ENOMEM;
}

static int doc_product_row(const tc_value *c, size_t n, void *payload) {
  cJSON *doc = payload;
  if (n < 5) return TC_ECORRUPT;
  if (add_str(doc, "id", tc__col_text(&c[0])) ||
      add_str(doc, "title", tc__col_text(&c[1])) ||
      add_str(doc, "slug", tc__col_text(&c[2])) ||
      add_str(doc, "status", tc__col_text(&c[3])) ||
      !cJSON_AddNumberToObject(doc, "version", (double)tc__col_int(&c[4])))
    return TC_ENOMEM;
  return 0;
}

static int doc_category_row(const tc_value *c, size_t n, void *payload) {
  cJSON *arr = payload;
  if (n < 1) return TC_ECORRUPT;
  cJSON *s = cJSON_CreateString(tc__col_text(&c[0]));
  if (!s || !cJSON_AddItemToArray(arr, s)) {
    cJSON_Delete(s);
    return TC_ENOMEM;
  }
  return 0;
}

typedef struct {
  cJSON *skus, *active;
} sku_lists;

static int doc_sku_row(const tc_value *c, size_t n, void *payload) {
  sku_lists *l = payload;
  if (n < 2) return TC_ECORRUPT;
  int rc = doc_category_row(c, 1, l->skus);
  if (!rc && tc__col_int(&c[1])) rc = doc_category_row(c, 1, l->active);
  return rc;
}

/* Map a callback's bare code to a message (tc__db_exec only sets one for
 * the store's own errors). */
static int cb_failed(tc_ctx *ctx, int rc) {
  if (rc == TC_ENOMEM && tc_errcode(ctx) != TC_ENOMEM) return tc__oom(ctx);
  if (rc < 0 && tc_errcode(ctx) == TC_OK)
    return tc__seterr(ctx, rc, NULL, "reading the product for its event");
  return rc;
}

int cat__publish_product(tc_ctx *ctx, const char *topic, const char *product_id,
                         const cJSON *extra) {
  cJSON *root = cJSON_CreateObject();
  cJSON *doc = cJSON_AddObjectToObject(root, "product");
  cJSON *cats = cJSON_AddArrayToObject(doc, "category_ids");
  sku_lists l = {cJSON_AddArrayToObject(doc, "skus"),
                 cJSON_AddArrayToObject(doc, "active_skus")};
  if (!root || !doc || !cats || !l.skus || !l.active) {
    cJSON_Delete(root);
    return tc__oom(ctx);
  }
  tc_value p[] = {cat__text(product_id)};
  int rc = tc__db_row(ctx,
                      "SELECT id, title, slug, status, version"
                      " FROM catalog_products WHERE id = ?",
                      p, 1, doc_product_row, doc);
  if (rc == TC_ENOTFOUND)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "product_id", "no product %s",
                    product_id);
  if (!rc)
    rc = tc__db_exec(ctx,
                     "SELECT category_id FROM catalog_product_categories"
                     " WHERE product_id = ? ORDER BY category_id",
                     p, 1, doc_category_row, cats, NULL);
  if (!rc)
    rc = tc__db_exec(ctx,
                     "SELECT sku, active FROM catalog_variants"
                     " WHERE product_id = ? ORDER BY id",
                     p, 1, doc_sku_row, &l, NULL);
  for (const cJSON *it = extra ? extra->child : NULL; it && !rc;
       it = it->next) {
    cJSON *dup = cJSON_Duplicate(it, true);
    if (!dup || !cJSON_AddItemToObject(root, it->string, dup)) {
      cJSON_Delete(dup);
      rc = TC_ENOMEM;
    }
  }
  if (rc) {
    cJSON_Delete(root);
    return cb_failed(ctx, rc);
  }
  return tc__publish_json(ctx, topic, product_id, root, NULL);
}
