/*
 * tests/conformance/store_suite.c - what every store adapter must do, tested
 * through the tc_store vtable only (see store_suite.h).
 *
 * Each test is a Check loop test over [i, i+1): i is the index of the
 * factory it runs against, so several adapters can share one process.
 */
#include "store_suite.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS_MAX_FACTORIES 8

static const tc_store_factory *cs_factories[CS_MAX_FACTORIES];
static int cs_nfactories;

/* The stores of the running test, closed by the teardown fixture. */
static const tc_store_factory *cs_fac;
static tc_store *cs_first, *cs_second;

static tc_store *cs_open(int i) {
  ck_assert_int_ge(i, 0);
  ck_assert_int_lt(i, cs_nfactories);
  cs_fac = cs_factories[i];
  cs_first = cs_fac->open_fresh(cs_fac->arg);
  ck_assert_msg(cs_first != NULL, "factory could not open a store");
  ck_assert_int_ge(cs_first->version, 1);
  ck_assert_ptr_nonnull(cs_first->dialect);
  return cs_first;
}

static void cs_teardown(void) {
  if (!cs_fac) return;
  if (cs_second) cs_fac->close(cs_second, cs_fac->arg);
  if (cs_first) cs_fac->close(cs_first, cs_fac->arg);
  cs_second = cs_first = NULL;
  cs_fac = NULL;
}

/* ---- helpers ------------------------------------------------------------- */

static int cs_exec(tc_store *st, const char *sql, const tc_value *p, size_t n,
                   int64_t *changes) {
  return st->exec(st->self, sql, p, n, NULL, NULL, changes);
}

static void cs_ok(tc_store *st, const char *sql) {
  int rc = cs_exec(st, sql, NULL, 0, NULL);
  ck_assert_msg(rc == TC_OK, "%s: %d %s", sql, rc, st->errmsg(st->self));
}

static const char *cs_blob_type(const tc_store *st) {
  return strcmp(st->dialect, "postgres") == 0 ? "BYTEA" : "BLOB";
}

static int cs_int_cb(const tc_value *cols, size_t ncols, void *payload) {
  ck_assert_uint_ge(ncols, 1);
  ck_assert_int_eq(cols[0].type, TC_VALUE_INT);
  *(int64_t *)payload = cols[0].v.i;
  return 0;
}

/* The single integer a query gives. */
static int64_t cs_int(tc_store *st, const char *sql, const tc_value *p,
                      size_t n) {
  int64_t v = -424242;
  int rc = st->exec(st->self, sql, p, n, cs_int_cb, &v, NULL);
  ck_assert_msg(rc == TC_OK, "%s: %d %s", sql, rc, st->errmsg(st->self));
  ck_assert_msg(v != -424242, "%s gave no row", sql);
  return v;
}

static void cs_make_items(tc_store *st) {
  cs_ok(st,
        "CREATE TABLE cs_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
        "UNIQUE, qty INTEGER NOT NULL)");
}

static void cs_insert_items(tc_store *st, int n) {
  for (int k = 1; k <= n; k++) {
    char name[32];
    snprintf(name, sizeof(name), "item-%d", k);
    tc_value p[] = {TC_VAL_INT(k), TC_VAL_TEXTN(name, strlen(name)),
                    TC_VAL_INT(k * 10)};
    int64_t changes = -1;
    ck_assert_int_eq(
        cs_exec(st, "INSERT INTO cs_items VALUES (?, ?, ?)", p, 3, &changes),
        TC_OK);
    ck_assert_int_eq(changes, 1);
  }
}

/* ---- typed values -------------------------------------------------------- */

typedef struct cs_row {
  int seen;
  tc_value v[5];
  char text[64];
  unsigned char blob[64];
} cs_row;

/* Copy a row so it can be checked after the callback. */
static int cs_row_cb(const tc_value *cols, size_t ncols, void *payload) {
  cs_row *r = payload;
  ck_assert_uint_eq(ncols, 5);
  r->seen++;
  memcpy(r->v, cols, sizeof(r->v));
  if (cols[3].type == TC_VALUE_TEXT) {
    ck_assert_uint_lt(cols[3].len, sizeof(r->text));
    /* Column text is NUL-terminated at len. */
    ck_assert_int_eq(cols[3].v.s[cols[3].len], '\0');
    memcpy(r->text, cols[3].v.s, cols[3].len + 1);
  }
  if (cols[4].type == TC_VALUE_BLOB) {
    ck_assert_uint_le(cols[4].len, sizeof(r->blob));
    if (cols[4].len) memcpy(r->blob, cols[4].v.b, cols[4].len);
  }
  return 0;
}

