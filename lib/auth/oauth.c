/*
 * lib/auth/oauth.c - OAuth 2.0 authorization server logic (RFC 6749):
 * client registration, the authorization code grant with PKCE S256 only
 * (RFC 7636; plain is refused as RFC 9700 advises), client credentials,
 * the refresh grant, introspection (RFC 7662) and revocation (RFC 7009).
 * Failures carry the RFC 6749 error name (tc_auth_oauth_error()).
 */
#include <stdio.h>

#include "auth_private.h"

#define MAX_REDIRECTS 10
#define URI_MAX 512

int tc_auth_pkce_s256(char *out, size_t out_size, const char *verifier) {
  if (!out || out_size < 44 || !verifier) return TC_EINVAL;
  size_t n = strnlen(verifier, 129);
  if (n < 43 || n > 128) return TC_EINVAL;
  for (size_t i = 0; i < n; i++) {
    char c = verifier[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
              c == '~';
    if (!ok) return TC_EINVAL;
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)verifier, n);
  sodium_bin2base64(out, out_size, h, sizeof(h),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return TC_OK;
}

/* ---- clients ---- */

typedef struct {
  char id[64];
  char secret_hash[TC__AUTH_HASH_HEX];
  bool confidential;
  char *redirects; /* newline-separated, owned */
  char scopes[256];
} client_row;

typedef struct {
  tc_ctx *ctx;
  client_row *c;
} client_read;

static int read_client(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  client_read *r = payload;
  tc__col_copy(r->c->id, sizeof(r->c->id), &cols[0]);
  tc__col_copy(r->c->secret_hash, sizeof(r->c->secret_hash), &cols[1]);
  r->c->confidential = tc__col_int(&cols[2]) != 0;
  r->c->redirects = tc__strdup(r->ctx, tc__col_text(&cols[3]));
  tc__col_copy(r->c->scopes, sizeof(r->c->scopes), &cols[4]);
  if (!r->c->redirects) return tc__oom(r->ctx);
  return 0;
}

static int get_client(tc_ctx *ctx, const char *client_id, client_row *c) {
  memset(c, 0, sizeof(*c));
  if (!client_id || !*client_id || strlen(client_id) >= sizeof(c->id))
    return TC_ENOTFOUND;
  client_read r = {ctx, c};
  tc_value p[] = {TC_VAL_TEXT(client_id)};
  return tc__db_row(ctx,
                    "SELECT id, secret_hash, confidential, redirect_uris, "
                    "scopes FROM auth_oauth_clients WHERE id = ?",
                    p, 1, read_client, &r);
}

static void client_done(tc_ctx *ctx, client_row *c) {
  tc__free(ctx, c->redirects);
  c->redirects = NULL;
}

/* Authenticate client_id (with its secret when confidential). */
static int auth_client(tc_ctx *ctx, const char *client_id, const char *secret,
                       client_row *c) {
  if (!client_id || !*client_id)
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                              "client_id", "client_id is required");
  int rc = get_client(ctx, client_id, c);
  if (rc == TC_ENOTFOUND)
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                              "client_id", "the client is not known");
  if (rc) return rc;
  if (!c->confidential) {
    if (secret && *secret)
      rc = tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                              "client_secret", "a public client has no secret");
  } else {
    char h[TC__AUTH_HASH_HEX];
    if (!secret || !*secret) {
      rc = tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                              "client_secret",
                              "client_secret is required for this client");
    } else {
      tc__auth_hash_hex(h, secret);
      if (sodium_memcmp(h, c->secret_hash, TC__AUTH_HASH_HEX - 1) != 0)
        rc = tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                                "client_secret", "client_secret is wrong");
    }
  }
  if (rc) client_done(ctx, c);
  return rc;
}

static bool redirect_known(const client_row *c, const char *uri) {
  size_t n = strlen(uri);
  for (const char *p = c->redirects; p && *p;) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && !memcmp(p, uri, n)) return true;
    p = e ? e + 1 : p + len;
  }
  return false;
}

