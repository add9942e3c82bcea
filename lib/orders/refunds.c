/*
 * lib/orders/refunds.c - hand-made changes after payment: fulfilment,
 * shipping, delivery, cancellation (refund or void, stock returned) and
 * refunds of lines (returns).
 *
 * Money goes back through a refund row (orders_refunds) written in the
 * transaction of the order's transition and committed before the provider
 * is called, so a crash between the two leaves a pending row that the
 * recovery sweep re-drives with the same key: a refund is neither lost nor
 * made twice.
 */
#include "techcorp/inventory.h"
#include "orders_priv.h"
#include "techcorp/payments.h"

/* Load order_id for who: TC_ENOTFOUND for another customer's order (its
 * existence is not revealed), TC_EUNAUTHENTICATED for nobody. *mask gets
 * who's actor bits. */
static int load_acting(tc_ctx *ctx, const tc_principal *who,
                       const char *order_id, bool lines, tc_order **out,
                       unsigned *mask) {
  *out = NULL;
  if (!who || who->kind == TC_PRINCIPAL_ANONYMOUS)
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "orders need an authenticated caller");
  int rc = tc__check_id(ctx, "order_id", order_id);
  if (rc) return rc;
  if ((rc = tc__ord_load(ctx, order_id, lines, out))) return rc;
  *mask = tc__ord_actor_mask(who, (*out)->customer_id);
  if (*mask == 0) {
    tc_orders_order_free(ctx, *out);
    *out = NULL;
    return tc__seterr(ctx, TC_EDENIED, "order_id",
                      "not allowed to act on order %.36s of another customer",
                      order_id);
  }
  return TC_OK;
}

static int reload(tc_order **out, tc_ctx *ctx, const char *order_id, int rc) {
  if (!out) return rc;
  tc__saved_error saved;
  tc__error_save(ctx, &saved);
  int lrc = tc__ord_load(ctx, order_id, true, out);
  if (rc) {
    tc__error_restore(ctx, &saved);
    return rc;
  }
  return lrc;
}

/* ---- fulfil, ship, deliver
 * --------------------------------------------------- */

int tc_orders_transition(tc_order **out, tc_ctx *ctx, const tc_principal *who,
                         const char *order_id, tc_order_status to,
                         const char *reason, const char *tracking) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  tc__clearerr(ctx);
  int rc;
  if ((rc = tc__check_text(ctx, "reason", reason, 0, 256, TC__TEXT_NULL_OK)))
    return rc;
  tc_order *o = NULL;
  unsigned mask = 0;
  if ((rc = load_acting(ctx, who, order_id, false, &o, &mask))) return rc;
  tc_order_status from = o->status;
  tc_orders_order_free(ctx, o);
  if (to != TC_ORDER_FULFILLING && to != TC_ORDER_SHIPPED &&
      to != TC_ORDER_DELIVERED) {
    const char *f = tc_order_status_name(from), *t = tc_order_status_name(to);
    return tc__seterr(ctx, TC_ESTATE, "to",
                      "an order goes from %s to %s only through checkout, "
                      "cancel or refund",
                      f ? f : "?", t ? t : "an unknown state");
  }
  if ((rc = tc__ord_check_rule(ctx, from, to, mask))) return rc;
  if (to == TC_ORDER_SHIPPED &&
      (rc = tc__check_text(ctx, "tracking", tracking, 1, 128, 0)))
    return rc;
  if (to == TC_ORDER_FULFILLING) {
    /* Goods leave only against captured money. */
    tc_payment info;
    rc = tc_payments_get_for_order(&info, ctx, &tc__system_principal, order_id);
    if (rc == TC_OK && !strcmp(info.state, "authorized"))
      rc = tc_payments_capture(&info, ctx, &tc__system_principal, "orders",
                               info.id, 0);
    if (rc) return rc;
  }
  char actor[64];
  tc__ord_actor_text(actor, who);
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  if (to == TC_ORDER_SHIPPED) {
    tc_value p[] = {tc__ord_text(tracking), tc__ord_text(order_id)};
    rc = tc__db_exec(ctx, "UPDATE orders_orders SET tracking = ? WHERE id = ?",
                     p, 2, NULL, NULL, NULL);
  }
  if (rc == TC_OK)
    rc = tc__ord_transition(ctx, order_id, from, to, mask, actor, reason);
  rc = tc__txn_end(ctx, rc);
  return reload(out, ctx, order_id, rc);
}

