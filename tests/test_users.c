/* Users: registration, e-mail normalisation and uniqueness, verification
 * and reset tokens, profile updates, preferences, addresses, history,
 * export, deletion, authorization and the users.* JSON methods. */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "techcorp/auth.h"
#include "core/internal.h"
#include "users/users_priv.h"

#define T0 1700000000000LL
#define HOUR 3600000LL
#define PW "Tr0ub4dor&3-unique-pw"
#define PW2 "another-Long-passphrase-42"

static tt_clock clk;
static char dir[512];
static tc_ctx *ctx;
static tc_principal sys;

static void setup(void) {
  tt_clock_init(&clk, T0);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  sys = tt_system();
  /* Cheap hashing keeps the suite fast; the policy is unchanged. */
  tc_auth_options ao = TC_AUTH_OPTIONS_INIT;
  ao.pwhash_opslimit = 1;
  ao.pwhash_memlimit = 8192;
  ck_assert_int_eq(tc_auth_configure(ctx, &ao), TC_OK);
  ck_assert_int_eq(tc_events_subscribe(ctx, "t", "users.*"), TC_OK);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
}

/* ---- helpers ---- */

static tc_user reg(const char *email, const char *name) {
  tc_user u;
  int rc = tc_users_register(&u, ctx, NULL, email, PW, name, "pt-BR");
  ck_assert_msg(rc == TC_OK, "register %s: %s", email, tc_errmsg(ctx));
  return u;
}

/* The next event on topic (events of other topics are skipped), parsed;
 * NULL when the queue has none. */
static cJSON *next_event(const char *topic) {
  for (;;) {
    tc_queue_message *m = NULL;
    int rc = tc_events_take(ctx, "t", 60000, &m);
    if (rc == TC_EEMPTY) return NULL;
    ck_assert_int_eq(rc, TC_OK);
    cJSON *j = strcmp(m->topic, topic) ? NULL : cJSON_Parse(m->payload);
    ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
    if (j) return j;
  }
}

static void drain(void) {
  cJSON *j;
  while ((j = next_event("none"))) cJSON_Delete(j);
}

/* The secret token of the next event on topic. */
static void event_token(const char *topic, const char *field, char *out,
                        size_t size) {
  cJSON *j = next_event(topic);
  ck_assert_msg(j != NULL, "no %s event", topic);
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, field);
  ck_assert(cJSON_IsString(t));
  snprintf(out, size, "%s", t->valuestring);
  const cJSON *sec = cJSON_GetObjectItemCaseSensitive(j, "secret_fields");
  ck_assert(cJSON_IsArray(sec));
  ck_assert_str_eq(cJSON_GetArrayItem(sec, 0)->valuestring, field);
  cJSON_Delete(j);
}

static int snap_row(const tc_value *cols, size_t n, void *payload) {
  tc_buf *b = payload;
  char num[32];
  for (size_t i = 0; i < n; i++) {
    if (cols[i].type == TC_VALUE_INT) {
      snprintf(num, sizeof(num), "%lld", (long long)cols[i].v.i);
      tc_buf_puts(b, num);
    } else if (cols[i].type == TC_VALUE_NULL) {
      tc_buf_puts(b, "<null>");
    } else {
      tc_buf_puts(b, tc__col_text(&cols[i]));
    }
    tc_buf_puts(b, "|");
  }
  tc_buf_puts(b, "\n");
  return 0;
}

/* Everything the users module stored, plus the number of events. */
static char *snapshot(void) {
  static const char *const q[] = {
      "SELECT * FROM users_users ORDER BY id",
      "SELECT * FROM users_tokens ORDER BY id",
      "SELECT * FROM users_prefs ORDER BY user_id, key",
      "SELECT * FROM users_addresses ORDER BY id",
      "SELECT * FROM users_history ORDER BY id",
      "SELECT COUNT(*) FROM tc_queue_messages",
  };
  tc_buf b = TC_BUF_INIT;
  for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
    ck_assert_int_eq(tc__db_exec(ctx, q[i], NULL, 0, snap_row, &b, NULL),
                     TC_OK);
  char *s = strdup(b.ptr ? b.ptr : "");
  tc_buf_dispose(&b);
  return s;
}

static void assert_unchanged(const char *before) {
  char *after = snapshot();
  ck_assert_str_eq(before, after);
  free(after);
}

typedef struct {
  int n;
  char fields[64][64];
  char old_v[64][512];
  char new_v[64][512];
  bool old_null[64], new_null[64];
  char actions[64][32];
} hist;

static int hist_cb(const tc_user_change *c, void *payload) {
  hist *h = payload;
  if (h->n >= 64) return 0;
  snprintf(h->fields[h->n], 64, "%s", c->field);
  snprintf(h->actions[h->n], 32, "%s", c->action);
  h->old_null[h->n] = c->old_value == NULL;
  h->new_null[h->n] = c->new_value == NULL;
  snprintf(h->old_v[h->n], 512, "%s", c->old_value ? c->old_value : "");
  snprintf(h->new_v[h->n], 512, "%s", c->new_value ? c->new_value : "");
  h->n++;
  return 0;
}

static void history_of(const char *uid, hist *h) {
  memset(h, 0, sizeof(*h));
  char next[TC_ID_STRLEN + 1];
  ck_assert_int_eq(
      tc_users_history(next, ctx, &sys, uid, NULL, 1000, hist_cb, h), TC_OK);
  ck_assert_str_eq(next, "");
}

/* Index of the last entry for field, -1 if none. */
static int hist_find(const hist *h, const char *field) {
  for (int i = h->n - 1; i >= 0; i--)
    if (!strcmp(h->fields[i], field)) return i;
  return -1;
}

/* ---- e-mail normalisation and registration ---- */

START_TEST(email_is_normalised_and_checked) {
  char out[TC_USERS_EMAIL_MAX + 1];
  ck_assert_int_eq(
      tc__email_normalize(ctx, "  Ana.Silva+x@Example.COM\t", out, sizeof(out)),
      TC_OK);
  ck_assert_str_eq(out, "ana.silva+x@example.com");
  char local65[100], longdom[300];
  memset(local65, 'a', 65);
  snprintf(local65 + 65, sizeof(local65) - 65, "@example.com");
  memset(longdom, 'b', 250);
  snprintf(longdom + 250, sizeof(longdom) - 250, "@x.com");
  const char *bad[] = {"",           "plain",    "a@b",       "@x.com",
                       "a..b@x.com", ".a@x.com", "a.@x.com",  "a@-x.com",
                       "a@x..com",   "a@@x.com", "a b@x.com", "ação@x.com",
                       "a@1.2.3.4",  "a@x.com.", local65,     longdom,
                       "a@x_y.com",  "a\n@x.com"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_msg(
        tc__email_normalize(ctx, bad[i], out, sizeof(out)) == TC_EINVAL,
        "accepted '%s'", bad[i]);
    ck_assert_str_eq(tc_errfield(ctx), "email");
  }
  ck_assert_int_eq(tc__email_normalize(ctx, NULL, out, sizeof(out)), TC_EINVAL);
}
END_TEST

