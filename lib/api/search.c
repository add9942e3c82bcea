/*
 * lib/search/api.c - the "search.*" methods of the JSON API. Handlers
 * translate JSON to the typed functions and back; every rule (query
 * checks, who sees which orders) lives in those.
 */
#include "api_internal.h"
#include "search/search_priv.h" /* TODO(wall): public API only */

#define F_END \
  { NULL, 0, 0, 0, 0, NULL, NULL, NULL }
#define F_Q(flags)                                                            \
  {                                                                           \
    "q", TC__F_STRING, flags, 0, 0, NULL, NULL,                               \
        "words to search for (at most 256 bytes, 16 words); quotes, '*' and " \
        "operators are plain text"                                            \
  }

static const tc__field f_products[] = {
    F_Q(TC__F_REQUIRED),
    {"category_id", TC__F_STRING, TC__F_NULLABLE, 1, TC_ID_STRLEN, NULL, NULL,
     "only this category and its subcategories"},
    {"currency", TC__F_STRING, TC__F_NULLABLE, 3, 3, NULL, NULL,
     "prices in this currency (needed for a price range or sort)"},
    {"price_min", TC__F_INT, TC__F_NULLABLE, 0, INT64_C(1000000000000), NULL,
     NULL, "lowest price, minor units"},
    {"price_max", TC__F_INT, TC__F_NULLABLE, 0, INT64_C(1000000000000), NULL,
     NULL, "highest price, minor units"},
    {"in_stock", TC__F_BOOL, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "only products with stock"},
    {"attr_name", TC__F_STRING, TC__F_NULLABLE, 1, 100, NULL, NULL,
     "attribute filter: name (brand)"},
    {"attr_value", TC__F_STRING, TC__F_NULLABLE, 0, 255, NULL, NULL,
     "attribute filter: value"},
    {"sort", TC__F_STRING, TC__F_NULLABLE, 1, 16, NULL, NULL,
     "relevance (default), price_asc, price_desc, newest"},
    {"limit", TC__F_INT, TC__F_NULLABLE, 1, TC_SEARCH_LIMIT_MAX, NULL, NULL,
     "page size, default 20"},
    {"cursor", TC__F_STRING, TC__F_NULLABLE, 1, 256, NULL, NULL,
     "next_cursor of the previous page"},
    {"facets", TC__F_BOOL, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "also count facets and the total"},
    F_END};

static const tc__field r_products[] = {
    {"hits", TC__F_ARRAY, 0, 0, 0, NULL, NULL,
     "id, title, slug, in_stock, price, score, created_ms"},
    {"next_cursor", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "null on the last page"},
    {"total", TC__F_INT, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "matches, with facets"},
    {"facets", TC__F_ARRAY, 0, 0, 0, NULL, NULL, "name, values[]"},
    {"cached", TC__F_BOOL, 0, 0, 0, NULL, NULL, "from the query cache"},
    F_END};

static const tc__field f_autocomplete[] = {
    F_Q(TC__F_REQUIRED),
    {"limit", TC__F_INT, TC__F_NULLABLE, 1, 20, NULL, NULL,
     "completions of each kind, default 8"},
    F_END};
static const tc__field r_autocomplete[] = {
    {"products", TC__F_ARRAY, 0, 0, 0, NULL, NULL, "id, title, slug"},
    {"words", TC__F_ARRAY, 0, 0, 0, NULL, NULL, "text, count"},
    F_END};

static const tc__field f_suggest[] = {F_Q(TC__F_REQUIRED), F_END};
static const tc__field r_suggest[] = {
    {"query", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "the corrected query, null when nothing to correct"},
    {"corrections", TC__F_ARRAY, 0, 0, 0, NULL, NULL,
     "word, suggestion, distance, count"},
    F_END};

static const tc__field f_orders[] = {
    F_Q(0),
    {"status", TC__F_STRING, TC__F_NULLABLE, 1, 32, NULL, NULL,
     "only orders in this status"},
    {"limit", TC__F_INT, TC__F_NULLABLE, 1, TC_SEARCH_LIMIT_MAX, NULL, NULL,
     "page size, default 20"},
    {"cursor", TC__F_STRING, TC__F_NULLABLE, 1, 256, NULL, NULL,
     "next_cursor of the previous page"},
    F_END};
static const tc__field r_orders[] = {
    {"orders", TC__F_ARRAY, 0, 0, 0, NULL, NULL,
     "id, number, customer_id, customer_name, customer_email, status, total, "
     "created_ms; newest first"},
    {"next_cursor", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "null on the last page"},
    {"cached", TC__F_BOOL, 0, 0, 0, NULL, NULL, "from the query cache"},
    F_END};

static const tc__field r_reindex[] = {
    {"indexed", TC__F_INT, 0, 0, 0, NULL, NULL, "products indexed"}, F_END};
static const tc__field f_consume[] = {
    {"max", TC__F_INT, TC__F_NULLABLE, 1, 10000, NULL, NULL,
     "events to apply at most, default 100"},
    F_END};
static const tc__field r_consume[] = {
    {"applied", TC__F_INT, 0, 0, 0, NULL, NULL, "events applied"}, F_END};

static const char *opt_str(const cJSON *req, const char *name) {
  return tc__json_str(req, name, NULL);
}

