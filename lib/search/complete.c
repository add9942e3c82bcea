/*
 * lib/search/complete.c - autocomplete and "did you mean".
 *
 * Both read the index's own vocabulary (the fts5vocab table over the
 * product index: each folded word with the number of products containing
 * it), so they know exactly the words a search can match, and nothing of
 * an archived product once it has left the index.
 *
 * Suggestions narrow the candidates before measuring: words of a length
 * within the allowed distance, starting with the typed word's first or
 * second letter (which covers every typo but a wrong or extra first
 * letter), then the Damerau-Levenshtein distance is computed here.
 */
#include <stdio.h>

#include "search_priv.h"

#define AC_BM25 "bm25(search_products_fts, 10.0, 1.5, 8.0, 3.0, 2.0)"

/* ---- autocomplete ---------------------------------------------------------
 */

typedef struct ac_run {
  tc_ctx *ctx;
  tc_search_completion *v;
  size_t n;
  const char *head; /* the words before the last, folded, with a space */
} ac_run;

static int product_row(const tc_value *c, size_t n, void *payload) {
  ac_run *a = payload;
  if (n < 3) return TC_ECORRUPT;
  tc_search_completion *x = &a->v[a->n++];
  x->product_id = tc__strdup(a->ctx, tc__col_text(&c[0]));
  x->text = tc__strdup(a->ctx, tc__col_text(&c[1]));
  x->slug = tc__strdup(a->ctx, tc__col_text(&c[2]));
  return x->product_id && x->text && x->slug ? 0 : TC_ENOMEM;
}

static int word_row(const tc_value *c, size_t n, void *payload) {
  ac_run *a = payload;
  if (n < 2) return TC_ECORRUPT;
  tc_search_completion *x = &a->v[a->n++];
  const char *term = tc__col_text(&c[0]);
  size_t len = strlen(a->head) + strlen(term) + 1;
  x->text = tc__malloc(a->ctx, len);
  if (!x->text) return TC_ENOMEM;
  snprintf(x->text, len, "%s%s", a->head, term);
  x->count = tc__col_int(&c[1]);
  return 0;
}

/* [prefix, prefix + 0xFF): every text starting with prefix (0xFF never
 * occurs in UTF-8). */
static void upper_bound(char *out, size_t size, const char *prefix) {
  size_t n = strlen(prefix);
  if (n + 2 > size) n = size - 2;
  memcpy(out, prefix, n);
  out[n] = '\xff';
  out[n + 1] = '\0';
}

static int ac_run_queries(tc_ctx *ctx, const srch_terms *t, uint32_t limit,
                          tc_search_completions *res) {
  char match[TC_SEARCH_Q_MAX * 2 + 64];
  if (srch_match(match, sizeof(match), t, true, "title"))
    return tc__seterr(ctx, TC_EINVAL, "q", "q is too long");
  char head[TC_SEARCH_Q_MAX + TC_SEARCH_TERMS_MAX + 1] = "";
  size_t hn = 0;
  for (size_t i = 0; i + 1 < t->n; i++) {
    int w = snprintf(head + hn, sizeof(head) - hn, "%s ", t->fold[i]);
    if (w > 0) hn += (size_t)w < sizeof(head) - hn ? (size_t)w : 0;
  }
  res->products = tc__calloc(ctx, limit, sizeof(*res->products));
  res->words = tc__calloc(ctx, limit, sizeof(*res->words));
  if (!res->products || !res->words) return tc__oom(ctx);
  ac_run a = {ctx, res->products, 0, head};
  tc_value p[] = {srch_text(match), TC_VAL_INT(limit)};
  int rc = tc__db_exec(ctx,
                       "SELECT p.product_id, p.title, p.slug"
                       " FROM search_products_fts f"
                       " JOIN search_products p ON p.docid = f.rowid"
                       " WHERE search_products_fts MATCH ?1"
                       " ORDER BY " AC_BM25 ", p.product_id LIMIT ?2",
                       p, 2, product_row, &a, NULL);
  res->product_count = a.n;
  if (rc) return rc;
  const char *last = t->fold[t->n - 1];
  char hi[SRCH_TERM_MAX + 2];
  upper_bound(hi, sizeof(hi), last);
  ac_run w = {ctx, res->words, 0, head};
  tc_value q[] = {srch_text(last), srch_text(hi), TC_VAL_INT(limit)};
  rc = tc__db_exec(ctx,
                   "SELECT term, doc FROM search_products_vocab"
                   " WHERE term >= ?1 AND term < ?2"
                   " ORDER BY doc DESC, term LIMIT ?3",
                   q, 3, word_row, &w, NULL);
  res->word_count = w.n;
  return rc;
}

