/*
 * lib/api/notify.c - the "notify.*" methods of the JSON API. Handlers only
 * translate JSON to the typed functions (which authorize) and back.
 */
#include <stdio.h>

#include "api_internal.h"

#define F_USER API_ID("user_id", API_OPT, "whose (default: the caller)")
#define F_LIMIT API_INT("limit", API_OPT, 1, 100, "page size, default 20")
#define F_AFTER API_STR("after", API_OPT, 1, 128, "next_cursor of a page")

/* The user a request is about: its user_id, else the calling user. */
static int whose(tc_ctx *ctx, const tc_principal *who, const cJSON *req,
                 const char **out) {
  *out = tc__json_str(req, "user_id", NULL);
  if (*out) return TC_OK;
  if (who && who->kind == TC_PRINCIPAL_USER && who->user_id[0]) {
    *out = who->user_id;
    return TC_OK;
  }
  return tc__seterr(ctx, TC_EINVAL, "user_id", "user_id is required");
}

static int add_cursor(tc_ctx *ctx, cJSON *resp, const char *next) {
  return *next ? tc__json_add_str(ctx, resp, "next_cursor", next)
               : tc__json_add_null(ctx, resp, "next_cursor");
}

/* ---- inbox ----------------------------------------------------------------
 */

static int inbox_item(const tc_notify_inbox_item *it, void *payload) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddItemToArray(payload, o);
  if (!ok) cJSON_Delete(o);
  ok = ok && cJSON_AddStringToObject(o, "id", it->id) &&
       cJSON_AddStringToObject(o, "message_id", it->message_id) &&
       cJSON_AddStringToObject(o, "subject", it->subject) &&
       cJSON_AddStringToObject(o, "body", it->body) &&
       cJSON_AddNumberToObject(o, "created_ms", (double)it->created_ms) &&
       cJSON_AddBoolToObject(o, "read", it->read_ms != 0);
  return ok ? 0 : TC_ENOMEM;
}

static int h_inbox_list(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  int rc = whose(ctx, who, req, &uid);
  if (rc) return rc;
  cJSON *items = tc__json_add_array(ctx, resp, "items");
  if (!items) return TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  rc = tc_notify_inbox_list(
      next, ctx, who, uid, tc__json_str(req, "after", NULL),
      (size_t)tc__json_int(req, "limit", 20),
      tc__json_bool(req, "unread_only", false), inbox_item, items);
  if (rc == TC_ENOMEM) return tc__oom(ctx);
  return rc ? rc : add_cursor(ctx, resp, next);
}

static int h_unread_count(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  int64_t n = 0;
  int rc = whose(ctx, who, req, &uid);
  if (!rc) rc = tc_notify_inbox_unread(&n, ctx, who, uid);
  return rc ? rc : tc__json_add_int(ctx, resp, "count", n);
}

