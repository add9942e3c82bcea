/*
 * tests/test_pg.c - suite "pg": the PostgreSQL store against a real server
 * (TECHCORP_TEST_PG, see tests/services.h): the store port conformance
 * suite, each test in a fresh schema, then what is PostgreSQL's own:
 * placeholders next to quotes, inferred and explicit parameter types,
 * reconnection after the backend was terminated, busy errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformance/queue_suite.h"
#include "conformance/store_suite.h"
#include "core/internal.h"
#include "services.h"
#include "testutil.h"

/* ---- the conformance factory ---------------------------------------------
 * One schema per test case; the second connection shares it. */

typedef struct pg_fixture {
  char schema[64];
  char conninfo[1024];
  tc_store *first;
} pg_fixture;

static pg_fixture fx;

static tc_store *pg_open_with(const char *conninfo, int lock_ms) {
  tc_pg_options o = TC_PG_OPTIONS_INIT;
  o.lock_timeout_ms = lock_ms;
  tc_store *st = NULL;
  int rc = tc_store_pg_open(&st, conninfo, &o);
  ck_assert_msg(rc == TC_OK, "open: %s", tc_last_error_message());
  return st;
}

static tc_store *pg_open_fresh(void *arg) {
  pg_fixture *f = arg;
  tt_pg_schema_new(f->conninfo, sizeof(f->conninfo), f->schema);
  /* short lock waits: the second-writer test waits on both sides */
  f->first = pg_open_with(f->conninfo, 200);
  return f->first;
}

static tc_store *pg_open_second(tc_store *first, void *arg) {
  (void)first;
  return pg_open_with(((pg_fixture *)arg)->conninfo, 50);
}

static void pg_drop_schema(void) {
  if (fx.schema[0]) tt_pg_schema_drop(fx.schema);
  fx.schema[0] = '\0';
}

/* Seconds are closed first; the schema goes with the first. */
static void pg_close(tc_store *st, void *arg) {
  pg_fixture *f = arg;
  bool first = st == f->first;
  st->free(st->self);
  if (first) {
    f->first = NULL;
    pg_drop_schema();
  }
}

static const tc_store_factory pg_factory = {pg_open_fresh, pg_open_second,
                                            pg_close, &fx};

/* ---- PostgreSQL's own ------------------------------------------------------
 */

static tc_store *S;

static void own_setup(void) {
  tt_pg_schema_new(fx.conninfo, sizeof(fx.conninfo), fx.schema);
  S = pg_open_with(fx.conninfo, 0);
}

static void own_teardown(void) {
  if (S) S->free(S->self);
  S = NULL;
  pg_drop_schema();
}

static void ok(tc_store *st, const char *sql) {
  int rc = st->exec(st->self, sql, NULL, 0, NULL, NULL, NULL);
  ck_assert_msg(rc == TC_OK, "%s: %s", sql, st->errmsg(st->self));
}

static int text_cb(const tc_value *cols, size_t n, void *payload) {
  ck_assert_uint_ge(n, 1);
  snprintf(payload, 128, "%s",
           cols[0].type == TC_VALUE_TEXT ? cols[0].v.s : "(not text)");
  return 0;
}

static int int_cb(const tc_value *cols, size_t n, void *payload) {
  ck_assert_uint_ge(n, 1);
  ck_assert_int_eq(cols[0].type, TC_VALUE_INT);
  *(int64_t *)payload = cols[0].v.i;
  return 0;
}

static int64_t one_int(tc_store *st, const char *sql, const tc_value *p,
                       size_t n) {
  int64_t v = -4242;
  int rc = st->exec(st->self, sql, p, n, int_cb, &v, NULL);
  ck_assert_msg(rc == TC_OK, "%s: %s", sql, st->errmsg(st->self));
  return v;
}