static void cs_read_row(tc_store *st, int64_t id, cs_row *r) {
  memset(r, 0, sizeof(*r));
  tc_value p[] = {TC_VAL_INT(id)};
  int rc =
      st->exec(st->self, "SELECT id, i, r, s, b FROM cs_types WHERE id = ?", p,
               1, cs_row_cb, r, NULL);
  ck_assert_msg(rc == TC_OK, "%s", st->errmsg(st->self));
  ck_assert_int_eq(r->seen, 1);
}

static void cs_make_types(tc_store *st) {
  char sql[256];
  snprintf(sql, sizeof(sql),
           "CREATE TABLE cs_types (id INTEGER PRIMARY KEY, i BIGINT, "
           "r DOUBLE PRECISION, s TEXT, b %s)",
           cs_blob_type(st));
  cs_ok(st, sql);
}

static void cs_put(tc_store *st, int64_t id, tc_value i, tc_value r, tc_value s,
                   tc_value b) {
  tc_value p[] = {TC_VAL_INT(id), i, r, s, b};
  int64_t changes = 0;
  int rc = cs_exec(st,
                   "INSERT INTO cs_types (id, i, r, s, b) VALUES "
                   "(?, ?, ?, ?, ?)",
                   p, 5, &changes);
  ck_assert_msg(rc == TC_OK, "%s", st->errmsg(st->self));
  ck_assert_int_eq(changes, 1);
}

START_TEST(test_values_roundtrip) {
  tc_store *st = cs_open(_i);
  cs_make_types(st);
  static const unsigned char bytes[] = {0, 1, 2, 0xff, 0, 0x80, 'x'};

  cs_put(st, 1, TC_VAL_INT(INT64_MAX), TC_VAL_REAL(3.25), TC_VAL_TEXT("héllo"),
         TC_VAL_BLOB(bytes, sizeof(bytes)));
  cs_put(st, 2, TC_VAL_INT(INT64_MIN), TC_VAL_REAL(-1e300), TC_VAL_TEXT(""),
         TC_VAL_BLOB("", 0));
  /* len is what counts, not a NUL: only "abc" of "abcdef" is bound. */
  cs_put(st, 3, TC_VAL_INT(0), TC_VAL_REAL(DBL_MIN), TC_VAL_TEXTN("abcdef", 3),
         TC_VAL_BLOB(bytes, 3));
  cs_put(st, 4, TC_VAL_NULL, TC_VAL_NULL, TC_VAL_NULL, TC_VAL_NULL);
  cs_put(st, 5, TC_VAL_INT(-1), TC_VAL_REAL(0.0), TC_VAL_NULL,
         TC_VAL_BLOB(bytes + 6, 1));

  cs_row r;
  cs_read_row(st, 1, &r);
  ck_assert_int_eq(r.v[0].type, TC_VALUE_INT);
  ck_assert_int_eq(r.v[0].v.i, 1);
  ck_assert_int_eq(r.v[1].type, TC_VALUE_INT);
  ck_assert(r.v[1].v.i == INT64_MAX);
  ck_assert_int_eq(r.v[2].type, TC_VALUE_REAL);
  ck_assert(r.v[2].v.r == 3.25);
  ck_assert_int_eq(r.v[3].type, TC_VALUE_TEXT);
  ck_assert_uint_eq(r.v[3].len, strlen("héllo"));
  ck_assert_str_eq(r.text, "héllo");
  ck_assert_int_eq(r.v[4].type, TC_VALUE_BLOB);
  ck_assert_uint_eq(r.v[4].len, sizeof(bytes));
  ck_assert_mem_eq(r.blob, bytes, sizeof(bytes));

  cs_read_row(st, 2, &r);
  ck_assert(r.v[1].v.i == INT64_MIN);
  ck_assert(r.v[2].v.r == -1e300);
  ck_assert_int_eq(r.v[3].type, TC_VALUE_TEXT); /* empty text is not NULL */
  ck_assert_uint_eq(r.v[3].len, 0);
  ck_assert_str_eq(r.text, "");
  ck_assert_int_eq(r.v[4].type, TC_VALUE_BLOB); /* empty blob is not NULL */
  ck_assert_uint_eq(r.v[4].len, 0);
  ck_assert_ptr_nonnull(r.v[4].v.b);

  cs_read_row(st, 3, &r);
  ck_assert_int_eq(r.v[1].v.i, 0);
  ck_assert(r.v[2].v.r == DBL_MIN);
  ck_assert_uint_eq(r.v[3].len, 3);
  ck_assert_str_eq(r.text, "abc");
  ck_assert_uint_eq(r.v[4].len, 3);
  ck_assert_mem_eq(r.blob, bytes, 3);

  cs_read_row(st, 4, &r);
  for (int c = 1; c < 5; c++) ck_assert_int_eq(r.v[c].type, TC_VALUE_NULL);

  cs_read_row(st, 5, &r);
  ck_assert_int_eq(r.v[1].v.i, -1);
  ck_assert_int_eq(r.v[2].type, TC_VALUE_REAL);
  ck_assert(r.v[2].v.r == 0.0);
  ck_assert_int_eq(r.v[3].type, TC_VALUE_NULL);
  ck_assert_uint_eq(r.v[4].len, 1);
  ck_assert_int_eq(r.blob[0], 'x');

  /* Values bound in a WHERE clause compare as their types. */
  tc_value p[] = {TC_VAL_INT(INT64_MIN), TC_VAL_TEXT("")};
  ck_assert_int_eq(
      cs_int(st, "SELECT id FROM cs_types WHERE i = ? AND s = ?", p, 2), 2);
  tc_value pb[] = {TC_VAL_BLOB(bytes, sizeof(bytes))};
  ck_assert_int_eq(cs_int(st, "SELECT id FROM cs_types WHERE b = ?", pb, 1), 1);
}
END_TEST

