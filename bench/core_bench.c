/*
 * bench/core_bench.c - what the library's layers cost over raw SQLite.
 *
 * Each figure is a ratio against a reference measured in the same run on
 * the same machine, so it means something on any hardware:
 *   - point read through the store port (tc__db_exec, cached statement)
 *     vs. the same prepared statement driven by sqlite3 directly;
 *   - an event published, taken and acked through the durable queue vs. a
 *     raw INSERT + DELETE of a row of the same size (the floor for any
 *     durable queue in the same file);
 *   - a JSON API call (system.version: parse, validate, dispatch, print)
 *     vs. cJSON parsing and printing the same documents.
 * Usage: core_bench [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "core/internal.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, long n, double lib_s, double ref_s) {
  printf("%-34s %9.2f us/op  reference %9.2f us/op  ratio %5.2f\n", what,
         lib_s / (double)n * 1e6, ref_s / (double)n * 1e6, lib_s / ref_s);
}

static int read_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload += tc__col_int(&cols[0]);
  return 0;
}

static int bench_point_read(tc_ctx *ctx, const char *path, long n) {
  tc__db_exec(ctx,
              "CREATE TABLE IF NOT EXISTS bench_kv(k INTEGER PRIMARY KEY, "
              "v INTEGER NOT NULL)",
              NULL, 0, NULL, NULL, NULL);
  tc__txn_begin(ctx, TC_TXN_WRITE);
  for (long i = 0; i < 10000; i++) {
    tc_value p[] = {TC_VAL_INT(i), TC_VAL_INT(i * 2)};
    tc__db_exec(ctx, "INSERT OR REPLACE INTO bench_kv VALUES(?, ?)", p, 2, NULL,
                NULL, NULL);
  }
  if (tc__txn_end(ctx, TC_OK)) return 1;

  int64_t sum = 0;
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    tc_value p[] = {TC_VAL_INT(i % 10000)};
    tc__db_exec(ctx, "SELECT v FROM bench_kv WHERE k = ?", p, 1, read_cb, &sum,
                NULL);
  }
  double lib = now_s() - t0;

  sqlite3 *db;
  sqlite3_stmt *st;
  sqlite3_open(path, &db);
  sqlite3_prepare_v2(db, "SELECT v FROM bench_kv WHERE k = ?", -1, &st, NULL);
  int64_t sum2 = 0;
  t0 = now_s();
  for (long i = 0; i < n; i++) {
    sqlite3_bind_int64(st, 1, i % 10000);
    while (sqlite3_step(st) == SQLITE_ROW) sum2 += sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  double ref = now_s() - t0;
  sqlite3_finalize(st);
  sqlite3_close(db);
  report("store point read", n, lib, ref);
  return sum == sum2 ? 0 : 1;
}

static int bench_queue(tc_ctx *ctx, const char *path, long n) {
  const char *payload = "{\"order\":\"0190c9e2-8a6b-7c3d-9e4f-0123456789ab\"}";
  if (tc_events_subscribe(ctx, "bench", "bench.*")) return 1;
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    tc_queue_message *m = NULL;
    if (tc_events_publish(ctx, "bench.event", NULL, payload, NULL)) return 1;
    if (tc_events_take(ctx, "bench", 30000, &m)) return 1;
    if (tc_events_ack(ctx, m)) return 1;
  }
  double lib = now_s() - t0;

  sqlite3 *db;
  sqlite3_open(path, &db);
  sqlite3_busy_timeout(db, 5000);
  /* The same durability settings as the store's connection. */
  sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
  sqlite3_exec(db,
               "CREATE TABLE IF NOT EXISTS bench_raw(id INTEGER PRIMARY KEY, "
               "payload TEXT)",
               NULL, NULL, NULL);
  sqlite3_stmt *ins, *del;
  sqlite3_prepare_v2(db, "INSERT INTO bench_raw(payload) VALUES(?)", -1, &ins,
                     NULL);
  sqlite3_prepare_v2(db, "DELETE FROM bench_raw WHERE id = ?", -1, &del, NULL);
  t0 = now_s();
  for (long i = 0; i < n; i++) {
    sqlite3_bind_text(ins, 1, payload, -1, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    sqlite3_bind_int64(del, 1, sqlite3_last_insert_rowid(db));
    sqlite3_step(del);
    sqlite3_reset(del);
  }
  double ref = now_s() - t0;
  sqlite3_finalize(ins);
  sqlite3_finalize(del);
  sqlite3_close(db);
  report("queue publish+take+ack", n, lib, ref);
  return 0;
}

static int bench_api(tc_ctx *ctx, long n) {
  tc_buf out = TC_BUF_INIT;
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    tc_buf_clear(&out);
    if (tc_api_call(&out, ctx, NULL, "system.version", "{}", 2)) return 1;
  }
  double lib = now_s() - t0;
  t0 = now_s();
  for (long i = 0; i < n; i++) {
    cJSON *req = cJSON_Parse("{}");
    cJSON *resp = cJSON_Parse(out.ptr);
    char *text = cJSON_PrintUnformatted(resp);
    cJSON_free(text);
    cJSON_Delete(resp);
    cJSON_Delete(req);
  }
  double ref = now_s() - t0;
  tc_buf_dispose(&out);
  report("JSON API call (system.version)", n, lib, ref);
  return 0;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  if (n <= 0) n = 20000;
  char dir[] = "/tmp/tcbench-XXXXXX", path[64];
  if (!mkdtemp(dir)) return 1;
  snprintf(path, sizeof(path), "%s/bench.db", dir);
  tc_ctx *ctx = NULL;
  if (tc_ctx_open_sqlite(&ctx, path)) {
    fprintf(stderr, "open: %s\n", tc_last_error_message());
    return 1;
  }
  printf("core_bench: %ld iterations, SQLite %s, file %s\n", n,
         sqlite3_libversion(), path);
  int rc = bench_point_read(ctx, path, n) || bench_queue(ctx, path, n / 4) ||
           bench_api(ctx, n);
  tc_ctx_free(ctx);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
