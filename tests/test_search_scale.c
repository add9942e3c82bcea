/*
 * tests/test_search_scale.c - the search index over 5,000 generated
 * products: totals, facet counts, filters, every page of a large result
 * and completions, all checked against counts known from the generator.
 * Correctness only; latency is measured by bench/search_bench.c.
 */
#include <stdio.h>

#include "search/search_priv.h"
#include "testutil.h"

#define N 5000

static tt_clock clk;
static char dir[256];
static tc_ctx *ctx;

static const char *const brands[] = {"Acme", "Zeta", "Pilão", "Três",
                                     "Melitta"};
static const char *const leaves[] = {"Cafés", "Chás", "Canecas", "Moedores"};
static const char *const leaf_ids[] = {"0190b000-0000-7000-8000-00000000000a",
                                       "0190b000-0000-7000-8000-00000000000b",
                                       "0190b000-0000-7000-8000-00000000000c",
                                       "0190b000-0000-7000-8000-00000000000d"};
#define BEBIDAS "0190b000-0000-7000-8000-0000000000b1"
#define COZINHA "0190b000-0000-7000-8000-0000000000c1"

static int64_t price_of(int i) {
  return (int64_t)(i % 200) * 100;
}

/* Product i: "cafe" in every 10th title, "chocolate" in every 7th
 * description, "produto" everywhere. */
static void put(int i) {
  char id[TC_ID_STRLEN + 1], title[96], desc[160], sku[32], attrs[96], slug[32];
  snprintf(id, sizeof(id), "0190c000-0000-7000-8000-%012d", i);
  snprintf(title, sizeof(title), "%s modelo%d %s",
           i % 10 == 0 ? "Café" : "Item", i, i % 2 ? "azul" : "vermelho");
  snprintf(desc, sizeof(desc), "produto número %d%s", i,
           i % 7 == 0 ? " com chocolate" : "");
  snprintf(sku, sizeof(sku), "SKU-%05d", i);
  snprintf(slug, sizeof(slug), "p-%d", i);
  snprintf(attrs, sizeof(attrs), "{\"brand\":\"%s\",\"size\":%d}",
           brands[i % 5], i % 3);
  int leaf = i % 4;
  const char *cat_ids[] = {leaf_ids[leaf], leaf < 2 ? BEBIDAS : COZINHA};
  const char *cat_names[] = {leaves[leaf], leaf < 2 ? "Bebidas" : "Cozinha"};
  const char *skus[] = {sku};
  tc_money prices[] = {{price_of(i), "BRL"}};
  tc_catalog_product_doc d = {0};
  d.id = id;
  d.title = title;
  d.slug = slug;
  d.description = desc;
  d.status = "published";
  d.attributes = attrs;
  d.skus = skus;
  d.sku_count = 1;
  d.category_ids = cat_ids;
  d.category_names = cat_names;
  d.category_count = 2;
  d.direct_category_count = 1;
  d.min_prices = prices;
  d.price_count = 1;
  d.created_ms = 1700000000000 + i;
  ck_assert_msg(tc__search_put_product(ctx, &d, i % 3 == 0) == TC_OK, "%s",
                tc_errmsg(ctx));
}

static void setup(void) {
  tt_clock_init(&clk, 1700000000000);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  for (int i = 0; i < N; i++) put(i);
  ck_assert_int_eq(tc__txn_end(ctx, TC_OK), TC_OK);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
}

static int64_t facet_count(const tc_search_result *r, const char *name,
                           const char *value) {
  for (size_t i = 0; i < r->facet_count; i++) {
    if (strcmp(r->facets[i].name, name) != 0) continue;
    for (size_t k = 0; k < r->facets[i].count; k++)
      if (strcmp(r->facets[i].values[k].value, value) == 0)
        return r->facets[i].values[k].count;
  }
  return 0;
}

static tc_search_result *run(tc_search_query *q) {
  tc_search_result *r = NULL;
  ck_assert_msg(tc_search_products(&r, ctx, q) == TC_OK, "%s", tc_errmsg(ctx));
  return r;
}

