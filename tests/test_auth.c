/* tests/test_auth.c - passwords, login, throttling, sessions, refresh
 * tokens, roles and the auth JSON API. */
#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth/auth_private.h"
#include "test_auth_util.h"

#define PW "correct horse battery staple"

/* ---- passwords ---- */

START_TEST(common_list_is_sorted_and_found) {
  ck_assert_uint_gt(tc__auth_common_password_count, 3000);
  for (size_t i = 1; i < tc__auth_common_password_count; i++)
    ck_assert_msg(strcmp(tc__auth_common_passwords[i - 1],
                         tc__auth_common_passwords[i]) < 0,
                  "not sorted at %zu", i);
  ck_assert(tc__auth_password_is_common("password"));
  ck_assert(tc__auth_password_is_common("PassWord1"));
  ck_assert(tc__auth_password_is_common("123456789"));
  ck_assert(!tc__auth_password_is_common(PW));
}
END_TEST

START_TEST(password_policy) {
  ck_assert_int_eq(tc_auth_password_check(ctx, "short"), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "password");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "at least 8"));
  ck_assert_int_eq(tc_auth_password_check(ctx, "Password1"), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "too common"));
  /* No composition rules: eight lower-case letters pass. */
  ck_assert_int_eq(tc_auth_password_check(ctx, "zqxwvjkm"), TC_OK);
  /* 64 characters (multi-byte) pass, 1025 do not. */
  char longpw[64 * 2 + 1] = "";
  for (int i = 0; i < 64; i++) strcat(longpw, "\xc3\xa9");
  ck_assert_int_eq(tc_auth_password_check(ctx, longpw), TC_OK);
  char *huge = malloc(1026);
  memset(huge, 'x', 1025);
  huge[1025] = '\0';
  ck_assert_int_eq(tc_auth_password_check(ctx, huge), TC_EINVAL);
  free(huge);
  ck_assert_int_eq(tc_auth_password_check(ctx, "\xff\xfe-abcdefgh"), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "UTF-8"));
}
END_TEST

START_TEST(configure_refuses_bad_options) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.password_max = 32;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "password_max");
  o = (tc_auth_options)TC_AUTH_OPTIONS_INIT;
  o.pwhash_memlimit = 100;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_EINVAL);
  o = (tc_auth_options)TC_AUTH_OPTIONS_INIT;
  o.version = 99;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_EVERSION);
  /* Nothing changed: the fast limits still apply. */
  ck_assert_int_eq(tc_auth_password_check(ctx, "zqxwvjkm"), TC_OK);
}
END_TEST

typedef struct {
  char hash[crypto_pwhash_STRBYTES];
} hash_out;

static int read_hash(const tc_value *cols, size_t n, void *p) {
  (void)n;
  tc__col_copy(((hash_out *)p)->hash, crypto_pwhash_STRBYTES, &cols[0]);
  return 0;
}

static void stored_hash(const char *user_id, char *out) {
  hash_out h;
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  ck_assert_int_eq(tc__db_row(ctx,
                              "SELECT pwhash FROM auth_credentials WHERE "
                              "user_id = ?",
                              p, 1, read_hash, &h),
                   TC_OK);
  strcpy(out, h.hash);
}

/* The one test with the default (OWASP) limits: a login under them
 * rehashes a password stored with the fast test limits. */
START_TEST(default_limits_and_rehash_on_login) {
  tc_user u = make_user("rehash@example.com", PW);
  char before[crypto_pwhash_STRBYTES], after[crypto_pwhash_STRBYTES];
  stored_hash(u.id, before);
  ck_assert_ptr_nonnull(strstr(before, "m=8,"));
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.pwhash_opslimit = 2;
  o.pwhash_memlimit = 19u << 20; /* what the defaults are */
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_OK);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "Rehash@Example.com", PW, NULL),
                   TC_OK);
  stored_hash(u.id, after);
  ck_assert_ptr_nonnull(strstr(after, "$argon2id$"));
  ck_assert_ptr_nonnull(strstr(after, "m=19456,t=2"));
  ck_assert_str_ne(before, after);
  /* The new hash still verifies; a fresh context has the defaults too. */
  ck_assert_int_eq(tc_auth_verify_password(ctx, tt_sys(), u.id, PW), TC_OK);
  ck_assert_int_eq(
      tc_auth_verify_password(ctx, tt_sys(), u.id, "wrong password"),
      TC_EUNAUTHENTICATED);
}
END_TEST

/* ---- login ---- */

START_TEST(login_gives_tokens_for_a_session) {
  tc_user u = make_user("ana@example.com", PW);
  tc_auth_tokens t;
  tc_auth_client c = {"203.0.113.5", "test-agent/1.0"};
  ck_assert_int_eq(tc_auth_login(&t, ctx, "ana@example.com", PW, &c), TC_OK);
  ck_assert(!t.mfa_required);
  ck_assert_str_eq(t.token_type, "Bearer");
  ck_assert_int_eq(t.expires_in, 15 * 60);
  ck_assert_uint_eq(strlen(t.refresh_token), 43);
  ck_assert_str_eq(t.user_id, u.id);
  tc_principal p;
  tc_auth_claims cl;
  ck_assert_int_eq(tc_auth_verify_token(&p, &cl, ctx, t.access_token), TC_OK);
  ck_assert_int_eq(p.kind, TC_PRINCIPAL_USER);
  ck_assert_str_eq(p.user_id, u.id);
  ck_assert_str_eq(p.session_id, t.session_id);
  ck_assert_uint_eq(p.roles, TC_ROLE_CUSTOMER);
  ck_assert_str_eq(cl.iss, "techcorp");
  ck_assert_str_eq(cl.aud, "techcorp-api");
  ck_assert_int_eq(cl.exp, T0 / 1000 + 900);
}
END_TEST

