/* Profiles: registration, reads, updates, roles and the admin listing. */
#include <stdio.h>

#include <sodium.h>

#include "techcorp/auth.h"
#include "users/users_priv.h"

/* ---- registration ---- */

typedef struct {
  const tc_principal *who;
  const char *password;
  tc_user *u;
} reg_args;

static int register_txn(tc_ctx *ctx, reg_args *a) {
  tc_user *u = a->u;
  static const char sql[] =
      "INSERT INTO users_users (id, email, name, locale, phone, status, "
      "email_verified, created_ms, updated_ms) VALUES (?, ?, ?, ?, NULL, "
      "'active', 0, ?, ?)";
  tc_value p[] = {TC_VAL_TEXT(u->id),        TC_VAL_TEXT(u->email),
                  TC_VAL_TEXT(u->name),      TC_VAL_TEXT(u->locale),
                  TC_VAL_INT(u->created_ms), TC_VAL_INT(u->created_ms)};
  int rc = tc__db_exec(ctx, sql, p, 6, NULL, NULL, NULL);
  if (rc == TC_ECONFLICT)
    return tc__seterr(ctx, rc, "email", "email is already registered");
  if (rc) return rc;
  /* The account's credential and role come with registration itself,
   * whoever registers: granted as the system (an admin registering someone
   * is named as the actor). */
  const tc_principal *granter = tc__allowed(a->who, "auth", TC__ACT_ADMIN, NULL)
                                    ? a->who
                                    : &tc__system_principal;
  if ((rc = tc_auth_credential_set(ctx, &tc__system_principal, u->id, u->email,
                                   a->password)) ||
      (rc = tc_auth_set_roles(ctx, granter, u->id, TC_ROLE_CUSTOMER)))
    return rc;
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, a->who, u->id, "registered");
  if ((rc = tc__users_record(&ch, "email", NULL, u->email, NULL)) ||
      (rc = tc__users_record(&ch, "name", NULL, u->name, NULL)) ||
      (rc = tc__users_record(&ch, "locale", NULL, u->locale, NULL)) ||
      (rc = tc__users_record(&ch, "password", NULL, NULL, "password set")) ||
      (rc = tc__users_record(&ch, "roles", NULL, "customer", NULL)))
    return rc;
  char token[TC__USERS_TOKEN_LEN + 1] = "";
  int64_t exp = 0;
  rc = tc__users_token_issue(ctx, u->id, TC__USERS_VERIFY, NULL, token, &exp);
  if (rc == TC_OK)
    rc = tc__users_publish_token(ctx, "users.registered", u, u->email,
                                 "verification_token", token, exp);
  sodium_memzero(token, sizeof(token));
  return rc;
}

int tc_users_register(tc_user *out, tc_ctx *ctx, const tc_principal *who,
                      const char *email, const char *password, const char *name,
                      const char *locale) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_user u;
  memset(&u, 0, sizeof(u));
  int rc = tc__email_normalize(ctx, email, u.email, sizeof(u.email));
  if (rc) return rc;
  if (!password || !*password)
    return tc__seterr(ctx, TC_EINVAL, "password", "password is required");
  if ((rc = tc__check_text(ctx, "name", name, 1, TC_USERS_NAME_MAX, 0)))
    return rc;
  if (!locale || !*locale) locale = "en";
  if ((rc = tc__users_check_locale(ctx, "locale", locale))) return rc;
  snprintf(u.name, sizeof(u.name), "%s", name);
  snprintf(u.locale, sizeof(u.locale), "%s", locale);
  tc_id id;
  tc_id_new(&id, ctx);
  memcpy(u.id, id.str, sizeof(u.id));
  u.status = TC_USER_ACTIVE;
  u.created_ms = u.updated_ms = tc__now_ms(ctx);
  reg_args a = {who, password, &u};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx, register_txn(ctx, &a));
  if (rc == TC_OK) *out = u;
  return rc;
}

/* ---- reads ---- */