static int h_mark_read(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  int rc = whose(ctx, who, req, &uid);
  if (!rc)
    rc = tc_notify_inbox_mark_read(ctx, who, uid, tc__json_str(req, "id", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "read", true);
}

static int h_mark_all_read(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  int64_t n = 0;
  int rc = whose(ctx, who, req, &uid);
  if (!rc) rc = tc_notify_inbox_mark_all_read(&n, ctx, who, uid);
  return rc ? rc : tc__json_add_int(ctx, resp, "changed", n);
}

/* ---- preferences ----------------------------------------------------------
 */

static int h_preferences_get(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  int rc = whose(ctx, who, req, &uid);
  if (rc) return rc;
  cJSON *arr = tc__json_add_array(ctx, resp, "preferences");
  if (!arr) return TC_ENOMEM;
  for (int ch = 0; ch < TC_NOTIFY_CHANNEL_COUNT; ch++) {
    for (int cat = 0; cat < 3; cat++) {
      int on = 1;
      if ((rc = tc_notify_pref_get(&on, ctx, who, uid, (tc_notify_channel)ch,
                                   (tc_notify_category)cat)))
        return rc;
      cJSON *o = cJSON_CreateObject();
      bool ok = o && cJSON_AddItemToArray(arr, o);
      if (!ok) cJSON_Delete(o);
      ok = ok &&
           cJSON_AddStringToObject(
               o, "channel", tc_notify_channel_name((tc_notify_channel)ch)) &&
           cJSON_AddStringToObject(
               o, "category",
               tc_notify_category_name((tc_notify_category)cat)) &&
           cJSON_AddBoolToObject(o, "enabled", on) &&
           cJSON_AddBoolToObject(o, "can_opt_out", cat == TC_NOTIFY_MARKETING);
      if (!ok) return tc__oom(ctx);
    }
  }
  return TC_OK;
}

static int h_preferences_set(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  tc_notify_channel ch;
  tc_notify_category cat;
  int rc = whose(ctx, who, req, &uid);
  if (!rc)
    rc = tc_notify_channel_parse(&ch, ctx, tc__json_str(req, "channel", ""));
  if (!rc)
    rc = tc_notify_category_parse(&cat, ctx, tc__json_str(req, "category", ""));
  bool on = tc__json_bool(req, "enabled", true);
  if (!rc) rc = tc_notify_pref_set(ctx, who, uid, ch, cat, on);
  return rc ? rc : tc__json_add_bool(ctx, resp, "enabled", on);
}

/* ---- templates ------------------------------------------------------------
 */

static cJSON *template_json(const tc_notify_template *t) {
  cJSON *o = cJSON_CreateObject();
  bool ok =
      o && cJSON_AddStringToObject(o, "name", t->name) &&
      cJSON_AddStringToObject(o, "channel",
                              tc_notify_channel_name(t->channel)) &&
      cJSON_AddStringToObject(o, "locale", t->locale) &&
      cJSON_AddStringToObject(o, "subject", t->subject ? t->subject : "") &&
      cJSON_AddStringToObject(o, "text", t->text) &&
      (t->html ? cJSON_AddStringToObject(o, "html", t->html)
               : cJSON_AddNullToObject(o, "html")) &&
      cJSON_AddBoolToObject(o, "builtin", t->builtin) &&
      cJSON_AddNumberToObject(o, "updated_ms", (double)t->updated_ms);
  if (ok) return o;
  cJSON_Delete(o);
  return NULL;
}

static int template_item(const tc_notify_template *t, void *payload) {
  cJSON *o = template_json(t);
  if (o && cJSON_AddItemToArray(payload, o)) return 0;
  cJSON_Delete(o);
  return TC_ENOMEM;
}

static int h_templates_list(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  cJSON *items = tc__json_add_array(ctx, resp, "items");
  if (!items) return TC_ENOMEM;
  char next[128];
  int rc = tc_notify_template_list(
      next, ctx, who, tc__json_str(req, "after", NULL),
      (size_t)tc__json_int(req, "limit", 20),
      tc__json_bool(req, "builtin", false), template_item, items);
  if (rc == TC_ENOMEM) return tc__oom(ctx);
  return rc ? rc : add_cursor(ctx, resp, next);
}

static int h_templates_get(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_notify_channel ch;
  int rc = tc_notify_channel_parse(&ch, ctx, tc__json_str(req, "channel", ""));
  tc_notify_template *t = NULL;
  if (!rc)
    rc = tc_notify_template_get(&t, ctx, who, tc__json_str(req, "name", ""), ch,
                                tc__json_str(req, "locale", ""));
  if (rc) return rc;
  cJSON *o = template_json(t);
  tc_notify_template_free(ctx, t);
  if (!o || !cJSON_AddItemToObject(resp, "template", o)) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return TC_OK;
}

static int h_templates_put(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_notify_template t;
  memset(&t, 0, sizeof(t));
  int rc = tc_notify_channel_parse(&t.channel, ctx,
                                   tc__json_str(req, "channel", ""));
  if (rc) return rc;
  t.name = tc__json_str(req, "name", "");
  t.locale = tc__json_str(req, "locale", "");
  t.subject = tc__json_str(req, "subject", NULL);
  t.text = tc__json_str(req, "text", "");
  t.html = tc__json_str(req, "html", NULL);
  if ((rc = tc_notify_template_put(ctx, who, &t))) return rc;
  return tc__json_add_bool(ctx, resp, "saved", true);
}

static char *vars_text(tc_ctx *ctx, const cJSON *req) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "variables");
  char *s = cJSON_PrintUnformatted(v && cJSON_IsObject(v) ? v : NULL);
  if (!v || !cJSON_IsObject(v)) return NULL;
  if (!s) tc__oom(ctx);
  return s;
}

