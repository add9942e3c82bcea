/*
 * lib/notify/templates.c - stored templates over the shipped defaults:
 * save (validated), get, list, and render with locale fallback.
 */
#include <ctype.h>
#include <stdio.h>

#include "notify_priv.h"

#define SUBJECT_MAX 998u /* one RFC 5322 header line */

/* "pt-br" -> "pt-BR" (after tc__notify_check_locale). */
static void norm_locale(char out[TC__NOTIFY_LOCALE_MAX + 1], const char *in) {
  size_t i = 0;
  bool region = false;
  for (; in[i] && i < TC__NOTIFY_LOCALE_MAX; i++) {
    if (in[i] == '-') region = true;
    out[i] = region ? (char)toupper((unsigned char)in[i])
                    : (char)tolower((unsigned char)in[i]);
  }
  out[i] = '\0';
}

static int check_parts(tc_ctx *ctx, const tc_notify_template *t) {
  int rc;
  if ((rc = tc__notify_check_name(ctx, "name", t->name)) ||
      (rc = tc__notify_check_channel(ctx, t->channel)) ||
      (rc = tc__notify_check_locale(ctx, "locale", t->locale)) ||
      (rc = tc__check_text(
           ctx, "subject", t->subject, t->channel == TC_NOTIFY_EMAIL ? 1 : 0,
           SUBJECT_MAX,
           TC__TEXT_CONTROLS |
               (t->channel == TC_NOTIFY_EMAIL ? 0 : TC__TEXT_NULL_OK))) ||
      (rc = tc__check_text(ctx, "text", t->text, 1, TC__NOTIFY_PART_MAX,
                           TC__TEXT_CONTROLS)) ||
      (rc = tc__check_text(ctx, "html", t->html, 0, TC__NOTIFY_PART_MAX,
                           TC__TEXT_NULL_OK | TC__TEXT_CONTROLS)))
    return rc;
  if (t->subject && strpbrk(t->subject, "\r\n"))
    return tc__seterr(ctx, TC_EINVAL, "subject", "subject must be one line");
  if (t->html && *t->html && t->channel != TC_NOTIFY_EMAIL)
    return tc__seterr(ctx, TC_EINVAL, "html",
                      "only email templates have an html part");
  if ((rc = tc_notify_template_check(ctx, "subject", t->subject)) ||
      (rc = tc_notify_template_check(ctx, "text", t->text)) ||
      (rc = tc_notify_template_check(ctx, "html", t->html)))
    return rc;
  return TC_OK;
}

int tc_notify_template_put(tc_ctx *ctx, const tc_principal *who,
                           const tc_notify_template *t) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "notify", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  if (!t) return tc__seterr(ctx, TC_EINVAL, "template", "template is NULL");
  int rc = check_parts(ctx, t);
  if (rc) return rc;
  char loc[TC__NOTIFY_LOCALE_MAX + 1];
  norm_locale(loc, t->locale);
  const char *html = t->html && *t->html ? t->html : NULL;
  tc_value p[] = {TC_VAL_TEXT(t->name),
                  TC_VAL_TEXT(tc_notify_channel_name(t->channel)),
                  TC_VAL_TEXT(loc),
                  TC_VAL_TEXT(t->subject ? t->subject : ""),
                  TC_VAL_TEXT(t->text),
                  TC_VAL_TEXT(html),
                  TC_VAL_INT(tc__now_ms(ctx))};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__db_exec(ctx,
                   "INSERT INTO notify_templates (name, channel, locale, "
                   "subject, body_text, body_html, updated_ms) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, channel, locale) "
                   "DO UPDATE SET subject = excluded.subject, body_text = "
                   "excluded.body_text, body_html = excluded.body_html, "
                   "updated_ms = excluded.updated_ms",
                   p, 7, NULL, NULL, NULL);
  return tc__txn_end(ctx, rc);
}

/* ---- reading ------------------------------------------------------------ */

