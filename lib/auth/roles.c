/*
 * lib/auth/roles.c - roles (customer, support, admin) and the one
 * authorization helper every module asks "may who do action to that".
 */
#include <stdio.h>

#include "auth_private.h"

#define ROLE_ALL (TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT | TC_ROLE_ADMIN)

static int get_int(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

int tc__auth_get_roles(tc_ctx *ctx, const char *user_id, uint32_t *roles) {
  *roles = 0;
  int64_t v = 0;
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  int rc = tc__db_row(ctx, "SELECT roles FROM auth_roles WHERE user_id = ?", p,
                      1, get_int, &v);
  if (rc == TC_ENOTFOUND) return TC_OK;
  if (rc == TC_OK) *roles = (uint32_t)v & ROLE_ALL;
  return rc;
}

int tc_auth_get_roles(uint32_t *roles, tc_ctx *ctx, const tc_principal *who,
                      const char *user_id) {
  if (roles) *roles = 0;
  if (!ctx || !roles) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_READ, user_id)))
    return rc;
  return tc__auth_get_roles(ctx, user_id, roles);
}

/* Every known user is at least a customer. */
int tc__auth_roles_effective(tc_ctx *ctx, const char *user_id,
                             uint32_t *roles) {
  int rc = tc__auth_get_roles(ctx, user_id, roles);
  if (rc == TC_OK && *roles == 0) *roles = TC_ROLE_CUSTOMER;
  return rc;
}

static const char SQL_ROLES_UPSERT[] =
    "INSERT INTO auth_roles (user_id, roles, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET roles = excluded.roles, "
    "updated_at = excluded.updated_at";

static void roles_text(char *out, size_t size, uint32_t r) {
  tc__roles_text(out, size, r, " ", "none");
}

static int set_roles(tc_ctx *ctx, const char *user_id, uint32_t roles,
                     const tc_principal *actor) {
  uint32_t old = 0;
  int rc = tc__auth_get_roles(ctx, user_id, &old);
  if (rc || old == roles) return rc;
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_INT(roles),
                  TC_VAL_INT(tc__now_ms(ctx))};
  if ((rc = tc__db_exec(ctx, SQL_ROLES_UPSERT, p, 3, NULL, NULL, NULL)))
    return rc;
  char o[64], n[64];
  roles_text(o, sizeof(o), old);
  roles_text(n, sizeof(n), roles);
  const char *actor_id = !actor                               ? "library"
                         : actor->kind == TC_PRINCIPAL_SYSTEM ? "system"
                                                              : actor->user_id;
  const char *kv[] = {"old_roles", o, "new_roles", n, "actor", actor_id, NULL};
  return tc__auth_audit(ctx, "auth.role_changed", user_id, kv);
}

int tc__auth_set_roles(tc_ctx *ctx, const char *user_id, uint32_t roles,
                       const tc_principal *actor) {
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc) return rc;
  if (roles & ~ROLE_ALL)
    return tc__seterr(ctx, TC_EINVAL, "roles", "roles has unknown bits");
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, set_roles(ctx, user_id, roles, actor));
}

int tc_auth_set_roles(tc_ctx *ctx, const tc_principal *who, const char *user_id,
                      uint32_t roles) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "auth", TC__ACT_ADMIN, NULL);
  if (rc) return rc;
  return tc__auth_set_roles(ctx, user_id, roles, who);
}

static const char *const SQL_FORGET[] = {
    "DELETE FROM auth_credentials WHERE user_id = ?",
    "DELETE FROM auth_roles WHERE user_id = ?",
    "DELETE FROM auth_mfa WHERE user_id = ?",
    "DELETE FROM auth_recovery_codes WHERE user_id = ?",
    "DELETE FROM auth_mfa_challenges WHERE user_id = ?",
    "DELETE FROM auth_oauth_codes WHERE user_id = ?",
};

int tc_auth_forget_user(tc_ctx *ctx, const tc_principal *who,
                        const char *user_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "auth", TC__ACT_ADMIN, NULL);
  if (!rc) rc = tc__check_id(ctx, "user_id", user_id);
  if (rc) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__auth_revoke_all_sessions(ctx, user_id, "account erased");
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  for (size_t i = 0;
       rc == TC_OK && i < sizeof(SQL_FORGET) / sizeof(*SQL_FORGET); i++)
    rc = tc__db_exec(ctx, SQL_FORGET[i], p, 1, NULL, NULL, NULL);
  /* Session rows stay (revoked) without their client details. */
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "UPDATE auth_sessions SET ip = '', user_agent = '' "
                     "WHERE user_id = ?",
                     p, 1, NULL, NULL, NULL);
  return tc__txn_end(ctx, rc);
}
