/*
 * lib/notify/http.c - the HTTP notifier (SMS/push gateways, webhooks):
 * a signed JSON POST over libcurl.
 *
 * Signature: X-Techcorp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "<t>.<body>">, so a receiver checks the body and refuses old
 * replays by t. Idempotency-Key carries the message's key.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "notify_priv.h"

#define HTTP_REPLY_MAX (64u * 1024u)

typedef struct http {
  tc_notifier port;
  char *url, *ca_file;
  unsigned char *secret;
  size_t secret_len;
  long timeout_ms, connect_timeout_ms;
  tc_clock clock;
} http;

int tc_notify_http_sign(char *out, size_t out_size, const void *secret,
                        size_t secret_len, int64_t t, const char *body,
                        size_t body_len) {
  if (!out || out_size < 96 || !secret || !secret_len || (!body && body_len))
    return TC_EINVAL;
  char ts[32];
  snprintf(ts, sizeof(ts), "%" PRId64, t);
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, secret, secret_len);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
  if (body_len)
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof(mac) + 1];
  sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
  sodium_memzero(&st, sizeof(st));
  snprintf(out, out_size, "t=%s,v1=%s", ts, hex);
  return TC_OK;
}

static void http_free(void *self) {
  http *h = self;
  if (!h) return;
  if (h->secret) sodium_memzero(h->secret, h->secret_len);
  free(h->secret);
  free(h->url);
  free(h->ca_file);
  free(h);
  tc_shutdown();
}

static size_t write_cb(char *p, size_t size, size_t n, void *ud) {
  tc_buf *b = ud;
  size_t len = size * n;
  if (b->size + len > HTTP_REPLY_MAX) return len; /* keep the head only */
  return tc_buf_put(b, p, len) == TC_OK ? len : 0;
}

static char *body_json(const tc_notification *n) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddStringToObject(o, "id", n->id) &&
            cJSON_AddStringToObject(o, "channel", n->channel) &&
            cJSON_AddStringToObject(o, "recipient", n->recipient) &&
            (n->subject ? cJSON_AddStringToObject(o, "subject", n->subject)
                        : cJSON_AddNullToObject(o, "subject")) &&
            cJSON_AddStringToObject(o, "text", n->body_text) &&
            (n->body_html ? cJSON_AddStringToObject(o, "html", n->body_html)
                          : cJSON_AddNullToObject(o, "html"));
  cJSON *meta = ok && n->metadata ? cJSON_Parse(n->metadata) : NULL;
  if (ok && meta)
    ok = cJSON_AddItemToObject(o, "metadata", meta);
  else
    cJSON_Delete(meta);
  char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return text;
}

static int classify(CURLcode cr, long status, char *err, size_t err_size) {
  if (cr == CURLE_OPERATION_TIMEDOUT) {
    snprintf(err, err_size, "http: timed out");
    return TC_ETIMEOUT;
  }
  if (cr != CURLE_OK) {
    snprintf(err, err_size, "http: %s", curl_easy_strerror(cr));
    return cr == CURLE_URL_MALFORMAT || cr == CURLE_UNSUPPORTED_PROTOCOL ||
                   cr == CURLE_PEER_FAILED_VERIFICATION
               ? TC_EPROVIDER
               : TC_EUNAVAILABLE;
  }
  if (status >= 200 && status < 300) return TC_OK;
  snprintf(err, err_size, "http: status %ld", status);
  if (status == 429 || status >= 500 || status == 408) return TC_EUNAVAILABLE;
  return TC_EPROVIDER;
}