START_TEST(unknown_email_and_wrong_password_look_the_same) {
  make_user("bob@example.com", PW);
  tc_auth_tokens t;
  int a = tc_auth_login(&t, ctx, "bob@example.com", "not the password", NULL);
  char msg_a[512];
  snprintf(msg_a, sizeof(msg_a), "%s", tc_errmsg(ctx));
  char field_a[128];
  snprintf(field_a, sizeof(field_a), "%s", tc_errfield(ctx));
  int b =
      tc_auth_login(&t, ctx, "nobody@example.com", "not the password", NULL);
  ck_assert_int_eq(a, TC_EUNAUTHENTICATED);
  ck_assert_int_eq(b, TC_EUNAUTHENTICATED);
  ck_assert_str_eq(msg_a, tc_errmsg(ctx));
  ck_assert_str_eq(field_a, tc_errfield(ctx));
  ck_assert_str_eq(msg_a, "e-mail or password is wrong");
  /* And both through the JSON API. */
  tc_principal anon = TC_PRINCIPAL_INIT;
  char *r1, *r2;
  tt_call(ctx, &anon, "auth.login",
          "{\"email\":\"bob@example.com\",\"password\":\"xxxxxxxxxx\"}", &r1);
  tt_call(ctx, &anon, "auth.login",
          "{\"email\":\"zed@example.com\",\"password\":\"xxxxxxxxxx\"}", &r2);
  ck_assert_str_eq(r1, r2);
  free(r1);
  free(r2);
}
END_TEST

START_TEST(throttling_grows_and_says_when) {
  make_user("carl@example.com", PW);
  tc_auth_tokens t;
  tc_auth_client c = {"198.51.100.7", NULL};
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(
        tc_auth_login(&t, ctx, "carl@example.com", "bad guess 1", &c),
        TC_EUNAUTHENTICATED);
  /* The 6th failure starts a 1 s delay, the 7th 2 s. */
  ck_assert_int_eq(
      tc_auth_login(&t, ctx, "carl@example.com", "bad guess 1", &c),
      TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_login(&t, ctx, "carl@example.com", PW, &c),
                   TC_ELIMIT);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "retry after 1 s"));
  clk.now += 1000;
  ck_assert_int_eq(
      tc_auth_login(&t, ctx, "carl@example.com", "bad guess 1", &c),
      TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_login(&t, ctx, "carl@example.com", PW, &c),
                   TC_ELIMIT);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "retry after 2 s"));
  clk.now += 2000;
  /* A success clears the account's count. */
  ck_assert_int_eq(tc_auth_login(&t, ctx, "carl@example.com", PW, &c), TC_OK);
  /* Unknown e-mails are throttled the same way. */
  for (int i = 0; i < 6; i++)
    tc_auth_login(&t, ctx, "ghost@example.com", "bad guess 1", NULL);
  ck_assert_int_eq(
      tc_auth_login(&t, ctx, "ghost@example.com", "x1234567", NULL), TC_ELIMIT);
}
END_TEST

START_TEST(throttling_per_client_address) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.throttle_ip_free = 3;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_OK);
  make_user("dora@example.com", PW);
  tc_auth_tokens t;
  tc_auth_client c = {"192.0.2.1", NULL};
  char email[64];
  /* Different accounts, one address: the 4th failure blocks it. */
  for (int i = 0; i < 4; i++) {
    snprintf(email, sizeof(email), "victim%d@example.com", i);
    ck_assert_int_eq(tc_auth_login(&t, ctx, email, "bad guess 1", &c),
                     TC_EUNAUTHENTICATED);
  }
  ck_assert_int_eq(tc_auth_login(&t, ctx, "dora@example.com", PW, &c),
                   TC_ELIMIT);
  tc_auth_client other = {"192.0.2.2", NULL};
  ck_assert_int_eq(tc_auth_login(&t, ctx, "dora@example.com", PW, &other),
                   TC_OK);
}
END_TEST

START_TEST(login_events_never_hold_secrets) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  make_user("eve@example.com", PW);
  tc_auth_tokens t;
  ck_assert_int_eq(
      tc_auth_login(&t, ctx, "eve@example.com", "wrong secret 9", NULL),
      TC_EUNAUTHENTICATED);
  char payload[1024] = "";
  ck_assert_int_eq(
      take_topic("audit", "auth.login_failed", payload, sizeof(payload)), 1);
  ck_assert_ptr_null(strstr(payload, "wrong secret 9"));
  ck_assert_int_eq(tc_auth_login(&t, ctx, "eve@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(
      take_topic("audit", "auth.login_succeeded", payload, sizeof(payload)), 1);
  ck_assert_ptr_null(strstr(payload, PW));
  ck_assert_ptr_null(strstr(payload, t.refresh_token));
  ck_assert_ptr_nonnull(strstr(payload, t.session_id));
}
END_TEST