static int h_products(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_search_query q = TC_SEARCH_QUERY_INIT;
  q.q = opt_str(req, "q");
  q.category_id = opt_str(req, "category_id");
  q.currency = opt_str(req, "currency");
  q.price_min = tc__json_int(req, "price_min", -1);
  q.price_max = tc__json_int(req, "price_max", -1);
  q.in_stock = tc__json_bool(req, "in_stock", false);
  q.attr_name = opt_str(req, "attr_name");
  q.attr_value = opt_str(req, "attr_value");
  const char *sort = opt_str(req, "sort");
  if (sort && tc_search_sort_parse(&q.sort, sort) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "sort",
                      "sort must be relevance, price_asc, price_desc or "
                      "newest");
  q.limit = (uint32_t)tc__json_int(req, "limit", 0);
  q.cursor = opt_str(req, "cursor");
  q.facets = tc__json_bool(req, "facets", false);
  tc_search_result *r = NULL;
  int rc = tc_search_products(&r, ctx, &q);
  if (rc) return rc;
  rc = srch_result_to_json(ctx, r, resp);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "cached", r->cached);
  tc_search_result_free(ctx, r);
  return rc;
}

static int h_autocomplete(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_search_completions *c = NULL;
  int rc = tc_search_autocomplete(&c, ctx, opt_str(req, "q"),
                                  (uint32_t)tc__json_int(req, "limit", 0));
  if (rc) return rc;
  cJSON *prods = tc__json_add_array(ctx, resp, "products");
  cJSON *words = prods ? tc__json_add_array(ctx, resp, "words") : NULL;
  rc = words ? TC_OK : TC_ENOMEM;
  for (size_t i = 0; !rc && i < c->product_count; i++) {
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(prods, o)) {
      cJSON_Delete(o);
      rc = srch_oom(ctx);
      break;
    }
    if ((rc = tc__json_add_str(ctx, o, "id", c->products[i].product_id)) ||
        (rc = tc__json_add_str(ctx, o, "title", c->products[i].text)))
      break;
    rc = tc__json_add_str(ctx, o, "slug", c->products[i].slug);
  }
  for (size_t i = 0; !rc && i < c->word_count; i++) {
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(words, o)) {
      cJSON_Delete(o);
      rc = srch_oom(ctx);
      break;
    }
    if (!(rc = tc__json_add_str(ctx, o, "text", c->words[i].text)))
      rc = tc__json_add_int(ctx, o, "count", c->words[i].count);
  }
  tc_search_completions_free(ctx, c);
  return rc;
}

static int h_suggest(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_search_suggestion *s = NULL;
  int rc = tc_search_suggest(&s, ctx, opt_str(req, "q"));
  if (rc) return rc;
  rc = s->query ? tc__json_add_str(ctx, resp, "query", s->query)
                : tc__json_add_null(ctx, resp, "query");
  cJSON *arr = rc ? NULL : tc__json_add_array(ctx, resp, "corrections");
  if (!rc && !arr) rc = TC_ENOMEM;
  for (size_t i = 0; !rc && i < s->count; i++) {
    const tc_search_correction *c = &s->corrections[i];
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o)) {
      cJSON_Delete(o);
      rc = srch_oom(ctx);
      break;
    }
    if ((rc = tc__json_add_str(ctx, o, "word", c->word)) ||
        (rc = tc__json_add_str(ctx, o, "suggestion", c->suggestion)) ||
        (rc = tc__json_add_int(ctx, o, "distance", c->distance)))
      break;
    rc = tc__json_add_int(ctx, o, "count", c->count);
  }
  tc_search_suggestion_free(ctx, s);
  return rc;
}

static int h_orders(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  tc_search_order_query q = TC_SEARCH_ORDER_QUERY_INIT;
  q.q = opt_str(req, "q");
  q.status = opt_str(req, "status");
  q.limit = (uint32_t)tc__json_int(req, "limit", 0);
  q.cursor = opt_str(req, "cursor");
  tc_search_order_page *p = NULL;
  int rc = tc_search_orders(&p, ctx, who, &q);
  if (rc) return rc;
  rc = srch_orders_to_json(ctx, p, resp);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "cached", p->cached);
  tc_search_order_page_free(ctx, p);
  return rc;
}

static int h_reindex(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  (void)req;
  size_t n = 0;
  int rc = tc_search_reindex(ctx, &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "indexed", (int64_t)n);
}

static int h_consume(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  size_t n = 0;
  int rc = tc_search_consume(ctx, (size_t)tc__json_int(req, "max", 100), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "applied", (int64_t)n);
}

static const tc__api_method search_methods[] = {
    {"search.products", "Search published products", TC__ACCESS_PUBLIC,
     f_products, r_products, h_products},
    {"search.autocomplete", "Complete what a user is typing", TC__ACCESS_PUBLIC,
     f_autocomplete, r_autocomplete, h_autocomplete},
    {"search.suggest", "Did you mean: corrections of misspelt words",
     TC__ACCESS_PUBLIC, f_suggest, r_suggest, h_suggest},
    {"search.orders", "Search the orders the caller may see", TC__ACCESS_USER,
     f_orders, r_orders, h_orders},
    {"search.reindex", "Rebuild the product index from the catalog",
     TC__ACCESS_ADMIN, NULL, r_reindex, h_reindex},
    {"search.consume", "Apply pending catalog, inventory and order events",
     TC__ACCESS_SYSTEM, f_consume, r_consume, h_consume},
};

const tc__api_module tc__api_search = {
    "search", search_methods,
    sizeof(search_methods) / sizeof(search_methods[0])};
