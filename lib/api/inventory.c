/*
 * lib/inventory/api.c - the "inventory.*" methods of the JSON API. Each
 * handler only maps JSON to the typed functions: every rule lives there.
 *
 * Access: warehouses, adjustments, thresholds, feeds and the ledger are for
 * admins; levels for support; reservations for the order flow (system) or
 * admins; availability is public; the sweep is a system job. Reservations
 * are owned by orders, not by users, so no per-user check applies.
 */
#include "api_internal.h"
#include "inventory/inventory_internal.h" /* TODO(wall): public API only */
#include <stdio.h>

#define S(name, flags, min, max, doc) \
  { name, TC__F_STRING, flags, min, max, NULL, NULL, doc }
#define I(name, flags, min, max, doc) \
  { name, TC__F_INT, flags, min, max, NULL, NULL, doc }
#define B(name, flags, doc) \
  { name, TC__F_BOOL, flags, 0, 0, NULL, NULL, doc }
#define A(name, flags, max, items, doc) \
  { name, TC__F_ARRAY, flags, 0, max, NULL, items, doc }
#define O(name, flags, fields, doc) \
  { name, TC__F_OBJECT, flags, 0, 0, fields, NULL, doc }
#define END \
  { NULL }
#define REQ TC__F_REQUIRED
#define QMAX TC_INVENTORY_MAX_QTY

/* The ledger's actor for a caller. */
static void api_actor(char *buf, size_t size, const tc_principal *who) {
  if (who->kind == TC_PRINCIPAL_USER)
    snprintf(buf, size, "user:%s", who->user_id);
  else if (who->client_id[0])
    snprintf(buf, size, "system:%s", who->client_id);
  else
    snprintf(buf, size, "system");
}

/* ---- warehouses ---------------------------------------------------------
 */

static const tc__field wh_fields[] = {
    S("code", REQ, 1, 32, "warehouse code, [A-Z0-9_-]"),
    S("name", REQ, 1, 128, "display name"),
    I("priority", REQ, 0, 1000000, "lower is used first"),
    B("active", REQ, "picked for reservations"),
    I("created_ms", REQ, 0, 0, "creation time"),
    I("updated_ms", REQ, 0, 0, "last change"),
    END,
};

static int api_put_wh(tc_ctx *ctx, cJSON *o, const tc_warehouse *w) {
  int rc;
  if ((rc = tc__json_add_str(ctx, o, "code", w->code))) return rc;
  if ((rc = tc__json_add_str(ctx, o, "name", w->name))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "priority", w->priority))) return rc;
  if ((rc = tc__json_add_bool(ctx, o, "active", w->active != 0))) return rc;
  if ((rc = tc__json_add_int(ctx, o, "created_ms", w->created_ms))) return rc;
  return tc__json_add_int(ctx, o, "updated_ms", w->updated_ms);
}

static const tc__field wh_create_req[] = {
    S("code", REQ, 1, 32, "warehouse code, [A-Z0-9_-]"),
    S("name", REQ, 1, 128, "display name"),
    I("priority", 0, 0, 1000000, "lower is used first (default 100)"),
    B("active", 0, "picked for reservations (default true)"),
    END,
};

static int api_wh_create(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *code = tc__json_str(req, "code", NULL);
  tc_warehouse w;
  int rc =
      tc_inventory_warehouse_create(ctx, code, tc__json_str(req, "name", NULL),
                                    (int32_t)tc__json_int(req, "priority", 100),
                                    tc__json_bool(req, "active", true) ? 1 : 0);
  if (!rc) rc = tc_inventory_warehouse_get(&w, ctx, code);
  return rc ? rc : api_put_wh(ctx, resp, &w);
}

static const tc__field wh_update_req[] = {
    S("code", REQ, 1, 32, "warehouse code"),
    S("name", 0, 1, 128, "new name"),
    I("priority", 0, 0, 1000000, "new priority"),
    B("active", 0, "new active flag"),
    END,
};

