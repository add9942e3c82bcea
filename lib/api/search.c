/*
 * lib/api/search.c - the "search.*" methods of the JSON API. Handlers
 * translate JSON to the typed functions and back; every rule (query
 * checks, who sees which orders) lives in those.
 */
#include "api_internal.h"

#define F_Q(flags)                                                          \
  API_STR("q", flags, 0, 0,                                                 \
          "words to search for (at most 256 bytes, 16 words); quotes, '*' " \
          "and operators are plain text")

static const tc__field f_products[] = {
    F_Q(API_REQ),
    API_STR("category_id", API_NULL, 1, TC_ID_STRLEN,
            "only this category and its subcategories"),
    API_STR("currency", API_NULL, 3, 3,
            "prices in this currency (needed for a price range or sort)"),
    API_INT("price_min", API_NULL, 0, INT64_C(1000000000000),
            "lowest price, minor units"),
    API_INT("price_max", API_NULL, 0, INT64_C(1000000000000),
            "highest price, minor units"),
    API_BOOL("in_stock", API_NULL, "only products with stock"),
    API_STR("attr_name", API_NULL, 1, 100, "attribute filter: name (brand)"),
    API_STR("attr_value", API_NULL, 0, 255, "attribute filter: value"),
    API_STR("sort", API_NULL, 1, 16,
            "relevance (default), price_asc, price_desc, newest"),
    API_INT("limit", API_NULL, 1, TC_SEARCH_LIMIT_MAX, "page size, default 20"),
    API_STR("cursor", API_NULL, 1, 256, "next_cursor of the previous page"),
    API_BOOL("facets", API_NULL, "also count facets and the total"),
    API_END};

static const tc__field r_products[] = {
    API_ARR("hits", API_OPT, 0, 0, NULL,
            "id, title, slug, in_stock, price, score, created_ms"),
    API_STR("next_cursor", API_NULL, 0, 0, "null on the last page"),
    API_INT("total", API_NULL, 0, 0, "matches, with facets"),
    API_ARR("facets", API_OPT, 0, 0, NULL, "name, values[]"),
    API_BOOL("cached", API_OPT, "from the query cache"),
    API_END};

static const tc__field f_autocomplete[] = {
    F_Q(API_REQ),
    API_INT("limit", API_NULL, 1, 20, "completions of each kind, default 8"),
    API_END};
static const tc__field r_autocomplete[] = {
    API_ARR("products", API_OPT, 0, 0, NULL, "id, title, slug"),
    API_ARR("words", API_OPT, 0, 0, NULL, "text, count"), API_END};

static const tc__field f_suggest[] = {F_Q(API_REQ), API_END};
static const tc__field r_suggest[] = {
    API_STR("query", API_NULL, 0, 0,
            "the corrected query, null when nothing to correct"),
    API_ARR("corrections", API_OPT, 0, 0, NULL,
            "word, suggestion, distance, count"),
    API_END};

static const tc__field f_orders[] = {
    F_Q(API_OPT),
    API_STR("status", API_NULL, 1, 32, "only orders in this status"),
    API_INT("limit", API_NULL, 1, TC_SEARCH_LIMIT_MAX, "page size, default 20"),
    API_STR("cursor", API_NULL, 1, 256, "next_cursor of the previous page"),
    API_END};
static const tc__field r_orders[] = {
    API_ARR("orders", API_OPT, 0, 0, NULL,
            "id, number, customer_id, customer_name, customer_email, status, "
            "total, created_ms; newest first"),
    API_STR("next_cursor", API_NULL, 0, 0, "null on the last page"),
    API_BOOL("cached", API_OPT, "from the query cache"), API_END};

static const tc__field r_reindex[] = {
    API_INT("indexed", API_OPT, 0, 0, "products indexed"), API_END};
static const tc__field f_consume[] = {
    API_INT("max", API_NULL, 1, 10000, "events to apply at most, default 100"),
    API_END};
static const tc__field r_consume[] = {
    API_INT("applied", API_OPT, 0, 0, "events applied"), API_END};

static const char *opt_str(const cJSON *req, const char *name) {
  return tc__json_str(req, name, NULL);
}

static int h_products(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                      cJSON *resp) {
  (void)from;
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
  tc_buf b = tc__json_buf(ctx);
  rc = tc_search_result_json(&b, ctx, r);
  if (!rc) rc = tc__json_merge(ctx, resp, b.ptr, b.size);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "cached", r->cached);
  tc_buf_dispose(&b);
  tc_search_result_free(ctx, r);
  return rc;
}

static int h_autocomplete(tc_ctx *ctx, const tc__api_caller *from,
                          const cJSON *req, cJSON *resp) {
  (void)from;
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
      rc = tc__oom(ctx);
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
      rc = tc__oom(ctx);
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
  (void)from;
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
      rc = tc__oom(ctx);
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
  tc_buf b = tc__json_buf(ctx);
  rc = tc_search_order_page_json(&b, ctx, p);
  if (!rc) rc = tc__json_merge(ctx, resp, b.ptr, b.size);
  if (!rc) rc = tc__json_add_bool(ctx, resp, "cached", p->cached);
  tc_buf_dispose(&b);
  tc_search_order_page_free(ctx, p);
  return rc;
}

static int h_reindex(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)req;
  size_t n = 0;
  int rc = tc_search_reindex(ctx, from->who, &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "indexed", (int64_t)n);
}

static int h_consume(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  size_t n = 0;
  int rc = tc_search_consume(ctx, (size_t)tc__json_int(req, "max", 100), &n);
  return rc ? rc : tc__json_add_int(ctx, resp, "applied", (int64_t)n);
}

static const tc__api_method search_methods[] = {
    API_METHOD("search.products", "Search published products",
               TC__ACCESS_PUBLIC, f_products, r_products, h_products),
    API_METHOD("search.autocomplete", "Complete what a user is typing",
               TC__ACCESS_PUBLIC, f_autocomplete, r_autocomplete,
               h_autocomplete),
    API_METHOD("search.suggest", "Did you mean: corrections of misspelt words",
               TC__ACCESS_PUBLIC, f_suggest, r_suggest, h_suggest),
    API_METHOD("search.orders", "Search the orders the caller may see",
               TC__ACCESS_USER, f_orders, r_orders, h_orders),
    API_METHOD("search.reindex", "Rebuild the product index from the catalog",
               TC__ACCESS_ADMIN, NULL, r_reindex, h_reindex),
    API_METHOD("search.consume",
               "Apply pending catalog, inventory and order events",
               TC__ACCESS_SYSTEM, f_consume, r_consume, h_consume),
};

API_MODULE(tc__api_search, "search", search_methods);
