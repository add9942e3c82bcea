/*
 * lib/auth/api.c - the auth module's JSON API methods (auth.*), and the
 * resolution of bearer tokens into principals for the dispatcher. Every
 * handler calls the typed functions; no rule lives only here.
 */
#include "api_internal.h"
#include "auth/auth_private.h" /* TODO(wall): public API only */
#include <stdio.h>

/* The caller's address and agent, when the host gave them. */
static tc_auth_client call_client(const tc__api_caller *from) {
  tc_auth_client c = {from->client_ip, from->user_agent};
  return c;
}

/* user_id of the request, or the caller's own. */
static const char *target_user(const tc_principal *who, const cJSON *req) {
  return tc__json_str(req, "user_id", who->user_id);
}

static int add_tokens(tc_ctx *ctx, cJSON *resp, const tc_auth_tokens *t) {
  int rc;
  if (t->mfa_required) {
    if ((rc = tc__json_add_bool(ctx, resp, "mfa_required", true)) ||
        (rc = tc__json_add_str(ctx, resp, "mfa_challenge", t->mfa_challenge)) ||
        (rc = tc__json_add_int(ctx, resp, "mfa_expires_in", t->mfa_expires_in)))
      return rc;
    return TC_OK;
  }
  if ((rc = tc__json_add_bool(ctx, resp, "mfa_required", false)) ||
      (rc = tc__json_add_str(ctx, resp, "access_token", t->access_token)) ||
      (rc = tc__json_add_str(ctx, resp, "token_type", t->token_type)) ||
      (rc = tc__json_add_int(ctx, resp, "expires_in", t->expires_in)))
    return rc;
  if (t->refresh_token[0] &&
      (rc = tc__json_add_str(ctx, resp, "refresh_token", t->refresh_token)))
    return rc;
  if (t->scope[0] && (rc = tc__json_add_str(ctx, resp, "scope", t->scope)))
    return rc;
  if (t->user_id[0] &&
      (rc = tc__json_add_str(ctx, resp, "user_id", t->user_id)))
    return rc;
  if (t->session_id[0] &&
      (rc = tc__json_add_str(ctx, resp, "session_id", t->session_id)))
    return rc;
  return TC_OK;
}

/* Every token-giving method wipes its struct on the way out. */
static int done_tokens(tc_ctx *ctx, cJSON *resp, tc_auth_tokens *t, int rc) {
  if (rc == TC_OK) rc = add_tokens(ctx, resp, t);
  sodium_memzero(t, sizeof(*t));
  return rc;
}

