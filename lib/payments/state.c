/*
 * lib/payments/state.c - module options, the provider in use and the
 * circuit breaker guarding it.
 *
 * Why a process-wide breaker registry keyed by provider name: a server runs
 * one context per thread, each configured on its own; if every context had
 * its own breaker a dead provider would be hammered once per thread before
 * each opened. Keeping the breaker beside the provider name (behind a
 * mutex) makes every context of the process share it without the host
 * having to thread an extra object through; a host that talks to two
 * accounts of one provider passes its own tc_breaker in the options.
 * Entries live until the process ends (they are small and reachable).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "payments_priv.h"

/* ---- the process-wide breaker registry ----------------------------------- */

typedef struct breaker_entry {
  struct breaker_entry *next;
  tc_breaker *breaker;
  char name[64];
} breaker_entry;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static breaker_entry *registry;

int tc__pay_breaker_for(tc_breaker **out, const char *name,
                        const tc_breaker_options *opts) {
  int rc = TC_OK;
  pthread_mutex_lock(&registry_lock);
  breaker_entry *e = registry;
  while (e && strcmp(e->name, name)) e = e->next;
  if (!e) {
    e = calloc(1, sizeof(*e));
    if (!e) {
      rc = TC_ENOMEM;
    } else if ((rc = tc_breaker_new(&e->breaker, opts))) {
      free(e);
      e = NULL;
    } else {
      snprintf(e->name, sizeof(e->name), "%s", name);
      e->next = registry;
      registry = e;
    }
  }
  *out = e ? e->breaker : NULL;
  pthread_mutex_unlock(&registry_lock);
  return rc;
}

/* ---- module state ---------------------------------------------------------
 */

static void state_free(tc_ctx *ctx, void *p) {
  pay_state *st = p;
  if (st->owned && st->owned->free) st->owned->free(st->owned->self);
  tc__free(ctx, st);
}

static void defaults(tc_payments_options *o) {
  static const tc_retry_policy retry = TC_RETRY_POLICY_INIT;
  if (o->retry.version == 0) o->retry = retry;
  if (o->webhook_tolerance_s == 0) o->webhook_tolerance_s = 300;
}

static pay_state *state_get(tc_ctx *ctx) {
  pay_state *st = ctx->module_state[TC__SLOT_PAYMENTS];
  if (st) return st;
  st = tc__calloc(ctx, 1, sizeof(*st));
  if (!st) {
    tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory for payments state");
    return NULL;
  }
  tc_payments_options o = TC_PAYMENTS_OPTIONS_INIT;
  st->opts = o;
  defaults(&st->opts);
  ctx->module_state[TC__SLOT_PAYMENTS] = st;
  ctx->module_state_free[TC__SLOT_PAYMENTS] = state_free;
  return st;
}

static int check_provider(tc_ctx *ctx, const tc_payment_provider *p) {
  if (p->version < 1)
    return tc__seterr(ctx, TC_EVERSION, "provider",
                      "payment provider port version %u is not supported",
                      p->version);
  if (!p->name || !*p->name || !p->authorize || !p->capture || !p->void_auth ||
      !p->refund)
    return tc__seterr(ctx, TC_EINVAL, "provider",
                      "payment provider lacks a name or a required method "
                      "(authorize, capture, void_auth, refund)");
  return TC_OK;
}

/* Resolve provider and breaker on first use after a configuration. */
static int resolve(tc_ctx *ctx, pay_state *st) {
  int rc;
  if (!st->provider) {
    tc_payment_provider *p = st->opts.provider;
    if (!p) p = ctx->cfg.payments;
    if (!p) {
      if (!st->owned) {
        tc_sandbox_options so = TC_SANDBOX_OPTIONS_INIT;
        so.clock = &ctx->clock;
        so.webhook_tolerance_s = st->opts.webhook_tolerance_s;
        if ((rc = tc_payment_provider_sandbox_new(&st->owned, &so)))
          return tc__seterr(ctx, rc, "provider", "%s", tc_last_error_message());
      }
      p = st->owned;
    }
    if ((rc = check_provider(ctx, p))) return rc;
    tc__pay_provider_set_tolerance(p, st->opts.webhook_tolerance_s);
    st->provider = p;
  }
  if (!st->breaker) {
    if (st->opts.breaker) {
      st->breaker = st->opts.breaker;
    } else if ((rc = tc__pay_breaker_for(&st->breaker, st->provider->name,
                                         &st->opts.breaker_options))) {
      return tc__seterr(ctx, rc, "breaker_options",
                        "cannot make the circuit breaker of provider '%s'",
                        st->provider->name);
    }
  }
  return TC_OK;
}

pay_state *tc__pay_state(tc_ctx *ctx) {
  pay_state *st = state_get(ctx);
  if (!st) return NULL;
  if (resolve(ctx, st)) return NULL;
  return st;
}

int tc_payments_configure(tc_ctx *ctx, const tc_payments_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts || opts->version < 1 || opts->version > TC_PAYMENTS_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "payments options version %u is not supported",
                      opts ? opts->version : 0u);
  int rc;
  if (opts->provider && (rc = check_provider(ctx, opts->provider))) return rc;
  if (opts->capture_mode != TC_PAYMENTS_CAPTURE_LATER &&
      opts->capture_mode != TC_PAYMENTS_CAPTURE_AT_CHECKOUT)
    return tc__seterr(ctx, TC_EINVAL, "capture_mode",
                      "capture_mode must be CAPTURE_LATER or "
                      "CAPTURE_AT_CHECKOUT");
  if (opts->retry.version != 0 &&
      (opts->retry.max_attempts < 1 || opts->retry.max_attempts > 100 ||
       opts->retry.base_delay_ms < 0 || opts->retry.max_delay_ms < 0))
    return tc__seterr(ctx, TC_EINVAL, "retry",
                      "retry needs 1..100 attempts and delays >= 0");
  if (opts->breaker_options.version > TC_BREAKER_OPTIONS_VERSION ||
      opts->breaker_options.open_ms < 0)
    return tc__seterr(ctx, TC_EINVAL, "breaker_options",
                      "breaker_options: bad version or negative open_ms");
  if (opts->webhook_tolerance_s < 0 ||
      opts->webhook_tolerance_s > 7 * 24 * 3600)
    return tc__seterr(ctx, TC_EINVAL, "webhook_tolerance_s",
                      "webhook_tolerance_s must be between 0 and 7 days");
  pay_state *st = state_get(ctx);
  if (!st) return TC_ENOMEM;
  st->opts = *opts;
  st->opts.version = TC_PAYMENTS_OPTIONS_VERSION;
  if (st->opts.breaker_options.version == 0) {
    tc_breaker_options bo = TC_BREAKER_OPTIONS_INIT;
    st->opts.breaker_options = bo;
  }
  defaults(&st->opts);
  /* Resolved again on next use, with the new provider and breaker. */
  st->provider = NULL;
  st->breaker = NULL;
  if (st->owned)
    tc__pay_provider_set_tolerance(st->owned, st->opts.webhook_tolerance_s);
  return TC_OK;
}