static int api_wh_update(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *code = tc__json_str(req, "code", NULL);
  const cJSON *act = cJSON_GetObjectItemCaseSensitive(req, "active");
  int active = cJSON_IsBool(act) ? (cJSON_IsTrue(act) ? 1 : 0) : -1;
  tc_warehouse w;
  int rc = tc_inventory_warehouse_update(
      ctx, code, tc__json_str(req, "name", NULL),
      (int32_t)tc__json_int(req, "priority", -1), active);
  if (!rc) rc = tc_inventory_warehouse_get(&w, ctx, code);
  return rc ? rc : api_put_wh(ctx, resp, &w);
}

typedef struct {
  tc_ctx *ctx;
  cJSON *arr;
} api_list;

static int api_wh_each(const tc_warehouse *w, void *payload) {
  api_list *l = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->arr, o)) {
    cJSON_Delete(o);
    return tc__seterr(l->ctx, TC_ENOMEM, NULL, "out of memory");
  }
  return api_put_wh(l->ctx, o, w);
}

static const tc__field wh_list_resp[] = {
    A("warehouses", REQ, 0, &(const tc__field)O(NULL, 0, wh_fields, NULL),
      "by priority, then code"),
    END,
};

static int api_wh_list(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  api_list l = {ctx, tc__json_add_array(ctx, resp, "warehouses")};
  if (!l.arr) return TC_ENOMEM;
  return tc_inventory_warehouse_list(ctx, api_wh_each, &l);
}

/* ---- levels -------------------------------------------------------------
 */

static const tc__field level_fields[] = {
    S("sku", REQ, 1, 64, "SKU"),
    S("warehouse", REQ, 1, 32, "warehouse code"),
    I("on_hand", REQ, 0, 0, "units in the warehouse"),
    I("reserved", REQ, 0, 0, "units held by reservations"),
    I("available", REQ, 0, 0, "on_hand - reserved"),
    END,
};

static int api_level_each(const tc_stock_level *v, void *payload) {
  api_list *l = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->arr, o)) {
    cJSON_Delete(o);
    return tc__seterr(l->ctx, TC_ENOMEM, NULL, "out of memory");
  }
  int rc;
  if ((rc = tc__json_add_str(l->ctx, o, "sku", v->sku))) return rc;
  if ((rc = tc__json_add_str(l->ctx, o, "warehouse", v->warehouse))) return rc;
  if ((rc = tc__json_add_int(l->ctx, o, "on_hand", v->on_hand))) return rc;
  if ((rc = tc__json_add_int(l->ctx, o, "reserved", v->reserved))) return rc;
  return tc__json_add_int(l->ctx, o, "available", v->available);
}

static const tc__field levels_req[] = {
    S("sku", 0, 1, 64, "one SKU (all its warehouses); else every level"),
    S("cursor", 0, 1, 128, "next_cursor of the previous page"),
    I("limit", 0, 1, 1000, "page size (default 100; without sku)"),
    END,
};

static const tc__field levels_resp[] = {
    A("levels", REQ, 0, &(const tc__field)O(NULL, 0, level_fields, NULL),
      "levels, by warehouse priority (sku) or by sku, warehouse"),
    S("next_cursor", 0, 0, 0, "present when another page may follow"),
    END,
};

static int api_levels(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  api_list l = {ctx, tc__json_add_array(ctx, resp, "levels")};
  if (!l.arr) return TC_ENOMEM;
  const char *sku = tc__json_str(req, "sku", NULL);
  if (sku) return tc_inventory_levels(ctx, sku, api_level_each, &l);
  char next[128];
  int rc = tc_inventory_levels_page(ctx, tc__json_str(req, "cursor", NULL),
                                    (size_t)tc__json_int(req, "limit", 100),
                                    api_level_each, &l, next);
  if (!rc && next[0]) rc = tc__json_add_str(ctx, resp, "next_cursor", next);
  return rc;
}

static const tc__field available_req[] = {
    S("sku", REQ, 1, 64, "SKU"),
    END,
};
static const tc__field available_resp[] = {
    S("sku", REQ, 0, 0, "SKU"),
    I("available", REQ, 0, 0, "units available over active warehouses"),
    END,
};