static bool scope_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
         c == '-' || c == '/';
}

static bool scope_ok(const char *s) {
  size_t n = strnlen(s, 256);
  if (n >= 256) return false;
  for (size_t i = 0; i < n; i++)
    if (!scope_char(s[i]) && !(s[i] == ' ' && i && s[i - 1] != ' '))
      return false;
  return !n || s[n - 1] != ' ';
}

/* Every word of want is a word of have. */
static bool scope_subset(const char *want, const char *have) {
  for (const char *p = want; *p;) {
    while (*p == ' ') p++;
    if (!*p) break;
    size_t len = strcspn(p, " ");
    bool found = false;
    for (const char *q = have; *q && !found;) {
      while (*q == ' ') q++;
      size_t l2 = strcspn(q, " ");
      found = l2 == len && l2 && !memcmp(p, q, len);
      q += l2;
    }
    if (!found) return false;
    p += len;
  }
  return true;
}

static int check_redirect(tc_ctx *ctx, const char *uri, size_t i) {
  size_t n = uri ? strnlen(uri, URI_MAX + 1) : 0;
  if (n == 0 || n > URI_MAX)
    return tc__seterr(ctx, TC_EINVAL, "redirect_uris",
                      "redirect_uris[%zu] must be 1 to %d bytes", i, URI_MAX);
  for (size_t k = 0; k < n; k++)
    if ((unsigned char)uri[k] <= ' ' || uri[k] == 0x7f)
      return tc__seterr(ctx, TC_EINVAL, "redirect_uris",
                        "redirect_uris[%zu] has spaces or control characters",
                        i);
  bool https = !strncmp(uri, "https://", 8) && n > 8;
  bool local = !strncmp(uri, "http://localhost", 16) ||
               !strncmp(uri, "http://127.0.0.1", 16);
  if (!https && !local)
    return tc__seterr(ctx, TC_EINVAL, "redirect_uris",
                      "redirect_uris[%zu] must be https (or http on "
                      "localhost)",
                      i);
  if (strchr(uri, '#'))
    return tc__seterr(ctx, TC_EINVAL, "redirect_uris",
                      "redirect_uris[%zu] must not have a fragment", i);
  return TC_OK;
}