START_TEST(register_creates_customer_with_verification_event) {
  tc_user u = reg("  Maria@Example.com ", "Maria Souza");
  ck_assert_int_eq(tc_id_check(u.id), TC_OK);
  ck_assert_str_eq(u.email, "maria@example.com");
  ck_assert_str_eq(u.locale, "pt-BR");
  ck_assert(!u.email_verified);
  ck_assert_int_eq(u.status, TC_USER_ACTIVE);

  tc_user g;
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_users_get(&g, ctx, &me, u.id), TC_OK);
  ck_assert_str_eq(g.name, "Maria Souza");
  ck_assert_int_eq(g.created_ms, T0);

  uint32_t roles = 0;
  ck_assert_int_eq(tc_auth_get_roles(&roles, ctx, tt_sys(), u.id), TC_OK);
  ck_assert_uint_eq(roles, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_auth_verify_password(ctx, tt_sys(), u.id, PW), TC_OK);

  cJSON *ev = next_event("users.registered");
  ck_assert_ptr_nonnull(ev);
  ck_assert_str_eq(cJSON_GetObjectItem(ev, "user_id")->valuestring, u.id);
  ck_assert_str_eq(cJSON_GetObjectItem(ev, "email")->valuestring,
                   "maria@example.com");
  const char *tok = cJSON_GetObjectItem(ev, "verification_token")->valuestring;
  ck_assert_uint_eq(strlen(tok), 43);
  ck_assert_int_eq((int64_t)cJSON_GetObjectItem(ev, "expires_ms")->valuedouble,
                   T0 + 24 * HOUR);
  ck_assert_ptr_null(cJSON_GetObjectItem(ev, "password"));
  /* Only the token's hash is stored. */
  char *db = snapshot();
  ck_assert_ptr_null(strstr(db, tok));
  ck_assert_ptr_null(strstr(db, PW));
  free(db);
  cJSON_Delete(ev);

  char uid[TC_ID_STRLEN + 1];
  ck_assert_int_eq(tc__users_find_by_email(ctx, "MARIA@example.COM", uid),
                   TC_OK);
  ck_assert_str_eq(uid, u.id);
  tc_user b;
  ck_assert_int_eq(tc_users_get(&b, ctx, tt_sys(), u.id), TC_OK);
  ck_assert(b.status == TC_USER_ACTIVE && !b.email_verified);
  ck_assert_str_eq(b.email, "maria@example.com");
}
END_TEST

START_TEST(email_case_variants_collide) {
  reg("Bob@Example.com", "Bob");
  char *before = snapshot();
  tc_user u;
  ck_assert_int_eq(tc_users_register(&u, ctx, NULL, " bob@EXAMPLE.COM", PW,
                                     "Other Bob", NULL),
                   TC_ECONFLICT);
  ck_assert_str_eq(tc_errfield(ctx), "email");
  assert_unchanged(before);
  free(before);
}
END_TEST

START_TEST(bad_registration_leaves_database_unchanged) {
  reg("first@example.com", "First");
  char *before = snapshot();
  tc_user u;
  struct {
    const char *email, *pw, *name, *locale, *field;
  } cases[] = {
      {"not-an-email", PW, "N", NULL, "email"},
      {"x@example.com", PW, "", NULL, "name"},
      {"x@example.com", PW, "bad\x01name", NULL, "name"},
      {"x@example.com", PW, "\xff\xfe", NULL, "name"},
      {"x@example.com", PW, "N", "portuguese!", "locale"},
      {"x@example.com", "short", "N", NULL, "password"},
      {"x@example.com", "", "N", NULL, "password"},
      {"x@example.com", NULL, "N", NULL, "password"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = tc_users_register(&u, ctx, NULL, cases[i].email, cases[i].pw,
                               cases[i].name, cases[i].locale);
    ck_assert_msg(rc == TC_EINVAL, "case %zu gave %d", i, rc);
    ck_assert_str_eq(tc_errfield(ctx), cases[i].field);
    ck_assert_ptr_null(strstr(tc_errmsg(ctx), "short"));
  }
  assert_unchanged(before);
  free(before);
}
END_TEST

/* ---- e-mail verification ---- */

START_TEST(verification_token_is_single_use) {
  tc_user u = reg("v@example.com", "V");
  char tok[64];
  event_token("users.registered", "verification_token", tok, sizeof(tok));
  char *before = snapshot();
  ck_assert_int_eq(tc_users_verify_email(NULL, ctx, "short"), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "token");
  ck_assert_int_eq(tc_users_verify_email(NULL, ctx, NULL), TC_EINVAL);
  char other[64];
  snprintf(other, sizeof(other), "%s", tok);
  other[0] = other[0] == 'A' ? 'B' : 'A';
  ck_assert_int_eq(tc_users_verify_email(NULL, ctx, other), TC_ENOTFOUND);
  ck_assert_str_eq(tc_errfield(ctx), "token");
  assert_unchanged(before);
  free(before);

  tc_user v;
  ck_assert_int_eq(tc_users_verify_email(&v, ctx, tok), TC_OK);
  ck_assert(v.email_verified);
  ck_assert_str_eq(v.id, u.id);
  cJSON *ev = next_event("users.email_verified");
  ck_assert_ptr_nonnull(ev);
  cJSON_Delete(ev);
  ck_assert_int_eq(tc_users_verify_email(NULL, ctx, tok), TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "already used"));
  ck_assert_ptr_null(strstr(tc_errmsg(ctx), tok));

  hist h;
  history_of(u.id, &h);
  int i = hist_find(&h, "email_verified");
  ck_assert_int_ge(i, 0);
  ck_assert_str_eq(h.old_v[i], "false");
  ck_assert_str_eq(h.new_v[i], "true");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_users_send_verification(ctx, &me, u.id), TC_ESTATE);
}
END_TEST

START_TEST(verification_token_expires_and_is_replaced) {
  tc_user u = reg("exp@example.com", "E");
  char tok[64], tok2[64], tok3[64];
  event_token("users.registered", "verification_token", tok, sizeof(tok));
  clk.now = T0 + 24 * HOUR;
  ck_assert_int_eq(tc_users_verify_email(NULL, ctx, tok), TC_EEXPIRED);
  ck_assert_str_eq(tc_errfield(ctx), "token");

  tc_users_options o = TC_USERS_OPTIONS_INIT;
  o.verify_ttl_ms = HOUR;
  ck_assert_int_eq(tc_users_configure(ctx, &o), TC_OK);
  o.reset_ttl_ms = 0;
  ck_assert_int_eq(tc_users_configure(ctx, &o), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "reset_ttl_ms");

  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  ck_assert_int_eq(tc_users_send_verification(ctx, &me, u.id), TC_OK);
  event_token("users.verification_requested", "verification_token", tok2,
              sizeof(tok2));
  ck_assert_int_eq(tc_users_send_verification(ctx, &me, u.id), TC_OK);
  event_token("users.verification_requested", "verification_token", tok3,
              sizeof(tok3));
  ck_assert_str_ne(tok2, tok3);
  /* A newer token replaces the older one. */
  ck_assert_int_eq(tc_users_verify_email(NULL, ctx, tok2), TC_ESTATE);
  clk.now += HOUR - 1;
  tc_user v;
  ck_assert_int_eq(tc_users_verify_email(&v, ctx, tok3), TC_OK);
  ck_assert(v.email_verified);
}
END_TEST