START_TEST(test_expression_types) {
  tc_store *st = cs_open(_i);
  cs_row r;
  memset(&r, 0, sizeof(r));
  tc_value p[] = {TC_VAL_INT(7), TC_VAL_REAL(2.5), TC_VAL_TEXT("t"),
                  TC_VAL_BLOB("\x01\x02", 2)};
  int rc =
      st->exec(st->self, "SELECT ?, ?, NULL, ?, ?", p, 4, cs_row_cb, &r, NULL);
  /* A SELECT of bound parameters needs casts on some engines; SQLite and
   * others that infer the types answer directly. */
  if (rc == TC_OK) {
    ck_assert_int_eq(r.seen, 1);
    /* PostgreSQL types a parameter that only stands in a select list as
     * text (the value comes back as its text); others keep the type. */
    if (r.v[0].type != TC_VALUE_TEXT) ck_assert_int_eq(r.v[0].v.i, 7);
    if (r.v[1].type != TC_VALUE_TEXT) ck_assert(r.v[1].v.r == 2.5);
    ck_assert_int_eq(r.v[2].type, TC_VALUE_NULL);
    ck_assert_str_eq(r.text, "t");
    if (r.v[4].type == TC_VALUE_BLOB) ck_assert_mem_eq(r.blob, "\x01\x02", 2);
  }
  /* A row callback NULL still runs the statement; changes NULL is fine. */
  ck_assert_int_eq(st->exec(st->self, "SELECT 1", NULL, 0, NULL, NULL, NULL),
                   TC_OK);
}
END_TEST

/* ---- row callbacks ------------------------------------------------------- */

typedef struct cs_count {
  int rows;
  int stop_at;
  int fail_at;
  int64_t sum;
} cs_count;

static int cs_count_cb(const tc_value *cols, size_t ncols, void *payload) {
  cs_count *c = payload;
  ck_assert_uint_eq(ncols, 1);
  c->rows++;
  c->sum += cols[0].v.i;
  if (c->rows == c->stop_at) return TC_STORE_STOP;
  if (c->rows == c->fail_at) return TC_ENOTFOUND;
  return 0;
}

