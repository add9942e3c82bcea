/*
 * techcorp/payments.h - payments: payment records and their state, provider
 * calls wrapped in retry and a circuit breaker, captures (partial too),
 * voids, refunds (partial too), webhooks applied once, reconciliation of
 * what a crash left open, and the two shipped providers (an offline sandbox,
 * the default, and a Stripe-style HTTP provider over libcurl).
 *
 * States: pending -> authorized -> captured -> partially_refunded ->
 * refunded; pending -> failed; pending/authorized -> voided. The allowed
 * transitions are one table (lib/payments/states.c); anything else is
 * refused with TC_ESTATE naming both states, and webhooks never move a
 * payment backwards.
 *
 * Provider calls never run inside a store transaction (TC_ESTATE if one is
 * open): the step about to be taken is recorded and committed, the provider
 * is called with an idempotency key derived from the payment id and the
 * step ("<payment id>:capture:2"), then the outcome is recorded together
 * with its event (payments.authorized, payments.captured, payments.failed,
 * payments.voided, payments.refunded). A step left unfinished by a crash is
 * re-driven with the same key by the next call for that step or by
 * tc_payments_reconcile(), so nothing is ever charged twice.
 * * Who may do what is decided here, for every front alike: each function
 * that acts for someone takes the caller's principal `who` (NULL:
 * anonymous). A payment is read by the customer who pays, support, admin
 * and system callers; money moves (authorize, capture, void, refund) for
 * admin and system callers (or a client with the scope "payments:write").
 * Webhooks are authenticated by their signature and reconciliation is a
 * host job: neither takes a principal.
 *
 * A module that keeps its own records of a payment (the orders module:
 * an order and its stock) drives it: it names itself as the `driver` when
 * it authorizes, and a payment with a driver is captured, voided and
 * refunded only by calls naming that driver (TC_ESTATE otherwise), so the
 * records never fall behind. Hosts that drive payments themselves pass
 * driver NULL.
 *
 * Thread rules: as for the context (one thread at a time per context). The
 * circuit breaker of a provider is shared by every context of the process
 * (see tc_payments_options.breaker). The sandbox and Stripe providers lock
 * internally and may be shared by several contexts and threads.
 */
#ifndef TECHCORP_PAYMENTS_H
#define TECHCORP_PAYMENTS_H

#include "common.h"
#include "context.h"
#include "money.h"
#include "resilience.h"
#include "sys/payment.h"

TC_BEGIN_DECL

/** Largest amount of one payment, in minor units (10^15 - 1): sums of
 *  captures and refunds stay far from int64 overflow. */
#define TC_PAYMENTS_MAX_AMOUNT INT64_C(999999999999999)

/* ---- options ------------------------------------------------------------ */

typedef enum tc_payments_capture_mode {
  /** Authorize at checkout; capture later (tc_payments_capture). */
  TC_PAYMENTS_CAPTURE_LATER = 0,
  /** Capture the whole amount right after a successful authorization. */
  TC_PAYMENTS_CAPTURE_AT_CHECKOUT = 1,
} tc_payments_capture_mode;

#define TC_PAYMENTS_OPTIONS_VERSION 1
/**
 * Module options for one context. Every pointer is borrowed and must
 * outlive the contexts configured with it.
 */
typedef struct tc_payments_options {
  uint32_t version;
  /**
   * The provider. NULL: tc_config.payments of the context, and when that
   * is NULL too, a sandbox provider the context creates (and owns).
   */
  tc_payment_provider *provider;
  tc_payments_capture_mode capture_mode;
  /** Retries of transient failures (version 0: TC_RETRY_POLICY_INIT). */
  tc_retry_policy retry;
  /**
   * The circuit breaker guarding the provider. NULL: the process-wide
   * breaker kept for the provider's name, created on first use with
   * breaker_options; every context of the process that talks to a provider
   * of that name shares it, so one failing provider is cut off for the
   * whole server at once. Give your own (tc_breaker_new) to separate two
   * accounts of one provider; it must outlive the contexts.
   */
  tc_breaker *breaker;
  /** Options for a process-wide breaker created by this call (the first
   *  configuration of a provider name wins). */
  tc_breaker_options breaker_options;
  /** Oldest webhook signature timestamp accepted, in seconds (0: 300).
   *  Applies to the shipped providers; a host provider checks its own. */
  int64_t webhook_tolerance_s;
} tc_payments_options;

