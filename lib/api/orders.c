/*
 * lib/api/orders.c - the "orders.*" methods of the JSON API. Handlers only
 * translate JSON to the typed functions and back; every rule (ownership,
 * the transition table, validation) lives in those.
 */
#include "api_internal.h"

/* ---- JSON out -------------------------------------------------------------
 */

static bool add_money(cJSON *o, const char *name, const tc_money *m) {
  return cJSON_AddNumberToObject(o, name, (double)m->amount) != NULL;
}

static int cart_json(tc_ctx *ctx, cJSON *resp, const tc_cart *c) {
  cJSON *o = cJSON_AddObjectToObject(resp, "cart");
  cJSON *lines = o ? cJSON_AddArrayToObject(o, "lines") : NULL;
  bool ok = lines && cJSON_AddStringToObject(o, "currency", c->currency) &&
            add_money(o, "subtotal", &c->subtotal) &&
            cJSON_AddNumberToObject(o, "item_count", (double)c->item_count) &&
            cJSON_AddNumberToObject(o, "expires_ms", (double)c->expires_ms);
  for (size_t i = 0; ok && i < c->nlines; i++) {
    const tc_cart_line *l = &c->lines[i];
    cJSON *lo = cJSON_CreateObject();
    ok = lo && cJSON_AddItemToArray(lines, lo);
    if (!ok) {
      cJSON_Delete(lo);
      break;
    }
    ok = cJSON_AddStringToObject(lo, "sku", l->sku) &&
         cJSON_AddStringToObject(lo, "title", l->title) &&
         cJSON_AddNumberToObject(lo, "qty", (double)l->qty) &&
         add_money(lo, "unit_price", &l->unit_price) &&
         add_money(lo, "total", &l->total);
  }
  return ok ? TC_OK : tc__oom(ctx);
}

static bool order_members(cJSON *o, const tc_order *ord) {
  const tc_order_address *a = &ord->shipping_address;
  cJSON *addr = cJSON_AddObjectToObject(o, "shipping_address");
  bool ok =
      addr && cJSON_AddStringToObject(o, "id", ord->id) &&
      cJSON_AddStringToObject(o, "number", ord->number) &&
      cJSON_AddStringToObject(o, "customer_id", ord->customer_id) &&
      cJSON_AddStringToObject(o, "status", tc_order_status_name(ord->status)) &&
      cJSON_AddStringToObject(o, "currency", ord->currency) &&
      add_money(o, "subtotal", &ord->subtotal) &&
      add_money(o, "total", &ord->total) &&
      cJSON_AddNumberToObject(o, "refunded", (double)ord->refunded) &&
      cJSON_AddNumberToObject(o, "item_count", (double)ord->item_count) &&
      cJSON_AddStringToObject(o, "payment_id", ord->payment_id) &&
      cJSON_AddStringToObject(o, "card_last4", ord->card_last4) &&
      cJSON_AddStringToObject(o, "tracking", ord->tracking) &&
      cJSON_AddStringToObject(o, "saga_step", ord->saga_step) &&
      cJSON_AddNumberToObject(o, "created_ms", (double)ord->created_ms) &&
      cJSON_AddNumberToObject(o, "updated_ms", (double)ord->updated_ms) &&
      cJSON_AddStringToObject(addr, "name", a->name) &&
      cJSON_AddStringToObject(addr, "line1", a->line1) &&
      cJSON_AddStringToObject(addr, "line2", a->line2) &&
      cJSON_AddStringToObject(addr, "city", a->city) &&
      cJSON_AddStringToObject(addr, "region", a->region) &&
      cJSON_AddStringToObject(addr, "postal_code", a->postal_code) &&
      cJSON_AddStringToObject(addr, "country", a->country) &&
      cJSON_AddStringToObject(addr, "phone", a->phone);
  if (!ok || !ord->lines) return ok;
  cJSON *lines = cJSON_AddArrayToObject(o, "lines");
  ok = lines != NULL;
  for (size_t i = 0; ok && i < ord->nlines; i++) {
    const tc_order_line *l = &ord->lines[i];
    cJSON *lo = cJSON_CreateObject();
    ok = lo && cJSON_AddItemToArray(lines, lo);
    if (!ok) {
      cJSON_Delete(lo);
      break;
    }
    ok = cJSON_AddNumberToObject(lo, "line_no", l->line_no) &&
         cJSON_AddStringToObject(lo, "sku", l->sku) &&
         cJSON_AddStringToObject(lo, "title", l->title) &&
         cJSON_AddNumberToObject(lo, "qty", (double)l->qty) &&
         add_money(lo, "unit_price", &l->unit_price) &&
         add_money(lo, "total", &l->total) &&
         cJSON_AddNumberToObject(lo, "refunded_qty", (double)l->refunded_qty);
  }
  return ok;
}

