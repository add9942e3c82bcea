/*
 * lib/api/dispatch.c - the JSON API dispatcher: size and encoding checks, a
 * strict JSON syntax pass, parsing, caller resolution, access control, request
 * validation against the method's declared fields, and the error document.
 *
 * cJSON is lenient (leading zeros, "1.", raw control characters, "\u0000"
 * silently cutting a string, trailing garbage) and answers NULL both for bad
 * syntax and for a failed allocation. So every request first goes through
 * scan_json(), a strict RFC 8259 checker that also bounds nesting; after it
 * passes, a NULL from cJSON can only mean out of memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "api_internal.h"

#define DEFAULT_MAX_REQUEST ((size_t)1 << 20)
#define PATH_MAX_ECHO 120     /* bytes of a field path kept (errfield is 128) */
#define MAX_SCHEMA_FIELDS 128 /* members of one declared object */
#define MAX_NUMBER_CHARS 40   /* cJSON reads at most 63; stay well inside */
#define STRING_MAX_DEFAULT 4096
#define ARRAY_MAX_DEFAULT 1000

/* Offset of the first byte that is not part of well-formed UTF-8. */
static size_t utf8_bad_offset(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t len = tc__utf8_seq(s + i, n - i);
    if (!len) return i;
    i += len;
  }
  return n;
}

/* ---- strict JSON syntax -------------------------------------------------- */

typedef enum {
  S_VALUE,        /* a value must come */
  S_VALUE_OR_END, /* just after '[' */
  S_KEY,          /* after ',' in an object */
  S_KEY_OR_END,   /* just after '{' */
  S_COLON,        /* after a member name */
  S_COMMA_OR_END, /* after a value inside a container */
  S_DONE,         /* the top-level value is complete */
} scan_state;

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = (unsigned)(c - 'A' + 10);
    else
      return -1;
    v = v * 16 + d;
  }
  *out = v;
  return 0;
}

