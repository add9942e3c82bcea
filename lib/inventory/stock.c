/*
 * lib/inventory/stock.c - levels, adjustments, the ledger, thresholds and
 * the invariant check.
 */
#include <stdio.h>

#include "inventory_priv.h"

typedef struct {
  tc_stock_level_cb cb;
  void *payload;
  tc_stock_level last;
  size_t count;
} inv_level_list;

static int inv_level_each(const tc_value *cols, size_t n, void *payload) {
  inv_level_list *l = payload;
  if (n < 4) return TC_ECORRUPT;
  tc_stock_level *v = &l->last;
  tc__col_copy(v->sku, sizeof(v->sku), &cols[0]);
  tc__col_copy(v->warehouse, sizeof(v->warehouse), &cols[1]);
  v->on_hand = tc__col_int(&cols[2]);
  v->reserved = tc__col_int(&cols[3]);
  v->available = v->on_hand - v->reserved;
  l->count++;
  int rc = l->cb ? l->cb(v, l->payload) : 0;
  if (rc < 0) return rc;
  return rc ? TC_STORE_STOP : 0;
}

int tc_inventory_levels(tc_ctx *ctx, const tc_principal *who, const char *sku,
                        tc_stock_level_cb cb, void *payload) {
  if (!ctx || !cb) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_READ, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = tc__inv_check_sku(ctx, "sku", sku))) return rc;
  if ((rc = tc__inv_sku_known(ctx, sku))) return rc;
  inv_level_list l;
  memset(&l, 0, sizeof(l));
  l.cb = cb;
  l.payload = payload;
  tc_value p[] = {tc__inv_text(sku)};
  return tc__db_exec(ctx,
                     "SELECT s.sku, s.warehouse, s.on_hand, s.reserved "
                     "FROM inventory_stock s JOIN inventory_warehouses w "
                     "ON w.code = s.warehouse WHERE s.sku = ? "
                     "ORDER BY w.priority, w.code",
                     p, 1, inv_level_each, &l, NULL);
}

/* The cursor is "<warehouse>:<sku>": warehouse codes hold no ':'. */
int tc_inventory_levels_page(tc_ctx *ctx, const tc_principal *who,
                             const char *cursor, size_t limit,
                             tc_stock_level_cb cb, void *payload,
                             char *next_cursor) {
  if (!ctx || !cb) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_READ, NULL);
  if (arc) return arc;
  if (limit < 1 || limit > 1000)
    return tc__seterr(ctx, TC_EINVAL, "limit",
                      "limit must be between 1 and 1000");
  char wh[INV_WH_MAX + 1] = "", sku[INV_SKU_MAX + 1] = "";
  if (cursor && *cursor) {
    const char *colon = strchr(cursor, ':');
    size_t wl = colon ? (size_t)(colon - cursor) : 0;
    if (!colon || wl == 0 || wl > INV_WH_MAX || strlen(colon + 1) < 1 ||
        strlen(colon + 1) > INV_SKU_MAX)
      return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
    memcpy(wh, cursor, wl);
    wh[wl] = '\0';
    snprintf(sku, sizeof(sku), "%s", colon + 1);
  }
  /* Only now: next_cursor may be the cursor's own buffer. */
  if (next_cursor) next_cursor[0] = '\0';
  inv_level_list l;
  memset(&l, 0, sizeof(l));
  l.cb = cb;
  l.payload = payload;
  tc_value p[] = {tc__inv_text(sku), tc__inv_text(sku), tc__inv_text(wh),
                  TC_VAL_INT((int64_t)limit)};
  int rc = tc__db_exec(ctx,
                       "SELECT sku, warehouse, on_hand, reserved "
                       "FROM inventory_stock WHERE sku > ? OR "
                       "(sku = ? AND warehouse > ?) "
                       "ORDER BY sku, warehouse LIMIT ?",
                       p, 4, inv_level_each, &l, NULL);
  if (rc == TC_OK && l.count == limit && next_cursor)
    snprintf(next_cursor, 100, "%s:%s", l.last.warehouse, l.last.sku);
  return rc;
}