/* ---- password reset ---- */

START_TEST(password_reset_flow_revokes_sessions) {
  tc_user u = reg("reset@example.com", "R");
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "reset@example.com", PW, NULL),
                   TC_OK);
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t.access_token), TC_OK);
  drain();

  /* An unknown address gets the same answer and no event. */
  char *before = snapshot();
  ck_assert_int_eq(tc_users_request_password_reset(ctx, "nobody@example.com"),
                   TC_OK);
  ck_assert_str_eq(tc_errmsg(ctx), "");
  assert_unchanged(before);
  free(before);
  ck_assert_int_eq(tc_users_request_password_reset(ctx, "nope"), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "email");

  ck_assert_int_eq(tc_users_request_password_reset(ctx, " RESET@example.com"),
                   TC_OK);
  char tok[64];
  event_token("users.password_reset_requested", "reset_token", tok,
              sizeof(tok));

  /* A password the policy refuses keeps the token usable. */
  before = snapshot();
  ck_assert_int_eq(tc_users_reset_password(ctx, tok, "short"), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "password");
  assert_unchanged(before);
  free(before);

  ck_assert_int_eq(tc_users_reset_password(ctx, tok, PW2), TC_OK);
  ck_assert_int_eq(tc_auth_verify_password(ctx, tt_sys(), u.id, PW2), TC_OK);
  ck_assert_int_eq(tc_auth_verify_password(ctx, tt_sys(), u.id, PW),
                   TC_EUNAUTHENTICATED);
  /* The session of before the reset is gone. */
  ck_assert_int_ne(tc_auth_verify_token(&p, NULL, ctx, t.access_token), TC_OK);
  tc_auth_tokens t2;
  ck_assert_int_ne(tc_auth_refresh(&t2, ctx, t.refresh_token, NULL), TC_OK);
  cJSON *ev = next_event("users.password_reset");
  ck_assert_ptr_nonnull(ev);
  ck_assert_str_eq(cJSON_GetObjectItem(ev, "user_id")->valuestring, u.id);
  cJSON_Delete(ev);
  ck_assert_int_eq(tc_users_reset_password(ctx, tok, PW), TC_ESTATE);

  /* Reset tokens live an hour. */
  ck_assert_int_eq(tc_users_request_password_reset(ctx, "reset@example.com"),
                   TC_OK);
  event_token("users.password_reset_requested", "reset_token", tok,
              sizeof(tok));
  clk.now += HOUR;
  ck_assert_int_eq(tc_users_reset_password(ctx, tok, PW), TC_EEXPIRED);

  hist h;
  history_of(u.id, &h);
  int i = hist_find(&h, "password");
  ck_assert_int_ge(i, 0);
  ck_assert_str_eq(h.actions[i], "password_reset");
  ck_assert(h.old_null[i] && h.new_null[i]);
}
END_TEST

/* ---- e-mail change ---- */

START_TEST(email_change_needs_reverification) {
  tc_user u = reg("old@example.com", "Old");
  reg("taken@example.com", "Taken");
  drain();
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  char *before = snapshot();
  ck_assert_int_eq(
      tc_users_change_email(ctx, &me, u.id, "new@example.com", NULL),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "password");
  ck_assert_int_eq(tc_users_change_email(ctx, &me, u.id, "new@example.com",
                                         "wrong-password-123"),
                   TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_errfield(ctx), "password");
  ck_assert_int_eq(
      tc_users_change_email(ctx, &me, u.id, "Taken@Example.com", PW),
      TC_ECONFLICT);
  ck_assert_str_eq(tc_errfield(ctx), "email");
  ck_assert_int_eq(tc_users_change_email(ctx, &me, u.id, "bad@", PW),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "email");
  assert_unchanged(before);
  free(before);

  ck_assert_int_eq(tc_users_change_email(ctx, &me, u.id, "New@Example.com", PW),
                   TC_OK);
  cJSON *ev = next_event("users.email_change_requested");
  ck_assert_str_eq(cJSON_GetObjectItem(ev, "email")->valuestring,
                   "new@example.com");
  char tok[64];
  snprintf(tok, sizeof(tok), "%s",
           cJSON_GetObjectItem(ev, "verification_token")->valuestring);
  cJSON_Delete(ev);
  tc_user g;
  ck_assert_int_eq(tc_users_get(&g, ctx, &me, u.id), TC_OK);
  ck_assert_str_eq(g.email, "old@example.com"); /* not yet */

  ck_assert_int_eq(tc_users_confirm_email_change(&g, ctx, tok), TC_OK);
  ck_assert_str_eq(g.email, "new@example.com");
  ck_assert(g.email_verified);
  char uid[TC_ID_STRLEN + 1];
  ck_assert_int_eq(tc__users_find_by_email(ctx, "new@example.com", uid), TC_OK);
  ck_assert_int_eq(tc__users_find_by_email(ctx, "old@example.com", uid),
                   TC_ENOTFOUND);
  /* The login moves with the address (auth keeps its copy in step). */
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "new@example.com", PW, NULL), TC_OK);
  ck_assert_int_eq(tc_auth_login(&t, ctx, "old@example.com", PW, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_users_confirm_email_change(&g, ctx, tok), TC_ESTATE);
  hist h;
  history_of(u.id, &h);
  int i = hist_find(&h, "email");
  ck_assert_str_eq(h.actions[i], "email_changed");
  ck_assert_str_eq(h.old_v[i], "old@example.com");
  ck_assert_str_eq(h.new_v[i], "new@example.com");
}
END_TEST

/* ---- profile updates and history ---- */

START_TEST(update_records_old_and_new_values) {
  tc_user u = reg("upd@example.com", "Before Name");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_user_changes ch = TC_USER_CHANGES_INIT;
  ch.name = "After Name";
  ch.phone = "+55 (11) 98765-4321";
  tc_user out;
  ck_assert_int_eq(tc_users_update(&out, ctx, &me, u.id, &ch), TC_OK);
  ck_assert_str_eq(out.name, "After Name");
  ck_assert_str_eq(out.phone, "+5511987654321");
  ck_assert_str_eq(out.locale, "pt-BR");

  char *before = snapshot();
  tc_user_changes bad = TC_USER_CHANGES_INIT;
  bad.name = "Fine";
  bad.phone = "12345";
  ck_assert_int_eq(tc_users_update(&out, ctx, &me, u.id, &bad), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "phone");
  bad.phone = NULL;
  bad.locale = "x";
  ck_assert_int_eq(tc_users_update(&out, ctx, &me, u.id, &bad), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "locale");
  ck_assert_int_eq(tc_users_update(&out, ctx, &me, "nope", &ch), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "user_id");
  /* No change, no history. */
  ck_assert_int_eq(tc_users_update(&out, ctx, &me, u.id, &ch), TC_OK);
  assert_unchanged(before);
  free(before);

  tc_user_changes clear = TC_USER_CHANGES_INIT;
  clear.phone = "";
  ck_assert_int_eq(tc_users_update(&out, ctx, &me, u.id, &clear), TC_OK);
  ck_assert_str_eq(out.phone, "");

  hist h;
  history_of(u.id, &h);
  int i = hist_find(&h, "name");
  ck_assert_str_eq(h.actions[i], "updated");
  ck_assert_str_eq(h.old_v[i], "Before Name");
  ck_assert_str_eq(h.new_v[i], "After Name");
  i = hist_find(&h, "phone");
  ck_assert_str_eq(h.old_v[i], "+5511987654321");
  ck_assert(h.new_null[i]);
  cJSON *ev = next_event("users.updated");
  ck_assert_ptr_nonnull(ev);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ev, "fields")), 2);
  cJSON_Delete(ev);
}
END_TEST