/* Scan a string starting at s[*i] == '"'. */
static const char *scan_string(const char *s, size_t n, size_t *i) {
  size_t k = *i + 1;
  for (;;) {
    if (k >= n) {
      *i = k;
      return "unterminated string";
    }
    unsigned char c = (unsigned char)s[k];
    if (c == '"') break;
    if (c < 0x20) {
      *i = k;
      return "control character in a string (escape it)";
    }
    if (c != '\\') {
      k++;
      continue;
    }
    if (k + 1 >= n) {
      *i = k;
      return "unterminated string";
    }
    char e = s[k + 1];
    if (e && strchr("\"\\/bfnrt", e)) {
      k += 2;
      continue;
    }
    unsigned cp, lo;
    if (e != 'u' || n - k < 6 || hex4(s + k + 2, &cp)) {
      *i = k;
      return "invalid escape";
    }
    if (cp == 0) {
      *i = k;
      return "\\u0000 is not allowed in strings";
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      *i = k;
      return "unpaired UTF-16 surrogate";
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (n - k < 12 || s[k + 6] != '\\' || s[k + 7] != 'u' ||
          hex4(s + k + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
        *i = k;
        return "unpaired UTF-16 surrogate";
      }
      k += 12;
    } else {
      k += 6;
    }
  }
  *i = k + 1;
  return NULL;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

static const char *scan_number(const char *s, size_t n, size_t *i) {
  size_t k = *i;
  if (s[k] == '-') k++;
  if (k < n && s[k] == '0') {
    k++;
  } else if (k < n && is_digit(s[k])) {
    while (k < n && is_digit(s[k])) k++;
  } else {
    *i = k;
    return "invalid number";
  }
  if (k < n && s[k] == '.') {
    k++;
    if (k >= n || !is_digit(s[k])) {
      *i = k;
      return "invalid number";
    }
    while (k < n && is_digit(s[k])) k++;
  }
  if (k < n && (s[k] == 'e' || s[k] == 'E')) {
    k++;
    if (k < n && (s[k] == '+' || s[k] == '-')) k++;
    if (k >= n || !is_digit(s[k])) {
      *i = k;
      return "invalid number";
    }
    while (k < n && is_digit(s[k])) k++;
  }
  if (k - *i > MAX_NUMBER_CHARS) return "number is too long";
  *i = k;
  return NULL;
}

static const char *scan_literal(const char *s, size_t n, size_t *i) {
  static const char *const words[] = {"true", "false", "null"};
  for (size_t w = 0; w < 3; w++) {
    size_t len = strlen(words[w]);
    if (n - *i >= len && !memcmp(s + *i, words[w], len)) {
      *i += len;
      return NULL;
    }
  }
  return "unexpected character";
}

/* Check that s[0..n) is exactly one JSON value (RFC 8259) nesting at most
 * TC__API_MAX_DEPTH containers. On error *at is the byte offset. */
static const char *scan_json(const char *s, size_t n, size_t *at) {
  char stack[TC__API_MAX_DEPTH];
  int depth = 0;
  scan_state st = S_VALUE;
  size_t i = 0;
  const char *err = NULL;
  for (;;) {
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
      i++;
    if (i == n) {
      if (st == S_DONE) return NULL;
      err = "unexpected end of input";
      break;
    }
    char c = s[i];
    bool value_done = false;
    if (st == S_DONE) {
      err = "unexpected text after the JSON value";
    } else if (st == S_VALUE || st == S_VALUE_OR_END) {
      if (c == ']' && st == S_VALUE_OR_END) {
        depth--;
        i++;
        value_done = true;
      } else if (c == '{' || c == '[') {
        if (depth == TC__API_MAX_DEPTH) {
          err = "nested too deeply";
        } else {
          stack[depth++] = c;
          st = c == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
          i++;
        }
      } else if (c == '"') {
        err = scan_string(s, n, &i);
        value_done = true;
      } else if (c == '-' || is_digit(c)) {
        err = scan_number(s, n, &i);
        value_done = true;
      } else {
        err = scan_literal(s, n, &i);
        value_done = true;
      }
    } else if (st == S_KEY || st == S_KEY_OR_END) {
      if (c == '}' && st == S_KEY_OR_END) {
        depth--;
        i++;
        value_done = true;
      } else if (c == '"') {
        err = scan_string(s, n, &i);
        st = S_COLON;
      } else {
        err = "expected a member name in double quotes";
      }
    } else if (st == S_COLON) {
      if (c == ':') {
        st = S_VALUE;
        i++;
      } else {
        err = "expected ':'";
      }
    } else { /* S_COMMA_OR_END */
      char open = stack[depth - 1];
      if (c == ',') {
        st = open == '{' ? S_KEY : S_VALUE;
        i++;
      } else if (c == (open == '{' ? '}' : ']')) {
        depth--;
        i++;
        value_done = true;
      } else {
        err = open == '{' ? "expected ',' or '}'" : "expected ',' or ']'";
      }
    }
    if (err) break;
    if (value_done) st = depth ? S_COMMA_OR_END : S_DONE;
  }
  *at = i;
  return err;
}

/* ---- validation ------------------------------------------------------------
 */

/* path + "." + name, the name cut to TC__QUOTE_MAX bytes. */
static void path_member(char *dst, size_t size, const char *path,
                        const char *name) {
  char q[TC__QUOTE_MAX + 4];
  tc__quote_n(q, sizeof(q), name, TC__QUOTE_MAX);
  if (path && *path)
    snprintf(dst, size, "%s.%s", path, q);
  else
    snprintf(dst, size, "%s", q);
}

static void path_index(char *dst, size_t size, const char *path, int index) {
  snprintf(dst, size, "%s[%d]", path ? path : "", index);
}

/* Set a validation error about field path: the message quotes the path,
 * errfield holds it, both cut on a character boundary. */
static int field_err(tc_ctx *ctx, int code, const char *path, const char *fmt,
                     const char *detail_fmt, ...) TC_PRINTF(5, 6);

static int field_err(tc_ctx *ctx, int code, const char *path, const char *fmt,
                     const char *detail_fmt, ...) {
  char field[PATH_MAX_ECHO + 4], shown[TC__QUOTE_MAX + 4], detail[160] = "";
  tc__quote_n(field, sizeof(field), path, PATH_MAX_ECHO);
  tc__quote_n(shown, sizeof(shown), path, TC__QUOTE_MAX);
  if (detail_fmt) {
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(detail, sizeof(detail), detail_fmt, ap);
    va_end(ap);
  }
  /* fmt is one of this file's literals: "%s" is the path, then detail. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  return tc__seterr(ctx, code, field, fmt, shown, detail);
#pragma GCC diagnostic pop
}

static int validate_value(tc_ctx *ctx, const cJSON *v, const tc__field *f,
                          const char *path, int depth);
static int validate_free(tc_ctx *ctx, const cJSON *v, const char *path,
                         int depth);

static int cmp_names(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  return strcmp(x ? x : "", y ? y : "");
}

/* Duplicate member names in an object that has no declared fields. Small
 * objects are compared pairwise; large ones sorted, so a megabyte of keys
 * costs n log n, not n squared. */
static int check_duplicates(tc_ctx *ctx, const cJSON *obj, const char *path) {
  size_t n = 0;
  for (const cJSON *m = obj->child; m; m = m->next) n++;
  if (n < 2) return TC_OK;
  const char *dup = NULL;
  if (n <= 16) {
    for (const cJSON *a = obj->child; a && !dup; a = a->next) {
      for (const cJSON *b = a->next; b; b = b->next) {
        if (!strcmp(a->string ? a->string : "", b->string ? b->string : "")) {
          dup = a->string ? a->string : "";
          break;
        }
      }
    }
  } else {
    const char **names = tc__malloc(ctx, n * sizeof(*names));
    if (!names)
      return tc__seterr(ctx, TC_ENOMEM, NULL,
                        "out of memory checking the request");
    size_t i = 0;
    for (const cJSON *m = obj->child; m; m = m->next) names[i++] = m->string;
    qsort(names, n, sizeof(*names), cmp_names);
    for (i = 1; i < n && !dup; i++) {
      if (!cmp_names(&names[i - 1], &names[i])) dup = names[i] ? names[i] : "";
    }
    tc__free(ctx, names);
  }
  if (!dup) return TC_OK;
  char p[256];
  path_member(p, sizeof(p), path, dup);
  return field_err(ctx, TC_EINVAL, p, "duplicate field '%s'%s", NULL);
}

static int too_deep(tc_ctx *ctx, const char *path) {
  return field_err(ctx, TC_EINVAL, path, "field '%s' is nested too deeply%s",
                   " (limit %d levels)", TC__API_MAX_DEPTH);
}

/* Any JSON value: strings must be UTF-8, objects free of duplicates, and
 * the nesting bounded. depth counts the containers above v. */
static int validate_free(tc_ctx *ctx, const cJSON *v, const char *path,
                         int depth) {
  char p[256];
  if (cJSON_IsString(v)) {
    const char *s = v->valuestring ? v->valuestring : "";
    if (!tc__utf8_valid(s, strlen(s)))
      return field_err(ctx, TC_EINVAL, path, "field '%s' is not valid UTF-8%s",
                       NULL);
    return TC_OK;
  }
  if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) return TC_OK;
  if (depth + 1 > TC__API_MAX_DEPTH) return too_deep(ctx, path);
  int rc;
  if (cJSON_IsObject(v)) {
    if ((rc = check_duplicates(ctx, v, path))) return rc;
    for (const cJSON *m = v->child; m; m = m->next) {
      path_member(p, sizeof(p), path, m->string);
      const char *key = m->string ? m->string : "";
      if (!tc__utf8_valid(key, strlen(key)))
        return field_err(ctx, TC_EINVAL, p,
                         "field name '%s' is not valid UTF-8%s", NULL);
      if ((rc = validate_free(ctx, m, p, depth + 1))) return rc;
    }
    return TC_OK;
  }
  int index = 0;
  for (const cJSON *m = v->child; m; m = m->next, index++) {
    path_index(p, sizeof(p), path, index);
    if ((rc = validate_free(ctx, m, p, depth + 1))) return rc;
  }
  return TC_OK;
}

/* An object against its declared members (fields may be NULL: none). */
static int validate_object(tc_ctx *ctx, const cJSON *obj,
                           const tc__field *fields, const char *path,
                           int depth) {
  size_t nf = 0;
  while (fields && fields[nf].name) nf++;
  if (nf > MAX_SCHEMA_FIELDS)
    return field_err(ctx, TC_ERROR, path,
                     "the field table of '%s' is too long%s", NULL);
  bool seen[MAX_SCHEMA_FIELDS] = {false};
  char p[256];
  int rc;
  for (const cJSON *m = obj->child; m; m = m->next) {
    const char *key = m->string ? m->string : "";
    size_t k = 0;
    while (k < nf && strcmp(fields[k].name, key)) k++;
    path_member(p, sizeof(p), path, key);
    if (k == nf)
      return field_err(ctx, TC_EINVAL, p, "unknown field '%s'%s", NULL);
    if (seen[k])
      return field_err(ctx, TC_EINVAL, p, "duplicate field '%s'%s", NULL);
    seen[k] = true;
    if ((rc = validate_value(ctx, m, &fields[k], p, depth))) return rc;
  }
  for (size_t k = 0; k < nf; k++) {
    if (seen[k] || !(fields[k].flags & TC__F_REQUIRED)) continue;
    path_member(p, sizeof(p), path, fields[k].name);
    return field_err(ctx, TC_EINVAL, p, "field '%s' is required%s", NULL);
  }
  return TC_OK;
}

static int validate_string(tc_ctx *ctx, const cJSON *v, const tc__field *f,
                           const char *path) {
  if (!cJSON_IsString(v))
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be a string%s",
                     NULL);
  const char *s = v->valuestring ? v->valuestring : "";
  size_t len = strlen(s);
  if (!tc__utf8_valid(s, len))
    return field_err(ctx, TC_EINVAL, path, "field '%s' is not valid UTF-8%s",
                     NULL);
  int64_t max = f->max > 0 ? f->max : STRING_MAX_DEFAULT;
  if (f->min > 0 && (int64_t)len < f->min)
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be%s",
                     " at least %lld byte%s long", (long long)f->min,
                     f->min == 1 ? "" : "s");
  if ((uint64_t)len > (uint64_t)max)
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be%s",
                     " at most %lld byte%s long", (long long)max,
                     max == 1 ? "" : "s");
  return TC_OK;
}

