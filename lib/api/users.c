/*
 * lib/api/users.c - the "users.*" methods of the JSON API, over the typed
 * functions (no rule lives only here). user_id defaults to the caller's
 * own id.
 */
#include <stdio.h>

#include "api_internal.h"

#define USER_ID_FIELD \
  API_STR("user_id", API_NULL, 36, 36, "the user (default: the caller)")

/* ---- response shapes (for system.methods and the docs) ---- */

static const tc__field user_fields[] = {
    API_STR("id", API_REQ, 0, 0, "user id"),
    API_STR("email", API_REQ, 0, 0, "normalised e-mail address"),
    API_STR("name", API_REQ, 0, 0, "display name"),
    API_STR("locale", API_REQ, 0, 0, "BCP 47 language tag"),
    API_STR("phone", API_REQ, 0, 0, "E.164 phone number, \"\" when none"),
    API_STR("status", API_REQ, 0, 0, "\"active\" or \"deleted\""),
    API_BOOL("email_verified", API_REQ, "the e-mail address was verified"),
    API_INT("created_ms", API_REQ, 0, 0, "creation time, ms since the epoch"),
    API_INT("updated_ms", API_REQ, 0, 0, "last change, ms since the epoch"),
    API_END,
};
static const tc__field user_resp[] = {
    API_OBJ("user", API_REQ, user_fields, "the user"),
    API_END,
};
static const tc__field user_item = API_OBJ(NULL, 0, user_fields, "a user");

static const tc__field address_fields[] = {
    API_STR("id", API_REQ, 0, 0, "address id"),
    API_STR("user_id", API_REQ, 0, 0, "owner"),
    API_STR("label", API_REQ, 0, 0, "the user's name for it (\"home\")"),
    API_STR("recipient", API_REQ, 0, 0, "who receives"),
    API_STR("line1", API_REQ, 0, 0, "street and number"),
    API_STR("line2", API_REQ, 0, 0, "complement"),
    API_STR("city", API_REQ, 0, 0, "city"),
    API_STR("region", API_REQ, 0, 0, "state or province"),
    API_STR("postal_code", API_REQ, 0, 0, "postal code"),
    API_STR("country", API_REQ, 0, 0, "ISO 3166-1 alpha-2 code"),
    API_STR("phone", API_REQ, 0, 0, "E.164 phone, \"\" when none"),
    API_BOOL("default_shipping", API_REQ, "the default shipping address"),
    API_BOOL("default_billing", API_REQ, "the default billing address"),
    API_INT("created_ms", API_REQ, 0, 0, "creation time"),
    API_INT("updated_ms", API_REQ, 0, 0, "last change"),
    API_END,
};
static const tc__field address_resp[] = {
    API_OBJ("address", API_REQ, address_fields, "the address"),
    API_END,
};
static const tc__field address_item =
    API_OBJ(NULL, 0, address_fields, "address");

static const tc__field change_fields[] = {
    API_STR("id", API_REQ, 0, 0, "entry id (the paging cursor)"),
    API_STR("change_id", API_REQ, 0, 0, "entries of one call share it"),
    API_INT("at_ms", API_REQ, 0, 0, "when"),
    API_STR("actor_kind", API_REQ, 0, 0, "user, system, anonymous or token"),
    API_STR("actor_id", API_REQ, 0, 0, "the acting user's id, or \"\""),
    API_STR("action", API_REQ, 0, 0, "registered, updated, email_verified..."),
    API_STR("field", API_REQ, 0, 0, "which field changed"),
    API_STR("old_value", API_REQ | API_NULL, 0, 0,
            "value before (null: none, secret or erased)"),
    API_STR("new_value", API_REQ | API_NULL, 0, 0,
            "value after (null: none, secret or erased)"),
    API_STR("note", API_REQ, 0, 0, "remark, e.g. \"password changed\""),
    API_END,
};
static const tc__field change_item =
    API_OBJ(NULL, 0, change_fields, "a change");

static const tc__field ok_resp[] = {
    API_BOOL("ok", API_REQ, "always true"),
    API_END,
};

/* ---- helpers ---- */

