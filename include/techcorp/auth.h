/*
 * techcorp/auth.h - authentication and authorization: passwords, access
 * tokens (JWT), rotating refresh tokens, sessions, TOTP MFA, OAuth 2.0
 * server logic, roles, login throttling and audit events.
 *
 * Everything here is also reachable through the JSON API (module "auth":
 * auth.login, auth.refresh, auth.oauth_token, ...).
 *
 * Secrets (passwords, tokens, TOTP secrets, recovery codes, client secrets)
 * are never logged, never put in error messages nor in events; the library
 * stores only hashes of them, except the TOTP secret and the generated
 * signing keys, which must be readable to be used.
 *
 * Thread rules: as for the context: one thread at a time per context. The
 * pure helpers (tc_auth_totp_code, tc_auth_pkce_s256, tc_auth_base32_*) are
 * safe from any thread. Contexts over the same database share the
 * generated signing key and see each other's session revocations (through
 * the store; through the cache when they share one, else after at most
 * session_cache_ttl_ms).
 *
 * Who may do what is decided here (the library's one policy): functions
 * that act for someone take the caller's principal `who` (NULL:
 * anonymous). A user acts on their own account; support reads any; admin
 * and system callers do everything. Credentials are kept by this module:
 * a login (the user's e-mail address, which the users module keeps in
 * step) and a password; the users module creates, changes and erases them
 * through the functions below, never the other way round.
 *
 * Errors: TC_EINVAL naming the field, TC_EUNAUTHENTICATED for bad
 * credentials or tokens (the message says what was wrong with a token, but
 * a login never says whether the e-mail or the password was wrong),
 * TC_EEXPIRED for expired tokens and codes, TC_ELIMIT when throttled (the
 * message gives the retry-after in seconds), TC_EDENIED when the caller
 * may not act on that user, TC_ESTATE for MFA in the wrong state.
 */
#ifndef TECHCORP_AUTH_H
#define TECHCORP_AUTH_H

#include <stdbool.h>

#include "common.h"
#include "context.h"

TC_BEGIN_DECL

/** Signature algorithms for access tokens. */
typedef enum tc_auth_alg {
  TC_AUTH_HS256 = 1, /**< HMAC-SHA-256, a shared secret of >= 32 bytes */
  TC_AUTH_EDDSA = 2, /**< Ed25519, a 32-byte seed */
} tc_auth_alg;

/** TOTP hash functions (RFC 6238). */
typedef enum tc_totp_alg {
  TC_TOTP_SHA1 = 1,
  TC_TOTP_SHA256 = 2,
  TC_TOTP_SHA512 = 3,
} tc_totp_alg;

/**
 * One signing key of the ring. secret is the HMAC key for HS256 (32 to 64
 * bytes) or the Ed25519 seed for EdDSA (exactly 32 bytes). kid: 1 to 64
 * bytes of [A-Za-z0-9._-]. Borrowed during tc_auth_configure() only (the
 * bytes are copied and wiped with the context).
 */
typedef struct tc_auth_key {
  const char *kid;
  const unsigned char *secret;
  size_t secret_len;
} tc_auth_key;

#define TC_AUTH_OPTIONS_VERSION 2
/**
 * Options of the auth module. Declare with TC_AUTH_OPTIONS_INIT; a zero
 * (or NULL) field means "the default" given beside it.
 */
