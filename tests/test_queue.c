/*
 * tests/test_queue.c - suite "queue": the table queue over SQLite files
 * (the port conformance suite, the transactional outbox, crash and
 * multi-process tests) and the events API in front of it.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance/queue_suite.h"
#include "core/internal.h"
#include "testutil.h"

#define T0 INT64_C(1700000000000)

/* ---- a table queue on a fresh SQLite file ---------------------------------
 */

typedef struct env {
  char dir[512];
  char path[600];
  tc_store *store;
  tc_queue *q;
  tt_clock clock;
} env;

static tc_store *open_store(const char *path) {
  tc_store *store = NULL;
  int rc = tc_store_sqlite_open(&store, path, NULL);
  ck_assert_msg(rc == TC_OK, "open %s: %s", path, tc_last_error_message());
  return store;
}

static tc_queue *open_queue(tc_store *store, tt_clock *clock,
                            uint32_t max_attempts) {
  tc_table_queue_options o = TC_TABLE_QUEUE_OPTIONS_INIT;
  o.max_attempts = max_attempts;
  o.clock = &clock->clock;
  tc_queue *q = NULL;
  int rc = tc_queue_table_new(&q, store, &o);
  ck_assert_msg(rc == TC_OK, "queue: %s", tc_last_error_message());
  return q;
}

static void env_open(env *e, uint32_t max_attempts) {
  memset(e, 0, sizeof(*e));
  tt_tmpdir(e->dir, sizeof(e->dir));
  snprintf(e->path, sizeof(e->path), "%s/queue.db", e->dir);
  tt_clock_init(&e->clock, T0);
  e->store = open_store(e->path);
  e->q = open_queue(e->store, &e->clock, max_attempts);
}

/* Close the connection (kept: the directory and the clock). */
static void env_close_db(env *e) {
  if (e->q) e->q->free(e->q->self);
  if (e->store) e->store->free(e->store->self);
  e->q = NULL;
  e->store = NULL;
}

static void env_reopen_db(env *e, uint32_t max_attempts) {
  e->store = open_store(e->path);
  e->q = open_queue(e->store, &e->clock, max_attempts);
}

static void env_free(env *e) {
  env_close_db(e);
  tt_tmpdir_remove(e->dir);
}

static int count_cb(const tc_value *cols, size_t ncols, void *payload) {
  ck_assert_uint_ge(ncols, 1);
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

static int64_t count_rows(tc_store *store, const char *sql) {
  int64_t n = -1;
  ck_assert_int_eq(store->exec(store->self, sql, NULL, 0, count_cb, &n, NULL),
                   TC_OK);
  return n;
}

#define COUNT_MESSAGES "SELECT count(*) FROM tc_queue_messages"
#define COUNT_DELIVERIES "SELECT count(*) FROM tc_queue_deliveries"

/* ---- the conformance factory ----------------------------------------------
 */

static env conf_env;

static tc_queue *conf_open(void *arg, uint32_t max_attempts) {
  env *e = arg;
  env_open(e, max_attempts);
  return e->q;
}

static void conf_close(void *arg, tc_queue *q) {
  env *e = arg;
  ck_assert_ptr_eq(q, e->q);
  env_free(e);
}

static void conf_advance(void *arg, int64_t ms) {
  ((env *)arg)->clock.now += ms;
}

static const queue_suite_factory table_factory = {
    "table-sqlite", &conf_env, conf_open, conf_close, conf_advance};

/* ---- the transactional outbox
 * ------------------------------------------------ */

START_TEST(outbox_rollback_leaves_nothing) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "orders.*"), TC_OK);
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      e.q->publish(e.q->self, "orders.paid", NULL, "{}", NULL, NULL), TC_OK);
  ck_assert_int_eq(e.store->rollback(e.store->self), TC_OK);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_EEMPTY);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 0);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), 0);

  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  char id[37];
  ck_assert_int_eq(
      e.q->publish(e.q->self, "orders.paid", NULL, "{\"a\":1}", NULL, id),
      TC_OK);
  ck_assert_int_eq(e.store->commit(e.store->self), TC_OK);
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  ck_assert_str_eq(m->id, id);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  env_free(&e);
}
END_TEST

