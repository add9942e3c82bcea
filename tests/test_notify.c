/*
 * tests/test_notify.c - the notify module: templates (render, validation,
 * locale fallback), opt-outs, rate limits, the worker (retry, dead
 * letters, replay, at-most-once across crashes), the event consumer, the
 * inbox and the JSON API.
 */
#include <stdio.h>

#include "../lib/notify/notify_priv.h"
#include "testutil.h"

#define T0 1700000000000LL

/* ---- fixtures ------------------------------------------------------------ */

typedef struct fake {
  tc_notifier port;
  int calls;
  int script[16]; /* return code of call i (0: TC_OK) */
  char keys[16][128];
  char recipients[16][128];
  char bodies[16][512];
} fake;

static int fake_send(void *self, const tc_notification *n, char *ref,
                     size_t ref_size, char *err, size_t err_size) {
  fake *f = self;
  int i = f->calls++;
  int rc = i < 16 ? f->script[i] : TC_OK;
  if (i < 16) {
    snprintf(f->keys[i], sizeof(f->keys[i]), "%s", n->idempotency_key);
    snprintf(f->recipients[i], sizeof(f->recipients[i]), "%s", n->recipient);
    snprintf(f->bodies[i], sizeof(f->bodies[i]), "%s", n->body_text);
  }
  if (rc) {
    snprintf(err, err_size, "fake failure %d", rc);
    return rc;
  }
  snprintf(ref, ref_size, "fake-%d", i + 1);
  return TC_OK;
}

static void fake_init(fake *f) {
  memset(f, 0, sizeof(*f));
  f->port.version = TC_NOTIFIER_VERSION;
  f->port.self = f;
  f->port.name = "fake";
  f->port.send = fake_send;
}

static tt_clock clk;
static char dir[4096];

