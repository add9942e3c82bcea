/*
 * lib/search/orders.c - the order index: documents written by the orders
 * module (directly or through its events, see consumer.c) and the order
 * search, which only ever shows a caller the orders they may see.
 *
 * Who sees what is decided by the shared policy (tc__authorize()): system,
 * admin and support may read every order; any other authenticated user reads
 * the orders whose customer_id is their user id. The rule is applied in the
 * query itself (a customer's search never reads other rows), not by filtering a
 * page afterwards.
 */
#include <stdio.h>
#include <stdlib.h>

#include "search_priv.h"

#define SO_COLS                                                  \
  "SELECT o.order_id, o.number, o.customer_id, o.customer_name," \
  " o.customer_email, o.status, o.total_amount, o.currency, o.created_ms"

#define SO_KEYSET                                \
  " AND (?3 IS NULL OR o.status = ?3)"           \
  " AND (?4 IS NULL OR o.created_ms < ?4"        \
  " OR (o.created_ms = ?4 AND o.order_id < ?5))" \
  " ORDER BY o.created_ms DESC, o.order_id DESC LIMIT ?6"

/* ?1 match, ?2 customer id (NULL: all), ?3 status, ?4/?5 cursor, ?6 limit;
 * the statements without a match leave ?1 unused (bound, never read). */
static const char SQL_MATCH[] = SO_COLS
    " FROM search_orders_fts f JOIN search_orders o ON o.docid = f.rowid"
    " WHERE search_orders_fts MATCH ?1"
    " AND (?2 IS NULL OR o.customer_id = ?2)" SO_KEYSET;
static const char SQL_OWN[] =
    SO_COLS " FROM search_orders o WHERE o.customer_id = ?2" SO_KEYSET;
static const char SQL_ALL[] = SO_COLS
    " FROM search_orders o WHERE (?2 IS NULL OR o.customer_id = ?2)" SO_KEYSET;

