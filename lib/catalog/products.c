/*
 * lib/catalog/products.c - products: create, update, status transitions,
 * and reading one product with its categories, variants and prices.
 */
#include <stdio.h>

#include "catalog_priv.h"

/* ---- reading ----------------------------------------------------------------
 */

void cat__product_clear(tc_ctx *ctx, tc_catalog_product *p) {
  if (!p) return;
  tc__free(ctx, p->slug);
  tc__free(ctx, p->title);
  tc__free(ctx, p->description);
  tc__free(ctx, p->attributes);
  for (size_t i = 0; i < p->image_count; i++) tc__free(ctx, p->images[i]);
  tc__free(ctx, p->images);
  tc__free(ctx, p->category_ids);
  for (size_t i = 0; i < p->variant_count; i++) {
    tc__free(ctx, p->variants[i].options);
    tc__free(ctx, p->variants[i].prices);
  }
  tc__free(ctx, p->variants);
  memset(p, 0, sizeof(*p));
}

void tc_catalog_product_free(tc_ctx *ctx, tc_catalog_product *p) {
  if (!ctx || !p) return;
  cat__product_clear(ctx, p);
  tc__free(ctx, p);
}

static int parse_images(tc_ctx *ctx, tc_catalog_product *p, const char *json) {
  cJSON *arr = cJSON_Parse(json);
  if (!arr) return tc__oom(ctx); /* we wrote it: only memory can fail */
  int n = cJSON_GetArraySize(arr);
  int rc = TC_OK;
  if (n > 0) {
    p->images = tc__calloc(ctx, (size_t)n, sizeof(char *));
    if (!p->images) rc = tc__oom(ctx);
  }
  for (cJSON *it = arr->child; it && !rc; it = it->next) {
    char *s = tc__strdup(ctx, cJSON_IsString(it) ? it->valuestring : "");
    if (!s) {
      rc = tc__oom(ctx);
      break;
    }
    p->images[p->image_count++] = s;
  }
  cJSON_Delete(arr);
  return rc;
}

int cat__product_from_row(tc_ctx *ctx, tc_catalog_product *p, const tc_value *c,
                          size_t n) {
  if (n < CAT__PRODUCT_NCOLS)
    return tc__seterr(ctx, TC_ECORRUPT, NULL, "short product row");
  tc__col_copy(p->id, sizeof(p->id), &c[0]);
  p->slug = tc__strdup(ctx, tc__col_text(&c[1]));
  p->title = tc__strdup(ctx, tc__col_text(&c[2]));
  p->description = tc__strdup(ctx, tc__col_text(&c[3]));
  tc_catalog_status_parse(&p->status, tc__col_text(&c[4]));
  p->attributes = tc__strdup(ctx, tc__col_text(&c[5]));
  if (!p->slug || !p->title || !p->description || !p->attributes)
    return tc__oom(ctx);
  int rc = parse_images(ctx, p, tc__col_text(&c[6]));
  if (rc) return rc;
  p->version = tc__col_int(&c[7]);
  p->created_ms = tc__col_int(&c[8]);
  p->updated_ms = tc__col_int(&c[9]);
  return TC_OK;
}

typedef struct {
  tc_ctx *ctx;
  tc_catalog_product *p;
  size_t cap;
} read_state;

static int product_row(const tc_value *c, size_t n, void *payload) {
  read_state *s = payload;
  return cat__product_from_row(s->ctx, s->p, c, n);
}

static int category_row(const tc_value *c, size_t n, void *payload) {
  read_state *s = payload;
  tc_catalog_product *p = s->p;
  if (n < 1) return TC_ECORRUPT;
  if (p->category_count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4;
    tc_id *v = tc__realloc(s->ctx, p->category_ids, cap * sizeof(*v));
    if (!v) return tc__oom(s->ctx);
    p->category_ids = v;
    s->cap = cap;
  }
  tc__col_copy(p->category_ids[p->category_count++].str, sizeof(tc_id), &c[0]);
  return 0;
}

