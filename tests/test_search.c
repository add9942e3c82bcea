/*
 * tests/test_search.c - the search module: matching (accents, case),
 * ranking, autocomplete, suggestions, facets, filters, sorting, pages,
 * hostile queries, the query cache, event-driven updates, order search
 * visibility and the JSON API.
 */
#include <stdio.h>

#include "search/search_priv.h"
#include "testutil.h"

static tt_clock clk;
static char dir[256];
static tc_ctx *ctx;

static void setup(void) {
  tt_clock_init(&clk, 1700000000000);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  ck_assert_int_eq(tc_search_subscribe(ctx), TC_OK);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
}

/* ---- helpers ---------------------------------------------------------- */

static char *mk_category(const char *parent, const char *name) {
  static char ids[16][TC_ID_STRLEN + 1];
  static int next;
  tc_id id;
  ck_assert_msg(
      tc_catalog_category_create(&id, ctx, tt_sys(), parent, name) == TC_OK,
      "%s", tc_errmsg(ctx));
  char *slot = ids[next++ % 16];
  snprintf(slot, TC_ID_STRLEN + 1, "%s", id.str);
  return slot;
}

typedef struct prod {
  char id[TC_ID_STRLEN + 1];
  char sku[32];
} prod;

/* Create, price (BRL) and publish a product. */
static prod mk_product(const char *title, const char *desc, const char *sku,
                       int64_t price, const char *cat, const char *attrs) {
  prod p;
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = title;
  in.description = desc;
  in.attributes = attrs;
  const char *cats[1] = {cat};
  if (cat) {
    in.category_ids = cats;
    in.category_count = 1;
  }
  tc_id id;
  ck_assert_msg(tc_catalog_product_create(&id, ctx, tt_sys(), &in) == TC_OK,
                "%s", tc_errmsg(ctx));
  snprintf(p.id, sizeof(p.id), "%s", id.str);
  snprintf(p.sku, sizeof(p.sku), "%s", sku);
  tc_catalog_variant_input vin = TC_CATALOG_VARIANT_INPUT_INIT;
  vin.sku = sku;
  tc_id vid;
  ck_assert_msg(
      tc_catalog_variant_add(&vid, ctx, tt_sys(), p.id, &vin) == TC_OK, "%s",
      tc_errmsg(ctx));
  tc_money m = {price, "BRL"};
  ck_assert_msg(tc_catalog_price_set(ctx, tt_sys(), sku, &m, NULL) == TC_OK,
                "%s", tc_errmsg(ctx));
  ck_assert_msg(tc_catalog_product_publish(ctx, tt_sys(), p.id, 0) == TC_OK,
                "%s", tc_errmsg(ctx));
  clk.now += 1000; /* distinct creation times for "newest" */
  return p;
}

static size_t consume_all(void) {
  size_t total = 0, n = 0;
  do {
    ck_assert_msg(tc_search_consume(ctx, 100, &n) == TC_OK, "%s",
                  tc_errmsg(ctx));
    total += n;
  } while (n);
  return total;
}

static tc_search_result *search(const char *q) {
  tc_search_query sq = TC_SEARCH_QUERY_INIT;
  sq.q = q;
  tc_search_result *r = NULL;
  int rc = tc_search_products(&r, ctx, &sq);
  ck_assert_msg(rc == TC_OK, "search '%s': %s", q, tc_errmsg(ctx));
  return r;
}

static bool has_id(const tc_search_result *r, const char *id) {
  for (size_t i = 0; i < r->count; i++)
    if (strcmp(r->hits[i].id, id) == 0) return true;
  return false;
}

static size_t count_of(const char *q) {
  tc_search_result *r = search(q);
  size_t n = r->count;
  tc_search_result_free(ctx, r);
  return n;
}

static const tc_search_facet *facet(const tc_search_result *r,
                                    const char *name) {
  for (size_t i = 0; i < r->facet_count; i++)
    if (strcmp(r->facets[i].name, name) == 0) return &r->facets[i];
  return NULL;
}

static int64_t facet_count(const tc_search_facet *f, const char *value) {
  for (size_t i = 0; f && i < f->count; i++)
    if (strcmp(f->values[i].value, value) == 0) return f->values[i].count;
  return 0;
}

/* ---- matching and ranking ---------------------------------------------- */

START_TEST(test_accents_and_case) {
  prod a =
      mk_product("Café Especial", "grãos torrados", "CAF-1", 2990, NULL, NULL);
  prod b =
      mk_product("Caneca", "Para CAFÉ com leite", "CAN-1", 1500, NULL, NULL);
  mk_product("Chá verde", "folhas", "CHA-1", 990, NULL, NULL);
  consume_all();
  const char *qs[] = {"cafe", "CAFÉ", "café", "Cafe", "CAFE"};
  for (size_t i = 0; i < 5; i++) {
    tc_search_result *r = search(qs[i]);
    ck_assert_msg(r->count == 2, "%s: %zu hits", qs[i], r->count);
    ck_assert(has_id(r, a.id) && has_id(r, b.id));
    tc_search_result_free(ctx, r);
  }
  /* accents in the index and in the query: "graos", "GRÃOS" */
  ck_assert_uint_eq(count_of("graos"), 1);
  ck_assert_uint_eq(count_of("GRÃOS torrados"), 1);
  ck_assert_uint_eq(count_of("cha"), 1);
  /* SKUs are searchable */
  ck_assert_uint_eq(count_of("CAN-1"), 1);
}
END_TEST

