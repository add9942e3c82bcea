/*
 * tests/test_store.c - suite "store": the SQLite store adapter (the store
 * port conformance suite plus what is SQLite's own) and the schema
 * migrations runner.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformance/store_suite.h"
#include "core/internal.h"
#include "testutil.h"

/* ---- the SQLite factory for the conformance suite ------------------------ */

typedef struct sq_factory {
  const char *path_name; /* file name in a fresh dir, or ":memory:" */
  size_t cache_size;     /* statement_cache_size option */
  char dir[512];
  char path[600];
  tc_store *first;
} sq_factory;

static tc_store *sq_open_opts(const char *path, size_t cache, int read_only) {
  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.busy_timeout_ms = 1; /* lock tests must not wait */
  o.statement_cache_size = cache;
  o.read_only = read_only;
  tc_store *st = NULL;
  int rc = tc_store_sqlite_open(&st, path, &o);
  ck_assert_msg(rc == TC_OK, "open %s: %d %s", path, rc,
                tc_last_error_message());
  return st;
}

static tc_store *sq_fresh(void *arg) {
  sq_factory *f = arg;
  if (strcmp(f->path_name, ":memory:") == 0) {
    f->dir[0] = '\0';
    snprintf(f->path, sizeof(f->path), ":memory:");
  } else {
    tt_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, f->path_name);
  }
  f->first = sq_open_opts(f->path, f->cache_size, 0);
  return f->first;
}

static tc_store *sq_second(tc_store *first, void *arg) {
  sq_factory *f = arg;
  ck_assert_ptr_eq(first, f->first);
  return sq_open_opts(f->path, f->cache_size, 0);
}

static void sq_close(tc_store *st, void *arg) {
  sq_factory *f = arg;
  st->free(st->self);
  if (st == f->first) {
    f->first = NULL;
    if (f->dir[0]) tt_tmpdir_remove(f->dir);
  }
}

static sq_factory sq_file_default = {"test.db", 0, "", "", NULL};
static sq_factory sq_file_tiny = {"tiny.db", 2, "", "", NULL};
static sq_factory sq_memory = {":memory:", 0, "", "", NULL};

static const tc_store_factory fac_file_default = {sq_fresh, sq_second, sq_close,
                                                  &sq_file_default};
/* A cache of 2 statements: every case of the suite evicts constantly. */
static const tc_store_factory fac_file_tiny = {sq_fresh, sq_second, sq_close,
                                               &sq_file_tiny};
static const tc_store_factory fac_memory = {sq_fresh, NULL, sq_close,
                                            &sq_memory};

/* ---- helpers ------------------------------------------------------------- */

static char g_dir[512];

static void fx_setup(void) {
  tt_tmpdir(g_dir, sizeof(g_dir));
}
static void fx_teardown(void) {
  tt_tmpdir_remove(g_dir);
}

static void in_dir(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s/%s", g_dir, name);
}

static int ex(tc_store *st, const char *sql, const tc_value *p, size_t n) {
  return st->exec(st->self, sql, p, n, NULL, NULL, NULL);
}

static void ok(tc_store *st, const char *sql) {
  int rc = ex(st, sql, NULL, 0);
  ck_assert_msg(rc == TC_OK, "%s: %d %s", sql, rc, st->errmsg(st->self));
}

typedef struct one_val {
  int rows;
  tc_value v;
  char text[256];
} one_val;

static int one_cb(const tc_value *cols, size_t ncols, void *payload) {
  one_val *o = payload;
  ck_assert_uint_ge(ncols, 1);
  o->rows++;
  o->v = cols[0];
  if (cols[0].type == TC_VALUE_TEXT)
    snprintf(o->text, sizeof(o->text), "%s", cols[0].v.s);
  return 0;
}

static one_val query1(tc_store *st, const char *sql, const tc_value *p,
                      size_t n) {
  one_val o;
  memset(&o, 0, sizeof(o));
  int rc = st->exec(st->self, sql, p, n, one_cb, &o, NULL);
  ck_assert_msg(rc == TC_OK, "%s: %d %s", sql, rc, st->errmsg(st->self));
  return o;
}

static int64_t qint(tc_store *st, const char *sql) {
  one_val o = query1(st, sql, NULL, 0);
  ck_assert_int_eq(o.rows, 1);
  ck_assert_int_eq(o.v.type, TC_VALUE_INT);
  return o.v.v.i;
}

