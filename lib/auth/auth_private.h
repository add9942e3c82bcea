/*
 * lib/auth/auth_private.h - shared between the files of the auth module
 * only: its state on the context and small helpers.
 */
#ifndef TC_AUTH_PRIVATE_H
#define TC_AUTH_PRIVATE_H

#include <sodium.h>

#include "core/internal.h"
#include "techcorp/auth.h"

/* Validate password against the policy and store its Argon2id hash as the
 * credential of user_id, keeping its login (none for a new one). Runs
 * inside the caller's transaction if one is open. Errors name the field
 * "password". */
int tc__auth_set_password(tc_ctx *ctx, const char *user_id,
                          const char *password);

/* Give user_id exactly the roles in `roles` (TC_ROLE_* bits); emits the
 * auth.role_changed audit event naming actor when they change. */
int tc__auth_set_roles(tc_ctx *ctx, const char *user_id, uint32_t roles,
                       const tc_principal *actor);

/* The TC_ROLE_* bits of user_id (0 when none). */
int tc__auth_get_roles(tc_ctx *ctx, const char *user_id, uint32_t *roles);

/* Revoke every session (and refresh token family) of user_id. */
int tc__auth_revoke_all_sessions(tc_ctx *ctx, const char *user_id,
                                 const char *reason);

/* The module's schema (lib/core/registry.c). */
extern const tc__schema_module tc__schema_auth;

#define TC__AUTH_MAX_KEYS 8
#define TC__AUTH_HASH_HEX 65 /* generichash (32 bytes) in hex, NUL incl. */

typedef struct tc__auth_keyslot {
  char kid[65];
  unsigned char secret[64]; /* HMAC key, or the Ed25519 seed */
  size_t secret_len;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
} tc__auth_keyslot;

typedef struct tc__auth_state {
  unsigned long long opslimit;
  size_t memlimit;
  size_t pw_min, pw_max;
  tc_auth_alg alg;
  tc__auth_keyslot keys[TC__AUTH_MAX_KEYS];
  size_t nkeys;
  bool keys_configured; /* else generated ones, loaded from the store */
  char issuer[129], audience[129], totp_issuer[65];
  int64_t access_ttl, leeway, refresh_idle, refresh_abs, mfa_ttl, code_ttl;
  uint32_t thr_acct, thr_ip;
  int64_t thr_window, thr_base, thr_max;
  int64_t sess_cache_ttl;
  int64_t sess_retention;
  tc_totp_alg totp_alg;
  /* A hash of a random password at the current limits, verified when a
   * login names nobody so that it costs as much as a real one. */
  char dummy_hash[crypto_pwhash_STRBYTES];
  char oauth_error[32];
} tc__auth_state;

/* The module's state on ctx, made with the defaults on first use; NULL
 * (TC_ENOMEM set) when that allocation fails. */
tc__auth_state *tc__auth_state_get(tc_ctx *ctx);

/* Key ring: make sure keys are there (loading or generating the stored
 * one), find one by kid (reload stored ones once when unknown). */
int tc__auth_keys_ready(tc_ctx *ctx, tc__auth_state *st);
const tc__auth_keyslot *tc__auth_key_find(tc_ctx *ctx, tc__auth_state *st,
                                          const char *kid);

/* ---- helpers (util.c) ---- */
/* Lower-case hex of the BLAKE2b-256 hash of s: how opaque tokens are kept. */
void tc__auth_hash_hex(char out[TC__AUTH_HASH_HEX], const char *s);
void tc__auth_hex(char *out, const unsigned char *in, size_t n);
int tc__auth_unhex(unsigned char *out, size_t n, const char *hex);
/* 256 random bits in base64url without padding (43 characters). */
void tc__auth_opaque(tc_ctx *ctx, char out[TC_AUTH_OPAQUE_MAX]);
/* Publish an audit event: {"user_id":..,"at":..,k1:v1,...}; kv is pairs of
 * strings ending with NULL (NULL or "" values are left out). */
int tc__auth_audit(tc_ctx *ctx, const char *topic, const char *user_id,
                   const char *const *kv);
/* Same in a transaction of its own (for events about failures). */
int tc__auth_audit_commit(tc_ctx *ctx, const char *topic, const char *user_id,
                          const char *const *kv);
/* OAuth failures: remember the RFC 6749 name, prefix the message with it
 * and set it as the context's error reason (tc_errreason()). */
