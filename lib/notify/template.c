/*
 * lib/notify/template.c - the {{variable}} template language: syntax check
 * (at save) and rendering (at send). One scanner serves both, so what is
 * accepted when saved is exactly what renders.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "notify_priv.h"

#define TPL_PATH_MAX 128u

typedef struct tpl_pos {
  unsigned line, col;
} tpl_pos;

typedef int (*tpl_lit_fn)(void *p, const char *s, size_t n);
typedef int (*tpl_var_fn)(void *p, const char *path, tpl_pos at);

static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* One path segment: a name or an array index of at most 9 digits. */
static bool segment_ok(const char *s, size_t n) {
  if (n == 0) return false;
  if (is_digit(s[0])) {
    if (n > 9) return false;
    for (size_t i = 0; i < n; i++)
      if (!is_digit(s[i])) return false;
    return true;
  }
  if (!is_ident_start(s[0])) return false;
  for (size_t i = 1; i < n; i++)
    if (!is_ident_start(s[i]) && !is_digit(s[i])) return false;
  return true;
}

static bool path_ok(const char *s, size_t n) {
  if (n == 0 || n > TPL_PATH_MAX) return false;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (!segment_ok(s + start, i - start)) return false;
      start = i + 1;
    }
  }
  return true;
}

static int tpl_err(tc_ctx *ctx, const char *part, tpl_pos at, const char *what,
                   const char *detail) {
  char q[80] = "";
  if (detail) tc__quote(q, sizeof(q), detail);
  return tc__seterr(ctx, TC_EINVAL, part, "%s: line %u, column %u: %s%s%s%s",
                    part, at.line, at.col, what, detail ? " '" : "", q,
                    detail ? "'" : "");
}

static void advance(tpl_pos *p, char c) {
  if (c == '\n') {
    p->line++;
    p->col = 1;
  } else if (((unsigned char)c & 0xC0) != 0x80) {
    p->col++;
  }
}

/* Walk src: literal runs go to lit, variable paths (trimmed) to var. */
static int tpl_walk(tc_ctx *ctx, const char *part, const char *src,
                    tpl_lit_fn lit, tpl_var_fn var, void *p) {
  tpl_pos pos = {1, 1};
  size_t i = 0, run = 0;
  int rc;
  while (src[i]) {
    if (src[i] == '}' && src[i + 1] == '}')
      return tpl_err(ctx, part, pos, "'}}' without '{{'", NULL);
    if (!(src[i] == '{' && src[i + 1] == '{')) {
      advance(&pos, src[i]);
      i++;
      continue;
    }
    if (lit && i > run && (rc = lit(p, src + run, i - run))) return rc;
    tpl_pos at = pos;
    size_t j = i + 2;
    tpl_pos inner = {pos.line, pos.col + 2};
    while (src[j] && !(src[j] == '}' && src[j + 1] == '}')) {
      if (src[j] == '{' && src[j + 1] == '{')
        return tpl_err(ctx, part, inner, "'{{' inside a tag", NULL);
      if (src[j] == '\n')
        return tpl_err(ctx, part, at, "'{{' is not closed by '}}'", NULL);
      advance(&inner, src[j]);
      j++;
    }
    if (!src[j])
      return tpl_err(ctx, part, at, "'{{' is not closed by '}}'", NULL);
    size_t a = i + 2, b = j;
    while (a < b && (src[a] == ' ' || src[a] == '\t')) a++;
    while (b > a && (src[b - 1] == ' ' || src[b - 1] == '\t')) b--;
    if (a == b) return tpl_err(ctx, part, at, "empty tag", NULL);
    char path[TPL_PATH_MAX + 1];
    if (!path_ok(src + a, b - a)) {
      char bad[TPL_PATH_MAX + 1];
      size_t n = b - a < TPL_PATH_MAX ? b - a : TPL_PATH_MAX;
      memcpy(bad, src + a, n);
      bad[n] = '\0';
      return tpl_err(ctx, part, at, "bad variable name", bad);
    }
    memcpy(path, src + a, b - a);
    path[b - a] = '\0';
    if (var && (rc = var(p, path, at))) return rc;
    /* Step over the tag, keeping the column count right. */
    for (size_t k = i; k < j + 2; k++) advance(&pos, src[k]);
    i = j + 2;
    run = i;
  }
  if (lit && i > run && (rc = lit(p, src + run, i - run))) return rc;
  return TC_OK;
}