int tc_auth_oauth_register_client(tc_auth_oauth_client *out, tc_ctx *ctx,
                                  const tc_principal *who, const char *name,
                                  bool confidential,
                                  const char *const *redirect_uris,
                                  size_t nredirect, const char *scopes) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  int rc = tc__authorize(ctx, who, "auth", TC__ACT_ADMIN, NULL);
  if (rc) return rc;
  size_t nl = name ? strnlen(name, 129) : 0;
  if (nl == 0 || nl > 128 || !tc__utf8_valid(name, nl))
    return tc__seterr(ctx, TC_EINVAL, "name",
                      "name must be 1 to 128 bytes of UTF-8");
  if (nredirect > MAX_REDIRECTS || (nredirect && !redirect_uris))
    return tc__seterr(ctx, TC_EINVAL, "redirect_uris",
                      "at most %d redirect_uris", MAX_REDIRECTS);
  if (!confidential && nredirect == 0)
    return tc__seterr(ctx, TC_EINVAL, "redirect_uris",
                      "a public client needs at least one redirect URI");
  if (!scopes) scopes = "";
  if (!scope_ok(scopes))
    return tc__seterr(ctx, TC_EINVAL, "scopes",
                      "scopes must be space-separated words of A-Z a-z 0-9 "
                      "_ . : - / (at most 255 bytes)");
  size_t total = 1;
  for (size_t i = 0; i < nredirect; i++) {
    if ((rc = check_redirect(ctx, redirect_uris[i], i))) return rc;
    total += strlen(redirect_uris[i]) + 1;
  }
  char *joined = tc__malloc(ctx, total);
  if (!joined) return tc__oom(ctx);
  joined[0] = '\0';
  for (size_t i = 0; i < nredirect; i++) {
    if (i) strcat(joined, "\n");
    strcat(joined, redirect_uris[i]);
  }
  tc_id id;
  tc_id_new(&id, ctx);
  char hash[TC__AUTH_HASH_HEX] = "";
  if (confidential) {
    tc__auth_opaque(ctx, out->client_secret);
    tc__auth_hash_hex(hash, out->client_secret);
  }
  tc_value p[] = {TC_VAL_TEXT(id.str),        TC_VAL_TEXT(name),
                  TC_VAL_TEXT(hash),          TC_VAL_INT(confidential ? 1 : 0),
                  TC_VAL_TEXT(joined),        TC_VAL_TEXT(scopes),
                  TC_VAL_INT(tc__now_ms(ctx))};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE)) == TC_OK)
    rc = tc__txn_end(ctx, tc__db_exec(ctx,
                                      "INSERT INTO auth_oauth_clients (id, "
                                      "name, secret_hash, confidential, "
                                      "redirect_uris, scopes, created_at) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                      p, 7, NULL, NULL, NULL));
  tc__free(ctx, joined);
  if (rc == TC_OK)
    snprintf(out->client_id, sizeof(out->client_id), "%s", id.str);
  else
    sodium_memzero(out, sizeof(*out));
  return rc;
}

/* ---- authorization codes ---- */

static bool b64url_43(const char *s) {
  if (!s || strnlen(s, 44) != 43) return false;
  for (size_t i = 0; i < 43; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

int tc_auth_oauth_authorize(char *out, size_t out_size, tc_ctx *ctx,
                            const tc_principal *who, const char *response_type,
                            const char *client_id, const char *redirect_uri,
                            const char *scope, const char *code_challenge,
                            const char *code_challenge_method) {
  if (!ctx || !out || out_size < TC_AUTH_OPAQUE_MAX) return TC_EINVAL;
  tc__clearerr(ctx);
  out[0] = '\0';
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  st->oauth_error[0] = '\0';
  if (response_type && strcmp(response_type, "code"))
    return tc__auth_oauth_err(ctx, TC_EINVAL, "unsupported_response_type",
                              "response_type", "response_type must be code");
  if (!who || who->kind != TC_PRINCIPAL_USER || !who->user_id[0])
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "only a logged-in user can authorize a client");
  client_row c;
  int rc = get_client(ctx, client_id, &c);
  if (rc == TC_ENOTFOUND)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_client", "client_id",
                              "the client is not known");
  if (rc) return rc;
  if (!redirect_uri || !redirect_known(&c, redirect_uri))
    rc = tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "redirect_uri",
                            "redirect_uri is not registered for this client");
  else if (!code_challenge_method || strcmp(code_challenge_method, "S256"))
    rc = tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request",
                            "code_challenge_method",
                            "code_challenge_method must be S256");
  else if (!b64url_43(code_challenge))
    rc = tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "code_challenge",
                            "code_challenge must be 43 base64url characters");
  else if (scope && (!scope_ok(scope) || !scope_subset(scope, c.scopes)))
    rc = tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_scope", "scope",
                            "scope asks for more than the client may have");
  if (rc == TC_OK) {
    char code[TC_AUTH_OPAQUE_MAX], hash[TC__AUTH_HASH_HEX];
    tc__auth_opaque(ctx, code);
    tc__auth_hash_hex(hash, code);
    tc_value p[] = {TC_VAL_TEXT(hash),
                    TC_VAL_TEXT(c.id),
                    TC_VAL_TEXT(who->user_id),
                    TC_VAL_TEXT(redirect_uri),
                    TC_VAL_TEXT(scope ? scope : c.scopes),
                    TC_VAL_TEXT(code_challenge),
                    TC_VAL_INT(tc__now_ms(ctx) + st->code_ttl)};
    if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE)) == TC_OK)
      rc = tc__txn_end(ctx, tc__db_exec(ctx,
                                        "INSERT INTO auth_oauth_codes "
                                        "(code_hash, client_id, user_id, "
                                        "redirect_uri, scope, code_challenge, "
                                        "expires_at) VALUES (?, ?, ?, ?, ?, "
                                        "?, ?)",
                                        p, 7, NULL, NULL, NULL));
    if (rc == TC_OK) snprintf(out, out_size, "%s", code);
    sodium_memzero(code, sizeof(code));
  }
  client_done(ctx, &c);
  return rc;
}

