/*
 * lib/search/products.c - product search: the query, its filters, the
 * keyset page, the facets, and the cache around them.
 *
 * The SQL is constant text per sort order (so statements stay prepared);
 * optional filters are written as "(? IS NULL OR ...)". Parameters are
 * numbered so every statement shares the same first eight:
 *   ?1 the FTS5 query built by srch_match (never user text as typed)
 *   ?2 currency   ?3 category id   ?4 price min   ?5 price max
 *   ?6 in stock only (0/1)   ?7 attribute name   ?8 attribute value
 * Listings add ?9 (sort key of the cursor), ?10 (its id) and ?11 (limit).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "search_priv.h"

#define BM25 "bm25(search_products_fts, 10.0, 1.5, 8.0, 3.0, 2.0)"

#define SP_JOINS                                              \
  " FROM search_products_fts f"                               \
  " JOIN search_products p ON p.docid = f.rowid"              \
  " LEFT JOIN search_product_prices pr ON pr.docid = p.docid" \
  " AND pr.currency = ?2"

#define SP_WHERE                                                        \
  " WHERE search_products_fts MATCH ?1"                                 \
  " AND (?2 IS NULL OR pr.amount IS NOT NULL)"                          \
  " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM search_product_categories" \
  " c0 WHERE c0.category_id = ?3 AND c0.docid = p.docid))"              \
  " AND (?4 IS NULL OR pr.amount >= ?4)"                                \
  " AND (?5 IS NULL OR pr.amount <= ?5)"                                \
  " AND (?6 = 0 OR p.in_stock = 1)"                                     \
  " AND (?7 IS NULL OR EXISTS (SELECT 1 FROM search_product_attrs a0"   \
  " WHERE a0.name = ?7 AND a0.value = ?8 AND a0.docid = p.docid))"

#define SP_LIST_INNER                                                   \
  "SELECT * FROM (SELECT p.product_id AS product_id, p.title, p.slug,"  \
  " p.in_stock, pr.amount AS amount, p.created_ms AS created_ms, " BM25 \
  " AS score, p.docid AS docid" SP_JOINS SP_WHERE ")"

static const char *const list_sql[] = {
    /* relevance: bm25 is lower for better matches; ties by docid */
    SP_LIST_INNER
    " WHERE (?9 IS NULL OR score > ?9 OR (score = ?9 AND docid > ?10))"
    " ORDER BY score, docid LIMIT ?11",
    /* price_asc */
    SP_LIST_INNER
    " WHERE (?9 IS NULL OR amount > ?9 OR (amount = ?9 AND product_id > ?10))"
    " ORDER BY amount, product_id LIMIT ?11",
    /* price_desc */
    SP_LIST_INNER
    " WHERE (?9 IS NULL OR amount < ?9 OR (amount = ?9 AND product_id > ?10))"
    " ORDER BY amount DESC, product_id LIMIT ?11",
    /* newest */
    SP_LIST_INNER
    " WHERE (?9 IS NULL OR created_ms < ?9"
    " OR (created_ms = ?9 AND product_id < ?10))"
    " ORDER BY created_ms DESC, product_id DESC LIMIT ?11",
};

static const char sort_kind[] = {'r', 'a', 'd', 'n'};

#define SQL_TOTALS "SELECT COUNT(*), SUM(p.in_stock)" SP_JOINS SP_WHERE

#define SQL_CATEGORIES                                              \
  "SELECT c.category_id, MIN(c.name), COUNT(*) AS n" SP_JOINS       \
  " JOIN search_product_categories c ON c.docid = p.docid" SP_WHERE \
  " GROUP BY c.category_id ORDER BY n DESC, c.category_id LIMIT 20"

#define SQL_ATTRS                                              \
  "SELECT a.name, a.value, COUNT(*) AS n" SP_JOINS             \
  " JOIN search_product_attrs a ON a.docid = p.docid" SP_WHERE \
  " GROUP BY a.name, a.value ORDER BY a.name, n DESC, a.value"