int tc_search_autocomplete(tc_search_completions **out, tc_ctx *ctx,
                           const char *prefix, uint32_t limit) {
  if (out) *out = NULL;
  if (!ctx || !out) return TC_EINVAL;
  srch_state *st = NULL;
  int rc = srch_enter(ctx, &st);
  if (rc) return rc;
  if (limit > 20)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1..20");
  if (!limit) limit = 8;
  srch_terms *t = tc__malloc(ctx, sizeof(*t));
  tc_search_completions *res = tc__calloc(ctx, 1, sizeof(*res));
  if (!t || !res) {
    rc = tc__oom(ctx);
  } else if (!(rc = srch_tokenize(ctx, "q", prefix, false, t)) &&
             srch_chars(t->fold[t->n - 1]) >= 2) {
    st->stats.index_queries++;
    rc = ac_run_queries(ctx, t, limit, res);
    if (rc) rc = srch_store_failed(ctx, rc, "autocomplete");
  }
  tc__free(ctx, t);
  if (rc) {
    tc_search_completions_free(ctx, res);
    return rc;
  }
  *out = res;
  return TC_OK;
}

static void completion_clear(tc_ctx *ctx, tc_search_completion *c) {
  tc__free(ctx, c->text);
  tc__free(ctx, c->product_id);
  tc__free(ctx, c->slug);
}

void tc_search_completions_free(tc_ctx *ctx, tc_search_completions *c) {
  if (!c) return;
  for (size_t i = 0; i < c->product_count; i++)
    completion_clear(ctx, &c->products[i]);
  for (size_t i = 0; i < c->word_count; i++)
    completion_clear(ctx, &c->words[i]);
  tc__free(ctx, c->products);
  tc__free(ctx, c->words);
  tc__free(ctx, c);
}

/* ---- did you mean ---------------------------------------------------------
 */

typedef struct sg_best {
  const char *word;
  int max;
  int dist;
  int64_t count;
  size_t gap; /* length difference of the best */
  char term[SRCH_TERM_MAX + 1];
} sg_best;

static int count_row(const tc_value *c, size_t n, void *payload) {
  if (n < 1) return TC_ECORRUPT;
  *(int64_t *)payload = tc__col_int(&c[0]);
  return 0;
}

static int candidate_row(const tc_value *c, size_t n, void *payload) {
  sg_best *b = payload;
  if (n < 2) return TC_ECORRUPT;
  const char *term = tc__col_text(&c[0]);
  int64_t count = tc__col_int(&c[1]);
  int d = srch_distance(b->word, term, b->max);
  if (d > b->max) return 0;
  /* closest, then most frequent, then nearest in length (a substitution
   * is likelier than a lost letter), then alphabetical */
  size_t wl = srch_chars(b->word), tl = srch_chars(term);
  size_t gap = wl > tl ? wl - tl : tl - wl;
  bool better = b->dist < 0 || d < b->dist;
  if (!better && d == b->dist) {
    if (count != b->count)
      better = count > b->count;
    else if (gap != b->gap)
      better = gap < b->gap;
    else
      better = strcmp(term, b->term) < 0;
  }
  if (better && strlen(term) < sizeof(b->term)) {
    b->dist = d;
    b->count = count;
    b->gap = gap;
    snprintf(b->term, sizeof(b->term), "%s", term);
  }
  return 0;
}

/* The UTF-8 bytes of the code point at s (its length in *len). */
static size_t cp_len(const unsigned char *s) {
  if (*s >= 0xF0) return 4;
  if (*s >= 0xE0) return 3;
  if (*s >= 0xC0) return 2;
  return 1;
}

