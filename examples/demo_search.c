/*
 * examples/demo_search.c - the search part of the seed's flow: the index
 * follows the catalog through its events; a customer searches (accents
 * optional), the same query again comes from the cache, a product change
 * reaches the next search, autocomplete and "did you mean" help while
 * typing, and an archived product disappears.
 *
 * int demo_search(tc_ctx *ctx) prints each step and returns 0 on success.
 * It indexes whatever the catalog already holds (a reindex) and adds two
 * products of its own.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

int demo_search(tc_ctx *ctx);

static int failed(tc_ctx *ctx, const char *what, int rc) {
  fprintf(stderr, "demo_search: %s failed: %s (%s)\n", what, tc_strerror(rc),
          tc_errmsg(ctx));
  return 1;
}

static int add_product(tc_ctx *ctx, const char *title, const char *desc,
                       const char *sku, int64_t cents, tc_id *id) {
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = title;
  in.description = desc;
  in.attributes = "{\"brand\":\"Fazenda Boa Vista\"}";
  int rc = tc_catalog_product_create(id, ctx, &host, &in);
  tc_catalog_variant_input v = TC_CATALOG_VARIANT_INPUT_INIT;
  v.sku = sku;
  tc_id vid;
  tc_money price = {cents, "BRL"};
  if (!rc) rc = tc_catalog_variant_add(&vid, ctx, &host, id->str, &v);
  if (!rc) rc = tc_catalog_price_set(ctx, &host, sku, &price, NULL);
  if (!rc) rc = tc_catalog_product_publish(ctx, &host, id->str, 0);
  return rc;
}

static int show(tc_ctx *ctx, const char *q) {
  tc_search_query sq = TC_SEARCH_QUERY_INIT;
  sq.q = q;
  sq.currency = "BRL";
  sq.facets = true;
  tc_search_result *r = NULL;
  tc_search_stats before, after;
  tc_search_stats_get(ctx, &before);
  int rc = tc_search_products(&r, ctx, &sq);
  if (rc) return failed(ctx, "search", rc);
  tc_search_stats_get(ctx, &after);
  printf("    \"%s\": %lld found, %s (index queries so far: %llu)\n", q,
         (long long)r->total, r->cached ? "from the cache" : "from the index",
         (unsigned long long)after.index_queries);
  for (size_t i = 0; i < r->count && i < 5; i++) {
    char price[32] = "no BRL price";
    if (r->hits[i].has_price)
      tc_money_format(price, sizeof(price), &r->hits[i].price);
    printf("      %zu. %s  %s  score %.3g\n", i + 1, r->hits[i].title, price,
           r->hits[i].score);
  }
  tc_search_result_free(ctx, r);
  return 0;
}

static int consume(tc_ctx *ctx) {
  size_t n = 0, total = 0;
  do {
    int rc = tc_search_consume(ctx, 100, &n);
    if (rc) return failed(ctx, "consume", rc);
    total += n;
  } while (n);
  printf("    consumer \"search\" applied %zu event(s)\n", total);
  return 0;
}

int demo_search(tc_ctx *ctx) {
  int rc;
  size_t n = 0;
  printf(
      "\n[search] The index subscribes to catalog, inventory and order "
      "events and is rebuilt from the catalog\n");
  if ((rc = tc_search_subscribe(ctx))) return failed(ctx, "subscribe", rc);
  if ((rc = tc_search_reindex(ctx, &host, &n)))
    return failed(ctx, "reindex", rc);
  printf("    %zu published product(s) indexed\n", n);

  printf(
      "\n[search] Two products are published; their events reach the "
      "index\n");
  tc_id cafe, grinder;
  if ((rc = add_product(ctx, "Café Especial Torrado",
                        "Grãos arábica do "
                        "cerrado mineiro",
                        "DEMO-CAFE-1", 3490, &cafe)) ||
      (rc = add_product(ctx, "Moedor de café manual",
                        "Cerâmica, regulagem de "
                        "moagem",
                        "DEMO-MOE-1", 12900, &grinder)))
    return failed(ctx, "catalog", rc);
  if (consume(ctx)) return 1;

  printf(
      "\n[search] A customer types without accents, then repeats the "
      "query\n");
  if (show(ctx, "cafe") || show(ctx, "CAFÉ")) return 1;

  printf("\n[search] Hostile text is only ever searched as words\n");
  tc_search_query hq = TC_SEARCH_QUERY_INIT;
  hq.q = "cafe\" OR NEAR(*) )";
  tc_search_result *hr = NULL;
  rc = tc_search_products(&hr, ctx, &hq);
  printf("    %s -> %s (%zu found)\n", hq.q, tc_status_name(rc),
         hr ? hr->count : 0);
  tc_search_result_free(ctx, hr);
  hq.q = "((((";
  rc = tc_search_products(&hr, ctx, &hq);
  printf("    %s -> %s: %s\n", hq.q, tc_status_name(rc), tc_errmsg(ctx));

  printf("\n[search] The product is renamed; the next search sees it\n");
  tc_catalog_product_input up = TC_CATALOG_PRODUCT_INPUT_INIT;
  up.title = "Café Especial Torra Média";
  if ((rc = tc_catalog_product_update(ctx, &host, cafe.str, &up)))
    return failed(ctx, "update", rc);
  if (consume(ctx) || show(ctx, "cafe")) return 1;

  printf(
      "\n[search] Autocomplete while typing \"moe\", and did you mean "
      "\"cafe moedr\"\n");
  tc_search_completions *c = NULL;
  if ((rc = tc_search_autocomplete(&c, ctx, "moe", 5)))
    return failed(ctx, "autocomplete", rc);
  for (size_t i = 0; i < c->product_count; i++)
    printf("    product: %s\n", c->products[i].text);
  for (size_t i = 0; i < c->word_count; i++)
    printf("    word: %s (%lld)\n", c->words[i].text,
           (long long)c->words[i].count);
  tc_search_completions_free(ctx, c);
  tc_search_suggestion *s = NULL;
  if ((rc = tc_search_suggest(&s, ctx, "cafe moedr")))
    return failed(ctx, "suggest", rc);
  printf("    did you mean: %s\n", s->query ? s->query : "(nothing)");
  tc_search_suggestion_free(ctx, s);

  printf("\n[search] The grinder is archived; after its event it is gone\n");
  if ((rc = tc_catalog_product_archive(ctx, &host, grinder.str, 0)))
    return failed(ctx, "archive", rc);
  if (consume(ctx) || show(ctx, "moedor")) return 1;
  return 0;
}