START_TEST(ack_joins_transaction) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "*"), TC_OK);
  ck_assert_int_eq(e.q->publish(e.q->self, "a.b", NULL, "1", NULL, NULL),
                   TC_OK);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  /* the consumer's work and its ack roll back together */
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  ck_assert_int_eq(e.store->rollback(e.store->self), TC_OK);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), 1);
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_EEMPTY);
  e.clock.now += 1000;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  ck_assert_uint_eq(m->attempts, 2);
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  ck_assert_int_eq(e.store->commit(e.store->self), TC_OK);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), 0);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 0);
  env_free(&e);
}
END_TEST

START_TEST(take_inside_transaction_fails_cleanly) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "*"), TC_OK);
  ck_assert_int_eq(e.q->publish(e.q->self, "a.b", NULL, "1", NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  tc_queue_message *m = (tc_queue_message *)1;
  ck_assert_int_ne(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  ck_assert_ptr_null(m);
  /* the caller's transaction is still theirs to end */
  ck_assert_int_eq(e.store->rollback(e.store->self), TC_OK);
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  env_free(&e);
}
END_TEST

START_TEST(messages_are_collected) {
  env e;
  env_open(&e, 5);
  /* nobody listens: nothing is kept */
  ck_assert_int_eq(e.q->publish(e.q->self, "a.b", NULL, "1", NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 0);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g1", "a.b"), TC_OK);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g2", "a.*"), TC_OK);
  ck_assert_int_eq(e.q->publish(e.q->self, "a.b", NULL, "2", NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 1);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), 2);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(e.q->take(e.q->self, "g1", 1000, &m), TC_OK);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  /* g2 has not acked: the message stays */
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 1);
  ck_assert_int_eq(e.q->take(e.q->self, "g2", 1000, &m), TC_OK);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 0);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), 0);
  env_free(&e);
}
END_TEST

START_TEST(options_and_defaults) {
  env e;
  env_open(&e, 0); /* 0: the default of 5 attempts */
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "*"), TC_OK);
  ck_assert_int_eq(e.q->publish(e.q->self, "a.b", NULL, "1", NULL, NULL),
                   TC_OK);
  tc_queue_message *m = NULL;
  for (uint32_t i = 1; i <= 5; i++) {
    ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_OK);
    ck_assert_uint_eq(m->attempts, i);
    ck_assert_int_eq(e.q->nack(e.q->self, m, 0, "x"), TC_OK);
  }
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_EEMPTY);
  /* bad options and arguments are refused */
  tc_queue *q = NULL;
  tc_table_queue_options o = TC_TABLE_QUEUE_OPTIONS_INIT;
  o.version = 0;
  ck_assert_int_eq(tc_queue_table_new(&q, e.store, &o), TC_EINVAL);
  ck_assert_ptr_null(q);
  ck_assert_int_eq(tc_queue_table_new(&q, NULL, NULL), TC_EINVAL);
  ck_assert_int_eq(tc_queue_table_new(NULL, e.store, NULL), TC_EINVAL);
  /* NULL options: system clock and libsodium */
  ck_assert_int_eq(tc_queue_table_new(&q, e.store, NULL), TC_OK);
  ck_assert_int_eq(q->take(q->self, "", 1000, &m), TC_EINVAL);
  ck_assert_int_eq(q->take(q->self, "g", 0, &m), TC_EINVAL);
  ck_assert_int_eq(q->take(q->self, "g", 1000, NULL), TC_EINVAL);
  ck_assert_int_eq(q->subscribe(q->self, "g", ""), TC_EINVAL);
  ck_assert_int_eq(q->ack(q->self, NULL), TC_EINVAL);
  q->free(q->self);
  env_free(&e);
}
END_TEST

/* ---- the crash test
 * ---------------------------------------------------------- */

/* In the child: take one message with a 30 s lease, say so, and wait to
 * be killed. Never returns. */
static void crash_child(const char *path, int fd) {
  tc_store *store = NULL;
  char status = 'E';
  if (tc_store_sqlite_open(&store, path, NULL) == TC_OK) {
    tt_clock clock;
    tt_clock_init(&clock, T0);
    tc_table_queue_options o = TC_TABLE_QUEUE_OPTIONS_INIT;
    o.clock = &clock.clock;
    tc_queue *q = NULL;
    tc_queue_message *m = NULL;
    if (tc_queue_table_new(&q, store, &o) == TC_OK &&
        q->take(q->self, "g", 30000, &m) == TC_OK && m->attempts == 1)
      status = 'T';
  }
  if (write(fd, &status, 1) != 1) _exit(3);
  for (;;) pause(); /* the "work" that never finishes */
}