static tc_store *open_in_dir(const char *name, const tc_sqlite_options *o) {
  char path[700];
  in_dir(path, sizeof(path), name);
  tc_store *st = NULL;
  int rc = tc_store_sqlite_open(&st, path, o);
  ck_assert_msg(rc == TC_OK, "%s: %s", path, tc_last_error_message());
  return st;
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

/* ---- opening ------------------------------------------------------------- */

START_TEST(test_open_pragmas) {
  tc_store *st = open_in_dir("p.db", NULL);
  ck_assert_int_eq(st->version, TC_STORE_VERSION);
  ck_assert_str_eq(st->dialect, "sqlite");
  ck_assert_str_eq(query1(st, "PRAGMA journal_mode", NULL, 0).text, "wal");
  ck_assert_int_eq(qint(st, "PRAGMA foreign_keys"), 1);
  ck_assert_int_eq(qint(st, "PRAGMA synchronous"), 1); /* NORMAL */
  ck_assert_int_eq(qint(st, "PRAGMA busy_timeout"), 5000);
  st->free(st->self);

  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.busy_timeout_ms = 250;
  st = open_in_dir("p.db", &o);
  ck_assert_int_eq(qint(st, "PRAGMA busy_timeout"), 250);
  st->free(st->self);
}
END_TEST

START_TEST(test_open_memory) {
  tc_store *st = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&st, ":memory:", NULL), TC_OK);
  ck_assert_str_eq(query1(st, "PRAGMA journal_mode", NULL, 0).text, "memory");
  ck_assert_int_eq(qint(st, "PRAGMA foreign_keys"), 1);
  ok(st, "CREATE TABLE t (x INTEGER)");
  st->free(st->self);
}
END_TEST

START_TEST(test_open_bad_arguments) {
  tc_store *st = (tc_store *)1;
  ck_assert_int_eq(tc_store_sqlite_open(NULL, ":memory:", NULL), TC_EINVAL);
  ck_assert_int_eq(tc_store_sqlite_open(&st, NULL, NULL), TC_EINVAL);
  ck_assert_ptr_null(st);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "path"));
  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.version = 0;
  ck_assert_int_eq(tc_store_sqlite_open(&st, ":memory:", &o), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "version"));
}
END_TEST

START_TEST(test_open_not_a_database) {
  char path[700], junk[4096];
  in_dir(path, sizeof(path), "junk.db");
  for (size_t k = 0; k < sizeof(junk); k++)
    junk[k] = "this is certainly not an SQLite database\n"[k % 41];
  write_file(path, junk, sizeof(junk));
  tc_store *st = (tc_store *)1;
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, NULL), TC_ECORRUPT);
  ck_assert_ptr_null(st);
  const char *msg = tc_last_error_message();
  ck_assert_msg(strstr(msg, path) != NULL, "message %s", msg);
  ck_assert_msg(strstr(msg, "not an SQLite database") != NULL, "message %s",
                msg);
  /* The file was left as it was. */
  struct stat sb;
  ck_assert_int_eq(stat(path, &sb), 0);
  ck_assert_int_eq(sb.st_size, (off_t)sizeof(junk));

  /* Read-only does not change the verdict. */
  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.read_only = 1;
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, &o), TC_ECORRUPT);
}
END_TEST