/* The "new login" notice needs to know a device it has not seen before. */
START_TEST(login_event_flags_a_new_device) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  make_user("dev@example.com", PW);
  tc_auth_client laptop = {"198.51.100.7", "Firefox/130 Linux"};
  tc_auth_client phone = {"203.0.113.9", "Safari/18 iPhone"};
  tc_auth_tokens t;
  char payload[1024] = "";
  /* The very first login is not an alert. */
  ck_assert_int_eq(tc_auth_login(&t, ctx, "dev@example.com", PW, &laptop),
                   TC_OK);
  take_topic("audit", "auth.login_succeeded", payload, sizeof(payload));
  ck_assert_ptr_nonnull(strstr(payload, "\"new_device\":false"));
  ck_assert_int_eq(tc_auth_login(&t, ctx, "dev@example.com", PW, &laptop),
                   TC_OK);
  take_topic("audit", "auth.login_succeeded", payload, sizeof(payload));
  ck_assert_ptr_nonnull(strstr(payload, "\"new_device\":false"));
  ck_assert_int_eq(tc_auth_login(&t, ctx, "dev@example.com", PW, &phone),
                   TC_OK);
  take_topic("audit", "auth.login_succeeded", payload, sizeof(payload));
  ck_assert_ptr_nonnull(strstr(payload, "\"new_device\":true"));
  ck_assert_ptr_nonnull(strstr(payload, "203.0.113.9"));
}
END_TEST

/* ---- refresh tokens and sessions ---- */

START_TEST(refresh_rotates_and_reuse_revokes_family) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  tc_user u = make_user("fay@example.com", PW);
  tc_auth_tokens t1, t2, t3, bad;
  ck_assert_int_eq(tc_auth_login(&t1, ctx, "fay@example.com", PW, NULL), TC_OK);
  clk.now += 60000;
  ck_assert_int_eq(tc_auth_refresh(&t2, ctx, t1.refresh_token, NULL), TC_OK);
  ck_assert_str_ne(t1.refresh_token, t2.refresh_token);
  ck_assert_str_eq(t1.session_id, t2.session_id);
  ck_assert_int_eq(tc_auth_refresh(&t3, ctx, t2.refresh_token, NULL), TC_OK);
  /* t1's token again: theft assumed, the whole family ends. */
  ck_assert_int_eq(tc_auth_refresh(&bad, ctx, t1.refresh_token, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "already used"));
  ck_assert_int_eq(tc_auth_refresh(&bad, ctx, t3.refresh_token, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "revoked"));
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t3.access_token),
                   TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "session"));
  char payload[1024];
  ck_assert_int_eq(take_topic("audit", "auth.refresh_reuse_detected", payload,
                              sizeof(payload)),
                   1);
  ck_assert_ptr_nonnull(strstr(payload, u.id));
  ck_assert_ptr_null(strstr(payload, t1.refresh_token));
  ck_assert_int_eq(tc_auth_refresh(&bad, ctx, "no-such-token", NULL),
                   TC_EUNAUTHENTICATED);
}
END_TEST

START_TEST(refresh_idle_and_absolute_lifetimes) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.refresh_idle_ms = 3600 * 1000;
  o.refresh_absolute_ms = 3 * 3600 * 1000;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_OK);
  make_user("gus@example.com", PW);
  tc_auth_tokens t, n;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "gus@example.com", PW, NULL), TC_OK);
  clk.now += 3600 * 1000; /* idle limit reached */
  ck_assert_int_eq(tc_auth_refresh(&n, ctx, t.refresh_token, NULL),
                   TC_EEXPIRED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "idle"));
  ck_assert_int_eq(tc_auth_login(&t, ctx, "gus@example.com", PW, NULL), TC_OK);
  for (int i = 0; i < 3; i++) {
    clk.now += 3500 * 1000;
    ck_assert_int_eq(tc_auth_refresh(&n, ctx, t.refresh_token, NULL), TC_OK);
    t = n;
  }
  clk.now += 3500 * 1000; /* past 3 h since login */
  ck_assert_int_eq(tc_auth_refresh(&n, ctx, t.refresh_token, NULL),
                   TC_EEXPIRED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "absolute"));
}
END_TEST

typedef struct {
  int n;
  char ids[10][TC_ID_STRLEN + 1];
  int current;
} seen_sessions;

static int count_session(const tc_auth_session *s, void *p) {
  seen_sessions *ss = p;
  if (s->current) ss->current++;
  snprintf(ss->ids[ss->n++ % 10], TC_ID_STRLEN + 1, "%s", s->id);
  return 0;
}

START_TEST(sessions_list_revoke_logout) {
  tc_user u = make_user("hal@example.com", PW);
  tc_auth_tokens a, b, c;
  ck_assert_int_eq(tc_auth_login(&a, ctx, "hal@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_login(&b, ctx, "hal@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_login(&c, ctx, "hal@example.com", PW, NULL), TC_OK);
  tc_principal me = user_of(&a);
  seen_sessions s = {0};
  char next[TC_ID_STRLEN + 1];
  ck_assert_int_eq(
      tc_auth_sessions_list(ctx, &me, u.id, NULL, 2, next, count_session, &s),
      TC_OK);
  ck_assert_int_eq(s.n, 2);
  ck_assert_str_eq(s.ids[0], c.session_id); /* newest first */
  ck_assert_str_ne(next, "");
  ck_assert_int_eq(
      tc_auth_sessions_list(ctx, &me, u.id, next, 2, next, count_session, &s),
      TC_OK);
  ck_assert_int_eq(s.n, 3);
  ck_assert_int_eq(s.current, 1);
  ck_assert_str_eq(next, "");
  /* Revoke one: its token stops at once. */
  ck_assert_int_eq(tc_auth_session_revoke(ctx, &me, b.session_id), TC_OK);
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, b.access_token),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_session_revoke(ctx, &me, b.session_id),
                   TC_ENOTFOUND);
  /* Logout ends the caller's own. */
  tc_principal pc = user_of(&c);
  ck_assert_int_eq(tc_auth_logout(ctx, &pc), TC_OK);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, c.access_token),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, a.access_token), TC_OK);
  int64_t n = 0;
  ck_assert_int_eq(tc_auth_sessions_revoke_all(ctx, &me, u.id, &n), TC_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, a.access_token),
                   TC_EUNAUTHENTICATED);
}
END_TEST