START_TEST(crash_between_take_and_ack) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "orders.*"), TC_OK);
  char id[37];
  ck_assert_int_eq(
      e.q->publish(e.q->self, "orders.paid", "o1", "{\"o\":1}", NULL, id),
      TC_OK);
  /* the child must not inherit a connection in use */
  env_close_db(&e);

  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    crash_child(e.path, fds[1]);
  }
  close(fds[1]);
  char status = 0;
  ck_assert_int_eq(read(fds[0], &status, 1), 1);
  close(fds[0]);
  ck_assert_int_eq(kill(pid, SIGKILL), 0);
  int ws = 0;
  ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
  ck_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
  ck_assert_msg(status == 'T', "the child could not take the message");

  env_reopen_db(&e, 5);
  tc_queue_message *m = NULL;
  /* leased to the dead child until its lease runs out */
  ck_assert_int_eq(e.q->take(e.q->self, "g", 30000, &m), TC_EEMPTY);
  e.clock.now += 29999;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 30000, &m), TC_EEMPTY);
  e.clock.now += 1;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 30000, &m), TC_OK);
  ck_assert_str_eq(m->id, id);
  ck_assert_str_eq(m->payload, "{\"o\":1}");
  ck_assert_str_eq(m->key, "o1");
  ck_assert_uint_eq(m->attempts, 2);
  ck_assert_int_eq(e.q->ack(e.q->self, m), TC_OK);
  e.clock.now += 100000;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 30000, &m), TC_EEMPTY);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 0);
  env_free(&e);
}
END_TEST

/* ---- several processes on one file -----------------------------------------
 */

#define MP_MESSAGES 200
#define MP_WORKERS 3

static const char *const SQL_PROCESSED =
    "INSERT INTO t_processed (id, pid) VALUES (?, ?)";

/* Drain group "g": record each message and ack it in one transaction.
 * Exit code 0 when all went well. */
static void mp_worker(const char *path) {
  tc_store *store = NULL;
  if (tc_store_sqlite_open(&store, path, NULL) != TC_OK) _exit(10);
  tt_clock clock;
  tt_clock_init(&clock, T0 + 1000);
  tc_table_queue_options o = TC_TABLE_QUEUE_OPTIONS_INIT;
  o.clock = &clock.clock;
  tc_queue *q = NULL;
  if (tc_queue_table_new(&q, store, &o) != TC_OK) _exit(11);
  int busy = 0;
  for (;;) {
    tc_queue_message *m = NULL;
    int rc = q->take(q->self, "g", 600000, &m);
    if (rc == TC_EEMPTY) break;
    if (rc == TC_EBUSY && ++busy < 100) continue;
    if (rc != TC_OK) _exit(12);
    if (store->begin(store->self, TC_TXN_WRITE) != TC_OK) _exit(13);
    tc_value p[] = {TC_VAL_TEXT(m->id), TC_VAL_INT(getpid())};
    rc = store->exec(store->self, SQL_PROCESSED, p, 2, NULL, NULL, NULL);
    if (rc == TC_ECONFLICT) _exit(14); /* processed twice */
    if (rc != TC_OK) _exit(15);
    if (q->ack(q->self, m) != TC_OK) _exit(16);
    if (store->commit(store->self) != TC_OK) _exit(17);
  }
  q->free(q->self);
  store->free(store->self);
  _exit(0);
}

START_TEST(several_processes_drain_once) {
  env e;
  env_open(&e, 5);
  ck_assert_int_eq(e.store->exec(e.store->self,
                                 "CREATE TABLE t_processed (id TEXT PRIMARY "
                                 "KEY, pid INTEGER NOT NULL)",
                                 NULL, 0, NULL, NULL, NULL),
                   TC_OK);
  ck_assert_int_eq(e.q->subscribe(e.q->self, "g", "work.*"), TC_OK);
  ck_assert_int_eq(e.store->begin(e.store->self, TC_TXN_WRITE), TC_OK);
  for (int i = 0; i < MP_MESSAGES; i++) {
    char payload[32];
    snprintf(payload, sizeof(payload), "{\"n\":%d}", i);
    ck_assert_int_eq(
        e.q->publish(e.q->self, "work.item", NULL, payload, NULL, NULL), TC_OK);
  }
  ck_assert_int_eq(e.store->commit(e.store->self), TC_OK);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), MP_MESSAGES);
  env_close_db(&e);

  pid_t pids[MP_WORKERS];
  for (int i = 0; i < MP_WORKERS; i++) {
    pids[i] = fork();
    ck_assert_int_ge(pids[i], 0);
    if (pids[i] == 0) mp_worker(e.path);
  }
  for (int i = 0; i < MP_WORKERS; i++) {
    int ws = 0;
    ck_assert_int_eq(waitpid(pids[i], &ws, 0), pids[i]);
    ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
                  "worker %d ended with status %d", i,
                  WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
  }

  env_reopen_db(&e, 5);
  ck_assert_int_eq(count_rows(e.store, "SELECT count(*) FROM t_processed"),
                   MP_MESSAGES);
  ck_assert_int_eq(
      count_rows(e.store, "SELECT count(DISTINCT id) FROM t_processed"),
      MP_MESSAGES);
  ck_assert_int_eq(count_rows(e.store, COUNT_DELIVERIES), 0);
  ck_assert_int_eq(count_rows(e.store, COUNT_MESSAGES), 0);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(e.q->take(e.q->self, "g", 1000, &m), TC_EEMPTY);
  env_free(&e);
}
END_TEST