static int h_templates_render(tc_ctx *ctx, const tc__api_caller *from,
                              const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_notify_channel ch;
  int rc = tc_notify_channel_parse(&ch, ctx, tc__json_str(req, "channel", ""));
  if (rc) return rc;
  char *vars = vars_text(ctx, req);
  if (!vars && cJSON_GetObjectItemCaseSensitive(req, "variables"))
    return TC_ENOMEM;
  tc_notify_rendered r;
  rc = tc_notify_render(&r, ctx, who, tc__json_str(req, "name", ""), ch,
                        tc__json_str(req, "locale", NULL), vars);
  cJSON_free(vars);
  if (rc) return rc;
  rc = tc__json_add_str(ctx, resp, "subject", r.subject);
  if (!rc) rc = tc__json_add_str(ctx, resp, "text", r.text);
  if (!rc)
    rc = r.html ? tc__json_add_str(ctx, resp, "html", r.html)
                : tc__json_add_null(ctx, resp, "html");
  if (!rc) rc = tc__json_add_str(ctx, resp, "locale", r.locale);
  tc_notify_rendered_finish(ctx, &r);
  return rc;
}

/* ---- history --------------------------------------------------------------
 */

static int history_item(const tc_notify_history_item *it, void *payload) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddItemToArray(payload, o);
  if (!ok) cJSON_Delete(o);
  ok =
      ok && cJSON_AddStringToObject(o, "id", it->id) &&
      cJSON_AddStringToObject(o, "user_id", it->user_id) &&
      cJSON_AddStringToObject(o, "channel",
                              tc_notify_channel_name(it->channel)) &&
      cJSON_AddStringToObject(o, "category",
                              tc_notify_category_name(it->category)) &&
      cJSON_AddStringToObject(o, "template", it->template_name) &&
      cJSON_AddStringToObject(o, "locale", it->locale) &&
      cJSON_AddStringToObject(o, "recipient", it->recipient) &&
      cJSON_AddStringToObject(o, "subject", it->subject) &&
      cJSON_AddStringToObject(o, "status", tc_notify_status_name(it->status)) &&
      cJSON_AddStringToObject(o, "reason", it->reason) &&
      cJSON_AddNumberToObject(o, "attempts", it->attempts) &&
      cJSON_AddStringToObject(o, "provider_ref", it->provider_ref) &&
      cJSON_AddNumberToObject(o, "created_ms", (double)it->created_ms) &&
      cJSON_AddNumberToObject(o, "updated_ms", (double)it->updated_ms) &&
      cJSON_AddNumberToObject(o, "sent_ms", (double)it->sent_ms);
  return ok ? 0 : TC_ENOMEM;
}

static int h_history_list(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  /* Without user_id the typed function decides: everybody's for staff,
   * a customer's own. */
  const char *uid = tc__json_str(req, "user_id", NULL);
  cJSON *items = tc__json_add_array(ctx, resp, "items");
  if (!items) return TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  int rc = tc_notify_history_list(
      next, ctx, who, uid, tc__json_str(req, "after", NULL),
      (size_t)tc__json_int(req, "limit", 20), history_item, items);
  if (rc == TC_ENOMEM) return tc__oom(ctx);
  return rc ? rc : add_cursor(ctx, resp, next);
}

static int h_history_get(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  cJSON *items = cJSON_CreateArray();
  if (!items) return tc__oom(ctx);
  int rc = tc_notify_history_get(ctx, who, tc__json_str(req, "id", ""),
                                 history_item, items);
  cJSON *first = rc ? NULL : cJSON_DetachItemFromArray(items, 0);
  cJSON_Delete(items);
  if (rc) return rc == TC_ENOMEM ? tc__oom(ctx) : rc;
  if (!first || !cJSON_AddItemToObject(resp, "message", first)) {
    cJSON_Delete(first);
    return tc__oom(ctx);
  }
  return TC_OK;
}

/* ---- sending and workers ----------------------------------------------------
 */

static int h_send(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  tc_notify_request q = TC_NOTIFY_REQUEST_INIT;
  int rc = tc_notify_channel_parse(&q.channel, ctx,
                                   tc__json_str(req, "channel", ""));
  if (!rc)
    rc = tc_notify_category_parse(
        &q.category, ctx, tc__json_str(req, "category", "transactional"));
  if (rc) return rc;
  char *vars = vars_text(ctx, req);
  if (!vars && cJSON_GetObjectItemCaseSensitive(req, "variables"))
    return TC_ENOMEM;
  q.template_name = tc__json_str(req, "template", "");
  q.user_id = tc__json_str(req, "user_id", NULL);
  q.recipient = tc__json_str(req, "recipient", NULL);
  q.locale = tc__json_str(req, "locale", NULL);
  q.idempotency_key = tc__json_str(req, "idempotency_key", NULL);
  q.variables = vars;
  tc_notify_result res;
  rc = tc_notify_send(&res, ctx, who, &q);
  cJSON_free(vars);
  if (rc) return rc;
  rc = tc__json_add_str(ctx, resp, "id", res.id);
  if (!rc)
    rc = tc__json_add_str(ctx, resp, "status",
                          tc_notify_status_name(res.status));
  if (!rc) rc = tc__json_add_str(ctx, resp, "reason", res.reason);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "duplicate", res.duplicate);
  return rc;
}