typedef struct {
  char client_id[64], user_id[TC_ID_STRLEN + 1], session_id[TC_ID_STRLEN + 1];
  char redirect_uri[URI_MAX + 1], scope[256], challenge[64];
  int64_t expires_at;
  bool used;
} code_row;

static int read_code(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  code_row *r = payload;
  tc__col_copy(r->client_id, sizeof(r->client_id), &cols[0]);
  tc__col_copy(r->user_id, sizeof(r->user_id), &cols[1]);
  tc__col_copy(r->redirect_uri, sizeof(r->redirect_uri), &cols[2]);
  tc__col_copy(r->scope, sizeof(r->scope), &cols[3]);
  tc__col_copy(r->challenge, sizeof(r->challenge), &cols[4]);
  r->expires_at = tc__col_int(&cols[5]);
  r->used = !tc__col_null(&cols[6]);
  tc__col_copy(r->session_id, sizeof(r->session_id), &cols[7]);
  return 0;
}

enum { CODE_OK, CODE_REUSED, CODE_FAIL };

static int code_txn(tc_ctx *ctx, tc_auth_tokens *out, const client_row *c,
                    const tc_auth_oauth_request *req, int *outcome,
                    code_row *r) {
  *outcome = CODE_FAIL;
  char hash[TC__AUTH_HASH_HEX];
  tc__auth_hash_hex(hash, req->code);
  tc_value p[] = {TC_VAL_TEXT(hash)};
  int rc = tc__db_row(ctx,
                      "SELECT client_id, user_id, redirect_uri, scope, "
                      "code_challenge, expires_at, used_at, session_id FROM "
                      "auth_oauth_codes WHERE code_hash = ?",
                      p, 1, read_code, r);
  const char *g = "invalid_grant";
  if (rc == TC_ENOTFOUND)
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, g, "code",
                              "the authorization code is not known");
  if (rc) return rc;
  if (strcmp(r->client_id, c->id))
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, g, "code",
                              "the code was issued to another client");
  if (r->used) {
    /* A code used twice was stolen: end what it gave (RFC 6749 4.1.2). */
    *outcome = CODE_REUSED;
    if (r->session_id[0])
      rc = tc__auth_session_kill(ctx, r->session_id, "authorization code reuse",
                                 NULL);
    return rc;
  }
  if (tc__now_ms(ctx) >= r->expires_at)
    return tc__auth_oauth_err(ctx, TC_EEXPIRED, g, "code",
                              "the authorization code has expired");
  if (strcmp(r->redirect_uri, req->redirect_uri))
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, g, "redirect_uri",
                              "redirect_uri differs from the authorization "
                              "request");
  char want[64];
  if (tc_auth_pkce_s256(want, sizeof(want), req->code_verifier))
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request",
                              "code_verifier",
                              "code_verifier must be 43 to 128 unreserved "
                              "characters");
  if (strlen(r->challenge) != 43 || sodium_memcmp(want, r->challenge, 43))
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, g, "code_verifier",
                              "code_verifier does not match the challenge");
  rc = tc__auth_session_start(ctx, out, r->user_id, c->id, r->scope, NULL);
  int64_t changed = 0;
  tc_value u[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(out->session_id),
                  TC_VAL_TEXT(hash)};
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "UPDATE auth_oauth_codes SET used_at = ?, session_id = ? "
                     "WHERE code_hash = ? AND used_at IS NULL",
                     u, 3, NULL, NULL, &changed);
  if (rc == TC_OK && !changed)
    rc = tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, g, "code",
                            "the authorization code was already used");
  if (rc == TC_OK) *outcome = CODE_OK;
  return rc;
}