typedef struct tc_auth_options {
  uint32_t version;
  /** Argon2id limits (0: 2 passes, 19 MiB, OWASP's minimum). Lower than
   *  libsodium's minimum (1 pass, 8 KiB) is refused. */
  unsigned long long pwhash_opslimit;
  size_t pwhash_memlimit;
  /** Password length in characters (0: 8 and 1024; max >= 64). */
  size_t password_min, password_max;
  /** Access-token algorithm (0: TC_AUTH_HS256). */
  tc_auth_alg alg;
  /**
   * The key ring: keys[0] signs, every key verifies (rotation: put the
   * new key first and keep the old ones until their tokens expired). At
   * most 8. NULL: a key generated on first use and kept in the database,
   * shared by every context on it (see tc_auth_rotate_key()).
   */
  const tc_auth_key *keys;
  size_t nkeys;
  /** iss and aud of the tokens (NULL: "techcorp", "techcorp-api"); at
   *  most 128 bytes each. */
  const char *issuer;
  const char *audience;
  int64_t access_ttl_ms;        /**< 0: 15 minutes */
  int64_t leeway_ms;            /**< exp/nbf tolerance; 0: 30 s; <0: none */
  int64_t refresh_idle_ms;      /**< 0: 14 days without use */
  int64_t refresh_absolute_ms;  /**< 0: 30 days after login */
  int64_t mfa_challenge_ttl_ms; /**< 0: 5 minutes */
  int64_t auth_code_ttl_ms;     /**< 0: 60 s (OAuth authorization code) */
  /** Failed logins before delays start, per account and per client
   *  address (0: 5 and 20), counted over throttle_window_ms (0: 15 min).
   *  Each further failure doubles the delay from throttle_base_ms (0: 1 s)
   *  up to throttle_max_ms (0: 15 min). */
  uint32_t throttle_account_free, throttle_ip_free;
  int64_t throttle_window_ms, throttle_base_ms, throttle_max_ms;
  /** How long a session's "still valid" answer is cached (0: 30 s). */
  int64_t session_cache_ttl_ms;
  /** Issuer shown by authenticator apps (NULL: "TechCorp"). */
  const char *totp_issuer;
  /** TOTP hash for new enrolments (0: SHA-1, what every app supports). */
  tc_totp_alg totp_alg;
  /** Since options version 2: how long a session that expired or was
   *  revoked is kept (for audits and support) before tc_auth_sweep()
   *  deletes it (0: 30 days). */
  int64_t session_retention_ms;
} tc_auth_options;

#define TC_AUTH_OPTIONS_INIT \
  { TC_AUTH_OPTIONS_VERSION }

/**
 * Set the options of the auth module on ctx (copied; strings and keys are
 * borrowed for the call only). May be called again to rotate keys or
 * change limits. TC_EINVAL naming the option when one is out of range;
 * then nothing changes. TC_EVERSION for an unknown options version.
 */
TC_EXTERN int tc_auth_configure(tc_ctx *ctx, const tc_auth_options *opts);

/**
 * When the key ring is the generated one kept in the database: make a new
 * signing key (new tokens use it; tokens signed by older generated keys
 * still verify until they expire). TC_ESTATE when keys were configured.
 */
TC_EXTERN int tc_auth_rotate_key(tc_ctx *ctx);

/* ---- passwords ---------------------------------------------------------- */

/**
 * TC_OK when password meets the policy: valid UTF-8, password_min to
 * password_max characters, not in the list of common passwords (compared
 * without regard to case). Else TC_EINVAL naming field "password" with
 * the reason (never the password).
 */
TC_EXTERN int tc_auth_password_check(tc_ctx *ctx, const char *password);

/**
 * Set the password of user_id (a user known to the users module, or any
 * id for hosts without one). who must be that user with `current` the
 * present password, or an admin/system principal (current may then be
 * NULL). Revokes every other session of the user and emits
 * auth.password_changed. TC_EUNAUTHENTICATED when current is wrong,
 * TC_EDENIED for someone else's account.
 */
TC_EXTERN int tc_auth_change_password(tc_ctx *ctx, const tc_principal *who,
                                      const char *user_id, const char *current,
                                      const char *new_password);

/* ---- credentials: for a user store (the users module) and hosts ------- */

/**
 * Give user_id a credential, replacing any it has: login (an e-mail
 * address, normalised as the users module keeps it - trimmed, lower-cased
 * - so tc_auth_login() finds it; NULL: none, the user then logs in by id
 * only) and password (the policy of tc_auth_password_check(), errors name
 * "password"). For admin and system callers: what creates an account
 * (a user changes their own with tc_auth_change_password()). TC_ECONFLICT
 * (field "email") when another user has that login. Runs inside the
 * caller's transaction when one is open.
 */
TC_EXTERN int tc_auth_credential_set(tc_ctx *ctx, const tc_principal *who,
                                     const char *user_id, const char *login,
                                     const char *password);

/**
 * Change the login of user_id's credential (an e-mail change that was
 * confirmed), keeping the password; NULL removes it. Admin and system
 * callers. TC_ENOTFOUND (field "user_id") when user_id has no credential,
 * TC_ECONFLICT (field "email") when another user has that login.
 */
