/*
 * lib/payments/records.c - reading and writing payment rows, attempts and
 * events; input checks shared by the steps.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>

#include "payments_priv.h"

int tc__pay_row_cb(const tc_value *cols, size_t ncols, void *payload) {
  pay_row *r = payload;
  if (ncols < 26) return TC_ECORRUPT;
  memset(r, 0, sizeof(*r));
  tc__col_copy(r->p.id, sizeof(r->p.id), &cols[0]);
  tc__col_copy(r->p.order_id, sizeof(r->p.order_id), &cols[1]);
  tc__col_copy(r->p.owner_id, sizeof(r->p.owner_id), &cols[2]);
  tc__col_copy(r->p.state, sizeof(r->p.state), &cols[3]);
  r->p.amount.amount = tc__col_int(&cols[4]);
  tc__col_copy(r->p.amount.currency, sizeof(r->p.amount.currency), &cols[5]);
  r->p.captured = tc__col_int(&cols[6]);
  r->p.refunded = tc__col_int(&cols[7]);
  tc__col_copy(r->p.provider, sizeof(r->p.provider), &cols[8]);
  tc__col_copy(r->p.provider_ref, sizeof(r->p.provider_ref), &cols[9]);
  tc__col_copy(r->p.card_last4, sizeof(r->p.card_last4), &cols[10]);
  tc__col_copy(r->p.decline_code, sizeof(r->p.decline_code), &cols[11]);
  tc__col_copy(r->p.message, sizeof(r->p.message), &cols[12]);
  tc__col_copy(r->p.pending_step, sizeof(r->p.pending_step), &cols[13]);
  r->p.created_ms = tc__col_int(&cols[14]);
  r->p.updated_ms = tc__col_int(&cols[15]);
  tc__col_copy(r->idem_key, sizeof(r->idem_key), &cols[16]);
  tc__col_copy(r->source, sizeof(r->source), &cols[17]);
  tc__col_copy(r->fail_class, sizeof(r->fail_class), &cols[18]);
  tc__col_copy(r->pending_key, sizeof(r->pending_key), &cols[19]);
  r->pending_amount = tc__col_int(&cols[20]);
  r->pending_base = tc__col_int(&cols[21]);
  r->capture_seq = tc__col_int(&cols[22]);
  r->refund_seq = tc__col_int(&cols[23]);
  r->version = tc__col_int(&cols[24]);
  tc__col_copy(r->managed_by, sizeof(r->managed_by), &cols[25]);
  return TC_STORE_STOP;
}

int tc__pay_load(tc_ctx *ctx, const char *payment_id, pay_row *row) {
  /* payment_id may point into row (reloading): copy it first. */
  char id[TC_ID_STRLEN + 1];
  tc__text_copy(id, sizeof(id), payment_id);
  payment_id = id;
  tc_value p[] = {TC_VAL_TEXT(payment_id)};
  int rc = tc__db_row(
      ctx, "SELECT " PAY_COLUMNS " FROM payments_payments WHERE id = ?", p, 1,
      tc__pay_row_cb, row);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "payment_id", "no payment '%s'",
                      payment_id);
  return rc;
}

int tc__pay_save(tc_ctx *ctx, pay_row *r) {
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {
      TC_VAL_TEXT(r->p.state),
      TC_VAL_INT(r->p.captured),
      TC_VAL_INT(r->p.refunded),
      TC_VAL_TEXT(r->p.provider_ref),
      TC_VAL_TEXT(r->p.card_last4),
      TC_VAL_TEXT(r->p.decline_code),
      TC_VAL_TEXT(r->p.message),
      TC_VAL_TEXT(r->fail_class),
      TC_VAL_TEXT(r->p.pending_step),
      TC_VAL_TEXT(r->pending_key),
      TC_VAL_INT(r->pending_amount),
      TC_VAL_INT(r->pending_base),
      TC_VAL_INT(r->capture_seq),
      TC_VAL_INT(r->refund_seq),
      TC_VAL_INT(now),
      TC_VAL_TEXT(r->p.id),
      TC_VAL_INT(r->version),
  };
  int64_t changes = 0;
  int rc = tc__db_exec(
      ctx,
      "UPDATE payments_payments SET state = ?, captured = ?, refunded = ?,"
      " provider_ref = ?, card_last4 = ?, decline_code = ?,"
      " decline_message = ?, fail_class = ?, pending_step = ?,"
      " pending_key = ?, pending_amount = ?, pending_base = ?,"
      " capture_seq = ?, refund_seq = ?, updated_ms = ?,"
      " version = version + 1 WHERE id = ? AND version = ?",
      p, sizeof(p) / sizeof(p[0]), NULL, NULL, &changes);
  if (rc) return rc;
  if (changes != 1)
    return tc__seterr(ctx, TC_EBUSY, "payment_id",
                      "payment '%s' was changed by someone else meanwhile",
                      r->p.id);
  r->version++;
  r->p.updated_ms = now;
  return TC_OK;
}

static const char *outcome_word(const tc_payment_result *res, int rc) {
  if (rc == TC_ELIMIT) return "circuit_open";
  if (!res) return "local_error";
  switch (res->outcome) {
    case TC_PAYMENT_APPROVED:
      return "approved";
    case TC_PAYMENT_DECLINED:
      return "declined";
    case TC_PAYMENT_TRANSIENT:
      return "transient";
    case TC_PAYMENT_ERROR:
      return "error";
  }
  return "unknown";
}