START_TEST(test_row_callback_stop_and_error) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  cs_insert_items(st, 10);
  const char *sql = "SELECT qty FROM cs_items ORDER BY id";

  cs_count c = {0, 3, 0, 0};
  ck_assert_int_eq(st->exec(st->self, sql, NULL, 0, cs_count_cb, &c, NULL),
                   TC_OK);
  ck_assert_int_eq(c.rows, 3);
  ck_assert_int_eq(c.sum, 60);

  c = (cs_count){0, 0, 2, 0};
  ck_assert_int_eq(st->exec(st->self, sql, NULL, 0, cs_count_cb, &c, NULL),
                   TC_ENOTFOUND);
  ck_assert_int_eq(c.rows, 2);

  /* The same statement runs whole afterwards: nothing was left open. */
  c = (cs_count){0, 0, 0, 0};
  ck_assert_int_eq(st->exec(st->self, sql, NULL, 0, cs_count_cb, &c, NULL),
                   TC_OK);
  ck_assert_int_eq(c.rows, 10);
  ck_assert_int_eq(c.sum, 550);

  /* A stopped read inside a transaction does not block the commit. */
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  c = (cs_count){0, 1, 0, 0};
  ck_assert_int_eq(st->exec(st->self, sql, NULL, 0, cs_count_cb, &c, NULL),
                   TC_OK);
  cs_ok(st, "DELETE FROM cs_items WHERE id = 1");
  ck_assert_int_eq(st->commit(st->self), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 9);
}
END_TEST

/* ---- changes ------------------------------------------------------------- */

START_TEST(test_changes) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  cs_insert_items(st, 5);
  int64_t changes = -1;
  tc_value p[] = {TC_VAL_INT(3)};
  ck_assert_int_eq(
      cs_exec(st, "UPDATE cs_items SET qty = qty + 1 WHERE id <= ?", p, 1,
              &changes),
      TC_OK);
  ck_assert_int_eq(changes, 3);

  changes = -1;
  ck_assert_int_eq(cs_exec(st, "SELECT qty FROM cs_items", NULL, 0, &changes),
                   TC_OK);
  ck_assert_int_eq(changes, 0); /* a read changes nothing */

  changes = -1;
  tc_value none[] = {TC_VAL_INT(999)};
  ck_assert_int_eq(
      cs_exec(st, "DELETE FROM cs_items WHERE id = ?", none, 1, &changes),
      TC_OK);
  ck_assert_int_eq(changes, 0);

  changes = -1;
  ck_assert_int_eq(cs_exec(st, "DELETE FROM cs_items", NULL, 0, &changes),
                   TC_OK);
  ck_assert_int_eq(changes, 5);

  /* A conditional update reports whether it matched: the stock pattern. */
  cs_insert_items(st, 1);
  tc_value q[] = {TC_VAL_INT(4), TC_VAL_INT(1), TC_VAL_INT(4)};
  const char *take =
      "UPDATE cs_items SET qty = qty - ? WHERE id = ? AND qty >= ?";
  ck_assert_int_eq(cs_exec(st, take, q, 3, &changes), TC_OK);
  ck_assert_int_eq(changes, 1);
  ck_assert_int_eq(cs_exec(st, take, q, 3, &changes), TC_OK);
  ck_assert_int_eq(changes, 1);
  ck_assert_int_eq(cs_exec(st, take, q, 3, &changes), TC_OK);
  ck_assert_int_eq(changes, 0); /* 2 left, 4 asked */
}
END_TEST

/* ---- constraint errors --------------------------------------------------- */

START_TEST(test_unique_conflict) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  cs_insert_items(st, 2);
  tc_value dup_pk[] = {TC_VAL_INT(1), TC_VAL_TEXT("other"), TC_VAL_INT(0)};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_items VALUES (?, ?, ?)", dup_pk, 3, NULL),
      TC_ECONFLICT);
  ck_assert_str_ne(st->errmsg(st->self), "");
  tc_value dup_name[] = {TC_VAL_INT(9), TC_VAL_TEXT("item-2"), TC_VAL_INT(0)};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_items VALUES (?, ?, ?)", dup_name, 3, NULL),
      TC_ECONFLICT);
  /* In a transaction the conflict fails only that statement. */
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  tc_value fresh[] = {TC_VAL_INT(3), TC_VAL_TEXT("item-3"), TC_VAL_INT(0)};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_items VALUES (?, ?, ?)", fresh, 3, NULL),
      TC_OK);
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_items VALUES (?, ?, ?)", dup_name, 3, NULL),
      TC_ECONFLICT);
  ck_assert_int_eq(st->commit(st->self), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 3);
}
END_TEST