static int best_for(tc_ctx *ctx, const char *word, int max, sg_best *b) {
  memset(b, 0, sizeof(*b));
  b->word = word;
  b->max = max;
  b->dist = -1;
  size_t len = srch_chars(word);
  const unsigned char *w = (const unsigned char *)word;
  size_t l0 = cp_len(w);
  const unsigned char *second = w + l0;
  size_t l1 = *second ? cp_len(second) : 0;
  char firsts[2][8] = {"", ""};
  memcpy(firsts[0], w, l0);
  if (l1 && (l1 != l0 || memcmp(w, second, l0) != 0))
    memcpy(firsts[1], second, l1);
  int rc = TC_OK;
  for (int i = 0; i < 2 && !rc; i++) {
    if (!firsts[i][0]) continue;
    char hi[16];
    upper_bound(hi, sizeof(hi), firsts[i]);
    tc_value p[] = {srch_text(firsts[i]), srch_text(hi),
                    TC_VAL_INT((int64_t)len - max),
                    TC_VAL_INT((int64_t)len + max)};
    rc = tc__db_exec(ctx,
                     "SELECT term, doc FROM search_products_vocab"
                     " WHERE term >= ?1 AND term < ?2"
                     " AND length(term) BETWEEN ?3 AND ?4",
                     p, 4, candidate_row, b, NULL);
  }
  return rc;
}

static int sg_run(tc_ctx *ctx, const srch_terms *t, tc_search_suggestion *s) {
  s->corrections = tc__calloc(ctx, t->n, sizeof(*s->corrections));
  if (!s->corrections) return tc__oom(ctx);
  tc_buf q = TC_BUF_INIT;
  q.alloc = &ctx->alloc;
  int rc = TC_OK;
  for (size_t i = 0; !rc && i < t->n; i++) {
    const char *word = t->fold[i];
    size_t len = srch_chars(word);
    int max = len >= 5 ? 2 : len >= 3 ? 1 : 0;
    int64_t have = 0;
    const char *use = word;
    sg_best b;
    b.dist = -1;
    tc_value p[] = {srch_text(word)};
    if (max > 0)
      rc = tc__db_exec(ctx,
                       "SELECT doc FROM search_products_vocab WHERE term = ?1",
                       p, 1, count_row, &have, NULL);
    if (!rc && max > 0 && have == 0 && !(rc = best_for(ctx, word, max, &b)) &&
        b.dist > 0) {
      tc_search_correction *c = &s->corrections[s->count++];
      c->word = tc__strdup(ctx, word);
      c->suggestion = tc__strdup(ctx, b.term);
      c->distance = b.dist;
      c->count = b.count;
      if (!c->word || !c->suggestion) rc = TC_ENOMEM;
      use = b.term;
    }
    if (!rc && ((i && tc_buf_puts(&q, " ")) || tc_buf_puts(&q, use)))
      rc = TC_ENOMEM;
  }
  if (!rc && s->count) {
    s->query = tc__strdup(ctx, q.ptr);
    if (!s->query) rc = TC_ENOMEM;
  }
  tc_buf_dispose(&q);
  return rc;
}

int tc_search_suggest(tc_search_suggestion **out, tc_ctx *ctx, const char *q) {
  if (out) *out = NULL;
  if (!ctx || !out) return TC_EINVAL;
  srch_state *st = NULL;
  int rc = srch_enter(ctx, &st);
  if (rc) return rc;
  srch_terms *t = tc__malloc(ctx, sizeof(*t));
  tc_search_suggestion *s = tc__calloc(ctx, 1, sizeof(*s));
  if (!t || !s) {
    rc = tc__oom(ctx);
  } else if (!(rc = srch_tokenize(ctx, "q", q, false, t))) {
    st->stats.index_queries++;
    rc = sg_run(ctx, t, s);
    if (rc) rc = srch_store_failed(ctx, rc, "suggestions");
  }
  tc__free(ctx, t);
  if (rc) {
    tc_search_suggestion_free(ctx, s);
    return rc;
  }
  *out = s;
  return TC_OK;
}

void tc_search_suggestion_free(tc_ctx *ctx, tc_search_suggestion *s) {
  if (!s) return;
  for (size_t i = 0; i < s->count; i++) {
    tc__free(ctx, s->corrections[i].word);
    tc__free(ctx, s->corrections[i].suggestion);
  }
  tc__free(ctx, s->corrections);
  tc__free(ctx, s->query);
  tc__free(ctx, s);
}
