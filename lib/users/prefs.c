/* Preferences: typed key/values from a fixed list of known keys. "locale"
 * is the profile's locale seen as a preference (one source of truth). */
#include <stdio.h>

#include "users/users_priv.h"

typedef enum { CHECK_NONE, CHECK_LOCALE, CHECK_CURRENCY, CHECK_TZ } check_kind;

typedef struct {
  const char *key;
  tc_pref_type type;
  check_kind check;
} pref_def;

/* Sorted by key: tc_users_get_prefs() reports in this order. */
static const pref_def defs[] = {
    {"currency", TC_PREF_STRING, CHECK_CURRENCY},
    {"locale", TC_PREF_STRING, CHECK_LOCALE},
    {"marketing_opt_in", TC_PREF_BOOL, CHECK_NONE},
    {"opt_out_email", TC_PREF_BOOL, CHECK_NONE},
    {"opt_out_in_app", TC_PREF_BOOL, CHECK_NONE},
    {"opt_out_push", TC_PREF_BOOL, CHECK_NONE},
    {"opt_out_sms", TC_PREF_BOOL, CHECK_NONE},
    {"timezone", TC_PREF_STRING, CHECK_TZ},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))
#define MAX_PREF_VALUE 64

static int def_index(const char *key) {
  for (size_t i = 0; key && i < NDEFS; i++)
    if (strcmp(defs[i].key, key) == 0) return (int)i;
  return -1;
}

int tc_users_pref_type(tc_pref_type *out, const char *key) {
  int i = def_index(key);
  if (i < 0) return TC_EINVAL;
  if (out) *out = defs[i].type;
  return TC_OK;
}

/* Check one preference; field is "preferences.<key>". */
static int check_pref(tc_ctx *ctx, const tc_user_pref *p, char *field,
                      size_t fsize) {
  snprintf(field, fsize, "preferences.%s", p->key ? p->key : "");
  int i = def_index(p->key);
  if (i < 0) {
    bool printable = p->key && tc__utf8_valid(p->key, strlen(p->key)) &&
                     strlen(p->key) <= 64;
    return tc__seterr(ctx, TC_EINVAL, printable ? field : "preferences",
                      "unknown preference key \"%s\"",
                      printable ? p->key : "?");
  }
  const pref_def *d = &defs[i];
  if (p->unset) {
    if (d->check == CHECK_LOCALE)
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s cannot be removed, only changed", field);
    return TC_OK;
  }
  if (p->type != d->type)
    return tc__seterr(ctx, TC_EINVAL, field, "%s must be a %s", field,
                      d->type == TC_PREF_BOOL ? "boolean" : "string");
  if (d->type == TC_PREF_BOOL) return TC_OK;
  int rc = tc__check_text(ctx, field, p->str, 1, MAX_PREF_VALUE, 0);
  if (rc) return rc;
  switch (d->check) {
    case CHECK_LOCALE:
      return tc__users_check_locale(ctx, field, p->str);
    case CHECK_TZ:
      return tc__users_check_timezone(ctx, field, p->str);
    case CHECK_CURRENCY:
      if (tc_currency_check(p->str) != TC_OK)
        return tc__seterr(ctx, TC_EINVAL, field,
                          "%s must be an ISO 4217 currency code such as "
                          "\"BRL\"",
                          field);
      return TC_OK;
    case CHECK_NONE:
      break;
  }
  return TC_OK;
}

/* The stored values of a user, indexed like defs ("" when unset). */
typedef struct {
  char v[NDEFS][MAX_PREF_VALUE + 1];
  bool set[NDEFS];
} pref_values;

static int load_row(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  pref_values *pv = payload;
  int i = def_index(tc__col_text(&cols[0]));
  if (i >= 0) {
    tc__col_copy(pv->v[i], sizeof(pv->v[i]), &cols[1]);
    pv->set[i] = true;
  }
  return 0;
}

static int load_values(tc_ctx *ctx, const tc_user *u, pref_values *pv) {
  memset(pv, 0, sizeof(*pv));
  tc_value p[] = {TC_VAL_TEXT(u->id)};
  int rc =
      tc__db_exec(ctx, "SELECT key, value FROM users_prefs WHERE user_id = ?",
                  p, 1, load_row, pv, NULL);
  int li = def_index("locale");
  if (u->locale[0]) {
    snprintf(pv->v[li], sizeof(pv->v[li]), "%s", u->locale);
    pv->set[li] = true;
  }
  return rc;
}

static const char *value_text(const tc_user_pref *p) {
  if (p->type == TC_PREF_BOOL) return p->b ? "true" : "false";
  return p->str;
}

static int write_pref(tc_ctx *ctx, const char *user_id, const pref_def *d,
                      const char *value) {
  int64_t now = tc__now_ms(ctx);
  if (d->check == CHECK_LOCALE) {
    tc_value p[] = {TC_VAL_TEXT(value), TC_VAL_INT(now), TC_VAL_TEXT(user_id)};
    return tc__db_exec(ctx,
                       "UPDATE users_users SET locale = ?, updated_ms = ? "
                       "WHERE id = ?",
                       p, 3, NULL, NULL, NULL);
  }
  if (!value) {
    tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(d->key)};
    return tc__db_exec(ctx,
                       "DELETE FROM users_prefs WHERE user_id = ? AND key = ?",
                       p, 2, NULL, NULL, NULL);
  }
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(d->key), TC_VAL_TEXT(value),
                  TC_VAL_INT(now)};
  return tc__db_exec(ctx,
                     "INSERT INTO users_prefs (user_id, key, value, "
                     "updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, "
                     "key) DO UPDATE SET value = excluded.value, updated_ms = "
                     "excluded.updated_ms",
                     p, 4, NULL, NULL, NULL);
}

