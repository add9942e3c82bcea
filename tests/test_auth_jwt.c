/* tests/test_auth_jwt.c - access tokens: strict verification against
 * forged, tampered, expired and malformed tokens; key rings and rotation. */
#include <sodium.h>

#include "auth/auth_private.h"
#include "test_auth_util.h"

#define PW "correct horse battery staple"

static const unsigned char KEY1[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char KEY2[32] = "fedcba9876543210fedcba9876543210";

static void use_keys(const tc_auth_key *keys, size_t n, tc_auth_alg alg) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.alg = alg;
  o.keys = keys;
  o.nkeys = n;
  ck_assert_msg(tc_auth_configure(ctx, &o) == TC_OK, "%s", tc_errmsg(ctx));
}

static void b64(char *out, size_t size, const void *data, size_t n) {
  sodium_bin2base64(out, size, data, n,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* header.payload signed with HMAC-SHA-256 under key. */
static void forge(char *out, size_t size, const char *header,
                  const char *payload, const unsigned char *key) {
  char h[1024], p[2048], sig[64];
  b64(h, sizeof(h), header, strlen(header));
  b64(p, sizeof(p), payload, strlen(payload));
  snprintf(out, size, "%s.%s", h, p);
  unsigned char mac[32];
  crypto_auth_hmacsha256_state s;
  crypto_auth_hmacsha256_init(&s, key, 32);
  crypto_auth_hmacsha256_update(&s, (const unsigned char *)out, strlen(out));
  crypto_auth_hmacsha256_final(&s, mac);
  b64(sig, sizeof(sig), mac, 32);
  strcat(out, ".");
  strcat(out, sig);
}

static char sub_id[TC_ID_STRLEN + 1], sid_id[TC_ID_STRLEN + 1];
static tc_auth_tokens live;

/* A user with a live session whose ids the forged tokens use. */
static void with_session(void) {
  tc_user u = make_user("jwt@example.com", PW);
  ck_assert_int_eq(tc_auth_login(&live, ctx, "jwt@example.com", PW, NULL),
                   TC_OK);
  strcpy(sub_id, u.id);
  strcpy(sid_id, live.session_id);
}

static void payload(char *out, size_t size, const char *iss, const char *aud,
                    long long exp, long long nbf) {
  long long now = T0 / 1000;
  snprintf(out, size,
           "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"exp\":%lld,"
           "\"iat\":%lld,\"nbf\":%lld,\"jti\":\"j1\",\"sid\":\"%s\","
           "\"roles\":[\"admin\"]}",
           iss, sub_id, aud, now + exp, now, now + nbf, sid_id);
}

static int verify(const char *token) {
  tc_principal p;
  return tc_auth_verify_token(&p, NULL, ctx, token);
}

static void expect_refused(const char *token, int code, const char *reason) {
  ck_assert_int_eq(verify(token), code);
  ck_assert_msg(strstr(tc_errmsg(ctx), reason), "message '%s' lacks '%s'",
                tc_errmsg(ctx), reason);
  ck_assert_str_eq(tc_errfield(ctx), "token");
}

START_TEST(forged_with_the_right_key_passes) {
  tc_auth_key k = {"k1", KEY1, 32};
  use_keys(&k, 1, TC_AUTH_HS256);
  with_session();
  char p[1024], t[4096];
  payload(p, sizeof(p), "techcorp", "techcorp-api", 600, 0);
  forge(t, sizeof(t), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", p,
        KEY1);
  tc_principal who;
  ck_assert_int_eq(tc_auth_verify_token(&who, NULL, ctx, t), TC_OK);
  ck_assert_uint_eq(who.roles, TC_ROLE_ADMIN);
  ck_assert_str_eq(who.user_id, sub_id);
}
END_TEST

START_TEST(alg_none_and_wrong_alg_refused) {
  tc_auth_key k = {"k1", KEY1, 32};
  use_keys(&k, 1, TC_AUTH_HS256);
  with_session();
  char p[1024], h[256], pb[2048], t[4096];
  payload(p, sizeof(p), "techcorp", "techcorp-api", 600, 0);
  b64(h, sizeof(h), "{\"alg\":\"none\",\"kid\":\"k1\"}", 25);
  b64(pb, sizeof(pb), p, strlen(p));
  snprintf(t, sizeof(t), "%s.%s.", h, pb);
  expect_refused(t, TC_EUNAUTHENTICATED, "alg none");
  snprintf(t, sizeof(t), "%s.%s.AAAA", h, pb);
  expect_refused(t, TC_EUNAUTHENTICATED, "alg none");
  forge(t, sizeof(t), "{\"alg\":\"None\",\"kid\":\"k1\"}", p, KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "alg none");
  forge(t, sizeof(t), "{\"alg\":\"HS512\",\"kid\":\"k1\"}", p, KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "not the configured HS256");
  forge(t, sizeof(t), "{\"kid\":\"k1\"}", p, KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "no alg");
}
END_TEST

START_TEST(hs256_token_refused_when_eddsa_configured) {
  /* The classic confusion: an HS256 token "signed" with the public key. */
  unsigned char seed[32];
  memset(seed, 7, sizeof(seed));
  tc_auth_key ed = {"ed1", seed, 32};
  use_keys(&ed, 1, TC_AUTH_EDDSA);
  with_session();
  tc_principal who;
  tc_auth_claims c;
  ck_assert_int_eq(tc_auth_verify_token(&who, &c, ctx, live.access_token),
                   TC_OK);
  ck_assert_str_eq(c.kid, "ed1");
  ck_assert_ptr_nonnull(strstr(live.access_token, "."));
  unsigned char pk[32], sk[64];
  crypto_sign_seed_keypair(pk, sk, seed);
  char p[1024], t[4096];
  payload(p, sizeof(p), "techcorp", "techcorp-api", 600, 0);
  forge(t, sizeof(t), "{\"alg\":\"HS256\",\"kid\":\"ed1\"}", p, pk);
  expect_refused(t, TC_EUNAUTHENTICATED, "not the configured EdDSA");
  /* And a signature of the wrong length under the right alg. */
  forge(t, sizeof(t), "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", p, pk);
  expect_refused(t, TC_EUNAUTHENTICATED, "signature is wrong");
}
END_TEST

START_TEST(tampered_truncated_and_malformed) {
  with_session();
  char t[4096];
  strcpy(t, live.access_token);
  char *dot1 = strchr(t, '.');
  /* Flip one payload character. */
  dot1[5] = dot1[5] == 'A' ? 'B' : 'A';
  expect_refused(t, TC_EUNAUTHENTICATED, "signature is wrong");
  strcpy(t, live.access_token);
  t[strlen(t) - 3] = '\0';
  expect_refused(t, TC_EUNAUTHENTICATED, "signature");
  strcpy(t, live.access_token);
  *strrchr(t, '.') = '\0';
  expect_refused(t, TC_EUNAUTHENTICATED, "three parts");
  strcpy(t, live.access_token);
  t[3] = '+'; /* standard base64, not base64url */
  expect_refused(t, TC_EUNAUTHENTICATED, "not valid base64url");
  strcpy(t, live.access_token);
  t[2] = '=';
  expect_refused(t, TC_EUNAUTHENTICATED, "base64url");
  expect_refused("", TC_EUNAUTHENTICATED, "empty");
  expect_refused("a.b.c.d", TC_EUNAUTHENTICATED, "more than three");
  char h[64];
  b64(h, sizeof(h), "[1,2]", 5);
  snprintf(t, sizeof(t), "%s.e30.AAAA", h);
  expect_refused(t, TC_EUNAUTHENTICATED, "header is not a JSON object");
  b64(h, sizeof(h), "{\"alg\":", 7);
  snprintf(t, sizeof(t), "%s.e30.AAAA", h);
  expect_refused(t, TC_EUNAUTHENTICATED, "header is not a JSON object");
}
END_TEST

START_TEST(bad_payload_json_after_valid_signature) {
  tc_auth_key k = {"k1", KEY1, 32};
  use_keys(&k, 1, TC_AUTH_HS256);
  with_session();
  char t[4096];
  forge(t, sizeof(t), "{\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"iss\":", KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "payload is not a JSON object");
  forge(t, sizeof(t), "{\"alg\":\"HS256\",\"kid\":\"k1\"}",
        "{\"iss\":\"techcorp\",\"aud\":\"techcorp-api\",\"iat\":1}", KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "exp");
}
END_TEST

START_TEST(expired_not_yet_valid_wrong_audience_and_issuer) {
  tc_auth_key k = {"k1", KEY1, 32};
  use_keys(&k, 1, TC_AUTH_HS256);
  with_session();
  char p[1024], t[4096];
  const char *h = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
  payload(p, sizeof(p), "techcorp", "techcorp-api", -31, 0);
  forge(t, sizeof(t), h, p, KEY1);
  expect_refused(t, TC_EEXPIRED, "expired");
  /* Within the 30 s leeway: still fine. */
  payload(p, sizeof(p), "techcorp", "techcorp-api", -20, 0);
  forge(t, sizeof(t), h, p, KEY1);
  ck_assert_int_eq(verify(t), TC_OK);
  payload(p, sizeof(p), "techcorp", "techcorp-api", 600, 120);
  forge(t, sizeof(t), h, p, KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "not valid yet");
  payload(p, sizeof(p), "techcorp", "someone-else", 600, 0);
  forge(t, sizeof(t), h, p, KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "audience");
  payload(p, sizeof(p), "evil", "techcorp-api", 600, 0);
  forge(t, sizeof(t), h, p, KEY1);
  expect_refused(t, TC_EUNAUTHENTICATED, "issuer");
  /* The real token expires with the clock. */
  clk.now += 15 * 60 * 1000 + 31000;
  expect_refused(live.access_token, TC_EEXPIRED, "expired");
}
END_TEST

START_TEST(key_rotation_keeps_old_tokens) {
  tc_auth_key k1 = {"k1", KEY1, 32};
  use_keys(&k1, 1, TC_AUTH_HS256);
  with_session();
  char old[TC_AUTH_TOKEN_MAX];
  strcpy(old, live.access_token);
  tc_auth_key ring[2] = {{"k2", KEY2, 32}, {"k1", KEY1, 32}};
  use_keys(ring, 2, TC_AUTH_HS256);
  tc_principal p;
  tc_auth_claims c;
  ck_assert_int_eq(tc_auth_verify_token(&p, &c, ctx, old), TC_OK);
  ck_assert_str_eq(c.kid, "k1");
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "jwt@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_verify_token(&p, &c, ctx, t.access_token), TC_OK);
  ck_assert_str_eq(c.kid, "k2");
  /* Dropping k1 retires its tokens. */
  tc_auth_key only2 = {"k2", KEY2, 32};
  use_keys(&only2, 1, TC_AUTH_HS256);
  expect_refused(old, TC_EUNAUTHENTICATED, "kid");
  /* Bad rings are refused whole. */
  tc_auth_key dup[2] = {{"k2", KEY2, 32}, {"k2", KEY1, 32}};
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.keys = dup;
  o.nkeys = 2;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_EINVAL);
  tc_auth_key shortk = {"k3", KEY2, 16};
  o.keys = &shortk;
  o.nkeys = 1;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "keys.secret");
}
END_TEST

