/* The users module's JSON API: "users.*" methods over the typed functions
 * (no rule lives only here). user_id defaults to the caller's own id. */
#include "api_internal.h"
#include "users/users_priv.h" /* TODO(wall): public API only */
#include <stdio.h>

#define STR(n, fl, mn, mx, d) \
  { n, TC__F_STRING, fl, mn, mx, NULL, NULL, d }
#define INT(n, fl, mn, mx, d) \
  { n, TC__F_INT, fl, mn, mx, NULL, NULL, d }
#define BOOL(n, fl, d) \
  { n, TC__F_BOOL, fl, 0, 0, NULL, NULL, d }
#define OBJ(n, fl, f, d) \
  { n, TC__F_OBJECT, fl, 0, 0, f, NULL, d }
#define ARR(n, fl, mn, mx, it, d) \
  { n, TC__F_ARRAY, fl, mn, mx, NULL, it, d }
#define REQ TC__F_REQUIRED
#define OPT 0
#define NUL TC__F_NULLABLE
#define END \
  { NULL }

#define USER_ID_FIELD \
  STR("user_id", NUL, 36, 36, "the user (default: the caller)")

/* ---- response shapes (for system.methods and the docs) ---- */

static const tc__field user_fields[] = {
    STR("id", REQ, 0, 0, "user id"),
    STR("email", REQ, 0, 0, "normalised e-mail address"),
    STR("name", REQ, 0, 0, "display name"),
    STR("locale", REQ, 0, 0, "BCP 47 language tag"),
    STR("phone", REQ, 0, 0, "E.164 phone number, \"\" when none"),
    STR("status", REQ, 0, 0, "\"active\" or \"deleted\""),
    BOOL("email_verified", REQ, "the e-mail address was verified"),
    INT("created_ms", REQ, 0, 0, "creation time, ms since the epoch"),
    INT("updated_ms", REQ, 0, 0, "last change, ms since the epoch"),
    END,
};
static const tc__field user_resp[] = {
    OBJ("user", REQ, user_fields, "the user"),
    END,
};
static const tc__field user_item = OBJ(NULL, 0, user_fields, "a user");

static const tc__field address_fields[] = {
    STR("id", REQ, 0, 0, "address id"),
    STR("user_id", REQ, 0, 0, "owner"),
    STR("label", REQ, 0, 0, "the user's name for it (\"home\")"),
    STR("recipient", REQ, 0, 0, "who receives"),
    STR("line1", REQ, 0, 0, "street and number"),
    STR("line2", REQ, 0, 0, "complement"),
    STR("city", REQ, 0, 0, "city"),
    STR("region", REQ, 0, 0, "state or province"),
    STR("postal_code", REQ, 0, 0, "postal code"),
    STR("country", REQ, 0, 0, "ISO 3166-1 alpha-2 code"),
    STR("phone", REQ, 0, 0, "E.164 phone, \"\" when none"),
    BOOL("default_shipping", REQ, "the default shipping address"),
    BOOL("default_billing", REQ, "the default billing address"),
    INT("created_ms", REQ, 0, 0, "creation time"),
    INT("updated_ms", REQ, 0, 0, "last change"),
    END,
};
static const tc__field address_resp[] = {
    OBJ("address", REQ, address_fields, "the address"),
    END,
};
static const tc__field address_item = OBJ(NULL, 0, address_fields, "address");

static const tc__field change_fields[] = {
    STR("id", REQ, 0, 0, "entry id (the paging cursor)"),
    STR("change_id", REQ, 0, 0, "entries of one call share it"),
    INT("at_ms", REQ, 0, 0, "when"),
    STR("actor_kind", REQ, 0, 0, "user, system, anonymous or token"),
    STR("actor_id", REQ, 0, 0, "the acting user's id, or \"\""),
    STR("action", REQ, 0, 0, "registered, updated, email_verified..."),
    STR("field", REQ, 0, 0, "which field changed"),
    STR("old_value", REQ | NUL, 0, 0,
        "value before (null: none, secret or erased)"),
    STR("new_value", REQ | NUL, 0, 0,
        "value after (null: none, secret or erased)"),
    STR("note", REQ, 0, 0, "remark, e.g. \"password changed\""),
    END,
};
static const tc__field change_item = OBJ(NULL, 0, change_fields, "a change");