START_TEST(history_pages_and_never_holds_a_password) {
  tc_user u = reg("hist@example.com", "H0");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  char name[16];
  for (int i = 1; i <= 6; i++) {
    tc_user_changes ch = TC_USER_CHANGES_INIT;
    snprintf(name, sizeof(name), "H%d", i);
    ch.name = name;
    ck_assert_int_eq(tc_users_update(NULL, ctx, &me, u.id, &ch), TC_OK);
  }
  char tok[64];
  ck_assert_int_eq(tc_users_request_password_reset(ctx, "hist@example.com"),
                   TC_OK);
  event_token("users.password_reset_requested", "reset_token", tok,
              sizeof(tok));
  ck_assert_int_eq(tc_users_reset_password(ctx, tok, PW2), TC_OK);

  hist all;
  history_of(u.id, &all);
  ck_assert_int_eq(all.n, 5 + 6 + 1); /* registration, updates, reset */
  /* Pages of 5 walk the same entries, in order, without repeats. */
  hist paged;
  memset(&paged, 0, sizeof(paged));
  char after[TC_ID_STRLEN + 1] = "", next[TC_ID_STRLEN + 1];
  int pages = 0;
  do {
    ck_assert_int_eq(
        tc_users_history(next, ctx, &me, u.id, after, 5, hist_cb, &paged),
        TC_OK);
    memcpy(after, next, sizeof(after));
    pages++;
  } while (next[0]);
  ck_assert_int_eq(pages, 3);
  ck_assert_int_eq(paged.n, all.n);
  for (int i = 0; i < all.n; i++) {
    ck_assert_str_eq(paged.fields[i], all.fields[i]);
    ck_assert_str_eq(paged.new_v[i], all.new_v[i]);
    ck_assert_ptr_null(strstr(all.old_v[i], "pw"));
    ck_assert_ptr_null(strstr(all.new_v[i], "passphrase"));
    if (!strcmp(all.fields[i], "password"))
      ck_assert(all.old_null[i] && all.new_null[i]);
  }
  ck_assert_int_eq(
      tc_users_history(next, ctx, &me, u.id, NULL, 0, hist_cb, &paged),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "limit");
  ck_assert_int_eq(
      tc_users_history(next, ctx, &me, u.id, "garbage", 5, hist_cb, &paged),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "after");
  char *db = snapshot();
  ck_assert_ptr_null(strstr(db, PW));
  ck_assert_ptr_null(strstr(db, PW2));
  free(db);
}
END_TEST

/* ---- preferences ---- */

typedef struct {
  int n;
  char keys[16][32];
  char vals[16][64];
} prefs_seen;

static int pref_cb(const tc_user_pref *p, void *payload) {
  prefs_seen *s = payload;
  snprintf(s->keys[s->n], 32, "%s", p->key);
  snprintf(s->vals[s->n], 64, "%s",
           p->type == TC_PREF_BOOL ? (p->b ? "true" : "false") : p->str);
  s->n++;
  return 0;
}

START_TEST(preferences_are_typed) {
  tc_user u = reg("prefs@example.com", "P");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_user_pref set[] = {
      {"currency", TC_PREF_STRING, "BRL", false, false},
      {"marketing_opt_in", TC_PREF_BOOL, NULL, true, false},
      {"timezone", TC_PREF_STRING, "America/Sao_Paulo", false, false},
      {"opt_out_sms", TC_PREF_BOOL, NULL, true, false},
  };
  ck_assert_int_eq(tc_users_set_prefs(ctx, &me, u.id, set, 4), TC_OK);
  prefs_seen s = {0};
  ck_assert_int_eq(tc_users_get_prefs(ctx, &me, u.id, pref_cb, &s), TC_OK);
  ck_assert_int_eq(s.n, 5);
  ck_assert_str_eq(s.keys[0], "currency");
  ck_assert_str_eq(s.vals[0], "BRL");
  ck_assert_str_eq(s.keys[1], "locale");
  ck_assert_str_eq(s.vals[1], "pt-BR");
  ck_assert_str_eq(s.keys[2], "marketing_opt_in");
  ck_assert_str_eq(s.vals[2], "true");

  char *before = snapshot();
  struct {
    tc_user_pref p;
    const char *field;
  } bad[] = {
      {{"marketing_opt_in", TC_PREF_STRING, "yes", false, false},
       "preferences.marketing_opt_in"},
      {{"currency", TC_PREF_STRING, "XXZ", false, false},
       "preferences.currency"},
      {{"currency", TC_PREF_BOOL, NULL, true, false}, "preferences.currency"},
      {{"timezone", TC_PREF_STRING, "not a zone", false, false},
       "preferences.timezone"},
      {{"favourite_colour", TC_PREF_STRING, "blue", false, false},
       "preferences.favourite_colour"},
      {{"locale", TC_PREF_STRING, NULL, false, true}, "preferences.locale"},
      {{"locale", TC_PREF_STRING, "english please", false, false},
       "preferences.locale"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    /* A good preference beside a bad one: all or nothing. */
    tc_user_pref two[] = {{"opt_out_push", TC_PREF_BOOL, NULL, true, false},
                          bad[i].p};
    ck_assert_int_eq(tc_users_set_prefs(ctx, &me, u.id, two, 2), TC_EINVAL);
    ck_assert_str_eq(tc_errfield(ctx), bad[i].field);
  }
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "locale"));
  tc_user_pref dup[] = {{"currency", TC_PREF_STRING, "USD", false, false},
                        {"currency", TC_PREF_STRING, "EUR", false, false}};
  ck_assert_int_eq(tc_users_set_prefs(ctx, &me, u.id, dup, 2), TC_EINVAL);
  assert_unchanged(before);
  free(before);

  /* locale is the profile's; unset removes; history has old and new. */
  tc_user_pref more[] = {{"locale", TC_PREF_STRING, "en-GB", false, false},
                         {"currency", TC_PREF_STRING, NULL, false, true}};
  ck_assert_int_eq(tc_users_set_prefs(ctx, &me, u.id, more, 2), TC_OK);
  tc_user g;
  ck_assert_int_eq(tc_users_get(&g, ctx, &me, u.id), TC_OK);
  ck_assert_str_eq(g.locale, "en-GB");
  memset(&s, 0, sizeof(s));
  ck_assert_int_eq(tc_users_get_prefs(ctx, &me, u.id, pref_cb, &s), TC_OK);
  ck_assert_str_eq(s.keys[0], "locale");
  hist h;
  history_of(u.id, &h);
  int i = hist_find(&h, "preferences.currency");
  ck_assert_str_eq(h.old_v[i], "BRL");
  ck_assert(h.new_null[i]);
  char val[64];
  ck_assert_int_eq(
      tc__users_get_pref(ctx, u.id, "opt_out_sms", val, sizeof(val)), TC_OK);
  ck_assert_str_eq(val, "true");
  ck_assert_int_eq(tc__users_get_pref(ctx, u.id, "locale", val, sizeof(val)),
                   TC_OK);
  ck_assert_str_eq(val, "en-GB");
  ck_assert_int_eq(
      tc__users_get_pref(ctx, u.id, "opt_out_push", val, sizeof(val)),
      TC_ENOTFOUND);
  ck_assert_int_eq(tc__users_get_pref(ctx, u.id, "shoe", val, sizeof(val)),
                   TC_EINVAL);
  tc_pref_type t;
  ck_assert_int_eq(tc_users_pref_type(&t, "marketing_opt_in"), TC_OK);
  ck_assert_int_eq(t, TC_PREF_BOOL);
  ck_assert_int_eq(tc_users_pref_type(&t, "nope"), TC_EINVAL);
}
END_TEST