START_TEST(test_open_directory_and_missing) {
  tc_store *st = (tc_store *)1;
  int rc = tc_store_sqlite_open(&st, g_dir, NULL);
  ck_assert_int_eq(rc, TC_ESTORAGE);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(tc_last_error_message(), g_dir) != NULL, "%s",
                tc_last_error_message());

  char path[700];
  in_dir(path, sizeof(path), "no/such/dir/x.db");
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, NULL), TC_ESTORAGE);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(tc_last_error_message(), path) != NULL, "%s",
                tc_last_error_message());

  /* A read-only open does not create a missing file. */
  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.read_only = 1;
  in_dir(path, sizeof(path), "absent.db");
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, &o), TC_ESTORAGE);
  ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_read_only_option) {
  tc_store *st = open_in_dir("ro.db", NULL);
  ok(st, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
  st->free(st->self);

  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.read_only = 1;
  st = open_in_dir("ro.db", &o);
  ck_assert_int_eq(qint(st, "SELECT x FROM t"), 1);
  tc_value p[] = {TC_VAL_INT(2)};
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", p, 1), TC_EREADONLY);
  ck_assert_ptr_nonnull(strstr(st->errmsg(st->self), "SQLITE_READONLY"));
  ck_assert_int_eq(ex(st, "CREATE TABLE u (y INTEGER)", NULL, 0), TC_EREADONLY);
  /* A transaction cannot write either, and rolls back cleanly. */
  int rc = st->begin(st->self, TC_TXN_WRITE);
  if (rc == TC_OK)
    ck_assert_int_eq(ex(st, "DELETE FROM t", NULL, 0), TC_EREADONLY);
  else
    ck_assert_int_eq(rc, TC_EREADONLY);
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM t"), 1);
  st->free(st->self);
}
END_TEST

/* Only meaningful when not root: root writes through any mode bits. */
START_TEST(test_read_only_directory) {
  char sub[700], path[800];
  in_dir(sub, sizeof(sub), "locked");
  ck_assert_int_eq(mkdir(sub, 0555), 0);
  snprintf(path, sizeof(path), "%s/x.db", sub);
  tc_store *st = (tc_store *)1;
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, NULL), TC_EREADONLY);
  ck_assert_ptr_null(st);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), path));
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_error_messages_name_sqlite) {
  tc_store *st = open_in_dir("e.db", NULL);
  ok(st, "CREATE TABLE t (k TEXT PRIMARY KEY)");
  tc_value p[] = {TC_VAL_TEXT("a")};
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", p, 1), TC_OK);
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", p, 1), TC_ECONFLICT);
  const char *msg = st->errmsg(st->self);
  ck_assert_msg(strstr(msg, "UNIQUE constraint failed: t.k") != NULL, "%s",
                msg);
  ck_assert_msg(strstr(msg, "SQLITE_CONSTRAINT") != NULL, "%s", msg);
  ck_assert_msg(strstr(msg, "INSERT INTO t") != NULL, "%s", msg);
  /* The bound value (could be a secret) is never in the message. */
  tc_value secret[] = {TC_VAL_TEXT("hunter2")};
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", secret, 1), TC_OK);
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", secret, 1), TC_ECONFLICT);
  ck_assert_ptr_null(strstr(st->errmsg(st->self), "hunter2"));

  ck_assert_int_eq(ex(st, "SELEC 1", NULL, 0), TC_ESTORAGE);
  msg = st->errmsg(st->self);
  ck_assert_msg(strstr(msg, "syntax error") != NULL, "%s", msg);
  ck_assert_msg(strstr(msg, "SQLITE_ERROR") != NULL, "%s", msg);

  /* Parameters are refused before anything runs. */
  tc_value bad[] = {{(tc_value_type)42, 0, {.i = 0}}};
  ck_assert_int_eq(ex(st, "SELECT ?", bad, 1), TC_EINVAL);
  tc_value nulltext[] = {TC_VAL_TEXTN(NULL, 3)};
  ck_assert_int_eq(ex(st, "SELECT ?", nulltext, 1), TC_EINVAL);
  ck_assert_int_eq(ex(st, "SELECT ?", NULL, 1), TC_EINVAL);
  ck_assert_int_eq(ex(st, NULL, NULL, 0), TC_EINVAL);
  /* Several statements cannot share parameters. */
  ck_assert_int_eq(ex(st, "SELECT ?; SELECT ?", p, 1), TC_EINVAL);
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM t"), 2);
  st->free(st->self);
}
END_TEST

typedef struct wide {
  size_t ncols;
  int64_t sum;
} wide;

static int wide_cb(const tc_value *cols, size_t ncols, void *payload) {
  wide *w = payload;
  w->ncols = ncols;
  for (size_t k = 0; k < ncols; k++) {
    ck_assert_int_eq(cols[k].type, TC_VALUE_INT);
    ck_assert_int_eq(cols[k].v.i, (int64_t)k);
    w->sum += cols[k].v.i;
  }
  return 0;
}

