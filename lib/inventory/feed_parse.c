/*
 * lib/inventory/feed_parse.c - reading a legacy stock feed (CSV per RFC
 * 4180, or a JSON array) into rows, with the line of every problem.
 *
 * Everything about the bytes is checked here, before any database work:
 * size, encoding (a UTF-8 BOM is skipped, UTF-16/32 refused, invalid UTF-8
 * named by line), shape (header, column count, quoting) and each value.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "feed_priv.h"

static int feed_rows_push(tc_ctx *ctx, feed_rows *fr, feed_row **out) {
  if (fr->n == fr->a) {
    size_t na = fr->a ? fr->a * 2 : 64;
    void *p = tc__realloc(ctx, fr->v, na * sizeof(*fr->v));
    if (!p) return tc__oom(ctx);
    fr->v = p;
    fr->a = na;
  }
  *out = &fr->v[fr->n++];
  memset(*out, 0, sizeof(**out));
  return TC_OK;
}

void tc__feed_rows_free(tc_ctx *ctx, feed_rows *fr) {
  tc__free(ctx, fr->v);
  memset(fr, 0, sizeof(*fr));
}

/* Whole number in [-MAX, MAX], no spaces, no sign but '-' or '+'. */
static bool feed_int(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i == n || n - i > 18) return false;
  int64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = neg ? -v : v;
  return true;
}

static void feed_fail(feed_row *r, const char *fmt, ...) TC_PRINTF(2, 3);
static void feed_fail(feed_row *r, const char *fmt, ...) {
  if (r->err[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof(r->err), fmt, ap);
  va_end(ap);
}

/* Shared value checks of one row; the first problem goes into r->err. */
static void feed_check_values(tc_ctx *ctx, feed_row *r, const char *sku,
                              size_t skul, const char *wh, size_t whl,
                              const char *qty, size_t qtyl, bool qty_ok,
                              const char *mode, size_t model,
                              tc_feed_mode dflt) {
  (void)ctx;
  if (skul == 0) {
    feed_fail(r, "sku is empty");
  } else if (skul > INV_SKU_MAX) {
    feed_fail(r, "sku is longer than %d bytes", INV_SKU_MAX);
  } else {
    memcpy(r->sku, sku, skul);
    r->sku[skul] = '\0';
    for (size_t i = 0; i < skul; i++)
      if ((unsigned char)sku[i] < 0x20) {
        feed_fail(r, "sku contains a control character");
        break;
      }
  }
  if (whl == 0) {
    feed_fail(r, "warehouse is empty");
  } else if (whl > INV_WH_MAX) {
    feed_fail(r, "warehouse is longer than %d bytes", INV_WH_MAX);
  } else {
    memcpy(r->wh, wh, whl);
    r->wh[whl] = '\0';
  }
  r->mode = dflt;
  if (model) {
    if ((model == 3 && memcmp(mode, "set", 3) == 0) ||
        (model == 8 && memcmp(mode, "absolute", 8) == 0))
      r->mode = TC_FEED_ABSOLUTE;
    else if ((model == 5 && memcmp(mode, "delta", 5) == 0) ||
             (model == 3 && memcmp(mode, "add", 3) == 0))
      r->mode = TC_FEED_DELTA;
    else
      feed_fail(r, "mode '%.*s' is not set, absolute, delta or add",
                (int)(model > 32 ? 32 : model), mode);
  }
  if (!qty_ok || (qty && !feed_int(qty, qtyl, &r->qty))) {
    feed_fail(r, "quantity '%.*s' is not a whole number",
              (int)(qtyl > 32 ? 32 : qtyl), qty ? qty : "");
    return;
  }
  if (r->qty > TC_INVENTORY_MAX_QTY || r->qty < -TC_INVENTORY_MAX_QTY)
    feed_fail(r, "quantity %lld is out of range (at most %d)",
              (long long)r->qty, TC_INVENTORY_MAX_QTY);
  else if (r->mode == TC_FEED_ABSOLUTE && r->qty < 0)
    feed_fail(r, "negative level %lld", (long long)r->qty);
}

/* ---- encoding ------------------------------------------------------------
 */

int tc__feed_encoding(tc_ctx *ctx, const char **data, size_t *len,
                      bool *had_bom) {
  const unsigned char *s = (const unsigned char *)*data;
  size_t n = *len;
  *had_bom = false;
  if (n >= 4 && ((s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0) ||
                 (s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF)))
    return tc__seterr(ctx, TC_EINVAL, "data",
                      "line 1: the feed is UTF-32 (byte order mark); only "
                      "UTF-8 is accepted");
  if (n >= 2 &&
      ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
    return tc__seterr(ctx, TC_EINVAL, "data",
                      "line 1: the feed is UTF-16 (byte order mark); only "
                      "UTF-8 is accepted");
  if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
    *had_bom = true;
    *data += 3;
    *len -= 3;
    s += 3;
    n -= 3;
  }
  size_t line = 1, start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] == 0)
      return tc__seterr(ctx, TC_EINVAL, "data",
                        "line %zu: NUL byte (is the feed UTF-16?); only "
                        "UTF-8 is accepted",
                        line);
    if (i == n || s[i] == '\n') {
      if (!tc__utf8_valid((const char *)s + start, i - start))
        return tc__seterr(ctx, TC_EINVAL, "data",
                          "line %zu: invalid UTF-8; the feed must be UTF-8",
                          line);
      line++;
      start = i + 1;
    }
  }
  return TC_OK;
}