/* The user a request is about: its user_id, or the caller's own. */
static int target(tc_ctx *ctx, const tc_principal *who, const cJSON *req,
                  const char **out) {
  const char *id = tc__json_str(req, "user_id", NULL);
  if (!id && who->kind == TC_PRINCIPAL_USER) id = who->user_id;
  if (!id)
    return tc__seterr(ctx, TC_EINVAL, "user_id",
                      "field 'user_id' is required for this caller");
  *out = id;
  return TC_OK;
}

/* The JSON forms of records are the users module's (tc_users_*_json):
 * the same as in its exports. */
static int add_user(tc_ctx *ctx, cJSON *parent, const char *name,
                    const tc_user *u) {
  tc_buf b = tc__json_buf(ctx);
  return tc__json_attach(ctx, parent, name, &b, tc_users_user_json(&b, u));
}

static int add_address(tc_ctx *ctx, cJSON *parent, const char *name,
                       const tc_address *a) {
  tc_buf b = tc__json_buf(ctx);
  return tc__json_attach(ctx, parent, name, &b, tc_users_address_json(&b, a));
}

/* Listing callbacks: append to arr. */
typedef struct list_out {
  tc_ctx *ctx;
  cJSON *arr;
} list_out;

static int add_ok(tc_ctx *ctx, cJSON *resp) {
  return tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- profile ---- */

static const tc__field register_req[] = {
    API_STR("email", API_REQ, 1, 320, "e-mail address (normalised, unique)"),
    API_STR("password", API_REQ, 1, 4096,
            "password (the auth module's policy)"),
    API_STR("name", API_REQ, 1, TC_USERS_NAME_MAX, "display name"),
    API_STR("locale", API_NULL, 1, TC_USERS_LOCALE_MAX,
            "BCP 47 tag (default \"en\")"),
    API_END,
};

static int h_register(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  tc_user u;
  int rc = tc_users_register(&u, ctx, who, tc__json_str(req, "email", NULL),
                             tc__json_str(req, "password", NULL),
                             tc__json_str(req, "name", NULL),
                             tc__json_str(req, "locale", NULL));
  return rc ? rc : add_user(ctx, resp, "user", &u);
}

static const tc__field user_id_req[] = {USER_ID_FIELD, API_END};

static int h_get(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                 cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  tc_user u;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK) rc = tc_users_get(&u, ctx, who, id);
  return rc ? rc : add_user(ctx, resp, "user", &u);
}

static const tc__field find_req[] = {
    API_STR("email", API_REQ, 1, 320, "e-mail address, any case"),
    API_END,
};

static int h_find_by_email(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_user u;
  int rc =
      tc_users_find_by_email(&u, ctx, who, tc__json_str(req, "email", NULL));
  return rc ? rc : add_user(ctx, resp, "user", &u);
}

static const tc__field update_req[] = {
    USER_ID_FIELD,
    API_STR("name", API_NULL, 1, TC_USERS_NAME_MAX, "new display name"),
    API_STR("locale", API_NULL, 1, TC_USERS_LOCALE_MAX, "new BCP 47 tag"),
    API_STR("phone", API_NULL, 0, 64, "E.164 number; \"\" removes it"),
    API_END,
};

static int h_update(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  tc_user u;
  int rc = target(ctx, who, req, &id);
  tc_user_changes ch = TC_USER_CHANGES_INIT;
  ch.name = tc__json_str(req, "name", NULL);
  ch.locale = tc__json_str(req, "locale", NULL);
  ch.phone = tc__json_str(req, "phone", NULL);
  if (rc == TC_OK) rc = tc_users_update(&u, ctx, who, id, &ch);
  return rc ? rc : add_user(ctx, resp, "user", &u);
}

static int h_delete(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK) rc = tc_users_delete(ctx, who, id);
  return rc ? rc : add_ok(ctx, resp);
}

static const tc__field role_item =
    API_STR(NULL, 0, 1, 16, "\"customer\", \"support\" or \"admin\"");
static const tc__field roles_req[] = {
    API_STR("user_id", API_REQ, 36, 36, "the user"),
    API_ARR("roles", API_REQ, 1, 3, &role_item, "the user's roles from now on"),
    API_END,
};
static const tc__field roles_resp[] = {
    API_ARR("roles", API_REQ, 0, 0, &role_item, "the roles now held"),
    API_END,
};