static bool is_id(const char *s) {
  if (!s || strlen(s) != TC_ID_STRLEN) return false;
  for (size_t i = 0; i < TC_ID_STRLEN; i++) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

static const char *nz(const char *s) {
  return s ? s : "";
}

/* ---- writing ------------------------------------------------------------- */

static int check_order(tc_ctx *ctx, const tc__order_doc *d) {
  if (!d || !is_id(d->id))
    return tc__seterr(ctx, TC_EINVAL, "id", "order id must be a UUID");
  if (!d->number || !*d->number || strlen(d->number) > 64)
    return tc__seterr(ctx, TC_EINVAL, "number",
                      "order number must be 1..64 bytes");
  if (!is_id(d->customer_id))
    return tc__seterr(ctx, TC_EINVAL, "customer_id",
                      "customer_id must be a user id");
  if (tc_currency_check(d->total.currency) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "total.currency",
                      "total.currency must be an ISO 4217 code");
  const char *texts[] = {d->number, d->customer_name, d->customer_email,
                         d->status};
  const char *names[] = {"number", "customer_name", "customer_email", "status"};
  for (size_t i = 0; i < 4; i++) {
    const char *s = nz(texts[i]);
    if (strlen(s) > 512 || !tc__utf8_valid(s, strlen(s)))
      return tc__seterr(ctx, TC_EINVAL, names[i],
                        "%s must be valid UTF-8 of at most 512 bytes",
                        names[i]);
  }
  return TC_OK;
}

static int docid_row(const tc_value *c, size_t n, void *payload) {
  if (n < 1) return TC_ECORRUPT;
  *(int64_t *)payload = tc__col_int(&c[0]);
  return 0;
}

static int order_rows(tc_ctx *ctx, const tc__order_doc *d, const char *skus,
                      const char *customer) {
  tc_value del[] = {srch_text(d->id)};
  int rc = tc__db_exec(ctx, "DELETE FROM search_orders WHERE order_id = ?", del,
                       1, NULL, NULL, NULL);
  if (rc) return rc;
  int64_t docid = 0;
  tc_value ins[] = {srch_text(d->id),
                    srch_text(d->number),
                    srch_text(d->customer_id),
                    srch_text(nz(d->customer_name)),
                    srch_text(nz(d->customer_email)),
                    srch_text(nz(d->status)),
                    TC_VAL_INT(d->total.amount),
                    srch_text(d->total.currency),
                    TC_VAL_INT(d->created_ms),
                    TC_VAL_INT(d->updated_ms)};
  rc = tc__db_row(ctx,
                  "INSERT INTO search_orders (order_id, number, customer_id,"
                  " customer_name, customer_email, status, total_amount,"
                  " currency, created_ms, updated_ms)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING docid",
                  ins, 10, docid_row, &docid);
  if (rc) return rc;
  tc_value fts[] = {TC_VAL_INT(docid), srch_text(d->number),
                    srch_text(customer), srch_text(skus),
                    srch_text(nz(d->status))};
  return tc__db_exec(ctx,
                     "INSERT INTO search_orders_fts (rowid, number, customer,"
                     " skus, status) VALUES (?, ?, ?, ?, ?)",
                     fts, 5, NULL, NULL, NULL);
}

int tc__search_index_order(tc_ctx *ctx, const tc__order_doc *d) {
  int rc = check_order(ctx, d);
  if (rc) return rc;
  tc_buf skus = TC_BUF_INIT, customer = TC_BUF_INIT;
  skus.alloc = customer.alloc = &ctx->alloc;
  for (size_t i = 0; !rc && i < d->sku_count; i++)
    if (d->skus[i])
      rc = (skus.size ? tc_buf_puts(&skus, " ") : 0) ||
                   tc_buf_puts(&skus, d->skus[i])
               ? TC_ENOMEM
               : TC_OK;
  if (!rc && (tc_buf_puts(&customer, nz(d->customer_name)) ||
              tc_buf_puts(&customer, " ") ||
              tc_buf_puts(&customer, nz(d->customer_email))))
    rc = TC_ENOMEM;
  if (rc) {
    rc = tc__oom(ctx);
  } else if (!(rc = tc__txn_begin(ctx, TC_TXN_WRITE))) {
    rc = order_rows(ctx, d, skus.ptr ? skus.ptr : "", customer.ptr);
    rc = tc__txn_end(ctx, rc);
    if (rc) rc = srch_store_failed(ctx, rc, "indexing an order");
  }
  tc_buf_dispose(&skus);
  tc_buf_dispose(&customer);
  if (rc) return rc;
  srch_state *st = srch_state_get(ctx);
  if (st) st->stats.index_writes++;
  srch_bump(ctx);
  return TC_OK;
}

int tc__search_remove_order(tc_ctx *ctx, const char *order_id) {
  if (!order_id || !*order_id)
    return tc__seterr(ctx, TC_EINVAL, "id", "an order id is needed");
  int64_t changes = 0;
  tc_value p[] = {srch_text(order_id)};
  int rc = tc__db_exec(ctx, "DELETE FROM search_orders WHERE order_id = ?", p,
                       1, NULL, NULL, &changes);
  if (rc) return srch_store_failed(ctx, rc, "removing an order");
  if (changes) {
    srch_state *st = srch_state_get(ctx);
    if (st) st->stats.index_writes++;
    srch_bump(ctx);
  }
  return TC_OK;
}

/* ---- searching ----------------------------------------------------------- */

/* NULL in *customer: every order; else only that customer's. Reading
 * every order is what the policy grants for a resource of no
 * particular owner; a caller refused that reads their own. */
static int order_scope(tc_ctx *ctx, const tc_principal *who,
                       const char **customer) {
  *customer = NULL;
  int rc = tc__authorize(ctx, who, "orders", TC__ACT_READ, NULL);
  if (rc == TC_OK || rc == TC_EUNAUTHENTICATED) return rc;
  if (rc == TC_EDENIED && who->kind == TC_PRINCIPAL_USER && who->user_id[0]) {
    tc__clearerr(ctx);
    *customer = who->user_id;
    return TC_OK;
  }
  return rc;
}

typedef struct so_run {
  tc_ctx *ctx;
  tc_search_order_page *page;
  size_t cap;
} so_run;

static int order_row(const tc_value *c, size_t n, void *payload) {
  so_run *s = payload;
  if (n < 9) return TC_ECORRUPT;
  tc_search_order_page *p = s->page;
  if (p->count == s->cap) {
    size_t na = s->cap ? s->cap * 2 : 16;
    void *a = tc__realloc(s->ctx, p->hits, na * sizeof(*p->hits));
    if (!a) return TC_ENOMEM;
    p->hits = a;
    s->cap = na;
  }
  tc_search_order_hit *h = &p->hits[p->count++];
  memset(h, 0, sizeof(*h));
  tc__col_copy(h->id, sizeof(h->id), &c[0]);
  h->number = tc__strdup(s->ctx, tc__col_text(&c[1]));
  tc__col_copy(h->customer_id, sizeof(h->customer_id), &c[2]);
  h->customer_name = tc__strdup(s->ctx, tc__col_text(&c[3]));
  h->customer_email = tc__strdup(s->ctx, tc__col_text(&c[4]));
  h->status = tc__strdup(s->ctx, tc__col_text(&c[5]));
  h->total.amount = tc__col_int(&c[6]);
  tc__col_copy(h->total.currency, sizeof(h->total.currency), &c[7]);
  h->created_ms = tc__col_int(&c[8]);
  if (!h->number || !h->customer_name || !h->customer_email || !h->status)
    return TC_ENOMEM;
  return 0;
}

static void hit_clear(tc_ctx *ctx, tc_search_order_hit *h) {
  tc__free(ctx, h->number);
  tc__free(ctx, h->customer_name);
  tc__free(ctx, h->customer_email);
  tc__free(ctx, h->status);
}

typedef struct so_req {
  srch_terms terms;
  char match[TC_SEARCH_Q_MAX * 2 + 64];
  uint32_t limit;
  const char *customer;
  const tc_search_order_query *q;
  char key_a[64], key_b[64], key_id[TC_ID_STRLEN + 1];
} so_req;

static int check_order_query(tc_ctx *ctx, const tc_search_order_query *q,
                             so_req *r) {
  if (!q || q->version < 1 || q->version > TC_SEARCH_ORDER_QUERY_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "order query version %u is not supported",
                      q ? q->version : 0u);
  r->q = q;
  int rc = srch_tokenize(ctx, "q", q->q, true, &r->terms);
  if (rc) return rc;
  if (q->q && *q->q && r->terms.n == 0)
    return tc__seterr(ctx, TC_EINVAL, "q",
                      "q has no letters or digits to search for");
  if (r->terms.n &&
      srch_match(r->match, sizeof(r->match), &r->terms, false, NULL))
    return tc__seterr(ctx, TC_EINVAL, "q", "q is too long");
  if (q->limit > TC_SEARCH_LIMIT_MAX)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..%d",
                      TC_SEARCH_LIMIT_MAX);
  r->limit = q->limit ? q->limit : 20;
  if (q->status && (!*q->status || strlen(q->status) > 32))
    return tc__seterr(ctx, TC_EINVAL, "status", "status must be 1..32 bytes");
  if (q->cursor && (rc = srch_cursor_decode(ctx, q->cursor, 'o', r->key_a,
                                            r->key_b, r->key_id)))
    return rc;
  return TC_OK;
}