/* A second context on the same database (same fake clock, own cache). */
static tc_ctx *open_other(void) {
  char path[600];
  snprintf(path, sizeof(path), "%s/test.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.clock = &clk.clock;
  tc_ctx *other = NULL;
  ck_assert_int_eq(tc_ctx_new(&other, &cfg), TC_OK);
  auth_fast(other);
  return other;
}

static void close_other(tc_ctx *other) {
  tt_ctx_free(other, NULL);
}

START_TEST(revocation_seen_by_another_context) {
  make_user("ida@example.com", PW);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "ida@example.com", PW, NULL), TC_OK);
  tc_ctx *other = open_other();
  tc_principal p;
  /* The generated key is shared through the database. */
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, other, t.access_token),
                   TC_OK);
  tc_principal me = user_of(&t);
  ck_assert_int_eq(tc_auth_logout(ctx, &me), TC_OK);
  /* The other cache may say "live" for session_cache_ttl_ms (30 s). */
  clk.now += 30001;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, other, t.access_token),
                   TC_EUNAUTHENTICATED);
  close_other(other);
}
END_TEST

START_TEST(customer_cannot_touch_another_customers_sessions) {
  tc_user a = make_user("jon@example.com", PW);
  tc_user b = make_user("kim@example.com", PW);
  tc_auth_tokens ta, tb;
  ck_assert_int_eq(tc_auth_login(&ta, ctx, "jon@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_login(&tb, ctx, "kim@example.com", PW, NULL), TC_OK);
  tc_principal pa = user_of(&ta);
  seen_sessions s = {0};
  ck_assert_int_eq(
      tc_auth_sessions_list(ctx, &pa, b.id, NULL, 10, NULL, count_session, &s),
      TC_EDENIED);
  ck_assert_int_eq(tc_auth_session_revoke(ctx, &pa, tb.session_id), TC_EDENIED);
  ck_assert_int_eq(tc_auth_sessions_revoke_all(ctx, &pa, b.id, NULL),
                   TC_EDENIED);
  /* Support may read, not end them; admin may. */
  tc_principal sup = tt_user(a.id, TC_ROLE_SUPPORT);
  ck_assert_int_eq(
      tc_auth_sessions_list(ctx, &sup, b.id, NULL, 10, NULL, count_session, &s),
      TC_OK);
  ck_assert_int_eq(tc_auth_session_revoke(ctx, &sup, tb.session_id),
                   TC_EDENIED);
  tc_principal adm = tt_user(a.id, TC_ROLE_ADMIN);
  ck_assert_int_eq(tc_auth_session_revoke(ctx, &adm, tb.session_id), TC_OK);
  /* Through the JSON API with a bearer token. */
  char req[200], *out = NULL;
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\"}", b.id);
  tc_buf buf = TC_BUF_INIT;
  tc_caller caller = TC_CALLER_INIT;
  caller.bearer = ta.access_token;
  ck_assert_int_eq(
      tc_api_call(&buf, ctx, &caller, "auth.list_sessions", req, strlen(req)),
      TC_EDENIED);
  ck_assert_ptr_nonnull(strstr(buf.ptr, "\"error\""));
  tc_buf_dispose(&buf);
  ck_assert_int_eq(
      tc_api_call(&buf, ctx, &caller, "auth.list_sessions", "{}", 2), TC_OK);
  ck_assert_ptr_nonnull(strstr(buf.ptr, ta.session_id));
  ck_assert_ptr_nonnull(strstr(buf.ptr, "\"current\":true"));
  tc_buf_dispose(&buf);
  free(out);
}
END_TEST

START_TEST(change_password_revokes_other_sessions) {
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  tc_user u = make_user("lea@example.com", PW);
  tc_auth_tokens a, b;
  ck_assert_int_eq(tc_auth_login(&a, ctx, "lea@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_login(&b, ctx, "lea@example.com", PW, NULL), TC_OK);
  tc_principal me = user_of(&a);
  ck_assert_int_eq(tc_auth_change_password(ctx, &me, u.id, "wrong one!",
                                           "a brand new passphrase"),
                   TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_errfield(ctx), "current_password");
  ck_assert_int_eq(tc_auth_change_password(ctx, &me, u.id, PW, "password1"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "new_password");
  ck_assert_int_eq(
      tc_auth_change_password(ctx, &me, u.id, PW, "a brand new passphrase"),
      TC_OK);
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, a.access_token), TC_OK);
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, b.access_token),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_login(&b, ctx, "lea@example.com", PW, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(
      tc_auth_login(&b, ctx, "lea@example.com", "a brand new passphrase", NULL),
      TC_OK);
  ck_assert_int_eq(take_topic("audit", "auth.password_changed", NULL, 0), 1);
}
END_TEST

START_TEST(roles_and_authorize) {
  tc_user u = make_user("max@example.com", PW);
  ck_assert_int_eq(tc_events_subscribe(ctx, "audit", "auth.*"), TC_OK);
  tc_principal cust = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_principal sys = tt_system();
  tc_principal anon = TC_PRINCIPAL_INIT;
  ck_assert_int_eq(tc_auth_set_roles(ctx, &anon, u.id, TC_ROLE_ADMIN),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_set_roles(ctx, &cust, u.id, TC_ROLE_ADMIN),
                   TC_EDENIED);
  ck_assert_int_eq(
      tc_auth_set_roles(ctx, &sys, u.id, TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT),
      TC_OK);
  uint32_t r = 0;
  ck_assert_int_eq(tc_auth_get_roles(&r, ctx, tt_sys(), u.id), TC_OK);
  ck_assert_uint_eq(r, TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT);
  char payload[512];
  ck_assert_int_eq(
      take_topic("audit", "auth.role_changed", payload, sizeof(payload)), 1);
  ck_assert_ptr_nonnull(strstr(payload, "support"));
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "max@example.com", PW, NULL), TC_OK);
  ck_assert_uint_eq(user_of(&t).roles, TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT);
  /* The decision itself is the shared policy's (test_core: policy). */
}
END_TEST

