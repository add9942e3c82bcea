/* Core: status codes, buffers, context creation, transactions, UTF-8. */
#include <stdio.h>

#include "testutil.h"
#include "core/internal.h"

START_TEST(status_codes_have_names_texts_and_http) {
  for (int code = 0; code >= TC_STATUS_LAST; code--) {
    ck_assert_str_ne(tc_strerror(code), "unknown error");
    ck_assert_str_ne(tc_status_name(code), "");
    ck_assert_int_ge(tc_status_http(code), 200);
  }
  ck_assert_str_eq(tc_status_name(TC_ENOTFOUND), "not_found");
  ck_assert_int_eq(tc_status_http(TC_ENOTFOUND), 404);
  ck_assert_int_eq(tc_status_http(TC_ECONFLICT), 409);
  ck_assert_int_eq(tc_status_http(TC_EUNAUTHENTICATED), 401);
  ck_assert_str_eq(tc_strerror(TC_STATUS_LAST - 1), "unknown error");
  ck_assert_str_eq(tc_strerror(5), "unknown error");
  ck_assert_str_eq(tc_status_name(-1000), "internal");
}
END_TEST

START_TEST(version_matches_header) {
  ck_assert_int_eq(tc_version_number(), TC_VERSION_NUMBER);
  ck_assert_str_eq(tc_version(), TC_VERSION);
}
END_TEST

START_TEST(buf_grows_and_stays_terminated) {
  tc_buf b = TC_BUF_INIT;
  ck_assert_int_eq(tc_buf_put(&b, NULL, 0), TC_OK);
  ck_assert_int_eq(tc_buf_put(&b, NULL, 3), TC_EINVAL);
  for (int i = 0; i < 1000; i++) ck_assert_int_eq(tc_buf_puts(&b, "ab"), TC_OK);
  ck_assert_uint_eq(b.size, 2000);
  ck_assert_int_eq(b.ptr[2000], '\0');
  ck_assert_int_eq(tc_buf_put(&b, "\0x", 2), TC_OK);
  ck_assert_uint_eq(b.size, 2002);
  tc_buf_clear(&b);
  ck_assert_uint_eq(b.size, 0);
  ck_assert_str_eq(b.ptr, "");
  tc_buf_dispose(&b);
  ck_assert_ptr_null(b.ptr);
  tc_buf_dispose(NULL);
  tc_buf_clear(NULL);
  ck_assert_int_eq(tc_buf_put(NULL, "x", 1), TC_EINVAL);
  ck_assert_int_eq(tc_buf_puts(&b, NULL), TC_EINVAL);
}
END_TEST

START_TEST(buf_uses_given_allocator_and_survives_failure) {
  tt_alloc a;
  tt_alloc_init(&a, 2);
  tc_buf b = TC_BUF_INIT;
  b.alloc = &a.alloc;
  ck_assert_int_eq(tc_buf_puts(&b, "hello"), TC_OK);
  char big[200];
  memset(big, 'x', sizeof(big));
  ck_assert_int_eq(tc_buf_put(&b, big, sizeof(big)), TC_ENOMEM);
  ck_assert_str_eq(b.ptr, "hello"); /* left as it was */
  tc_buf_dispose(&b);
  ck_assert_int_eq(a.live, 0);
}
END_TEST

START_TEST(ctx_new_rejects_bad_config) {
  tc_ctx *ctx = (tc_ctx *)1;
  ck_assert_int_eq(tc_ctx_new(&ctx, NULL), TC_EINVAL);
  ck_assert_ptr_null(ctx);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "config"));
  ck_assert_int_eq(tc_ctx_new(NULL, NULL), TC_EINVAL);

  tc_config cfg = TC_CONFIG_INIT;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "config.store"));

  cfg.version = 99;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_EVERSION);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "config.version"));

  tc_store broken = {0};
  broken.version = 1;
  cfg.version = TC_CONFIG_VERSION;
  cfg.store = &broken;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "store port"));
  broken.version = 0;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_EVERSION);

  tc_clock bad_clock = {TC_CLOCK_VERSION, NULL, NULL, NULL};
  char dir[256];
  tc_ctx *good = tt_ctx_new(dir, sizeof(dir), NULL);
  cfg.store = tc_ctx_store(good);
  cfg.clock = &bad_clock;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_last_error_message(), "config.clock"));
  tt_ctx_free(good, dir);
}
END_TEST

