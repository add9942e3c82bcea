/* tests/test_auth_oauth.c - OAuth 2.0: PKCE vector, clients, the
 * authorization code, client credentials and refresh grants,
 * introspection, revocation and the RFC 6749 error names. */
#include <cjson/cJSON.h>

#include "test_auth_util.h"

#define PW "correct horse battery staple"
/* RFC 7636 Appendix B. */
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define REDIRECT "https://app.example.com/cb"

START_TEST(pkce_rfc7636_appendix_b) {
  char out[64];
  ck_assert_int_eq(tc_auth_pkce_s256(out, sizeof(out), VERIFIER), TC_OK);
  ck_assert_str_eq(out, CHALLENGE);
  ck_assert_int_eq(tc_auth_pkce_s256(out, sizeof(out), "too-short"), TC_EINVAL);
  ck_assert_int_eq(
      tc_auth_pkce_s256(out, sizeof(out),
                        "dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
      TC_EINVAL);
}
END_TEST

static tc_principal sys;
static tc_principal user;
static tc_auth_oauth_client pub, conf;

static void oauth_setup(void) {
  setup();
  sys = tt_system();
  tc_user u = make_user("oauth@example.com", PW);
  user = tt_user(u.id, TC_ROLE_CUSTOMER);
  const char *uris[] = {REDIRECT, "http://localhost:8080/cb"};
  ck_assert_int_eq(tc_auth_oauth_register_client(&pub, ctx, &sys, "SPA", false,
                                                 uris, 2, "read orders"),
                   TC_OK);
  ck_assert_str_eq(pub.client_secret, "");
  ck_assert_int_eq(tc_auth_oauth_register_client(&conf, ctx, &sys, "Backend",
                                                 true, uris, 1, "read write"),
                   TC_OK);
  ck_assert_uint_eq(strlen(conf.client_secret), 43);
}

static void authorize(char *code, const char *client_id) {
  ck_assert_int_eq(
      tc_auth_oauth_authorize(code, TC_AUTH_OPAQUE_MAX, ctx, &user, "code",
                              client_id, REDIRECT, NULL, CHALLENGE, "S256"),
      TC_OK);
}

static int token(tc_auth_tokens *t, const char *grant, const char *client,
                 const char *secret, const char *code, const char *verifier) {
  tc_auth_oauth_request r = {grant,    client,   secret, code,
                             REDIRECT, verifier, NULL,   NULL};
  return tc_auth_oauth_token(t, ctx, &r);
}

START_TEST(register_client_checks) {
  tc_auth_oauth_client c;
  const char *bad[] = {"ftp://x.example/cb"};
  ck_assert_int_eq(
      tc_auth_oauth_register_client(&c, ctx, &sys, "X", false, bad, 1, ""),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "redirect_uris");
  const char *frag[] = {"https://x.example/cb#top"};
  ck_assert_int_eq(
      tc_auth_oauth_register_client(&c, ctx, &sys, "X", false, frag, 1, ""),
      TC_EINVAL);
  ck_assert_int_eq(
      tc_auth_oauth_register_client(&c, ctx, &sys, "X", false, NULL, 0, ""),
      TC_EINVAL);
  ck_assert_int_eq(
      tc_auth_oauth_register_client(&c, ctx, &user, "X", true, NULL, 0, ""),
      TC_EDENIED);
}
END_TEST

START_TEST(code_flow_with_pkce) {
  char code[TC_AUTH_OPAQUE_MAX];
  authorize(code, pub.client_id);
  tc_auth_tokens t;
  ck_assert_int_eq(
      token(&t, "authorization_code", pub.client_id, NULL, code, VERIFIER),
      TC_OK);
  ck_assert_str_eq(t.scope, "read orders");
  ck_assert_str_ne(t.refresh_token, "");
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t.access_token), TC_OK);
  ck_assert_str_eq(p.user_id, user.user_id);
  ck_assert_str_eq(p.client_id, pub.client_id);
  ck_assert_str_eq(p.scopes, "read orders");
  ck_assert_uint_eq(p.roles, TC_ROLE_CUSTOMER);
  /* The code again: refused, and what it gave is revoked. */
  tc_auth_tokens again;
  ck_assert_int_eq(
      token(&again, "authorization_code", pub.client_id, NULL, code, VERIFIER),
      TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_grant");
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t.access_token),
                   TC_EUNAUTHENTICATED);
}
END_TEST

