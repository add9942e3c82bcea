/*
 * lib/api/inventory.c - the "inventory.*" methods of the JSON API. Each
 * handler only maps JSON to the typed functions: every rule lives there,
 * who may do what included (see techcorp/inventory.h). Reservations are
 * owned by orders, not by users, so no per-user check applies.
 */
#include <stdio.h>

#include "api_internal.h"

#define QMAX TC_INVENTORY_MAX_QTY

/* ---- warehouses ---------------------------------------------------------
 */

static const tc__field wh_fields[] = {
    API_STR("code", API_REQ, 1, 32, "warehouse code, [A-Z0-9_-]"),
    API_STR("name", API_REQ, 1, 128, "display name"),
    API_INT("priority", API_REQ, 0, 1000000, "lower is used first"),
    API_BOOL("active", API_REQ, "picked for reservations"),
    API_INT("created_ms", API_REQ, 0, 0, "creation time"),
    API_INT("updated_ms", API_REQ, 0, 0, "last change"),
    API_END,
};

static int put_warehouse(tc_ctx *ctx, cJSON *o, const tc_warehouse *w) {
  int rc;
  if ((rc = tc__json_add_str(ctx, o, "code", w->code))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "name", w->name))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "priority", w->priority))) return rc;
  if ((rc = tc__json_add_bool(ctx, o, "active", w->active != 0))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "created_ms", w->created_ms))) return rc;
  return tc__json_add_int(ctx, o, "updated_ms", w->updated_ms);
}

static const tc__field wh_create_req[] = {
    API_STR("code", API_REQ, 1, 32, "warehouse code, [A-Z0-9_-]"),
    API_STR("name", API_REQ, 1, 128, "display name"),
    API_INT("priority", 0, 0, 1000000, "lower is used first (default 100)"),
    API_BOOL("active", 0, "picked for reservations (default true)"),
    API_END,
};

static int h_warehouse_create(tc_ctx *ctx, const tc__api_caller *from,
                              const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *code = tc__json_str(req, "code", NULL);
  tc_warehouse w;
  int rc = tc_inventory_warehouse_create(
      ctx, who, code, tc__json_str(req, "name", NULL),
      (int32_t)tc__json_int(req, "priority", 100),
      tc__json_bool(req, "active", true) ? 1 : 0);
  if (!rc) rc = tc_inventory_warehouse_get(&w, ctx, who, code);
  return rc ? rc : put_warehouse(ctx, resp, &w);
}

static const tc__field wh_update_req[] = {
    API_STR("code", API_REQ, 1, 32, "warehouse code"),
    API_STR("name", 0, 1, 128, "new name"),
    API_INT("priority", 0, 0, 1000000, "new priority"),
    API_BOOL("active", 0, "new active flag"),
    API_END,
};

static int h_warehouse_update(tc_ctx *ctx, const tc__api_caller *from,
                              const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *code = tc__json_str(req, "code", NULL);
  const cJSON *act = cJSON_GetObjectItemCaseSensitive(req, "active");
  int active = cJSON_IsBool(act) ? (cJSON_IsTrue(act) ? 1 : 0) : -1;
  tc_warehouse w;
  int rc = tc_inventory_warehouse_update(
      ctx, who, code, tc__json_str(req, "name", NULL),
      (int32_t)tc__json_int(req, "priority", -1), active);
  if (!rc) rc = tc_inventory_warehouse_get(&w, ctx, who, code);
  return rc ? rc : put_warehouse(ctx, resp, &w);
}

typedef struct {
  tc_ctx *ctx;
  cJSON *arr;
} json_list;

static int warehouse_item(const tc_warehouse *w, void *payload) {
  json_list *l = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->arr, o)) {
    cJSON_Delete(o);
    return tc__oom(l->ctx);
  }
  return put_warehouse(l->ctx, o, w);
}

static const tc__field wh_list_resp[] = {
    API_ARR("warehouses", API_REQ, 0, 0,
            &(const tc__field)API_OBJ(NULL, 0, wh_fields, NULL),
            "by priority, then code"),
    API_END,
};