#define TC_PAYMENTS_OPTIONS_INIT                                  \
  {                                                               \
    TC_PAYMENTS_OPTIONS_VERSION, NULL, TC_PAYMENTS_CAPTURE_LATER, \
        TC_RETRY_POLICY_INIT, NULL, TC_BREAKER_OPTIONS_INIT, 0    \
  }

/**
 * Set the payments options of ctx (copied; the pointers inside borrowed).
 * Without a call every default above applies. Errors: TC_EINVAL naming
 * the field (version, provider without a required method, retry policy
 * with 0 attempts or negative delays, negative tolerance), TC_ENOMEM.
 */
TC_EXTERN int tc_payments_configure(tc_ctx *ctx,
                                    const tc_payments_options *opts);

/* ---- payments ----------------------------------------------------------- */

/** A payment record: a value struct filled by the functions below. */
typedef struct tc_payment {
  char id[TC_ID_STRLEN + 1];
  char order_id[TC_ID_STRLEN + 1];
  char owner_id[TC_ID_STRLEN + 1]; /**< user who pays, "" when unknown */
  /** pending, authorized, captured, partially_refunded, refunded, voided,
   *  failed */
  char state[24];
  tc_money amount;   /**< authorized amount */
  int64_t captured;  /**< minor units captured so far */
  int64_t refunded;  /**< minor units refunded so far */
  char provider[32]; /**< provider name */
  char provider_ref[128];
  char card_last4[5];
  char decline_code[64];
  char message[256];
  /** A provider step recorded but not finished ("capture"), or "". */
  char pending_step[16];
  int64_t created_ms, updated_ms;
} tc_payment;

/**
 * Create (or find, for the same order_id + idempotency_key) the payment of
 * an order and authorize amount with the provider token `source`
 * ("tok_visa"), retrying transient failures behind the breaker; captures
 * at once under TC_PAYMENTS_CAPTURE_AT_CHECKOUT. owner_user_id may be NULL.
 * Returns TC_OK (authorized or captured), TC_EDECLINED (final; state
 * failed), TC_EUNAVAILABLE (retries exhausted or circuit open; pending, for
 * the reconciliation sweep), TC_EPROVIDER (permanent provider error;
 * failed), TC_ECONFLICT (same key, other amount or source), TC_EINVAL /
 * TC_EOVERFLOW for bad input (nothing written), TC_ESTATE inside a store *
 * transaction. *out (may be NULL) is filled whenever a record exists. driver:
 * the module that drives the payment (see the top), or NULL.
 */
TC_EXTERN int tc_payments_authorize(tc_payment *out, tc_ctx *ctx,
                                    const tc_principal *who, const char *driver,
                                    const char *order_id,
                                    const char *owner_user_id,
                                    const char *idempotency_key,
                                    const tc_money *amount, const char *source);

/**
 * Capture amount (0: all that is authorized and not yet captured) of an
 * authorized or partly captured payment; several partial captures may
 * follow each other up to the authorized amount. TC_EINVAL naming "amount" *
 * beyond what is left, TC_ESTATE from another state or for a driver other than
 * the payment's (see the top), and the provider codes of
 * tc_payments_authorize().
 */
TC_EXTERN int tc_payments_capture(tc_payment *out, tc_ctx *ctx,
                                  const tc_principal *who, const char *driver,
                                  const char *payment_id, int64_t amount);

/**
 * Void an authorization that was not captured. An authorization still in
 * flight (pending) is settled first, so funds held at the provider are not
 * missed. Voiding a voided or failed payment is TC_OK (nothing is held); * from
 * captured or later TC_ESTATE naming both states; TC_ESTATE for a driver other
 * than the payment's.
 */
TC_EXTERN int tc_payments_void(tc_payment *out, tc_ctx *ctx,
                               const tc_principal *who, const char *driver,
                               const char *payment_id);

/**
 * Refund amount (0: all that is left) of what was captured; never more
 * than captured - refunded (TC_EINVAL naming "amount"). key (may be NULL: * one
 * refund per amount and payment) makes the refund idempotent: the same key
 * returns the first refund's result. reason may be NULL. TC_ESTATE for a driver
 * other than the payment's.
 */