/* ---- refund rows
 * ------------------------------------------------------------- */

typedef struct refund_row {
  char id[TC_ID_STRLEN + 1];
  char order_id[TC_ID_STRLEN + 1];
  char key[160];
  int64_t amount;
  bool full;
  char reason[257];
  char state[12];
} refund_row;

static int refund_row_cb(const tc_value *c, size_t n, void *payload) {
  refund_row *r = payload;
  (void)n;
  tc__col_copy(r->id, sizeof(r->id), &c[0]);
  tc__col_copy(r->order_id, sizeof(r->order_id), &c[1]);
  tc__col_copy(r->key, sizeof(r->key), &c[2]);
  r->amount = tc__col_int(&c[3]);
  r->full = tc__col_int(&c[4]) != 0;
  tc__col_copy(r->reason, sizeof(r->reason), &c[5]);
  tc__col_copy(r->state, sizeof(r->state), &c[6]);
  return 0;
}

#define REFUND_COLS \
  "id, order_id, refund_key, amount, full_refund, reason, state"

static const ord_lease_sql REFUND_LEASE = {
    "UPDATE orders_refunds SET lease_owner = ?, lease_until = ? WHERE id = ? "
    "AND state = 'pending' AND (lease_until <= ? OR lease_owner = ?)",
    "UPDATE orders_refunds SET lease_until = 0 WHERE id = ? AND "
    "lease_owner = ?"};

int tc__ord_refund_lease(tc_ctx *ctx, const char *refund_id) {
  bool taken = false;
  int rc = tc__ord_lease_take(ctx, &REFUND_LEASE, refund_id, &taken);
  return rc == TC_OK && !taken ? TC_EBUSY : rc;
}

void tc__ord_refund_unlease(tc_ctx *ctx, const char *refund_id) {
  tc__ord_lease_give(ctx, &REFUND_LEASE, refund_id);
}

static int refund_finish(tc_ctx *ctx, const refund_row *r, const char *outcome,
                         int64_t refunded) {
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  int64_t now = tc__now_ms(ctx);
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  tc_value p[] = {tc__ord_text(outcome), TC_VAL_INT(refunded), TC_VAL_INT(now),
                  tc__ord_text(r->id), tc__ord_text(st->instance)};
  int64_t changes = 0;
  rc = tc__db_exec(ctx,
                   "UPDATE orders_refunds SET state = 'done', outcome = ?, "
                   "refunded = ?, updated_ms = ? WHERE id = ? AND state = "
                   "'pending' AND lease_owner = ?",
                   p, 5, NULL, NULL, &changes);
  if (rc == TC_OK && changes != 1)
    rc = tc__seterr(ctx, TC_EBUSY, NULL, "lost the lease on a refund");
  if (rc == TC_OK && refunded > 0) {
    tc_value po[] = {TC_VAL_INT(refunded), TC_VAL_INT(now),
                     tc__ord_text(r->order_id)};
    rc = tc__db_exec(ctx,
                     "UPDATE orders_orders SET refunded = refunded + ?, "
                     "updated_ms = ? WHERE id = ?",
                     po, 3, NULL, NULL, NULL);
  }
  return tc__txn_end(ctx, rc);
}