START_TEST(test_title_beats_description) {
  prod d = mk_product("Caneca grande", "ótima para chocolate quente", "CAN-2",
                      1000, NULL, NULL);
  prod t = mk_product("Chocolate amargo", "barra de 100 g", "CHO-1", 1200, NULL,
                      NULL);
  consume_all();
  tc_search_result *r = search("chocolate");
  ck_assert_uint_eq(r->count, 2);
  ck_assert_str_eq(r->hits[0].id, t.id);
  ck_assert_str_eq(r->hits[1].id, d.id);
  ck_assert(r->hits[0].score > r->hits[1].score);
  tc_search_result_free(ctx, r);
}
END_TEST

/* ---- autocomplete and suggestions ---------------------------------------- */

START_TEST(test_autocomplete) {
  prod a = mk_product("Café Especial", "grãos", "P-1", 2990, NULL, NULL);
  mk_product("Cafeteira italiana", "alumínio", "P-2", 8990, NULL, NULL);
  mk_product("Chocolate", "cacau", "P-3", 1200, NULL, NULL);
  consume_all();
  tc_search_completions *c = NULL;
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "caf", 5), TC_OK);
  ck_assert_uint_eq(c->product_count, 2);
  ck_assert_uint_eq(c->word_count, 2); /* cafe, cafeteira */
  bool saw_cafe = false;
  for (size_t i = 0; i < c->word_count; i++) {
    ck_assert_ptr_null(c->words[i].product_id);
    if (!strcmp(c->words[i].text, "cafe")) saw_cafe = true;
    ck_assert_int_eq(c->words[i].count, 1);
  }
  ck_assert(saw_cafe);
  tc_search_completions_free(ctx, c);
  /* accents in the prefix; earlier words must match whole */
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "CAFÉ esp", 5), TC_OK);
  ck_assert_uint_eq(c->product_count, 1);
  ck_assert_str_eq(c->products[0].product_id, a.id);
  ck_assert_str_eq(c->products[0].text, "Café Especial");
  ck_assert_uint_eq(c->word_count, 1);
  ck_assert_str_eq(c->words[0].text, "cafe especial");
  tc_search_completions_free(ctx, c);
  /* one letter: nothing yet, not an error */
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "c", 5), TC_OK);
  ck_assert_uint_eq(c->product_count + c->word_count, 0);
  tc_search_completions_free(ctx, c);
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "", 5), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "q");
  ck_assert_ptr_null(c);
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "ca", 21), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "limit");
}
END_TEST

START_TEST(test_distance) {
  ck_assert_int_eq(srch_distance("chocolate", "chocolate", 2), 0);
  ck_assert_int_eq(srch_distance("chocolat", "chocolate", 2), 1);
  ck_assert_int_eq(srch_distance("hcocolate", "chocolate", 2), 1); /* swap */
  ck_assert_int_eq(srch_distance("chcolatr", "chocolate", 2), 2);
  ck_assert_int_eq(srch_distance("chxxxlate", "chocolate", 2), 3);
  ck_assert_int_eq(srch_distance("pão", "pao", 2), 1);
  ck_assert_int_eq(srch_distance("", "abc", 5), 3);
}
END_TEST

static tc_search_suggestion *suggest(const char *q) {
  tc_search_suggestion *s = NULL;
  ck_assert_msg(tc_search_suggest(&s, ctx, q) == TC_OK, "%s", tc_errmsg(ctx));
  return s;
}

START_TEST(test_suggestions) {
  mk_product("Chocolate amargo", "cacau", "CHO-1", 1200, NULL, NULL);
  mk_product("Chocolate ao leite", "cacau", "CHO-2", 1200, NULL, NULL);
  mk_product("Chocolatier", "curso", "CUR-1", 9900, NULL, NULL);
  mk_product("Café Especial", "grãos", "CAF-1", 2990, NULL, NULL);
  consume_all();
  /* one edit */
  tc_search_suggestion *s = suggest("chocolat amargo");
  ck_assert_uint_eq(s->count, 1);
  ck_assert_str_eq(s->corrections[0].word, "chocolat");
  ck_assert_str_eq(s->corrections[0].suggestion, "chocolate");
  ck_assert_int_eq(s->corrections[0].distance, 1);
  ck_assert_int_eq(s->corrections[0].count, 2);
  ck_assert_str_eq(s->query, "chocolate amargo");
  tc_search_suggestion_free(ctx, s);
  /* two edits, first two letters swapped */
  s = suggest("hcocolatr");
  ck_assert_uint_eq(s->count, 1);
  ck_assert_str_eq(s->corrections[0].suggestion, "chocolate");
  ck_assert_int_eq(s->corrections[0].distance, 2);
  tc_search_suggestion_free(ctx, s);
  /* three edits: nothing proposed */
  s = suggest("chxxxlate");
  ck_assert_uint_eq(s->count, 0);
  ck_assert_ptr_null(s->query);
  tc_search_suggestion_free(ctx, s);
  /* short word: one edit allowed; correct words (any accent) untouched */
  s = suggest("CAFÉ cafw");
  ck_assert_uint_eq(s->count, 1);
  ck_assert_str_eq(s->corrections[0].word, "cafw");
  ck_assert_str_eq(s->corrections[0].suggestion, "cafe");
  ck_assert_str_eq(s->query, "cafe cafe");
  tc_search_suggestion_free(ctx, s);
  s = suggest("chocolate");
  ck_assert_uint_eq(s->count, 0);
  tc_search_suggestion_free(ctx, s);
  ck_assert_int_eq(tc_search_suggest(&s, ctx, "\"*\""), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "q");
}
END_TEST

/* ---- facets, filters, sorting, pages ------------------------------------- */

typedef struct shop {
  char *drinks, *coffee, *tea;
  prod p[5];
} shop;

