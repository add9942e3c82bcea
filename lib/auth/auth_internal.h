/*
 * lib/auth/auth_internal.h - what the auth module offers other modules
 * inside the library (users, orders, ...). Owned by the auth module; the
 * signatures below are agreed with the users module: append, don't change.
 */
#ifndef TC_AUTH_INTERNAL_H
#define TC_AUTH_INTERNAL_H

#include "core/internal.h"

/* Validate password against the policy (length 8..1024 bytes of UTF-8 by
 * default, not in the common-password list) and store its Argon2id hash as
 * the credential of user_id, replacing any previous one. Runs inside the
 * caller's transaction if one is open. Errors name the field "password". */
int tc__auth_set_password(tc_ctx *ctx, const char *user_id,
                          const char *password);

/* Constant-time-ish check of a password for user_id (a dummy hash is
 * verified when the user has none, so timing does not reveal it).
 * TC_OK, or TC_EUNAUTHENTICATED. Used for re-authentication. */
int tc__auth_check_password(tc_ctx *ctx, const char *user_id,
                            const char *password);

/* Give user_id exactly the roles in `roles` (TC_ROLE_* bits); emits the
 * auth.role_changed audit event when they change. */
int tc__auth_set_roles(tc_ctx *ctx, const char *user_id, uint32_t roles,
                       const tc_principal *actor);

/* The TC_ROLE_* bits of user_id (0 when none). */
int tc__auth_get_roles(tc_ctx *ctx, const char *user_id, uint32_t *roles);

/* Revoke every session (and refresh token family) of user_id, e.g. after a
 * password reset or account deletion. */
int tc__auth_revoke_all_sessions(tc_ctx *ctx, const char *user_id,
                                 const char *reason);

/* Delete all credentials, sessions, MFA and roles of user_id (account
 * erasure). */
int tc__auth_forget_user(tc_ctx *ctx, const char *user_id);

/* ---- appended by the auth module ---- */

/* A password reset (the users module has checked the reset token): set
 * the new password (policy applies, field "password"), revoke every
 * session and emit auth.password_reset, in one transaction (the caller's
 * if one is open). */
int tc__auth_reset_password(tc_ctx *ctx, const char *user_id,
                            const char *password);

/* The module's schema and JSON API (listed in lib/core/registry.c). */
extern const tc__schema_module tc__schema_auth;
struct tc__api_module;
extern const struct tc__api_module tc__api_auth;

#endif
