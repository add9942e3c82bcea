/*
 * lib/notify/api.c - the "notify.*" methods of the JSON API. Handlers only
 * translate JSON to the typed functions (which authorize) and back.
 */
#include "api_internal.h"
#include "notify/notify_priv.h" /* TODO(wall): public API only */
#include <stdio.h>

#define F_END \
  { NULL, 0, 0, 0, 0, NULL, NULL, NULL }
#define F_ID(name, flags, doc) \
  { name, TC__F_STRING, flags, 36, 36, NULL, NULL, doc }
#define F_USER F_ID("user_id", 0, "whose (default: the caller)")
#define F_LIMIT \
  { "limit", TC__F_INT, 0, 1, 100, NULL, NULL, "page size, default 20" }
#define F_AFTER \
  { "after", TC__F_STRING, 0, 1, 128, NULL, NULL, "next_cursor of a page" }

static int oom(tc_ctx *ctx) {
  return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
}

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
  if (rc == TC_ENOMEM) return oom(ctx);
  return rc ? rc : add_cursor(ctx, resp, next);
}

static int h_unread(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
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

static int h_mark_all(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid;
  int64_t n = 0;
  int rc = whose(ctx, who, req, &uid);
  if (!rc) rc = tc_notify_inbox_mark_all_read(&n, ctx, who, uid);
  return rc ? rc : tc__json_add_int(ctx, resp, "changed", n);
}

/* ---- preferences ----------------------------------------------------------
 */

static int h_prefs_get(tc_ctx *ctx, const tc__api_caller *from,
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
      if (!ok) return oom(ctx);
    }
  }
  return TC_OK;
}

static int h_prefs_set(tc_ctx *ctx, const tc__api_caller *from,
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

static int h_tpl_list(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  cJSON *items = tc__json_add_array(ctx, resp, "items");
  if (!items) return TC_ENOMEM;
  char next[128];
  int rc = tc_notify_template_list(next, ctx, tc__json_str(req, "after", NULL),
                                   (size_t)tc__json_int(req, "limit", 20),
                                   tc__json_bool(req, "builtin", false),
                                   template_item, items);
  if (rc == TC_ENOMEM) return oom(ctx);
  return rc ? rc : add_cursor(ctx, resp, next);
}

static int h_tpl_get(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_notify_channel ch;
  int rc = tc_notify_channel_parse(&ch, ctx, tc__json_str(req, "channel", ""));
  tc_notify_template *t = NULL;
  if (!rc)
    rc = tc_notify_template_get(&t, ctx, tc__json_str(req, "name", ""), ch,
                                tc__json_str(req, "locale", ""));
  if (rc) return rc;
  cJSON *o = template_json(t);
  tc_notify_template_free(ctx, t);
  if (!o || !cJSON_AddItemToObject(resp, "template", o)) {
    cJSON_Delete(o);
    return oom(ctx);
  }
  return TC_OK;
}

static int h_tpl_put(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
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
  if ((rc = tc_notify_template_put(ctx, &t))) return rc;
  return tc__json_add_bool(ctx, resp, "saved", true);
}

static char *vars_text(tc_ctx *ctx, const cJSON *req) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "variables");
  char *s = cJSON_PrintUnformatted(v && cJSON_IsObject(v) ? v : NULL);
  if (!v || !cJSON_IsObject(v)) return NULL;
  if (!s) oom(ctx);
  return s;
}

