/*
 * tests/test_inventory_fixture.c - shared setup for the inventory suites:
 * catalog SKUs, warehouses, stock, a snapshot of every inventory table (to
 * prove that a failed call changed nothing) and event counting.
 */
#include <stdio.h>

#include "test_inventory_fixture.h"

void ti_sku(tc_ctx *ctx, const char *sku) {
  char title[128];
  snprintf(title, sizeof(title), "Product %s", sku);
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = title;
  tc_id pid, vid;
  int rc = tc_catalog_product_create(&pid, ctx, tt_sys(), &in);
  ck_assert_msg(rc == TC_OK, "product %s: %s", sku, tc_errmsg(ctx));
  tc_catalog_variant_input v = TC_CATALOG_VARIANT_INPUT_INIT;
  v.sku = sku;
  rc = tc_catalog_variant_add(&vid, ctx, tt_sys(), pid.str, &v);
  ck_assert_msg(rc == TC_OK, "variant %s: %s", sku, tc_errmsg(ctx));
}

void ti_wh(tc_ctx *ctx, const char *code, int32_t priority) {
  int rc =
      tc_inventory_warehouse_create(ctx, tt_sys(), code, code, priority, 1);
  ck_assert_msg(rc == TC_OK, "warehouse %s: %s", code, tc_errmsg(ctx));
}

void ti_stock(tc_ctx *ctx, const char *sku, const char *wh, int64_t n) {
  int rc = tc_inventory_adjust(NULL, ctx, tt_sys(), sku, wh, n,
                               TC_STOCK_RECEIPT, "test", "setup");
  ck_assert_msg(rc == TC_OK, "stock %s/%s: %s", sku, wh, tc_errmsg(ctx));
}

void ti_setup(tc_ctx *ctx) {
  ti_wh(ctx, "SP", 10);
  ti_wh(ctx, "RJ", 20);
  ti_sku(ctx, "SKU-A");
  ti_sku(ctx, "SKU-B");
  ti_sku(ctx, "SKU-C");
}

ti_level ti_level_of(tc_ctx *ctx, const char *sku, const char *wh) {
  tc__inv_check_sku(ctx, "sku", sku);
  tc_stock_level l;
  ti_level out = {0, 0};
  if (tc__inv_level_read(ctx, sku, wh, &l) == TC_OK) {
    out.on_hand = l.on_hand;
    out.reserved = l.reserved;
  }
  return out;
}

int64_t ti_available(tc_ctx *ctx, const char *sku) {
  int64_t n = -1;
  int rc = tc_inventory_available(ctx, sku, &n);
  ck_assert_msg(rc == TC_OK, "available %s: %s", sku, tc_errmsg(ctx));
  return n;
}

static int snap_row(const tc_value *cols, size_t n, void *payload) {
  tc_buf *b = payload;
  for (size_t i = 0; i < n; i++) {
    char tmp[64];
    if (cols[i].type == TC_VALUE_TEXT)
      tc_buf_puts(b, cols[i].v.s);
    else if (cols[i].type == TC_VALUE_INT) {
      snprintf(tmp, sizeof(tmp), "%lld", (long long)cols[i].v.i);
      tc_buf_puts(b, tmp);
    } else {
      tc_buf_puts(b, "~");
    }
    tc_buf_puts(b, "|");
  }
  tc_buf_puts(b, "\n");
  return 0;
}

char *ti_snapshot(tc_ctx *ctx) {
  static const char *const sql[] = {
      "SELECT * FROM inventory_warehouses ORDER BY code",
      "SELECT * FROM inventory_stock ORDER BY sku, warehouse",
      "SELECT * FROM inventory_ledger ORDER BY id",
      "SELECT * FROM inventory_reservations ORDER BY id",
      "SELECT * FROM inventory_reservation_lines ORDER BY 1, 2, 3",
      "SELECT * FROM inventory_thresholds ORDER BY sku",
      "SELECT * FROM inventory_feeds ORDER BY feed_id",
      "SELECT count(*) FROM tc_queue_messages",
  };
  tc_buf b = TC_BUF_INIT;
  tc_store *s = tc_ctx_store(ctx);
  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
    tc_buf_puts(&b, sql[i]);
    tc_buf_puts(&b, "\n");
    ck_assert_int_eq(s->exec(s->self, sql[i], NULL, 0, snap_row, &b, NULL),
                     TC_OK);
  }
  return b.ptr;
}

void ti_events_start(tc_ctx *ctx) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "ti", "inventory.*"), TC_OK);
}

int ti_events_count(tc_ctx *ctx, const char *topic, char *last_payload,
                    size_t size) {
  int n = 0;
  tc_queue_message *m = NULL;
  while (tc_events_take(ctx, "ti", 60000, &m) == TC_OK) {
    if (!topic || strcmp(m->topic, topic) == 0) {
      n++;
      if (last_payload) snprintf(last_payload, size, "%s", m->payload);
    }
    ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  }
  return n;
}

tc_ctx *ti_ctx_on(const char *dir, tc_cache *cache, tt_clock *clock) {
  char path[4200];
  snprintf(path, sizeof(path), "%s/test.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.cache = cache;
  if (clock) cfg.clock = &clock->clock;
  tc_ctx *ctx = NULL;
  int rc = tc_ctx_new(&ctx, &cfg);
  ck_assert_msg(rc == TC_OK, "tc_ctx_new: %s", tc_last_error_message());
  return ctx;
}

void ti_ctx_close(tc_ctx *ctx) {
  tc_store *s = ctx ? tc_ctx_store(ctx) : NULL;
  tc_ctx_free(ctx);
  if (s) s->free(s->self);
}