/* Five "kit" products: coffee (child of drinks) x2, tea x2, none x1. */
static shop mk_shop(void) {
  shop s;
  s.drinks = mk_category(NULL, "Bebidas");
  s.coffee = mk_category(s.drinks, "Cafés");
  s.tea = mk_category(s.drinks, "Chás");
  s.p[0] = mk_product("Kit café", "moído", "K-1", 900, s.coffee,
                      "{\"brand\":\"Acme\",\"cor\":\"preto\"}");
  s.p[1] = mk_product("Kit café premium", "grãos", "K-2", 12000, s.coffee,
                      "{\"brand\":\"Acme\",\"cor\":\"azul\"}");
  s.p[2] = mk_product("Kit chá", "ervas", "K-3", 4500, s.tea,
                      "{\"brand\":\"Zeta\",\"cor\":\"preto\"}");
  s.p[3] = mk_product("Kit chá gelado", "limão", "K-4", 7000, s.tea,
                      "{\"brand\":\"Acme\"}");
  s.p[4] = mk_product("Kit caneca", "louça", "K-5", 2500, NULL, "{}");
  return s;
}

START_TEST(test_facets) {
  shop s = mk_shop();
  consume_all();
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "kit";
  q.currency = "BRL";
  q.facets = true;
  tc_search_result *r = NULL;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_int_eq(r->total, 5);
  const tc_search_facet *c = facet(r, "category");
  ck_assert_int_eq(facet_count(c, s.drinks), 4);
  ck_assert_int_eq(facet_count(c, s.coffee), 2);
  ck_assert_int_eq(facet_count(c, s.tea), 2);
  ck_assert_str_eq(c->values[0].value, s.drinks); /* most frequent first */
  ck_assert_str_eq(c->values[0].label, "Bebidas");
  const tc_search_facet *p = facet(r, "price");
  ck_assert_int_eq(facet_count(p, "0-1000"), 1);
  ck_assert_int_eq(facet_count(p, "1000-5000"), 2);
  ck_assert_int_eq(facet_count(p, "5000-10000"), 1);
  ck_assert_int_eq(facet_count(p, "10000-50000"), 1);
  ck_assert_int_eq(facet_count(p, "100000-"), 0);
  ck_assert_int_eq(facet_count(facet(r, "in_stock"), "false"), 5);
  ck_assert_int_eq(facet_count(facet(r, "attributes.brand"), "Acme"), 3);
  ck_assert_int_eq(facet_count(facet(r, "attributes.brand"), "Zeta"), 1);
  ck_assert_int_eq(facet_count(facet(r, "attributes.cor"), "preto"), 2);
  tc_search_result_free(ctx, r);
  /* facets follow the filters */
  q.category_id = s.tea;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_int_eq(r->total, 2);
  ck_assert_int_eq(facet_count(facet(r, "attributes.brand"), "Acme"), 1);
  tc_search_result_free(ctx, r);
}
END_TEST

static size_t filtered(tc_search_query *q) {
  tc_search_result *r = NULL;
  ck_assert_msg(tc_search_products(&r, ctx, q) == TC_OK, "%s", tc_errmsg(ctx));
  size_t n = r->count;
  tc_search_result_free(ctx, r);
  return n;
}

START_TEST(test_filters) {
  shop s = mk_shop();
  consume_all();
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "kit";
  q.category_id = s.drinks; /* parent: its subcategories count */
  ck_assert_uint_eq(filtered(&q), 4);
  q.category_id = s.coffee;
  ck_assert_uint_eq(filtered(&q), 2);
  q.category_id = NULL;
  q.currency = "BRL";
  q.price_min = 2500;
  q.price_max = 7000;
  ck_assert_uint_eq(filtered(&q), 3);
  q.price_min = q.price_max = -1;
  q.currency = "USD"; /* nothing priced in dollars */
  ck_assert_uint_eq(filtered(&q), 0);
  q.currency = NULL;
  q.attr_name = "brand";
  q.attr_value = "Zeta";
  ck_assert_uint_eq(filtered(&q), 1);
  q.attr_name = q.attr_value = NULL;
  /* stock comes from the inventory, through its events */
  q.in_stock = true;
  ck_assert_uint_eq(filtered(&q), 0);
  ck_assert_int_eq(
      tc_inventory_warehouse_create(ctx, tt_sys(), "SP", "São Paulo", 1, 1),
      TC_OK);
  ck_assert_int_eq(tc_inventory_adjust(NULL, ctx, tt_sys(), "K-3", "SP", 5,
                                       TC_STOCK_RECEIPT, "test", NULL),
                   TC_OK);
  ck_assert_uint_ge(consume_all(), 1);
  tc_search_result *r = NULL;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_uint_eq(r->count, 1);
  ck_assert_str_eq(r->hits[0].id, s.p[2].id);
  ck_assert(r->hits[0].in_stock);
  tc_search_result_free(ctx, r);
  /* and leaves when it is gone */
  ck_assert_int_eq(tc_inventory_adjust(NULL, ctx, tt_sys(), "K-3", "SP", -5,
                                       TC_STOCK_ADJUSTMENT, "test", NULL),
                   TC_OK);
  consume_all();
  ck_assert_uint_eq(filtered(&q), 0);
  /* bad filters name their field */
  tc_search_query b = TC_SEARCH_QUERY_INIT;
  b.q = "kit";
  b.price_min = 10;
  ck_assert_int_eq(tc_search_products(&r, ctx, &b), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "currency");
  b.currency = "XYZ";
  ck_assert_int_eq(tc_search_products(&r, ctx, &b), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "currency");
  b.currency = "BRL";
  b.price_max = 5;
  ck_assert_int_eq(tc_search_products(&r, ctx, &b), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "price_max");
  b.price_max = -1;
  b.limit = 101;
  ck_assert_int_eq(tc_search_products(&r, ctx, &b), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "limit");
  b.limit = 0;
  b.sort = TC_SEARCH_PRICE_ASC;
  b.currency = NULL;
  b.price_min = -1;
  ck_assert_int_eq(tc_search_products(&r, ctx, &b), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "currency");
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_sorting) {
  shop s = mk_shop();
  consume_all();
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "kit";
  q.currency = "BRL";
  q.sort = TC_SEARCH_PRICE_ASC;
  tc_search_result *r = NULL;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_uint_eq(r->count, 5);
  for (size_t i = 1; i < r->count; i++)
    ck_assert_int_le(r->hits[i - 1].price.amount, r->hits[i].price.amount);
  ck_assert_str_eq(r->hits[0].id, s.p[0].id);
  ck_assert(r->hits[0].has_price);
  ck_assert_str_eq(r->hits[0].price.currency, "BRL");
  tc_search_result_free(ctx, r);
  q.sort = TC_SEARCH_PRICE_DESC;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_str_eq(r->hits[0].id, s.p[1].id);
  for (size_t i = 1; i < r->count; i++)
    ck_assert_int_ge(r->hits[i - 1].price.amount, r->hits[i].price.amount);
  tc_search_result_free(ctx, r);
  q.sort = TC_SEARCH_NEWEST;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_str_eq(r->hits[0].id, s.p[4].id);
  ck_assert_str_eq(r->hits[4].id, s.p[0].id);
  tc_search_result_free(ctx, r);
}
END_TEST