int tc_users_get(tc_user *out, tc_ctx *ctx, const tc_principal *who,
                 const char *user_id) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_READ, user_id)))
    return rc;
  return tc__users_load(ctx, user_id, out);
}

int tc_users_find_by_email(tc_user *out, tc_ctx *ctx, const tc_principal *who,
                           const char *email) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "users", TC__ACT_READ, NULL);
  if (rc) return rc;
  char norm[TC_USERS_EMAIL_MAX + 1], uid[TC_ID_STRLEN + 1];
  if ((rc = tc__email_normalize(ctx, email, norm, sizeof(norm)))) return rc;
  rc = tc__users_find_by_email(ctx, norm, uid);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, rc, "email", "no active user has that email");
  return rc ? rc : tc__users_load(ctx, uid, out);
}

/* ---- updates ---- */

static int updated_event(tc_ctx *ctx, const char *user_id,
                         const char *const *fields, size_t n) {
  cJSON *o = cJSON_CreateObject();
  cJSON *arr = o ? cJSON_AddArrayToObject(o, "fields") : NULL;
  bool ok = arr && cJSON_AddStringToObject(o, "user_id", user_id);
  for (size_t i = 0; ok && i < n; i++) {
    cJSON *s = cJSON_CreateString(fields[i]);
    ok = s && cJSON_AddItemToArray(arr, s);
    if (!ok) cJSON_Delete(s);
  }
  if (!ok) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, "users.updated", user_id, o, NULL);
}

static const char *or_null(const char *s) {
  return s && *s ? s : NULL;
}

/* Validated changes: NULL keeps a field. */
typedef struct {
  const char *name, *locale, *phone;
} want_fields;

static int update_txn(tc_ctx *ctx, const tc_principal *who, const char *user_id,
                      const want_fields *w, tc_user *u) {
  tc_user old;
  int rc = tc__users_load_active(ctx, user_id, &old);
  if (rc) return rc;
  *u = old;
  tc_user wu = old, *want = &wu;
  if (w->name) snprintf(wu.name, sizeof(wu.name), "%s", w->name);
  if (w->locale) snprintf(wu.locale, sizeof(wu.locale), "%s", w->locale);
  if (w->phone) snprintf(wu.phone, sizeof(wu.phone), "%s", w->phone);
  const char *changed[3];
  size_t n = 0;
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, who, user_id, "updated");
  if (strcmp(old.name, want->name)) {
    changed[n++] = "name";
    rc = tc__users_record(&ch, "name", old.name, want->name, NULL);
  }
  if (rc == TC_OK && strcmp(old.locale, want->locale)) {
    changed[n++] = "locale";
    rc = tc__users_record(&ch, "locale", old.locale, want->locale, NULL);
  }
  if (rc == TC_OK && strcmp(old.phone, want->phone)) {
    changed[n++] = "phone";
    rc = tc__users_record(&ch, "phone", or_null(old.phone),
                          or_null(want->phone), NULL);
  }
  if (rc || n == 0) return rc;
  int64_t now = tc__now_ms(ctx), rows = 0;
  tc_value p[] = {TC_VAL_TEXT(want->name), TC_VAL_TEXT(want->locale),
                  TC_VAL_TEXT(or_null(want->phone)), TC_VAL_INT(now),
                  TC_VAL_TEXT(user_id)};
  rc = tc__db_exec(ctx,
                   "UPDATE users_users SET name = ?, locale = ?, phone = ?, "
                   "updated_ms = ? WHERE id = ? AND status = 'active'",
                   p, 5, NULL, NULL, &rows);
  if (rc == TC_OK && rows != 1)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "user_id", "user %s was deleted",
                    user_id);
  if (rc == TC_OK) rc = updated_event(ctx, user_id, changed, n);
  snprintf(u->name, sizeof(u->name), "%s", want->name);
  snprintf(u->locale, sizeof(u->locale), "%s", want->locale);
  snprintf(u->phone, sizeof(u->phone), "%s", want->phone);
  u->updated_ms = now;
  return rc;
}

