/*
 * lib/notify/send.c - tc_notify_send(): render, apply opt-outs and rate
 * limits, then write the history row and publish "notify.send" in one
 * transaction (the outbox), so a message is queued exactly when its row
 * exists.
 */
#include <sodium.h>
#include <stdio.h>

#include "notify_priv.h"
#include "techcorp/users.h"

typedef struct existing {
  tc_notify_result *out;
  bool found;
} existing;

static int existing_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  existing *e = payload;
  tc__col_copy(e->out->id, sizeof(e->out->id), &c[0]);
  const char *st = tc__col_text(&c[1]);
  for (int i = 0; i < 5; i++)
    if (!strcmp(st, tc_notify_status_name((tc_notify_status)i)))
      e->out->status = (tc_notify_status)i;
  tc__col_copy(e->out->reason, sizeof(e->out->reason), &c[2]);
  e->out->duplicate = 1;
  e->found = true;
  return TC_STORE_STOP;
}

static int find_key(tc_ctx *ctx, const char *key, tc_notify_result *out,
                    bool *found) {
  existing e = {out, false};
  tc_value p[] = {TC_VAL_TEXT(key)};
  int rc = tc__db_exec(ctx,
                       "SELECT id, status, reason FROM notify_messages WHERE "
                       "idempotency_key = ?",
                       p, 1, existing_cb, &e, NULL);
  *found = e.found;
  return rc;
}

static int check_request(tc_ctx *ctx, const tc_notify_request *r) {
  int rc;
  if (r->version < 1 || r->version > TC_NOTIFY_REQUEST_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "request version %u is not supported",
                      (unsigned)r->version);
  if ((rc = tc__notify_check_name(ctx, "template", r->template_name)) ||
      (rc = tc__notify_check_channel(ctx, r->channel)) ||
      (rc = tc__notify_check_category(ctx, r->category)))
    return rc;
  if (r->user_id && tc_id_check(r->user_id))
    return tc__seterr(ctx, TC_EINVAL, "user_id", "user_id is not an id");
  if (r->recipient) {
    if ((rc = tc__check_text(ctx, "recipient", r->recipient, 1,
                             TC__NOTIFY_RECIPIENT_MAX, TC__TEXT_CONTROLS)))
      return rc;
    for (const char *p = r->recipient; *p; p++)
      if ((unsigned char)*p < 0x20 || *p == '<' || *p == '>' || *p == ',')
        return tc__seterr(ctx, TC_EINVAL, "recipient",
                          "recipient holds a character not allowed in an "
                          "address");
    if (r->channel == TC_NOTIFY_EMAIL && !strchr(r->recipient, '@'))
      return tc__seterr(ctx, TC_EINVAL, "recipient",
                        "recipient is not an e-mail address");
  }
  if (r->locale && (rc = tc__notify_check_locale(ctx, "locale", r->locale)))
    return rc;
  if (r->idempotency_key) {
    if ((rc = tc__check_text(ctx, "idempotency_key", r->idempotency_key, 1,
                             TC__NOTIFY_KEY_MAX, TC__TEXT_CONTROLS)))
      return rc;
    for (const char *p = r->idempotency_key; *p; p++)
      if ((unsigned char)*p <= 0x20 || *p == 0x7f)
        return tc__seterr(ctx, TC_EINVAL, "idempotency_key",
                          "idempotency_key must be printable without spaces");
  }
  return TC_OK;
}

static int opted_out(tc_ctx *ctx, const tc_notify_request *r, bool *out) {
  *out = false;
  if (r->category != TC_NOTIFY_MARKETING || !r->user_id) return TC_OK;
  tc_value p[] = {TC_VAL_TEXT(r->user_id),
                  TC_VAL_TEXT(tc_notify_channel_name(r->channel)),
                  TC_VAL_TEXT(tc_notify_category_name(r->category))};
  int rc = tc__db_row(ctx,
                      "SELECT 1 FROM notify_optouts WHERE user_id = ? AND "
                      "channel = ? AND category = ?",
                      p, 3, NULL, NULL);
  if (rc == TC_OK) *out = true;
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}