START_TEST(generated_key_shared_and_rotated) {
  with_session();
  tc_auth_claims c1, c2;
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, &c1, ctx, live.access_token),
                   TC_OK);
  /* A context on the same database verifies it: the key is stored. */
  char path[600];
  snprintf(path, sizeof(path), "%s/test.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.clock = &clk.clock;
  tc_ctx *other = NULL;
  ck_assert_int_eq(tc_ctx_new(&other, &cfg), TC_OK);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, other, live.access_token),
                   TC_OK);
  /* Rotation there: new tokens get the new kid, old ones still pass here
   * (this context reloads the ring on an unknown kid). */
  ck_assert_int_eq(tc_auth_rotate_key(other), TC_OK);
  tc_auth_tokens t;
  auth_fast(other);
  ck_assert_int_eq(tc_auth_login(&t, other, "jwt@example.com", PW, NULL),
                   TC_OK);
  ck_assert_int_eq(tc_auth_verify_token(&p, &c2, ctx, t.access_token), TC_OK);
  ck_assert_str_ne(c1.kid, c2.kid);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, live.access_token),
                   TC_OK);
  tt_ctx_free(other, NULL);
  /* Configured keys cannot be rotated this way. */
  tc_auth_key k = {"k1", KEY1, 32};
  use_keys(&k, 1, TC_AUTH_HS256);
  ck_assert_int_eq(tc_auth_rotate_key(ctx), TC_ESTATE);
}
END_TEST

