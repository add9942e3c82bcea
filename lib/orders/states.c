/*
 * lib/orders/states.c - the order state machine: ONE table of allowed
 * transitions (from, to, who may), used for every change of status.
 */
#include "orders_priv.h"

#define SY TC_ORDER_ACTOR_SYSTEM
#define AD TC_ORDER_ACTOR_ADMIN
#define SU TC_ORDER_ACTOR_SUPPORT
#define CU TC_ORDER_ACTOR_CUSTOMER

typedef struct ord_rule {
  tc_order_status from, to;
  unsigned who;
} ord_rule;

/* Why no customer rows before paid: pending and awaiting_payment belong to
 * the running saga; a hand-made change there would race it. */
static const ord_rule ord_rules[] = {
    {TC_ORDER_PENDING, TC_ORDER_AWAITING_PAYMENT, SY},
    {TC_ORDER_PENDING, TC_ORDER_CANCELLED, SY},
    {TC_ORDER_AWAITING_PAYMENT, TC_ORDER_PAID, SY},
    {TC_ORDER_AWAITING_PAYMENT, TC_ORDER_PAYMENT_FAILED, SY},
    {TC_ORDER_AWAITING_PAYMENT, TC_ORDER_CANCELLED, SY},
    {TC_ORDER_PAID, TC_ORDER_FULFILLING, SY | AD | SU},
    {TC_ORDER_PAID, TC_ORDER_CANCELLED, SY | AD | CU},
    {TC_ORDER_PAID, TC_ORDER_PARTIALLY_REFUNDED, SY | AD},
    {TC_ORDER_PAID, TC_ORDER_REFUNDED, SY | AD},
    {TC_ORDER_FULFILLING, TC_ORDER_SHIPPED, SY | AD | SU},
    {TC_ORDER_FULFILLING, TC_ORDER_CANCELLED, SY | AD},
    {TC_ORDER_FULFILLING, TC_ORDER_PARTIALLY_REFUNDED, SY | AD},
    {TC_ORDER_FULFILLING, TC_ORDER_REFUNDED, SY | AD},
    {TC_ORDER_SHIPPED, TC_ORDER_DELIVERED, SY | AD | SU},
    {TC_ORDER_SHIPPED, TC_ORDER_PARTIALLY_REFUNDED, SY | AD},
    {TC_ORDER_SHIPPED, TC_ORDER_REFUNDED, SY | AD},
    {TC_ORDER_DELIVERED, TC_ORDER_PARTIALLY_REFUNDED, SY | AD},
    {TC_ORDER_DELIVERED, TC_ORDER_REFUNDED, SY | AD},
    {TC_ORDER_PARTIALLY_REFUNDED, TC_ORDER_PARTIALLY_REFUNDED, SY | AD},
    {TC_ORDER_PARTIALLY_REFUNDED, TC_ORDER_REFUNDED, SY | AD},
};

static const char *const ord_names[] = {NULL,
                                        "pending",
                                        "awaiting_payment",
                                        "paid",
                                        "fulfilling",
                                        "shipped",
                                        "delivered",
                                        "cancelled",
                                        "payment_failed",
                                        "partially_refunded",
                                        "refunded"};

const char *tc_order_status_name(tc_order_status status) {
  if ((int)status < 1 || (int)status > TC_ORDER_REFUNDED) return NULL;
  return ord_names[status];
}

tc_order_status tc__ord_status_from(const char *name) {
  for (int i = 1; name && i <= TC_ORDER_REFUNDED; i++)
    if (!strcmp(ord_names[i], name)) return (tc_order_status)i;
  return (tc_order_status)0;
}

int tc_order_status_parse(tc_order_status *out, const char *name) {
  tc_order_status s = tc__ord_status_from(name);
  if (!s) return TC_EINVAL;
  if (out) *out = s;
  return TC_OK;
}

static const ord_rule *find_rule(tc_order_status from, tc_order_status to) {
  for (size_t i = 0; i < sizeof(ord_rules) / sizeof(ord_rules[0]); i++)
    if (ord_rules[i].from == from && ord_rules[i].to == to)
      return &ord_rules[i];
  return NULL;
}

int tc_orders_transition_allowed(tc_order_status from, tc_order_status to,
                                 tc_order_actor actor) {
  const ord_rule *r = find_rule(from, to);
  return r && (r->who & (unsigned)actor) ? 1 : 0;
}

static const char *name_or(tc_order_status s) {
  const char *n = tc_order_status_name(s);
  return n ? n : "unknown";
}

int tc__ord_check_rule(tc_ctx *ctx, tc_order_status from, tc_order_status to,
                       unsigned mask) {
  const ord_rule *r = find_rule(from, to);
  if (!r)
    return tc__seterr(ctx, TC_ESTATE, "status",
                      "an order cannot go from %s to %s", name_or(from),
                      name_or(to));
  if (!(r->who & mask))
    return tc__seterr(ctx, TC_EDENIED, "status",
                      "this caller may not move an order from %s to %s",
                      name_or(from), name_or(to));
  return TC_OK;
}

int tc__ord_transition(tc_ctx *ctx, const char *order_id, tc_order_status from,
                       tc_order_status to, unsigned mask, const char *actor,
                       const char *reason) {
  int rc;
  int64_t now = tc__now_ms(ctx);
  if (from) {
    if ((rc = tc__ord_check_rule(ctx, from, to, mask))) return rc;
    tc_value p[] = {tc__ord_text(name_or(to)), TC_VAL_INT(now),
                    tc__ord_text(order_id), tc__ord_text(name_or(from))};
    int64_t changes = 0;
    rc = tc__db_exec(ctx,
                     "UPDATE orders_orders SET status = ?, updated_ms = ? "
                     "WHERE id = ? AND status = ?",
                     p, 4, NULL, NULL, &changes);
    if (rc) return rc;
    if (changes != 1)
      return tc__seterr(ctx, TC_ESTATE, "status",
                        "the order is no longer %s (cannot go from %s to %s)",
                        name_or(from), name_or(from), name_or(to));
  }
  tc_id tid;
  tc_id_new(&tid, ctx);
  tc_value pt[] = {tc__ord_text(tid.str),
                   tc__ord_text(order_id),
                   from ? tc__ord_text(name_or(from)) : TC_VAL_NULL,
                   tc__ord_text(name_or(to)),
                   tc__ord_text(actor ? actor : "system"),
                   tc__ord_text(reason ? reason : ""),
                   TC_VAL_INT(now)};
  rc = tc__db_exec(ctx,
                   "INSERT INTO orders_transitions (id, order_id, from_status,"
                   " to_status, actor, reason, created_ms) VALUES (?, ?, ?, ?,"
                   " ?, ?, ?)",
                   pt, 7, NULL, NULL, NULL);
  if (rc) return rc;
  char topic[48];
  snprintf(topic, sizeof(topic), "orders.%s", from ? name_or(to) : "created");
  return tc__ord_publish(ctx, topic, order_id, from, actor, reason);
}
