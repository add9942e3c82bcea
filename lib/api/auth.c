/*
 * lib/api/auth.c - the "auth.*" methods of the JSON API. Every handler
 * calls the typed functions; no rule lives only here. Secrets that pass
 * through (tokens, codes, TOTP secrets) are wiped on the way out.
 */
#include <sodium.h>
#include <stdio.h>

#include "api_internal.h"

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
    API_BOOL("mfa_required", API_REQ,
             "true: give the second factor to auth.mfa_verify"),
    API_STR("mfa_challenge", API_OPT, 0, 0,
            "the challenge for auth.mfa_verify (MFA only)"),
    API_INT("mfa_expires_in", API_OPT, 0, 0,
            "seconds the challenge lives (MFA only)"),
    API_STR("access_token", API_OPT, 0, 0, "JWT access token"),
    API_STR("token_type", API_OPT, 0, 0, "\"Bearer\""),
    API_INT("expires_in", API_OPT, 0, 0, "access token lifetime, s"),
    API_STR("refresh_token", API_OPT, 0, 0, "opaque; spent by its first use"),
    API_STR("scope", API_OPT, 0, 0, "granted scopes"),
    API_STR("user_id", API_OPT, 0, 0, "who logged in"),
    API_STR("session_id", API_OPT, 0, 0, "the new session"),
    API_END,
};

/* ---- login, MFA, refresh, logout ---- */

static const tc__field login_request[] = {
    API_STR("email", API_REQ, 1, 254, "e-mail"),
    API_STR("password", API_REQ, 1, 4096, "password"),
    API_END,
};