START_TEST(test_pages_without_duplicates) {
  char title[64], sku[16];
  for (int i = 0; i < 23; i++) {
    snprintf(title, sizeof(title), "Xícara modelo %d", i);
    snprintf(sku, sizeof(sku), "X-%d", i);
    /* prices repeat so ties are broken by id */
    mk_product(title, i % 2 ? "porcelana" : "xícara de porcelana", sku,
               100 * (i % 4), NULL, NULL);
  }
  consume_all();
  tc_search_sort sorts[] = {TC_SEARCH_RELEVANCE, TC_SEARCH_PRICE_ASC,
                            TC_SEARCH_PRICE_DESC, TC_SEARCH_NEWEST};
  for (size_t k = 0; k < 4; k++) {
    char seen[32][TC_ID_STRLEN + 1];
    size_t n = 0, pages = 0;
    char *cursor = NULL;
    do {
      tc_search_query q = TC_SEARCH_QUERY_INIT;
      q.q = "xicara";
      q.currency = "BRL";
      q.sort = sorts[k];
      q.limit = 5;
      q.cursor = cursor;
      tc_search_result *r = NULL;
      ck_assert_msg(tc_search_products(&r, ctx, &q) == TC_OK, "%s",
                    tc_errmsg(ctx));
      for (size_t i = 0; i < r->count; i++) {
        for (size_t j = 0; j < n; j++)
          ck_assert_msg(strcmp(seen[j], r->hits[i].id) != 0,
                        "duplicate in sort %zu", k);
        ck_assert_uint_lt(n, 32);
        snprintf(seen[n++], TC_ID_STRLEN + 1, "%s", r->hits[i].id);
      }
      free(cursor);
      cursor = r->next_cursor ? strdup(r->next_cursor) : NULL;
      pages++;
      tc_search_result_free(ctx, r);
    } while (cursor);
    ck_assert_uint_eq(n, 23);
    ck_assert_uint_eq(pages, 5);
  }
  /* a cursor of one sort is refused by another; garbage is refused */
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "xicara";
  q.limit = 5;
  tc_search_result *r = NULL;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  char *c = strdup(r->next_cursor);
  tc_search_result_free(ctx, r);
  q.sort = TC_SEARCH_NEWEST;
  q.cursor = c;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "cursor");
  free(c);
  const char *bad[] = {"", "x", "!!!!", "cnwxfDB8MHw", "bnwxfDB8YWJj"};
  for (size_t i = 0; i < 5; i++) {
    q.cursor = bad[i];
    ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_EINVAL);
    ck_assert_str_eq(tc_errfield(ctx), "cursor");
  }
}
END_TEST

/* ---- hostile queries ------------------------------------------------------
 */