/* ---- addresses ---- */

typedef struct {
  int n, ship, bill;
  char ship_id[TC_ID_STRLEN + 1], bill_id[TC_ID_STRLEN + 1];
} addr_seen;

static int addr_cb(const tc_address *a, void *payload) {
  addr_seen *s = payload;
  s->n++;
  if (a->default_shipping) {
    s->ship++;
    memcpy(s->ship_id, a->id, sizeof(s->ship_id));
  }
  if (a->default_billing) {
    s->bill++;
    memcpy(s->bill_id, a->id, sizeof(s->bill_id));
  }
  return 0;
}

static addr_seen addresses_of(const char *uid) {
  addr_seen s;
  memset(&s, 0, sizeof(s));
  ck_assert_int_eq(tc_users_list_addresses(ctx, &sys, uid, addr_cb, &s), TC_OK);
  /* The invariant: exactly one default of each whenever any exist. */
  ck_assert_int_eq(s.ship, s.n ? 1 : 0);
  ck_assert_int_eq(s.bill, s.n ? 1 : 0);
  return s;
}

static tc_address_fields home(void) {
  tc_address_fields f = TC_ADDRESS_FIELDS_INIT;
  f.label = "home";
  f.recipient = "Maria Souza";
  f.line1 = "Rua Augusta, 1000";
  f.line2 = "apto 12";
  f.city = "Sao Paulo";
  f.region = "SP";
  f.postal_code = "01305-100";
  f.country = "br";
  return f;
}

START_TEST(address_defaults_keep_their_invariant) {
  tc_user u = reg("addr@example.com", "A");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_address a, b, c;
  tc_address_fields f = home();
  ck_assert_int_eq(tc_users_add_address(&a, ctx, &me, u.id, &f), TC_OK);
  ck_assert_str_eq(a.country, "BR");
  ck_assert(a.default_shipping && a.default_billing);
  f.label = "work";
  f.default_shipping = 1;
  ck_assert_int_eq(tc_users_add_address(&b, ctx, &me, u.id, &f), TC_OK);
  addr_seen s = addresses_of(u.id);
  ck_assert_int_eq(s.n, 2);
  ck_assert_str_eq(s.ship_id, b.id);
  ck_assert_str_eq(s.bill_id, a.id);
  f.label = "other";
  f.default_shipping = -1;
  f.default_billing = 0;
  ck_assert_int_eq(tc_users_add_address(&c, ctx, &me, u.id, &f), TC_OK);
  ck_assert(!c.default_shipping && !c.default_billing);

  char *before = snapshot();
  tc_address_fields off = TC_ADDRESS_FIELDS_INIT;
  off.default_billing = 0;
  ck_assert_int_eq(tc_users_update_address(NULL, ctx, &me, a.id, &off),
                   TC_ESTATE);
  ck_assert_str_eq(tc_errfield(ctx), "default_billing");
  tc_address_fields badf = home();
  badf.country = "XX";
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &badf),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "country");
  badf = home();
  badf.recipient = NULL;
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &badf),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "recipient");
  badf = home();
  badf.phone = "call me";
  ck_assert_int_eq(tc_users_update_address(NULL, ctx, &me, a.id, &badf),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "phone");
  badf = home();
  badf.city = "   ";
  ck_assert_int_eq(tc_users_update_address(NULL, ctx, &me, a.id, &badf),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "city");
  badf = home();
  badf.default_shipping = 7;
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &badf),
                   TC_EINVAL);
  ck_assert_int_eq(tc_users_delete_address(ctx, &me, "nope"), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "address_id");
  assert_unchanged(before);
  free(before);

  /* Moving the billing default; deleting a default promotes the oldest. */
  tc_address_fields mv = TC_ADDRESS_FIELDS_INIT;
  mv.default_billing = 1;
  mv.city = "Campinas";
  tc_address got;
  ck_assert_int_eq(tc_users_update_address(&got, ctx, &me, c.id, &mv), TC_OK);
  ck_assert_str_eq(got.city, "Campinas");
  s = addresses_of(u.id);
  ck_assert_str_eq(s.bill_id, c.id);
  ck_assert_int_eq(tc_users_delete_address(ctx, &me, b.id), TC_OK);
  s = addresses_of(u.id);
  ck_assert_int_eq(s.n, 2);
  ck_assert_str_eq(s.ship_id, a.id);
  ck_assert_int_eq(tc_users_delete_address(ctx, &me, c.id), TC_OK);
  s = addresses_of(u.id);
  ck_assert_str_eq(s.bill_id, a.id);
  ck_assert_int_eq(tc_users_delete_address(ctx, &me, a.id), TC_OK);
  s = addresses_of(u.id);
  ck_assert_int_eq(s.n, 0);
  ck_assert_int_eq(tc_users_delete_address(ctx, &me, a.id), TC_ENOTFOUND);

  hist h;
  history_of(u.id, &h);
  char field[64];
  snprintf(field, sizeof(field), "addresses.%s", c.id);
  int i = hist_find(&h, field);
  ck_assert_str_eq(h.actions[i], "address_deleted");
  ck_assert_ptr_nonnull(strstr(h.old_v[i], "Campinas"));
  ck_assert(h.new_null[i]);

  tc_users_options o = TC_USERS_OPTIONS_INIT;
  o.max_addresses = 1;
  ck_assert_int_eq(tc_users_configure(ctx, &o), TC_OK);
  f = home();
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &f), TC_OK);
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &f), TC_ELIMIT);
}
END_TEST

/* ---- export and deletion ---- */