TC_EXTERN int tc_auth_credential_set_login(tc_ctx *ctx, const tc_principal *who,
                                           const char *user_id,
                                           const char *login);

/**
 * Check password against user_id's credential, for a re-authentication
 * before a sensitive change: TC_OK, or TC_EUNAUTHENTICATED (field
 * "password") when it is wrong or the user has none (which costs the same
 * hash verification). who: that user, or admin/system. Issues nothing, so
 * it is not throttled: callers rate-limit what they protect.
 */
TC_EXTERN int tc_auth_verify_password(tc_ctx *ctx, const tc_principal *who,
                                      const char *user_id,
                                      const char *password);

/**
 * A password reset whose proof the caller has checked (the users module's
 * reset token): set the new password (policy applies, field "password"),
 * revoke every session and emit auth.password_reset, in one transaction
 * (the caller's if one is open). Admin and system callers.
 */
TC_EXTERN int tc_auth_reset_password(tc_ctx *ctx, const tc_principal *who,
                                     const char *user_id, const char *password);

/**
 * Erase user_id from this module (account erasure): credential, roles,
 * MFA, recovery codes, pending challenges and codes; every session is
 * revoked and stripped of its address and agent. Admin and system
 * callers. Runs inside the caller's transaction when one is open.
 */
TC_EXTERN int tc_auth_forget_user(tc_ctx *ctx, const tc_principal *who,
                                  const char *user_id);

/* ---- login, tokens, sessions ------------------------------------------- */

/** Where a request comes from (for throttling and session records). */
typedef struct tc_auth_client {
  const char *ip;         /**< client address, or NULL */
  const char *user_agent; /**< or NULL; kept up to 255 bytes */
} tc_auth_client;

/** Room for an access token in text form, NUL included. */
#define TC_AUTH_TOKEN_MAX 2048
/** Room for a refresh token, MFA challenge, code or secret (NUL incl.). */
#define TC_AUTH_OPAQUE_MAX 64

/**
 * What a login, MFA verification, refresh or OAuth token grant gives. A
 * value struct owned by the caller; wipe it (sodium_memzero or memset)
 * when done since it holds secrets. When mfa_required is true only
 * mfa_challenge and mfa_expires_in are set: give the second factor to
 * tc_auth_mfa_verify().
 */
typedef struct tc_auth_tokens {
  char access_token[TC_AUTH_TOKEN_MAX];
  char refresh_token[TC_AUTH_OPAQUE_MAX]; /**< "" when none is issued */
  char token_type[8];                     /**< "Bearer" */
  int64_t expires_in;                     /**< seconds */
  char scope[256];
  char user_id[TC_ID_STRLEN + 1];
  char session_id[TC_ID_STRLEN + 1];
  bool mfa_required;
  char mfa_challenge[TC_AUTH_OPAQUE_MAX];
  int64_t mfa_expires_in; /**< seconds */
} tc_auth_tokens;

/**
 * Log in with an e-mail and password. On TC_OK *out holds tokens for a new
 * session, or (MFA on) a challenge. Failures: TC_EUNAUTHENTICATED "e-mail
 * or password is wrong" whether the e-mail is unknown or the password
 * wrong (both take about one hash verification), TC_ELIMIT when
 * throttled. Emits auth.login_succeeded / auth.login_failed. Rehashes the
 * password when the configured limits changed. client may be NULL.
 */
TC_EXTERN int tc_auth_login(tc_auth_tokens *out, tc_ctx *ctx, const char *email,
                            const char *password, const tc_auth_client *client);

/**
 * Log in a user by id (no login lookup) - for hosts whose users have no
 * login e-mail, and for tests. Same rules as tc_auth_login().
 */
TC_EXTERN int tc_auth_login_user(tc_auth_tokens *out, tc_ctx *ctx,
                                 const char *user_id, const char *password,
                                 const tc_auth_client *client);

/**
 * Second factor of a login: a current TOTP code (6 to 8 digits) or an
 * unused recovery code for the challenge. A challenge allows 5 wrong
 * codes, then it is spent. TC_EEXPIRED, TC_EUNAUTHENTICATED.
 */
TC_EXTERN int tc_auth_mfa_verify(tc_auth_tokens *out, tc_ctx *ctx,
                                 const char *challenge, const char *code,
                                 const tc_auth_client *client);

