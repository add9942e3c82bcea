/*
 * tests/test_notify_delivery.c - the SMTP and HTTP notifiers against
 * loopback sinks (tests/sinks.c): what went over the wire, signatures,
 * MIME, encoded subjects, and how failures are classified.
 */
#include <sodium.h>
#include <stdio.h>

#include "sinks.h"
#include "testutil.h"

#define T0 1700000000000LL /* Tue, 14 Nov 2023 22:13:20 +0000 */

static tt_clock clk;
static char dir[4096];

static tc_ctx *setup(tc_notifier *email, int email_idem, tc_notifier *sms) {
  tt_clock_init(&clk, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  tc_notify_options o = TC_NOTIFY_OPTIONS_INIT;
  o.channels[TC_NOTIFY_EMAIL].notifier = email;
  o.channels[TC_NOTIFY_EMAIL].idempotent = email_idem;
  o.channels[TC_NOTIFY_SMS].notifier = sms;
  o.channels[TC_NOTIFY_SMS].idempotent = 1;
  o.retry.max_attempts = 3;
  ck_assert_int_eq(tc_notify_configure(ctx, &o), TC_OK);
  return ctx;
}

typedef struct status_seen {
  tc_notify_status status;
  char reason[256];
  char ref[256];
} status_seen;

static int status_cb(const tc_notify_history_item *it, void *p) {
  status_seen *s = p;
  s->status = it->status;
  snprintf(s->reason, sizeof(s->reason), "%s", it->reason);
  snprintf(s->ref, sizeof(s->ref), "%s", it->provider_ref);
  return 0;
}

static status_seen status_of(tc_ctx *ctx, const char *id) {
  status_seen s;
  memset(&s, 0, sizeof(s));
  tc_principal sys = tt_system();
  ck_assert_int_eq(tc_notify_history_get(ctx, &sys, id, status_cb, &s), TC_OK);
  return s;
}

/* Decode an RFC 2047 "=?UTF-8?B?...?=" sequence (folded) into out. */
static void decode_words(const char *hdr, char *out, size_t size) {
  size_t o = 0;
  const char *p = hdr;
  while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
    p += 10;
    const char *e = strstr(p, "?=");
    ck_assert_ptr_nonnull(e);
    size_t len = 0;
    ck_assert_int_eq(sodium_base642bin((unsigned char *)out + o, size - o - 1,
                                       p, (size_t)(e - p), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    o += len;
    p = e + 2;
  }
  out[o] = '\0';
}

START_TEST(smtp_delivers_mime_message) {
  tt_smtp_sink sink;
  ck_assert_int_eq(tt_smtp_sink_start(&sink), 0);
  char url[64];
  snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", sink.port);
  tc_notify_smtp_options so = TC_NOTIFY_SMTP_OPTIONS_INIT;
  so.url = url;
  so.from = "Loja Técnica <loja@techcorp.example>";
  so.clock = &clk.clock;
  tc_notifier *smtp = NULL;
  tt_clock_init(&clk, T0);
  ck_assert_int_eq(tc_notify_smtp_new(&smtp, &so), TC_OK);
  tc_ctx *ctx = setup(smtp, 0, NULL);
  tc_notify_template t = {
      "welcome",
      TC_NOTIFY_EMAIL,
      "pt-BR",
      "Olá {{name}}, seu pedido está confirmado — obrigado pela preferência!",
      "Olá {{name}}!\n.linha que começa com ponto\nFim = ok",
      "<p>Olá {{name}} &amp; cia</p>",
      0,
      0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_OK);
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "welcome";
  q.recipient = "cliente@example.com";
  q.locale = "pt-BR";
  q.variables = "{\"name\":\"Zé <Silva>\"}";
  q.idempotency_key = "welcome-1";
  tc_notify_result r;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  status_seen st = status_of(ctx, r.id);
  ck_assert_msg(st.status == TC_NOTIFY_SENT, "status %d: %s", st.status,
                st.reason);
  ck_assert_int_eq(sink.count, 1);
  const tt_smtp_msg *m = &sink.msgs[0];
  ck_assert_ptr_nonnull(strstr(m->mail_from, "<loja@techcorp.example>"));
  ck_assert_int_eq(m->nrcpt, 1);
  ck_assert_str_eq(m->rcpt[0], "<cliente@example.com>");
  const char *d = m->data;
  ck_assert_ptr_nonnull(strstr(d, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
  ck_assert_ptr_nonnull(strstr(d, "To: <cliente@example.com>\r\n"));
  ck_assert_ptr_nonnull(strstr(d, "MIME-Version: 1.0\r\n"));
  /* Message-ID is the provider ref and derived from the key. */
  char mid[300];
  snprintf(mid, sizeof(mid), "Message-ID: %s\r\n", st.ref);
  ck_assert_ptr_nonnull(strstr(d, mid));
  ck_assert_ptr_nonnull(strstr(st.ref, "@techcorp.example>"));
  /* From display name and subject are RFC 2047 words, no raw UTF-8. */
  ck_assert_ptr_nonnull(strstr(d, "From: =?UTF-8?B?"));
  const char *subj = strstr(d, "Subject: ");
  ck_assert_ptr_nonnull(subj);
  const char *subj_end = strstr(subj, "\r\nMessage-ID:");
  ck_assert_ptr_nonnull(subj_end);
  char hdr[1024], decoded[1024];
  snprintf(hdr, sizeof(hdr), "%.*s", (int)(subj_end - subj), subj);
  ck_assert_ptr_nonnull(strstr(hdr, "\r\n =?UTF-8?B?")); /* folded */
  for (const char *c = hdr; *c; c++) ck_assert_int_lt((unsigned char)*c, 0x80);
  decode_words(hdr, decoded, sizeof(decoded));
  ck_assert_str_eq(decoded,
                   "Olá Zé <Silva>, seu pedido está confirmado — "
                   "obrigado pela preferência!");
  /* multipart/alternative with text then html, quoted-printable. */
  ck_assert_ptr_nonnull(
      strstr(d, "Content-Type: multipart/alternative; boundary=\""));
  const char *tp = strstr(d, "Content-Type: text/plain; charset=UTF-8");
  const char *hp = strstr(d, "Content-Type: text/html; charset=UTF-8");
  ck_assert_ptr_nonnull(tp);
  ck_assert_ptr_nonnull(hp);
  ck_assert(tp < hp);
  ck_assert_ptr_nonnull(strstr(tp, "Ol=C3=A1 Z=C3=A9 <Silva>!\r\n"));
  /* The dot line survived SMTP dot-stuffing; '=' is encoded. */
  ck_assert_ptr_nonnull(strstr(tp, "\r\n.linha que come=C3=A7a com ponto\r\n"));
  ck_assert_ptr_nonnull(strstr(tp, "Fim =3D ok"));
  ck_assert_ptr_nonnull(strstr(hp, "Z=C3=A9 &lt;Silva&gt; &amp; cia"));
  ck_assert_ptr_nonnull(strstr(d, "--\r\n")); /* closing boundary */
  tt_ctx_free(ctx, dir);
  smtp->free(smtp->self);
  tt_smtp_sink_stop(&sink);
}
END_TEST

START_TEST(smtp_refusals_are_classified) {
  tt_smtp_sink sink;
  ck_assert_int_eq(tt_smtp_sink_start(&sink), 0);
  char url[64];
  snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", sink.port);
  tc_notify_smtp_options so = TC_NOTIFY_SMTP_OPTIONS_INIT;
  so.url = url;
  so.from = "shop@techcorp.example";
  tc_notifier *smtp = NULL;
  ck_assert_int_eq(tc_notify_smtp_new(&smtp, &so), TC_OK);
  tc_notification msg = {1,    "m1", "email", "x@example.com", "Hi", "Body",
                         NULL, "k1", NULL};
  char ref[128], err[256];
  sink.rcpt_reply = 451;
  ck_assert_int_eq(
      smtp->send(smtp->self, &msg, ref, sizeof(ref), err, sizeof(err)),
      TC_EUNAVAILABLE);
  sink.rcpt_reply = 550;
  ck_assert_int_eq(
      smtp->send(smtp->self, &msg, ref, sizeof(ref), err, sizeof(err)),
      TC_EPROVIDER);
  ck_assert_ptr_nonnull(strstr(err, "550"));
  sink.rcpt_reply = 0;
  ck_assert_int_eq(
      smtp->send(smtp->self, &msg, ref, sizeof(ref), err, sizeof(err)), TC_OK);
  /* Not email, or a bad address: refused before any connection. */
  msg.channel = "sms";
  ck_assert_int_eq(
      smtp->send(smtp->self, &msg, ref, sizeof(ref), err, sizeof(err)),
      TC_EUNSUPPORTED);
  msg.channel = "email";
  msg.recipient = "x@example.com>\r\nRCPT TO:<y@evil>";
  ck_assert_int_eq(
      smtp->send(smtp->self, &msg, ref, sizeof(ref), err, sizeof(err)),
      TC_EINVAL);
  ck_assert_int_eq(sink.count, 1);
  smtp->free(smtp->self);
  tt_smtp_sink_stop(&sink);
  /* Nobody listening: transient. */
  tc_notifier *dead = NULL;
  ck_assert_int_eq(tc_notify_smtp_new(&dead, &so), TC_OK);
  msg.recipient = "x@example.com";
  ck_assert_int_eq(
      dead->send(dead->self, &msg, ref, sizeof(ref), err, sizeof(err)),
      TC_EUNAVAILABLE);
  dead->free(dead->self);
  /* Options are checked. */
  so.url = "http://127.0.0.1";
  ck_assert_int_eq(tc_notify_smtp_new(&dead, &so), TC_EINVAL);
}
END_TEST

START_TEST(smtp_takes_the_module_sender) {
  tt_smtp_sink sink;
  ck_assert_int_eq(tt_smtp_sink_start(&sink), 0);
  char url[64];
  snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", sink.port);
  tc_notify_smtp_options so = TC_NOTIFY_SMTP_OPTIONS_INIT;
  so.url = url; /* no from: the module's sender */
  tc_notifier *smtp = NULL;
  ck_assert_int_eq(tc_notify_smtp_new(&smtp, &so), TC_OK);
  tt_clock_init(&clk, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  tc_notify_options o = TC_NOTIFY_OPTIONS_INIT;
  o.channels[TC_NOTIFY_EMAIL].notifier = smtp;
  o.sender = "Shop <shop@techcorp.example>";
  ck_assert_int_eq(tc_notify_configure(ctx, &o), TC_OK);
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "order_delivered";
  q.recipient = "c@example.com";
  q.variables = "{\"user\":{\"name\":\"C\"},\"order\":{\"number\":\"9\"}}";
  tc_notify_result r;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  ck_assert_int_eq(status_of(ctx, r.id).status, TC_NOTIFY_SENT);
  ck_assert_int_eq(sink.count, 1);
  ck_assert_ptr_nonnull(
      strstr(sink.msgs[0].mail_from, "<shop@techcorp.example>"));
  ck_assert_ptr_nonnull(
      strstr(sink.msgs[0].data, "From: Shop <shop@techcorp.example>\r\n"));
  ck_assert_ptr_nonnull(
      strstr(sink.msgs[0].data, "Subject: Order 9 delivered\r\n"));
  /* A sender without '@' is refused by configure. */
  o.sender = "nobody";
  ck_assert_int_eq(tc_notify_configure(ctx, &o), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "sender");
  tt_ctx_free(ctx, dir);
  smtp->free(smtp->self);
  tt_smtp_sink_stop(&sink);
}
END_TEST

static const char secret[] = "0123456789abcdef-test-secret";

static tc_notifier *http_notifier(int port) {
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
  tc_notify_http_options ho = TC_NOTIFY_HTTP_OPTIONS_INIT;
  ho.url = url;
  ho.secret = secret;
  ho.secret_len = sizeof(secret) - 1;
  ho.clock = &clk.clock;
  tc_notifier *h = NULL;
  ck_assert_int_eq(tc_notify_http_new(&h, &ho), TC_OK);
  return h;
}

START_TEST(http_delivers_signed_json) {
  tt_http_sink sink;
  ck_assert_int_eq(tt_http_sink_start(&sink), 0);
  tt_clock_init(&clk, T0);
  tc_notifier *h = http_notifier(sink.port);
  tc_ctx *ctx = setup(NULL, 0, h);
  tc_notify_template t = {
      "code", TC_NOTIFY_SMS, "en", NULL, "Your code is {{code}}", NULL, 0, 0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_OK);
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "code";
  q.channel = TC_NOTIFY_SMS;
  q.category = TC_NOTIFY_SECURITY;
  q.recipient = "+5511999990000";
  q.variables = "{\"code\":\"123 456\"}";
  q.idempotency_key = "sms-code-1";
  tc_notify_result r;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  status_seen st = status_of(ctx, r.id);
  ck_assert_msg(st.status == TC_NOTIFY_SENT, "%s", st.reason);
  ck_assert_str_eq(st.ref, "sink-1");
  ck_assert_int_eq(sink.count, 1);
  const tt_http_req *rq = &sink.reqs[0];
  ck_assert_str_eq(rq->method, "POST");
  ck_assert_str_eq(rq->path, "/hook");
  char v[512];
  ck_assert_int_eq(tt_http_header(rq, "Content-Type", v, sizeof(v)), 0);
  ck_assert_str_eq(v, "application/json");
  ck_assert_int_eq(tt_http_header(rq, "Idempotency-Key", v, sizeof(v)), 0);
  ck_assert_str_eq(v, "sms-code-1");
  /* The signature verifies over "t.body" with the shared secret. */
  ck_assert_int_eq(tt_http_header(rq, "X-Techcorp-Signature", v, sizeof(v)), 0);
  ck_assert_str_eq(strstr(v, "t=") == v ? "ok" : v, "ok");
  long long ts = atoll(v + 2);
  ck_assert_int_eq(ts, T0 / 1000);
  char expect[160];
  ck_assert_int_eq(
      tc_notify_http_sign(expect, sizeof(expect), secret, sizeof(secret) - 1,
                          ts, rq->body, rq->body_len),
      TC_OK);
  ck_assert_str_eq(v, expect);
  /* A changed body would not verify. */
  char tampered[160];
  tc_notify_http_sign(tampered, sizeof(tampered), secret, sizeof(secret) - 1,
                      ts, "{}", 2);
  ck_assert_str_ne(v, tampered);
  ck_assert_ptr_nonnull(strstr(rq->body, "\"channel\":\"sms\""));
  ck_assert_ptr_nonnull(strstr(rq->body, "\"recipient\":\"+5511999990000\""));
  ck_assert_ptr_nonnull(strstr(rq->body, "\"text\":\"Your code is 123 456\""));
  ck_assert_ptr_nonnull(strstr(rq->body, "\"category\":\"security\""));
  tt_ctx_free(ctx, dir);
  h->free(h->self);
  tt_http_sink_stop(&sink);
}
END_TEST

START_TEST(http_500_is_transient_400_permanent) {
  tt_http_sink sink;
  ck_assert_int_eq(tt_http_sink_start(&sink), 0);
  sink.statuses[0] = 500;
  sink.statuses[1] = 429;
  sink.statuses[2] = 200;
  sink.statuses[3] = 400;
  tt_clock_init(&clk, T0);
  tc_notifier *h = http_notifier(sink.port);
  tc_ctx *ctx = setup(NULL, 0, h);
  tc_notify_template t = {"ping", TC_NOTIFY_SMS, "en", NULL,
                          "ping", NULL,          0,    0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_OK);
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "ping";
  q.channel = TC_NOTIFY_SMS;
  q.recipient = "+5511999990000";
  tc_notify_result r;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_OK);
  status_seen st = status_of(ctx, r.id);
  ck_assert_int_eq(st.status, TC_NOTIFY_QUEUED); /* 500: retried */
  ck_assert_ptr_nonnull(strstr(st.reason, "500"));
  clk.now += 1001;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_OK);
  ck_assert_ptr_nonnull(strstr(status_of(ctx, r.id).reason, "429"));
  clk.now += 2001;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_OK);
  ck_assert_int_eq(status_of(ctx, r.id).status, TC_NOTIFY_SENT);
  ck_assert_int_eq(sink.count, 3);
  /* The retries carried the same key. */
  char k1[128], k3[128];
  tt_http_header(&sink.reqs[0], "Idempotency-Key", k1, sizeof(k1));
  tt_http_header(&sink.reqs[2], "Idempotency-Key", k3, sizeof(k3));
  ck_assert_str_eq(k1, k3);
  /* 400: permanent, never retried. */
  tc_notify_result r2;
  ck_assert_int_eq(tc_notify_send(&r2, ctx, tt_sys(), &q), TC_OK);
  ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
  st = status_of(ctx, r2.id);
  ck_assert_int_eq(st.status, TC_NOTIFY_FAILED);
  ck_assert_ptr_nonnull(strstr(st.reason, "permanent: http: status 400"));
  ck_assert_int_eq(sink.count, 4);
  tt_ctx_free(ctx, dir);
  h->free(h->self);
  tt_http_sink_stop(&sink);
}
END_TEST

START_TEST(log_notifier_never_writes_body) {
  char path[4200];
  tt_tmpdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/log.txt", dir);
  FILE *fp = fopen(path, "w+");
  ck_assert_ptr_nonnull(fp);
  tc_notifier *l = NULL;
  ck_assert_int_eq(tc_notify_log_new(&l, NULL, fp), TC_OK);
  tc_notification msg = {
      1,    "m1", "email", "maria@example.com", "Reset", "secret-token-123",
      NULL, "k1", NULL};
  char ref[64], err[64];
  ck_assert_int_eq(l->send(l->self, &msg, ref, sizeof(ref), err, sizeof(err)),
                   TC_OK);
  l->free(l->self);
  rewind(fp);
  char line[512] = "";
  ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
  fclose(fp);
  ck_assert_ptr_null(strstr(line, "secret-token-123"));
  ck_assert_ptr_null(strstr(line, "maria@"));
  ck_assert_ptr_nonnull(strstr(line, "m***@example.com"));
  ck_assert_ptr_nonnull(strstr(line, "\"Reset\""));
  tt_tmpdir_remove(dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("notify_delivery");
  TCase *t = tcase_create("sinks");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, smtp_delivers_mime_message);
  tcase_add_test(t, smtp_refusals_are_classified);
  tcase_add_test(t, smtp_takes_the_module_sender);
  tcase_add_test(t, http_delivers_signed_json);
  tcase_add_test(t, http_500_is_transient_400_permanent);
  tcase_add_test(t, log_notifier_never_writes_body);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tt_run(suite());
}
