/*
 * lib/catalog/search_feed.c - products as documents for the search index
 * (tc_catalog_for_each_product, tc_catalog_product_doc).
 *
 * Products are read in pages by id; each page costs four queries (the
 * products, then the SKUs, category links and lowest prices of the id
 * range the page covers), so a full feed never runs a query per product.
 * The category tree is read once per call and kept in memory: a product's
 * categories are expanded to their ancestors from the materialized paths.
 */
#include <stdlib.h>

#include "catalog_priv.h"

#define FEED_PAGE 256

typedef struct feed_cat {
  char *id, *name, *path;
} feed_cat;

typedef struct feed_prod {
  char *id, *title, *slug, *desc, *status, *attrs;
  int64_t created, updated;
  char **skus;
  size_t nskus, askus;
  char **cats; /* direct category ids */
  size_t ncats, acats;
  tc_money *prices;
  size_t nprices, aprices;
} feed_prod;

typedef struct feed {
  tc_ctx *ctx;
  feed_cat *cats;
  size_t ncats, acats;
  feed_prod *v;
  size_t n, cap;
  /* scratch for one document */
  const char **ids, **names;
  size_t nids, aids;
} feed;

static int feed_grow(tc_ctx *ctx, void **v, size_t *cap, size_t need,
                     size_t size) {
  if (need <= *cap) return TC_OK;
  size_t na = *cap ? *cap * 2 : 8;
  while (na < need) na *= 2;
  void *p = tc__realloc(ctx, *v, na * size);
  if (!p) return TC_ENOMEM;
  *v = p;
  *cap = na;
  return TC_OK;
}

static int feed_dup(tc_ctx *ctx, char **dst, const tc_value *col) {
  *dst = tc__strdup(ctx, tc__col_text(col));
  return *dst ? TC_OK : TC_ENOMEM;
}

static void feed_prod_clear(tc_ctx *ctx, feed_prod *p) {
  tc__free(ctx, p->id);
  tc__free(ctx, p->title);
  tc__free(ctx, p->slug);
  tc__free(ctx, p->desc);
  tc__free(ctx, p->status);
  tc__free(ctx, p->attrs);
  for (size_t i = 0; i < p->nskus; i++) tc__free(ctx, p->skus[i]);
  tc__free(ctx, p->skus);
  for (size_t i = 0; i < p->ncats; i++) tc__free(ctx, p->cats[i]);
  tc__free(ctx, p->cats);
  tc__free(ctx, p->prices);
  memset(p, 0, sizeof(*p));
}

static void feed_page_clear(feed *f) {
  for (size_t i = 0; i < f->n; i++) feed_prod_clear(f->ctx, &f->v[i]);
  f->n = 0;
}

static void feed_free(feed *f) {
  feed_page_clear(f);
  tc__free(f->ctx, f->v);
  for (size_t i = 0; i < f->ncats; i++) {
    tc__free(f->ctx, f->cats[i].id);
    tc__free(f->ctx, f->cats[i].name);
    tc__free(f->ctx, f->cats[i].path);
  }
  tc__free(f->ctx, f->cats);
  tc__free(f->ctx, f->ids);
  tc__free(f->ctx, f->names);
}

/* ---- reading ----------------------------------------------------------- */

static int cat_row(const tc_value *c, size_t n, void *payload) {
  feed *f = payload;
  if (n < 3) return TC_ECORRUPT;
  int rc = feed_grow(f->ctx, (void **)&f->cats, &f->acats, f->ncats + 1,
                     sizeof(*f->cats));
  if (rc) return rc;
  feed_cat *k = &f->cats[f->ncats];
  memset(k, 0, sizeof(*k));
  f->ncats++;
  if (feed_dup(f->ctx, &k->id, &c[0]) || feed_dup(f->ctx, &k->name, &c[1]) ||
      feed_dup(f->ctx, &k->path, &c[2]))
    return TC_ENOMEM;
  return 0;
}

static int prod_row(const tc_value *c, size_t n, void *payload) {
  feed *f = payload;
  if (n < 8) return TC_ECORRUPT;
  int rc = feed_grow(f->ctx, (void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v));
  if (rc) return rc;
  feed_prod *p = &f->v[f->n];
  memset(p, 0, sizeof(*p));
  f->n++;
  if (feed_dup(f->ctx, &p->id, &c[0]) || feed_dup(f->ctx, &p->title, &c[1]) ||
      feed_dup(f->ctx, &p->slug, &c[2]) || feed_dup(f->ctx, &p->desc, &c[3]) ||
      feed_dup(f->ctx, &p->status, &c[4]) || feed_dup(f->ctx, &p->attrs, &c[5]))
    return TC_ENOMEM;
  p->created = tc__col_int(&c[6]);
  p->updated = tc__col_int(&c[7]);
  return 0;
}