static int order_json(tc_ctx *ctx, cJSON *resp, const tc_order *ord) {
  cJSON *o = cJSON_AddObjectToObject(resp, "order");
  if (!o || !order_members(o, ord)) return tc__oom(ctx);
  return TC_OK;
}

static int page_json(tc_ctx *ctx, cJSON *resp, const tc_order_page *p) {
  cJSON *items = cJSON_AddArrayToObject(resp, "items");
  bool ok = items != NULL;
  for (size_t i = 0; ok && i < p->count; i++) {
    cJSON *o = cJSON_CreateObject();
    ok = o && cJSON_AddItemToArray(items, o);
    if (!ok) {
      cJSON_Delete(o);
      break;
    }
    ok = order_members(o, &p->items[i]);
  }
  ok = ok &&
       (p->next_cursor[0] ? cJSON_AddStringToObject(resp, "next_cursor",
                                                    p->next_cursor) != NULL
                          : cJSON_AddNullToObject(resp, "next_cursor") != NULL);
  return ok ? TC_OK : tc__oom(ctx);
}

/* A typed call's result: the cart/order on success. */
static int cart_out(tc_ctx *ctx, cJSON *resp, int rc, tc_cart *c) {
  if (rc == TC_OK) rc = cart_json(ctx, resp, c);
  tc_orders_cart_free(ctx, c);
  return rc;
}

static int order_out(tc_ctx *ctx, cJSON *resp, int rc, tc_order *o) {
  if (rc == TC_OK) rc = order_json(ctx, resp, o);
  tc_orders_order_free(ctx, o);
  return rc;
}

/* ---- handlers -------------------------------------------------------------
 */

static int h_cart_open(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  (void)from;
  char token[TC_ORDERS_CART_TOKEN_LEN + 1];
  int rc = tc_orders_cart_open(token, sizeof(token), ctx,
                               tc__json_str(req, "currency", NULL));
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "cart_token", token);
  return rc;
}

static int h_cart_get(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  tc_cart *c = NULL;
  int rc =
      tc_orders_cart_get(&c, ctx, who, tc__json_str(req, "cart_token", NULL));
  return cart_out(ctx, resp, rc, c);
}

static int h_cart_add(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  tc_cart *c = NULL;
  int rc = tc_orders_cart_add(
      &c, ctx, who, tc__json_str(req, "cart_token", NULL),
      tc__json_str(req, "sku", NULL), tc__json_int(req, "qty", 1));
  return cart_out(ctx, resp, rc, c);
}

static int h_cart_update(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_cart *c = NULL;
  int rc = tc_orders_cart_update(
      &c, ctx, who, tc__json_str(req, "cart_token", NULL),
      tc__json_str(req, "sku", NULL), tc__json_int(req, "qty", 0));
  return cart_out(ctx, resp, rc, c);
}

static int h_cart_remove(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_cart *c = NULL;
  int rc =
      tc_orders_cart_remove(&c, ctx, who, tc__json_str(req, "cart_token", NULL),
                            tc__json_str(req, "sku", NULL));
  return cart_out(ctx, resp, rc, c);
}