START_TEST(test_other_constraints_are_storage) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  cs_ok(st,
        "CREATE TABLE cs_child (id INTEGER PRIMARY KEY, item INTEGER NOT NULL "
        "REFERENCES cs_items(id), n INTEGER CHECK (n > 0))");
  cs_insert_items(st, 1);
  /* NOT NULL, CHECK and foreign keys are not conflicts: the core treats
   * TC_ECONFLICT as "this key exists already". */
  tc_value nul[] = {TC_VAL_INT(5), TC_VAL_TEXT("x"), TC_VAL_NULL};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_items VALUES (?, ?, ?)", nul, 3, NULL),
      TC_ESTORAGE);
  tc_value fk[] = {TC_VAL_INT(1), TC_VAL_INT(77), TC_VAL_INT(1)};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_child VALUES (?, ?, ?)", fk, 3, NULL),
      TC_ESTORAGE);
  ck_assert_str_ne(st->errmsg(st->self), "");
  tc_value chk[] = {TC_VAL_INT(1), TC_VAL_INT(1), TC_VAL_INT(0)};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_child VALUES (?, ?, ?)", chk, 3, NULL),
      TC_ESTORAGE);
  tc_value good[] = {TC_VAL_INT(1), TC_VAL_INT(1), TC_VAL_INT(1)};
  ck_assert_int_eq(
      cs_exec(st, "INSERT INTO cs_child VALUES (?, ?, ?)", good, 3, NULL),
      TC_OK);
}
END_TEST

/* ---- transactions -------------------------------------------------------- */

START_TEST(test_txn_commit_and_rollback) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);

  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  cs_insert_items(st, 2);
  ck_assert_int_eq(st->commit(st->self), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 2);

  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  cs_ok(st, "DELETE FROM cs_items");
  cs_ok(st, "INSERT INTO cs_items VALUES (10, 'ten', 10)");
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 1);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 2);
  ck_assert_int_eq(cs_int(st, "SELECT sum(qty) FROM cs_items", NULL, 0), 30);

  /* A read transaction may write too (it takes the lock on first write). */
  ck_assert_int_eq(st->begin(st->self, TC_TXN_READ), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 2);
  cs_ok(st, "UPDATE cs_items SET qty = 0");
  ck_assert_int_eq(st->commit(st->self), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT sum(qty) FROM cs_items", NULL, 0), 0);

  /* Schema changes roll back too. */
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  cs_ok(st, "CREATE TABLE cs_gone (x INTEGER)");
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(cs_exec(st, "SELECT x FROM cs_gone", NULL, 0, NULL),
                   TC_ESTORAGE);
}
END_TEST

START_TEST(test_rollback_without_txn) {
  tc_store *st = cs_open(_i);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  /* And a transaction can start again after all that. */
  ck_assert_int_eq(st->begin(st->self, TC_TXN_READ), TC_OK);
  ck_assert_int_eq(st->commit(st->self), TC_OK);
}
END_TEST

/* ---- misuse and errors --------------------------------------------------- */

START_TEST(test_wrong_param_count) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  const char *sql = "INSERT INTO cs_items VALUES (?, ?, ?)";
  tc_value p[] = {TC_VAL_INT(1), TC_VAL_TEXT("a"), TC_VAL_INT(1),
                  TC_VAL_INT(4)};
  ck_assert_int_eq(cs_exec(st, sql, p, 2, NULL), TC_EINVAL);
  ck_assert_str_ne(st->errmsg(st->self), "");
  ck_assert_int_eq(cs_exec(st, sql, p, 4, NULL), TC_EINVAL);
  ck_assert_int_eq(cs_exec(st, "SELECT 1", p, 1, NULL), TC_EINVAL);
  /* Nothing was written, and the right count works. */
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_items", NULL, 0), 0);
  ck_assert_int_eq(cs_exec(st, sql, p, 3, NULL), TC_OK);
}
END_TEST

