/*
 * lib/payments/webhook.c - applying verified provider events.
 *
 * Each (provider, event id) is stored in payments_webhook_events in the
 * same transaction as its effect, so a repeated delivery is a no-op.
 * Events arrive in any order: amounts only grow and the state only moves
 * forward along the transition table (by rank), so a late "authorized"
 * never undoes a capture.
 */
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

#define WEBHOOK_MAX_BODY ((size_t)1 << 20)

static int event_seen(tc_ctx *ctx, const char *provider, const char *id,
                      bool *seen) {
  tc_value p[] = {TC_VAL_TEXT(provider), TC_VAL_TEXT(id)};
  int rc = tc__db_row(ctx,
                      "SELECT 1 FROM payments_webhook_events"
                      " WHERE provider = ? AND event_id = ?",
                      p, 2, NULL, NULL);
  *seen = rc == TC_OK;
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}

static int find_by_ref(tc_ctx *ctx, const char *provider, const char *ref,
                       pay_row *row) {
  tc_value p[] = {TC_VAL_TEXT(provider), TC_VAL_TEXT(ref)};
  return tc__db_row(ctx,
                    "SELECT " PAY_COLUMNS
                    " FROM payments_payments"
                    " WHERE provider = ? AND provider_ref = ?"
                    " ORDER BY id DESC LIMIT 1",
                    p, 2, tc__pay_row_cb, row);
}

static void move_to(pay_row *row, const char *to) {
  if (tc__pay_rank(to) >= tc__pay_rank(row->p.state) &&
      tc__pay_transition_ok(row->p.state, to))
    tc__text_copy(row->p.state, sizeof(row->p.state), to);
}

static void clear_step(pay_row *row) {
  row->p.pending_step[0] = '\0';
  row->pending_key[0] = '\0';
  row->pending_amount = row->pending_base = 0;
}

/* Work out what ev does to row; *event gets the event to publish (or
 * NULL). Returns true when the row changed. */
static bool apply_event(const tc_payment_event *ev, pay_row *row,
                        const char **event) {
  pay_row before = *row;
  int64_t amount = row->p.amount.amount;
  *event = NULL;
  if (!strcmp(ev->type, "payment.authorized")) {
    move_to(row, "authorized");
    if (strcmp(row->p.state, "pending") &&
        !strcmp(row->p.pending_step, "authorize"))
      clear_step(row);
    if (strcmp(before.p.state, row->p.state)) *event = "authorized";
  } else if (!strcmp(ev->type, "payment.captured")) {
    int64_t cap = ev->amount > 0 && ev->amount < amount ? ev->amount : amount;
    if (cap > row->p.captured) row->p.captured = cap;
    if (tc__pay_rank(row->p.state) < tc__pay_rank("captured"))
      move_to(row, "captured");
    if (!strcmp(row->p.pending_step, "authorize") &&
        strcmp(row->p.state, "pending"))
      clear_step(row);
    if (!strcmp(row->p.pending_step, "capture") &&
        row->p.captured >= row->pending_base + row->pending_amount)
      clear_step(row);
    if (row->p.captured != before.p.captured) *event = "captured";
  } else if (!strcmp(ev->type, "payment.failed")) {
    move_to(row, "failed");
    if (!strcmp(row->p.state, "failed")) {
      tc__text_copy(row->fail_class, sizeof(row->fail_class), "declined");
      if (!row->p.decline_code[0])
        tc__text_copy(row->p.decline_code, sizeof(row->p.decline_code),
                      ev->status[0] ? ev->status : "failed");
      if (!strcmp(row->p.pending_step, "authorize")) clear_step(row);
    }
    if (strcmp(before.p.state, row->p.state)) *event = "failed";
  } else if (!strcmp(ev->type, "payment.voided")) {
    if (row->p.captured == 0) move_to(row, "voided");
    if (!strcmp(row->p.state, "voided") &&
        (!strcmp(row->p.pending_step, "authorize") ||
         !strcmp(row->p.pending_step, "void")))
      clear_step(row);
    if (strcmp(before.p.state, row->p.state)) *event = "voided";
  } else if (!strcmp(ev->type, "payment.refunded") ||
             !strcmp(ev->type, "refund.succeeded")) {
    int64_t ref = ev->amount > 0 && ev->amount < amount ? ev->amount : amount;
    if (ref > row->p.captured) row->p.captured = ref;
    if (ref > row->p.refunded) row->p.refunded = ref;
    move_to(row, row->p.refunded >= row->p.captured ? "refunded"
                                                    : "partially_refunded");
    if (!strcmp(row->p.pending_step, "refund") &&
        row->p.refunded >= row->pending_base + row->pending_amount)
      clear_step(row);
    if (row->p.refunded != before.p.refunded) *event = "refunded";
  }
  return strcmp(before.p.state, row->p.state) ||
         before.p.captured != row->p.captured ||
         before.p.refunded != row->p.refunded ||
         strcmp(before.p.pending_step, row->p.pending_step) ||
         strcmp(before.fail_class, row->fail_class);
}

