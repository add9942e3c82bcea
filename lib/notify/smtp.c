/*
 * lib/notify/smtp.c - the SMTP notifier over libcurl.
 *
 * libcurl speaks the protocol (EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO,
 * DATA with dot-stuffing); this file builds the message. TLS is verified
 * (peer and host) whenever it is used: smtps://, or smtp:// with starttls.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "notify_mime.h"
#include "notify_priv.h"

typedef struct smtp {
  tc_notifier port;
  char *url, *from, *from_addr, *username, *password, *ca_file;
  size_t password_len;
  int starttls;
  long timeout_ms, connect_timeout_ms;
  tc_clock clock;
} smtp;

static char *xstrdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

static void smtp_free(void *self) {
  smtp *s = self;
  if (!s) return;
  if (s->password) sodium_memzero(s->password, s->password_len);
  free(s->url);
  free(s->from);
  free(s->from_addr);
  free(s->username);
  free(s->password);
  free(s->ca_file);
  free(s);
  tc_shutdown();
}

/* The address inside "Name <addr>", or the whole text. */
static char *addr_of(const char *from) {
  const char *lt = strrchr(from, '<');
  const char *gt = lt ? strchr(lt, '>') : NULL;
  if (!lt || !gt) return xstrdup(from);
  char *a = malloc((size_t)(gt - lt));
  if (!a) return NULL;
  memcpy(a, lt + 1, (size_t)(gt - lt - 1));
  a[gt - lt - 1] = '\0';
  return a;
}

typedef struct reader {
  const char *p;
  size_t left;
} reader;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud) {
  reader *r = ud;
  size_t n = size * nitems;
  if (n > r->left) n = r->left;
  memcpy(buf, r->p, n);
  r->p += n;
  r->left -= n;
  return n;
}

/* "Name <addr>" with the name encoded when it is not plain ASCII. */
static int put_from(tc_buf *b, const char *from, const char *addr) {
  const char *lt = strrchr(from, '<');
  if (!lt) return tc_buf_puts(b, from);
  size_t n = (size_t)(lt - from);
  while (n && from[n - 1] == ' ') n--;
  char name[256];
  snprintf(name, sizeof(name), "%.*s", (int)n, from);
  int rc = tc__mime_encode_words(b, name);
  if (rc == TC_OK) rc = tc_buf_puts(b, " <");
  if (rc == TC_OK) rc = tc_buf_puts(b, addr);
  if (rc == TC_OK) rc = tc_buf_puts(b, ">");
  return rc;
}