TC_EXTERN int tc_payments_refund(tc_payment *out, tc_ctx *ctx,
                                 const tc_principal *who, const char *driver,
                                 const char *payment_id, int64_t amount,
                                 const char *key, const char *reason);

/**
 * Read one payment as who: the customer who pays, support, admin or
 * system. TC_ENOTFOUND; for a caller who may not read every payment the
 * message does not echo the id ("no such payment", field "id") and a
 * payment of another customer is TC_EDENIED.
 */
TC_EXTERN int tc_payments_get(tc_payment *out, tc_ctx *ctx,
                              const tc_principal *who, const char *payment_id);

/**
 * The latest payment of an order, as who may read it (as above).
 * TC_ENOTFOUND (field "order_id") when the order has none.
 */
TC_EXTERN int tc_payments_get_for_order(tc_payment *out, tc_ctx *ctx,
                                        const tc_principal *who,
                                        const char *order_id);

/** Called once per payment of a listing; the struct is borrowed. Return 0
 *  to go on, non-zero to stop (that value is returned if negative). */
typedef int (*tc_payments_list_cb)(const tc_payment *payment, void *payload);

/** * The payments of an order, oldest first, at most limit (1..100), starting
 * after the payment id `after` (NULL: from the start; the keyset cursor is
 * the last id seen). Every payment listed must be one who may read:
 * TC_EDENIED at the first that is not.
 */
TC_EXTERN int tc_payments_list_for_order(tc_ctx *ctx, const tc_principal *who,
                                         const char *order_id,
                                         const char *after, uint32_t limit,
                                         tc_payments_list_cb cb, void *payload);

/**
 * Verify (through the provider's parse_webhook) and apply one webhook
 * delivery: signature_header is the provider's signature header
 * (Stripe-Signature), body[0..len) the raw body. Each event id is applied
 * once: a repeated delivery is a no-op returning TC_OK. An event that
 * would move a payment backwards (captured after refunded, authorized
 * after captured) is recorded and ignored. Errors: TC_EDENIED (bad or
 * stale signature), TC_EINVAL (body that cannot be parsed), TC_ESTORAGE.
 * An event about a payment this store does not know is recorded and
 * ignored (TC_OK).
 */
TC_EXTERN int tc_payments_apply_webhook(tc_ctx *ctx,
                                        const char *signature_header,
                                        const char *body, size_t len);

/**
 * Settle up to limit payments left pending or with an unfinished step
 * whose last change is older than older_than_ms: re-drive the recorded
 * step with its idempotency key (the provider answers the first result,
 * never charging twice) or fetch the provider's state. *settled (may be
 * NULL) receives how many reached a settled state. Stops at the first
 * store error; provider failures leave the payment for the next sweep.
 */
TC_EXTERN int tc_payments_reconcile(uint32_t *settled, tc_ctx *ctx,
                                    int64_t older_than_ms, uint32_t limit);

/* ---- webhook signatures (Stripe-Signature scheme) ----------------------- */

/**
 * Write a signature header "t=<timestamp_s>,v1=<hex HMAC-SHA256 of
 * "<timestamp_s>.<body>" keyed with secret>" into out (size >= 80). For
 * tests and for hosts that relay webhooks. TC_EINVAL when out is too
 * small or an argument is NULL.
 */
TC_EXTERN int tc_payments_webhook_sign(char *out, size_t size,
                                       const char *secret, int64_t timestamp_s,
                                       const char *body, size_t len);

/* ---- sandbox provider --------------------------------------------------- */

#define TC_SANDBOX_OPTIONS_VERSION 1
/**
 * Options of the sandbox provider. Test tokens (`source`):
 *   tok_visa (and any other tok_* not below)  approved, last4 4242
 *   tok_mastercard                            approved, last4 4444
 *   tok_chargeDeclined     declined, code card_declined
 *   tok_insufficientFunds  declined, code insufficient_funds
 *   tok_transient_N        transient error for the first N calls of an
 *                          idempotency key (N = 1..9), then approved
 *   tok_slow               answers after slow_ms of the clock (advanced
 *                          through clock->sleep_ms); a timeout (transient)
 *                          when slow_ms > timeout_ms
 *   tok_timeout            always a timeout (transient)
 *   tok_error              permanent error, code processing_error
 * Captures, voids and refunds of an approved authorization succeed, within
 * the amounts. The same idempotency key always gives the same result and
 * acts once.
 */