/* ---- JSON API ---- */

START_TEST(json_login_refresh_verify_logout) {
  make_user("ned@example.com", PW);
  tc_principal anon = TC_PRINCIPAL_INIT;
  char *out = NULL;
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.login",
                           "{\"email\":\"ned@example.com\"}", &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"password\""));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.login",
                           "{\"email\":\"ned@example.com\",\"password\":\"" PW
                           "\",\"extra\":1}",
                           &out),
                   TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "extra"));
  free(out);
  /* Login with the caller's address recorded on the session. */
  tc_buf buf = TC_BUF_INIT;
  tc_caller caller = TC_CALLER_INIT;
  caller.client_ip = "203.0.113.9";
  caller.user_agent = "json-test";
  const char *login = "{\"email\":\"ned@example.com\",\"password\":\"" PW "\"}";
  ck_assert_int_eq(
      tc_api_call(&buf, ctx, &caller, "auth.login", login, strlen(login)),
      TC_OK);
  cJSON *r = cJSON_Parse(buf.ptr);
  tc_buf_dispose(&buf);
  ck_assert_ptr_nonnull(r);
  const char *access = cJSON_GetObjectItem(r, "access_token")->valuestring;
  const char *refresh = cJSON_GetObjectItem(r, "refresh_token")->valuestring;
  char req[9000];
  snprintf(req, sizeof(req), "{\"token\":\"%s\"}", access);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.verify_token", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"roles\":[\"customer\"]"));
  free(out);
  caller.bearer = access;
  ck_assert_int_eq(
      tc_api_call(&buf, ctx, &caller, "auth.list_sessions", "{}", 2), TC_OK);
  ck_assert_ptr_nonnull(strstr(buf.ptr, "\"ip\":\"203.0.113.9\""));
  ck_assert_ptr_nonnull(strstr(buf.ptr, "json-test"));
  tc_buf_dispose(&buf);
  snprintf(req, sizeof(req), "{\"refresh_token\":\"%s\"}", refresh);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.refresh", req, &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "access_token"));
  free(out);
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.refresh", req, &out),
                   TC_EUNAUTHENTICATED);
  free(out);
  /* The reuse above ended the session: the bearer fails now. */
  ck_assert_int_eq(tc_api_call(&buf, ctx, &caller, "auth.logout", "{}", 2),
                   TC_EUNAUTHENTICATED);
  tc_buf_dispose(&buf);
  cJSON_Delete(r);
  /* An anonymous caller cannot log out. */
  ck_assert_int_eq(tt_call(ctx, &anon, "auth.logout", "{}", &out),
                   TC_EUNAUTHENTICATED);
  free(out);
}
END_TEST

START_TEST(json_set_roles_admin_only) {
  tc_user u = make_user("oli@example.com", PW);
  tc_principal cust = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_principal sys = tt_system();
  char req[200], *out;
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\",\"roles\":[\"admin\"]}",
           u.id);
  ck_assert_int_eq(tt_call(ctx, &cust, "auth.set_roles", req, &out),
                   TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "auth.set_roles", req, &out), TC_OK);
  free(out);
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\",\"roles\":[\"root\"]}", u.id);
  ck_assert_int_eq(tt_call(ctx, &sys, "auth.set_roles", req, &out), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "\"field\":\"roles\""));
  free(out);
  uint32_t r;
  ck_assert_int_eq(tc_auth_get_roles(&r, ctx, tt_sys(), u.id), TC_OK);
  ck_assert_uint_eq(r, TC_ROLE_ADMIN);
}
END_TEST

START_TEST(forget_user_erases_credentials) {
  tc_user u = make_user("pia@example.com", PW);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "pia@example.com", PW, NULL), TC_OK);
  tc_principal self = tt_user(u.id, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_auth_forget_user(ctx, &self, u.id), TC_EDENIED);
  ck_assert_int_eq(tc_auth_forget_user(ctx, tt_sys(), u.id), TC_OK);
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t.access_token),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_verify_password(ctx, tt_sys(), u.id, PW),
                   TC_EUNAUTHENTICATED);
}
END_TEST

/* A database from before auth kept logins: the migration gives every
 * credential its user's address, so they log in by e-mail as before. */