START_TEST(test_text_with_nul_and_wide_rows) {
  tc_store *st = open_in_dir("n.db", NULL);
  ok(st, "CREATE TABLE t (s TEXT)");
  tc_value p[] = {TC_VAL_TEXTN("a\0b", 3)};
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", p, 1), TC_OK);
  one_val o = query1(st, "SELECT s FROM t", NULL, 0);
  ck_assert_int_eq(o.v.type, TC_VALUE_TEXT);
  ck_assert_uint_eq(o.v.len, 3); /* SQLite keeps all three bytes */
  ck_assert_int_eq(qint(st, "SELECT length(CAST(s AS BLOB)) FROM t"), 3);

  /* More columns than fit on the stack. */
  char sql[1024] = "SELECT 0";
  for (int k = 1; k < 40; k++) {
    size_t n = strlen(sql);
    snprintf(sql + n, sizeof(sql) - n, ", %d", k);
  }
  wide w = {0, 0};
  ck_assert_int_eq(st->exec(st->self, sql, NULL, 0, wide_cb, &w, NULL), TC_OK);
  ck_assert_uint_eq(w.ncols, 40);
  ck_assert_int_eq(w.sum, 39 * 40 / 2);
  st->free(st->self);
}
END_TEST

/* ---- full disk ----------------------------------------------------------- */

START_TEST(test_full_disk) {
  tc_store *st = open_in_dir("full.db", NULL);
  ok(st, "CREATE TABLE t (b BLOB)");
  int64_t pages = qint(st, "PRAGMA page_count");
  char pragma[64];
  snprintf(pragma, sizeof(pragma), "PRAGMA max_page_count = %lld",
           (long long)pages + 8);
  ok(st, pragma);

  static unsigned char blob[3000];
  memset(blob, 0xab, sizeof(blob));
  tc_value p[] = {TC_VAL_BLOB(blob, sizeof(blob))};
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  int rc = TC_OK, k;
  for (k = 0; k < 100 && rc == TC_OK; k++)
    rc = ex(st, "INSERT INTO t VALUES (?)", p, 1);
  ck_assert_int_eq(rc, TC_EFULL);
  ck_assert_int_gt(k, 1); /* some rows went in before the disk "filled" */
  ck_assert_ptr_nonnull(strstr(st->errmsg(st->self), "SQLITE_FULL"));
  ck_assert_int_eq(st->rollback(st->self), TC_OK);
  /* The transaction left nothing behind, and the store still works. */
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM t"), 0);
  ck_assert_int_eq(ex(st, "INSERT INTO t VALUES (?)", p, 1), TC_OK);
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM t"), 1);
  st->free(st->self);
}
END_TEST

/* ---- statement cache ----------------------------------------------------- */

/* Statements prepared on the connection, from SQLite's sqlite_stmt table
 * (the count includes the counting statement itself). */
static int64_t prepared_count(tc_store *st) {
  return qint(st, "SELECT count(*) FROM sqlite_stmt");
}

START_TEST(test_cache_eviction) {
  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.statement_cache_size = 4;
  tc_store *st = open_in_dir("c.db", &o);
  char sql[64];
  for (int round = 0; round < 3; round++) {
    for (int k = 0; k < 20; k++) {
      snprintf(sql, sizeof(sql), "SELECT %d + ?", k);
      tc_value p[] = {TC_VAL_INT(round)};
      one_val v = query1(st, sql, p, 1);
      ck_assert_int_eq(v.v.v.i, k + round);
    }
    ck_assert_int_le(prepared_count(st), 4);
  }
  st->free(st->self);

  /* With room for all of them, every statement is kept. */
  st = open_in_dir("c.db", NULL);
  for (int k = 0; k < 20; k++) {
    snprintf(sql, sizeof(sql), "SELECT %d", k);
    ck_assert_int_eq(qint(st, sql), k);
  }
  ck_assert_int_ge(prepared_count(st), 21);
  /* Running them again prepares nothing new. */
  int64_t before = prepared_count(st);
  for (int k = 0; k < 20; k++) {
    snprintf(sql, sizeof(sql), "SELECT %d", k);
    ck_assert_int_eq(qint(st, sql), k);
  }
  ck_assert_int_eq(prepared_count(st), before);
  st->free(st->self);
}
END_TEST

typedef struct nest {
  tc_store *st;
  int depth;
  int64_t inner_sum;
} nest;