START_TEST(test_syntax_error) {
  tc_store *st = cs_open(_i);
  ck_assert_int_eq(cs_exec(st, "SELEC 1 FROM nowhere", NULL, 0, NULL),
                   TC_ESTORAGE);
  const char *msg = st->errmsg(st->self);
  ck_assert_ptr_nonnull(msg);
  ck_assert_str_ne(msg, "");
  ck_assert_int_eq(cs_exec(st, "SELECT * FROM no_such_table", NULL, 0, NULL),
                   TC_ESTORAGE);
  ck_assert_ptr_nonnull(strstr(st->errmsg(st->self), "no_such_table"));
  /* The connection is fine afterwards. */
  ck_assert_int_eq(cs_int(st, "SELECT 1 + 1", NULL, 0), 2);
}
END_TEST

START_TEST(test_statement_reuse) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  /* The same text again and again with other values: a cached statement
   * must be reset and rebound each time. */
  const char *ins = "INSERT INTO cs_items (id, name, qty) VALUES (?, ?, ?)";
  const char *get = "SELECT qty FROM cs_items WHERE name = ?";
  for (int k = 1; k <= 500; k++) {
    char name[32];
    snprintf(name, sizeof(name), "n%d", k);
    tc_value p[] = {TC_VAL_INT(k), TC_VAL_TEXTN(name, strlen(name)),
                    TC_VAL_INT(k)};
    ck_assert_int_eq(cs_exec(st, ins, p, 3, NULL), TC_OK);
    tc_value q[] = {TC_VAL_TEXTN(name, strlen(name))};
    ck_assert_int_eq(cs_int(st, get, q, 1), k);
  }
  ck_assert_int_eq(cs_int(st, "SELECT sum(qty) FROM cs_items", NULL, 0),
                   500 * 501 / 2);
  /* A copy of the text in another buffer finds the same statement. */
  char copy[128];
  snprintf(copy, sizeof(copy), "%s", get);
  tc_value q[] = {TC_VAL_TEXT("n42")};
  ck_assert_int_eq(cs_int(st, copy, q, 1), 42);
  /* And a buffer reused for other text is not mistaken for the old one. */
  snprintf(copy, sizeof(copy), "SELECT id + 1000 FROM cs_items WHERE name = ?");
  ck_assert_int_eq(cs_int(st, copy, q, 1), 1042);
}
END_TEST

START_TEST(test_script) {
  tc_store *st = cs_open(_i);
  /* Several statements and no parameters: run one after another, as the
   * migrations runner sends them. */
  int64_t changes = -1;
  int rc = cs_exec(st,
                   "CREATE TABLE cs_a (x INTEGER);\n"
                   "-- a comment between statements\n"
                   "CREATE TABLE cs_b (y INTEGER);\n"
                   "INSERT INTO cs_a VALUES (1);\n"
                   "INSERT INTO cs_a VALUES (2);\n"
                   "INSERT INTO cs_b VALUES (3);\n",
                   NULL, 0, &changes);
  ck_assert_msg(rc == TC_OK, "%s", st->errmsg(st->self));
  ck_assert_int_eq(changes, 3);
  ck_assert_int_eq(cs_int(st, "SELECT count(*) FROM cs_a", NULL, 0), 2);
  ck_assert_int_eq(cs_int(st, "SELECT y FROM cs_b", NULL, 0), 3);
  /* A failing statement in the middle stops the script with its error. */
  ck_assert_int_eq(cs_exec(st,
                           "INSERT INTO cs_a VALUES (4); "
                           "INSERT INTO nowhere VALUES (5); "
                           "INSERT INTO cs_a VALUES (6);",
                           NULL, 0, NULL),
                   TC_ESTORAGE);
  /* (Whether the first INSERT stays is the engine's business: SQLite
   * keeps it, PostgreSQL runs a script as one implicit transaction.) */
  ck_assert_int_lt(cs_int(st, "SELECT max(x) FROM cs_a", NULL, 0), 6);
  /* A single statement with a trailing semicolon is just that. */
  tc_value p[] = {TC_VAL_INT(9)};
  ck_assert_int_eq(cs_exec(st, "INSERT INTO cs_a VALUES (?);", p, 1, NULL),
                   TC_OK);
}
END_TEST

