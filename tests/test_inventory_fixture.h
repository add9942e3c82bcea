/* tests/test_inventory_fixture.h - see test_inventory_fixture.c. */
#ifndef TEST_INVENTORY_FIXTURE_H
#define TEST_INVENTORY_FIXTURE_H

#include "inventory/inventory_priv.h"
#include "testutil.h"

typedef struct ti_level {
  int64_t on_hand, reserved;
} ti_level;

/* A published product with one variant of this SKU. */
void ti_sku(tc_ctx *ctx, const char *sku);
void ti_wh(tc_ctx *ctx, const char *code, int32_t priority);
/* A receipt of n units. */
void ti_stock(tc_ctx *ctx, const char *sku, const char *wh, int64_t n);
/* Warehouses SP (priority 10), RJ (20); SKUs SKU-A, SKU-B, SKU-C. */
void ti_setup(tc_ctx *ctx);
ti_level ti_level_of(tc_ctx *ctx, const char *sku, const char *wh);
int64_t ti_available(tc_ctx *ctx, const char *sku);
/* Every inventory table and the queue's message count, as text (free()). */
char *ti_snapshot(tc_ctx *ctx);
/* Subscribe group "ti" to inventory.*; count (and ack) taken messages of
 * topic (NULL: all), keeping the last payload. */
void ti_events_start(tc_ctx *ctx);
int ti_events_count(tc_ctx *ctx, const char *topic, char *last_payload,
                    size_t size);
/* Another context on dir/test.db (cache/clock may be NULL). */
tc_ctx *ti_ctx_on(const char *dir, tc_cache *cache, tt_clock *clock);
void ti_ctx_close(tc_ctx *ctx);

#endif
