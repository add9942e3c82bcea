/*
 * lib/inventory/warehouses.c - the warehouses: few rows, read often.
 */
#include "inventory_priv.h"

#define INV_PRIORITY_MAX 1000000

static int inv_wh_args(tc_ctx *ctx, const char *name, int32_t priority,
                       int active, bool partial) {
  int rc;
  if (!(partial && !name) &&
      (rc = tc__check_text(ctx, "name", name, 1, INV_TEXT_MAX, 0)))
    return rc;
  if (!(partial && priority < 0) &&
      (priority < 0 || priority > INV_PRIORITY_MAX))
    return tc__seterr(ctx, TC_EINVAL, "priority",
                      "priority must be between 0 and %d", INV_PRIORITY_MAX);
  if (!(partial && active < 0) && active != 0 && active != 1)
    return tc__seterr(ctx, TC_EINVAL, "active", "active must be 0 or 1");
  return TC_OK;
}

int tc_inventory_warehouse_create(tc_ctx *ctx, const tc_principal *who,
                                  const char *code, const char *name,
                                  int32_t priority, int active) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = tc__inv_check_wh(ctx, "code", code))) return rc;
  if ((rc = inv_wh_args(ctx, name, priority, active, false))) return rc;
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {tc__inv_text(code), tc__inv_text(name), TC_VAL_INT(priority),
                  TC_VAL_INT(active), TC_VAL_INT(now),    TC_VAL_INT(now)};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__db_exec(ctx,
                   "INSERT INTO inventory_warehouses (code, name, priority, "
                   "active, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6, NULL, NULL, NULL);
  if (rc == TC_ECONFLICT)
    rc = tc__seterr(ctx, TC_ECONFLICT, "code", "warehouse '%s' already exists",
                    code);
  return tc__txn_end(ctx, rc);
}

int tc_inventory_warehouse_update(tc_ctx *ctx, const tc_principal *who,
                                  const char *code, const char *name,
                                  int32_t priority, int active) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = tc__inv_check_wh(ctx, "code", code))) return rc;
  if ((rc = inv_wh_args(ctx, name, priority, active, true))) return rc;
  tc_value p[] = {tc__inv_text(name),   TC_VAL_INT(priority),
                  TC_VAL_INT(priority), TC_VAL_INT(active),
                  TC_VAL_INT(active),   TC_VAL_INT(tc__now_ms(ctx)),
                  tc__inv_text(code)};
  int64_t changed = 0;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__db_exec(ctx,
                   "UPDATE inventory_warehouses SET "
                   "name = COALESCE(?, name), "
                   "priority = CASE WHEN ? < 0 THEN priority ELSE ? END, "
                   "active = CASE WHEN ? < 0 THEN active ELSE ? END, "
                   "updated_ms = ? WHERE code = ?",
                   p, 7, NULL, NULL, &changed);
  if (rc == TC_OK && changed == 0)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "code", "unknown warehouse '%s'", code);
  rc = tc__txn_end(ctx, rc);
  /* Availability counts active warehouses only. */
  if (rc == TC_OK && active >= 0 && ctx->txn_depth == 0)
    tc__inv_invalidate_all(ctx);
  return rc;
}

static int inv_wh_read(const tc_value *cols, size_t n, tc_warehouse *w) {
  if (n < 6) return TC_ECORRUPT;
  memset(w, 0, sizeof(*w));
  tc__col_copy(w->code, sizeof(w->code), &cols[0]);
  tc__col_copy(w->name, sizeof(w->name), &cols[1]);
  w->priority = (int32_t)tc__col_int(&cols[2]);
  w->active = (int)tc__col_int(&cols[3]);
  w->created_ms = tc__col_int(&cols[4]);
  w->updated_ms = tc__col_int(&cols[5]);
  return 0;
}

static int inv_wh_one(const tc_value *cols, size_t n, void *payload) {
  return inv_wh_read(cols, n, payload);
}

int tc_inventory_warehouse_get(tc_warehouse *out, tc_ctx *ctx,
                               const tc_principal *who, const char *code) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = tc__inv_check_wh(ctx, "code", code))) return rc;
  tc_value p[] = {tc__inv_text(code)};
  rc = tc__db_row(ctx,
                  "SELECT code, name, priority, active, created_ms, updated_ms "
                  "FROM inventory_warehouses WHERE code = ?",
                  p, 1, inv_wh_one, out);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "code", "unknown warehouse '%s'",
                      code);
  return rc;
}

typedef struct {
  tc_warehouse_cb cb;
  void *payload;
  int stopped;
} inv_wh_list;

static int inv_wh_each(const tc_value *cols, size_t n, void *payload) {
  inv_wh_list *l = payload;
  tc_warehouse w;
  int rc = inv_wh_read(cols, n, &w);
  if (rc) return rc;
  rc = l->cb(&w, l->payload);
  if (rc < 0) return rc;
  return rc ? TC_STORE_STOP : 0;
}

int tc_inventory_warehouse_list(tc_ctx *ctx, const tc_principal *who,
                                tc_warehouse_cb cb, void *payload) {
  if (!ctx || !cb) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  inv_wh_list l = {cb, payload, 0};
  return tc__db_exec(ctx,
                     "SELECT code, name, priority, active, created_ms, "
                     "updated_ms FROM inventory_warehouses "
                     "ORDER BY priority, code",
                     NULL, 0, inv_wh_each, &l, NULL);
}
