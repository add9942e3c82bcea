/*
 * lib/payments/payments_internal.h - what the payments module offers the
 * orders module (the checkout saga). Owned by payments; signatures agreed
 * with orders: append, don't change.
 *
 * Every function here may call the payment provider, so none may be called
 * while a store transaction is open (TC_ESTATE): the saga records the step
 * it is about to take, commits, calls, then records the outcome. Each call
 * is idempotent: the provider idempotency key is derived from the payment id
 * and the step, so re-driving a step after a crash never charges twice.
 */
#ifndef TC_PAYMENTS_INTERNAL_H
#define TC_PAYMENTS_INTERNAL_H

#include "core/internal.h"

/* A payment as the saga sees it. */
typedef struct tc__payment_info {
  char id[TC_ID_STRLEN + 1];
  char order_id[TC_ID_STRLEN + 1];
  /* pending, authorized, captured, partially_refunded, refunded, voided,
   * failed */
  char state[24];
  tc_money amount;  /* authorized amount */
  int64_t captured; /* minor units captured so far */
  int64_t refunded; /* minor units refunded so far */
  char card_last4[5];
  char decline_code[64]; /* provider's code when declined/failed */
  char message[256];     /* provider's text, never card data */
} tc__payment_info;

/*
 * Create (or find, for the same order_id + idempotency_key) the payment of
 * an order and authorize `amount` with the payment method token `source`,
 * retrying transient failures with backoff behind the circuit breaker, and
 * capturing at once when the module is configured to capture at checkout.
 * Returns TC_OK (authorized or captured), TC_EDECLINED (final; state
 * failed), TC_EUNAVAILABLE (transient failures exhausted or circuit open;
 * state stays pending for the reconciliation sweep), TC_EPROVIDER
 * (permanent provider error; state failed), TC_ECONFLICT (same key, other
 * amount). *out is filled whenever a payment record exists.
 */
int tc__payments_authorize(tc_ctx *ctx, const char *order_id,
                           const char *idempotency_key, const tc_money *amount,
                           const char *source, tc__payment_info *out);

/* Capture amount (0: all that is authorized) of an authorized payment. */
int tc__payments_capture(tc_ctx *ctx, const char *payment_id, int64_t amount,
                         tc__payment_info *out);

/* Void an authorization that was not captured. Idempotent. */
int tc__payments_void(tc_ctx *ctx, const char *payment_id,
                      tc__payment_info *out);

/* Refund amount (0: all that is left) of the captured amount; never more
 * than captured minus refunded (TC_EINVAL naming "amount"). `key` makes the
 * refund idempotent (NULL: one refund per amount and payment). */
int tc__payments_refund(tc_ctx *ctx, const char *payment_id, int64_t amount,
                        const char *key, const char *reason,
                        tc__payment_info *out);

/* The payment of an order (the latest one). TC_ENOTFOUND if none. */
int tc__payments_get_for_order(tc_ctx *ctx, const char *order_id,
                               tc__payment_info *out);

/* ---- appended by the payments module --------------------------------- */

/* As tc__payments_authorize, recording owner_user_id (may be NULL) as the
 * user who pays, so that the JSON API lets that customer read the payment
 * (payments.get / payments.list). The orders module should call this one
 * with the order's customer. */
int tc__payments_authorize_owned(tc_ctx *ctx, const char *order_id,
                                 const char *owner_user_id,
                                 const char *idempotency_key,
                                 const tc_money *amount, const char *source,
                                 tc__payment_info *out);

/* Settle what a crash left open (see tc_payments_reconcile); for the
 * orders recovery sweep. */
int tc__payments_reconcile(tc_ctx *ctx, int64_t older_than_ms, uint32_t limit,
                           uint32_t *settled);

#endif