static int validate_int(tc_ctx *ctx, const cJSON *v, const tc__field *f,
                        const char *path) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
      v->valuedouble != floor(v->valuedouble))
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be an integer%s",
                     NULL);
  double d = v->valuedouble;
  /* -2^63 is exact as a double; 2^63 is the first value past the range. */
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    return field_err(ctx, TC_EINVAL, path,
                     "field '%s' is out of range for a 64-bit integer%s", NULL);
  int64_t i = (int64_t)d;
  if ((f->min || f->max) && (i < f->min || i > f->max))
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be between%s",
                     " %lld and %lld", (long long)f->min, (long long)f->max);
  return TC_OK;
}

static int validate_number(tc_ctx *ctx, const cJSON *v, const tc__field *f,
                           const char *path) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be a number%s",
                     NULL);
  double d = v->valuedouble;
  if ((f->min || f->max) && (d < (double)f->min || d > (double)f->max))
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be between%s",
                     " %lld and %lld", (long long)f->min, (long long)f->max);
  return TC_OK;
}

static int validate_array(tc_ctx *ctx, const cJSON *v, const tc__field *f,
                          const char *path, int depth) {
  if (!cJSON_IsArray(v))
    return field_err(ctx, TC_EINVAL, path, "field '%s' must be an array%s",
                     NULL);
  if (depth + 1 > TC__API_MAX_DEPTH) return too_deep(ctx, path);
  int64_t count = 0;
  for (const cJSON *m = v->child; m; m = m->next) count++;
  int64_t max = f->max > 0 ? f->max : ARRAY_MAX_DEFAULT;
  if (f->min > 0 && count < f->min)
    return field_err(ctx, TC_EINVAL, path, "field '%s' must have%s",
                     " at least %lld item%s", (long long)f->min,
                     f->min == 1 ? "" : "s");
  if (count > max)
    return field_err(ctx, TC_EINVAL, path, "field '%s' must have%s",
                     " at most %lld item%s", (long long)max,
                     max == 1 ? "" : "s");
  char p[256];
  int index = 0, rc;
  for (const cJSON *m = v->child; m; m = m->next, index++) {
    path_index(p, sizeof(p), path, index);
    rc = f->items ? validate_value(ctx, m, f->items, p, depth + 1)
                  : validate_free(ctx, m, p, depth + 1);
    if (rc) return rc;
  }
  return TC_OK;
}