static int h_process(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  size_t n = 0;
  int rc = tc_notify_process(ctx, (size_t)tc__json_int(req, "max", 100), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "processed", (int64_t)n);
}

static int h_consume_events(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  (void)from;
  size_t n = 0;
  int rc =
      tc_notify_consume_events(ctx, (size_t)tc__json_int(req, "max", 100), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "handled", (int64_t)n);
}

static int h_replay(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  (void)from;
  size_t n = 0;
  int rc = tc_notify_replay_dead(&n, ctx, tc__json_str(req, "id", NULL));
  return rc ? rc : tc__json_add_int(ctx, resp, "replayed", (int64_t)n);
}

/* ---- the method table -------------------------------------------------------
 */

static const tc__field f_user_only[] = {F_USER, API_END};
static const tc__field f_inbox_list[] = {
    F_USER, F_AFTER, F_LIMIT,
    API_BOOL("unread_only", API_OPT, "only unread entries"), API_END};
static const tc__field f_mark_read[] = {
    F_USER, API_ID("id", API_REQ, "inbox entry id"), API_END};
static const tc__field f_prefs_set[] = {
    F_USER, API_STR("channel", API_REQ, 1, 16, "email, sms, push, in_app"),
    API_STR("category", API_REQ, 1, 16,
            "marketing (transactional and security are always on)"),
    API_BOOL("enabled", API_REQ, "on or off"), API_END};
static const tc__field f_tpl_list[] = {
    F_AFTER, F_LIMIT,
    API_BOOL("builtin", API_OPT, "list the shipped defaults instead"), API_END};
#define F_TPL_KEY                                                     \
  API_STR("name", API_REQ, 1, 64, "template name"),                   \
      API_STR("channel", API_REQ, 1, 16, "email, sms, push, in_app"), \
      API_STR("locale", API_REQ, 2, 15, "en, pt-BR ...")
static const tc__field f_tpl_get[] = {F_TPL_KEY, API_END};
static const tc__field f_tpl_put[] = {
    F_TPL_KEY,
    API_STR("subject", API_NULL, 0, 998, "one line; required for email"),
    API_STR("text", API_REQ, 1, 65536, "plain text part"),
    API_STR("html", API_NULL, 0, 65536, "html part (email only)"), API_END};
static const tc__field f_tpl_render[] = {
    API_STR("name", API_REQ, 1, 64, "template name"),
    API_STR("channel", API_REQ, 1, 16, "email, sms, push, in_app"),
    API_STR("locale", API_OPT, 2, 15, "with fallback"),
    API_OBJ("variables", API_OPT, NULL, "template variables"), API_END};
static const tc__field f_history[] = {
    API_ID("user_id", API_OPT,
           "whose (customers: only their own; staff: absent "
           "for everybody's)"),
    F_AFTER, F_LIMIT, API_END};
static const tc__field f_id[] = {API_ID("id", API_REQ, "message id"), API_END};
static const tc__field f_send[] = {
    API_STR("template", API_REQ, 1, 64, "template name"),
    API_STR("channel", API_REQ, 1, 16, "email, sms, push, in_app"),
    API_STR("category", API_OPT, 1, 16,
            "transactional (default), security, marketing"),
    API_ID("user_id", API_OPT, "the user it is for"),
    API_STR("recipient", API_OPT, 1, 320, "address (default: the user's)"),
    API_STR("locale", API_OPT, 2, 15, "default: the user's"),
    API_OBJ("variables", API_OPT, NULL, "template variables"),
    API_STR("idempotency_key", API_OPT, 1, 200, "same key, same message"),
    API_END};
static const tc__field f_max[] = {
    API_INT("max", API_OPT, 1, 10000, "at most (default 100)"), API_END};
static const tc__field f_replay[] = {
    API_ID("id", API_OPT, "message id (absent: every dead letter)"), API_END};

static const tc__field r_page[] = {
    API_ARR("items", API_OPT, 0, 0, NULL, "entries, newest first"),
    API_STR("next_cursor", API_NULL, 0, 0, "null on the last page"), API_END};
static const tc__field r_count[] = {
    API_INT("count", API_OPT, 0, 0, "unread entries"), API_END};