int tc__ord_refund_drive(tc_ctx *ctx, const char *refund_id) {
  refund_row r;
  memset(&r, 0, sizeof(r));
  tc_value p[] = {tc__ord_text(refund_id)};
  int rc =
      tc__db_row(ctx, "SELECT " REFUND_COLS " FROM orders_refunds WHERE id = ?",
                 p, 1, refund_row_cb, &r);
  if (rc) return rc;
  if (strcmp(r.state, "pending")) return TC_OK;
  tc_payment info;
  rc = tc_payments_get_for_order(&info, ctx, &tc__system_principal, r.order_id);
  if (rc == TC_ENOTFOUND) return refund_finish(ctx, &r, "nothing", 0);
  if (rc) return rc;
  if (!strcmp(info.state, "pending"))
    return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                      "payment %s is still pending; the refund waits", info.id);
  if (!strcmp(info.state, "authorized")) {
    if (!r.full) return refund_finish(ctx, &r, "not_captured", 0);
    if ((rc = tc_payments_void(&info, ctx, &tc__system_principal, "orders",
                               info.id)))
      return rc;
    return refund_finish(ctx, &r, "voided", 0);
  }
  if (!strcmp(info.state, "captured") ||
      !strcmp(info.state, "partially_refunded") ||
      !strcmp(info.state, "refunded")) {
    int64_t before = info.refunded;
    char key[200];
    snprintf(key, sizeof(key), "order:%.36s:refund:%.128s", r.order_id, r.key);
    rc = tc_payments_refund(&info, ctx, &tc__system_principal, "orders",
                            info.id, r.full ? 0 : r.amount, key,
                            r.reason[0] ? r.reason : "order refund");
    if (rc == TC_EINVAL && !strcmp(info.state, "refunded") && r.full)
      return refund_finish(ctx, &r, "nothing", 0);
    if (rc) return rc;
    (void)before;
    return refund_finish(ctx, &r, "refunded", r.amount);
  }
  return refund_finish(ctx, &r, "nothing", 0);
}

/* Insert a pending refund row leased by us; *id_out its id. */
static int refund_insert(tc_ctx *ctx, const char *order_id, const char *key,
                         int64_t amount, bool full, const char *reason,
                         char id_out[TC_ID_STRLEN + 1]) {
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  tc_id id;
  tc_id_new(&id, ctx);
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {tc__ord_text(id.str),
                  tc__ord_text(order_id),
                  tc__ord_text(key),
                  TC_VAL_INT(amount),
                  TC_VAL_INT(full ? 1 : 0),
                  tc__ord_text(reason ? reason : ""),
                  tc__ord_text(st->instance),
                  TC_VAL_INT(now + st->opts.lease_ms),
                  TC_VAL_INT(now),
                  TC_VAL_INT(now)};
  int rc = tc__db_exec(ctx,
                       "INSERT INTO orders_refunds (id, order_id, refund_key, "
                       "amount, full_refund, reason, state, outcome, refunded,"
                       " attempts, last_error, lease_owner, lease_until, "
                       "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, "
                       "'pending', '', 0, 0, '', ?, ?, ?, ?)",
                       p, 10, NULL, NULL, NULL);
  if (rc == TC_OK) snprintf(id_out, TC_ID_STRLEN + 1, "%s", id.str);
  return rc;
}

/* Drive a refund we hold, then give the lease back. */
static int refund_run(tc_ctx *ctx, const char *refund_id) {
  int rc = tc__ord_refund_drive(ctx, refund_id);
  tc__ord_refund_unlease(ctx, refund_id);
  return rc;
}

/* ---- stock back
 * -------------------------------------------------------------- */

/* The reservation whose stock the order took (confirmed), or NULL. */
static int sold_reservation(tc_ctx *ctx, const char *order_id,
                            tc_reservation **out) {
  *out = NULL;
  ord_saga s;
  int rc = tc__ord_saga_load(ctx, order_id, &s);
  if (rc) return rc;
  if (!s.reservation_id[0]) return TC_OK;
  rc = tc_inventory_reservation_get(out, ctx, &tc__system_principal,
                                    s.reservation_id);
  if (rc == TC_OK && (*out)->state != TC_RESERVATION_CONFIRMED) {
    tc_inventory_reservation_free(ctx, *out);
    *out = NULL;
  }
  return rc;
}

/* Return qty of sku to the warehouses it was sold from (a return), inside
 * the caller's transaction. */
static int return_stock(tc_ctx *ctx, const tc_reservation *r, const char *sku,
                        int64_t qty, const char *reference) {
  for (size_t i = 0; r && qty > 0 && i < r->nallocs; i++) {
    if (strcmp(r->allocs[i].sku, sku)) continue;
    int64_t n = qty < r->allocs[i].qty ? qty : r->allocs[i].qty;
    int rc = tc_inventory_adjust(NULL, ctx, &tc__system_principal, sku,
                                 r->allocs[i].warehouse, n, TC_STOCK_RETURN,
                                 "orders", reference);
    if (rc) return rc;
    qty -= n;
  }
  return TC_OK;
}

