/*
 * lib/payments/sandbox.c - the default payment provider: fully offline,
 * deterministic test tokens in the manner of Stripe's test cards (see
 * techcorp/payments.h), idempotency keys honoured, and a ledger of what it
 * did so tests can assert "never two charges".
 *
 * One mutex guards everything, so one sandbox may serve several contexts
 * and threads. Keys and intents are kept in arrays searched linearly: it
 * is a test double, sized for test and demo runs.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "payments_priv.h"

typedef struct sb_key {
  char key[192];
  int method;
  int64_t amount;
  int tries;
  bool done;
  tc_payment_result res;
} sb_key;

typedef struct sb_intent {
  char ref[32];
  char status[24];
  char currency[4];
  int64_t amount, captured, refunded;
} sb_intent;

typedef struct sandbox {
  tc_payment_provider vt;
  pthread_mutex_t lock;
  const tc_clock *clock;
  int64_t slow_ms, timeout_ms, tolerance_s;
  char secret[256];
  sb_key *keys;
  size_t nkeys, capkeys;
  sb_intent *intents;
  size_t nintents, capintents;
  uint32_t refund_no;
  tc_sandbox_ledger ledger;
} sandbox;

enum { SB_AUTH = 1, SB_CAPTURE, SB_VOID, SB_REFUND };

static void set(tc_payment_result *r, tc_payment_outcome o, const char *status,
                const char *code, const char *msg) {
  r->outcome = o;
  tc__text_copy(r->status, sizeof(r->status), status);
  tc__text_copy(r->code, sizeof(r->code), code);
  tc__text_copy(r->message, sizeof(r->message), msg);
}

/* The key's slot (new when unknown), or NULL when out of memory. */
static sb_key *key_slot(sandbox *sb, const char *key, int method,
                        int64_t amount) {
  for (size_t i = 0; i < sb->nkeys; i++)
    if (!strcmp(sb->keys[i].key, key)) return &sb->keys[i];
  if (sb->nkeys == sb->capkeys) {
    size_t cap = sb->capkeys ? sb->capkeys * 2 : 64;
    sb_key *k = realloc(sb->keys, cap * sizeof(*k));
    if (!k) return NULL;
    sb->keys = k;
    sb->capkeys = cap;
  }
  sb_key *k = &sb->keys[sb->nkeys++];
  memset(k, 0, sizeof(*k));
  tc__text_copy(k->key, sizeof(k->key), key);
  k->method = method;
  k->amount = amount;
  return k;
}

static sb_intent *find_intent(sandbox *sb, const char *ref) {
  for (size_t i = 0; ref && i < sb->nintents; i++)
    if (!strcmp(sb->intents[i].ref, ref)) return &sb->intents[i];
  return NULL;
}

static sb_intent *new_intent(sandbox *sb) {
  if (sb->nintents == sb->capintents) {
    size_t cap = sb->capintents ? sb->capintents * 2 : 64;
    sb_intent *n = realloc(sb->intents, cap * sizeof(*n));
    if (!n) return NULL;
    sb->intents = n;
    sb->capintents = cap;
  }
  sb_intent *in = &sb->intents[sb->nintents++];
  memset(in, 0, sizeof(*in));
  snprintf(in->ref, sizeof(in->ref), "pi_sb_%zu", sb->nintents);
  return in;
}

/* Sleep through the clock without holding the lock. */
static void sb_sleep(sandbox *sb, int64_t ms) {
  if (!sb->clock || !sb->clock->sleep_ms || ms <= 0) return;
  pthread_mutex_unlock(&sb->lock);
  sb->clock->sleep_ms(sb->clock->self, ms);
  pthread_mutex_lock(&sb->lock);
}

static const char *last4_of(const char *tok) {
  if (!strcmp(tok, "tok_mastercard")) return "4444";
  if (!strcmp(tok, "tok_amex")) return "0005";
  return "4242";
}

/* Decide an authorization (tries: calls so far with this key, this one
 * included); *done says whether the answer is final. */