static int run_orders(tc_ctx *ctx, const so_req *r, tc_search_order_page *p) {
  tc_value v[6];
  v[0] = r->terms.n ? srch_text(r->match) : TC_VAL_NULL;
  v[1] = srch_text(r->customer);
  v[2] = srch_text(r->q->status);
  v[3] = TC_VAL_NULL;
  v[4] = TC_VAL_NULL;
  if (r->q->cursor) {
    char *end = NULL;
    long long t = strtoll(r->key_a, &end, 10);
    if (!*r->key_a || !end || *end)
      return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
    v[3] = TC_VAL_INT(t);
    v[4] = srch_text(r->key_id);
  }
  v[5] = TC_VAL_INT((int64_t)r->limit + 1);
  const char *sql = r->terms.n ? SQL_MATCH : r->customer ? SQL_OWN : SQL_ALL;
  so_run s = {ctx, p, 0};
  int rc = tc__db_exec(ctx, sql, v, 6, order_row, &s, NULL);
  if (rc || p->count <= r->limit) return rc;
  hit_clear(ctx, &p->hits[--p->count]);
  const tc_search_order_hit *last = &p->hits[p->count - 1];
  char a[32];
  snprintf(a, sizeof(a), "%lld", (long long)last->created_ms);
  return srch_cursor_encode(ctx, &p->next_cursor, 'o', a, "0", last->id);
}

