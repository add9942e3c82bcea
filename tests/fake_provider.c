/*
 * tests/fake_provider.c - see fake_provider.h. Plain sockets and one
 * thread; a poll() with a short timeout lets fp_stop() end it.
 */
#include "fake_provider.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FP_MAX_REQ 256
#define FP_MAX_INTENTS 64
#define FP_MAX_SCRIPT 32
#define FP_MAX_STORED 128

typedef struct fp_intent {
  char id[32];
  char status[32];
  char currency[8];
  long long amount, received, refunded;
  int fetches;
} fp_intent;

typedef struct fp_stored {
  char key[256];
  char path[256];
  int status;
  char body[2048];
} fp_stored;

typedef struct fp_scripted {
  int status;
  char body[2048];
  int delay_ms;
} fp_scripted;

struct fake_provider {
  int fd;
  char url[64];
  pthread_t thread;
  pthread_mutex_t lock;
  volatile int stop;
  fp_request reqs[FP_MAX_REQ];
  size_t nreqs;
  fp_intent intents[FP_MAX_INTENTS];
  int nintents;
  fp_stored stored[FP_MAX_STORED];
  int nstored;
  fp_scripted script[FP_MAX_SCRIPT];
  int nscript;
  int charges, captures, refunds, nrefund_ids;
};

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) && errno == EINTR) {
  }
}

/* Value of name in an x-www-form-urlencoded body (decoded, brackets
 * included in names as sent: "metadata%5Bpayment_id%5D" is not decoded
 * in names, which tests do not need). */
static bool form_get(const char *body, const char *name, char *out,
                     size_t size) {
  size_t n = strlen(name);
  const char *p = body;
  while (p && *p) {
    if (!strncmp(p, name, n) && p[n] == '=') {
      p += n + 1;
      size_t o = 0;
      while (*p && *p != '&' && o + 1 < size) {
        if (*p == '%' && p[1] && p[2]) {
          char hex[3] = {p[1], p[2], 0};
          out[o++] = (char)strtol(hex, NULL, 16);
          p += 3;
        } else {
          out[o++] = *p == '+' ? ' ' : *p;
          p++;
        }
      }
      out[o] = '\0';
      return true;
    }
    p = strchr(p, '&');
    if (p) p++;
  }
  return false;
}

static fp_intent *find_intent(fake_provider *fp, const char *id) {
  for (int i = 0; i < fp->nintents; i++)
    if (!strcmp(fp->intents[i].id, id)) return &fp->intents[i];
  return NULL;
}

static int intent_json(char *out, size_t size, const fp_intent *in) {
  snprintf(out, size,
           "{\"id\":\"%s\",\"object\":\"payment_intent\",\"status\":\"%s\","
           "\"amount\":%lld,\"amount_received\":%lld,\"currency\":\"%s\","
           "\"payment_method\":{\"id\":\"pm_1\",\"card\":{\"last4\":"
           "\"4242\"}}}",
           in->id, in->status, in->amount, in->received, in->currency);
  return 200;
}

static int error_json(char *out, size_t size, int status, const char *type,
                      const char *code, const char *msg) {
  snprintf(out, size,
           "{\"error\":{\"type\":\"%s\",\"code\":\"%s\",\"message\":\"%s\"}}",
           type, code, msg);
  return status;
}

/* "/v1/payment_intents/<id><suffix>" exactly: the id into out. */
static bool path_id(const char *path, const char *suffix, char *out,
                    size_t size) {
  const char *pre = "/v1/payment_intents/";
  size_t np = strlen(pre), ns = strlen(suffix), n = strlen(path);
  if (strncmp(path, pre, np) || n <= np + ns || strcmp(path + n - ns, suffix))
    return false;
  size_t len = n - np - ns;
  if (len >= size || memchr(path + np, '/', len)) return false;
  memcpy(out, path + np, len);
  out[len] = '\0';
  return true;
}