/* ---- the events API
 * ---------------------------------------------------------- */

static void expect_err(tc_ctx *ctx, int rc, int code, const char *field) {
  ck_assert_int_eq(rc, code);
  ck_assert_int_eq(tc_errcode(ctx), code);
  ck_assert_str_eq(tc_errfield(ctx), field);
  ck_assert_msg(strstr(tc_errmsg(ctx), field) != NULL,
                "message \"%s\" does not name %s", tc_errmsg(ctx), field);
}

START_TEST(events_flow) {
  char dir[512];
  tt_clock clock;
  tt_clock_init(&clock, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clock);
  ck_assert_int_eq(tc_events_subscribe(ctx, "mailer", "orders.*"), TC_OK);
  ck_assert_int_eq(tc_events_subscribe(ctx, "mailer", "orders.*"), TC_OK);
  char id[37];
  ck_assert_int_eq(
      tc_events_publish(ctx, "orders.paid", "o-1", "{\"total\":1299}", id),
      TC_OK);
  ck_assert_int_eq(tc_id_check(id), TC_OK);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(tc_events_take(ctx, "mailer", 5000, &m), TC_OK);
  ck_assert_str_eq(m->id, id);
  ck_assert_str_eq(m->payload, "{\"total\":1299}");
  ck_assert_int_eq(m->published_ms, T0);
  ck_assert_int_eq(tc_events_nack(ctx, m, 100, "smtp down"), TC_OK);
  ck_assert_int_eq(tc_events_take(ctx, "mailer", 5000, &m), TC_EEMPTY);
  ck_assert_int_eq(tc_errcode(ctx), TC_EEMPTY);
  ck_assert_ptr_null(m);
  clock.now += 100;
  ck_assert_int_eq(tc_events_take(ctx, "mailer", 5000, &m), TC_OK);
  ck_assert_str_eq(m->last_error, "smtp down");
  ck_assert_int_eq(tc_errcode(ctx), TC_OK);
  ck_assert_str_eq(tc_errmsg(ctx), "");
  ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  /* release gives it back when the lease runs out */
  ck_assert_int_eq(tc_events_publish(ctx, "orders.shipped", NULL, "[]", NULL),
                   TC_OK);
  ck_assert_int_eq(tc_events_take(ctx, "mailer", 5000, &m), TC_OK);
  tc_events_release(ctx, m);
  clock.now += 5000;
  ck_assert_int_eq(tc_events_take(ctx, "mailer", 5000, &m), TC_OK);
  ck_assert_uint_eq(m->attempts, 2);
  ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(events_stale_ack) {
  char dir[512];
  tt_clock clock;
  tt_clock_init(&clock, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clock);
  ck_assert_int_eq(tc_events_subscribe(ctx, "g", "*"), TC_OK);
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", NULL, "1", NULL), TC_OK);
  tc_queue_message *old = NULL, *cur = NULL;
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &old), TC_OK);
  clock.now += 1000;
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &cur), TC_OK);
  ck_assert_int_eq(tc_events_ack(ctx, old), TC_ESTATE);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "lease"));
  ck_assert_int_eq(tc_events_nack(ctx, cur, 0, NULL), TC_OK);
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &cur), TC_OK);
  ck_assert_uint_eq(cur->attempts, 3);
  ck_assert_int_eq(tc_events_ack(ctx, cur), TC_OK);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(events_dead_letters) {
  char dir[512];
  tt_clock clock;
  tt_clock_init(&clock, T0);
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clock);
  ck_assert_int_eq(tc_events_subscribe(ctx, "g", "*"), TC_OK);
  char id[37];
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", NULL, "1", id), TC_OK);
  tc_queue_message *m = NULL;
  for (int i = 0; i < 5; i++) { /* the default max_attempts */
    ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_OK);
    ck_assert_int_eq(tc_events_nack(ctx, m, 0, "bad"), TC_OK);
  }
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_EEMPTY);
  expect_err(ctx, tc_events_dead_replay(ctx, "g", ""), TC_EINVAL, "message_id");
  expect_err(ctx, tc_events_dead_list(ctx, "", NULL, 10, NULL, NULL), TC_EINVAL,
             "group");
  ck_assert_int_eq(tc_events_dead_replay(ctx, "g", id), TC_OK);
  expect_err(ctx, tc_events_dead_replay(ctx, "g", id), TC_ENOTFOUND,
             "message_id");
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_OK);
  ck_assert_uint_eq(m->attempts, 1);
  ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(events_validation) {
  char dir[512];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  char id[37] = "x";
  /* topics */
  expect_err(ctx, tc_events_publish(ctx, "Orders.Paid", NULL, "{}", id),
             TC_EINVAL, "topic");
  ck_assert_str_eq(id, "");
  expect_err(ctx, tc_events_publish(ctx, "", NULL, "{}", NULL), TC_EINVAL,
             "topic");
  expect_err(ctx, tc_events_publish(ctx, NULL, NULL, "{}", NULL), TC_EINVAL,
             "topic");
  expect_err(ctx, tc_events_publish(ctx, "orders.*", NULL, "{}", NULL),
             TC_EINVAL, "topic");
  expect_err(ctx, tc_events_publish(ctx, "orders paid", NULL, "{}", NULL),
             TC_EINVAL, "topic");
  char longtopic[200];
  memset(longtopic, 'a', sizeof(longtopic));
  longtopic[129] = '\0';
  expect_err(ctx, tc_events_publish(ctx, longtopic, NULL, "{}", NULL),
             TC_EINVAL, "topic");
  longtopic[128] = '\0';
  ck_assert_int_eq(tc_events_publish(ctx, longtopic, NULL, "{}", NULL), TC_OK);
  /* payloads */
  expect_err(ctx, tc_events_publish(ctx, "a.b", NULL, "not json", NULL),
             TC_EINVAL, "payload");
  expect_err(ctx, tc_events_publish(ctx, "a.b", NULL, "{} x", NULL), TC_EINVAL,
             "payload");
  expect_err(ctx, tc_events_publish(ctx, "a.b", NULL, "", NULL), TC_EINVAL,
             "payload");
  expect_err(ctx, tc_events_publish(ctx, "a.b", NULL, NULL, NULL), TC_EINVAL,
             "payload");
  expect_err(ctx, tc_events_publish(ctx, "a.b", NULL, "\"\xff\"", NULL),
             TC_EINVAL, "payload");
  size_t big = ((size_t)1 << 20) + 1;
  char *huge = malloc(big + 1);
  ck_assert_ptr_nonnull(huge);
  huge[0] = '"';
  memset(huge + 1, 'x', big - 2);
  huge[big - 1] = '"';
  huge[big] = '\0';
  expect_err(ctx, tc_events_publish(ctx, "a.b", NULL, huge, NULL), TC_EINVAL,
             "payload");
  huge[big - 2] = '"'; /* exactly 1 MiB is fine */
  huge[big - 1] = '\0';
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", NULL, huge, NULL), TC_OK);
  free(huge);
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", NULL, " [1, 2] ", NULL),
                   TC_OK);
  /* keys */
  char longkey[300];
  memset(longkey, 'k', sizeof(longkey));
  longkey[sizeof(longkey) - 1] = '\0';
  expect_err(ctx, tc_events_publish(ctx, "a.b", longkey, "{}", NULL), TC_EINVAL,
             "key");
  /* groups and patterns */
  expect_err(ctx, tc_events_subscribe(ctx, "", "a.b"), TC_EINVAL, "group");
  expect_err(ctx, tc_events_subscribe(ctx, NULL, "a.b"), TC_EINVAL, "group");
  expect_err(ctx, tc_events_subscribe(ctx, "Mail", "a.b"), TC_EINVAL, "group");
  expect_err(ctx, tc_events_subscribe(ctx, "g", ""), TC_EINVAL, "pattern");
  expect_err(ctx, tc_events_subscribe(ctx, "g", "orders*"), TC_EINVAL,
             "pattern");
  expect_err(ctx, tc_events_subscribe(ctx, "g", ".*"), TC_EINVAL, "pattern");
  expect_err(ctx, tc_events_subscribe(ctx, "g", "a.*.b"), TC_EINVAL, "pattern");
  ck_assert_int_eq(tc_events_subscribe(ctx, "g", "*"), TC_OK);
  ck_assert_int_eq(tc_events_subscribe(ctx, "g-2_x", "orders.v2-x_y.*"), TC_OK);
  tc_queue_message *m = (tc_queue_message *)1;
  expect_err(ctx, tc_events_take(ctx, "", 1000, &m), TC_EINVAL, "group");
  ck_assert_ptr_null(m);
  expect_err(ctx, tc_events_take(ctx, "g", 0, &m), TC_EINVAL, "visibility_ms");
  expect_err(ctx, tc_events_take(ctx, "g", 1000, NULL), TC_EINVAL, "out");
  /* a bad nack still frees the message (ASan checks) */
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", NULL, "1", NULL), TC_OK);
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_OK);
  expect_err(ctx, tc_events_nack(ctx, m, -1, "x"), TC_EINVAL, "delay_ms");
  expect_err(ctx, tc_events_ack(ctx, NULL), TC_EINVAL, "msg");
  tc_events_release(ctx, NULL);
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(events_take_in_transaction) {
  char dir[512];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  ck_assert_int_eq(tc_events_subscribe(ctx, "g", "*"), TC_OK);
  /* the outbox through the core: an error rolls the publish back */
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__publish(ctx, "a.b", NULL, "{\"lost\":true}"), TC_OK);
  ck_assert_int_eq(tc__txn_end(ctx, TC_ECONFLICT), TC_ECONFLICT);
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__publish(ctx, "a.b", NULL, "{\"kept\":true}"), TC_OK);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_ESTATE);
  ck_assert_ptr_null(m);
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_OK);
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_OK);
  ck_assert_str_eq(m->payload, "{\"kept\":true}");
  ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_EEMPTY);
  tt_ctx_free(ctx, dir);
}
END_TEST

