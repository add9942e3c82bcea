/*
 * lib/orders/saga.c - the checkout saga and its recovery.
 *
 * Steps (orders_sagas.step), each recorded and committed BEFORE the call it
 * makes, its outcome recorded in the transaction of the order's transition:
 *   reserve   tc_inventory_reserve(key "order:<id>:reserve:<seq>")
 *             -> authorize (order awaiting_payment)
 *             -> done      (out of stock: order cancelled)
 *   authorize tc_payments_authorize(driver "orders", key
 *             "order:<id>:payment")
 *             -> confirm   (approved)
 *             -> release   (declined, or no answer before the reservation
 *                           ran out: order payment_failed)
 *             stays        (provider unavailable: retried by recovery)
 *   confirm   tc_inventory_confirm; on an expired reservation a new one is
 *             taken (seq + 1); -> done (order paid)
 *             -> settle    (stock gone: order cancelled)
 *   release   tc_inventory_release -> settle
 *   settle    void / refund whatever the payment holds -> done
 * The calls go to the other modules' public functions as the system: this
 * module has decided who may check out, and it drives its payments (no
 * one else moves them). Every call is idempotent under its key (inventory
 * reservations, payment keys derived from the payment and step), so re-driving
 * a step after a crash never holds stock twice nor charges twice. A saga row is
 * driven only under its lease (lease_owner, lease_until); every write is
 * conditional on still holding it.
 */
#include "orders_priv.h"
#include "techcorp/payments.h"

#define SAGA_COLS                                                      \
  "order_id, customer_id, step, state, source, reservation_id, "       \
  "reserve_seq, reserve_expires_ms, payment_id, attempts, result_rc, " \
  "lease_until, created_ms, updated_ms, last_error"

static int saga_row(const tc_value *c, size_t n, void *payload) {
  ord_saga *s = payload;
  (void)n;
  tc__col_copy(s->order_id, sizeof(s->order_id), &c[0]);
  tc__col_copy(s->customer_id, sizeof(s->customer_id), &c[1]);
  tc__col_copy(s->step, sizeof(s->step), &c[2]);
  tc__col_copy(s->state, sizeof(s->state), &c[3]);
  tc__col_copy(s->source, sizeof(s->source), &c[4]);
  tc__col_copy(s->reservation_id, sizeof(s->reservation_id), &c[5]);
  s->reserve_seq = tc__col_int(&c[6]);
  s->reserve_expires_ms = tc__col_int(&c[7]);
  tc__col_copy(s->payment_id, sizeof(s->payment_id), &c[8]);
  s->attempts = tc__col_int(&c[9]);
  s->result_rc = tc__col_int(&c[10]);
  s->lease_until = tc__col_int(&c[11]);
  s->created_ms = tc__col_int(&c[12]);
  s->updated_ms = tc__col_int(&c[13]);
  tc__col_copy(s->last_error, sizeof(s->last_error), &c[14]);
  return 0;
}

int tc__ord_saga_load(tc_ctx *ctx, const char *order_id, ord_saga *out) {
  memset(out, 0, sizeof(*out));
  tc_value p[] = {tc__ord_text(order_id)};
  int rc = tc__db_row(ctx,
                      "SELECT " SAGA_COLS
                      " FROM orders_sagas WHERE "
                      "order_id = ?",
                      p, 1, saga_row, out);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, rc, "order_id", "no checkout for order %.36s",
                      order_id);
  return rc;
}

static const ord_lease_sql SAGA_LEASE = {
    "UPDATE orders_sagas SET lease_owner = ?, lease_until = ? WHERE "
    "order_id = ? AND state = 'running' AND (lease_until <= ? OR "
    "lease_owner = ?)",
    "UPDATE orders_sagas SET lease_until = 0 WHERE order_id = ? AND "
    "lease_owner = ?"};

int tc__ord_saga_lease(tc_ctx *ctx, const char *order_id) {
  bool taken = false;
  int rc = tc__ord_lease_take(ctx, &SAGA_LEASE, order_id, &taken);
  if (rc || taken) return rc;
  ord_saga s;
  if ((rc = tc__ord_saga_load(ctx, order_id, &s))) return rc;
  if (strcmp(s.state, "running")) return TC_ESTATE;
  return tc__seterr(ctx, TC_EBUSY, "order_id",
                    "the checkout of this order is in progress elsewhere");
}

