/*
 * lib/payments/capture.c - captures (several partial ones up to the
 * authorized amount) and voids.
 *
 * Each records its step with a key of its own ("<id>:capture:<n>",
 * "<id>:void") and the amounts it started from, so that the outcome, a
 * webhook or the sweep can apply it exactly once (amounts only grow to
 * base + amount, never by it twice).
 */
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

static int64_t max64(int64_t a, int64_t b) {
  return a > b ? a : b;
}

/* Record the intent of step (in a write transaction) unless the same step
 * is already recorded, in which case *redrive is set. */
static int busy(tc_ctx *ctx, const pay_row *row) {
  return tc__seterr(ctx, TC_EBUSY, "payment_id",
                    "payment '%s' has an unfinished %s step; retry once it "
                    "settles (or run the reconciliation sweep)",
                    row->p.id, row->p.pending_step);
}

int tc__pay_finish_capture(tc_ctx *ctx, pay_row *row, int rc,
                           const tc_payment_result *res) {
  pay_pending pp;
  int wrc = tc__pay_finish_begin(ctx, row, rc, "capture", true, &pp);
  if (wrc) return wrc;
  int64_t amt = pp.amount;
  if (pp.mine) {
    bool event = false;
    if (rc == TC_OK) {
      int64_t total = pp.base + amt;
      if (total > row->p.amount.amount) total = row->p.amount.amount;
      row->p.captured = max64(row->p.captured, total);
      if (tc__pay_rank(row->p.state) < tc__pay_rank("captured") &&
          tc__pay_transition_ok(row->p.state, "captured"))
        tc__text_copy(row->p.state, sizeof(row->p.state), "captured");
      event = true;
    } else {
      tc__pay_note_failure(row, res);
    }
    tc__pay_clear_pending(row);
    wrc = tc__pay_save(ctx, row);
    if (wrc == TC_OK && event)
      wrc = tc__pay_publish(ctx, "captured", row, "capture_amount", amt, NULL,
                            NULL);
  }
  wrc = tc__txn_end(ctx, wrc);
  return wrc ? wrc : rc;
}

static int drive(tc_ctx *ctx, pay_row *row) {
  return tc__pay_redrive(ctx, row);
}

int tc__pay_capture(tc_ctx *ctx, const char *payment_id, int64_t amount,
                    pay_row *row) {
  int rc;
  memset(row, 0, sizeof(*row));
  if ((rc = tc__check_id(ctx, "payment_id", payment_id))) return rc;
  if (amount < 0)
    return tc__seterr(ctx, TC_EINVAL, "amount",
                      "amount must not be negative (0 captures all)");
  if (amount > TC_PAYMENTS_MAX_AMOUNT)
    return tc__seterr(ctx, TC_EOVERFLOW, "amount",
                      "amount %" PRId64 " is larger than the maximum", amount);
  if ((rc = tc__pay_no_txn(ctx))) return rc;
  if (!tc__pay_state(ctx)) return ctx->errcode;
  bool redrive = false;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__pay_load(ctx, payment_id, row);
  if (rc == TC_OK && !strcmp(row->p.pending_step, "capture")) {
    if (amount == 0 || amount == row->pending_amount)
      redrive = true;
    else
      rc = busy(ctx, row);
  } else if (rc == TC_OK && row->p.pending_step[0]) {
    rc = busy(ctx, row);
  } else if (rc == TC_OK) {
    rc = tc__pay_check_transition(ctx, "capture", row->p.state, "captured");
    int64_t left = row->p.amount.amount - row->p.captured;
    if (rc == TC_OK && left <= 0)
      rc = tc__seterr(ctx, TC_EINVAL, "amount",
                      "nothing is left to capture on payment '%s'", row->p.id);
    int64_t amt = amount ? amount : left;
    if (rc == TC_OK && amt > left)
      rc = tc__seterr(ctx, TC_EINVAL, "amount",
                      "amount %" PRId64 " is more than the %" PRId64
                      " left to capture",
                      amt, left);
    if (rc == TC_OK) {
      row->capture_seq++;
      tc__text_copy(row->p.pending_step, sizeof(row->p.pending_step),
                    "capture");
      snprintf(row->pending_key, sizeof(row->pending_key),
               "%s:capture:%" PRId64, row->p.id, row->capture_seq);
      row->pending_amount = amt;
      row->pending_base = row->p.captured;
      rc = tc__pay_save(ctx, row);
    }
  }
  rc = tc__txn_end(ctx, rc);
  if (rc) return rc;
  (void)redrive;
  return drive(ctx, row);
}

int tc__pay_finish_void(tc_ctx *ctx, pay_row *row, int rc,
                        const tc_payment_result *res) {
  pay_pending pp;
  int wrc = tc__pay_finish_begin(ctx, row, rc, "void", false, &pp);
  if (wrc) return wrc;
  if (pp.mine) {
    bool event = false;
    if (rc == TC_OK && tc__pay_transition_ok(row->p.state, "voided")) {
      tc__text_copy(row->p.state, sizeof(row->p.state), "voided");
      event = true;
    } else if (rc != TC_OK) {
      tc__pay_note_failure(row, res);
    }
    tc__pay_clear_pending(row);
    wrc = tc__pay_save(ctx, row);
    if (wrc == TC_OK && event)
      wrc = tc__pay_publish(ctx, "voided", row, NULL, 0, NULL, NULL);
  }
  wrc = tc__txn_end(ctx, wrc);
  return wrc ? wrc : rc;
}

int tc__pay_void(tc_ctx *ctx, const char *payment_id, pay_row *row) {
  int rc;
  memset(row, 0, sizeof(*row));
  if ((rc = tc__check_id(ctx, "payment_id", payment_id))) return rc;
  if ((rc = tc__pay_no_txn(ctx))) return rc;
  if (!tc__pay_state(ctx)) return ctx->errcode;
  if ((rc = tc__pay_load(ctx, payment_id, row))) return rc;
  /* An authorization still in flight is settled first: the provider may
   * hold funds we do not know about yet. */
  if (!strcmp(row->p.pending_step, "authorize")) {
    rc = tc__pay_redrive(ctx, row);
    if (rc == TC_EDECLINED || rc == TC_EPROVIDER) {
      tc__clearerr(ctx);
      return TC_OK; /* failed: nothing is held, nothing to void */
    }
    if (rc) return rc;
  }
  if (!strcmp(row->p.state, "voided") || !strcmp(row->p.state, "failed"))
    return TC_OK;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__pay_load(ctx, payment_id, row);
  if (rc == TC_OK && !strcmp(row->p.pending_step, "void")) {
    /* re-drive below */
  } else if (rc == TC_OK && row->p.pending_step[0]) {
    rc = busy(ctx, row);
  } else if (rc == TC_OK) {
    rc = tc__pay_check_transition(ctx, "void", row->p.state, "voided");
    if (rc == TC_OK) {
      tc__text_copy(row->p.pending_step, sizeof(row->p.pending_step), "void");
      snprintf(row->pending_key, sizeof(row->pending_key), "%s:void",
               row->p.id);
      row->pending_amount = 0;
      rc = tc__pay_save(ctx, row);
    }
  }
  rc = tc__txn_end(ctx, rc);
  if (rc) return rc;
  return drive(ctx, row);
}