START_TEST(older_database_keeps_its_logins) {
  char d[512], path[600];
  tt_tmpdir(d, sizeof(d));
  snprintf(path, sizeof(path), "%s/old.db", d);
  tc_store *st = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, NULL), TC_OK);
  /* The schema as it was: auth without its third migration. */
  tc__schema_module old_auth = tc__schema_auth;
  old_auth.count = 2;
  const tc__schema_module *mods[32];
  size_t n = 0;
  for (size_t i = 0; i < tc__schema_module_count && n < 32; i++)
    mods[n++] = tc__schema_modules[i] == &tc__schema_auth
                    ? &old_auth
                    : tc__schema_modules[i];
  ck_assert_int_eq(tc__migrate_modules(st, NULL, mods, n), TC_OK);
  /* A user and a credential as the library wrote them then. */
  char hash[crypto_pwhash_STRBYTES];
  ck_assert_int_eq(crypto_pwhash_str(hash, PW, strlen(PW), 1, 8192), 0);
  const char *uid = "01890000-0000-7000-8000-00000000a001";
  tc_value u[] = {TC_VAL_TEXT(uid)};
  tc_value c[] = {TC_VAL_TEXT(uid), TC_VAL_TEXT(hash)};
  ck_assert_int_eq(
      st->exec(st->self,
               "INSERT INTO users_users (id, email, name, locale, phone, "
               "status, email_verified, created_ms, updated_ms) VALUES (?, "
               "'old@example.com', 'Old', 'en', NULL, 'active', 1, 1, 1)",
               u, 1, NULL, NULL, NULL),
      TC_OK);
  ck_assert_int_eq(st->exec(st->self,
                            "INSERT INTO auth_credentials (user_id, pwhash, "
                            "updated_at) VALUES (?, ?, 1)",
                            c, 2, NULL, NULL, NULL),
                   TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = st;
  tc_ctx *old = NULL;
  ck_assert_int_eq(tc_ctx_new(&old, &cfg), TC_OK); /* migrates */
  auth_fast(old);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, old, "Old@Example.com", PW, NULL), TC_OK);
  ck_assert_str_eq(t.user_id, uid);
  tc_ctx_free(old);
  st->free(st->self);
  tt_tmpdir_remove(d);
}
END_TEST

/* ---- cleanup ---- */

#define DAY (24LL * 3600 * 1000)
#define NOW (T0 + 100 * DAY)