static tc_ctx *setup(fake *f, int idempotent) {
  tt_clock_init(&clk, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  tc_notify_options o = TC_NOTIFY_OPTIONS_INIT;
  if (f) {
    fake_init(f);
    for (int i = 0; i < 3; i++) {
      o.channels[i].notifier = &f->port;
      o.channels[i].idempotent = idempotent;
    }
  }
  o.retry.max_attempts = 3;
  ck_assert_int_eq(tc_notify_configure(ctx, &o), TC_OK);
  return ctx;
}

typedef struct hist_copy {
  tc_notify_status status;
  char reason[256], tname[64], recipient[128], subject[256], ref[128], key[200];
  uint32_t attempts;
  int n;
} hist_copy;

static int hist_cb(const tc_notify_history_item *it, void *p) {
  hist_copy *h = p;
  h->status = it->status;
  h->attempts = it->attempts;
  snprintf(h->reason, sizeof(h->reason), "%s", it->reason);
  snprintf(h->tname, sizeof(h->tname), "%s", it->template_name);
  snprintf(h->recipient, sizeof(h->recipient), "%s", it->recipient);
  snprintf(h->subject, sizeof(h->subject), "%s", it->subject);
  snprintf(h->ref, sizeof(h->ref), "%s", it->provider_ref);
  snprintf(h->key, sizeof(h->key), "%s", it->idempotency_key);
  h->n++;
  return 0;
}

static hist_copy hist(tc_ctx *ctx, const char *id) {
  hist_copy h;
  memset(&h, 0, sizeof(h));
  tc_principal sys = tt_system();
  ck_assert_int_eq(tc_notify_history_get(ctx, &sys, id, hist_cb, &h), TC_OK);
  ck_assert_int_eq(h.n, 1);
  return h;
}

static const char *new_user(tc_ctx *ctx, const char *email, const char *name,
                            const char *locale) {
  static tc_user u;
  int rc = tc_users_register(&u, ctx, NULL, email, "pass-Word-9876-xyz", name,
                             locale);
  ck_assert_msg(rc == TC_OK, "register: %s", tc_errmsg(ctx));
  return u.id;
}

static void send_email(tc_ctx *ctx, tc_notify_result *r, const char *to,
                       const char *key) {
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "greeting";
  q.recipient = to;
  q.variables = "{\"name\":\"Ana\"}";
  q.idempotency_key = key;
  int rc = tc_notify_send(r, ctx, tt_sys(), &q);
  ck_assert_msg(rc == TC_OK, "send: %s", tc_errmsg(ctx));
}

static void put_greeting(tc_ctx *ctx) {
  tc_notify_template t = {"greeting",
                          TC_NOTIFY_EMAIL,
                          "en",
                          "Hello {{name}}",
                          "Hi {{name}}",
                          NULL,
                          0,
                          0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_OK);
}

static int count_cb(const tc_value *c, size_t n, void *p) {
  (void)n;
  *(int64_t *)p = c[0].v.i;
  return 0;
}

static int64_t count(tc_ctx *ctx, const char *sql) {
  int64_t n = -1;
  tc_store *s = tc_ctx_store(ctx);
  ck_assert_int_eq(s->exec(s->self, sql, NULL, 0, count_cb, &n, NULL), TC_OK);
  return n;
}

/* ---- rendering ----------------------------------------------------------- */

START_TEST(render_escapes_nested_and_numbers) {
  tc_ctx *ctx = setup(NULL, 0);
  tc_notify_template t = {
      "receipt",
      TC_NOTIFY_EMAIL,
      "en",
      "Order {{ order.number }}",
      "Total {{order.total}} for {{user.name}}; first {{order.items.0.sku}} "
      "x{{order.items.0.qty}} ok={{order.ok}} r={{order.rate}}",
      "<p>{{user.name}}</p>",
      0,
      0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_OK);
  tc_notify_rendered r;
  const char *vars =
      "{\"order\":{\"number\":\"A-1\",\"total\":\"R$ 10,00\",\"ok\":true,"
      "\"rate\":0.25,\"items\":[{\"sku\":\"S1\",\"qty\":2}]},"
      "\"user\":{\"name\":\"<Zé & \\\"Co\\\">\"}}";
  int rc = tc_notify_render(&r, ctx, tt_sys(), "receipt", TC_NOTIFY_EMAIL, "en",
                            vars);
  ck_assert_msg(rc == TC_OK, "%s", tc_errmsg(ctx));
  ck_assert_str_eq(r.subject, "Order A-1");
  ck_assert_str_eq(r.text,
                   "Total R$ 10,00 for <Zé & \"Co\">; first S1 x2 ok=true "
                   "r=0.25");
  ck_assert_str_eq(r.html, "<p>&lt;Zé &amp; &quot;Co&quot;&gt;</p>");
  ck_assert_str_eq(r.locale, "en");
  tc_notify_rendered_finish(ctx, &r);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(render_missing_variable_is_an_error) {
  tc_ctx *ctx = setup(NULL, 0);
  tc_notify_rendered r;
  int rc = tc_notify_render(&r, ctx, tt_sys(), "order_shipped", TC_NOTIFY_EMAIL,
                            "en", "{\"user\":{\"name\":\"Ana\"},\"order\":{}}");
  ck_assert_int_eq(rc, TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "variables");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "'order.number' is missing"));
  ck_assert_ptr_null(r.text);
  /* An object where a value is needed is an error too. */
  rc = tc_notify_render(&r, ctx, tt_sys(), "order_shipped", TC_NOTIFY_EMAIL,
                        "en",
                        "{\"user\":{\"name\":\"Ana\"},\"order\":{\"number\":"
                        "{}}}");
  ck_assert_int_eq(rc, TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "not a single value"));
  /* Variables that are not an object. */
  ck_assert_int_eq(tc_notify_render(&r, ctx, tt_sys(), "order_shipped",
                                    TC_NOTIFY_EMAIL, "en", "[1]"),
                   TC_EINVAL);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(render_locale_fallback) {
  tc_ctx *ctx = setup(NULL, 0);
  const char *vars =
      "{\"user\":{\"name\":\"Ana\"},\"order\":{\"number\":"
      "\"7\"}}";
  tc_notify_rendered r;
  /* pt-BR: the shipped pt-BR default. */
  ck_assert_int_eq(tc_notify_render(&r, ctx, tt_sys(), "order_shipped",
                                    TC_NOTIFY_EMAIL, "pt-br", vars),
                   TC_OK);
  ck_assert_str_eq(r.locale, "pt-BR");
  ck_assert_str_eq(r.subject, "Pedido 7 a caminho");
  tc_notify_rendered_finish(ctx, &r);
  /* fr: nothing in French, falls back to en. */
  ck_assert_int_eq(tc_notify_render(&r, ctx, tt_sys(), "order_shipped",
                                    TC_NOTIFY_EMAIL, "fr-FR", vars),
                   TC_OK);
  ck_assert_str_eq(r.locale, "en");
  tc_notify_rendered_finish(ctx, &r);
  /* A stored "pt" serves pt-PT (language fallback) but pt-BR keeps its
   * own exact match. */
  tc_notify_template t = {"order_shipped",
                          TC_NOTIFY_EMAIL,
                          "pt",
                          "Encomenda {{order.number}} enviada",
                          "Enviada.",
                          NULL,
                          0,
                          0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_OK);
  ck_assert_int_eq(tc_notify_render(&r, ctx, tt_sys(), "order_shipped",
                                    TC_NOTIFY_EMAIL, "pt-PT", vars),
                   TC_OK);
  ck_assert_str_eq(r.locale, "pt");
  ck_assert_str_eq(r.subject, "Encomenda 7 enviada");
  ck_assert_ptr_null(r.html);
  tc_notify_rendered_finish(ctx, &r);
  ck_assert_int_eq(tc_notify_render(&r, ctx, tt_sys(), "order_shipped",
                                    TC_NOTIFY_EMAIL, "pt-BR", vars),
                   TC_OK);
  ck_assert_str_eq(r.locale, "pt-BR");
  tc_notify_rendered_finish(ctx, &r);
  /* Unknown template. */
  ck_assert_int_eq(
      tc_notify_render(&r, ctx, tt_sys(), "nope", TC_NOTIFY_EMAIL, "en", vars),
      TC_ENOTFOUND);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(template_validation_positions) {
  tc_ctx *ctx = setup(NULL, 0);
  static const struct {
    const char *src, *msg;
  } bad[] = {
      {"Hi {{name", "text: line 1, column 4: '{{' is not closed by '}}'"},
      {"ok}} there", "text: line 1, column 3: '}}' without '{{'"},
      {"Hi\n  {{ bad-name }}",
       "text: line 2, column 3: bad variable name "
       "'bad-name'"},
      {"x {{}}", "text: line 1, column 3: empty tag"},
      {"é {{a{{b}}", "text: line 1, column 6: '{{' inside a tag"},
      {"{{a..b}}", "text: line 1, column 1: bad variable name 'a..b'"},
      {"{{1abc}}", "text: line 1, column 1: bad variable name '1abc'"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    tc_notify_template t = {"t1",       TC_NOTIFY_SMS, "en", NULL,
                            bad[i].src, NULL,          0,    0};
    ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_EINVAL);
    ck_assert_str_eq(tc_errmsg(ctx), bad[i].msg);
    ck_assert_str_eq(tc_errfield(ctx), "text");
  }
  /* Single braces are text; valid paths pass. */
  ck_assert_int_eq(tc_notify_template_check(ctx, "text", "{a} {{ x.y_2.0 }} }"),
                   TC_OK);
  /* Subject is checked too; html only on email. */
  tc_notify_template t = {"t1", TC_NOTIFY_EMAIL, "en", "{{", "x", NULL, 0, 0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "subject");
  tc_notify_template t2 = {"t1", TC_NOTIFY_SMS, "en", NULL,
                           "x",  "<b>x</b>",    0,    0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t2), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "html");
  tc_notify_template t3 = {"Bad Name", TC_NOTIFY_SMS, "en", NULL,
                           "x",        NULL,          0,    0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t3), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "name");
  tc_notify_template t4 = {"t1", TC_NOTIFY_SMS, "english", NULL,
                           "x",  NULL,          0,         0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &t4), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "locale");
  /* Nothing was stored by any failure. */
  ck_assert_int_eq(count(ctx, "SELECT COUNT(*) FROM notify_templates"), 0);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(template_get_and_list) {
  tc_ctx *ctx = setup(NULL, 0);
  tc_notify_template *t = NULL;
  ck_assert_int_eq(tc_notify_template_get(&t, ctx, tt_sys(), "password_reset",
                                          TC_NOTIFY_EMAIL, "pt-BR"),
                   TC_OK);
  ck_assert_int_eq(t->builtin, 1);
  ck_assert_str_eq(t->subject, "Redefinição de senha");
  tc_notify_template_free(ctx, t);
  put_greeting(ctx);
  tc_notify_template g = {"greeting", TC_NOTIFY_SMS, "en", NULL,
                          "Hi",       NULL,          0,    0};
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &g), TC_OK);
  g.text = "Hi again"; /* replace */
  ck_assert_int_eq(tc_notify_template_put(ctx, tt_sys(), &g), TC_OK);
  ck_assert_int_eq(tc_notify_template_get(&t, ctx, tt_sys(), "greeting",
                                          TC_NOTIFY_SMS, "en"),
                   TC_OK);
  ck_assert_str_eq(t->text, "Hi again");
  ck_assert_int_eq(t->builtin, 0);
  tc_notify_template_free(ctx, t);
  /* Pages of one. */
  char next[128];
  ck_assert_int_eq(
      tc_notify_template_list(next, ctx, tt_sys(), NULL, 1, 0, NULL, NULL),
      TC_OK);
  ck_assert_str_eq(next, "greeting/email/en");
  ck_assert_int_eq(
      tc_notify_template_list(next, ctx, tt_sys(), next, 1, 0, NULL, NULL),
      TC_OK);
  ck_assert_str_eq(next, "greeting/sms/en");
  ck_assert_int_eq(
      tc_notify_template_list(next, ctx, tt_sys(), next, 1, 0, NULL, NULL),
      TC_OK);
  ck_assert_str_eq(next, "");
  tt_ctx_free(ctx, dir);
}
END_TEST

