/*
 * lib/payments/signature.c - webhook signatures in the Stripe-Signature
 * scheme and the event body both shipped providers understand.
 *
 * Header: "t=<unix seconds>,v1=<hex>[,v1=<hex>...]" where each v1 is
 * HMAC-SHA256(secret, "<t>.<raw body>"). Several v1 entries let a secret
 * be rolled; any one matching is enough. The key may be of any length, so
 * the init/update/final form of crypto_auth_hmacsha256 is used (the
 * one-shot form wants a 32-byte key). Compared with sodium_memcmp.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "payments_priv.h"

#define SIG_MAX_V1 8

static void sig_mac(unsigned char mac[crypto_auth_hmacsha256_BYTES],
                    const char *secret, const char *t, size_t tlen,
                    const char *body, size_t len) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
                              strlen(secret));
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, tlen);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof(st));
}

int tc_payments_webhook_sign(char *out, size_t size, const char *secret,
                             int64_t timestamp_s, const char *body,
                             size_t len) {
  if (!out || !secret || (!body && len)) return TC_EINVAL;
  if (size < 80) {
    if (size) out[0] = '\0';
    return TC_EINVAL;
  }
  if (sodium_init() < 0) return TC_ERROR;
  char t[24];
  int tlen = snprintf(t, sizeof(t), "%" PRId64, timestamp_s);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  sig_mac(mac, secret, t, (size_t)tlen, body ? body : "", len);
  char hex[2 * sizeof(mac) + 1];
  sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
  snprintf(out, size, "t=%s,v1=%s", t, hex);
  sodium_memzero(mac, sizeof(mac));
  return TC_OK;
}

int tc__pay_sig_verify(const char *secret, const char *header, const char *body,
                       size_t len, int64_t now_s, int64_t tolerance_s) {
  if (!secret || !*secret || !header || !body) return TC_EDENIED;
  char t[24] = "";
  size_t tlen = 0;
  unsigned char v1[SIG_MAX_V1][crypto_auth_hmacsha256_BYTES];
  int nv1 = 0;
  const char *p = header;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    const char *item = p;
    while (*p && *p != ',') p++;
    size_t n = (size_t)(p - item);
    while (n && item[n - 1] == ' ') n--;
    if (n > 2 && item[0] == 't' && item[1] == '=') {
      if (n - 2 >= sizeof(t) || tlen) return TC_EDENIED;
      for (size_t i = 2; i < n; i++)
        if (!isdigit((unsigned char)item[i])) return TC_EDENIED;
      memcpy(t, item + 2, n - 2);
      tlen = n - 2;
      t[tlen] = '\0';
    } else if (n == 3 + 2 * crypto_auth_hmacsha256_BYTES &&
               !strncmp(item, "v1=", 3) && nv1 < SIG_MAX_V1) {
      size_t bin = 0;
      if (sodium_hex2bin(v1[nv1], sizeof(v1[0]), item + 3, n - 3, NULL, &bin,
                         NULL) == 0 &&
          bin == sizeof(v1[0]))
        nv1++;
    }
    /* other schemes (v0=...) are ignored, as Stripe's libraries do */
  }
  if (!tlen || tlen > 12 || nv1 == 0) return TC_EDENIED;
  int64_t ts = strtoll(t, NULL, 10);
  if (ts < now_s - tolerance_s || ts > now_s + tolerance_s) return TC_EDENIED;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  sig_mac(mac, secret, t, tlen, body, len);
  int ok = 0;
  for (int i = 0; i < nv1; i++)
    ok |= sodium_memcmp(mac, v1[i], sizeof(mac)) == 0;
  sodium_memzero(mac, sizeof(mac));
  return ok ? TC_OK : TC_EDENIED;
}

/* ---- the event body ---------------------------------------------------- */

static const char *str_of(const cJSON *obj, const char *name) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
  return cJSON_IsString(it) && it->valuestring ? it->valuestring : NULL;
}

static int64_t int_of(const cJSON *obj, const char *name) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
  if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 9.0e15)
    return 0;
  return (int64_t)it->valuedouble;
}

typedef struct ev_map {
  const char *stripe;   /* Stripe's event type */
  const char *type;     /* ours */
  const char *amount;   /* member of data.object with the amount */
  bool ref_from_intent; /* a charge: the payment is its payment_intent */
} ev_map;

static const ev_map ev_types[] = {
    {"payment_intent.amount_capturable_updated", "payment.authorized",
     "amount_capturable", false},
    {"payment_intent.succeeded", "payment.captured", "amount_received", false},
    {"payment_intent.payment_failed", "payment.failed", "amount", false},
    {"payment_intent.canceled", "payment.voided", "amount", false},
    {"charge.captured", "payment.captured", "amount_captured", true},
    {"charge.refunded", "payment.refunded", "amount_refunded", true},
};

int tc__pay_event_parse(const char *body, size_t len, tc_payment_event *ev) {
  memset(ev, 0, sizeof(*ev));
  if (!body || !tc__utf8_valid(body, len)) return TC_EINVAL;
  cJSON *root = cJSON_ParseWithLength(body, len);
  if (!root) return TC_EINVAL;
  int rc = TC_EINVAL;
  const char *id = str_of(root, "id");
  const char *type = str_of(root, "type");
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
  const cJSON *obj = cJSON_IsObject(data)
                         ? cJSON_GetObjectItemCaseSensitive(data, "object")
                         : NULL;
  if (cJSON_IsObject(root) && id && *id && type && *type &&
      cJSON_IsObject(obj)) {
    const ev_map *m = NULL;
    for (size_t i = 0; i < sizeof(ev_types) / sizeof(ev_types[0]); i++)
      if (!strcmp(ev_types[i].stripe, type)) m = &ev_types[i];
    tc__text_copy(ev->event_id, sizeof(ev->event_id), id);
    tc__text_copy(ev->type, sizeof(ev->type), m ? m->type : type);
    const char *ref = m && m->ref_from_intent ? str_of(obj, "payment_intent")
                                              : str_of(obj, "id");
    tc__text_copy(ev->provider_ref, sizeof(ev->provider_ref), ref);
    tc__text_copy(ev->status, sizeof(ev->status), str_of(obj, "status"));
    ev->amount = int_of(obj, m ? m->amount : "amount");
    const char *cur = str_of(obj, "currency");
    if (cur && strlen(cur) == 3)
      for (int i = 0; i < 3; i++)
        ev->currency[i] = (char)toupper((unsigned char)cur[i]);
    ev->created_s = int_of(root, "created");
    rc = TC_OK;
  }
  cJSON_Delete(root);
  return rc;
}