START_TEST(placeholders_beside_quotes) {
  char got[128] = "";
  tc_value p[] = {TC_VAL_TEXT("x")};
  /* Only the last ? is a parameter. */
  const char *sql =
      "SELECT '?' || \"q\" || $$?$$ || E'\\'?' || ? /* ? */ -- ?\n"
      "FROM (SELECT 'a?' AS \"q\") t";
  int rc = S->exec(S->self, sql, p, 1, text_cb, got, NULL);
  ck_assert_msg(rc == TC_OK, "%s", S->errmsg(S->self));
  ck_assert_str_eq(got,
                   "?a?"
                   "?'?x");
  /* ?NNN numbers a parameter, as in SQLite; a bare ? follows the largest */
  tc_value two[] = {TC_VAL_INT(5), TC_VAL_INT(7)};
  int64_t v = -1;
  rc = S->exec(S->self, "SELECT ?2 * 10 + ?1 + 0 * ?1", two, 2, int_cb, &v,
               NULL);
  ck_assert_msg(rc == TC_OK, "%s", S->errmsg(S->self));
  ck_assert_int_eq(v, 75);
  rc = S->exec(S->self, "SELECT ?1 * 100 + ? * 10 + ?1", two, 2, int_cb, &v,
               NULL);
  ck_assert_msg(rc == TC_OK, "%s", S->errmsg(S->self));
  ck_assert_int_eq(v, 575);
  /* The count is checked against what the text holds. */
  ck_assert_int_eq(S->exec(S->self, sql, NULL, 0, NULL, NULL, NULL), TC_EINVAL);
}
END_TEST

START_TEST(parameter_types) {
  ok(S,
     "CREATE TABLE t (id INTEGER PRIMARY KEY, n SMALLINT, s TEXT, "
     "f REAL, ok BOOLEAN, amount NUMERIC(12, 2), big BIGINT)");
  /* int8 values into int4/int2 columns, text into a boolean: the server
   * infers each parameter's type from its column. */
  tc_value p[] = {TC_VAL_INT(1),        TC_VAL_INT(7),
                  TC_VAL_TEXT("s"),     TC_VAL_REAL(0.5),
                  TC_VAL_TEXT("true"),  TC_VAL_TEXT("12.50"),
                  TC_VAL_INT(INT64_MAX)};
  int rc = S->exec(S->self, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", p, 7,
                   NULL, NULL, NULL);
  ck_assert_msg(rc == TC_OK, "%s", S->errmsg(S->self));
  ck_assert_int_eq(one_int(S, "SELECT n FROM t", NULL, 0), 7);
  ck_assert_int_eq(one_int(S, "SELECT ok FROM t", NULL, 0), 1);
  ck_assert(one_int(S, "SELECT big FROM t", NULL, 0) == INT64_MAX);
  /* sum(bigint) is numeric on PostgreSQL: integral numerics read as ints */
  ck_assert(one_int(S, "SELECT sum(big) FROM t", NULL, 0) == INT64_MAX);
  /* "? IS NULL" cannot be inferred: prepared again with the value's type */
  tc_value q[] = {TC_VAL_NULL, TC_VAL_INT(1)};
  ck_assert_int_eq(
      one_int(S, "SELECT count(*) FROM t WHERE ? IS NULL AND id = ?", q, 2), 1);
  tc_value q2[] = {TC_VAL_INT(3), TC_VAL_INT(1)};
  ck_assert_int_eq(
      one_int(S, "SELECT count(*) FROM t WHERE ? IS NULL AND id = ?", q2, 2),
      0);
  /* a value the column cannot take is a storage error with a message */
  tc_value bad[] = {TC_VAL_TEXT("many")};
  ck_assert_int_eq(
      S->exec(S->self, "UPDATE t SET n = ?", bad, 1, NULL, NULL, NULL),
      TC_ESTORAGE);
  ck_assert_ptr_nonnull(strstr(S->errmsg(S->self), "22P02"));
  /* text with a NUL byte cannot be PostgreSQL text */
  tc_value nul[] = {TC_VAL_TEXTN("a\0b", 3)};
  ck_assert_int_eq(
      S->exec(S->self, "UPDATE t SET s = ?", nul, 1, NULL, NULL, NULL),
      TC_EINVAL);
}
END_TEST