/* ---- cancel
 * ------------------------------------------------------------------ */

int tc_orders_cancel(tc_order **out, tc_ctx *ctx, const tc_principal *who,
                     const char *order_id, const char *reason) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  tc__clearerr(ctx);
  int rc;
  if ((rc = tc__check_text(ctx, "reason", reason, 0, 256, TC__TEXT_NULL_OK)))
    return rc;
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "cancel calls the payment provider: not inside a "
                      "transaction");
  tc_order *o = NULL;
  unsigned mask = 0;
  if ((rc = load_acting(ctx, who, order_id, true, &o, &mask))) return rc;
  tc_order_status from = o->status;
  if ((rc = tc__ord_check_rule(ctx, from, TC_ORDER_CANCELLED, mask))) {
    tc_orders_order_free(ctx, o);
    return rc;
  }
  tc_reservation *r = NULL;
  if ((rc = sold_reservation(ctx, order_id, &r))) {
    tc_orders_order_free(ctx, o);
    return rc;
  }
  char actor[64], ref[96], refund_id[TC_ID_STRLEN + 1] = "";
  tc__ord_actor_text(actor, who);
  snprintf(ref, sizeof(ref), "order:%s:cancel", order_id);
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) goto out;
  rc = tc__ord_transition(ctx, order_id, from, TC_ORDER_CANCELLED, mask, actor,
                          reason ? reason : "cancelled");
  for (size_t i = 0; rc == TC_OK && i < o->nlines; i++)
    rc = return_stock(ctx, r, o->lines[i].sku,
                      o->lines[i].qty - o->lines[i].refunded_qty, ref);
  if (rc == TC_OK)
    rc = refund_insert(ctx, order_id, "cancel", o->total.amount - o->refunded,
                       true, reason ? reason : "order cancelled", refund_id);
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK) rc = refund_run(ctx, refund_id);
out:
  tc_orders_order_free(ctx, o);
  tc_inventory_reservation_free(ctx, r);
  return reload(out, ctx, order_id, rc);
}

/* ---- refund lines
 * ------------------------------------------------------------ */

static int find_refund(tc_ctx *ctx, const char *order_id, const char *key,
                       refund_row *r) {
  memset(r, 0, sizeof(*r));
  tc_value p[] = {tc__ord_text(order_id), tc__ord_text(key)};
  return tc__db_row(ctx,
                    "SELECT " REFUND_COLS
                    " FROM orders_refunds WHERE "
                    "order_id = ? AND refund_key = ?",
                    p, 2, refund_row_cb, r);
}

