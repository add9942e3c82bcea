/* lib/auth/util.c - small helpers shared by the auth module's files. */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "auth_private.h"

void tc__auth_hex(char *out, const unsigned char *in, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int tc__auth_unhex(unsigned char *out, size_t n, const char *hex) {
  for (size_t i = 0; i < n; i++) {
    int hi = hexval(hex[2 * i]);
    int lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
    if (lo < 0) return TC_EINVAL;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return TC_OK;
}

void tc__auth_hash_hex(char out[TC__AUTH_HASH_HEX], const char *s) {
  unsigned char h[32];
  crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s), NULL,
                     0);
  tc__auth_hex(out, h, sizeof(h));
}

void tc__auth_opaque(tc_ctx *ctx, char out[TC_AUTH_OPAQUE_MAX]) {
  unsigned char r[32];
  tc__random(ctx, r, sizeof(r));
  sodium_bin2base64(out, TC_AUTH_OPAQUE_MAX, r, sizeof(r),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(r, sizeof(r));
}

int tc__auth_audit(tc_ctx *ctx, const char *topic, const char *user_id,
                   const char *const *kv) {
  cJSON *o = cJSON_CreateObject();
  int rc = o ? TC_OK : TC_ENOMEM;
  if (rc == TC_OK && user_id && *user_id &&
      !cJSON_AddStringToObject(o, "user_id", user_id))
    rc = TC_ENOMEM;
  for (size_t i = 0; rc == TC_OK && kv && kv[i]; i += 2) {
    const char *v = kv[i + 1];
    if (!v || !*v) continue;
    /* Flags travel as JSON booleans; no id, address or method is spelt
     * "true" or "false". */
    cJSON *item = !strcmp(v, "true")    ? cJSON_CreateTrue()
                  : !strcmp(v, "false") ? cJSON_CreateFalse()
                                        : cJSON_CreateString(v);
    if (!item || !cJSON_AddItemToObject(o, kv[i], item)) {
      cJSON_Delete(item);
      rc = TC_ENOMEM;
    }
  }
  if (rc == TC_OK && !cJSON_AddNumberToObject(o, "at", (double)tc__now_ms(ctx)))
    rc = TC_ENOMEM;
  if (rc) {
    cJSON_Delete(o);
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory for event %s",
                      topic);
  }
  return tc__publish_json(ctx, topic, user_id && *user_id ? user_id : NULL, o,
                          NULL);
}

int tc__auth_audit_commit(tc_ctx *ctx, const char *topic, const char *user_id,
                          const char *const *kv) {
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  return tc__txn_end(ctx, tc__auth_audit(ctx, topic, user_id, kv));
}

int tc__auth_oauth_err(tc_ctx *ctx, int code, const char *rfc_name,
                       const char *field, const char *fmt, ...) {
  char msg[TC__ERRMSG_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (st) snprintf(st->oauth_error, sizeof(st->oauth_error), "%s", rfc_name);
  /* The name stays in the message for readers and goes to the reason for
   * programs (the JSON error's "reason"). */
  return tc__seterr_reason(ctx, code, field, rfc_name, "%s: %s", rfc_name, msg);
}

const char *tc_auth_oauth_error(tc_ctx *ctx) {
  if (!ctx || !ctx->module_state[TC__SLOT_AUTH]) return "";
  return ((tc__auth_state *)ctx->module_state[TC__SLOT_AUTH])->oauth_error;
}