/* v is the value of field f; depth counts the containers above v. */
static int validate_value(tc_ctx *ctx, const cJSON *v, const tc__field *f,
                          const char *path, int depth) {
  if (cJSON_IsNull(v) && (f->flags & TC__F_NULLABLE)) return TC_OK;
  switch (f->type) {
    case TC__F_STRING:
      return validate_string(ctx, v, f, path);
    case TC__F_INT:
      return validate_int(ctx, v, f, path);
    case TC__F_NUMBER:
      return validate_number(ctx, v, f, path);
    case TC__F_BOOL:
      if (!cJSON_IsBool(v))
        return field_err(ctx, TC_EINVAL, path,
                         "field '%s' must be true or false%s", NULL);
      return TC_OK;
    case TC__F_OBJECT:
      if (!cJSON_IsObject(v))
        return field_err(ctx, TC_EINVAL, path, "field '%s' must be an object%s",
                         NULL);
      if (!f->fields) return validate_free(ctx, v, path, depth);
      if (depth + 1 > TC__API_MAX_DEPTH) return too_deep(ctx, path);
      return validate_object(ctx, v, f->fields, path, depth + 1);
    case TC__F_ARRAY:
      return validate_array(ctx, v, f, path, depth);
    case TC__F_ANY:
      return validate_free(ctx, v, path, depth);
  }
  return field_err(ctx, TC_ERROR, path,
                   "field '%s' has an unknown type in its table%s", NULL);
}