static int64_t backend_pid(tc_store *st) {
  return one_int(st, "SELECT pg_backend_pid()", NULL, 0);
}

static void terminate(int64_t pid) {
  char sql[256];
  snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%lld)",
           (long long)pid);
  ck_assert_int_eq(tt_pg_admin(sql), TC_OK);
  /* The backend is gone once pg_stat_activity no longer lists it. */
  for (int i = 0; i < 200; i++) {
    snprintf(sql, sizeof(sql),
             "DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE "
             "pid = %lld) THEN RAISE EXCEPTION 'alive'; END IF; END$$",
             (long long)pid);
    tc_store *st = pg_open_with(tt_service("TECHCORP_TEST_PG"), 0);
    int rc = st->exec(st->self, sql, NULL, 0, NULL, NULL, NULL);
    st->free(st->self);
    if (rc == TC_OK) return;
    usleep(10000);
  }
  ck_abort_msg("backend %lld was not terminated", (long long)pid);
}

START_TEST(reconnect_after_terminate_idle) {
  ok(S, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
  tc_value p[] = {TC_VAL_INT(1)};
  ck_assert_int_eq(
      S->exec(S->self, "INSERT INTO t VALUES (?)", p, 1, NULL, NULL, NULL),
      TC_OK);
  int64_t before = backend_pid(S);
  terminate(before);
  /* The next call notices, reconnects and runs: prepared statements are
   * prepared again on the new connection. */
  ck_assert_int_eq(one_int(S, "SELECT count(*) FROM t", NULL, 0), 1);
  ck_assert_int_ne(backend_pid(S), before);
  tc_value p2[] = {TC_VAL_INT(2)};
  ck_assert_int_eq(
      S->exec(S->self, "INSERT INTO t VALUES (?)", p2, 1, NULL, NULL, NULL),
      TC_OK);
  ck_assert_int_eq(one_int(S, "SELECT count(*) FROM t", NULL, 0), 2);
}
END_TEST

START_TEST(connection_lost_in_transaction) {
  ok(S, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
  ck_assert_int_eq(S->begin(S->self, TC_TXN_WRITE), TC_OK);
  ok(S, "INSERT INTO t VALUES (1)");
  terminate(backend_pid(S));
  /* The transaction died with its connection: unavailable, not a retry. */
  int rc =
      S->exec(S->self, "INSERT INTO t VALUES (2)", NULL, 0, NULL, NULL, NULL);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  ck_assert_str_ne(S->errmsg(S->self), "");
  ck_assert_int_eq(S->rollback(S->self), TC_OK);
  /* The next transaction reconnects; nothing of the lost one is there. */
  ck_assert_int_eq(S->begin(S->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(one_int(S, "SELECT count(*) FROM t", NULL, 0), 0);
  ck_assert_int_eq(S->commit(S->self), TC_OK);
}
END_TEST

START_TEST(server_unreachable) {
  tc_store *st = (tc_store *)1;
  int rc =
      tc_store_pg_open(&st, "host=127.0.0.1 port=1 connect_timeout=2", NULL);
  ck_assert_int_eq(rc, TC_EUNAVAILABLE);
  ck_assert_ptr_null(st);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "cannot connect"));
  ck_assert_int_eq(
      tc_store_pg_open(&st, "host=127.0.0.1 no_such_option=1", NULL),
      TC_EINVAL);
  ck_assert_int_eq(tc_store_pg_open(&st, NULL, NULL), TC_EINVAL);
  tc_pg_options o = TC_PG_OPTIONS_INIT;
  o.version = 0;
  ck_assert_int_eq(tc_store_pg_open(&st, fx.conninfo, &o), TC_EINVAL);
  o = (tc_pg_options)TC_PG_OPTIONS_INIT;
  o.write_isolation = (tc_pg_isolation)9;
  ck_assert_int_eq(tc_store_pg_open(&st, fx.conninfo, &o), TC_EINVAL);
}
END_TEST

START_TEST(deadlock_and_serialization_are_busy) {
  ok(S, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  ok(S, "INSERT INTO t VALUES (1, 0), (2, 0)");
  tc_pg_options o = TC_PG_OPTIONS_INIT;
  o.write_isolation = TC_PG_SERIALIZABLE;
  tc_store *a = NULL, *b = NULL;
  ck_assert_int_eq(tc_store_pg_open(&a, fx.conninfo, &o), TC_OK);
  ck_assert_int_eq(tc_store_pg_open(&b, fx.conninfo, &o), TC_OK);
  /* Write skew: each reads what the other writes. */
  ck_assert_int_eq(a->begin(a->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(b->begin(b->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(one_int(a, "SELECT sum(v) FROM t", NULL, 0), 0);
  ck_assert_int_eq(one_int(b, "SELECT sum(v) FROM t", NULL, 0), 0);
  ok(a, "UPDATE t SET v = 1 WHERE id = 1");
  ok(b, "UPDATE t SET v = 1 WHERE id = 2");
  ck_assert_int_eq(a->commit(a->self), TC_OK);
  int rc = b->commit(b->self);
  ck_assert_int_eq(rc, TC_EBUSY);
  ck_assert_ptr_nonnull(strstr(b->errmsg(b->self), "40001"));
  ck_assert_int_eq(b->rollback(b->self), TC_OK);
  /* A row lock held past lock_timeout is busy too. */
  ck_assert_int_eq(a->begin(a->self, TC_TXN_WRITE), TC_OK);
  ok(a, "UPDATE t SET v = 5 WHERE id = 1");
  tc_store *c = pg_open_with(fx.conninfo, 50);
  ck_assert_int_eq(c->exec(c->self, "UPDATE t SET v = 6 WHERE id = 1", NULL, 0,
                           NULL, NULL, NULL),
                   TC_EBUSY);
  ck_assert_int_eq(a->commit(a->self), TC_OK);
  ck_assert_int_eq(one_int(c, "SELECT v FROM t WHERE id = 1", NULL, 0), 5);
  c->free(c->self);
  a->free(a->self);
  b->free(b->self);
}
END_TEST

START_TEST(many_parameters_and_wide_rows) {
  /* 40 columns: past the stack arrays of both directions */
  char sql[2048] = "CREATE TABLE w (";
  for (int i = 0; i < 40; i++) {
    char col[32];
    snprintf(col, sizeof(col), "%sc%d BIGINT", i ? ", " : "", i);
    strcat(sql, col);
  }
  strcat(sql, ")");
  ok(S, sql);
  tc_value p[40];
  char ins[1024] = "INSERT INTO w VALUES (";
  for (int i = 0; i < 40; i++) {
    p[i] = TC_VAL_INT(i * 1000);
    strcat(ins, i ? ", ?" : "?");
  }
  strcat(ins, ")");
  int rc = S->exec(S->self, ins, p, 40, NULL, NULL, NULL);
  ck_assert_msg(rc == TC_OK, "%s", S->errmsg(S->self));
  ck_assert_int_eq(one_int(S, "SELECT c39 FROM w", NULL, 0), 39000);
}
END_TEST

START_TEST(statement_cache_eviction) {
  tc_pg_options o = TC_PG_OPTIONS_INIT;
  o.statement_cache_size = 4;
  tc_store *st = NULL;
  ck_assert_int_eq(tc_store_pg_open(&st, fx.conninfo, &o), TC_OK);
  for (int round = 0; round < 3; round++) {
    for (int k = 0; k < 10; k++) {
      char sql[64];
      snprintf(sql, sizeof(sql), "SELECT %d + ?", k);
      tc_value p[] = {TC_VAL_INT(round)};
      ck_assert_int_eq(one_int(st, sql, p, 1), k + round);
    }
  }
  /* only the cache's worth is kept prepared on the server */
  ck_assert_int_le(
      one_int(st, "SELECT count(*) FROM pg_prepared_statements", NULL, 0), 5);
  st->free(st->self);
}
END_TEST

START_TEST(every_module_migrates) {
  /* The "postgres" variant of every module's migrations, in one
   * transaction, through this adapter's script path; then nothing. */
  int rc = tc_store_migrate(S, NULL);
  ck_assert_msg(rc == TC_OK, "%s", tc_last_error_message());
  int64_t applied =
      one_int(S, "SELECT count(*) FROM tc_schema_migrations", NULL, 0);
  ck_assert_int_gt(applied, 8);
  ck_assert_int_eq(tc_store_migrate(S, NULL), TC_OK);
  ck_assert_int_eq(
      one_int(S, "SELECT count(*) FROM tc_schema_migrations", NULL, 0),
      applied);
  /* A context over it: the default table queue and the standing
   * subscriptions work on PostgreSQL. */
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = S;
  tc_ctx *ctx = NULL;
  rc = tc_ctx_new(&ctx, &cfg);
  ck_assert_msg(rc == TC_OK, "%s", tc_last_error_message());
  ck_assert_int_eq(tc_events_subscribe(ctx, "g", "a.*"), TC_OK);
  char id[37];
  ck_assert_int_eq(tc_events_publish(ctx, "a.b", "k", "{\"n\":1}", id), TC_OK);
  tc_queue_message *m = NULL;
  rc = tc_events_take(ctx, "g", 1000, &m);
  ck_assert_msg(rc == TC_OK, "%s", tc_errmsg(ctx));
  ck_assert_str_eq(m->id, id);
  ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  tc_ctx_free(ctx);
}
END_TEST

/* ---- the table queue over PostgreSQL: the queue conformance suite -------
 */

typedef struct tq_env {
  pg_fixture pg;
  tc_store *store;
  tt_clock clock;
} tq_env;

static tq_env qenv;

static tc_queue *tq_open(void *arg, uint32_t max_attempts) {
  tq_env *e = arg;
  tt_pg_schema_new(e->pg.conninfo, sizeof(e->pg.conninfo), e->pg.schema);
  e->store = pg_open_with(e->pg.conninfo, 0);
  tt_clock_init(&e->clock, INT64_C(1700000000000));
  tc_table_queue_options o = TC_TABLE_QUEUE_OPTIONS_INIT;
  o.max_attempts = max_attempts;
  o.clock = &e->clock.clock;
  tc_queue *q = NULL;
  int rc = tc_queue_table_new(&q, e->store, &o);
  ck_assert_msg(rc == TC_OK, "%s", tc_last_error_message());
  return q;
}

static void tq_close(void *arg, tc_queue *q) {
  tq_env *e = arg;
  q->free(q->self);
  e->store->free(e->store->self);
  e->store = NULL;
  tt_pg_schema_drop(e->pg.schema);
}

static void tq_advance(void *arg, int64_t ms) {
  ((tq_env *)arg)->clock.now += ms;
}

static const queue_suite_factory table_pg_factory = {
    "table-postgres", &qenv, tq_open, tq_close, tq_advance};

static Suite *pg_suite(void) {
  Suite *s = suite_create("pg");
  tc_store_conformance_add(s, &pg_factory);
  queue_suite_add(s, &table_pg_factory);
  TCase *tc = tcase_create("postgres");
  tcase_add_checked_fixture(tc, own_setup, own_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, placeholders_beside_quotes);
  tcase_add_test(tc, parameter_types);
  tcase_add_test(tc, reconnect_after_terminate_idle);
  tcase_add_test(tc, connection_lost_in_transaction);
  tcase_add_test(tc, server_unreachable);
  tcase_add_test(tc, deadlock_and_serialization_are_busy);
  tcase_add_test(tc, many_parameters_and_wide_rows);
  tcase_add_test(tc, statement_cache_eviction);
  tcase_add_test(tc, every_module_migrates);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  tt_service("TECHCORP_TEST_PG");
  return tt_run(pg_suite());
}
