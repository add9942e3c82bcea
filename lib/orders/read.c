/*
 * lib/orders/read.c - reading orders: one order with its lines, its
 * history, and the keyset-paginated listings (own and admin).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "orders_priv.h"

#define ORDER_COLS                                                         \
  "o.id, o.number, o.customer_id, o.status, o.currency, o.subtotal, "      \
  "o.total, o.refunded, o.item_count, o.ship_name, o.ship_line1, "         \
  "o.ship_line2, o.ship_city, o.ship_region, o.ship_postal_code, "         \
  "o.ship_country, o.ship_phone, o.payment_id, o.card_last4, o.tracking, " \
  "o.created_ms, o.updated_ms, COALESCE(s.step, '')"
#define ORDER_FROM                                                  \
  " FROM orders_orders o LEFT JOIN orders_sagas s ON s.order_id = " \
  "o.id AND s.state = 'running'"

static void order_from_cols(tc_order *o, const tc_value *c) {
  tc__col_copy(o->id, sizeof(o->id), &c[0]);
  tc__col_copy(o->number, sizeof(o->number), &c[1]);
  tc__col_copy(o->customer_id, sizeof(o->customer_id), &c[2]);
  o->status = tc__ord_status_from(tc__col_text(&c[3]));
  tc__col_copy(o->currency, sizeof(o->currency), &c[4]);
  o->subtotal.amount = tc__col_int(&c[5]);
  o->total.amount = tc__col_int(&c[6]);
  memcpy(o->subtotal.currency, o->currency, 4);
  memcpy(o->total.currency, o->currency, 4);
  o->refunded = tc__col_int(&c[7]);
  o->item_count = tc__col_int(&c[8]);
  tc_order_address *a = &o->shipping_address;
  tc__col_copy(a->name, sizeof(a->name), &c[9]);
  tc__col_copy(a->line1, sizeof(a->line1), &c[10]);
  tc__col_copy(a->line2, sizeof(a->line2), &c[11]);
  tc__col_copy(a->city, sizeof(a->city), &c[12]);
  tc__col_copy(a->region, sizeof(a->region), &c[13]);
  tc__col_copy(a->postal_code, sizeof(a->postal_code), &c[14]);
  tc__col_copy(a->country, sizeof(a->country), &c[15]);
  tc__col_copy(a->phone, sizeof(a->phone), &c[16]);
  tc__col_copy(o->payment_id, sizeof(o->payment_id), &c[17]);
  tc__col_copy(o->card_last4, sizeof(o->card_last4), &c[18]);
  tc__col_copy(o->tracking, sizeof(o->tracking), &c[19]);
  o->created_ms = tc__col_int(&c[20]);
  o->updated_ms = tc__col_int(&c[21]);
  tc__col_copy(o->saga_step, sizeof(o->saga_step), &c[22]);
}

static int order_row(const tc_value *c, size_t n, void *payload) {
  (void)n;
  order_from_cols(payload, c);
  return 0;
}

typedef struct {
  tc_ctx *ctx;
  tc_order *o;
  size_t cap;
} lines_acc;

static int line_row(const tc_value *c, size_t n, void *payload) {
  lines_acc *a = payload;
  (void)n;
  if (a->o->nlines == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8;
    tc_order_line *l = tc__realloc(a->ctx, a->o->lines, cap * sizeof(*l));
    if (!l) return TC_ENOMEM;
    a->o->lines = l;
    a->cap = cap;
  }
  tc_order_line *l = &a->o->lines[a->o->nlines++];
  memset(l, 0, sizeof(*l));
  l->line_no = (int)tc__col_int(&c[0]);
  tc__col_copy(l->sku, sizeof(l->sku), &c[1]);
  tc__col_copy(l->title, sizeof(l->title), &c[2]);
  l->qty = tc__col_int(&c[3]);
  l->unit_price.amount = tc__col_int(&c[4]);
  l->total.amount = tc__col_int(&c[5]);
  l->refunded_qty = tc__col_int(&c[6]);
  memcpy(l->unit_price.currency, a->o->currency, 4);
  memcpy(l->total.currency, a->o->currency, 4);
  return 0;
}

int tc__ord_load(tc_ctx *ctx, const char *order_id, bool with_lines,
                 tc_order **out) {
  *out = NULL;
  tc_order *o = tc__calloc(ctx, 1, sizeof(*o));
  if (!o) return tc__oom(ctx);
  tc_value p[] = {tc__ord_text(order_id)};
  int rc = tc__db_row(ctx, "SELECT " ORDER_COLS ORDER_FROM " WHERE o.id = ?", p,
                      1, order_row, o);
  if (rc == TC_ENOTFOUND)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "order_id", "no order %.36s", order_id);
  if (rc == TC_OK && with_lines) {
    lines_acc a = {ctx, o, 0};
    rc = tc__db_exec(ctx,
                     "SELECT line_no, sku, title, qty, unit_amount, "
                     "total_amount, refunded_qty FROM orders_lines WHERE "
                     "order_id = ? ORDER BY line_no",
                     p, 1, line_row, &a, NULL);
    if (rc == TC_ENOMEM) tc__oom(ctx);
  }
  if (rc) {
    tc_orders_order_free(ctx, o);
    return rc;
  }
  *out = o;
  return TC_OK;
}

void tc_orders_order_free(tc_ctx *ctx, tc_order *order) {
  if (!order) return;
  tc__free(ctx, order->lines);
  tc__free(ctx, order);
}

/* Load and check that who may read (or write) it. */
static int load_for(tc_ctx *ctx, const tc_principal *who, const char *id,
                    tc__act act, bool lines, tc_order **out) {
  *out = NULL;
  /* Nobody (a client without an orders scope included) learns whether an
   * order exists. */
  if ((!who || who->kind == TC_PRINCIPAL_ANONYMOUS) &&
      !tc__allowed(who, "orders", act, NULL))
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "orders need an authenticated caller");
  int rc = tc__check_id(ctx, "order_id", id);
  if (rc) return rc;
  tc_order *o = NULL;
  if ((rc = tc__ord_load(ctx, id, lines, &o))) return rc;
  /* Denied like every other module's resource of another user (users,
   * payments): one answer for the whole API. */
  if ((rc = tc__authorize(ctx, who, "orders", act, o->customer_id))) {
    tc_orders_order_free(ctx, o);
    return rc;
  }
  *out = o;
  return TC_OK;
}