/* Rows of variants LEFT JOIN prices, ordered by variant then currency. */
static int variant_row(const tc_value *c, size_t n, void *payload) {
  read_state *s = payload;
  tc_catalog_product *p = s->p;
  if (n < 11) return TC_ECORRUPT;
  tc_catalog_variant *v =
      p->variant_count ? &p->variants[p->variant_count - 1] : NULL;
  if (!v || strcmp(v->id, tc__col_text(&c[0])) != 0) {
    if (p->variant_count == s->cap) {
      size_t cap = s->cap ? s->cap * 2 : 4;
      tc_catalog_variant *nv =
          tc__realloc(s->ctx, p->variants, cap * sizeof(*nv));
      if (!nv) return tc__oom(s->ctx);
      p->variants = nv;
      s->cap = cap;
    }
    v = &p->variants[p->variant_count++];
    memset(v, 0, sizeof(*v));
    tc__col_copy(v->id, sizeof(v->id), &c[0]);
    tc__col_copy(v->sku, sizeof(v->sku), &c[1]);
    v->options = tc__strdup(s->ctx, tc__col_text(&c[2]));
    if (!v->options) return tc__oom(s->ctx);
    v->active = tc__col_int(&c[3]) != 0;
    v->weight_grams = tc__col_null(&c[4]) ? -1 : tc__col_int(&c[4]);
    v->version = tc__col_int(&c[5]);
    v->created_ms = tc__col_int(&c[6]);
    v->updated_ms = tc__col_int(&c[7]);
  }
  if (tc__col_null(&c[8])) return 0; /* no price */
  tc_catalog_price *np =
      tc__realloc(s->ctx, v->prices, (v->price_count + 1) * sizeof(*np));
  if (!np) return tc__oom(s->ctx);
  v->prices = np;
  tc_catalog_price *pr = &np[v->price_count++];
  memset(pr, 0, sizeof(*pr));
  tc__col_copy(pr->price.currency, sizeof(pr->price.currency), &c[8]);
  pr->price.amount = tc__col_int(&c[9]);
  pr->compare_at = pr->price;
  pr->has_compare_at = !tc__col_null(&c[10]);
  pr->compare_at.amount = pr->has_compare_at ? tc__col_int(&c[10]) : 0;
  return 0;
}

#define SELECT_PRODUCT "SELECT " CAT__PRODUCT_COLS " FROM catalog_products p "
#define SELECT_VARIANTS                                                 \
  "SELECT v.id, v.sku, v.options, v.active, v.weight_grams, v.version," \
  " v.created_ms, v.updated_ms, pr.currency, pr.amount, pr.compare_at"  \
  " FROM catalog_variants v"                                            \
  " LEFT JOIN catalog_prices pr ON pr.variant_id = v.id"                \
  " WHERE v.product_id = ? "

static int get_in(tc_ctx *ctx, tc_catalog_product *p, const char *key,
                  bool by_id, bool all) {
  read_state s = {ctx, p, 0};
  tc_value k[] = {cat__text(key)};
  const char *sql =
      by_id ? (all ? SELECT_PRODUCT "WHERE p.id = ?"
                   : SELECT_PRODUCT "WHERE p.id = ? AND p.status = 'published'")
            : (all ? SELECT_PRODUCT "WHERE p.slug = ?"
                   : SELECT_PRODUCT
                   "WHERE p.slug = ? AND p.status = 'published'");
  int rc = tc__db_row(ctx, sql, k, 1, product_row, &s);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, by_id ? "id" : "slug", "no product %s",
                      key);
  if (rc) return rc;
  tc_value id[] = {cat__text(p->id)};
  s.cap = 0;
  rc = tc__db_exec(ctx,
                   "SELECT category_id FROM catalog_product_categories"
                   " WHERE product_id = ? ORDER BY category_id",
                   id, 1, category_row, &s, NULL);
  if (rc) return rc;
  s.cap = 0;
  return tc__db_exec(ctx,
                     all ? SELECT_VARIANTS "ORDER BY v.id, pr.currency"
                         : SELECT_VARIANTS
                         "AND v.active = 1 ORDER BY v.id, pr.currency",
                     id, 1, variant_row, &s, NULL);
}