static int build(const smtp *s, const tc_notification *n, const char *from,
                 const char *from_addr, tc_buf *b, char *msgid,
                 size_t msgid_size) {
  unsigned char h[16];
  char hex[33], date[64];
  const char *key = n->idempotency_key ? n->idempotency_key : n->id;
  crypto_generichash(h, sizeof(h), (const unsigned char *)key, strlen(key),
                     NULL, 0);
  sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
  /* Same key, same Message-ID: receivers can drop a duplicate. */
  const char *at = strrchr(from_addr, '@');
  snprintf(msgid, msgid_size, "<%s@%.200s>", hex,
           at && at[1] ? at + 1 : "localhost");
  tc__mime_date(date, sizeof(date), s->clock.now_ms(s->clock.self));
  int rc = tc_buf_puts(b, "Date: ");
  if (!rc) rc = tc_buf_puts(b, date);
  if (!rc) rc = tc_buf_puts(b, "\r\nFrom: ");
  if (!rc) rc = put_from(b, from, from_addr);
  if (!rc) rc = tc_buf_puts(b, "\r\nTo: <");
  if (!rc) rc = tc_buf_puts(b, n->recipient);
  if (!rc) rc = tc_buf_puts(b, ">\r\nSubject: ");
  if (!rc) rc = tc__mime_encode_words(b, n->subject ? n->subject : "");
  if (!rc) rc = tc_buf_puts(b, "\r\nMessage-ID: ");
  if (!rc) rc = tc_buf_puts(b, msgid);
  if (!rc) rc = tc_buf_puts(b, "\r\nMIME-Version: 1.0\r\n");
  const char *plain =
      "Content-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  if (!n->body_html) {
    if (!rc) rc = tc_buf_puts(b, plain);
    if (!rc) rc = tc__mime_qp(b, n->body_text);
    return rc;
  }
  char boundary[64];
  snprintf(boundary, sizeof(boundary), "=_tc_%s", hex);
  if (!rc)
    rc = tc_buf_puts(b,
                     "Content-Type: multipart/alternative; "
                     "boundary=\"");
  if (!rc) rc = tc_buf_puts(b, boundary);
  if (!rc) rc = tc_buf_puts(b, "\"\r\n\r\n--");
  if (!rc) rc = tc_buf_puts(b, boundary);
  if (!rc) rc = tc_buf_puts(b, "\r\n");
  if (!rc) rc = tc_buf_puts(b, plain);
  if (!rc) rc = tc__mime_qp(b, n->body_text);
  if (!rc) rc = tc_buf_puts(b, "--");
  if (!rc) rc = tc_buf_puts(b, boundary);
  if (!rc)
    rc = tc_buf_puts(b,
                     "\r\nContent-Type: text/html; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: "
                     "quoted-printable\r\n\r\n");
  if (!rc) rc = tc__mime_qp(b, n->body_html);
  if (!rc) rc = tc_buf_puts(b, "--");
  if (!rc) rc = tc_buf_puts(b, boundary);
  if (!rc) rc = tc_buf_puts(b, "--\r\n");
  return rc;
}

/* Map curl's result and the last SMTP reply to the notifier codes. */
static int classify(CURLcode cr, long reply, char *err, size_t err_size) {
  if (cr == CURLE_OK) return TC_OK;
  snprintf(err, err_size, "smtp: %s (reply %ld)", curl_easy_strerror(cr),
           reply);
  if (cr == CURLE_OPERATION_TIMEDOUT) return TC_ETIMEOUT;
  if (reply >= 500) return TC_EPROVIDER;
  if (reply >= 400) return TC_EUNAVAILABLE;
  if (cr == CURLE_LOGIN_DENIED || cr == CURLE_URL_MALFORMAT ||
      cr == CURLE_UNSUPPORTED_PROTOCOL ||
      cr == CURLE_PEER_FAILED_VERIFICATION || cr == CURLE_USE_SSL_FAILED)
    return TC_EPROVIDER;
  return TC_EUNAVAILABLE; /* connection trouble: try again later */
}

