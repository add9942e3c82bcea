/*
 * lib/payments/payments_priv.h - shared between the files of the payments
 * module only.
 */
#ifndef TC_PAYMENTS_PRIV_H
#define TC_PAYMENTS_PRIV_H

#include "core/internal.h"
#include "techcorp/payments.h"

/* ---- module state (state.c) --------------------------------------------- */

typedef struct pay_state {
  tc_payments_options opts;
  tc_payment_provider *provider; /* resolved; borrowed or == owned */
  tc_payment_provider *owned;    /* the default sandbox, when we made it */
  tc_breaker *breaker;           /* borrowed (opts or process registry) */
} pay_state;

/* The state of ctx with the provider and breaker resolved, or NULL with
 * the error set. */
pay_state *tc__pay_state(tc_ctx *ctx);

/* The process-wide breaker of a provider name (created on first use). */
int tc__pay_breaker_for(tc_breaker **out, const char *name,
                        const tc_breaker_options *opts);

/* ---- states (states.c) --------------------------------------------------- */

/* true when the table allows from -> to. */
bool tc__pay_transition_ok(const char *from, const char *to);
/* TC_OK, or TC_ESTATE naming both states (and the action). */
int tc__pay_check_transition(tc_ctx *ctx, const char *action, const char *from,
                             const char *to);
/* Order of progress, for "never backwards": pending 0 .. refunded 4. */
int tc__pay_rank(const char *state);
bool tc__pay_state_valid(const char *state);

/* ---- records (records.c) ------------------------------------------------- */

/* A payment row with the columns only the module needs. */
typedef struct pay_row {
  tc_payment p;
  char idem_key[256];
  char source[256];
  char fail_class[16]; /* "declined", "error" or "" */
  char pending_key[128];
  int64_t pending_amount;
  int64_t pending_base; /* captured/refunded when the step was recorded */
  int64_t capture_seq, refund_seq;
  int64_t version;
  char managed_by[16]; /* "orders" or "" (see schema.c, migration 2) */
} pay_row;

#define PAY_COLUMNS                                                      \
  "id, order_id, owner_id, state, amount, currency, captured, refunded," \
  " provider, provider_ref, card_last4, decline_code, decline_message,"  \
  " pending_step, created_ms, updated_ms, idempotency_key, source,"      \
  " fail_class, pending_key, pending_amount, pending_base, capture_seq," \
  " refund_seq, version, managed_by"

int tc__pay_row_cb(const tc_value *cols, size_t ncols, void *payload);
/* Load by id: TC_ENOTFOUND with the message naming payment_id. */
int tc__pay_load(tc_ctx *ctx, const char *payment_id, pay_row *row);

/* Save every mutable column of row, checked by version (bumped). Inside a
 * transaction. TC_EBUSY when someone else changed it meanwhile. */
int tc__pay_save(tc_ctx *ctx, pay_row *row);

/* Insert one payments_attempts row for a provider call. */
int tc__pay_attempt(tc_ctx *ctx, const pay_row *row, const char *step,
                    const char *key, int64_t amount, int try_no,
                    const tc_payment_result *res, int rc);

/* ---- finishing a provider step (records.c) ----
 * Every step's outcome is recorded the same way: only a settled answer
 * (approved, declined, permanent error) is written, and only while the
 * payment still has that step pending under the same key (a webhook or
 * another caller may have finished it meanwhile). */
typedef struct pay_pending {
  char key[128];        /* the pending key when the call was made */
  int64_t amount, base; /* the pending amounts then */
  bool mine;            /* the row still waits for this very step */
} pay_pending;

/* For a settled rc: open a write transaction, reload row and fill *p
 * (by_key: the pending key must match too). TC_OK with the transaction
 * open; rc itself when it is not settled (nothing open); else the store's
 * code. */
int tc__pay_finish_begin(tc_ctx *ctx, pay_row *row, int rc, const char *step,
                         bool by_key, pay_pending *p);
/* Record the provider's code and message of a failed step. */
void tc__pay_note_failure(pay_row *row, const tc_payment_result *res);
/* The step is done: nothing pending any more. */
void tc__pay_clear_pending(pay_row *row);

