/*
 * tests/conformance/queue_suite.c - what every queue adapter must do (see
 * the semantics at the top of techcorp/sys/queue.h), through the vtable
 * only.
 */
#include "queue_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ATTEMPTS 3u
#define VIS 1000

static const queue_suite_factory *F;
static tc_queue *Q;

static void qs_setup(void) {
  Q = F->open(F->arg, MAX_ATTEMPTS);
  ck_assert_ptr_nonnull(Q);
}

static void qs_teardown(void) {
  if (Q) F->close(F->arg, Q);
  Q = NULL;
}

static void advance(int64_t ms) {
  F->advance(F->arg, ms);
}

static void sub(const char *group, const char *pattern) {
  ck_assert_int_eq(Q->subscribe(Q->self, group, pattern), TC_OK);
}

static void pub_full(const char *topic, const char *key, const char *payload,
                     const char *headers, char *id) {
  char buf[37] = "";
  ck_assert_int_eq(Q->publish(Q->self, topic, key, payload, headers, buf),
                   TC_OK);
  ck_assert_uint_eq(strlen(buf), 36);
  if (id) memcpy(id, buf, sizeof(buf));
}

static void pub(const char *topic, const char *payload, char *id) {
  pub_full(topic, NULL, payload, NULL, id);
}

static void qs_sleep_ms(int64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static tc_queue_message *take(const char *group, int64_t vis) {
  tc_queue_message *m = NULL;
  int rc = Q->take(Q->self, group, vis, &m);
  /* A broker's delay may end a little late: wait for it that long. */
  for (int64_t waited = 0; rc == TC_EEMPTY && waited < F->settle_ms;
       waited += 5) {
    qs_sleep_ms(5);
    rc = Q->take(Q->self, group, vis, &m);
  }
  ck_assert_msg(rc == TC_OK, "take(%s): %s", group, tc_strerror(rc));
  ck_assert_ptr_nonnull(m);
  ck_assert_str_eq(m->group, group);
  ck_assert_ptr_nonnull(m->receipt);
  return m;
}

static void take_empty(const char *group) {
  tc_queue_message *m = (tc_queue_message *)1;
  ck_assert_int_eq(Q->take(Q->self, group, VIS, &m), TC_EEMPTY);
  ck_assert_ptr_null(m);
}

static void ack(tc_queue_message *m) {
  ck_assert_int_eq(Q->ack(Q->self, m), TC_OK);
}

/* Take and ack everything visible; returns how many, counting topics
 * in *seen (a space-separated list) when not NULL. */
static int drain(const char *group, char *seen, size_t size) {
  int n = 0;
  tc_queue_message *m = NULL;
  if (seen) seen[0] = '\0';
  while (Q->take(Q->self, group, VIS, &m) == TC_OK) {
    if (seen) {
      size_t len = strlen(seen);
      snprintf(seen + len, size - len, "%s%s", len ? " " : "", m->payload);
    }
    ack(m);
    n++;
    ck_assert_int_lt(n, 10000);
  }
  return n;
}

/* ---- basics -------------------------------------------------------------- */

START_TEST(publish_take_ack) {
  sub("billing", "orders.paid");
  char id[37];
  pub_full("orders.paid", "order-1", "{\"n\":1}", NULL, id);
  tc_queue_message *m = take("billing", VIS);
  ck_assert_str_eq(m->id, id);
  ck_assert_str_eq(m->topic, "orders.paid");
  ck_assert_str_eq(m->key, "order-1");
  ck_assert_str_eq(m->payload, "{\"n\":1}");
  ck_assert_str_eq(m->headers, "{}");
  ck_assert_str_eq(m->last_error, "");
  ck_assert_uint_eq(m->attempts, 1);
  ck_assert_int_gt(m->published_ms, 0);
  ck_assert_str_ne(m->receipt, "");
  ack(m);
  take_empty("billing");
  /* acked for good: not back after any lease would have run out */
  advance(10 * VIS);
  take_empty("billing");
}
END_TEST

START_TEST(empty_queue) {
  take_empty("nobody");
  sub("g", "a.b");
  take_empty("g");
  pub("a.b", "1", NULL);
  ack(take("g", VIS));
  take_empty("g");
}
END_TEST

START_TEST(key_null_means_empty) {
  sub("g", "a.b");
  pub_full("a.b", NULL, "[1,2]", NULL, NULL);
  tc_queue_message *m = take("g", VIS);
  ck_assert_str_eq(m->key, "");
  ck_assert_str_eq(m->payload, "[1,2]");
  ack(m);
}
END_TEST

START_TEST(headers_round_trip) {
  sub("g", "a.b");
  const char *h = "{\"trace\":\"abc-123\",\"n\":7}";
  pub_full("a.b", "k", "{\"x\":\"\\u00e9t\\u00e9\"}", h, NULL);
  tc_queue_message *m = take("g", VIS);
  ck_assert_str_eq(m->headers, h);
  ck_assert_str_eq(m->payload, "{\"x\":\"\\u00e9t\\u00e9\"}");
  ack(m);
}
END_TEST

START_TEST(publish_without_payload_is_refused) {
  sub("g", "a.b");
  ck_assert_int_eq(Q->publish(Q->self, "a.b", NULL, NULL, NULL, NULL),
                   TC_EINVAL);
  take_empty("g");
}
END_TEST

START_TEST(publish_id_out_optional) {
  sub("g", "a.b");
  ck_assert_int_eq(Q->publish(Q->self, "a.b", NULL, "1", NULL, NULL), TC_OK);
  ack(take("g", VIS));
}
END_TEST

/* ---- routing ------------------------------------------------------------- */

START_TEST(fan_out_to_groups) {
  sub("billing", "orders.paid");
  sub("mail", "orders.paid");
  char id[37];
  pub("orders.paid", "1", id);
  tc_queue_message *a = take("billing", VIS);
  tc_queue_message *b = take("mail", VIS);
  ck_assert_str_eq(a->id, id);
  ck_assert_str_eq(b->id, id);
  ck_assert_str_ne(a->receipt, b->receipt);
  ack(a);
  take_empty("billing");
  /* one group's ack does not touch the other's copy */
  ck_assert_uint_eq(b->attempts, 1);
  ack(b);
  take_empty("mail");
}
END_TEST

START_TEST(groups_are_independent) {
  sub("a", "t.x");
  sub("b", "t.x");
  pub("t.x", "1", NULL);
  tc_queue_message *m = take("a", VIS);
  ck_assert_int_eq(Q->nack(Q->self, m, 0, "nope"), TC_OK);
  /* b's copy is untouched by a's attempts */
  tc_queue_message *n = take("b", VIS);
  ck_assert_uint_eq(n->attempts, 1);
  ck_assert_str_eq(n->last_error, "");
  ack(n);
  m = take("a", VIS);
  ck_assert_uint_eq(m->attempts, 2);
  ack(m);
}
END_TEST

START_TEST(pattern_matching) {
  sub("exact", "orders.paid");
  sub("prefix", "orders.*");
  sub("all", "*");
  pub("orders.paid", "1", NULL);
  pub("orders.created", "2", NULL);
  pub("users.deleted", "3", NULL);
  pub("orders", "4", NULL);       /* not under "orders." */
  pub("ordersx.paid", "5", NULL); /* a longer first segment */
  pub("orders.paid.late", "6", NULL);
  char seen[256];
  ck_assert_int_eq(drain("exact", seen, sizeof(seen)), 1);
  ck_assert_str_eq(seen, "1");
  ck_assert_int_eq(drain("prefix", seen, sizeof(seen)), 3);
  ck_assert_str_eq(seen, "1 2 6");
  ck_assert_int_eq(drain("all", seen, sizeof(seen)), 6);
  ck_assert_str_eq(seen, "1 2 3 4 5 6");
}
END_TEST

START_TEST(non_matching_not_delivered) {
  sub("g", "orders.paid");
  pub("orders.refunded", "1", NULL);
  pub("orders.paidx", "2", NULL);
  take_empty("g");
  /* nor to a group that subscribes later */
  sub("late", "orders.*");
  take_empty("late");
  pub("orders.paid", "3", NULL);
  char seen[64];
  ck_assert_int_eq(drain("late", seen, sizeof(seen)), 1);
  ck_assert_str_eq(seen, "3");
  ck_assert_int_eq(drain("g", seen, sizeof(seen)), 1);
}
END_TEST

START_TEST(subscribe_twice_no_duplicate) {
  sub("g", "a.b");
  sub("g", "a.b");
  /* overlapping patterns of one group: still one delivery */
  sub("g", "a.*");
  sub("g", "*");
  pub("a.b", "1", NULL);
  ck_assert_int_eq(drain("g", NULL, 0), 1);
}
END_TEST

/* ---- leases and retries ----------------------------------------------------
 */

START_TEST(visibility_timeout) {
  sub("g", "a.b");
  char id[37];
  pub("a.b", "1", id);
  tc_queue_message *m = take("g", VIS);
  char receipt[128];
  snprintf(receipt, sizeof(receipt), "%s", m->receipt);
  Q->release(Q->self, m); /* the consumer "crashed" */
  take_empty("g");
  advance(VIS - 1);
  take_empty("g");
  advance(1);
  m = take("g", VIS);
  ck_assert_str_eq(m->id, id);
  ck_assert_uint_eq(m->attempts, 2);
  ck_assert_str_ne(m->receipt, receipt);
  ack(m);
  advance(10 * VIS);
  take_empty("g");
}
END_TEST

START_TEST(nack_with_delay) {
  sub("g", "a.b");
  pub("a.b", "1", NULL);
  tc_queue_message *m = take("g", VIS);
  ck_assert_int_eq(Q->nack(Q->self, m, 500, "db down"), TC_OK);
  take_empty("g");
  advance(499 - F->settle_ms);
  take_empty("g");
  advance(1 + F->settle_ms);
  m = take("g", VIS);
  ck_assert_uint_eq(m->attempts, 2);
  ck_assert_str_eq(m->last_error, "db down");
  ack(m);
  take_empty("g");
}
END_TEST

START_TEST(nack_without_delay_is_next) {
  sub("g", "a.b");
  char first[37];
  pub_full("a.b", "k", "1", NULL, first);
  pub_full("a.b", "k", "2", NULL, NULL);
  tc_queue_message *m = take("g", VIS);
  ck_assert_str_eq(m->id, first);
  ck_assert_int_eq(Q->nack(Q->self, m, 0, "retry"), TC_OK);
  /* an immediate retry keeps the key's order */
  m = take("g", VIS);
  ck_assert_str_eq(m->id, first);
  ck_assert_uint_eq(m->attempts, 2);
  ack(m);
  m = take("g", VIS);
  ck_assert_str_eq(m->payload, "2");
  ack(m);
}
END_TEST

/* ---- dead letters ------------------------------------------------------ */

typedef struct dead_row {
  char id[37];
  char group[64];
  char topic[64];
  char key[64];
  char payload[256];
  char headers[128];
  char last_error[128];
  uint32_t attempts;
  int64_t published_ms;
} dead_row;

typedef struct dead_set {
  dead_row rows[16];
  int n;
  int stop_after; /* 0: never stop early */
} dead_set;

static int dead_cb(const tc_queue_message *m, void *payload) {
  dead_set *set = payload;
  ck_assert_int_lt(set->n, 16);
  dead_row *r = &set->rows[set->n++];
  snprintf(r->id, sizeof(r->id), "%s", m->id);
  snprintf(r->group, sizeof(r->group), "%s", m->group);
  snprintf(r->topic, sizeof(r->topic), "%s", m->topic);
  snprintf(r->key, sizeof(r->key), "%s", m->key);
  snprintf(r->payload, sizeof(r->payload), "%s", m->payload);
  snprintf(r->headers, sizeof(r->headers), "%s", m->headers);
  snprintf(r->last_error, sizeof(r->last_error), "%s", m->last_error);
  r->attempts = m->attempts;
  r->published_ms = m->published_ms;
  return set->stop_after && set->n >= set->stop_after;
}

static int dead_list(const char *group, const char *after, size_t limit,
                     dead_set *set) {
  memset(set, 0, sizeof(*set));
  ck_assert_int_eq(Q->dead_list(Q->self, group, after, limit, dead_cb, set),
                   TC_OK);
  return set->n;
}

/* Nack a fresh message of group to death; returns its id in id. */
static void kill_one(const char *group, const char *topic, const char *payload,
                     char *id) {
  pub(topic, payload, id);
  for (uint32_t i = 1; i <= MAX_ATTEMPTS; i++) {
    tc_queue_message *m = take(group, VIS);
    ck_assert_str_eq(m->id, id);
    ck_assert_int_eq(Q->nack(Q->self, m, 0, "boom"), TC_OK);
  }
}

START_TEST(max_attempts_dead_letter_by_nack) {
  sub("g", "a.b");
  char id[37];
  pub_full("a.b", "k1", "{\"order\":1}", "{\"h\":1}", id);
  for (uint32_t i = 1; i <= MAX_ATTEMPTS; i++) {
    tc_queue_message *m = take("g", VIS);
    ck_assert_uint_eq(m->attempts, i);
    char reason[32];
    snprintf(reason, sizeof(reason), "failure %u", i);
    ck_assert_int_eq(Q->nack(Q->self, m, 10, reason), TC_OK);
    advance(10);
  }
  advance(100 * VIS);
  take_empty("g");
  dead_set set;
  ck_assert_int_eq(dead_list("g", NULL, 10, &set), 1);
  dead_row *r = &set.rows[0];
  ck_assert_str_eq(r->id, id);
  ck_assert_str_eq(r->group, "g");
  ck_assert_str_eq(r->topic, "a.b");
  ck_assert_str_eq(r->key, "k1");
  ck_assert_str_eq(r->payload, "{\"order\":1}");
  ck_assert_str_eq(r->headers, "{\"h\":1}");
  ck_assert_str_eq(r->last_error, "failure 3");
  ck_assert_uint_eq(r->attempts, MAX_ATTEMPTS);
  ck_assert_int_gt(r->published_ms, 0);
  /* other groups have none */
  ck_assert_int_eq(dead_list("other", NULL, 10, &set), 0);
}
END_TEST

START_TEST(max_attempts_dead_letter_by_lease_expiry) {
  sub("g", "a.b");
  char id[37];
  pub("a.b", "1", id);
  for (uint32_t i = 1; i <= MAX_ATTEMPTS; i++) {
    tc_queue_message *m = take("g", VIS);
    ck_assert_uint_eq(m->attempts, i);
    Q->release(Q->self, m);
    advance(VIS);
  }
  /* its last lease ran out: no fourth take */
  take_empty("g");
  dead_set set;
  ck_assert_int_eq(dead_list("g", "", 10, &set), 1);
  ck_assert_str_eq(set.rows[0].id, id);
  ck_assert_uint_eq(set.rows[0].attempts, MAX_ATTEMPTS);
  ck_assert_str_ne(set.rows[0].last_error, "");
}
END_TEST

START_TEST(dead_letter_does_not_block_others) {
  sub("g", "a.b");
  char dead[37];
  kill_one("g", "a.b", "1", dead);
  pub("a.b", "2", NULL);
  tc_queue_message *m = take("g", VIS);
  ck_assert_str_eq(m->payload, "2");
  ack(m);
  take_empty("g");
}
END_TEST

START_TEST(dead_list_paging) {
  sub("g", "a.b");
  char ids[5][37];
  for (int i = 0; i < 5; i++) {
    char payload[8];
    snprintf(payload, sizeof(payload), "%d", i);
    kill_one("g", "a.b", payload, ids[i]);
    advance(1);
  }
  dead_set set;
  ck_assert_int_eq(dead_list("g", NULL, 2, &set), 2);
  ck_assert_str_eq(set.rows[0].id, ids[0]);
  ck_assert_str_eq(set.rows[1].id, ids[1]);
  ck_assert_str_eq(set.rows[0].payload, "0");
  char after[37];
  memcpy(after, set.rows[1].id, sizeof(after));
  ck_assert_int_eq(dead_list("g", after, 2, &set), 2);
  ck_assert_str_eq(set.rows[0].id, ids[2]);
  ck_assert_str_eq(set.rows[1].id, ids[3]);
  memcpy(after, set.rows[1].id, sizeof(after));
  ck_assert_int_eq(dead_list("g", after, 2, &set), 1);
  ck_assert_str_eq(set.rows[0].id, ids[4]);
  ck_assert_int_eq(dead_list("g", ids[4], 2, &set), 0);
  /* limit 0 lists nothing; the callback can stop early */
  ck_assert_int_eq(dead_list("g", NULL, 0, &set), 0);
  memset(&set, 0, sizeof(set));
  set.stop_after = 1;
  ck_assert_int_eq(Q->dead_list(Q->self, "g", NULL, 10, dead_cb, &set), TC_OK);
  ck_assert_int_eq(set.n, 1);
}
END_TEST

START_TEST(dead_replay_resets_attempts) {
  sub("g", "a.b");
  char id[37];
  kill_one("g", "a.b", "{\"v\":1}", id);
  take_empty("g");
  ck_assert_int_eq(Q->dead_replay(Q->self, "g", id), TC_OK);
  dead_set set;
  ck_assert_int_eq(dead_list("g", NULL, 10, &set), 0);
  tc_queue_message *m = take("g", VIS);
  ck_assert_str_eq(m->id, id);
  ck_assert_str_eq(m->payload, "{\"v\":1}");
  ck_assert_uint_eq(m->attempts, 1);
  /* a full set of attempts again */
  ck_assert_int_eq(Q->nack(Q->self, m, 0, "again"), TC_OK);
  m = take("g", VIS);
  ck_assert_uint_eq(m->attempts, 2);
  ack(m);
  take_empty("g");
  /* not dead (any more): nothing to replay */
  ck_assert_int_eq(Q->dead_replay(Q->self, "g", id), TC_ENOTFOUND);
  ck_assert_int_eq(
      Q->dead_replay(Q->self, "g", "00000000-0000-7000-8000-000000000000"),
      TC_ENOTFOUND);
}
END_TEST

START_TEST(dead_replay_of_live_message_refused) {
  sub("g", "a.b");
  char id[37];
  pub("a.b", "1", id);
  ck_assert_int_eq(Q->dead_replay(Q->self, "g", id), TC_ENOTFOUND);
  tc_queue_message *m = take("g", VIS);
  ck_assert_int_eq(Q->dead_replay(Q->self, "g", id), TC_ENOTFOUND);
  ack(m);
}
END_TEST

/* ---- stale leases ------------------------------------------------------- */

START_TEST(stale_ack_refused) {
  sub("g", "a.b");
  char id[37];
  pub("a.b", "1", id);
  tc_queue_message *old = take("g", VIS);
  advance(VIS);
  tc_queue_message *cur = take("g", VIS);
  ck_assert_str_eq(cur->id, id);
  ck_assert_uint_eq(cur->attempts, 2);
  /* the first consumer wakes up late: its ack changes nothing */
  ck_assert_int_eq(Q->ack(Q->self, old), TC_ESTATE);
  take_empty("g");
  advance(VIS);
  /* the current lease was not acked by the stale one: it expired */
  tc_queue_message *again = take("g", VIS);
  ck_assert_uint_eq(again->attempts, 3);
  ck_assert_int_eq(Q->ack(Q->self, cur), TC_ESTATE);
  ack(again);
  advance(10 * VIS);
  take_empty("g");
}
END_TEST

START_TEST(stale_nack_refused) {
  sub("g", "a.b");
  pub("a.b", "1", NULL);
  tc_queue_message *old = take("g", VIS);
  advance(VIS);
  tc_queue_message *cur = take("g", VIS);
  ck_assert_int_eq(Q->nack(Q->self, old, 0, "late"), TC_ESTATE);
  /* still leased to cur */
  take_empty("g");
  ck_assert_str_eq(cur->last_error, "");
  ack(cur);
  take_empty("g");
}
END_TEST

START_TEST(ack_after_expiry_not_retaken) {
  sub("g", "a.b");
  pub("a.b", "1", NULL);
  tc_queue_message *m = take("g", VIS);
  advance(2 * VIS);
  /* the lease ran out but nobody took it: the ack still counts */
  ack(m);
  take_empty("g");
}
END_TEST

/* ---- order -------------------------------------------------------------- */

START_TEST(fifo_per_key_one_consumer) {
  sub("g", "o.*");
  for (int i = 0; i < 20; i++) {
    char payload[16];
    snprintf(payload, sizeof(payload), "%d", i);
    pub_full(i % 3 ? "o.a" : "o.b", i % 2 ? "k1" : "k2", payload, NULL, NULL);
  }
  int next[2] = {0, 0};
  int last[2] = {-1, -1};
  for (int i = 0; i < 20; i++) {
    tc_queue_message *m = take("g", VIS);
    int k = strcmp(m->key, "k1") == 0;
    int v = atoi(m->payload);
    ck_assert_int_gt(v, last[k]);
    last[k] = v;
    next[k]++;
    ack(m);
  }
  ck_assert_int_eq(next[0] + next[1], 20);
  take_empty("g");
}
END_TEST

START_TEST(leased_messages_go_to_one_taker) {
  sub("g", "a.b");
  enum { N = 50 };
  for (int i = 0; i < N; i++) {
    char payload[16];
    snprintf(payload, sizeof(payload), "%d", i);
    pub("a.b", payload, NULL);
  }
  /* N takers in a row, none acking yet: each gets a different message */
  tc_queue_message *held[N];
  int seen[N] = {0};
  for (int i = 0; i < N; i++) {
    held[i] = take("g", VIS);
    int v = atoi(held[i]->payload);
    ck_assert_int_ge(v, 0);
    ck_assert_int_lt(v, N);
    ck_assert_int_eq(seen[v]++, 0);
  }
  take_empty("g");
  for (int i = 0; i < N; i++) ack(held[i]);
  advance(10 * VIS);
  take_empty("g");
}
END_TEST

void queue_suite_add(Suite *s, const queue_suite_factory *f) {
  F = f;
  static char name[128]; /* Check keeps the pointer */
  snprintf(name, sizeof(name), "conformance-%s", f->name);
  TCase *tc = tcase_create(name);
  tcase_add_checked_fixture(tc, qs_setup, qs_teardown);
  tcase_add_test(tc, publish_take_ack);
  tcase_add_test(tc, empty_queue);
  tcase_add_test(tc, key_null_means_empty);
  tcase_add_test(tc, headers_round_trip);
  tcase_add_test(tc, publish_without_payload_is_refused);
  tcase_add_test(tc, publish_id_out_optional);
  tcase_add_test(tc, fan_out_to_groups);
  tcase_add_test(tc, groups_are_independent);
  tcase_add_test(tc, pattern_matching);
  tcase_add_test(tc, non_matching_not_delivered);
  tcase_add_test(tc, subscribe_twice_no_duplicate);
  tcase_add_test(tc, visibility_timeout);
  tcase_add_test(tc, nack_with_delay);
  tcase_add_test(tc, nack_without_delay_is_next);
  tcase_add_test(tc, max_attempts_dead_letter_by_nack);
  tcase_add_test(tc, max_attempts_dead_letter_by_lease_expiry);
  tcase_add_test(tc, dead_letter_does_not_block_others);
  tcase_add_test(tc, dead_list_paging);
  tcase_add_test(tc, dead_replay_resets_attempts);
  tcase_add_test(tc, dead_replay_of_live_message_refused);
  tcase_add_test(tc, stale_ack_refused);
  tcase_add_test(tc, stale_nack_refused);
  tcase_add_test(tc, ack_after_expiry_not_retaken);
  tcase_add_test(tc, fifo_per_key_one_consumer);
  tcase_add_test(tc, leased_messages_go_to_one_taker);
  suite_add_tcase(s, tc);
}