static int smtp_send(void *self, const tc_notification *n, char *ref,
                     size_t ref_size, char *err, size_t err_size) {
  smtp *s = self;
  if (ref_size) ref[0] = '\0';
  if (!n || !n->channel || strcmp(n->channel, "email")) {
    snprintf(err, err_size, "the SMTP notifier serves only email");
    return TC_EUNSUPPORTED;
  }
  if (!n->recipient || !strchr(n->recipient, '@') ||
      strpbrk(n->recipient, "<>\r\n, ") || !n->body_text) {
    snprintf(err, err_size, "recipient is not an e-mail address");
    return TC_EINVAL;
  }
  /* From: the notifier's own, else the module's sender (metadata). */
  char mfrom[256] = "", maddr[256] = "";
  const char *from = s->from, *from_addr = s->from_addr;
  if (!from) {
    cJSON *mo = n->metadata ? cJSON_Parse(n->metadata) : NULL;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(mo, "from");
    if (cJSON_IsString(f)) snprintf(mfrom, sizeof(mfrom), "%s", f->valuestring);
    cJSON_Delete(mo);
    char *a = mfrom[0] ? addr_of(mfrom) : NULL;
    if (a) snprintf(maddr, sizeof(maddr), "%s", a);
    free(a);
    from = mfrom;
    from_addr = maddr;
  }
  if (!strchr(from_addr, '@') || strpbrk(from, "\r\n") ||
      strpbrk(from_addr, "<>\r\n ")) {
    snprintf(err, err_size, "no valid From address");
    return TC_EINVAL;
  }
  tc_buf b = TC_BUF_INIT;
  char msgid[300];
  if (build(s, n, from, from_addr, &b, msgid, sizeof(msgid))) {
    tc_buf_dispose(&b);
    snprintf(err, err_size, "out of memory");
    return TC_EUNAVAILABLE;
  }
  CURL *c = curl_easy_init();
  char rcpt[TC__NOTIFY_RECIPIENT_MAX + 3], envfrom[300];
  snprintf(rcpt, sizeof(rcpt), "<%s>", n->recipient);
  snprintf(envfrom, sizeof(envfrom), "<%s>", from_addr);
  struct curl_slist *to = c ? curl_slist_append(NULL, rcpt) : NULL;
  if (!c || !to) {
    curl_slist_free_all(to);
    if (c) curl_easy_cleanup(c);
    sodium_memzero(b.ptr, b.size);
    tc_buf_dispose(&b);
    snprintf(err, err_size, "out of memory");
    return TC_EUNAVAILABLE;
  }
  reader r = {b.ptr, b.size};
  curl_easy_setopt(c, CURLOPT_URL, s->url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#endif
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, envfrom);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &r);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (s->starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  if (s->ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
  if (s->username) {
    curl_easy_setopt(c, CURLOPT_USERNAME, s->username);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s->password ? s->password : "");
  }
  CURLcode cr = curl_easy_perform(c);
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(to);
  curl_easy_cleanup(c);
  /* The body may hold a one-time token. */
  sodium_memzero(b.ptr, b.size);
  tc_buf_dispose(&b);
  int rc = classify(cr, reply, err, err_size);
  if (rc == TC_OK) snprintf(ref, ref_size, "%s", msgid);
  return rc;
}

static int64_t sys_now(void *self) {
  (void)self;
  return tc__system_clock.now_ms(tc__system_clock.self);
}

int tc_notify_smtp_new(tc_notifier **out, const tc_notify_smtp_options *o) {
  if (!out) return TC_EINVAL;
  *out = NULL;
  if (!o || o->version < 1 || o->version > TC_NOTIFY_SMTP_OPTIONS_VERSION)
    return tc__set_thread_error(TC_EINVAL, "smtp options: bad version");
  if (!o->url ||
      (strncmp(o->url, "smtp://", 7) && strncmp(o->url, "smtps://", 8)))
    return tc__set_thread_error(TC_EINVAL,
                                "url must start with smtp:// or smtps://");
  if (o->from && (!strchr(o->from, '@') || strpbrk(o->from, "\r\n") ||
                  strlen(o->from) > 250))
    return tc__set_thread_error(TC_EINVAL, "from must be an address");
  if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
    return tc__set_thread_error(TC_EINVAL, "timeouts must not be negative");
  if (tc_init()) return TC_ERROR;
  smtp *s = calloc(1, sizeof(*s));
  if (!s) {
    tc_shutdown();
    return TC_ENOMEM;
  }
  s->url = xstrdup(o->url);
  s->from = xstrdup(o->from);
  s->from_addr = o->from ? addr_of(o->from) : NULL;
  s->username = xstrdup(o->username);
  s->password = xstrdup(o->password);
  s->password_len = o->password ? strlen(o->password) : 0;
  s->ca_file = xstrdup(o->ca_file);
  s->starttls = o->starttls;
  s->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
  s->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
  if (o->clock && o->clock->now_ms) {
    s->clock = *o->clock;
  } else {
    s->clock.version = TC_CLOCK_VERSION;
    s->clock.now_ms = sys_now;
  }
  if (!s->url || (o->from && (!s->from || !s->from_addr)) ||
      (o->username && !s->username) || (o->password && !s->password) ||
      (o->ca_file && !s->ca_file)) {
    smtp_free(s);
    return TC_ENOMEM;
  }
  s->port.version = TC_NOTIFIER_VERSION;
  s->port.self = s;
  s->port.name = "smtp";
  s->port.send = smtp_send;
  s->port.free = smtp_free;
  *out = &s->port;
  return TC_OK;
}
