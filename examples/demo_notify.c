/*
 * examples/demo_notify.c - the notifications part of the seed's flow: the
 * events the other steps published (a customer registered, an order paid,
 * a password reset...) become notifications; the worker delivers them
 * (here through a notifier that prints instead of mailing), the customer's
 * in-app inbox fills up, and the history shows each message's status.
 * Also: a template preview in pt-BR, and a marketing message suppressed by
 * an opt-out.
 *
 * int demo_notify(tc_ctx *ctx) prints each step and returns 0 on success.
 * Run it after the other demo pieces; on its own it sends one message to
 * an explicit address so there is something to show.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

int demo_notify(tc_ctx *ctx);

static int failed(tc_ctx *ctx, const char *what, int rc) {
  fprintf(stderr, "demo_notify: %s failed: %s (%s)\n", what, tc_strerror(rc),
          tc_errmsg(ctx));
  return 1;
}

/* A notifier that prints one line per message (never the body: it may
 * carry a one-time token). */
static int print_send(void *self, const tc_notification *n, char *ref,
                      size_t ref_size, char *err, size_t err_size) {
  int *count = self;
  (void)err;
  (void)err_size;
  printf("      -> %-6s to %s: \"%s\"\n", n->channel, n->recipient,
         n->subject ? n->subject : "");
  snprintf(ref, ref_size, "demo-%d", ++*count);
  return TC_OK;
}

typedef struct seen {
  int n;
  char user_id[TC_ID_STRLEN + 1];
} seen;

static int print_history(const tc_notify_history_item *it, void *payload) {
  seen *s = payload;
  if (!s->user_id[0] && it->user_id[0])
    snprintf(s->user_id, sizeof(s->user_id), "%s", it->user_id);
  s->n++;
  printf("    %-18s %-6s %-5s %-10s%s%s\n", it->template_name,
         tc_notify_channel_name(it->channel), it->locale,
         tc_notify_status_name(it->status), it->reason[0] ? " " : "",
         it->reason);
  return 0;
}

static int print_inbox(const tc_notify_inbox_item *it, void *payload) {
  (void)payload;
  printf("    [%s] %s: %s\n", it->read_ms ? "read" : "new ", it->subject,
         it->body);
  return 0;
}

int demo_notify(tc_ctx *ctx) {
  int rc, sent = 0;
  tc_notifier printer = {TC_NOTIFIER_VERSION, &sent, "print", print_send, NULL};
  tc_notify_options o = TC_NOTIFY_OPTIONS_INIT;
  o.channels[TC_NOTIFY_EMAIL].notifier = &printer;
  o.channels[TC_NOTIFY_SMS].notifier = &printer;
  o.channels[TC_NOTIFY_PUSH].notifier = &printer;
  printf(
      "\n[notify] Configure: e-mail/SMS/push through a printing notifier,"
      " in-app to the inbox\n");
  if ((rc = tc_notify_configure(ctx, &o))) return failed(ctx, "configure", rc);

  printf("\n[notify] Turn the flow's events into notifications\n");
  size_t handled = 0;
  if ((rc = tc_notify_consume_events(ctx, 1000, &handled)))
    return failed(ctx, "consume events", rc);
  printf("    %zu events handled\n", handled);

  tc_principal sys = TC_PRINCIPAL_INIT;
  sys.kind = TC_PRINCIPAL_SYSTEM;
  seen s = {0, ""};
  tc_notify_result r;
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  if (handled == 0) {
    printf("    (no events yet: sending one shipped notice by hand)\n");
    q.template_name = "order_shipped";
    q.recipient = "cliente@example.com";
    q.locale = "pt-BR";
    q.variables =
        "{\"user\":{\"name\":\"Ana\"},\"order\":{\"number\":"
        "\"TC-1001\"}}";
    if ((rc = tc_notify_send(&r, ctx, &host, &q)))
      return failed(ctx, "send", rc);
  }

  printf("\n[notify] The worker delivers what is queued\n");
  size_t processed = 0;
  if ((rc = tc_notify_process(ctx, 1000, &processed)))
    return failed(ctx, "process", rc);
  printf("    %zu messages processed, %d went out through the notifier\n",
         processed, sent);

  printf("\n[notify] History (newest first)\n");
  if ((rc = tc_notify_history_list(NULL, ctx, &sys, NULL, NULL, 20,
                                   print_history, &s)))
    return failed(ctx, "history", rc);

  if (s.user_id[0]) {
    tc_principal me = TC_PRINCIPAL_INIT;
    me.kind = TC_PRINCIPAL_USER;
    me.roles = TC_ROLE_CUSTOMER;
    snprintf(me.user_id, sizeof(me.user_id), "%s", s.user_id);
    int64_t unread = 0;
    printf("\n[notify] The customer's in-app inbox\n");
    if ((rc = tc_notify_inbox_unread(&unread, ctx, &me, s.user_id)))
      return failed(ctx, "unread", rc);
    printf("    %lld unread\n", (long long)unread);
    if ((rc = tc_notify_inbox_list(NULL, ctx, &me, s.user_id, NULL, 10, 0,
                                   print_inbox, NULL)))
      return failed(ctx, "inbox", rc);
    int64_t changed = 0;
    if ((rc = tc_notify_inbox_mark_all_read(&changed, ctx, &me, s.user_id)))
      return failed(ctx, "mark read", rc);
    printf("    marked %lld read\n", (long long)changed);

    printf("\n[notify] The customer opts out of marketing e-mail\n");
    if ((rc = tc_notify_pref_set(ctx, &me, s.user_id, TC_NOTIFY_EMAIL,
                                 TC_NOTIFY_MARKETING, 0)))
      return failed(ctx, "opt out", rc);
    tc_notify_template promo = {"promo",
                                TC_NOTIFY_EMAIL,
                                "en",
                                "Deals for {{user.name}}",
                                "20% off today",
                                NULL,
                                0,
                                0};
    if ((rc = tc_notify_template_put(ctx, &host, &promo)))
      return failed(ctx, "template", rc);
    tc_notify_request m = TC_NOTIFY_REQUEST_INIT;
    m.template_name = "promo";
    m.category = TC_NOTIFY_MARKETING;
    m.user_id = s.user_id;
    if ((rc = tc_notify_send(&r, ctx, &host, &m)))
      return failed(ctx, "promo", rc);
    printf("    marketing e-mail: %s (%s)\n", tc_notify_status_name(r.status),
           r.reason);
  }

  printf("\n[notify] Template preview: order confirmation in pt-BR\n");
  tc_notify_rendered pr;
  if ((rc = tc_notify_render(
           &pr, ctx, &host, "order_confirmation", TC_NOTIFY_EMAIL, "pt-BR",
           "{\"user\":{\"name\":\"Zé\"},\"order\":{"
           "\"number\":\"TC-1001\",\"total\":\"49.90 BRL\"}}")))
    return failed(ctx, "render", rc);
  printf("    subject: %s\n    text:    %.*s ...\n", pr.subject,
         (int)strcspn(pr.text, "\n"), pr.text);
  tc_notify_rendered_finish(ctx, &pr);

  printf("\n[notify] A template with a broken tag is refused when saved\n");
  tc_notify_template bad = {
      "promo", TC_NOTIFY_EMAIL, "en", "Hi", "Hello {{user.name", NULL, 0, 0};
  rc = tc_notify_template_put(ctx, &host, &bad);
  printf("    %s: %s\n", tc_status_name(rc), tc_errmsg(ctx));
  return rc == TC_EINVAL ? 0 : 1;
}
