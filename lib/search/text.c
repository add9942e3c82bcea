/*
 * lib/search/text.c - user text to safe FTS5 queries.
 *
 * A query is never handed to MATCH as typed: it is split here into words
 * (runs of letters and digits), and each word goes into the FTS5 query as
 * a double-quoted string, so quotes, '*', parentheses, ':', '^' and the
 * words AND/OR/NOT/NEAR are only ever text. FTS5 tokenizes the quoted
 * text itself, so folding here only has to agree with it for the words
 * compared against the index's vocabulary (suggestions, completions).
 */
#include <stdio.h>

#include "search_priv.h"

/* Decode one code point of valid UTF-8 (checked before) at s. */
static uint32_t utf8_next(const unsigned char **s) {
  const unsigned char *p = *s;
  uint32_t c = p[0];
  size_t n = 1;
  if (c >= 0xF0) {
    c = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
        (p[3] & 0x3Fu);
    n = 4;
  } else if (c >= 0xE0) {
    c = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    n = 3;
  } else if (c >= 0xC0) {
    c = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    n = 2;
  }
  *s = p + n;
  return c;
}

static size_t utf8_put(char *out, uint32_t c) {
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (char)(0xC0 | (c >> 6));
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (c >> 18));
  out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* Is c part of a word? Letters, digits and marks, as FTS5's unicode61
 * counts them for the scripts our users write; punctuation, symbols,
 * spaces and controls separate words. */
static bool word_char(uint32_t c) {
  if (c < 0x80)
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  if (c < 0xC0)
    return c == 0xAA || c == 0xB5 || c == 0xBA || c == 0xB2 || c == 0xB3 ||
           c == 0xB9 || (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false; /* punctuation, symbols */
  if (c >= 0x3000 && c <= 0x303F) return false; /* CJK punctuation */
  if (c >= 0xFE10 && c <= 0xFE6F) return false;
  if (c >= 0xFF00 && c <= 0xFF0F) return false;
  if (c >= 0xFF1A && c <= 0xFF20) return false;
  if (c >= 0xFF3B && c <= 0xFF40) return false;
  if (c >= 0xFF5B && c <= 0xFF65) return false;
  if (c >= 0x1F000 && c <= 0x1FAFF) return false; /* emoji, symbols */
  return true;
}

/* Latin-1 Supplement and Latin Extended-A: the base letter of each letter
 * with a diacritic, '.' for letters kept as they are (lower-cased), '#'
 * for separators. Indexed by c - 0xC0. */
static const char latin_fold[] =
    "aaaaaa.ceeeeiiii.nooooo#.uuuuy.."  /* C0..DF */
    "aaaaaa.ceeeeiiii.nooooo#.uuuuy.y"  /* E0..FF */
    "aaaaaaccccccccdd..eeeeeeeeeegggg"  /* 100..11F */
    "gggghh..iiiiiiiii...jjkk.llllll."  /* 120..13F */
    "...nnnnnn...oooooo..rrrrrrssssss"  /* 140..15F */
    "sstttt..uuuuuuuuuuuuwwyyyzzzzzz."; /* 160..17F */

static uint32_t fold_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0x17F) {
    char f = latin_fold[c - 0xC0];
    if (f != '.' && f != '#') return (uint32_t)(unsigned char)f;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    switch (c) {
      case 0x110:
      case 0x126:
      case 0x132:
      case 0x14A:
      case 0x152:
      case 0x166:
        return c + 1;
      case 0x13F:
      case 0x141:
        return c + 1;
      default:
        return c;
    }
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32; /* Greek */
  if (c >= 0x410 && c <= 0x42F) return c + 32;               /* Cyrillic */
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

/* Combining diacritical marks vanish when folding. */
static bool is_mark(uint32_t c) {
  return c >= 0x300 && c <= 0x36F;
}

void srch_fold(char *out, size_t size, const char *s) {
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)s;
  if (size == 0) return;
  while (*p) {
    uint32_t c = utf8_next(&p);
    if (is_mark(c)) continue;
    c = fold_cp(c);
    if (n + 4 >= size) break;
    n += utf8_put(out + n, c);
  }
  out[n] = '\0';
}

size_t srch_chars(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if ((*p & 0xC0) != 0x80) n++;
  return n;
}