START_TEST(ctx_open_sqlite_reports_bad_paths) {
  tc_ctx *ctx = NULL;
  ck_assert_int_eq(tc_ctx_open_sqlite(&ctx, NULL), TC_EINVAL);
  int rc = tc_ctx_open_sqlite(&ctx, "/nonexistent-dir/x/y.db");
  ck_assert_int_lt(rc, 0);
  ck_assert_ptr_null(ctx);
  ck_assert_str_ne(tc_last_error_message(), "");
  ck_assert_int_eq(tc_ctx_open_sqlite(&ctx, ":memory:"), TC_OK);
  ck_assert_ptr_nonnull(tc_ctx_queue(ctx));
  ck_assert_ptr_nonnull(tc_ctx_cache(ctx));
  tc_ctx_free(ctx);
  tc_ctx_free(NULL);
}
END_TEST

/* Creating and using a context with the N-th allocation failing never
 * crashes or leaks: every failure is TC_ENOMEM, and eventually it works. */
START_TEST(ctx_survives_every_allocation_failure) {
  char dir[256], path[512];
  tt_tmpdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/a.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  int succeeded = 0;
  for (long n = 1; n < 200 && !succeeded; n++) {
    tt_alloc a;
    tt_alloc_init(&a, n);
    tc_config cfg = TC_CONFIG_INIT;
    cfg.store = store;
    cfg.allocator = &a.alloc;
    tc_ctx *ctx = NULL;
    int rc = tc_ctx_new(&ctx, &cfg);
    if (rc == TC_OK) {
      tc_id id;
      tc_id_new(&id, ctx);
      tc_ctx_free(ctx);
      succeeded = a.calls < n; /* no allocation was made to fail */
    } else {
      ck_assert_int_eq(rc, TC_ENOMEM);
      ck_assert_ptr_null(ctx);
    }
    ck_assert_int_eq(a.live, 0);
  }
  ck_assert(succeeded);
  store->free(store->self);
  tt_tmpdir_remove(dir);
}
END_TEST

static int count_cb(const tc_value *cols, size_t n, void *payload) {
  ck_assert_uint_eq(n, 1);
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

static int64_t count_rows(tc_ctx *ctx) {
  int64_t n = -1;
  ck_assert_int_eq(
      tc__db_row(ctx, "SELECT count(*) FROM t", NULL, 0, count_cb, &n), TC_OK);
  return n;
}

START_TEST(nested_transactions_commit_once_and_roll_back_whole) {
  char dir[256];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  ck_assert_int_eq(tc__db_exec(ctx, "CREATE TABLE t(x INTEGER PRIMARY KEY)",
                               NULL, 0, NULL, NULL, NULL),
                   TC_OK);
  tc_value one[] = {TC_VAL_INT(1)}, two[] = {TC_VAL_INT(2)};

  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      tc__db_exec(ctx, "INSERT INTO t VALUES(?)", one, 1, NULL, NULL, NULL),
      TC_OK);
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_OK);
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_OK);
  ck_assert_int_eq(count_rows(ctx), 1);

  /* An inner failure rolls back the outer level even if it says OK. */
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(
      tc__db_exec(ctx, "INSERT INTO t VALUES(?)", two, 1, NULL, NULL, NULL),
      TC_OK);
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__txn_end(ctx, TC_ECONFLICT), TC_ECONFLICT);
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_ESTATE);
  ck_assert_int_eq(count_rows(ctx), 1);

  /* A unique violation is a conflict with the store's message. */
  int rc =
      tc__db_exec(ctx, "INSERT INTO t VALUES(?)", one, 1, NULL, NULL, NULL);
  ck_assert_int_eq(rc, TC_ECONFLICT);
  ck_assert_int_eq(tc_errcode(ctx), TC_ECONFLICT);
  ck_assert_str_ne(tc_errmsg(ctx), "");

  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_ERROR);
  tt_ctx_free(ctx, dir);
}
END_TEST