static int h_login(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                   cJSON *resp) {
  tc_auth_tokens t;
  tc_auth_client c = call_client(from);
  int rc = tc_auth_login(&t, ctx, tc__json_str(req, "email", ""),
                         tc__json_str(req, "password", ""), &c);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field mfa_verify_request[] = {
    API_STR("challenge", API_REQ, 1, 63, "mfa_challenge from auth.login"),
    API_STR("code", API_REQ, 1, 32, "TOTP code or a recovery code"),
    API_END,
};

static int h_mfa_verify(tc_ctx *ctx, const tc__api_caller *from,
                        const cJSON *req, cJSON *resp) {
  tc_auth_tokens t;
  tc_auth_client c = call_client(from);
  int rc = tc_auth_mfa_verify(&t, ctx, tc__json_str(req, "challenge", ""),
                              tc__json_str(req, "code", ""), &c);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field refresh_request[] = {
    API_STR("refresh_token", API_REQ, 1, 63,
            "the refresh token (spent by this call)"),
    API_END,
};

static int h_refresh(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  tc_auth_tokens t;
  int rc =
      tc_auth_refresh(&t, ctx, tc__json_str(req, "refresh_token", ""), NULL);
  return done_tokens(ctx, resp, &t, rc);
}

static const tc__field ok_response[] = {
    API_BOOL("ok", API_REQ, "true"),
    API_END,
};

static int h_logout(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)req;
  int rc = tc_auth_logout(ctx, who);
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- sessions ---- */

static const tc__field list_sessions_request[] = {
    API_ID("user_id", API_OPT, "whose sessions (default: the caller's)"),
    API_STR("cursor", API_OPT, 0, 36, "next_cursor of a page"),
    API_INT("limit", API_OPT, 1, 100, "page size (default 20)"),
    API_END,
};

static const tc__field session_fields[] = {
    API_STR("id", API_REQ, 0, 0, "session id"),
    API_STR("client_id", API_OPT, 0, 0, "OAuth client, if any"),
    API_STR("ip", API_OPT, 0, 0, "address at login"),
    API_STR("user_agent", API_OPT, 0, 0, "agent at login"),
    API_INT("created_at", API_REQ, 0, 0, "ms"),
    API_INT("last_used_at", API_REQ, 0, 0, "ms"),
    API_INT("expires_at", API_REQ, 0, 0, "ms"),
    API_BOOL("current", API_REQ, "the caller's own session"),
    API_END,
};
static const tc__field session_item[] = {
    API_OBJ("session", API_OPT, session_fields, "a session"),
};
static const tc__field list_sessions_response[] = {
    API_ARR("sessions", API_REQ, 0, 0, session_item, "newest first"),
    API_STR("next_cursor", API_OPT, 0, 0, "absent at the end"),
    API_END,
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
    l->rc = tc__oom(l->ctx);
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

static int h_list_sessions(tc_ctx *ctx, const tc__api_caller *from,
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
    API_ID("session_id", API_REQ, "the session to end"),
    API_END,
};

static int h_revoke_session(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc =
      tc_auth_session_revoke(ctx, who, tc__json_str(req, "session_id", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

static const tc__field user_only_request[] = {
    API_ID("user_id", API_OPT, "whose (default: the caller)"),
    API_END,
};
static const tc__field revoked_response[] = {
    API_INT("revoked", API_REQ, 0, 0, "how many sessions ended"),
    API_END,
};

static int h_revoke_all_sessions(tc_ctx *ctx, const tc__api_caller *from,
                                 const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int64_t n = 0;
  int rc = tc_auth_sessions_revoke_all(ctx, who, target_user(who, req), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "revoked", n);
}

/* ---- tokens ---- */

static const tc__field verify_request[] = {
    API_STR("token", API_REQ, 1, 8192, "an access token"),
    API_END,
};
static const tc__field verify_response[] = {
    API_BOOL("active", API_REQ, "true"),
    API_STR("user_id", API_OPT, 0, 0, "the user (sub)"),
    API_STR("session_id", API_OPT, 0, 0, "sid"),
    API_STR("client_id", API_OPT, 0, 0, "OAuth client"),
    API_ARR("roles", API_REQ, 0, 0, NULL, "customer, support, admin"),
    API_STR("scope", API_OPT, 0, 0, "scopes"),
    API_INT("exp", API_REQ, 0, 0, "expiry, s"),
    API_INT("iat", API_REQ, 0, 0, "issued, s"),
    API_STR("kid", API_REQ, 0, 0, "signing key"),
    API_END,
};

static int add_roles(tc_ctx *ctx, cJSON *resp, uint32_t roles) {
  cJSON *a = tc__json_add_array(ctx, resp, "roles");
  if (!a) return TC_ENOMEM;
  return tc__roles_json(a, roles) ? tc__oom(ctx) : TC_OK;
}

static int h_verify_token(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  (void)from;
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
    API_ID("user_id", API_OPT, "whose (default: the caller)"),
    API_STR("current_password", API_OPT, 1, 4096,
            "required when changing one's own"),
    API_STR("new_password", API_REQ, 1, 4096,
            "8 or more characters, not a common password"),
    API_END,
};

static int h_change_password(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = tc_auth_change_password(ctx, who, target_user(who, req),
                                   tc__json_str(req, "current_password", NULL),
                                   tc__json_str(req, "new_password", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- MFA ---- */

static const tc__field enroll_response[] = {
    API_STR("secret", API_REQ, 0, 0, "base32"),
    API_STR("otpauth_uri", API_REQ, 0, 0, "for a QR code"),
    API_STR("algorithm", API_REQ, 0, 0, "SHA1, SHA256 or SHA512"),
    API_INT("digits", API_REQ, 0, 0, "6"),
    API_INT("period", API_REQ, 0, 0, "30"),
    API_END,
};

static int h_mfa_enroll(tc_ctx *ctx, const tc__api_caller *from,
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
    API_ID("user_id", API_OPT, "whose (default: the caller)"),
    API_STR("code", API_REQ, 6, 8, "current code from the app"),
    API_END,
};
static const tc__field code_item[] = {
    API_STR("code", API_OPT, 0, 0, "xxxxx-xxxxx"),
};
static const tc__field confirm_response[] = {
    API_ARR("recovery_codes", API_REQ, 0, 0, code_item,
            "single-use codes, shown once"),
    API_END,
};

static int h_mfa_confirm(tc_ctx *ctx, const tc__api_caller *from,
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
      rc = tc__oom(ctx);
    }
  }
  sodium_memzero(&codes, sizeof(codes));
  return rc;
}

static const tc__field disable_request[] = {
    API_ID("user_id", API_OPT, "whose (default: the caller)"),
    API_STR("password", API_OPT, 1, 4096,
            "the account password (required for one's own)"),
    API_STR("code", API_OPT, 1, 32,
            "a current code or a recovery code (required for one's own)"),
    API_END,
};

static int h_mfa_disable(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = tc_auth_mfa_disable(ctx, who, target_user(who, req),
                               tc__json_str(req, "password", NULL),
                               tc__json_str(req, "code", NULL));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- roles ---- */

static const tc__field role_item[] = {
    API_STR("role", API_OPT, 1, 16, "customer, support, admin"),
};
static const tc__field set_roles_request[] = {
    API_ID("user_id", API_REQ, "whose"),
    API_ARR("roles", API_REQ, 0, 3, role_item, "the complete new set"),
    API_END,
};

static int h_set_roles(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, "roles");
  uint32_t roles = 0;
  const cJSON *e;
  int i = 0;
  cJSON_ArrayForEach(e, a) {
    uint32_t bit = tc_role_parse(e->valuestring);
    if (!bit)
      return tc__seterr(ctx, TC_EINVAL, "roles",
                        "roles[%d] must be customer, support or admin", i);
    roles |= bit;
    i++;
  }
  int rc = tc_auth_set_roles(ctx, who, tc__json_str(req, "user_id", ""), roles);
  return rc ? rc : add_roles(ctx, resp, roles);
}

/* ---- OAuth ---- */

static const tc__field uri_item[] = {
    API_STR("uri", API_OPT, 1, 512, "absolute redirect URI"),
};
static const tc__field register_request[] = {
    API_STR("name", API_REQ, 1, 128, "shown to users"),
    API_BOOL("confidential", API_REQ, "true: gets a secret (server-side apps)"),
    API_ARR("redirect_uris", API_OPT, 0, 10, uri_item, "exact redirect URIs"),
    API_STR("scopes", API_OPT, 0, 255, "space-separated scopes it may ask for"),
    API_END,
};
static const tc__field register_response[] = {
    API_STR("client_id", API_REQ, 0, 0, "id"),
    API_STR("client_secret", API_OPT, 0, 0,
            "confidential clients only; shown once"),
    API_END,
};

static int h_oauth_register_client(tc_ctx *ctx, const tc__api_caller *from,
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
    API_STR("response_type", API_REQ, 1, 16, "\"code\""),
    API_STR("client_id", API_REQ, 1, 63, "client"),
    API_STR("redirect_uri", API_REQ, 1, 512, "exactly as registered"),
    API_STR("scope", API_OPT, 0, 255, "default: all allowed"),
    API_STR("code_challenge", API_REQ, 43, 43, "PKCE S256 challenge"),
    API_STR("code_challenge_method", API_REQ, 1, 16, "\"S256\""),
    API_END,
};
static const tc__field authorize_response[] = {
    API_STR("code", API_REQ, 0, 0, "authorization code, single use"),
    API_STR("redirect_uri", API_REQ, 0, 0, "where to send it"),
    API_END,
};

static int h_oauth_authorize(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  char code[TC_AUTH_OPAQUE_MAX];
  int rc = tc_auth_oauth_authorize(
      code, sizeof(code), ctx, who, tc__json_str(req, "response_type", ""),
      tc__json_str(req, "client_id", ""), tc__json_str(req, "redirect_uri", ""),
      tc__json_str(req, "scope", NULL), tc__json_str(req, "code_challenge", ""),
      tc__json_str(req, "code_challenge_method", ""));
  if (rc == TC_OK) rc = tc__json_add_str(ctx, resp, "code", code);
  if (rc == TC_OK)
    rc = tc__json_add_str(ctx, resp, "redirect_uri",
                          tc__json_str(req, "redirect_uri", ""));
  sodium_memzero(code, sizeof(code));
  return rc;
}

static const tc__field token_request[] = {
    API_STR("grant_type", API_REQ, 1, 64,
            "authorization_code, client_credentials or refresh_token"),
    API_STR("client_id", API_OPT, 1, 63, "the client"),
    API_STR("client_secret", API_OPT, 1, 63, "confidential clients"),
    API_STR("code", API_OPT, 1, 63, "authorization_code"),
    API_STR("redirect_uri", API_OPT, 1, 512,
            "authorization_code: as in the authorization request"),
    API_STR("code_verifier", API_OPT, 43, 128,
            "authorization_code: the PKCE verifier"),
    API_STR("refresh_token", API_OPT, 1, 63, "refresh_token"),
    API_STR("scope", API_OPT, 0, 255, "client_credentials"),
    API_END,
};

static int h_oauth_token(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  (void)from;
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
    API_STR("client_id", API_OPT, 1, 63,
            "the asking client (absent: a system caller)"),
    API_STR("client_secret", API_OPT, 1, 63, "its secret"),
    API_STR("token", API_REQ, 1, 8192, "access or refresh token"),
    API_STR("token_type_hint", API_OPT, 0, 32, "ignored"),
    API_END,
};
static const tc__field introspect_response[] = {
    API_BOOL("active", API_REQ, "false for anything not currently valid"),
    API_STR("token_type", API_OPT, 0, 0, "access_token or refresh_token"),
    API_STR("scope", API_OPT, 0, 0, "scopes"),
    API_STR("client_id", API_OPT, 0, 0, "client"),
    API_STR("sub", API_OPT, 0, 0, "user or client"),
    API_INT("exp", API_OPT, 0, 0, "s"),
    API_INT("iat", API_OPT, 0, 0, "s"),
    API_END,
};

static int h_oauth_introspect(tc_ctx *ctx, const tc__api_caller *from,
                              const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_auth_introspection in;
  int rc = tc_auth_oauth_introspect(
      &in, ctx, who, tc__json_str(req, "client_id", NULL),
      tc__json_str(req, "client_secret", NULL), tc__json_str(req, "token", ""));
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

static int h_oauth_revoke(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  int rc = tc_auth_oauth_revoke(ctx, who, tc__json_str(req, "client_id", NULL),
                                tc__json_str(req, "client_secret", NULL),
                                tc__json_str(req, "token", ""));
  return rc ? rc : tc__json_add_bool(ctx, resp, "ok", true);
}

/* ---- cleanup ---- */

static const tc__field sweep_request[] = {
    API_INT("limit", API_OPT, 1, 100000,
            "most rows deleted by this call (default 1000)"),
    API_END,
};
static const tc__field sweep_response[] = {
    API_INT("removed", API_REQ, 0, 0, "rows deleted"),
    API_BOOL("more", API_REQ, "the limit was reached: call again"),
    API_END,
};

static int h_sweep(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                   cJSON *resp) {
  (void)from;
  size_t limit = (size_t)tc__json_int(req, "limit", 1000), removed = 0;
  int rc = tc_auth_sweep(ctx, 0, limit, &removed);
  if (rc == TC_OK)
    rc = tc__json_add_int(ctx, resp, "removed", (int64_t)removed);
  if (rc == TC_OK) rc = tc__json_add_bool(ctx, resp, "more", removed == limit);
  return rc;
}

static const tc__api_method methods[] = {
    API_METHOD("auth.login", "Log in with e-mail and password",
               TC__ACCESS_PUBLIC, login_request, tokens_response, h_login),
    API_METHOD("auth.mfa_verify", "Give the second factor of a login",
               TC__ACCESS_PUBLIC, mfa_verify_request, tokens_response,
               h_mfa_verify),
    API_METHOD("auth.refresh", "Trade a refresh token for new tokens",
               TC__ACCESS_PUBLIC, refresh_request, tokens_response, h_refresh),
    API_METHOD("auth.logout", "End the caller's session", TC__ACCESS_USER, NULL,
               ok_response, h_logout),
    API_METHOD("auth.list_sessions", "List live sessions of a user",
               TC__ACCESS_USER, list_sessions_request, list_sessions_response,
               h_list_sessions),
    API_METHOD("auth.revoke_session", "End one session", TC__ACCESS_USER,
               revoke_session_request, ok_response, h_revoke_session),
    API_METHOD("auth.revoke_all_sessions", "End every session of a user",
               TC__ACCESS_USER, user_only_request, revoked_response,
               h_revoke_all_sessions),
    API_METHOD("auth.verify_token", "Check an access token and say whose it is",
               TC__ACCESS_PUBLIC, verify_request, verify_response,
               h_verify_token),
    API_METHOD("auth.change_password", "Change a password", TC__ACCESS_USER,
               change_password_request, ok_response, h_change_password),
    API_METHOD("auth.mfa_enroll", "Start TOTP enrolment", TC__ACCESS_USER,
               user_only_request, enroll_response, h_mfa_enroll),
    API_METHOD("auth.mfa_confirm", "Confirm TOTP enrolment with a code",
               TC__ACCESS_USER, confirm_request, confirm_response,
               h_mfa_confirm),
    API_METHOD("auth.mfa_disable", "Turn TOTP off (re-authenticating)",
               TC__ACCESS_USER, disable_request, ok_response, h_mfa_disable),
    API_METHOD("auth.set_roles", "Set the roles of a user", TC__ACCESS_ADMIN,
               set_roles_request, NULL, h_set_roles),
    API_METHOD("auth.oauth_register_client", "Register an OAuth client",
               TC__ACCESS_ADMIN, register_request, register_response,
               h_oauth_register_client),
    API_METHOD("auth.oauth_authorize",
               "Authorize a client: issue a code (PKCE S256)", TC__ACCESS_USER,
               authorize_request, authorize_response, h_oauth_authorize),
    API_METHOD("auth.oauth_token", "OAuth token endpoint", TC__ACCESS_PUBLIC,
               token_request, tokens_response, h_oauth_token),
    API_METHOD("auth.oauth_introspect", "RFC 7662 token introspection",
               TC__ACCESS_PUBLIC, client_token_request, introspect_response,
               h_oauth_introspect),
    API_METHOD("auth.oauth_revoke", "RFC 7009 token revocation",
               TC__ACCESS_PUBLIC, client_token_request, ok_response,
               h_oauth_revoke),
    API_METHOD("auth.sweep",
               "Delete expired tokens, codes, challenges and old sessions",
               TC__ACCESS_SYSTEM, sweep_request, sweep_response, h_sweep),
};

API_MODULE(tc__api_auth, "auth", methods);
