/*
 * techcorp/sys/payment.h - the payment provider port.
 *
 * For someone connecting a payment provider (the sandbox provider and a
 * Stripe-style HTTP provider are shipped with the payments module). The
 * library never sees a card number: the host's front end turns the card
 * into a provider token (`source`), and results carry only a masked
 * last-four.
 *
 * Every call carries an idempotency key: calling twice with the same key
 * must have the effect of one call and return the same result. Every call
 * fills a tc_payment_result whose outcome says what the library may do
 * next:
 *   APPROVED  - done; provider_ref names the payment at the provider.
 *   DECLINED  - final refusal (card declined, insufficient funds).
 *   TRANSIENT - network error, timeout, 5xx, rate limit: retry later with
 *               the same idempotency key.
 *   ERROR     - a permanent error (bad request, bad credentials): do not
 *               retry.
 * The methods return TC_OK whenever they filled result (whatever the
 * outcome), and a negative code only for local failures (TC_ENOMEM,
 * TC_EINVAL for a request they cannot even send).
 *
 * Stability promise: fields are only appended (marked since N); the core
 * checks version and NULL before each call. Thread rules: as for the
 * store, one provider value per context unless the adapter says otherwise.
 */
#ifndef TECHCORP_SYS_PAYMENT_H
#define TECHCORP_SYS_PAYMENT_H

#include "../common.h"

TC_BEGIN_DECL

typedef enum tc_payment_outcome {
  TC_PAYMENT_APPROVED = 0,
  TC_PAYMENT_DECLINED = 1,
  TC_PAYMENT_TRANSIENT = 2,
  TC_PAYMENT_ERROR = 3,
} tc_payment_outcome;

/** One request to the provider. All strings are borrowed for the call. */
typedef struct tc_payment_request {
  uint32_t version;
  const char *idempotency_key; /**< required */
  const char *payment_id;      /**< the library's id of the payment */
  const char *provider_ref;    /**< for capture/void/refund/fetch */
  const char *source;          /**< payment method token (authorize) */
  int64_t amount;              /**< minor units; 0 = the full amount */
  char currency[4];            /**< ISO 4217, upper case */
  const char *description;     /**< may be NULL */
} tc_payment_request;

/** What the provider answered. Filled by the adapter. */
typedef struct tc_payment_result {
  tc_payment_outcome outcome;
  char provider_ref[128]; /**< the provider's id of the payment/refund */
  char status[32];        /**< provider's status word, for the record */
  char code[64];          /**< decline or error code ("card_declined") */
  char message[256];      /**< human text, never card data */
  char card_last4[5];     /**< "" when unknown */
  int64_t amount;         /**< amount the provider acted on */
} tc_payment_result;

/** A verified webhook event. */
typedef struct tc_payment_event {
  char event_id[128]; /**< provider's event id, for deduplication */
  char type[64];      /**< "payment.captured", "refund.succeeded"... */
  char provider_ref[128];
  char status[32];
  int64_t amount;
  char currency[4];
  int64_t created_s; /**< provider's event time, seconds */
} tc_payment_event;

#define TC_PAYMENT_PROVIDER_VERSION 1

struct tc_payment_provider {
  uint32_t version;
  void *self;
  const char *name; /**< "sandbox", "stripe"... */

  int (*authorize)(void *self, const tc_payment_request *req,
                   tc_payment_result *res);
  /** Capture req->amount (0: all) of an authorization. */
  int (*capture)(void *self, const tc_payment_request *req,
                 tc_payment_result *res);
  int (*void_auth)(void *self, const tc_payment_request *req,
                   tc_payment_result *res);
  /** Refund req->amount (0: all that is left) of a capture. */
  int (*refund)(void *self, const tc_payment_request *req,
                tc_payment_result *res);
  /** Current state of req->provider_ref. */
  int (*fetch)(void *self, const tc_payment_request *req,
               tc_payment_result *res);

  /**
   * Verify a webhook (signature header, raw body, current time in seconds)
   * and parse it into *event. TC_EDENIED for a bad or stale signature,
   * TC_EINVAL for a body that cannot be parsed.
   */
  int (*parse_webhook)(void *self, const char *signature, const char *body,
                       size_t body_len, int64_t now_s, tc_payment_event *event);

  void (*free)(void *self);
};

TC_END_DECL

#endif