/* A template copied into one allocation. */
static tc_notify_template *tpl_copy(tc_ctx *ctx, const char *name,
                                    tc_notify_channel ch, const char *locale,
                                    const char *subject, const char *text,
                                    const char *html, int builtin,
                                    int64_t updated) {
  size_t ln = strlen(name) + 1, ll = strlen(locale) + 1,
         ls = strlen(subject ? subject : "") + 1, lt = strlen(text) + 1,
         lh = html ? strlen(html) + 1 : 0;
  tc_notify_template *t = tc__malloc(ctx, sizeof(*t) + ln + ll + ls + lt + lh);
  if (!t) {
    tc__oom(ctx);
    return NULL;
  }
  char *p = (char *)(t + 1);
  t->name = memcpy(p, name, ln), p += ln;
  t->locale = memcpy(p, locale, ll), p += ll;
  t->subject = memcpy(p, subject ? subject : "", ls), p += ls;
  t->text = memcpy(p, text, lt), p += lt;
  t->html = html ? memcpy(p, html, lh) : NULL;
  t->channel = ch;
  t->builtin = builtin;
  t->updated_ms = updated;
  return t;
}

typedef struct rows {
  tc_ctx *ctx;
  const char *want[4]; /* locales in order of preference */
  size_t nwant;
  size_t best; /* index into want of the best row so far */
  tc_notify_template *tpl;
  tc_notify_channel ch;
  const char *name;
} rows;

static int row_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  rows *r = payload;
  const char *loc = tc__col_text(&c[0]);
  size_t rank = r->nwant;
  for (size_t i = 0; i < r->nwant; i++)
    if (!strcmp(loc, r->want[i])) rank = i;
  if (rank >= r->best) return 0;
  tc_notify_template *t = tpl_copy(
      r->ctx, r->name, r->ch, loc, tc__col_text(&c[1]), tc__col_text(&c[2]),
      tc__col_null(&c[3]) ? NULL : tc__col_text(&c[3]), 0, tc__col_int(&c[4]));
  if (!t) return TC_ENOMEM;
  tc__free(r->ctx, r->tpl);
  r->tpl = t;
  r->best = rank;
  return 0;
}

/* The best template among the locales want[0..n): stored first, then the
 * shipped default, per locale in order. */
static int find(tc_notify_template **out, tc_ctx *ctx, const char *name,
                tc_notify_channel ch, const char *const *want, size_t n) {
  rows r = {ctx, {NULL, NULL, NULL, NULL}, n, n, NULL, ch, name};
  for (size_t i = 0; i < n; i++) r.want[i] = want[i];
  tc_value p[] = {TC_VAL_TEXT(name),
                  TC_VAL_TEXT(tc_notify_channel_name(ch)),
                  TC_VAL_TEXT(want[0]),
                  TC_VAL_TEXT(n > 1 ? want[1] : want[0]),
                  TC_VAL_TEXT(n > 2 ? want[2] : want[0]),
                  TC_VAL_TEXT(n > 3 ? want[3] : want[0])};
  int rc = tc__db_exec(ctx,
                       "SELECT locale, subject, body_text, body_html, "
                       "updated_ms FROM notify_templates WHERE name = ? AND "
                       "channel = ? AND locale IN (?, ?, ?, ?)",
                       p, 6, row_cb, &r, NULL);
  if (rc) {
    tc__free(ctx, r.tpl);
    if (rc == TC_ENOMEM) tc__oom(ctx);
    return rc;
  }
  /* A shipped default only beats a stored one of a less wanted locale. */
  for (size_t i = 0; i < r.best; i++) {
    const tc_notify_template *b = tc__notify_builtin_find(name, ch, want[i]);
    if (!b) continue;
    tc__free(ctx, r.tpl);
    r.tpl = tpl_copy(ctx, b->name, ch, b->locale, b->subject, b->text, b->html,
                     1, 0);
    if (!r.tpl) return TC_ENOMEM;
    break;
  }
  if (!r.tpl)
    return tc__seterr(ctx, TC_ENOTFOUND, "template",
                      "no template %s for channel %s in locale %s", name,
                      tc_notify_channel_name(ch), want[0]);
  *out = r.tpl;
  return TC_OK;
}

int tc_notify_template_get(tc_notify_template **out, tc_ctx *ctx,
                           const tc_principal *who, const char *name,
                           tc_notify_channel channel, const char *locale) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "notify", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  *out = NULL;
  int rc;
  if ((rc = tc__notify_check_name(ctx, "name", name)) ||
      (rc = tc__notify_check_channel(ctx, channel)) ||
      (rc = tc__notify_check_locale(ctx, "locale", locale)))
    return rc;
  char loc[TC__NOTIFY_LOCALE_MAX + 1];
  norm_locale(loc, locale);
  const char *want[] = {loc};
  return find(out, ctx, name, channel, want, 1);
}

