/*
 * lib/payments/stripe.c - a Stripe-style payment provider over libcurl.
 *
 * Form-encoded requests with "Authorization: Bearer <secret key>" and
 * "Idempotency-Key", connect and total timeouts, TLS verification left on
 * (CURLOPT_SSL_VERIFYPEER/VERIFYHOST), no redirects, only http(s). Each
 * call makes its own curl handle, so one provider serves many threads.
 * The answer is mapped onto the outcome classes of the port; the secret
 * key never reaches a log line or a message and is wiped on free.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>

#include "payments_priv.h"

#define STRIPE_MAX_RESPONSE ((size_t)1 << 20)

typedef struct stripe {
  tc_payment_provider vt;
  char *base_url;
  char *secret_key;
  char *webhook_secret;
  long connect_ms, timeout_ms;
  int64_t tolerance_s;
} stripe;

typedef struct http_resp {
  long status;
  CURLcode cc;
  tc_buf body;
  bool too_big;
} http_resp;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
  http_resp *r = ud;
  size_t n = size * nmemb;
  if (r->body.size + n > STRIPE_MAX_RESPONSE) {
    r->too_big = true;
    return 0; /* makes curl fail the transfer */
  }
  return tc_buf_put(&r->body, ptr, n) == TC_OK ? n : 0;
}

/* Append "&name=<escaped value>" (no '&' first). */
static int form_add(CURL *c, tc_buf *f, const char *name, const char *value) {
  char *esc = curl_easy_escape(c, value, 0);
  if (!esc) return TC_ENOMEM;
  int rc = TC_OK;
  if (f->size) rc = tc_buf_puts(f, "&");
  if (!rc) rc = tc_buf_puts(f, name);
  if (!rc) rc = tc_buf_puts(f, "=");
  if (!rc) rc = tc_buf_puts(f, esc);
  curl_free(esc);
  return rc;
}

static int form_add_int(CURL *c, tc_buf *f, const char *name, int64_t v) {
  char num[24];
  snprintf(num, sizeof(num), "%" PRId64, v);
  return form_add(c, f, name, num);
}

/* One request. rc is a local failure only; transport errors are in cc. */
static int http(stripe *s, CURL *c, const char *method, const char *path,
                const tc_buf *form, const char *idem_key, http_resp *resp) {
  char url[1024], auth[512], idem[300];
  if ((size_t)snprintf(url, sizeof(url), "%s%s", s->base_url, path) >=
      sizeof(url))
    return TC_EINVAL;
  if ((size_t)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
                       s->secret_key) >= sizeof(auth))
    return TC_EINVAL;
  struct curl_slist *h = NULL, *t;
  int rc = TC_OK;
  const char *lines[] = {auth, "Accept: application/json",
                         "Content-Type: application/x-www-form-urlencoded",
                         NULL};
  for (int i = 0; lines[i] && rc == TC_OK; i++) {
    if (!(t = curl_slist_append(h, lines[i])))
      rc = TC_ENOMEM;
    else
      h = t;
  }
  if (rc == TC_OK && idem_key) {
    snprintf(idem, sizeof(idem), "Idempotency-Key: %s", idem_key);
    if (!(t = curl_slist_append(h, idem)))
      rc = TC_ENOMEM;
    else
      h = t;
  }
  sodium_memzero(auth, sizeof(auth));
  if (rc == TC_OK) {
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (!strcmp(method, "POST")) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->ptr ? form->ptr : "");
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form->size);
    } else {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    resp->cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
  }
  /* The header list holds the key: wipe it before freeing. */
  for (t = h; t; t = t->next)
    if (!strncmp(t->data, "Authorization:", 14))
      sodium_memzero(t->data, strlen(t->data));
  curl_slist_free_all(h);
  return rc;
}

static void set(tc_payment_result *r, tc_payment_outcome o, const char *status,
                const char *code, const char *msg) {
  r->outcome = o;
  tc__text_copy(r->status, sizeof(r->status), status);
  tc__text_copy(r->code, sizeof(r->code), code);
  tc__text_copy(r->message, sizeof(r->message), msg);
}

static const char *jstr(const cJSON *o, const char *name) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(it) && it->valuestring ? it->valuestring : NULL;
}

static const cJSON *jobj(const cJSON *o, const char *name) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsObject(it) ? it : NULL;
}

static int64_t jint(const cJSON *o, const char *name) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
  if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 9e15)
    return 0;
  return (int64_t)it->valuedouble;
}

/* The card's last four, wherever this answer put them. */
static void find_last4(const cJSON *pi, tc_payment_result *res) {
  const cJSON *card = NULL, *o;
  if ((o = jobj(pi, "latest_charge")) &&
      (o = jobj(o, "payment_method_details")))
    card = jobj(o, "card");
  if (!card && (o = jobj(pi, "payment_method"))) card = jobj(o, "card");
  const char *l4 = card ? jstr(card, "last4") : NULL;
  if (l4 && strlen(l4) == 4) tc__text_copy(res->card_last4, 5, l4);
}