START_TEST(export_holds_everything) {
  tc_user u = reg("export@example.com", "Exporter");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_address_fields f = home();
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &f), TC_OK);
  tc_user_pref p = {"currency", TC_PREF_STRING, "EUR", false, false};
  ck_assert_int_eq(tc_users_set_prefs(ctx, &me, u.id, &p, 1), TC_OK);
  tc_auth_tokens t;
  tc_auth_client cl = {"203.0.113.7", "demo-agent/1.0"};
  ck_assert_int_eq(tc_auth_login(&t, ctx, "export@example.com", PW, &cl),
                   TC_OK);
  tc_buf out = TC_BUF_INIT;
  ck_assert_int_eq(tc_users_export(&out, ctx, &me, u.id), TC_OK);
  cJSON *doc = cJSON_Parse(out.ptr);
  ck_assert_ptr_nonnull(doc);
  cJSON *user = cJSON_GetObjectItem(doc, "user");
  ck_assert_str_eq(cJSON_GetObjectItem(user, "email")->valuestring,
                   "export@example.com");
  cJSON *prefs = cJSON_GetObjectItem(doc, "preferences");
  ck_assert_str_eq(cJSON_GetObjectItem(prefs, "currency")->valuestring, "EUR");
  ck_assert_str_eq(cJSON_GetObjectItem(prefs, "locale")->valuestring, "pt-BR");
  cJSON *addrs = cJSON_GetObjectItem(doc, "addresses");
  ck_assert_int_eq(cJSON_GetArraySize(addrs), 1);
  ck_assert_str_eq(
      cJSON_GetObjectItem(cJSON_GetArrayItem(addrs, 0), "city")->valuestring,
      "Sao Paulo");
  hist h;
  history_of(u.id, &h);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")),
                   h.n);
  ck_assert(cJSON_IsArray(cJSON_GetObjectItem(doc, "not_included")));
  cJSON *sessions = cJSON_GetObjectItem(doc, "sessions");
  ck_assert_int_eq(cJSON_GetArraySize(sessions), 1);
  ck_assert_str_eq(
      cJSON_GetObjectItem(cJSON_GetArrayItem(sessions, 0), "ip")->valuestring,
      "203.0.113.7");
  cJSON *roles = cJSON_GetObjectItem(doc, "roles");
  ck_assert_int_eq(cJSON_GetArraySize(roles), 1);
  ck_assert_str_eq(cJSON_GetArrayItem(roles, 0)->valuestring, "customer");
  ck_assert_ptr_null(strstr(out.ptr, PW));
  cJSON_Delete(doc);
  tc_buf_dispose(&out);
}
END_TEST

START_TEST(deletion_anonymises) {
  tc_user u = reg("gone@example.com", "Gone Person");
  tc_principal me = tt_user(u.id, TC_ROLE_CUSTOMER);
  tc_user_changes ch = TC_USER_CHANGES_INIT;
  ch.phone = "+5511912345678";
  ck_assert_int_eq(tc_users_update(NULL, ctx, &me, u.id, &ch), TC_OK);
  tc_address_fields f = home();
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &me, u.id, &f), TC_OK);
  tc_user_pref p = {"marketing_opt_in", TC_PREF_BOOL, NULL, true, false};
  ck_assert_int_eq(tc_users_set_prefs(ctx, &me, u.id, &p, 1), TC_OK);
  drain();

  ck_assert_int_eq(tc_users_delete(ctx, &me, u.id), TC_OK);
  cJSON *ev = next_event("users.deleted");
  ck_assert_ptr_nonnull(ev);
  ck_assert_int_eq(cJSON_GetArraySize(ev), 1); /* the id only */
  ck_assert_str_eq(cJSON_GetObjectItem(ev, "user_id")->valuestring, u.id);
  cJSON_Delete(ev);

  tc_user g;
  ck_assert_int_eq(tc_users_get(&g, ctx, &sys, u.id), TC_OK);
  ck_assert_int_eq(g.status, TC_USER_DELETED);
  ck_assert_ptr_null(strstr(g.email, "gone"));
  ck_assert_ptr_nonnull(strstr(g.email, u.id));
  ck_assert_str_eq(g.name, "");
  ck_assert_str_eq(g.phone, "");
  char uid[TC_ID_STRLEN + 1];
  ck_assert_int_eq(tc__users_find_by_email(ctx, "gone@example.com", uid),
                   TC_ENOTFOUND);
  ck_assert_int_eq(tc_users_find_by_email(&g, ctx, &sys, "gone@example.com"),
                   TC_ENOTFOUND);
  tc_auth_tokens t;
  ck_assert_int_eq(tc_auth_login(&t, ctx, "gone@example.com", PW, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_auth_verify_password(ctx, tt_sys(), u.id, PW),
                   TC_EUNAUTHENTICATED);
  addr_seen s = addresses_of(u.id);
  ck_assert_int_eq(s.n, 0);
  prefs_seen ps = {0};
  ck_assert_int_eq(tc_users_get_prefs(ctx, &sys, u.id, pref_cb, &ps), TC_OK);
  ck_assert_int_eq(ps.n, 0);
  char *db = snapshot();
  ck_assert_ptr_null(strstr(db, "Gone Person"));
  ck_assert_ptr_null(strstr(db, "gone@example.com"));
  ck_assert_ptr_null(strstr(db, "5511912345678"));
  ck_assert_ptr_null(strstr(db, "Augusta"));
  free(db);
  hist h;
  history_of(u.id, &h);
  for (int i = 0; i < h.n; i++) ck_assert(h.old_null[i] && h.new_null[i]);
  ck_assert_str_eq(h.actions[h.n - 1], "deleted");

  /* Nothing more can happen to it; its address is free again. */
  ck_assert_int_eq(tc_users_delete(ctx, &sys, u.id), TC_ENOTFOUND);
  ck_assert_int_eq(tc_users_update(NULL, ctx, &sys, u.id, &ch), TC_ENOTFOUND);
  tc_user again = reg("gone@example.com", "New Person");
  ck_assert_str_ne(again.id, u.id);
}
END_TEST

/* ---- authorization ---- */

