/*
 * lib/payments/authorize.c - creating a payment and authorizing it.
 *
 * The record (state pending, step "authorize" with its key) is committed
 * before the provider is called; the same order + idempotency key finds
 * it again, so a retried checkout re-drives the same provider call with
 * the same key instead of charging twice.
 */
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

static int find_by_key(tc_ctx *ctx, const char *order_id, const char *key,
                       pay_row *row) {
  tc_value p[] = {TC_VAL_TEXT(order_id), TC_VAL_TEXT(key)};
  return tc__db_row(ctx,
                    "SELECT " PAY_COLUMNS
                    " FROM payments_payments"
                    " WHERE order_id = ? AND idempotency_key = ?",
                    p, 2, tc__pay_row_cb, row);
}

static int insert_row(tc_ctx *ctx, const pay_row *r) {
  tc_value p[] = {
      TC_VAL_TEXT(r->p.id),           TC_VAL_TEXT(r->p.order_id),
      TC_VAL_TEXT(r->idem_key),       TC_VAL_TEXT(r->p.owner_id),
      TC_VAL_INT(r->p.amount.amount), TC_VAL_TEXT(r->p.amount.currency),
      TC_VAL_TEXT(r->p.provider),     TC_VAL_TEXT(r->source),
      TC_VAL_TEXT(r->pending_key),    TC_VAL_INT(r->pending_amount),
      TC_VAL_INT(r->p.created_ms),    TC_VAL_INT(r->p.updated_ms),
      TC_VAL_TEXT(r->managed_by),
  };
  return tc__db_exec(
      ctx,
      "INSERT INTO payments_payments (id, order_id, idempotency_key,"
      " owner_id, amount, currency, state, provider, provider_ref, source,"
      " captured, refunded, card_last4, decline_code, decline_message,"
      " fail_class, pending_step, pending_key, pending_amount, pending_base,"
      " capture_seq, refund_seq, version, created_ms, updated_ms, managed_by)"
      " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, '', ?, 0, 0, '', '', '', '',"
      " 'authorize', ?, ?, 0, 0, 0, 1, ?, ?, ?)",
      p, sizeof(p) / sizeof(p[0]), NULL, NULL, NULL);
}

static int same_request(tc_ctx *ctx, const pay_row *r, const tc_money *amount,
                        const char *source) {
  if (r->p.amount.amount != amount->amount ||
      strcmp(r->p.amount.currency, amount->currency) ||
      strcmp(r->source, source))
    return tc__seterr(ctx, TC_ECONFLICT, "idempotency_key",
                      "idempotency_key was used for payment '%s' with "
                      "another amount or source",
                      r->p.id);
  return TC_OK;
}

static int create_or_find(tc_ctx *ctx, pay_state *st, const char *managed_by,
                          const char *order_id, const char *owner,
                          const char *key, const tc_money *amount,
                          const char *source, pay_row *row) {
  for (int round = 0; round < 2; round++) {
    int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
    if (rc) return rc;
    rc = find_by_key(ctx, order_id, key, row);
    if (rc == TC_OK) {
      rc = same_request(ctx, row, amount, source);
    } else if (rc == TC_ENOTFOUND) {
      memset(row, 0, sizeof(*row));
      tc_id id;
      tc_id_new(&id, ctx);
      tc__text_copy(row->p.id, sizeof(row->p.id), id.str);
      tc__text_copy(row->p.order_id, sizeof(row->p.order_id), order_id);
      tc__text_copy(row->p.owner_id, sizeof(row->p.owner_id), owner);
      tc__text_copy(row->managed_by, sizeof(row->managed_by), managed_by);
      tc__text_copy(row->p.state, sizeof(row->p.state), "pending");
      row->p.amount = *amount;
      tc__text_copy(row->p.provider, sizeof(row->p.provider),
                    st->provider->name);
      tc__text_copy(row->p.pending_step, sizeof(row->p.pending_step),
                    "authorize");
      row->p.created_ms = row->p.updated_ms = tc__now_ms(ctx);
      tc__text_copy(row->idem_key, sizeof(row->idem_key), key);
      tc__text_copy(row->source, sizeof(row->source), source);
      snprintf(row->pending_key, sizeof(row->pending_key), "%s:authorize",
               row->p.id);
      row->pending_amount = amount->amount;
      row->version = 1;
      rc = insert_row(ctx, row);
    }
    rc = tc__txn_end(ctx, rc);
    /* Another caller claimed the key between our read and insert. */
    if (rc == TC_ECONFLICT && round == 0 && !strcmp(tc_errfield(ctx), ""))
      continue;
    return rc;
  }
  return TC_ECONFLICT;
}

/* The answer for a payment whose authorization is already settled. */
static int settled_result(tc_ctx *ctx, const pay_row *row) {
  if (!strcmp(row->p.state, "failed")) {
    int code =
        !strcmp(row->fail_class, "declined") ? TC_EDECLINED : TC_EPROVIDER;
    return tc__seterr(ctx, code, code == TC_EDECLINED ? "source" : NULL,
                      "payment '%s' %s: %s%s%s", row->p.id,
                      code == TC_EDECLINED ? "was declined" : "failed",
                      row->p.decline_code[0] ? row->p.decline_code : "error",
                      row->p.message[0] ? ": " : "", row->p.message);
  }
  if (!strcmp(row->p.state, "pending"))
    return tc__seterr(ctx, TC_EUNAVAILABLE, NULL,
                      "payment '%s' is still pending at the provider",
                      row->p.id);
  return TC_OK;
}