void tc__ord_saga_unlease(tc_ctx *ctx, const char *order_id) {
  tc__ord_lease_give(ctx, &SAGA_LEASE, order_id);
}

/* Write every mutable column of s, only while we hold the lease. Inside
 * the caller's transaction. */
static int saga_save(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  int64_t now = tc__now_ms(ctx);
  s->updated_ms = now;
  tc_value p[] = {tc__ord_text(s->step),
                  tc__ord_text(s->state),
                  tc__ord_text(s->reservation_id),
                  TC_VAL_INT(s->reserve_seq),
                  TC_VAL_INT(s->reserve_expires_ms),
                  tc__ord_text(s->payment_id),
                  TC_VAL_INT(s->attempts),
                  TC_VAL_INT(s->result_rc),
                  tc__ord_text(s->last_error),
                  TC_VAL_INT(now),
                  TC_VAL_INT(now + st->opts.lease_ms),
                  tc__ord_text(s->order_id),
                  tc__ord_text(st->instance)};
  int64_t changes = 0;
  int rc = tc__db_exec(
      ctx,
      "UPDATE orders_sagas SET step = ?, state = ?, reservation_id = ?, "
      "reserve_seq = ?, reserve_expires_ms = ?, payment_id = ?, attempts = ?,"
      " result_rc = ?, last_error = ?, updated_ms = ?, lease_until = ? WHERE "
      "order_id = ? AND state = 'running' AND lease_owner = ?",
      p, 13, NULL, NULL, &changes);
  if (rc == TC_OK && changes != 1)
    rc = tc__seterr(ctx, TC_EBUSY, "order_id",
                    "lost the lease on the checkout of order %.36s",
                    s->order_id);
  return rc;
}

/* Save s alone, in its own transaction. */
static int save_alone(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  return tc__txn_end(ctx, saga_save(ctx, st, s));
}

/* Save s and move the order from -> to as the system, in one
 * transaction. */
static int save_moving(tc_ctx *ctx, ord_state *st, ord_saga *s,
                       tc_order_status from, tc_order_status to,
                       const char *reason) {
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = saga_save(ctx, st, s);
  if (rc == TC_OK)
    rc = tc__ord_transition(ctx, s->order_id, from, to, TC_ORDER_ACTOR_SYSTEM,
                            "system", reason);
  return tc__txn_end(ctx, rc);
}

static void set_step(ord_saga *s, const char *step) {
  snprintf(s->step, sizeof(s->step), "%s", step);
  if (!strcmp(step, "done")) snprintf(s->state, sizeof(s->state), "done");
}

static void set_error(ord_saga *s, int rc, const char *msg) {
  s->result_rc = rc;
  tc__text_copy(s->last_error, sizeof(s->last_error),
                msg && *msg ? msg : tc_strerror(rc));
}

/* ---- reserve --------------------------------------------------------------
 */

static int do_reserve(tc_ctx *ctx, ord_state *st, ord_saga *s,
                      tc_reservation **out) {
  tc_order *o = NULL;
  int rc = tc__ord_load(ctx, s->order_id, true, &o);
  if (rc) return rc;
  tc_inventory_line lines[TC_ORDERS_MAX_LINES];
  size_t n = o->nlines < TC_ORDERS_MAX_LINES ? o->nlines : TC_ORDERS_MAX_LINES;
  for (size_t i = 0; i < n; i++) {
    lines[i].sku = o->lines[i].sku;
    lines[i].qty = o->lines[i].qty;
  }
  char key[96];
  snprintf(key, sizeof(key), "order:%s:reserve:%lld", s->order_id,
           (long long)s->reserve_seq);
  rc = tc_inventory_reserve(out, ctx, &tc__system_principal, s->order_id, key,
                            lines, n, st->opts.reservation_ttl_ms);
  tc_orders_order_free(ctx, o);
  return rc;
}

static bool final_reserve_error(int rc) {
  return rc == TC_EINSUFFICIENT || rc == TC_ENOTFOUND || rc == TC_EINVAL ||
         rc == TC_ECONFLICT;
}

