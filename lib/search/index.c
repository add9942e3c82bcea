/*
 * lib/search/index.c - writing the product index: documents in and out,
 * refreshes driven by events, the full reindex.
 *
 * A document is replaced whole (delete by product id, the trigger clears
 * the rest, then insert), so applying the same event twice gives the same
 * index: the consumer may be retried freely. Side tables are filled with
 * one statement each from a JSON array (json_each), not a statement per
 * value. Every write moves the cache generation on, except inside a
 * reindex, which moves it once at the end.
 */
#include <stdio.h>

#include "techcorp/inventory.h"
#include "search_priv.h"

/* ---- building the texts ---------------------------------------------------
 */

typedef struct doc_json {
  cJSON *skus, *cats, *prices, *attrs;
  tc_buf sku_text, cat_text, attr_text;
} doc_json;

static void doc_json_free(doc_json *j) {
  cJSON_Delete(j->skus);
  cJSON_Delete(j->cats);
  cJSON_Delete(j->prices);
  cJSON_Delete(j->attrs);
  tc_buf_dispose(&j->sku_text);
  tc_buf_dispose(&j->cat_text);
  tc_buf_dispose(&j->attr_text);
}

static bool push(cJSON *arr, cJSON *item) {
  if (!item) return false;
  if (!cJSON_AddItemToArray(arr, item)) {
    cJSON_Delete(item);
    return false;
  }
  return true;
}

static bool put_word(tc_buf *b, const char *s) {
  return (b->size == 0 || tc_buf_puts(b, " ") == TC_OK) &&
         tc_buf_puts(b, s) == TC_OK;
}

/* The text of an attribute value; false for nulls, arrays and objects. */
static bool attr_value(const cJSON *v, char *out, size_t size) {
  if (cJSON_IsString(v) && v->valuestring)
    snprintf(out, size, "%s", v->valuestring);
  else if (cJSON_IsBool(v))
    snprintf(out, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
  else if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d == (double)(int64_t)d && d > -9e15 && d < 9e15)
      snprintf(out, size, "%lld", (long long)d);
    else
      snprintf(out, size, "%.15g", d);
  } else
    return false;
  return true;
}

static int doc_build(tc_ctx *ctx, const tc_catalog_product_doc *d,
                     doc_json *j) {
  j->skus = cJSON_CreateArray();
  j->cats = cJSON_CreateArray();
  j->prices = cJSON_CreateArray();
  j->attrs = cJSON_CreateArray();
  bool ok = j->skus && j->cats && j->prices && j->attrs;
  for (size_t i = 0; ok && i < d->sku_count; i++)
    ok = d->skus[i] && push(j->skus, cJSON_CreateString(d->skus[i])) &&
         put_word(&j->sku_text, d->skus[i]);
  for (size_t i = 0; ok && i < d->category_count; i++) {
    const char *id = d->category_ids[i];
    const char *name =
        d->category_names && d->category_names[i] ? d->category_names[i] : "";
    cJSON *row = cJSON_CreateArray();
    ok = id && push(j->cats, row) && push(row, cJSON_CreateString(id)) &&
         push(row, cJSON_CreateString(name)) &&
         push(row, cJSON_CreateNumber(i < d->direct_category_count ? 1 : 0)) &&
         (!*name ||
          (j->cat_text.size ? tc_buf_puts(&j->cat_text, " | ") == 0 : true)) &&
         (!*name || tc_buf_puts(&j->cat_text, name) == TC_OK);
  }
  for (size_t i = 0; ok && i < d->price_count; i++) {
    cJSON *row = cJSON_CreateArray();
    ok = push(j->prices, row) &&
         push(row, cJSON_CreateString(d->min_prices[i].currency)) &&
         push(row, cJSON_CreateNumber((double)d->min_prices[i].amount));
  }
  if (!ok) return tc__oom(ctx);
  cJSON *attrs = d->attributes && *d->attributes ? cJSON_Parse(d->attributes)
                                                 : cJSON_CreateObject();
  if (!cJSON_IsObject(attrs)) {
    cJSON_Delete(attrs);
    return tc__seterr(ctx, TC_EINVAL, "attributes",
                      "attributes of product %s are not a JSON object", d->id);
  }
  for (const cJSON *it = attrs->child; ok && it; it = it->next) {
    char val[256];
    if (!it->string || !attr_value(it, val, sizeof(val))) continue;
    cJSON *row = cJSON_CreateArray();
    ok = push(j->attrs, row) && push(row, cJSON_CreateString(it->string)) &&
         push(row, cJSON_CreateString(val)) && put_word(&j->attr_text, val);
  }
  cJSON_Delete(attrs);
  return ok ? TC_OK : tc__oom(ctx);
}