int tc__auth_oauth_err(tc_ctx *ctx, int code, const char *rfc_name,
                       const char *field, const char *fmt, ...) TC_PRINTF(5, 6);
/* Role bits as used in tokens; empty when roles is 0. */
int tc__auth_roles_effective(tc_ctx *ctx, const char *user_id, uint32_t *roles);

/* ---- passwords (password.c) ---- */
bool tc__auth_password_is_common(const char *password);
extern const char *const tc__auth_common_passwords[];
extern const size_t tc__auth_common_password_count;
/* Verify password for user_id; rehash when the limits changed. TC_OK or
 * TC_EUNAUTHENTICATED (no message set: callers choose what to say). */
int tc__auth_password_verify(tc_ctx *ctx, const char *user_id,
                             const char *password, bool rehash);

/* ---- JWT (jwt.c) ---- */
typedef struct tc__auth_jwt_in {
  const char *sub, *sid, *client_id, *scope;
  uint32_t roles;
} tc__auth_jwt_in;
int tc__auth_jwt_issue(tc_ctx *ctx, char *out, size_t out_size,
                       const tc__auth_jwt_in *in, int64_t *expires_in);
/* Verify signature and claims (not the session). */
int tc__auth_jwt_verify(tc_ctx *ctx, const char *token, tc_principal *who,
                        tc_auth_claims *claims);

/* ---- sessions (sessions.c) ---- */
/* Create a session for user_id and fill out with its tokens. */
int tc__auth_session_start(tc_ctx *ctx, tc_auth_tokens *out,
                           const char *user_id, const char *client_id,
                           const char *scope, const tc_auth_client *client);
/* TC_OK when the session is live (cache first, then the store). */
int tc__auth_session_alive(tc_ctx *ctx, const char *sid);
/* Revoke one session in the store and mark it in the cache; *changed
 * (may be NULL) tells whether it was live. */
int tc__auth_session_kill(tc_ctx *ctx, const char *sid, const char *reason,
                          bool *changed);
/* Revoke the live sessions of user_id except except_sid ("" for none);
 * *count (may be NULL) gets how many. */
int tc__auth_revoke_sessions(tc_ctx *ctx, const char *user_id,
                             const char *except_sid, const char *reason,
                             int64_t *count);
/* Refresh as tc_auth_refresh, with the OAuth client check. */
int tc__auth_refresh(tc_auth_tokens *out, tc_ctx *ctx, const char *token,
                     const char *client_id, bool oauth);
/* Look up a refresh token by value: session id and client, whether it is
 * live. TC_ENOTFOUND when unknown. */
int tc__auth_refresh_lookup(tc_ctx *ctx, const char *token, char *sid,
                            char *client_id, char *user_id, bool *live,
                            int64_t *exp_ms, int64_t *iat_ms, char *scope);
bool tc__auth_jti_revoked(tc_ctx *ctx, const char *jti);
int tc__auth_jti_revoke(tc_ctx *ctx, const char *jti, int64_t exp_s);

/* ---- MFA (totp.c) ---- */
/* TC_OK when MFA is confirmed on for user_id. */
int tc__auth_mfa_on(tc_ctx *ctx, const char *user_id, bool *on);
/* Check a TOTP code (refusing replays) or, when allow_recovery, a
 * recovery code (spending it). TC_EUNAUTHENTICATED with a message. */
int tc__auth_mfa_check(tc_ctx *ctx, const char *user_id, const char *code,
                       bool allow_recovery, bool confirmed_only);

/* ---- SHA-1 (sha1.c), RFC 3174; for HMAC-SHA-1 (RFC 2104) in TOTP ---- */
#define TC__SHA1_LEN 20
void tc__sha1(unsigned char out[TC__SHA1_LEN], const void *data, size_t n);
void tc__hmac_sha1(unsigned char out[TC__SHA1_LEN], const unsigned char *key,
                   size_t key_len, const void *msg, size_t n);

/* ---- cleanup (sweep.c) ---- */
/* The i-th deletion tc_auth_sweep() runs, NULL past the last (the tests
 * check each one's query plan). */
const char *tc__auth_sweep_statement(size_t i);

/* ---- throttling (login.c) ---- */
int tc__auth_throttle_check(tc_ctx *ctx, const char *account, const char *ip);
void tc__auth_throttle_fail(tc_ctx *ctx, const char *account, const char *ip);
void tc__auth_throttle_ok(tc_ctx *ctx, const char *account);

#endif