/* Normal handling: a tiny Stripe. Caller holds the lock. */
static int handle(fake_provider *fp, const fp_request *rq, char *out,
                  size_t size) {
  char v[256];
  if (strcmp(rq->authorization, "Bearer " FP_SECRET))
    return error_json(out, size, 401, "invalid_request_error",
                      "api_key_invalid", "Invalid API Key provided");
  if (!strcmp(rq->method, "POST") && !strcmp(rq->path, "/v1/payment_intents")) {
    char pm[128] = "", amount[32] = "", cur[8] = "";
    form_get(rq->body, "payment_method", pm, sizeof(pm));
    form_get(rq->body, "amount", amount, sizeof(amount));
    form_get(rq->body, "currency", cur, sizeof(cur));
    if (!*amount || !*cur || !form_get(rq->body, "confirm", v, sizeof(v)))
      return error_json(out, size, 400, "invalid_request_error",
                        "parameter_missing", "Missing amount or currency");
    if (!strcmp(pm, "pm_card_chargeDeclined"))
      return error_json(out, size, 402, "card_error", "card_declined",
                        "Your card was declined.");
    if (!strcmp(pm, "pm_card_insufficientFunds")) {
      snprintf(out, size,
               "{\"error\":{\"type\":\"card_error\",\"code\":"
               "\"card_declined\",\"decline_code\":\"insufficient_funds\","
               "\"message\":\"Your card has insufficient funds.\"}}");
      return 402;
    }
    if (fp->nintents >= FP_MAX_INTENTS)
      return error_json(out, size, 500, "api_error", "full", "full");
    fp_intent *in = &fp->intents[fp->nintents++];
    memset(in, 0, sizeof(*in));
    snprintf(in->id, sizeof(in->id), "pi_fake_%d", fp->nintents);
    snprintf(in->status, sizeof(in->status), "%s",
             !strcmp(pm, "pm_processing") ? "processing" : "requires_capture");
    snprintf(in->currency, sizeof(in->currency), "%s", cur);
    in->amount = atoll(amount);
    fp->charges++;
    return intent_json(out, size, in);
  }
  char id[64];
  if (!strcmp(rq->method, "POST") &&
      path_id(rq->path, "/capture", id, sizeof(id))) {
    fp_intent *in = find_intent(fp, id);
    if (!in)
      return error_json(out, size, 404, "invalid_request_error",
                        "resource_missing", "No such payment_intent");
    long long amt = in->amount - in->received;
    if (form_get(rq->body, "amount_to_capture", v, sizeof(v))) amt = atoll(v);
    if (strcmp(in->status, "requires_capture") || amt <= 0 ||
        amt > in->amount - in->received)
      return error_json(out, size, 400, "invalid_request_error",
                        "payment_intent_unexpected_state", "Cannot capture");
    in->received += amt;
    snprintf(in->status, sizeof(in->status), "succeeded");
    fp->captures++;
    return intent_json(out, size, in);
  }
  if (!strcmp(rq->method, "POST") &&
      path_id(rq->path, "/cancel", id, sizeof(id))) {
    fp_intent *in = find_intent(fp, id);
    if (!in || strcmp(in->status, "requires_capture"))
      return error_json(out, size, 400, "invalid_request_error",
                        "payment_intent_unexpected_state", "Cannot cancel");
    snprintf(in->status, sizeof(in->status), "canceled");
    return intent_json(out, size, in);
  }
  if (!strcmp(rq->method, "POST") && !strcmp(rq->path, "/v1/refunds")) {
    form_get(rq->body, "payment_intent", id, sizeof(id));
    fp_intent *in = find_intent(fp, id);
    if (!in)
      return error_json(out, size, 404, "invalid_request_error",
                        "resource_missing", "No such payment_intent");
    long long amt = in->received - in->refunded;
    if (form_get(rq->body, "amount", v, sizeof(v))) amt = atoll(v);
    if (amt <= 0 || amt > in->received - in->refunded)
      return error_json(out, size, 400, "invalid_request_error",
                        "amount_too_large", "Refund is too large");
    in->refunded += amt;
    fp->refunds++;
    snprintf(out, size,
             "{\"id\":\"re_fake_%d\",\"object\":\"refund\",\"status\":"
             "\"succeeded\",\"amount\":%lld,\"payment_intent\":\"%s\"}",
             ++fp->nrefund_ids, amt, in->id);
    return 200;
  }
  if (!strcmp(rq->method, "GET") && path_id(rq->path, "", id, sizeof(id))) {
    fp_intent *in = find_intent(fp, id);
    if (!in)
      return error_json(out, size, 404, "invalid_request_error",
                        "resource_missing", "No such payment_intent");
    /* "processing" settles once looked at. */
    if (!strcmp(in->status, "processing") && in->fetches++ >= 0)
      snprintf(in->status, sizeof(in->status), "requires_capture");
    return intent_json(out, size, in);
  }
  return error_json(out, size, 404, "invalid_request_error", "not_found",
                    "Unrecognized request URL");
}

