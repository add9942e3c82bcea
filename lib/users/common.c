/* Module state, authorization, user rows and events of the users module. */
#include <stdio.h>

#include <sodium.h>

#include "techcorp/auth.h"
#include "users/users_priv.h"

static const tc_users_options default_opts = TC_USERS_OPTIONS_INIT;

static void state_free(tc_ctx *ctx, void *state) {
  tc__free(ctx, state);
}

const tc_users_options *tc__users_opts(tc_ctx *ctx) {
  const tc_users_options *o = ctx->module_state[TC__SLOT_USERS];
  return o ? o : &default_opts;
}

int tc_users_configure(tc_ctx *ctx, const tc_users_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts) return tc__seterr(ctx, TC_EINVAL, "opts", "opts is NULL");
  if (opts->version < 1 || opts->version > TC_USERS_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EVERSION, "version",
                      "tc_users_options version %u is not supported",
                      opts->version);
  if (opts->verify_ttl_ms <= 0)
    return tc__seterr(ctx, TC_EINVAL, "verify_ttl_ms",
                      "verify_ttl_ms must be positive");
  if (opts->email_change_ttl_ms <= 0)
    return tc__seterr(ctx, TC_EINVAL, "email_change_ttl_ms",
                      "email_change_ttl_ms must be positive");
  if (opts->reset_ttl_ms <= 0)
    return tc__seterr(ctx, TC_EINVAL, "reset_ttl_ms",
                      "reset_ttl_ms must be positive");
  if (opts->max_addresses == 0)
    return tc__seterr(ctx, TC_EINVAL, "max_addresses",
                      "max_addresses must be at least 1");
  tc_users_options *o = ctx->module_state[TC__SLOT_USERS];
  if (!o) {
    if (!(o = tc__malloc(ctx, sizeof(*o)))) return tc__oom(ctx);
    ctx->module_state[TC__SLOT_USERS] = o;
    ctx->module_state_free[TC__SLOT_USERS] = state_free;
  }
  *o = *opts;
  return TC_OK;
}

bool tc__users_is_self(const tc_principal *who, const char *user_id) {
  return who && who->kind == TC_PRINCIPAL_USER && user_id &&
         strcmp(who->user_id, user_id) == 0;
}

int tc__users_row_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc_user *u = payload;
  memset(u, 0, sizeof(*u));
  tc__col_copy(u->id, sizeof(u->id), &cols[0]);
  tc__col_copy(u->email, sizeof(u->email), &cols[1]);
  tc__col_copy(u->name, sizeof(u->name), &cols[2]);
  tc__col_copy(u->locale, sizeof(u->locale), &cols[3]);
  tc__col_copy(u->phone, sizeof(u->phone), &cols[4]);
  u->status = strcmp(tc__col_text(&cols[5]), "deleted") == 0 ? TC_USER_DELETED
                                                             : TC_USER_ACTIVE;
  u->email_verified = tc__col_int(&cols[6]) != 0;
  u->created_ms = tc__col_int(&cols[7]);
  u->updated_ms = tc__col_int(&cols[8]);
  return 0;
}

int tc__users_load(tc_ctx *ctx, const char *user_id, tc_user *out) {
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc) return rc;
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  rc =
      tc__db_row(ctx, "SELECT " TC__USERS_COLS " FROM users_users WHERE id = ?",
                 p, 1, tc__users_row_cb, out);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, rc, "user_id", "user %s not found", user_id);
  return rc;
}

int tc__users_load_active(tc_ctx *ctx, const char *user_id, tc_user *out) {
  int rc = tc__users_load(ctx, user_id, out);
  if (rc == TC_OK && out->status != TC_USER_ACTIVE)
    return tc__seterr(ctx, TC_ENOTFOUND, "user_id", "user %s was deleted",
                      user_id);
  return rc;
}

static bool add_str(cJSON *o, const char *name, const char *v) {
  return cJSON_AddStringToObject(o, name, v) != NULL;
}

cJSON *tc__users_user_json(tc_ctx *ctx, const tc_user *u) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && add_str(o, "id", u->id) && add_str(o, "email", u->email) &&
            add_str(o, "name", u->name) && add_str(o, "locale", u->locale) &&
            add_str(o, "phone", u->phone) &&
            add_str(o, "status",
                    u->status == TC_USER_DELETED ? "deleted" : "active") &&
            cJSON_AddBoolToObject(o, "email_verified", u->email_verified) &&
            cJSON_AddNumberToObject(o, "created_ms", (double)u->created_ms) &&
            cJSON_AddNumberToObject(o, "updated_ms", (double)u->updated_ms);
  if (!ok) {
    cJSON_Delete(o);
    tc__oom(ctx);
    return NULL;
  }
  return o;
}

int tc__users_put_json(tc_buf *out, cJSON *o) {
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!text) return TC_ENOMEM;
  int rc = tc_buf_puts(out, text);
  cJSON_free(text);
  return rc;
}

int tc_users_user_json(tc_buf *out, const tc_user *u) {
  if (!out || !u) return TC_EINVAL;
  return tc__users_put_json(out, tc__users_user_json(NULL, u));
}

int tc__users_publish_id(tc_ctx *ctx, const char *topic, const char *user_id) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddStringToObject(o, "user_id", user_id)) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, topic, user_id, o, NULL);
}