static int h_cart_merge(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_cart *c = NULL;
  size_t dropped = 0;
  int rc = tc_orders_cart_merge(&c, &dropped, ctx,
                                tc__json_str(req, "guest_token", NULL), who);
  if (rc == TC_OK)
    rc = tc__json_add_int(ctx, resp, "dropped", (int64_t)dropped);
  return cart_out(ctx, resp, rc, c);
}

static void copy_field(char *dst, size_t size, const cJSON *obj,
                       const char *name) {
  tc__text_copy(dst, size, tc__json_str(obj, name, ""));
}

static int h_checkout(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  tc_order_address a;
  memset(&a, 0, sizeof(a));
  const cJSON *ja = cJSON_GetObjectItemCaseSensitive(req, "shipping_address");
  copy_field(a.name, sizeof(a.name), ja, "name");
  copy_field(a.line1, sizeof(a.line1), ja, "line1");
  copy_field(a.line2, sizeof(a.line2), ja, "line2");
  copy_field(a.city, sizeof(a.city), ja, "city");
  copy_field(a.region, sizeof(a.region), ja, "region");
  copy_field(a.postal_code, sizeof(a.postal_code), ja, "postal_code");
  copy_field(a.country, sizeof(a.country), ja, "country");
  copy_field(a.phone, sizeof(a.phone), ja, "phone");
  tc_checkout_request r = TC_CHECKOUT_REQUEST_INIT;
  r.cart_token = tc__json_str(req, "cart_token", NULL);
  r.idempotency_key = tc__json_str(req, "idempotency_key", NULL);
  r.shipping_address = &a;
  r.payment_source = tc__json_str(req, "payment_source", NULL);
  r.currency = tc__json_str(req, "currency", NULL);
  tc_order *o = NULL;
  int rc = tc_orders_checkout(&o, ctx, who, &r);
  if (rc && o) {
    /* The order exists although the saga failed: say which, so the
     * caller can follow it. */
    char msg[TC__ERRMSG_SIZE], field[TC__ERRFIELD_SIZE];
    tc__text_copy(msg, 400, tc_errmsg(ctx));
    tc__text_copy(field, sizeof(field), tc_errfield(ctx));
    tc__seterr(ctx, rc, field[0] ? field : NULL, "%s (order %s, %s)", msg,
               o->id, tc_order_status_name(o->status));
  }
  return order_out(ctx, resp, rc, o);
}

static int h_get(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                 cJSON *resp) {
  const tc_principal *who = from->who;
  tc_order *o = NULL;
  int rc = tc_orders_get(&o, ctx, who, tc__json_str(req, "id", NULL));
  return order_out(ctx, resp, rc, o);
}

typedef struct {
  tc_ctx *ctx;
  cJSON *arr;
} hist_json;

static int hist_cb(const tc_order_transition *t, void *payload) {
  hist_json *h = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(h->arr, o)) {
    cJSON_Delete(o);
    return TC_ENOMEM;
  }
  bool ok = (t->from[0] ? cJSON_AddStringToObject(o, "from", t->from) != NULL
                        : cJSON_AddNullToObject(o, "from") != NULL) &&
            cJSON_AddStringToObject(o, "to", t->to) &&
            cJSON_AddStringToObject(o, "actor", t->actor) &&
            cJSON_AddStringToObject(o, "reason", t->reason) &&
            cJSON_AddNumberToObject(o, "created_ms", (double)t->created_ms);
  return ok ? 0 : TC_ENOMEM;
}

static int h_history(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  cJSON *arr = tc__json_add_array(ctx, resp, "transitions");
  if (!arr) return TC_ENOMEM;
  hist_json h = {ctx, arr};
  int rc =
      tc_orders_history(ctx, who, tc__json_str(req, "id", NULL), hist_cb, &h);
  if (rc == TC_ENOMEM) tc__oom(ctx);
  return rc;
}