static int sb_decide_auth(sandbox *sb, int tries, bool *done,
                          const tc_payment_request *req,
                          tc_payment_result *res) {
  const char *src = req->source ? req->source : "";
  *done = true;
  if (req->amount <= 0 || tc_currency_check(req->currency) != TC_OK) {
    set(res, TC_PAYMENT_ERROR, "invalid", "invalid_request",
        "amount and currency are required");
    return TC_OK;
  }
  if (!strncmp(src, "tok_transient_", 14)) {
    int n = atoi(src + 14);
    if (tries <= n) {
      *done = false;
      set(res, TC_PAYMENT_TRANSIENT, "unavailable", "temporarily_unavailable",
          "the sandbox is briefly unavailable");
      return TC_OK;
    }
  } else if (!strcmp(src, "tok_timeout") ||
             (!strcmp(src, "tok_slow") && sb->slow_ms > sb->timeout_ms)) {
    sb_sleep(sb, !strcmp(src, "tok_slow") ? sb->slow_ms : sb->timeout_ms);
    *done = false;
    set(res, TC_PAYMENT_TRANSIENT, "timeout", "timeout",
        "the sandbox did not answer in time");
    return TC_OK;
  } else if (!strcmp(src, "tok_slow")) {
    sb_sleep(sb, sb->slow_ms);
  } else if (!strcmp(src, "tok_chargeDeclined")) {
    set(res, TC_PAYMENT_DECLINED, "failed", "card_declined",
        "Your card was declined.");
    return TC_OK;
  } else if (!strcmp(src, "tok_insufficientFunds")) {
    set(res, TC_PAYMENT_DECLINED, "failed", "insufficient_funds",
        "Your card has insufficient funds.");
    return TC_OK;
  } else if (!strcmp(src, "tok_error")) {
    set(res, TC_PAYMENT_ERROR, "failed", "processing_error",
        "An error occurred while processing the card.");
    return TC_OK;
  }
  if (strncmp(src, "tok_", 4)) {
    set(res, TC_PAYMENT_ERROR, "failed", "resource_missing",
        "no such payment method token");
    return TC_OK;
  }
  sb_intent *in = new_intent(sb);
  if (!in) return TC_ENOMEM;
  in->amount = req->amount;
  memcpy(in->currency, req->currency, sizeof(in->currency));
  tc__text_copy(in->status, sizeof(in->status), "authorized");
  set(res, TC_PAYMENT_APPROVED, "authorized", "", "");
  tc__text_copy(res->provider_ref, sizeof(res->provider_ref), in->ref);
  tc__text_copy(res->card_last4, sizeof(res->card_last4), last4_of(src));
  res->amount = req->amount;
  sb->ledger.authorizations++;
  sb->ledger.authorized += req->amount;
  return TC_OK;
}

static int sb_decide(sandbox *sb, int method, int tries, bool *done,
                     const tc_payment_request *req, tc_payment_result *res) {
  if (method == SB_AUTH) return sb_decide_auth(sb, tries, done, req, res);
  *done = true;
  sb_intent *in = find_intent(sb, req->provider_ref);
  if (!in) {
    set(res, TC_PAYMENT_ERROR, "failed", "resource_missing", "no such payment");
    return TC_OK;
  }
  tc__text_copy(res->provider_ref, sizeof(res->provider_ref), in->ref);
  if (method == SB_CAPTURE) {
    int64_t left = in->amount - in->captured;
    int64_t amt = req->amount ? req->amount : left;
    if ((strcmp(in->status, "authorized") && strcmp(in->status, "captured")) ||
        amt <= 0 || amt > left) {
      set(res, TC_PAYMENT_ERROR, in->status, "amount_too_large",
          "nothing (or less) is left to capture");
      return TC_OK;
    }
    in->captured += amt;
    tc__text_copy(in->status, sizeof(in->status), "captured");
    sb->ledger.captures++;
    sb->ledger.captured += amt;
    res->amount = amt;
    set(res, TC_PAYMENT_APPROVED, "captured", "", "");
  } else if (method == SB_VOID) {
    if (strcmp(in->status, "authorized") || in->captured) {
      set(res, TC_PAYMENT_ERROR, in->status, "payment_intent_unexpected_state",
          "only an uncaptured authorization can be voided");
      return TC_OK;
    }
    tc__text_copy(in->status, sizeof(in->status), "voided");
    sb->ledger.voids++;
    set(res, TC_PAYMENT_APPROVED, "voided", "", "");
  } else {
    int64_t left = in->captured - in->refunded;
    int64_t amt = req->amount ? req->amount : left;
    if (amt <= 0 || amt > left) {
      set(res, TC_PAYMENT_ERROR, in->status, "amount_too_large",
          "refund larger than what is left");
      return TC_OK;
    }
    in->refunded += amt;
    tc__text_copy(
        in->status, sizeof(in->status),
        in->refunded == in->captured ? "refunded" : "partially_refunded");
    sb->ledger.refunds++;
    sb->ledger.refunded += amt;
    res->amount = amt;
    snprintf(res->provider_ref, sizeof(res->provider_ref), "re_sb_%u",
             ++sb->refund_no);
    set(res, TC_PAYMENT_APPROVED, "succeeded", "", "");
  }
  return TC_OK;
}

