/*
 * lib/inventory/common.c - options, argument checks, the ledger, level rows
 * and the low-stock / cache bookkeeping every change goes through.
 */
#include <stdarg.h>
#include <stdio.h>

#include "techcorp/catalog.h"
#include "inventory_priv.h"

#define INV_DEFAULT_TTL_MS (15 * 60 * 1000)
#define INV_MAX_TTL_MS ((int64_t)7 * 24 * 3600 * 1000)

static void inv_state_free(tc_ctx *ctx, void *p) {
  inv_state *st = p;
  if (!st) return;
  tc__free(ctx, st->dirty);
  tc__free(ctx, st);
}

static void inv_defaults(tc_inventory_options *o) {
  if (o->reservation_ttl_ms <= 0) o->reservation_ttl_ms = INV_DEFAULT_TTL_MS;
  if (o->busy_retries == 0) o->busy_retries = 10;
  if (o->max_feed_bytes == 0) o->max_feed_bytes = (size_t)16 << 20;
  if (o->max_feed_rows == 0) o->max_feed_rows = 100000;
  if (o->cache_ttl_ms <= 0) o->cache_ttl_ms = 30000;
}

inv_state *tc__inv_state(tc_ctx *ctx) {
  inv_state *st = ctx->module_state[TC__SLOT_INVENTORY];
  if (st) return st;
  st = tc__calloc(ctx, 1, sizeof(*st));
  if (!st) {
    tc__oom(ctx);
    return NULL;
  }
  st->opts.version = TC_INVENTORY_OPTIONS_VERSION;
  inv_defaults(&st->opts);
  ctx->module_state[TC__SLOT_INVENTORY] = st;
  ctx->module_state_free[TC__SLOT_INVENTORY] = inv_state_free;
  return st;
}

int tc_inventory_configure(tc_ctx *ctx, const tc_inventory_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts || opts->version < 1 ||
      opts->version > TC_INVENTORY_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "inventory options version %u is not supported",
                      opts ? opts->version : 0u);
  if (opts->reservation_ttl_ms < 0 || opts->reservation_ttl_ms > INV_MAX_TTL_MS)
    return tc__seterr(ctx, TC_EINVAL, "reservation_ttl_ms",
                      "reservation_ttl_ms must be between 0 and 7 days");
  if (opts->cache_ttl_ms < 0)
    return tc__seterr(ctx, TC_EINVAL, "cache_ttl_ms",
                      "cache_ttl_ms must not be negative");
  inv_state *st = tc__inv_state(ctx);
  if (!st) return TC_ENOMEM;
  st->opts = *opts;
  st->opts.version = TC_INVENTORY_OPTIONS_VERSION;
  inv_defaults(&st->opts);
  return TC_OK;
}

/* ---- checks ---------------------------------------------------------- */

int tc__inv_check_sku(tc_ctx *ctx, const char *field, const char *sku) {
  return tc__check_text(ctx, field, sku, 1, INV_SKU_MAX, 0);
}

int tc__inv_check_wh(tc_ctx *ctx, const char *field, const char *code) {
  if (!code || !*code)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  size_t n = strlen(code);
  if (n > INV_WH_MAX)
    return tc__seterr(ctx, TC_EINVAL, field, "%s must be at most %d bytes long",
                      field, INV_WH_MAX);
  for (size_t i = 0; i < n; i++) {
    char c = code[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s may hold only A-Z, 0-9, '_' and '-'", field);
  }
  return TC_OK;
}

const char *tc__inv_actor(char *buf, const tc_principal *who) {
  if (who && who->kind == TC_PRINCIPAL_USER)
    snprintf(buf, INV_ACTOR_MAX, "user:%s", who->user_id);
  else if (who && who->client_id[0])
    snprintf(buf, INV_ACTOR_MAX, "system:%.63s", who->client_id);
  else
    snprintf(buf, INV_ACTOR_MAX, "system");
  return buf;
}

int tc__inv_sku_known(tc_ctx *ctx, const char *sku) {
  tc_catalog_sku_info info;
  int rc = tc_catalog_sku_lookup(&info, ctx, &tc__system_principal, sku);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "unknown SKU '%s'", sku);
  return rc;
}

static int inv_wh_row(const tc_value *cols, size_t n, void *payload) {
  if (n >= 1 && payload) *(int *)payload = (int)tc__col_int(&cols[0]);
  return 0;
}