/* Count one message for (channel, recipient) in the current fixed window.
 * The recipient is hashed so no address sits in the cache. A cache that
 * fails lets the message through (logged): losing a notification is worse
 * than exceeding a limit for the length of an outage. */
static bool over_limit(tc_ctx *ctx, const tc__notify_state *st,
                       tc_notify_channel ch, const char *recipient) {
  const tc_notify_channel_options *co = &st->opts.channels[ch];
  if (co->rate_limit == 0) return false;
  tc_cache *c = ctx->cache;
  if (!c || c->version < 1 || !c->incr) return false;
  unsigned char h[16];
  char hex[33], key[96];
  crypto_generichash(h, sizeof(h), (const unsigned char *)recipient,
                     strlen(recipient), NULL, 0);
  sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
  snprintf(key, sizeof(key), "notify:rl:%s:%s", tc_notify_channel_name(ch),
           hex);
  int64_t window = co->rate_window_ms ? co->rate_window_ms : 3600000;
  int64_t n = 0;
  int rc = c->incr(c->self, key, 1, window, &n);
  if (rc != TC_OK) {
    tc__log(ctx, TC_LOG_WARN, "notify",
            "rate limit not checked: cache incr failed (%s)", tc_strerror(rc));
    return false;
  }
  return n > (int64_t)co->rate_limit;
}

/* Variables plus a "user" object when the caller gave none. */
static int build_vars(tc_ctx *ctx, const tc_notify_request *r, const tc_user *u,
                      cJSON **out) {
  int rc = tc__notify_parse_vars(ctx, r->variables, out);
  if (rc || !u || cJSON_GetObjectItemCaseSensitive(*out, "user")) return rc;
  /* Greet by the e-mail's local part when the profile has no name. */
  char name[256];
  snprintf(name, sizeof(name), "%s", u->name);
  if (!name[0]) {
    snprintf(name, sizeof(name), "%s", u->email);
    name[strcspn(name, "@")] = '\0';
  }
  cJSON *o = cJSON_AddObjectToObject(*out, "user");
  if (!o || !cJSON_AddStringToObject(o, "id", u->id) ||
      !cJSON_AddStringToObject(o, "name", name) ||
      !cJSON_AddStringToObject(o, "email", u->email)) {
    cJSON_Delete(*out);
    *out = NULL;
    return tc__oom(ctx);
  }
  return TC_OK;
}

typedef struct msg_row {
  const tc_notify_request *r;
  const char *id, *key, *recipient, *locale, *status, *reason;
  const tc_notify_rendered *m;
  bool queue;
} msg_row;

static int insert(tc_ctx *ctx, const msg_row *w) {
  char event_id[TC_ID_STRLEN + 1] = "";
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  if (w->queue) {
    cJSON *payload = cJSON_CreateObject();
    if (payload && !cJSON_AddStringToObject(payload, "id", w->id)) {
      cJSON_Delete(payload);
      payload = NULL;
    }
    rc = tc__publish_json(ctx, TC__NOTIFY_TOPIC,
                          w->r->user_id ? w->r->user_id : w->id, payload,
                          event_id);
  }
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {TC_VAL_TEXT(w->id),
                  TC_VAL_TEXT(w->key),
                  TC_VAL_TEXT(w->r->user_id ? w->r->user_id : ""),
                  TC_VAL_TEXT(tc_notify_channel_name(w->r->channel)),
                  TC_VAL_TEXT(tc_notify_category_name(w->r->category)),
                  TC_VAL_TEXT(w->r->template_name),
                  TC_VAL_TEXT(w->locale),
                  TC_VAL_TEXT(w->recipient),
                  TC_VAL_TEXT(w->m->subject),
                  TC_VAL_TEXT(w->queue ? w->m->text : NULL),
                  TC_VAL_TEXT(w->queue ? w->m->html : NULL),
                  TC_VAL_TEXT(w->status),
                  TC_VAL_TEXT(w->reason),
                  TC_VAL_TEXT(event_id),
                  TC_VAL_INT(now),
                  TC_VAL_INT(now)};
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "INSERT INTO notify_messages (id, idempotency_key, "
                     "user_id, channel, category, template, locale, "
                     "recipient, subject, body_text, body_html, status, "
                     "reason, attempts, claim_until, provider_ref, event_id, "
                     "created_ms, updated_ms, sent_ms) VALUES (?, ?, ?, ?, "
                     "?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', ?, ?, ?, 0)",
                     p, 16, NULL, NULL, NULL);
  return tc__txn_end(ctx, rc);
}

