/*
 * The JSON API: dispatcher checks, strict request validation, the system
 * methods, golden files of exact output, and allocation-failure loops.
 *
 * Golden files live in tests/golden/ (found from TC_SOURCE_DIR, else next
 * to this file); run with TC_UPDATE_GOLDEN=1 to rewrite them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/api_internal.h"
#include "testutil.h"

/* ---- helpers
 * ------------------------------------------------------------------ */

static char tmpdir[4096];
static tt_clock clk;

static tc_ctx *ctx_new(void) {
  tt_clock_init(&clk, 1700000000000);
  return tt_ctx_new(tmpdir, sizeof(tmpdir), &clk);
}

/* A context over a fresh SQLite file with the given config tweaks. */
static tc_ctx *ctx_with(tc_config *cfg) {
  char path[4200];
  tt_tmpdir(tmpdir, sizeof(tmpdir));
  snprintf(path, sizeof(path), "%s/test.db", tmpdir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  if (!cfg->store) cfg->store = store;
  tc_ctx *ctx = NULL;
  int rc = tc_ctx_new(&ctx, cfg);
  ck_assert_msg(rc == TC_OK, "tc_ctx_new: %s", tc_last_error_message());
  return ctx;
}

/* Call through a module list (NULL: the registry) with len bytes. */
static int call_n(tc_ctx *ctx, const tc__api_module *const *mods, size_t n,
                  const tc_caller *caller, const char *method, const char *req,
                  size_t len, char **out) {
  tc_buf buf = TC_BUF_INIT;
  int rc =
      mods ? tc__api_call_modules(&buf, ctx, caller, mods, n, method, req, len)
           : tc_api_call(&buf, ctx, caller, method, req, len);
  *out = strdup(buf.ptr ? buf.ptr : "");
  ck_assert_ptr_nonnull(*out);
  tc_buf_dispose(&buf);
  return rc;
}

static int call(tc_ctx *ctx, const tc_caller *caller, const char *method,
                const char *req, char **out) {
  return call_n(ctx, NULL, 0, caller, method, req, req ? strlen(req) : 0, out);
}

/* Expect rc and exactly this response. */
static void expect(tc_ctx *ctx, const tc_caller *caller, const char *method,
                   const char *req, int rc, const char *want) {
  char *out = NULL;
  int got = call(ctx, caller, method, req, &out);
  ck_assert_msg(got == rc, "%s %s: rc %d, want %d: %s", method,
                req ? req : "(null)", got, rc, out);
  ck_assert_str_eq(out, want);
  free(out);
}

/* Expect an invalid_argument error with this message and no field. */
static void expect_einval(tc_ctx *ctx, const char *req, size_t len,
                          const char *msg) {
  char *out = NULL, want[2048];
  int rc = call_n(ctx, NULL, 0, NULL, "system.version", req, len, &out);
  snprintf(want, sizeof(want),
           "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"%s\"}}",
           msg);
  ck_assert_int_eq(rc, TC_EINVAL);
  ck_assert_str_eq(out, want);
  free(out);
}

static const char *golden_dir(void) {
  static char dir[4096];
  if (dir[0]) return dir;
  const char *src = getenv("TC_SOURCE_DIR");
  if (src && *src) {
    snprintf(dir, sizeof(dir), "%s/tests/golden", src);
  } else {
    const char *f = __FILE__, *slash = strrchr(f, '/');
    if (slash)
      snprintf(dir, sizeof(dir), "%.*s/golden", (int)(slash - f), f);
    else
      snprintf(dir, sizeof(dir), "golden");
  }
  return dir;
}

/* Compare actual with tests/golden/name.json (which ends in a newline). */
static void golden(const char *name, const char *actual) {
  char path[4300];
  snprintf(path, sizeof(path), "%s/%s.json", golden_dir(), name);
  const char *update = getenv("TC_UPDATE_GOLDEN");
  if (update && !strcmp(update, "1")) {
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fprintf(f, "%s\n", actual);
    fclose(f);
    return;
  }
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL,
                "missing golden file %s (set TC_SOURCE_DIR to the source tree, "
                "or TC_UPDATE_GOLDEN=1 to write it)",
                path);
  static char want[1 << 16];
  size_t n = fread(want, 1, sizeof(want) - 1, f);
  fclose(f);
  want[n] = '\0';
  if (n && want[n - 1] == '\n') want[n - 1] = '\0';
  ck_assert_msg(!strcmp(want, actual), "golden %s differs:\nwant %s\ngot  %s",
                name, want, actual);
}

static void golden_call(tc_ctx *ctx, const tc_caller *caller,
                        const char *method, const char *req, int rc,
                        const char *name) {
  char *out = NULL;
  ck_assert_int_eq(call(ctx, caller, method, req, &out), rc);
  golden(name, out);
  free(out);
}

/* Replace every occurrence of what in s (in place; with is not longer). */
static void replace(char *s, const char *what, const char *with) {
  size_t wl = strlen(what), nl = strlen(with);
  char *p;
  while ((p = strstr(s, what))) {
    memmove(p + nl, p + wl, strlen(p + wl) + 1);
    memcpy(p, with, nl);
  }
}

/* ---- system.version
 * ------------------------------------------------------------- */

