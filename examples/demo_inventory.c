/*
 * examples/demo_inventory.c - the inventory part of the seed's flow: stock
 * in two warehouses, a reservation that is confirmed and one that expires,
 * a legacy stock feed applied once, and the invariants checked.
 *
 * demo_inventory(ctx) is called by examples/demo.c; it makes its own SKU in
 * the catalog so it does not depend on what other demo pieces created.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

int demo_inventory(tc_ctx *ctx);

#define DEMO_SKU "DEMO-TEE-M"

static int demo_fail(tc_ctx *ctx, const char *what, int rc) {
  printf("    %s failed: %s (%s)\n", what, tc_strerror(rc), tc_errmsg(ctx));
  return rc;
}

static int demo_sku(tc_ctx *ctx) {
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Inventory demo tee";
  tc_id pid, vid;
  int rc = tc_catalog_product_create(&pid, ctx, &host, &in);
  if (rc == TC_ECONFLICT) return TC_OK; /* made by an earlier run */
  if (rc) return demo_fail(ctx, "product", rc);
  tc_catalog_variant_input v = TC_CATALOG_VARIANT_INPUT_INIT;
  v.sku = DEMO_SKU;
  v.options = "{\"size\":\"M\"}";
  rc = tc_catalog_variant_add(&vid, ctx, &host, pid.str, &v);
  if (rc && rc != TC_ECONFLICT) return demo_fail(ctx, "variant", rc);
  return TC_OK;
}

static int print_level(const tc_stock_level *l, void *payload) {
  (void)payload;
  printf("    %-4s on_hand %3lld  reserved %3lld  available %3lld\n",
         l->warehouse, (long long)l->on_hand, (long long)l->reserved,
         (long long)l->available);
  return 0;
}

static void show(tc_ctx *ctx) {
  tc_inventory_levels(ctx, &host, DEMO_SKU, print_level, NULL);
}