START_TEST(test_hostile_queries) {
  mk_product("Café \"Especial\" (moído)", "100% arábica * AND NEAR", "CAF-1",
             2990, NULL, NULL);
  consume_all();
  char huge[400], many[200] = "";
  memset(huge, 'a', sizeof(huge) - 1);
  huge[sizeof(huge) - 1] = '\0';
  for (int i = 0; i < 17; i++) strcat(many, "cafe ");
  const char *qs[] = {"",
                      "   ",
                      "\"",
                      "\"cafe",
                      "cafe\"",
                      "\"\"\"\"",
                      "*",
                      "caf*",
                      "* cafe",
                      "NEAR(cafe moido)",
                      "NEAR",
                      "cafe NEAR/2 moido",
                      "cafe AND moido",
                      "cafe OR",
                      "OR",
                      "NOT cafe",
                      "AND",
                      "(((",
                      "cafe)",
                      "(cafe",
                      ")",
                      "title:cafe",
                      "{title description}: cafe",
                      "^cafe",
                      "-cafe",
                      "+cafe",
                      "cafe:",
                      "'; DROP TABLE search_products; --",
                      "\\",
                      "%_%",
                      "café \x01\x02",
                      "\xff\xfe",
                      "caf\xc3",
                      "💥 café 💥",
                      "—",
                      huge,
                      many};
  size_t n = sizeof(qs) / sizeof(qs[0]);
  size_t found = 0, refused = 0;
  for (size_t i = 0; i < n; i++) {
    tc_search_query q = TC_SEARCH_QUERY_INIT;
    q.q = qs[i];
    q.facets = true;
    tc_search_result *r = NULL;
    int rc = tc_search_products(&r, ctx, &q);
    ck_assert_msg(
        rc == TC_OK || (rc == TC_EINVAL && strcmp(tc_errfield(ctx), "q") == 0),
        "query %zu: %s (%s)", i, tc_strerror(rc), tc_errmsg(ctx));
    if (rc == TC_OK) {
      found += r->count;
      tc_search_result_free(ctx, r);
    } else {
      refused++;
      ck_assert_ptr_null(strstr(tc_errmsg(ctx), "sqlite"));
      ck_assert_ptr_null(strstr(tc_errmsg(ctx), "fts5"));
    }
    /* the same text through autocomplete and suggestions */
    tc_search_completions *c = NULL;
    rc = tc_search_autocomplete(&c, ctx, qs[i], 5);
    ck_assert_msg(
        rc == TC_OK || (rc == TC_EINVAL && strcmp(tc_errfield(ctx), "q") == 0),
        "autocomplete %zu: %s", i, tc_errmsg(ctx));
    tc_search_completions_free(ctx, c);
    tc_search_suggestion *s = NULL;
    rc = tc_search_suggest(&s, ctx, qs[i]);
    ck_assert_msg(
        rc == TC_OK || (rc == TC_EINVAL && strcmp(tc_errfield(ctx), "q") == 0),
        "suggest %zu: %s", i, tc_errmsg(ctx));
    tc_search_suggestion_free(ctx, s);
  }
  ck_assert_uint_gt(found, 0);
  ck_assert_uint_gt(refused, 0);
  /* operators and punctuation are searched as text */
  ck_assert_uint_eq(count_of("\"especial\""), 1);
  ck_assert_uint_eq(count_of("(moído)"), 1);
  ck_assert_uint_eq(count_of("arabica AND near"), 1);
  ck_assert_uint_eq(count_of("cafe OR chá"), 0); /* "or", "cha" are words */
  /* limits are stated */
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = huge;
  tc_search_result *r = NULL;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "256"));
  q.q = many;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "16 words"));
  /* the index is intact */
  ck_assert_uint_eq(count_of("cafe"), 1);
}
END_TEST

/* ---- cache and events ------------------------------------------------------
 */

START_TEST(test_cache_hit_and_invalidation) {
  prod a = mk_product("Café Especial", "grãos", "CAF-1", 2990, NULL, NULL);
  consume_all();
  tc_search_stats s0, s1, s2;
  ck_assert_int_eq(tc_search_stats_get(ctx, &s0), TC_OK);
  tc_search_result *r = search("cafe");
  ck_assert(!r->cached);
  tc_search_result_free(ctx, r);
  r = search("CAFÉ"); /* the same normalised query */
  ck_assert(r->cached);
  ck_assert_uint_eq(r->count, 1);
  ck_assert_str_eq(r->hits[0].title, "Café Especial");
  tc_search_result_free(ctx, r);
  ck_assert_int_eq(tc_search_stats_get(ctx, &s1), TC_OK);
  ck_assert_uint_eq(s1.index_queries - s0.index_queries, 1);
  ck_assert_uint_eq(s1.cache_hits - s0.cache_hits, 1);
  /* a product change reaches the index through its event */
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Café Especial Torra Escura";
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), a.id, &in), TC_OK);
  ck_assert_uint_eq(consume_all(), 1);
  r = search("cafe");
  ck_assert(!r->cached);
  ck_assert_str_eq(r->hits[0].title, "Café Especial Torra Escura");
  tc_search_result_free(ctx, r);
  ck_assert_int_eq(tc_search_stats_get(ctx, &s2), TC_OK);
  ck_assert_uint_eq(s2.index_queries - s1.index_queries, 1);
  /* the TTL ends a cached entry too */
  r = search("cafe");
  ck_assert(r->cached);
  tc_search_result_free(ctx, r);
  clk.now += 31000;
  r = search("cafe");
  ck_assert(!r->cached);
  tc_search_result_free(ctx, r);
  /* caching can be switched off */
  tc_search_options o = TC_SEARCH_OPTIONS_INIT;
  o.cache_ttl_ms = -1;
  ck_assert_int_eq(tc_search_configure(ctx, &o), TC_OK);
  r = search("cafe");
  tc_search_result_free(ctx, r);
  r = search("cafe");
  ck_assert(!r->cached);
  tc_search_result_free(ctx, r);
  o.price_edge_count = 2;
  o.price_edges[0] = 10;
  o.price_edges[1] = 5;
  ck_assert_int_eq(tc_search_configure(ctx, &o), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "price_edges");
}
END_TEST