/* ---- adjust ---------------------------------------------------------- */

static int inv_adjust_args(tc_ctx *ctx, const char *sku, const char *wh,
                           int64_t delta, tc_stock_reason reason,
                           const char *actor, const char *reference) {
  int rc;
  if ((rc = tc__inv_check_sku(ctx, "sku", sku))) return rc;
  if ((rc = tc__inv_check_wh(ctx, "warehouse", wh))) return rc;
  if (delta == 0 || delta < -TC_INVENTORY_MAX_QTY ||
      delta > TC_INVENTORY_MAX_QTY)
    return tc__seterr(ctx, TC_EINVAL, "delta",
                      "delta must be non-zero and between -%d and %d",
                      TC_INVENTORY_MAX_QTY, TC_INVENTORY_MAX_QTY);
  switch (reason) {
    case TC_STOCK_RECEIPT:
    case TC_STOCK_RETURN:
      if (delta < 0)
        return tc__seterr(ctx, TC_EINVAL, "delta",
                          "a %s must add stock (delta > 0)",
                          tc_stock_reason_name(reason));
      break;
    case TC_STOCK_ADJUSTMENT:
      break;
    default:
      return tc__seterr(ctx, TC_EINVAL, "reason",
                        "reason must be receipt, adjustment or return");
  }
  if ((rc = tc__check_text(ctx, "actor", actor, 1, INV_TEXT_MAX, 0))) return rc;
  return tc__check_text(ctx, "reference", reference, 0, INV_TEXT_MAX,
                        TC__TEXT_NULL_OK);
}

/* Add delta to on_hand of an existing level row, keeping on_hand >=
 * reserved and <= MAX; the ledger row and event go with it. Inside the
 * caller's transaction. */
int tc__inv_apply_delta(tc_ctx *ctx, const char *sku, const char *wh,
                        int64_t delta, tc_stock_reason reason,
                        const char *actor, const char *reference,
                        int64_t *old_out, int64_t *new_out) {
  tc_stock_level before;
  int rc = tc__inv_level_read(ctx, sku, wh, &before);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ERROR, NULL, "level row of %s/%s missing", sku,
                      wh);
  if (rc) return rc;
  int64_t changed = 0;
  tc_value p[] = {TC_VAL_INT(delta),
                  TC_VAL_INT(tc__now_ms(ctx)),
                  tc__inv_text(sku),
                  tc__inv_text(wh),
                  TC_VAL_INT(delta),
                  TC_VAL_INT(delta),
                  TC_VAL_INT(TC_INVENTORY_MAX_QTY)};
  rc = tc__db_exec(ctx,
                   "UPDATE inventory_stock SET on_hand = on_hand + ?, "
                   "updated_ms = ? WHERE sku = ? AND warehouse = ? "
                   "AND on_hand + ? >= reserved AND on_hand + ? <= ?",
                   p, 7, NULL, NULL, &changed);
  if (rc) return rc;
  if (changed != 1) {
    /* Re-read: the row may have moved since `before` on other stores. */
    if ((rc = tc__inv_level_read(ctx, sku, wh, &before))) return rc;
    if (before.on_hand + delta > TC_INVENTORY_MAX_QTY)
      return tc__seterr(ctx, TC_EOVERFLOW, "quantity",
                        "%s in %s would exceed %d units", sku, wh,
                        TC_INVENTORY_MAX_QTY);
    return tc__seterr(ctx, TC_EINSUFFICIENT, "quantity",
                      "%s in %s: on hand %lld, reserved %lld; a change of "
                      "%lld would leave less than is reserved",
                      sku, wh, (long long)before.on_hand,
                      (long long)before.reserved, (long long)delta);
  }
  if ((rc = tc__inv_ledger_add(ctx, sku, wh, delta, reason, actor, reference)))
    return rc;
  if (old_out) *old_out = before.on_hand;
  if (new_out) *new_out = before.on_hand + delta;
  return tc__inv_touched(ctx, sku);
}

