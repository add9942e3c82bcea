/*
 * lib/notify/events.c - turn other modules' events into notifications.
 *
 * The mapping is one table (rules[]): topic -> template, category,
 * channels, an optional payload flag that must be true, and how to build
 * the template variables (kind). Payload fields read, by kind (the first
 * present wins), so aligning with a module's events is a one-line change:
 *   all:   user_id | customer_id (an event without one is skipped:
 *          payments.* carry only the order); locale; email |
 *          customer_email; name | customer_name
 *   order: order_id | id;  number | order_number (falls back to the id);
 *          total + currency (as order.total, "49.90 BRL"); tracking
 *   token: verification_token | reset_token | token; expires_ms
 *   login: client_ip | ip; at (ms; else the event's publish time)
 * Idempotency keys: confirmation, shipped and delivered use
 * "<template>:<order id>:<channel>" (orders.paid and payments.captured of
 * one order notify once); the rest "<template>:<event id>:<channel>" (a
 * second failed payment of one order is a second message).
 */
#include <stdio.h>
#include <time.h>

#include "notify_priv.h"
#include "techcorp/users.h"

/* K_ORDER: order variables, keyed by order; K_ORDER_EV: keyed by event. */
typedef enum rule_kind { K_ORDER, K_ORDER_EV, K_TOKEN, K_LOGIN } rule_kind;

#define CH(c) (1u << (c))
#define EMAIL_INAPP (CH(TC_NOTIFY_EMAIL) | CH(TC_NOTIFY_IN_APP))

static const tc_notify_event_rule rules[] = {
    {"orders.paid", "order_confirmation", TC_NOTIFY_TRANSACTIONAL, EMAIL_INAPP,
     NULL},
    {"payments.captured", "order_confirmation", TC_NOTIFY_TRANSACTIONAL,
     EMAIL_INAPP, NULL},
    {"orders.payment_failed", "payment_failed", TC_NOTIFY_TRANSACTIONAL,
     EMAIL_INAPP, NULL},
    {"payments.failed", "payment_failed", TC_NOTIFY_TRANSACTIONAL, EMAIL_INAPP,
     NULL},
    {"orders.shipped", "order_shipped", TC_NOTIFY_TRANSACTIONAL, EMAIL_INAPP,
     NULL},
    {"orders.delivered", "order_delivered", TC_NOTIFY_TRANSACTIONAL,
     EMAIL_INAPP, NULL},
    {"users.registered", "email_verification", TC_NOTIFY_SECURITY,
     CH(TC_NOTIFY_EMAIL), NULL},
    {"users.verification_requested", "email_verification", TC_NOTIFY_SECURITY,
     CH(TC_NOTIFY_EMAIL), NULL},
    {"users.email_change_requested", "email_verification", TC_NOTIFY_SECURITY,
     CH(TC_NOTIFY_EMAIL), NULL},
    {"users.password_reset_requested", "password_reset", TC_NOTIFY_SECURITY,
     CH(TC_NOTIFY_EMAIL), NULL},
    {"auth.login_succeeded", "new_login", TC_NOTIFY_SECURITY, EMAIL_INAPP,
     "new_device"},
};
static const rule_kind kinds[] = {K_ORDER, K_ORDER, K_ORDER_EV, K_ORDER_EV,
                                  K_ORDER, K_ORDER, K_TOKEN,    K_TOKEN,
                                  K_TOKEN, K_TOKEN, K_LOGIN};
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) ==
                   sizeof(rules) / sizeof(rules[0]),
               "one kind per rule");

#define NRULES (sizeof(rules) / sizeof(rules[0]))

const tc_notify_event_rule *tc_notify_event_map(size_t *count) {
  if (count) *count = NRULES;
  return rules;
}

static const char *str(const cJSON *o, const char *const *names) {
  for (size_t i = 0; names[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, names[i]);
    if (cJSON_IsString(v) && v->valuestring[0]) return v->valuestring;
  }
  return NULL;
}