static int h_warehouses(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)req;
  json_list l = {ctx, tc__json_add_array(ctx, resp, "warehouses")};
  if (!l.arr) return TC_ENOMEM;
  return tc_inventory_warehouse_list(ctx, who, warehouse_item, &l);
}

/* ---- levels -------------------------------------------------------------
 */

static const tc__field level_fields[] = {
    API_STR("sku", API_REQ, 1, 64, "SKU"),
    API_STR("warehouse", API_REQ, 1, 32, "warehouse code"),
    API_INT("on_hand", API_REQ, 0, 0, "units in the warehouse"),
    API_INT("reserved", API_REQ, 0, 0, "units held by reservations"),
    API_INT("available", API_REQ, 0, 0, "on_hand - reserved"),
    API_END,
};

static int level_item(const tc_stock_level *v, void *payload) {
  json_list *l = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->arr, o)) {
    cJSON_Delete(o);
    return tc__oom(l->ctx);
  }
  int rc;
  if ((rc = tc__json_add_str(l->ctx, o, "sku", v->sku))) return rc;
  if ((rc = tc__json_add_str(l->ctx, o, "warehouse", v->warehouse))) return rc;
  if ((rc = tc__json_add_int(l->ctx, o, "on_hand", v->on_hand))) return rc;
  if ((rc = tc__json_add_int(l->ctx, o, "reserved", v->reserved))) return rc;
  return tc__json_add_int(l->ctx, o, "available", v->available);
}

static const tc__field levels_req[] = {
    API_STR("sku", 0, 1, 64, "one SKU (all its warehouses); else every level"),
    API_STR("cursor", 0, 1, 128, "next_cursor of the previous page"),
    API_INT("limit", 0, 1, 1000, "page size (default 100; without sku)"),
    API_END,
};

static const tc__field levels_resp[] = {
    API_ARR("levels", API_REQ, 0, 0,
            &(const tc__field)API_OBJ(NULL, 0, level_fields, NULL),
            "levels, by warehouse priority (sku) or by sku, warehouse"),
    API_STR("next_cursor", 0, 0, 0, "present when another page may follow"),
    API_END,
};

static int h_levels(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  json_list l = {ctx, tc__json_add_array(ctx, resp, "levels")};
  if (!l.arr) return TC_ENOMEM;
  const char *sku = tc__json_str(req, "sku", NULL);
  if (sku) return tc_inventory_levels(ctx, who, sku, level_item, &l);
  char next[128];
  int rc = tc_inventory_levels_page(ctx, who, tc__json_str(req, "cursor", NULL),
                                    (size_t)tc__json_int(req, "limit", 100),
                                    level_item, &l, next);
  if (!rc && next[0]) rc = tc__json_add_str(ctx, resp, "next_cursor", next);
  return rc;
}

static const tc__field available_req[] = {
    API_STR("sku", API_REQ, 1, 64, "SKU"),
    API_END,
};
static const tc__field available_resp[] = {
    API_STR("sku", API_REQ, 0, 0, "SKU"),
    API_INT("available", API_REQ, 0, 0,
            "units available over active warehouses"),
    API_END,
};

static int h_available(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  (void)from;
  const char *sku = tc__json_str(req, "sku", NULL);
  int64_t n = 0;
  int rc = tc_inventory_available(ctx, sku, &n);
  if (!rc) rc = tc__json_add_str(ctx, resp, "sku", sku);
  return rc ? rc : tc__json_add_int(ctx, resp, "available", n);
}

static const tc__field adjust_req[] = {
    API_STR("sku", API_REQ, 1, 64, "SKU"),
    API_STR("warehouse", API_REQ, 1, 32, "warehouse code"),
    API_INT("delta", API_REQ, -QMAX, QMAX, "units to add (negative: remove)"),
    API_STR("reason", API_REQ, 1, 16, "receipt, adjustment or return"),
    API_STR("reference", 0, 0, 128, "e.g. a delivery note"),
    API_END,
};
static const tc__field adjust_resp[] = {
    API_STR("sku", API_REQ, 0, 0, "SKU"),
    API_STR("warehouse", API_REQ, 0, 0, "warehouse code"),
    API_INT("on_hand", API_REQ, 0, 0, "the new level"),
    API_END,
};