START_TEST(version_golden) {
  tc_ctx *ctx = ctx_new();
  char *out = NULL;
  ck_assert_int_eq(call(ctx, NULL, "system.version", "{}", &out), TC_OK);
  /* The golden is about shape and order; the numbers move every release. */
  char num[32], vs[64];
  snprintf(num, sizeof(num), ":%d,", TC_VERSION_NUMBER);
  snprintf(vs, sizeof(vs), "\"%s\"", TC_VERSION);
  char *copy = malloc(strlen(out) + 64);
  strcpy(copy, out);
  replace(copy, num, ":@N,");
  replace(copy, vs, "\"@V\"");
  golden("system_version", copy);
  ck_assert_ptr_nonnull(strstr(out, "\"version\":\"" TC_VERSION "\""));
  ck_assert_str_eq(tc_errmsg(ctx), "");
  free(copy);
  free(out);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(empty_and_null_request_mean_empty_object) {
  tc_ctx *ctx = ctx_new();
  char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  ck_assert_int_eq(call(ctx, NULL, "system.version", NULL, &a), TC_OK);
  ck_assert_int_eq(call(ctx, NULL, "system.version", "", &b), TC_OK);
  ck_assert_int_eq(call(ctx, NULL, "system.version", " \n{ }\t", &c), TC_OK);
  /* NULL with a length is still "{}" */
  ck_assert_int_eq(call_n(ctx, NULL, 0, NULL, "system.version", NULL, 10, &d),
                   TC_OK);
  ck_assert_str_eq(a, b);
  ck_assert_str_eq(a, c);
  ck_assert_str_eq(a, d);
  ck_assert_ptr_nonnull(strstr(a, "\"abi\":0"));
  free(a);
  free(b);
  free(c);
  free(d);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(request_need_not_be_nul_terminated) {
  tc_ctx *ctx = ctx_new();
  char *out = NULL;
  /* Only the first 2 bytes are the request. */
  ck_assert_int_eq(
      call_n(ctx, NULL, 0, NULL, "system.version", "{}garbage", 2, &out),
      TC_OK);
  free(out);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(output_is_appended) {
  tc_ctx *ctx = ctx_new();
  tc_buf buf = TC_BUF_INIT;
  ck_assert_int_eq(tc_buf_puts(&buf, "X"), TC_OK);
  ck_assert_int_eq(tc_api_call(&buf, ctx, NULL, "nope.nothing", NULL, 0),
                   TC_ENOTFOUND);
  ck_assert_str_eq(buf.ptr,
                   "X{\"error\":{\"code\":\"not_found\",\"message\":\"unknown "
                   "method 'nope.nothing'\"}}");
  tc_buf_dispose(&buf);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(null_arguments) {
  tc_ctx *ctx = ctx_new();
  tc_buf buf = TC_BUF_INIT;
  ck_assert_int_eq(tc_api_call(&buf, NULL, NULL, "system.version", "{}", 2),
                   TC_EINVAL);
  ck_assert_int_eq(tc_api_call(NULL, ctx, NULL, "system.version", "{}", 2),
                   TC_EINVAL);
  ck_assert_str_ne(tc_errmsg(ctx), "");
  ck_assert_int_eq(tc_api_call(&buf, ctx, NULL, NULL, "{}", 2), TC_EINVAL);
  ck_assert_ptr_null(buf.ptr);
  ck_assert_uint_eq(buf.size, 0);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* ---- raw request checks
 * ------------------------------------------------------------ */

START_TEST(invalid_utf8_raw) {
  tc_ctx *ctx = ctx_new();
  expect_einval(ctx, "{\"a\":\"\xff\"}", 9,
                "request is not valid UTF-8 at byte 6");
  /* overlong '/' */
  expect_einval(ctx, "{\"a\":\"x\xc0\xaf\"}", 11,
                "request is not valid UTF-8 at byte 7");
  /* an encoded surrogate (U+D800) */
  expect_einval(ctx, "{\"a\":\"\xed\xa0\x80\"}", 11,
                "request is not valid UTF-8 at byte 6");
  /* truncated sequence at the very end */
  expect_einval(ctx, "{}\xe2\x82", 4, "request is not valid UTF-8 at byte 2");
  expect_einval(ctx, "{}\0", 3, "request contains a NUL byte at byte 2");
  char *out = NULL;
  call_n(ctx, NULL, 0, NULL, "system.version", "{\"a\":\"\xff\"}", 9, &out);
  golden("error_invalid_utf8", out);
  free(out);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(malformed_json) {
  tc_ctx *ctx = ctx_new();
  const struct {
    const char *req;
    const char *msg;
  } cases[] = {
      {"{", "request is not valid JSON near byte 1: unexpected end of input"},
      {"   ", "request is not valid JSON near byte 3: unexpected end of input"},
      {"{\"a\":01}",
       "request is not valid JSON near byte 6: expected ',' or '}'"},
      {"{\"a\":1.}", "request is not valid JSON near byte 7: invalid number"},
      {"{\"a\":.5}",
       "request is not valid JSON near byte 5: unexpected character"},
      {"{\"a\":-}", "request is not valid JSON near byte 6: invalid number"},
      {"{\"a\":1e}", "request is not valid JSON near byte 7: invalid number"},
      {"{\"a\":1,}",
       "request is not valid JSON near byte 7: expected a member name in "
       "double quotes"},
      {"{a:1}",
       "request is not valid JSON near byte 1: expected a member name in "
       "double quotes"},
      {"{\"a\" 1}", "request is not valid JSON near byte 5: expected ':'"},
      {"{\"a\":[1,]}",
       "request is not valid JSON near byte 8: unexpected character"},
      {"{\"a\":[1}",
       "request is not valid JSON near byte 7: expected ',' or ']'"},
      {"{} x",
       "request is not valid JSON near byte 3: unexpected text after the JSON "
       "value"},
      {"{}{}",
       "request is not valid JSON near byte 2: unexpected text after the JSON "
       "value"},
      {"{\"a\":tru}",
       "request is not valid JSON near byte 5: unexpected character"},
      {"{\"a\":truex}",
       "request is not valid JSON near byte 9: expected ',' or '}'"},
      {"{\"a\":\"x",
       "request is not valid JSON near byte 7: unterminated string"},
      {"{\"a\":\"\t\"}",
       "request is not valid JSON near byte 6: control character in a string "
       "(escape it)"},
      {"{\"a\":\"\\x\"}",
       "request is not valid JSON near byte 6: invalid escape"},
      {"{\"a\":\"\\u12\"}",
       "request is not valid JSON near byte 6: invalid escape"},
      {"\xef\xbb\xbf{}",
       "request is not valid JSON near byte 0: unexpected character"},
      {"{\"a\":12345678901234567890123456789012345678901}",
       "request is not valid JSON near byte 5: number is too long"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    expect_einval(ctx, cases[i].req, strlen(cases[i].req), cases[i].msg);
  golden_call(ctx, NULL, "system.version", "{\"a\":1,}", TC_EINVAL,
              "error_invalid_json");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* cJSON refuses lone surrogates itself, but silently cuts a string at
 * \u0000; the strict pass refuses all of them with a position. */
START_TEST(unicode_escapes) {
  tc_ctx *ctx = ctx_new();
  const struct {
    const char *req;
    const char *msg;
  } cases[] = {
      {"{\"module\":\"\\ud800\"}",
       "request is not valid JSON near byte 11: unpaired UTF-16 surrogate"},
      {"{\"module\":\"\\udc00\"}",
       "request is not valid JSON near byte 11: unpaired UTF-16 surrogate"},
      {"{\"module\":\"\\ud800\\u0041\"}",
       "request is not valid JSON near byte 11: unpaired UTF-16 surrogate"},
      {"{\"module\":\"\\ud800x\"}",
       "request is not valid JSON near byte 11: unpaired UTF-16 surrogate"},
      {"{\"module\":\"a\\u0000b\"}",
       "request is not valid JSON near byte 12: \\\\u0000 is not allowed in "
       "strings"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *out = NULL;
    int rc = call(ctx, NULL, "system.methods", cases[i].req, &out);
    ck_assert_int_eq(rc, TC_EINVAL);
    char want[512];
    snprintf(want, sizeof(want),
             "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"%s\"}}",
             cases[i].msg);
    ck_assert_str_eq(out, want);
    free(out);
  }
  /* A proper pair decodes to one 4-byte character, echoed back intact. */
  expect(ctx, NULL, "system.methods", "{\"module\":\"\\ud83d\\ude00\"}",
         TC_ENOTFOUND,
         "{\"error\":{\"code\":\"not_found\",\"message\":\"unknown module "
         "'\xf0\x9f\x98\x80'\",\"field\":\"module\"}}");
  /* Escaped quote, backslash and control characters survive into the echo
   * and are escaped again on the way out. */
  expect(ctx, NULL, "system.methods", "{\"module\":\"a\\\"b\\\\c\\n\"}",
         TC_ENOTFOUND,
         "{\"error\":{\"code\":\"not_found\",\"message\":\"unknown module "
         "'a\\\"b\\\\c?'\",\"field\":\"module\"}}");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(top_level_must_be_object) {
  tc_ctx *ctx = ctx_new();
  const char *reqs[] = {"[]", "null", "1", "\"x\"", "true", "[{}]"};
  for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
    expect_einval(ctx, reqs[i], strlen(reqs[i]),
                  "request must be a JSON object");
  golden_call(ctx, NULL, "system.version", "[]", TC_EINVAL, "error_not_object");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

static char *nested(int arrays) {
  char *s = malloc((size_t)arrays * 2 + 16);
  size_t o = (size_t)sprintf(s, "{\"a\":");
  for (int i = 0; i < arrays; i++) s[o++] = '[';
  for (int i = 0; i < arrays; i++) s[o++] = ']';
  s[o++] = '}';
  s[o] = '\0';
  return s;
}

START_TEST(nesting_limit) {
  tc_ctx *ctx = ctx_new();
  /* the top object plus 31 arrays is 32 levels: parsed, then refused
   * only because system.version takes no field "a" */
  char *ok = nested(31), *deep = nested(32);
  expect(ctx, NULL, "system.version", ok, TC_EINVAL,
         "{\"error\":{\"code\":\"invalid_argument\",\"message\":"
         "\"unknown field 'a'\",\"field\":\"a\"}}");
  expect_einval(ctx, deep, strlen(deep),
                "request is not valid JSON near byte 36: nested too deeply");
  free(ok);
  free(deep);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(request_size_limit) {
  tc_config cfg = TC_CONFIG_INIT;
  cfg.max_request_bytes = 16;
  tc_ctx *ctx = ctx_with(&cfg);
  char *out = NULL;
  ck_assert_int_eq(call(ctx, NULL, "system.version", "{}              ", &out),
                   TC_OK); /* 16 bytes */
  free(out);
  expect_einval(ctx, "{}               ", 17,
                "request is 17 bytes; the limit is 16");
  golden_call(ctx, NULL, "system.version", "{}               ", TC_EINVAL,
              "error_too_large");
  tt_ctx_free(ctx, tmpdir);

  /* default: 1 MiB */
  ctx = ctx_new();
  size_t mib = (size_t)1 << 20;
  char *big = malloc(mib + 1);
  memset(big, ' ', mib + 1);
  big[0] = '{';
  big[mib - 1] = '}';
  ck_assert_int_eq(call_n(ctx, NULL, 0, NULL, "system.version", big, mib, &out),
                   TC_OK);
  free(out);
  big[mib - 1] = ' ';
  big[mib] = '}';
  expect_einval(ctx, big, mib + 1,
                "request is 1048577 bytes; the limit is 1048576");
  free(big);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* ---- methods and callers
 * ------------------------------------------------------------- */

START_TEST(unknown_and_malformed_method_names) {
  tc_ctx *ctx = ctx_new();
  expect(ctx, NULL, "nope.nothing", "{}", TC_ENOTFOUND,
         "{\"error\":{\"code\":\"not_found\",\"message\":\"unknown method "
         "'nope.nothing'\"}}");
  expect(ctx, NULL, "system.nothing", NULL, TC_ENOTFOUND,
         "{\"error\":{\"code\":\"not_found\",\"message\":\"unknown method "
         "'system.nothing'\"}}");
  const char *bad[] = {
      "",     "system", "System.version", "a.b.c",           ".x", "x.", "1a.b",
      "a._b", "a-b.c",  "a b.c",          "system.version\n"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *out = NULL;
    ck_assert_int_eq(call(ctx, NULL, bad[i], "{}", &out), TC_EINVAL);
    ck_assert_ptr_nonnull(strstr(out, "is not of the form module.action"));
    free(out);
  }
  expect(ctx, NULL, "system.version\n", "{}", TC_EINVAL,
         "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"method name "
         "'system.version?' is not of the form module.action\"}}");
  /* a huge name is cut in the echo */
  char name[300];
  memset(name, 'a', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  name[100] = '.';
  char *out = NULL;
  ck_assert_int_eq(call(ctx, NULL, name, "{}", &out), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out,
                               "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaa...'"));
  ck_assert_uint_lt(strlen(out), 200);
  free(out);
  golden_call(ctx, NULL, "nope.nothing", "{}", TC_ENOTFOUND,
              "error_unknown_method");
  golden_call(ctx, NULL, "System.Version", "{}", TC_EINVAL,
              "error_method_name");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(unknown_field) {
  tc_ctx *ctx = ctx_new();
  golden_call(ctx, NULL, "system.version", "{\"verbose\":true}", TC_EINVAL,
              "error_unknown_field");
  expect(ctx, NULL, "system.methods", "{\"module\":\"\"}", TC_EINVAL,
         "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"field "
         "'module' must be at least 1 byte long\",\"field\":\"module\"}}");
  expect(ctx, NULL, "system.methods", "{\"module\":3}", TC_EINVAL,
         "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"field "
         "'module' must be a string\",\"field\":\"module\"}}");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(bearer_refused) {
  tc_ctx *ctx = ctx_new();
  tc_caller caller = TC_CALLER_INIT;
  caller.bearer = "eyJhbGciOiJub25lIn0.e30.";
  golden_call(ctx, &caller, "system.version", "{}", TC_EUNAUTHENTICATED,
              "error_bearer");
  caller.bearer = "";
  expect(ctx, &caller, "system.version", "{}", TC_EUNAUTHENTICATED,
         "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"invalid "
         "bearer token: the token is empty\"}}");
  /* both a bearer and a principal */
  tc_principal sys = tt_system();
  caller.bearer = "x";
  caller.principal = &sys;
  golden_call(ctx, &caller, "system.version", "{}", TC_EINVAL,
              "error_principal_and_bearer");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(caller_checks) {
  tc_ctx *ctx = ctx_new();
  tc_caller caller = TC_CALLER_INIT;
  caller.version = 0;
  expect(ctx, &caller, "system.version", "{}", TC_EVERSION,
         "{\"error\":{\"code\":\"version_mismatch\",\"message\":\"caller "
         "version 0 is not supported (1 to 1)\"}}");
  caller.version = TC_CALLER_VERSION;
  tc_principal p = tt_system();
  p.version = 7;
  caller.principal = &p;
  expect(ctx, &caller, "system.version", "{}", TC_EVERSION,
         "{\"error\":{\"code\":\"version_mismatch\",\"message\":\"principal "
         "version 7 is not supported (1 to 1)\"}}");
  p = tt_system();
  p.kind = (tc_principal_kind)9;
  expect(ctx, &caller, "system.version", "{}", TC_EINVAL,
         "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"principal "
         "kind 9 is unknown\"}}");
  p = tt_user("", TC_ROLE_CUSTOMER);
  expect(ctx, &caller, "system.version", "{}", TC_EINVAL,
         "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"a user "
         "principal needs a user_id\"}}");
  /* a principal whose strings are not terminated is cut, not overread */
  p = tt_user("u1", TC_ROLE_CUSTOMER);
  memset(p.scopes, 'x', sizeof(p.scopes));
  char *out = NULL;
  ck_assert_int_eq(call(ctx, &caller, "system.version", "{}", &out), TC_OK);
  free(out);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* ---- a test module: access levels and handler paths
 * ---------------------------------- */

static int h_echo(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  static const char *kinds[] = {"anonymous", "user", "system"};
  int rc = tc__json_add_str(ctx, resp, "kind", kinds[who->kind]);
  if (!rc) rc = tc__json_add_str(ctx, resp, "user_id", who->user_id);
  if (!rc) rc = tc__json_add_int(ctx, resp, "qty", tc__json_int(req, "qty", 0));
  if (!rc)
    rc = tc__json_add_str(ctx, resp, "note", tc__json_str(req, "note", "none"));
  if (!rc)
    rc =
        tc__json_add_bool(ctx, resp, "flag", tc__json_bool(req, "flag", false));
  return rc;
}

static int h_conflict(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  tc__json_add_str(ctx, resp, "partial", "must not be seen");
  return tc__seterr(ctx, TC_ECONFLICT, "sku", "sku 'A-1' exists already");
}

static int h_silent(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)ctx;
  (void)who;
  (void)req;
  (void)resp;
  return TC_ESTATE;
}

static int h_bad_utf8(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  return tc__json_add_str(ctx, resp, "x", "a\xff");
}

static int h_positive(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)ctx;
  (void)who;
  (void)req;
  (void)resp;
  return 1;
}

static int h_big(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                 cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  int rc = tc__json_add_int(ctx, resp, "max", INT64_MAX);
  if (!rc) rc = tc__json_add_int(ctx, resp, "min", INT64_MIN);
  if (!rc) rc = tc__json_add_int(ctx, resp, "exact", 999999999999999);
  if (!rc) rc = tc__json_add_int(ctx, resp, "raw", 1000000000000000);
  if (!rc) rc = tc__json_add_int(ctx, resp, "neg", -1000000000000000);
  if (!rc) rc = tc__json_add_int(ctx, resp, "p53", (int64_t)1 << 53);
  if (!rc) rc = tc__json_add_int(ctx, resp, "past", ((int64_t)1 << 53) + 1);
  if (!rc) rc = tc__json_add_null(ctx, resp, "nothing");
  if (!rc) rc = tc__json_add_str(ctx, resp, "null_str", NULL);
  cJSON *o = rc ? NULL : tc__json_add_object(ctx, resp, "obj");
  cJSON *a = o ? tc__json_add_array(ctx, o, "arr") : NULL;
  if (!a) return rc ? rc : TC_ENOMEM;
  /* the raw big ints read back exactly */
  if (tc__json_int(resp, "max", 0) != INT64_MAX) return TC_ERROR;
  if (tc__json_int(resp, "min", 0) != INT64_MIN) return TC_ERROR;
  if (tc__json_int(resp, "past", 0) != ((int64_t)1 << 53) + 1) return TC_ERROR;
  return TC_OK;
}

/* An error with a machine-readable reason, as OAuth failures give. */
static int h_reason(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)resp;
  const char *reason = tc__json_str(req, "reason", "invalid_grant");
  if (tc__json_bool(req, "nofield", false))
    return tc__seterr_reason(ctx, TC_EINVAL, NULL, reason, "bad %s", "thing");
  return tc__seterr_reason(ctx, TC_EUNAUTHENTICATED, "code", reason,
                           "invalid_grant: the code is not known");
}

/* A reason set on the way is dropped by a later plain error. */
static int h_reason_then_plain(tc_ctx *ctx, const tc__api_caller *from,
                               const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  (void)resp;
  tc__seterr_reason(ctx, TC_EINVAL, "x", "invalid_request", "first");
  return tc__seterr(ctx, TC_ECONFLICT, NULL, "second");
}

static const tc__field reason_request[] = {
    {"reason", TC__F_STRING, 0, 0, 200, NULL, NULL, "the reason to set"},
    {"nofield", TC__F_BOOL, 0, 0, 0, NULL, NULL, "leave field unset"},
    {NULL},
};

static const tc__field echo_request[] = {
    {"qty", TC__F_INT, 0, 1, 100, NULL, NULL, "how many"},
    {"note", TC__F_STRING, TC__F_NULLABLE, 0, 8, NULL, NULL, "a note"},
    {"flag", TC__F_BOOL, 0, 0, 0, NULL, NULL, "a flag"},
    {"meta", TC__F_OBJECT, 0, 0, 0, NULL, NULL, "anything"},
    {NULL},
};

static const tc__api_method test_methods[] = {
    {"test.public", "echo", TC__ACCESS_PUBLIC, echo_request, NULL, h_echo},
    {"test.user", "echo", TC__ACCESS_USER, echo_request, NULL, h_echo},
    {"test.support", "echo", TC__ACCESS_SUPPORT, NULL, NULL, h_echo},
    {"test.admin", "echo", TC__ACCESS_ADMIN, NULL, NULL, h_echo},
    {"test.system", "echo", TC__ACCESS_SYSTEM, NULL, NULL, h_echo},
    {"test.weird", "echo", (tc__access)42, NULL, NULL, h_echo},
    {"test.conflict", "fails", TC__ACCESS_PUBLIC, NULL, NULL, h_conflict},
    {"test.silent", "fails", TC__ACCESS_PUBLIC, NULL, NULL, h_silent},
    {"test.bad_utf8", "bad", TC__ACCESS_PUBLIC, NULL, NULL, h_bad_utf8},
    {"test.positive", "bad", TC__ACCESS_PUBLIC, NULL, NULL, h_positive},
    {"test.nohandler", "none", TC__ACCESS_PUBLIC, NULL, NULL, NULL},
    {"test.big", "ints", TC__ACCESS_PUBLIC, NULL, NULL, h_big},
    {"test.reason", "fails", TC__ACCESS_PUBLIC, reason_request, NULL, h_reason},
    {"test.reason_then_plain", "fails", TC__ACCESS_PUBLIC, NULL, NULL,
     h_reason_then_plain},
};

static const tc__api_module test_module = {
    "test", test_methods, sizeof(test_methods) / sizeof(test_methods[0])};

static const tc__api_module *const test_modules[] = {&test_module,
                                                     &tc__api_system};

static int tcall(tc_ctx *ctx, const tc_principal *who, const char *method,
                 const char *req, char **out) {
  tc_caller caller = TC_CALLER_INIT;
  caller.principal = who;
  return call_n(ctx, test_modules, 2, who ? &caller : NULL, method, req,
                req ? strlen(req) : 0, out);
}

static void texpect(tc_ctx *ctx, const tc_principal *who, const char *method,
                    const char *req, int rc, const char *want) {
  char *out = NULL;
  int got = tcall(ctx, who, method, req, &out);
  ck_assert_msg(got == rc, "%s: rc %d, want %d: %s", method, got, rc, out);
  ck_assert_str_eq(out, want);
  free(out);
}

START_TEST(access_levels) {
  tc_ctx *ctx = ctx_new();
  tc_principal customer = tt_user("u1", TC_ROLE_CUSTOMER);
  tc_principal support = tt_user("u2", TC_ROLE_SUPPORT);
  tc_principal admin = tt_user("u3", TC_ROLE_ADMIN);
  tc_principal sys = tt_system();
  tc_principal anon = TC_PRINCIPAL_INIT;
  anon.roles = TC_ROLE_ADMIN; /* roles of an anonymous principal are void */
  const tc_principal *who[] = {NULL, &anon, &customer, &support, &admin, &sys};
  const char *methods[] = {"test.public", "test.user",   "test.support",
                           "test.admin",  "test.system", "test.weird"};
  /* rows: caller; columns: method; 0 ok, U unauthenticated, D denied */
  const char *grid[] = {
      "0UUUUU", /* no caller */
      "0UUUUU", /* anonymous principal */
      "00DDDD", /* customer */
      "000DDD", /* support */
      "0000DD", /* admin */
      "00000D", /* system */
  };
  for (size_t w = 0; w < 6; w++) {
    for (size_t m = 0; m < 6; m++) {
      char *out = NULL;
      int rc = tcall(ctx, who[w], methods[m], "{}", &out);
      int want = grid[w][m] == '0'   ? TC_OK
                 : grid[w][m] == 'U' ? TC_EUNAUTHENTICATED
                                     : TC_EDENIED;
      ck_assert_msg(rc == want, "caller %zu method %s: %d %s", w, methods[m],
                    rc, out);
      if (want == TC_OK) ck_assert_ptr_null(strstr(out, "\"error\""));
      free(out);
    }
  }
  texpect(ctx, NULL, "test.user", "{}", TC_EUNAUTHENTICATED,
          "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"method "
          "'test.user' needs an authenticated caller\"}}");
  texpect(ctx, &customer, "test.support", "{}", TC_EDENIED,
          "{\"error\":{\"code\":\"permission_denied\",\"message\":\"method "
          "'test.support' needs the support or admin role\"}}");
  texpect(ctx, &support, "test.admin", "{}", TC_EDENIED,
          "{\"error\":{\"code\":\"permission_denied\",\"message\":\"method "
          "'test.admin' needs the admin role\"}}");
  texpect(ctx, &admin, "test.system", "{}", TC_EDENIED,
          "{\"error\":{\"code\":\"permission_denied\",\"message\":\"method "
          "'test.system' is only for trusted system callers\"}}");
  texpect(ctx, &customer, "test.user", "{\"qty\":5,\"note\":null}", TC_OK,
          "{\"kind\":\"user\",\"user_id\":\"u1\",\"qty\":5,\"note\":\"none\","
          "\"flag\":false}");
  texpect(ctx, &anon, "test.public", NULL, TC_OK,
          "{\"kind\":\"anonymous\",\"user_id\":\"\",\"qty\":0,\"note\":"
          "\"none\",\"flag\":false}");
  /* access is decided before the request is validated */
  texpect(ctx, NULL, "test.user", "{\"bogus\":1}", TC_EUNAUTHENTICATED,
          "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"method "
          "'test.user' needs an authenticated caller\"}}");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(error_reason) {
  tc_ctx *ctx = ctx_new();
  texpect(ctx, NULL, "test.reason", "{}", TC_EUNAUTHENTICATED,
          "{\"error\":{\"code\":\"unauthenticated\",\"message\":"
          "\"invalid_grant: the code is not known\",\"field\":\"code\","
          "\"reason\":\"invalid_grant\"}}");
  ck_assert_str_eq(tc_errreason(ctx), "invalid_grant");
  ck_assert_str_eq(tc_errfield(ctx), "code");
  /* reason without a field; escaped like every string */
  texpect(ctx, NULL, "test.reason", "{\"nofield\":true,\"reason\":\"a\\\"b\"}",
          TC_EINVAL,
          "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"bad "
          "thing\",\"reason\":\"a\\\"b\"}}");
  /* cut to the buffer, never past it */
  char *out = NULL;
  char req[256];
  snprintf(req, sizeof(req), "{\"reason\":\"%0100d\"}", 0);
  ck_assert_int_eq(tcall(ctx, NULL, "test.reason", req, &out),
                   TC_EUNAUTHENTICATED);
  ck_assert_uint_eq(strlen(tc_errreason(ctx)), 63);
  cJSON *doc = cJSON_Parse(out);
  ck_assert_ptr_nonnull(doc);
  cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
  ck_assert_uint_eq(
      strlen(cJSON_GetObjectItemCaseSensitive(err, "reason")->valuestring), 63);
  cJSON_Delete(doc);
  free(out);
  /* a plain error after a reasoned one has no reason */
  texpect(ctx, NULL, "test.reason_then_plain", "{}", TC_ECONFLICT,
          "{\"error\":{\"code\":\"conflict\",\"message\":\"second\"}}");
  ck_assert_str_eq(tc_errreason(ctx), "");
  /* validation errors carry none; a success clears it */
  tcall(ctx, NULL, "test.reason", "{}", &out);
  free(out);
  texpect(ctx, NULL, "test.reason", "{\"bogus\":1}", TC_EINVAL,
          "{\"error\":{\"code\":\"invalid_argument\",\"message\":"
          "\"unknown field 'bogus'\",\"field\":\"bogus\"}}");
  ck_assert_str_eq(tc_errreason(ctx), "");
  tcall(ctx, NULL, "test.reason", "{}", &out);
  free(out);
  texpect(ctx, NULL, "test.public", "{}", TC_OK,
          "{\"kind\":\"anonymous\",\"user_id\":\"\",\"qty\":0,\"note\":"
          "\"none\",\"flag\":false}");
  ck_assert_str_eq(tc_errreason(ctx), "");
  ck_assert_str_eq(tc_errreason(NULL), "");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(handler_paths) {
  tc_ctx *ctx = ctx_new();
  tc_principal sys = tt_system();
  char *out = NULL;
  ck_assert_int_eq(tcall(ctx, &sys, "test.conflict", "{}", &out), TC_ECONFLICT);
  golden("error_handler_field", out);
  free(out);
  ck_assert_str_eq(tc_errfield(ctx), "sku");
  char want[256];
  snprintf(want, sizeof(want),
           "{\"error\":{\"code\":\"invalid_state\",\"message\":\"%s\"}}",
           tc_strerror(TC_ESTATE));
  texpect(ctx, &sys, "test.silent", "{}", TC_ESTATE, want);
  texpect(ctx, &sys, "test.bad_utf8", "{}", TC_ERROR,
          "{\"error\":{\"code\":\"internal\",\"message\":\"method "
          "'test.bad_utf8' made a response that is not valid UTF-8\"}}");
  texpect(ctx, &sys, "test.positive", "{}", TC_ERROR,
          "{\"error\":{\"code\":\"internal\",\"message\":\"method "
          "'test.positive' returned 1\"}}");
  texpect(ctx, &sys, "test.nohandler", "{}", TC_EUNSUPPORTED,
          "{\"error\":{\"code\":\"unsupported\",\"message\":\"method "
          "'test.nohandler' is not implemented\"}}");
  texpect(ctx, &sys, "test.big", "{}", TC_OK,
          "{\"max\":9223372036854775807,\"min\":-9223372036854775808,"
          "\"exact\":999999999999999,\"raw\":1000000000000000,"
          "\"neg\":-1000000000000000,\"p53\":9007199254740992,"
          "\"past\":9007199254740993,"
          "\"nothing\":null,\"null_str\":null,\"obj\":{\"arr\":[]}}");
  /* validation through the dispatcher names the field */
  texpect(ctx, &sys, "test.public", "{\"qty\":0}", TC_EINVAL,
          "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"field "
          "'qty' must be between 1 and 100\",\"field\":\"qty\"}}");
  texpect(ctx, &sys, "test.public", "{\"note\":\"123456789\"}", TC_EINVAL,
          "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"field "
          "'note' must be at most 8 bytes long\",\"field\":\"note\"}}");
  texpect(ctx, &sys, "test.public", "{\"qty\":1,\"qty\":2}", TC_EINVAL,
          "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"duplicate "
          "field 'qty'\",\"field\":\"qty\"}}");
  /* a success after a failure leaves no message behind */
  texpect(ctx, &sys, "test.public", "{\"qty\":3,\"flag\":true}", TC_OK,
          "{\"kind\":\"system\",\"user_id\":\"\",\"qty\":3,\"note\":\"none\","
          "\"flag\":true}");
  ck_assert_str_eq(tc_errmsg(ctx), "");
  ck_assert_str_eq(tc_errfield(ctx), "");
  ck_assert_int_eq(tc_errcode(ctx), TC_OK);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* ---- validation, directly against a field table
 * ----------------------------------- */

static const tc__field line_fields[] = {
    {"sku", TC__F_STRING, TC__F_REQUIRED, 1, 16, NULL, NULL, NULL},
    {"qty", TC__F_INT, TC__F_REQUIRED, 1, 99, NULL, NULL, NULL},
    {NULL},
};
static const tc__field line_item = {NULL, TC__F_OBJECT, 0,    0,
                                    0,    line_fields,  NULL, NULL};
static const tc__field tag_item = {NULL, TC__F_STRING, 0,    1,
                                   8,    NULL,         NULL, NULL};
static const tc__field address_fields[] = {
    {"city", TC__F_STRING, TC__F_REQUIRED, 1, 0, NULL, NULL, NULL},
    {"zip", TC__F_STRING, TC__F_NULLABLE, 0, 10, NULL, NULL, NULL},
    {NULL},
};
static const tc__field order_fields[] = {
    {"name", TC__F_STRING, TC__F_REQUIRED, 2, 10, NULL, NULL, NULL},
    {"count", TC__F_INT, 0, 0, 0, NULL, NULL, NULL},
    {"qty", TC__F_INT, 0, -5, 5, NULL, NULL, NULL},
    {"ratio", TC__F_NUMBER, 0, 0, 1, NULL, NULL, NULL},
    {"price", TC__F_NUMBER, 0, 0, 0, NULL, NULL, NULL},
    {"gift", TC__F_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"address", TC__F_OBJECT, 0, 0, 0, address_fields, NULL, NULL},
    {"meta", TC__F_OBJECT, 0, 0, 0, NULL, NULL, NULL},
    {"extra", TC__F_ANY, 0, 0, 0, NULL, NULL, NULL},
    {"items", TC__F_ARRAY, 0, 1, 3, NULL, &line_item, NULL},
    {"tags", TC__F_ARRAY, 0, 0, 0, NULL, &tag_item, NULL},
    {"blob", TC__F_ARRAY, 0, 0, 0, NULL, NULL, NULL},
    {"note", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"must", TC__F_STRING, TC__F_REQUIRED | TC__F_NULLABLE, 0, 0, NULL, NULL,
     NULL},
    {NULL},
};

static int validate_json(tc_ctx *ctx, const char *json) {
  cJSON *doc = cJSON_Parse(json);
  ck_assert_msg(doc != NULL, "test JSON does not parse: %s", json);
  int rc = tc__api_validate(ctx, doc, order_fields, NULL);
  cJSON_Delete(doc);
  return rc;
}

/* body is inserted after the required members. */
static void vok(tc_ctx *ctx, const char *body) {
  char json[8192];
  snprintf(json, sizeof(json), "{\"name\":\"ab\",\"must\":null%s%s}",
           *body ? "," : "", body);
  tc__clearerr(ctx);
  int rc = validate_json(ctx, json);
  ck_assert_msg(rc == TC_OK, "%s: %s", json, tc_errmsg(ctx));
  ck_assert_str_eq(tc_errmsg(ctx), "");
}

static void vbad(tc_ctx *ctx, const char *body, const char *msg,
                 const char *field) {
  char json[8192];
  snprintf(json, sizeof(json), "{\"name\":\"ab\",\"must\":\"m\"%s%s}",
           *body ? "," : "", body);
  tc__clearerr(ctx);
  ck_assert_int_eq(validate_json(ctx, json), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), msg);
  ck_assert_str_eq(tc_errfield(ctx), field);
  tc__clearerr(ctx);
}

START_TEST(validate_required_unknown_types) {
  tc_ctx *ctx = ctx_new();
  vok(ctx, "");
  vok(ctx,
      "\"count\":-9223372036854775808,\"qty\":-5,\"ratio\":0.5,\"price\":1e300,"
      "\"gift\":false,\"address\":{\"city\":\"x\",\"zip\":null},"
      "\"meta\":{\"a\":[1,{\"b\":null}]},\"extra\":[true],"
      "\"items\":[{\"sku\":\"a\",\"qty\":1}],\"tags\":[],\"blob\":[1,\"x\"],"
      "\"note\":null");
  vok(ctx, "\"count\":1.0,\"extra\":null");
  tc__clearerr(ctx);
  ck_assert_int_eq(validate_json(ctx, "{\"must\":null}"), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'name' is required");
  ck_assert_str_eq(tc_errfield(ctx), "name");
  ck_assert_int_eq(validate_json(ctx, "{\"name\":\"ab\"}"), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'must' is required");
  vbad(ctx, "\"bogus\":1", "unknown field 'bogus'", "bogus");
  vbad(ctx, "\"Name\":\"x\"", "unknown field 'Name'", "Name");
  vbad(ctx, "\"must\":\"again\"", "duplicate field 'must'", "must");
  vbad(ctx, "\"count\":\"1\"", "field 'count' must be an integer", "count");
  vbad(ctx, "\"count\":true", "field 'count' must be an integer", "count");
  vbad(ctx, "\"count\":null", "field 'count' must be an integer", "count");
  vbad(ctx, "\"count\":1.5", "field 'count' must be an integer", "count");
  vbad(ctx, "\"count\":1e300",
       "field 'count' is out of range for a 64-bit integer", "count");
  vbad(ctx, "\"count\":-1e300",
       "field 'count' is out of range for a 64-bit integer", "count");
  /* 2^63 itself (and INT64_MAX, which a double rounds up to it) */
  vbad(ctx, "\"count\":9223372036854775808",
       "field 'count' is out of range for a 64-bit integer", "count");
  vbad(ctx, "\"qty\":6", "field 'qty' must be between -5 and 5", "qty");
  vbad(ctx, "\"qty\":-6", "field 'qty' must be between -5 and 5", "qty");
  vbad(ctx, "\"ratio\":1.5", "field 'ratio' must be between 0 and 1", "ratio");
  vbad(ctx, "\"ratio\":\"x\"", "field 'ratio' must be a number", "ratio");
  vbad(ctx, "\"gift\":1", "field 'gift' must be true or false", "gift");
  ck_assert_int_eq(validate_json(ctx, "{\"name\":1,\"must\":null}"), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'name' must be a string");
  vbad(ctx, "\"address\":\"x\"", "field 'address' must be an object",
       "address");
  vbad(ctx, "\"meta\":[]", "field 'meta' must be an object", "meta");
  vbad(ctx, "\"items\":{}", "field 'items' must be an array", "items");
  ck_assert_int_eq(validate_json(ctx, "{\"name\":\"ab\",\"must\":1}"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'must' must be a string");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(validate_strings) {
  tc_ctx *ctx = ctx_new();
  char *s = malloc(8000);
  ck_assert_int_eq(validate_json(ctx, "{\"name\":\"\",\"must\":null}"),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx),
                   "field 'name' must be at least 2 bytes long");
  ck_assert_str_eq(tc_errfield(ctx), "name");
  tc__clearerr(ctx);
  ck_assert_int_eq(
      validate_json(ctx, "{\"name\":\"abcdefghijk\",\"must\":null}"),
      TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx),
                   "field 'name' must be at most 10 bytes long");
  /* lengths are bytes: five 2-byte characters fit, six do not */
  ck_assert_int_eq(validate_json(ctx,
                                 "{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
                                 "\xa9\xc3\xa9\",\"must\":null}"),
                   TC_OK);
  ck_assert_int_eq(validate_json(ctx,
                                 "{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
                                 "\xa9\xc3\xa9\xc3\xa9\",\"must\":null}"),
                   TC_EINVAL);
  /* default maximum: 4096 bytes */
  strcpy(s, "\"note\":\"");
  memset(s + 8, 'n', 4096);
  strcpy(s + 8 + 4096, "\"");
  vok(ctx, s);
  strcpy(s + 8 + 4096, "n\"");
  vbad(ctx, s, "field 'note' must be at most 4096 bytes long", "note");
  /* min 1 reads "1 byte" */
  vbad(ctx, "\"address\":{\"city\":\"\"}",
       "field 'address.city' must be at least 1 byte long", "address.city");
  free(s);

  /* invalid UTF-8 inside values cannot come through tc_api_call (the raw
   * bytes are checked first), but a module may validate other documents */
  cJSON *doc = cJSON_Parse("{\"name\":\"ab\",\"must\":null}");
  cJSON_ReplaceItemInObject(doc, "name", cJSON_CreateString("a\xff"));
  ck_assert_int_eq(tc__api_validate(ctx, doc, order_fields, NULL), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'name' is not valid UTF-8");
  cJSON_ReplaceItemInObject(doc, "name", cJSON_CreateString("ab"));
  cJSON *meta = cJSON_AddObjectToObject(doc, "meta");
  cJSON *deep = cJSON_AddArrayToObject(meta, "list");
  cJSON_AddItemToArray(deep, cJSON_CreateString("ok"));
  cJSON_AddItemToArray(deep, cJSON_CreateString("\xc0\xaf"));
  ck_assert_int_eq(tc__api_validate(ctx, doc, order_fields, NULL), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'meta.list[1]' is not valid UTF-8");
  ck_assert_str_eq(tc_errfield(ctx), "meta.list[1]");
  cJSON_DeleteItemFromObject(meta, "list");
  cJSON_AddNumberToObject(meta, "k\xff", 1);
  ck_assert_int_eq(tc__api_validate(ctx, doc, order_fields, NULL), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field name 'meta.k?' is not valid UTF-8");
  cJSON_Delete(doc);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(validate_arrays_and_objects) {
  tc_ctx *ctx = ctx_new();
  vbad(ctx, "\"items\":[]", "field 'items' must have at least 1 item", "items");
  vbad(ctx,
       "\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"a\",\"qty\":1},"
       "{\"sku\":\"a\",\"qty\":1},{\"sku\":\"a\",\"qty\":1}]",
       "field 'items' must have at most 3 items", "items");
  vbad(ctx,
       "\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":1},"
       "{\"sku\":\"\",\"qty\":1}]",
       "field 'items[2].sku' must be at least 1 byte long", "items[2].sku");
  vbad(ctx, "\"items\":[{\"sku\":\"a\"}]", "field 'items[0].qty' is required",
       "items[0].qty");
  vbad(ctx, "\"items\":[{\"sku\":\"a\",\"qty\":0}]",
       "field 'items[0].qty' must be between 1 and 99", "items[0].qty");
  vbad(ctx, "\"items\":[{\"sku\":\"a\",\"qty\":1,\"x\":2}]",
       "unknown field 'items[0].x'", "items[0].x");
  vbad(ctx, "\"items\":[1]", "field 'items[0]' must be an object", "items[0]");
  vbad(ctx, "\"items\":[null]", "field 'items[0]' must be an object",
       "items[0]");
  vbad(ctx, "\"tags\":[\"a\",5]", "field 'tags[1]' must be a string",
       "tags[1]");
  vbad(ctx, "\"tags\":[\"123456789\"]",
       "field 'tags[0]' must be at most 8 bytes long", "tags[0]");
  vbad(ctx, "\"address\":{}", "field 'address.city' is required",
       "address.city");
  vbad(ctx, "\"address\":{\"city\":\"x\",\"zap\":1}",
       "unknown field 'address.zap'", "address.zap");
  vbad(ctx, "\"address\":{\"city\":\"x\",\"zip\":5}",
       "field 'address.zip' must be a string", "address.zip");
  vbad(ctx, "\"address\":{\"city\":\"x\",\"city\":\"y\"}",
       "duplicate field 'address.city'", "address.city");
  vbad(ctx, "\"meta\":{\"a\":1,\"a\":2}", "duplicate field 'meta.a'", "meta.a");
  vbad(ctx, "\"extra\":[{\"x\":1,\"x\":1}]", "duplicate field 'extra[0].x'",
       "extra[0].x");
  vbad(ctx, "\"blob\":[[{\"y\":{\"z\":1,\"z\":2}}]]",
       "duplicate field 'blob[0][0].y.z'", "blob[0][0].y.z");

  /* default array maximum: 1000 items */
  char *s = malloc(8000);
  strcpy(s, "\"tags\":[");
  size_t o = strlen(s);
  for (int i = 0; i < 1000; i++) o += (size_t)sprintf(s + o, "\"t\",");
  strcpy(s + o - 1, "]");
  vok(ctx, s);
  strcpy(s + o - 1, ",\"t\"]");
  vbad(ctx, s, "field 'tags' must have at most 1000 items", "tags");

  /* many free-form members: duplicates found by sorting */
  strcpy(s, "\"meta\":{");
  o = strlen(s);
  for (int i = 0; i < 200; i++) o += (size_t)sprintf(s + o, "\"k%d\":1,", i);
  strcpy(s + o - 1, "}");
  vok(ctx, s);
  strcpy(s + o - 1, ",\"k77\":2}");
  vbad(ctx, s, "duplicate field 'meta.k77'", "meta.k77");
  free(s);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

static cJSON *nest_arrays(int n) {
  cJSON *inner = cJSON_CreateArray();
  for (int i = 1; i < n; i++) {
    cJSON *outer = cJSON_CreateArray();
    cJSON_AddItemToArray(outer, inner);
    inner = outer;
  }
  return inner;
}

START_TEST(validate_depth_and_long_names) {
  tc_ctx *ctx = ctx_new();
  /* the top object plus 31 arrays is 32 levels */
  cJSON *doc = cJSON_Parse("{\"name\":\"ab\",\"must\":null}");
  cJSON_AddItemToObject(doc, "extra", nest_arrays(31));
  ck_assert_int_eq(tc__api_validate(ctx, doc, order_fields, NULL), TC_OK);
  cJSON_DeleteItemFromObject(doc, "extra");
  cJSON_AddItemToObject(doc, "extra", nest_arrays(32));
  ck_assert_int_eq(tc__api_validate(ctx, doc, order_fields, NULL), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx),
                   "field 'extra[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                   "[0][0][0][0][0...' is nested too deeply (limit 32 levels)");
  ck_assert_str_eq(tc_errfield(ctx),
                   "extra[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                   "[0][0][0][0][0][0][0][0][0][0][0][0][0][0]");
  cJSON_Delete(doc);

  /* a huge unknown name is cut in the message and the field */
  char json[600];
  strcpy(json, "{\"");
  memset(json + 2, 'k', 200);
  strcpy(json + 202, "\":1}");
  doc = cJSON_Parse(json);
  ck_assert_int_eq(tc__api_validate(ctx, doc, NULL, NULL), TC_EINVAL);
  char want[200];
  strcpy(want, "unknown field '");
  memset(want + 15, 'k', 64);
  strcpy(want + 79, "...'");
  ck_assert_str_eq(tc_errmsg(ctx), want);
  want[15 + 64 + 3] = '\0';
  ck_assert_str_eq(tc_errfield(ctx), want + 15);
  cJSON_Delete(doc);

  /* cut on a character boundary: 40 two-byte characters are 80 bytes */
  strcpy(json, "{\"");
  for (int i = 0; i < 40; i++) memcpy(json + 2 + 2 * i, "\xc3\xa9", 2);
  strcpy(json + 82, "\":1}");
  doc = cJSON_Parse(json);
  ck_assert_int_eq(tc__api_validate(ctx, doc, NULL, NULL), TC_EINVAL);
  const char *msg = tc_errmsg(ctx);
  ck_assert_uint_eq(strlen(msg), strlen("unknown field '...'") + 64);
  ck_assert(tc__utf8_valid(msg, strlen(msg)));
  cJSON_Delete(doc);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(validate_top_level) {
  tc_ctx *ctx = ctx_new();
  cJSON *arr = cJSON_CreateArray(), *obj = cJSON_CreateObject();
  ck_assert_int_eq(tc__api_validate(ctx, arr, order_fields, NULL), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "request must be a JSON object");
  ck_assert_str_eq(tc_errfield(ctx), "");
  ck_assert_int_eq(tc__api_validate(ctx, arr, order_fields, "body"), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "field 'body' must be an object");
  ck_assert_str_eq(tc_errfield(ctx), "body");
  ck_assert_int_eq(tc__api_validate(ctx, NULL, order_fields, NULL), TC_EINVAL);
  /* no fields: only the empty object passes */
  ck_assert_int_eq(tc__api_validate(ctx, obj, NULL, NULL), TC_OK);
  cJSON_AddNumberToObject(obj, "a", 1);
  ck_assert_int_eq(tc__api_validate(ctx, obj, NULL, "body"), TC_EINVAL);
  ck_assert_str_eq(tc_errmsg(ctx), "unknown field 'body.a'");
  cJSON_Delete(arr);
  cJSON_Delete(obj);
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

START_TEST(json_readers) {
  cJSON *o = cJSON_Parse(
      "{\"s\":\"x\",\"i\":42,\"f\":2.9,\"b\":true,\"n\":null,\"big\":1e300,"
      "\"neg\":-1e300}");
  ck_assert_str_eq(tc__json_str(o, "s", "d"), "x");
  ck_assert_str_eq(tc__json_str(o, "S", "d"), "d"); /* case-sensitive */
  ck_assert_str_eq(tc__json_str(o, "n", "d"), "d");
  ck_assert_str_eq(tc__json_str(o, "i", "d"), "d");
  ck_assert_ptr_null(tc__json_str(NULL, "s", NULL));
  ck_assert_int_eq(tc__json_int(o, "i", 7), 42);
  ck_assert_int_eq(tc__json_int(o, "f", 7), 2);
  ck_assert_int_eq(tc__json_int(o, "n", 7), 7);
  ck_assert_int_eq(tc__json_int(o, "s", 7), 7);
  ck_assert(tc__json_int(o, "big", 0) == INT64_MAX);
  ck_assert(tc__json_int(o, "neg", 0) == INT64_MIN);
  ck_assert(tc__json_bool(o, "b", false));
  ck_assert(tc__json_bool(o, "n", true));
  ck_assert(!tc__json_bool(o, "missing", false));
  cJSON_Delete(o);
}
END_TEST

/* ---- system.methods
 * -------------------------------------------------------------- */

START_TEST(methods_golden) {
  tc_ctx *ctx = ctx_new();
  golden_call(ctx, NULL, "system.methods", "{\"module\":\"system\"}", TC_OK,
              "system_methods");
  /* the full list starts with the system module, in registry order */
  char *out = NULL;
  ck_assert_int_eq(call(ctx, NULL, "system.methods", NULL, &out), TC_OK);
  cJSON *doc = cJSON_Parse(out);
  ck_assert_ptr_nonnull(doc);
  cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "methods");
  ck_assert_int_ge(cJSON_GetArraySize(list), 3);
  ck_assert_str_eq(cJSON_GetArrayItem(list, 0)->child->valuestring,
                   "system.version");
  /* every registered method is listed, each with all keys */
  size_t total = 0;
  for (size_t i = 0; i < tc__api_module_count; i++)
    total += tc__api_modules[i]->count;
  ck_assert_int_eq(cJSON_GetArraySize(list), (int)total);
  const cJSON *m;
  cJSON_ArrayForEach(m, list) {
    const char *keys[] = {"name", "summary", "access", "request", "response"};
    for (size_t k = 0; k < 5; k++)
      ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(m, keys[k]));
  }
  cJSON_Delete(doc);
  free(out);
  expect(ctx, NULL, "system.methods", "{\"module\":\"nope\"}", TC_ENOTFOUND,
         "{\"error\":{\"code\":\"not_found\",\"message\":\"unknown module "
         "'nope'\",\"field\":\"module\"}}");
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* ---- system.health
 * ----------------------------------------------------------------- */

/* A store that forwards to a real one until told to fail. */
typedef struct flaky_store {
  tc_store port;
  tc_store *real;
  bool fail;
} flaky_store;

static int fs_begin(void *self, tc_txn_mode mode) {
  flaky_store *f = self;
  return f->real->begin(f->real->self, mode);
}
static int fs_commit(void *self) {
  flaky_store *f = self;
  return f->real->commit(f->real->self);
}
static int fs_rollback(void *self) {
  flaky_store *f = self;
  return f->real->rollback(f->real->self);
}
static int fs_exec(void *self, const char *sql, const tc_value *params,
                   size_t n, tc_store_row_cb cb, void *payload,
                   int64_t *changes) {
  flaky_store *f = self;
  if (f->fail) return TC_ESTORAGE;
  return f->real->exec(f->real->self, sql, params, n, cb, payload, changes);
}
static const char *fs_errmsg(void *self) {
  flaky_store *f = self;
  return f->fail ? "fake disk failure" : f->real->errmsg(f->real->self);
}
static void fs_free(void *self) {
  flaky_store *f = self;
  f->real->free(f->real->self);
}

static void flaky_store_init(flaky_store *f, tc_store *real) {
  memset(f, 0, sizeof(*f));
  f->port = *real;
  f->port.self = f;
  f->port.begin = fs_begin;
  f->port.commit = fs_commit;
  f->port.rollback = fs_rollback;
  f->port.exec = fs_exec;
  f->port.errmsg = fs_errmsg;
  f->port.free = fs_free;
  f->real = real;
}

/* A cache whose get fails or lies when told to. */
typedef struct flaky_cache {
  tc_cache port;
  tc_cache *real;
  int mode; /* 0 forward, 1 get fails, 2 get returns another value */
} flaky_cache;

static int fc_get(void *self, const char *key, tc_buf *out) {
  flaky_cache *f = self;
  if (f->mode == 1) return TC_EUNAVAILABLE;
  if (f->mode == 2) return tc_buf_puts(out, "0123456789abcdef");
  return f->real->get(f->real->self, key, out);
}
static int fc_set(void *self, const char *key, const void *v, size_t n,
                  int64_t ttl) {
  flaky_cache *f = self;
  return f->real->set(f->real->self, key, v, n, ttl);
}
static int fc_del(void *self, const char *key) {
  flaky_cache *f = self;
  return f->real->del(f->real->self, key);
}

static tc_ctx *health_ctx(flaky_store *fs, flaky_cache *fc) {
  char path[4200];
  tt_tmpdir(tmpdir, sizeof(tmpdir));
  snprintf(path, sizeof(path), "%s/test.db", tmpdir);
  tc_store *store = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&store, path, NULL), TC_OK);
  flaky_store_init(fs, store);
  memset(fc, 0, sizeof(*fc));
  ck_assert_int_eq(tc_cache_memory_new(&fc->real, NULL), TC_OK);
  fc->port = *fc->real;
  fc->port.self = fc;
  fc->port.get = fc_get;
  fc->port.set = fc_set;
  fc->port.del = fc_del;
  tt_clock_init(&clk, 1700000000000);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = &fs->port;
  cfg.cache = &fc->port;
  cfg.clock = &clk.clock;
  tc_ctx *ctx = NULL;
  ck_assert_int_eq(tc_ctx_new(&ctx, &cfg), TC_OK);
  return ctx;
}

static void health_free(tc_ctx *ctx, flaky_cache *fc) {
  tt_ctx_free(ctx, tmpdir); /* frees the flaky store, hence the real one */
  fc->real->free(fc->real->self);
}

START_TEST(health_ok_and_degraded) {
  flaky_store fs;
  flaky_cache fc;
  tc_ctx *ctx = health_ctx(&fs, &fc);
  expect(ctx, NULL, "system.health", "{}", TC_OK,
         "{\"status\":\"ok\",\"store\":\"ok\",\"cache\":\"ok\","
         "\"time_ms\":1700000000000}");
  fs.fail = true;
  char *out = NULL;
  ck_assert_int_eq(call(ctx, NULL, "system.health", "{}", &out), TC_OK);
  cJSON *doc = cJSON_Parse(out);
  ck_assert_ptr_nonnull(doc);
  ck_assert_str_eq(tc__json_str(doc, "status", ""), "degraded");
  ck_assert_str_eq(tc__json_str(doc, "store", ""), "error");
  ck_assert_ptr_nonnull(
      strstr(tc__json_str(doc, "store_error", ""), "fake disk failure"));
  ck_assert_str_eq(tc__json_str(doc, "cache", ""), "ok");
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(doc, "cache_error"));
  cJSON_Delete(doc);
  free(out);
  ck_assert_str_eq(tc_errmsg(ctx), ""); /* the call itself succeeded */

  fs.fail = false;
  fc.mode = 1;
  expect(ctx, NULL, "system.health", NULL, TC_OK,
         "{\"status\":\"degraded\",\"store\":\"ok\",\"cache\":\"error\","
         "\"cache_error\":\"get: service unavailable\","
         "\"time_ms\":1700000000000}");
  fc.mode = 2;
  clk.now += 5;
  expect(ctx, NULL, "system.health", NULL, TC_OK,
         "{\"status\":\"degraded\",\"store\":\"ok\",\"cache\":\"error\","
         "\"cache_error\":\"get returned another value\","
         "\"time_ms\":1700000000005}");
  health_free(ctx, &fc);
}
END_TEST

/* ---- allocation failures
 * ------------------------------------------------------------ */

/* Every call either answers (valid JSON, no crash) or fails with
 * TC_ENOMEM, and nothing the context allocated is left behind. */
static void check_answer(int rc, const char *out) {
  cJSON *doc = cJSON_Parse(out);
  ck_assert_msg(doc != NULL, "not JSON: %s", out);
  cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
  if (rc == TC_OK) {
    ck_assert_ptr_null(err);
  } else {
    ck_assert_int_eq(rc, TC_ENOMEM);
    ck_assert_str_eq(tc__json_str(err, "code", ""), "out_of_memory");
  }
  cJSON_Delete(doc);
}

START_TEST(ctx_allocation_failures) {
  static tt_alloc a;
  tt_alloc_init(&a, 0);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.allocator = &a.alloc;
  tc_ctx *ctx = ctx_with(&cfg);
  char meta[1024];
  size_t o = (size_t)sprintf(meta, "{\"qty\":2,\"meta\":{");
  for (int i = 0; i < 40; i++)
    o += (size_t)sprintf(meta + o, "\"k%d\":%d,", i, i);
  strcpy(meta + o - 1, "}}");
  const struct {
    const char *method, *req;
  } calls[] = {
      {"system.version", "{}"},
      {"system.methods", "{\"module\":\"system\"}"},
      {"system.health", "{}"},
      {"test.public", meta},
  };
  for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
    long live = a.live;
    bool finished = false;
    for (long k = 1; k < 500 && !finished; k++) {
      a.calls = 0;
      a.fail_at = k;
      char *out = NULL;
      int rc = tcall(ctx, NULL, calls[c].method, calls[c].req, &out);
      finished = a.calls < k; /* no allocation failed this time */
      a.fail_at = 0;
      check_answer(rc, out);
      if (finished) ck_assert_int_eq(rc, TC_OK);
      ck_assert_int_eq(a.live, live);
      free(out);
    }
    ck_assert_msg(finished, "%s never succeeded", calls[c].method);
  }
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

/* cJSON allocates through its global hooks: fail those one by one too. */
static long cj_calls, cj_fail_at, cj_live;

static void *cj_malloc(size_t n) {
  if (++cj_calls == cj_fail_at) return NULL;
  void *p = malloc(n);
  if (p) cj_live++;
  return p;
}

static void cj_free(void *p) {
  if (p) cj_live--;
  free(p);
}

START_TEST(cjson_allocation_failures) {
  tc_ctx *ctx = ctx_new();
  /* system.methods over one module: the whole registry would take tens of
   * thousands of allocations, each failed in turn. */
  const char *methods[] = {"system.methods", "system.version", "system.health",
                           "test.big"};
  const char *requests[] = {"{\"module\":\"system\"}", "{}", "{}", "{}"};
  for (size_t m = 0; m < 4; m++) {
    bool finished = false;
    for (long k = 1; k < 5000 && !finished; k++) {
      cJSON_Hooks hooks = {cj_malloc, cj_free};
      cj_calls = 0;
      cj_fail_at = k;
      cj_live = 0;
      cJSON_InitHooks(&hooks);
      char *out = NULL;
      int rc = tcall(ctx, NULL, methods[m], requests[m], &out);
      long live = cj_live;
      finished = cj_calls < k;
      cJSON_InitHooks(NULL);
      ck_assert_int_eq(live, 0);
      check_answer(rc, out);
      free(out);
    }
    ck_assert_msg(finished, "%s never succeeded", methods[m]);
  }
  tt_ctx_free(ctx, tmpdir);
}
END_TEST

static Suite *api_suite(void) {
  Suite *s = suite_create("api");
  TCase *tc = tcase_create("dispatch");
  tcase_add_test(tc, version_golden);
  tcase_add_test(tc, error_reason);
  tcase_add_test(tc, empty_and_null_request_mean_empty_object);
  tcase_add_test(tc, request_need_not_be_nul_terminated);
  tcase_add_test(tc, output_is_appended);
  tcase_add_test(tc, null_arguments);
  tcase_add_test(tc, invalid_utf8_raw);
  tcase_add_test(tc, malformed_json);
  tcase_add_test(tc, unicode_escapes);
  tcase_add_test(tc, top_level_must_be_object);
  tcase_add_test(tc, nesting_limit);
  tcase_add_test(tc, request_size_limit);
  tcase_add_test(tc, unknown_and_malformed_method_names);
  tcase_add_test(tc, unknown_field);
  tcase_add_test(tc, bearer_refused);
  tcase_add_test(tc, caller_checks);
  tcase_add_test(tc, access_levels);
  tcase_add_test(tc, handler_paths);
  suite_add_tcase(s, tc);

  tc = tcase_create("validate");
  tcase_add_test(tc, validate_required_unknown_types);
  tcase_add_test(tc, validate_strings);
  tcase_add_test(tc, validate_arrays_and_objects);
  tcase_add_test(tc, validate_depth_and_long_names);
  tcase_add_test(tc, validate_top_level);
  tcase_add_test(tc, json_readers);
  suite_add_tcase(s, tc);

  tc = tcase_create("system");
  tcase_add_test(tc, methods_golden);
  tcase_add_test(tc, health_ok_and_degraded);
  suite_add_tcase(s, tc);

  tc = tcase_create("alloc");
  tcase_add_test(tc, ctx_allocation_failures);
  tcase_add_test(tc, cjson_allocation_failures);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(api_suite());
}