int tc__api_validate(tc_ctx *ctx, const cJSON *object, const tc__field *fields,
                     const char *path) {
  if (!cJSON_IsObject(object)) {
    if (path && *path)
      return field_err(ctx, TC_EINVAL, path, "field '%s' must be an object%s",
                       NULL);
    return tc__seterr(ctx, TC_EINVAL, NULL, "request must be a JSON object");
  }
  return validate_object(ctx, object, fields, path ? path : "", 1);
}

/* ---- callers and access -----------------------------------------------------
 */

/* A bearer token is verified by the auth module's public function; any
 * bad token is a 401, its reason kept in the message. */
static int resolve_bearer(tc_ctx *ctx, const char *bearer, tc_principal *out) {
  tc_principal who;
  int rc = tc_auth_verify_token(&who, NULL, ctx, bearer);
  if (rc == TC_ENOMEM || rc == TC_ESTORAGE || rc == TC_EBUSY) return rc;
  if (rc) {
    char why[TC__ERRMSG_SIZE];
    snprintf(why, sizeof(why), "%s", tc_errmsg(ctx));
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "invalid bearer token: %.400s", why);
  }
  *out = who;
  return TC_OK;
}

static int resolve_caller(tc_ctx *ctx, const tc_caller *caller,
                          tc_principal *who) {
  tc_principal anon = TC_PRINCIPAL_INIT;
  *who = anon;
  if (!caller) return TC_OK;
  if (caller->version < 1 || caller->version > TC_CALLER_VERSION)
    return tc__seterr(ctx, TC_EVERSION, NULL,
                      "caller version %u is not supported (1 to %d)",
                      (unsigned)caller->version, TC_CALLER_VERSION);
  if (caller->bearer && caller->principal)
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "give a bearer token or a principal, not both");
  if (caller->bearer) return resolve_bearer(ctx, caller->bearer, who);
  if (!caller->principal) return TC_OK;
  const tc_principal *p = caller->principal;
  if (p->version < 1 || p->version > TC_PRINCIPAL_VERSION)
    return tc__seterr(ctx, TC_EVERSION, NULL,
                      "principal version %u is not supported (1 to %d)",
                      (unsigned)p->version, TC_PRINCIPAL_VERSION);
  if (p->kind != TC_PRINCIPAL_ANONYMOUS && p->kind != TC_PRINCIPAL_USER &&
      p->kind != TC_PRINCIPAL_SYSTEM)
    return tc__seterr(ctx, TC_EINVAL, NULL, "principal kind %d is unknown",
                      (int)p->kind);
  *who = *p;
  /* The host's struct is trusted but its strings must still end. */
  who->user_id[sizeof(who->user_id) - 1] = '\0';
  who->session_id[sizeof(who->session_id) - 1] = '\0';
  who->client_id[sizeof(who->client_id) - 1] = '\0';
  who->scopes[sizeof(who->scopes) - 1] = '\0';
  if (who->kind == TC_PRINCIPAL_ANONYMOUS) *who = anon;
  if (who->kind == TC_PRINCIPAL_USER && !who->user_id[0])
    return tc__seterr(ctx, TC_EINVAL, NULL, "a user principal needs a user_id");
  return TC_OK;
}