START_TEST(test_archived_disappears) {
  prod a = mk_product("Moedor manual", "aço", "MOE-1", 15000, NULL, NULL);
  prod b = mk_product("Moedor elétrico", "aço", "MOE-2", 25000, NULL, NULL);
  consume_all();
  ck_assert_uint_eq(count_of("moedor"), 2);
  ck_assert_int_eq(tc_catalog_product_archive(ctx, tt_sys(), a.id, 0), TC_OK);
  ck_assert_uint_eq(consume_all(), 1);
  tc_search_result *r = search("moedor");
  ck_assert_uint_eq(r->count, 1);
  ck_assert_str_eq(r->hits[0].id, b.id);
  tc_search_result_free(ctx, r);
  /* gone from completions and suggestions' vocabulary too */
  tc_search_completions *c = NULL;
  ck_assert_int_eq(tc_search_autocomplete(&c, ctx, "moedor man", 5), TC_OK);
  ck_assert_uint_eq(c->product_count, 0);
  ck_assert_uint_eq(c->word_count, 0);
  tc_search_completions_free(ctx, c);
  /* unpublish hides, publish again shows */
  ck_assert_int_eq(
      tc_catalog_product_set_status(ctx, tt_sys(), b.id, TC_CATALOG_DRAFT, 0),
      TC_OK);
  consume_all();
  ck_assert_uint_eq(count_of("moedor"), 0);
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), b.id, 0), TC_OK);
  consume_all();
  ck_assert_uint_eq(count_of("moedor"), 1);
  /* a full reindex gives the same */
  size_t n = 0;
  ck_assert_int_eq(tc_search_reindex(ctx, tt_sys(), &n), TC_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_uint_eq(count_of("moedor"), 1);
  ck_assert_uint_eq(count_of("manual"), 0);
}
END_TEST

START_TEST(test_category_and_price_events) {
  char *cat = mk_category(NULL, "Utensílios");
  prod a = mk_product("Coador", "papel", "COA-1", 500, cat, NULL);
  consume_all();
  ck_assert_uint_eq(count_of("utensilios"), 1);
  ck_assert_int_eq(tc_catalog_category_rename(ctx, tt_sys(), cat, "Acessórios"),
                   TC_OK);
  consume_all();
  ck_assert_uint_eq(count_of("utensilios"), 0);
  ck_assert_uint_eq(count_of("acessorios"), 1);
  tc_money m = {700, "BRL"};
  ck_assert_int_eq(tc_catalog_price_set(ctx, tt_sys(), "COA-1", &m, NULL),
                   TC_OK);
  consume_all();
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = "coador";
  q.currency = "BRL";
  tc_search_result *r = NULL;
  ck_assert_int_eq(tc_search_products(&r, ctx, &q), TC_OK);
  ck_assert_uint_eq(r->count, 1);
  ck_assert_str_eq(r->hits[0].id, a.id);
  ck_assert_int_eq(r->hits[0].price.amount, 700);
  tc_search_result_free(ctx, r);
}
END_TEST

/* ---- orders ------------------------------------------------------------- */

#define ALICE "0190a000-0000-7000-8000-00000000a11c"
#define BOB "0190a000-0000-7000-8000-000000000b0b"

static void index_order(const char *id, const char *number,
                        const char *customer, const char *name, const char *sku,
                        int64_t created) {
  const char *skus[] = {sku};
  tc__order_doc d = {0};
  d.id = id;
  d.number = number;
  d.customer_id = customer;
  d.customer_name = name;
  d.customer_email = "x@example.com";
  d.status = "paid";
  d.skus = skus;
  d.sku_count = 1;
  d.total = (tc_money){4990, "BRL"};
  d.created_ms = created;
  d.updated_ms = created;
  ck_assert_msg(tc__search_index_order(ctx, &d) == TC_OK, "%s", tc_errmsg(ctx));
}

static tc_search_order_page *orders(const tc_principal *who, const char *q) {
  tc_search_order_query sq = TC_SEARCH_ORDER_QUERY_INIT;
  sq.q = q;
  tc_search_order_page *p = NULL;
  ck_assert_msg(tc_search_orders(&p, ctx, who, &sq) == TC_OK, "%s",
                tc_errmsg(ctx));
  return p;
}

START_TEST(test_order_visibility) {
  index_order("0190a000-0000-7000-8000-000000000001", "TC-2024-000001", ALICE,
              "Alice Souza", "CAF-1", 1000);
  index_order("0190a000-0000-7000-8000-000000000002", "TC-2024-000002", ALICE,
              "Alice Souza", "CHA-1", 2000);
  index_order("0190a000-0000-7000-8000-000000000003", "TC-2024-000003", BOB,
              "Bob Lima", "CAF-1", 3000);
  tc_principal alice = tt_user(ALICE, TC_ROLE_CUSTOMER);
  tc_principal bob = tt_user(BOB, TC_ROLE_CUSTOMER);
  tc_principal support =
      tt_user("0190a000-0000-7000-8000-00000000555f", TC_ROLE_SUPPORT);
  tc_principal sys = tt_system();
  tc_search_order_page *p = orders(&alice, "CAF-1");
  ck_assert_uint_eq(p->count, 1);
  ck_assert_str_eq(p->hits[0].number, "TC-2024-000001");
  tc_search_order_page_free(ctx, p);
  p = orders(&alice, NULL);
  ck_assert_uint_eq(p->count, 2);
  ck_assert_str_eq(p->hits[0].number, "TC-2024-000002"); /* newest first */
  tc_search_order_page_free(ctx, p);
  p = orders(&bob, "alice");
  ck_assert_uint_eq(p->count, 0); /* not even a hint of Alice's orders */
  tc_search_order_page_free(ctx, p);
  p = orders(&support, "CAF-1");
  ck_assert_uint_eq(p->count, 2);
  tc_search_order_page_free(ctx, p);
  p = orders(&sys, "souza");
  ck_assert_uint_eq(p->count, 2);
  tc_search_order_page_free(ctx, p);
  p = orders(&support, "TC-2024-000003");
  ck_assert_uint_eq(p->count, 1);
  ck_assert_str_eq(p->hits[0].customer_id, BOB);
  ck_assert_int_eq(p->hits[0].total.amount, 4990);
  tc_search_order_page_free(ctx, p);
  /* the same query of two customers never shares a cache entry */
  p = orders(&alice, NULL);
  tc_search_order_page_free(ctx, p);
  p = orders(&bob, NULL);
  ck_assert(!p->cached);
  ck_assert_uint_eq(p->count, 1);
  tc_search_order_page_free(ctx, p);
  tc_principal anon = TC_PRINCIPAL_INIT;
  tc_search_order_query q = TC_SEARCH_ORDER_QUERY_INIT;
  ck_assert_int_eq(tc_search_orders(&p, ctx, &anon, &q), TC_EUNAUTHENTICATED);
  ck_assert_int_eq(tc_search_orders(&p, ctx, NULL, &q), TC_EUNAUTHENTICATED);
  ck_assert_ptr_null(p);
  /* pages */
  q.limit = 2;
  ck_assert_int_eq(tc_search_orders(&p, ctx, &sys, &q), TC_OK);
  ck_assert_uint_eq(p->count, 2);
  ck_assert_ptr_nonnull(p->next_cursor);
  q.cursor = p->next_cursor;
  tc_search_order_page *p2 = NULL;
  ck_assert_int_eq(tc_search_orders(&p2, ctx, &sys, &q), TC_OK);
  ck_assert_uint_eq(p2->count, 1);
  ck_assert_str_eq(p2->hits[0].number, "TC-2024-000001");
  ck_assert_ptr_null(p2->next_cursor);
  tc_search_order_page_free(ctx, p2);
  tc_search_order_page_free(ctx, p);
  /* a bad document is refused naming the field */
  tc__order_doc d = {0};
  d.id = "not-an-id";
  ck_assert_int_eq(tc__search_index_order(ctx, &d), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "id");
  ck_assert_int_eq(
      tc__search_remove_order(ctx, "0190a000-0000-7000-8000-000000000003"),
      TC_OK);
  p = orders(&sys, NULL);
  ck_assert_uint_eq(p->count, 2);
  tc_search_order_page_free(ctx, p);
}
END_TEST