static int step_reserve(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  tc_reservation *r = NULL;
  int rc = do_reserve(ctx, st, s, &r);
  if (rc == TC_OK && r->state != TC_RESERVATION_HELD &&
      r->state != TC_RESERVATION_CONFIRMED) {
    /* Our reservation ran out before its outcome was recorded: take a
     * new one under the next key. */
    tc_inventory_reservation_free(ctx, r);
    if (s->reserve_seq >= 8)
      return tc__seterr(ctx, TC_EBUSY, NULL, "reservations keep expiring");
    s->reserve_seq++;
    return save_alone(ctx, st, s);
  }
  if (rc == TC_OK) {
    snprintf(s->reservation_id, sizeof(s->reservation_id), "%s", r->id);
    s->reserve_expires_ms = r->expires_ms;
    tc_inventory_reservation_free(ctx, r);
    set_step(s, "authorize");
    return save_moving(ctx, st, s, TC_ORDER_PENDING, TC_ORDER_AWAITING_PAYMENT,
                       "stock reserved");
  }
  if (!final_reserve_error(rc)) return rc;
  char reason[TC__ERRMSG_SIZE];
  snprintf(reason, sizeof(reason), "%s", ctx->errmsg);
  set_error(s, rc == TC_EINSUFFICIENT ? rc : TC_EINSUFFICIENT, reason);
  set_step(s, "done");
  return save_moving(ctx, st, s, TC_ORDER_PENDING, TC_ORDER_CANCELLED, reason);
}

/* ---- authorize --------------------------------------------------------------
 */

static int record_payment(tc_ctx *ctx, ord_saga *s, const tc_payment *info) {
  tc_value p[] = {tc__ord_text(info->id), tc__ord_text(info->card_last4),
                  tc__ord_text(s->order_id)};
  return tc__db_exec(ctx,
                     "UPDATE orders_orders SET payment_id = ?, card_last4 = ?"
                     " WHERE id = ?",
                     p, 3, NULL, NULL, NULL);
}

static int fail_payment(tc_ctx *ctx, ord_state *st, ord_saga *s, int rc,
                        const char *why) {
  set_error(s, rc, why);
  set_step(s, "release");
  return save_moving(ctx, st, s, TC_ORDER_AWAITING_PAYMENT,
                     TC_ORDER_PAYMENT_FAILED, s->last_error);
}

static int step_authorize(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  int64_t now = tc__now_ms(ctx);
  if (now >= s->reserve_expires_ms)
    /* Paying now would sell stock we no longer hold. Whatever the
     * provider may have done is undone by the settle step. */
    return fail_payment(ctx, st, s, TC_EUNAVAILABLE,
                        "the payment did not complete before the stock "
                        "reservation expired");
  tc_order *o = NULL;
  int rc = tc__ord_load(ctx, s->order_id, false, &o);
  if (rc) return rc;
  tc_payment info;
  memset(&info, 0, sizeof(info));
  char key[96];
  snprintf(key, sizeof(key), "order:%s:payment", s->order_id);
  rc = tc_payments_authorize(&info, ctx, &tc__system_principal, "orders",
                             s->order_id, o->customer_id, key, &o->total,
                             s->source);
  tc_orders_order_free(ctx, o);
  if (info.id[0]) snprintf(s->payment_id, sizeof(s->payment_id), "%s", info.id);
  if (rc == TC_OK) {
    set_step(s, "confirm");
    int wrc = tc__txn_begin(ctx, TC_TXN_WRITE);
    if (wrc) return wrc;
    wrc = saga_save(ctx, st, s);
    if (wrc == TC_OK) wrc = record_payment(ctx, s, &info);
    return tc__txn_end(ctx, wrc);
  }
  if (rc == TC_EDECLINED || rc == TC_EPROVIDER || rc == TC_ECONFLICT ||
      rc == TC_EINVAL || rc == TC_EOVERFLOW) {
    char why[TC__ERRMSG_SIZE];
    if (info.decline_code[0])
      snprintf(why, sizeof(why), "payment %s: %s",
               rc == TC_EDECLINED ? "declined" : "failed", info.decline_code);
    else
      tc__text_copy(why, sizeof(why), ctx->errmsg);
    int frc = rc == TC_EDECLINED ? TC_EDECLINED : TC_EPROVIDER;
    return fail_payment(ctx, st, s, frc, why);
  }
  if (rc == TC_EUNAVAILABLE || rc == TC_ETIMEOUT) {
    char why[TC__ERRMSG_SIZE];
    tc__text_copy(why, sizeof(why), ctx->errmsg);
    s->attempts++;
    tc__text_copy(s->last_error, sizeof(s->last_error), why);
    save_alone(ctx, st, s); /* best effort: the step stays as it was */
    return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                      "payment pending, the provider is unavailable: %s", why);
  }
  return rc;
}