/* The module of "module.action" into out. */
static void method_module(char *out, size_t size, const char *name) {
  size_t n = strcspn(name, ".");
  snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), name);
}

int tc__api_check_access(tc_ctx *ctx, const tc__api_method *m,
                         const tc_principal *who) {
  if (m->access == TC__ACCESS_PUBLIC) return TC_OK;
  /* A client with a scope of the method's module is the typed function's
   * to judge (the policy's scopes); jobs stay the host's. */
  char module[65];
  method_module(module, sizeof(module), m->name);
  if (m->access != TC__ACCESS_SYSTEM && tc__client_scoped(who, module))
    return TC_OK;
  if (who->kind == TC_PRINCIPAL_ANONYMOUS)
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "method '%s' needs an authenticated caller", m->name);
  bool sys = who->kind == TC_PRINCIPAL_SYSTEM;
  switch (m->access) {
    case TC__ACCESS_USER:
      return TC_OK;
    case TC__ACCESS_SUPPORT:
      if (sys || (who->roles & (TC_ROLE_SUPPORT | TC_ROLE_ADMIN))) return TC_OK;
      return tc__seterr(ctx, TC_EDENIED, NULL,
                        "method '%s' needs the support or admin role", m->name);
    case TC__ACCESS_ADMIN:
      if (sys || (who->roles & TC_ROLE_ADMIN)) return TC_OK;
      return tc__seterr(ctx, TC_EDENIED, NULL,
                        "method '%s' needs the admin role", m->name);
    case TC__ACCESS_SYSTEM:
      if (sys) return TC_OK;
      return tc__seterr(ctx, TC_EDENIED, NULL,
                        "method '%s' is only for trusted system callers",
                        m->name);
    default:
      /* An access level this file does not know: fail closed. */
      return tc__seterr(ctx, TC_EDENIED, NULL,
                        "method '%s' has an unknown access level", m->name);
  }
}

/* ---- the call
 * ----------------------------------------------------------------- */

/* "module.action": lower-case letters, digits and '_', each part starting
 * with a letter. */
static bool method_name_ok(const char *s) {
  size_t n = strlen(s), dots = 0;
  if (n == 0 || n > 64) return false;
  bool start = true;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '.') {
      if (start) return false;
      dots++;
      start = true;
    } else if (c >= 'a' && c <= 'z') {
      start = false;
    } else if ((is_digit(c) || c == '_') && !start) {
      continue;
    } else {
      return false;
    }
  }
  return dots == 1 && !start;
}