static const tc__field r_read[] = {API_BOOL("read", API_OPT, "true"), API_END};
static const tc__field r_changed[] = {
    API_INT("changed", API_OPT, 0, 0, "entries marked"), API_END};
static const tc__field r_prefs[] = {
    API_ARR("preferences", API_OPT, 0, 0, NULL,
            "channel, category, enabled, can_opt_out"),
    API_END};
static const tc__field r_enabled[] = {
    API_BOOL("enabled", API_OPT, "the new setting"), API_END};
static const tc__field r_template[] = {
    API_OBJ("template", API_OPT, NULL,
            "name, channel, locale, subject, text, html, builtin, updated_ms"),
    API_END};
static const tc__field r_saved[] = {API_BOOL("saved", API_OPT, "true"),
                                    API_END};
static const tc__field r_render[] = {
    API_STR("subject", API_OPT, 0, 0, NULL),
    API_STR("text", API_OPT, 0, 0, NULL), API_STR("html", API_NULL, 0, 0, NULL),
    API_STR("locale", API_OPT, 0, 0, "the template's locale"), API_END};
static const tc__field r_message[] = {
    API_OBJ("message", API_OPT, NULL, "a history entry"), API_END};
static const tc__field r_send[] = {
    API_ID("id", API_OPT, "message id"),
    API_STR("status", API_OPT, 0, 0, "queued or suppressed"),
    API_STR("reason", API_OPT, 0, 0, "opted_out, rate_limited or \"\""),
    API_BOOL("duplicate", API_OPT, "the key was used before"), API_END};
static const tc__field r_processed[] = {
    API_INT("processed", API_OPT, 0, 0, "messages handled"), API_END};
static const tc__field r_handled[] = {
    API_INT("handled", API_OPT, 0, 0, "events handled"), API_END};
static const tc__field r_replayed[] = {
    API_INT("replayed", API_OPT, 0, 0, "dead letters replayed"), API_END};

static const tc__api_method notify_methods[] = {
    API_METHOD("notify.inbox_list", "List an in-app inbox, newest first",
               TC__ACCESS_USER, f_inbox_list, r_page, h_inbox_list),
    API_METHOD("notify.unread_count", "Count unread in-app entries",
               TC__ACCESS_USER, f_user_only, r_count, h_unread_count),
    API_METHOD("notify.mark_read", "Mark one in-app entry read",
               TC__ACCESS_USER, f_mark_read, r_read, h_mark_read),
    API_METHOD("notify.mark_all_read", "Mark every in-app entry read",
               TC__ACCESS_USER, f_user_only, r_changed, h_mark_all_read),
    API_METHOD("notify.preferences_get", "Notification opt-outs of a user",
               TC__ACCESS_USER, f_user_only, r_prefs, h_preferences_get),
    API_METHOD("notify.preferences_set",
               "Opt in or out of marketing on a channel", TC__ACCESS_USER,
               f_prefs_set, r_enabled, h_preferences_set),
    API_METHOD("notify.templates_list", "List stored (or shipped) templates",
               TC__ACCESS_ADMIN, f_tpl_list, r_page, h_templates_list),
    API_METHOD("notify.templates_get", "One template (stored, else shipped)",
               TC__ACCESS_ADMIN, f_tpl_get, r_template, h_templates_get),
    API_METHOD("notify.templates_put", "Save a template (validated)",
               TC__ACCESS_ADMIN, f_tpl_put, r_saved, h_templates_put),
    API_METHOD("notify.templates_render", "Preview a template with variables",
               TC__ACCESS_ADMIN, f_tpl_render, r_render, h_templates_render),
    API_METHOD("notify.history_list", "Messages sent, newest first",
               TC__ACCESS_USER, f_history, r_page, h_history_list),
    API_METHOD("notify.history_get", "One message of the history",
               TC__ACCESS_USER, f_id, r_message, h_history_get),
    API_METHOD("notify.send", "Render and queue a notification",
               TC__ACCESS_ADMIN, f_send, r_send, h_send),
    API_METHOD("notify.process", "Deliver queued notifications (worker)",
               TC__ACCESS_SYSTEM, f_max, r_processed, h_process),
    API_METHOD("notify.consume_events", "Turn module events into notifications",
               TC__ACCESS_SYSTEM, f_max, r_handled, h_consume_events),
    API_METHOD("notify.replay", "Replay dead-lettered notifications",
               TC__ACCESS_SYSTEM, f_replay, r_replayed, h_replay),
};

API_MODULE(tc__api_notify, "notify", notify_methods);