START_TEST(code_flow_errors) {
  char code[TC_AUTH_OPAQUE_MAX];
  tc_auth_tokens t;
  /* plain PKCE and unknown redirect URIs are refused at authorization. */
  ck_assert_int_eq(
      tc_auth_oauth_authorize(code, sizeof(code), ctx, &user, "code",
                              pub.client_id, REDIRECT, NULL, VERIFIER, "plain"),
      TC_EINVAL);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_request");
  ck_assert_str_eq(tc_errfield(ctx), "code_challenge_method");
  ck_assert_int_eq(tc_auth_oauth_authorize(code, sizeof(code), ctx, &user,
                                           "code", pub.client_id, REDIRECT "/",
                                           NULL, CHALLENGE, "S256"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "redirect_uri");
  ck_assert_int_eq(tc_auth_oauth_authorize(code, sizeof(code), ctx, &user,
                                           "code", pub.client_id, REDIRECT,
                                           "admin", CHALLENGE, "S256"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_scope");
  authorize(code, pub.client_id);
  ck_assert_int_eq(token(&t, "authorization_code", pub.client_id, NULL, code,
                         "wrong-verifier-wrong-verifier-wrong-verifier-x"),
                   TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_grant");
  ck_assert_int_eq(token(&t, "authorization_code", conf.client_id,
                         conf.client_secret, code, VERIFIER),
                   TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_grant");
  ck_assert_int_eq(token(&t, "password", pub.client_id, NULL, code, VERIFIER),
                   TC_EINVAL);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "unsupported_grant_type");
  ck_assert_int_eq(
      token(&t, "authorization_code", "no-such-client", NULL, code, VERIFIER),
      TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_client");
  ck_assert_int_eq(
      token(&t, "authorization_code", pub.client_id, NULL, NULL, VERIFIER),
      TC_EINVAL);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_request");
  /* Expired code. */
  clk.now += 61000;
  ck_assert_int_eq(
      token(&t, "authorization_code", pub.client_id, NULL, code, VERIFIER),
      TC_EEXPIRED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_grant");
}
END_TEST

START_TEST(client_credentials_and_secrets) {
  tc_auth_tokens t;
  ck_assert_int_eq(
      token(&t, "client_credentials", conf.client_id, "wrong", NULL, NULL),
      TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_client");
  ck_assert_int_eq(
      token(&t, "client_credentials", conf.client_id, NULL, NULL, NULL),
      TC_EUNAUTHENTICATED);
  ck_assert_int_eq(
      token(&t, "client_credentials", pub.client_id, NULL, NULL, NULL),
      TC_EDENIED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "unauthorized_client");
  ck_assert_int_eq(token(&t, "client_credentials", conf.client_id,
                         conf.client_secret, NULL, NULL),
                   TC_OK);
  ck_assert_str_eq(t.refresh_token, "");
  ck_assert_str_eq(t.scope, "read write");
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t.access_token), TC_OK);
  ck_assert_int_eq(p.kind, TC_PRINCIPAL_ANONYMOUS);
  ck_assert_str_eq(p.client_id, conf.client_id);
  /* Revoked by jti (it has no session). */
  ck_assert_int_eq(tc_auth_oauth_revoke(ctx, tt_sys(), conf.client_id,
                                        conf.client_secret, t.access_token),
                   TC_OK);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t.access_token),
                   TC_EUNAUTHENTICATED);
}
END_TEST

/* A client acting for itself gets what its scopes name, decided by the
 * typed functions (the shared policy), through the JSON API too. */
static int call_as(const char *bearer, const char *method, const char *req,
                   char **out) {
  tc_buf buf = TC_BUF_INIT;
  tc_caller caller = TC_CALLER_INIT;
  caller.bearer = bearer;
  int rc = tc_api_call(&buf, ctx, &caller, method, req, strlen(req));
  *out = strdup(buf.ptr ? buf.ptr : "");
  tc_buf_dispose(&buf);
  return rc;
}

START_TEST(client_scopes_through_the_policy) {
  tc_auth_oauth_client svc;
  const char *uris[] = {REDIRECT};
  ck_assert_int_eq(tc_auth_oauth_register_client(&svc, ctx, &sys, "Directory",
                                                 true, uris, 1, "users:read"),
                   TC_OK);
  tc_auth_tokens t, plain;
  ck_assert_int_eq(token(&t, "client_credentials", svc.client_id,
                         svc.client_secret, NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(token(&plain, "client_credentials", conf.client_id,
                         conf.client_secret, NULL, NULL),
                   TC_OK);
  char *out = NULL;
  const char *find = "{\"email\":\"oauth@example.com\"}";
  ck_assert_int_eq(call_as(t.access_token, "users.find_by_email", find, &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "oauth@example.com"));
  free(out);
  /* Reading is not administering. */
  char req[160];
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\",\"roles\":[\"admin\"]}",
           user.user_id);
  ck_assert_int_eq(call_as(t.access_token, "users.set_roles", req, &out),
                   TC_EUNAUTHENTICATED);
  free(out);
  /* Without a scope of the module, nothing changes for a client. */
  ck_assert_int_eq(
      call_as(plain.access_token, "users.find_by_email", find, &out),
      TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(out, "needs an authenticated caller"));
  free(out);
  /* Jobs stay the host's. */
  ck_assert_int_eq(call_as(t.access_token, "auth.sweep", "{}", &out),
                   TC_EUNAUTHENTICATED);
  free(out);
}
END_TEST

START_TEST(refresh_grant_introspect_revoke) {
  char code[TC_AUTH_OPAQUE_MAX];
  authorize(code, conf.client_id);
  tc_auth_tokens t, n;
  ck_assert_int_eq(token(&t, "authorization_code", conf.client_id,
                         conf.client_secret, code, VERIFIER),
                   TC_OK);
  tc_auth_oauth_request r = {"refresh_token",
                             conf.client_id,
                             conf.client_secret,
                             NULL,
                             NULL,
                             NULL,
                             t.refresh_token,
                             NULL};
  ck_assert_int_eq(tc_auth_oauth_token(&n, ctx, &r), TC_OK);
  ck_assert_str_ne(n.refresh_token, t.refresh_token);
  /* Another client cannot use it. */
  r.client_id = pub.client_id;
  r.client_secret = NULL;
  r.refresh_token = n.refresh_token;
  ck_assert_int_eq(tc_auth_oauth_token(&t, ctx, &r), TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_grant");
  tc_auth_introspection in;
  ck_assert_int_eq(tc_auth_oauth_introspect(&in, ctx, tt_sys(), conf.client_id,
                                            conf.client_secret, n.access_token),
                   TC_OK);
  ck_assert(in.active);
  ck_assert_str_eq(in.token_type, "access_token");
  ck_assert_str_eq(in.sub, user.user_id);
  ck_assert_int_eq(
      tc_auth_oauth_introspect(&in, ctx, tt_sys(), conf.client_id,
                               conf.client_secret, n.refresh_token),
      TC_OK);
  ck_assert(in.active);
  ck_assert_str_eq(in.token_type, "refresh_token");
  ck_assert_int_eq(tc_auth_oauth_introspect(&in, ctx, tt_sys(), conf.client_id,
                                            conf.client_secret, "garbage"),
                   TC_OK);
  ck_assert(!in.active);
  /* Public clients may not introspect. */
  ck_assert_int_eq(tc_auth_oauth_introspect(&in, ctx, tt_sys(), pub.client_id,
                                            NULL, n.access_token),
                   TC_EUNAUTHENTICATED);
  /* Revocation of the refresh token ends the session. */
  ck_assert_int_eq(
      tc_auth_oauth_revoke(ctx, tt_sys(), pub.client_id, NULL, n.refresh_token),
      TC_EDENIED);
  ck_assert_int_eq(tc_auth_oauth_revoke(ctx, tt_sys(), conf.client_id,
                                        conf.client_secret, n.refresh_token),
                   TC_OK);
  ck_assert_int_eq(
      tc_auth_oauth_introspect(&in, ctx, tt_sys(), NULL, NULL, n.access_token),
      TC_OK);
  ck_assert(!in.active);
  ck_assert_int_eq(tc_auth_oauth_revoke(ctx, tt_sys(), conf.client_id,
                                        conf.client_secret, "unknown-token"),
                   TC_OK);
}
END_TEST

/* The JSON error document of out: code, reason (absent: "") and field. */
static void expect_error(char *out, const char *code, const char *reason,
                         const char *field) {
  cJSON *doc = cJSON_Parse(out);
  ck_assert_msg(doc != NULL, "not JSON: %s", out);
  cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
  ck_assert_ptr_nonnull(e);
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "reason");
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
  ck_assert_msg(cJSON_IsString(c) && !strcmp(c->valuestring, code),
                "want code %s: %s", code, out);
  if (*reason)
    ck_assert_msg(cJSON_IsString(r) && !strcmp(r->valuestring, reason),
                  "want reason %s: %s", reason, out);
  else
    ck_assert_msg(r == NULL, "want no reason: %s", out);
  if (field)
    ck_assert_msg(cJSON_IsString(f) && !strcmp(f->valuestring, field),
                  "want field %s: %s", field, out);
  cJSON_Delete(doc);
  free(out);
}

START_TEST(json_oauth_error_reasons) {
  tc_principal anon = TC_PRINCIPAL_INIT;
  char req[1024], *out = NULL, code[TC_AUTH_OPAQUE_MAX];
  /* a code nobody issued */
  snprintf(req, sizeof(req),
           "{\"grant_type\":\"authorization_code\",\"client_id\":\"%s\","
           "\"code\":\"not-a-real-code\",\"redirect_uri\":\"" REDIRECT
           "\",\"code_verifier\":\"" VERIFIER "\"}",
           pub.client_id);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out),
                   TC_EUNAUTHENTICATED);
  expect_error(out, "unauthenticated", "invalid_grant", "code");
  ck_assert_str_eq(tc_errreason(ctx), "invalid_grant");
  /* a real code with the wrong verifier */
  authorize(code, pub.client_id);
  snprintf(req, sizeof(req),
           "{\"grant_type\":\"authorization_code\",\"client_id\":\"%s\","
           "\"code\":\"%s\",\"redirect_uri\":\"" REDIRECT
           "\",\"code_verifier\":\"%s\"}",
           pub.client_id, code,
           "wrong-verifier-wrong-verifier-wrong-verifier-x");
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out),
                   TC_EUNAUTHENTICATED);
  expect_error(out, "unauthenticated", "invalid_grant", "code_verifier");
  /* a confidential client with a wrong secret */
  snprintf(req, sizeof(req),
           "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\","
           "\"client_secret\":\"wrong\"}",
           conf.client_id);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out),
                   TC_EUNAUTHENTICATED);
  expect_error(out, "unauthenticated", "invalid_client", NULL);
  ck_assert_str_eq(tc_auth_oauth_error(ctx), "invalid_client");
  ck_assert_str_eq(tc_errreason(ctx), "invalid_client");
  /* an unknown grant type */
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token",
                           "{\"grant_type\":\"password\"}", &out),
                   TC_EINVAL);
  expect_error(out, "invalid_argument", "unsupported_grant_type", "grant_type");
  /* a public client asking for client credentials */
  snprintf(req, sizeof(req),
           "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\"}",
           pub.client_id);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out),
                   TC_EDENIED);
  expect_error(out, "permission_denied", "unauthorized_client", NULL);
  /* a refresh grant with an unknown token */
  snprintf(req, sizeof(req),
           "{\"grant_type\":\"refresh_token\",\"client_id\":\"%s\","
           "\"refresh_token\":\"nope\"}",
           pub.client_id);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out),
                   TC_EUNAUTHENTICATED);
  expect_error(out, "unauthenticated", "invalid_grant", "refresh_token");
  /* the request validator's own errors have no OAuth reason */
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", "{}", &out),
                   TC_EINVAL);
  expect_error(out, "invalid_argument", "", "grant_type");
  /* nor has an error outside OAuth: auth.refresh of an unknown token */
  ck_assert_int_eq(
      tt_call(ctx, &anon, "auth.refresh", "{\"refresh_token\":\"nope\"}", &out),
      TC_EUNAUTHENTICATED);
  expect_error(out, "unauthenticated", "", "refresh_token");
  ck_assert_str_eq(tc_errreason(ctx), "");
}
END_TEST