/* ---- confirm ----------------------------------------------------------------
 */

static int step_confirm(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  int rc = tc_inventory_confirm(ctx, &tc__system_principal, s->reservation_id);
  if (rc == TC_OK) {
    set_step(s, "done");
    s->result_rc = TC_OK;
    s->last_error[0] = '\0';
    return save_moving(ctx, st, s, TC_ORDER_AWAITING_PAYMENT, TC_ORDER_PAID,
                       "payment authorized, stock confirmed");
  }
  if (rc != TC_EEXPIRED && rc != TC_ESTATE) return rc;
  /* The reservation ran out while paying: hold the stock again if it is
   * still there, else give the money back. */
  s->reserve_seq++;
  tc_reservation *r = NULL;
  rc = do_reserve(ctx, st, s, &r);
  if (rc == TC_OK && r->state == TC_RESERVATION_HELD) {
    snprintf(s->reservation_id, sizeof(s->reservation_id), "%s", r->id);
    s->reserve_expires_ms = r->expires_ms;
    tc_inventory_reservation_free(ctx, r);
    return save_alone(ctx, st, s);
  }
  tc_inventory_reservation_free(ctx, r);
  if (rc == TC_OK) return save_alone(ctx, st, s); /* try the next key */
  if (!final_reserve_error(rc)) return rc;
  char reason[TC__ERRMSG_SIZE];
  snprintf(reason, sizeof(reason), "stock no longer available: %.400s",
           ctx->errmsg);
  set_error(s, TC_EINSUFFICIENT, reason);
  set_step(s, "settle");
  return save_moving(ctx, st, s, TC_ORDER_AWAITING_PAYMENT, TC_ORDER_CANCELLED,
                     reason);
}

/* ---- release and settle
 * ------------------------------------------------------- */

static int step_release(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  if (s->reservation_id[0]) {
    int rc =
        tc_inventory_release(ctx, &tc__system_principal, s->reservation_id);
    if (rc) return rc;
  }
  set_step(s, "settle");
  return save_alone(ctx, st, s);
}

static int step_settle(tc_ctx *ctx, ord_state *st, ord_saga *s) {
  tc_payment info;
  int rc =
      tc_payments_get_for_order(&info, ctx, &tc__system_principal, s->order_id);
  if (rc && rc != TC_ENOTFOUND) return rc;
  if (rc == TC_OK) {
    if (!strcmp(info.state, "pending"))
      /* The provider has not answered yet: the payments reconciliation
       * settles it, the next sweep finishes here. */
      return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                        "payment %s is still pending", info.id);
    if (!strcmp(info.state, "authorized"))
      rc = tc_payments_void(&info, ctx, &tc__system_principal, "orders",
                            info.id);
    else if (!strcmp(info.state, "captured") ||
             !strcmp(info.state, "partially_refunded")) {
      char key[96];
      snprintf(key, sizeof(key), "order:%s:settle", s->order_id);
      rc = tc_payments_refund(&info, ctx, &tc__system_principal, "orders",
                              info.id, 0, key, "order not fulfilled");
    }
    if (rc) return rc;
  }
  set_step(s, "done");
  return save_alone(ctx, st, s);
}