START_TEST(customer_cannot_touch_another_customer) {
  tc_user a = reg("a@example.com", "A");
  tc_user b = reg("b@example.com", "B");
  tc_principal pa = tt_user(a.id, TC_ROLE_CUSTOMER);
  tc_principal sup = tt_user(a.id, TC_ROLE_SUPPORT);
  snprintf(sup.user_id, sizeof(sup.user_id), "%s",
           "0190c9e2-8a6b-7c3d-9e4f-0123456789ab");
  tc_principal anon = TC_PRINCIPAL_INIT;
  tc_address addr;
  tc_address_fields f = home();
  ck_assert_int_eq(tc_users_add_address(&addr, ctx, &sys, b.id, &f), TC_OK);
  char *before = snapshot();

  tc_user g;
  tc_user_changes ch = TC_USER_CHANGES_INIT;
  ch.name = "Hacked";
  tc_user_pref p = {"currency", TC_PREF_STRING, "USD", false, false};
  tc_buf out = TC_BUF_INIT;
  char next[TC_ID_STRLEN + 1];
  hist h;
  prefs_seen ps = {0};
  ck_assert_int_eq(tc_users_get(&g, ctx, &pa, b.id), TC_EDENIED);
  ck_assert_int_eq(tc_users_update(&g, ctx, &pa, b.id, &ch), TC_EDENIED);
  ck_assert_int_eq(tc_users_delete(ctx, &pa, b.id), TC_EDENIED);
  ck_assert_int_eq(tc_users_set_prefs(ctx, &pa, b.id, &p, 1), TC_EDENIED);
  ck_assert_int_eq(tc_users_get_prefs(ctx, &pa, b.id, pref_cb, &ps),
                   TC_EDENIED);
  ck_assert_int_eq(
      tc_users_history(next, ctx, &pa, b.id, NULL, 10, hist_cb, &h),
      TC_EDENIED);
  ck_assert_int_eq(tc_users_export(&out, ctx, &pa, b.id), TC_EDENIED);
  ck_assert_ptr_null(out.ptr);
  ck_assert_int_eq(tc_users_add_address(NULL, ctx, &pa, b.id, &f), TC_EDENIED);
  ck_assert_int_eq(tc_users_update_address(NULL, ctx, &pa, addr.id, &f),
                   TC_EDENIED);
  ck_assert_int_eq(tc_users_delete_address(ctx, &pa, addr.id), TC_EDENIED);
  ck_assert_int_eq(
      tc_users_list_addresses(ctx, &pa, b.id, addr_cb, &(addr_seen){0}),
      TC_EDENIED);
  ck_assert_int_eq(tc_users_change_email(ctx, &pa, b.id, "x@example.com", PW),
                   TC_EDENIED);
  ck_assert_int_eq(tc_users_send_verification(ctx, &pa, b.id), TC_EDENIED);
  ck_assert_int_eq(tc_users_list(next, ctx, &pa, NULL, NULL, 10, NULL, NULL),
                   TC_EDENIED);
  ck_assert_int_eq(tc_users_find_by_email(&g, ctx, &pa, "b@example.com"),
                   TC_EDENIED);
  ck_assert_int_eq(tc_users_set_roles(ctx, &pa, a.id, TC_ROLE_ADMIN),
                   TC_EDENIED);
  ck_assert_int_eq(tc_users_get(&g, ctx, &anon, b.id), TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_users_get(&g, ctx, NULL, b.id), TC_EUNAUTHENTICATED);
  /* Support reads everything and changes nothing. */
  ck_assert_int_eq(tc_users_get(&g, ctx, &sup, b.id), TC_OK);
  ck_assert_int_eq(tc_users_export(&out, ctx, &sup, b.id), TC_OK);
  ck_assert_int_eq(tc_users_update(&g, ctx, &sup, b.id, &ch), TC_EDENIED);
  ck_assert_int_eq(tc_users_set_roles(ctx, &sup, b.id, TC_ROLE_ADMIN),
                   TC_EDENIED);
  tc_buf_dispose(&out);
  assert_unchanged(before);
  free(before);
}
END_TEST

/* ---- admin: roles and listing ---- */

static int count_cb(const tc_user *u, void *payload) {
  (void)u;
  (*(int *)payload)++;
  return 0;
}

START_TEST(admin_lists_and_sets_roles) {
  char email[64];
  tc_user first = reg("zz-first@example.com", "F");
  for (int i = 0; i < 7; i++) {
    clk.now += 1000;
    snprintf(email, sizeof(email), "user%d@example.com", i);
    reg(email, "U");
  }
  tc_principal admin = tt_user(first.id, TC_ROLE_ADMIN);
  tc_principal sup = tt_user(first.id, TC_ROLE_SUPPORT);
  int n = 0, pages = 0;
  char after[TC_ID_STRLEN + 1] = "", next[TC_ID_STRLEN + 1];
  do {
    ck_assert_int_eq(
        tc_users_list(next, ctx, &sup, NULL, after, 3, count_cb, &n), TC_OK);
    memcpy(after, next, sizeof(after));
    pages++;
  } while (next[0]);
  ck_assert_int_eq(n, 8);
  ck_assert_int_eq(pages, 3);

  tc_users_filter f = TC_USERS_FILTER_INIT;
  f.email_prefix = "USER";
  n = 0;
  ck_assert_int_eq(tc_users_list(next, ctx, &sup, &f, NULL, 100, count_cb, &n),
                   TC_OK);
  ck_assert_int_eq(n, 7);
  f.email_prefix = "user_"; /* '_' is not a wildcard */
  n = 0;
  ck_assert_int_eq(tc_users_list(next, ctx, &sup, &f, NULL, 100, count_cb, &n),
                   TC_OK);
  ck_assert_int_eq(n, 0);
  f.email_prefix = NULL;
  f.created_from_ms = T0 + 2000;
  f.created_to_ms = T0 + 4000;
  n = 0;
  ck_assert_int_eq(tc_users_list(next, ctx, &sup, &f, NULL, 100, count_cb, &n),
                   TC_OK);
  ck_assert_int_eq(n, 2);
  f = (tc_users_filter)TC_USERS_FILTER_INIT;
  f.status = TC_USER_DELETED;
  n = 0;
  ck_assert_int_eq(tc_users_list(next, ctx, &sup, &f, NULL, 100, count_cb, &n),
                   TC_OK);
  ck_assert_int_eq(n, 0);
  ck_assert_int_eq(tc_users_list(next, ctx, &sup, NULL, NULL, 0, count_cb, &n),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "limit");

  tc_user found;
  ck_assert_int_eq(
      tc_users_find_by_email(&found, ctx, &sup, "USER3@example.com"), TC_OK);
  ck_assert_int_eq(tc_users_set_roles(ctx, &admin, found.id,
                                      TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT),
                   TC_OK);
  uint32_t roles = 0;
  ck_assert_int_eq(tc_auth_get_roles(&roles, ctx, tt_sys(), found.id), TC_OK);
  ck_assert_uint_eq(roles, TC_ROLE_CUSTOMER | TC_ROLE_SUPPORT);
  ck_assert_int_eq(tc_users_set_roles(ctx, &admin, found.id, 0), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "roles");
  hist h;
  history_of(found.id, &h);
  int i = hist_find(&h, "roles");
  ck_assert_str_eq(h.actions[i], "roles_changed");
  ck_assert_str_eq(h.old_v[i], "customer");
  ck_assert_str_eq(h.new_v[i], "customer,support");
}
END_TEST

/* ---- the JSON API ---- */

static cJSON *call_ok(const tc_principal *who, const char *method,
                      const char *req) {
  char *out = NULL;
  int rc = tt_call(ctx, who, method, req, &out);
  ck_assert_msg(rc == TC_OK, "%s: %s", method, out);
  cJSON *j = cJSON_Parse(out);
  free(out);
  ck_assert_ptr_nonnull(j);
  return j;
}

/* Call expecting failure rc naming field (NULL: any). */
static void call_err(const tc_principal *who, const char *method,
                     const char *req, int want, const char *field) {
  char *out = NULL;
  int rc = tt_call(ctx, who, method, req, &out);
  ck_assert_msg(rc == want, "%s %s: %d %s", method, req, rc, out);
  cJSON *j = cJSON_Parse(out);
  ck_assert_ptr_nonnull(j);
  cJSON *e = cJSON_GetObjectItem(j, "error");
  ck_assert_ptr_nonnull(e);
  if (field) {
    cJSON *fl = cJSON_GetObjectItem(e, "field");
    ck_assert_msg(cJSON_IsString(fl) && !strcmp(fl->valuestring, field),
                  "%s: wanted field %s in %s", method, field, out);
  }
  cJSON_Delete(j);
  free(out);
}

