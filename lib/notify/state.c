/*
 * lib/notify/state.c - module options, per-context state (default
 * notifiers, subscriptions), names of channels/categories/statuses and the
 * small validators the rest of the module shares.
 */
#include <ctype.h>
#include <stdio.h>

#include "notify_priv.h"

static const char *const channel_names[] = {"email", "sms", "push", "in_app"};
static const char *const category_names[] = {"transactional", "security",
                                             "marketing"};
static const char *const status_names[] = {"queued", "sending", "sent",
                                           "failed", "suppressed"};

const char *tc_notify_channel_name(tc_notify_channel channel) {
  return (unsigned)channel < TC_NOTIFY_CHANNEL_COUNT ? channel_names[channel]
                                                     : "";
}

const char *tc_notify_category_name(tc_notify_category category) {
  return (unsigned)category < 3 ? category_names[category] : "";
}

const char *tc_notify_status_name(tc_notify_status status) {
  return (unsigned)status < 5 ? status_names[status] : "";
}

int tc_notify_channel_parse(tc_notify_channel *out, tc_ctx *ctx,
                            const char *name) {
  for (unsigned i = 0; name && i < TC_NOTIFY_CHANNEL_COUNT; i++) {
    if (!strcmp(name, channel_names[i])) {
      if (out) *out = (tc_notify_channel)i;
      return TC_OK;
    }
  }
  if (!ctx) return TC_EINVAL;
  return tc__seterr(ctx, TC_EINVAL, "channel",
                    "channel must be email, sms, push or in_app");
}

int tc_notify_category_parse(tc_notify_category *out, tc_ctx *ctx,
                             const char *name) {
  for (unsigned i = 0; name && i < 3; i++) {
    if (!strcmp(name, category_names[i])) {
      if (out) *out = (tc_notify_category)i;
      return TC_OK;
    }
  }
  if (!ctx) return TC_EINVAL;
  return tc__seterr(ctx, TC_EINVAL, "category",
                    "category must be transactional, security or marketing");
}

int tc__notify_check_channel(tc_ctx *ctx, tc_notify_channel ch) {
  if ((unsigned)ch < TC_NOTIFY_CHANNEL_COUNT) return TC_OK;
  return tc__seterr(ctx, TC_EINVAL, "channel", "channel %d is unknown",
                    (int)ch);
}

int tc__notify_check_category(tc_ctx *ctx, tc_notify_category c) {
  if ((unsigned)c < 3) return TC_OK;
  return tc__seterr(ctx, TC_EINVAL, "category", "category %d is unknown",
                    (int)c);
}

int tc__notify_check_name(tc_ctx *ctx, const char *field, const char *name) {
  if (!name || !*name)
    return tc__seterr(ctx, TC_EINVAL, field, "%s must not be empty", field);
  size_t n = strnlen(name, TC__NOTIFY_NAME_MAX + 1);
  if (n > TC__NOTIFY_NAME_MAX)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is longer than %u bytes",
                      field, TC__NOTIFY_NAME_MAX);
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s may only hold a-z, 0-9, '_', '.' and '-' (byte "
                        "%zu is not one)",
                        field, i);
  }
  return TC_OK;
}

/* language (2-3 letters) [-REGION (2 letters or 3 digits)]. */
int tc__notify_check_locale(tc_ctx *ctx, const char *field,
                            const char *locale) {
  size_t n = locale ? strnlen(locale, 16) : 0;
  size_t lang = 0;
  while (lang < n && isalpha((unsigned char)locale[lang])) lang++;
  bool ok = lang >= 2 && lang <= 3;
  if (ok && lang < n) {
    size_t rest = n - lang - 1;
    ok = locale[lang] == '-' && (rest == 2 || rest == 3);
    for (size_t i = lang + 1; ok && i < n; i++)
      ok = rest == 2 ? isalpha((unsigned char)locale[i]) != 0
                     : isdigit((unsigned char)locale[i]) != 0;
  }
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must look like \"en\" or \"pt-BR\"", field);
  return TC_OK;
}

void tc__notify_mask(char *out, size_t size, const char *r) {
  if (!size) return;
  if (!r || !*r) {
    snprintf(out, size, "-");
    return;
  }
  const char *at = strchr(r, '@');
  size_t n = strlen(r);
  if (at) {
    snprintf(out, size, "%c***%.*s", r[0],
             (int)(n - (size_t)(at - r) > 200 ? 200 : n - (size_t)(at - r)),
             at);
  } else if (n > 4) {
    snprintf(out, size, "***%s", r + n - 2);
  } else {
    snprintf(out, size, "***");
  }
}

/* ---- state --------------------------------------------------------------- */

static void state_free(tc_ctx *ctx, void *p) {
  tc__notify_state *st = p;
  if (!st) return;
  if (st->inapp && st->inapp->free) st->inapp->free(st->inapp->self);
  if (st->log && st->log->free) st->log->free(st->log->self);
  tc__free(ctx, st);
}