static int h_adjust(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  const char *sku = tc__json_str(req, "sku", NULL);
  const char *wh = tc__json_str(req, "warehouse", NULL);
  const char *reason = tc__json_str(req, "reason", NULL);
  static const tc_stock_reason given[] = {TC_STOCK_RECEIPT, TC_STOCK_ADJUSTMENT,
                                          TC_STOCK_RETURN};
  size_t k = 0;
  while (k < 3 && strcmp(reason, tc_stock_reason_name(given[k]))) k++;
  if (k == 3)
    return tc__seterr(ctx, TC_EINVAL, "reason",
                      "reason must be receipt, adjustment or return");
  tc_stock_reason r = given[k];
  int64_t on_hand = 0;
  int rc = tc_inventory_adjust(&on_hand, ctx, who, sku, wh,
                               tc__json_int(req, "delta", 0), r, NULL,
                               tc__json_str(req, "reference", NULL));
  if (!rc) rc = tc__json_add_str(ctx, resp, "sku", sku);
  if (!rc) rc = tc__json_add_str(ctx, resp, "warehouse", wh);
  return rc ? rc : tc__json_add_int(ctx, resp, "on_hand", on_hand);
}

static const tc__field threshold_req[] = {
    API_STR("sku", API_REQ, 1, 64, "SKU"),
    API_INT("threshold", API_REQ, 0, QMAX,
            "alert when available falls below; 0: off"),
    API_END,
};

static int h_set_threshold(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *sku = tc__json_str(req, "sku", NULL);
  int64_t t = tc__json_int(req, "threshold", 0);
  int rc = tc_inventory_set_threshold(ctx, who, sku, t);
  if (!rc) rc = tc__json_add_str(ctx, resp, "sku", sku);
  return rc ? rc : tc__json_add_int(ctx, resp, "threshold", t);
}

/* ---- ledger, verify -------------------------------------------------------
 */

static const tc__field ledger_req[] = {
    API_STR("sku", API_REQ, 1, 64, "SKU"),
    API_STR("warehouse", 0, 1, 32, "only this warehouse"),
    API_STR("after", 0, 36, 36, "last id of the previous page"),
    API_INT("limit", 0, 1, 1000, "page size (default 100)"),
    API_END,
};

static const tc__field ledger_fields[] = {
    API_STR("id", API_REQ, 0, 0, "entry id (time-ordered)"),
    API_STR("sku", API_REQ, 0, 0, "SKU"),
    API_STR("warehouse", API_REQ, 0, 0, "warehouse"),
    API_INT("delta", API_REQ, 0, 0, "change of on_hand"),
    API_STR("reason", API_REQ, 0, 0,
            "receipt, adjustment, sale, return or sync"),
    API_STR("actor", API_REQ, 0, 0, "who"),
    API_STR("reference", API_REQ, 0, 0, "reservation, feed or note"),
    API_INT("created_ms", API_REQ, 0, 0, "when"),
    API_END,
};

static const tc__field ledger_resp[] = {
    API_ARR("entries", API_REQ, 0, 0,
            &(const tc__field)API_OBJ(NULL, 0, ledger_fields, NULL),
            "oldest first"),
    API_STR("next_cursor", 0, 0, 0, "pass as after for the next page"),
    API_END,
};

typedef struct {
  json_list l;
  char last[TC_ID_STRLEN + 1];
  size_t n;
} ledger_list;

static int ledger_item(const tc_ledger_entry *e, void *payload) {
  ledger_list *g = payload;
  tc_ctx *ctx = g->l.ctx;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(g->l.arr, o)) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  memcpy(g->last, e->id, sizeof(g->last));
  g->n++;
  int rc;
  if ((rc = tc__json_add_str(ctx, o, "id", e->id))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "sku", e->sku))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "warehouse", e->warehouse))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "delta", e->delta))) return rc;
  const char *rn = tc_stock_reason_name(e->reason);
  if ((rc = tc__json_add_str(ctx, o, "reason", rn ? rn : ""))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "actor", e->actor))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "reference", e->reference))) return rc;
  return tc__json_add_int(ctx, o, "created_ms", e->created_ms);
}