/* A host port that offers only the required methods. */
START_TEST(events_port_without_dead_letters) {
  env e;
  env_open(&e, 5);
  tc_queue partial = *e.q;
  partial.dead_list = NULL;
  partial.dead_replay = NULL;
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = e.store;
  cfg.queue = &partial;
  cfg.clock = &e.clock.clock;
  tc_ctx *ctx = NULL;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_OK);
  ck_assert_int_eq(tc_events_subscribe(ctx, "g", "*"), TC_OK);
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", NULL, "1", NULL), TC_OK);
  ck_assert_int_eq(tc_events_dead_replay(ctx, "g", "x"), TC_EUNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "dead_replay"));
  ck_assert_int_eq(
      tc_events_dead_list(ctx, "g", NULL, 1, (tc_queue_dead_cb)NULL, NULL),
      TC_EINVAL);
  tc_queue_message *m = NULL;
  ck_assert_int_eq(tc_events_take(ctx, "g", 1000, &m), TC_OK);
  ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  tc_ctx_free(ctx);
  env_free(&e);
}
END_TEST

static Suite *queue_suite(void) {
  Suite *s = suite_create("queue");
  queue_suite_add(s, &table_factory);

  TCase *tc = tcase_create("table");
  tcase_add_test(tc, outbox_rollback_leaves_nothing);
  tcase_add_test(tc, ack_joins_transaction);
  tcase_add_test(tc, take_inside_transaction_fails_cleanly);
  tcase_add_test(tc, messages_are_collected);
  tcase_add_test(tc, options_and_defaults);
  suite_add_tcase(s, tc);

  tc = tcase_create("processes");
  tcase_add_test(tc, crash_between_take_and_ack);
  tcase_add_test(tc, several_processes_drain_once);
  suite_add_tcase(s, tc);

  tc = tcase_create("events");
  tcase_add_test(tc, events_flow);
  tcase_add_test(tc, events_stale_ack);
  tcase_add_test(tc, events_dead_letters);
  tcase_add_test(tc, events_validation);
  tcase_add_test(tc, events_take_in_transaction);
  tcase_add_test(tc, events_port_without_dead_letters);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(queue_suite());
}