static int subscribe(tc_ctx *ctx) {
  static const char *const patterns[] = {"orders.*", "payments.*", "users.*",
                                         "auth.*"};
  int rc = tc_events_subscribe(ctx, TC__NOTIFY_GROUP, TC__NOTIFY_TOPIC);
  for (size_t i = 0; rc == TC_OK && i < 4; i++)
    rc = tc_events_subscribe(ctx, TC__NOTIFY_EVENTS_GROUP, patterns[i]);
  return rc;
}

static int apply(tc_ctx *ctx, tc__notify_state *st,
                 const tc_notify_options *o) {
  const char *sender =
      o->sender ? o->sender : "TechCorp <no-reply@techcorp.example>";
  const char *loc = o->default_locale ? o->default_locale : "en";
  int rc;
  if (o->version < 1 || o->version > TC_NOTIFY_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "notify options version %u is not supported",
                      (unsigned)o->version);
  if (tc_retry_delay_ms(&o->retry, 1, 0) < 0 || o->retry.max_attempts < 1)
    return tc__seterr(ctx, TC_EINVAL, "retry",
                      "retry policy needs max_attempts >= 1 and delays >= 0");
  if (o->visibility_ms < 0)
    return tc__seterr(ctx, TC_EINVAL, "visibility_ms",
                      "visibility_ms must not be negative");
  for (int i = 0; i < TC_NOTIFY_CHANNEL_COUNT; i++) {
    const tc_notifier *n = o->channels[i].notifier;
    if (o->channels[i].rate_window_ms < 0)
      return tc__seterr(ctx, TC_EINVAL, "rate_window_ms",
                        "rate_window_ms of %s must not be negative",
                        channel_names[i]);
    if (n && (n->version < 1 || !n->send))
      return tc__seterr(ctx, TC_EINVAL, "notifier",
                        "notifier of %s has no send method or a bad version",
                        channel_names[i]);
  }
  if ((rc = tc__check_text(ctx, "sender", sender, 1, sizeof(st->sender) - 1,
                           TC__TEXT_CONTROLS)))
    return rc;
  if (strpbrk(sender, "\r\n") || !strchr(sender, '@'))
    return tc__seterr(ctx, TC_EINVAL, "sender",
                      "sender must be an address on one line");
  if ((rc = tc__notify_check_locale(ctx, "default_locale", loc))) return rc;
  st->opts = *o;
  st->opts.sender = NULL;
  st->opts.default_locale = NULL;
  if (st->opts.visibility_ms == 0) st->opts.visibility_ms = 60000;
  snprintf(st->sender, sizeof(st->sender), "%s", sender);
  snprintf(st->default_locale, sizeof(st->default_locale), "%s", loc);
  return TC_OK;
}

static tc__notify_state *state_make(tc_ctx *ctx) {
  tc__notify_state *st = tc__calloc(ctx, 1, sizeof(*st));
  if (!st) {
    tc__oom(ctx);
    return NULL;
  }
  tc_notify_options d = TC_NOTIFY_OPTIONS_INIT;
  if (apply(ctx, st, &d) || tc_notify_inapp_new(&st->inapp, ctx) ||
      tc_notify_log_new(&st->log, ctx, NULL)) {
    if (!tc_errcode(ctx)) tc__oom(ctx);
    state_free(ctx, st);
    return NULL;
  }
  ctx->module_state[TC__SLOT_NOTIFY] = st;
  ctx->module_state_free[TC__SLOT_NOTIFY] = state_free;
  return st;
}

tc__notify_state *tc__notify_state_get(tc_ctx *ctx) {
  tc__notify_state *st = ctx->module_state[TC__SLOT_NOTIFY];
  if (!st && !(st = state_make(ctx))) return NULL;
  if (!st->subscribed) {
    if (subscribe(ctx)) return NULL;
    /* Inside a caller's transaction the subscription could still roll
     * back: only trust it once made outside one (it is idempotent). */
    st->subscribed = ctx->txn_depth == 0;
  }
  return st;
}

int tc_notify_configure(tc_ctx *ctx, const tc_notify_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts) return tc__seterr(ctx, TC_EINVAL, "opts", "opts must not be NULL");
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx) ? tc_errcode(ctx) : TC_ENOMEM;
  tc__notify_state tmp = *st;
  int rc = apply(ctx, &tmp, opts);
  if (rc) return rc;
  *st = tmp;
  return TC_OK;
}

int tc__notify_set_crash_hook(tc_ctx *ctx, tc__notify_crash_hook hook,
                              void *payload) {
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx);
  st->crash_hook = hook;
  st->crash_payload = payload;
  return TC_OK;
}

int tc__notify_notifier(tc_ctx *ctx, tc_notify_channel ch, tc_notifier **out,
                        bool *idempotent) {
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx);
  const tc_notify_channel_options *co = &st->opts.channels[ch];
  tc_notifier *n = co->notifier;
  bool idem = co->idempotent != 0;
  if (!n && ch == TC_NOTIFY_IN_APP) {
    n = st->inapp;
    idem = true;
  }
  if (!n) n = ctx->cfg.notifier;
  if (!n) n = st->log;
  *out = n;
  *idempotent = idem;
  return TC_OK;
}