static void header_value(const char *headers, const char *name, char *out,
                         size_t size) {
  out[0] = '\0';
  size_t n = strlen(name);
  for (const char *p = headers; p && *p; p = strstr(p, "\r\n")) {
    if (p[0] == '\r') p += 2;
    if (!strncasecmp(p, name, n) && p[n] == ':') {
      p += n + 1;
      while (*p == ' ') p++;
      size_t o = 0;
      while (*p && *p != '\r' && o + 1 < size) out[o++] = *p++;
      out[o] = '\0';
      return;
    }
  }
}

static void send_all(int c, const char *s, size_t n) {
  while (n) {
    ssize_t w = send(c, s, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static void serve(fake_provider *fp, int c) {
  char buf[8192];
  size_t got = 0;
  char *end = NULL;
  while (got + 1 < sizeof(buf)) {
    ssize_t r = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
    if (r <= 0) return;
    got += (size_t)r;
    buf[got] = '\0';
    if ((end = strstr(buf, "\r\n\r\n"))) break;
  }
  if (!end) return;
  char cl[32];
  *end = '\0';
  header_value(buf, "Content-Length", cl, sizeof(cl));
  size_t want = (size_t)atol(cl), have = got - (size_t)(end + 4 - buf);
  while (have < want && got + 1 < sizeof(buf)) {
    ssize_t r = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
    if (r <= 0) break;
    got += (size_t)r;
    have += (size_t)r;
  }
  buf[got] = '\0';
  fp_request rq;
  memset(&rq, 0, sizeof(rq));
  sscanf(buf, "%7s %255s", rq.method, rq.path);
  header_value(buf, "Idempotency-Key", rq.idempotency_key,
               sizeof(rq.idempotency_key));
  header_value(buf, "Authorization", rq.authorization,
               sizeof(rq.authorization));
  header_value(buf, "Content-Type", rq.content_type, sizeof(rq.content_type));
  snprintf(rq.body, sizeof(rq.body), "%.*s", (int)want, end + 4);

  pthread_mutex_lock(&fp->lock);
  fp_scripted sc = {0, "", 0};
  bool scripted = fp->nscript > 0;
  if (scripted) {
    sc = fp->script[0];
    memmove(fp->script, fp->script + 1,
            (size_t)(fp->nscript - 1) * sizeof(fp->script[0]));
    fp->nscript--;
  }
  pthread_mutex_unlock(&fp->lock);
  if (sc.delay_ms) sleep_ms(sc.delay_ms);

  char out[2048];
  int status;
  pthread_mutex_lock(&fp->lock);
  if (scripted && sc.status != 0) {
    status = sc.status;
    snprintf(out, sizeof(out), "%s", sc.body);
  } else {
    fp_stored *st = NULL;
    for (int i = 0; rq.idempotency_key[0] && i < fp->nstored; i++)
      if (!strcmp(fp->stored[i].key, rq.idempotency_key) &&
          !strcmp(fp->stored[i].path, rq.path))
        st = &fp->stored[i];
    if (st) {
      status = st->status;
      snprintf(out, sizeof(out), "%s", st->body);
      rq.replayed = 1;
    } else {
      status = handle(fp, &rq, out, sizeof(out));
      if (rq.idempotency_key[0] && fp->nstored < FP_MAX_STORED &&
          status != 401) {
        st = &fp->stored[fp->nstored++];
        snprintf(st->key, sizeof(st->key), "%s", rq.idempotency_key);
        snprintf(st->path, sizeof(st->path), "%s", rq.path);
        st->status = status;
        snprintf(st->body, sizeof(st->body), "%s", out);
      }
    }
  }
  if (fp->nreqs < FP_MAX_REQ) fp->reqs[fp->nreqs++] = rq;
  pthread_mutex_unlock(&fp->lock);
  if (status < 0) return; /* scripted: close without an answer */
  char head[256];
  int n = snprintf(head, sizeof(head),
                   "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                   status, strlen(out));
  send_all(c, head, (size_t)n);
  send_all(c, out, strlen(out));
}

static void *run(void *arg) {
  fake_provider *fp = arg;
  while (!fp->stop) {
    struct pollfd p = {fp->fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    int c = accept(fp->fd, NULL, NULL);
    if (c < 0) continue;
    serve(fp, c);
    close(c);
  }
  return NULL;
}

fake_provider *fp_start(void) {
  fake_provider *fp = calloc(1, sizeof(*fp));
  if (!fp) return NULL;
  pthread_mutex_init(&fp->lock, NULL);
  fp->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int one = 1;
  setsockopt(fp->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (fp->fd < 0 || bind(fp->fd, (struct sockaddr *)&a, sizeof(a)) ||
      listen(fp->fd, 16) || getsockname(fp->fd, (struct sockaddr *)&a, &len) ||
      pthread_create(&fp->thread, NULL, run, fp)) {
    if (fp->fd >= 0) close(fp->fd);
    pthread_mutex_destroy(&fp->lock);
    free(fp);
    return NULL;
  }
  snprintf(fp->url, sizeof(fp->url), "http://127.0.0.1:%u",
           (unsigned)ntohs(a.sin_port));
  return fp;
}

void fp_stop(fake_provider *fp) {
  if (!fp) return;
  fp->stop = 1;
  pthread_join(fp->thread, NULL);
  close(fp->fd);
  pthread_mutex_destroy(&fp->lock);
  free(fp);
}

const char *fp_url(const fake_provider *fp) {
  return fp->url;
}

void fp_script(fake_provider *fp, int status, const char *body, int delay_ms) {
  pthread_mutex_lock(&fp->lock);
  if (fp->nscript < FP_MAX_SCRIPT) {
    fp_scripted *s = &fp->script[fp->nscript++];
    s->status = status;
    snprintf(s->body, sizeof(s->body), "%s", body ? body : "");
    s->delay_ms = delay_ms;
  }
  pthread_mutex_unlock(&fp->lock);
}

size_t fp_count(fake_provider *fp) {
  pthread_mutex_lock(&fp->lock);
  size_t n = fp->nreqs;
  pthread_mutex_unlock(&fp->lock);
  return n;
}

fp_request fp_request_at(fake_provider *fp, size_t i) {
  fp_request r;
  memset(&r, 0, sizeof(r));
  pthread_mutex_lock(&fp->lock);
  if (i < fp->nreqs) r = fp->reqs[i];
  pthread_mutex_unlock(&fp->lock);
  return r;
}

#define FP_COUNTER(fn, field)        \
  int fn(fake_provider *fp) {        \
    pthread_mutex_lock(&fp->lock);   \
    int n = fp->field;               \
    pthread_mutex_unlock(&fp->lock); \
    return n;                        \
  }
FP_COUNTER(fp_charges, charges)
FP_COUNTER(fp_captures, captures)
FP_COUNTER(fp_refunds, refunds)