/**
 * Trade a refresh token for new tokens; the given one is spent. Giving a
 * spent one again revokes its whole session (the family) and emits
 * auth.refresh_reuse_detected. TC_EEXPIRED after the idle or absolute
 * lifetime. client_id: the OAuth client the token was issued to (NULL or
 * "" for first-party logins); a mismatch is refused.
 */
TC_EXTERN int tc_auth_refresh(tc_auth_tokens *out, tc_ctx *ctx,
                              const char *refresh_token, const char *client_id);

/** Claims of a verified access token. A value struct. */
typedef struct tc_auth_claims {
  char iss[129];
  char sub[TC_ID_STRLEN + 1 + 64]; /**< user id or OAuth client id */
  char aud[129];
  char jti[TC_ID_STRLEN + 1];
  char sid[TC_ID_STRLEN + 1];
  char kid[65];
  int64_t exp, iat, nbf; /**< seconds since the epoch (nbf 0: absent) */
} tc_auth_claims;

/**
 * Verify an access token strictly: the configured algorithm only ("none"
 * never), a known kid, the signature in constant time, exp and nbf with
 * the leeway, iss and aud, and that its session was not revoked. On TC_OK
 * *out is the principal (USER with user_id, session_id, roles, scopes,
 * client_id; a client-credentials token gives ANONYMOUS with client_id
 * and scopes) and *claims (may be NULL) its claims. Errors:
 * TC_EUNAUTHENTICATED / TC_EEXPIRED with the reason, field "token".
 */
TC_EXTERN int tc_auth_verify_token(tc_principal *out, tc_auth_claims *claims,
                                   tc_ctx *ctx, const char *token);

/** One session as listed. */
typedef struct tc_auth_session {
  char id[TC_ID_STRLEN + 1];
  char user_id[TC_ID_STRLEN + 1];
  char client_id[64];
  char ip[64];
  char user_agent[256];
  int64_t created_at, last_used_at, expires_at; /**< ms */
  bool current; /**< the session of the principal listing */
} tc_auth_session;

/** Called per session; return non-zero to stop. s valid during the call. */
typedef int (*tc_auth_session_cb)(const tc_auth_session *s, void *payload);

/**
 * List the live sessions of user_id, newest first, at most limit (1..100)
 * after cursor after_id (NULL: from the start). who must be that user, or
 * support/admin/system. next_cursor (TC_ID_STRLEN + 1 bytes, may be NULL)
 * receives the id to pass as after_id for the next page, "" at the end.
 */
TC_EXTERN int tc_auth_sessions_list(tc_ctx *ctx, const tc_principal *who,
                                    const char *user_id, const char *after_id,
                                    size_t limit, char *next_cursor,
                                    tc_auth_session_cb cb, void *payload);

/** Revoke one session (its tokens stop working). who: its owner, or
 *  admin/system. TC_ENOTFOUND when there is no such live session. */
TC_EXTERN int tc_auth_session_revoke(tc_ctx *ctx, const tc_principal *who,
                                     const char *session_id);

/** Revoke every session of user_id; *count (may be NULL) gets how many. */
TC_EXTERN int tc_auth_sessions_revoke_all(tc_ctx *ctx, const tc_principal *who,
                                          const char *user_id, int64_t *count);

/** Revoke the session who is calling from (who->session_id). */
TC_EXTERN int tc_auth_logout(tc_ctx *ctx, const tc_principal *who);

/* ---- roles -------------------------------------------------------------- */

/** Give user_id exactly roles (TC_ROLE_* bits); who must be admin or
 *  system. Emits auth.role_changed. Takes effect at the next refresh. */
TC_EXTERN int tc_auth_set_roles(tc_ctx *ctx, const tc_principal *who,
                                const char *user_id, uint32_t roles);

/** The TC_ROLE_* bits user_id holds (0 when none) into *roles. who: that
 *  user, support, admin or system. */
TC_EXTERN int tc_auth_get_roles(uint32_t *roles, tc_ctx *ctx,
                                const tc_principal *who, const char *user_id);

/* ---- MFA (TOTP) --------------------------------------------------------- */

/** What an enrolment returns (secrets: wipe when done). */
typedef struct tc_auth_mfa_enrolment {
  char secret[TC_AUTH_OPAQUE_MAX * 2]; /**< base32, no padding */
  char uri[1536];                      /**< otpauth://totp/... */
  tc_totp_alg alg;
  int digits;
  int period;
} tc_auth_mfa_enrolment;

