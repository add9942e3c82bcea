/*
 * lib/payments/refund.c - full and partial refunds, never more than was
 * captured and not yet refunded.
 *
 * A refund is a payments_refunds row claimed by (payment, key) before the
 * provider is called; the same key returns the first refund's result, and
 * its step key ("<id>:refund:<n>") makes the provider call idempotent.
 */
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

typedef struct refund_row {
  char id[TC_ID_STRLEN + 1];
  char step_key[128];
  char state[16];
  char fail_class[16];
  int64_t amount;
} refund_row;

static int refund_cb(const tc_value *cols, size_t n, void *payload) {
  refund_row *r = payload;
  if (n < 5) return TC_ECORRUPT;
  tc__col_copy(r->id, sizeof(r->id), &cols[0]);
  tc__col_copy(r->step_key, sizeof(r->step_key), &cols[1]);
  tc__col_copy(r->state, sizeof(r->state), &cols[2]);
  tc__col_copy(r->fail_class, sizeof(r->fail_class), &cols[3]);
  r->amount = tc__col_int(&cols[4]);
  return TC_STORE_STOP;
}

static int find_refund(tc_ctx *ctx, const char *payment_id, const char *key,
                       refund_row *r) {
  tc_value p[] = {TC_VAL_TEXT(payment_id), TC_VAL_TEXT(key)};
  return tc__db_row(ctx,
                    "SELECT id, step_key, state, fail_class, amount"
                    " FROM payments_refunds"
                    " WHERE payment_id = ? AND idempotency_key = ?",
                    p, 2, refund_cb, r);
}

static int check_reason(tc_ctx *ctx, const char *reason) {
  return tc__check_text(ctx, "reason", reason, 0, 500, TC__TEXT_NULL_OK);
}

int tc__pay_finish_refund(tc_ctx *ctx, pay_row *row, int rc,
                          const tc_payment_result *res) {
  pay_pending pp;
  int wrc = tc__pay_finish_begin(ctx, row, rc, "refund", true, &pp);
  if (wrc) return wrc;
  const char *key = pp.key;
  int64_t amt = pp.amount, base = pp.base;
  if (pp.mine) {
    tc_value p[] = {TC_VAL_TEXT(rc == TC_OK ? "succeeded" : "failed"),
                    TC_VAL_TEXT(rc == TC_OK          ? ""
                                : rc == TC_EDECLINED ? "declined"
                                                     : "error"),
                    TC_VAL_TEXT(res->provider_ref), TC_VAL_INT(tc__now_ms(ctx)),
                    TC_VAL_TEXT(key)};
    wrc = tc__db_exec(ctx,
                      "UPDATE payments_refunds SET state = ?, fail_class = ?,"
                      " provider_ref = ?, updated_ms = ?"
                      " WHERE step_key = ? AND state = 'pending'",
                      p, 5, NULL, NULL, NULL);
    bool event = false;
    if (rc == TC_OK) {
      int64_t total = base + amt;
      if (total > row->p.captured) total = row->p.captured;
      if (total > row->p.refunded) row->p.refunded = total;
      const char *to = row->p.refunded >= row->p.captured
                           ? "refunded"
                           : "partially_refunded";
      if (tc__pay_rank(to) >= tc__pay_rank(row->p.state) &&
          tc__pay_transition_ok(row->p.state, to))
        tc__text_copy(row->p.state, sizeof(row->p.state), to);
      event = true;
    } else {
      tc__pay_note_failure(row, res);
    }
    tc__pay_clear_pending(row);
    if (wrc == TC_OK) wrc = tc__pay_save(ctx, row);
    if (wrc == TC_OK && event) {
      wrc = tc__pay_publish(ctx, "refunded", row, "refund_amount", amt,
                            "refund_key", key);
    }
  }
  wrc = tc__txn_end(ctx, wrc);
  return wrc ? wrc : rc;
}

static int insert_refund(tc_ctx *ctx, const pay_row *row, const char *key,
                         int64_t amt, const char *reason) {
  tc_id id;
  tc_id_new(&id, ctx);
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {
      TC_VAL_TEXT(id.str),
      TC_VAL_TEXT(row->p.id),
      TC_VAL_TEXT(key),
      TC_VAL_TEXT(row->pending_key),
      TC_VAL_INT(amt),
      TC_VAL_TEXT(row->p.amount.currency),
      TC_VAL_TEXT(reason ? reason : ""),
      TC_VAL_INT(now),
      TC_VAL_INT(now),
  };
  return tc__db_exec(ctx,
                     "INSERT INTO payments_refunds (id, payment_id,"
                     " idempotency_key, step_key, amount, currency, reason,"
                     " state, fail_class, provider_ref, created_ms,"
                     " updated_ms)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', '', '', ?, ?)",
                     p, sizeof(p) / sizeof(p[0]), NULL, NULL, NULL);
}