#define SQL_PRICES                                                      \
  "SELECT CASE WHEN pr.amount < ?9 THEN 0 WHEN pr.amount < ?10 THEN 1"  \
  " WHEN pr.amount < ?11 THEN 2 WHEN pr.amount < ?12 THEN 3"            \
  " WHEN pr.amount < ?13 THEN 4 WHEN pr.amount < ?14 THEN 5"            \
  " WHEN pr.amount < ?15 THEN 6 WHEN pr.amount < ?16 THEN 7 ELSE 8 END" \
  " AS b, COUNT(*)" SP_JOINS SP_WHERE " GROUP BY b ORDER BY b"

#define ATTR_FACET_NAMES 20
#define ATTR_FACET_VALUES 10

/* ---- checking the query -------------------------------------------------- */

typedef struct sp_req {
  srch_terms terms;
  char match[TC_SEARCH_Q_MAX * 2 + 64];
  const tc_search_query *q;
  uint32_t limit;
  char key_a[64], key_b[64], key_id[TC_ID_STRLEN + 1];
  bool has_cursor;
} sp_req;

static int check_query(tc_ctx *ctx, const tc_search_query *q, sp_req *r) {
  if (!q || q->version < 1 || q->version > TC_SEARCH_QUERY_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "search query version %u is not supported",
                      q ? q->version : 0u);
  int rc = srch_tokenize(ctx, "q", q->q, false, &r->terms);
  if (rc) return rc;
  if (srch_match(r->match, sizeof(r->match), &r->terms, false, NULL))
    return tc__seterr(ctx, TC_EINVAL, "q", "q is too long");
  r->q = q;
  if (q->limit > TC_SEARCH_LIMIT_MAX)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..%d",
                      TC_SEARCH_LIMIT_MAX);
  r->limit = q->limit ? q->limit : 20;
  if ((unsigned)q->sort > TC_SEARCH_NEWEST)
    return tc__seterr(ctx, TC_EINVAL, "sort", "unknown sort order");
  if (q->currency && tc_currency_check(q->currency) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency must be an ISO 4217 code like BRL");
  bool needs_cur = q->price_min >= 0 || q->price_max >= 0 ||
                   q->sort == TC_SEARCH_PRICE_ASC ||
                   q->sort == TC_SEARCH_PRICE_DESC;
  if (needs_cur && !q->currency)
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency is needed for a price range or price sort");
  if (q->price_min < -1)
    return tc__seterr(ctx, TC_EINVAL, "price_min",
                      "price_min must be >= 0 (or -1 for none)");
  if (q->price_max < -1)
    return tc__seterr(ctx, TC_EINVAL, "price_max",
                      "price_max must be >= 0 (or -1 for none)");
  if (q->price_min >= 0 && q->price_max >= 0 && q->price_max < q->price_min)
    return tc__seterr(ctx, TC_EINVAL, "price_max",
                      "price_max must not be below price_min");
  if (q->category_id &&
      (!*q->category_id || strlen(q->category_id) > TC_ID_STRLEN))
    return tc__seterr(ctx, TC_EINVAL, "category_id",
                      "category_id must be a category id");
  if (!q->attr_name != !q->attr_value)
    return tc__seterr(ctx, TC_EINVAL, q->attr_name ? "attr_value" : "attr_name",
                      "attr_name and attr_value go together");
  if (q->attr_name && (!*q->attr_name || strlen(q->attr_name) > 100 ||
                       strlen(q->attr_value) > 255 ||
                       !tc__utf8_valid(q->attr_name, strlen(q->attr_name)) ||
                       !tc__utf8_valid(q->attr_value, strlen(q->attr_value))))
    return tc__seterr(ctx, TC_EINVAL, "attr_name",
                      "attr_name (1..100 bytes) or attr_value (..255 bytes) "
                      "is not valid");
  r->has_cursor = q->cursor != NULL;
  if (q->cursor && (rc = srch_cursor_decode(ctx, q->cursor, sort_kind[q->sort],
                                            r->key_a, r->key_b, r->key_id)))
    return rc;
  return TC_OK;
}