static bool add(cJSON *o, const char *k, const char *v) {
  return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* Variables for the rule's kind; NULL (message set) on failure. */
static cJSON *variables(tc_ctx *ctx, rule_kind kind, const cJSON *p,
                        const tc_queue_message *msg, const char **order_id) {
  static const char *const oid[] = {"order_id", "id", NULL};
  static const char *const onum[] = {"number", "order_number", NULL};
  static const char *const tok[] = {"verification_token", "reset_token",
                                    "token", NULL};
  static const char *const ip[] = {"client_ip", "ip", NULL};
  cJSON *v = cJSON_CreateObject();
  bool ok = v != NULL;
  *order_id = NULL;
  if (ok && (kind == K_ORDER || kind == K_ORDER_EV)) {
    static const char *const trk[] = {"tracking", NULL};
    static const char *const cur[] = {"currency", NULL};
    const char *id = str(p, oid), *num = str(p, onum);
    const char *tracking = str(p, trk), *currency = str(p, cur);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(p, "total");
    char money[64] = "";
    tc_money m;
    if (cJSON_IsNumber(total) && currency &&
        tc_money_make(&m, (int64_t)total->valuedouble, currency) == TC_OK)
      tc_money_format(money, sizeof(money), &m);
    cJSON *o = cJSON_AddObjectToObject(v, "order");
    if (!id) {
      cJSON_Delete(v);
      tc__seterr(ctx, TC_EINVAL, "order_id", "event %s has no order_id",
                 msg->topic);
      return NULL;
    }
    if (kind == K_ORDER) *order_id = id;
    ok = o && add(o, "id", id) && add(o, "number", num ? num : id) &&
         add(o, "tracking", tracking ? tracking : "") &&
         (!money[0] || add(o, "total", money));
  } else if (ok && kind == K_TOKEN) {
    const char *t = str(p, tok);
    if (!t) {
      cJSON_Delete(v);
      tc__seterr(ctx, TC_EINVAL, "token", "event %s carries no token",
                 msg->topic);
      return NULL;
    }
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(p, "expires_ms");
    int64_t mins = 60;
    if (cJSON_IsNumber(exp)) {
      int64_t left = (int64_t)exp->valuedouble - tc__now_ms(ctx);
      mins = left <= 0 ? 1 : (left + 59999) / 60000;
    }
    ok = add(v, "token", t) &&
         cJSON_AddNumberToObject(v, "expires_minutes", (double)mins);
  } else if (ok) {
    const char *a = str(p, ip);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(p, "at");
    int64_t ms =
        cJSON_IsNumber(at) ? (int64_t)at->valuedouble : msg->published_ms;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char when[64] = "";
    if (gmtime_r(&secs, &tm))
      strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    cJSON *o = cJSON_AddObjectToObject(v, "login");
    ok = o && add(o, "ip", a ? a : "?") && add(o, "at", when);
  }
  if (ok) {
    cJSON *copy = cJSON_Duplicate(p, 1);
    ok = copy && cJSON_AddItemToObject(v, "event", copy);
    if (!ok) cJSON_Delete(copy);
  }
  if (!ok) {
    cJSON_Delete(v);
    tc__oom(ctx);
    return NULL;
  }
  return v;
}

/* Send every channel of rule r for event msg, in one transaction. */
static int apply_rule(tc_ctx *ctx, size_t ri, const tc_queue_message *msg,
                      const cJSON *p) {
  static const char *const uid[] = {"user_id", "customer_id", NULL};
  static const char *const em[] = {"email", "customer_email", NULL};
  static const char *const loc[] = {"locale", NULL};
  const tc_notify_event_rule *r = &rules[ri];
  const char *user_id = str(p, uid);
  if (!user_id || tc_id_check(user_id)) {
    tc__log(ctx, TC_LOG_DEBUG, "notify", "event %s (%s) names no user: skipped",
            msg->id, msg->topic);
    return TC_OK;
  }
  const char *order_id = NULL;
  cJSON *vars = variables(ctx, kinds[ri], p, msg, &order_id);
  if (!vars) return tc_errcode(ctx);
  tc_user u;
  int rc = tc_users_get(&u, ctx, &tc__system_principal, user_id);
  cJSON *uo = rc == TC_OK ? cJSON_AddObjectToObject(vars, "user") : NULL;
  if (rc == TC_OK) {
    const char *name = u.name[0] ? u.name : NULL;
    static const char *const nm[] = {"name", "customer_name", NULL};
    if (!name) name = str(p, nm);
    char local[256];
    snprintf(local, sizeof(local), "%s", u.email);
    local[strcspn(local, "@")] = '\0';
    if (!uo || !add(uo, "id", u.id) || !add(uo, "name", name ? name : local) ||
        !add(uo, "email", u.email))
      rc = tc__oom(ctx);
  }
  char *text = rc == TC_OK ? cJSON_PrintUnformatted(vars) : NULL;
  if (rc == TC_OK && !text) rc = tc__seterr(ctx, TC_ENOMEM, NULL, "no memory");
  const char *email = str(p, em);
  const char *locale = str(p, loc);
  if (locale && tc__notify_check_locale(ctx, "locale", locale)) locale = NULL;
  tc__clearerr(ctx);
  if (rc == TC_OK)
    rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  else
    goto out;
  for (int ch = 0; rc == TC_OK && ch < TC_NOTIFY_CHANNEL_COUNT; ch++) {
    if (!(r->channels & CH(ch))) continue;
    char key[TC__NOTIFY_KEY_MAX + 1];
    snprintf(key, sizeof(key), "%s:%s:%s", r->template_name,
             order_id ? order_id : msg->id,
             tc_notify_channel_name((tc_notify_channel)ch));
    tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
    q.template_name = r->template_name;
    q.channel = (tc_notify_channel)ch;
    q.category = r->category;
    q.user_id = user_id;
    q.recipient = ch == TC_NOTIFY_EMAIL ? email : NULL;
    q.locale = locale;
    q.variables = text;
    q.idempotency_key = key;
    tc_notify_result res;
    rc = tc__notify_send(&res, ctx, &q);
  }
  rc = tc__txn_end(ctx, rc);
out:
  if (text) {
    /* It may hold a one-time token. */
    memset(text, 0, strlen(text));
    cJSON_free(text);
  }
  cJSON_Delete(vars);
  return rc;
}

static bool flag_true(const cJSON *p, const char *name) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, name));
}

