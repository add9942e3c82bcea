/*
 * examples/demo_orders.c - the order part of the seed's "Fluxo de Pedido":
 * a guest fills a cart, logs in (the cart merges), checks out (stock
 * reserved, payment authorized through the sandbox, stock confirmed, order
 * paid), a retried checkout replays, a declined card fails an order and
 * releases its stock, the paid order is fulfilled (payment captured),
 * shipped and delivered, one unit comes back (refund + return to stock),
 * and the recovery sweep finds nothing left half-done.
 *
 * demo_orders(ctx) is called by examples/demo.c; it makes its own product,
 * warehouse and stock so it does not depend on other demo pieces.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

int demo_orders(tc_ctx *ctx);

#define DEMO_SKU "DEMO-ORDER-MUG"

static int demo_fail(tc_ctx *ctx, const char *what, int rc) {
  printf("    %s failed: %s (%s)\n", what, tc_strerror(rc), tc_errmsg(ctx));
  return rc;
}

static int demo_product(tc_ctx *ctx) {
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Order demo mug";
  tc_id pid, vid;
  int rc = tc_catalog_product_create(&pid, ctx, &host, &in);
  if (rc == TC_ECONFLICT) return TC_OK; /* made by an earlier run */
  if (rc) return demo_fail(ctx, "product", rc);
  tc_catalog_variant_input v = TC_CATALOG_VARIANT_INPUT_INIT;
  v.sku = DEMO_SKU;
  if ((rc = tc_catalog_variant_add(&vid, ctx, &host, pid.str, &v)))
    return demo_fail(ctx, "variant", rc);
  tc_money price;
  tc_money_make(&price, 4990, "BRL");
  if ((rc = tc_catalog_price_set(ctx, &host, DEMO_SKU, &price, NULL)))
    return demo_fail(ctx, "price", rc);
  if ((rc = tc_catalog_product_publish(ctx, &host, pid.str, 0)))
    return demo_fail(ctx, "publish", rc);
  rc =
      tc_inventory_warehouse_create(ctx, &host, "DEMO-ORD", "Order demo", 1, 1);
  if (rc && rc != TC_ECONFLICT) return demo_fail(ctx, "warehouse", rc);
  if ((rc = tc_inventory_adjust(NULL, ctx, &host, DEMO_SKU, "DEMO-ORD", 10,
                                TC_STOCK_RECEIPT, "demo", "opening stock")))
    return demo_fail(ctx, "stock", rc);
  printf("    product %s at 49.90 BRL, 10 in stock\n", DEMO_SKU);
  return TC_OK;
}

static void show_order(const char *what, int rc, const tc_order *o) {
  char total[48] = "";
  if (o) tc_money_format(total, sizeof(total), &o->total);
  printf("    %-22s -> %s", what, tc_status_name(rc));
  if (o)
    printf(": order %s %s, total %s, card %s", o->number,
           tc_order_status_name(o->status), total,
           o->card_last4[0] ? o->card_last4 : "-");
  printf("\n");
}

static int64_t available(tc_ctx *ctx) {
  int64_t n = -1;
  tc_inventory_available(ctx, DEMO_SKU, &n);
  return n;
}

static int checkout(tc_ctx *ctx, const tc_principal *who, const char *key,
                    const char *source, tc_order **out) {
  tc_order_address a;
  memset(&a, 0, sizeof(a));
  snprintf(a.name, sizeof(a.name), "Maria Silva");
  snprintf(a.line1, sizeof(a.line1), "Av. Paulista, 1000");
  snprintf(a.city, sizeof(a.city), "São Paulo");
  snprintf(a.postal_code, sizeof(a.postal_code), "01310-100");
  snprintf(a.country, sizeof(a.country), "BR");
  tc_checkout_request r = TC_CHECKOUT_REQUEST_INIT;
  r.idempotency_key = key;
  r.shipping_address = &a;
  r.payment_source = source;
  return tc_orders_checkout(out, ctx, who, &r);
}