/* ---- opt-outs and rate limits ------------------------------------------- */

START_TEST(marketing_opt_out_suppresses_transactional_does_not) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  const char *uid = new_user(ctx, "ana@example.com", "Ana", "en");
  char user[TC_ID_STRLEN + 1];
  snprintf(user, sizeof(user), "%s", uid);
  tc_principal me = tt_user(user, TC_ROLE_CUSTOMER);
  put_greeting(ctx);
  ck_assert_int_eq(tc_notify_pref_set(ctx, &me, user, TC_NOTIFY_EMAIL,
                                      TC_NOTIFY_MARKETING, 0),
                   TC_OK);
  int on = 1;
  ck_assert_int_eq(tc_notify_pref_get(&on, ctx, &me, user, TC_NOTIFY_EMAIL,
                                      TC_NOTIFY_MARKETING),
                   TC_OK);
  ck_assert_int_eq(on, 0);
  /* Transactional and security cannot be turned off. */
  ck_assert_int_eq(tc_notify_pref_set(ctx, &me, user, TC_NOTIFY_EMAIL,
                                      TC_NOTIFY_SECURITY, 0),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "category");
  /* Someone else may not change it. */
  tc_principal other =
      tt_user("01890000-0000-7000-8000-000000000001", TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_notify_pref_set(ctx, &other, user, TC_NOTIFY_EMAIL,
                                      TC_NOTIFY_MARKETING, 1),
                   TC_EDENIED);

  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "greeting";
  q.user_id = user;
  q.variables = "{\"name\":\"Ana\"}";
  q.category = TC_NOTIFY_MARKETING;
  tc_notify_result r;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
  ck_assert_int_eq(r.status, TC_NOTIFY_SUPPRESSED);
  ck_assert_str_eq(r.reason, "opted_out");
  q.category = TC_NOTIFY_TRANSACTIONAL;
  tc_notify_result r2;
  ck_assert_int_eq(tc_notify_send(&r2, ctx, tt_sys(), &q), TC_OK);
  ck_assert_int_eq(r2.status, TC_NOTIFY_QUEUED);
  /* Marketing on another channel is still on. */
  ck_assert_int_eq(tc_notify_pref_get(&on, ctx, &me, user, TC_NOTIFY_SMS,
                                      TC_NOTIFY_MARKETING),
                   TC_OK);
  ck_assert_int_eq(on, 1);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 10, &n), TC_OK);
  ck_assert_int_eq(f.calls, 1); /* only the transactional one */
  ck_assert_str_eq(f.recipients[0], "ana@example.com");
  hist_copy h = hist(ctx, r.id);
  ck_assert_int_eq(h.status, TC_NOTIFY_SUPPRESSED);
  ck_assert_str_eq(h.reason, "opted_out");
  ck_assert_int_eq(hist(ctx, r2.id).status, TC_NOTIFY_SENT);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(rate_limit_suppresses_per_recipient_window) {
  fake f;
  tt_clock_init(&clk, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  fake_init(&f);
  tc_notify_options o = TC_NOTIFY_OPTIONS_INIT;
  o.channels[TC_NOTIFY_EMAIL].notifier = &f.port;
  o.channels[TC_NOTIFY_EMAIL].rate_limit = 2;
  o.channels[TC_NOTIFY_EMAIL].rate_window_ms = 60000;
  ck_assert_int_eq(tc_notify_configure(ctx, &o), TC_OK);
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", NULL);
  ck_assert_int_eq(r.status, TC_NOTIFY_QUEUED);
  send_email(ctx, &r, "a@example.com", NULL);
  ck_assert_int_eq(r.status, TC_NOTIFY_QUEUED);
  send_email(ctx, &r, "a@example.com", NULL);
  ck_assert_int_eq(r.status, TC_NOTIFY_SUPPRESSED);
  ck_assert_str_eq(r.reason, "rate_limited");
  ck_assert_str_eq(hist(ctx, r.id).reason, "rate_limited");
  /* Another recipient has its own window. */
  send_email(ctx, &r, "b@example.com", NULL);
  ck_assert_int_eq(r.status, TC_NOTIFY_QUEUED);
  /* The window ends. */
  clk.now += 60001;
  send_email(ctx, &r, "a@example.com", NULL);
  ck_assert_int_eq(r.status, TC_NOTIFY_QUEUED);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
  ck_assert_int_eq(f.calls, 4);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(send_validation_and_idempotency_key) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  put_greeting(ctx);
  tc_notify_result r, r2;
  send_email(ctx, &r, "a@example.com", "k-1");
  send_email(ctx, &r2, "a@example.com", "k-1");
  ck_assert_int_eq(r2.duplicate, 1);
  ck_assert_str_eq(r2.id, r.id);
  ck_assert_int_eq(count(ctx, "SELECT COUNT(*) FROM notify_messages"), 1);
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "greeting";
  q.recipient = "not-an-address";
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "recipient");
  q.recipient = "a@example.com";
  q.variables = "{}"; /* greeting needs name */
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "variables");
  q.channel = TC_NOTIFY_SMS;
  q.recipient = NULL;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "recipient");
  q.channel = (tc_notify_channel)9;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "channel");
  q.channel = TC_NOTIFY_EMAIL;
  q.user_id = "01890000-0000-7000-8000-000000000001";
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_ENOTFOUND);
  /* Nothing more was written or queued. */
  ck_assert_int_eq(count(ctx, "SELECT COUNT(*) FROM notify_messages"), 1);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 10, &n), TC_OK);
  ck_assert_int_eq(n, 1);
  tt_ctx_free(ctx, dir);
}
END_TEST