int tc_catalog_product_get(tc_catalog_product **out, tc_ctx *ctx,
                           const tc_principal *who, const char *id_or_slug) {
  if (out) *out = NULL;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  bool by_id = id_or_slug && tc_id_check(id_or_slug) == TC_OK;
  if (!by_id && tc_catalog_slug_check(id_or_slug) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "id_or_slug",
                      "id_or_slug must be a product id or a slug");
  tc_catalog_product *p = tc__calloc(ctx, 1, sizeof(*p));
  if (!p) return tc__oom(ctx);
  /* One read transaction: the product and its variants are one snapshot. */
  int rc = tc__txn_begin(ctx, TC_TXN_READ);
  if (!rc) {
    rc = get_in(ctx, p, id_or_slug, by_id, cat__sees_all(who));
    rc = tc__txn_end(ctx, rc);
  }
  if (rc) {
    tc_catalog_product_free(ctx, p);
    return rc;
  }
  *out = p;
  return TC_OK;
}

/* ---- writing ----------------------------------------------------------------
 */

int cat__set_product_categories(tc_ctx *ctx, const char *product_id,
                                const char *const *ids, size_t n) {
  tc_value p[] = {cat__text(product_id)};
  int rc = tc__db_exec(
      ctx, "DELETE FROM catalog_product_categories WHERE product_id = ?", p, 1,
      NULL, NULL, NULL);
  for (size_t i = 0; i < n && !rc; i++) {
    int64_t changes = 0;
    tc_value q[] = {cat__text(product_id), cat__text(ids[i])};
    rc = tc__db_exec(ctx,
                     "INSERT INTO catalog_product_categories"
                     " (product_id, category_id)"
                     " SELECT ?, id FROM catalog_categories WHERE id = ?",
                     q, 2, NULL, NULL, &changes);
    if (!rc && changes != 1) {
      char field[48];
      snprintf(field, sizeof(field), "category_ids[%zu]", i);
      rc = tc__seterr(ctx, TC_ENOTFOUND, field, "no category %s", ids[i]);
    }
  }
  return rc;
}

/* Checked, canonical forms of an input's fields (NULL: not given). */
typedef struct {
  char slug[TC_CATALOG_SLUG_MAX + 1];
  bool has_slug;
  char title_key[TC_CATALOG_SLUG_MAX + 1];
  char *attributes; /* cJSON_free */
  char *images;     /* cJSON_free */
} checked_input;

static void checked_finish(checked_input *c) {
  cJSON_free(c->attributes);
  cJSON_free(c->images);
}

static int check_input(tc_ctx *ctx, const tc_catalog_product_input *in,
                       bool create, checked_input *c) {
  memset(c, 0, sizeof(*c));
  if (!in || in->version != TC_CATALOG_PRODUCT_INPUT_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "product input version must be %d",
                      TC_CATALOG_PRODUCT_INPUT_VERSION);
  int rc = tc__check_text(
      ctx, "title", in->title, 0, TC_CATALOG_TITLE_MAX,
      (create || in->title ? TC__TEXT_NOT_BLANK : TC__TEXT_NULL_OK));
  if (rc) return rc;
  if (in->title && tc_catalog_slugify(c->title_key, sizeof(c->title_key),
                                      in->title) != TC_OK)
    c->title_key[0] = '\0'; /* a title of symbols only sorts first */
  if (in->slug) {
    if ((rc = cat__check_slug(ctx, in->slug))) return rc;
    snprintf(c->slug, sizeof(c->slug), "%s", in->slug);
    c->has_slug = true;
  } else if (create && !c->title_key[0]) {
    return tc__seterr(ctx, TC_EINVAL, "title",
                      "title has no letter or digit to make a slug from; "
                      "give a slug");
  }
  if ((rc = tc__check_text(ctx, "description", in->description, 0,
                           TC_CATALOG_DESC_MAX,
                           TC__TEXT_NULL_OK | TC__TEXT_LINES)))
    return rc;
  if (in->attributes &&
      (rc = cat__check_object(ctx, "attributes", in->attributes,
                              TC_CATALOG_ATTRS_MAX, false, &c->attributes)))
    return rc;
  if ((in->images || create) &&
      (rc = cat__images_json(ctx, in->images, in->images ? in->image_count : 0,
                             &c->images)))
    return rc;
  if (in->category_ids &&
      (rc = cat__check_category_ids(ctx, in->category_ids, in->category_count)))
    return rc;
  if (in->expected_version < 0)
    return tc__seterr(ctx, TC_EINVAL, "expected_version",
                      "expected_version must not be negative");
  return TC_OK;
}