int demo_orders(tc_ctx *ctx) {
  int rc;
  printf("    -- orders: cart, checkout saga, state machine --\n");
  if ((rc = demo_product(ctx))) return rc;
  tc_id uid;
  tc_id_new(&uid, ctx);
  tc_principal maria = TC_PRINCIPAL_INIT;
  maria.kind = TC_PRINCIPAL_USER;
  maria.roles = TC_ROLE_CUSTOMER;
  snprintf(maria.user_id, sizeof(maria.user_id), "%s", uid.str);
  tc_principal admin = TC_PRINCIPAL_INIT;
  admin.kind = TC_PRINCIPAL_SYSTEM;

  /* 1-2: browsing as a guest, the cart fills up. */
  char token[TC_ORDERS_CART_TOKEN_LEN + 1];
  if ((rc = tc_orders_cart_open(token, sizeof(token), ctx, "BRL")))
    return demo_fail(ctx, "cart_open", rc);
  tc_cart *cart = NULL;
  if ((rc = tc_orders_cart_add(&cart, ctx, NULL, token, DEMO_SKU, 2)))
    return demo_fail(ctx, "cart_add", rc);
  char sub[48];
  tc_money_format(sub, sizeof(sub), &cart->subtotal);
  printf("    guest cart: %lld x %s, subtotal %s\n",
         (long long)cart->item_count, DEMO_SKU, sub);
  tc_orders_cart_free(ctx, cart);

  /* 3: login, the guest cart merges into Maria's. */
  size_t dropped = 0;
  if ((rc = tc_orders_cart_merge(&cart, &dropped, ctx, token, &maria)))
    return demo_fail(ctx, "cart_merge", rc);
  printf("    logged in: cart merged (%zu line(s), %zu dropped)\n",
         cart->nlines, dropped);
  tc_orders_cart_free(ctx, cart);

  /* 4-8: checkout: order pending, stock reserved, payment authorized,
   * stock confirmed, order paid, orders.paid published. */
  tc_order *o = NULL;
  rc = checkout(ctx, &maria, "demo-checkout-1", "tok_visa", &o);
  show_order("checkout (tok_visa)", rc, o);
  if (rc) {
    tc_orders_order_free(ctx, o);
    return demo_fail(ctx, "checkout", rc);
  }
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", o->id);
  tc_orders_order_free(ctx, o);
  printf("    available stock now %lld\n", (long long)available(ctx));

  /* A retried request (same idempotency key) gets the same order. */
  rc = checkout(ctx, &maria, "demo-checkout-1", "tok_visa", &o);
  show_order("retried checkout", rc, o);
  printf("    same order: %s\n", o && !strcmp(o->id, id) ? "yes" : "NO");
  tc_orders_order_free(ctx, o);

  /* A declined card: payment failed, the reservation released. */
  if ((rc = tc_orders_cart_add(NULL, ctx, &maria, NULL, DEMO_SKU, 3)))
    return demo_fail(ctx, "cart_add", rc);
  rc = checkout(ctx, &maria, "demo-checkout-2", "tok_chargeDeclined", &o);
  show_order("checkout (declined)", rc, o);
  printf("    %s\n", tc_errmsg(ctx));
  tc_orders_order_free(ctx, o);
  if (rc != TC_EDECLINED) return demo_fail(ctx, "declined checkout", rc);
  printf("    available stock back to %lld\n", (long long)available(ctx));

  /* 9-11: fulfilment (captures), shipping, delivery. */
  rc = tc_orders_transition(&o, ctx, &admin, id, TC_ORDER_FULFILLING, "picking",
                            NULL);
  show_order("fulfil", rc, o);
  tc_orders_order_free(ctx, o);
  if (rc) return demo_fail(ctx, "fulfil", rc);
  rc = tc_orders_transition(&o, ctx, &admin, id, TC_ORDER_SHIPPED, NULL,
                            "BR123456789SP");
  show_order("ship", rc, o);
  tc_orders_order_free(ctx, o);
  if (rc) return demo_fail(ctx, "ship", rc);
  rc =
      tc_orders_transition(&o, ctx, &admin, id, TC_ORDER_DELIVERED, NULL, NULL);
  show_order("deliver", rc, o);
  tc_orders_order_free(ctx, o);
  if (rc) return demo_fail(ctx, "deliver", rc);

  /* An illegal move is refused, naming both states. */
  rc = tc_orders_cancel(NULL, ctx, &maria, id, NULL);
  printf("    cancel after delivery -> %s: %s\n", tc_status_name(rc),
         tc_errmsg(ctx));

  /* A return: one mug comes back, refunded and restocked. */
  tc_order_refund_line line = {1, 1};
  rc = tc_orders_refund(&o, ctx, &admin, id, &line, 1, 1, "broken in transit",
                        "demo-return-1");
  show_order("refund 1 unit", rc, o);
  if (o) printf("    refunded %lld minor units\n", (long long)o->refunded);
  tc_orders_order_free(ctx, o);
  if (rc) return demo_fail(ctx, "refund", rc);

  uint32_t done = 0;
  if ((rc = tc_orders_recover(ctx, 100, &done)))
    return demo_fail(ctx, "recover", rc);
  printf("    recovery sweep: %u interrupted checkout(s) settled\n", done);
  return TC_OK;
}