START_TEST(json_api_users_methods) {
  tc_principal anon = TC_PRINCIPAL_INIT;
  cJSON *r = call_ok(&anon, "users.register",
                     "{\"email\":\"Json@Example.com\",\"password\":\"" PW
                     "\",\"name\":\"Jay Son\"}");
  cJSON *user = cJSON_GetObjectItem(r, "user");
  char id[TC_ID_STRLEN + 1];
  snprintf(id, sizeof(id), "%s", cJSON_GetObjectItem(user, "id")->valuestring);
  ck_assert_str_eq(cJSON_GetObjectItem(user, "email")->valuestring,
                   "json@example.com");
  ck_assert_str_eq(cJSON_GetObjectItem(user, "locale")->valuestring, "en");
  char *text = cJSON_PrintUnformatted(r);
  ck_assert_ptr_null(strstr(text, "token"));
  cJSON_free(text);
  cJSON_Delete(r);
  tc_user other = reg("other@example.com", "Other");
  tc_principal me = tt_user(id, TC_ROLE_CUSTOMER);

  char *before = snapshot();
  call_err(&anon, "users.register",
           "{\"email\":\"JSON@example.com\",\"password\":\"" PW
           "\",\"name\":\"J\"}",
           TC_ECONFLICT, "email");
  call_err(&anon, "users.register",
           "{\"email\":\"j2@example.com\",\"password\":\"" PW
           "\",\"name\":\"J\",\"admin\":true}",
           TC_EINVAL, "admin");
  call_err(&me, "users.update", "{\"name\":5}", TC_EINVAL, "name");
  call_err(&me, "users.update", "{\"phone\":\"12\"}", TC_EINVAL, "phone");
  call_err(&me, "users.set_preferences",
           "{\"preferences\":{\"marketing_opt_in\":\"yes\"}}", TC_EINVAL,
           "preferences.marketing_opt_in");
  call_err(&me, "users.set_preferences", "{\"preferences\":{\"currency\":12}}",
           TC_EINVAL, "preferences.currency");
  call_err(&me, "users.set_preferences", "{\"preferences\":{\"shoe\":\"42\"}}",
           TC_EINVAL, "preferences.shoe");
  call_err(&me, "users.add_address",
           "{\"recipient\":\"J\",\"line1\":\"x\",\"city\":\"y\","
           "\"postal_code\":\"1\",\"country\":\"ZZ\"}",
           TC_EINVAL, "country");
  call_err(&me, "users.add_address", "{\"recipient\":\"J\"}", TC_EINVAL,
           "line1");
  char req[256];
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\"}", other.id);
  call_err(&me, "users.get", req, TC_EDENIED, NULL);
  call_err(&me, "users.export", req, TC_EDENIED, NULL);
  call_err(&me, "users.history", req, TC_EDENIED, NULL);
  call_err(&me, "users.delete", req, TC_EDENIED, NULL);
  call_err(&me, "users.list", "{}", TC_EDENIED, NULL);
  call_err(&anon, "users.get", "{}", TC_EUNAUTHENTICATED, NULL);
  call_err(&anon, "users.verify_email", "{\"token\":\"abc\"}", TC_EINVAL,
           "token");
  call_err(&me, "users.set_roles",
           "{\"user_id\":\"0190c9e2-8a6b-7c3d-9e4f-0123456789ab\","
           "\"roles\":[\"admin\"]}",
           TC_EDENIED, NULL);
  assert_unchanged(before);
  free(before);

  r = call_ok(&me, "users.update",
              "{\"name\":\"Jay\",\"phone\":\"+5511999990000\"}");
  ck_assert_str_eq(
      cJSON_GetObjectItem(cJSON_GetObjectItem(r, "user"), "phone")->valuestring,
      "+5511999990000");
  cJSON_Delete(r);
  r = call_ok(
      &me, "users.set_preferences",
      "{\"preferences\":{\"currency\":\"BRL\",\"opt_out_email\":true}}");
  cJSON *prefs = cJSON_GetObjectItem(r, "preferences");
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(prefs, "opt_out_email")));
  cJSON_Delete(r);
  r = call_ok(&me, "users.add_address",
              "{\"recipient\":\"Jay\",\"line1\":\"Av Paulista 1\","
              "\"city\":\"Sao Paulo\",\"postal_code\":\"01311-000\","
              "\"country\":\"BR\"}");
  cJSON *a = cJSON_GetObjectItem(r, "address");
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(a, "default_billing")));
  cJSON_Delete(r);
  r = call_ok(&me, "users.list_addresses", "{}");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "addresses")), 1);
  cJSON_Delete(r);
  r = call_ok(&me, "users.history", "{\"limit\":2}");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "entries")), 2);
  ck_assert_uint_eq(strlen(cJSON_GetObjectItem(r, "next")->valuestring), 36);
  cJSON_Delete(r);
  r = call_ok(&me, "users.export", "{}");
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(r, "user"));
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "addresses")), 1);
  ck_assert_ptr_nonnull(cJSON_GetObjectItem(r, "history"));
  cJSON_Delete(r);
  r = call_ok(&anon, "users.request_password_reset",
              "{\"email\":\"unknown@example.com\"}");
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
  cJSON_Delete(r);
  r = call_ok(&sys, "users.list", "{\"email_prefix\":\"json\"}");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "users")), 1);
  cJSON_Delete(r);
  snprintf(req, sizeof(req),
           "{\"user_id\":\"%s\",\"roles\":[\"customer\","
           "\"admin\"]}",
           other.id);
  r = call_ok(&sys, "users.set_roles", req);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "roles")), 2);
  cJSON_Delete(r);
  r = call_ok(&me, "users.delete", "{}");
  cJSON_Delete(r);
  call_err(&sys, "users.find_by_email", "{\"email\":\"json@example.com\"}",
           TC_ENOTFOUND, "email");
}
END_TEST

static Suite *users_suite(void) {
  Suite *s = suite_create("users");
  TCase *tc = tcase_create("users");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, email_is_normalised_and_checked);
  tcase_add_test(tc, register_creates_customer_with_verification_event);
  tcase_add_test(tc, email_case_variants_collide);
  tcase_add_test(tc, bad_registration_leaves_database_unchanged);
  tcase_add_test(tc, verification_token_is_single_use);
  tcase_add_test(tc, verification_token_expires_and_is_replaced);
  tcase_add_test(tc, password_reset_flow_revokes_sessions);
  tcase_add_test(tc, email_change_needs_reverification);
  tcase_add_test(tc, update_records_old_and_new_values);
  tcase_add_test(tc, history_pages_and_never_holds_a_password);
  tcase_add_test(tc, preferences_are_typed);
  tcase_add_test(tc, address_defaults_keep_their_invariant);
  tcase_add_test(tc, export_holds_everything);
  tcase_add_test(tc, deletion_anonymises);
  tcase_add_test(tc, customer_cannot_touch_another_customer);
  tcase_add_test(tc, admin_lists_and_sets_roles);
  tcase_add_test(tc, json_api_users_methods);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(users_suite());
}