/* The page entry of product id (the page is in id order). */
static feed_prod *feed_find(feed *f, const char *id) {
  size_t lo = 0, hi = f->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(f->v[mid].id, id);
    if (c == 0) return &f->v[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static int push_str(tc_ctx *ctx, char ***v, size_t *n, size_t *cap,
                    const tc_value *col) {
  int rc = feed_grow(ctx, (void **)v, cap, *n + 1, sizeof(**v));
  if (rc) return rc;
  if (feed_dup(ctx, &(*v)[*n], col)) return TC_ENOMEM;
  (*n)++;
  return 0;
}

static int sku_row(const tc_value *c, size_t n, void *payload) {
  feed *f = payload;
  if (n < 2) return TC_ECORRUPT;
  feed_prod *p = feed_find(f, tc__col_text(&c[0]));
  return p ? push_str(f->ctx, &p->skus, &p->nskus, &p->askus, &c[1]) : 0;
}

static int link_row(const tc_value *c, size_t n, void *payload) {
  feed *f = payload;
  if (n < 2) return TC_ECORRUPT;
  feed_prod *p = feed_find(f, tc__col_text(&c[0]));
  return p ? push_str(f->ctx, &p->cats, &p->ncats, &p->acats, &c[1]) : 0;
}

static int price_row(const tc_value *c, size_t n, void *payload) {
  feed *f = payload;
  if (n < 3) return TC_ECORRUPT;
  feed_prod *p = feed_find(f, tc__col_text(&c[0]));
  if (!p) return 0;
  int rc = feed_grow(f->ctx, (void **)&p->prices, &p->aprices, p->nprices + 1,
                     sizeof(*p->prices));
  if (rc) return rc;
  tc_money *m = &p->prices[p->nprices++];
  memset(m, 0, sizeof(*m));
  tc__col_copy(m->currency, sizeof(m->currency), &c[1]);
  m->amount = tc__col_int(&c[2]);
  return 0;
}

/* SKUs, category links and prices of the products of the page. */
static int feed_details(feed *f) {
  if (f->n == 0) return TC_OK;
  tc_value p[] = {cat__text(f->v[0].id), cat__text(f->v[f->n - 1].id)};
  int rc = tc__db_exec(f->ctx,
                       "SELECT product_id, sku FROM catalog_variants"
                       " WHERE product_id >= ? AND product_id <= ?"
                       " AND active = 1 ORDER BY product_id, id",
                       p, 2, sku_row, f, NULL);
  if (!rc)
    rc = tc__db_exec(f->ctx,
                     "SELECT product_id, category_id"
                     " FROM catalog_product_categories"
                     " WHERE product_id >= ? AND product_id <= ?"
                     " ORDER BY product_id, category_id",
                     p, 2, link_row, f, NULL);
  if (!rc)
    rc = tc__db_exec(f->ctx,
                     "SELECT v.product_id, pr.currency, MIN(pr.amount)"
                     " FROM catalog_variants v"
                     " JOIN catalog_prices pr ON pr.variant_id = v.id"
                     " WHERE v.product_id >= ? AND v.product_id <= ?"
                     " AND v.active = 1"
                     " GROUP BY v.product_id, pr.currency"
                     " ORDER BY v.product_id, pr.currency",
                     p, 2, price_row, f, NULL);
  return rc;
}

/* ---- documents ---------------------------------------------------------- */

static const feed_cat *cat_find(const feed *f, const char *id, size_t len) {
  size_t lo = 0, hi = f->ncats;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char *k = f->cats[mid].id;
    int c = strncmp(k, id, len);
    if (c == 0 && k[len] != '\0') c = 1;
    if (c == 0) return &f->cats[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static int add_cat(feed *f, const feed_cat *k) {
  for (size_t i = 0; i < f->nids; i++)
    if (f->ids[i] == k->id) return TC_OK;
  int rc = feed_grow(f->ctx, (void **)&f->ids, &f->aids, f->nids + 1,
                     sizeof(*f->ids));
  if (rc) return rc;
  size_t cap = f->aids;
  /* names grows with ids: same capacity */
  void *nn = tc__realloc(f->ctx, f->names, cap * sizeof(*f->names));
  if (!nn) return TC_ENOMEM;
  f->names = nn;
  f->ids[f->nids] = k->id;
  f->names[f->nids] = k->name;
  f->nids++;
  return TC_OK;
}

static int feed_emit(feed *f, const feed_prod *p, tc_catalog_product_doc_cb cb,
                     void *payload) {
  f->nids = 0;
  int rc = TC_OK;
  for (size_t i = 0; !rc && i < p->ncats; i++) {
    const feed_cat *k = cat_find(f, p->cats[i], strlen(p->cats[i]));
    if (k) rc = add_cat(f, k);
  }
  size_t direct = f->nids;
  for (size_t i = 0; !rc && i < direct; i++) {
    const feed_cat *self = cat_find(f, f->ids[i], strlen(f->ids[i]));
    /* "/root/child/self/": every segment is an ancestor (or itself) */
    const char *s = self ? self->path : "";
    while (!rc && *s) {
      while (*s == '/') s++;
      const char *e = strchr(s, '/');
      size_t len = e ? (size_t)(e - s) : strlen(s);
      if (len) {
        const feed_cat *a = cat_find(f, s, len);
        if (a) rc = add_cat(f, a);
      }
      s += len;
    }
  }
  if (rc) return rc;
  tc_catalog_product_doc d = {0};
  d.id = p->id;
  d.title = p->title;
  d.slug = p->slug;
  d.description = p->desc;
  d.status = p->status;
  d.attributes = p->attrs;
  d.skus = (const char *const *)p->skus;
  d.sku_count = p->nskus;
  d.category_ids = f->ids;
  d.category_names = f->names;
  d.category_count = f->nids;
  d.direct_category_count = direct;
  d.min_prices = p->prices;
  d.price_count = p->nprices;
  d.created_ms = p->created;
  d.updated_ms = p->updated;
  return cb(&d, payload);
}

static int feed_load_cats(feed *f) {
  return tc__db_exec(f->ctx,
                     "SELECT id, name, path FROM catalog_categories"
                     " ORDER BY id",
                     NULL, 0, cat_row, f, NULL);
}

static int feed_fail(tc_ctx *ctx, int rc) {
  if (rc == TC_ENOMEM && tc_errcode(ctx) != TC_ENOMEM) return tc__oom(ctx);
  if (rc < 0 && tc_errcode(ctx) == TC_OK)
    return tc__seterr(ctx, rc, NULL, "reading products for the search index");
  return rc;
}

/* Both feeds: only for who may read the whole catalog; one read
 * transaction (open on TC_OK). */
static int feed_enter(tc_ctx *ctx, const tc_principal *who,
                      tc_catalog_product_doc_cb cb, feed *f) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = cat__may_read_all(ctx, who);
  if (rc) return rc;
  if (!cb) return tc__seterr(ctx, TC_EINVAL, "cb", "cb is NULL");
  f->ctx = ctx;
  return tc__txn_begin(ctx, TC_TXN_READ);
}

int tc_catalog_for_each_product(tc_ctx *ctx, const tc_principal *who,
                                bool published_only,
                                tc_catalog_product_doc_cb cb, void *payload) {
  feed f = {0};
  int rc = feed_enter(ctx, who, cb, &f);
  if (rc) return rc;
  rc = feed_load_cats(&f);
  char after[TC_ID_STRLEN + 1] = "";
  while (!rc) {
    tc_value p[] = {cat__text(after), TC_VAL_INT(published_only ? 1 : 0),
                    TC_VAL_INT(FEED_PAGE)};
    rc = tc__db_exec(ctx,
                     "SELECT id, title, slug, description, status, attributes,"
                     " created_ms, updated_ms FROM catalog_products"
                     " WHERE id > ? AND (? = 0 OR status = 'published')"
                     " ORDER BY id LIMIT ?",
                     p, 3, prod_row, &f, NULL);
    if (rc || f.n == 0) break;
    rc = feed_details(&f);
    for (size_t i = 0; !rc && i < f.n; i++)
      rc = feed_emit(&f, &f.v[i], cb, payload);
    snprintf(after, sizeof(after), "%s", f.v[f.n - 1].id);
    bool last = f.n < FEED_PAGE;
    feed_page_clear(&f);
    if (last) break;
  }
  feed_free(&f);
  return tc__txn_end(ctx, feed_fail(ctx, rc));
}

int tc_catalog_product_doc_get(tc_ctx *ctx, const tc_principal *who,
                               const char *product_id,
                               tc_catalog_product_doc_cb cb, void *payload) {
  feed f = {0};
  int rc = feed_enter(ctx, who, cb, &f);
  if (rc) return rc;
  tc_value p[] = {cat__text(product_id)};
  rc = tc__db_exec(ctx,
                   "SELECT id, title, slug, description, status, attributes,"
                   " created_ms, updated_ms FROM catalog_products"
                   " WHERE id = ?",
                   p, 1, prod_row, &f, NULL);
  if (!rc && f.n == 0) rc = TC_ENOTFOUND;
  if (!rc) rc = feed_load_cats(&f);
  if (!rc) rc = feed_details(&f);
  if (!rc) rc = feed_emit(&f, &f.v[0], cb, payload);
  feed_free(&f);
  return tc__txn_end(ctx, rc == TC_ENOTFOUND ? rc : feed_fail(ctx, rc));
}