START_TEST(test_totals_and_facets) {
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "produto";
  q.currency = "BRL";
  q.facets = true;
  tc_search_result *r = run(&q);
  ck_assert_int_eq(r->total, N);
  ck_assert_uint_eq(r->count, 20);
  for (int b = 0; b < 5; b++)
    ck_assert_int_eq(facet_count(r, "attributes.brand", brands[b]), N / 5);
  ck_assert_int_eq(facet_count(r, "attributes.size", "0"), 1667);
  ck_assert_int_eq(facet_count(r, "category", BEBIDAS), N / 2);
  ck_assert_int_eq(facet_count(r, "category", leaf_ids[3]), N / 4);
  ck_assert_int_eq(facet_count(r, "in_stock", "true"), 1667);
  ck_assert_int_eq(facet_count(r, "in_stock", "false"), N - 1667);
  /* price i%200*100: [0,1000) 10 of 200, [1000,5000) 40, [5000,10000) 50,
   * [10000,50000) 100 */
  ck_assert_int_eq(facet_count(r, "price", "0-1000"), N / 200 * 10);
  ck_assert_int_eq(facet_count(r, "price", "1000-5000"), N / 200 * 40);
  ck_assert_int_eq(facet_count(r, "price", "5000-10000"), N / 200 * 50);
  ck_assert_int_eq(facet_count(r, "price", "10000-50000"), N / 200 * 100);
  tc_search_result_free(ctx, r);
  /* accents, title and description words */
  q.q = "CAFE";
  r = run(&q);
  ck_assert_int_eq(r->total, N / 10);
  tc_search_result_free(ctx, r);
  q.q = "chocolate";
  r = run(&q);
  ck_assert_int_eq(r->total, (N + 6) / 7);
  tc_search_result_free(ctx, r);
  q.q = "café chocolate"; /* i % 70 == 0 */
  r = run(&q);
  ck_assert_int_eq(r->total, (N + 69) / 70);
  tc_search_result_free(ctx, r);
  q.q = "modelo1234";
  r = run(&q);
  ck_assert_int_eq(r->total, 1);
  ck_assert_str_eq(r->hits[0].id, "0190c000-0000-7000-8000-000000001234");
  tc_search_result_free(ctx, r);
}
END_TEST

START_TEST(test_filters_at_scale) {
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "cafe"; /* i % 10 == 0: leaves 0 and 2 only */
  q.facets = true;
  q.category_id = BEBIDAS;
  tc_search_result *r = run(&q);
  ck_assert_int_eq(r->total, N / 20);
  tc_search_result_free(ctx, r);
  q.category_id = NULL;
  q.in_stock = true; /* i % 30 == 0 */
  r = run(&q);
  ck_assert_int_eq(r->total, (N + 29) / 30);
  tc_search_result_free(ctx, r);
  q.in_stock = false;
  q.currency = "BRL";
  q.price_min = 1000;
  q.price_max = 1900; /* i % 200 in 10..19, with i % 10 == 0: 10 only */
  r = run(&q);
  ck_assert_int_eq(r->total, N / 200);
  tc_search_result_free(ctx, r);
  q.price_min = q.price_max = -1;
  q.attr_name = "brand";
  q.attr_value = "Pilão"; /* i % 5 == 2 never meets i % 10 == 0 */
  r = run(&q);
  ck_assert_int_eq(r->total, 0);
  tc_search_result_free(ctx, r);
  q.attr_value = "Acme";
  r = run(&q);
  ck_assert_int_eq(r->total, N / 10);
  tc_search_result_free(ctx, r);
}
END_TEST