static int api_available(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *sku = tc__json_str(req, "sku", NULL);
  int64_t n = 0;
  int rc = tc_inventory_available(ctx, sku, &n);
  if (!rc) rc = tc__json_add_str(ctx, resp, "sku", sku);
  return rc ? rc : tc__json_add_int(ctx, resp, "available", n);
}

static const tc__field adjust_req[] = {
    S("sku", REQ, 1, 64, "SKU"),
    S("warehouse", REQ, 1, 32, "warehouse code"),
    I("delta", REQ, -QMAX, QMAX, "units to add (negative: remove)"),
    S("reason", REQ, 1, 16, "receipt, adjustment or return"),
    S("reference", 0, 0, 128, "e.g. a delivery note"),
    END,
};
static const tc__field adjust_resp[] = {
    S("sku", REQ, 0, 0, "SKU"),
    S("warehouse", REQ, 0, 0, "warehouse code"),
    I("on_hand", REQ, 0, 0, "the new level"),
    END,
};

static int api_adjust(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  const char *sku = tc__json_str(req, "sku", NULL);
  const char *wh = tc__json_str(req, "warehouse", NULL);
  const char *reason = tc__json_str(req, "reason", NULL);
  tc_stock_reason r = tc__inv_reason_parse(reason);
  if (r != TC_STOCK_RECEIPT && r != TC_STOCK_ADJUSTMENT && r != TC_STOCK_RETURN)
    return tc__seterr(ctx, TC_EINVAL, "reason",
                      "reason must be receipt, adjustment or return");
  char actor[160];
  api_actor(actor, sizeof(actor), who);
  int64_t on_hand = 0;
  int rc =
      tc_inventory_adjust(&on_hand, ctx, sku, wh, tc__json_int(req, "delta", 0),
                          r, actor, tc__json_str(req, "reference", NULL));
  if (!rc) rc = tc__json_add_str(ctx, resp, "sku", sku);
  if (!rc) rc = tc__json_add_str(ctx, resp, "warehouse", wh);
  return rc ? rc : tc__json_add_int(ctx, resp, "on_hand", on_hand);
}

static const tc__field threshold_req[] = {
    S("sku", REQ, 1, 64, "SKU"),
    I("threshold", REQ, 0, QMAX, "alert when available falls below; 0: off"),
    END,
};

static int api_threshold(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *sku = tc__json_str(req, "sku", NULL);
  int64_t t = tc__json_int(req, "threshold", 0);
  int rc = tc_inventory_set_threshold(ctx, sku, t);
  if (!rc) rc = tc__json_add_str(ctx, resp, "sku", sku);
  return rc ? rc : tc__json_add_int(ctx, resp, "threshold", t);
}

/* ---- ledger, verify -------------------------------------------------------
 */

static const tc__field ledger_req[] = {
    S("sku", REQ, 1, 64, "SKU"),
    S("warehouse", 0, 1, 32, "only this warehouse"),
    S("after", 0, 36, 36, "last id of the previous page"),
    I("limit", 0, 1, 1000, "page size (default 100)"),
    END,
};

static const tc__field ledger_fields[] = {
    S("id", REQ, 0, 0, "entry id (time-ordered)"),
    S("sku", REQ, 0, 0, "SKU"),
    S("warehouse", REQ, 0, 0, "warehouse"),
    I("delta", REQ, 0, 0, "change of on_hand"),
    S("reason", REQ, 0, 0, "receipt, adjustment, sale, return or sync"),
    S("actor", REQ, 0, 0, "who"),
    S("reference", REQ, 0, 0, "reservation, feed or note"),
    I("created_ms", REQ, 0, 0, "when"),
    END,
};

static const tc__field ledger_resp[] = {
    A("entries", REQ, 0, &(const tc__field)O(NULL, 0, ledger_fields, NULL),
      "oldest first"),
    S("next_cursor", 0, 0, 0, "pass as after for the next page"),
    END,
};