int tc_inventory_adjust(int64_t *on_hand_out, tc_ctx *ctx,
                        const tc_principal *who, const char *sku,
                        const char *warehouse, int64_t delta,
                        tc_stock_reason reason, const char *actor,
                        const char *reference) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  char named[INV_ACTOR_MAX];
  if (!actor) actor = tc__inv_actor(named, who);
  int rc;
  if ((rc = inv_adjust_args(ctx, sku, warehouse, delta, reason, actor,
                            reference)))
    return rc;
  if ((rc = tc__inv_sku_known(ctx, sku))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  int64_t before = 0, after = 0;
  if ((rc = tc__inv_wh_known(ctx, warehouse, NULL))) goto done;
  if ((rc = tc__inv_level_ensure(ctx, sku, warehouse))) goto done;
  if ((rc = tc__inv_apply_delta(ctx, sku, warehouse, delta, reason, actor,
                                reference, &before, &after)))
    goto done;
  cJSON *ev = cJSON_CreateObject();
  if (!ev || !cJSON_AddStringToObject(ev, "sku", sku) ||
      !cJSON_AddStringToObject(ev, "warehouse", warehouse) ||
      !cJSON_AddNumberToObject(ev, "delta", (double)delta) ||
      !cJSON_AddStringToObject(ev, "reason", tc_stock_reason_name(reason)) ||
      !cJSON_AddNumberToObject(ev, "on_hand", (double)after) ||
      !cJSON_AddStringToObject(ev, "actor", actor) ||
      !cJSON_AddStringToObject(ev, "reference", reference ? reference : "")) {
    cJSON_Delete(ev);
    ev = NULL;
  }
  rc = tc__publish_json(ctx, "inventory.adjusted", sku, ev, NULL);
done:
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK && on_hand_out) *on_hand_out = after;
  return rc;
}

/* ---- ledger ---------------------------------------------------------- */

typedef struct {
  tc_ledger_cb cb;
  void *payload;
} inv_ledger_list;

static int inv_ledger_each(const tc_value *cols, size_t n, void *payload) {
  inv_ledger_list *l = payload;
  if (n < 8) return TC_ECORRUPT;
  tc_ledger_entry e;
  memset(&e, 0, sizeof(e));
  tc__col_copy(e.id, sizeof(e.id), &cols[0]);
  tc__col_copy(e.sku, sizeof(e.sku), &cols[1]);
  tc__col_copy(e.warehouse, sizeof(e.warehouse), &cols[2]);
  e.delta = tc__col_int(&cols[3]);
  e.reason = tc__inv_reason_parse(tc__col_text(&cols[4]));
  tc__col_copy(e.actor, sizeof(e.actor), &cols[5]);
  tc__col_copy(e.reference, sizeof(e.reference), &cols[6]);
  e.created_ms = tc__col_int(&cols[7]);
  int rc = l->cb(&e, l->payload);
  if (rc < 0) return rc;
  return rc ? TC_STORE_STOP : 0;
}

int tc_inventory_ledger(tc_ctx *ctx, const tc_principal *who, const char *sku,
                        const char *warehouse, const char *after_id,
                        size_t limit, tc_ledger_cb cb, void *payload) {
  if (!ctx || !cb) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = tc__inv_check_sku(ctx, "sku", sku))) return rc;
  if (warehouse && (rc = tc__inv_check_wh(ctx, "warehouse", warehouse)))
    return rc;
  if (after_id && *after_id && tc_id_check(after_id) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "after", "after is not a ledger id");
  if (limit < 1 || limit > 1000)
    return tc__seterr(ctx, TC_EINVAL, "limit",
                      "limit must be between 1 and 1000");
  inv_ledger_list l = {cb, payload};
  tc_value p[] = {
      tc__inv_text(sku), tc__inv_text(warehouse), tc__inv_text(warehouse),
      tc__inv_text(after_id ? after_id : ""), TC_VAL_INT((int64_t)limit)};
  return tc__db_exec(ctx,
                     "SELECT id, sku, warehouse, delta, reason, actor, "
                     "reference, created_ms FROM inventory_ledger "
                     "WHERE sku = ? AND (? IS NULL OR warehouse = ?) "
                     "AND id > ? ORDER BY id LIMIT ?",
                     p, 5, inv_ledger_each, &l, NULL);
}