static int http_send(void *self, const tc_notification *n, char *ref,
                     size_t ref_size, char *err, size_t err_size) {
  http *h = self;
  if (ref_size) ref[0] = '\0';
  if (!n || !n->id || !n->channel || !n->recipient || !n->body_text) {
    snprintf(err, err_size, "message lacks id, channel, recipient or text");
    return TC_EINVAL;
  }
  const char *key = n->idempotency_key ? n->idempotency_key : n->id;
  if (strpbrk(key, "\r\n")) {
    snprintf(err, err_size, "idempotency key holds a line break");
    return TC_EINVAL;
  }
  char *body = body_json(n);
  char sig[160], hdr_sig[200], hdr_key[300];
  int64_t t = h->clock.now_ms(h->clock.self) / 1000;
  size_t blen = body ? strlen(body) : 0;
  CURL *c = body ? curl_easy_init() : NULL;
  struct curl_slist *hs = NULL;
  bool ok = c != NULL;
  if (ok) {
    tc_notify_http_sign(sig, sizeof(sig), h->secret, h->secret_len, t, body,
                        blen);
    snprintf(hdr_sig, sizeof(hdr_sig), "X-Techcorp-Signature: %s", sig);
    snprintf(hdr_key, sizeof(hdr_key), "Idempotency-Key: %s", key);
    const char *lines[] = {"Content-Type: application/json", hdr_sig, hdr_key,
                           "Expect:", "User-Agent: libtechcorp"};
    for (size_t i = 0; ok && i < 5; i++) {
      struct curl_slist *nx = curl_slist_append(hs, lines[i]);
      ok = nx != NULL;
      if (ok) hs = nx;
    }
  }
  if (!ok) {
    curl_slist_free_all(hs);
    if (c) curl_easy_cleanup(c);
    if (body) {
      sodium_memzero(body, blen);
      cJSON_free(body);
    }
    snprintf(err, err_size, "out of memory");
    return TC_EUNAVAILABLE;
  }
  tc_buf reply = TC_BUF_INIT;
  curl_easy_setopt(c, CURLOPT_URL, h->url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (h->ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
  CURLcode cr = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hs);
  curl_easy_cleanup(c);
  sodium_memzero(body, blen);
  cJSON_free(body);
  int rc = classify(cr, status, err, err_size);
  if (rc == TC_OK) {
    cJSON *r = reply.ptr ? cJSON_Parse(reply.ptr) : NULL;
    const cJSON *id = r ? cJSON_GetObjectItemCaseSensitive(r, "id") : NULL;
    if (cJSON_IsString(id)) snprintf(ref, ref_size, "%s", id->valuestring);
    cJSON_Delete(r);
  }
  tc_buf_dispose(&reply);
  return rc;
}

static int64_t sys_now(void *self) {
  (void)self;
  return tc__system_clock.now_ms(tc__system_clock.self);
}

int tc_notify_http_new(tc_notifier **out, const tc_notify_http_options *o) {
  if (!out) return TC_EINVAL;
  *out = NULL;
  if (!o || o->version < 1 || o->version > TC_NOTIFY_HTTP_OPTIONS_VERSION)
    return tc__set_thread_error(TC_EINVAL, "http options: bad version");
  if (!o->url ||
      (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)))
    return tc__set_thread_error(TC_EINVAL,
                                "url must start with http:// or https://");
  if (!o->secret || o->secret_len < 16 || o->secret_len > 1024)
    return tc__set_thread_error(TC_EINVAL, "secret must be 16 to 1024 bytes");
  if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
    return tc__set_thread_error(TC_EINVAL, "timeouts must not be negative");
  if (tc_init()) return TC_ERROR;
  http *h = calloc(1, sizeof(*h));
  if (!h) {
    tc_shutdown();
    return TC_ENOMEM;
  }
  h->url = strdup(o->url);
  h->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
  h->secret = malloc(o->secret_len);
  h->secret_len = o->secret_len;
  if (!h->url || !h->secret || (o->ca_file && !h->ca_file)) {
    http_free(h);
    return TC_ENOMEM;
  }
  memcpy(h->secret, o->secret, o->secret_len);
  h->timeout_ms = o->timeout_ms ? o->timeout_ms : 10000;
  h->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 5000;
  if (o->clock && o->clock->now_ms) {
    h->clock = *o->clock;
  } else {
    h->clock.version = TC_CLOCK_VERSION;
    h->clock.now_ms = sys_now;
  }
  h->port.version = TC_NOTIFIER_VERSION;
  h->port.self = h;
  h->port.name = "http";
  h->port.send = http_send;
  h->port.free = http_free;
  *out = &h->port;
  return TC_OK;
}