static int h_tpl_render(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_notify_channel ch;
  int rc = tc_notify_channel_parse(&ch, ctx, tc__json_str(req, "channel", ""));
  if (rc) return rc;
  char *vars = vars_text(ctx, req);
  if (!vars && cJSON_GetObjectItemCaseSensitive(req, "variables"))
    return TC_ENOMEM;
  tc_notify_rendered r;
  rc = tc_notify_render(&r, ctx, tc__json_str(req, "name", ""), ch,
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

static int h_history(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uid = tc__json_str(req, "user_id", NULL);
  /* A customer's listing is their own; staff see everybody's. */
  bool staff = who && (who->kind == TC_PRINCIPAL_SYSTEM ||
                       (who->roles & (TC_ROLE_SUPPORT | TC_ROLE_ADMIN)));
  if (!uid && !staff && who && who->kind == TC_PRINCIPAL_USER)
    uid = who->user_id;
  cJSON *items = tc__json_add_array(ctx, resp, "items");
  if (!items) return TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  int rc = tc_notify_history_list(
      next, ctx, who, uid, tc__json_str(req, "after", NULL),
      (size_t)tc__json_int(req, "limit", 20), history_item, items);
  if (rc == TC_ENOMEM) return oom(ctx);
  return rc ? rc : add_cursor(ctx, resp, next);
}

static int h_history_get(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  cJSON *items = cJSON_CreateArray();
  if (!items) return oom(ctx);
  int rc = tc_notify_history_get(ctx, who, tc__json_str(req, "id", ""),
                                 history_item, items);
  cJSON *first = rc ? NULL : cJSON_DetachItemFromArray(items, 0);
  cJSON_Delete(items);
  if (rc) return rc == TC_ENOMEM ? oom(ctx) : rc;
  if (!first || !cJSON_AddItemToObject(resp, "message", first)) {
    cJSON_Delete(first);
    return oom(ctx);
  }
  return TC_OK;
}

/* ---- sending and workers ----------------------------------------------------
 */

static int h_send(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
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
  rc = tc_notify_send(&res, ctx, &q);
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
  const tc_principal *who = from->who;
  (void)who;
  size_t n = 0;
  int rc = tc_notify_process(ctx, (size_t)tc__json_int(req, "max", 100), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "processed", (int64_t)n);
}

static int h_consume(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  size_t n = 0;
  int rc =
      tc_notify_consume_events(ctx, (size_t)tc__json_int(req, "max", 100), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "handled", (int64_t)n);
}

static int h_replay(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  size_t n = 0;
  int rc = tc_notify_replay_dead(&n, ctx, tc__json_str(req, "id", NULL));
  return rc ? rc : tc__json_add_int(ctx, resp, "replayed", (int64_t)n);
}

/* ---- the method table -------------------------------------------------------
 */

static const tc__field f_user_only[] = {F_USER, F_END};
static const tc__field f_inbox_list[] = {
    F_USER,
    F_AFTER,
    F_LIMIT,
    {"unread_only", TC__F_BOOL, 0, 0, 0, NULL, NULL, "only unread entries"},
    F_END};
static const tc__field f_mark_read[] = {
    F_USER, F_ID("id", TC__F_REQUIRED, "inbox entry id"), F_END};
static const tc__field f_prefs_set[] = {
    F_USER,
    {"channel", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL,
     "email, sms, push, in_app"},
    {"category", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL,
     "marketing (transactional and security are always on)"},
    {"enabled", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL, "on or off"},
    F_END};
static const tc__field f_tpl_list[] = {
    F_AFTER,
    F_LIMIT,
    {"builtin", TC__F_BOOL, 0, 0, 0, NULL, NULL,
     "list the shipped defaults instead"},
    F_END};
#define F_TPL_KEY                                                              \
  {"name", TC__F_STRING, TC__F_REQUIRED, 1, 64, NULL, NULL, "template name"},  \
      {"channel", TC__F_STRING, TC__F_REQUIRED, 1,                             \
       16,        NULL,         NULL,           "email, sms, push, in_app"},   \
  {                                                                            \
    "locale", TC__F_STRING, TC__F_REQUIRED, 2, 15, NULL, NULL, "en, pt-BR ..." \
  }
static const tc__field f_tpl_get[] = {F_TPL_KEY, F_END};
static const tc__field f_tpl_put[] = {
    F_TPL_KEY,
    {"subject", TC__F_STRING, TC__F_NULLABLE, 0, 998, NULL, NULL,
     "one line; required for email"},
    {"text", TC__F_STRING, TC__F_REQUIRED, 1, 65536, NULL, NULL,
     "plain text part"},
    {"html", TC__F_STRING, TC__F_NULLABLE, 0, 65536, NULL, NULL,
     "html part (email only)"},
    F_END};
static const tc__field f_tpl_render[] = {
    {"name", TC__F_STRING, TC__F_REQUIRED, 1, 64, NULL, NULL, "template name"},
    {"channel", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL,
     "email, sms, push, in_app"},
    {"locale", TC__F_STRING, 0, 2, 15, NULL, NULL, "with fallback"},
    {"variables", TC__F_OBJECT, 0, 0, 0, NULL, NULL, "template variables"},
    F_END};
static const tc__field f_history[] = {
    F_ID("user_id", 0,
         "whose (customers: only their own; staff: absent "
         "for everybody's)"),
    F_AFTER, F_LIMIT, F_END};
static const tc__field f_id[] = {F_ID("id", TC__F_REQUIRED, "message id"),
                                 F_END};
static const tc__field f_send[] = {
    {"template", TC__F_STRING, TC__F_REQUIRED, 1, 64, NULL, NULL,
     "template name"},
    {"channel", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL,
     "email, sms, push, in_app"},
    {"category", TC__F_STRING, 0, 1, 16, NULL, NULL,
     "transactional (default), security, marketing"},
    F_ID("user_id", 0, "the user it is for"),
    {"recipient", TC__F_STRING, 0, 1, 320, NULL, NULL,
     "address (default: the user's)"},
    {"locale", TC__F_STRING, 0, 2, 15, NULL, NULL, "default: the user's"},
    {"variables", TC__F_OBJECT, 0, 0, 0, NULL, NULL, "template variables"},
    {"idempotency_key", TC__F_STRING, 0, 1, 200, NULL, NULL,
     "same key, same message"},
    F_END};
static const tc__field f_max[] = {
    {"max", TC__F_INT, 0, 1, 10000, NULL, NULL, "at most (default 100)"},
    F_END};
static const tc__field f_replay[] = {
    F_ID("id", 0, "message id (absent: every dead letter)"), F_END};

static const tc__field r_page[] = {
    {"items", TC__F_ARRAY, 0, 0, 0, NULL, NULL, "entries, newest first"},
    {"next_cursor", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "null on the last page"},
    F_END};
static const tc__field r_count[] = {
    {"count", TC__F_INT, 0, 0, 0, NULL, NULL, "unread entries"}, F_END};
static const tc__field r_read[] = {
    {"read", TC__F_BOOL, 0, 0, 0, NULL, NULL, "true"}, F_END};
static const tc__field r_changed[] = {
    {"changed", TC__F_INT, 0, 0, 0, NULL, NULL, "entries marked"}, F_END};
static const tc__field r_prefs[] = {
    {"preferences", TC__F_ARRAY, 0, 0, 0, NULL, NULL,
     "channel, category, enabled, can_opt_out"},
    F_END};
static const tc__field r_enabled[] = {
    {"enabled", TC__F_BOOL, 0, 0, 0, NULL, NULL, "the new setting"}, F_END};
static const tc__field r_template[] = {
    {"template", TC__F_OBJECT, 0, 0, 0, NULL, NULL,
     "name, channel, locale, subject, text, html, builtin, updated_ms"},
    F_END};
static const tc__field r_saved[] = {
    {"saved", TC__F_BOOL, 0, 0, 0, NULL, NULL, "true"}, F_END};
static const tc__field r_render[] = {
    {"subject", TC__F_STRING, 0, 0, 0, NULL, NULL, NULL},
    {"text", TC__F_STRING, 0, 0, 0, NULL, NULL, NULL},
    {"html", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"locale", TC__F_STRING, 0, 0, 0, NULL, NULL, "the template's locale"},
    F_END};
static const tc__field r_message[] = {
    {"message", TC__F_OBJECT, 0, 0, 0, NULL, NULL, "a history entry"}, F_END};
static const tc__field r_send[] = {
    F_ID("id", 0, "message id"),
    {"status", TC__F_STRING, 0, 0, 0, NULL, NULL, "queued or suppressed"},
    {"reason", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "opted_out, rate_limited or \"\""},
    {"duplicate", TC__F_BOOL, 0, 0, 0, NULL, NULL, "the key was used before"},
    F_END};
static const tc__field r_processed[] = {
    {"processed", TC__F_INT, 0, 0, 0, NULL, NULL, "messages handled"}, F_END};
static const tc__field r_handled[] = {
    {"handled", TC__F_INT, 0, 0, 0, NULL, NULL, "events handled"}, F_END};
static const tc__field r_replayed[] = {
    {"replayed", TC__F_INT, 0, 0, 0, NULL, NULL, "dead letters replayed"},
    F_END};

static const tc__api_method notify_methods[] = {
    {"notify.inbox_list", "List an in-app inbox, newest first", TC__ACCESS_USER,
     f_inbox_list, r_page, h_inbox_list},
    {"notify.unread_count", "Count unread in-app entries", TC__ACCESS_USER,
     f_user_only, r_count, h_unread},
    {"notify.mark_read", "Mark one in-app entry read", TC__ACCESS_USER,
     f_mark_read, r_read, h_mark_read},
    {"notify.mark_all_read", "Mark every in-app entry read", TC__ACCESS_USER,
     f_user_only, r_changed, h_mark_all},
    {"notify.preferences_get", "Notification opt-outs of a user",
     TC__ACCESS_USER, f_user_only, r_prefs, h_prefs_get},
    {"notify.preferences_set", "Opt in or out of marketing on a channel",
     TC__ACCESS_USER, f_prefs_set, r_enabled, h_prefs_set},
    {"notify.templates_list", "List stored (or shipped) templates",
     TC__ACCESS_ADMIN, f_tpl_list, r_page, h_tpl_list},
    {"notify.templates_get", "One template (stored, else shipped)",
     TC__ACCESS_ADMIN, f_tpl_get, r_template, h_tpl_get},
    {"notify.templates_put", "Save a template (validated)", TC__ACCESS_ADMIN,
     f_tpl_put, r_saved, h_tpl_put},
    {"notify.templates_render", "Preview a template with variables",
     TC__ACCESS_ADMIN, f_tpl_render, r_render, h_tpl_render},
    {"notify.history_list", "Messages sent, newest first", TC__ACCESS_USER,
     f_history, r_page, h_history},
    {"notify.history_get", "One message of the history", TC__ACCESS_USER, f_id,
     r_message, h_history_get},
    {"notify.send", "Render and queue a notification", TC__ACCESS_ADMIN, f_send,
     r_send, h_send},
    {"notify.process", "Deliver queued notifications (worker)",
     TC__ACCESS_SYSTEM, f_max, r_processed, h_process},
    {"notify.consume_events", "Turn module events into notifications",
     TC__ACCESS_SYSTEM, f_max, r_handled, h_consume},
    {"notify.replay", "Replay dead-lettered notifications", TC__ACCESS_SYSTEM,
     f_replay, r_replayed, h_replay},
};

const tc__api_module tc__api_notify = {
    "notify", notify_methods,
    sizeof(notify_methods) / sizeof(notify_methods[0])};