static int slug_taken(tc_ctx *ctx, const char *slug, const char *self_id,
                      bool *taken) {
  tc_value p[] = {cat__text(slug), cat__text(self_id)};
  int rc = tc__db_row(ctx,
                      "SELECT id FROM catalog_products"
                      " WHERE slug = ? AND id <> ?",
                      p, 2, NULL, NULL);
  *taken = rc == TC_OK;
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}

/* A free slug for a new product: the one given (else TC_ECONFLICT), or the
 * title's with "-2", "-3"... appended until free. */
static int pick_slug(tc_ctx *ctx, checked_input *c) {
  bool taken;
  int rc;
  if (c->has_slug) {
    if ((rc = slug_taken(ctx, c->slug, "", &taken))) return rc;
    if (taken)
      return tc__seterr(ctx, TC_ECONFLICT, "slug",
                        "slug \"%s\" is taken by another product", c->slug);
    return TC_OK;
  }
  char base[TC_CATALOG_SLUG_MAX + 1];
  snprintf(base, sizeof(base), "%s", c->title_key);
  /* Room for "-999". */
  size_t n = strlen(base);
  if (n > TC_CATALOG_SLUG_MAX - 4) {
    n = TC_CATALOG_SLUG_MAX - 4;
    while (n > 1 && base[n - 1] == '-') n--;
    base[n] = '\0';
  }
  snprintf(c->slug, sizeof(c->slug), "%s", base);
  for (int i = 2; i < 1000; i++) {
    if ((rc = slug_taken(ctx, c->slug, "", &taken))) return rc;
    if (!taken) return TC_OK;
    snprintf(c->slug, sizeof(c->slug), "%.*s-%d", (int)(sizeof(c->slug) - 5),
             base, i);
  }
  return tc__seterr(ctx, TC_ECONFLICT, "slug",
                    "no free slug from \"%s\"; give a slug", base);
}

static int create_in(tc_ctx *ctx, tc_id *out,
                     const tc_catalog_product_input *in, checked_input *c) {
  int rc = pick_slug(ctx, c);
  if (rc) return rc;
  tc_id id;
  tc_id_new(&id, ctx);
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {cat__text(id.str),
                  cat__text(c->slug),
                  cat__text(in->title),
                  cat__text(c->title_key),
                  cat__text(in->description ? in->description : ""),
                  cat__text(c->attributes ? c->attributes : "{}"),
                  cat__text(c->images),
                  TC_VAL_INT(now),
                  TC_VAL_INT(now)};
  rc = tc__db_exec(ctx,
                   "INSERT INTO catalog_products (id, slug, title, title_key,"
                   " description, status, attributes, images, version,"
                   " created_ms, updated_ms)"
                   " VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, 1, ?, ?)",
                   p, 9, NULL, NULL, NULL);
  if (rc == TC_ECONFLICT) /* a racing writer on a store without locks */
    return tc__seterr(ctx, TC_ECONFLICT, "slug",
                      "slug \"%s\" is taken by another product", c->slug);
  if (rc) return rc;
  if (in->category_ids &&
      (rc = cat__set_product_categories(ctx, id.str, in->category_ids,
                                        in->category_count)))
    return rc;
  rc = cat__publish_product(ctx, "catalog.product_created", id.str, NULL);
  if (!rc) *out = id;
  return rc;
}

int tc_catalog_product_create(tc_id *out, tc_ctx *ctx, const tc_principal *who,
                              const tc_catalog_product_input *in) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  checked_input c;
  int rc = check_input(ctx, in, true, &c);
  if (!rc && !(rc = tc__txn_begin(ctx, TC_TXN_WRITE)))
    rc = tc__txn_end(ctx, create_in(ctx, out, in, &c));
  checked_finish(&c);
  return rc;
}

typedef struct {
  int64_t version;
  tc_catalog_status status;
} head;

static int head_row(const tc_value *c, size_t n, void *payload) {
  head *h = payload;
  if (n < 2) return TC_ECORRUPT;
  h->version = tc__col_int(&c[0]);
  tc_catalog_status_parse(&h->status, tc__col_text(&c[1]));
  return 0;
}