static int handle_event(tc_ctx *ctx, const tc__notify_state *st,
                        tc_queue_message *msg) {
  size_t ri = NRULES;
  for (size_t i = 0; i < NRULES; i++)
    if (!strcmp(msg->topic, rules[i].topic)) ri = i;
  cJSON *p = ri < NRULES ? cJSON_Parse(msg->payload) : NULL;
  int rc = TC_OK;
  if (ri < NRULES && cJSON_IsObject(p) &&
      (!rules[ri].require || flag_true(p, rules[ri].require)))
    rc = apply_rule(ctx, ri, msg, p);
  cJSON_Delete(p);
  if (rc == TC_OK) return tc_events_ack(ctx, msg);
  char reason[300];
  snprintf(reason, sizeof(reason), "%s: %s", tc_status_name(rc),
           tc_errmsg(ctx));
  tc__log(ctx, TC_LOG_WARN, "notify",
          "event %s (%s) not turned into a "
          "notification: %s",
          msg->id, msg->topic, tc_status_name(rc));
  if (rc == TC_ENOTFOUND && !strcmp(tc_errfield(ctx), "user_id")) {
    /* The user is gone: nobody to notify. */
    tc__clearerr(ctx);
    return tc_events_ack(ctx, msg);
  }
  /* Retry what may pass later; a bad event goes to the dead letters. */
  int64_t delay = tc_status_is_transient(rc) || rc == TC_ESTORAGE
                      ? tc_retry_delay_ms(&st->opts.retry, msg->attempts,
                                          tc__random_u32(ctx))
                      : 0;
  rc = tc_events_nack(ctx, msg, delay < 0 ? 0 : delay, reason);
  return rc;
}

int tc_notify_consume_events(tc_ctx *ctx, size_t max, size_t *handled) {
  if (handled) *handled = 0;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "tc_notify_consume_events must not run inside a "
                      "transaction");
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx);
  int rc = TC_OK;
  for (size_t n = 0; n < max; n++) {
    tc_queue_message *msg = NULL;
    rc = tc_events_take(ctx, TC__NOTIFY_EVENTS_GROUP, st->opts.visibility_ms,
                        &msg);
    if (rc == TC_EEMPTY) {
      tc__clearerr(ctx);
      rc = TC_OK;
      break;
    }
    if (rc) break;
    rc = handle_event(ctx, st, msg);
    if (rc == TC_ESTATE) { /* our lease ran out: someone else has it */
      tc__clearerr(ctx);
      rc = TC_OK;
    }
    if (handled) (*handled)++;
    if (rc) break;
  }
  return rc;
}