/* A refund step finished by a webhook: its refund row succeeded too. */
static int close_refund(tc_ctx *ctx, const char *step_key) {
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(step_key)};
  return tc__db_exec(ctx,
                     "UPDATE payments_refunds SET state = 'succeeded',"
                     " updated_ms = ? WHERE step_key = ? AND state = 'pending'",
                     p, 2, NULL, NULL, NULL);
}

static int record_event(tc_ctx *ctx, const char *provider,
                        const tc_payment_event *ev, const char *payment_id,
                        bool applied) {
  tc_value p[] = {TC_VAL_TEXT(provider),      TC_VAL_TEXT(ev->event_id),
                  TC_VAL_TEXT(ev->type),      TC_VAL_TEXT(ev->provider_ref),
                  TC_VAL_TEXT(payment_id),    TC_VAL_INT(applied ? 1 : 0),
                  TC_VAL_INT(tc__now_ms(ctx))};
  return tc__db_exec(ctx,
                     "INSERT INTO payments_webhook_events (provider, event_id,"
                     " type, provider_ref, payment_id, applied, received_ms)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     p, 7, NULL, NULL, NULL);
}

static int apply_in_txn(tc_ctx *ctx, const char *provider,
                        const tc_payment_event *ev) {
  bool seen = false;
  int rc = event_seen(ctx, provider, ev->event_id, &seen);
  if (rc || seen) return rc; /* a repeated delivery: nothing to do */
  pay_row row;
  bool applied = false;
  const char *event = NULL;
  rc = ev->provider_ref[0] ? find_by_ref(ctx, provider, ev->provider_ref, &row)
                           : TC_ENOTFOUND;
  if (rc == TC_ENOTFOUND) {
    tc__log(ctx, TC_LOG_INFO, "payments",
            "webhook %s about an unknown payment: ignored", ev->event_id);
    return record_event(ctx, provider, ev, "", false);
  }
  if (rc) return rc;
  char step[16], step_key[128];
  tc__text_copy(step, sizeof(step), row.p.pending_step);
  tc__text_copy(step_key, sizeof(step_key), row.pending_key);
  if (apply_event(ev, &row, &event)) {
    applied = true;
    if ((rc = tc__pay_save(ctx, &row))) return rc;
    if (!strcmp(step, "refund") && !row.p.pending_step[0] &&
        (rc = close_refund(ctx, step_key)))
      return rc;
    if (event) {
      if ((rc = tc__pay_publish(ctx, event, &row, NULL, 0, "webhook_event",
                                ev->event_id)))
        return rc;
    }
  }
  return record_event(ctx, provider, ev, row.p.id, applied);
}

static void terminate(tc_payment_event *e) {
  e->event_id[sizeof(e->event_id) - 1] = '\0';
  e->type[sizeof(e->type) - 1] = '\0';
  e->provider_ref[sizeof(e->provider_ref) - 1] = '\0';
  e->status[sizeof(e->status) - 1] = '\0';
  e->currency[sizeof(e->currency) - 1] = '\0';
}

int tc_payments_apply_webhook(tc_ctx *ctx, const char *signature_header,
                              const char *body, size_t len) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!signature_header || !*signature_header)
    return tc__seterr(ctx, TC_EDENIED, "signature",
                      "the webhook signature header is missing");
  if (!body || len == 0)
    return tc__seterr(ctx, TC_EINVAL, "body", "the webhook body is empty");
  if (len > WEBHOOK_MAX_BODY)
    return tc__seterr(ctx, TC_EINVAL, "body",
                      "the webhook body is larger than 1 MiB");
  pay_state *st = tc__pay_state(ctx);
  if (!st) return ctx->errcode;
  tc_payment_provider *p = st->provider;
  if (!p->parse_webhook)
    return tc__seterr(ctx, TC_EUNSUPPORTED, NULL,
                      "payment provider '%s' does not take webhooks", p->name);
  tc_payment_event ev;
  memset(&ev, 0, sizeof(ev));
  int64_t now_s = tc__now_ms(ctx) / 1000;
  int rc = p->parse_webhook(p->self, signature_header, body, len, now_s, &ev);
  if (rc == TC_EDENIED)
    return tc__seterr(ctx, TC_EDENIED, "signature",
                      "webhook signature is invalid or too old");
  if (rc == TC_EINVAL)
    return tc__seterr(ctx, TC_EINVAL, "body",
                      "webhook body is not an event this provider sends");
  if (rc)
    return tc__seterr(ctx, rc, NULL,
                      "provider '%s' could not read the "
                      "webhook (%s)",
                      p->name, tc_strerror(rc));
  terminate(&ev);
  if (!ev.event_id[0])
    return tc__seterr(ctx, TC_EINVAL, "body", "webhook event has no id");
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = apply_in_txn(ctx, p->name, &ev);
  return tc__txn_end(ctx, rc);
}