/* ---- the worker ---------------------------------------------------------- */

START_TEST(retry_with_backoff_then_success) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  f.script[0] = TC_EUNAVAILABLE;
  f.script[1] = TC_ETIMEOUT;
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", "key-42");
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_OK);
  hist_copy h = hist(ctx, r.id);
  ck_assert_int_eq(h.status, TC_NOTIFY_QUEUED);
  ck_assert_int_eq(h.attempts, 1);
  ck_assert_ptr_nonnull(strstr(h.reason, "fake failure"));
  /* Waiting out the longest backoff (base 1000 ms, then 2000 ms). */
  clk.now += 1001;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_OK);
  ck_assert_int_eq(hist(ctx, r.id).attempts, 2);
  clk.now += 2001;
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  h = hist(ctx, r.id);
  ck_assert_int_eq(h.status, TC_NOTIFY_SENT);
  ck_assert_int_eq(h.attempts, 3);
  ck_assert_str_eq(h.ref, "fake-3");
  ck_assert_int_eq(f.calls, 3);
  for (int i = 0; i < 3; i++) ck_assert_str_eq(f.keys[i], "key-42");
  /* Bodies are dropped once sent. */
  ck_assert_int_eq(count(ctx,
                         "SELECT COUNT(*) FROM notify_messages WHERE "
                         "body_text IS NOT NULL"),
                   0);
  tt_ctx_free(ctx, dir);
}
END_TEST

typedef struct dead_seen {
  int n;
  char last_error[256];
} dead_seen;

static int dead_cb(const tc_queue_message *m, void *p) {
  dead_seen *d = p;
  d->n++;
  snprintf(d->last_error, sizeof(d->last_error), "%s", m->last_error);
  return 0;
}

static void drain(tc_ctx *ctx) {
  /* Each pass waits out the longest backoff (max 5 min) and leases. */
  for (int i = 0; i < 12; i++) {
    size_t n = 0;
    ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
    clk.now += 400000;
  }
}

START_TEST(dead_letter_after_limit_and_replay) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  for (int i = 0; i < 16; i++) f.script[i] = TC_EUNAVAILABLE;
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", NULL);
  drain(ctx);
  hist_copy h = hist(ctx, r.id);
  ck_assert_int_eq(h.status, TC_NOTIFY_FAILED);
  ck_assert_int_eq(h.attempts, 3); /* max_attempts */
  ck_assert_ptr_nonnull(strstr(h.reason, "gave up after 3 attempts"));
  ck_assert_int_eq(f.calls, 3);
  dead_seen d = {0, ""};
  ck_assert_int_eq(tc_events_dead_list(ctx, "notify", NULL, 10, dead_cb, &d),
                   TC_OK);
  ck_assert_int_eq(d.n, 1);
  ck_assert_ptr_nonnull(strstr(d.last_error, "gave up"));
  /* Replay: back to queued, sent once the provider works again. */
  for (int i = 0; i < 16; i++) f.script[i] = TC_OK;
  size_t replayed = 0;
  ck_assert_int_eq(tc_notify_replay_dead(&replayed, ctx, r.id), TC_OK);
  ck_assert_int_eq(replayed, 1);
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_QUEUED);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_SENT);
  ck_assert_int_eq(f.calls, 4);
  /* Not dead any more: a second replay is refused. */
  ck_assert_int_eq(tc_notify_replay_dead(&replayed, ctx, r.id), TC_ENOTFOUND);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(permanent_failure_dead_letters_at_once) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  f.script[0] = TC_EPROVIDER;
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", NULL);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
  hist_copy h = hist(ctx, r.id);
  ck_assert_int_eq(h.status, TC_NOTIFY_FAILED);
  ck_assert_ptr_nonnull(strstr(h.reason, "permanent"));
  ck_assert_int_eq(f.calls, 1); /* never retried */
  dead_seen d = {0, ""};
  ck_assert_int_eq(tc_events_dead_list(ctx, "notify", NULL, 10, dead_cb, &d),
                   TC_OK);
  ck_assert_int_eq(d.n, 1);
  /* Replay everything dead. */
  size_t replayed = 0;
  ck_assert_int_eq(tc_notify_replay_dead(&replayed, ctx, NULL), TC_OK);
  ck_assert_int_eq(replayed, 1);
  ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_SENT);
  tt_ctx_free(ctx, dir);
}
END_TEST