static int nest_cb(const tc_value *cols, size_t ncols, void *payload) {
  nest *n = payload;
  ck_assert_uint_eq(ncols, 1);
  int64_t outer = cols[0].v.i;
  char sql[64];
  /* Other statements: with a cache of 1 they evict everything idle. */
  for (int k = 0; k < 3; k++) {
    snprintf(sql, sizeof(sql), "SELECT %d", 100 + k);
    n->inner_sum += qint(n->st, sql);
  }
  /* The very statement being stepped, nested. */
  if (n->depth == 0) {
    n->depth++;
    int rc = n->st->exec(n->st->self, "SELECT x FROM t ORDER BY x", NULL, 0,
                         nest_cb, n, NULL);
    n->depth--;
    ck_assert_int_eq(rc, TC_OK);
  }
  /* The outer row is intact after all that. */
  ck_assert_int_eq(cols[0].v.i, outer);
  return 0;
}

START_TEST(test_cache_reentrant) {
  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.statement_cache_size = 1;
  tc_store *st = open_in_dir("r.db", &o);
  ok(st, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)");
  nest n = {st, 0, 0};
  ck_assert_int_eq(st->exec(st->self, "SELECT x FROM t ORDER BY x", NULL, 0,
                            nest_cb, &n, NULL),
                   TC_OK);
  /* 3 outer rows, each running 3 inner statements + 3 nested rows. */
  ck_assert_int_eq(n.inner_sum, (3 + 3 * 3) * (100 + 101 + 102));
  /* And the cache is still bounded and usable. */
  ck_assert_int_le(prepared_count(st), 1);
  ck_assert_int_eq(qint(st, "SELECT sum(x) FROM t"), 6);
  st->free(st->self);
}
END_TEST

/* ---- migrations ---------------------------------------------------------- */

/* A store that forwards to a real one and counts what the runner does. */
typedef struct proxy {
  tc_store port;
  tc_store *real;
  int begins, execs, commits, rollbacks;
} proxy;

static int px_begin(void *self, tc_txn_mode m) {
  proxy *p = self;
  p->begins++;
  return p->real->begin(p->real->self, m);
}
static int px_commit(void *self) {
  proxy *p = self;
  p->commits++;
  return p->real->commit(p->real->self);
}
static int px_rollback(void *self) {
  proxy *p = self;
  p->rollbacks++;
  return p->real->rollback(p->real->self);
}
static int px_exec(void *self, const char *sql, const tc_value *params,
                   size_t n, tc_store_row_cb cb, void *payload,
                   int64_t *changes) {
  proxy *p = self;
  p->execs++;
  return p->real->exec(p->real->self, sql, params, n, cb, payload, changes);
}
static const char *px_errmsg(void *self) {
  proxy *p = self;
  return p->real->errmsg(p->real->self);
}
static void px_free(void *self) {
  (void)self;
}

static void proxy_init(proxy *p, tc_store *real) {
  memset(p, 0, sizeof(*p));
  p->real = real;
  p->port = *real;
  p->port.self = p;
  p->port.begin = px_begin;
  p->port.commit = px_commit;
  p->port.rollback = px_rollback;
  p->port.exec = px_exec;
  p->port.errmsg = px_errmsg;
  p->port.free = px_free;
}

static const tc__migration ma_migs[] = {
    {1, "CREATE TABLE ma (x INTEGER)", "CREATE TABLE ma (x INTEGER)"},
    {2,
     "ALTER TABLE ma ADD COLUMN y TEXT;\n"
     "CREATE INDEX ma_y ON ma (y);",
     "ALTER TABLE ma ADD COLUMN y TEXT;\n"
     "CREATE INDEX ma_y ON ma (y);"},
};
static const tc__schema_module mod_a = {"mod_a", ma_migs, 2};
static const tc__schema_module mod_a_v1 = {"mod_a", ma_migs, 1};

static const tc__migration mb_migs[] = {
    {1, "CREATE TABLE mb (id INTEGER PRIMARY KEY); INSERT INTO mb VALUES (1);",
     "CREATE TABLE mb (id INTEGER PRIMARY KEY); INSERT INTO mb VALUES (1);"},
};
static const tc__schema_module mod_b = {"mod_b", mb_migs, 1};