static int h_set_roles(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  uint32_t roles = 0;
  int i = 0;
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(req, "roles");
  for (const cJSON *r = arr ? arr->child : NULL; r; r = r->next, i++) {
    uint32_t bit = tc_role_parse(r->valuestring);
    if (!bit) {
      char field[32];
      snprintf(field, sizeof(field), "roles[%d]", i);
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s must be customer, support or admin", field);
    }
    roles |= bit;
  }
  int rc =
      tc_users_set_roles(ctx, who, tc__json_str(req, "user_id", NULL), roles);
  cJSON *out = rc ? NULL : tc__json_add_array(ctx, resp, "roles");
  if (rc || !out) return rc ? rc : TC_ENOMEM;
  if (tc__roles_json(out, roles)) return tc__oom(ctx);
  return TC_OK;
}

static const tc__field list_req[] = {
    API_STR("email_prefix", API_NULL, 1, TC_USERS_EMAIL_MAX,
            "e-mail starts with"),
    API_STR("status", API_NULL, 1, 16, "\"active\" or \"deleted\""),
    API_INT("created_from_ms", API_NULL, 0, INT64_MAX, "created at or after"),
    API_INT("created_to_ms", API_NULL, 0, INT64_MAX, "created before"),
    API_STR("after", API_NULL, 0, 36, "cursor: the previous page's next"),
    API_INT("limit", API_NULL, 1, 1000, "page size (default 50)"),
    API_END,
};
static const tc__field list_resp[] = {
    API_ARR("users", API_REQ, 0, 0, &user_item, "the page, oldest first"),
    API_STR("next", API_REQ, 0, 0,
            "cursor of the next page, \"\" after the last"),
    API_END,
};

static int user_to_array(const tc_user *u, void *payload) {
  list_out *l = payload;
  return add_user(l->ctx, l->arr, NULL, u);
}

static int h_list(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  tc_users_filter f = TC_USERS_FILTER_INIT;
  f.email_prefix = tc__json_str(req, "email_prefix", NULL);
  const char *status = tc__json_str(req, "status", NULL);
  if (status && !strcmp(status, "active")) {
    f.status = TC_USER_ACTIVE;
  } else if (status && !strcmp(status, "deleted")) {
    f.status = TC_USER_DELETED;
  } else if (status) {
    return tc__seterr(ctx, TC_EINVAL, "status",
                      "status must be \"active\" or \"deleted\"");
  }
  f.created_from_ms = tc__json_int(req, "created_from_ms", 0);
  f.created_to_ms = tc__json_int(req, "created_to_ms", 0);
  list_out l = {ctx, tc__json_add_array(ctx, resp, "users")};
  if (!l.arr) return TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  int rc =
      tc_users_list(next, ctx, who, &f, tc__json_str(req, "after", NULL),
                    (size_t)tc__json_int(req, "limit", 50), user_to_array, &l);
  return rc ? rc : tc__json_add_str(ctx, resp, "next", next);
}

/* ---- tokens ---- */

static const tc__field token_req[] = {
    API_STR("token", API_REQ, 1, 128, "the token from the e-mail"),
    API_END,
};

static int h_verify_email(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  (void)from;
  tc_user u;
  int rc = tc_users_verify_email(&u, ctx, tc__json_str(req, "token", NULL));
  return rc ? rc : add_user(ctx, resp, "user", &u);
}

static int h_send_verification(tc_ctx *ctx, const tc__api_caller *from,
                               const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK) rc = tc_users_send_verification(ctx, who, id);
  return rc ? rc : add_ok(ctx, resp);
}

static const tc__field change_email_req[] = {
    USER_ID_FIELD,
    API_STR("email", API_REQ, 1, 320, "the new address"),
    API_STR("password", API_NULL, 1, 4096,
            "current password (required when changing one's own)"),
    API_END,
};