static int grant_code(tc_auth_tokens *out, tc_ctx *ctx, const client_row *c,
                      const tc_auth_oauth_request *req) {
  if (!req->code || !*req->code || strlen(req->code) >= TC_AUTH_OPAQUE_MAX)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "code",
                              "code is required");
  if (!req->redirect_uri)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "redirect_uri",
                              "redirect_uri is required");
  if (!req->code_verifier)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request",
                              "code_verifier", "code_verifier is required");
  int outcome = CODE_FAIL;
  code_row r;
  memset(&r, 0, sizeof(r));
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__txn_end(ctx, code_txn(ctx, out, c, req, &outcome, &r));
  if (rc == TC_OK && outcome == CODE_REUSED)
    rc = tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_grant", "code",
                            "the authorization code was already used; the "
                            "tokens it gave are revoked");
  return rc;
}

static int grant_client(tc_auth_tokens *out, tc_ctx *ctx, const client_row *c,
                        const tc_auth_oauth_request *req) {
  if (!c->confidential)
    return tc__auth_oauth_err(ctx, TC_EDENIED, "unauthorized_client",
                              "grant_type",
                              "a public client cannot use client_credentials");
  const char *scope = req->scope ? req->scope : c->scopes;
  if (!scope_ok(scope) || !scope_subset(scope, c->scopes))
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_scope", "scope",
                              "scope asks for more than the client may have");
  tc__auth_jwt_in in = {c->id, NULL, c->id, scope, 0};
  int rc = tc__auth_jwt_issue(ctx, out->access_token, sizeof(out->access_token),
                              &in, &out->expires_in);
  if (rc) return rc;
  snprintf(out->token_type, sizeof(out->token_type), "Bearer");
  snprintf(out->scope, sizeof(out->scope), "%s", scope);
  return TC_OK;
}

int tc_auth_oauth_token(tc_auth_tokens *out, tc_ctx *ctx,
                        const tc_auth_oauth_request *req) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  st->oauth_error[0] = '\0';
  if (!req || !req->grant_type || !*req->grant_type)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "grant_type",
                              "grant_type is required");
  int kind = !strcmp(req->grant_type, "authorization_code")   ? 1
             : !strcmp(req->grant_type, "client_credentials") ? 2
             : !strcmp(req->grant_type, "refresh_token")      ? 3
                                                              : 0;
  if (!kind)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "unsupported_grant_type",
                              "grant_type",
                              "grant_type must be authorization_code, "
                              "client_credentials or refresh_token");
  client_row c;
  int rc = auth_client(ctx, req->client_id, req->client_secret, &c);
  if (rc) return rc;
  if (kind == 1) rc = grant_code(out, ctx, &c, req);
  if (kind == 2) rc = grant_client(out, ctx, &c, req);
  if (kind == 3)
    rc = tc__auth_refresh(out, ctx, req->refresh_token, c.id, true);
  client_done(ctx, &c);
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}

/* ---- introspection and revocation ---- */

static int caller_client(tc_ctx *ctx, const char *client_id,
                         const char *secret) {
  if (!client_id) return TC_OK; /* the host itself */
  client_row c;
  int rc = auth_client(ctx, client_id, secret, &c);
  if (rc) return rc;
  bool conf = c.confidential;
  client_done(ctx, &c);
  if (!conf)
    return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                              "client_id",
                              "only confidential clients may introspect");
  return TC_OK;
}

/* Without client credentials only a trusted host (a system principal) may
 * ask about tokens. */
static int client_or_system(tc_ctx *ctx, const tc_principal *who,
                            const char *client_id) {
  if (client_id || (who && who->kind == TC_PRINCIPAL_SYSTEM)) return TC_OK;
  return tc__auth_oauth_err(ctx, TC_EUNAUTHENTICATED, "invalid_client",
                            "client_id", "client_id is required");
}

