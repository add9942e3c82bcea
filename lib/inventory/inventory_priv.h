/*
 * lib/inventory/inventory_priv.h - what the files of the inventory module
 * share (other modules use its public functions: techcorp/inventory.h).
 */
#ifndef TC_INVENTORY_PRIV_H
#define TC_INVENTORY_PRIV_H

#include <cjson/cJSON.h>

#include "core/internal.h"
#include "techcorp/inventory.h"

#define INV_SKU_MAX 64
#define INV_WH_MAX 32
#define INV_TEXT_MAX 128

/* Per-context state (ctx->module_state[TC__SLOT_INVENTORY]). */
typedef struct inv_state {
  tc_inventory_options opts;
  /* SKUs whose availability changed in the running transaction; their
   * cache entries are invalidated once it has committed. */
  char (*dirty)[INV_SKU_MAX + 1];
  size_t ndirty, adirty;
} inv_state;

/* The options in force (defaults filled in); never NULL unless out of
 * memory, which it reports on ctx. */
inv_state *tc__inv_state(tc_ctx *ctx);

/* Argument checks: TC_OK or TC_EINVAL naming field. */
int tc__inv_check_sku(tc_ctx *ctx, const char *field, const char *sku);
int tc__inv_check_wh(tc_ctx *ctx, const char *field, const char *code);

/* The ledger's name for who, into buf (INV_ACTOR_MAX bytes): "user:<id>",
 * "system:<client_id>" or "system". Returns buf. */
#define INV_ACTOR_MAX 128
const char *tc__inv_actor(char *buf, const tc_principal *who);

/* The SKU exists in the catalog (TC_ENOTFOUND naming it otherwise). */
int tc__inv_sku_known(tc_ctx *ctx, const char *sku);
/* The warehouse exists; *active receives its flag (may be NULL). */
int tc__inv_wh_known(tc_ctx *ctx, const char *code, int *active);

/* Write a ledger row (inside the caller's transaction). */
int tc__inv_ledger_add(tc_ctx *ctx, const char *sku, const char *wh,
                       int64_t delta, tc_stock_reason reason, const char *actor,
                       const char *reference);

/* Make sure a level row exists for (sku, wh) (0/0). */
int tc__inv_level_ensure(tc_ctx *ctx, const char *sku, const char *wh);

/* Read one level; TC_ENOTFOUND (no message) when there is no row. */
int tc__inv_level_read(tc_ctx *ctx, const char *sku, const char *wh,
                       tc_stock_level *out);

/* Add delta to on_hand of an existing level row (on_hand >= reserved and
 * <= TC_INVENTORY_MAX_QTY kept, else TC_EINSUFFICIENT / TC_EOVERFLOW),
 * with its ledger row; inside the caller's transaction. old_out/new_out
 * may be NULL. */
int tc__inv_apply_delta(tc_ctx *ctx, const char *sku, const char *wh,
                        int64_t delta, tc_stock_reason reason,
                        const char *actor, const char *reference,
                        int64_t *old_out, int64_t *new_out);

/* TC_VAL_TEXT as a function: also for char arrays (the macro's NULL test
 * warns on those). */
static inline tc_value tc__inv_text(const char *s) {
  return s ? TC_VAL_TEXTN(s, strlen(s)) : TC_VAL_NULL;
}

/* A tc_buf that allocates through ctx's allocator. */
static inline tc_buf tc__inv_buf(tc_ctx *ctx) {
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  return b;
}

/* After a change of sku's availability inside a transaction: publish
 * inventory.low_stock on a downward crossing of its threshold, reset the
 * crossing on the way up, and remember sku: its cached availability is
 * dropped once the transaction commits (an after-commit hook, whoever
 * ends the transaction). */
int tc__inv_touched(tc_ctx *ctx, const char *sku);

/* Available stock of sku over active warehouses, from the database. */
int tc__inv_available_db(tc_ctx *ctx, const char *sku, int64_t *out);

/* Invalidate every SKU's cached availability (a warehouse changed). */
void tc__inv_invalidate_all(tc_ctx *ctx);

/* Append to b: printf (at most 255 bytes at a time) / s as a JSON string.
 * TC_ENOMEM or TC_EOVERFLOW. */
int tc__inv_buf_printf(tc_buf *b, const char *fmt, ...) TC_PRINTF(2, 3);
int tc__inv_buf_json(tc_buf *b, const char *s);

/* Parse the text forms of the enums (NULL or unknown: 0). */
tc_stock_reason tc__inv_reason_parse(const char *s);
tc_reservation_state tc__inv_state_parse(const char *s);

#endif