static tc__notify_stage crash_at;
static int crash_hook(void *p, tc__notify_stage stage) {
  int *fired = p;
  if (stage != crash_at || *fired) return 0;
  *fired = 1;
  return 1;
}

START_TEST(crash_after_record_never_sends_twice) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  int fired = 0;
  crash_at = TC__NOTIFY_AFTER_RECORD;
  ck_assert_int_eq(tc__notify_set_crash_hook(ctx, crash_hook, &fired), TC_OK);
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", NULL);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_ERROR);
  ck_assert_int_eq(f.calls, 1);
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_SENT);
  /* The event is still leased: nothing to take until it times out. */
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  ck_assert_int_eq(n, 0);
  clk.now += 60001; /* visibility */
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_int_eq(f.calls, 1); /* acked, not sent again */
  ck_assert_int_eq(count(ctx, "SELECT COUNT(*) FROM tc_queue_deliveries"), 0);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(crash_after_send_unknown_outcome_not_resent) {
  fake f;
  tc_ctx *ctx = setup(&f, 0); /* not idempotent */
  int fired = 0;
  crash_at = TC__NOTIFY_AFTER_SEND;
  ck_assert_int_eq(tc__notify_set_crash_hook(ctx, crash_hook, &fired), TC_OK);
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", NULL);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_ERROR);
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_SENDING);
  clk.now += 60001;
  ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
  ck_assert_int_eq(f.calls, 1);
  hist_copy h = hist(ctx, r.id);
  ck_assert_int_eq(h.status, TC_NOTIFY_FAILED);
  ck_assert_str_eq(h.reason, "unknown_outcome");
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(crash_after_send_idempotent_resends_same_key) {
  fake f;
  tc_ctx *ctx = setup(&f, 1); /* the provider deduplicates */
  int fired = 0;
  crash_at = TC__NOTIFY_AFTER_SEND;
  ck_assert_int_eq(tc__notify_set_crash_hook(ctx, crash_hook, &fired), TC_OK);
  put_greeting(ctx);
  tc_notify_result r;
  send_email(ctx, &r, "a@example.com", "once");
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_ERROR);
  /* A second worker while the claim is live does not send. */
  clk.now += 60001;
  ck_assert_int_eq(tc_notify_process(ctx, 20, &n), TC_OK);
  ck_assert_int_eq(f.calls, 2);
  ck_assert_str_eq(f.keys[0], "once");
  ck_assert_str_eq(f.keys[1], "once");
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_SENT);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(inapp_inbox_crash_stores_once) {
  tc_ctx *ctx = setup(NULL, 0);
  const char *uid = new_user(ctx, "bia@example.com", "Bia", "pt-BR");
  char user[TC_ID_STRLEN + 1];
  snprintf(user, sizeof(user), "%s", uid);
  int fired = 0;
  crash_at = TC__NOTIFY_AFTER_SEND;
  ck_assert_int_eq(tc__notify_set_crash_hook(ctx, crash_hook, &fired), TC_OK);
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  q.template_name = "order_shipped";
  q.channel = TC_NOTIFY_IN_APP;
  q.user_id = user;
  q.variables = "{\"order\":{\"number\":\"N-9\"}}";
  tc_notify_result r;
  ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 1, &n), TC_ERROR);
  clk.now += 60001;
  ck_assert_int_eq(tc_notify_process(ctx, 5, &n), TC_OK);
  ck_assert_int_eq(hist(ctx, r.id).status, TC_NOTIFY_SENT);
  tc_principal me = tt_user(user, TC_ROLE_CUSTOMER);
  int64_t unread = 0;
  ck_assert_int_eq(tc_notify_inbox_unread(&unread, ctx, &me, user), TC_OK);
  ck_assert_int_eq(unread, 1); /* sent twice, stored once */
  ck_assert_int_eq(count(ctx, "SELECT COUNT(*) FROM notify_inbox"), 1);
  tt_ctx_free(ctx, dir);
}
END_TEST

/* ---- inbox -----------------------------------------------------------------
 */

typedef struct inbox_seen {
  int n;
  char first_id[TC_ID_STRLEN + 1];
  char first_subject[128];
} inbox_seen;

static int inbox_cb(const tc_notify_inbox_item *it, void *p) {
  inbox_seen *s = p;
  if (s->n++ == 0) {
    snprintf(s->first_id, sizeof(s->first_id), "%s", it->id);
    snprintf(s->first_subject, sizeof(s->first_subject), "%s", it->subject);
  }
  return 0;
}