static int h_ledger(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  ledger_list g = {{ctx, tc__json_add_array(ctx, resp, "entries")}, "", 0};
  if (!g.l.arr) return TC_ENOMEM;
  size_t limit = (size_t)tc__json_int(req, "limit", 100);
  int rc = tc_inventory_ledger(ctx, who, tc__json_str(req, "sku", NULL),
                               tc__json_str(req, "warehouse", NULL),
                               tc__json_str(req, "after", NULL), limit,
                               ledger_item, &g);
  if (!rc && g.n == limit)
    rc = tc__json_add_str(ctx, resp, "next_cursor", g.last);
  return rc;
}

static const tc__field verify_resp[] = {
    API_BOOL("ok", API_REQ, "true: ledger = levels, on_hand >= reserved >= 0"),
    API_INT("problems", API_REQ, 0, 0, "levels that break an invariant"),
    API_END,
};

static int h_verify(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)req;
  size_t problems = 0;
  int rc = tc_inventory_verify(ctx, who, &problems);
  if (rc && rc != TC_ECORRUPT) return rc;
  if ((rc = tc__json_add_bool(ctx, resp, "ok", problems == 0))) return rc;
  return tc__json_add_int(ctx, resp, "problems", (int64_t)problems);
}

/* ---- reservations -------------------------------------------------------
 */

static const tc__field alloc_fields[] = {
    API_STR("sku", API_REQ, 0, 0, "SKU"),
    API_STR("warehouse", API_REQ, 0, 0, "where it is held"),
    API_INT("qty", API_REQ, 0, 0, "units"),
    API_END,
};

static const tc__field reservation_resp[] = {
    API_STR("id", API_REQ, 0, 0, "reservation id"),
    API_STR("owner", API_REQ, 0, 0, "the order"),
    API_STR("key", API_REQ, 0, 0, "idempotency key"),
    API_STR("state", API_REQ, 0, 0, "held, confirmed, released or expired"),
    API_INT("created_ms", API_REQ, 0, 0, "when"),
    API_INT("expires_ms", API_REQ, 0, 0, "when a held one expires"),
    API_BOOL("replayed", API_REQ,
             "true: an earlier call with this key made it"),
    API_ARR("lines", API_REQ, 0, 0,
            &(const tc__field)API_OBJ(NULL, 0, alloc_fields, NULL),
            "allocations, by sku then warehouse"),
    API_END,
};

static int put_reservation(tc_ctx *ctx, cJSON *o, const tc_reservation *r) {
  int rc;
  const char *st = tc_reservation_state_name(r->state);
  if ((rc = tc__json_add_str(ctx, o, "id", r->id))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "owner", r->owner))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "key", r->key))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "state", st ? st : ""))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "created_ms", r->created_ms))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "expires_ms", r->expires_ms))) return rc;
  if ((rc = tc__json_add_bool(ctx, o, "replayed", r->replayed != 0))) return rc;
  cJSON *arr = tc__json_add_array(ctx, o, "lines");
  if (!arr) return TC_ENOMEM;
  for (size_t i = 0; i < r->nallocs; i++) {
    cJSON *a = cJSON_CreateObject();
    if (!a || !cJSON_AddItemToArray(arr, a)) {
      cJSON_Delete(a);
      return tc__oom(ctx);
    }
    if ((rc = tc__json_add_str(ctx, a, "sku", r->allocs[i].sku))) return rc;
    if ((rc = tc__json_add_str(ctx, a, "warehouse", r->allocs[i].warehouse)))
      return rc;
    if ((rc = tc__json_add_int(ctx, a, "qty", r->allocs[i].qty))) return rc;
  }
  return TC_OK;
}

static const tc__field line_fields[] = {
    API_STR("sku", API_REQ, 1, 64, "SKU"),
    API_INT("qty", API_REQ, 1, QMAX, "units"),
    API_END,
};