int tc__ord_saga_drive(tc_ctx *ctx, const char *order_id) {
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  ord_saga s;
  int rc = tc__ord_saga_load(ctx, order_id, &s);
  /* Bounded: each pass moves a step on or stops. */
  for (int pass = 0; rc == TC_OK && pass < 32; pass++) {
    if (strcmp(s.state, "running")) {
      if (s.result_rc)
        return tc__seterr(ctx, (int)s.result_rc, NULL, "%s", s.last_error);
      return TC_OK;
    }
    if (!strcmp(s.step, "reserve"))
      rc = step_reserve(ctx, st, &s);
    else if (!strcmp(s.step, "authorize"))
      rc = step_authorize(ctx, st, &s);
    else if (!strcmp(s.step, "confirm"))
      rc = step_confirm(ctx, st, &s);
    else if (!strcmp(s.step, "release"))
      rc = step_release(ctx, st, &s);
    else if (!strcmp(s.step, "settle"))
      rc = step_settle(ctx, st, &s);
    else
      rc = tc__seterr(ctx, TC_ECORRUPT, NULL, "unknown saga step %s", s.step);
  }
  if (rc == TC_OK)
    rc = tc__seterr(ctx, TC_EBUSY, NULL, "the checkout did not settle");
  return rc;
}

/* ---- recovery
 * ------------------------------------------------------------------ */

typedef struct {
  tc_ctx *ctx;
  char (*ids)[TC_ID_STRLEN + 1];
  size_t n, cap;
} id_list;

static int id_row(const tc_value *c, size_t n, void *payload) {
  id_list *l = payload;
  (void)n;
  if (l->n == l->cap) return TC_STORE_STOP;
  tc__col_copy(l->ids[l->n++], TC_ID_STRLEN + 1, &c[0]);
  return 0;
}

int tc_orders_recover(tc_ctx *ctx, uint32_t limit, uint32_t *done) {
  if (!ctx) return TC_EINVAL;
  if (done) *done = 0;
  tc__clearerr(ctx);
  if (limit < 1 || limit > 10000)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..10000");
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "recovery calls the payment provider: not inside a "
                      "transaction");
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  id_list l = {ctx, NULL, 0, limit};
  l.ids = tc__calloc(ctx, limit, sizeof(*l.ids));
  if (!l.ids) return tc__oom(ctx);
  /* Payments left pending by a crash first: the settle steps wait on them. */
  uint32_t settled = 0;
  /* Its failures are its own sweep's business; ours goes on. */
  tc_payments_reconcile(&settled, ctx, st->opts.recover_after_ms,
                        limit > 100 ? 100 : limit);
  int64_t now = tc__now_ms(ctx);
  uint32_t count = 0;
  tc_value p[] = {TC_VAL_INT(now - st->opts.recover_after_ms), TC_VAL_INT(now),
                  TC_VAL_INT(limit)};
  int rc = tc__db_exec(ctx,
                       "SELECT order_id FROM orders_sagas WHERE state = "
                       "'running' AND updated_ms <= ? AND lease_until <= ? "
                       "ORDER BY updated_ms LIMIT ?",
                       p, 3, id_row, &l, NULL);
  for (size_t i = 0; rc == TC_OK && i < l.n; i++) {
    if (tc__ord_saga_lease(ctx, l.ids[i]) != TC_OK) continue;
    tc__ord_saga_drive(ctx, l.ids[i]);
    tc__ord_saga_unlease(ctx, l.ids[i]);
    ord_saga s;
    if (tc__ord_saga_load(ctx, l.ids[i], &s) == TC_OK &&
        !strcmp(s.state, "done"))
      count++;
  }
  l.n = 0;
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "SELECT id FROM orders_refunds WHERE state = 'pending' "
                     "AND updated_ms <= ? AND lease_until <= ? ORDER BY "
                     "updated_ms LIMIT ?",
                     p, 3, id_row, &l, NULL);
  for (size_t i = 0; rc == TC_OK && i < l.n; i++) {
    if (tc__ord_refund_lease(ctx, l.ids[i]) != TC_OK) continue;
    if (tc__ord_refund_drive(ctx, l.ids[i]) == TC_OK) count++;
    tc__ord_refund_unlease(ctx, l.ids[i]);
  }
  tc__free(ctx, l.ids);
  if (rc == TC_OK) rc = tc__idem_purge(ctx, now, limit, NULL);
  if (rc == TC_OK) rc = tc__ord_cart_purge(ctx, now, limit, NULL);
  if (rc) return rc;
  if (done) *done = count;
  tc__clearerr(ctx);
  return TC_OK;
}