static const tc__field tokens_response[] = {
    {"mfa_required", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "true: give the second factor to auth.mfa_verify"},
    {"mfa_challenge", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "the challenge for auth.mfa_verify (MFA only)"},
    {"mfa_expires_in", TC__F_INT, 0, 0, 0, NULL, NULL,
     "seconds the challenge lives (MFA only)"},
    {"access_token", TC__F_STRING, 0, 0, 0, NULL, NULL, "JWT access token"},
    {"token_type", TC__F_STRING, 0, 0, 0, NULL, NULL, "\"Bearer\""},
    {"expires_in", TC__F_INT, 0, 0, 0, NULL, NULL, "access token lifetime, s"},
    {"refresh_token", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "opaque; spent by its first use"},
    {"scope", TC__F_STRING, 0, 0, 0, NULL, NULL, "granted scopes"},
    {"user_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "who logged in"},
    {"session_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "the new session"},
    {NULL},
};

/* ---- login, MFA, refresh, logout ---- */

static const tc__field login_request[] = {
    {"email", TC__F_STRING, TC__F_REQUIRED, 1, 254, NULL, NULL, "e-mail"},
    {"password", TC__F_STRING, TC__F_REQUIRED, 1, 4096, NULL, NULL, "password"},
    {NULL},
};

static int api_login(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_auth_tokens t;
  tc_auth_client c = call_client(from);
  int rc = tc_auth_login(&t, ctx, tc__json_str(req, "email", ""),
                         tc__json_str(req, "password", ""), &c);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field mfa_verify_request[] = {
    {"challenge", TC__F_STRING, TC__F_REQUIRED, 1, 63, NULL, NULL,
     "mfa_challenge from auth.login"},
    {"code", TC__F_STRING, TC__F_REQUIRED, 1, 32, NULL, NULL,
     "TOTP code or a recovery code"},
    {NULL},
};

static int api_mfa_verify(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_auth_tokens t;
  tc_auth_client c = call_client(from);
  int rc = tc_auth_mfa_verify(&t, ctx, tc__json_str(req, "challenge", ""),
                              tc__json_str(req, "code", ""), &c);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field refresh_request[] = {
    {"refresh_token", TC__F_STRING, TC__F_REQUIRED, 1, 63, NULL, NULL,
     "the refresh token (spent by this call)"},
    {NULL},
};

static int api_refresh(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_auth_tokens t;
  int rc =
      tc_auth_refresh(&t, ctx, tc__json_str(req, "refresh_token", ""), NULL);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field ok_response[] = {
    {"ok", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL, "true"},
    {NULL},
};

static int api_logout(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)req;
  int rc = tc_auth_logout(ctx, who);
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- sessions ---- */

static const tc__field list_sessions_request[] = {
    {"user_id", TC__F_STRING, 0, 36, 36, NULL, NULL,
     "whose sessions (default: the caller's)"},
    {"cursor", TC__F_STRING, 0, 0, 36, NULL, NULL, "next_cursor of a page"},
    {"limit", TC__F_INT, 0, 1, 100, NULL, NULL, "page size (default 20)"},
    {NULL},
};

static const tc__field session_fields[] = {
    {"id", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL, "session id"},
    {"client_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "OAuth client, if any"},
    {"ip", TC__F_STRING, 0, 0, 0, NULL, NULL, "address at login"},
    {"user_agent", TC__F_STRING, 0, 0, 0, NULL, NULL, "agent at login"},
    {"created_at", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "ms"},
    {"last_used_at", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "ms"},
    {"expires_at", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "ms"},
    {"current", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "the caller's own session"},
    {NULL},
};
static const tc__field session_item[] = {
    {"session", TC__F_OBJECT, 0, 0, 0, session_fields, NULL, "a session"},
};
static const tc__field list_sessions_response[] = {
    {"sessions", TC__F_ARRAY, TC__F_REQUIRED, 0, 0, NULL, session_item,
     "newest first"},
    {"next_cursor", TC__F_STRING, 0, 0, 0, NULL, NULL, "absent at the end"},
    {NULL},
};

typedef struct {
  tc_ctx *ctx;
  cJSON *arr;
  int rc;
} list_out;

static int session_to_json(const tc_auth_session *s, void *payload) {
  list_out *l = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->arr, o)) {
    cJSON_Delete(o);
    l->rc = tc__seterr(l->ctx, TC_ENOMEM, NULL, "out of memory");
    return 1;
  }
  tc_ctx *ctx = l->ctx;
  int rc;
  if ((rc = tc__json_add_str(ctx, o, "id", s->id)) ||
      (rc = tc__json_add_str(ctx, o, "client_id", s->client_id)) ||
      (rc = tc__json_add_str(ctx, o, "ip", s->ip)) ||
      (rc = tc__json_add_str(ctx, o, "user_agent", s->user_agent)) ||
      (rc = tc__json_add_int(ctx, o, "created_at", s->created_at)) ||
      (rc = tc__json_add_int(ctx, o, "last_used_at", s->last_used_at)) ||
      (rc = tc__json_add_int(ctx, o, "expires_at", s->expires_at)) ||
      (rc = tc__json_add_bool(ctx, o, "current", s->current))) {
    l->rc = rc;
    return 1;
  }
  return 0;
}

static int api_list_sessions(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  list_out l = {ctx, tc__json_add_array(ctx, resp, "sessions"), TC_OK};
  if (!l.arr) return TC_ENOMEM;
  char next[TC_ID_STRLEN + 1];
  int rc = tc_auth_sessions_list(
      ctx, who, target_user(who, req), tc__json_str(req, "cursor", NULL),
      (size_t)tc__json_int(req, "limit", 20), next, session_to_json, &l);
  if (rc == TC_OK) rc = l.rc;
  if (rc == TC_OK && next[0])
    rc = tc__json_add_str(ctx, resp, "next_cursor", next);
  return rc;
}

static const tc__field revoke_session_request[] = {
    {"session_id", TC__F_STRING, TC__F_REQUIRED, 36, 36, NULL, NULL,
     "the session to end"},
    {NULL},
};

static int api_revoke_session(tc_ctx *ctx, const tc__api_caller *from,
                              const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc =
      tc_auth_session_revoke(ctx, who, tc__json_str(req, "session_id", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

static const tc__field user_only_request[] = {
    {"user_id", TC__F_STRING, 0, 36, 36, NULL, NULL,
     "whose (default: the caller)"},
    {NULL},
};
static const tc__field revoked_response[] = {
    {"revoked", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "how many sessions ended"},
    {NULL},
};

static int api_revoke_all(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int64_t n = 0;
  int rc = tc_auth_sessions_revoke_all(ctx, who, target_user(who, req), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "revoked", n);
}

/* ---- tokens ---- */

static const tc__field verify_request[] = {
    {"token", TC__F_STRING, TC__F_REQUIRED, 1, 8192, NULL, NULL,
     "an access token"},
    {NULL},
};
static const tc__field verify_response[] = {
    {"active", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL, "true"},
    {"user_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "the user (sub)"},
    {"session_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "sid"},
    {"client_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "OAuth client"},
    {"roles", TC__F_ARRAY, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "customer, support, admin"},
    {"scope", TC__F_STRING, 0, 0, 0, NULL, NULL, "scopes"},
    {"exp", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "expiry, s"},
    {"iat", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "issued, s"},
    {"kid", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL, "signing key"},
    {NULL},
};

static int add_roles(tc_ctx *ctx, cJSON *resp, uint32_t roles) {
  cJSON *a = tc__json_add_array(ctx, resp, "roles");
  if (!a) return TC_ENOMEM;
  const char *names[] = {"customer", "support", "admin"};
  const uint32_t bits[] = {TC_ROLE_CUSTOMER, TC_ROLE_SUPPORT, TC_ROLE_ADMIN};
  for (int i = 0; i < 3; i++) {
    if (!(roles & bits[i])) continue;
    cJSON *s = cJSON_CreateString(names[i]);
    if (!s || !cJSON_AddItemToArray(a, s)) {
      cJSON_Delete(s);
      return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
    }
  }
  return TC_OK;
}

static int api_verify_token(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_principal p;
  tc_auth_claims c;
  int rc = tc_auth_verify_token(&p, &c, ctx, tc__json_str(req, "token", ""));
  if (rc) return rc;
  if ((rc = tc__json_add_bool(ctx, resp, "active", true)) ||
      (p.user_id[0] &&
       (rc = tc__json_add_str(ctx, resp, "user_id", p.user_id))) ||
      (p.session_id[0] &&
       (rc = tc__json_add_str(ctx, resp, "session_id", p.session_id))) ||
      (p.client_id[0] &&
       (rc = tc__json_add_str(ctx, resp, "client_id", p.client_id))) ||
      (rc = add_roles(ctx, resp, p.roles)) ||
      (p.scopes[0] && (rc = tc__json_add_str(ctx, resp, "scope", p.scopes))) ||
      (rc = tc__json_add_int(ctx, resp, "exp", c.exp)) ||
      (rc = tc__json_add_int(ctx, resp, "iat", c.iat)) ||
      (rc = tc__json_add_str(ctx, resp, "kid", c.kid)))
    return rc;
  return TC_OK;
}

/* ---- password ---- */

static const tc__field change_password_request[] = {
    {"user_id", TC__F_STRING, 0, 36, 36, NULL, NULL,
     "whose (default: the caller)"},
    {"current_password", TC__F_STRING, 0, 1, 4096, NULL, NULL,
     "required when changing one's own"},
    {"new_password", TC__F_STRING, TC__F_REQUIRED, 1, 4096, NULL, NULL,
     "8 or more characters, not a common password"},
    {NULL},
};

static int api_change_password(tc_ctx *ctx, const tc__api_caller *from,
                               const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = tc_auth_change_password(ctx, who, target_user(who, req),
                                   tc__json_str(req, "current_password", NULL),
                                   tc__json_str(req, "new_password", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- MFA ---- */

static const tc__field enroll_response[] = {
    {"secret", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL, "base32"},
    {"otpauth_uri", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "for a QR code"},
    {"algorithm", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "SHA1, SHA256 or SHA512"},
    {"digits", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "6"},
    {"period", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "30"},
    {NULL},
};

static int api_mfa_enroll(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_auth_mfa_enrolment e;
  int rc = tc_auth_mfa_enroll(&e, ctx, who, target_user(who, req));
  const char *alg = e.alg == TC_TOTP_SHA512   ? "SHA512"
                    : e.alg == TC_TOTP_SHA256 ? "SHA256"
                                              : "SHA1";
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "secret", e.secret);
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "otpauth_uri", e.uri);
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "algorithm", alg);
  if (rc == TC_OK) rc = tc__json_add_int(ctx, resp, "digits", e.digits);
  if (rc == TC_OK) rc = tc__json_add_int(ctx, resp, "period", e.period);
  sodium_memzero(&e, sizeof(e));
  return rc;
}

static const tc__field confirm_request[] = {
    {"user_id", TC__F_STRING, 0, 36, 36, NULL, NULL,
     "whose (default: the caller)"},
    {"code", TC__F_STRING, TC__F_REQUIRED, 6, 8, NULL, NULL,
     "current code from the app"},
    {NULL},
};
static const tc__field code_item[] = {
    {"code", TC__F_STRING, 0, 0, 0, NULL, NULL, "xxxxx-xxxxx"},
};
static const tc__field confirm_response[] = {
    {"recovery_codes", TC__F_ARRAY, TC__F_REQUIRED, 0, 0, NULL, code_item,
     "single-use codes, shown once"},
    {NULL},
};

static int api_mfa_confirm(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_auth_recovery_codes codes;
  int rc = tc_auth_mfa_confirm(&codes, ctx, who, target_user(who, req),
                               tc__json_str(req, "code", ""));
  cJSON *a = rc ? NULL : tc__json_add_array(ctx, resp, "recovery_codes");
  if (rc == TC_OK && !a) rc = TC_ENOMEM;
  for (int i = 0; rc == TC_OK && i < TC_AUTH_RECOVERY_CODES; i++) {
    cJSON *s = cJSON_CreateString(codes.codes[i]);
    if (!s || !cJSON_AddItemToArray(a, s)) {
      cJSON_Delete(s);
      rc = tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
    }
  }
  sodium_memzero(&codes, sizeof(codes));
  return rc;
}

static const tc__field disable_request[] = {
    {"user_id", TC__F_STRING, 0, 36, 36, NULL, NULL,
     "whose (default: the caller)"},
    {"password", TC__F_STRING, 0, 1, 4096, NULL, NULL,
     "the account password (required for one's own)"},
    {"code", TC__F_STRING, 0, 1, 32, NULL, NULL,
     "a current code or a recovery code (required for one's own)"},
    {NULL},
};

static int api_mfa_disable(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = tc_auth_mfa_disable(ctx, who, target_user(who, req),
                               tc__json_str(req, "password", NULL),
                               tc__json_str(req, "code", NULL));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- roles ---- */

static const tc__field role_item[] = {
    {"role", TC__F_STRING, 0, 1, 16, NULL, NULL, "customer, support, admin"},
};
static const tc__field set_roles_request[] = {
    {"user_id", TC__F_STRING, TC__F_REQUIRED, 36, 36, NULL, NULL, "whose"},
    {"roles", TC__F_ARRAY, TC__F_REQUIRED, 0, 3, NULL, role_item,
     "the complete new set"},
    {NULL},
};

static int api_set_roles(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, "roles");
  uint32_t roles = 0;
  const cJSON *e;
  int i = 0;
  cJSON_ArrayForEach(e, a) {
    const char *s = e->valuestring;
    if (!strcmp(s, "customer"))
      roles |= TC_ROLE_CUSTOMER;
    else if (!strcmp(s, "support"))
      roles |= TC_ROLE_SUPPORT;
    else if (!strcmp(s, "admin"))
      roles |= TC_ROLE_ADMIN;
    else
      return tc__seterr(ctx, TC_EINVAL, "roles",
                        "roles[%d] must be customer, support or admin", i);
    i++;
  }
  int rc = tc_auth_set_roles(ctx, who, tc__json_str(req, "user_id", ""), roles);
  return rc ? rc : add_roles(ctx, resp, roles);
}

/* ---- OAuth ---- */

static const tc__field uri_item[] = {
    {"uri", TC__F_STRING, 0, 1, 512, NULL, NULL, "absolute redirect URI"},
};
static const tc__field register_request[] = {
    {"name", TC__F_STRING, TC__F_REQUIRED, 1, 128, NULL, NULL,
     "shown to users"},
    {"confidential", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "true: gets a secret (server-side apps)"},
    {"redirect_uris", TC__F_ARRAY, 0, 0, 10, NULL, uri_item,
     "exact redirect URIs"},
    {"scopes", TC__F_STRING, 0, 0, 255, NULL, NULL,
     "space-separated scopes it may ask for"},
    {NULL},
};
static const tc__field register_response[] = {
    {"client_id", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL, "id"},
    {"client_secret", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "confidential clients only; shown once"},
    {NULL},
};

static int api_register_client(tc_ctx *ctx, const tc__api_caller *from,
                               const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *uris[10];
  size_t n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e,
                     cJSON_GetObjectItemCaseSensitive(req, "redirect_uris")) {
    if (n < 10) uris[n++] = e->valuestring;
  }
  tc_auth_oauth_client c;
  int rc =
      tc_auth_oauth_register_client(&c, ctx, who, tc__json_str(req, "name", ""),
                                    tc__json_bool(req, "confidential", false),
                                    uris, n, tc__json_str(req, "scopes", ""));
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "client_id", c.client_id);
  if (rc == TC_OK && c.client_secret[0])
    rc = tc__json_add_str(ctx, resp, "client_secret", c.client_secret);
  sodium_memzero(&c, sizeof(c));
  return rc;
}

static const tc__field authorize_request[] = {
    {"response_type", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL,
     "\"code\""},
    {"client_id", TC__F_STRING, TC__F_REQUIRED, 1, 63, NULL, NULL, "client"},
    {"redirect_uri", TC__F_STRING, TC__F_REQUIRED, 1, 512, NULL, NULL,
     "exactly as registered"},
    {"scope", TC__F_STRING, 0, 0, 255, NULL, NULL, "default: all allowed"},
    {"code_challenge", TC__F_STRING, TC__F_REQUIRED, 43, 43, NULL, NULL,
     "PKCE S256 challenge"},
    {"code_challenge_method", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL,
     "\"S256\""},
    {NULL},
};
static const tc__field authorize_response[] = {
    {"code", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "authorization code, single use"},
    {"redirect_uri", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "where to send it"},
    {NULL},
};

static int api_authorize(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  if (strcmp(tc__json_str(req, "response_type", ""), "code"))
    return tc__auth_oauth_err(ctx, TC_EINVAL, "unsupported_response_type",
                              "response_type", "response_type must be code");
  char code[TC_AUTH_OPAQUE_MAX];
  int rc = tc_auth_oauth_authorize(
      code, sizeof(code), ctx, who, tc__json_str(req, "client_id", ""),
      tc__json_str(req, "redirect_uri", ""), tc__json_str(req, "scope", NULL),
      tc__json_str(req, "code_challenge", ""),
      tc__json_str(req, "code_challenge_method", ""));
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "code", code);
  if (rc == TC_OK)
    rc = tc__json_add_str(ctx, resp, "redirect_uri",
                          tc__json_str(req, "redirect_uri", ""));
  sodium_memzero(code, sizeof(code));
  return rc;
}

static const tc__field token_request[] = {
    {"grant_type", TC__F_STRING, TC__F_REQUIRED, 1, 64, NULL, NULL,
     "authorization_code, client_credentials or refresh_token"},
    {"client_id", TC__F_STRING, 0, 1, 63, NULL, NULL, "the client"},
    {"client_secret", TC__F_STRING, 0, 1, 63, NULL, NULL,
     "confidential clients"},
    {"code", TC__F_STRING, 0, 1, 63, NULL, NULL, "authorization_code"},
    {"redirect_uri", TC__F_STRING, 0, 1, 512, NULL, NULL,
     "authorization_code: as in the authorization request"},
    {"code_verifier", TC__F_STRING, 0, 43, 128, NULL, NULL,
     "authorization_code: the PKCE verifier"},
    {"refresh_token", TC__F_STRING, 0, 1, 63, NULL, NULL, "refresh_token"},
    {"scope", TC__F_STRING, 0, 0, 255, NULL, NULL, "client_credentials"},
    {NULL},
};

static int api_token(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_auth_oauth_request r = {tc__json_str(req, "grant_type", NULL),
                             tc__json_str(req, "client_id", NULL),
                             tc__json_str(req, "client_secret", NULL),
                             tc__json_str(req, "code", NULL),
                             tc__json_str(req, "redirect_uri", NULL),
                             tc__json_str(req, "code_verifier", NULL),
                             tc__json_str(req, "refresh_token", NULL),
                             tc__json_str(req, "scope", NULL)};
  tc_auth_tokens t;
  int rc = tc_auth_oauth_token(&t, ctx, &r);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field client_token_request[] = {
    {"client_id", TC__F_STRING, 0, 1, 63, NULL, NULL,
     "the asking client (absent: a system caller)"},
    {"client_secret", TC__F_STRING, 0, 1, 63, NULL, NULL, "its secret"},
    {"token", TC__F_STRING, TC__F_REQUIRED, 1, 8192, NULL, NULL,
     "access or refresh token"},
    {"token_type_hint", TC__F_STRING, 0, 0, 32, NULL, NULL, "ignored"},
    {NULL},
};
static const tc__field introspect_response[] = {
    {"active", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "false for anything not currently valid"},
    {"token_type", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "access_token or refresh_token"},
    {"scope", TC__F_STRING, 0, 0, 0, NULL, NULL, "scopes"},
    {"client_id", TC__F_STRING, 0, 0, 0, NULL, NULL, "client"},
    {"sub", TC__F_STRING, 0, 0, 0, NULL, NULL, "user or client"},
    {"exp", TC__F_INT, 0, 0, 0, NULL, NULL, "s"},
    {"iat", TC__F_INT, 0, 0, 0, NULL, NULL, "s"},
    {NULL},
};

/* Without client credentials only a system caller may ask. */
static int client_or_system(tc_ctx *ctx, const tc_principal *who,
                            const cJSON *req) {
  if (tc__json_str(req, "client_id", NULL) || who->kind == TC_PRINCIPAL_SYSTEM)
    return TC_OK;
  return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                            "client_id", "client_id is required");
}

static int api_introspect(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = client_or_system(ctx, who, req);
  if (rc) return rc;
  tc_auth_introspection in;
  rc = tc_auth_oauth_introspect(&in, ctx, tc__json_str(req, "client_id", NULL),
                                tc__json_str(req, "client_secret", NULL),
                                tc__json_str(req, "token", ""));
  if (rc || (rc = tc__json_add_bool(ctx, resp, "active", in.active)) ||
      !in.active)
    return rc;
  if ((rc = tc__json_add_str(ctx, resp, "token_type", in.token_type)) ||
      (rc = tc__json_add_str(ctx, resp, "scope", in.scope)) ||
      (rc = tc__json_add_str(ctx, resp, "client_id", in.client_id)) ||
      (rc = tc__json_add_str(ctx, resp, "sub", in.sub)) ||
      (rc = tc__json_add_int(ctx, resp, "exp", in.exp)) ||
      (rc = tc__json_add_int(ctx, resp, "iat", in.iat)))
    return rc;
  return TC_OK;
}

static int api_revoke(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = client_or_system(ctx, who, req);
  if (rc == TC_OK)
    rc = tc_auth_oauth_revoke(ctx, tc__json_str(req, "client_id", NULL),
                              tc__json_str(req, "client_secret", NULL),
                              tc__json_str(req, "token", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- cleanup ---- */

static const tc__field sweep_request[] = {
    {"limit", TC__F_INT, 0, 1, 100000, NULL, NULL,
     "most rows deleted by this call (default 1000)"},
    {NULL},
};
static const tc__field sweep_response[] = {
    {"removed", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL, "rows deleted"},
    {"more", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "the limit was reached: call again"},
    {NULL},
};

static int api_sweep(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  size_t limit = (size_t)tc__json_int(req, "limit", 1000), removed = 0;
  int rc = tc_auth_sweep(ctx, 0, limit, &removed);
  if (rc == TC_OK)
    rc = tc__json_add_int(ctx, resp, "removed", (int64_t)removed);
  if (rc == TC_OK) rc = tc__json_add_bool(ctx, resp, "more", removed == limit);
  return rc;
}

static const tc__api_method methods[] = {
    {"auth.login", "Log in with e-mail and password", TC__ACCESS_PUBLIC,
     login_request, tokens_response, api_login},
    {"auth.mfa_verify", "Give the second factor of a login", TC__ACCESS_PUBLIC,
     mfa_verify_request, tokens_response, api_mfa_verify},
    {"auth.refresh", "Trade a refresh token for new tokens", TC__ACCESS_PUBLIC,
     refresh_request, tokens_response, api_refresh},
    {"auth.logout", "End the caller's session", TC__ACCESS_USER, NULL,
     ok_response, api_logout},
    {"auth.list_sessions", "List live sessions of a user", TC__ACCESS_USER,
     list_sessions_request, list_sessions_response, api_list_sessions},
    {"auth.revoke_session", "End one session", TC__ACCESS_USER,
     revoke_session_request, ok_response, api_revoke_session},
    {"auth.revoke_all_sessions", "End every session of a user", TC__ACCESS_USER,
     user_only_request, revoked_response, api_revoke_all},
    {"auth.verify_token", "Check an access token and say whose it is",
     TC__ACCESS_PUBLIC, verify_request, verify_response, api_verify_token},
    {"auth.change_password", "Change a password", TC__ACCESS_USER,
     change_password_request, ok_response, api_change_password},
    {"auth.mfa_enroll", "Start TOTP enrolment", TC__ACCESS_USER,
     user_only_request, enroll_response, api_mfa_enroll},
    {"auth.mfa_confirm", "Confirm TOTP enrolment with a code", TC__ACCESS_USER,
     confirm_request, confirm_response, api_mfa_confirm},
    {"auth.mfa_disable", "Turn TOTP off (re-authenticating)", TC__ACCESS_USER,
     disable_request, ok_response, api_mfa_disable},
    {"auth.set_roles", "Set the roles of a user", TC__ACCESS_ADMIN,
     set_roles_request, NULL, api_set_roles},
    {"auth.oauth_register_client", "Register an OAuth client", TC__ACCESS_ADMIN,
     register_request, register_response, api_register_client},
    {"auth.oauth_authorize", "Authorize a client: issue a code (PKCE S256)",
     TC__ACCESS_USER, authorize_request, authorize_response, api_authorize},
    {"auth.oauth_token", "OAuth token endpoint", TC__ACCESS_PUBLIC,
     token_request, tokens_response, api_token},
    {"auth.oauth_introspect", "RFC 7662 token introspection", TC__ACCESS_PUBLIC,
     client_token_request, introspect_response, api_introspect},
    {"auth.oauth_revoke", "RFC 7009 token revocation", TC__ACCESS_PUBLIC,
     client_token_request, ok_response, api_revoke},
    {"auth.sweep", "Delete expired tokens, codes, challenges and old sessions",
     TC__ACCESS_SYSTEM, sweep_request, sweep_response, api_sweep},
};

const tc__api_module tc__api_auth = {"auth", methods,
                                     sizeof(methods) / sizeof(methods[0])};
