/*
 * tests/test_payments_util.h - helpers shared by the payments suites:
 * counting rows, a snapshot of the payments tables to prove "nothing
 * changed", new order ids.
 */
#ifndef TC_TEST_PAYMENTS_UTIL_H
#define TC_TEST_PAYMENTS_UTIL_H

#include <stdio.h>

#include "testutil.h"

static int pu_int_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = cols[0].type == TC_VALUE_INT ? cols[0].v.i : 0;
  return 0;
}

static int pu_text_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  char *out = payload;
  snprintf(out, 4096, "%s",
           cols[0].type == TC_VALUE_TEXT && cols[0].v.s ? cols[0].v.s : "");
  return 0;
}

/* First column of the first row of sql (an integer). */
static inline int64_t pu_count(tc_ctx *ctx, const char *sql) {
  tc_store *s = tc_ctx_store(ctx);
  int64_t n = -1;
  ck_assert_int_eq(s->exec(s->self, sql, NULL, 0, pu_int_cb, &n, NULL), 0);
  return n;
}

static inline int64_t pu_events(tc_ctx *ctx, const char *topic) {
  tc_store *s = tc_ctx_store(ctx);
  int64_t n = -1;
  tc_value p[] = {TC_VAL_TEXT(topic)};
  ck_assert_int_eq(
      s->exec(s->self, "SELECT COUNT(*) FROM tc_queue_messages WHERE topic = ?",
              p, 1, pu_int_cb, &n, NULL),
      0);
  return n;
}

/* A text digest of every payments table and the outbox, for "unchanged". */
static inline void pu_snapshot(tc_ctx *ctx, char out[4096]) {
  tc_store *s = tc_ctx_store(ctx);
  out[0] = '\0';
  ck_assert_int_eq(
      s->exec(s->self,
              "SELECT (SELECT COUNT(*) FROM payments_payments) || '/' ||"
              " (SELECT COUNT(*) FROM payments_attempts) || '/' ||"
              " (SELECT COUNT(*) FROM payments_refunds) || '/' ||"
              " (SELECT COUNT(*) FROM payments_webhook_events) || '/' ||"
              " (SELECT COUNT(*) FROM tc_queue_messages) || '/' ||"
              " COALESCE((SELECT group_concat(id || state || captured || ':'"
              " || refunded || ':' || version || pending_step, ',')"
              " FROM payments_payments), '')",
              NULL, 0, pu_text_cb, out, NULL),
      0);
}

static inline tc_id pu_order(tc_ctx *ctx) {
  tc_id id;
  tc_id_new(&id, ctx);
  return id;
}

#endif