START_TEST(test_order_events) {
  const char *created =
      "{\"order\":{\"id\":\"0190a000-0000-7000-8000-000000000009\","
      "\"number\":\"TC-2024-000009\",\"customer_id\":\"" ALICE
      "\","
      "\"customer_name\":\"Alice Souza\",\"customer_email\":"
      "\"alice@example.com\",\"status\":\"pending\","
      "\"total\":{\"amount\":12990,\"currency\":\"BRL\"},"
      "\"lines\":[{\"sku\":\"MOE-1\",\"qty\":1}],\"created_ms\":5000}}";
  ck_assert_int_eq(
      tc_events_publish(ctx, "orders.created", NULL, created, NULL), TC_OK);
  ck_assert_uint_eq(consume_all(), 1);
  tc_principal alice = tt_user(ALICE, TC_ROLE_CUSTOMER);
  tc_search_order_page *p = orders(&alice, "moe-1");
  ck_assert_uint_eq(p->count, 1);
  ck_assert_str_eq(p->hits[0].status, "pending");
  ck_assert_int_eq(p->hits[0].total.amount, 12990);
  tc_search_order_page_free(ctx, p);
  ck_assert_int_eq(tc_events_publish(ctx, "orders.paid", NULL,
                                     "{\"order_id\":\"0190a000-0000-7000-8000-"
                                     "000000000009\",\"status\":\"paid\"}",
                                     NULL),
                   TC_OK);
  consume_all();
  p = orders(&alice, "paid");
  ck_assert_uint_eq(p->count, 1);
  ck_assert_str_eq(p->hits[0].status, "paid");
  tc_search_order_page_free(ctx, p);
  ck_assert_int_eq(tc_events_publish(ctx, "orders.erased", NULL,
                                     "{\"order_id\":\"0190a000-0000-7000-"
                                     "8000-000000000009\"}",
                                     NULL),
                   TC_OK);
  consume_all();
  p = orders(&alice, NULL);
  ck_assert_uint_eq(p->count, 0);
  tc_search_order_page_free(ctx, p);
  /* the orders module's own payload: flat, total beside currency */
  const char *flat =
      "{\"order_id\":\"0190a000-0000-7000-8000-00000000000a\","
      "\"number\":\"TC-2024-000010\",\"customer_id\":\"" BOB
      "\","
      "\"customer_name\":\"\",\"customer_email\":\"\","
      "\"status\":\"paid\",\"from\":\"awaiting_payment\","
      "\"currency\":\"BRL\",\"subtotal\":1000,\"total\":1500,"
      "\"refunded\":0,\"item_count\":1,\"skus\":[\"CHA-9\"],"
      "\"payment_id\":\"\",\"tracking\":\"\",\"actor\":\"system\","
      "\"reason\":\"\",\"created_ms\":7000,\"updated_ms\":7000}";
  ck_assert_int_eq(tc_events_publish(ctx, "orders.paid", NULL, flat, NULL),
                   TC_OK);
  ck_assert_uint_eq(consume_all(), 1);
  tc_principal bob = tt_user(BOB, TC_ROLE_CUSTOMER);
  p = orders(&bob, "cha-9");
  ck_assert_uint_eq(p->count, 1);
  ck_assert_str_eq(p->hits[0].number, "TC-2024-000010");
  ck_assert_int_eq(p->hits[0].total.amount, 1500);
  ck_assert_str_eq(p->hits[0].total.currency, "BRL");
  tc_search_order_page_free(ctx, p);
  /* a broken event is given back, not applied, and the rest go on */
  ck_assert_int_eq(
      tc_events_publish(ctx, "orders.created", NULL, "{\"order\":{}}", NULL),
      TC_OK);
  size_t n = 9;
  ck_assert_int_eq(tc_search_consume(ctx, 10, &n), TC_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tc_search_consume(ctx, 0, &n), TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "max");
}
END_TEST

