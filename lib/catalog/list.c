/*
 * lib/catalog/list.c - product listings with filters and keyset pages.
 *
 * The statement is assembled from constant fragments (never from input),
 * so there are only a few dozen texts for the store's statement cache.
 * Pages continue after the last row seen, "(order key, id) > (?, ?)",
 * over an index in that order: a deep page costs what the first one does,
 * and rows inserted meanwhile cause neither duplicates nor gaps.
 *
 * Cursor text (opaque to callers): "c.<created_ms>.<id>" or
 * "t.<title_key>.<id>".
 */
#include <stdio.h>
#include <stdlib.h>

#include "catalog_priv.h"

#define LIST_MAX 100
#define LIST_DEFAULT 20

typedef struct {
  char kind; /* 'c' or 't' */
  int64_t created_ms;
  char key[TC_CATALOG_SLUG_MAX + 1];
  char id[TC_ID_STRLEN + 1];
} cursor;

static int bad_cursor(tc_ctx *ctx) {
  return tc__seterr(ctx, TC_EINVAL, "cursor",
                    "cursor is not one this listing gave out");
}

static int parse_cursor(tc_ctx *ctx, const char *text, char kind, cursor *c) {
  memset(c, 0, sizeof(*c));
  size_t n = strnlen(text, 256);
  if (n < 3 + TC_ID_STRLEN || n >= 256 || text[0] != kind || text[1] != '.')
    return bad_cursor(ctx);
  const char *id = text + n - TC_ID_STRLEN;
  if (id[-1] != '.' || tc_id_check(id) != TC_OK) return bad_cursor(ctx);
  memcpy(c->id, id, TC_ID_STRLEN);
  const char *v = text + 2;
  size_t vlen = (size_t)(id - 1 - v);
  c->kind = kind;
  if (kind == 'c') {
    if (vlen == 0 || vlen > 18) return bad_cursor(ctx);
    int64_t ms = 0;
    for (size_t i = 0; i < vlen; i++) {
      if (v[i] < '0' || v[i] > '9') return bad_cursor(ctx);
      ms = ms * 10 + (v[i] - '0');
    }
    c->created_ms = ms;
    return TC_OK;
  }
  if (vlen > TC_CATALOG_SLUG_MAX) return bad_cursor(ctx);
  for (size_t i = 0; i < vlen; i++)
    if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
          v[i] == '-'))
      return bad_cursor(ctx);
  memcpy(c->key, v, vlen);
  return TC_OK;
}

typedef struct {
  tc_ctx *ctx;
  tc_catalog_page *page;
  size_t limit;
  char last_key[TC_CATALOG_SLUG_MAX + 1];
  bool more;
} list_state;

static int list_row(const tc_value *c, size_t n, void *payload) {
  list_state *s = payload;
  if (s->page->count == s->limit) {
    s->more = true; /* the limit+1-th row only says a next page exists */
    return TC_STORE_STOP;
  }
  if (n < CAT__PRODUCT_NCOLS + 1) return TC_ECORRUPT;
  tc_catalog_product *p = &s->page->items[s->page->count++];
  int rc = cat__product_from_row(s->ctx, p, c, n);
  if (rc) return rc;
  tc__col_copy(s->last_key, sizeof(s->last_key), &c[CAT__PRODUCT_NCOLS]);
  return 0;
}

void tc_catalog_page_free(tc_ctx *ctx, tc_catalog_page *page) {
  if (!ctx || !page) return;
  for (size_t i = 0; i < page->count; i++)
    cat__product_clear(ctx, &page->items[i]);
  tc__free(ctx, page->items);
  tc__free(ctx, page->next_cursor);
  tc__free(ctx, page);
}

/* Append a fragment to the statement. */
static void sql_add(char *sql, size_t size, const char *frag) {
  size_t n = strlen(sql);
  snprintf(sql + n, size - n, "%s", frag);
}

typedef struct {
  tc_value v[16];
  size_t n;
} params;

static int check_query(tc_ctx *ctx, const tc_catalog_query *q) {
  if (!q || q->version != TC_CATALOG_QUERY_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version", "query version must be %d",
                      TC_CATALOG_QUERY_VERSION);
  if (q->status < -1 || q->status > TC_CATALOG_ARCHIVED)
    return tc__seterr(ctx, TC_EINVAL, "status",
                      "status must be draft, published or archived");
  if (q->order != TC_CATALOG_ORDER_CREATED &&
      q->order != TC_CATALOG_ORDER_TITLE)
    return tc__seterr(ctx, TC_EINVAL, "order",
                      "order must be created or title");
  if (q->limit > LIST_MAX)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be between 1 and %d",
                      LIST_MAX);
  int rc;
  if (q->category_id && (rc = tc__check_id(ctx, "category_id", q->category_id)))
    return rc;
  bool priced = q->price_min != -1 || q->price_max != -1;
  if (q->price_min != -1 &&
      (rc = cat__check_amount(ctx, "price_min", q->price_min)))
    return rc;
  if (q->price_max != -1 &&
      (rc = cat__check_amount(ctx, "price_max", q->price_max)))
    return rc;
  if (q->price_min != -1 && q->price_max != -1 && q->price_min > q->price_max)
    return tc__seterr(ctx, TC_EINVAL, "price_max",
                      "price_max must not be below price_min");
  if (priced && (!q->currency || tc_currency_check(q->currency) != TC_OK))
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency must be an ISO 4217 code when a price range "
                      "is given");
  return TC_OK;
}