static const tc__migration bad_migs[] = {
    {1, "CREATE TABLE mbad (x INTEGER)", NULL},
    {2, "CREATE TABLE mbad2 (x INTEGER); THIS IS NOT SQL", NULL},
};
static const tc__schema_module mod_bad = {"mod_bad", bad_migs, 2};

static const tc__migration pg_only_migs[] = {
    {1, NULL, "CREATE TABLE mpg (x BIGSERIAL)"},
};
static const tc__schema_module mod_pg_only = {"mod_pg", pg_only_migs, 1};

static const tc__migration gap_migs[] = {
    {1, "SELECT 1", NULL},
    {3, "SELECT 1", NULL},
};
static const tc__schema_module mod_gap = {"mod_gap", gap_migs, 2};

static int64_t recorded(tc_store *st, const char *module) {
  tc_value p[] = {TC_VAL_TEXT(module)};
  one_val o = query1(
      st, "SELECT max(version) FROM tc_schema_migrations WHERE module = ?", p,
      1);
  return o.v.type == TC_VALUE_INT ? o.v.v.i : 0;
}

static int64_t table_exists(tc_store *st, const char *name) {
  tc_value p[] = {TC_VAL_TEXT(name)};
  one_val o = query1(
      st,
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", p,
      1);
  return o.v.v.i;
}

