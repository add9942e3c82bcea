/*
 * bench/search_bench.c - search latency over 100,000 generated products.
 *
 * Builds a product index of SEARCH_BENCH_PRODUCTS products (default
 * 100000; Portuguese-like words with accents, SKUs, categories, brands,
 * prices) in a fresh SQLite file, then measures, each as a ratio against
 * a reference run in the same process on the same file:
 *   - a product search (relevance, 20 per page, no cache) vs. the raw FTS5
 *     query with the same MATCH and bm25 ordering driven by sqlite3;
 *   - the same with facets and total vs. a raw FTS5 count of the matches;
 *   - a repeated search answered by the query cache vs. the raw FTS5 query;
 *   - what the index saves: the search vs. a LIKE '%word%' scan of titles;
 *   - autocomplete (2-4 letter prefixes) vs. the raw FTS5 prefix query;
 *   - "did you mean" for a misspelt word vs. the raw FTS5 query.
 * Usage: search_bench [QUERIES]   (default 200 per measure)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "search/search_priv.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, long n, double lib_s, double ref_s) {
  printf("%-34s %9.1f us/op  reference %9.1f us/op  ratio %6.2f\n", what,
         lib_s / (double)n * 1e6, ref_s / (double)n * 1e6, lib_s / ref_s);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

/* ---- generated text --------------------------------------------------- */

static const char *const syl[] = {
    "ca", "fé", "mo", "lei", "te", "pão", "cho", "co", "la", "ri",
    "ta", "bo", "gu", "ção", "ma", "ne",  "ro",  "sa", "vi", "du",
    "ç",  "ã",  "to", "pe",  "li", "nho", "zé",  "ba", "ce", "gra"};
#define NSYL (sizeof(syl) / sizeof(syl[0]))
#define NWORDS 6000
static char words[NWORDS][24];

static void make_words(void) {
  for (int i = 0; i < NWORDS; i++) {
    int n = 2 + (int)(next_rand() % 3);
    words[i][0] = '\0';
    for (int k = 0; k < n; k++) strcat(words[i], syl[next_rand() % NSYL]);
  }
}

/* Zipf-like pick: frequent words are frequent. */
static const char *word(void) {
  uint32_t r = next_rand() % NWORDS;
  return words[(r * (r % 7 + 1)) % NWORDS];
}

static const char *const brands[] = {"Acme",    "Pilão", "Três Corações",
                                     "Melitta", "Zeta",  "Orfeu"};

static int put(tc_ctx *ctx, int i) {
  char id[TC_ID_STRLEN + 1], title[160], desc[600], sku[32], slug[32],
      attrs[128];
  snprintf(id, sizeof(id), "0190d000-0000-7000-8000-%012d", i);
  snprintf(title, sizeof(title), "%s %s %s", word(), word(), word());
  size_t n = 0;
  desc[0] = '\0';
  for (int k = 0; k < 15; k++)
    n += (size_t)snprintf(desc + n, sizeof(desc) - n, "%s ", word());
  snprintf(sku, sizeof(sku), "SKU-%06d", i);
  snprintf(slug, sizeof(slug), "p-%d", i);
  snprintf(attrs, sizeof(attrs), "{\"brand\":\"%s\",\"peso\":%d}",
           brands[i % 6], 250 * (1 + i % 4));
  static char cat_ids[20][TC_ID_STRLEN + 1], cat_names[20][32];
  /* words are at most 23 bytes: they fit a name */
  if (!cat_ids[0][0])
    for (int c = 0; c < 20; c++) {
      snprintf(cat_ids[c], sizeof(cat_ids[c]), "0190e000-0000-7000-8000-%012d",
               c);
      memcpy(cat_names[c], words[c * 7], sizeof(cat_names[c]) - 9);
    }
  int leaf = 4 + i % 16;
  const char *ids[] = {cat_ids[leaf], cat_ids[leaf / 4 - 1]};
  const char *names[] = {cat_names[leaf], cat_names[leaf / 4 - 1]};
  const char *skus[] = {sku};
  tc_money prices[] = {{(int64_t)(next_rand() % 100000), "BRL"}};
  tc_catalog_product_doc d = {0};
  d.id = id;
  d.title = title;
  d.slug = slug;
  d.description = desc;
  d.status = "published";
  d.attributes = attrs;
  d.skus = skus;
  d.sku_count = 1;
  d.category_ids = ids;
  d.category_names = names;
  d.category_count = 2;
  d.direct_category_count = 1;
  d.min_prices = prices;
  d.price_count = 1;
  d.created_ms = 1700000000000 + i;
  return tc__search_put_product(ctx, &d, i % 3 != 0);
}