static int find_method(tc_ctx *ctx, const tc__api_module *const *modules,
                       size_t nmodules, const char *name,
                       const tc__api_method **out) {
  char q[TC__QUOTE_MAX + 4];
  tc__quote(q, sizeof(q), name);
  if (!method_name_ok(name))
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "method name '%s' is not of the form module.action", q);
  for (size_t i = 0; i < nmodules; i++) {
    const tc__api_module *mod = modules[i];
    for (size_t j = 0; mod && j < mod->count; j++) {
      if (!strcmp(mod->methods[j].name, name)) {
        *out = &mod->methods[j];
        return TC_OK;
      }
    }
  }
  return tc__seterr(ctx, TC_ENOTFOUND, NULL, "unknown method '%s'", q);
}

/* Check the raw bytes and parse them into *req (owned by the caller). */
static int parse_request(tc_ctx *ctx, const char *request, size_t len,
                         cJSON **req) {
  size_t limit = ctx->cfg.max_request_bytes ? ctx->cfg.max_request_bytes
                                            : DEFAULT_MAX_REQUEST;
  if (len > limit)
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "request is %zu bytes; the limit is %zu", len, limit);
  const char *nul = memchr(request, '\0', len);
  if (nul)
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "request contains a NUL byte at byte %zu",
                      (size_t)(nul - request));
  if (!tc__utf8_valid(request, len))
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "request is not valid UTF-8 at byte %zu",
                      utf8_bad_offset(request, len));
  size_t at = 0;
  const char *why = scan_json(request, len, &at);
  if (why)
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "request is not valid JSON near byte %zu: %s", at, why);
  /* cJSON must see the terminating NUL to refuse trailing bytes, and the
   * caller's text need not have one. */
  char *copy = tc__malloc(ctx, len + 1);
  if (!copy)
    return tc__seterr(ctx, TC_ENOMEM, NULL,
                      "out of memory reading the request");
  memcpy(copy, request, len);
  copy[len] = '\0';
  *req = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
  tc__free(ctx, copy);
  /* The syntax is known good, so NULL can only be a failed allocation. */
  if (!*req)
    return tc__seterr(ctx, TC_ENOMEM, NULL,
                      "out of memory parsing the request");
  if (!cJSON_IsObject(*req))
    return tc__seterr(ctx, TC_EINVAL, NULL, "request must be a JSON object");
  return TC_OK;
}

static int run_method(tc_buf *out, tc_ctx *ctx, const tc__api_method *m,
                      const tc__api_caller *from, const cJSON *req) {
  cJSON *resp = cJSON_CreateObject();
  if (!resp)
    return tc__seterr(ctx, TC_ENOMEM, NULL,
                      "out of memory building a response");
  int rc = m->handler ? m->handler(ctx, from, req, resp)
                      : tc__seterr(ctx, TC_EUNSUPPORTED, NULL,
                                   "method '%s' is not implemented", m->name);
  if (rc > 0) {
    rc =
        tc__seterr(ctx, TC_ERROR, NULL, "method '%s' returned %d", m->name, rc);
  }
  if (rc) {
    if (!ctx->errmsg[0]) tc__seterr(ctx, rc, NULL, "%s", tc_strerror(rc));
    cJSON_Delete(resp);
    return rc;
  }
  char *text = cJSON_PrintUnformatted(resp);
  cJSON_Delete(resp);
  if (!text)
    return tc__seterr(ctx, TC_ENOMEM, NULL,
                      "out of memory printing a response");
  size_t len = strlen(text);
  if (!tc__utf8_valid(text, len)) {
    rc = tc__seterr(ctx, TC_ERROR, NULL,
                    "method '%s' made a response that is not valid UTF-8",
                    m->name);
  } else if (tc_buf_put(out, text, len)) {
    rc = tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory writing a response");
  } else {
    tc__clearerr(ctx);
  }
  cJSON_free(text);
  return rc;
}