/**
 * Start TOTP enrolment for user_id (who: that user, or admin/system): a
 * new secret, pending until confirmed. TC_ESTATE when MFA is already on.
 */
TC_EXTERN int tc_auth_mfa_enroll(tc_auth_mfa_enrolment *out, tc_ctx *ctx,
                                 const tc_principal *who, const char *user_id);

#define TC_AUTH_RECOVERY_CODES 10
/** Recovery codes "xxxxx-xxxxx", shown once (wipe when done). */
typedef struct tc_auth_recovery_codes {
  char codes[TC_AUTH_RECOVERY_CODES][16];
} tc_auth_recovery_codes;

/**
 * Confirm the pending enrolment with a current code; turns MFA on, emits
 * auth.mfa_enrolled and returns fresh single-use recovery codes.
 */
TC_EXTERN int tc_auth_mfa_confirm(tc_auth_recovery_codes *out, tc_ctx *ctx,
                                  const tc_principal *who, const char *user_id,
                                  const char *code);

/**
 * Turn MFA off after re-authentication: the password and a current code
 * (or a recovery code). Emits auth.mfa_disabled. An admin or system
 * principal may give NULL for both (account recovery by staff).
 */
TC_EXTERN int tc_auth_mfa_disable(tc_ctx *ctx, const tc_principal *who,
                                  const char *user_id, const char *password,
                                  const char *code);

/** Whether MFA is on for user_id (*on). who: that user, support, admin or
 *  system. */
TC_EXTERN int tc_auth_mfa_status(tc_ctx *ctx, const tc_principal *who,
                                 const char *user_id, bool *on);

/**
 * RFC 6238 TOTP value: the code for time unix_s with key[0..key_len),
 * period seconds (0: 30), digits 6..8 (0: 6), into out (>= 9 bytes).
 * TC_EINVAL for bad arguments. Thread-safe.
 */
TC_EXTERN int tc_auth_totp_code(char *out, size_t out_size, tc_totp_alg alg,
                                const unsigned char *key, size_t key_len,
                                int64_t unix_s, int period, int digits);

/** RFC 4648 base32 of in[0..n) without padding into out, which needs
 *  (n * 8 + 4) / 5 + 1 bytes. TC_EINVAL when out is too small. */
TC_EXTERN int tc_auth_base32_encode(char *out, size_t out_size,
                                    const unsigned char *in, size_t n);

/** Decode base32 (case-insensitive, '=' padding and spaces ignored) into
 *  out; *n gets the length. TC_EINVAL for a bad character or no room. */
TC_EXTERN int tc_auth_base32_decode(unsigned char *out, size_t out_size,
                                    size_t *n, const char *in);

/* ---- OAuth 2.0 ---------------------------------------------------------- */

/** RFC 7636 S256 challenge of a code verifier: base64url(SHA-256(v))
 *  without padding into out (>= 44 bytes). TC_EINVAL for a verifier that
 *  is not 43..128 unreserved characters. Thread-safe. */
TC_EXTERN int tc_auth_pkce_s256(char *out, size_t out_size,
                                const char *verifier);

/** A registered client as returned once (the secret is not kept). */
typedef struct tc_auth_oauth_client {
  char client_id[64];
  char client_secret[TC_AUTH_OPAQUE_MAX]; /**< "" for public clients */
} tc_auth_oauth_client;

/**
 * Register an OAuth client (who: admin or system). redirect_uris:
 * nredirect absolute URIs (https, or http on localhost), matched exactly;
 * scopes: the space-separated scopes it may ask for; confidential clients
 * get a secret (stored hashed) and may use client_credentials.
 */
TC_EXTERN int tc_auth_oauth_register_client(
    tc_auth_oauth_client *out, tc_ctx *ctx, const tc_principal *who,
    const char *name, bool confidential, const char *const *redirect_uris,
    size_t nredirect, const char *scopes);

/**
 * The user who authorizes client_id: issue an authorization code for
 * redirect_uri (exact match), scope (NULL: all of the client's) and a
 * PKCE S256 code_challenge (method "S256" only). out gets the code.
 * response_type: "code", the only one this server issues (NULL means
 * "code"); anything else is TC_EINVAL unsupported_response_type.
 */