/* Read version and status, checking expected_version (> 0). */
static int read_head(tc_ctx *ctx, const char *id, int64_t expected, head *h) {
  int rc = tc__check_id(ctx, "id", id);
  if (rc) return rc;
  tc_value p[] = {cat__text(id)};
  rc = tc__db_row(ctx,
                  "SELECT version, status FROM catalog_products WHERE id = ?",
                  p, 1, head_row, h);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "id", "no product %s", id);
  if (rc) return rc;
  if (expected > 0 && expected != h->version)
    return tc__seterr(ctx, TC_ECONFLICT, "expected_version",
                      "product %s is at version %lld, not %lld (changed "
                      "meanwhile)",
                      id, (long long)h->version, (long long)expected);
  return TC_OK;
}

static int add_changed(cJSON *arr, const char *name, bool yes) {
  if (!yes) return TC_OK;
  cJSON *s = cJSON_CreateString(name);
  if (!s || !cJSON_AddItemToArray(arr, s)) {
    cJSON_Delete(s);
    return TC_ENOMEM;
  }
  return TC_OK;
}

static int update_event(tc_ctx *ctx, const char *id,
                        const tc_catalog_product_input *in) {
  cJSON *extra = cJSON_CreateObject();
  cJSON *changed = cJSON_AddArrayToObject(extra, "changed");
  int rc = changed ? TC_OK : TC_ENOMEM;
  if (!rc)
    rc = add_changed(changed, "title", in->title) ||
                 add_changed(changed, "slug", in->slug) ||
                 add_changed(changed, "description", in->description) ||
                 add_changed(changed, "attributes", in->attributes) ||
                 add_changed(changed, "images", in->images) ||
                 add_changed(changed, "category_ids", in->category_ids)
             ? TC_ENOMEM
             : TC_OK;
  if (rc) {
    cJSON_Delete(extra);
    return tc__oom(ctx);
  }
  rc = cat__publish_product(ctx, "catalog.product_updated", id, extra);
  cJSON_Delete(extra);
  return rc;
}

static int update_in(tc_ctx *ctx, const char *id,
                     const tc_catalog_product_input *in, checked_input *c) {
  head h;
  int rc = read_head(ctx, id, in->expected_version, &h);
  if (rc) return rc;
  if (c->has_slug) {
    bool taken;
    if ((rc = slug_taken(ctx, c->slug, id, &taken))) return rc;
    if (taken)
      return tc__seterr(ctx, TC_ECONFLICT, "slug",
                        "slug \"%s\" is taken by another product", c->slug);
  }
  int64_t changes = 0;
  tc_value p[] = {cat__text(in->title),
                  in->title ? cat__text(c->title_key) : TC_VAL_NULL,
                  c->has_slug ? cat__text(c->slug) : TC_VAL_NULL,
                  cat__text(in->description),
                  cat__text(c->attributes),
                  cat__text(c->images),
                  TC_VAL_INT(tc__now_ms(ctx)),
                  cat__text(id),
                  TC_VAL_INT(h.version)};
  rc = tc__db_exec(ctx,
                   "UPDATE catalog_products SET title = coalesce(?, title),"
                   " title_key = coalesce(?, title_key),"
                   " slug = coalesce(?, slug),"
                   " description = coalesce(?, description),"
                   " attributes = coalesce(?, attributes),"
                   " images = coalesce(?, images),"
                   " version = version + 1, updated_ms = ?"
                   " WHERE id = ? AND version = ?",
                   p, 9, NULL, NULL, &changes);
  if (rc == TC_ECONFLICT)
    return tc__seterr(ctx, TC_ECONFLICT, "slug",
                      "slug \"%s\" is taken by another product", c->slug);
  if (rc) return rc;
  if (changes != 1)
    return tc__seterr(ctx, TC_ECONFLICT, "expected_version",
                      "product %s changed meanwhile; read it again", id);
  if (in->category_ids && (rc = cat__set_product_categories(
                               ctx, id, in->category_ids, in->category_count)))
    return rc;
  return update_event(ctx, id, in);
}