typedef struct {
  api_list l;
  char last[TC_ID_STRLEN + 1];
  size_t n;
} api_ledger;

static int api_ledger_each(const tc_ledger_entry *e, void *payload) {
  api_ledger *g = payload;
  tc_ctx *ctx = g->l.ctx;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(g->l.arr, o)) {
    cJSON_Delete(o);
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
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

static int api_ledger_list(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  api_ledger g = {{ctx, tc__json_add_array(ctx, resp, "entries")}, "", 0};
  if (!g.l.arr) return TC_ENOMEM;
  size_t limit = (size_t)tc__json_int(req, "limit", 100);
  int rc = tc_inventory_ledger(
      ctx, tc__json_str(req, "sku", NULL), tc__json_str(req, "warehouse", NULL),
      tc__json_str(req, "after", NULL), limit, api_ledger_each, &g);
  if (!rc && g.n == limit)
    rc = tc__json_add_str(ctx, resp, "next_cursor", g.last);
  return rc;
}

static const tc__field verify_resp[] = {
    B("ok", REQ, "true: ledger = levels, on_hand >= reserved >= 0"),
    I("problems", REQ, 0, 0, "levels that break an invariant"),
    END,
};

static int api_verify(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  size_t problems = 0;
  int rc = tc_inventory_verify(ctx, &problems);
  if (rc && rc != TC_ECORRUPT) return rc;
  if ((rc = tc__json_add_bool(ctx, resp, "ok", problems == 0))) return rc;
  return tc__json_add_int(ctx, resp, "problems", (int64_t)problems);
}

/* ---- reservations -------------------------------------------------------
 */

static const tc__field alloc_fields[] = {
    S("sku", REQ, 0, 0, "SKU"),
    S("warehouse", REQ, 0, 0, "where it is held"),
    I("qty", REQ, 0, 0, "units"),
    END,
};

static const tc__field reservation_resp[] = {
    S("id", REQ, 0, 0, "reservation id"),
    S("owner", REQ, 0, 0, "the order"),
    S("key", REQ, 0, 0, "idempotency key"),
    S("state", REQ, 0, 0, "held, confirmed, released or expired"),
    I("created_ms", REQ, 0, 0, "when"),
    I("expires_ms", REQ, 0, 0, "when a held one expires"),
    B("replayed", REQ, "true: an earlier call with this key made it"),
    A("lines", REQ, 0, &(const tc__field)O(NULL, 0, alloc_fields, NULL),
      "allocations, by sku then warehouse"),
    END,
};

static int api_put_res(tc_ctx *ctx, cJSON *o, const tc_reservation *r) {
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
      return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
    }
    if ((rc = tc__json_add_str(ctx, a, "sku", r->allocs[i].sku))) return rc;
    if ((rc = tc__json_add_str(ctx, a, "warehouse", r->allocs[i].warehouse)))
      return rc;
    if ((rc = tc__json_add_int(ctx, a, "qty", r->allocs[i].qty))) return rc;
  }
  return TC_OK;
}

static const tc__field line_fields[] = {
    S("sku", REQ, 1, 64, "SKU"),
    I("qty", REQ, 1, QMAX, "units"),
    END,
};

static const tc__field reserve_req[] = {
    S("owner", REQ, 1, 128, "the order id"),
    S("key", REQ, 1, 128, "idempotency key"),
    A("lines", REQ, TC_INVENTORY_MAX_LINES,
      &(const tc__field)O(NULL, REQ, line_fields, NULL), "what to hold"),
    I("ttl_ms", 0, 1, (int64_t)7 * 24 * 3600 * 1000,
      "lifetime (default: configured, 15 min)"),
    END,
};

static int api_reserve(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
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
  int rc = tc_inventory_reserve(&r, ctx, tc__json_str(req, "owner", NULL),
                                tc__json_str(req, "key", NULL), lines, k,
                                tc__json_int(req, "ttl_ms", 0));
  if (!rc) rc = api_put_res(ctx, resp, r);
  tc_inventory_reservation_free(ctx, r);
  return rc;
}