enum { ST_AUTH, ST_CAPTURE, ST_VOID, ST_REFUND, ST_FETCH };

/* A 2xx answer: a PaymentIntent or a Refund. */
static void map_ok(int op, const cJSON *o, tc_payment_result *res) {
  const char *id = jstr(o, "id"), *status = jstr(o, "status");
  if (!id || !status) {
    set(res, TC_PAYMENT_TRANSIENT, "", "bad_response",
        "provider answered JSON without id or status");
    return;
  }
  tc__text_copy(res->provider_ref, sizeof(res->provider_ref), id);
  res->amount = jint(o, "amount");
  if (op == ST_REFUND) {
    if (!strcmp(status, "succeeded") || !strcmp(status, "pending"))
      set(res, TC_PAYMENT_APPROVED, status, "", "");
    else if (!strcmp(status, "requires_action"))
      set(res, TC_PAYMENT_TRANSIENT, status, "refund_pending", "");
    else
      set(res, TC_PAYMENT_DECLINED, status, "refund_failed",
          "the provider did not make the refund");
    return;
  }
  find_last4(o, res);
  if (op == ST_CAPTURE) res->amount = jint(o, "amount_received");
  if (op == ST_FETCH) {
    set(res, TC_PAYMENT_APPROVED, status, "", "");
    return;
  }
  bool ok = false;
  if (op == ST_AUTH)
    ok = !strcmp(status, "requires_capture") || !strcmp(status, "succeeded");
  else if (op == ST_CAPTURE)
    ok = !strcmp(status, "succeeded") || !strcmp(status, "requires_capture");
  else if (op == ST_VOID)
    ok = !strcmp(status, "canceled");
  if (ok) {
    set(res, TC_PAYMENT_APPROVED, status, "", "");
  } else if (!strcmp(status, "processing")) {
    set(res, TC_PAYMENT_TRANSIENT, status, "processing",
        "the provider is still processing the payment");
  } else if (op == ST_AUTH && (!strcmp(status, "requires_payment_method") ||
                               !strcmp(status, "requires_action") ||
                               !strcmp(status, "canceled"))) {
    const cJSON *err = jobj(o, "last_payment_error");
    const char *code = err ? jstr(err, "decline_code") : NULL;
    if (!code && err) code = jstr(err, "code");
    if (!code && !strcmp(status, "requires_action"))
      code = "authentication_required";
    set(res, TC_PAYMENT_DECLINED, status, code ? code : "card_declined",
        err && jstr(err, "message") ? jstr(err, "message") : "");
  } else {
    set(res, TC_PAYMENT_ERROR, status, "unexpected_status",
        "the payment is in a state that does not allow this");
  }
}

static void map_answer(stripe *s, int op, const http_resp *r,
                       tc_payment_result *res) {
  if (r->cc != CURLE_OK) {
    bool timeout = r->cc == CURLE_OPERATION_TIMEDOUT;
    bool tls =
        r->cc == CURLE_PEER_FAILED_VERIFICATION ||
        r->cc == CURLE_SSL_CONNECT_ERROR || r->cc == CURLE_SSL_CERTPROBLEM ||
        r->cc == CURLE_SSL_CACERT_BADFILE ||
        r->cc == CURLE_UNSUPPORTED_PROTOCOL || r->cc == CURLE_URL_MALFORMAT;
    if (r->too_big)
      set(res, TC_PAYMENT_TRANSIENT, "", "bad_response",
          "provider answer larger than 1 MiB");
    else
      set(res, tls ? TC_PAYMENT_ERROR : TC_PAYMENT_TRANSIENT, "",
          timeout ? "timeout"
          : tls   ? "tls_error"
                  : "connection_error",
          curl_easy_strerror(r->cc));
    return;
  }
  cJSON *root =
      r->body.ptr ? cJSON_ParseWithLength(r->body.ptr, r->body.size) : NULL;
  long st = r->status;
  if (st >= 200 && st < 300) {
    if (cJSON_IsObject(root))
      map_ok(op, root, res);
    else
      set(res, TC_PAYMENT_TRANSIENT, "", "bad_response",
          "provider answered something that is not a JSON object");
    cJSON_Delete(root);
    return;
  }
  const cJSON *err = cJSON_IsObject(root) ? jobj(root, "error") : NULL;
  const char *type = err ? jstr(err, "type") : NULL;
  const char *code = err ? jstr(err, "decline_code") : NULL;
  if (!code && err) code = jstr(err, "code");
  const char *msg = err ? jstr(err, "message") : NULL;
  /* A 401's text may echo part of the key: never pass it on. */
  if (st == 401 || (msg && strstr(msg, s->secret_key))) msg = NULL;
  char word[16];
  snprintf(word, sizeof(word), "http_%ld", st);
  if (st == 402 && type && !strcmp(type, "card_error")) {
    set(res, TC_PAYMENT_DECLINED, "failed", code ? code : "card_declined",
        msg ? msg : "");
    const cJSON *pi = jobj(err, "payment_intent");
    if (pi && jstr(pi, "id"))
      tc__text_copy(res->provider_ref, sizeof(res->provider_ref),
                    jstr(pi, "id"));
  } else if (st == 409 || st == 429 || st >= 500) {
    set(res, TC_PAYMENT_TRANSIENT, word, code ? code : word,
        msg ? msg : "the provider is busy or failing");
  } else {
    set(res, TC_PAYMENT_ERROR, word,
        code        ? code
        : st == 401 ? "authentication_failed"
                    : word,
        msg         ? msg
        : st == 401 ? "the provider refused the secret key"
                    : "the provider refused the request");
  }
  cJSON_Delete(root);
}