static int order_canon(tc_ctx *ctx, const so_req *r, tc_buf *b) {
  char num[32];
  int rc = tc_buf_puts(b, r->customer ? "user:" : "all");
  if (!rc && r->customer) rc = tc_buf_puts(b, r->customer);
  for (size_t i = 0; !rc && i < r->terms.n; i++) {
    rc = tc_buf_puts(b, "\x1e");
    if (!rc) rc = tc_buf_puts(b, r->terms.fold[i]);
  }
  const char *parts[] = {r->q->status, r->q->cursor};
  for (size_t i = 0; !rc && i < 2; i++) {
    rc = tc_buf_puts(b, "\x1f");
    if (!rc && parts[i]) rc = tc_buf_puts(b, "=");
    if (!rc && parts[i]) rc = tc_buf_puts(b, parts[i]);
  }
  snprintf(num, sizeof(num), "\x1f%u", r->limit);
  if (!rc) rc = tc_buf_puts(b, num);
  return rc ? tc__oom(ctx) : TC_OK;
}

/* Search the index for r into a new page. */
static int o_run(tc_ctx *ctx, srch_state *st, const void *req, void **out) {
  tc_search_order_page *p = tc__calloc(ctx, 1, sizeof(*p));
  if (!p) return tc__oom(ctx);
  st->stats.index_queries++;
  int rc = run_orders(ctx, req, p);
  if (rc) {
    tc_search_order_page_free(ctx, p);
    return srch_store_failed(ctx, rc, "searching orders");
  }
  *out = p;
  return TC_OK;
}

/* The query cache's view of an order search. */
static int o_canon(tc_ctx *ctx, const void *req, tc_buf *b) {
  return order_canon(ctx, req, b);
}
static int o_to_json(tc_ctx *ctx, const void *res, cJSON *obj) {
  return srch_orders_to_json(ctx, res, obj);
}
static int o_from_json(tc_ctx *ctx, const cJSON *obj, void **out) {
  return srch_orders_from_json(ctx, obj, (tc_search_order_page **)out);
}
static void o_mark(void *res) {
  ((tc_search_order_page *)res)->cached = true;
}
static const srch_cached orders_cached = {"o",       o_canon,     o_run,
                                          o_to_json, o_from_json, o_mark};

int tc_search_orders(tc_search_order_page **out, tc_ctx *ctx,
                     const tc_principal *who, const tc_search_order_query *q) {
  if (out) *out = NULL;
  if (!ctx || !out) return TC_EINVAL;
  srch_state *st = NULL;
  int rc = srch_enter(ctx, &st);
  if (rc) return rc;
  so_req *r = tc__calloc(ctx, 1, sizeof(*r));
  if (!r) return tc__oom(ctx);
  if ((rc = order_scope(ctx, who, &r->customer)) ||
      (rc = check_order_query(ctx, q, r)))
    goto done;
  rc = srch_cached_search(ctx, st, &orders_cached, r, (void **)out);
done:
  tc__free(ctx, r);
  return rc;
}

void tc_search_order_page_free(tc_ctx *ctx, tc_search_order_page *p) {
  if (!p) return;
  for (size_t i = 0; i < p->count; i++) hit_clear(ctx, &p->hits[i]);
  tc__free(ctx, p->hits);
  tc__free(ctx, p->next_cursor);
  tc__free(ctx, p);
}