int srch_tokenize(tc_ctx *ctx, const char *field, const char *q,
                  bool allow_empty, srch_terms *out) {
  out->n = 0;
  if (!q) q = "";
  size_t len = strlen(q);
  if (len > TC_SEARCH_Q_MAX)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s is %zu bytes long; at most %d are allowed", field,
                      len, TC_SEARCH_Q_MAX);
  if (!tc__utf8_valid(q, len))
    return tc__seterr(ctx, TC_EINVAL, field, "%s is not valid UTF-8", field);
  const unsigned char *p = (const unsigned char *)q;
  while (*p) {
    const unsigned char *start = p;
    uint32_t c = utf8_next(&p);
    if (!word_char(c)) continue;
    const unsigned char *end = p;
    while (*end) {
      const unsigned char *at = end;
      uint32_t d = utf8_next(&at);
      if (!word_char(d)) break;
      end = at;
    }
    if (out->n == TC_SEARCH_TERMS_MAX)
      return tc__seterr(ctx, TC_EINVAL, field, "%s has more than %d words",
                        field, TC_SEARCH_TERMS_MAX);
    size_t n = (size_t)(end - start); /* <= 256: the whole query */
    memcpy(out->raw[out->n], start, n);
    out->raw[out->n][n] = '\0';
    srch_fold(out->fold[out->n], sizeof(out->fold[0]), out->raw[out->n]);
    out->n++;
    p = end;
  }
  if (out->n == 0 && !allow_empty)
    return tc__seterr(ctx, TC_EINVAL, field,
                      len ? "%s has no letters or digits to search for"
                          : "%s must not be empty",
                      field);
  return TC_OK;
}

/* Append s to out as an FTS5 string: "..." with any '"' doubled. */
static bool put_quoted(char *out, size_t size, size_t *n, const char *s) {
  if (*n + 1 >= size) return false;
  out[(*n)++] = '"';
  for (; *s; s++) {
    if (*n + 3 >= size) return false;
    if (*s == '"') out[(*n)++] = '"';
    out[(*n)++] = *s;
  }
  out[(*n)++] = '"';
  out[*n] = '\0';
  return true;
}

int srch_match(char *out, size_t size, const srch_terms *t, bool prefix_last,
               const char *column) {
  size_t n = 0;
  if (size < 8) return TC_EOVERFLOW;
  out[0] = '\0';
  if (column) {
    int w = snprintf(out, size, "{%s} : (", column);
    if (w < 0 || (size_t)w >= size) return TC_EOVERFLOW;
    n = (size_t)w;
  }
  for (size_t i = 0; i < t->n; i++) {
    if (i && n + 2 < size) out[n++] = ' ';
    if (!put_quoted(out, size, &n, t->raw[i])) return TC_EOVERFLOW;
    if (prefix_last && i + 1 == t->n) {
      if (n + 2 >= size) return TC_EOVERFLOW;
      out[n++] = '*';
    }
  }
  if (column) {
    if (n + 2 >= size) return TC_EOVERFLOW;
    out[n++] = ')';
  }
  out[n] = '\0';
  return TC_OK;
}

#define DIST_MAX_LEN 64

static size_t to_cps(uint32_t *cp, const char *s) {
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p && n < DIST_MAX_LEN) cp[n++] = utf8_next(&p);
  return n;
}

int srch_distance(const char *a, const char *b, int max) {
  uint32_t x[DIST_MAX_LEN], y[DIST_MAX_LEN];
  size_t m = to_cps(x, a), n = to_cps(y, b);
  size_t diff = m > n ? m - n : n - m;
  if (diff > (size_t)max) return max + 1;
  /* three rows of the optimal-string-alignment table */
  int rows[3][DIST_MAX_LEN + 1];
  int *pp = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= n; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= m; i++) {
    cur[0] = (int)i;
    int best = cur[0];
    for (size_t j = 1; j <= n; j++) {
      int cost = x[i - 1] == y[j - 1] ? 0 : 1;
      int v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (prev[j - 1] + cost < v) v = prev[j - 1] + cost;
      if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
          pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > max) return max + 1; /* every path is already too long */
    int *t = pp;
    pp = prev;
    prev = cur;
    cur = t;
  }
  return prev[n] > max ? max + 1 : prev[n];
}