static int read_count(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

static int64_t count_where(const char *table, const char *where) {
  char sql[512];
  int64_t c = -1;
  snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE %s", table, where);
  ck_assert_int_eq(tc__db_row(ctx, sql, NULL, 0, read_count, &c), TC_OK);
  return c;
}

static void exec(const char *sql) {
  ck_assert_msg(tc__db_exec(ctx, sql, NULL, 0, NULL, NULL, NULL) == TC_OK,
                "%s: %s", sql, tc_errmsg(ctx));
}

/* Rows on both sides of every cutoff (defaults: refresh idle 14 days,
 * absolute 30, leeway 30 s, session retention 30 days), as of NOW.
 * Names say what the sweep must do: k* kept, d* deleted. */
static void sweep_fixture(void) {
  char sql[1024];
  struct {
    const char *id;
    int64_t exp, revoked; /* revoked 0: not revoked */
  } sess[] = {
      {"kLive", NOW + 29 * DAY, 0},
      {"kExpRecent", NOW - DAY, 0},
      {"dExpOld", NOW - 31 * DAY, 0},
      {"kRevRecent", NOW + 10 * DAY, NOW - DAY},
      {"dRevOld", NOW + 10 * DAY, NOW - 31 * DAY},
  };
  for (size_t i = 0; i < 5; i++) {
    char rev[32] = "NULL";
    if (sess[i].revoked)
      snprintf(rev, sizeof(rev), "%lld", (long long)sess[i].revoked);
    snprintf(sql, sizeof(sql),
             "INSERT INTO auth_sessions (id, user_id, client_id, scope, ip, "
             "user_agent, created_at, last_used_at, expires_at, revoked_at) "
             "VALUES ('%s', 'u', '', '', '', '', 0, 0, %lld, %s)",
             sess[i].id, (long long)sess[i].exp, rev);
    exec(sql);
  }
  struct {
    const char *hash, *sid;
    int64_t created, idle, used; /* used 0: never used */
  } rt[] = {
      {"kLiveUnused", "kLive", NOW - DAY, NOW + 13 * DAY, 0},
      {"kLiveUsed", "kLive", NOW - DAY, NOW + 13 * DAY, NOW - 1},
      {"dLiveIdleGone", "kLive", NOW - 15 * DAY, NOW - 1, 0},
      {"kExpRecentUsed", "kExpRecent", NOW - 20 * DAY, NOW - 6 * DAY, NOW},
      {"dExpRecentOld", "kExpRecent", NOW - 31 * DAY, NOW - 17 * DAY, NOW},
      {"kRevRecentUsed", "kRevRecent", NOW - 25 * DAY, NOW - 11 * DAY, NOW},
      {"dRevOldUsed", "dRevOld", NOW - 25 * DAY, NOW - 11 * DAY, NOW},
      {"dRevOldUnused", "dRevOld", NOW - DAY, NOW + 5 * DAY, 0},
  };
  for (size_t i = 0; i < 8; i++) {
    char used[32] = "NULL";
    if (rt[i].used) snprintf(used, sizeof(used), "%lld", (long long)rt[i].used);
    snprintf(sql, sizeof(sql),
             "INSERT INTO auth_refresh_tokens (token_hash, session_id, "
             "created_at, idle_expires_at, used_at) VALUES ('%s', '%s', %lld, "
             "%lld, %s)",
             rt[i].hash, rt[i].sid, (long long)rt[i].created,
             (long long)rt[i].idle, used);
    exec(sql);
  }
  snprintf(sql, sizeof(sql),
           "INSERT INTO auth_mfa_challenges (token_hash, user_id, expires_at, "
           "attempts, used_at, ip) VALUES ('dPast', 'u', %lld, 0, NULL, ''), "
           "('dAtNow', 'u', %lld, 0, NULL, ''), ('kLater', 'u', %lld, 0, "
           "NULL, '')",
           (long long)(NOW - 1), (long long)NOW, (long long)(NOW + 1000));
  exec(sql);
  snprintf(sql, sizeof(sql),
           "INSERT INTO auth_oauth_codes (code_hash, client_id, user_id, "
           "redirect_uri, scope, code_challenge, expires_at, used_at, "
           "session_id) VALUES ('dUnusedPast', 'c', 'u', 'r', '', 'x', %lld, "
           "NULL, NULL), ('kUnusedLive', 'c', 'u', 'r', '', 'x', %lld, NULL, "
           "NULL), ('kUsedRecent', 'c', 'u', 'r', '', 'x', %lld, %lld, "
           "'kLive'), ('dUsedOld', 'c', 'u', 'r', '', 'x', %lld, %lld, "
           "'dExpOld')",
           (long long)(NOW - 1), (long long)(NOW + 1000),
           (long long)(NOW - DAY), (long long)(NOW - DAY - 1000),
           (long long)(NOW - 31 * DAY), (long long)(NOW - 31 * DAY - 1000));
  exec(sql);
  snprintf(sql, sizeof(sql),
           "INSERT INTO auth_revoked_tokens (jti, expires_at) VALUES "
           "('dLongGone', %lld), ('kInLeeway', %lld), ('kLater', %lld)",
           (long long)(NOW - 60000), (long long)(NOW - 10000),
           (long long)(NOW + 3600000));
  exec(sql);
}

static const char *const sweep_tables[][2] = {
    {"auth_sessions", "id"},
    {"auth_refresh_tokens", "token_hash"},
    {"auth_mfa_challenges", "token_hash"},
    {"auth_oauth_codes", "code_hash"},
    {"auth_revoked_tokens", "jti"},
};

/* Every d* row is gone and every k* row is still there. */
static void expect_swept(void) {
  for (size_t i = 0; i < 5; i++) {
    char w[128];
    /* GLOB, case-sensitive: real hashes are lower-case hex and may start
     * with 'd'; the fixture's names continue with a capital. */
    snprintf(w, sizeof(w), "%s GLOB 'd[A-Z]*'", sweep_tables[i][1]);
    ck_assert_msg(count_where(sweep_tables[i][0], w) == 0, "%s: d* left",
                  sweep_tables[i][0]);
  }
  ck_assert_int_eq(count_where("auth_sessions", "id LIKE 'k%'"), 3);
  ck_assert_int_eq(count_where("auth_refresh_tokens", "token_hash LIKE 'k%'"),
                   4);
  ck_assert_int_eq(count_where("auth_mfa_challenges", "1"), 1);
  ck_assert_int_eq(count_where("auth_oauth_codes", "1"), 2);
  ck_assert_int_eq(count_where("auth_revoked_tokens", "1"), 2);
}

START_TEST(sweep_deletes_what_expired_and_nothing_else) {
  clk.now = NOW - DAY; /* a session live at NOW */
  tc_user u = make_user("sweep@example.com", PW);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "sweep@example.com", PW, NULL),
                   TC_OK);
  sweep_fixture();
  int64_t creds = count_where("auth_credentials", "1");
  ck_assert_int_eq(creds, 1);
  size_t removed = 99;
  /* Before anything is due, nothing goes. */
  ck_assert_int_eq(tc_auth_sweep(ctx, NOW - 40 * DAY, 1000, &removed), TC_OK);
  ck_assert_uint_eq(removed, 0);
  ck_assert_int_eq(tc_auth_sweep(ctx, NOW, 1000, &removed), TC_OK);
  ck_assert_uint_eq(removed, 4 + 2 + 2 + 1 + 2);
  expect_swept();
  ck_assert_int_eq(tc_auth_sweep(ctx, NOW, 1000, &removed), TC_OK);
  ck_assert_uint_eq(removed, 0);
  /* The real login's session, token and credentials are untouched. */
  ck_assert_int_eq(count_where("auth_credentials", "1"), creds);
  char w[128];
  snprintf(w, sizeof(w), "id = '%s' AND revoked_at IS NULL", t.session_id);
  ck_assert_int_eq(count_where("auth_sessions", w), 1);
  tc_auth_tokens t2;
  ck_assert_int_eq(tc_auth_refresh(&t2, ctx, t.refresh_token, NULL), TC_OK);
  (void)u;
}
END_TEST

START_TEST(sweep_respects_the_limit) {
  sweep_fixture();
  size_t removed = 0, total = 0, calls = 0;
  do {
    ck_assert_int_eq(tc_auth_sweep(ctx, NOW, 5, &removed), TC_OK);
    ck_assert_uint_le(removed, 5);
    total += removed;
    calls++;
  } while (removed == 5 && calls < 10);
  ck_assert_uint_eq(total, 11);
  ck_assert_uint_eq(calls, 3); /* 5, 5, 1 */
  expect_swept();
  ck_assert_int_eq(tc_auth_sweep(ctx, NOW, 1, &removed), TC_OK);
  ck_assert_uint_eq(removed, 0);
  ck_assert_int_eq(tc_auth_sweep(ctx, NOW, 0, &removed), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "limit");
  ck_assert_int_eq(tc_auth_sweep(ctx, -1, 10, &removed), TC_EINVAL);
  ck_assert_int_eq(tc_auth_sweep(NULL, NOW, 10, &removed), TC_EINVAL);
  ck_assert_uint_eq(removed, 0);
}
END_TEST