static const tc__field id_req[] = {
    S("id", REQ, 36, 36, "reservation id"),
    END,
};

static int api_res_reply(tc_ctx *ctx, const char *id, cJSON *resp) {
  tc_reservation *r = NULL;
  int rc = tc_inventory_reservation_get(&r, ctx, id);
  if (!rc) rc = api_put_res(ctx, resp, r);
  tc_inventory_reservation_free(ctx, r);
  return rc;
}

static int api_confirm(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *id = tc__json_str(req, "id", NULL);
  int rc = tc_inventory_confirm(ctx, id);
  return rc ? rc : api_res_reply(ctx, id, resp);
}

static int api_release(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *id = tc__json_str(req, "id", NULL);
  int rc = tc_inventory_release(ctx, id);
  return rc ? rc : api_res_reply(ctx, id, resp);
}

static int api_res_get(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  return api_res_reply(ctx, tc__json_str(req, "id", NULL), resp);
}

static const tc__field sweep_req[] = {
    I("limit", 0, 1, 10000, "most reservations to expire (default 1000)"),
    END,
};
static const tc__field sweep_resp[] = {
    I("released", REQ, 0, 0, "reservations this call expired"),
    END,
};

static int api_sweep(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  size_t released = 0;
  int rc = tc_inventory_sweep(ctx, 0, (size_t)tc__json_int(req, "limit", 1000),
                              &released);
  return rc ? rc : tc__json_add_int(ctx, resp, "released", (int64_t)released);
}

/* ---- feeds ----------------------------------------------------------------
 */

static const tc__field import_req[] = {
    S("feed_id", REQ, 1, 128, "identifies the feed: applied once"),
    S("format", REQ, 3, 4, "csv or json"),
    S("data", REQ, 0, (int64_t)16 << 20, "the feed's text"),
    S("mode", 0, 3, 8, "absolute (default) or delta, for rows without one"),
    B("skip_invalid", 0, "apply good rows and list bad ones (default false)"),
    END,
};

static const tc__field change_fields[] = {
    S("sku", REQ, 0, 0, "SKU"),
    S("warehouse", REQ, 0, 0, "warehouse"),
    I("old", REQ, 0, 0, "on_hand before"),
    I("new", REQ, 0, 0, "on_hand after"),
    END,
};
static const tc__field error_fields[] = {
    I("line", REQ, 0, 0, "line (csv) or item (json)"),
    S("reason", REQ, 0, 0, "what was wrong"),
    END,
};

static const tc__field import_resp[] = {
    S("feed_id", REQ, 0, 0, "the feed"),
    B("replayed", REQ, "true: applied before; this is that result"),
    B("had_bom", REQ, "a UTF-8 byte order mark was skipped"),
    I("rows", REQ, 0, 0, "data rows read"),
    A("changes", REQ, 0, &(const tc__field)O(NULL, 0, change_fields, NULL),
      "levels changed, in feed order"),
    A("errors", REQ, 0, &(const tc__field)O(NULL, 0, error_fields, NULL),
      "rows skipped (skip_invalid)"),
    END,
};

static int api_format(tc_ctx *ctx, const char *s, tc_feed_format *out) {
  if (s && strcmp(s, "csv") == 0)
    *out = TC_FEED_CSV;
  else if (s && strcmp(s, "json") == 0)
    *out = TC_FEED_JSON;
  else
    return tc__seterr(ctx, TC_EINVAL, "format", "format must be csv or json");
  return TC_OK;
}

static int api_import(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  tc_feed_format f;
  int rc = api_format(ctx, tc__json_str(req, "format", NULL), &f);
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
  char actor[160];
  api_actor(actor, sizeof(actor), who);
  o.actor = actor;
  const char *data = tc__json_str(req, "data", "");
  tc_sync_result *r = NULL;
  rc = tc_inventory_import(&r, ctx, tc__json_str(req, "feed_id", NULL), f, data,
                           strlen(data), &o);
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
      rc = tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
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
      rc = tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
      break;
    }
    rc = tc__json_add_int(ctx, o2, "line", (int64_t)r->errors[i].line);
    if (!rc) rc = tc__json_add_str(ctx, o2, "reason", r->errors[i].reason);
  }
  tc_inventory_sync_result_free(ctx, r);
  return rc;
}