int tc_notify_template_check(tc_ctx *ctx, const char *part,
                             const char *source) {
  if (!ctx) return TC_EINVAL;
  if (!part) part = "template";
  if (!source) return TC_OK;
  int rc = tc__check_text(ctx, part, source, 0, TC__NOTIFY_PART_MAX,
                          TC__TEXT_NULL_OK | TC__TEXT_CONTROLS);
  if (rc) return rc;
  return tpl_walk(ctx, part, source, NULL, NULL, NULL);
}

/* ---- rendering ---------------------------------------------------------- */

typedef struct tpl_render {
  tc_ctx *ctx;
  tc_buf *out;
  const cJSON *vars;
  bool html;
  const char *part;
  const char *tname;
} tpl_render;

static int put(tpl_render *r, const char *s, size_t n) {
  if (tc_buf_put(r->out, s, n))
    return tc__seterr(r->ctx, TC_ENOMEM, NULL, "out of memory rendering");
  return TC_OK;
}

static int put_escaped(tpl_render *r, const char *s) {
  if (!r->html) return put(r, s, strlen(s));
  int rc = TC_OK;
  size_t run = 0, i = 0;
  for (; s[i] && rc == TC_OK; i++) {
    const char *e = NULL;
    switch (s[i]) {
      case '&':
        e = "&amp;";
        break;
      case '<':
        e = "&lt;";
        break;
      case '>':
        e = "&gt;";
        break;
      case '"':
        e = "&quot;";
        break;
      case '\'':
        e = "&#39;";
        break;
      default:
        continue;
    }
    rc = put(r, s + run, i - run);
    if (rc == TC_OK) rc = put(r, e, strlen(e));
    run = i + 1;
  }
  if (rc == TC_OK) rc = put(r, s + run, i - run);
  return rc;
}

static int render_lit(void *p, const char *s, size_t n) {
  return put(p, s, n);
}

static const cJSON *resolve(const cJSON *v, const char *path) {
  char seg[TPL_PATH_MAX + 1];
  const char *s = path;
  while (v && *s) {
    size_t n = strcspn(s, ".");
    memcpy(seg, s, n);
    seg[n] = '\0';
    s += n;
    if (*s == '.') s++;
    if (cJSON_IsObject(v)) {
      v = cJSON_GetObjectItemCaseSensitive(v, seg);
    } else if (cJSON_IsArray(v) && is_digit(seg[0])) {
      v = cJSON_GetArrayItem(v, atoi(seg));
    } else {
      return NULL;
    }
  }
  return v;
}

static int render_var(void *p, const char *path, tpl_pos at) {
  tpl_render *r = p;
  const cJSON *v = resolve(r->vars, path);
  const char *why = NULL;
  if (!v)
    why = "is missing";
  else if (cJSON_IsNull(v))
    why = "is null";
  else if (cJSON_IsObject(v) || cJSON_IsArray(v))
    why = "is not a single value";
  if (why)
    return tc__seterr(r->ctx, TC_EINVAL, "variables",
                      "template %s: variable '%s' %s (%s, line %u, column %u)",
                      r->tname, path, why, r->part, at.line, at.col);
  if (cJSON_IsString(v)) return put_escaped(r, v->valuestring);
  if (cJSON_IsBool(v))
    return put_escaped(r, cJSON_IsTrue(v) ? "true" : "false");
  char num[64];
  double d = v->valuedouble;
  if (d >= -9007199254740992.0 && d <= 9007199254740992.0 &&
      d == (double)(int64_t)d)
    snprintf(num, sizeof(num), "%" PRId64, (int64_t)d);
  else
    snprintf(num, sizeof(num), "%.15g", d);
  return put_escaped(r, num);
}

int tc__notify_tpl_render(tc_ctx *ctx, tc_buf *out, const char *part,
                          const char *src, const cJSON *vars, bool html,
                          const char *tname) {
  tpl_render r = {ctx, out, vars, html, part, tname};
  if (tc_buf_put(out, "", 0))
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory rendering");
  return tpl_walk(ctx, part, src ? src : "", render_lit, render_var, &r);
}