START_TEST(sweep_follows_the_clock_and_retention) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.pwhash_opslimit = 1;
  o.pwhash_memlimit = 8192;
  o.refresh_idle_ms = 3600 * 1000;
  o.refresh_absolute_ms = 2 * 3600 * 1000;
  o.session_retention_ms = 3600 * 1000;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_OK);
  make_user("clock@example.com", PW);
  tc_auth_tokens t, t2;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "clock@example.com", PW, NULL),
                   TC_OK);
  ck_assert_int_eq(tc_auth_refresh(&t2, ctx, t.refresh_token, NULL), TC_OK);
  size_t removed = 0;
  /* An hour on, the unused token is idle-expired; the used one stays for
   * reuse detection. */
  clk.now += 3600 * 1000;
  ck_assert_int_eq(tc_auth_sweep(ctx, 0, 100, &removed), TC_OK);
  ck_assert_uint_eq(removed, 1);
  ck_assert_int_eq(count_where("auth_refresh_tokens", "1"), 1);
  ck_assert_int_eq(tc_auth_refresh(&t2, ctx, t.refresh_token, NULL),
                   TC_EUNAUTHENTICATED);
  /* (that reuse revoked the session: retention counts from now) */
  ck_assert_int_eq(count_where("auth_sessions", "revoked_at IS NULL"), 0);
  clk.now += 3600 * 1000 - 1;
  ck_assert_int_eq(tc_auth_sweep(ctx, 0, 100, &removed), TC_OK);
  ck_assert_int_eq(count_where("auth_sessions", "1"), 1);
  clk.now += 1;
  ck_assert_int_eq(tc_auth_sweep(ctx, 0, 100, &removed), TC_OK);
  ck_assert_int_eq(count_where("auth_sessions", "1"), 0);
  ck_assert_int_eq(count_where("auth_refresh_tokens", "1"), 0);
  o.version = 1; /* version 1 has no retention field: left as it was */
  o.session_retention_ms = -5;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_OK);
  o.version = 2;
  ck_assert_int_eq(tc_auth_configure(ctx, &o), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "session_retention_ms");
}
END_TEST

static int read_plan(const tc_value *cols, size_t n, void *payload) {
  const char *detail = tc__col_text(&cols[n - 1]);
  ck_assert_msg(strncmp(detail, "SCAN ", 5) != 0, "%s: %s",
                (const char *)payload, detail);
  return 0;
}

START_TEST(sweep_never_scans_a_table) {
  const char *sql;
  for (size_t i = 0; (sql = tc__auth_sweep_statement(i)); i++) {
    char plan[2048];
    snprintf(plan, sizeof(plan), "EXPLAIN QUERY PLAN %s", sql);
    tc_value p[4] = {TC_VAL_INT(1), TC_VAL_INT(1), TC_VAL_INT(1),
                     TC_VAL_INT(1)};
    size_t n = 0;
    for (const char *q = sql; *q; q++) n += *q == '?';
    ck_assert_int_eq(tc__db_exec(ctx, plan, p, n, read_plan, (void *)sql, NULL),
                     TC_OK);
  }
  ck_assert_ptr_null(tc__auth_sweep_statement(100));
}
END_TEST

START_TEST(json_sweep_system_only) {
  sweep_fixture();
  clk.now = NOW;
  char *out = NULL;
  tc_principal sys = tt_system();
  tc_principal admin =
      tt_user("00000000-0000-7000-8000-000000000001", TC_ROLE_ADMIN);
  ck_assert_int_eq(tt_call(ctx, &admin, "auth.sweep", "{}", &out), TC_EDENIED);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "auth.sweep", "{\"limit\":0}", &out),
                   TC_EINVAL);
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "auth.sweep", "{\"limit\":10}", &out),
                   TC_OK);
  ck_assert_str_eq(out, "{\"removed\":10,\"more\":true}");
  free(out);
  ck_assert_int_eq(tt_call(ctx, &sys, "auth.sweep", "{}", &out), TC_OK);
  ck_assert_str_eq(out, "{\"removed\":1,\"more\":false}");
  free(out);
  expect_swept();
}
END_TEST

static Suite *auth_suite(void) {
  Suite *s = suite_create("auth");
  TCase *tc = tcase_create("auth");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, common_list_is_sorted_and_found);
  tcase_add_test(tc, password_policy);
  tcase_add_test(tc, login_event_flags_a_new_device);
  tcase_add_test(tc, configure_refuses_bad_options);
  tcase_add_test(tc, default_limits_and_rehash_on_login);
  tcase_add_test(tc, login_gives_tokens_for_a_session);
  tcase_add_test(tc, unknown_email_and_wrong_password_look_the_same);
  tcase_add_test(tc, throttling_grows_and_says_when);
  tcase_add_test(tc, throttling_per_client_address);
  tcase_add_test(tc, login_events_never_hold_secrets);
  tcase_add_test(tc, refresh_rotates_and_reuse_revokes_family);
  tcase_add_test(tc, refresh_idle_and_absolute_lifetimes);
  tcase_add_test(tc, sessions_list_revoke_logout);
  tcase_add_test(tc, revocation_seen_by_another_context);
  tcase_add_test(tc, customer_cannot_touch_another_customers_sessions);
  tcase_add_test(tc, change_password_revokes_other_sessions);
  tcase_add_test(tc, roles_and_authorize);
  tcase_add_test(tc, json_login_refresh_verify_logout);
  tcase_add_test(tc, json_set_roles_admin_only);
  tcase_add_test(tc, forget_user_erases_credentials);
  tcase_add_test(tc, older_database_keeps_its_logins);
  tcase_add_test(tc, sweep_deletes_what_expired_and_nothing_else);
  tcase_add_test(tc, sweep_respects_the_limit);
  tcase_add_test(tc, sweep_follows_the_clock_and_retention);
  tcase_add_test(tc, sweep_never_scans_a_table);
  tcase_add_test(tc, json_sweep_system_only);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(auth_suite());
}
