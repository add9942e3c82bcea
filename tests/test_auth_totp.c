/* tests/test_auth_totp.c - SHA-1/HMAC-SHA-1 vectors, RFC 6238 TOTP
 * vectors, and the MFA flows: enrolment, challenge, replay, recovery
 * codes, disabling. */
#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth/auth_private.h"
#include "test_auth_util.h"

#define PW "correct horse battery staple"

static void hex(char *out, const unsigned char *in, size_t n) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", in[i]);
}

/* RFC 3174 section 7.3 test vectors. */
START_TEST(sha1_rfc3174) {
  unsigned char d[20];
  char h[41];
  tc__sha1(d, "abc", 3);
  hex(h, d, 20);
  ck_assert_str_eq(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
  const char *t2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  tc__sha1(d, t2, strlen(t2));
  hex(h, d, 20);
  ck_assert_str_eq(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  char *a = malloc(1000000);
  memset(a, 'a', 1000000);
  tc__sha1(d, a, 1000000);
  free(a);
  hex(h, d, 20);
  ck_assert_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  const char *t4 =
      "0123456701234567012345670123456701234567012345670123456701234567";
  char rep[64 * 10 + 1] = "";
  for (int i = 0; i < 10; i++) strcat(rep, t4);
  tc__sha1(d, rep, strlen(rep));
  hex(h, d, 20);
  ck_assert_str_eq(h, "dea356a2cddd90c7a7ecedc5ebb563934f460452");
  tc__sha1(d, "", 0);
  hex(h, d, 20);
  ck_assert_str_eq(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
END_TEST

/* RFC 2202 section 3 test cases 1-7. */
START_TEST(hmac_sha1_rfc2202) {
  unsigned char d[20], key[80];
  char h[41];
  memset(key, 0x0b, 20);
  tc__hmac_sha1(d, key, 20, "Hi There", 8);
  hex(h, d, 20);
  ck_assert_str_eq(h, "b617318655057264e28bc0b6fb378c8ef146be00");
  tc__hmac_sha1(d, (const unsigned char *)"Jefe", 4,
                "what do ya want for nothing?", 28);
  hex(h, d, 20);
  ck_assert_str_eq(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  unsigned char data[50];
  memset(key, 0xaa, 20);
  memset(data, 0xdd, 50);
  tc__hmac_sha1(d, key, 20, data, 50);
  hex(h, d, 20);
  ck_assert_str_eq(h, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  for (int i = 0; i < 25; i++) key[i] = (unsigned char)(i + 1);
  memset(data, 0xcd, 50);
  tc__hmac_sha1(d, key, 25, data, 50);
  hex(h, d, 20);
  ck_assert_str_eq(h, "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
  memset(key, 0x0c, 20);
  tc__hmac_sha1(d, key, 20, "Test With Truncation", 20);
  hex(h, d, 20);
  ck_assert_str_eq(h, "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
  memset(key, 0xaa, 80);
  tc__hmac_sha1(d, key, 80,
                "Test Using Larger Than Block-Size Key - Hash Key First", 54);
  hex(h, d, 20);
  ck_assert_str_eq(h, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  tc__hmac_sha1(d, key, 80,
                "Test Using Larger Than Block-Size Key and Larger Than One "
                "Block-Size Data",
                73);
  hex(h, d, 20);
  ck_assert_str_eq(h, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}
END_TEST

/* RFC 6238 Appendix B: every time, all three hashes, 8 digits. */
START_TEST(totp_rfc6238_appendix_b) {
  static const unsigned char k1[] = "12345678901234567890";
  static const unsigned char k256[] = "12345678901234567890123456789012";
  static const unsigned char k512[] =
      "1234567890123456789012345678901234567890123456789012345678901234";
  static const struct {
    int64_t t;
    const char *sha1, *sha256, *sha512;
  } v[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  char code[16];
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    ck_assert_int_eq(tc_auth_totp_code(code, sizeof(code), TC_TOTP_SHA1, k1, 20,
                                       v[i].t, 30, 8),
                     TC_OK);
    ck_assert_str_eq(code, v[i].sha1);
    ck_assert_int_eq(tc_auth_totp_code(code, sizeof(code), TC_TOTP_SHA256, k256,
                                       32, v[i].t, 30, 8),
                     TC_OK);
    ck_assert_str_eq(code, v[i].sha256);
    ck_assert_int_eq(tc_auth_totp_code(code, sizeof(code), TC_TOTP_SHA512, k512,
                                       64, v[i].t, 30, 8),
                     TC_OK);
    ck_assert_str_eq(code, v[i].sha512);
  }
  /* 6 digits are the last six of the same value. */
  ck_assert_int_eq(
      tc_auth_totp_code(code, sizeof(code), TC_TOTP_SHA1, k1, 20, 59, 0, 0),
      TC_OK);
  ck_assert_str_eq(code, "287082");
  ck_assert_int_eq(tc_auth_totp_code(code, 4, TC_TOTP_SHA1, k1, 20, 59, 30, 6),
                   TC_EINVAL);
  ck_assert_int_eq(
      tc_auth_totp_code(code, sizeof(code), TC_TOTP_SHA1, k1, 20, 59, 30, 9),
      TC_EINVAL);
}
END_TEST

START_TEST(base32_round_trip) {
  char enc[64];
  unsigned char dec[64];
  size_t n = 0;
  /* RFC 4648 section 10 (without padding). */
  ck_assert_int_eq(tc_auth_base32_encode(enc, sizeof(enc),
                                         (const unsigned char *)"foobar", 6),
                   TC_OK);
  ck_assert_str_eq(enc, "MZXW6YTBOI");
  ck_assert_int_eq(
      tc_auth_base32_decode(dec, sizeof(dec), &n, "mzxw6ytboi======"), TC_OK);
  ck_assert_uint_eq(n, 6);
  ck_assert(!memcmp(dec, "foobar", 6));
  ck_assert_int_eq(tc_auth_base32_decode(dec, sizeof(dec), &n, "MZ1W"),
                   TC_EINVAL);
  ck_assert_int_eq(tc_auth_base32_encode(enc, 3, (const unsigned char *)"f", 1),
                   TC_OK);
  ck_assert_int_eq(tc_auth_base32_encode(enc, 2, (const unsigned char *)"f", 1),
                   TC_EINVAL);
}
END_TEST

/* The code an authenticator app would show now for the enrolment. */
static void app_code(char *out, const tc_auth_mfa_enrolment *e, int64_t ms) {
  unsigned char key[64];
  size_t n = 0;
  ck_assert_int_eq(tc_auth_base32_decode(key, sizeof(key), &n, e->secret),
                   TC_OK);
  ck_assert_int_eq(tc_auth_totp_code(out, 16, e->alg, key, n, ms / 1000,
                                     e->period, e->digits),
                   TC_OK);
}

static tc_user mfa_user(tc_auth_mfa_enrolment *e,
                        tc_auth_recovery_codes *codes) {
  tc_user u = make_user("mfa@example.com", PW);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  tc_principal me = user_of(&t);
  ck_assert_int_eq(tc_auth_mfa_enroll(e, ctx, &me, u.id), TC_OK);
  char code[16];
  app_code(code, e, clk.now);
  ck_assert_int_eq(tc_auth_mfa_confirm(codes, ctx, &me, u.id, code), TC_OK);
  clk.now += 30000; /* the confirming code is spent */
  return u;
}

START_TEST(enrol_confirm_and_login_with_challenge) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  tc_auth_mfa_enrolment e;
  tc_auth_recovery_codes codes;
  tc_user u = mfa_user(&e, &codes);
  ck_assert_uint_eq(strlen(e.secret), 32); /* 20 bytes */
  ck_assert_ptr_nonnull(
      strstr(e.uri, "otpauth://totp/TechCorp:mfa@example.com?"));
  ck_assert_ptr_nonnull(strstr(e.uri, "secret="));
  ck_assert_ptr_nonnull(strstr(e.uri, "&algorithm=SHA1&digits=6&period=30"));
  ck_assert_uint_eq(strlen(codes.codes[0]), 11);
  ck_assert_int_eq(take_topic("audit", "auth.mfa_enrolled", NULL, 0), 1);
  bool on = false;
  ck_assert_int_eq(tc_auth_mfa_status(ctx, tt_sys(), u.id, &on), TC_OK);
  ck_assert(on);

  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  ck_assert(t.mfa_required);
  ck_assert_str_eq(t.access_token, "");
  ck_assert_str_eq(t.refresh_token, "");
  ck_assert_int_eq(t.mfa_expires_in, 300);
  char chal[TC_AUTH_OPAQUE_MAX];
  strcpy(chal, t.mfa_challenge);
  tc_auth_tokens done;
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, chal, "000000", NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_errfield(ctx), "code");
  char code[16];
  app_code(code, &e, clk.now);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, chal, code, NULL), TC_OK);
  ck_assert_str_ne(done.access_token, "");
  ck_assert_str_eq(done.user_id, u.id);
  /* A challenge is single use. */
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, chal, code, NULL),
                   TC_EUNAUTHENTICATED);
}
END_TEST

START_TEST(replayed_code_refused_and_window) {
  tc_auth_mfa_enrolment e;
  tc_auth_recovery_codes codes;
  mfa_user(&e, &codes);
  tc_auth_tokens t, done;
  char code[16];
  /* The previous step's code still passes (clock drift of one step). */
  app_code(code, &e, clk.now - 30000);
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_EUNAUTHENTICATED); /* that step was the confirmation */
  app_code(code, &e, clk.now);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_OK);
  /* The same code on a new login: replay. */
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "already used"));
  /* Two steps ahead is outside the window; one step ahead is inside. */
  app_code(code, &e, clk.now + 60000);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_EUNAUTHENTICATED);
  app_code(code, &e, clk.now + 30000);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_OK);
}
END_TEST