void tc_notify_template_free(tc_ctx *ctx, tc_notify_template *t) {
  if (ctx && t) tc__free(ctx, t);
}

typedef struct list_state {
  tc_notify_template_cb cb;
  void *payload;
  size_t seen, limit;
  char *next;
} list_state;

static int list_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  list_state *s = payload;
  tc_notify_template t = {0};
  t.name = tc__col_text(&c[0]);
  tc_notify_channel_parse(&t.channel, NULL, tc__col_text(&c[1]));
  t.locale = tc__col_text(&c[2]);
  t.subject = tc__col_text(&c[3]);
  t.text = tc__col_text(&c[4]);
  t.html = tc__col_null(&c[5]) ? NULL : tc__col_text(&c[5]);
  t.updated_ms = tc__col_int(&c[6]);
  s->seen++;
  if (s->next && s->seen == s->limit)
    snprintf(s->next, 128, "%s/%s/%s", t.name, tc__col_text(&c[1]), t.locale);
  if (s->cb && s->cb(&t, s->payload)) {
    if (s->next) s->next[0] = '\0';
    return TC_STORE_STOP;
  }
  return 0;
}

int tc_notify_template_list(char *next, tc_ctx *ctx, const tc_principal *who,
                            const char *after, size_t limit, int builtin,
                            tc_notify_template_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "notify", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  /* next may be the very buffer after points to: read after first. */
  char cursor[128] = "";
  if (after) snprintf(cursor, sizeof(cursor), "%s", after);
  after = cursor;
  if (next) next[0] = '\0';
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit",
                      "limit must be between 1 and 100");
  if (builtin) {
    for (size_t i = 0; i < tc__notify_builtin_count; i++)
      if (cb && cb(&tc__notify_builtin[i], payload)) break;
    return TC_OK;
  }
  /* Cursor "name/channel/locale" of the last row seen. */
  char an[TC__NOTIFY_NAME_MAX + 1] = "", ac[16] = "", al[16] = "";
  if (after && *after) {
    const char *s1 = strchr(after, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    size_t n0 = s1 ? (size_t)(s1 - after) : 0;
    size_t n1 = s2 ? (size_t)(s2 - s1 - 1) : 0;
    if (!s2 || n0 == 0 || n0 > TC__NOTIFY_NAME_MAX || n1 == 0 || n1 > 15 ||
        strlen(s2 + 1) > 15)
      return tc__seterr(ctx, TC_EINVAL, "after", "after is not a cursor");
    memcpy(an, after, n0);
    memcpy(ac, s1 + 1, n1);
    snprintf(al, sizeof(al), "%s", s2 + 1);
  }
  list_state s = {cb, payload, 0, limit, next};
  tc_value p[] = {TC_VAL_TEXT(an),           TC_VAL_TEXT(an), TC_VAL_TEXT(ac),
                  TC_VAL_TEXT(an),           TC_VAL_TEXT(ac), TC_VAL_TEXT(al),
                  TC_VAL_INT((int64_t)limit)};
  return tc__db_exec(ctx,
                     "SELECT name, channel, locale, subject, body_text, "
                     "body_html, updated_ms FROM notify_templates WHERE "
                     "name > ? OR (name = ? AND channel > ?) OR (name = ? AND "
                     "channel = ? AND locale > ?) ORDER BY name, channel, "
                     "locale LIMIT ?",
                     p, 7, list_cb, &s, NULL);
}

/* ---- rendering ---------------------------------------------------------- */

/* Locales to try: as given, its language, the default, its language, en. */
static size_t fallback_chain(char store[4][TC__NOTIFY_LOCALE_MAX + 1],
                             const char *want[4], const char *loc,
                             const char *dflt) {
  const char *cand[5] = {loc, NULL, dflt, NULL, "en"};
  char lang[2][TC__NOTIFY_LOCALE_MAX + 1];
  for (int k = 0; k < 2; k++) {
    const char *src = cand[k * 2];
    size_t n = strcspn(src, "-");
    memcpy(lang[k], src, n);
    lang[k][n] = '\0';
    cand[k * 2 + 1] = lang[k];
  }
  size_t count = 0;
  for (int i = 0; i < 5 && count < 4; i++) {
    bool dup = false;
    for (size_t j = 0; j < count; j++) dup = dup || !strcmp(store[j], cand[i]);
    if (dup) continue;
    snprintf(store[count], sizeof(store[count]), "%s", cand[i]);
    want[count] = store[count];
    count++;
  }
  return count;
}