/* Run sql with (docid, json array text) unless the array is empty. */
static int fill(tc_ctx *ctx, const char *sql, int64_t docid, const cJSON *arr) {
  if (!cJSON_GetArraySize(arr)) return TC_OK;
  char *text = cJSON_PrintUnformatted(arr);
  if (!text) return tc__oom(ctx);
  tc_value p[] = {TC_VAL_INT(docid), TC_VAL_TEXT(text)};
  int rc = tc__db_exec(ctx, sql, p, 2, NULL, NULL, NULL);
  cJSON_free(text);
  return rc;
}

static int docid_row(const tc_value *c, size_t n, void *payload) {
  if (n < 1) return TC_ECORRUPT;
  *(int64_t *)payload = tc__col_int(&c[0]);
  return 0;
}

static void wrote(tc_ctx *ctx) {
  srch_state *st = srch_state_get(ctx);
  if (st) st->stats.index_writes++;
  if (!st || !st->batch) srch_bump(ctx);
}

static int put_rows(tc_ctx *ctx, const tc_catalog_product_doc *d, bool in_stock,
                    doc_json *j) {
  tc_value del[] = {srch_text(d->id)};
  int rc = tc__db_exec(ctx, "DELETE FROM search_products WHERE product_id = ?",
                       del, 1, NULL, NULL, NULL);
  if (rc) return rc;
  int64_t docid = 0;
  tc_value ins[] = {srch_text(d->id),
                    srch_text(d->title),
                    srch_text(d->slug ? d->slug : ""),
                    TC_VAL_INT(in_stock ? 1 : 0),
                    TC_VAL_INT(d->created_ms),
                    TC_VAL_INT(tc__now_ms(ctx))};
  rc = tc__db_row(ctx,
                  "INSERT INTO search_products (product_id, title, slug,"
                  " in_stock, created_ms, indexed_ms)"
                  " VALUES (?, ?, ?, ?, ?, ?) RETURNING docid",
                  ins, 6, docid_row, &docid);
  if (rc) return rc;
  tc_value fts[] = {TC_VAL_INT(docid),
                    srch_text(d->title),
                    srch_text(d->description ? d->description : ""),
                    srch_text(j->sku_text.ptr ? j->sku_text.ptr : ""),
                    srch_text(j->cat_text.ptr ? j->cat_text.ptr : ""),
                    srch_text(j->attr_text.ptr ? j->attr_text.ptr : "")};
  rc = tc__db_exec(ctx,
                   "INSERT INTO search_products_fts (rowid, title,"
                   " description, skus, categories, attributes)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   fts, 6, NULL, NULL, NULL);
  if (!rc)
    rc = fill(ctx,
              "INSERT OR IGNORE INTO search_product_skus (docid, sku)"
              " SELECT ?1, value FROM json_each(?2)",
              docid, j->skus);
  if (!rc)
    rc = fill(ctx,
              "INSERT OR IGNORE INTO search_product_categories"
              " (docid, category_id, name, direct)"
              " SELECT ?1, json_extract(value, '$[0]'),"
              " json_extract(value, '$[1]'), json_extract(value, '$[2]')"
              " FROM json_each(?2)",
              docid, j->cats);
  if (!rc)
    rc = fill(ctx,
              "INSERT OR IGNORE INTO search_product_prices"
              " (docid, currency, amount)"
              " SELECT ?1, json_extract(value, '$[0]'),"
              " json_extract(value, '$[1]') FROM json_each(?2)",
              docid, j->prices);
  if (!rc)
    rc = fill(ctx,
              "INSERT OR IGNORE INTO search_product_attrs (docid, name, value)"
              " SELECT ?1, json_extract(value, '$[0]'),"
              " json_extract(value, '$[1]') FROM json_each(?2)",
              docid, j->attrs);
  return rc;
}

static int check_doc(tc_ctx *ctx, const tc_catalog_product_doc *d) {
  if (!d || !d->id || !*d->id || strlen(d->id) > TC_ID_STRLEN)
    return tc__seterr(ctx, TC_EINVAL, "id", "a product document needs an id");
  if (!d->title)
    return tc__seterr(ctx, TC_EINVAL, "title", "product %s has no title",
                      d->id);
  for (size_t i = 0; i < d->price_count; i++)
    if (tc_currency_check(d->min_prices[i].currency) != TC_OK)
      return tc__seterr(ctx, TC_EINVAL, "currency",
                        "product %s has a price in an unknown currency", d->id);
  return TC_OK;
}

int tc__search_put_product(tc_ctx *ctx, const tc_catalog_product_doc *d,
                           bool in_stock) {
  int rc = check_doc(ctx, d);
  if (rc) return rc;
  if (!d->status || strcmp(d->status, "published") != 0)
    return tc__search_remove_product(ctx, d->id);
  doc_json j = {0};
  j.sku_text.alloc = j.cat_text.alloc = j.attr_text.alloc = &ctx->alloc;
  rc = doc_build(ctx, d, &j);
  if (!rc && !(rc = tc__txn_begin(ctx, TC_TXN_WRITE))) {
    rc = put_rows(ctx, d, in_stock, &j);
    rc = tc__txn_end(ctx, rc);
  }
  doc_json_free(&j);
  if (rc) return srch_store_failed(ctx, rc, "indexing a product");
  wrote(ctx);
  return TC_OK;
}

int tc__search_index_product(tc_ctx *ctx, const tc_catalog_product_doc *d) {
  int rc = check_doc(ctx, d);
  if (rc) return rc;
  int in_stock = 0;
  if (d->status && strcmp(d->status, "published") == 0 &&
      (rc = tc_inventory_any_available(&in_stock, ctx, d->skus, d->sku_count)))
    return srch_store_failed(ctx, rc, "reading stock");
  return tc__search_put_product(ctx, d, in_stock != 0);
}

int tc__search_remove_product(tc_ctx *ctx, const char *product_id) {
  if (!product_id || !*product_id)
    return tc__seterr(ctx, TC_EINVAL, "id", "a product id is needed");
  int64_t changes = 0;
  tc_value p[] = {srch_text(product_id)};
  int rc = tc__db_exec(ctx, "DELETE FROM search_products WHERE product_id = ?",
                       p, 1, NULL, NULL, &changes);
  if (rc) return srch_store_failed(ctx, rc, "removing a product");
  if (changes) wrote(ctx);
  return TC_OK;
}

/* ---- refreshes ------------------------------------------------------------
 */

static int index_cb(const tc_catalog_product_doc *d, void *payload) {
  return tc__search_index_product(payload, d);
}

int srch_refresh_product(tc_ctx *ctx, const char *product_id) {
  int rc = tc_catalog_product_doc_get(ctx, &tc__system_principal, product_id,
                                      index_cb, ctx);
  if (rc == TC_ENOTFOUND) return tc__search_remove_product(ctx, product_id);
  return rc;
}

typedef struct id_list {
  tc_ctx *ctx;
  char (*v)[TC_ID_STRLEN + 1];
  int64_t *docids;
  size_t n, cap;
} id_list;

static int id_row(const tc_value *c, size_t n, void *payload) {
  id_list *l = payload;
  if (n < 2) return TC_ECORRUPT;
  if (l->n == l->cap) {
    size_t na = l->cap ? l->cap * 2 : 16;
    void *a = tc__realloc(l->ctx, l->v, na * sizeof(*l->v));
    if (!a) return TC_ENOMEM;
    l->v = a;
    void *b = tc__realloc(l->ctx, l->docids, na * sizeof(*l->docids));
    if (!b) return TC_ENOMEM;
    l->docids = b;
    l->cap = na;
  }
  tc__col_copy(l->v[l->n], sizeof(l->v[0]), &c[0]);
  l->docids[l->n] = tc__col_int(&c[1]);
  l->n++;
  return 0;
}

static void id_list_free(id_list *l) {
  tc__free(l->ctx, l->v);
  tc__free(l->ctx, l->docids);
}

int srch_refresh_category(tc_ctx *ctx, const char *category_id) {
  id_list l = {ctx, NULL, NULL, 0, 0};
  tc_value p[] = {srch_text(category_id)};
  int rc = tc__db_exec(ctx,
                       "SELECT p.product_id, p.docid"
                       " FROM search_product_categories c"
                       " JOIN search_products p ON p.docid = c.docid"
                       " WHERE c.category_id = ?",
                       p, 1, id_row, &l, NULL);
  for (size_t i = 0; !rc && i < l.n; i++)
    rc = srch_refresh_product(ctx, l.v[i]);
  id_list_free(&l);
  return rc;
}

typedef struct sku_list {
  tc_ctx *ctx;
  char (*v)[65];
  const char **ptrs;
  size_t n, cap;
} sku_list;

static int sku_row(const tc_value *c, size_t n, void *payload) {
  sku_list *l = payload;
  if (n < 1) return TC_ECORRUPT;
  if (l->n == l->cap) {
    size_t na = l->cap ? l->cap * 2 : 8;
    void *a = tc__realloc(l->ctx, l->v, na * sizeof(*l->v));
    if (!a) return TC_ENOMEM;
    l->v = a;
    l->cap = na;
  }
  tc__col_copy(l->v[l->n++], sizeof(l->v[0]), &c[0]);
  return 0;
}

static int restock(tc_ctx *ctx, int64_t docid) {
  sku_list s = {ctx, NULL, NULL, 0, 0};
  tc_value p[] = {TC_VAL_INT(docid)};
  int rc =
      tc__db_exec(ctx, "SELECT sku FROM search_product_skus WHERE docid = ?", p,
                  1, sku_row, &s, NULL);
  int avail = 0;
  if (!rc && s.n) {
    s.ptrs = tc__calloc(ctx, s.n, sizeof(*s.ptrs));
    if (!s.ptrs) rc = TC_ENOMEM;
    for (size_t i = 0; !rc && i < s.n; i++) s.ptrs[i] = s.v[i];
    if (!rc) rc = tc_inventory_any_available(&avail, ctx, s.ptrs, s.n);
  }
  int64_t changes = 0;
  if (!rc) {
    tc_value u[] = {TC_VAL_INT(avail ? 1 : 0), TC_VAL_INT(docid),
                    TC_VAL_INT(avail ? 1 : 0)};
    rc = tc__db_exec(ctx,
                     "UPDATE search_products SET in_stock = ?"
                     " WHERE docid = ? AND in_stock <> ?",
                     u, 3, NULL, NULL, &changes);
  }
  tc__free(ctx, s.ptrs);
  tc__free(ctx, s.v);
  if (!rc && changes) wrote(ctx);
  return rc;
}

int srch_refresh_sku(tc_ctx *ctx, const char *sku) {
  id_list l = {ctx, NULL, NULL, 0, 0};
  tc_value p[] = {srch_text(sku)};
  int rc = tc__db_exec(ctx,
                       "SELECT p.product_id, p.docid FROM search_product_skus s"
                       " JOIN search_products p ON p.docid = s.docid"
                       " WHERE s.sku = ?",
                       p, 1, id_row, &l, NULL);
  for (size_t i = 0; !rc && i < l.n; i++) rc = restock(ctx, l.docids[i]);
  id_list_free(&l);
  return rc;
}

/* ---- reindex ------------------------------------------------------------- */

typedef struct reindex_st {
  tc_ctx *ctx;
  size_t n;
} reindex_st;

static int reindex_cb(const tc_catalog_product_doc *d, void *payload) {
  reindex_st *r = payload;
  int rc = tc__search_index_product(r->ctx, d);
  if (!rc) r->n++;
  return rc;
}

static int reindex_run(tc_ctx *ctx, reindex_st *r) {
  static const char *const wipe[] = {"DELETE FROM search_products_fts",
                                     "DELETE FROM search_product_skus",
                                     "DELETE FROM search_product_categories",
                                     "DELETE FROM search_product_prices",
                                     "DELETE FROM search_product_attrs",
                                     "DELETE FROM search_products"};
  int rc = TC_OK;
  for (size_t i = 0; !rc && i < sizeof(wipe) / sizeof(wipe[0]); i++)
    rc = tc__db_exec(ctx, wipe[i], NULL, 0, NULL, NULL, NULL);
  if (!rc)
    rc = tc_catalog_for_each_product(ctx, &tc__system_principal, true,
                                     reindex_cb, r);
  /* merge the index segments: a rebuilt index is read far more than
   * written */
  if (!rc)
    rc = tc__db_exec(ctx,
                     "INSERT INTO search_products_fts (search_products_fts)"
                     " VALUES ('optimize')",
                     NULL, 0, NULL, NULL, NULL);
  return rc;
}

int tc_search_reindex(tc_ctx *ctx, const tc_principal *who, size_t *indexed) {
  if (!ctx) return TC_EINVAL;
  if (indexed) *indexed = 0;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "search", TC__ACT_ADMIN, NULL);
  if (!rc) rc = srch_enter(ctx, NULL);
  if (rc) return rc;
  srch_state *st = srch_state_get(ctx);
  if (!st) return TC_ENOMEM;
  reindex_st r = {ctx, 0};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  /* one generation move for the whole rebuild, after it */
  bool outer = !st->batch;
  st->batch = true;
  rc = reindex_run(ctx, &r);
  if (outer) st->batch = false;
  rc = tc__txn_end(ctx, rc);
  srch_bump(ctx);
  if (rc) return srch_store_failed(ctx, rc, "reindexing");
  if (indexed) *indexed = r.n;
  return TC_OK;
}