static const tc__field ok_resp[] = {
    BOOL("ok", REQ, "always true"),
    END,
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

static int add_user(tc_ctx *ctx, cJSON *resp, const tc_user *u) {
  cJSON *o = tc__users_user_json(ctx, u);
  if (!o) return TC_ENOMEM;
  if (!cJSON_AddItemToObject(resp, "user", o)) {
    cJSON_Delete(o);
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
  }
  return TC_OK;
}

static int add_ok(tc_ctx *ctx, cJSON *resp) {
  return tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- profile ---- */

static const tc__field register_req[] = {
    STR("email", REQ, 1, 320, "e-mail address (normalised, unique)"),
    STR("password", REQ, 1, 4096, "password (the auth module's policy)"),
    STR("name", REQ, 1, TC_USERS_NAME_MAX, "display name"),
    STR("locale", NUL, 1, TC_USERS_LOCALE_MAX, "BCP 47 tag (default \"en\")"),
    END,
};

static int h_register(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  tc_user u;
  int rc = tc_users_register(&u, ctx, who, tc__json_str(req, "email", NULL),
                             tc__json_str(req, "password", NULL),
                             tc__json_str(req, "name", NULL),
                             tc__json_str(req, "locale", NULL));
  return rc ? rc : add_user(ctx, resp, &u);
}

static const tc__field user_id_req[] = {USER_ID_FIELD, END};

static int h_get(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                 cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  tc_user u;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK) rc = tc_users_get(&u, ctx, who, id);
  return rc ? rc : add_user(ctx, resp, &u);
}

static const tc__field find_req[] = {
    STR("email", REQ, 1, 320, "e-mail address, any case"),
    END,
};

static int h_find(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  tc_user u;
  int rc =
      tc_users_find_by_email(&u, ctx, who, tc__json_str(req, "email", NULL));
  return rc ? rc : add_user(ctx, resp, &u);
}

static const tc__field update_req[] = {
    USER_ID_FIELD,
    STR("name", NUL, 1, TC_USERS_NAME_MAX, "new display name"),
    STR("locale", NUL, 1, TC_USERS_LOCALE_MAX, "new BCP 47 tag"),
    STR("phone", NUL, 0, 64, "E.164 number; \"\" removes it"),
    END,
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
  return rc ? rc : add_user(ctx, resp, &u);
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
    STR(NULL, 0, 1, 16, "\"customer\", \"support\" or \"admin\"");
static const tc__field roles_req[] = {
    STR("user_id", REQ, 36, 36, "the user"),
    ARR("roles", REQ, 1, 3, &role_item, "the user's roles from now on"),
    END,
};
static const tc__field roles_resp[] = {
    ARR("roles", REQ, 0, 0, &role_item, "the roles now held"),
    END,
};

static int h_set_roles(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  static const char *const names[] = {"customer", "support", "admin"};
  static const uint32_t bits[] = {TC_ROLE_CUSTOMER, TC_ROLE_SUPPORT,
                                  TC_ROLE_ADMIN};
  uint32_t roles = 0;
  int i = 0;
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(req, "roles");
  for (const cJSON *r = arr ? arr->child : NULL; r; r = r->next, i++) {
    size_t k = 0;
    while (k < 3 && strcmp(r->valuestring, names[k])) k++;
    if (k == 3) {
      char field[32];
      snprintf(field, sizeof(field), "roles[%d]", i);
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s must be customer, support or admin", field);
    }
    roles |= bits[k];
  }
  int rc =
      tc_users_set_roles(ctx, who, tc__json_str(req, "user_id", NULL), roles);
  cJSON *out = rc ? NULL : tc__json_add_array(ctx, resp, "roles");
  if (rc || !out) return rc ? rc : TC_ENOMEM;
  for (size_t k = 0; k < 3; k++) {
    cJSON *s = roles & bits[k] ? cJSON_CreateString(names[k]) : NULL;
    if (roles & bits[k] && (!s || !cJSON_AddItemToArray(out, s))) {
      cJSON_Delete(s);
      return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
    }
  }
  return TC_OK;
}

static const tc__field list_req[] = {
    STR("email_prefix", NUL, 1, TC_USERS_EMAIL_MAX, "e-mail starts with"),
    STR("status", NUL, 1, 16, "\"active\" or \"deleted\""),
    INT("created_from_ms", NUL, 0, INT64_MAX, "created at or after"),
    INT("created_to_ms", NUL, 0, INT64_MAX, "created before"),
    STR("after", NUL, 0, 36, "cursor: the previous page's next"),
    INT("limit", NUL, 1, 1000, "page size (default 50)"),
    END,
};
static const tc__field list_resp[] = {
    ARR("users", REQ, 0, 0, &user_item, "the page, oldest first"),
    STR("next", REQ, 0, 0, "cursor of the next page, \"\" after the last"),
    END,
};

static int user_to_array(const tc_user *u, void *payload) {
  cJSON *o = tc__users_user_json(NULL, u);
  if (!o || !cJSON_AddItemToArray(payload, o)) {
    cJSON_Delete(o);
    return TC_ENOMEM;
  }
  return 0;
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
  cJSON *arr = tc__json_add_array(ctx, resp, "users");
  if (!arr) return TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  int rc =
      tc_users_list(next, ctx, who, &f, tc__json_str(req, "after", NULL),
                    (size_t)tc__json_int(req, "limit", 50), user_to_array, arr);
  return rc ? rc : tc__json_add_str(ctx, resp, "next", next);
}

/* ---- tokens ---- */

static const tc__field token_req[] = {
    STR("token", REQ, 1, 128, "the token from the e-mail"),
    END,
};

static int h_verify(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_user u;
  int rc = tc_users_verify_email(&u, ctx, tc__json_str(req, "token", NULL));
  return rc ? rc : add_user(ctx, resp, &u);
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
    STR("email", REQ, 1, 320, "the new address"),
    STR("password", NUL, 1, 4096,
        "current password (required when changing one's own)"),
    END,
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

static int h_confirm_email(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_user u;
  int rc =
      tc_users_confirm_email_change(&u, ctx, tc__json_str(req, "token", NULL));
  return rc ? rc : add_user(ctx, resp, &u);
}

static const tc__field reset_request_req[] = {
    STR("email", REQ, 1, 320, "the account's e-mail address"),
    END,
};

static int h_reset_request(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  int rc =
      tc_users_request_password_reset(ctx, tc__json_str(req, "email", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

static const tc__field reset_req[] = {
    STR("token", REQ, 1, 128, "the token from the e-mail"),
    STR("password", REQ, 1, 4096, "the new password"),
    END,
};

static int h_reset(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                   cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  int rc = tc_users_reset_password(ctx, tc__json_str(req, "token", NULL),
                                   tc__json_str(req, "password", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

/* ---- preferences ---- */

static const tc__field prefs_resp[] = {
    OBJ("preferences", REQ, NULL,
        "key -> value: locale, currency, timezone (strings), "
        "marketing_opt_in, opt_out_email, opt_out_sms, opt_out_push, "
        "opt_out_in_app (booleans)"),
    END,
};

static int add_prefs(tc_ctx *ctx, cJSON *resp, const char *id) {
  cJSON *obj = tc__json_add_object(ctx, resp, "preferences");
  return obj ? tc__users_prefs_json(ctx, id, obj) : TC_ENOMEM;
}

static int h_get_prefs(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK) rc = tc__users_check_id(ctx, id, "user_id");
  if (rc == TC_OK) rc = tc__authorize(ctx, who, "users", TC__ACT_READ, id);
  return rc ? rc : add_prefs(ctx, resp, id);
}

static const tc__field set_prefs_req[] = {
    USER_ID_FIELD,
    OBJ("preferences", REQ, NULL,
        "key -> value (null removes it); unknown keys are refused"),
    END,
};

static int h_set_prefs(tc_ctx *ctx, const tc__api_caller *from,
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
  return rc ? rc : add_prefs(ctx, resp, id);
}

/* ---- addresses ---- */

#define ADDRESS_INPUT(req_flag)                                              \
  STR("label", NUL, 0, 64, "the user's name for it; \"\" clears"),           \
      STR("recipient", req_flag, 1, 200, "who receives"),                    \
      STR("line1", req_flag, 1, 200, "street and number"),                   \
      STR("line2", NUL, 0, 200, "complement; \"\" clears"),                  \
      STR("city", req_flag, 1, 100, "city"),                                 \
      STR("region", NUL, 0, 100, "state or province; \"\" clears"),          \
      STR("postal_code", req_flag, 1, 20, "postal code"),                    \
      STR("country", req_flag, 2, 2, "ISO 3166-1 alpha-2 code"),             \
      STR("phone", NUL, 0, 64, "E.164 phone; \"\" clears"),                  \
      BOOL("default_shipping", NUL, "make it the default shipping address"), \
      BOOL("default_billing", NUL, "make it the default billing address")

static const tc__field add_address_req[] = {
    USER_ID_FIELD,
    ADDRESS_INPUT(REQ),
    END,
};
static const tc__field update_address_req[] = {
    STR("address_id", REQ, 36, 36, "the address"),
    ADDRESS_INPUT(NUL),
    END,
};
static const tc__field address_id_req[] = {
    STR("address_id", REQ, 36, 36, "the address"),
    END,
};
static const tc__field addresses_resp[] = {
    ARR("addresses", REQ, 0, 0, &address_item, "oldest first"),
    END,
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

static int add_address(tc_ctx *ctx, cJSON *resp, const tc_address *a) {
  cJSON *o = tc__users_address_json(ctx, a);
  if (!o) return TC_ENOMEM;
  if (!cJSON_AddItemToObject(resp, "address", o)) {
    cJSON_Delete(o);
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
  }
  return TC_OK;
}

static int h_add_address(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  tc_address a;
  int rc = target(ctx, who, req, &id);
  tc_address_fields f = address_input(req);
  if (rc == TC_OK) rc = tc_users_add_address(&a, ctx, who, id, &f);
  return rc ? rc : add_address(ctx, resp, &a);
}

static int h_update_address(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_address a;
  tc_address_fields f = address_input(req);
  int rc = tc_users_update_address(&a, ctx, who,
                                   tc__json_str(req, "address_id", NULL), &f);
  return rc ? rc : add_address(ctx, resp, &a);
}

static int h_delete_address(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc =
      tc_users_delete_address(ctx, who, tc__json_str(req, "address_id", NULL));
  return rc ? rc : add_ok(ctx, resp);
}

static int address_to_array(const tc_address *a, void *payload) {
  cJSON *o = tc__users_address_json(NULL, a);
  if (!o || !cJSON_AddItemToArray(payload, o)) {
    cJSON_Delete(o);
    return TC_ENOMEM;
  }
  return 0;
}

static int h_list_addresses(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  cJSON *arr = rc ? NULL : tc__json_add_array(ctx, resp, "addresses");
  if (rc || !arr) return rc ? rc : TC_ENOMEM;
  return tc_users_list_addresses(ctx, who, id, address_to_array, arr);
}

/* ---- history and export ---- */

static const tc__field history_req[] = {
    USER_ID_FIELD,
    STR("after", NUL, 0, 36, "cursor: the previous page's next"),
    INT("limit", NUL, 1, 1000, "page size (default 50)"),
    END,
};
static const tc__field history_resp[] = {
    ARR("entries", REQ, 0, 0, &change_item, "oldest first"),
    STR("next", REQ, 0, 0, "cursor of the next page, \"\" after the last"),
    END,
};

static int change_to_array(const tc_user_change *c, void *payload) {
  return tc__users_change_json(c, payload);
}

static int h_history(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  cJSON *arr = rc ? NULL : tc__json_add_array(ctx, resp, "entries");
  if (rc || !arr) return rc ? rc : TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  rc = tc_users_history(next, ctx, who, id, tc__json_str(req, "after", NULL),
                        (size_t)tc__json_int(req, "limit", 50), change_to_array,
                        arr);
  return rc ? rc : tc__json_add_str(ctx, resp, "next", next);
}

static const tc__field export_resp[] = {
    OBJ("user", REQ, user_fields, "the profile"),
    OBJ("preferences", REQ, NULL, "the preferences"),
    ARR("addresses", REQ, 0, 0, &address_item, "the addresses"),
    ARR("history", REQ, 0, 0, &change_item, "every recorded change"),
    ARR("sessions", REQ, 0, 0, NULL,
        "live sessions: id, client_id, ip, user_agent, created_ms, "
        "last_used_ms, expires_ms"),
    ARR("roles", REQ, 0, 0, &role_item, "roles held"),
    INT("exported_ms", REQ, 0, 0, "when the export was made"),
    ARR("not_included", REQ, 0, 0, NULL,
        "data about the user held elsewhere (auth, orders)"),
    END,
};

static int h_export(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = NULL;
  int rc = target(ctx, who, req, &id);
  if (rc == TC_OK) rc = tc__users_check_id(ctx, id, "user_id");
  if (rc == TC_OK) rc = tc__authorize(ctx, who, "users", TC__ACT_READ, id);
  if (rc || (rc = tc__txn_begin(ctx, TC_TXN_READ))) return rc;
  return tc__txn_end(ctx, tc__users_export_json(ctx, id, resp));
}

#define M(name, summary, access, req, resp, h) \
  { name, summary, access, req, resp, h }

static const tc__api_method methods[] = {
    M("users.register", "Register a customer and send a verification e-mail",
      TC__ACCESS_PUBLIC, register_req, user_resp, h_register),
    M("users.get", "Read a user's profile", TC__ACCESS_USER, user_id_req,
      user_resp, h_get),
    M("users.find_by_email", "Find an active user by e-mail",
      TC__ACCESS_SUPPORT, find_req, user_resp, h_find),
    M("users.update", "Change name, locale or phone", TC__ACCESS_USER,
      update_req, user_resp, h_update),
    M("users.delete", "Erase a user's personal data", TC__ACCESS_USER,
      user_id_req, ok_resp, h_delete),
    M("users.set_roles", "Give a user exactly these roles", TC__ACCESS_ADMIN,
      roles_req, roles_resp, h_set_roles),
    M("users.list", "List users with filters, paged", TC__ACCESS_SUPPORT,
      list_req, list_resp, h_list),
    M("users.verify_email", "Verify an e-mail address with its token",
      TC__ACCESS_PUBLIC, token_req, user_resp, h_verify),
    M("users.send_verification", "Send a new e-mail verification token",
      TC__ACCESS_USER, user_id_req, ok_resp, h_send_verification),
    M("users.change_email", "Start an e-mail change (confirmed by token)",
      TC__ACCESS_USER, change_email_req, ok_resp, h_change_email),
    M("users.confirm_email_change", "Apply an e-mail change with its token",
      TC__ACCESS_PUBLIC, token_req, user_resp, h_confirm_email),
    M("users.request_password_reset",
      "Ask for a password reset e-mail (same answer for any address)",
      TC__ACCESS_PUBLIC, reset_request_req, ok_resp, h_reset_request),
    M("users.reset_password", "Set a new password with a reset token",
      TC__ACCESS_PUBLIC, reset_req, ok_resp, h_reset),
    M("users.get_preferences", "Read a user's preferences", TC__ACCESS_USER,
      user_id_req, prefs_resp, h_get_prefs),
    M("users.set_preferences", "Set or remove preferences (all or none)",
      TC__ACCESS_USER, set_prefs_req, prefs_resp, h_set_prefs),
    M("users.list_addresses", "List a user's addresses", TC__ACCESS_USER,
      user_id_req, addresses_resp, h_list_addresses),
    M("users.add_address", "Add an address", TC__ACCESS_USER, add_address_req,
      address_resp, h_add_address),
    M("users.update_address", "Change an address or make it a default",
      TC__ACCESS_USER, update_address_req, address_resp, h_update_address),
    M("users.delete_address", "Delete an address", TC__ACCESS_USER,
      address_id_req, ok_resp, h_delete_address),
    M("users.history", "A user's change history, paged", TC__ACCESS_USER,
      history_req, history_resp, h_history),
    M("users.export", "Everything held about a user, as one document",
      TC__ACCESS_USER, user_id_req, export_resp, h_export),
};

const tc__api_module tc__api_users = {"users", methods,
                                      sizeof(methods) / sizeof(methods[0])};
