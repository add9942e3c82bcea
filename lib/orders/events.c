/*
 * lib/orders/events.c - the orders.* events.
 *
 * Topics: orders.created (the order exists, pending), orders.awaiting_payment,
 * orders.paid, orders.payment_failed, orders.fulfilling, orders.shipped,
 * orders.delivered, orders.cancelled, orders.partially_refunded,
 * orders.refunded: one per transition, published in its transaction, keyed
 * by the order id. Payload (every topic; amounts in minor units):
 *   {"order_id": "<uuid>", "number": "TC-...", "customer_id": "<uuid>",
 *    "customer_name": "...", "customer_email": "...",   ("" when unknown)
 *    "status": "paid", "from": "awaiting_payment" | null,
 *    "currency": "BRL", "subtotal": 1000, "total": 1000, "refunded": 0,
 *    "item_count": 3, "skus": ["SKU-A", ...], "payment_id": "..." | "",
 *    "tracking": "" , "actor": "system" | "admin:<id>" | "customer:<id>",
 *    "reason": "...", "created_ms": 0, "updated_ms": 0}
 * Enough for the search index (tc__order_doc) and the notification
 * templates (confirmation, shipping) to follow without reading our tables.
 * Never a card token or address line: those stay in the order.
 */
#include <cjson/cJSON.h>

#include "orders_priv.h"
#include "techcorp/users.h"

typedef struct {
  cJSON *arr;
  int rc;
} sku_acc;

static int sku_row(const tc_value *c, size_t n, void *payload) {
  sku_acc *a = payload;
  (void)n;
  cJSON *s = cJSON_CreateString(tc__col_text(&c[0]));
  if (!s || !cJSON_AddItemToArray(a->arr, s)) {
    cJSON_Delete(s);
    return TC_ENOMEM;
  }
  return 0;
}

int tc__ord_publish(tc_ctx *ctx, const char *topic, const char *order_id,
                    tc_order_status from, const char *actor,
                    const char *reason) {
  tc_order *o = NULL;
  int rc = tc__ord_load(ctx, order_id, false, &o);
  if (rc) return rc;
  tc_user u;
  memset(&u, 0, sizeof(u));
  /* Names are a courtesy for indexers: an unknown user is no error, and
   * the lookup leaves the context's error as it was. */
  tc__saved_error saved;
  tc__error_save(ctx, &saved);
  if (tc_users_get(&u, ctx, &tc__system_principal, o->customer_id) != TC_OK)
    memset(&u, 0, sizeof(u));
  tc__error_restore(ctx, &saved);

  cJSON *j = cJSON_CreateObject();
  cJSON *skus = cJSON_CreateArray();
  bool ok = j && skus && cJSON_AddItemToObject(j, "skus", skus);
  if (!ok) cJSON_Delete(skus);
  const char *fromname = from ? tc_order_status_name(from) : NULL;
  ok = ok && cJSON_AddStringToObject(j, "order_id", o->id) &&
       cJSON_AddStringToObject(j, "number", o->number) &&
       cJSON_AddStringToObject(j, "customer_id", o->customer_id) &&
       cJSON_AddStringToObject(j, "customer_name", u.name) &&
       cJSON_AddStringToObject(j, "customer_email", u.email) &&
       cJSON_AddStringToObject(j, "status", tc_order_status_name(o->status)) &&
       (fromname ? cJSON_AddStringToObject(j, "from", fromname) != NULL
                 : cJSON_AddNullToObject(j, "from") != NULL) &&
       cJSON_AddStringToObject(j, "currency", o->currency) &&
       cJSON_AddNumberToObject(j, "subtotal", (double)o->subtotal.amount) &&
       cJSON_AddNumberToObject(j, "total", (double)o->total.amount) &&
       cJSON_AddNumberToObject(j, "refunded", (double)o->refunded) &&
       cJSON_AddNumberToObject(j, "item_count", (double)o->item_count) &&
       cJSON_AddStringToObject(j, "payment_id", o->payment_id) &&
       cJSON_AddStringToObject(j, "tracking", o->tracking) &&
       cJSON_AddStringToObject(j, "actor", actor ? actor : "system") &&
       cJSON_AddStringToObject(j, "reason", reason ? reason : "") &&
       cJSON_AddNumberToObject(j, "created_ms", (double)o->created_ms) &&
       cJSON_AddNumberToObject(j, "updated_ms", (double)o->updated_ms);
  tc_orders_order_free(ctx, o);
  if (!ok) {
    cJSON_Delete(j);
    return tc__oom(ctx);
  }
  sku_acc acc = {skus, 0};
  tc_value p[] = {tc__ord_text(order_id)};
  rc = tc__db_exec(ctx,
                   "SELECT sku FROM orders_lines WHERE order_id = ? ORDER BY "
                   "line_no",
                   p, 1, sku_row, &acc, NULL);
  if (rc) {
    cJSON_Delete(j);
    if (rc == TC_ENOMEM) tc__oom(ctx);
    return rc;
  }
  return tc__publish_json(ctx, topic, order_id, j, NULL);
}
