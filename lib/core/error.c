/* Status codes: names, texts, HTTP mapping, and the per-context message. */
#include <stdio.h>

#include "internal.h"

typedef struct {
  int code;
  const char *name;
  const char *text;
  int http;
} status_info;

/* Indexed by -code; appended only, like the codes themselves. */
static const status_info status_table[] = {
    {TC_OK, "ok", "success", 200},
    {TC_ERROR, "internal", "internal error", 500},
    {TC_ENOMEM, "out_of_memory", "out of memory", 503},
    {TC_EINVAL, "invalid_argument", "invalid argument", 400},
    {TC_ENOTFOUND, "not_found", "not found", 404},
    {TC_ECONFLICT, "conflict", "conflict", 409},
    {TC_EDENIED, "permission_denied", "permission denied", 403},
    {TC_EUNAUTHENTICATED, "unauthenticated", "not authenticated", 401},
    {TC_EUNAVAILABLE, "unavailable", "service unavailable", 503},
    {TC_ESTORAGE, "storage_error", "storage error", 500},
    {TC_EBUSY, "busy", "resource busy", 503},
    {TC_EVERSION, "version_mismatch", "version mismatch", 500},
    {TC_ELIMIT, "rate_limited", "rate limit reached", 429},
    {TC_ESTATE, "invalid_state", "not allowed in the current state", 409},
    {TC_ETIMEOUT, "timeout", "timed out", 504},
    {TC_EEMPTY, "empty", "nothing available", 404},
    {TC_EDECLINED, "payment_declined", "payment declined", 402},
    {TC_ECORRUPT, "corrupt", "data corrupt or not a database", 500},
    {TC_EREADONLY, "read_only", "store is read-only", 503},
    {TC_EFULL, "storage_full", "storage full", 507},
    {TC_EUNSUPPORTED, "unsupported", "not supported", 501},
    {TC_EINSUFFICIENT, "insufficient", "not enough available", 409},
    {TC_EEXPIRED, "expired", "expired", 410},
    {TC_EPROVIDER, "provider_error", "provider error", 502},
    {TC_EOVERFLOW, "overflow", "value out of range", 400},
};

static const status_info *status_lookup(int code) {
  if (code > 0 || code < TC_STATUS_LAST) return NULL;
  return &status_table[-code];
}

const char *tc_strerror(int code) {
  const status_info *s = status_lookup(code);
  return s ? s->text : "unknown error";
}

const char *tc_status_name(int code) {
  const status_info *s = status_lookup(code);
  return s ? s->name : "internal";
}

int tc_status_http(int code) {
  const status_info *s = status_lookup(code);
  return s ? s->http : 500;
}

static void copy_field(char *dst, size_t size, const char *field) {
  snprintf(dst, size, "%s", field ? field : "");
}

int tc__vseterr(tc_ctx *ctx, int code, const char *field, const char *fmt,
                va_list ap) {
  if (!ctx) return code;
  ctx->errcode = code;
  if (fmt) {
    vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
  } else {
    snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", tc_strerror(code));
  }
  copy_field(ctx->errfield, sizeof(ctx->errfield), field);
  ctx->errreason[0] = '\0';
  return code;
}

void tc__error_save(const tc_ctx *ctx, tc__saved_error *out) {
  out->code = ctx->errcode;
  memcpy(out->msg, ctx->errmsg, sizeof(out->msg));
  memcpy(out->field, ctx->errfield, sizeof(out->field));
  memcpy(out->reason, ctx->errreason, sizeof(out->reason));
}

int tc__error_restore(tc_ctx *ctx, const tc__saved_error *saved) {
  ctx->errcode = saved->code;
  memcpy(ctx->errmsg, saved->msg, sizeof(ctx->errmsg));
  memcpy(ctx->errfield, saved->field, sizeof(ctx->errfield));
  memcpy(ctx->errreason, saved->reason, sizeof(ctx->errreason));
  return saved->code;
}

int tc__seterr(tc_ctx *ctx, int code, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tc__vseterr(ctx, code, field, fmt, ap);
  va_end(ap);
  return code;
}

int tc__seterr_reason(tc_ctx *ctx, int code, const char *field,
                      const char *reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tc__vseterr(ctx, code, field, fmt, ap);
  va_end(ap);
  if (ctx) copy_field(ctx->errreason, sizeof(ctx->errreason), reason);
  return code;
}

void tc__clearerr(tc_ctx *ctx) {
  if (!ctx) return;
  ctx->errcode = TC_OK;
  ctx->errmsg[0] = '\0';
  ctx->errfield[0] = '\0';
  ctx->errreason[0] = '\0';
}

const char *tc_errmsg(const tc_ctx *ctx) {
  return ctx ? ctx->errmsg : tc_last_error_message();
}

const char *tc_errfield(const tc_ctx *ctx) {
  return ctx ? ctx->errfield : "";
}

const char *tc_errreason(const tc_ctx *ctx) {
  return ctx ? ctx->errreason : "";
}

int tc_errcode(const tc_ctx *ctx) {
  return ctx ? ctx->errcode : TC_EINVAL;
}

/* Failures before a context exists (opening a store, creating a context)
 * leave their message here, one per thread, as errno does. */
static _Thread_local char thread_errmsg[TC__ERRMSG_SIZE];

int tc__set_thread_error(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(thread_errmsg, sizeof(thread_errmsg), fmt, ap);
  va_end(ap);
  return code;
}

void tc__clear_thread_error(void) {
  thread_errmsg[0] = '\0';
}

const char *tc_last_error_message(void) {
  return thread_errmsg;
}