static int changed_event(tc_ctx *ctx, const char *user_id, cJSON *keys) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddStringToObject(o, "user_id", user_id) ||
      !cJSON_AddItemToObject(o, "keys", keys)) {
    cJSON_Delete(o);
    cJSON_Delete(keys);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, "users.preferences_changed", user_id, o, NULL);
}

static int set_txn(tc_ctx *ctx, const tc_principal *who, const char *user_id,
                   const tc_user_pref *prefs, size_t n) {
  tc_user u;
  pref_values pv;
  int rc = tc__users_load_active(ctx, user_id, &u);
  if (rc || (rc = load_values(ctx, &u, &pv))) return rc;
  tc__users_change ch;
  tc__users_change_begin(&ch, ctx, who, user_id, "preferences_changed");
  cJSON *keys = cJSON_CreateArray();
  if (!keys) return tc__oom(ctx);
  for (size_t k = 0; rc == TC_OK && k < n; k++) {
    const tc_user_pref *p = &prefs[k];
    int i = def_index(p->key);
    const char *nv = p->unset ? NULL : value_text(p);
    const char *ov = pv.set[i] ? pv.v[i] : NULL;
    if ((!nv && !ov) || (nv && ov && strcmp(nv, ov) == 0)) continue;
    char field[96];
    snprintf(field, sizeof(field), "preferences.%s", defs[i].key);
    rc = write_pref(ctx, user_id, &defs[i], nv);
    if (rc == TC_OK) rc = tc__users_record(&ch, field, ov, nv, NULL);
    cJSON *s = rc == TC_OK ? cJSON_CreateString(defs[i].key) : NULL;
    if (rc == TC_OK && (!s || !cJSON_AddItemToArray(keys, s))) {
      cJSON_Delete(s);
      rc = tc__oom(ctx);
    }
  }
  if (rc || cJSON_GetArraySize(keys) == 0) {
    cJSON_Delete(keys);
    return rc;
  }
  return changed_event(ctx, user_id, keys);
}

int tc_users_set_prefs(tc_ctx *ctx, const tc_principal *who,
                       const char *user_id, const tc_user_pref *prefs,
                       size_t n) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_WRITE, user_id)))
    return rc;
  if (n > 0 && !prefs)
    return tc__seterr(ctx, TC_EINVAL, "preferences", "preferences is NULL");
  if (n > NDEFS)
    return tc__seterr(ctx, TC_EINVAL, "preferences",
                      "at most %zu preferences at once", NDEFS);
  char field[96];
  bool seen[NDEFS] = {false};
  for (size_t k = 0; k < n; k++) {
    if ((rc = check_pref(ctx, &prefs[k], field, sizeof(field)))) return rc;
    int i = def_index(prefs[k].key);
    if (seen[i])
      return tc__seterr(ctx, TC_EINVAL, field, "%s is given twice", field);
    seen[i] = true;
  }
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, set_txn(ctx, who, user_id, prefs, n));
}

/* Report each set value, in key order, to fn. */
typedef int (*each_fn)(const tc_user_pref *p, void *payload);

static int each_pref(tc_ctx *ctx, const tc_user *u, each_fn fn, void *payload) {
  pref_values pv;
  int rc = load_values(ctx, u, &pv);
  for (size_t i = 0; rc == TC_OK && i < NDEFS; i++) {
    if (!pv.set[i]) continue;
    tc_user_pref p = {defs[i].key, defs[i].type, NULL, false, false};
    if (defs[i].type == TC_PREF_BOOL)
      p.b = strcmp(pv.v[i], "true") == 0;
    else
      p.str = pv.v[i];
    rc = fn(&p, payload);
  }
  return rc;
}

int tc_users_get_prefs(tc_ctx *ctx, const tc_principal *who,
                       const char *user_id, tc_user_pref_cb cb, void *payload) {
  if (!ctx || !cb) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_READ, user_id)))
    return rc;
  tc_user u;
  if ((rc = tc__users_load(ctx, user_id, &u))) return rc;
  return each_pref(ctx, &u, cb, payload);
}

static int add_json(const tc_user_pref *p, void *payload) {
  cJSON *obj = payload;
  cJSON *v = p->type == TC_PREF_BOOL ? cJSON_CreateBool(p->b)
                                     : cJSON_CreateString(p->str);
  if (!v || !cJSON_AddItemToObject(obj, p->key, v)) {
    cJSON_Delete(v);
    return TC_ENOMEM;
  }
  return 0;
}

int tc__users_prefs_json(tc_ctx *ctx, const char *user_id, cJSON *obj) {
  tc_user u;
  int rc = tc__users_load(ctx, user_id, &u);
  if (rc == TC_OK) rc = each_pref(ctx, &u, add_json, obj);
  if (rc == TC_ENOMEM) return tc__oom(ctx);
  return rc;
}

int tc__users_prefs_erase(tc_ctx *ctx, const char *user_id) {
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  return tc__db_exec(ctx, "DELETE FROM users_prefs WHERE user_id = ?", p, 1,
                     NULL, NULL, NULL);
}

int tc__users_get_pref(tc_ctx *ctx, const char *user_id, const char *key,
                       char *out, size_t out_size) {
  if (out && out_size) out[0] = '\0';
  int i = def_index(key);
  if (i < 0) return tc__seterr(ctx, TC_EINVAL, "key", "unknown preference key");
  tc_user u;
  pref_values pv;
  int rc = tc__users_load(ctx, user_id, &u);
  if (rc == TC_OK) rc = load_values(ctx, &u, &pv);
  if (rc) return rc;
  if (!pv.set[i]) return TC_ENOTFOUND;
  if (out && out_size) snprintf(out, out_size, "%s", pv.v[i]);
  return TC_OK;
}