int tc_users_update(tc_user *out, tc_ctx *ctx, const tc_principal *who,
                    const char *user_id, const tc_user_changes *changes) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_WRITE, user_id)))
    return rc;
  if (!changes || changes->version != TC_USER_CHANGES_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "changes",
                      "changes must be a tc_user_changes of version %d",
                      TC_USER_CHANGES_VERSION);
  want_fields w = {changes->name, changes->locale, NULL};
  char phone[TC_USERS_PHONE_MAX + 1] = "";
  if (w.name &&
      (rc = tc__check_text(ctx, "name", w.name, 1, TC_USERS_NAME_MAX, 0)))
    return rc;
  if (w.locale && (rc = tc__users_check_locale(ctx, "locale", w.locale)))
    return rc;
  if (changes->phone) {
    if (*changes->phone &&
        (rc = tc__users_norm_phone(ctx, "phone", changes->phone, phone)))
      return rc;
    w.phone = phone;
  }
  tc_user res;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx, update_txn(ctx, who, user_id, &w, &res));
  if (rc == TC_OK && out) *out = res;
  return rc;
}

/* ---- deletion ---- */

static int delete_txn(tc_ctx *ctx, const tc_principal *who,
                      const char *user_id) {
  /* A tombstone that stays unique and can never receive mail (.invalid is
   * reserved, RFC 2606). */
  char tomb[TC_USERS_EMAIL_MAX + 1];
  snprintf(tomb, sizeof(tomb), "deleted-%s@deleted.invalid", user_id);
  int64_t now = tc__now_ms(ctx), rows = 0;
  tc_value p[] = {TC__VAL_BUF(tomb), TC_VAL_INT(now), TC_VAL_INT(now),
                  TC_VAL_TEXT(user_id)};
  int rc = tc__db_exec(ctx,
                       "UPDATE users_users SET email = ?, name = '', locale = "
                       "'', phone = NULL, email_verified = 0, status = "
                       "'deleted', updated_ms = ?, deleted_ms = ? WHERE id = "
                       "? AND status = 'active'",
                       p, 4, NULL, NULL, &rows);
  if (rc) return rc;
  if (rows != 1)
    return tc__seterr(ctx, TC_ENOTFOUND, "user_id",
                      "user %s not found or already deleted", user_id);
  if ((rc = tc__users_addresses_erase(ctx, user_id)) ||
      (rc = tc__users_prefs_erase(ctx, user_id)) ||
      (rc = tc__users_tokens_erase(ctx, user_id)) ||
      (rc = tc__users_history_scrub(ctx, user_id)))
    return rc;
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, who, user_id, "deleted");
  if ((rc = tc__users_record(&ch, "account", NULL, NULL,
                             "personal data erased")))
    return rc;
  if ((rc = tc_auth_forget_user(ctx, &tc__system_principal, user_id)))
    return rc;
  return tc__users_publish_id(ctx, "users.deleted", user_id);
}

int tc_users_delete(tc_ctx *ctx, const tc_principal *who, const char *user_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_WRITE, user_id)))
    return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, delete_txn(ctx, who, user_id));
}

/* ---- roles ---- */

static void roles_text(char *buf, size_t size, uint32_t roles) {
  tc__roles_text(buf, size, roles, ",", "");
}

static int roles_txn(tc_ctx *ctx, const tc_principal *who, const char *user_id,
                     uint32_t roles) {
  tc_user u;
  uint32_t old = 0;
  int rc = tc__users_load_active(ctx, user_id, &u);
  if (rc == TC_OK)
    rc = tc_auth_get_roles(&old, ctx, &tc__system_principal, user_id);
  if (rc || old == roles) return rc;
  if ((rc = tc_auth_set_roles(ctx, who, user_id, roles))) return rc;
  char a[64], b[64];
  roles_text(a, sizeof(a), old);
  roles_text(b, sizeof(b), roles);
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, who, user_id, "roles_changed");
  return tc__users_record(&ch, "roles", a, b, NULL);
}

