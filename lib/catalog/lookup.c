/*
 * lib/catalog/lookup.c - what other modules ask of the catalog (the
 * lookups of techcorp/catalog.h): a SKU's product and display title, its
 * price.
 */
#include <stdio.h>

#include "catalog_priv.h"

/* "Title (M / blue)": the product title with the option values, cut at a
 * character boundary to fit. */
static void display_title(char *dst, size_t size, const char *title,
                          const char *options) {
  size_t n = (size_t)snprintf(dst, size, "%s", title);
  cJSON *o = cJSON_Parse(options);
  bool first = true;
  for (cJSON *it = o ? o->child : NULL; it && n < size; it = it->next) {
    if (!cJSON_IsString(it)) continue;
    n += (size_t)snprintf(dst + n, size - n, "%s%s", first ? " (" : " / ",
                          it->valuestring);
    first = false;
  }
  if (!first && n < size) n += (size_t)snprintf(dst + n, size - n, ")");
  cJSON_Delete(o);
  if (n >= size) {
    /* Truncated: back off to the start of a UTF-8 character. */
    n = size - 1;
    while (n > 0 && ((unsigned char)dst[n] & 0xc0) == 0x80) n--;
    dst[n] = '\0';
  }
}

#define SKU_COLS \
  "v.sku, v.product_id, v.id, p.title, v.options, p.status, v.active"

static void info_from_row(tc_catalog_sku_info *out, const tc_value *c) {
  memset(out, 0, sizeof(*out));
  tc__col_copy(out->sku, sizeof(out->sku), &c[0]);
  tc__col_copy(out->product_id, sizeof(out->product_id), &c[1]);
  tc__col_copy(out->variant_id, sizeof(out->variant_id), &c[2]);
  display_title(out->title, sizeof(out->title), tc__col_text(&c[3]),
                tc__col_text(&c[4]));
  out->published =
      strcmp(tc__col_text(&c[5]), "published") == 0 && tc__col_int(&c[6]) != 0;
}

static int info_row(const tc_value *c, size_t n, void *payload) {
  if (n < 7) return TC_ECORRUPT;
  info_from_row(payload, c);
  return 0;
}

int tc_catalog_sku_lookup(tc_catalog_sku_info *out, tc_ctx *ctx,
                          const tc_principal *who, const char *sku) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  if (tc_catalog_sku_check(sku) != TC_OK)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "no SKU \"%.64s\"",
                      sku ? sku : "");
  tc_catalog_sku_info tmp;
  tc_value p[] = {cat__text(sku)};
  int rc = tc__db_row(ctx,
                      "SELECT " SKU_COLS
                      " FROM catalog_variants v"
                      " JOIN catalog_products p ON p.id = v.product_id"
                      " WHERE v.sku = ?",
                      p, 1, info_row, &tmp);
  /* Outside the admin view what is not for sale does not exist. */
  if (rc == TC_ENOTFOUND || (!rc && !tmp.published && !cat__sees_all(who)))
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "no SKU %s", sku);
  if (!rc) *out = tmp;
  return rc;
}

static int price_row(const tc_value *c, size_t n, void *payload) {
  tc_money *m = payload;
  if (n < 2) return TC_ECORRUPT;
  m->amount = tc__col_int(&c[0]);
  tc__col_copy(m->currency, sizeof(m->currency), &c[1]);
  return 0;
}

int tc_catalog_sku_price(tc_money *out, tc_ctx *ctx, const tc_principal *who,
                         const char *sku, const char *currency) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  if (tc_catalog_sku_check(sku) != TC_OK)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "no SKU \"%.64s\"",
                      sku ? sku : "");
  if (!currency || tc_currency_check(currency) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency must be an ISO 4217 code");
  if (!cat__sees_all(who)) {
    tc_catalog_sku_info info;
    int rc = tc_catalog_sku_lookup(&info, ctx, who, sku);
    if (rc) return rc;
  }
  tc_money m;
  tc_value p[] = {cat__text(currency), cat__text(sku)};
  int rc = tc__db_row(ctx,
                      "SELECT pr.amount, pr.currency FROM catalog_variants v"
                      " JOIN catalog_prices pr ON pr.variant_id = v.id"
                      " AND pr.currency = ? WHERE v.sku = ?",
                      p, 2, price_row, &m);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "SKU %s has no price in %s",
                      sku, currency);
  if (!rc) *out = m;
  return rc;
}

/* ---- batch ----------------------------------------------------------------
 */

typedef struct {
  const char *const *skus;
  size_t n;
  tc_catalog_sku_price_info *out;
  bool all; /* the admin view */
} batch_state;

static int batch_row(const tc_value *c, size_t ncols, void *payload) {
  batch_state *s = payload;
  if (ncols < 9) return TC_ECORRUPT;
  tc_catalog_sku_info info;
  info_from_row(&info, c);
  if (!info.published && !s->all) return 0;
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->skus[i], info.sku) != 0) continue;
    s->out[i].found = true;
    s->out[i].info = info;
    if (!tc__col_null(&c[7])) {
      s->out[i].has_price = true;
      s->out[i].price.amount = tc__col_int(&c[7]);
      tc__col_copy(s->out[i].price.currency, 4, &c[8]);
    }
  }
  return 0;
}

/* Statements come in a few sizes (padded by repeating the last SKU) so
 * the store's statement cache holds five texts, not a hundred. */
static size_t bucket(size_t n) {
  static const size_t sizes[] = {1, 4, 16, 48, TC_CATALOG_BATCH_MAX};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
    if (n <= sizes[i]) return sizes[i];
  return TC_CATALOG_BATCH_MAX;
}

int tc_catalog_skus_lookup(tc_catalog_sku_price_info *out, tc_ctx *ctx,
                           const tc_principal *who, const char *const *skus,
                           size_t n, const char *currency) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out || (n && !skus) || n > TC_CATALOG_BATCH_MAX)
    return tc__seterr(ctx, TC_EINVAL, "skus", "skus must hold 0..%d SKUs",
                      TC_CATALOG_BATCH_MAX);
  if (currency && tc_currency_check(currency) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency must be an ISO 4217 code");
  memset(out, 0, n * sizeof(*out));
  /* Malformed SKUs cannot exist: leave them out of the query. */
  const char *valid[TC_CATALOG_BATCH_MAX];
  size_t nv = 0;
  for (size_t i = 0; i < n; i++)
    if (tc_catalog_sku_check(skus[i]) == TC_OK) valid[nv++] = skus[i];
  if (!nv) return TC_OK;
  size_t b = bucket(nv);
  char sql[1024];
  size_t len =
      (size_t)snprintf(sql, sizeof(sql),
                       "SELECT " SKU_COLS
                       ", pr.amount, pr.currency FROM catalog_variants v"
                       " JOIN catalog_products p ON p.id = v.product_id"
                       " LEFT JOIN catalog_prices pr ON pr.variant_id = v.id"
                       " AND pr.currency = ? WHERE v.sku IN (?");
  for (size_t i = 1; i < b; i++)
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", ?");
  snprintf(sql + len, sizeof(sql) - len, ")");
  tc_value params[TC_CATALOG_BATCH_MAX + 1];
  params[0] = cat__text(currency ? currency : "");
  for (size_t i = 0; i < b; i++)
    params[i + 1] = cat__text(valid[i < nv ? i : nv - 1]);
  batch_state s = {skus, n, out, cat__sees_all(who)};
  return tc__db_exec(ctx, sql, params, b + 1, batch_row, &s, NULL);
}
