/* Data export: one JSON document with everything held about a user: this
 * module's data, plus the sessions and roles the auth module keeps (through
 * its functions). A report: it reads the whole history at once. */
#include "techcorp/auth.h"
#include "users/users_priv.h"

static int addr_json(const tc_address *a, void *payload) {
  cJSON *item = tc__users_address_json(NULL, a);
  if (!item || !cJSON_AddItemToArray(payload, item)) {
    cJSON_Delete(item);
    return TC_ENOMEM;
  }
  return 0;
}

static int add_opt(cJSON *o, const char *name, const char *v) {
  cJSON *item = v ? cJSON_CreateString(v) : cJSON_CreateNull();
  if (!item || !cJSON_AddItemToObject(o, name, item)) {
    cJSON_Delete(item);
    return TC_ENOMEM;
  }
  return 0;
}

static int change_json(const tc_user_change *c, void *payload) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddStringToObject(o, "id", c->id) &&
            cJSON_AddStringToObject(o, "change_id", c->change_id) &&
            cJSON_AddNumberToObject(o, "at_ms", (double)c->at_ms) &&
            cJSON_AddStringToObject(o, "actor_kind", c->actor_kind) &&
            cJSON_AddStringToObject(o, "actor_id", c->actor_id) &&
            cJSON_AddStringToObject(o, "action", c->action) &&
            cJSON_AddStringToObject(o, "field", c->field) &&
            add_opt(o, "old_value", c->old_value) == 0 &&
            add_opt(o, "new_value", c->new_value) == 0 &&
            cJSON_AddStringToObject(o, "note", c->note) &&
            cJSON_AddItemToArray(payload, o);
  if (!ok) {
    cJSON_Delete(o);
    return TC_ENOMEM;
  }
  return 0;
}

int tc_users_change_json(tc_buf *out, const tc_user_change *c) {
  if (!out || !c) return TC_EINVAL;
  cJSON *arr = cJSON_CreateArray();
  if (!arr || change_json(c, arr)) {
    cJSON_Delete(arr);
    return TC_ENOMEM;
  }
  cJSON *o = cJSON_DetachItemFromArray(arr, 0);
  cJSON_Delete(arr);
  return tc__users_put_json(out, o);
}

static int history_all(tc_ctx *ctx, const char *user_id, cJSON *arr) {
  /* Page through with the public reader's query, 1000 at a time. */
  char after[TC_ID_STRLEN + 1] = "", next[TC_ID_STRLEN + 1];
  for (;;) {
    int rc = tc_users_history(next, ctx, &tc__system_principal, user_id, after,
                              1000, change_json, arr);
    if (rc) return rc;
    if (!next[0]) return TC_OK;
    memcpy(after, next, sizeof(after));
  }
}

static int session_json(const tc_auth_session *s, void *payload) {
  cJSON *o = cJSON_CreateObject();
  bool ok =
      o && cJSON_AddStringToObject(o, "id", s->id) &&
      cJSON_AddStringToObject(o, "client_id", s->client_id) &&
      cJSON_AddStringToObject(o, "ip", s->ip) &&
      cJSON_AddStringToObject(o, "user_agent", s->user_agent) &&
      cJSON_AddNumberToObject(o, "created_ms", (double)s->created_at) &&
      cJSON_AddNumberToObject(o, "last_used_ms", (double)s->last_used_at) &&
      cJSON_AddNumberToObject(o, "expires_ms", (double)s->expires_at) &&
      cJSON_AddItemToArray(payload, o);
  if (!ok) {
    cJSON_Delete(o);
    return TC_ENOMEM;
  }
  return 0;
}

/* Live sessions from the auth module, 100 at a time. */
static int sessions_all(tc_ctx *ctx, const char *user_id, cJSON *arr) {
  char after[TC_ID_STRLEN + 1] = "", next[TC_ID_STRLEN + 1];
  for (;;) {
    int rc = tc_auth_sessions_list(ctx, &tc__system_principal, user_id, after,
                                   100, next, session_json, arr);
    if (rc) return rc;
    if (!next[0]) return TC_OK;
    memcpy(after, next, sizeof(after));
  }
}

static int roles_json(tc_ctx *ctx, const char *user_id, cJSON *arr) {
  uint32_t roles = 0;
  int rc = tc_auth_get_roles(&roles, ctx, &tc__system_principal, user_id);
  if (rc == TC_OK) rc = tc__roles_json(arr, roles);
  return rc;
}

static int build(tc_ctx *ctx, const char *user_id, cJSON *doc) {
  tc_user u;
  int rc = tc__users_load(ctx, user_id, &u);
  if (rc) return rc;
  cJSON *user = tc__users_user_json(ctx, &u);
  if (!user) return TC_ENOMEM;
  cJSON_AddItemToObject(doc, "user", user);
  cJSON *prefs = cJSON_AddObjectToObject(doc, "preferences");
  cJSON *addrs = cJSON_AddArrayToObject(doc, "addresses");
  cJSON *hist = cJSON_AddArrayToObject(doc, "history");
  cJSON *sessions = cJSON_AddArrayToObject(doc, "sessions");
  cJSON *roles = cJSON_AddArrayToObject(doc, "roles");
  cJSON *missing = cJSON_AddArrayToObject(doc, "not_included");
  if (!prefs || !addrs || !hist || !sessions || !roles || !missing ||
      !cJSON_AddNumberToObject(doc, "exported_ms", (double)tc__now_ms(ctx)))
    return TC_ENOMEM;
  static const char *const notes[] = {
      "auth: the password hash, MFA secret and recovery codes (secrets, "
      "never exported) and revoked sessions",
      "orders and payments: held by their modules",
  };
  for (size_t i = 0; i < 2; i++) {
    cJSON *s = cJSON_CreateString(notes[i]);
    if (!s || !cJSON_AddItemToArray(missing, s)) {
      cJSON_Delete(s);
      return TC_ENOMEM;
    }
  }
  if ((rc = tc__users_prefs_json(ctx, user_id, prefs)) ||
      (rc = tc_users_list_addresses(ctx, &tc__system_principal, user_id,
                                    addr_json, addrs)) ||
      (rc = history_all(ctx, user_id, hist)) ||
      (rc = sessions_all(ctx, user_id, sessions)) ||
      (rc = roles_json(ctx, user_id, roles)))
    return rc;
  return TC_OK;
}

int tc__users_export_json(tc_ctx *ctx, const char *user_id, cJSON *doc) {
  int rc = build(ctx, user_id, doc);
  if (rc == TC_ENOMEM && tc_errcode(ctx) != TC_ENOMEM) rc = tc__oom(ctx);
  return rc;
}

int tc_users_export(tc_buf *out, tc_ctx *ctx, const tc_principal *who,
                    const char *user_id) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_READ, user_id)))
    return rc;
  cJSON *doc = cJSON_CreateObject();
  if (!doc) return tc__oom(ctx);
  /* One read transaction: a consistent snapshot of every part. */
  if ((rc = tc__txn_begin(ctx, TC_TXN_READ))) {
    cJSON_Delete(doc);
    return rc;
  }
  rc = tc__txn_end(ctx, tc__users_export_json(ctx, user_id, doc));
  char *text = rc == TC_OK ? cJSON_PrintUnformatted(doc) : NULL;
  cJSON_Delete(doc);
  if (rc) return rc;
  if (!text) return tc__oom(ctx);
  rc = tc_buf_puts(out, text);
  cJSON_free(text);
  if (rc) return tc__seterr(ctx, rc, NULL, "out of memory");
  return TC_OK;
}