/* The statement and parameters of a listing; text parameters point into
 * this struct or into the query. */
typedef struct {
  char sql[2048];
  params p;
  char kind;
  size_t limit;
  char path[CAT__PATH_MAX], hi[CAT__PATH_MAX];
  char pre[TC_CATALOG_SLUG_MAX + 1], pre_hi[TC_CATALOG_SLUG_MAX + 1];
  cursor cur;
} built;

static int build(tc_ctx *ctx, const tc_catalog_query *q, bool all, built *b,
                 bool *empty) {
  char *sql = b->sql;
  params *pp = &b->p;
  char kind = q->order == TC_CATALOG_ORDER_TITLE ? 't' : 'c';
  b->kind = kind;
  cursor *cur = &b->cur;
  int rc;
  if (q->cursor && (rc = parse_cursor(ctx, q->cursor, kind, cur))) return rc;
  snprintf(sql, sizeof(b->sql), "%s",
           "SELECT " CAT__PRODUCT_COLS
           ", p.title_key FROM catalog_products p WHERE 1 = 1");
  pp->n = 0;
  const char *status = NULL;
  if (!all) {
    if (q->status != -1 && q->status != TC_CATALOG_PUBLISHED) {
      *empty = true; /* the public never sees other statuses */
      return TC_OK;
    }
    status = "published";
  } else if (q->status != -1) {
    status = cat__status_str((tc_catalog_status)q->status);
  }
  if (status) {
    sql_add(sql, sizeof(b->sql), " AND p.status = ?");
    pp->v[pp->n++] = cat__text(status);
  }

  char *path = b->path, *hi = b->hi;
  if (q->category_id) {
    if ((rc = cat__category_path(ctx, "category_id", q->category_id, path,
                                 sizeof(b->path), NULL)))
      return rc;
    if (q->descendants) {
      cat__prefix_range(path, hi, sizeof(b->hi));
      sql_add(sql, sizeof(b->sql),
              " AND p.id IN (SELECT pc.product_id FROM"
              " catalog_product_categories pc JOIN catalog_categories c"
              " ON c.id = pc.category_id WHERE c.path >= ? AND c.path < ?)");
      pp->v[pp->n++] = cat__text(path);
      pp->v[pp->n++] = cat__text(hi);
    } else {
      sql_add(sql, sizeof(b->sql),
              " AND p.id IN (SELECT pc.product_id FROM"
              " catalog_product_categories pc WHERE pc.category_id = ?)");
      pp->v[pp->n++] = cat__text(q->category_id);
    }
  }

  char *pre = b->pre, *pre_hi = b->pre_hi;
  if (q->prefix) {
    if (tc_catalog_slugify(pre, sizeof(b->pre), q->prefix) != TC_OK)
      return tc__seterr(ctx, TC_EINVAL, "prefix",
                        "prefix must contain a letter or a digit");
    snprintf(pre_hi, sizeof(b->pre_hi), "%s", pre);
    pre_hi[strlen(pre_hi) - 1]++; /* [a-z0-9-]: the successor stays ASCII */
    sql_add(sql, sizeof(b->sql),
            " AND ((p.title_key >= ? AND p.title_key < ?)"
            " OR (p.slug >= ? AND p.slug < ?))");
    pp->v[pp->n++] = cat__text(pre);
    pp->v[pp->n++] = cat__text(pre_hi);
    pp->v[pp->n++] = cat__text(pre);
    pp->v[pp->n++] = cat__text(pre_hi);
  }

  if (q->price_min != -1 || q->price_max != -1) {
    sql_add(sql, sizeof(b->sql),
            all ? " AND EXISTS (SELECT 1 FROM catalog_variants v"
                  " JOIN catalog_prices pr ON pr.variant_id = v.id"
                  " WHERE v.product_id = p.id AND pr.currency = ?"
                  " AND pr.amount >= ? AND pr.amount <= ?)"
                : " AND EXISTS (SELECT 1 FROM catalog_variants v"
                  " JOIN catalog_prices pr ON pr.variant_id = v.id"
                  " WHERE v.product_id = p.id AND v.active = 1"
                  " AND pr.currency = ?"
                  " AND pr.amount >= ? AND pr.amount <= ?)");
    pp->v[pp->n++] = cat__text(q->currency);
    pp->v[pp->n++] = TC_VAL_INT(q->price_min == -1 ? 0 : q->price_min);
    pp->v[pp->n++] =
        TC_VAL_INT(q->price_max == -1 ? TC_CATALOG_PRICE_MAX : q->price_max);
  }

  if (q->cursor) {
    if (kind == 'c') {
      sql_add(sql, sizeof(b->sql), " AND (p.created_ms, p.id) > (?, ?)");
      pp->v[pp->n++] = TC_VAL_INT(cur->created_ms);
    } else {
      sql_add(sql, sizeof(b->sql), " AND (p.title_key, p.id) > (?, ?)");
      pp->v[pp->n++] = cat__text(cur->key);
    }
    pp->v[pp->n++] = cat__text(cur->id);
  }
  sql_add(sql, sizeof(b->sql),
          kind == 'c' ? " ORDER BY p.created_ms, p.id LIMIT ?"
                      : " ORDER BY p.title_key, p.id LIMIT ?");
  b->limit = q->limit ? q->limit : LIST_DEFAULT;
  pp->v[pp->n++] = TC_VAL_INT(b->limit + 1);
  return TC_OK;
}