START_TEST(inbox_list_unread_mark) {
  tc_ctx *ctx = setup(NULL, 0);
  const char *uid = new_user(ctx, "caio@example.com", "Caio", "pt-BR");
  char user[TC_ID_STRLEN + 1];
  snprintf(user, sizeof(user), "%s", uid);
  for (int i = 0; i < 3; i++) {
    char vars[64];
    snprintf(vars, sizeof(vars), "{\"order\":{\"number\":\"N-%d\"}}", i);
    tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
    q.template_name = "order_delivered";
    q.channel = TC_NOTIFY_IN_APP;
    q.user_id = user;
    q.variables = vars;
    tc_notify_result r;
    ck_assert_int_eq(tc_notify_send(&r, ctx, tt_sys(), &q), TC_OK);
    clk.now += 10;
  }
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 10, &n), TC_OK);
  tc_principal me = tt_user(user, TC_ROLE_CUSTOMER);
  inbox_seen s = {0, "", ""};
  char next[TC_ID_STRLEN + 1];
  ck_assert_int_eq(
      tc_notify_inbox_list(next, ctx, &me, user, NULL, 2, 0, inbox_cb, &s),
      TC_OK);
  ck_assert_int_eq(s.n, 2);
  ck_assert_str_eq(s.first_subject, "Pedido entregue");
  ck_assert_str_ne(next, "");
  inbox_seen s2 = {0, "", ""};
  ck_assert_int_eq(
      tc_notify_inbox_list(next, ctx, &me, user, next, 2, 0, inbox_cb, &s2),
      TC_OK);
  ck_assert_int_eq(s2.n, 1);
  ck_assert_str_eq(next, "");
  ck_assert_int_eq(tc_notify_inbox_mark_read(ctx, &me, user, s.first_id),
                   TC_OK);
  ck_assert_int_eq(tc_notify_inbox_mark_read(ctx, &me, user, s.first_id),
                   TC_OK); /* idempotent */
  int64_t unread = 0;
  ck_assert_int_eq(tc_notify_inbox_unread(&unread, ctx, &me, user), TC_OK);
  ck_assert_int_eq(unread, 2);
  inbox_seen s3 = {0, "", ""};
  ck_assert_int_eq(
      tc_notify_inbox_list(next, ctx, &me, user, NULL, 10, 1, inbox_cb, &s3),
      TC_OK);
  ck_assert_int_eq(s3.n, 2);
  /* Another customer sees nothing of it. */
  tc_principal other =
      tt_user("01890000-0000-7000-8000-000000000001", TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_notify_inbox_unread(&unread, ctx, &other, user),
                   TC_EDENIED);
  ck_assert_int_eq(tc_notify_inbox_mark_read(ctx, &other, user, s.first_id),
                   TC_EDENIED);
  int64_t changed = 0;
  ck_assert_int_eq(tc_notify_inbox_mark_all_read(&changed, ctx, &me, user),
                   TC_OK);
  ck_assert_int_eq(changed, 2);
  ck_assert_int_eq(tc_notify_inbox_unread(&unread, ctx, &me, user), TC_OK);
  ck_assert_int_eq(unread, 0);
  ck_assert_int_eq(tc_notify_inbox_mark_read(
                       ctx, &me, user, "01890000-0000-7000-8000-000000000009"),
                   TC_ENOTFOUND);
  tt_ctx_free(ctx, dir);
}
END_TEST

/* ---- events -------------------------------------------------------------- */

typedef struct tpl_count {
  char names[32][64];
  char recipients[32][128];
  char subjects[32][128];
  tc_notify_channel channels[32];
  tc_notify_status statuses[32];
  int n;
} tpl_count;

static int tpl_cb(const tc_notify_history_item *it, void *p) {
  tpl_count *t = p;
  if (t->n < 32) {
    snprintf(t->names[t->n], 64, "%s", it->template_name);
    snprintf(t->recipients[t->n], 128, "%s", it->recipient);
    snprintf(t->subjects[t->n], 128, "%s", it->subject);
    t->channels[t->n] = it->channel;
    t->statuses[t->n] = it->status;
    t->n++;
  }
  return 0;
}

static int has(const tpl_count *t, const char *name, tc_notify_channel ch) {
  int n = 0;
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->names[i], name) && t->channels[i] == ch) n++;
  return n;
}