START_TEST(json_oauth_flow) {
  char req[1024], *out = NULL;
  snprintf(req, sizeof(req),
           "{\"response_type\":\"code\",\"client_id\":\"%s\","
           "\"redirect_uri\":\"" REDIRECT "\",\"code_challenge\":\"" CHALLENGE
           "\",\"code_challenge_method\":\"S256\"}",
           pub.client_id);
  tc_principal anon = TC_PRINCIPAL_INIT;
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_authorize", req, &out),
                   TC_EUNAUTHENTICATED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &user, "auth.oauth_authorize", req, &out),
                   TC_OK);
  cJSON *r = cJSON_Parse(out);
  free(out);
  snprintf(req, sizeof(req),
           "{\"grant_type\":\"authorization_code\",\"client_id\":\"%s\","
           "\"code\":\"%s\",\"redirect_uri\":\"" REDIRECT
           "\",\"code_verifier\":\"" VERIFIER "\"}",
           pub.client_id, cJSON_GetObjectItem(r, "code")->valuestring);
  cJSON_Delete(r);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "refresh_token"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token", req, &out),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(out, "invalid_grant"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.oauth_token",
                           "{\"grant_type\":\"implicit\"}", &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "unsupported_grant_type"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &user, "auth.oauth_register_client",
                           "{\"name\":\"x\",\"confidential\":true}", &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "auth.oauth_register_client",
                           "{\"name\":\"x\",\"confidential\":true}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "client_secret"));
  free(out);
  ck_assert_int_eq(
      tt_call(ctx, &anon, "auth.oauth_introspect", "{\"token\":\"abc\"}", &out),
      TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(out, "invalid_client"));
  free(out);
  ck_assert_int_eq(
      tt_call(ctx, &sys, "auth.oauth_introspect", "{\"token\":\"abc\"}", &out),
      TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"active\":false"));
  free(out);
}
END_TEST

static Suite *oauth_suite(void) {
  Suite *s = suite_create("auth_oauth");
  TCase *pure = tcase_create("pkce");
  tcase_add_test(pure, pkce_rfc7636_appendix_b);
  suite_add_tcase(s, pure);
  TCase *tc = tcase_create("oauth");
  tcase_add_checked_fixture(tc, oauth_setup, teardown);
  tcase_add_test(tc, register_client_checks);
  tcase_add_test(tc, code_flow_with_pkce);
  tcase_add_test(tc, code_flow_errors);
  tcase_add_test(tc, client_credentials_and_secrets);
  tcase_add_test(tc, client_scopes_through_the_policy);
  tcase_add_test(tc, refresh_grant_introspect_revoke);
  tcase_add_test(tc, json_oauth_flow);
  tcase_add_test(tc, json_oauth_error_reasons);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(oauth_suite());
}