START_TEST(bearer_through_the_json_api) {
  with_session();
  tc_buf out = TC_BUF_INIT;
  tc_caller c = TC_CALLER_INIT;
  c.bearer = "not.a.token";
  ck_assert_int_eq(tc_api_call(&out, ctx, &c, "auth.list_sessions", "{}", 2),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(out.ptr, "base64url"));
  tc_buf_dispose(&out);
  c.bearer = live.access_token;
  ck_assert_int_eq(tc_api_call(&out, ctx, &c, "auth.list_sessions", "{}", 2),
                   TC_OK);
  tc_buf_dispose(&out);
  char req[4200];
  snprintf(req, sizeof(req), "{\"token\":\"%s\"}", live.access_token);
  c.bearer = NULL;
  ck_assert_int_eq(
      tc_api_call(&out, ctx, &c, "auth.verify_token", req, strlen(req)), TC_OK);
  ck_assert_ptr_nonnull(strstr(out.ptr, sub_id));
  tc_buf_dispose(&out);
}
END_TEST

static Suite *jwt_suite(void) {
  Suite *s = suite_create("auth_jwt");
  TCase *tc = tcase_create("jwt");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, forged_with_the_right_key_passes);
  tcase_add_test(tc, alg_none_and_wrong_alg_refused);
  tcase_add_test(tc, hs256_token_refused_when_eddsa_configured);
  tcase_add_test(tc, tampered_truncated_and_malformed);
  tcase_add_test(tc, bad_payload_json_after_valid_signature);
  tcase_add_test(tc, expired_not_yet_valid_wrong_audience_and_issuer);
  tcase_add_test(tc, key_rotation_keeps_old_tokens);
  tcase_add_test(tc, generated_key_shared_and_rotated);
  tcase_add_test(tc, bearer_through_the_json_api);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(jwt_suite());
}