int tc__notify_send(tc_notify_result *out, tc_ctx *ctx,
                    const tc_notify_request *r) {
  memset(out, 0, sizeof(*out));
  int rc = check_request(ctx, r);
  if (rc) return rc;
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx);
  bool found = false;
  if (r->idempotency_key &&
      ((rc = find_key(ctx, r->idempotency_key, out, &found)) || found))
    return rc;

  tc_user u, *up = NULL;
  if (r->user_id) {
    if ((rc = tc_users_get(&u, ctx, &tc__system_principal, r->user_id)))
      return rc;
    up = &u;
  }
  const char *recipient = r->recipient;
  if (!recipient && r->channel == TC_NOTIFY_EMAIL && up && up->email[0])
    recipient = up->email;
  if (!recipient && r->channel == TC_NOTIFY_IN_APP) recipient = r->user_id;
  if (!recipient)
    return tc__seterr(ctx, TC_EINVAL, "recipient",
                      "recipient is needed for %s without a user",
                      tc_notify_channel_name(r->channel));
  if (r->channel == TC_NOTIFY_IN_APP &&
      (!r->user_id || strcmp(recipient, r->user_id)))
    return tc__seterr(ctx, TC_EINVAL, "user_id",
                      "in_app messages go to a user: give user_id only");
  const char *locale = r->locale;
  if (!locale && up && up->locale[0] &&
      tc__notify_check_locale(ctx, "locale", up->locale) == TC_OK)
    locale = up->locale;
  tc__clearerr(ctx);

  cJSON *vars = NULL;
  if ((rc = build_vars(ctx, r, up, &vars))) return rc;
  tc_notify_rendered m;
  rc = tc__notify_render(&m, ctx, r->template_name, r->channel, locale, vars);
  cJSON_Delete(vars);
  if (rc) return rc;

  tc_id id;
  tc_id_new(&id, ctx);
  bool out_opt = false;
  rc = opted_out(ctx, r, &out_opt);
  const char *reason = "";
  if (rc == TC_OK && out_opt)
    reason = "opted_out";
  else if (rc == TC_OK && over_limit(ctx, st, r->channel, recipient))
    reason = "rate_limited";
  msg_row w = {
      r,         id.str,   r->idempotency_key ? r->idempotency_key : id.str,
      recipient, m.locale, *reason ? "suppressed" : "queued",
      reason,    &m,       !*reason};
  if (rc == TC_OK) rc = insert(ctx, &w);
  tc_notify_rendered_finish(ctx, &m);
  if (rc == TC_ECONFLICT && r->idempotency_key) {
    /* Someone else claimed the key meanwhile: theirs is the message. */
    tc__clearerr(ctx);
    if ((rc = find_key(ctx, r->idempotency_key, out, &found)) == TC_OK &&
        !found)
      rc = tc__seterr(ctx, TC_ECONFLICT, "idempotency_key",
                      "idempotency_key is taken");
    return rc;
  }
  if (rc) return rc;
  snprintf(out->id, sizeof(out->id), "%s", id.str);
  out->status = *reason ? TC_NOTIFY_SUPPRESSED : TC_NOTIFY_QUEUED;
  snprintf(out->reason, sizeof(out->reason), "%s", reason);
  if (*reason)
    tc__log(ctx, TC_LOG_INFO, "notify", "message %s suppressed: %s", id.str,
            reason);
  return TC_OK;
}

int tc_notify_send(tc_notify_result *out, tc_ctx *ctx, const tc_principal *who,
                   const tc_notify_request *req) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "notify", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  if (!out || !req)
    return tc__seterr(ctx, TC_EINVAL, out ? "req" : "out",
                      "out and req must not be NULL");
  return tc__notify_send(out, ctx, req);
}