TC_EXTERN int tc_auth_oauth_authorize(
    char *out, size_t out_size, tc_ctx *ctx, const tc_principal *who,
    const char *response_type, const char *client_id, const char *redirect_uri,
    const char *scope, const char *code_challenge,
    const char *code_challenge_method);

/** A token request (RFC 6749 section 4); unused fields NULL. */
typedef struct tc_auth_oauth_request {
  const char *grant_type; /**< authorization_code, client_credentials,
                               refresh_token */
  const char *client_id;
  const char *client_secret;
  const char *code;
  const char *redirect_uri;
  const char *code_verifier;
  const char *refresh_token;
  const char *scope;
} tc_auth_oauth_request;

/**
 * The token endpoint. On failure the message starts with the RFC 6749
 * error name ("invalid_grant: ...") and tc_auth_oauth_error() gives it.
 */
TC_EXTERN int tc_auth_oauth_token(tc_auth_tokens *out, tc_ctx *ctx,
                                  const tc_auth_oauth_request *req);

/** The RFC 6749 error name of the last failed OAuth call on ctx
 *  ("invalid_grant", "invalid_client", "invalid_request",
 *  "unsupported_grant_type", "invalid_scope", "unauthorized_client"), or
 *  "" . Owned by ctx. The same name is the context's error reason
 *  (tc_errreason()), which the JSON API gives as the error's "reason". */
TC_EXTERN const char *tc_auth_oauth_error(tc_ctx *ctx);

/** RFC 7662 introspection result. */
typedef struct tc_auth_introspection {
  bool active;
  char token_type[16]; /**< "access_token" or "refresh_token" */
  char scope[256];
  char client_id[64];
  char sub[TC_ID_STRLEN + 1 + 64];
  char sid[TC_ID_STRLEN + 1];
  int64_t exp, iat; /**< seconds */
} tc_auth_introspection;

/**
 * RFC 7662: what the token is, for a confidential client authenticating
 * with its secret, or client_id NULL for a trusted host: who must then be
 * a system principal (else TC_EUNAUTHENTICATED invalid_client). An
 * invalid, expired or revoked token gives TC_OK with active false.
 */
TC_EXTERN int tc_auth_oauth_introspect(tc_auth_introspection *out, tc_ctx *ctx,
                                       const tc_principal *who,
                                       const char *client_id,
                                       const char *client_secret,
                                       const char *token);

/**
 * RFC 7009: revoke a refresh token (its whole session) or an access token
 * (its session, or the token itself when it has none). An unknown token
 * is TC_OK. client_id NULL: a trusted host (who must be a system
 * principal, else TC_EUNAUTHENTICATED invalid_client); else the client
 * must own the token and authenticate (secret for confidential clients).
 */
TC_EXTERN int tc_auth_oauth_revoke(tc_ctx *ctx, const tc_principal *who,
                                   const char *client_id,
                                   const char *client_secret,
                                   const char *token);

/* ---- cleanup ------------------------------------------------------------ */

/**
 * Delete auth rows that can no longer matter, as of now_ms (0: the
 * context's clock), at most `limit` rows in all, in one write transaction:
 *  - refresh tokens never used and past their idle expiry; any refresh
 *    token older than the absolute lifetime (refresh_absolute_ms) whose
 *    session is not live (used ones are kept until then so that reuse is
 *    still detected);
 *  - MFA challenges past their expiry;
 *  - OAuth authorization codes never used and past their expiry, and used
 *    ones once the session they gave is past its absolute lifetime (reuse
 *    revokes that session until then);
 *  - revoked access-token ids once the token is past exp plus the leeway;
 *  - sessions expired or revoked longer than session_retention_ms ago,
 *    with their refresh tokens.
 * Every deletion walks an index, never a whole table, so a call costs
 * about `limit` rows; call again while *removed == limit to catch up.
 * removed (may be NULL) gets how many rows were deleted (0 on failure).
 * Does not touch the cache (what it deletes is refused already).
 * Thread rules as for every call on ctx. TC_EINVAL for limit 0 or a
 * negative now_ms; store errors as they come (nothing deleted then).
 */
TC_EXTERN int tc_auth_sweep(tc_ctx *ctx, int64_t now_ms, size_t limit,
                            size_t *removed);

TC_END_DECL

#endif
