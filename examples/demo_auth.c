/*
 * examples/demo_auth.c - the authentication part of the seed's flow
 * through the JSON API: a customer registers, logs in, verifies the access
 * token, turns on TOTP MFA, logs in again answering the MFA challenge,
 * refreshes the tokens (and sees a replayed refresh token end the
 * session), then logs out.
 *
 * int demo_auth(tc_ctx *ctx) prints each step and returns 0 on success.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <techcorp/techcorp.h>

int demo_auth(tc_ctx *ctx);

#define EMAIL "demo-auth@example.com"
#define PASSWORD "a long demo passphrase"

/* Call method as caller; print request and answer; parse the answer. */
static cJSON *call(tc_ctx *ctx, const char *bearer, const char *method,
                   const char *req, int want) {
  tc_buf out = TC_BUF_INIT;
  tc_caller caller = TC_CALLER_INIT;
  caller.bearer = bearer;
  caller.client_ip = "192.0.2.10";
  caller.user_agent = "demo_auth";
  int rc = tc_api_call(&out, ctx, &caller, method, req, strlen(req));
  printf("    %s -> %s\n", method, tc_strerror(rc));
  if (rc != want) {
    fprintf(stderr, "demo_auth: %s: %s\n", method, out.ptr ? out.ptr : "");
    tc_buf_dispose(&out);
    return NULL;
  }
  cJSON *j = cJSON_Parse(out.ptr ? out.ptr : "{}");
  tc_buf_dispose(&out);
  return j;
}

static const char *str(const cJSON *j, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* What an authenticator app shows at time ms for a base32 secret. */
static int app_code(char *out, const char *secret, int64_t ms) {
  unsigned char key[64];
  size_t n = 0;
  if (tc_auth_base32_decode(key, sizeof(key), &n, secret)) return -1;
  return tc_auth_totp_code(out, 16, TC_TOTP_SHA1, key, n, ms / 1000, 30, 6);
}

int demo_auth(tc_ctx *ctx) {
  char req[9000], access[TC_AUTH_TOKEN_MAX], refresh[TC_AUTH_OPAQUE_MAX];
  int ok = 0;
  cJSON *j = NULL;

  printf("\n[auth 1] register a customer (users module)\n");
  tc_user u;
  if (tc_users_register(&u, ctx, NULL, EMAIL, PASSWORD, "Demo", "en")) {
    fprintf(stderr, "demo_auth: register: %s\n", tc_errmsg(ctx));
    return 1;
  }
  printf("    user %s\n", u.id);

  printf("\n[auth 2] log in with e-mail and password\n");
  snprintf(req, sizeof(req), "{\"email\":\"%s\",\"password\":\"%s\"}", EMAIL,
           PASSWORD);
  if (!(j = call(ctx, NULL, "auth.login", req, TC_OK))) return 1;
  snprintf(access, sizeof(access), "%s", str(j, "access_token"));
  printf("    session %s, access token expires in %d s\n", str(j, "session_id"),
         (int)cJSON_GetObjectItem(j, "expires_in")->valuedouble);
  cJSON_Delete(j);

  printf(
      "\n[auth 3] a wrong password gets the same answer as an unknown "
      "e-mail\n");
  if (!(j = call(ctx, NULL, "auth.login",
                 "{\"email\":\"" EMAIL "\",\"password\":\"not my password\"}",
                 TC_EUNAUTHENTICATED)))
    return 1;
  cJSON_Delete(j);

  printf("\n[auth 4] verify the access token\n");
  snprintf(req, sizeof(req), "{\"token\":\"%s\"}", access);
  if (!(j = call(ctx, NULL, "auth.verify_token", req, TC_OK))) return 1;
  printf("    user %s, kid %s\n", str(j, "user_id"), str(j, "kid"));
  cJSON_Delete(j);

  printf("\n[auth 5] turn on TOTP MFA\n");
  if (!(j = call(ctx, access, "auth.mfa_enroll", "{}", TC_OK))) return 1;
  char secret[128], code[16];
  snprintf(secret, sizeof(secret), "%s", str(j, "secret"));
  printf("    scan %.40s...\n", str(j, "otpauth_uri"));
  cJSON_Delete(j);
  int64_t now = tc_ctx_now_ms(ctx);
  if (app_code(code, secret, now)) return 1;
  snprintf(req, sizeof(req), "{\"code\":\"%s\"}", code);
  if (!(j = call(ctx, access, "auth.mfa_confirm", req, TC_OK))) return 1;
  printf("    %d recovery codes shown once\n",
         cJSON_GetArraySize(cJSON_GetObjectItem(j, "recovery_codes")));
  cJSON_Delete(j);

  printf("\n[auth 6] log in again: an MFA challenge instead of tokens\n");
  snprintf(req, sizeof(req), "{\"email\":\"%s\",\"password\":\"%s\"}", EMAIL,
           PASSWORD);
  if (!(j = call(ctx, NULL, "auth.login", req, TC_OK))) return 1;
  printf(
      "    mfa_required %s\n",
      cJSON_IsTrue(cJSON_GetObjectItem(j, "mfa_required")) ? "true" : "false");
  /* The code of the next step: the confirming one was spent. */
  if (app_code(code, secret, now + 30000)) return 1;
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           str(j, "mfa_challenge"), code);
  cJSON_Delete(j);
  if (!(j = call(ctx, NULL, "auth.mfa_verify", req, TC_OK))) return 1;
  snprintf(access, sizeof(access), "%s", str(j, "access_token"));
  snprintf(refresh, sizeof(refresh), "%s", str(j, "refresh_token"));
  cJSON_Delete(j);

  printf("\n[auth 7] refresh: the refresh token rotates\n");
  char old_refresh[TC_AUTH_OPAQUE_MAX];
  snprintf(old_refresh, sizeof(old_refresh), "%s", refresh);
  snprintf(req, sizeof(req), "{\"refresh_token\":\"%s\"}", refresh);
  if (!(j = call(ctx, NULL, "auth.refresh", req, TC_OK))) return 1;
  snprintf(access, sizeof(access), "%s", str(j, "access_token"));
  cJSON_Delete(j);

  printf("\n[auth 8] list my sessions, then log out\n");
  if (!(j = call(ctx, access, "auth.list_sessions", "{}", TC_OK))) return 1;
  printf("    %d live sessions\n",
         cJSON_GetArraySize(cJSON_GetObjectItem(j, "sessions")));
  cJSON_Delete(j);
  if (!(j = call(ctx, access, "auth.logout", "{}", TC_OK))) return 1;
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"token\":\"%s\"}", access);
  if (!(j = call(ctx, NULL, "auth.verify_token", req, TC_EUNAUTHENTICATED)))
    return 1;
  printf("    the token no longer verifies\n");
  cJSON_Delete(j);

  printf("\n[auth 9] a spent refresh token presented again is refused\n");
  snprintf(req, sizeof(req), "{\"refresh_token\":\"%s\"}", old_refresh);
  if (!(j = call(ctx, NULL, "auth.refresh", req, TC_EUNAUTHENTICATED)))
    return 1;
  cJSON_Delete(j);
  return ok;
}