static void bind_filters(const sp_req *r, tc_value p[8]) {
  const tc_search_query *q = r->q;
  p[0] = srch_text(r->match);
  p[1] = srch_text(q->currency);
  p[2] = srch_text(q->category_id);
  p[3] = q->price_min >= 0 ? TC_VAL_INT(q->price_min) : TC_VAL_NULL;
  p[4] = q->price_max >= 0 ? TC_VAL_INT(q->price_max) : TC_VAL_NULL;
  p[5] = TC_VAL_INT(q->in_stock ? 1 : 0);
  p[6] = srch_text(q->attr_name);
  p[7] = srch_text(q->attr_value);
}

/* ---- the page ------------------------------------------------------------ */

typedef struct sp_run {
  tc_ctx *ctx;
  const sp_req *r;
  tc_search_result *res;
  size_t cap;
  int64_t last_amount, last_created;
  double last_score;
  int64_t last_docid, prev_docid; /* of the last two rows read */
} sp_run;

static int hit_row(const tc_value *c, size_t n, void *payload) {
  sp_run *s = payload;
  if (n < 8) return TC_ECORRUPT;
  tc_search_result *res = s->res;
  if (res->count == s->cap) {
    size_t na = s->cap ? s->cap * 2 : 16;
    void *p = tc__realloc(s->ctx, res->hits, na * sizeof(*res->hits));
    if (!p) return TC_ENOMEM;
    res->hits = p;
    s->cap = na;
  }
  tc_search_hit *h = &res->hits[res->count];
  memset(h, 0, sizeof(*h));
  res->count++;
  tc__col_copy(h->id, sizeof(h->id), &c[0]);
  h->title = tc__strdup(s->ctx, tc__col_text(&c[1]));
  h->slug = tc__strdup(s->ctx, tc__col_text(&c[2]));
  if (!h->title || !h->slug) return TC_ENOMEM;
  h->in_stock = tc__col_int(&c[3]) != 0;
  if (s->r->q->currency && !tc__col_null(&c[4])) {
    h->has_price = true;
    h->price.amount = tc__col_int(&c[4]);
    snprintf(h->price.currency, sizeof(h->price.currency), "%s",
             s->r->q->currency);
  }
  h->created_ms = tc__col_int(&c[5]);
  double bm =
      c[6].type == TC_VALUE_REAL ? c[6].v.r : (double)tc__col_int(&c[6]);
  h->score = -bm;
  s->last_score = bm;
  s->last_amount = h->price.amount;
  s->last_created = h->created_ms;
  s->prev_docid = s->last_docid;
  s->last_docid = tc__col_int(&c[7]);
  return 0;
}

static int make_cursor(sp_run *s) {
  const tc_search_hit *h = &s->res->hits[s->res->count - 1];
  char a[40], b[24] = "0";
  tc_search_sort sort = s->r->q->sort;
  if (sort == TC_SEARCH_RELEVANCE) {
    uint64_t bits;
    memcpy(&bits, &s->last_score, sizeof(bits));
    snprintf(a, sizeof(a), "%016" PRIx64, bits);
    snprintf(b, sizeof(b), "%lld", (long long)s->last_docid);
  } else if (sort == TC_SEARCH_NEWEST) {
    snprintf(a, sizeof(a), "%lld", (long long)s->last_created);
  } else {
    snprintf(a, sizeof(a), "%lld", (long long)s->last_amount);
  }
  return srch_cursor_encode(s->ctx, &s->res->next_cursor, sort_kind[sort], a, b,
                            h->id);
}

static bool parse_i64(const char *s, int64_t *out) {
  char *end = NULL;
  if (!*s) return false;
  long long v = strtoll(s, &end, 10);
  if (!end || *end) return false;
  *out = (int64_t)v;
  return true;
}

