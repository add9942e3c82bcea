#include "testutil.h"
#include "services.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static int64_t tt_clock_now(void *self) {
  return ((tt_clock *)self)->now;
}

static void tt_clock_sleep(void *self, int64_t ms) {
  tt_clock *c = self;
  c->now += ms;
  c->slept += ms;
}

void tt_clock_init(tt_clock *c, int64_t start_ms) {
  memset(c, 0, sizeof(*c));
  c->clock.version = TC_CLOCK_VERSION;
  c->clock.self = c;
  c->clock.now_ms = tt_clock_now;
  c->clock.sleep_ms = tt_clock_sleep;
  c->now = start_ms;
}

/* Each block carries its size in a header so realloc/free can keep count. */
typedef struct {
  size_t size;
  size_t pad;
} tt_block;

static void *tt_malloc(void *self, size_t n) {
  tt_alloc *a = self;
  a->calls++;
  if (a->fail_at && a->calls == a->fail_at) return NULL;
  tt_block *b = malloc(sizeof(tt_block) + n);
  if (!b) return NULL;
  b->size = n;
  a->live++;
  return b + 1;
}

static void tt_free(void *self, void *p) {
  tt_alloc *a = self;
  if (!p) return;
  a->live--;
  free((tt_block *)p - 1);
}

static void *tt_realloc(void *self, void *p, size_t n) {
  tt_alloc *a = self;
  if (!p) return tt_malloc(self, n);
  a->calls++;
  if (a->fail_at && a->calls == a->fail_at) return NULL;
  tt_block *b = realloc((tt_block *)p - 1, sizeof(tt_block) + n);
  if (!b) return NULL;
  b->size = n;
  return b + 1;
}

void tt_alloc_init(tt_alloc *a, long fail_at) {
  memset(a, 0, sizeof(*a));
  a->alloc.version = TC_ALLOCATOR_VERSION;
  a->alloc.self = a;
  a->alloc.malloc = tt_malloc;
  a->alloc.realloc = tt_realloc;
  a->alloc.free = tt_free;
  a->fail_at = fail_at;
}

void tt_tmpdir(char *buf, size_t size) {
  const char *base = getenv("TMPDIR");
  snprintf(buf, size, "%s/tctest-XXXXXX", base && *base ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(buf));
}

void tt_tmpdir_remove(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[4096];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      tt_tmpdir_remove(path);
    } else {
      chmod(path, 0600);
      unlink(path);
    }
  }
  closedir(d);
  chmod(dir, 0700);
  rmdir(dir);
}

/* TECHCORP_TEST_STORE=postgres runs a suite's contexts on the PostgreSQL
 * of scripts/services.sh instead, one fresh schema per context (its name
 * kept in the temporary directory, so that tt_ctx_free drops it). */
static tc_store *tt_store_open(const char *dir) {
  char path[4096];
  tc_store *store = NULL;
  const char *kind = getenv("TECHCORP_TEST_STORE");
  if (kind && strcmp(kind, "postgres") == 0) {
    char conninfo[1024], schema[64];
    tt_pg_schema_new(conninfo, sizeof(conninfo), schema);
    snprintf(path, sizeof(path), "%s/pg-schema", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(schema, f);
    fclose(f);
    int rc = tc_store_pg_open(&store, conninfo, NULL);
    ck_assert_msg(rc == TC_OK, "%s", tc_last_error_message());
    return store;
  }
  snprintf(path, sizeof(path), "%s/test.db", dir);
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  return store;
}

static void tt_store_drop(const char *dir) {
  char path[4096], schema[64] = "";
  snprintf(path, sizeof(path), "%s/pg-schema", dir);
  FILE *f = fopen(path, "r");
  if (!f) return;
  if (fgets(schema, sizeof(schema), f)) tt_pg_schema_drop(schema);
  fclose(f);
}

tc_ctx *tt_ctx_new(char *dir, size_t dir_size, tt_clock *clock) {
  tt_tmpdir(dir, dir_size);
  tc_store *store = tt_store_open(dir);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  if (clock) cfg.clock = &clock->clock;
  tc_ctx *ctx = NULL;
  int rc = tc_ctx_new(&ctx, &cfg);
  ck_assert_msg(rc == TC_OK, "tc_ctx_new: %s", tc_last_error_message());
  return ctx;
}

void tt_ctx_free(tc_ctx *ctx, const char *dir) {
  tc_store *store = ctx ? tc_ctx_store(ctx) : NULL;
  tc_ctx_free(ctx);
  if (store) store->free(store->self);
  if (dir) tt_store_drop(dir);
  if (dir) tt_tmpdir_remove(dir);
}

int tt_call(tc_ctx *ctx, const tc_principal *who, const char *method,
            const char *request, char **out) {
  tc_buf buf = TC_BUF_INIT;
  tc_caller caller = TC_CALLER_INIT;
  caller.principal = who;
  int rc = tc_api_call(&buf, ctx, &caller, method, request,
                       request ? strlen(request) : 0);
  *out = strdup(buf.ptr ? buf.ptr : "");
  tc_buf_dispose(&buf);
  return rc;
}

int tt_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

tc_principal tt_system(void) {
  tc_principal p = TC_PRINCIPAL_INIT;
  p.kind = TC_PRINCIPAL_SYSTEM;
  p.roles = TC_ROLE_ADMIN;
  return p;
}

const tc_principal *tt_sys(void) {
  static const tc_principal sys = TC_PRINCIPAL_SYSTEM_INIT;
  return &sys;
}

tc_principal tt_user(const char *user_id, uint32_t roles) {
  tc_principal p = TC_PRINCIPAL_INIT;
  p.kind = TC_PRINCIPAL_USER;
  p.roles = roles;
  snprintf(p.user_id, sizeof(p.user_id), "%s", user_id);
  return p;
}