static int call(tc_buf *out, tc_ctx *ctx, const tc_caller *caller,
                const tc__api_module *const *modules, size_t nmodules,
                const char *method, const char *request, size_t request_len) {
  cJSON *req = NULL;
  const tc__api_method *m = NULL;
  tc_principal who;
  if (!request || request_len == 0) {
    request = "{}";
    request_len = 2;
  }
  int rc = parse_request(ctx, request, request_len, &req);
  if (!rc) rc = find_method(ctx, modules, nmodules, method, &m);
  if (!rc) rc = resolve_caller(ctx, caller, &who);
  if (!rc) rc = tc__api_check_access(ctx, m, &who);
  if (!rc) rc = tc__api_validate(ctx, req, m->request, NULL);
  /* The host's address and agent go to the handler with the principal
   * (auth throttling and session records). */
  tc__api_caller from = {&who, caller ? caller->client_ip : NULL,
                         caller ? caller->user_agent : NULL};
  if (!rc) rc = run_method(out, ctx, m, &from, req);
  cJSON_Delete(req);
  return rc;
}

/* Append s to dst as the inside of a JSON string. Invalid UTF-8 becomes
 * U+FFFD so the document stays valid whatever the message holds. */
static size_t json_escape(char *dst, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), i = 0, o = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      dst[o++] = '\\';
      dst[o++] = (char)c;
      i++;
    } else if (c < 0x20) {
      const char *e = c == '\n'   ? "\\n"
                      : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t"
                                  : NULL;
      if (e) {
        memcpy(dst + o, e, 2);
        o += 2;
      } else {
        memcpy(dst + o, "\\u00", 4);
        dst[o + 4] = hex[c >> 4];
        dst[o + 5] = hex[c & 15];
        o += 6;
      }
      i++;
    } else {
      size_t len = tc__utf8_seq(s + i, n - i);
      if (len) {
        memcpy(dst + o, p + i, len);
        o += len;
        i += len;
      } else {
        memcpy(dst + o, "\xEF\xBF\xBD", 3);
        o += 3;
        i++;
      }
    }
  }
  return o;
}

/* {"error":{"code":...,"message":...,"field":...,"reason":...}} in one
 * append, so out is either complete or untouched. field and reason appear
 * only when set. */
static int write_error(tc_buf *out, tc_ctx *ctx, int rc) {
  char
      doc[128 + 6 * (TC__ERRMSG_SIZE + TC__ERRFIELD_SIZE + TC__ERRREASON_SIZE)];
  const char *msg = ctx->errmsg[0] ? ctx->errmsg : tc_strerror(rc);
  size_t o = 0;
  o += (size_t)snprintf(doc, sizeof(doc), "{\"error\":{\"code\":\"%s\"",
                        tc_status_name(rc));
  memcpy(doc + o, ",\"message\":\"", 12);
  o += 12;
  o += json_escape(doc + o, msg);
  doc[o++] = '"';
  if (ctx->errfield[0]) {
    memcpy(doc + o, ",\"field\":\"", 10);
    o += 10;
    o += json_escape(doc + o, ctx->errfield);
    doc[o++] = '"';
  }
  if (ctx->errreason[0]) {
    memcpy(doc + o, ",\"reason\":\"", 11);
    o += 11;
    o += json_escape(doc + o, ctx->errreason);
    doc[o++] = '"';
  }
  memcpy(doc + o, "}}", 2);
  o += 2;
  return tc_buf_put(out, doc, o) ? TC_ENOMEM : TC_OK;
}

int tc__api_call_modules(tc_buf *out, tc_ctx *ctx, const tc_caller *caller,
                         const tc__api_module *const *modules, size_t nmodules,
                         const char *method, const char *request,
                         size_t request_len) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out || !method)
    return tc__seterr(ctx, TC_EINVAL, NULL,
                      "tc_api_call needs an output buffer and a method");
  int rc =
      call(out, ctx, caller, modules, nmodules, method, request, request_len);
  if (rc && write_error(out, ctx, rc)) return TC_ENOMEM;
  return rc;
}

int tc_api_call(tc_buf *out, tc_ctx *ctx, const tc_caller *caller,
                const char *method, const char *request, size_t request_len) {
  return tc__api_call_modules(out, ctx, caller, tc__api_modules,
                              tc__api_module_count, method, request,
                              request_len);
}