static const tc__field reserve_req[] = {
    API_STR("owner", API_REQ, 1, 128, "the order id"),
    API_STR("key", API_REQ, 1, 128, "idempotency key"),
    API_ARR("lines", API_REQ, 0, TC_INVENTORY_MAX_LINES,
            &(const tc__field)API_OBJ(NULL, API_REQ, line_fields, NULL),
            "what to hold"),
    API_INT("ttl_ms", 0, 1, (int64_t)7 * 24 * 3600 * 1000,
            "lifetime (default: configured, 15 min)"),
    API_END,
};

static int h_reserve(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(req, "lines");
  int n = cJSON_GetArraySize(arr);
  if (n < 1)
    return tc__seterr(ctx, TC_EINVAL, "lines", "lines must not be empty");
  tc_inventory_line lines[TC_INVENTORY_MAX_LINES];
  size_t k = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, arr) {
    if (k >= TC_INVENTORY_MAX_LINES) break;
    lines[k].sku = tc__json_str(it, "sku", NULL);
    lines[k].qty = tc__json_int(it, "qty", 0);
    k++;
  }
  tc_reservation *r = NULL;
  int rc = tc_inventory_reserve(&r, ctx, who, tc__json_str(req, "owner", NULL),
                                tc__json_str(req, "key", NULL), lines, k,
                                tc__json_int(req, "ttl_ms", 0));
  if (!rc) rc = put_reservation(ctx, resp, r);
  tc_inventory_reservation_free(ctx, r);
  return rc;
}

static const tc__field id_req[] = {
    API_STR("id", API_REQ, 36, 36, "reservation id"),
    API_END,
};

static int reply_reservation(tc_ctx *ctx, const tc_principal *who,
                             const char *id, cJSON *resp) {
  tc_reservation *r = NULL;
  int rc = tc_inventory_reservation_get(&r, ctx, who, id);
  if (!rc) rc = put_reservation(ctx, resp, r);
  tc_inventory_reservation_free(ctx, r);
  return rc;
}

static int h_confirm(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = tc__json_str(req, "id", NULL);
  int rc = tc_inventory_confirm(ctx, who, id);
  return rc ? rc : reply_reservation(ctx, who, id, resp);
}

static int h_release(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = tc__json_str(req, "id", NULL);
  int rc = tc_inventory_release(ctx, who, id);
  return rc ? rc : reply_reservation(ctx, who, id, resp);
}

static int h_reservation(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  return reply_reservation(ctx, from->who, tc__json_str(req, "id", NULL), resp);
}

static const tc__field sweep_req[] = {
    API_INT("limit", 0, 1, 10000, "most reservations to expire (default 1000)"),
    API_END,
};
static const tc__field sweep_resp[] = {
    API_INT("released", API_REQ, 0, 0, "reservations this call expired"),
    API_END,
};

static int h_sweep(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                   cJSON *resp) {
  (void)from;
  size_t released = 0;
  int rc = tc_inventory_sweep(ctx, 0, (size_t)tc__json_int(req, "limit", 1000),
                              &released);
  return rc ? rc : tc__json_add_int(ctx, resp, "released", (int64_t)released);
}

/* ---- feeds ----------------------------------------------------------------
 */

static const tc__field import_req[] = {
    API_STR("feed_id", API_REQ, 1, 128, "identifies the feed: applied once"),
    API_STR("format", API_REQ, 3, 4, "csv or json"),
    API_STR("data", API_REQ, 0, (int64_t)16 << 20, "the feed's text"),
    API_STR("mode", 0, 3, 8,
            "absolute (default) or delta, for rows without one"),
    API_BOOL("skip_invalid", 0,
             "apply good rows and list bad ones (default false)"),
    API_END,
};

static const tc__field change_fields[] = {
    API_STR("sku", API_REQ, 0, 0, "SKU"),
    API_STR("warehouse", API_REQ, 0, 0, "warehouse"),
    API_INT("old", API_REQ, 0, 0, "on_hand before"),
    API_INT("new", API_REQ, 0, 0, "on_hand after"),
    API_END,
};
static const tc__field error_fields[] = {
    API_INT("line", API_REQ, 0, 0, "line (csv) or item (json)"),
    API_STR("reason", API_REQ, 0, 0, "what was wrong"),
    API_END,
};