/* ---- JSON API --------------------------------------------------------------
 */

static int call(const tc_principal *who, const char *method, const char *req,
                char **out) {
  return tt_call(ctx, who, method, req, out);
}

START_TEST(test_json_api) {
  mk_product("Café Especial", "grãos", "CAF-1", 2990, NULL,
             "{\"brand\":\"Acme\"}");
  tc_principal anon = TC_PRINCIPAL_INIT;
  tc_principal sys = tt_system();
  tc_principal cust = tt_user(ALICE, TC_ROLE_CUSTOMER);
  tc_principal admin = tt_user(BOB, TC_ROLE_ADMIN);
  char *out = NULL;
  ck_assert_int_eq(call(&sys, "search.consume", "{\"max\":50}", &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"applied\":"));
  free(out);
  ck_assert_int_eq(call(&anon, "search.products",
                        "{\"q\":\"CAFE\",\"currency\":\"BRL\","
                        "\"facets\":true,\"sort\":\"price_asc\"}",
                        &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"title\":\"Café Especial\""));
  ck_assert_ptr_nonnull(strstr(out, "\"amount\":2990"));
  ck_assert_ptr_nonnull(strstr(out, "\"total\":1"));
  ck_assert_ptr_nonnull(strstr(out, "\"cached\":false"));
  free(out);
  ck_assert_int_eq(call(&anon, "search.products",
                        "{\"q\":\"CAFE\",\"currency\":\"BRL\","
                        "\"facets\":true,\"sort\":\"price_asc\"}",
                        &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"cached\":true"));
  free(out);
  ck_assert_int_eq(
      call(&anon, "search.products", "{\"q\":\"cafe\",\"limit\":0}", &out),
      TC_EINVAL);
  ck_assert_ptr_nonnull(strstr(out, "limit"));
  free(out);
  ck_assert_int_eq(call(&anon, "search.products", "{\"q\":\"(\"}", &out),
                   TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "q");
  free(out);
  ck_assert_int_eq(
      call(&anon, "search.products", "{\"q\":\"x\",\"sort\":\"best\"}", &out),
      TC_EINVAL);
  ck_assert_str_eq(tc_errfield(ctx), "sort");
  free(out);
  ck_assert_int_eq(call(&anon, "search.autocomplete", "{\"q\":\"caf\"}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"text\":\"cafe\""));
  free(out);
  ck_assert_int_eq(call(&anon, "search.suggest", "{\"q\":\"cafw\"}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"query\":\"cafe\""));
  free(out);
  index_order("0190a000-0000-7000-8000-000000000001", "TC-1", ALICE, "Alice",
              "CAF-1", 1);
  index_order("0190a000-0000-7000-8000-000000000002", "TC-2", BOB, "Bob",
              "CAF-1", 2);
  ck_assert_int_eq(call(&cust, "search.orders", "{\"q\":\"caf-1\"}", &out),
                   TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"number\":\"TC-1\""));
  ck_assert_ptr_null(strstr(out, "TC-2"));
  free(out);
  ck_assert_int_eq(call(&admin, "search.orders", "{}", &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "TC-2"));
  free(out);
  ck_assert_int_eq(call(&anon, "search.orders", "{}", &out),
                   TC_EUNAUTHENTICATED);
  free(out);
  ck_assert_int_eq(call(&cust, "search.reindex", "{}", &out), TC_EDENIED);
  free(out);
  ck_assert_int_eq(call(&admin, "search.reindex", "{}", &out), TC_OK);
  ck_assert_ptr_nonnull(strstr(out, "\"indexed\":1"));
  free(out);
  ck_assert_int_eq(call(&admin, "search.consume", "{}", &out), TC_EDENIED);
  free(out);
  ck_assert_int_eq(
      call(&anon, "search.products", "{\"q\":\"cafe\",\"bogus\":1}", &out),
      TC_EINVAL);
  free(out);
}
END_TEST

START_TEST(test_fold) {
  char out[64];
  srch_fold(out, sizeof(out), "AÇÃO Pão ÉÈÊË ñ Ø ß Œ ŁÓDŹ");
  ck_assert_str_eq(out, "acao pao eeee n ø ß œ łodz");
  srch_terms t;
  ck_assert_int_eq(srch_tokenize(ctx, "q", "  Olá, \"mundo\"*(x) ", false, &t),
                   TC_OK);
  ck_assert_uint_eq(t.n, 3);
  ck_assert_str_eq(t.raw[0], "Olá");
  ck_assert_str_eq(t.fold[0], "ola");
  char m[128];
  ck_assert_int_eq(srch_match(m, sizeof(m), &t, true, "title"), TC_OK);
  ck_assert_str_eq(m, "{title} : (\"Olá\" \"mundo\" \"x\"*)");
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("search");
  TCase *tc = tcase_create("search");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_fold);
  tcase_add_test(tc, test_distance);
  tcase_add_test(tc, test_accents_and_case);
  tcase_add_test(tc, test_title_beats_description);
  tcase_add_test(tc, test_autocomplete);
  tcase_add_test(tc, test_suggestions);
  tcase_add_test(tc, test_facets);
  tcase_add_test(tc, test_filters);
  tcase_add_test(tc, test_sorting);
  tcase_add_test(tc, test_pages_without_duplicates);
  tcase_add_test(tc, test_hostile_queries);
  tcase_add_test(tc, test_cache_hit_and_invalidation);
  tcase_add_test(tc, test_archived_disappears);
  tcase_add_test(tc, test_category_and_price_events);
  tcase_add_test(tc, test_order_visibility);
  tcase_add_test(tc, test_order_events);
  tcase_add_test(tc, test_json_api);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(suite());
}