START_TEST(events_become_notifications) {
  fake f;
  tc_ctx *ctx = setup(&f, 0);
  const char *uid = new_user(ctx, "dora@example.com", "Dora", "pt-BR");
  char user[TC_ID_STRLEN + 1];
  snprintf(user, sizeof(user), "%s", uid);
  char p[512];
  /* Payloads as lib/orders/events.c and lib/payments/records.c make them:
   * orders.* name the customer, payments.* only the order. */
  static const char *const order_topics[] = {
      "orders.paid", "orders.payment_failed", "orders.shipped",
      "orders.delivered"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof(p),
             "{\"order_id\":\"o-%d\",\"number\":\"TC-%d\",\"customer_id\":"
             "\"%s\",\"customer_email\":\"dora@example.com\",\"currency\":"
             "\"BRL\",\"total\":4990,\"tracking\":\"\"}",
             i, i, user);
    ck_assert_int_eq(tc_events_publish(ctx, order_topics[i], NULL, p, NULL),
                     TC_OK);
  }
  ck_assert_int_eq(
      tc_events_publish(ctx, "payments.captured", NULL,
                        "{\"payment_id\":\"p1\",\"order_id\":\"o-0\","
                        "\"amount\":4990,\"currency\":\"BRL\"}",
                        NULL),
      TC_OK);
  /* The same order confirmed again through payments (with the user): one
   * confirmation all the same. */
  snprintf(p, sizeof(p),
           "{\"order_id\":\"o-0\",\"number\":\"TC-0\",\"user_id\":\"%s\","
           "\"currency\":\"BRL\",\"total\":4990}",
           user);
  ck_assert_int_eq(tc_events_publish(ctx, "payments.captured", NULL, p, NULL),
                   TC_OK);
  snprintf(p, sizeof(p),
           "{\"user_id\":\"%s\",\"client_ip\":\"203.0.113.7\","
           "\"new_device\":true}",
           user);
  ck_assert_int_eq(
      tc_events_publish(ctx, "auth.login_succeeded", NULL, p, NULL), TC_OK);
  snprintf(p, sizeof(p), "{\"user_id\":\"%s\"}", user); /* known device */
  ck_assert_int_eq(
      tc_events_publish(ctx, "auth.login_succeeded", NULL, p, NULL), TC_OK);
  ck_assert_int_eq(tc_users_request_password_reset(ctx, "dora@example.com"),
                   TC_OK);
  ck_assert_int_eq(tc_events_publish(ctx, "orders.created", NULL, "{}", NULL),
                   TC_OK);
  size_t handled = 0;
  ck_assert_int_eq(tc_notify_consume_events(ctx, 100, &handled), TC_OK);
  ck_assert_int_gt(handled, 10);
  /* Redelivery of nothing: consuming again finds nothing. */
  ck_assert_int_eq(tc_notify_consume_events(ctx, 100, &handled), TC_OK);
  ck_assert_int_eq(handled, 0);

  tpl_count t;
  memset(&t, 0, sizeof(t));
  tc_principal sys = tt_system();
  ck_assert_int_eq(
      tc_notify_history_list(NULL, ctx, &sys, user, NULL, 100, tpl_cb, &t),
      TC_OK);
  /* users.registered (from new_user) gave the verification e-mail. */
  ck_assert_int_eq(has(&t, "email_verification", TC_NOTIFY_EMAIL), 1);
  /* orders.paid and payments.captured of one order: one confirmation. */
  ck_assert_int_eq(has(&t, "order_confirmation", TC_NOTIFY_EMAIL), 1);
  ck_assert_int_eq(has(&t, "order_confirmation", TC_NOTIFY_IN_APP), 1);
  ck_assert_int_eq(has(&t, "payment_failed", TC_NOTIFY_EMAIL), 1);
  ck_assert_int_eq(has(&t, "order_shipped", TC_NOTIFY_EMAIL), 1);
  ck_assert_int_eq(has(&t, "order_delivered", TC_NOTIFY_IN_APP), 1);
  ck_assert_int_eq(has(&t, "new_login", TC_NOTIFY_EMAIL), 1);
  ck_assert_int_eq(has(&t, "password_reset", TC_NOTIFY_EMAIL), 1);
  ck_assert_int_eq(t.n, 1 + 2 * 4 + 2 + 1);
  ck_assert_str_eq(t.recipients[t.n - 1], "dora@example.com");
  size_t n = 0;
  ck_assert_int_eq(tc_notify_process(ctx, 100, &n), TC_OK);
  ck_assert_int_eq(f.calls, 7); /* the e-mails; in-app went to the inbox */
  tc_principal me = tt_user(user, TC_ROLE_CUSTOMER);
  int64_t unread = 0;
  ck_assert_int_eq(tc_notify_inbox_unread(&unread, ctx, &me, user), TC_OK);
  ck_assert_int_eq(unread, 5);
  /* pt-BR user: the reset e-mail is in Portuguese. */
  memset(&t, 0, sizeof(t));
  tc_notify_history_list(NULL, ctx, &sys, user, NULL, 1, tpl_cb, &t);
  ck_assert_str_eq(t.names[0], "password_reset");
  ck_assert_str_eq(t.subjects[0], "Redefinição de senha");
  /* The confirmation carries the formatted total from the event. */
  int conf = 0;
  for (int i = 0; i < f.calls; i++)
    if (strstr(f.bodies[i], "pedido TC-0 (total 49.90 BRL)")) conf++;
  ck_assert_int_eq(conf, 1);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(event_map_is_documented) {
  size_t n = 0;
  const tc_notify_event_rule *r = tc_notify_event_map(&n);
  ck_assert_int_ge(n, 9);
  int found = 0;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(r[i].topic, "auth.login_succeeded"))
      found = r[i].require && !strcmp(r[i].require, "new_device");
  ck_assert_int_eq(found, 1);
}
END_TEST

/* ---- JSON API --------------------------------------------------------------
 */