/* ---- invariants -------------------------------------------------------- */

typedef struct {
  tc_ctx *ctx;
  size_t problems;
  char first[300];
} inv_verify;

static int inv_verify_row(const tc_value *cols, size_t n, void *payload) {
  inv_verify *v = payload;
  if (n < 5) return TC_ECORRUPT;
  int64_t on_hand = tc__col_int(&cols[2]), reserved = tc__col_int(&cols[3]);
  int64_t ledger = tc__col_int(&cols[4]), held = tc__col_int(&cols[5]);
  const char *why = NULL;
  if (ledger != on_hand)
    why = "ledger sum differs from on_hand";
  else if (held != reserved)
    why = "held reservations differ from reserved";
  else if (reserved < 0 || on_hand < reserved)
    why = "on_hand >= reserved >= 0 does not hold";
  if (why) {
    if (v->problems++ == 0)
      snprintf(v->first, sizeof(v->first),
               "%s/%s: %s (on_hand %lld, reserved %lld, ledger %lld, "
               "held %lld)",
               tc__col_text(&cols[0]), tc__col_text(&cols[1]), why,
               (long long)on_hand, (long long)reserved, (long long)ledger,
               (long long)held);
  }
  return 0;
}

int tc_inventory_verify(tc_ctx *ctx, const tc_principal *who,
                        size_t *problems) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  if (problems) *problems = 0;
  inv_verify v = {ctx, 0, ""};
  /* One consistent snapshot for the whole check. */
  int rc = tc__txn_begin(ctx, TC_TXN_READ);
  if (rc) return rc;
  rc = tc__db_exec(
      ctx,
      "SELECT s.sku, s.warehouse, s.on_hand, s.reserved, "
      "(SELECT COALESCE(SUM(l.delta), 0) FROM inventory_ledger l "
      " WHERE l.sku = s.sku AND l.warehouse = s.warehouse), "
      "(SELECT COALESCE(SUM(rl.qty), 0) FROM inventory_reservation_lines rl "
      " JOIN inventory_reservations r ON r.id = rl.reservation_id "
      " WHERE rl.sku = s.sku AND rl.warehouse = s.warehouse "
      " AND r.state = 'held') "
      "FROM inventory_stock s ORDER BY s.sku, s.warehouse",
      NULL, 0, inv_verify_row, &v, NULL);
  rc = tc__txn_end(ctx, rc);
  if (rc) return rc;
  if (problems) *problems = v.problems;
  if (v.problems)
    return tc__seterr(ctx, TC_ECORRUPT, NULL, "%zu level(s) broken; first: %s",
                      v.problems, v.first);
  return TC_OK;
}

/* ---- thresholds -------------------------------------------------------- */

int tc_inventory_set_threshold(tc_ctx *ctx, const tc_principal *who,
                               const char *sku, int64_t threshold) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = tc__inv_check_sku(ctx, "sku", sku))) return rc;
  if (threshold < 0 || threshold > TC_INVENTORY_MAX_QTY)
    return tc__seterr(ctx, TC_EINVAL, "threshold",
                      "threshold must be between 0 and %d",
                      TC_INVENTORY_MAX_QTY);
  if ((rc = tc__inv_sku_known(ctx, sku))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  int64_t avail = 0;
  rc = tc__inv_available_db(ctx, sku, &avail);
  if (rc == TC_OK) {
    /* Start from the current side of the line: setting a threshold above
     * today's stock is not itself a crossing. */
    tc_value p[] = {tc__inv_text(sku), TC_VAL_INT(threshold),
                    TC_VAL_INT(avail < threshold ? 1 : 0),
                    TC_VAL_INT(tc__now_ms(ctx))};
    rc = tc__db_exec(ctx,
                     "INSERT INTO inventory_thresholds (sku, threshold, below, "
                     "updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT (sku) DO "
                     "UPDATE SET threshold = excluded.threshold, "
                     "below = excluded.below, updated_ms = excluded.updated_ms",
                     p, 4, NULL, NULL, NULL);
  }
  return tc__txn_end(ctx, rc);
}