/* Walk every page of q; the ids are all distinct and there are `want`. */
static void walk(tc_search_sort sort, const char *word, int want) {
  static char seen[N][TC_ID_STRLEN + 1];
  int n = 0;
  char *cursor = NULL;
  int64_t prev = -1;
  do {
    tc_search_query q = TC_SEARCH_QUERY_INIT;
    q.q = word;
    /* relevance without any filter, the others with a currency */
    q.currency = sort == TC_SEARCH_RELEVANCE ? NULL : "BRL";
    q.sort = sort;
    q.limit = 100;
    q.cursor = cursor;
    tc_search_result *r = run(&q);
    for (size_t i = 0; i < r->count; i++) {
      ck_assert_int_lt(n, N);
      snprintf(seen[n++], TC_ID_STRLEN + 1, "%s", r->hits[i].id);
      if (sort == TC_SEARCH_PRICE_ASC) {
        ck_assert_int_ge(r->hits[i].price.amount, prev);
        prev = r->hits[i].price.amount;
      }
    }
    free(cursor);
    cursor = r->next_cursor ? strdup(r->next_cursor) : NULL;
    tc_search_result_free(ctx, r);
  } while (cursor);
  ck_assert_int_eq(n, want);
  qsort(seen, (size_t)n, sizeof(seen[0]),
        (int (*)(const void *, const void *))strcmp);
  for (int i = 1; i < n; i++) ck_assert_str_ne(seen[i - 1], seen[i]);
}

START_TEST(test_currency_keeps_order) {
  /* every product is priced in BRL, so asking for the currency (a filter
   * and a join) changes neither the rows nor their order */
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "chocolate vermelho";
  q.limit = 50;
  tc_search_result *a = run(&q);
  q.currency = "BRL";
  tc_search_result *b = run(&q);
  ck_assert_uint_eq(a->count, 50);
  ck_assert_uint_eq(a->count, b->count);
  for (size_t i = 0; i < a->count; i++) {
    ck_assert_str_eq(a->hits[i].id, b->hits[i].id);
    ck_assert(a->hits[i].score == b->hits[i].score);
  }
  tc_search_result_free(ctx, a);
  tc_search_result_free(ctx, b);
}
END_TEST

START_TEST(test_every_page) {
  walk(TC_SEARCH_RELEVANCE, "chocolate", (N + 6) / 7);
  walk(TC_SEARCH_PRICE_ASC, "produto", N);
  walk(TC_SEARCH_NEWEST, "azul", N / 2);
}
END_TEST

START_TEST(test_completions_at_scale) {
  tc_search_completions *c = NULL;
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "caf", 8), TC_OK);
  ck_assert_uint_eq(c->product_count, 8);
  /* most frequent first: "cafes" (category of every 4th), then "cafe" */
  ck_assert_uint_eq(c->word_count, 2);
  ck_assert_str_eq(c->words[0].text, "cafes");
  ck_assert_int_eq(c->words[0].count, N / 4);
  ck_assert_str_eq(c->words[1].text, "cafe");
  ck_assert_int_eq(c->words[1].count, N / 10);
  tc_search_completions_free(ctx, c);
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "modelo123", 5), TC_OK);
  ck_assert_uint_eq(c->product_count, 5);
  ck_assert_uint_eq(c->word_count, 5);
  tc_search_completions_free(ctx, c);
  tc_search_suggestion *s = NULL;
  ck_assert_int_eq(tc_search_suggest(&s, ctx, "chocolatr vermelo"), TC_OK);
  ck_assert_str_eq(s->query, "chocolate vermelho");
  tc_search_suggestion_free(ctx, s);
  /* a product removed leaves the counts */
  ck_assert_int_eq(
      tc__search_remove_product(ctx, "0190c000-0000-7000-8000-000000000000"),
      TC_OK);
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "cafe";
  q.facets = true;
  tc_search_result *r = run(&q);
  ck_assert_int_eq(r->total, N / 10 - 1);
  tc_search_result_free(ctx, r);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("search_scale");
  TCase *tc = tcase_create("5000 products");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_totals_and_facets);
  tcase_add_test(tc, test_filters_at_scale);
  tcase_add_test(tc, test_currency_keeps_order);
  tcase_add_test(tc, test_every_page);
  tcase_add_test(tc, test_completions_at_scale);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(suite());
}