int tc_auth_oauth_introspect(tc_auth_introspection *out, tc_ctx *ctx,
                             const tc_principal *who, const char *client_id,
                             const char *client_secret, const char *token) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  int rc = client_or_system(ctx, who, client_id);
  if (!rc) rc = caller_client(ctx, client_id, client_secret);
  if (rc) return rc;
  if (!token || !*token)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "token",
                              "token is required");
  tc_principal of;
  tc_auth_claims c;
  if (tc_auth_verify_token(&of, &c, ctx, token) == TC_OK) {
    out->active = true;
    snprintf(out->token_type, sizeof(out->token_type), "access_token");
    snprintf(out->scope, sizeof(out->scope), "%s", of.scopes);
    snprintf(out->client_id, sizeof(out->client_id), "%s", of.client_id);
    snprintf(out->sub, sizeof(out->sub), "%s", c.sub);
    snprintf(out->sid, sizeof(out->sid), "%s", c.sid);
    out->exp = c.exp;
    out->iat = c.iat;
  } else {
    char sid[TC_ID_STRLEN + 1], cid[64], uid[TC_ID_STRLEN + 1], scope[256];
    bool live = false;
    int64_t exp = 0, iat = 0;
    rc = tc__auth_refresh_lookup(ctx, token, sid, cid, uid, &live, &exp, &iat,
                                 scope);
    if (rc && rc != TC_ENOTFOUND) return rc;
    if (rc == TC_OK && live && tc__auth_session_alive(ctx, sid) == TC_OK) {
      out->active = true;
      snprintf(out->token_type, sizeof(out->token_type), "refresh_token");
      snprintf(out->scope, sizeof(out->scope), "%s", scope);
      snprintf(out->client_id, sizeof(out->client_id), "%s", cid);
      snprintf(out->sub, sizeof(out->sub), "%s", uid);
      snprintf(out->sid, sizeof(out->sid), "%s", sid);
      out->exp = exp / 1000;
      out->iat = iat / 1000;
    }
  }
  /* An inactive token is an answer, not an error. */
  tc__clearerr(ctx);
  return TC_OK;
}

static int not_yours(tc_ctx *ctx) {
  return tc__auth_oauth_err(ctx, TC_EDENIED, "unauthorized_client", "token",
                            "the token was issued to another client");
}

int tc_auth_oauth_revoke(tc_ctx *ctx, const tc_principal *who,
                         const char *client_id, const char *client_secret,
                         const char *token) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = client_or_system(ctx, who, client_id);
  if (rc) return rc;
  if (client_id) {
    client_row c;
    if ((rc = auth_client(ctx, client_id, client_secret, &c))) return rc;
    client_done(ctx, &c);
  }
  if (!token || !*token)
    return tc__auth_oauth_err(ctx, TC_EINVAL, "invalid_request", "token",
                              "token is required");
  char sid[TC_ID_STRLEN + 1], cid[64], uid[TC_ID_STRLEN + 1], scope[256];
  bool live = false;
  int64_t exp = 0, iat = 0;
  rc = tc__auth_refresh_lookup(ctx, token, sid, cid, uid, &live, &exp, &iat,
                               scope);
  if (rc && rc != TC_ENOTFOUND) return rc;
  if (rc == TC_OK) {
    if (client_id && strcmp(client_id, cid)) return not_yours(ctx);
    if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
    return tc__txn_end(ctx,
                       tc__auth_session_kill(ctx, sid, "token revoked", NULL));
  }
  tc_principal of;
  tc_auth_claims c;
  if (tc__auth_jwt_verify(ctx, token, &of, &c) != TC_OK) {
    tc__clearerr(ctx); /* RFC 7009 2.2: unknown tokens are not an error */
    return TC_OK;
  }
  if (client_id && strcmp(client_id, of.client_id)) return not_yours(ctx);
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = c.sid[0] ? tc__auth_session_kill(ctx, c.sid, "token revoked", NULL)
                : tc__auth_jti_revoke(ctx, c.jti, c.exp);
  return tc__txn_end(ctx, rc);
}