static int h_list(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  tc_order_page *p = NULL;
  int rc = tc_orders_list(&p, ctx, who, tc__json_str(req, "cursor", NULL),
                          (uint32_t)tc__json_int(req, "limit", 20));
  if (rc == TC_OK) rc = page_json(ctx, resp, p);
  tc_orders_page_free(ctx, p);
  return rc;
}

static int h_admin_list(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_order_filter f = TC_ORDER_FILTER_INIT;
  const char *status = tc__json_str(req, "status", NULL);
  if (status) {
    tc_order_status s;
    if (tc_order_status_parse(&s, status))
      return tc__seterr(ctx, TC_EINVAL, "status", "unknown order status");
    f.status = (int)s;
  }
  f.customer_id = tc__json_str(req, "customer_id", NULL);
  f.created_from_ms = tc__json_int(req, "created_from", 0);
  f.created_to_ms = tc__json_int(req, "created_to", 0);
  tc_order_page *p = NULL;
  int rc =
      tc_orders_admin_list(&p, ctx, who, &f, tc__json_str(req, "cursor", NULL),
                           (uint32_t)tc__json_int(req, "limit", 20));
  if (rc == TC_OK) rc = page_json(ctx, resp, p);
  tc_orders_page_free(ctx, p);
  return rc;
}

static int h_cancel(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  tc_order *o = NULL;
  int rc = tc_orders_cancel(&o, ctx, who, tc__json_str(req, "id", NULL),
                            tc__json_str(req, "reason", NULL));
  return order_out(ctx, resp, rc, o);
}

static int h_transition(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *to = tc__json_str(req, "to", "");
  tc_order_status s = (tc_order_status)0;
  if (!strcmp(to, "fulfilling"))
    s = TC_ORDER_FULFILLING;
  else if (!strcmp(to, "shipped"))
    s = TC_ORDER_SHIPPED;
  else if (!strcmp(to, "delivered"))
    s = TC_ORDER_DELIVERED;
  else
    return tc__seterr(ctx, TC_EINVAL, "to",
                      "to must be fulfilling, shipped or delivered");
  tc_order *o = NULL;
  int rc = tc_orders_transition(&o, ctx, who, tc__json_str(req, "id", NULL), s,
                                tc__json_str(req, "reason", NULL),
                                tc__json_str(req, "tracking", NULL));
  return order_out(ctx, resp, rc, o);
}

static int h_refund(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(req, "lines");
  tc_order_refund_line lines[TC_ORDERS_MAX_LINES];
  size_t n = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, arr) {
    if (n == TC_ORDERS_MAX_LINES) break;
    lines[n].line_no = (int)tc__json_int(it, "line_no", 0);
    lines[n].qty = tc__json_int(it, "qty", 0);
    n++;
  }
  tc_order *o = NULL;
  int rc = tc_orders_refund(&o, ctx, who, tc__json_str(req, "id", NULL), lines,
                            n, tc__json_bool(req, "restock", false) ? 1 : 0,
                            tc__json_str(req, "reason", NULL),
                            tc__json_str(req, "key", NULL));
  return order_out(ctx, resp, rc, o);
}

static int h_recover(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  uint32_t done = 0;
  int rc =
      tc_orders_recover(ctx, (uint32_t)tc__json_int(req, "limit", 100), &done);
  if (rc == TC_OK) rc = tc__json_add_int(ctx, resp, "done", done);
  return rc;
}

/* ---- declarations ---------------------------------------------------------
 */

#define F_TOKEN                                            \
  API_STR("cart_token", API_OPT, TC_ORDERS_CART_TOKEN_LEN, \
          TC_ORDERS_CART_TOKEN_LEN,                        \
          "guest cart token; absent: the signed-in user's cart")