static int ref_ok(const char *ref) {
  if (!ref || !*ref || strlen(ref) > 100) return 0;
  for (const char *p = ref; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
      return 0;
  return 1;
}

/* Printable ASCII only: the key goes into a header line. */
static int key_ok(const char *key) {
  if (!key || !*key || strlen(key) > 255) return 0;
  for (const char *p = key; *p; p++)
    if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) return 0;
  return 1;
}

static int st_call(void *self, int op, const tc_payment_request *req,
                   tc_payment_result *res) {
  stripe *s = self;
  if (!req || !res) return TC_EINVAL;
  memset(res, 0, sizeof(*res));
  if (op != ST_FETCH && !key_ok(req->idempotency_key)) return TC_EINVAL;
  if (op != ST_AUTH && !ref_ok(req->provider_ref)) {
    set(res, TC_PAYMENT_ERROR, "", "invalid_request",
        "provider reference missing or malformed");
    return TC_OK;
  }
  CURL *c = curl_easy_init();
  if (!c) return TC_ENOMEM;
  tc_buf form = TC_BUF_INIT;
  char path[256], cur[4] = "";
  for (int i = 0; i < 3 && req->currency[i]; i++)
    cur[i] = (char)(req->currency[i] | 0x20); /* Stripe wants lower case */
  int rc = TC_OK;
  const char *method = "POST";
  switch (op) {
    case ST_AUTH:
      snprintf(path, sizeof(path), "/v1/payment_intents");
      rc = form_add_int(c, &form, "amount", req->amount);
      if (!rc) rc = form_add(c, &form, "currency", cur);
      if (!rc)
        rc = form_add(c, &form, "payment_method",
                      req->source ? req->source : "");
      if (!rc) rc = form_add(c, &form, "confirm", "true");
      if (!rc) rc = form_add(c, &form, "capture_method", "manual");
      if (!rc && req->payment_id)
        rc = form_add(c, &form, "metadata[payment_id]", req->payment_id);
      if (!rc && req->description)
        rc = form_add(c, &form, "description", req->description);
      break;
    case ST_CAPTURE:
      snprintf(path, sizeof(path), "/v1/payment_intents/%s/capture",
               req->provider_ref);
      if (req->amount > 0)
        rc = form_add_int(c, &form, "amount_to_capture", req->amount);
      break;
    case ST_VOID:
      snprintf(path, sizeof(path), "/v1/payment_intents/%s/cancel",
               req->provider_ref);
      break;
    case ST_REFUND:
      snprintf(path, sizeof(path), "/v1/refunds");
      rc = form_add(c, &form, "payment_intent", req->provider_ref);
      if (!rc && req->amount > 0)
        rc = form_add_int(c, &form, "amount", req->amount);
      if (!rc && req->payment_id)
        rc = form_add(c, &form, "metadata[payment_id]", req->payment_id);
      break;
    default:
      snprintf(path, sizeof(path), "/v1/payment_intents/%s", req->provider_ref);
      method = "GET";
      break;
  }
  http_resp r;
  memset(&r, 0, sizeof(r));
  if (rc == TC_OK)
    rc = http(s, c, method, path, &form,
              op == ST_FETCH ? NULL : req->idempotency_key, &r);
  if (rc == TC_OK) map_answer(s, op, &r, res);
  tc_buf_dispose(&r.body);
  tc_buf_dispose(&form);
  curl_easy_cleanup(c);
  return rc;
}

