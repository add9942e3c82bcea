/*
 * examples/demo_catalog.c - the catalog part of the seed's flow: an admin
 * builds a small category tree, creates a product (its slug made from the
 * Portuguese title), adds two variants with prices, publishes it, and a
 * shopper browses the category a page at a time; a price change and the
 * refusal of an illegal transition close the walk.
 *
 * int demo_catalog(tc_ctx *ctx) prints each step and returns 0 on success.
 * The SKUs it creates (DEMO-TEE-M, DEMO-TEE-G) are what the inventory demo
 * can stock.
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

/* The demo acts as a trusted host process (an admin tool). */
static const tc_principal host = TC_PRINCIPAL_SYSTEM_INIT;

int demo_catalog(tc_ctx *ctx);

static int failed(tc_ctx *ctx, const char *what, int rc) {
  fprintf(stderr, "demo_catalog: %s failed: %s (%s)\n", what, tc_strerror(rc),
          tc_errmsg(ctx));
  return 1;
}

static int add_variant(tc_ctx *ctx, const char *product_id, const char *sku,
                       const char *options, int64_t brl) {
  tc_catalog_variant_input v = TC_CATALOG_VARIANT_INPUT_INIT;
  v.sku = sku;
  v.options = options;
  v.weight_grams = 180;
  tc_id id;
  int rc = tc_catalog_variant_add(&id, ctx, &host, product_id, &v);
  if (rc) return failed(ctx, "add variant", rc);
  tc_money price = {brl, "BRL"};
  tc_money was = {brl + 1000, "BRL"};
  rc = tc_catalog_price_set(ctx, &host, sku, &price, &was);
  if (rc) return failed(ctx, "set price", rc);
  char text[32];
  tc_money_format(text, sizeof(text), &price);
  printf("    variant %s %s at %s\n", sku, options, text);
  return 0;
}

int demo_catalog(tc_ctx *ctx) {
  printf("Catalog\n");
  tc_id moda, camisetas;
  int rc = tc_catalog_category_create(&moda, ctx, &host, NULL, "Moda");
  if (!rc)
    rc = tc_catalog_category_create(&camisetas, ctx, &host, moda.str,
                                    "Camisetas");
  if (rc) return failed(ctx, "create categories", rc);
  printf("    categories: Moda > Camisetas\n");

  const char *cats[] = {camisetas.str};
  const char *images[] = {"https://cdn.example.com/camiseta.jpg"};
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Camiseta Básica de Algodão";
  in.description = "Malha 100% algodão.";
  in.attributes = "{\"material\":\"algodão\",\"organica\":true}";
  in.images = images;
  in.image_count = 1;
  in.category_ids = cats;
  in.category_count = 1;
  tc_id pid;
  if ((rc = tc_catalog_product_create(&pid, ctx, &host, &in)))
    return failed(ctx, "create product", rc);
  tc_catalog_product *p = NULL;
  if ((rc = tc_catalog_product_get(&p, ctx, &host, pid.str)))
    return failed(ctx, "read product", rc);
  printf("    product \"%s\" created as %s, slug %s\n", p->title,
         tc_catalog_status_name(p->status), p->slug);
  tc_catalog_product_free(ctx, p);

  if (add_variant(ctx, pid.str, "DEMO-TEE-M", "{\"tamanho\":\"M\"}", 4990) ||
      add_variant(ctx, pid.str, "DEMO-TEE-G", "{\"tamanho\":\"G\"}", 5490))
    return 1;

  if ((rc = tc_catalog_product_publish(ctx, &host, pid.str, 1)))
    return failed(ctx, "publish", rc);
  printf("    published (version 1 -> 2)\n");

  /* A shopper browses the whole Moda tree. */
  tc_catalog_query q = TC_CATALOG_QUERY_INIT;
  q.category_id = moda.str;
  q.descendants = true;
  tc_catalog_page *page = NULL;
  if ((rc = tc_catalog_product_list(&page, ctx, NULL, &q)))
    return failed(ctx, "list", rc);
  printf("    public listing of Moda and below: %zu product(s)\n", page->count);
  tc_catalog_page_free(ctx, page);

  tc_money sale = {3990, "BRL"}, was = {4990, "BRL"};
  if ((rc = tc_catalog_price_set(ctx, &host, "DEMO-TEE-M", &sale, &was)))
    return failed(ctx, "price change", rc);
  printf(
      "    DEMO-TEE-M on sale: 39.90 BRL (was 49.90), "
      "catalog.price_changed published\n");

  /* A stale edit is refused: someone published since version 1. */
  tc_catalog_product_input edit = TC_CATALOG_PRODUCT_INPUT_INIT;
  edit.title = "Camiseta";
  edit.expected_version = 1;
  rc = tc_catalog_product_update(ctx, &host, pid.str, &edit);
  if (rc != TC_ECONFLICT) return failed(ctx, "stale update refusal", rc);
  printf("    stale update refused: %s\n", tc_errmsg(ctx));

  if ((rc = tc_catalog_product_archive(ctx, &host, pid.str, 0)))
    return failed(ctx, "archive", rc);
  rc = tc_catalog_product_publish(ctx, &host, pid.str, 0);
  if (rc != TC_ESTATE) return failed(ctx, "illegal transition refusal", rc);
  printf("    archived; publishing again refused: %s\n", tc_errmsg(ctx));
  if ((rc = tc_catalog_product_set_status(ctx, &host, pid.str, TC_CATALOG_DRAFT,
                                          0)) ||
      (rc = tc_catalog_product_publish(ctx, &host, pid.str, 0)))
    return failed(ctx, "restore and publish", rc);
  printf("    restored to draft and published again\n");
  return 0;
}
