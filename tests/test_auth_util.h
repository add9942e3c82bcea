/*
 * tests/test_auth_util.h - fixtures shared by the auth suites: a context
 * on a fresh database with a hand-moved clock and fast Argon2 limits.
 */
#ifndef TEST_AUTH_UTIL_H
#define TEST_AUTH_UTIL_H

#include <stdio.h>

#include "testutil.h"
#include "techcorp/auth.h"
#include "techcorp/users.h"

#define T0 1700000000000LL

static tt_clock clk;
static char dir[512];
static tc_ctx *ctx;

/* The smallest Argon2id cost libsodium allows: the suites stay fast. */
static inline void auth_fast(tc_ctx *c) {
  tc_auth_options o = TC_AUTH_OPTIONS_INIT;
  o.pwhash_opslimit = 1;
  o.pwhash_memlimit = 8192;
  ck_assert_int_eq(tc_auth_configure(c, &o), TC_OK);
}

static void setup(void) {
  tt_clock_init(&clk, T0);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  auth_fast(ctx);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
  ctx = NULL;
}

/* A user with id and password, made through the users module. */
static inline tc_user make_user(const char *email, const char *password) {
  tc_user u;
  int rc = tc_users_register(&u, ctx, NULL, email, password, "Test User", "en");
  ck_assert_msg(rc == TC_OK, "register %s: %s", email, tc_errmsg(ctx));
  return u;
}

static inline tc_principal user_of(const tc_auth_tokens *t) {
  tc_principal p;
  ck_assert_int_eq(tc_auth_verify_token(&p, NULL, ctx, t->access_token), TC_OK);
  return p;
}

/* Count messages of topic for group (taking and acking them). */
static inline int take_topic(const char *group, const char *topic,
                             char *payload, size_t size) {
  int n = 0;
  tc_queue_message *m = NULL;
  while (tc_events_take(ctx, group, 60000, &m) == TC_OK) {
    if (!strcmp(m->topic, topic)) {
      n++;
      if (payload) snprintf(payload, size, "%s", m->payload);
    }
    tc_events_ack(ctx, m);
  }
  return n;
}

#endif