static int st_authorize(void *self, const tc_payment_request *req,
                        tc_payment_result *res) {
  return st_call(self, ST_AUTH, req, res);
}
static int st_capture(void *self, const tc_payment_request *req,
                      tc_payment_result *res) {
  return st_call(self, ST_CAPTURE, req, res);
}
static int st_void(void *self, const tc_payment_request *req,
                   tc_payment_result *res) {
  return st_call(self, ST_VOID, req, res);
}
static int st_refund(void *self, const tc_payment_request *req,
                     tc_payment_result *res) {
  return st_call(self, ST_REFUND, req, res);
}
static int st_fetch(void *self, const tc_payment_request *req,
                    tc_payment_result *res) {
  return st_call(self, ST_FETCH, req, res);
}

static int st_parse_webhook(void *self, const char *signature, const char *body,
                            size_t len, int64_t now_s, tc_payment_event *ev) {
  stripe *s = self;
  if (!s->webhook_secret) return TC_EDENIED;
  int64_t tol = __atomic_load_n(&s->tolerance_s, __ATOMIC_RELAXED);
  int rc =
      tc__pay_sig_verify(s->webhook_secret, signature, body, len, now_s, tol);
  return rc ? rc : tc__pay_event_parse(body, len, ev);
}

static void wipe_free(char *p) {
  if (!p) return;
  sodium_memzero(p, strlen(p));
  free(p);
}

static void st_free(void *self) {
  stripe *s = self;
  if (!s) return;
  free(s->base_url);
  wipe_free(s->secret_key);
  wipe_free(s->webhook_secret);
  free(s);
  tc_shutdown();
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int tc_payment_provider_stripe_new(tc_payment_provider **out,
                                   const tc_stripe_options *opts) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "stripe: out is NULL");
  *out = NULL;
  if (!opts || opts->version < 1 || opts->version > TC_STRIPE_OPTIONS_VERSION)
    return tc__set_thread_error(TC_EINVAL,
                                "stripe options: version is not supported");
  const char *base = opts->base_url ? opts->base_url : "https://api.stripe.com";
  if (strncmp(base, "https://", 8) && strncmp(base, "http://", 7))
    return tc__set_thread_error(TC_EINVAL,
                                "stripe options: base_url must start with "
                                "https:// (or http:// for a local fake)");
  if (strlen(base) > 512)
    return tc__set_thread_error(TC_EINVAL,
                                "stripe options: base_url is "
                                "longer than 512 bytes");
  if (!opts->secret_key || !*opts->secret_key || strlen(opts->secret_key) > 400)
    return tc__set_thread_error(TC_EINVAL,
                                "stripe options: secret_key is required (at "
                                "most 400 bytes)");
  for (const char *p = opts->secret_key; *p; p++)
    if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
      return tc__set_thread_error(TC_EINVAL,
                                  "stripe options: secret_key must be "
                                  "printable ASCII");
  if (opts->connect_timeout_ms < 0 || opts->timeout_ms < 0 ||
      opts->webhook_tolerance_s < 0)
    return tc__set_thread_error(TC_EINVAL,
                                "stripe options: timeouts and tolerance must "
                                "not be negative");
  int rc = tc_init(); /* libcurl's global init, reference-counted */
  if (rc) return rc;
  stripe *s = calloc(1, sizeof(*s));
  if (s) {
    s->base_url = dup_str(base);
    s->secret_key = dup_str(opts->secret_key);
    s->webhook_secret =
        opts->webhook_secret ? dup_str(opts->webhook_secret) : NULL;
  }
  if (!s || !s->base_url || !s->secret_key ||
      (opts->webhook_secret && !s->webhook_secret)) {
    st_free(s);
    if (!s) tc_shutdown();
    return tc__set_thread_error(TC_ENOMEM, "stripe: out of memory");
  }
  size_t n = strlen(s->base_url);
  while (n && s->base_url[n - 1] == '/') s->base_url[--n] = '\0';
  s->connect_ms =
      (long)(opts->connect_timeout_ms ? opts->connect_timeout_ms : 5000);
  s->timeout_ms = (long)(opts->timeout_ms ? opts->timeout_ms : 30000);
  s->tolerance_s = opts->webhook_tolerance_s ? opts->webhook_tolerance_s : 300;
  s->vt.version = TC_PAYMENT_PROVIDER_VERSION;
  s->vt.self = s;
  s->vt.name = "stripe";
  s->vt.authorize = st_authorize;
  s->vt.capture = st_capture;
  s->vt.void_auth = st_void;
  s->vt.refund = st_refund;
  s->vt.fetch = st_fetch;
  s->vt.parse_webhook = st_parse_webhook;
  s->vt.free = st_free;
  *out = &s->vt;
  return TC_OK;
}

void tc__pay_stripe_set_tolerance(tc_payment_provider *p, int64_t tol_s) {
  if (!p || p->authorize != st_authorize || tol_s <= 0) return;
  stripe *s = p->self;
  __atomic_store_n(&s->tolerance_s, tol_s, __ATOMIC_RELAXED);
}