int tc_orders_get(tc_order **out, tc_ctx *ctx, const tc_principal *who,
                  const char *order_id) {
  if (!out || !ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  return load_for(ctx, who, order_id, TC__ACT_READ, true, out);
}

typedef struct {
  tc_order_transition_cb cb;
  void *payload;
  int stopped;
} hist_acc;

static int hist_row(const tc_value *c, size_t n, void *payload) {
  hist_acc *h = payload;
  (void)n;
  tc_order_transition t;
  memset(&t, 0, sizeof(t));
  tc__col_copy(t.id, sizeof(t.id), &c[0]);
  tc__col_copy(t.from, sizeof(t.from), &c[1]);
  tc__col_copy(t.to, sizeof(t.to), &c[2]);
  tc__col_copy(t.actor, sizeof(t.actor), &c[3]);
  tc__col_copy(t.reason, sizeof(t.reason), &c[4]);
  t.created_ms = tc__col_int(&c[5]);
  int r = h->cb(&t, h->payload);
  if (r) {
    h->stopped = r;
    return r < 0 ? r : TC_STORE_STOP;
  }
  return 0;
}

int tc_orders_history(tc_ctx *ctx, const tc_principal *who,
                      const char *order_id, tc_order_transition_cb cb,
                      void *payload) {
  if (!ctx || !cb) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_order *o = NULL;
  int rc = load_for(ctx, who, order_id, TC__ACT_READ, false, &o);
  tc_orders_order_free(ctx, o);
  if (rc) return rc;
  hist_acc h = {cb, payload, 0};
  tc_value p[] = {tc__ord_text(order_id)};
  return tc__db_exec(ctx,
                     "SELECT id, COALESCE(from_status, ''), to_status, actor,"
                     " reason, created_ms FROM orders_transitions WHERE "
                     "order_id = ? ORDER BY id",
                     p, 1, hist_row, &h, NULL);
}

/* ---- listings ---------------------------------------------------------- */

void tc_orders_page_free(tc_ctx *ctx, tc_order_page *page) {
  if (!page) return;
  tc__free(ctx, page->items);
  tc__free(ctx, page);
}

/* Cursor "<created_ms>.<id>" of the last item seen; opaque to callers. */
static int parse_cursor(tc_ctx *ctx, const char *cursor, int64_t *created,
                        char id[TC_ID_STRLEN + 1]) {
  *created = INT64_MAX;
  snprintf(id, TC_ID_STRLEN + 1, "~");
  if (!cursor || !*cursor) return TC_OK;
  const char *dot = strchr(cursor, '.');
  char *end = NULL;
  if (!dot || dot == cursor || dot - cursor > 19) goto bad;
  for (const char *q = cursor; q < dot; q++)
    if (*q < '0' || *q > '9') goto bad;
  long long v = strtoll(cursor, &end, 10);
  if (end != dot || v < 0 || tc_id_check(dot + 1) != TC_OK) goto bad;
  *created = v;
  snprintf(id, TC_ID_STRLEN + 1, "%s", dot + 1);
  return TC_OK;
bad:
  return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
}

typedef struct {
  tc_ctx *ctx;
  tc_order_page *page;
  size_t limit;
  bool more;
} page_acc;

static int page_row(const tc_value *c, size_t n, void *payload) {
  page_acc *a = payload;
  (void)n;
  if (a->page->count == a->limit) {
    a->more = true;
    return TC_STORE_STOP;
  }
  tc_order *o = &a->page->items[a->page->count++];
  memset(o, 0, sizeof(*o));
  order_from_cols(o, c);
  return 0;
}

static const char SQL_LIST_CUSTOMER[] =
    "SELECT " ORDER_COLS ORDER_FROM
    " WHERE o.customer_id = ? AND (o.created_ms < ? OR (o.created_ms = ? AND"
    " o.id < ?)) AND o.created_ms >= ? AND o.created_ms < ? AND (? = '' OR "
    "o.status = ?) ORDER BY o.created_ms DESC, o.id DESC LIMIT ?";
static const char SQL_LIST_STATUS[] =
    "SELECT " ORDER_COLS ORDER_FROM
    " WHERE o.status = ? AND (o.created_ms < ? OR (o.created_ms = ? AND o.id "
    "< ?)) AND o.created_ms >= ? AND o.created_ms < ? AND (? = '' OR "
    "o.status = ?) ORDER BY o.created_ms DESC, o.id DESC LIMIT ?";
static const char SQL_LIST_ALL[] =
    "SELECT " ORDER_COLS ORDER_FROM
    " WHERE ? = '' AND (o.created_ms < ? OR (o.created_ms = ? AND o.id < ?))"
    " AND o.created_ms >= ? AND o.created_ms < ? AND (? = '' OR o.status = "
    "?) ORDER BY o.created_ms DESC, o.id DESC LIMIT ?";

static int list_common(tc_order_page **out, tc_ctx *ctx, const char *sql,
                       const char *first, const char *status, int64_t from,
                       int64_t to, const char *cursor, uint32_t limit) {
  if (limit == 0) limit = 20;
  if (limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..100");
  int64_t cur_created;
  char cur_id[TC_ID_STRLEN + 1];
  int rc = parse_cursor(ctx, cursor, &cur_created, cur_id);
  if (rc) return rc;
  tc_order_page *page = tc__calloc(ctx, 1, sizeof(*page));
  if (page) page->items = tc__calloc(ctx, limit, sizeof(tc_order));
  if (!page || !page->items) {
    tc_orders_page_free(ctx, page);
    return tc__oom(ctx);
  }
  tc_value p[] = {
      tc__ord_text(first),  TC_VAL_INT(cur_created), TC_VAL_INT(cur_created),
      tc__ord_text(cur_id), TC_VAL_INT(from),        TC_VAL_INT(to),
      tc__ord_text(status), tc__ord_text(status),    TC_VAL_INT(limit + 1)};
  page_acc a = {ctx, page, limit, false};
  rc = tc__db_exec(ctx, sql, p, 9, page_row, &a, NULL);
  if (rc) {
    tc_orders_page_free(ctx, page);
    return rc;
  }
  if (a.more && page->count) {
    const tc_order *last = &page->items[page->count - 1];
    snprintf(page->next_cursor, sizeof(page->next_cursor), "%" PRId64 ".%s",
             last->created_ms, last->id);
  }
  *out = page;
  return TC_OK;
}

int tc_orders_list(tc_order_page **out, tc_ctx *ctx, const tc_principal *who,
                   const char *cursor, uint32_t limit) {
  if (!out || !ctx) return TC_EINVAL;
  *out = NULL;
  tc__clearerr(ctx);
  if (!who || who->kind != TC_PRINCIPAL_USER || !who->user_id[0])
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "listing one's orders needs a signed-in user");
  return list_common(out, ctx, SQL_LIST_CUSTOMER, who->user_id, "", 0,
                     INT64_MAX, cursor, limit);
}

int tc_orders_admin_list(tc_order_page **out, tc_ctx *ctx,
                         const tc_principal *who, const tc_order_filter *f,
                         const char *cursor, uint32_t limit) {
  if (!out || !ctx) return TC_EINVAL;
  *out = NULL;
  tc__clearerr(ctx);
  unsigned m = tc__ord_actor_mask(who, NULL);
  if (!who || who->kind == TC_PRINCIPAL_ANONYMOUS)
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "the order listing needs an authenticated caller");
  if (!(m & (TC_ORDER_ACTOR_SYSTEM | TC_ORDER_ACTOR_ADMIN |
             TC_ORDER_ACTOR_SUPPORT)))
    return tc__seterr(ctx, TC_EDENIED, NULL,
                      "the order listing is for support and admins");
  tc_order_filter none = TC_ORDER_FILTER_INIT;
  if (!f) f = &none;
  if (f->version < 1 || f->version > TC_ORDER_FILTER_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version", "bad filter version");
  const char *status = "";
  if (f->status) {
    status = tc_order_status_name((tc_order_status)f->status);
    if (!status)
      return tc__seterr(ctx, TC_EINVAL, "status", "unknown order status");
  }
  if (f->customer_id && *f->customer_id &&
      tc__check_id(ctx, "customer_id", f->customer_id))
    return TC_EINVAL;
  int64_t from = f->created_from_ms, to = f->created_to_ms;
  if (from < 0 || to < 0)
    return tc__seterr(ctx, TC_EINVAL, from < 0 ? "created_from" : "created_to",
                      "dates must not be negative");
  if (to == 0) to = INT64_MAX;
  /* Pick the index that narrows most: customer, then status, then time. */
  if (f->customer_id && *f->customer_id)
    return list_common(out, ctx, SQL_LIST_CUSTOMER, f->customer_id, status,
                       from, to, cursor, limit);
  if (*status)
    return list_common(out, ctx, SQL_LIST_STATUS, status, status, from, to,
                       cursor, limit);
  return list_common(out, ctx, SQL_LIST_ALL, "", "", from, to, cursor, limit);
}