static const tc__field import_resp[] = {
    API_STR("feed_id", API_REQ, 0, 0, "the feed"),
    API_BOOL("replayed", API_REQ, "true: applied before; this is that result"),
    API_BOOL("had_bom", API_REQ, "a UTF-8 byte order mark was skipped"),
    API_INT("rows", API_REQ, 0, 0, "data rows read"),
    API_ARR("changes", API_REQ, 0, 0,
            &(const tc__field)API_OBJ(NULL, 0, change_fields, NULL),
            "levels changed, in feed order"),
    API_ARR("errors", API_REQ, 0, 0,
            &(const tc__field)API_OBJ(NULL, 0, error_fields, NULL),
            "rows skipped (skip_invalid)"),
    API_END,
};

static int parse_format(tc_ctx *ctx, const char *s, tc_feed_format *out) {
  if (s && strcmp(s, "csv") == 0)
    *out = TC_FEED_CSV;
  else if (s && strcmp(s, "json") == 0)
    *out = TC_FEED_JSON;
  else
    return tc__seterr(ctx, TC_EINVAL, "format", "format must be csv or json");
  return TC_OK;
}

static int h_import(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  tc_feed_format f;
  int rc = parse_format(ctx, tc__json_str(req, "format", NULL), &f);
  if (rc) return rc;
  tc_import_options o = TC_IMPORT_OPTIONS_INIT;
  const char *mode = tc__json_str(req, "mode", "absolute");
  if (strcmp(mode, "absolute") == 0)
    o.mode = TC_FEED_ABSOLUTE;
  else if (strcmp(mode, "delta") == 0)
    o.mode = TC_FEED_DELTA;
  else
    return tc__seterr(ctx, TC_EINVAL, "mode", "mode must be absolute or delta");
  o.skip_invalid = tc__json_bool(req, "skip_invalid", false) ? 1 : 0;
  const char *data = tc__json_str(req, "data", "");
  tc_sync_result *r = NULL;
  rc = tc_inventory_import(&r, ctx, who, tc__json_str(req, "feed_id", NULL), f,
                           data, strlen(data), &o);
  if (rc) return rc;
  if (!rc) rc = tc__json_add_str(ctx, resp, "feed_id", r->feed_id);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "replayed", r->replayed != 0);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "had_bom", r->had_bom != 0);
  if (!rc) rc = tc__json_add_int(ctx, resp, "rows", (int64_t)r->rows);
  cJSON *ch = rc ? NULL : tc__json_add_array(ctx, resp, "changes");
  if (!rc && !ch) rc = TC_ENOMEM;
  for (size_t i = 0; !rc && i < r->nchanges; i++) {
    cJSON *o2 = cJSON_CreateObject();
    if (!o2 || !cJSON_AddItemToArray(ch, o2)) {
      cJSON_Delete(o2);
      rc = tc__oom(ctx);
      break;
    }
    const tc_sync_change *c = &r->changes[i];
    rc = tc__json_add_str(ctx, o2, "sku", c->sku);
    if (!rc) rc = tc__json_add_str(ctx, o2, "warehouse", c->warehouse);
    if (!rc) rc = tc__json_add_int(ctx, o2, "old", c->old_on_hand);
    if (!rc) rc = tc__json_add_int(ctx, o2, "new", c->new_on_hand);
  }
  cJSON *er = rc ? NULL : tc__json_add_array(ctx, resp, "errors");
  if (!rc && !er) rc = TC_ENOMEM;
  for (size_t i = 0; !rc && i < r->nerrors; i++) {
    cJSON *o2 = cJSON_CreateObject();
    if (!o2 || !cJSON_AddItemToArray(er, o2)) {
      cJSON_Delete(o2);
      rc = tc__oom(ctx);
      break;
    }
    rc = tc__json_add_int(ctx, o2, "line", (int64_t)r->errors[i].line);
    if (!rc) rc = tc__json_add_str(ctx, o2, "reason", r->errors[i].reason);
  }
  tc_inventory_sync_result_free(ctx, r);
  return rc;
}