/* ---- references --------------------------------------------------------- */

static double raw_fts(sqlite3 *db, const char *sql, char **matches, long n) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  long rows = 0;
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    sqlite3_bind_text(st, 1, matches[i], -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) rows++;
    sqlite3_reset(st);
  }
  double t = now_s() - t0;
  sqlite3_finalize(st);
  return rows >= 0 ? t : t;
}

static void fail(tc_ctx *ctx, const char *what, int rc) {
  fprintf(stderr, "search_bench: %s: %s (%s)\n", what, tc_strerror(rc),
          tc_errmsg(ctx));
  exit(1);
}

static void set_cache(tc_ctx *ctx, int64_t ttl) {
  tc_search_options o = TC_SEARCH_OPTIONS_INIT;
  o.cache_ttl_ms = ttl;
  tc_search_configure(ctx, &o);
}

static double lib_search(tc_ctx *ctx, char **qs, long n, bool facets) {
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    tc_search_query q = TC_SEARCH_QUERY_INIT;
    q.q = qs[i];
    q.facets = facets;
    q.currency = facets ? "BRL" : NULL;
    tc_search_result *r = NULL;
    int rc = tc_search_products(&r, ctx, &q);
    if (rc) fail(ctx, "search", rc);
    tc_search_result_free(ctx, r);
  }
  return now_s() - t0;
}