int tc_orders_refund(tc_order **out, tc_ctx *ctx, const tc_principal *who,
                     const char *order_id, const tc_order_refund_line *lines,
                     size_t nlines, int restock, const char *reason,
                     const char *key) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  tc__clearerr(ctx);
  int rc;
  if ((rc = tc__check_text(ctx, "key", key, 1, 128, 0)) ||
      (rc = tc__check_text(ctx, "reason", reason, 0, 256, TC__TEXT_NULL_OK)))
    return rc;
  if (!lines || nlines < 1 || nlines > TC_ORDERS_MAX_LINES)
    return tc__seterr(ctx, TC_EINVAL, "lines", "lines must hold 1..%d items",
                      TC_ORDERS_MAX_LINES);
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "refund calls the payment provider: not inside a "
                      "transaction");
  tc_order *o = NULL;
  unsigned mask = 0;
  if ((rc = load_acting(ctx, who, order_id, true, &o, &mask))) return rc;
  tc_reservation *r = NULL;
  refund_row existing;
  rc = find_refund(ctx, order_id, key, &existing);
  if (rc == TC_OK) {
    /* The same key again: no new effect; finish it if it is pending. */
    tc_orders_order_free(ctx, o);
    if (!(mask & (TC_ORDER_ACTOR_ADMIN | TC_ORDER_ACTOR_SYSTEM)))
      return tc__seterr(ctx, TC_EDENIED, NULL, "refunds are for admins");
    rc = TC_OK;
    if (!strcmp(existing.state, "pending") &&
        tc__ord_refund_lease(ctx, existing.id) == TC_OK)
      rc = refund_run(ctx, existing.id);
    return reload(out, ctx, order_id, rc);
  }
  if (rc != TC_ENOTFOUND) goto out;
  tc_order_status from = o->status;
  int64_t want[TC_ORDERS_MAX_LINES + 1] = {0};
  tc_money amount;
  tc_money_make(&amount, 0, o->currency);
  for (size_t i = 0; i < nlines; i++) {
    char field[40];
    int ln = lines[i].line_no;
    if (ln < 1 || (size_t)ln > o->nlines) {
      snprintf(field, sizeof(field), "lines[%zu].line_no", i);
      rc = tc__seterr(ctx, TC_EINVAL, field, "the order has no line %d", ln);
      goto out;
    }
    const tc_order_line *l = &o->lines[ln - 1];
    snprintf(field, sizeof(field), "lines[%zu].qty", i);
    if (lines[i].qty < 1 ||
        lines[i].qty > l->qty - l->refunded_qty - want[ln]) {
      rc = tc__seterr(ctx, TC_EINVAL, field,
                      "line %d has %lld unit(s) left to refund", ln,
                      (long long)(l->qty - l->refunded_qty - want[ln]));
      goto out;
    }
    want[ln] += lines[i].qty;
    tc_money part;
    if (tc_money_mul(&part, &l->unit_price, lines[i].qty) ||
        tc_money_add(&amount, &amount, &part)) {
      rc = tc__seterr(ctx, TC_EOVERFLOW, field, "refund amount overflows");
      goto out;
    }
  }
  bool all = true;
  for (size_t i = 0; i < o->nlines; i++)
    if (o->lines[i].refunded_qty + want[i + 1] < o->lines[i].qty) all = false;
  tc_order_status to = all ? TC_ORDER_REFUNDED : TC_ORDER_PARTIALLY_REFUNDED;
  if ((rc = tc__ord_check_rule(ctx, from, to, mask))) goto out;
  {
    tc_payment info;
    rc = tc_payments_get_for_order(&info, ctx, &tc__system_principal, order_id);
    if (rc == TC_OK && strcmp(info.state, "captured") &&
        strcmp(info.state, "partially_refunded"))
      rc = tc__seterr(ctx, TC_ESTATE, "payment",
                      "the payment is %s: only captured money is refunded",
                      info.state);
    if (rc) goto out;
  }
  if (restock && (rc = sold_reservation(ctx, order_id, &r))) goto out;
  char actor[64], ref[200], refund_id[TC_ID_STRLEN + 1] = "";
  tc__ord_actor_text(actor, who);
  snprintf(ref, sizeof(ref), "order:%s:return:%s", order_id, key);
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) goto out;
  for (size_t ln = 1; rc == TC_OK && ln <= o->nlines; ln++) {
    if (!want[ln]) continue;
    tc_value p[] = {TC_VAL_INT(want[ln]), tc__ord_text(order_id),
                    TC_VAL_INT(ln), TC_VAL_INT(want[ln])};
    int64_t changes = 0;
    rc = tc__db_exec(ctx,
                     "UPDATE orders_lines SET refunded_qty = refunded_qty + ? "
                     "WHERE order_id = ? AND line_no = ? AND refunded_qty + ? "
                     "<= qty",
                     p, 4, NULL, NULL, &changes);
    if (rc == TC_OK && changes != 1)
      rc = tc__seterr(ctx, TC_EBUSY, "lines",
                      "the order changed meanwhile; try again");
    if (rc == TC_OK && restock)
      rc = return_stock(ctx, r, o->lines[ln - 1].sku, want[ln], ref);
  }
  if (rc == TC_OK)
    rc = tc__ord_transition(ctx, order_id, from, to, mask, actor,
                            reason ? reason : "refund");
  if (rc == TC_OK)
    rc = refund_insert(ctx, order_id, key, amount.amount, false, reason,
                       refund_id);
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK) rc = refund_run(ctx, refund_id);
out:
  tc_orders_order_free(ctx, o);
  tc_inventory_reservation_free(ctx, r);
  return reload(out, ctx, order_id, rc);
}
