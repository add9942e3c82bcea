/*
 * lib/catalog/variants.c - variants (SKUs) of a product: add, change.
 * The SKU is fixed once given: stock, carts and orders refer to it.
 */
#include <stdio.h>

#include "catalog_priv.h"

static int check_variant(tc_ctx *ctx, const tc_catalog_variant_input *in,
                         bool add, char **options) {
  *options = NULL;
  if (!in || in->version != TC_CATALOG_VARIANT_INPUT_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "variant input version must be %d",
                      TC_CATALOG_VARIANT_INPUT_VERSION);
  int rc;
  if (add && (rc = cat__check_sku(ctx, "sku", in->sku))) return rc;
  if (in->active != TC_CATALOG_KEEP && in->active != 0 && in->active != 1)
    return tc__seterr(ctx, TC_EINVAL, "active", "active must be 0 or 1");
  bool weight_ok =
      in->weight_grams == TC_CATALOG_KEEP ||
      (!add && in->weight_grams == TC_CATALOG_WEIGHT_CLEAR) ||
      (in->weight_grams >= 0 && in->weight_grams <= TC_CATALOG_WEIGHT_MAX);
  if (!weight_ok)
    return tc__seterr(ctx, TC_EINVAL, "weight_grams",
                      "weight_grams must be between 0 and %lld",
                      (long long)TC_CATALOG_WEIGHT_MAX);
  if (in->expected_version < 0)
    return tc__seterr(ctx, TC_EINVAL, "expected_version",
                      "expected_version must not be negative");
  if (in->options)
    return cat__check_object(ctx, "options", in->options,
                             TC_CATALOG_OPTIONS_MAX, true, options);
  return TC_OK;
}

typedef struct {
  tc_catalog_status status;
  int64_t variants;
} product_info;

static int product_info_row(const tc_value *c, size_t n, void *payload) {
  product_info *p = payload;
  if (n < 2) return TC_ECORRUPT;
  tc_catalog_status_parse(&p->status, tc__col_text(&c[0]));
  p->variants = tc__col_int(&c[1]);
  return 0;
}

static int variant_event(tc_ctx *ctx, const char *topic, const char *product_id,
                         const char *variant_id, const char *sku) {
  cJSON *extra = cJSON_CreateObject();
  if (!cJSON_AddStringToObject(extra, "variant_id", variant_id) ||
      !cJSON_AddStringToObject(extra, "sku", sku)) {
    cJSON_Delete(extra);
    return tc__oom(ctx);
  }
  int rc = cat__publish_product(ctx, topic, product_id, extra);
  cJSON_Delete(extra);
  return rc;
}

static int add_in(tc_ctx *ctx, tc_id *out, const char *product_id,
                  const tc_catalog_variant_input *in, const char *options) {
  product_info pi;
  tc_value p[] = {cat__text(product_id)};
  int rc = tc__db_row(ctx,
                      "SELECT p.status, (SELECT count(*) FROM catalog_variants"
                      " v WHERE v.product_id = p.id)"
                      " FROM catalog_products p WHERE p.id = ?",
                      p, 1, product_info_row, &pi);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "product_id", "no product %s",
                      product_id);
  if (rc) return rc;
  if (pi.status == TC_CATALOG_ARCHIVED)
    return tc__seterr(ctx, TC_ESTATE, "product_id",
                      "product %s is archived; restore it to draft first",
                      product_id);
  cat__opts o = cat__options(ctx);
  if (pi.variants >= (int64_t)o.max_variants)
    return tc__seterr(ctx, TC_ELIMIT, "product_id",
                      "product %s has %lld variants, the most allowed",
                      product_id, (long long)pi.variants);
  tc_value s[] = {cat__text(in->sku)};
  rc = tc__db_row(ctx, "SELECT id FROM catalog_variants WHERE sku = ?", s, 1,
                  NULL, NULL);
  if (rc == TC_OK)
    return tc__seterr(ctx, TC_ECONFLICT, "sku", "SKU %s exists already",
                      in->sku);
  if (rc != TC_ENOTFOUND) return rc;
  tc_id id;
  tc_id_new(&id, ctx);
  int64_t now = tc__now_ms(ctx);
  tc_value v[] = {
      cat__text(id.str),
      cat__text(product_id),
      cat__text(in->sku),
      cat__text(options ? options : "{}"),
      TC_VAL_INT(in->active == 0 ? 0 : 1),
      in->weight_grams >= 0 ? TC_VAL_INT(in->weight_grams) : TC_VAL_NULL,
      TC_VAL_INT(now),
      TC_VAL_INT(now)};
  rc = tc__db_exec(ctx,
                   "INSERT INTO catalog_variants (id, product_id, sku, options,"
                   " active, weight_grams, version, created_ms, updated_ms)"
                   " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                   v, 8, NULL, NULL, NULL);
  if (rc == TC_ECONFLICT)
    return tc__seterr(ctx, TC_ECONFLICT, "sku", "SKU %s exists already",
                      in->sku);
  if (rc) return rc;
  rc = variant_event(ctx, "catalog.variant_created", product_id, id.str,
                     in->sku);
  if (!rc) *out = id;
  return rc;
}