int tc__inv_wh_known(tc_ctx *ctx, const char *code, int *active) {
  tc_value p[] = {tc__inv_text(code)};
  int rc =
      tc__db_row(ctx, "SELECT active FROM inventory_warehouses WHERE code = ?",
                 p, 1, inv_wh_row, active);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "warehouse", "unknown warehouse '%s'",
                      code);
  return rc;
}

/* ---- names ----------------------------------------------------------- */

static const char *const inv_reasons[] = {NULL,   "receipt", "adjustment",
                                          "sale", "return",  "sync"};
static const char *const inv_states[] = {NULL, "held", "confirmed", "released",
                                         "expired"};

const char *tc_stock_reason_name(tc_stock_reason reason) {
  if (reason < TC_STOCK_RECEIPT || reason > TC_STOCK_SYNC) return NULL;
  return inv_reasons[reason];
}

const char *tc_reservation_state_name(tc_reservation_state state) {
  if (state < TC_RESERVATION_HELD || state > TC_RESERVATION_EXPIRED)
    return NULL;
  return inv_states[state];
}

tc_stock_reason tc__inv_reason_parse(const char *s) {
  for (int i = TC_STOCK_RECEIPT; s && i <= TC_STOCK_SYNC; i++)
    if (strcmp(s, inv_reasons[i]) == 0) return (tc_stock_reason)i;
  return (tc_stock_reason)0;
}

tc_reservation_state tc__inv_state_parse(const char *s) {
  for (int i = TC_RESERVATION_HELD; s && i <= TC_RESERVATION_EXPIRED; i++)
    if (strcmp(s, inv_states[i]) == 0) return (tc_reservation_state)i;
  return (tc_reservation_state)0;
}

/* ---- ledger and levels ------------------------------------------------ */