static int h_change_email(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK)
    rc = tc_users_change_email(ctx, who, id, tc__json_str(req, "email", NULL),
                               tc__json_str(req, "password", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

static int h_confirm_email_change(tc_ctx *ctx, const tc__api_caller *from,
                                  const cJSON *req, cJSON *resp) {
  (void)from;
  tc_user u;
  int rc =
      tc_users_confirm_email_change(&u, ctx, tc__json_str(req, "token", NULL));
  return rc ? rc : add_user(ctx, resp, "user", &u);
}

static const tc__field reset_request_req[] = {
    API_STR("email", API_REQ, 1, 320, "the account's e-mail address"),
    API_END,
};

static int h_request_password_reset(tc_ctx *ctx, const tc__api_caller *from,
                                    const cJSON *req, cJSON *resp) {
  (void)from;
  int rc =
      tc_users_request_password_reset(ctx, tc__json_str(req, "email", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

static const tc__field reset_req[] = {
    API_STR("token", API_REQ, 1, 128, "the token from the e-mail"),
    API_STR("password", API_REQ, 1, 4096, "the new password"),
    API_END,
};

static int h_reset_password(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  (void)from;
  int rc = tc_users_reset_password(ctx, tc__json_str(req, "token", NULL),
                                   tc__json_str(req, "password", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

/* ---- preferences ---- */

static const tc__field prefs_resp[] = {
    API_OBJ("preferences", API_REQ, NULL,
            "key -> value: locale, currency, timezone (strings), "
            "marketing_opt_in, opt_out_email, opt_out_sms, opt_out_push, "
            "opt_out_in_app (booleans)"),
    API_END,
};

static int pref_to_object(const tc_user_pref *p, void *payload) {
  list_out *l = payload;
  int rc = p->type == TC_PREF_BOOL
               ? tc__json_add_bool(l->ctx, l->arr, p->key, p->b)
               : tc__json_add_str(l->ctx, l->arr, p->key, p->str);
  return rc;
}

static int add_prefs(tc_ctx *ctx, const tc_principal *who, cJSON *resp,
                     const char *id) {
  list_out l = {ctx, tc__json_add_object(ctx, resp, "preferences")};
  return l.arr ? tc_users_get_prefs(ctx, who, id, pref_to_object, &l)
               : TC_ENOMEM;
}

static int h_get_preferences(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  return rc ? rc : add_prefs(ctx, who, resp, id);
}

static const tc__field set_prefs_req[] = {
    USER_ID_FIELD,
    API_OBJ("preferences", API_REQ, NULL,
            "key -> value (null removes it); unknown keys are refused"),
    API_END,
};

static int h_set_preferences(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc) return rc;
  const cJSON *obj = cJSON_GetObjectItemCaseSensitive(req, "preferences");
  tc_user_pref prefs[16];
  size_t n = 0;
  for (const cJSON *m = obj ? obj->child : NULL; m; m = m->next) {
    if (n == sizeof(prefs) / sizeof(prefs[0]))
      return tc__seterr(ctx, TC_EINVAL, "preferences",
                        "too many preferences at once");
    tc_user_pref *p = &prefs[n++];
    memset(p, 0, sizeof(*p));
    p->key = m->string;
    if (cJSON_IsNull(m)) {
      p->unset = true;
    } else if (cJSON_IsBool(m)) {
      p->type = TC_PREF_BOOL;
      p->b = cJSON_IsTrue(m);
    } else if (cJSON_IsString(m)) {
      p->type = TC_PREF_STRING;
      p->str = m->valuestring;
    } /* any other JSON type: type 0, refused naming the key */
  }
  rc = tc_users_set_prefs(ctx, who, id, prefs, n);
  return rc ? rc : add_prefs(ctx, who, resp, id);
}

/* ---- addresses ---- */

#define ADDRESS_INPUT(req_flag)                                              \
  API_STR("label", API_NULL, 0, 64, "the user's name for it; \"\" clears"),  \
      API_STR("recipient", req_flag, 1, 200, "who receives"),                \
      API_STR("line1", req_flag, 1, 200, "street and number"),               \
      API_STR("line2", API_NULL, 0, 200, "complement; \"\" clears"),         \
      API_STR("city", req_flag, 1, 100, "city"),                             \
      API_STR("region", API_NULL, 0, 100, "state or province; \"\" clears"), \
      API_STR("postal_code", req_flag, 1, 20, "postal code"),                \
      API_STR("country", req_flag, 2, 2, "ISO 3166-1 alpha-2 code"),         \
      API_STR("phone", API_NULL, 0, 64, "E.164 phone; \"\" clears"),         \
      API_BOOL("default_shipping", API_NULL,                                 \
               "make it the default shipping address"),                      \
      API_BOOL("default_billing", API_NULL,                                  \
               "make it the default billing address")

static const tc__field add_address_req[] = {
    USER_ID_FIELD,
    ADDRESS_INPUT(API_REQ),
    API_END,
};
static const tc__field update_address_req[] = {
    API_STR("address_id", API_REQ, 36, 36, "the address"),
    ADDRESS_INPUT(API_NULL),
    API_END,
};
static const tc__field address_id_req[] = {
    API_STR("address_id", API_REQ, 36, 36, "the address"),
    API_END,
};
static const tc__field addresses_resp[] = {
    API_ARR("addresses", API_REQ, 0, 0, &address_item, "oldest first"),
    API_END,
};

static tc_address_fields address_input(const cJSON *req) {
  tc_address_fields f = TC_ADDRESS_FIELDS_INIT;
  f.label = tc__json_str(req, "label", NULL);
  f.recipient = tc__json_str(req, "recipient", NULL);
  f.line1 = tc__json_str(req, "line1", NULL);
  f.line2 = tc__json_str(req, "line2", NULL);
  f.city = tc__json_str(req, "city", NULL);
  f.region = tc__json_str(req, "region", NULL);
  f.postal_code = tc__json_str(req, "postal_code", NULL);
  f.country = tc__json_str(req, "country", NULL);
  f.phone = tc__json_str(req, "phone", NULL);
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(req, "default_shipping");
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(req, "default_billing");
  if (cJSON_IsBool(s)) f.default_shipping = cJSON_IsTrue(s);
  if (cJSON_IsBool(b)) f.default_billing = cJSON_IsTrue(b);
  return f;
}

static int h_add_address(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  tc_address a;
  int rc = target(ctx, who, req, &id);
  tc_address_fields f = address_input(req);
  if (rc == TC_OK) rc = tc_users_add_address(&a, ctx, who, id, &f);
  return rc ? rc : add_address(ctx, resp, "address", &a);
}

static int h_update_address(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_address a;
  tc_address_fields f = address_input(req);
  int rc = tc_users_update_address(&a, ctx, who,
                                   tc__json_str(req, "address_id", NULL), &f);
  return rc ? rc : add_address(ctx, resp, "address", &a);
}

static int h_delete_address(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc =
      tc_users_delete_address(ctx, who, tc__json_str(req, "address_id", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

static int address_to_array(const tc_address *a, void *payload) {
  list_out *l = payload;
  return add_address(l->ctx, l->arr, NULL, a);
}

static int h_list_addresses(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  list_out l = {ctx, rc ? NULL : tc__json_add_array(ctx, resp, "addresses")};
  if (rc || !l.arr) return rc ? rc : TC_ENOMEM;
  return tc_users_list_addresses(ctx, who, id, address_to_array, &l);
}

/* ---- history and export ---- */

static const tc__field history_req[] = {
    USER_ID_FIELD,
    API_STR("after", API_NULL, 0, 36, "cursor: the previous page's next"),
    API_INT("limit", API_NULL, 1, 1000, "page size (default 50)"),
    API_END,
};
static const tc__field history_resp[] = {
    API_ARR("entries", API_REQ, 0, 0, &change_item, "oldest first"),
    API_STR("next", API_REQ, 0, 0,
            "cursor of the next page, \"\" after the last"),
    API_END,
};

static int change_to_array(const tc_user_change *c, void *payload) {
  list_out *l = payload;
  tc_buf b = tc__json_buf(l->ctx);
  return tc__json_attach(l->ctx, l->arr, NULL, &b, tc_users_change_json(&b, c));
}

static int h_history(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  list_out l = {ctx, rc ? NULL : tc__json_add_array(ctx, resp, "entries")};
  if (rc || !l.arr) return rc ? rc : TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  rc = tc_users_history(next, ctx, who, id, tc__json_str(req, "after", NULL),
                        (size_t)tc__json_int(req, "limit", 50), change_to_array,
                        &l);
  return rc ? rc : tc__json_add_str(ctx, resp, "next", next);
}

static const tc__field export_resp[] = {
    API_OBJ("user", API_REQ, user_fields, "the profile"),
    API_OBJ("preferences", API_REQ, NULL, "the preferences"),
    API_ARR("addresses", API_REQ, 0, 0, &address_item, "the addresses"),
    API_ARR("history", API_REQ, 0, 0, &change_item, "every recorded change"),
    API_ARR("sessions", API_REQ, 0, 0, NULL,
            "live sessions: id, client_id, ip, user_agent, created_ms, "
            "last_used_ms, expires_ms"),
    API_ARR("roles", API_REQ, 0, 0, &role_item, "roles held"),
    API_INT("exported_ms", API_REQ, 0, 0, "when the export was made"),
    API_ARR("not_included", API_REQ, 0, 0, NULL,
            "data about the user held elsewhere (auth, orders)"),
    API_END,
};

static int h_export(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc) return rc;
  tc_buf b = tc__json_buf(ctx);
  rc = tc_users_export(&b, ctx, who, id);
  if (rc == TC_OK) rc = tc__json_merge(ctx, resp, b.ptr, b.size);
  tc_buf_dispose(&b);
  return rc;
}

static const tc__api_method methods[] = {
    API_METHOD("users.register",
               "Register a customer and send a verification e-mail",
               TC__ACCESS_PUBLIC, register_req, user_resp, h_register),
    API_METHOD("users.get", "Read a user's profile", TC__ACCESS_USER,
               user_id_req, user_resp, h_get),
    API_METHOD("users.find_by_email", "Find an active user by e-mail",
               TC__ACCESS_SUPPORT, find_req, user_resp, h_find_by_email),
    API_METHOD("users.update", "Change name, locale or phone", TC__ACCESS_USER,
               update_req, user_resp, h_update),
    API_METHOD("users.delete", "Erase a user's personal data", TC__ACCESS_USER,
               user_id_req, ok_resp, h_delete),
    API_METHOD("users.set_roles", "Give a user exactly these roles",
               TC__ACCESS_ADMIN, roles_req, roles_resp, h_set_roles),
    API_METHOD("users.list", "List users with filters, paged",
               TC__ACCESS_SUPPORT, list_req, list_resp, h_list),
    API_METHOD("users.verify_email", "Verify an e-mail address with its token",
               TC__ACCESS_PUBLIC, token_req, user_resp, h_verify_email),
    API_METHOD("users.send_verification",
               "Send a new e-mail verification token", TC__ACCESS_USER,
               user_id_req, ok_resp, h_send_verification),
    API_METHOD("users.change_email",
               "Start an e-mail change (confirmed by token)", TC__ACCESS_USER,
               change_email_req, ok_resp, h_change_email),
    API_METHOD("users.confirm_email_change",
               "Apply an e-mail change with its token", TC__ACCESS_PUBLIC,
               token_req, user_resp, h_confirm_email_change),
    API_METHOD("users.request_password_reset",
               "Ask for a password reset e-mail (same answer for any address)",
               TC__ACCESS_PUBLIC, reset_request_req, ok_resp,
               h_request_password_reset),
    API_METHOD("users.reset_password", "Set a new password with a reset token",
               TC__ACCESS_PUBLIC, reset_req, ok_resp, h_reset_password),
    API_METHOD("users.get_preferences", "Read a user's preferences",
               TC__ACCESS_USER, user_id_req, prefs_resp, h_get_preferences),
    API_METHOD("users.set_preferences",
               "Set or remove preferences (all or none)", TC__ACCESS_USER,
               set_prefs_req, prefs_resp, h_set_preferences),
    API_METHOD("users.list_addresses", "List a user's addresses",
               TC__ACCESS_USER, user_id_req, addresses_resp, h_list_addresses),
    API_METHOD("users.add_address", "Add an address", TC__ACCESS_USER,
               add_address_req, address_resp, h_add_address),
    API_METHOD("users.update_address", "Change an address or make it a default",
               TC__ACCESS_USER, update_address_req, address_resp,
               h_update_address),
    API_METHOD("users.delete_address", "Delete an address", TC__ACCESS_USER,
               address_id_req, ok_resp, h_delete_address),
    API_METHOD("users.history", "A user's change history, paged",
               TC__ACCESS_USER, history_req, history_resp, h_history),
    API_METHOD("users.export", "Everything held about a user, as one document",
               TC__ACCESS_USER, user_id_req, export_resp, h_export),
};

API_MODULE(tc__api_users, "users", methods);
