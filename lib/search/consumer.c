/*
 * lib/search/consumer.c - the "search" consumer group: events of the other
 * modules applied to the index (tc_search_consume).
 *
 * Every handler re-reads the source of truth (the catalog, the inventory)
 * or replaces a whole document, so applying an event twice, or out of
 * order, leaves the index as the latest state: delivery is at least once.
 *
 * Payload fields read, per topic:
 *   catalog.product_*, catalog.variant_*   product.id
 *   catalog.price_changed                  product_id
 *   catalog.category_updated, _deleted     category_id (its products and
 *                                          those of its subcategories)
 *   inventory.adjusted, inventory.low_stock           sku
 *   inventory.reserved, _confirmed, _released, _expired  lines[].sku
 *   inventory.synced                                   changes[].sku
 *
 * orders.* (for the orders module to match): the order is the member
 * "order" of the payload, or the payload itself, with
 *   "id" (or "order_id")   UUID of the order            required
 *   "number"               "TC-2024-000123"
 *   "customer_id"          UUID of the user who owns it
 *   "customer_name", "customer_email"
 *   "status"               "pending", "paid", "shipped"...
 *   "total": 4990 with "currency": "BRL" (the orders module's form), or
 *   "total": {"amount": 4990, "currency": "BRL"}, or "total_amount"
 *   "skus": ["CAF-1", ...]  or  "lines": [{"sku": "CAF-1", ...}, ...]
 *   "created_ms", "updated_ms"
 * An event with number and customer_id replaces the indexed order; one
 * with only id and status (a state change) updates the status of an order
 * already indexed; orders.deleted and orders.erased (or "deleted": true)
 * remove it.
 */
#include <stdio.h>

#include "search_priv.h"

#define LEASE_MS 60000
#define RETRY_BASE_MS 1000
#define ORDER_SKUS_MAX 200

static const char *str_of(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t int_of(const cJSON *o, const char *name, int64_t dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static int missing(tc_ctx *ctx, const char *topic, const char *field) {
  return tc__seterr(ctx, TC_EINVAL, field, "event %s has no %s", topic, field);
}

static bool starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- catalog and inventory ----------------------------------------------- */

static int on_catalog(tc_ctx *ctx, const char *topic, const cJSON *p) {
  if (starts(topic, "catalog.product_") || starts(topic, "catalog.variant_")) {
    const char *id =
        str_of(cJSON_GetObjectItemCaseSensitive(p, "product"), "id");
    return id ? srch_refresh_product(ctx, id)
              : missing(ctx, topic, "product.id");
  }
  if (strcmp(topic, "catalog.price_changed") == 0) {
    const char *id = str_of(p, "product_id");
    return id ? srch_refresh_product(ctx, id)
              : missing(ctx, topic, "product_id");
  }
  if (strcmp(topic, "catalog.category_updated") == 0 ||
      strcmp(topic, "catalog.category_deleted") == 0) {
    const char *id = str_of(p, "category_id");
    return id ? srch_refresh_category(ctx, id)
              : missing(ctx, topic, "category_id");
  }
  return TC_OK; /* nothing the index shows */
}

static int skus_in(tc_ctx *ctx, const cJSON *arr) {
  const cJSON *it;
  int rc = TC_OK;
  cJSON_ArrayForEach(it, arr) {
    const char *sku = str_of(it, "sku");
    if (sku && (rc = srch_refresh_sku(ctx, sku))) break;
  }
  return rc;
}

static int on_inventory(tc_ctx *ctx, const cJSON *p) {
  const char *sku = str_of(p, "sku");
  int rc = sku ? srch_refresh_sku(ctx, sku) : TC_OK;
  if (!rc) rc = skus_in(ctx, cJSON_GetObjectItemCaseSensitive(p, "lines"));
  if (!rc) rc = skus_in(ctx, cJSON_GetObjectItemCaseSensitive(p, "changes"));
  return rc;
}

/* ---- orders -------------------------------------------------------------- */

static int order_status(tc_ctx *ctx, const char *id, const char *status,
                        int64_t updated) {
  int64_t changes = 0;
  tc_value p[] = {srch_text(status), TC_VAL_INT(updated), srch_text(id)};
  int rc = tc__db_exec(ctx,
                       "UPDATE search_orders SET status = ?1, updated_ms = ?2"
                       " WHERE order_id = ?3",
                       p, 3, NULL, NULL, &changes);
  if (!rc && changes)
    rc = tc__db_exec(ctx,
                     "UPDATE search_orders_fts SET status = ?1 WHERE rowid ="
                     " (SELECT docid FROM search_orders WHERE order_id = ?3)",
                     p, 3, NULL, NULL, NULL);
  if (!rc && changes) srch_bump(ctx);
  return rc;
}

static int on_order(tc_ctx *ctx, const char *topic, const cJSON *payload) {
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(payload, "order");
  if (!cJSON_IsObject(o)) o = payload;
  const char *id = str_of(o, "id");
  if (!id) id = str_of(o, "order_id");
  if (!id) return missing(ctx, topic, "order.id");
  if (strcmp(topic, "orders.deleted") == 0 ||
      strcmp(topic, "orders.erased") == 0 ||
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "deleted")))
    return tc__search_remove_order(ctx, id);
  tc__order_doc d = {0};
  d.id = id;
  d.number = str_of(o, "number");
  d.customer_id = str_of(o, "customer_id");
  d.status = str_of(o, "status");
  if (!d.number || !d.customer_id) {
    if (!d.status) return TC_OK; /* nothing the index shows */
    return order_status(ctx, id, d.status, int_of(o, "updated_ms", 0));
  }
  d.customer_name = str_of(o, "customer_name");
  d.customer_email = str_of(o, "customer_email");
  /* "total": {"amount", "currency"}, or "total": amount beside
   * "currency" (the orders module's form), or "total_amount" */
  const cJSON *total = cJSON_GetObjectItemCaseSensitive(o, "total");
  const char *cur =
      cJSON_IsObject(total) ? str_of(total, "currency") : str_of(o, "currency");
  d.total.amount = cJSON_IsObject(total)   ? int_of(total, "amount", 0)
                   : cJSON_IsNumber(total) ? (int64_t)total->valuedouble
                                           : int_of(o, "total_amount", 0);
  snprintf(d.total.currency, sizeof(d.total.currency), "%s", cur ? cur : "");
  d.created_ms = int_of(o, "created_ms", 0);
  d.updated_ms = int_of(o, "updated_ms", d.created_ms);
  const char *skus[ORDER_SKUS_MAX];
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "skus");
  const cJSON *it;
  if (cJSON_IsArray(arr)) {
    cJSON_ArrayForEach(it, arr) {
      if (cJSON_IsString(it) && d.sku_count < ORDER_SKUS_MAX)
        skus[d.sku_count++] = it->valuestring;
    }
  } else {
    arr = cJSON_GetObjectItemCaseSensitive(o, "lines");
    cJSON_ArrayForEach(it, arr) {
      const char *sku = str_of(it, "sku");
      if (sku && d.sku_count < ORDER_SKUS_MAX) skus[d.sku_count++] = sku;
    }
  }
  d.skus = skus;
  return tc__search_index_order(ctx, &d);
}