static int run(tc_ctx *ctx, const built *b, tc_catalog_page *page);

static int list_in(tc_ctx *ctx, const tc_catalog_query *q, bool all,
                   tc_catalog_page *page) {
  built *b = tc__malloc(ctx, sizeof(*b));
  if (!b) return tc__oom(ctx);
  bool empty = false;
  int rc = build(ctx, q, all, b, &empty);
  if (!rc && !empty) rc = run(ctx, b, page);
  tc__free(ctx, b);
  return rc;
}

static int run(tc_ctx *ctx, const built *b, tc_catalog_page *page) {
  size_t limit = b->limit;
  char kind = b->kind;
  int rc;
  page->items = tc__calloc(ctx, limit, sizeof(*page->items));
  if (!page->items) return tc__oom(ctx);
  list_state s = {ctx, page, limit, "", false};
  rc = tc__db_exec(ctx, b->sql, b->p.v, b->p.n, list_row, &s, NULL);
  if (rc || !s.more) return rc;
  const tc_catalog_product *last = &page->items[page->count - 1];
  char next[256];
  if (kind == 'c')
    snprintf(next, sizeof(next), "c.%lld.%s", (long long)last->created_ms,
             last->id);
  else
    snprintf(next, sizeof(next), "t.%s.%s", s.last_key, last->id);
  page->next_cursor = tc__strdup(ctx, next);
  return page->next_cursor ? TC_OK : tc__oom(ctx);
}

int tc_catalog_product_list(tc_catalog_page **out, tc_ctx *ctx,
                            const tc_principal *who,
                            const tc_catalog_query *q) {
  if (out) *out = NULL;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  int rc = check_query(ctx, q);
  if (rc) return rc;
  tc_catalog_page *page = tc__calloc(ctx, 1, sizeof(*page));
  if (!page) return tc__oom(ctx);
  rc = list_in(ctx, q, cat__sees_all(who), page);
  if (rc) {
    tc_catalog_page_free(ctx, page);
    return rc;
  }
  *out = page;
  return TC_OK;
}

typedef struct {
  char *out;
  size_t size, len;
} plan_state;

static int plan_row(const tc_value *c, size_t n, void *payload) {
  plan_state *s = payload;
  if (n < 4 || s->len >= s->size) return 0;
  int w =
      snprintf(s->out + s->len, s->size - s->len, "%s\n", tc__col_text(&c[3]));
  if (w > 0) s->len += (size_t)w;
  if (s->len >= s->size) s->len = s->size;
  return 0;
}

int cat__list_plan(tc_ctx *ctx, const tc_catalog_query *q, bool all, char *out,
                   size_t size) {
  if (!size) return TC_EINVAL;
  out[0] = '\0';
  int rc = check_query(ctx, q);
  if (rc) return rc;
  built *b = tc__malloc(ctx, sizeof(*b));
  if (!b) return tc__oom(ctx);
  bool empty = false;
  rc = build(ctx, q, all, b, &empty);
  char sql[2100];
  snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", b->sql);
  plan_state s = {out, size, 0};
  if (!rc && !empty)
    rc = tc__db_exec(ctx, sql, b->p.v, b->p.n, plan_row, &s, NULL);
  tc__free(ctx, b);
  return rc;
}