START_TEST(test_migrate_fresh_and_twice) {
  tc_store *st = open_in_dir("m.db", NULL);
  tt_clock clock;
  tt_clock_init(&clock, 1700000000000);
  const tc__schema_module *mods[] = {&mod_a, &mod_b};
  ck_assert_int_eq(tc__migrate_modules(st, &clock.clock, mods, 2), TC_OK);
  ck_assert_int_eq(recorded(st, "mod_a"), 2);
  ck_assert_int_eq(recorded(st, "mod_b"), 1);
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM tc_schema_migrations"), 3);
  ck_assert_int_eq(qint(st, "SELECT min(applied_at) FROM tc_schema_migrations"),
                   1700000000000);
  ok(st, "INSERT INTO ma (x, y) VALUES (1, 'v2 column')");
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM mb"), 1);

  /* Again: one read, no write transaction, nothing recorded. */
  clock.now += 5000;
  proxy px;
  proxy_init(&px, st);
  ck_assert_int_eq(tc__migrate_modules(&px.port, &clock.clock, mods, 2), TC_OK);
  ck_assert_int_eq(px.begins, 0);
  ck_assert_int_eq(px.execs, 1);
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM tc_schema_migrations"), 3);
  ck_assert_int_eq(qint(st, "SELECT max(applied_at) FROM tc_schema_migrations"),
                   1700000000000);
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_incremental) {
  tc_store *st = open_in_dir("m.db", NULL);
  tt_clock clock;
  tt_clock_init(&clock, 1000);
  const tc__schema_module *v1[] = {&mod_a_v1};
  ck_assert_int_eq(tc__migrate_modules(st, &clock.clock, v1, 1), TC_OK);
  ck_assert_int_eq(recorded(st, "mod_a"), 1);
  ck_assert_int_eq(ex(st, "INSERT INTO ma (x, y) VALUES (1, 'a')", NULL, 0),
                   TC_ESTORAGE); /* no column y yet */

  clock.now = 2000;
  const tc__schema_module *v2[] = {&mod_a, &mod_b};
  proxy px;
  proxy_init(&px, st);
  ck_assert_int_eq(tc__migrate_modules(&px.port, &clock.clock, v2, 2), TC_OK);
  ck_assert_int_eq(px.begins, 1);
  ck_assert_int_eq(px.commits, 1);
  ck_assert_int_eq(recorded(st, "mod_a"), 2);
  ck_assert_int_eq(recorded(st, "mod_b"), 1);
  ok(st, "INSERT INTO ma (x, y) VALUES (1, 'a')");
  ck_assert_int_eq(
      qint(st,
           "SELECT applied_at FROM tc_schema_migrations WHERE module = "
           "'mod_a' AND version = 1"),
      1000);
  ck_assert_int_eq(
      qint(st,
           "SELECT applied_at FROM tc_schema_migrations WHERE module = "
           "'mod_a' AND version = 2"),
      2000);
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_failure_rolls_back_all) {
  tc_store *st = open_in_dir("m.db", NULL);
  tt_clock clock;
  tt_clock_init(&clock, 1000);
  /* On a fresh database: nothing at all remains, not even the table. */
  const tc__schema_module *mods[] = {&mod_a, &mod_bad};
  proxy px;
  proxy_init(&px, st);
  ck_assert_int_eq(tc__migrate_modules(&px.port, &clock.clock, mods, 2),
                   TC_ESTORAGE);
  ck_assert_int_eq(px.rollbacks, 1);
  ck_assert_int_eq(px.commits, 0);
  const char *msg = tc_last_error_message();
  ck_assert_msg(strstr(msg, "module 'mod_bad' migration 2 failed") != NULL,
                "%s", msg);
  ck_assert_msg(strstr(msg, "syntax error") != NULL, "%s", msg);
  ck_assert_int_eq(table_exists(st, "ma"), 0);
  ck_assert_int_eq(table_exists(st, "mbad"), 0);
  ck_assert_int_eq(table_exists(st, "mbad2"), 0);
  ck_assert_int_eq(table_exists(st, "tc_schema_migrations"), 0);

  /* On a database at mod_a v1: v2 of mod_a and mod_bad's v1 go too. */
  const tc__schema_module *v1[] = {&mod_a_v1};
  ck_assert_int_eq(tc__migrate_modules(st, &clock.clock, v1, 1), TC_OK);
  ck_assert_int_eq(tc__migrate_modules(st, &clock.clock, mods, 2), TC_ESTORAGE);
  ck_assert_int_eq(recorded(st, "mod_a"), 1);
  ck_assert_int_eq(recorded(st, "mod_bad"), 0);
  ck_assert_int_eq(table_exists(st, "mbad"), 0);
  ck_assert_int_eq(ex(st, "INSERT INTO ma (x, y) VALUES (1, 'a')", NULL, 0),
                   TC_ESTORAGE);
  ck_assert_int_eq(qint(st, "SELECT count(*) FROM tc_schema_migrations"), 1);
  /* No transaction was left open. */
  ck_assert_int_eq(st->begin(st->self, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(st->commit(st->self), TC_OK);
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_newer_database) {
  tc_store *st = open_in_dir("m.db", NULL);
  const tc__schema_module *v2[] = {&mod_a};
  ck_assert_int_eq(tc__migrate_modules(st, NULL, v2, 1), TC_OK);

  const tc__schema_module *v1[] = {&mod_a_v1, &mod_b};
  proxy px;
  proxy_init(&px, st);
  ck_assert_int_eq(tc__migrate_modules(&px.port, NULL, v1, 2), TC_EVERSION);
  ck_assert_str_eq(tc_last_error_message(),
                   "database schema for module 'mod_a' is version 2; this "
                   "library knows up to 1 (upgrade libtechcorp)");
  ck_assert_int_eq(px.begins, 0); /* refused before any write */
  ck_assert_int_eq(table_exists(st, "mb"), 0);
  ck_assert_int_eq(recorded(st, "mod_a"), 2);
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_unsupported_dialect) {
  tc_store *st = open_in_dir("m.db", NULL);
  const tc__schema_module *mods[] = {&mod_b, &mod_pg_only};
  ck_assert_int_eq(tc__migrate_modules(st, NULL, mods, 2), TC_EUNSUPPORTED);
  const char *msg = tc_last_error_message();
  ck_assert_msg(strstr(msg, "'mod_pg' migration 1") != NULL, "%s", msg);
  ck_assert_msg(strstr(msg, "'sqlite'") != NULL, "%s", msg);
  ck_assert_int_eq(table_exists(st, "mb"), 0); /* mod_b rolled back */

  /* A dialect the runner does not know has no SQL at all. */
  proxy px;
  proxy_init(&px, st);
  px.port.dialect = "oracle";
  const tc__schema_module *b[] = {&mod_b};
  ck_assert_int_eq(tc__migrate_modules(&px.port, NULL, b, 1), TC_EUNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "'oracle'"));
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_bad_input) {
  tc_store *st = open_in_dir("m.db", NULL);
  const tc__schema_module *gap[] = {&mod_gap};
  ck_assert_int_eq(tc__migrate_modules(st, NULL, gap, 1), TC_ERROR);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "mod_gap"));
  ck_assert_int_eq(table_exists(st, "tc_schema_migrations"), 0);
  ck_assert_int_eq(tc__migrate_modules(NULL, NULL, gap, 1), TC_EINVAL);
  ck_assert_int_eq(tc_store_migrate(NULL, NULL), TC_EINVAL);
  tc_clock broken = {TC_CLOCK_VERSION, NULL, NULL, NULL};
  ck_assert_int_eq(tc__migrate_modules(st, &broken, gap, 1), TC_EINVAL);
  /* An empty list just makes the table. */
  ck_assert_int_eq(tc__migrate_modules(st, NULL, NULL, 0), TC_OK);
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_read_only) {
  tc_store *st = open_in_dir("m.db", NULL);
  const tc__schema_module *a[] = {&mod_a};
  ck_assert_int_eq(tc__migrate_modules(st, NULL, a, 1), TC_OK);
  st->free(st->self);

  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  o.read_only = 1;
  st = open_in_dir("m.db", &o);
  /* Up to date: the read-only fast path is enough. */
  ck_assert_int_eq(tc__migrate_modules(st, NULL, a, 1), TC_OK);
  /* Something to apply: the store says it cannot write. */
  const tc__schema_module *ab[] = {&mod_a, &mod_b};
  ck_assert_int_eq(tc__migrate_modules(st, NULL, ab, 2), TC_EREADONLY);
  ck_assert_int_eq(table_exists(st, "mb"), 0);
  st->free(st->self);
}
END_TEST