static int sb_call(void *self, int method, const tc_payment_request *req,
                   tc_payment_result *res) {
  sandbox *sb = self;
  if (!req || !res || !req->idempotency_key || !*req->idempotency_key)
    return TC_EINVAL;
  memset(res, 0, sizeof(*res));
  int rc = TC_OK;
  pthread_mutex_lock(&sb->lock);
  sb->ledger.calls++;
  sb_key *k = key_slot(sb, req->idempotency_key, method, req->amount);
  if (!k) {
    rc = TC_ENOMEM;
  } else if (k->method != method || k->amount != req->amount) {
    set(res, TC_PAYMENT_ERROR, "failed", "idempotency_error",
        "idempotency key reused with another request");
  } else if (k->done) {
    *res = k->res; /* the same key answers the same, acting once */
  } else {
    int tries = ++k->tries;
    /* The lock may be dropped while "slow": the array may move, so keep
     * the index, not the pointer. */
    size_t idx = (size_t)(k - sb->keys);
    bool done = false;
    rc = sb_decide(sb, method, tries, &done, req, res);
    k = &sb->keys[idx];
    if (rc == TC_OK && done && !k->done) {
      k->done = true;
      k->res = *res;
    } else if (rc == TC_OK && k->done) {
      *res = k->res; /* another thread settled it while we slept */
    }
  }
  pthread_mutex_unlock(&sb->lock);
  return rc;
}

static int sb_authorize(void *self, const tc_payment_request *req,
                        tc_payment_result *res) {
  return sb_call(self, SB_AUTH, req, res);
}
static int sb_capture(void *self, const tc_payment_request *req,
                      tc_payment_result *res) {
  return sb_call(self, SB_CAPTURE, req, res);
}
static int sb_void(void *self, const tc_payment_request *req,
                   tc_payment_result *res) {
  return sb_call(self, SB_VOID, req, res);
}
static int sb_refund(void *self, const tc_payment_request *req,
                     tc_payment_result *res) {
  return sb_call(self, SB_REFUND, req, res);
}

static int sb_fetch(void *self, const tc_payment_request *req,
                    tc_payment_result *res) {
  sandbox *sb = self;
  if (!req || !res) return TC_EINVAL;
  memset(res, 0, sizeof(*res));
  pthread_mutex_lock(&sb->lock);
  sb->ledger.calls++;
  sb_intent *in = find_intent(sb, req->provider_ref);
  if (!in) {
    set(res, TC_PAYMENT_ERROR, "failed", "resource_missing", "no such payment");
  } else {
    set(res, TC_PAYMENT_APPROVED, in->status, "", "");
    tc__text_copy(res->provider_ref, sizeof(res->provider_ref), in->ref);
    res->amount = in->amount;
  }
  pthread_mutex_unlock(&sb->lock);
  return TC_OK;
}