static int run_page(tc_ctx *ctx, const sp_req *r, tc_search_result *res) {
  tc_value p[11];
  bind_filters(r, p);
  p[8] = TC_VAL_NULL;
  p[9] = TC_VAL_NULL;
  if (r->has_cursor) {
    int64_t v = 0;
    if (r->q->sort == TC_SEARCH_RELEVANCE) {
      char *end = NULL;
      uint64_t bits = strtoull(r->key_a, &end, 16);
      double d;
      memcpy(&d, &bits, sizeof(d));
      if (strlen(r->key_a) != 16 || !end || *end || d != d ||
          !parse_i64(r->key_b, &v))
        return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
      p[8] = TC_VAL_REAL(d);
      p[9] = TC_VAL_INT(v);
    } else {
      if (!parse_i64(r->key_a, &v))
        return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
      p[8] = TC_VAL_INT(v);
      p[9] = srch_text(r->key_id);
    }
  }
  /* one more than asked tells whether there is a next page */
  p[10] = TC_VAL_INT((int64_t)r->limit + 1);
  sp_run s = {ctx, r, res, 0, 0, 0, 0, 0, 0};
  int rc = tc__db_exec(ctx, list_sql[r->q->sort], p, 11, hit_row, &s, NULL);
  if (rc) return rc;
  if (res->count > r->limit) {
    tc_search_hit *extra = &res->hits[--res->count];
    tc__free(ctx, extra->title);
    tc__free(ctx, extra->slug);
    /* the cursor is the last hit kept: recompute its keys */
    const tc_search_hit *h = &res->hits[res->count - 1];
    s.last_score = -h->score;
    s.last_amount = h->price.amount;
    s.last_created = h->created_ms;
    s.last_docid = s.prev_docid;
    return make_cursor(&s);
  }
  return TC_OK;
}

/* ---- facets -------------------------------------------------------------- */

typedef struct facet_build {
  tc_ctx *ctx;
  tc_search_result *res;
  const srch_state *st;
  const char *currency;
  int64_t total, in_stock;
} facet_build;

static tc_search_facet *facet_add(facet_build *b, const char *name) {
  tc_search_result *res = b->res;
  void *p = tc__realloc(b->ctx, res->facets,
                        (res->facet_count + 1) * sizeof(*res->facets));
  if (!p) return NULL;
  res->facets = p;
  tc_search_facet *f = &res->facets[res->facet_count++];
  memset(f, 0, sizeof(*f));
  f->name = tc__strdup(b->ctx, name);
  return f->name ? f : NULL;
}

static int value_add(tc_ctx *ctx, tc_search_facet *f, const char *value,
                     const char *label, int64_t count) {
  void *p = tc__realloc(ctx, f->values, (f->count + 1) * sizeof(*f->values));
  if (!p) return TC_ENOMEM;
  f->values = p;
  tc_search_facet_value *v = &f->values[f->count++];
  v->value = tc__strdup(ctx, value);
  v->label = tc__strdup(ctx, label);
  v->count = count;
  return v->value && v->label ? TC_OK : TC_ENOMEM;
}

static int totals_row(const tc_value *c, size_t n, void *payload) {
  facet_build *b = payload;
  if (n < 2) return TC_ECORRUPT;
  b->total = tc__col_int(&c[0]);
  b->in_stock = tc__col_int(&c[1]);
  return 0;
}

static int cat_facet_row(const tc_value *c, size_t n, void *payload) {
  facet_build *b = payload;
  if (n < 3) return TC_ECORRUPT;
  tc_search_facet *f = &b->res->facets[b->res->facet_count - 1];
  return value_add(b->ctx, f, tc__col_text(&c[0]), tc__col_text(&c[1]),
                   tc__col_int(&c[2]));
}

static int attr_facet_row(const tc_value *c, size_t n, void *payload) {
  facet_build *b = payload;
  if (n < 3) return TC_ECORRUPT;
  char name[128];
  snprintf(name, sizeof(name), "attributes.%s", tc__col_text(&c[0]));
  tc_search_result *res = b->res;
  tc_search_facet *f =
      res->facet_count ? &res->facets[res->facet_count - 1] : NULL;
  if (!f || strcmp(f->name, name) != 0) {
    size_t attr_facets = 0;
    for (size_t i = 0; i < res->facet_count; i++)
      if (strncmp(res->facets[i].name, "attributes.", 11) == 0) attr_facets++;
    if (attr_facets == ATTR_FACET_NAMES) return TC_STORE_STOP;
    if (!(f = facet_add(b, name))) return TC_ENOMEM;
  }
  if (f->count == ATTR_FACET_VALUES) return 0;
  const char *v = tc__col_text(&c[1]);
  return value_add(b->ctx, f, v, v, tc__col_int(&c[2]));
}