int tc_catalog_variant_add(tc_id *out, tc_ctx *ctx, const tc_principal *who,
                           const char *product_id,
                           const tc_catalog_variant_input *in) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  int rc = tc__check_id(ctx, "product_id", product_id);
  if (rc) return rc;
  char *options = NULL;
  rc = check_variant(ctx, in, true, &options);
  if (!rc && !(rc = tc__txn_begin(ctx, TC_TXN_WRITE)))
    rc = tc__txn_end(ctx, add_in(ctx, out, product_id, in, options));
  cJSON_free(options);
  return rc;
}

typedef struct {
  int64_t version;
  char product_id[TC_ID_STRLEN + 1];
  char sku[TC_CATALOG_SKU_MAX + 1];
} variant_head;

static int variant_head_row(const tc_value *c, size_t n, void *payload) {
  variant_head *h = payload;
  if (n < 3) return TC_ECORRUPT;
  h->version = tc__col_int(&c[0]);
  tc__col_copy(h->product_id, sizeof(h->product_id), &c[1]);
  tc__col_copy(h->sku, sizeof(h->sku), &c[2]);
  return 0;
}

static int update_in(tc_ctx *ctx, tc_id *product_out, const char *id,
                     const tc_catalog_variant_input *in, const char *options) {
  variant_head h;
  tc_value p[] = {cat__text(id)};
  int rc = tc__db_row(ctx,
                      "SELECT version, product_id, sku FROM catalog_variants"
                      " WHERE id = ?",
                      p, 1, variant_head_row, &h);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "variant_id", "no variant %s", id);
  if (rc) return rc;
  if (in->expected_version > 0 && in->expected_version != h.version)
    return tc__seterr(ctx, TC_ECONFLICT, "expected_version",
                      "variant %s is at version %lld, not %lld (changed "
                      "meanwhile)",
                      id, (long long)h.version,
                      (long long)in->expected_version);
  bool set_weight = in->weight_grams != TC_CATALOG_KEEP;
  int64_t changes = 0;
  tc_value u[] = {
      cat__text(options),
      in->active == TC_CATALOG_KEEP ? TC_VAL_NULL : TC_VAL_INT(in->active),
      TC_VAL_INT(set_weight),
      in->weight_grams >= 0 ? TC_VAL_INT(in->weight_grams) : TC_VAL_NULL,
      TC_VAL_INT(tc__now_ms(ctx)),
      cat__text(id),
      TC_VAL_INT(h.version)};
  rc = tc__db_exec(ctx,
                   "UPDATE catalog_variants SET options = coalesce(?, options),"
                   " active = coalesce(?, active),"
                   " weight_grams = CASE WHEN ? = 1 THEN ?"
                   " ELSE weight_grams END,"
                   " version = version + 1, updated_ms = ?"
                   " WHERE id = ? AND version = ?",
                   u, 7, NULL, NULL, &changes);
  if (rc) return rc;
  if (changes != 1)
    return tc__seterr(ctx, TC_ECONFLICT, "expected_version",
                      "variant %s changed meanwhile; read it again", id);
  if (product_out)
    snprintf(product_out->str, sizeof(product_out->str), "%s", h.product_id);
  return variant_event(ctx, "catalog.variant_updated", h.product_id, id, h.sku);
}

int tc_catalog_variant_update(tc_id *product_out, tc_ctx *ctx,
                              const tc_principal *who, const char *variant_id,
                              const tc_catalog_variant_input *in) {
  if (product_out) memset(product_out, 0, sizeof(*product_out));
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  int rc = tc__check_id(ctx, "variant_id", variant_id);
  if (rc) return rc;
  char *options = NULL;
  rc = check_variant(ctx, in, false, &options);
  if (!rc && !(rc = tc__txn_begin(ctx, TC_TXN_WRITE)))
    rc = tc__txn_end(ctx, update_in(ctx, product_out, variant_id, in, options));
  cJSON_free(options);
  return rc;
}