/* ---- locking between connections ----------------------------------------- */

/*
 * A writer waits for another's write lock only so long, then TC_EBUSY.
 * Engines with one write lock per database (SQLite) refuse at begin;
 * engines with row locks (PostgreSQL) refuse at the first write to a row
 * the other holds. Either way the loser's transaction can be rolled back
 * and nothing of it stays.
 */
static int cs_conflicting_write(tc_store *st, const char *sql) {
  int rc = st->begin(st->self, TC_TXN_WRITE);
  if (rc != TC_OK) return rc;
  rc = cs_exec(st, sql, NULL, 0, NULL);
  if (rc != TC_OK) return rc;
  ck_abort_msg("a second writer got through: %s", sql);
  return TC_OK;
}

START_TEST(test_second_writer_busy) {
  tc_store *st = cs_open(_i);
  cs_make_items(st);
  cs_insert_items(st, 1);
  cs_second = cs_fac->open_second(st, cs_fac->arg);
  ck_assert_ptr_nonnull(cs_second);
  tc_store *b = cs_second;

  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  cs_ok(st, "UPDATE cs_items SET qty = qty + 1 WHERE id = 1");
  ck_assert_int_eq(
      cs_conflicting_write(b, "UPDATE cs_items SET qty = 0 WHERE id = 1"),
      TC_EBUSY);
  ck_assert_str_ne(b->errmsg(b->self), "");
  ck_assert_int_eq(b->rollback(b->self), TC_OK);
  /* A reader still sees the last committed state meanwhile. */
  ck_assert_int_eq(cs_int(b, "SELECT qty FROM cs_items", NULL, 0), 10);
  ck_assert_int_eq(st->commit(st->self), TC_OK);

  ck_assert_int_eq(b->begin(b->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(cs_int(b, "SELECT qty FROM cs_items", NULL, 0), 11);
  cs_ok(b, "UPDATE cs_items SET qty = 99");
  /* Now the first one waits its turn. */
  ck_assert_int_eq(
      cs_conflicting_write(st, "UPDATE cs_items SET qty = 1 WHERE id = 1"),
      TC_EBUSY);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(b->commit(b->self), TC_OK);
  ck_assert_int_eq(cs_int(st, "SELECT qty FROM cs_items", NULL, 0), 99);
}
END_TEST

/* ---- registration -------------------------------------------------------- */

void tc_store_conformance_add(Suite *s, const tc_store_factory *factory) {
  if (cs_nfactories >= CS_MAX_FACTORIES) {
    fprintf(stderr, "store_suite: more than %d factories\n", CS_MAX_FACTORIES);
    abort();
  }
  int i = cs_nfactories++;
  cs_factories[i] = factory;
  TCase *tc = tcase_create("store_conformance");
  tcase_add_checked_fixture(tc, NULL, cs_teardown);
  tcase_add_loop_test(tc, test_values_roundtrip, i, i + 1);
  tcase_add_loop_test(tc, test_expression_types, i, i + 1);
  tcase_add_loop_test(tc, test_row_callback_stop_and_error, i, i + 1);
  tcase_add_loop_test(tc, test_changes, i, i + 1);
  tcase_add_loop_test(tc, test_unique_conflict, i, i + 1);
  tcase_add_loop_test(tc, test_other_constraints_are_storage, i, i + 1);
  tcase_add_loop_test(tc, test_txn_commit_and_rollback, i, i + 1);
  tcase_add_loop_test(tc, test_rollback_without_txn, i, i + 1);
  tcase_add_loop_test(tc, test_wrong_param_count, i, i + 1);
  tcase_add_loop_test(tc, test_syntax_error, i, i + 1);
  tcase_add_loop_test(tc, test_statement_reuse, i, i + 1);
  tcase_add_loop_test(tc, test_script, i, i + 1);
  /* Only for adapters that can open a second connection. */
  if (factory->open_second)
    tcase_add_loop_test(tc, test_second_writer_busy, i, i + 1);
  suite_add_tcase(s, tc);
}

Suite *tc_store_conformance_suite(const char *name,
                                  const tc_store_factory *factory) {
  Suite *s = suite_create(name);
  tc_store_conformance_add(s, factory);
  return s;
}