START_TEST(json_api) {
  tc_ctx *ctx = setup(NULL, 0);
  const char *uid = new_user(ctx, "eva@example.com", "Eva", "en");
  char user[TC_ID_STRLEN + 1];
  snprintf(user, sizeof(user), "%s", uid);
  tc_principal me = tt_user(user, TC_ROLE_CUSTOMER);
  tc_principal admin =
      tt_user("01890000-0000-7000-8000-0000000000aa", TC_ROLE_ADMIN);
  tc_principal other =
      tt_user("01890000-0000-7000-8000-000000000001", TC_ROLE_CUSTOMER);
  tc_principal sys = tt_system();
  char *out = NULL, req[512];
  /* templates_put validates (admin). */
  ck_assert_int_eq(tt_call(ctx, &admin, "notify.templates_put",
                           "{\"name\":\"promo\",\"channel\":\"in_app\","
                           "\"locale\":\"en\",\"subject\":\"Sale\","
                           "\"text\":\"Hi {{user.name\"}",
                           &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"text\""));
  ck_assert_ptr_nonnull(strstr(out, "line 1, column 4"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.templates_put",
                           "{\"name\":\"promo\",\"channel\":\"in_app\","
                           "\"locale\":\"en\",\"text\":\"x\"}",
                           &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &admin, "notify.templates_put",
                           "{\"name\":\"promo\",\"channel\":\"in_app\","
                           "\"locale\":\"en\",\"subject\":\"Sale\","
                           "\"text\":\"Hi {{user.name}}\"}",
                           &out),
                   TC_OK);
  free(out);
  ck_assert_int_eq(count(ctx, "SELECT COUNT(*) FROM notify_templates"), 1);
  /* send (admin), process (system only). */
  snprintf(req, sizeof(req),
           "{\"template\":\"promo\",\"channel\":\"in_app\",\"category\":"
           "\"marketing\",\"user_id\":\"%s\"}",
           user);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.send", req, &out), TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &admin, "notify.send", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"status\":\"queued\""));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &admin, "notify.process", "{}", &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "notify.process", "{}", &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"processed\":1"));
  free(out);
  /* The owner's inbox. */
  ck_assert_int_eq(tt_call(ctx, &me, "notify.unread_count", "{}", &out), TC_OK);
  ck_assert_str_eq(out, "{\"count\":1}");
  free(out);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.inbox_list", "{}", &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"body\":\"Hi Eva\""));
  char *idp = strstr(out, "\"id\":\"");
  ck_assert_ptr_nonnull(idp);
  char entry[TC_ID_STRLEN + 1];
  snprintf(entry, sizeof(entry), "%s", idp + 6);
  free(out);
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\"}", user);
  ck_assert_int_eq(tt_call(ctx, &other, "notify.inbox_list", req, &out),
                   TC_EDENIED);
  free(out);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", entry);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.mark_read", req, &out), TC_OK);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.unread_count", "{}", &out), TC_OK);
  ck_assert_str_eq(out, "{\"count\":0}");
  free(out);
  ck_assert_int_eq(
      tt_call(ctx, &me, "notify.mark_read", "{\"id\":\"x\"}", &out), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"id\""));
  free(out);
  /* Preferences. */
  ck_assert_int_eq(tt_call(ctx, &me, "notify.preferences_set",
                           "{\"channel\":\"email\",\"category\":\"marketing\","
                           "\"enabled\":false}",
                           &out),
                   TC_OK);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.preferences_set",
                           "{\"channel\":\"email\",\"category\":\"security\","
                           "\"enabled\":false}",
                           &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"category\""));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.preferences_set",
                           "{\"channel\":\"fax\",\"category\":\"marketing\","
                           "\"enabled\":false}",
                           &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"channel\""));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.preferences_get", "{}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out,
                               "{\"channel\":\"email\",\"category\":"
                               "\"marketing\",\"enabled\":false"));
  free(out);
  /* History: own for customers, everybody's for admin, not another's. */
  size_t handled = 0;
  ck_assert_int_eq(tc_notify_consume_events(ctx, 10, &handled), TC_OK);
  ck_assert_int_eq(tt_call(ctx, &me, "notify.history_list", "{}", &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"template\":\"promo\""));
  ck_assert_ptr_nonnull(strstr(out, "\"template\":\"email_verification\""));
  free(out);
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\"}", user);
  ck_assert_int_eq(tt_call(ctx, &other, "notify.history_list", req, &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &other, "notify.history_list", "{}", &out),
                   TC_OK);
  ck_assert_str_eq(out, "{\"items\":[],\"next_cursor\":null}");
  free(out);
  ck_assert_int_eq(
      tt_call(ctx, &admin, "notify.history_list", "{\"limit\":1}", &out),
      TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"next_cursor\":\""));
  free(out);
  ck_assert_int_eq(
      tt_call(ctx, &admin, "notify.history_list", "{\"limit\":0}", &out),
      TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"limit\""));
  free(out);
  /* Render preview and built-in listing. */
  ck_assert_int_eq(tt_call(ctx, &admin, "notify.templates_render",
                           "{\"name\":\"order_shipped\",\"channel\":"
                           "\"email\",\"locale\":\"pt-BR\",\"variables\":{"
                           "\"user\":{\"name\":\"<b>\"},\"order\":{"
                           "\"number\":\"9\"}}}",
                           &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "&lt;b&gt;"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &admin, "notify.templates_list",
                           "{\"builtin\":true,\"limit\":100}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"name\":\"new_login\""));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "notify.replay", "{}", &out), TC_OK);
  ck_assert_str_eq(out, "{\"replayed\":0}");
  free(out);
  tt_ctx_free(ctx, dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("notify");
  TCase *t = tcase_create("templates");
  tcase_add_test(t, render_escapes_nested_and_numbers);
  tcase_add_test(t, render_missing_variable_is_an_error);
  tcase_add_test(t, render_locale_fallback);
  tcase_add_test(t, template_validation_positions);
  tcase_add_test(t, template_get_and_list);
  suite_add_tcase(s, t);
  t = tcase_create("sending");
  tcase_add_test(t, marketing_opt_out_suppresses_transactional_does_not);
  tcase_add_test(t, rate_limit_suppresses_per_recipient_window);
  tcase_add_test(t, send_validation_and_idempotency_key);
  suite_add_tcase(s, t);
  t = tcase_create("worker");
  tcase_add_test(t, retry_with_backoff_then_success);
  tcase_add_test(t, dead_letter_after_limit_and_replay);
  tcase_add_test(t, permanent_failure_dead_letters_at_once);
  tcase_add_test(t, crash_after_record_never_sends_twice);
  tcase_add_test(t, crash_after_send_unknown_outcome_not_resent);
  tcase_add_test(t, crash_after_send_idempotent_resends_same_key);
  tcase_add_test(t, inapp_inbox_crash_stores_once);
  suite_add_tcase(s, t);
  t = tcase_create("inbox_events_api");
  tcase_add_test(t, inbox_list_unread_mark);
  tcase_add_test(t, events_become_notifications);
  tcase_add_test(t, event_map_is_documented);
  tcase_add_test(t, json_api);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tt_run(suite());
}