typedef struct price_counts {
  int64_t n[TC_SEARCH_PRICE_EDGES_MAX + 1];
  uint32_t edges;
} price_counts;

static int price_row(const tc_value *c, size_t n, void *payload) {
  price_counts *pc = payload;
  if (n < 2) return TC_ECORRUPT;
  int64_t b = tc__col_int(&c[0]);
  /* beyond the last real edge the CASE falls through to 8 */
  if (b < 0 || b > (int64_t)pc->edges) b = pc->edges;
  pc->n[b] += tc__col_int(&c[1]);
  return 0;
}

static void money_label(char *out, size_t size, int64_t amount,
                        const char *cur) {
  tc_money m = {amount, ""};
  snprintf(m.currency, sizeof(m.currency), "%s", cur);
  if (tc_money_format(out, size, &m) != TC_OK)
    snprintf(out, size, "%lld", (long long)amount);
}

static int price_facet(facet_build *b, const sp_req *r) {
  const tc_search_options *o = &b->st->opts;
  tc_value p[16];
  bind_filters(r, p);
  for (uint32_t i = 0; i < TC_SEARCH_PRICE_EDGES_MAX; i++)
    p[8 + i] =
        i < o->price_edge_count ? TC_VAL_INT(o->price_edges[i]) : TC_VAL_NULL;
  price_counts pc = {{0}, o->price_edge_count};
  int rc = tc__db_exec(b->ctx, SQL_PRICES, p, 16, price_row, &pc, NULL);
  if (rc) return rc;
  tc_search_facet *f = facet_add(b, "price");
  if (!f) return TC_ENOMEM;
  for (uint32_t i = 0; !rc && i <= o->price_edge_count; i++) {
    if (!pc.n[i]) continue;
    int64_t lo = i ? o->price_edges[i - 1] : 0;
    bool last = i == o->price_edge_count;
    int64_t hi = last ? 0 : o->price_edges[i];
    char value[64], label[96], l1[40], l2[40];
    money_label(l1, sizeof(l1), lo, b->currency);
    if (last) {
      snprintf(value, sizeof(value), "%lld-", (long long)lo);
      snprintf(label, sizeof(label), "%s or more", l1);
    } else {
      money_label(l2, sizeof(l2), hi, b->currency);
      snprintf(value, sizeof(value), "%lld-%lld", (long long)lo, (long long)hi);
      snprintf(label, sizeof(label), "%s to under %s", l1, l2);
    }
    rc = value_add(b->ctx, f, value, label, pc.n[i]);
  }
  return rc;
}

static int run_facets(tc_ctx *ctx, const srch_state *st, const sp_req *r,
                      tc_search_result *res) {
  facet_build b = {ctx, res, st, r->q->currency, 0, 0};
  tc_value p[8];
  bind_filters(r, p);
  int rc = tc__db_exec(ctx, SQL_TOTALS, p, 8, totals_row, &b, NULL);
  if (rc) return rc;
  res->total = b.total;
  tc_search_facet *f = facet_add(&b, "category");
  if (!f) return TC_ENOMEM;
  rc = tc__db_exec(ctx, SQL_CATEGORIES, p, 8, cat_facet_row, &b, NULL);
  if (rc) return rc;
  if (r->q->currency && (rc = price_facet(&b, r))) return rc;
  if (!(f = facet_add(&b, "in_stock"))) return TC_ENOMEM;
  if (b.in_stock && (rc = value_add(ctx, f, "true", "in stock", b.in_stock)))
    return rc;
  if (b.total - b.in_stock &&
      (rc = value_add(ctx, f, "false", "out of stock", b.total - b.in_stock)))
    return rc;
  return tc__db_exec(ctx, SQL_ATTRS, p, 8, attr_facet_row, &b, NULL);
}

/* ---- the cache key ------------------------------------------------------- */