static const tc__field export_req[] = {
    API_STR("format", API_REQ, 3, 4, "csv or json"),
    API_END,
};
static const tc__field export_resp[] = {
    API_STR("format", API_REQ, 0, 0, "csv or json"),
    API_STR("data", API_REQ, 0, 0, "every level, by sku then warehouse"),
    API_END,
};

static int h_export(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  tc_feed_format f;
  const char *fs = tc__json_str(req, "format", NULL);
  int rc = parse_format(ctx, fs, &f);
  if (rc) return rc;
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  rc = tc_inventory_export(&b, ctx, who, f);
  if (!rc) rc = tc__json_add_str(ctx, resp, "format", fs);
  if (!rc) rc = tc__json_add_str(ctx, resp, "data", b.ptr ? b.ptr : "");
  tc_buf_dispose(&b);
  return rc;
}

/* ---- the module -----------------------------------------------------------
 */

static const tc__field threshold_resp[] = {
    API_STR("sku", API_REQ, 0, 0, "SKU"),
    API_INT("threshold", API_REQ, 0, 0, "the threshold now"),
    API_END,
};

static const tc__api_method inv_methods[] = {
    API_METHOD("inventory.warehouse_create", "Create a warehouse",
               TC__ACCESS_ADMIN, wh_create_req, wh_fields, h_warehouse_create),
    API_METHOD("inventory.warehouse_update", "Change a warehouse",
               TC__ACCESS_ADMIN, wh_update_req, wh_fields, h_warehouse_update),
    API_METHOD("inventory.warehouses", "List the warehouses", TC__ACCESS_ADMIN,
               NULL, wh_list_resp, h_warehouses),
    API_METHOD("inventory.levels",
               "Stock levels of a SKU, or a page of all levels",
               TC__ACCESS_SUPPORT, levels_req, levels_resp, h_levels),
    API_METHOD("inventory.available", "Units of a SKU available to order",
               TC__ACCESS_PUBLIC, available_req, available_resp, h_available),
    API_METHOD("inventory.adjust",
               "Receive, return or correct stock (ledgered)", TC__ACCESS_ADMIN,
               adjust_req, adjust_resp, h_adjust),
    API_METHOD("inventory.set_threshold", "Set a SKU's low-stock threshold",
               TC__ACCESS_ADMIN, threshold_req, threshold_resp,
               h_set_threshold),
    API_METHOD("inventory.ledger", "Ledger entries of a SKU", TC__ACCESS_ADMIN,
               ledger_req, ledger_resp, h_ledger),
    API_METHOD("inventory.verify",
               "Check ledger = levels and on_hand >= reserved >= 0",
               TC__ACCESS_ADMIN, NULL, verify_resp, h_verify),
    API_METHOD("inventory.reserve", "Hold stock for an order (all or nothing)",
               TC__ACCESS_ADMIN, reserve_req, reservation_resp, h_reserve),
    API_METHOD("inventory.confirm", "Confirm a reservation: the stock is sold",
               TC__ACCESS_ADMIN, id_req, reservation_resp, h_confirm),
    API_METHOD("inventory.release", "Release a held reservation",
               TC__ACCESS_ADMIN, id_req, reservation_resp, h_release),
    API_METHOD("inventory.reservation", "Read a reservation",
               TC__ACCESS_SUPPORT, id_req, reservation_resp, h_reservation),
    API_METHOD("inventory.sweep", "Expire reservations whose TTL ran out",
               TC__ACCESS_SYSTEM, sweep_req, sweep_resp, h_sweep),
    API_METHOD("inventory.import",
               "Apply a legacy stock feed (CSV or JSON), once",
               TC__ACCESS_ADMIN, import_req, import_resp, h_import),
    API_METHOD("inventory.export", "Export every level as CSV or JSON",
               TC__ACCESS_ADMIN, export_req, export_resp, h_export),
};

API_MODULE(tc__api_inventory, "inventory", inv_methods);