typedef struct tc_sandbox_options {
  uint32_t version;
  const tc_clock *clock;       /**< borrowed; NULL: no clock (tok_slow
                                    answers at once) */
  int64_t slow_ms;             /**< 0: 2000 */
  int64_t timeout_ms;          /**< 0: 10000 */
  const char *webhook_secret;  /**< copied; NULL: "whsec_sandbox" */
  int64_t webhook_tolerance_s; /**< 0: 300 */
} tc_sandbox_options;

#define TC_SANDBOX_OPTIONS_INIT \
  { TC_SANDBOX_OPTIONS_VERSION, NULL, 0, 0, NULL, 0 }

/**
 * Make a sandbox provider (name "sandbox"), fully offline. opts may be
 * NULL. *out is owned by the caller: free it with (*out)->free((*out)->self)
 * after every context using it. Safe to share between threads.
 * TC_EINVAL, TC_ENOMEM (message in tc_last_error_message()).
 */
TC_EXTERN int tc_payment_provider_sandbox_new(tc_payment_provider **out,
                                              const tc_sandbox_options *opts);

/** What the sandbox has done, for tests ("never two charges"). */
typedef struct tc_sandbox_ledger {
  uint32_t calls;          /**< every method call, replays included */
  uint32_t authorizations; /**< approved authorizations (charges) */
  uint32_t captures;       /**< captures performed */
  uint32_t voids;          /**< authorizations voided */
  uint32_t refunds;        /**< refunds performed */
  int64_t authorized;      /**< total authorized, minor units */
  int64_t captured;        /**< total captured */
  int64_t refunded;        /**< total refunded */
} tc_sandbox_ledger;

/** Copy the sandbox's ledger into *out. TC_EINVAL when p is not a sandbox
 *  provider. */
TC_EXTERN int tc_payment_sandbox_ledger(tc_sandbox_ledger *out,
                                        const tc_payment_provider *p);

/* ---- Stripe-style HTTP provider ----------------------------------------- */

#define TC_STRIPE_OPTIONS_VERSION 1
/**
 * Options of the Stripe-style provider. Strings are copied. The secret
 * key is sent only in the Authorization header, never logged nor put in a
 * message, and wiped when the provider is freed.
 */
typedef struct tc_stripe_options {
  uint32_t version;
  const char *base_url;        /**< NULL: "https://api.stripe.com" */
  const char *secret_key;      /**< required ("sk_...") */
  const char *webhook_secret;  /**< "whsec_..."; NULL: webhooks refused */
  int64_t connect_timeout_ms;  /**< 0: 5000 */
  int64_t timeout_ms;          /**< whole request; 0: 30000 */
  int64_t webhook_tolerance_s; /**< 0: 300 */
} tc_stripe_options;

#define TC_STRIPE_OPTIONS_INIT \
  { TC_STRIPE_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, 0 }

/**
 * Make a Stripe-style provider (name "stripe") talking form-encoded HTTP
 * to base_url: POST /v1/payment_intents (confirm=true,
 * capture_method=manual), /v1/payment_intents/{id}/capture, /cancel,
 * POST /v1/refunds, GET /v1/payment_intents/{id}; every request with
 * "Authorization: Bearer" and "Idempotency-Key". TLS peers and host names
 * are verified. Outcomes: HTTP 402 card errors are DECLINED; 409, 429,
 * 5xx, timeouts, connection failures and unreadable 2xx answers are
 * TRANSIENT; other 4xx are ERROR. Webhooks: Stripe-Signature (t=, one or
 * more v1=), HMAC-SHA256, compared in constant time. A new curl handle per
 * call, so the provider may be shared between threads. *out is owned by
 * the caller: free with (*out)->free((*out)->self).
 */
TC_EXTERN int tc_payment_provider_stripe_new(tc_payment_provider **out,
                                             const tc_stripe_options *opts);

TC_END_DECL

#endif