int demo_inventory(tc_ctx *ctx) {
  int rc;
  printf("\n[inventory] Two warehouses and stock of %s\n", DEMO_SKU);
  if ((rc = demo_sku(ctx))) return rc;
  rc = tc_inventory_warehouse_create(ctx, &host, "SP", "Sao Paulo", 10, 1);
  if (rc && rc != TC_ECONFLICT) return demo_fail(ctx, "warehouse SP", rc);
  rc = tc_inventory_warehouse_create(ctx, &host, "RJ", "Rio de Janeiro", 20, 1);
  if (rc && rc != TC_ECONFLICT) return demo_fail(ctx, "warehouse RJ", rc);
  if ((rc = tc_inventory_adjust(NULL, ctx, &host, DEMO_SKU, "SP", 3,
                                TC_STOCK_RECEIPT, "demo", "NF-1001")) ||
      (rc = tc_inventory_adjust(NULL, ctx, &host, DEMO_SKU, "RJ", 5,
                                TC_STOCK_RECEIPT, "demo", "NF-1002")))
    return demo_fail(ctx, "receipt", rc);
  show(ctx);
  int64_t avail = 0;
  if ((rc = tc_inventory_available(ctx, DEMO_SKU, &avail)))
    return demo_fail(ctx, "available", rc);
  printf("    available to order: %lld\n", (long long)avail);

  printf("\n[inventory] Order 1001 reserves 2 (SP first, by priority)\n");
  tc_inventory_line line = {DEMO_SKU, 2};
  tc_reservation *a = NULL, *b = NULL;
  if ((rc = tc_inventory_reserve(&a, ctx, &host, "order-1001", "checkout-1001",
                                 &line, 1, 0)))
    return demo_fail(ctx, "reserve", rc);
  printf("    reservation %s: %lld in %s, expires in 15 min\n", a->id,
         (long long)a->allocs[0].qty, a->allocs[0].warehouse);

  printf(
      "\n[inventory] Order 1002 reserves 6: no warehouse has 6, so it "
      "is split (SP 1 + RJ 5)\n");
  line.qty = 6;
  if ((rc = tc_inventory_reserve(&b, ctx, &host, "order-1002", "checkout-1002",
                                 &line, 1, 0))) {
    tc_inventory_reservation_free(ctx, a);
    return demo_fail(ctx, "reserve", rc);
  }
  for (size_t i = 0; i < b->nallocs; i++)
    printf("    %lld in %s\n", (long long)b->allocs[i].qty,
           b->allocs[i].warehouse);
  show(ctx);

  printf("\n[inventory] A third order wants 1: refused, nothing held\n");
  line.qty = 1;
  tc_reservation *c = NULL;
  rc = tc_inventory_reserve(&c, ctx, &host, "order-1003", "checkout-1003",
                            &line, 1, 0);
  printf("    -> %s: %s\n", tc_status_name(rc), tc_errmsg(ctx));

  printf("\n[inventory] Order 1001 is paid: its reservation is confirmed\n");
  if ((rc = tc_inventory_confirm(ctx, &host, a->id))) goto done_fail;
  printf("    confirmed; stock left on_hand (ledger reason 'sale')\n");

  printf(
      "\n[inventory] Order 1002 is abandoned; 16 minutes later the sweep "
      "expires it\n");
  size_t n = 0;
  if ((rc = tc_inventory_sweep(ctx, tc_ctx_now_ms(ctx) + 16 * 60000, 100, &n)))
    goto done_fail;
  printf("    sweep expired %zu reservation(s)\n", n);
  rc = tc_inventory_confirm(ctx, &host, b->id);
  printf("    confirming it now -> %s: %s\n", tc_status_name(rc),
         tc_errmsg(ctx));
  show(ctx);

  printf("\n[inventory] The legacy ERP sends a stock feed (twice)\n");
  const char *feed = "sku,warehouse,quantity,mode\n" DEMO_SKU
                     ",SP,10,set\n" DEMO_SKU ",RJ,-1,delta\n";
  tc_sync_result *r = NULL;
  for (int i = 0; i < 2; i++) {
    if ((rc = tc_inventory_import(&r, ctx, &host, "erp-2024-06-01", TC_FEED_CSV,
                                  feed, strlen(feed), NULL)))
      goto done_fail;
    printf("    %s: %zu rows, %zu changes%s\n", r->feed_id, r->rows,
           r->nchanges, r->replayed ? " (replayed: nothing applied)" : "");
    for (size_t k = 0; !r->replayed && k < r->nchanges; k++)
      printf("      %s/%s %lld -> %lld\n", r->changes[k].sku,
             r->changes[k].warehouse, (long long)r->changes[k].old_on_hand,
             (long long)r->changes[k].new_on_hand);
    tc_inventory_sync_result_free(ctx, r);
  }
  const char *bad =
      "sku,warehouse,quantity\n" DEMO_SKU ",SP,7\n" DEMO_SKU ",SP,lots\n";
  rc = tc_inventory_import(&r, ctx, &host, "erp-bad", TC_FEED_CSV, bad,
                           strlen(bad), NULL);
  printf("    a malformed feed -> %s: %s (nothing applied)\n",
         tc_status_name(rc), tc_errmsg(ctx));

  printf("\n[inventory] Export and invariants\n");
  tc_buf out = TC_BUF_INIT;
  if ((rc = tc_inventory_export(&out, ctx, &host, TC_FEED_CSV))) goto done_fail;
  for (char *p = out.ptr, *e; p && *p; p = e + 1) {
    if (!(e = strchr(p, '\n'))) break;
    if (strncmp(p, DEMO_SKU, strlen(DEMO_SKU)) == 0 ||
        strncmp(p, "sku,", 4) == 0)
      printf("    %.*s\n", (int)(e - p - (e > p && e[-1] == '\r')), p);
  }
  tc_buf_dispose(&out);
  size_t problems = 0;
  if ((rc = tc_inventory_verify(ctx, &host, &problems))) goto done_fail;
  printf("    ledger = levels, on_hand >= reserved >= 0: ok\n");
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  return 0;

done_fail:
  demo_fail(ctx, "inventory step", rc);
  tc_inventory_reservation_free(ctx, a);
  tc_inventory_reservation_free(ctx, b);
  return rc;
}