static int sb_parse_webhook(void *self, const char *signature, const char *body,
                            size_t len, int64_t now_s, tc_payment_event *ev) {
  sandbox *sb = self;
  pthread_mutex_lock(&sb->lock);
  int rc = tc__pay_sig_verify(sb->secret, signature, body, len, now_s,
                              sb->tolerance_s);
  pthread_mutex_unlock(&sb->lock);
  if (rc) return rc;
  return tc__pay_event_parse(body, len, ev);
}

static void sb_free(void *self) {
  sandbox *sb = self;
  if (!sb) return;
  pthread_mutex_destroy(&sb->lock);
  free(sb->keys);
  free(sb->intents);
  sodium_memzero(sb->secret, sizeof(sb->secret));
  free(sb);
}

int tc_payment_provider_sandbox_new(tc_payment_provider **out,
                                    const tc_sandbox_options *opts) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "sandbox: out is NULL");
  *out = NULL;
  tc_sandbox_options o = TC_SANDBOX_OPTIONS_INIT;
  if (opts) {
    if (opts->version < 1 || opts->version > TC_SANDBOX_OPTIONS_VERSION)
      return tc__set_thread_error(TC_EINVAL,
                                  "sandbox options version %u is not "
                                  "supported",
                                  opts->version);
    o = *opts;
  }
  if (o.slow_ms < 0 || o.timeout_ms < 0 || o.webhook_tolerance_s < 0)
    return tc__set_thread_error(TC_EINVAL,
                                "sandbox options: slow_ms, timeout_ms and "
                                "webhook_tolerance_s must not be negative");
  if (o.webhook_secret && strlen(o.webhook_secret) >= 256)
    return tc__set_thread_error(TC_EINVAL,
                                "sandbox options: webhook_secret is longer "
                                "than 255 bytes");
  sandbox *sb = calloc(1, sizeof(*sb));
  if (!sb) return tc__set_thread_error(TC_ENOMEM, "sandbox: out of memory");
  if (pthread_mutex_init(&sb->lock, NULL)) {
    free(sb);
    return tc__set_thread_error(TC_ERROR, "sandbox: cannot make a mutex");
  }
  sb->clock = o.clock;
  sb->slow_ms = o.slow_ms ? o.slow_ms : 2000;
  sb->timeout_ms = o.timeout_ms ? o.timeout_ms : 10000;
  sb->tolerance_s = o.webhook_tolerance_s ? o.webhook_tolerance_s : 300;
  tc__text_copy(sb->secret, sizeof(sb->secret),
                o.webhook_secret ? o.webhook_secret : "whsec_sandbox");
  sb->vt.version = TC_PAYMENT_PROVIDER_VERSION;
  sb->vt.self = sb;
  sb->vt.name = "sandbox";
  sb->vt.authorize = sb_authorize;
  sb->vt.capture = sb_capture;
  sb->vt.void_auth = sb_void;
  sb->vt.refund = sb_refund;
  sb->vt.fetch = sb_fetch;
  sb->vt.parse_webhook = sb_parse_webhook;
  sb->vt.free = sb_free;
  *out = &sb->vt;
  return TC_OK;
}

int tc_payment_sandbox_ledger(tc_sandbox_ledger *out,
                              const tc_payment_provider *p) {
  if (!out || !p || p->authorize != sb_authorize) return TC_EINVAL;
  sandbox *sb = p->self;
  pthread_mutex_lock(&sb->lock);
  *out = sb->ledger;
  pthread_mutex_unlock(&sb->lock);
  return TC_OK;
}

void tc__pay_sandbox_set_tolerance(tc_payment_provider *p, int64_t tol_s) {
  if (!p || p->authorize != sb_authorize || tol_s <= 0) return;
  sandbox *sb = p->self;
  pthread_mutex_lock(&sb->lock);
  sb->tolerance_s = tol_s;
  pthread_mutex_unlock(&sb->lock);
}

void tc__pay_provider_set_tolerance(tc_payment_provider *p, int64_t tol_s) {
  tc__pay_sandbox_set_tolerance(p, tol_s);
  tc__pay_stripe_set_tolerance(p, tol_s);
}
