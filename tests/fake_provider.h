/*
 * tests/fake_provider.h - a fake Stripe-style HTTP server on 127.0.0.1 for
 * the tests of the HTTP payment provider.
 *
 * A thread serves plain HTTP/1.1 (one connection at a time, Connection:
 * close) on an ephemeral port. It records every request and, unless a
 * scripted answer is queued, behaves like a tiny Stripe: payment intents
 * (create with confirm + manual capture, capture, cancel, fetch), refunds,
 * Bearer key check, and Idempotency-Key replay (same key and path: the
 * stored answer, acting once). Payment methods: "pm_card_visa" approves,
 * "pm_card_chargeDeclined" answers 402 card_declined,
 * "pm_card_insufficientFunds" 402 insufficient_funds, "pm_processing" an
 * intent left "processing" until fetched.
 */
#ifndef TC_FAKE_PROVIDER_H
#define TC_FAKE_PROVIDER_H

#include <stddef.h>

#define FP_SECRET "sk_test_fake_0123456789"

typedef struct fp_request {
  char method[8];
  char path[256];
  char idempotency_key[256];
  char authorization[256];
  char content_type[128];
  char body[2048];
  int replayed; /* answered from the idempotency store */
} fp_request;

typedef struct fake_provider fake_provider;

/* Start on 127.0.0.1:<ephemeral>. NULL on failure. */
fake_provider *fp_start(void);
/* Stop the thread and free everything. NULL is a no-op. */
void fp_stop(fake_provider *fp);
/* "http://127.0.0.1:<port>" */
const char *fp_url(const fake_provider *fp);

/*
 * Queue an answer for the next request not yet answered: after delay_ms
 * (a server-side wait, to make the client time out), answer status with
 * body; status 0 means "then handle the request normally" (the server acts
 * although the client may have given up); status -1 closes the connection
 * without answering. Scripted answers are not stored for replay.
 */
void fp_script(fake_provider *fp, int status, const char *body, int delay_ms);

/* Requests received so far, and a copy of number i (0-based). */
size_t fp_count(fake_provider *fp);
fp_request fp_request_at(fake_provider *fp, size_t i);
/* Payment intents created and approved (charges), captures, refunds. */
int fp_charges(fake_provider *fp);
int fp_captures(fake_provider *fp);
int fp_refunds(fake_provider *fp);

#endif