/* ---- CSV -----------------------------------------------------------------
 */

#define FEED_MAX_COLS 8

typedef struct csv_field {
  const char *s; /* unquoted: into data; quoted: into scratch */
  size_t n;
} csv_field;

typedef struct csv_reader {
  const char *p, *end;
  size_t line; /* physical line of p */
  tc_buf *scratch;
} csv_reader;

/* Read one record. *nf fields (up to FEED_MAX_COLS, more counts on);
 * returns TC_OK, TC_EEMPTY at the end, or TC_EINVAL with msg filled. */
static int csv_record(csv_reader *rd, csv_field *f, size_t *nf, char *msg,
                      size_t msgsize) {
  *nf = 0;
  if (rd->p >= rd->end) return TC_EEMPTY;
  tc_buf_clear(rd->scratch);
  /* Offsets into scratch for quoted fields, fixed up at the end (scratch
   * may move while growing). */
  size_t qoff[FEED_MAX_COLS];
  bool quoted[FEED_MAX_COLS] = {false};
  for (;;) {
    size_t k = *nf;
    const char *s = rd->p;
    if (s < rd->end && *s == '"') {
      size_t off = rd->scratch->size;
      s++;
      for (;;) {
        if (s >= rd->end) {
          snprintf(msg, msgsize, "unterminated quoted field %zu", k + 1);
          return TC_EINVAL;
        }
        if (*s == '"') {
          if (s + 1 < rd->end && s[1] == '"') {
            if (tc_buf_put(rd->scratch, "\"", 1)) return TC_ENOMEM;
            s += 2;
            continue;
          }
          s++;
          break;
        }
        if (*s == '\n') rd->line++;
        if (tc_buf_put(rd->scratch, s, 1)) return TC_ENOMEM;
        s++;
      }
      if (k < FEED_MAX_COLS) {
        qoff[k] = off;
        quoted[k] = true;
        f[k].n = rd->scratch->size - off;
      }
      if (s < rd->end && *s != ',' && *s != '\n' && *s != '\r') {
        snprintf(msg, msgsize, "text after the closing quote of field %zu",
                 k + 1);
        return TC_EINVAL;
      }
    } else {
      const char *b = s;
      while (s < rd->end && *s != ',' && *s != '\n' && *s != '\r') {
        if (*s == '"') {
          snprintf(msg, msgsize, "quote inside unquoted field %zu", k + 1);
          return TC_EINVAL;
        }
        s++;
      }
      if (k < FEED_MAX_COLS) {
        f[k].s = b;
        f[k].n = (size_t)(s - b);
      }
    }
    (*nf)++;
    if (s < rd->end && *s == ',') {
      rd->p = s + 1;
      continue;
    }
    if (s < rd->end && *s == '\r') s++;
    if (s < rd->end && *s == '\n') {
      s++;
      rd->line++;
    }
    rd->p = s;
    break;
  }
  for (size_t k = 0; k < *nf && k < FEED_MAX_COLS; k++)
    if (quoted[k]) f[k].s = rd->scratch->ptr ? rd->scratch->ptr + qoff[k] : "";
  return TC_OK;
}