START_TEST(challenge_expires_and_limits_attempts) {
  tc_auth_mfa_enrolment e;
  tc_auth_recovery_codes codes;
  mfa_user(&e, &codes);
  tc_auth_tokens t, done;
  char code[16];
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(
        tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, "123456", NULL),
        TC_EUNAUTHENTICATED);
  app_code(code, &e, clk.now);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_ELIMIT);
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  clk.now += 301000;
  app_code(code, &e, clk.now);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, code, NULL),
                   TC_EEXPIRED);
}
END_TEST

START_TEST(recovery_codes_are_single_use) {
  tc_auth_mfa_enrolment e;
  tc_auth_recovery_codes codes;
  mfa_user(&e, &codes);
  tc_auth_tokens t, done;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  /* Case and dash do not matter. */
  char upper[16];
  strcpy(upper, codes.codes[3]);
  for (char *p = upper; *p; p++)
    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
  ck_assert_int_eq(tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, upper, NULL),
                   TC_OK);
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(
      tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, codes.codes[3], NULL),
      TC_EUNAUTHENTICATED);
  ck_assert_int_eq(
      tc_auth_mfa_verify(&done, ctx, t.mfa_challenge, codes.codes[4], NULL),
      TC_OK);
}
END_TEST

START_TEST(disable_needs_reauthentication) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  tc_auth_mfa_enrolment e;
  tc_auth_recovery_codes codes;
  tc_user u = mfa_user(&e, &codes);
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  char code[16];
  app_code(code, &e, clk.now);
  ck_assert_int_eq(tc_auth_mfa_disable(ctx, &me, u.id, NULL, code), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "password");
  ck_assert_int_eq(tc_auth_mfa_disable(ctx, &me, u.id, "wrong password", code),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_mfa_disable(ctx, &me, u.id, PW, "999999"),
                   TC_EUNAUTHENTICATED);
  /* Another customer cannot. */
  tc_id other;
  tc_id_new(&other, ctx);
  tc_principal them = tt_user(other.str, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_auth_mfa_disable(ctx, &them, u.id, PW, code), TC_EDENIED);
  ck_assert_int_eq(tc_auth_mfa_disable(ctx, &me, u.id, PW, code), TC_OK);
  bool on = true;
  ck_assert_int_eq(tc_auth_mfa_status(ctx, tt_sys(), u.id, &on), TC_OK);
  ck_assert(!on);
  ck_assert_int_eq(take_topic("audit", "auth.mfa_disabled", NULL, 0), 1);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "mfa@example.com", PW, NULL), TC_OK);
  ck_assert(!t.mfa_required);
}
END_TEST