static void count_hook(tc_ctx *ctx, void *arg, bool committed) {
  (void)ctx;
  int *counts = arg;
  counts[committed ? 0 : 1]++;
}

/* A module's after-commit hook runs once when the outermost transaction
 * ends, whoever ends it, and hears whether it committed. */
START_TEST(after_commit_hooks_run_once_at_the_end) {
  char dir[256];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  int counts[2] = {0, 0};
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__txn_on_commit(ctx, count_hook, counts), TC_OK);
  ck_assert_int_eq(tc__txn_on_commit(ctx, count_hook, counts), TC_OK);
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_OK);
  ck_assert_int_eq(counts[0] + counts[1], 0); /* not at the inner end */
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_OK);
  ck_assert_int_eq(counts[0], 1);
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  ck_assert_int_eq(tc__txn_on_commit(ctx, count_hook, counts), TC_OK);
  ck_assert_int_eq(tc__txn_end(ctx, TC_ECONFLICT), TC_ECONFLICT);
  ck_assert_int_eq(counts[1], 1);
  /* Outside a transaction: at once. */
  ck_assert_int_eq(tc__txn_on_commit(ctx, count_hook, counts), TC_OK);
  ck_assert_int_eq(counts[0], 2);
  tt_ctx_free(ctx, dir);
}
END_TEST

/* The one set of argument checks every module uses (lib/core/text.c). */
START_TEST(text_checks) {
  char dir[256];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  ck_assert_int_eq(tc__check_text(ctx, "name", "Ana", 1, 8, 0), TC_OK);
  ck_assert_int_eq(tc__check_text(ctx, "name", NULL, 1, 8, 0), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "name is required");
  ck_assert_str_eq(tc_errfield(ctx), "name");
  ck_assert_int_eq(tc__check_text(ctx, "name", NULL, 1, 8, TC__TEXT_NULL_OK),
                   TC_OK);
  ck_assert_int_eq(tc__check_text(ctx, "name", "", 1, 8, 0), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "name is required");
  ck_assert_int_eq(tc__check_text(ctx, "code", "a", 2, 8, 0), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "code must be at least 2 bytes long");
  ck_assert_int_eq(tc__check_text(ctx, "name", "123456789", 1, 8, 0),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "name is longer than 8 bytes");
  ck_assert_int_eq(tc__check_text(ctx, "name", "a\xff", 1, 8, 0), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "name is not valid UTF-8");
  ck_assert_int_eq(tc__check_text(ctx, "note", "a\nb", 1, 8, 0), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "note contains a control character");
  ck_assert_int_eq(tc__check_text(ctx, "note", "a\nb", 1, 8, TC__TEXT_LINES),
                   TC_OK);
  ck_assert_int_eq(
      tc__check_text(ctx, "note", "a\x01", 1, 8, TC__TEXT_CONTROLS), TC_OK);
  ck_assert_int_eq(tc__check_text(ctx, "title", " \t ", 0, 8,
                                  TC__TEXT_NOT_BLANK | TC__TEXT_LINES),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "title must not be blank");
  ck_assert_int_eq(tc__check_text(ctx, "title", "", 0, 8, TC__TEXT_NOT_BLANK),
                   TC_EINVAL);
  ck_assert_int_eq(tc__check_id(ctx, "id", NULL), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "id is required");
  ck_assert_int_eq(tc__check_id(ctx, "id", "not-an-id"), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "id is not a valid id");
  tc_id id;
  tc_id_new(&id, ctx);
  ck_assert_int_eq(tc__check_id(ctx, "id", id.str), TC_OK);
  char q[16];
  tc__quote(q, sizeof(q), "a\x01long text");
  ck_assert_str_eq(q, "a?long text");
  tc__quote_n(q, sizeof(q), "caf\xc3\xa9 au lait", 4);
  ck_assert_str_eq(q, "caf...");
  char cut[6];
  tc__text_copy(cut, sizeof(cut), "caf\xc3\xa9s");
  ck_assert_str_eq(cut, "caf\xc3\xa9");
  tc__text_copy(cut, 5, "caf\xc3\xa9s");
  ck_assert_str_eq(cut, "caf");
  char mail[64];
  ck_assert_int_eq(
      tc__email_normalize(ctx, " Ana@Example.COM ", mail, sizeof(mail)), TC_OK);
  ck_assert_str_eq(mail, "ana@example.com");
  tt_ctx_free(ctx, dir);
}
END_TEST