void tc_notify_rendered_finish(tc_ctx *ctx, tc_notify_rendered *r) {
  if (!ctx || !r) return;
  tc__free(ctx, r->subject);
  tc__free(ctx, r->text);
  tc__free(ctx, r->html);
  memset(r, 0, sizeof(*r));
}

static int parse_vars(tc_ctx *ctx, const char *variables, cJSON **out) {
  *out = NULL;
  if (!variables) variables = "{}";
  int rc = tc__check_text(ctx, "variables", variables, 0, TC__NOTIFY_VARS_MAX,
                          TC__TEXT_NULL_OK | TC__TEXT_CONTROLS);
  if (rc) return rc;
  size_t n = strlen(variables);
  cJSON *v = cJSON_ParseWithLengthOpts(variables, n + 1, NULL, 1);
  if (!v || !cJSON_IsObject(v)) {
    cJSON_Delete(v);
    return tc__seterr(ctx, TC_EINVAL, "variables",
                      "variables must be a JSON object");
  }
  *out = v;
  return TC_OK;
}

static int render_part(tc_ctx *ctx, char **out, const char *part,
                       const char *src, const cJSON *vars, bool html,
                       const char *tname) {
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  int rc = tc__notify_tpl_render(ctx, &b, part, src, vars, html, tname);
  if (rc) {
    tc_buf_dispose(&b);
    return rc;
  }
  *out = b.ptr;
  return TC_OK;
}

int tc__notify_render(tc_notify_rendered *out, tc_ctx *ctx, const char *name,
                      tc_notify_channel channel, const char *locale,
                      const cJSON *vars) {
  memset(out, 0, sizeof(*out));
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx);
  char loc[TC__NOTIFY_LOCALE_MAX + 1];
  norm_locale(loc, locale ? locale : st->default_locale);
  char store[4][TC__NOTIFY_LOCALE_MAX + 1];
  const char *want[4];
  size_t n = fallback_chain(store, want, loc, st->default_locale);
  tc_notify_template *t = NULL;
  int rc = find(&t, ctx, name, channel, want, n);
  if (rc) return rc;
  rc =
      render_part(ctx, &out->subject, "subject", t->subject, vars, false, name);
  if (rc == TC_OK)
    rc = render_part(ctx, &out->text, "text", t->text, vars, false, name);
  if (rc == TC_OK && t->html && *t->html && channel == TC_NOTIFY_EMAIL)
    rc = render_part(ctx, &out->html, "html", t->html, vars, true, name);
  if (rc == TC_OK) {
    /* A value with a line break must not start a new mail header. */
    for (char *p = out->subject; *p; p++)
      if (*p == '\r' || *p == '\n') *p = ' ';
    snprintf(out->locale, sizeof(out->locale), "%s", t->locale);
  }
  tc__free(ctx, t);
  if (rc) tc_notify_rendered_finish(ctx, out);
  return rc;
}

int tc_notify_render(tc_notify_rendered *out, tc_ctx *ctx,
                     const tc_principal *who, const char *name,
                     tc_notify_channel channel, const char *locale,
                     const char *variables) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "notify", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  memset(out, 0, sizeof(*out));
  int rc;
  if ((rc = tc__notify_check_name(ctx, "template", name)) ||
      (rc = tc__notify_check_channel(ctx, channel)) ||
      (locale && (rc = tc__notify_check_locale(ctx, "locale", locale))))
    return rc;
  cJSON *vars = NULL;
  if ((rc = parse_vars(ctx, variables, &vars))) return rc;
  rc = tc__notify_render(out, ctx, name, channel, locale, vars);
  cJSON_Delete(vars);
  return rc;
}

int tc__notify_parse_vars(tc_ctx *ctx, const char *variables, cJSON **out) {
  return parse_vars(ctx, variables, out);
}