START_TEST(enrol_states_and_sha256) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.totp_alg = TC_TOTP_SHA256;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_OK);
  tc_auth_mfa_enrolment e;
  tc_auth_recovery_codes codes;
  tc_user u = mfa_user(&e, &codes);
  ck_assert_int_eq(e.alg, TC_TOTP_SHA256);
  ck_assert_ptr_nonnull(strstr(e.uri, "algorithm=SHA256"));
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_auth_mfa_enrolment again;
  ck_assert_int_eq(tc_auth_mfa_enroll(&again, ctx, &me, u.id), TC_ESTATE);
  ck_assert_int_eq(tc_auth_mfa_confirm(&codes, ctx, &me, u.id, "123456"),
                   TC_ESTATE);
}
END_TEST

START_TEST(json_mfa_flow) {
  tc_user u = make_user("json-mfa@example.com", PW);
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  char *out = NULL;
  ck_assert_int_eq(tt_call(ctx, &me, "auth.mfa_enroll", "{}", &out), TC_OK);
  cJSON *r = cJSON_Parse(out);
  free(out);
  tc_auth_mfa_enrolment e;
  memset(&e, 0, sizeof(e));
  snprintf(e.secret, sizeof(e.secret), "%s",
           cJSON_GetObjectItem(r, "secret")->valuestring);
  e.alg = TC_TOTP_SHA1;
  e.digits = 6;
  e.period = 30;
  cJSON_Delete(r);
  char code[16], req[256];
  ck_assert_int_eq(
      tt_call(ctx, &me, "auth.mfa_confirm", "{\"code\":\"12\"}", &out),
      TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"code\""));
  free(out);
  app_code(code, &e, clk.now);
  snprintf(req, sizeof(req), "{\"code\":\"%s\"}", code);
  ck_assert_int_eq(tt_call(ctx, &me, "auth.mfa_confirm", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "recovery_codes"));
  free(out);
  clk.now += 30000;
  tc_principal anon = TC_PRINCIPAL_INIT;
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.login",
                           "{\"email\":\"json-mfa@example.com\",\"password\":"
                           "\"" PW "\"}",
                           &out),
                   TC_OK);
  r = cJSON_Parse(out);
  free(out);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "mfa_required")));
  ck_assert_ptr_null(cJSON_GetObjectItem(r, "access_token"));
  app_code(code, &e, clk.now);
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           cJSON_GetObjectItem(r, "mfa_challenge")->valuestring, code);
  cJSON_Delete(r);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.mfa_verify", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "access_token"));
  free(out);
}
END_TEST

static Suite *totp_suite(void) {
  Suite *s = suite_create("auth_totp");
  TCase *pure = tcase_create("vectors");
  tcase_add_test(pure, sha1_rfc3174);
  tcase_add_test(pure, hmac_sha1_rfc2202);
  tcase_add_test(pure, totp_rfc6238_appendix_b);
  tcase_add_test(pure, base32_round_trip);
  suite_add_tcase(s, pure);
  TCase *tc = tcase_create("mfa");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, enrol_confirm_and_login_with_challenge);
  tcase_add_test(tc, replayed_code_refused_and_window);
  tcase_add_test(tc, challenge_expires_and_limits_attempts);
  tcase_add_test(tc, recovery_codes_are_single_use);
  tcase_add_test(tc, disable_needs_reauthentication);
  tcase_add_test(tc, enrol_states_and_sha256);
  tcase_add_test(tc, json_mfa_flow);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(totp_suite());
}