/* Start a new refund (inside the write transaction). */
static int start_refund(tc_ctx *ctx, pay_row *row, int64_t amount,
                        const char *key, const char *reason) {
  if (row->p.pending_step[0])
    return tc__seterr(ctx, TC_EBUSY, "payment_id",
                      "payment '%s' has an unfinished %s step; retry once "
                      "it settles",
                      row->p.id, row->p.pending_step);
  if (strcmp(row->p.state, "captured") &&
      strcmp(row->p.state, "partially_refunded"))
    return tc__seterr(ctx, TC_ESTATE, "state",
                      "cannot refund: payment transition from '%s' to "
                      "'refunded' is not allowed",
                      row->p.state);
  int64_t left = row->p.captured - row->p.refunded;
  int64_t amt = amount ? amount : left;
  if (left <= 0)
    return tc__seterr(ctx, TC_EINVAL, "amount",
                      "nothing is left to refund on payment '%s'", row->p.id);
  if (amt > left)
    return tc__seterr(ctx, TC_EINVAL, "amount",
                      "amount %" PRId64 " is more than the %" PRId64
                      " that can still be refunded",
                      amt, left);
  row->refund_seq++;
  tc__text_copy(row->p.pending_step, sizeof(row->p.pending_step), "refund");
  snprintf(row->pending_key, sizeof(row->pending_key), "%s:refund:%" PRId64,
           row->p.id, row->refund_seq);
  row->pending_amount = amt;
  row->pending_base = row->p.refunded;
  char autokey[40];
  if (!key) {
    snprintf(autokey, sizeof(autokey), "auto:%" PRId64, amt);
    key = autokey;
  }
  int rc = insert_refund(ctx, row, key, amt, reason);
  if (rc == TC_ECONFLICT)
    return tc__seterr(ctx, TC_ECONFLICT, "key",
                      "a refund with this key exists already");
  return rc ? rc : tc__pay_save(ctx, row);
}

int tc__pay_refund(tc_ctx *ctx, const char *payment_id, int64_t amount,
                   const char *key, const char *reason, pay_row *row) {
  int rc;
  memset(row, 0, sizeof(*row));
  if ((rc = tc__check_id(ctx, "payment_id", payment_id))) return rc;
  if (amount < 0)
    return tc__seterr(ctx, TC_EINVAL, "amount",
                      "amount must not be negative (0 refunds all)");
  if (amount > TC_PAYMENTS_MAX_AMOUNT)
    return tc__seterr(ctx, TC_EOVERFLOW, "amount",
                      "amount %" PRId64 " is larger than the maximum", amount);
  if (key && (rc = tc__pay_check_token(ctx, "key", key, 200))) return rc;
  if ((rc = check_reason(ctx, reason))) return rc;
  if ((rc = tc__pay_no_txn(ctx))) return rc;
  if (!tc__pay_state(ctx)) return ctx->errcode;
  bool settled = false;
  refund_row prior;
  memset(&prior, 0, sizeof(prior));
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__pay_load(ctx, payment_id, row);
  char autokey[40];
  const char *k = key;
  if (rc == TC_OK && !k) {
    int64_t amt = amount ? amount : row->p.captured - row->p.refunded;
    snprintf(autokey, sizeof(autokey), "auto:%" PRId64, amt);
    k = autokey;
  }
  int found = rc == TC_OK ? find_refund(ctx, payment_id, k, &prior) : rc;
  if (rc == TC_OK && found == TC_OK) {
    if (amount && amount != prior.amount)
      rc = tc__seterr(ctx, TC_ECONFLICT, "key",
                      "refund key was used for another amount (%" PRId64 ")",
                      prior.amount);
    else if (strcmp(prior.state, "pending"))
      settled = true;
    else if (strcmp(row->pending_key, prior.step_key))
      rc = tc__seterr(ctx, TC_EBUSY, "payment_id", "refund '%s' is pending",
                      prior.id);
  } else if (rc == TC_OK && found == TC_ENOTFOUND) {
    rc = start_refund(ctx, row, amount, key, reason);
  } else if (rc == TC_OK) {
    rc = found;
  }
  rc = tc__txn_end(ctx, rc);
  if (rc) return rc;
  if (settled) {
    if (!strcmp(prior.state, "succeeded")) return TC_OK;
    bool declined = !strcmp(prior.fail_class, "declined");
    return tc__seterr(ctx, declined ? TC_EDECLINED : TC_EPROVIDER, "key",
                      "refund '%s' failed earlier at the provider", prior.id);
  }
  return tc__pay_redrive(ctx, row);
}
