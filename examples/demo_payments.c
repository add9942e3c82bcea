/*
 * examples/demo_payments.c - the payments part of the seed's order flow
 * ("Fluxo de Pedido": pagamento), over the default sandbox provider:
 * authorize a card, capture it, a declined card, a provider hiccup that a
 * retry absorbs, a partial refund, a signed webhook applied once, and the
 * reconciliation sweep. Wired into examples/demo.c by the lead.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

int demo_payments(tc_ctx *ctx);

static void show(const char *what, int rc, const tc_payment *p, tc_ctx *ctx) {
  char amount[48] = "";
  tc_money_format(amount, sizeof(amount), &p->amount);
  printf(
      "    %-28s %s: payment ...%s %s, %s, captured %lld, refunded "
      "%lld%s%s\n",
      what, tc_status_name(rc), p->id + 24, p->state, amount,
      (long long)p->captured, (long long)p->refunded, rc ? " - " : "",
      rc ? tc_errmsg(ctx) : "");
}

int demo_payments(tc_ctx *ctx) {
  tc_payment p, d;
  tc_id order, order2, order3;
  tc_money total;
  int rc;
  tc_id_new(&order, ctx);
  tc_id_new(&order2, ctx);
  tc_id_new(&order3, ctx);
  tc_money_make(&total, 25990, "BRL");

  printf(
      "    payments: sandbox provider, capture later, retries behind a "
      "breaker\n");
  rc = tc_payments_authorize(&p, ctx, &host, NULL, order.str, NULL,
                             "checkout-demo-1", &total, "tok_visa");
  show("authorize card (tok_visa)", rc, &p, ctx);
  if (rc) return rc;
  printf("    card ending %s, provider ref %s\n", p.card_last4, p.provider_ref);
  rc = tc_payments_authorize(&p, ctx, &host, NULL, order.str, NULL,
                             "checkout-demo-1", &total, "tok_visa");
  show("same checkout retried", rc, &p, ctx);
  if (rc) return rc;

  rc = tc_payments_capture(&p, ctx, &host, NULL, p.id, 0);
  show("capture on shipping", rc, &p, ctx);
  if (rc) return rc;

  rc = tc_payments_authorize(&d, ctx, &host, NULL, order2.str, NULL,
                             "checkout-demo-2", &total, "tok_chargeDeclined");
  show("declined card", rc, &d, ctx);
  if (rc != TC_EDECLINED) return rc ? rc : TC_ERROR;

  rc = tc_payments_authorize(&d, ctx, &host, NULL, order3.str, NULL,
                             "checkout-demo-3", &total, "tok_transient_1");
  show("provider hiccup, retried", rc, &d, ctx);
  if (rc) return rc;

  rc = tc_payments_refund(&p, ctx, &host, NULL, p.id, 5000, "rma-demo-1",
                          "one item returned");
  show("partial refund 50.00", rc, &p, ctx);
  if (rc) return rc;
  rc = tc_payments_refund(&p, ctx, &host, NULL, p.id, 5000, "rma-demo-1",
                          "one item returned");
  show("same refund again (no-op)", rc, &p, ctx);
  if (rc) return rc;

  /* The provider reports the full refund later; the event is signed. */
  char body[512], sig[128];
  snprintf(body, sizeof(body),
           "{\"id\":\"evt_demo_1\",\"type\":\"charge.refunded\",\"created\":"
           "0,\"data\":{\"object\":{\"id\":\"ch_demo\",\"payment_intent\":"
           "\"%s\",\"amount_refunded\":25990,\"currency\":\"brl\"}}}",
           p.provider_ref);
  tc_payments_webhook_sign(sig, sizeof(sig), "whsec_sandbox",
                           tc_ctx_now_ms(ctx) / 1000, body, strlen(body));
  rc = tc_payments_apply_webhook(ctx, "t=1,v1=forged", body, strlen(body));
  printf("    %-28s %s\n", "forged webhook", tc_status_name(rc));
  if (rc != TC_EDENIED) return rc ? rc : TC_ERROR;
  rc = tc_payments_apply_webhook(ctx, sig, body, strlen(body));
  printf("    %-28s %s\n", "signed webhook", tc_status_name(rc));
  if (rc) return rc;
  rc = tc_payments_apply_webhook(ctx, sig, body, strlen(body));
  printf("    %-28s %s (duplicate: no-op)\n", "same webhook again",
         tc_status_name(rc));
  if (rc) return rc;
  rc = tc_payments_get(&p, ctx, &host, p.id);
  show("after the webhook", rc, &p, ctx);
  if (rc) return rc;

  uint32_t settled = 0;
  rc = tc_payments_reconcile(&settled, ctx, 0, 100);
  printf("    %-28s %s: %u payment(s) settled\n", "reconciliation sweep",
         tc_status_name(rc), settled);
  return rc;
}