int tc__pay_finish_authorize(tc_ctx *ctx, pay_row *row, int rc,
                             const tc_payment_result *res) {
  if (rc == TC_EUNAVAILABLE && res->provider_ref[0] &&
      !row->p.provider_ref[0]) {
    /* Still open at the provider ("processing"), but now with a reference
     * the sweep can fetch. */
    int wrc = tc__txn_begin(ctx, TC_TXN_WRITE);
    if (wrc == TC_OK) {
      pay_row cur;
      wrc = tc__pay_load(ctx, row->p.id, &cur);
      if (wrc == TC_OK && !strcmp(cur.p.pending_step, "authorize")) {
        tc__text_copy(cur.p.provider_ref, sizeof(cur.p.provider_ref),
                      res->provider_ref);
        wrc = tc__pay_save(ctx, &cur);
        if (wrc == TC_OK) *row = cur;
      }
      wrc = tc__txn_end(ctx, wrc);
    }
    return wrc ? wrc : rc;
  }
  pay_pending pp;
  int wrc = tc__pay_finish_begin(ctx, row, rc, "authorize", true, &pp);
  if (wrc) return wrc;
  bool mine = pp.mine;
  const char *event = NULL;
  if (mine) {
    const char *to = rc == TC_OK ? "authorized" : "failed";
    bool move = tc__pay_transition_ok(row->p.state, to);
    if (rc == TC_OK) {
      if (res->provider_ref[0])
        tc__text_copy(row->p.provider_ref, sizeof(row->p.provider_ref),
                      res->provider_ref);
      tc__text_copy(row->p.card_last4, sizeof(row->p.card_last4),
                    res->card_last4);
    } else {
      tc__text_copy(row->fail_class, sizeof(row->fail_class),
                    rc == TC_EDECLINED ? "declined" : "error");
      tc__pay_note_failure(row, res);
      if (res->provider_ref[0] && !row->p.provider_ref[0])
        tc__text_copy(row->p.provider_ref, sizeof(row->p.provider_ref),
                      res->provider_ref);
    }
    /* A webhook may have moved it on meanwhile: never go back. */
    if (move) {
      tc__text_copy(row->p.state, sizeof(row->p.state), to);
      event = rc == TC_OK ? "authorized" : "failed";
    }
    tc__pay_clear_pending(row);
    wrc = tc__pay_save(ctx, row);
    if (wrc == TC_OK && event) {
      wrc = tc__pay_publish(ctx, event, row, NULL, 0, "code",
                            rc == TC_OK ? "" : row->p.decline_code);
    }
  }
  wrc = tc__txn_end(ctx, wrc);
  if (wrc) return wrc;
  if (!mine) return settled_result(ctx, row);
  if (rc == TC_OK && !strcmp(row->p.state, "failed"))
    return settled_result(ctx, row);
  return rc;
}

static int drive_authorize(tc_ctx *ctx, pay_row *row) {
  tc_payment_result res;
  int rc = tc__pay_call(ctx, PAY_AUTHORIZE, row, "authorize", row->pending_key,
                        row->pending_amount, &res);
  return tc__pay_finish_authorize(ctx, row, rc, &res);
}

int tc__pay_authorize(tc_ctx *ctx, const char *managed_by, const char *order_id,
                      const char *owner, const char *key,
                      const tc_money *amount, const char *source,
                      pay_row *row) {
  int rc;
  memset(row, 0, sizeof(*row));
  if ((rc = tc__check_id(ctx, "order_id", order_id))) return rc;
  if (owner && *owner && (rc = tc__check_id(ctx, "owner_user_id", owner)))
    return rc;
  if ((rc = tc__pay_check_token(ctx, "idempotency_key", key, 200))) return rc;
  if ((rc = tc__pay_check_money(ctx, amount))) return rc;
  if ((rc = tc__pay_check_token(ctx, "source", source, 200))) return rc;
  if ((rc = tc__pay_no_txn(ctx))) return rc;
  pay_state *st = tc__pay_state(ctx);
  if (!st) return ctx->errcode ? ctx->errcode : TC_ENOMEM;
  rc = create_or_find(ctx, st, managed_by, order_id, owner, key, amount, source,
                      row);
  if (rc) return rc;
  if (!strcmp(row->p.pending_step, "authorize"))
    rc = drive_authorize(ctx, row);
  else
    rc = settled_result(ctx, row);
  if (rc == TC_OK && st->opts.capture_mode == TC_PAYMENTS_CAPTURE_AT_CHECKOUT &&
      !strcmp(row->p.state, "authorized")) {
    pay_row copy = *row;
    int crc = tc__pay_capture(ctx, copy.p.id, 0, row);
    if (crc) {
      /* The authorization stands; the capture step (if recorded) is
       * finished by the next call or the reconciliation sweep. */
      tc__log(ctx, TC_LOG_WARN, "payments",
              "capture at checkout of %s deferred: %s", copy.p.id,
              tc_errmsg(ctx));
      if (tc__pay_load(ctx, copy.p.id, row)) *row = copy;
      tc__clearerr(ctx);
    }
  }
  return rc;
}