int tc__inv_ledger_add(tc_ctx *ctx, const char *sku, const char *wh,
                       int64_t delta, tc_stock_reason reason, const char *actor,
                       const char *reference) {
  char id[TC_ID_STRLEN + 1];
  int64_t now = tc__now_ms(ctx);
  tc__uuid7(id, now, &ctx->random);
  tc_value p[] = {tc__inv_text(id),
                  tc__inv_text(sku),
                  tc__inv_text(wh),
                  TC_VAL_INT(delta),
                  tc__inv_text(tc_stock_reason_name(reason)),
                  tc__inv_text(actor ? actor : ""),
                  tc__inv_text(reference ? reference : ""),
                  TC_VAL_INT(now)};
  return tc__db_exec(ctx,
                     "INSERT INTO inventory_ledger (id, sku, warehouse, delta, "
                     "reason, actor, reference, created_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     p, 8, NULL, NULL, NULL);
}

int tc__inv_level_ensure(tc_ctx *ctx, const char *sku, const char *wh) {
  tc_value p[] = {tc__inv_text(sku), tc__inv_text(wh),
                  TC_VAL_INT(tc__now_ms(ctx))};
  return tc__db_exec(ctx,
                     "INSERT INTO inventory_stock (sku, warehouse, on_hand, "
                     "reserved, updated_ms) VALUES (?, ?, 0, 0, ?) "
                     "ON CONFLICT DO NOTHING",
                     p, 3, NULL, NULL, NULL);
}

static int inv_level_row(const tc_value *cols, size_t n, void *payload) {
  tc_stock_level *l = payload;
  if (n < 4) return TC_ECORRUPT;
  tc__col_copy(l->sku, sizeof(l->sku), &cols[0]);
  tc__col_copy(l->warehouse, sizeof(l->warehouse), &cols[1]);
  l->on_hand = tc__col_int(&cols[2]);
  l->reserved = tc__col_int(&cols[3]);
  l->available = l->on_hand - l->reserved;
  return 0;
}

int tc__inv_level_read(tc_ctx *ctx, const char *sku, const char *wh,
                       tc_stock_level *out) {
  tc_value p[] = {tc__inv_text(sku), tc__inv_text(wh)};
  return tc__db_row(ctx,
                    "SELECT sku, warehouse, on_hand, reserved FROM "
                    "inventory_stock WHERE sku = ? AND warehouse = ?",
                    p, 2, inv_level_row, out);
}

/* ---- low stock and cache invalidation ---------------------------------- */

static int inv_int_row(const tc_value *cols, size_t n, void *payload) {
  if (n >= 1) *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

static const char *const SQL_AVAILABLE =
    "SELECT COALESCE(SUM(s.on_hand - s.reserved), 0) FROM inventory_stock s "
    "JOIN inventory_warehouses w ON w.code = s.warehouse "
    "WHERE s.sku = ? AND w.active = 1";

int tc__inv_available_db(tc_ctx *ctx, const char *sku, int64_t *out) {
  tc_value p[] = {tc__inv_text(sku)};
  *out = 0;
  return tc__db_exec(ctx, SQL_AVAILABLE, p, 1, inv_int_row, out, NULL);
}

static void inv_after_commit(tc_ctx *ctx, void *arg, bool committed);

static int inv_mark_dirty(tc_ctx *ctx, const char *sku) {
  inv_state *st = tc__inv_state(ctx);
  if (!st) return TC_ENOMEM;
  /* Only the last entry is compared (a feed touches SKUs in order): a
   * duplicate further back costs one more cache bump, a full scan would
   * cost a feed of n SKUs n^2 compares. */
  if (st->ndirty && strcmp(st->dirty[st->ndirty - 1], sku) == 0)
    return tc__txn_on_commit(ctx, inv_after_commit, NULL);
  if (st->ndirty == st->adirty) {
    size_t na = st->adirty ? st->adirty * 2 : 16;
    void *p = tc__realloc(ctx, st->dirty, na * sizeof(*st->dirty));
    if (!p) return tc__oom(ctx);
    st->dirty = p;
    st->adirty = na;
  }
  snprintf(st->dirty[st->ndirty++], sizeof(st->dirty[0]), "%s", sku);
  /* Registered after the SKU is listed: outside a transaction the hook
   * runs at once. */
  return tc__txn_on_commit(ctx, inv_after_commit, NULL);
}

int tc__inv_touched(tc_ctx *ctx, const char *sku) {
  int rc = inv_mark_dirty(ctx, sku);
  if (rc) return rc;
  int64_t avail = 0;
  if ((rc = tc__inv_available_db(ctx, sku, &avail))) return rc;
  int64_t now = tc__now_ms(ctx);
  /* Conditional updates decide the crossing, so two writers never both
   * announce the same one. */
  tc_value down[] = {TC_VAL_INT(now), tc__inv_text(sku), TC_VAL_INT(avail)};
  int64_t changed = 0;
  rc = tc__db_exec(ctx,
                   "UPDATE inventory_thresholds SET below = 1, updated_ms = ? "
                   "WHERE sku = ? AND below = 0 AND threshold > ?",
                   down, 3, NULL, NULL, &changed);
  if (rc) return rc;
  if (changed == 1) {
    int64_t threshold = 0;
    tc_value p[] = {tc__inv_text(sku)};
    rc = tc__db_row(ctx,
                    "SELECT threshold FROM inventory_thresholds WHERE sku = ?",
                    p, 1, inv_int_row, &threshold);
    if (rc) return rc;
    cJSON *ev = cJSON_CreateObject();
    if (!ev || !cJSON_AddStringToObject(ev, "sku", sku) ||
        !cJSON_AddNumberToObject(ev, "available", (double)avail) ||
        !cJSON_AddNumberToObject(ev, "threshold", (double)threshold)) {
      cJSON_Delete(ev);
      ev = NULL;
    }
    return tc__publish_json(ctx, "inventory.low_stock", sku, ev, NULL);
  }
  tc_value up[] = {TC_VAL_INT(now), tc__inv_text(sku), TC_VAL_INT(avail)};
  return tc__db_exec(
      ctx,
      "UPDATE inventory_thresholds SET below = 0, updated_ms = ? "
      "WHERE sku = ? AND below = 1 AND threshold <= ?",
      up, 3, NULL, NULL, NULL);
}

/* Cached availability: "inv:gen:<sku>" is a counter bumped after every
 * committed change, "inv:avail:<sku>" holds "<gen>:<available>". A value
 * read from the database before a change but stored after it carries the
 * old generation and is ignored, so a slow reader can never pin a stale
 * figure in the cache. A second counter, "inv:gen:*", covers changes that
 * touch every SKU (a warehouse turned off). */
static void inv_cache_keys(char *gen, char *val, size_t size, const char *sku) {
  snprintf(gen, size, "inv:gen:%s", sku);
  snprintf(val, size, "inv:avail:%s", sku);
}

#define INV_GEN_TTL_MS ((int64_t)24 * 3600 * 1000)
/* Bumped when a warehouse changes (active flag): every SKU's figure. */
#define INV_GEN_ALL "inv:gen:*"

void tc__inv_invalidate_all(tc_ctx *ctx) {
  int64_t n = 0;
  if (ctx->cache)
    ctx->cache->incr(ctx->cache->self, INV_GEN_ALL, 1, INV_GEN_TTL_MS, &n);
}

/* The after-commit hook of every transaction that touched a SKU: drop the
 * cached availability of what was committed, whichever module ended the
 * transaction. */
static void inv_after_commit(tc_ctx *ctx, void *arg, bool committed) {
  (void)arg;
  inv_state *st = ctx->module_state[TC__SLOT_INVENTORY];
  if (!st) return;
  tc_cache *c = ctx->cache;
  for (size_t i = 0; committed && c && i < st->ndirty; i++) {
    char gen[600], val[600];
    int64_t n = 0;
    inv_cache_keys(gen, val, sizeof(gen), st->dirty[i]);
    /* Best effort: a cache that fails cannot undo the commit; the value's
     * TTL bounds how long it may lag. */
    if (c->incr(c->self, gen, 1, INV_GEN_TTL_MS, &n) != TC_OK)
      c->del(c->self, val);
  }
  st->ndirty = 0;
}

int tc_inventory_any_available(int *out, tc_ctx *ctx, const char *const *skus,
                               size_t n) {
  if (out) *out = 0;
  if (!ctx || !out || (n && !skus)) return TC_EINVAL;
  tc__clearerr(ctx);
  for (size_t i = 0; i < n && !*out; i++) {
    int64_t avail = 0;
    int rc = tc__inv_available_db(ctx, skus[i], &avail);
    if (rc) return rc;
    *out = avail > 0;
  }
  return TC_OK;
}

int tc_inventory_available(tc_ctx *ctx, const char *sku, int64_t *out) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  *out = 0;
  int rc;
  if ((rc = tc__inv_check_sku(ctx, "sku", sku))) return rc;
  inv_state *st = tc__inv_state(ctx);
  if (!st) return TC_ENOMEM;
  tc_cache *c = ctx->cache;
  char gen[600], val[600];
  inv_cache_keys(gen, val, sizeof(gen), sku);
  int64_t g = -1, w = -1;
  if (c && (c->incr(c->self, gen, 0, INV_GEN_TTL_MS, &g) != TC_OK ||
            c->incr(c->self, INV_GEN_ALL, 0, INV_GEN_TTL_MS, &w) != TC_OK))
    g = -1;
  if (c && g >= 0) {
    tc_buf b = TC_BUF_INIT;
    if (c->get(c->self, val, &b) == TC_OK && b.ptr) {
      long long cw = -1, cg = -1, cv = -1;
      if (sscanf(b.ptr, "%lld:%lld:%lld", &cw, &cg, &cv) == 3 && cw == w &&
          cg == g && cv >= 0) {
        tc_buf_dispose(&b);
        *out = cv;
        return TC_OK;
      }
    }
    tc_buf_dispose(&b);
  }
  if ((rc = tc__inv_sku_known(ctx, sku))) return rc;
  int64_t avail = 0;
  if ((rc = tc__inv_available_db(ctx, sku, &avail))) return rc;
  if (c && g >= 0) {
    char v[64];
    int n = snprintf(v, sizeof(v), "%lld:%lld:%lld", (long long)w, (long long)g,
                     (long long)avail);
    c->set(c->self, val, v, (size_t)n, st->opts.cache_ttl_ms);
  }
  *out = avail;
  return TC_OK;
}

int tc__inv_buf_printf(tc_buf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(tmp)) return TC_EOVERFLOW;
  return tc_buf_put(b, tmp, (size_t)n);
}

int tc__inv_buf_json(tc_buf *b, const char *s) {
  int rc = tc_buf_put(b, "\"", 1);
  for (const char *p = s; rc == TC_OK && *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      rc = tc_buf_put(b, e, 2);
    } else if (c < 0x20) {
      rc = tc__inv_buf_printf(b, "\\u%04x", c);
    } else {
      rc = tc_buf_put(b, p, 1);
    }
  }
  return rc ? rc : tc_buf_put(b, "\"", 1);
}