START_TEST(test_migrate_registry) {
  tc_store *st = open_in_dir("reg.db", NULL);
  tt_clock clock;
  tt_clock_init(&clock, 42);
  int rc = tc_store_migrate(st, &clock.clock);
  ck_assert_msg(rc == TC_OK, "%d %s", rc, tc_last_error_message());
  for (size_t i = 0; i < tc__schema_module_count; i++) {
    const tc__schema_module *m = tc__schema_modules[i];
    ck_assert_int_eq(tc_schema_version(m->name), (int)m->count);
    ck_assert_int_eq(recorded(st, m->name), (int64_t)m->count);
  }
  ck_assert_int_eq(tc_schema_version("no-such-module"), 0);
  ck_assert_int_eq(tc_schema_version(NULL), 0);
  /* Twice is a no-op. */
  proxy px;
  proxy_init(&px, st);
  ck_assert_int_eq(tc_store_migrate(&px.port, &clock.clock), TC_OK);
  ck_assert_int_eq(px.begins, 0);
  st->free(st->self);
}
END_TEST

static Suite *store_suite(void) {
  Suite *s = suite_create("store");
  tc_store_conformance_add(s, &fac_file_default);
  tc_store_conformance_add(s, &fac_file_tiny);
  tc_store_conformance_add(s, &fac_memory);

  TCase *tc = tcase_create("sqlite");
  tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
  tcase_add_test(tc, test_open_pragmas);
  tcase_add_test(tc, test_open_memory);
  tcase_add_test(tc, test_open_bad_arguments);
  tcase_add_test(tc, test_open_not_a_database);
  tcase_add_test(tc, test_open_directory_and_missing);
  tcase_add_test(tc, test_read_only_option);
  /* Root writes through any mode bits, so this says something only when
   * the suite runs as another user. */
  if (geteuid() != 0) tcase_add_test(tc, test_read_only_directory);
  tcase_add_test(tc, test_error_messages_name_sqlite);
  tcase_add_test(tc, test_text_with_nul_and_wide_rows);
  tcase_add_test(tc, test_full_disk);
  tcase_add_test(tc, test_cache_eviction);
  tcase_add_test(tc, test_cache_reentrant);
  suite_add_tcase(s, tc);

  tc = tcase_create("migrate");
  tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
  tcase_add_test(tc, test_migrate_fresh_and_twice);
  tcase_add_test(tc, test_migrate_incremental);
  tcase_add_test(tc, test_migrate_failure_rolls_back_all);
  tcase_add_test(tc, test_migrate_newer_database);
  tcase_add_test(tc, test_migrate_unsupported_dialect);
  tcase_add_test(tc, test_migrate_bad_input);
  tcase_add_test(tc, test_migrate_read_only);
  tcase_add_test(tc, test_migrate_registry);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(store_suite());
}