int tc_catalog_product_update(tc_ctx *ctx, const tc_principal *who,
                              const char *product_id,
                              const tc_catalog_product_input *in) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  checked_input c;
  int rc = check_input(ctx, in, false, &c);
  if (!rc && !(rc = tc__txn_begin(ctx, TC_TXN_WRITE)))
    rc = tc__txn_end(ctx, update_in(ctx, product_id, in, &c));
  checked_finish(&c);
  return rc;
}

/* ---- status
 * ------------------------------------------------------------------ */

/* The one table of allowed transitions: [from][to]. */
static const bool allowed[3][3] = {
    /* to:      draft  published archived */
    /* draft */ {true, true, true},
    /* pub.  */ {true, true, true},
    /* arch. */ {true, false, true},
};

static const char *status_topic(tc_catalog_status from, tc_catalog_status to) {
  if (to == TC_CATALOG_PUBLISHED) return "catalog.product_published";
  if (to == TC_CATALOG_ARCHIVED) return "catalog.product_archived";
  return from == TC_CATALOG_ARCHIVED ? "catalog.product_restored"
                                     : "catalog.product_unpublished";
}

static int status_in(tc_ctx *ctx, const char *id, tc_catalog_status to,
                     int64_t expected) {
  head h;
  int rc = read_head(ctx, id, expected, &h);
  if (rc) return rc;
  if (h.status == to) return TC_OK; /* a retry: nothing to do */
  if (!allowed[h.status][to])
    return tc__seterr(ctx, TC_ESTATE, "status",
                      "product %s cannot go from %s to %s", id,
                      cat__status_str(h.status), cat__status_str(to));
  tc_value p[] = {cat__text(id)};
  if (to == TC_CATALOG_PUBLISHED) {
    rc = tc__db_row(ctx,
                    "SELECT id FROM catalog_variants"
                    " WHERE product_id = ? AND active = 1 LIMIT 1",
                    p, 1, NULL, NULL);
    if (rc == TC_ENOTFOUND)
      return tc__seterr(ctx, TC_ESTATE, "variants",
                        "product %s has no active variant to sell; add one "
                        "before publishing",
                        id);
    if (rc) return rc;
  }
  int64_t changes = 0;
  tc_value u[] = {cat__text(cat__status_str(to)), TC_VAL_INT(tc__now_ms(ctx)),
                  cat__text(id), TC_VAL_INT(h.version)};
  rc = tc__db_exec(ctx,
                   "UPDATE catalog_products SET status = ?,"
                   " version = version + 1, updated_ms = ?"
                   " WHERE id = ? AND version = ?",
                   u, 4, NULL, NULL, &changes);
  if (rc) return rc;
  if (changes != 1)
    return tc__seterr(ctx, TC_ECONFLICT, "expected_version",
                      "product %s changed meanwhile; read it again", id);
  cJSON *extra = cJSON_CreateObject();
  if (!cJSON_AddStringToObject(extra, "from", cat__status_str(h.status)) ||
      !cJSON_AddStringToObject(extra, "to", cat__status_str(to))) {
    cJSON_Delete(extra);
    return tc__oom(ctx);
  }
  rc = cat__publish_product(ctx, status_topic(h.status, to), id, extra);
  cJSON_Delete(extra);
  return rc;
}

int tc_catalog_product_set_status(tc_ctx *ctx, const tc_principal *who,
                                  const char *product_id, tc_catalog_status to,
                                  int64_t expected_version) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  if ((int)to < TC_CATALOG_DRAFT || (int)to > TC_CATALOG_ARCHIVED)
    return tc__seterr(ctx, TC_EINVAL, "status",
                      "status must be draft, published or archived");
  if (expected_version < 0)
    return tc__seterr(ctx, TC_EINVAL, "expected_version",
                      "expected_version must not be negative");
  int rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, status_in(ctx, product_id, to, expected_version));
}

int tc_catalog_product_publish(tc_ctx *ctx, const tc_principal *who,
                               const char *product_id,
                               int64_t expected_version) {
  return tc_catalog_product_set_status(ctx, who, product_id,
                                       TC_CATALOG_PUBLISHED, expected_version);
}

int tc_catalog_product_archive(tc_ctx *ctx, const tc_principal *who,
                               const char *product_id,
                               int64_t expected_version) {
  return tc_catalog_product_set_status(ctx, who, product_id,
                                       TC_CATALOG_ARCHIVED, expected_version);
}