int main(int argc, char **argv) {
  long nq = argc > 1 ? atol(argv[1]) : 200;
  if (nq < 10) nq = 10;
  const char *env = getenv("SEARCH_BENCH_PRODUCTS");
  int nprod = env ? atoi(env) : 100000;
  if (nprod < 100) nprod = 100;
  char path[] = "/tmp/tc_search_bench_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  unlink(path);
  tc_ctx *ctx = NULL;
  if (tc_ctx_open_sqlite(&ctx, path) != TC_OK) {
    fprintf(stderr, "open: %s\n", tc_last_error_message());
    return 1;
  }
  make_words();
  set_cache(ctx, -1);

  double t0 = now_s();
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  for (int i = 0; !rc && i < nprod; i++) rc = put(ctx, i);
  rc = tc__txn_end(ctx, rc);
  if (rc) fail(ctx, "indexing", rc);
  rc = tc__db_exec(ctx,
                   "INSERT INTO search_products_fts (search_products_fts)"
                   " VALUES ('optimize')",
                   NULL, 0, NULL, NULL, NULL);
  if (rc) fail(ctx, "optimize", rc);
  double build = now_s() - t0;
  printf("%d products indexed in %.1f s (%.0f products/s)\n", nprod, build,
         nprod / build);

  /* queries: one or two words of the generated vocabulary, typed with
   * accents dropped and upper case, as users do */
  char **qs = calloc((size_t)nq, sizeof(char *));
  char **match = calloc((size_t)nq, sizeof(char *));
  char **pre = calloc((size_t)nq, sizeof(char *));
  char **prem = calloc((size_t)nq, sizeof(char *));
  char **typo = calloc((size_t)nq, sizeof(char *));
  for (long i = 0; i < nq; i++) {
    const char *a = word(), *b = word();
    qs[i] = malloc(64);
    match[i] = malloc(64);
    pre[i] = malloc(16);
    prem[i] = malloc(48);
    typo[i] = malloc(32);
    if (i % 2) {
      snprintf(qs[i], 64, "%s", a);
      snprintf(match[i], 64, "\"%s\"", a);
    } else {
      snprintf(qs[i], 64, "%s %s", a, b);
      snprintf(match[i], 64, "\"%s\" \"%s\"", a, b);
    }
    size_t plen = 2 + (size_t)(i % 3);
    snprintf(pre[i], 16, "%.*s", (int)plen, "cabomarilasa" + (i * 3) % 8);
    snprintf(prem[i], 48, "{title} : (\"%s\"*)", pre[i]);
    /* a word with one letter changed */
    memcpy(typo[i], words[(i * 37) % NWORDS], 24);
    size_t tl = strlen(typo[i]);
    if (tl > 3 && (unsigned char)typo[i][tl - 1] < 0x80) typo[i][tl - 1] = 'x';
  }

  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    return 1;
  const char *ref_sql =
      "SELECT rowid, bm25(search_products_fts, 10.0, 1.5, 8.0, 3.0, 2.0)"
      " AS s FROM search_products_fts WHERE search_products_fts MATCH ?"
      " ORDER BY s LIMIT 21";
  /* warm both paths once */
  lib_search(ctx, qs, nq < 20 ? nq : 20, false);
  raw_fts(db, ref_sql, match, nq < 20 ? nq : 20);

  double lib = lib_search(ctx, qs, nq, false);
  double ref = raw_fts(db, ref_sql, match, nq);
  report("search, 20 per page", nq, lib, ref);

  double libf = lib_search(ctx, qs, nq, true);
  double reff = raw_fts(
      db,
      "SELECT count(*) FROM search_products_fts WHERE search_products_fts"
      " MATCH ?",
      match, nq);
  report("search + facets + total", nq, libf, reff);

  set_cache(ctx, 60000);
  lib_search(ctx, qs, nq, false); /* fill */
  double libc = lib_search(ctx, qs, nq, false);
  report("search answered by the cache", nq, libc, ref);
  set_cache(ctx, -1);

  /* the LIKE scan is slow: a tenth of the queries */
  long nl = nq / 10;
  char **like = calloc((size_t)nl, sizeof(char *));
  for (long i = 0; i < nl; i++) {
    like[i] = malloc(48);
    like[i][0] = '%';
    memcpy(like[i] + 1, words[(i * 13) % NWORDS], 24);
    strcat(like[i], "%");
  }
  double refl = raw_fts(
      db, "SELECT count(*) FROM search_products WHERE title LIKE ?", like, nl);
  report("search vs LIKE scan of titles", nl, lib / (double)nq * (double)nl,
         refl);

  t0 = now_s();
  for (long i = 0; i < nq; i++) {
    tc_search_completions *c = NULL;
    rc = tc_search_autocomplete(&c, ctx, pre[i], 8);
    if (rc) fail(ctx, "autocomplete", rc);
    tc_search_completions_free(ctx, c);
  }
  double liba = now_s() - t0;
  double refa = raw_fts(
      db,
      "SELECT rowid FROM search_products_fts WHERE search_products_fts"
      " MATCH ? ORDER BY bm25(search_products_fts, 10.0, 1.5, 8.0, 3.0, 2.0)"
      " LIMIT 8",
      prem, nq);
  report("autocomplete (2-4 letters)", nq, liba, refa);

  t0 = now_s();
  for (long i = 0; i < nq; i++) {
    tc_search_suggestion *s = NULL;
    rc = tc_search_suggest(&s, ctx, typo[i]);
    if (rc) fail(ctx, "suggest", rc);
    tc_search_suggestion_free(ctx, s);
  }
  double libs = now_s() - t0;
  report("did you mean (1 word)", nq, libs, ref);

  sqlite3_close(db);
  for (long i = 0; i < nq; i++) {
    free(qs[i]);
    free(match[i]);
    free(pre[i]);
    free(prem[i]);
    free(typo[i]);
  }
  for (long i = 0; i < nl; i++) free(like[i]);
  free(like);
  free(qs);
  free(match);
  free(pre);
  free(prem);
  free(typo);
  tc_ctx_free(ctx);
  char side[64];
  unlink(path);
  snprintf(side, sizeof(side), "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof(side), "%s-shm", path);
  unlink(side);
  return 0;
}