#define F_SKU API_STR("sku", API_REQ, 1, 64, "catalog SKU")
#define F_QTY(flags) API_INT("qty", flags, 1, TC_ORDERS_MAX_QTY, "1..999")
#define F_REASON API_STR("reason", API_OPT, 1, 256, "why, for the history")
#define F_PAGE                                                           \
  API_STR("cursor", API_OPT, 1, 95, "next_cursor of the previous page"), \
      API_INT("limit", API_OPT, 1, 100, "page size, default 20")

static const tc__field f_cart_open[] = {
    API_STR("currency", API_OPT, 3, 3, "ISO 4217; default BRL"), API_END};
static const tc__field f_cart_get[] = {F_TOKEN, API_END};
static const tc__field f_cart_add[] = {F_TOKEN, F_SKU, F_QTY(API_OPT), API_END};
static const tc__field f_cart_update[] = {F_TOKEN, F_SKU, F_QTY(API_REQ),
                                          API_END};
static const tc__field f_cart_remove[] = {F_TOKEN, F_SKU, API_END};
static const tc__field f_cart_merge[] = {
    API_STR("guest_token", API_REQ, TC_ORDERS_CART_TOKEN_LEN,
            TC_ORDERS_CART_TOKEN_LEN, "the guest cart to fold in"),
    API_END};
static const tc__field f_address[] = {
    API_STR("name", API_REQ, 1, 128, NULL),
    API_STR("line1", API_REQ, 1, 256, NULL),
    API_STR("line2", API_OPT, 0, 256, NULL),
    API_STR("city", API_REQ, 1, 128, NULL),
    API_STR("region", API_OPT, 0, 128, NULL),
    API_STR("postal_code", API_REQ, 1, 32, NULL),
    API_STR("country", API_REQ, 2, 2, "ISO 3166-1 alpha-2"),
    API_STR("phone", API_OPT, 0, 32, NULL),
    API_END};
static const tc__field f_checkout[] = {
    F_TOKEN,
    API_STR("idempotency_key", API_REQ, 1, 128,
            "the same key replays the first result"),
    API_OBJ("shipping_address", API_REQ, f_address, "where to ship"),
    API_STR("payment_source", API_REQ, 1, 255, "payment provider token"),
    API_STR("currency", API_OPT, 3, 3, "must be the cart's"),
    API_END};
static const tc__field f_id[] = {API_ID("id", API_REQ, "order id"), API_END};
static const tc__field f_list[] = {F_PAGE, API_END};
static const tc__field f_admin_list[] = {
    API_STR("status", API_OPT, 1, 24, "only this status"),
    API_ID("customer_id", API_OPT, "only this customer's orders"),
    API_INT("created_from", API_OPT, 0, INT64_MAX, "created at or after (ms)"),
    API_INT("created_to", API_OPT, 0, INT64_MAX, "created before (ms)"),
    F_PAGE,
    API_END};
static const tc__field f_cancel[] = {API_ID("id", API_REQ, "order id"),
                                     F_REASON, API_END};
static const tc__field f_transition[] = {
    API_ID("id", API_REQ, "order id"),
    API_STR("to", API_REQ, 1, 24, "fulfilling, shipped or delivered"),
    API_STR("tracking", API_OPT, 1, 128, "required to ship"), F_REASON,
    API_END};
static const tc__field f_refund_line[] = {
    API_INT("line_no", API_REQ, 1, TC_ORDERS_MAX_LINES, "order line"),
    F_QTY(API_REQ), API_END};
static const tc__field f_refund_item[] = {
    API_OBJ("", API_OPT, f_refund_line, NULL), API_END};
static const tc__field f_refund[] = {
    API_ID("id", API_REQ, "order id"),
    API_ARR("lines", API_REQ, 1, TC_ORDERS_MAX_LINES, f_refund_item,
            "line_no and qty to refund"),
    API_BOOL("restock", API_OPT, "goods came back (return)"),
    F_REASON,
    API_STR("key", API_REQ, 1, 128, "idempotency key of this refund"),
    API_END};