/* Publish payments.<what> for row, with after the payment's members the
 * number num_key and the text str_key when they are not NULL. */
int tc__pay_publish(tc_ctx *ctx, const char *what, const pay_row *row,
                    const char *num_key, int64_t num, const char *str_key,
                    const char *str);

/* ---- validation (records.c) ---------------------------------------------- */

/* 1..max printable ASCII bytes. */
int tc__pay_check_token(tc_ctx *ctx, const char *field, const char *s,
                        size_t max);
int tc__pay_check_money(tc_ctx *ctx, const tc_money *m);
int tc__pay_no_txn(tc_ctx *ctx);

/* ---- provider calls (call.c) --------------------------------------------- */

typedef enum pay_method {
  PAY_AUTHORIZE,
  PAY_CAPTURE,
  PAY_VOID,
  PAY_REFUND,
  PAY_FETCH,
} pay_method;

/*
 * Call the provider for row's step with retries behind the breaker, and
 * record every try in payments_attempts. Returns TC_OK (approved),
 * TC_EDECLINED, TC_EPROVIDER (permanent error), TC_EUNAVAILABLE (transient
 * failures exhausted, circuit open), or a local error. res is the last
 * answer (zeroed when none came).
 */
int tc__pay_call(tc_ctx *ctx, pay_method m, const pay_row *row,
                 const char *step, const char *key, int64_t amount,
                 tc_payment_result *res);

/* ---- steps ----------------------------------------------------------------
 */

int tc__pay_authorize(tc_ctx *ctx, const char *managed_by, const char *order_id,
                      const char *owner, const char *key,
                      const tc_money *amount, const char *source, pay_row *row);
int tc__pay_capture(tc_ctx *ctx, const char *payment_id, int64_t amount,
                    pay_row *row);
int tc__pay_void(tc_ctx *ctx, const char *payment_id, pay_row *row);
int tc__pay_refund(tc_ctx *ctx, const char *payment_id, int64_t amount,
                   const char *key, const char *reason, pay_row *row);
/* Re-drive row's pending step (same key, same amount). */
int tc__pay_redrive(tc_ctx *ctx, pay_row *row);
/* Finish an authorize step from a provider answer (also used by fetch). */
int tc__pay_finish_authorize(tc_ctx *ctx, pay_row *row, int rc,
                             const tc_payment_result *res);
int tc__pay_finish_capture(tc_ctx *ctx, pay_row *row, int rc,
                           const tc_payment_result *res);
int tc__pay_finish_void(tc_ctx *ctx, pay_row *row, int rc,
                        const tc_payment_result *res);
int tc__pay_finish_refund(tc_ctx *ctx, pay_row *row, int rc,
                          const tc_payment_result *res);
int tc__pay_reconcile(tc_ctx *ctx, int64_t older_than_ms, uint32_t limit,
                      uint32_t *settled);

/* ---- webhooks (signature.c) ---------------------------------------------- */

/* Verify a Stripe-Signature header: t=..., one or more v1=...; TC_OK or
 * TC_EDENIED. now_s - t must be within tolerance_s. */
int tc__pay_sig_verify(const char *secret, const char *header, const char *body,
                       size_t len, int64_t now_s, int64_t tolerance_s);
/* Parse a Stripe-style event body into ev with normalized types
 * (payment.authorized, payment.captured, payment.failed, payment.voided,
 * payment.refunded). TC_EINVAL when it is not one. */
int tc__pay_event_parse(const char *body, size_t len, tc_payment_event *ev);

/* Shipped providers take the module's tolerance through this (the port
 * has no field for it). No-op for other providers. */
void tc__pay_provider_set_tolerance(tc_payment_provider *p, int64_t tol_s);
void tc__pay_sandbox_set_tolerance(tc_payment_provider *p, int64_t tol_s);
void tc__pay_stripe_set_tolerance(tc_payment_provider *p, int64_t tol_s);

/* The module's schema and API (registry). */
extern const tc__schema_module tc__schema_payments;

#endif