int tc__pay_attempt(tc_ctx *ctx, const pay_row *row, const char *step,
                    const char *key, int64_t amount, int try_no,
                    const tc_payment_result *res, int rc) {
  tc_id id;
  tc_id_new(&id, ctx);
  const char *outcome = outcome_word(res, rc);
  tc_value p[] = {
      TC_VAL_TEXT(id.str),
      TC_VAL_TEXT(row->p.id),
      TC_VAL_TEXT(step),
      TC_VAL_TEXT(key),
      TC_VAL_INT(try_no),
      TC_VAL_INT(amount),
      TC_VAL_TEXT(outcome),
      TC_VAL_TEXT(res ? res->status : ""),
      TC_VAL_TEXT(res ? res->code : ""),
      TC_VAL_TEXT(res ? res->message : ""),
      TC_VAL_INT(tc__now_ms(ctx)),
  };
  return tc__db_exec(ctx,
                     "INSERT INTO payments_attempts (id, payment_id, step,"
                     " idempotency_key, try_no, amount, outcome,"
                     " provider_status, code, message, created_ms)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     p, sizeof(p) / sizeof(p[0]), NULL, NULL, NULL);
}

int tc__pay_finish_begin(tc_ctx *ctx, pay_row *row, int rc, const char *step,
                         bool by_key, pay_pending *p) {
  memset(p, 0, sizeof(*p));
  if (rc != TC_OK && rc != TC_EDECLINED && rc != TC_EPROVIDER) return rc;
  tc__text_copy(p->key, sizeof(p->key), row->pending_key);
  p->amount = row->pending_amount;
  p->base = row->pending_base;
  int wrc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (wrc) return wrc;
  wrc = tc__pay_load(ctx, row->p.id, row);
  p->mine = wrc == TC_OK && !strcmp(row->p.pending_step, step) &&
            (!by_key || !strcmp(row->pending_key, p->key));
  if (wrc) tc__txn_end(ctx, wrc);
  return wrc;
}

void tc__pay_note_failure(pay_row *row, const tc_payment_result *res) {
  tc__text_copy(row->p.decline_code, sizeof(row->p.decline_code), res->code);
  tc__text_copy(row->p.message, sizeof(row->p.message), res->message);
}

void tc__pay_clear_pending(pay_row *row) {
  row->p.pending_step[0] = '\0';
  row->pending_key[0] = '\0';
  row->pending_amount = row->pending_base = 0;
}

int tc__pay_publish(tc_ctx *ctx, const char *what, const pay_row *row,
                    const char *num_key, int64_t num, const char *str_key,
                    const char *str) {
  char topic[64];
  snprintf(topic, sizeof(topic), "payments.%s", what);
  cJSON *o = cJSON_CreateObject();
  bool ok =
      o && cJSON_AddStringToObject(o, "payment_id", row->p.id) &&
      cJSON_AddStringToObject(o, "order_id", row->p.order_id) &&
      cJSON_AddStringToObject(o, "state", row->p.state) &&
      cJSON_AddNumberToObject(o, "amount", (double)row->p.amount.amount) &&
      cJSON_AddStringToObject(o, "currency", row->p.amount.currency) &&
      cJSON_AddNumberToObject(o, "captured", (double)row->p.captured) &&
      cJSON_AddNumberToObject(o, "refunded", (double)row->p.refunded);
  if (ok && num_key) ok = cJSON_AddNumberToObject(o, num_key, (double)num);
  if (ok && str_key) ok = cJSON_AddStringToObject(o, str_key, str ? str : "");
  if (!ok) {
    cJSON_Delete(o);
    o = NULL;
  }
  return tc__publish_json(ctx, topic, row->p.order_id, o, NULL);
}

/* ---- checks ----------------------------------------------------------------
 */

int tc__pay_check_token(tc_ctx *ctx, const char *field, const char *s,
                        size_t max) {
  if (!s || !*s)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  size_t n = strlen(s);
  if (n > max)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is longer than %zu bytes",
                      field, max);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s must be printable ASCII without spaces", field);
  return TC_OK;
}

int tc__pay_check_money(tc_ctx *ctx, const tc_money *m) {
  if (!m) return tc__seterr(ctx, TC_EINVAL, "amount", "amount is required");
  if (tc_currency_check(m->currency) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency is not a known ISO 4217 code");
  if (m->amount <= 0)
    return tc__seterr(ctx, TC_EINVAL, "amount",
                      "amount must be positive (got %" PRId64 ")", m->amount);
  if (m->amount > TC_PAYMENTS_MAX_AMOUNT)
    return tc__seterr(ctx, TC_EOVERFLOW, "amount",
                      "amount %" PRId64 " is larger than the maximum %" PRId64,
                      m->amount, TC_PAYMENTS_MAX_AMOUNT);
  return TC_OK;
}

int tc__pay_no_txn(tc_ctx *ctx) {
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "payments call the provider, which must never happen "
                      "inside a store transaction: commit first");
  return TC_OK;
}