static bool csv_is(const csv_field *f, const char *name) {
  size_t n = strlen(name);
  if (f->n != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = f->s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  return true;
}

int tc__feed_parse_csv(tc_ctx *ctx, const char *data, size_t len,
                       const feed_limits *lim, feed_rows *out) {
  tc_buf scratch = tc__inv_buf(ctx);
  csv_reader rd = {data, data + len, 1, &scratch};
  csv_field f[FEED_MAX_COLS];
  size_t nf = 0, ncols = 0;
  char msg[160];
  int rc;
  /* Header row: required, exactly these names. */
  size_t line = rd.line;
  rc = csv_record(&rd, f, &nf, msg, sizeof(msg));
  if (rc == TC_EEMPTY) {
    rc = tc__seterr(ctx, TC_EINVAL, "data",
                    "line 1: the feed is empty; a header row "
                    "sku,warehouse,quantity[,mode] is required");
    goto out;
  }
  if (rc == TC_ENOMEM) {
    rc = tc__oom(ctx);
    goto out;
  }
  if (rc) {
    rc = tc__seterr(ctx, TC_EINVAL, "data", "line %zu: %s", line, msg);
    goto out;
  }
  if ((nf != 3 && nf != 4) || !csv_is(&f[0], "sku") ||
      !csv_is(&f[1], "warehouse") || !csv_is(&f[2], "quantity") ||
      (nf == 4 && !csv_is(&f[3], "mode"))) {
    rc = tc__seterr(ctx, TC_EINVAL, "data",
                    "line %zu: the header row must be "
                    "sku,warehouse,quantity[,mode]",
                    line);
    goto out;
  }
  ncols = nf;
  for (;;) {
    line = rd.line;
    rc = csv_record(&rd, f, &nf, msg, sizeof(msg));
    if (rc == TC_EEMPTY) {
      rc = TC_OK;
      break;
    }
    if (rc == TC_ENOMEM) {
      rc = tc__oom(ctx);
      goto out;
    }
    if (rc) { /* the structure is lost after this: never skippable */
      rc = tc__seterr(ctx, TC_EINVAL, "data", "line %zu: %s", line, msg);
      goto out;
    }
    if (nf == 1 && f[0].n == 0) continue; /* blank line */
    if (out->n >= lim->max_rows) {
      rc = tc__seterr(ctx, TC_ELIMIT, "data",
                      "line %zu: the feed has more than %zu rows (the limit)",
                      line, lim->max_rows);
      goto out;
    }
    feed_row *r;
    if ((rc = feed_rows_push(ctx, out, &r))) goto out;
    r->line = line;
    if (nf != ncols) {
      feed_fail(r, "expected %zu columns, got %zu", ncols, nf);
      continue;
    }
    feed_check_values(ctx, r, f[0].s, f[0].n, f[1].s, f[1].n, f[2].s, f[2].n,
                      true, ncols == 4 ? f[3].s : NULL, ncols == 4 ? f[3].n : 0,
                      lim->mode);
  }
out:
  tc_buf_dispose(&scratch);
  return rc;
}

/* ---- JSON ----------------------------------------------------------------
 */

static size_t feed_line_at(const char *data, const char *at) {
  size_t line = 1;
  for (const char *p = data; p < at; p++)
    if (*p == '\n') line++;
  return line;
}

int tc__feed_parse_json(tc_ctx *ctx, const char *data, size_t len,
                        const feed_limits *lim, feed_rows *out) {
  const char *end = NULL;
  cJSON *doc = cJSON_ParseWithLengthOpts(data, len, &end, false);
  if (!doc) {
    size_t line =
        end && end >= data && end <= data + len ? feed_line_at(data, end) : 1;
    return tc__seterr(ctx, TC_EINVAL, "data", "line %zu: not valid JSON", line);
  }
  int rc = TC_OK;
  if (!cJSON_IsArray(doc)) {
    rc = tc__seterr(ctx, TC_EINVAL, "data",
                    "line 1: the feed must be a JSON array of objects");
    goto out;
  }
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, doc) {
    i++;
    if (out->n >= lim->max_rows) {
      rc = tc__seterr(ctx, TC_ELIMIT, "data",
                      "item %zu: the feed has more than %zu rows (the limit)",
                      i, lim->max_rows);
      goto out;
    }
    feed_row *r;
    if ((rc = feed_rows_push(ctx, out, &r))) goto out;
    r->line = i;
    if (!cJSON_IsObject(it)) {
      feed_fail(r, "not an object");
      continue;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, it) {
      if (strcmp(m->string, "sku") && strcmp(m->string, "warehouse") &&
          strcmp(m->string, "quantity") && strcmp(m->string, "mode"))
        feed_fail(r, "unknown member '%.40s'", m->string);
    }
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(it, "sku");
    const cJSON *wh = cJSON_GetObjectItemCaseSensitive(it, "warehouse");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(it, "quantity");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(it, "mode");
    if (!q) feed_fail(r, "quantity is required");
    if (!cJSON_IsString(sku)) feed_fail(r, "sku must be a string");
    if (!cJSON_IsString(wh)) feed_fail(r, "warehouse must be a string");
    if (mode && !cJSON_IsString(mode)) feed_fail(r, "mode must be a string");
    bool qok = cJSON_IsNumber(q) && q->valuedouble >= -2e9 &&
               q->valuedouble <= 2e9 &&
               q->valuedouble == (double)(int64_t)q->valuedouble;
    if (qok) r->qty = (int64_t)q->valuedouble;
    if (r->err[0]) continue;
    const char *ms = mode ? mode->valuestring : NULL;
    char qtext[40] = "";
    if (!qok && q)
      snprintf(qtext, sizeof(qtext), "%s",
               cJSON_IsNumber(q) ? "(fraction)" : "(not a number)");
    feed_check_values(ctx, r, sku->valuestring, strlen(sku->valuestring),
                      wh->valuestring, strlen(wh->valuestring),
                      qok ? NULL : qtext, strlen(qtext), qok, ms,
                      ms ? strlen(ms) : 0, lim->mode);
  }
out:
  cJSON_Delete(doc);
  return rc;
}