static const tc__field f_recover[] = {
    API_INT("limit", API_OPT, 1, 10000, "default 100"), API_END};

static const tc__field r_token[] = {
    API_STR("cart_token", API_OPT, 0, 0, "keep it secret"), API_END};
static const tc__field r_cart[] = {
    API_OBJ("cart", API_OPT, NULL,
            "currency, subtotal, item_count, expires_ms, lines (sku, title, "
            "qty, unit_price, total)"),
    API_END};
static const tc__field r_merge[] = {
    API_OBJ("cart", API_OPT, NULL, "the user's cart"),
    API_INT("dropped", API_OPT, 0, 0, "lines no longer sold"), API_END};
static const tc__field r_order[] = {
    API_OBJ("order", API_OPT, NULL,
            "id, number, customer_id, status, currency, subtotal, total, "
            "refunded, item_count, payment_id, card_last4, tracking, "
            "saga_step, shipping_address, lines, created_ms, updated_ms"),
    API_END};
static const tc__field r_page[] = {
    API_ARR("items", API_OPT, 0, 0, NULL, "orders, newest first"),
    API_STR("next_cursor", API_NULL, 0, 0, "null on the last page"), API_END};
static const tc__field r_history[] = {
    API_ARR("transitions", API_OPT, 0, 0, NULL,
            "from, to, actor, reason, created_ms; oldest first"),
    API_END};
static const tc__field r_recover[] = {
    API_INT("done", API_OPT, 0, 0, "sagas and refunds settled"), API_END};

static const tc__api_method orders_methods[] = {
    API_METHOD("orders.cart_open", "Open a guest cart", TC__ACCESS_PUBLIC,
               f_cart_open, r_token, h_cart_open),
    API_METHOD("orders.cart_get", "Read a cart", TC__ACCESS_PUBLIC, f_cart_get,
               r_cart, h_cart_get),
    API_METHOD("orders.cart_add", "Add a SKU to a cart", TC__ACCESS_PUBLIC,
               f_cart_add, r_cart, h_cart_add),
    API_METHOD("orders.cart_update", "Set the quantity of a cart line",
               TC__ACCESS_PUBLIC, f_cart_update, r_cart, h_cart_update),
    API_METHOD("orders.cart_remove", "Remove a cart line", TC__ACCESS_PUBLIC,
               f_cart_remove, r_cart, h_cart_remove),
    API_METHOD("orders.cart_merge", "Fold a guest cart into the user's",
               TC__ACCESS_USER, f_cart_merge, r_merge, h_cart_merge),
    API_METHOD("orders.checkout", "Check out the cart (idempotent by key)",
               TC__ACCESS_USER, f_checkout, r_order, h_checkout),
    API_METHOD("orders.get", "Read an order", TC__ACCESS_USER, f_id, r_order,
               h_get),
    API_METHOD("orders.history", "The transitions of an order", TC__ACCESS_USER,
               f_id, r_history, h_history),
    API_METHOD("orders.list", "The caller's orders, newest first",
               TC__ACCESS_USER, f_list, r_page, h_list),
    API_METHOD("orders.admin_list", "Every order, filtered", TC__ACCESS_SUPPORT,
               f_admin_list, r_page, h_admin_list),
    API_METHOD("orders.cancel", "Cancel an order (refunds a paid one)",
               TC__ACCESS_USER, f_cancel, r_order, h_cancel),
    API_METHOD("orders.transition", "Fulfil, ship (with tracking) or deliver",
               TC__ACCESS_SUPPORT, f_transition, r_order, h_transition),
    API_METHOD("orders.refund", "Refund lines of an order (returns)",
               TC__ACCESS_ADMIN, f_refund, r_order, h_refund),
    API_METHOD("orders.recover", "Finish or compensate interrupted checkouts",
               TC__ACCESS_SYSTEM, f_recover, r_recover, h_recover),
};

API_MODULE(tc__api_orders, "orders", orders_methods);