/* ---- the loop ------------------------------------------------------------ */

static int apply(tc_ctx *ctx, const tc_queue_message *m) {
  cJSON *p = cJSON_Parse(m->payload ? m->payload : "");
  if (!cJSON_IsObject(p)) {
    cJSON_Delete(p);
    return tc__seterr(ctx, TC_EINVAL, "payload",
                      "event %s is not a JSON object", m->topic);
  }
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (!rc) {
    if (starts(m->topic, "catalog."))
      rc = on_catalog(ctx, m->topic, p);
    else if (starts(m->topic, "inventory."))
      rc = on_inventory(ctx, p);
    else if (starts(m->topic, "orders."))
      rc = on_order(ctx, m->topic, p);
    rc = tc__txn_end(ctx, rc);
  }
  cJSON_Delete(p);
  return rc;
}

int tc_search_consume(tc_ctx *ctx, size_t max, size_t *applied) {
  if (applied) *applied = 0;
  if (!ctx) return TC_EINVAL;
  srch_state *st = NULL;
  int rc = srch_enter(ctx, &st);
  if (rc) return rc;
  if (max < 1 || max > 10000)
    return tc__seterr(ctx, TC_EINVAL, "max", "max must be 1..10000");
  size_t done = 0;
  for (size_t i = 0; i < max; i++) {
    tc_queue_message *m = NULL;
    rc = tc_events_take(ctx, SRCH_GROUP, LEASE_MS, &m);
    if (rc == TC_EEMPTY) break;
    if (rc) return rc;
    rc = apply(ctx, m);
    if (rc == TC_OK) {
      if (tc_events_ack(ctx, m) == TC_OK) {
        done++;
        st->stats.events++;
      }
    } else {
      char reason[300];
      snprintf(reason, sizeof(reason), "%s", tc_errmsg(ctx));
      tc__log(ctx, TC_LOG_WARN, "search", "event %s (%s) failed: %s", m->id,
              m->topic, reason);
      int64_t delay = RETRY_BASE_MS * (int64_t)(m->attempts ? m->attempts : 1);
      tc_events_nack(ctx, m, delay, reason);
    }
  }
  tc__clearerr(ctx);
  if (applied) *applied = done;
  return TC_OK;
}
