/*
 * lib/adapters/postgres/pg_sql.c - reading the library's SQL the way
 * PostgreSQL's lexer does, as far as the adapter needs: where `?`
 * placeholders are, and whether a text holds more than one statement.
 *
 * Skipped over (never a placeholder, never a statement end): '...' strings
 * (with '' inside; E'...' with backslash escapes), "..." identifiers,
 * -- comments, nested C-style comments and $tag$ ... $tag$ dollar quotes.
 * A `?` anywhere else is a placeholder: the library never uses the jsonb
 * operators spelled with `?`. As in SQLite, `?NNN` is parameter NNN and a
 * bare `?` is one more than the largest number given so far.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

static bool pg_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || (unsigned char)c >= 0x80;
}

/* If p starts a dollar quote ($$ or $tag$), its opening tag's length. */
static size_t pg_dollar_tag(const char *p, const char *start) {
  if (p[0] != '$') return 0;
  /* $1 is a parameter, and a '$' inside an identifier (a$b) is part of it */
  if (p > start && pg_ident_char(p[-1])) return 0;
  size_t n = 1;
  if (p[1] >= '0' && p[1] <= '9') return 0;
  while (p[n] && p[n] != '$') {
    if (!pg_ident_char(p[n])) return 0;
    n++;
  }
  return p[n] == '$' ? n + 1 : 0;
}

/* Where the token starting at p ends, for tokens that hide what they hold;
 * p itself when p starts none of them. */
static const char *pg_skip(const char *p, const char *start) {
  if (p[0] == '\'' || ((p[0] == 'E' || p[0] == 'e') && p[1] == '\'' &&
                       (p == start || !pg_ident_char(p[-1])))) {
    bool esc = p[0] != '\'';
    p += esc ? 2 : 1;
    while (*p) {
      if (esc && *p == '\\' && p[1]) {
        p += 2;
      } else if (*p == '\'' && p[1] == '\'') {
        p += 2;
      } else if (*p == '\'') {
        return p + 1;
      } else {
        p++;
      }
    }
    return p;
  }
  if (p[0] == '"') {
    p++;
    while (*p) {
      if (*p == '"' && p[1] == '"') {
        p += 2;
      } else if (*p == '"') {
        return p + 1;
      } else {
        p++;
      }
    }
    return p;
  }
  if (p[0] == '-' && p[1] == '-') {
    while (*p && *p != '\n') p++;
    return p;
  }
  if (p[0] == '/' && p[1] == '*') {
    int depth = 1;
    p += 2;
    while (*p && depth) {
      if (p[0] == '/' && p[1] == '*') {
        depth++;
        p += 2;
      } else if (p[0] == '*' && p[1] == '/') {
        depth--;
        p += 2;
      } else {
        p++;
      }
    }
    return p;
  }
  size_t tag = pg_dollar_tag(p, start);
  if (tag) {
    const char *q = p + tag;
    while (*q) {
      if (*q == '$' && strncmp(q, p, tag) == 0) return q + tag;
      q++;
    }
    return q;
  }
  return p;
}

static bool pg_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

int tc__pg_scan(const char *sql, tc__pg_scan_result *out) {
  memset(out, 0, sizeof(*out));
  const char *p = sql;
  bool after_end = false; /* a ';' was seen: is anything but trivia left? */
  while (*p) {
    const char *q = pg_skip(p, sql);
    if (q != p) {
      /* comments are trivia; strings and quotes are content */
      bool comment =
          (p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*');
      if (after_end && !comment) out->several = true;
      p = q;
      continue;
    }
    if (*p == ';') {
      after_end = true;
    } else if (!pg_blank(*p)) {
      if (after_end) out->several = true;
      if (*p == '?') {
        size_t n = 0;
        while (p[1] >= '0' && p[1] <= '9' && n < 100000) {
          n = n * 10 + (size_t)(p[1] - '0');
          p++;
        }
        if (n == 0) n = out->placeholders + 1;
        if (n > out->placeholders) out->placeholders = n;
      }
    }
    p++;
  }
  out->length = (size_t)(p - sql);
  return 0;
}

char *tc__pg_translate(const char *sql, size_t len, size_t placeholders) {
  /* "$65535" is 6 bytes where "?" was 1 */
  size_t cap = len + placeholders * 6 + 1;
  char *out = malloc(cap);
  if (!out) return NULL;
  char *w = out;
  size_t n = 0;
  const char *p = sql;
  while (*p) {
    const char *q = pg_skip(p, sql);
    if (q != p) {
      memcpy(w, p, (size_t)(q - p));
      w += q - p;
      p = q;
      continue;
    }
    if (*p == '?') {
      size_t k = 0;
      p++;
      while (*p >= '0' && *p <= '9' && k < 100000)
        k = k * 10 + (size_t)(*p++ - '0');
      if (k == 0) k = n + 1;
      if (k > n) n = k;
      w += snprintf(w, cap - (size_t)(w - out), "$%zu", k);
    } else {
      *w++ = *p++;
    }
  }
  *w = '\0';
  return out;
}