static int canon(tc_ctx *ctx, const sp_req *r, tc_buf *b) {
  const tc_search_query *q = r->q;
  char num[96];
  int rc = tc_buf_puts(b, "public\x1f");
  for (size_t i = 0; !rc && i < r->terms.n; i++) {
    rc = tc_buf_puts(b, r->terms.fold[i]);
    if (!rc) rc = tc_buf_puts(b, "\x1e");
  }
  const char *parts[] = {q->currency, q->category_id, q->attr_name,
                         q->attr_value, q->cursor};
  for (size_t i = 0; !rc && i < sizeof(parts) / sizeof(parts[0]); i++) {
    rc = tc_buf_puts(b, "\x1f");
    if (!rc && parts[i]) rc = tc_buf_puts(b, "=");
    if (!rc && parts[i]) rc = tc_buf_puts(b, parts[i]);
  }
  snprintf(num, sizeof(num), "\x1f%lld\x1f%lld\x1f%d\x1f%d\x1f%u\x1f%d",
           (long long)q->price_min, (long long)q->price_max,
           q->in_stock ? 1 : 0, (int)q->sort, r->limit, q->facets ? 1 : 0);
  if (!rc) rc = tc_buf_puts(b, num);
  return rc ? tc__oom(ctx) : TC_OK;
}

/* ---- the entry point ----------------------------------------------------- */

static int search_index(tc_ctx *ctx, srch_state *st, const sp_req *r,
                        tc_search_result **out) {
  tc_search_result *res = tc__calloc(ctx, 1, sizeof(*res));
  if (!res) return tc__oom(ctx);
  res->total = -1;
  st->stats.index_queries++;
  int rc;
  if (!r->q->facets) {
    rc = run_page(ctx, r, res); /* one statement: no transaction needed */
  } else if (!(rc = tc__txn_begin(ctx, TC_TXN_READ))) {
    /* page and facets from one snapshot of the index */
    rc = run_page(ctx, r, res);
    if (!rc) rc = run_facets(ctx, st, r, res);
    rc = tc__txn_end(ctx, rc);
  }
  if (rc) {
    tc_search_result_free(ctx, res);
    return srch_store_failed(ctx, rc, "searching products");
  }
  *out = res;
  return TC_OK;
}

/* The query cache's view of a product search. */
static int p_canon(tc_ctx *ctx, const void *req, tc_buf *b) {
  return canon(ctx, req, b);
}
static int p_run(tc_ctx *ctx, srch_state *st, const void *req, void **out) {
  return search_index(ctx, st, req, (tc_search_result **)out);
}
static int p_to_json(tc_ctx *ctx, const void *res, cJSON *obj) {
  return srch_result_to_json(ctx, res, obj);
}
static int p_from_json(tc_ctx *ctx, const cJSON *obj, void **out) {
  return srch_result_from_json(ctx, obj, (tc_search_result **)out);
}
static void p_mark(void *res) {
  ((tc_search_result *)res)->cached = true;
}
static const srch_cached products_cached = {"p",       p_canon,     p_run,
                                            p_to_json, p_from_json, p_mark};

int tc_search_products(tc_search_result **out, tc_ctx *ctx,
                       const tc_search_query *q) {
  if (out) *out = NULL;
  if (!ctx || !out) return TC_EINVAL;
  srch_state *st = NULL;
  int rc = srch_enter(ctx, &st);
  if (rc) return rc;
  sp_req *r = tc__calloc(ctx, 1, sizeof(*r));
  if (!r) return tc__oom(ctx);
  if (!(rc = check_query(ctx, q, r)))
    rc = srch_cached_search(ctx, st, &products_cached, r, (void **)out);
  tc__free(ctx, r);
  return rc;
}

void tc_search_result_free(tc_ctx *ctx, tc_search_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->count; i++) {
    tc__free(ctx, r->hits[i].title);
    tc__free(ctx, r->hits[i].slug);
  }
  tc__free(ctx, r->hits);
  for (size_t i = 0; i < r->facet_count; i++) {
    tc_search_facet *f = &r->facets[i];
    for (size_t k = 0; k < f->count; k++) {
      tc__free(ctx, f->values[k].value);
      tc__free(ctx, f->values[k].label);
    }
    tc__free(ctx, f->values);
    tc__free(ctx, f->name);
  }
  tc__free(ctx, r->facets);
  tc__free(ctx, r->next_cursor);
  tc__free(ctx, r);
}