int tc_users_set_roles(tc_ctx *ctx, const tc_principal *who,
                       const char *user_id, uint32_t roles) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_ADMIN, NULL)))
    return rc;
  const uint32_t known = TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT | TC_ROLE_ADMIN;
  if (roles == 0 || (roles & ~known))
    return tc__seterr(ctx, TC_EINVAL, "roles",
                      "roles must be a non-empty set of customer, support "
                      "and admin");
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, roles_txn(ctx, who, user_id, roles));
}

/* ---- admin listing ---- */

typedef struct {
  tc_user_cb cb;
  void *payload;
  size_t limit, seen;
  char last[TC_ID_STRLEN + 1];
} user_page;

static int list_row(const tc_value *cols, size_t n, void *payload) {
  user_page *pg = payload;
  if (++pg->seen > pg->limit) return TC_STORE_STOP; /* there is more */
  tc_user u;
  tc__users_row_cb(cols, n, &u);
  memcpy(pg->last, u.id, sizeof(pg->last));
  return pg->cb ? pg->cb(&u, pg->payload) : 0;
}

int tc_users_list(char *next, tc_ctx *ctx, const tc_principal *who,
                  const tc_users_filter *filter, const char *after,
                  size_t limit, tc_user_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (next) next[0] = '\0';
  int rc = tc__authorize(ctx, who, "users", TC__ACT_READ, NULL);
  if (rc) return rc;
  tc_users_filter f = TC_USERS_FILTER_INIT;
  if (filter) f = *filter;
  if (limit < 1 || limit > 1000)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1 to 1000");
  if (after && *after && (rc = tc__check_id(ctx, "after", after))) return rc;
  if (f.status != 0 && f.status != TC_USER_ACTIVE &&
      f.status != TC_USER_DELETED)
    return tc__seterr(ctx, TC_EINVAL, "status",
                      "status must be active or deleted");
  if (f.created_from_ms < 0 || f.created_to_ms < 0)
    return tc__seterr(ctx, TC_EINVAL, "created_from_ms",
                      "created bounds must not be negative");
  /* LIKE pattern of the lower-cased prefix, its wildcards escaped. */
  char like[2 * TC_USERS_EMAIL_MAX + 2] = "";
  if (f.email_prefix && *f.email_prefix) {
    rc = tc__check_text(ctx, "email_prefix", f.email_prefix, 1,
                        TC_USERS_EMAIL_MAX, 0);
    if (rc) return rc;
    size_t k = 0;
    for (const char *s = f.email_prefix; *s; s++) {
      char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
      if (c == '%' || c == '_' || c == '\\') like[k++] = '\\';
      like[k++] = c;
    }
    like[k++] = '%';
    like[k] = '\0';
  }
  const char *status = f.status == TC_USER_ACTIVE    ? "active"
                       : f.status == TC_USER_DELETED ? "deleted"
                                                     : "";
  int64_t to = f.created_to_ms ? f.created_to_ms : INT64_MAX;
  user_page pg = {cb, payload, limit, 0, ""};
  tc_value p[] = {TC_VAL_TEXT(after ? after : ""),
                  TC__VAL_BUF(like),
                  TC__VAL_BUF(like),
                  TC_VAL_TEXT(status),
                  TC_VAL_TEXT(status),
                  TC_VAL_INT(f.created_from_ms),
                  TC_VAL_INT(to),
                  TC_VAL_INT((int64_t)limit + 1)};
  rc = tc__db_exec(ctx,
                   "SELECT " TC__USERS_COLS
                   " FROM users_users WHERE id > ? AND (? = '' OR email LIKE "
                   "? ESCAPE '\\') AND (? = '' OR status = ?) AND created_ms "
                   ">= ? AND created_ms < ? ORDER BY id LIMIT ?",
                   p, 8, list_row, &pg, NULL);
  if (rc == TC_OK && next && pg.seen > limit)
    memcpy(next, pg.last, sizeof(pg.last));
  return rc;
}