START_TEST(utf8_validation) {
  ck_assert(tc__utf8_valid("", 0));
  ck_assert(tc__utf8_valid("caf\xc3\xa9", 5));
  ck_assert(tc__utf8_valid("\xf0\x9f\x98\x80", 4));
  ck_assert(!tc__utf8_valid("\xc3", 1));             /* truncated */
  ck_assert(!tc__utf8_valid("\xc0\xaf", 2));         /* overlong */
  ck_assert(!tc__utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
  ck_assert(!tc__utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  ck_assert(!tc__utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
  ck_assert(!tc__utf8_valid("\xff", 1));
  ck_assert(!tc__utf8_valid("a\x80", 2));
}
END_TEST

/* The one policy every module asks (lib/core/policy.c). */
START_TEST(policy_decides_by_role_owner_and_scope) {
  char dir[256];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  tc_id me, other;
  tc_id_new(&me, ctx);
  tc_id_new(&other, ctx);
  tc_principal anon = TC_PRINCIPAL_INIT;
  tc_principal cust = tt_user(me.str, TC_ROLE_CUSTOMER);
  tc_principal sup = tt_user(me.str, TC_ROLE_SUPPORT);
  tc_principal adm = tt_user(me.str, TC_ROLE_ADMIN);
  tc_principal sys = tt_system();
  ck_assert_int_eq(tc__authorize(ctx, NULL, "users", TC__ACT_READ, me.str),
                   TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc__authorize(ctx, &anon, "users", TC__ACT_READ, me.str),
                   TC_EUNAUTHENTICATED);
  ck_assert_str_eq(tc_errmsg(ctx), "this needs an authenticated caller");
  /* Owners read and write their own, never administer. */
  ck_assert_int_eq(tc__authorize(ctx, &cust, "users", TC__ACT_READ, me.str),
                   TC_OK);
  ck_assert_int_eq(tc__authorize(ctx, &cust, "users", TC__ACT_WRITE, me.str),
                   TC_OK);
  ck_assert_int_eq(tc__authorize(ctx, &cust, "users", TC__ACT_READ, other.str),
                   TC_EDENIED);
  ck_assert_str_eq(tc_errmsg(ctx),
                   "not allowed to read a resource of another user");
  ck_assert_int_eq(tc__authorize(ctx, &cust, "users", TC__ACT_ADMIN, me.str),
                   TC_EDENIED);
  ck_assert_int_eq(tc__authorize(ctx, &cust, "users", TC__ACT_READ, NULL),
                   TC_EDENIED);
  /* Support reads everything, admin and system do everything. */
  ck_assert_int_eq(tc__authorize(ctx, &sup, "users", TC__ACT_READ, other.str),
                   TC_OK);
  ck_assert_int_eq(tc__authorize(ctx, &sup, "users", TC__ACT_WRITE, other.str),
                   TC_EDENIED);
  ck_assert_int_eq(tc__authorize(ctx, &adm, "users", TC__ACT_ADMIN, other.str),
                   TC_OK);
  ck_assert_int_eq(tc__authorize(ctx, &sys, "users", TC__ACT_WRITE, other.str),
                   TC_OK);
  ck_assert_int_eq(tc__authorize(ctx, &adm, "users", (tc__act)42, other.str),
                   TC_EDENIED);
  /* A client acting for itself: only what its scopes name. */
  tc_principal client = TC_PRINCIPAL_INIT;
  snprintf(client.client_id, sizeof(client.client_id), "svc");
  snprintf(client.scopes, sizeof(client.scopes),
           "catalog:read inventory:write");
  ck_assert(tc__allowed(&client, "catalog", TC__ACT_READ, NULL));
  ck_assert(!tc__allowed(&client, "catalog", TC__ACT_WRITE, NULL));
  ck_assert(tc__allowed(&client, "inventory", TC__ACT_WRITE, NULL));
  ck_assert(tc__allowed(&client, "inventory", TC__ACT_READ, NULL));
  ck_assert(!tc__allowed(&client, "inventory", TC__ACT_ADMIN, NULL));
  ck_assert(!tc__allowed(&client, "orders", TC__ACT_READ, NULL));
  ck_assert(!tc__allowed(&client, "catalo", TC__ACT_READ, NULL));
  ck_assert_int_eq(tc__authorize(ctx, &client, "orders", TC__ACT_READ, NULL),
                   TC_EUNAUTHENTICATED);
  ck_assert(tc__allowed(&tc__system_principal, "orders", TC__ACT_ADMIN, NULL));
  tt_ctx_free(ctx, dir);
}
END_TEST

typedef struct {
  int count;
  char last[256];
} log_sink;

static void sink_log(void *self, tc_log_level level, const char *module,
                     const char *message) {
  log_sink *s = self;
  (void)level;
  s->count++;
  snprintf(s->last, sizeof(s->last), "%s: %s", module, message);
}

START_TEST(logger_gets_one_line_per_message) {
  char dir[256], path[512];
  tt_tmpdir(dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/l.db", dir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  log_sink sink = {0};
  tc_logger logger = {TC_LOGGER_VERSION, &sink, TC_LOG_INFO, sink_log};
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  cfg.logger = &logger;
  tc_ctx *ctx = NULL;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_OK);
  int before = sink.count;
  tc__log(ctx, TC_LOG_DEBUG, "core", "dropped %d", 1);
  ck_assert_int_eq(sink.count, before);
  tc__log(ctx, TC_LOG_WARN, "core", "two\nlines %s", "joined");
  ck_assert_int_eq(sink.count, before + 1);
  ck_assert_str_eq(sink.last, "core: two lines joined");
  tc_ctx_free(ctx);
  store->free(store->self);
  tt_tmpdir_remove(dir);
}
END_TEST

static Suite *core_suite(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, status_codes_have_names_texts_and_http);
  tcase_add_test(tc, version_matches_header);
  tcase_add_test(tc, buf_grows_and_stays_terminated);
  tcase_add_test(tc, buf_uses_given_allocator_and_survives_failure);
  tcase_add_test(tc, ctx_new_rejects_bad_config);
  tcase_add_test(tc, ctx_open_sqlite_reports_bad_paths);
  tcase_add_test(tc, ctx_survives_every_allocation_failure);
  tcase_add_test(tc, nested_transactions_commit_once_and_roll_back_whole);
  tcase_add_test(tc, after_commit_hooks_run_once_at_the_end);
  tcase_add_test(tc, text_checks);
  tcase_add_test(tc, utf8_validation);
  tcase_add_test(tc, policy_decides_by_role_owner_and_scope);
  tcase_add_test(tc, logger_gets_one_line_per_message);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(core_suite());
}