static const tc__field export_req[] = {
    S("format", REQ, 3, 4, "csv or json"),
    END,
};
static const tc__field export_resp[] = {
    S("format", REQ, 0, 0, "csv or json"),
    S("data", REQ, 0, 0, "every level, by sku then warehouse"),
    END,
};

static int api_export(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_feed_format f;
  const char *fs = tc__json_str(req, "format", NULL);
  int rc = api_format(ctx, fs, &f);
  if (rc) return rc;
  tc_buf b = tc__inv_buf(ctx);
  rc = tc_inventory_export(&b, ctx, f);
  if (!rc) rc = tc__json_add_str(ctx, resp, "format", fs);
  if (!rc) rc = tc__json_add_str(ctx, resp, "data", b.ptr ? b.ptr : "");
  tc_buf_dispose(&b);
  return rc;
}

/* ---- the module -----------------------------------------------------------
 */

static const tc__field threshold_resp[] = {
    S("sku", REQ, 0, 0, "SKU"),
    I("threshold", REQ, 0, 0, "the threshold now"),
    END,
};

static const tc__api_method inv_methods[] = {
    {"inventory.warehouse_create", "Create a warehouse", TC__ACCESS_ADMIN,
     wh_create_req, wh_fields, api_wh_create},
    {"inventory.warehouse_update", "Change a warehouse", TC__ACCESS_ADMIN,
     wh_update_req, wh_fields, api_wh_update},
    {"inventory.warehouses", "List the warehouses", TC__ACCESS_ADMIN, NULL,
     wh_list_resp, api_wh_list},
    {"inventory.levels", "Stock levels of a SKU, or a page of all levels",
     TC__ACCESS_SUPPORT, levels_req, levels_resp, api_levels},
    {"inventory.available", "Units of a SKU available to order",
     TC__ACCESS_PUBLIC, available_req, available_resp, api_available},
    {"inventory.adjust", "Receive, return or correct stock (ledgered)",
     TC__ACCESS_ADMIN, adjust_req, adjust_resp, api_adjust},
    {"inventory.set_threshold", "Set a SKU's low-stock threshold",
     TC__ACCESS_ADMIN, threshold_req, threshold_resp, api_threshold},
    {"inventory.ledger", "Ledger entries of a SKU", TC__ACCESS_ADMIN,
     ledger_req, ledger_resp, api_ledger_list},
    {"inventory.verify", "Check ledger = levels and on_hand >= reserved >= 0",
     TC__ACCESS_ADMIN, NULL, verify_resp, api_verify},
    {"inventory.reserve", "Hold stock for an order (all or nothing)",
     TC__ACCESS_ADMIN, reserve_req, reservation_resp, api_reserve},
    {"inventory.confirm", "Confirm a reservation: the stock is sold",
     TC__ACCESS_ADMIN, id_req, reservation_resp, api_confirm},
    {"inventory.release", "Release a held reservation", TC__ACCESS_ADMIN,
     id_req, reservation_resp, api_release},
    {"inventory.reservation", "Read a reservation", TC__ACCESS_SUPPORT, id_req,
     reservation_resp, api_res_get},
    {"inventory.sweep", "Expire reservations whose TTL ran out",
     TC__ACCESS_SYSTEM, sweep_req, sweep_resp, api_sweep},
    {"inventory.import", "Apply a legacy stock feed (CSV or JSON), once",
     TC__ACCESS_ADMIN, import_req, import_resp, api_import},
    {"inventory.export", "Export every level as CSV or JSON", TC__ACCESS_ADMIN,
     export_req, export_resp, api_export},
};

const tc__api_module tc__api_inventory = {
    "inventory", inv_methods, sizeof(inv_methods) / sizeof(inv_methods[0])};
