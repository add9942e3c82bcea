/*
 * lib/api/catalog.c - the "catalog.*" methods of the JSON API. Handlers
 * only translate JSON to the typed functions and back: every rule lives
 * in those, who may see drafts and who may write included (see
 * techcorp/catalog.h).
 */
#include "api_internal.h"
/* ---- JSON out ---------------------------------------------------------------
 */

static cJSON *parsed_or_empty(const char *text) {
  cJSON *o = text ? cJSON_Parse(text) : NULL;
  return o ? o : cJSON_CreateObject();
}

static bool add_item(cJSON *obj, const char *name, cJSON *item) {
  if (!item) return false;
  if (!cJSON_AddItemToObject(obj, name, item)) {
    cJSON_Delete(item);
    return false;
  }
  return true;
}

static bool push(cJSON *arr, cJSON *item) {
  if (!item) return false;
  if (!cJSON_AddItemToArray(arr, item)) {
    cJSON_Delete(item);
    return false;
  }
  return true;
}

static cJSON *variant_json(const tc_catalog_variant *v) {
  cJSON *o = cJSON_CreateObject();
  cJSON *prices = cJSON_CreateArray();
  bool ok = o && prices && cJSON_AddStringToObject(o, "id", v->id) &&
            cJSON_AddStringToObject(o, "sku", v->sku) &&
            add_item(o, "options", parsed_or_empty(v->options)) &&
            cJSON_AddBoolToObject(o, "active", v->active) &&
            (v->weight_grams >= 0
                 ? cJSON_AddNumberToObject(o, "weight_grams",
                                           (double)v->weight_grams) != NULL
                 : cJSON_AddNullToObject(o, "weight_grams") != NULL) &&
            cJSON_AddNumberToObject(o, "version", (double)v->version);
  for (size_t i = 0; ok && i < v->price_count; i++) {
    const tc_catalog_price *pr = &v->prices[i];
    cJSON *po = cJSON_CreateObject();
    ok = push(prices, po) &&
         cJSON_AddStringToObject(po, "currency", pr->price.currency) &&
         cJSON_AddNumberToObject(po, "amount", (double)pr->price.amount) &&
         (pr->has_compare_at
              ? cJSON_AddNumberToObject(po, "compare_at",
                                        (double)pr->compare_at.amount) != NULL
              : cJSON_AddNullToObject(po, "compare_at") != NULL);
  }
  if (ok && add_item(o, "prices", prices)) return o;
  if (!ok) cJSON_Delete(prices);
  cJSON_Delete(o);
  return NULL;
}

static cJSON *product_json(const tc_catalog_product *p, bool detail) {
  cJSON *o = cJSON_CreateObject();
  cJSON *images = cJSON_CreateArray();
  bool ok =
      o && images && cJSON_AddStringToObject(o, "id", p->id) &&
      cJSON_AddStringToObject(o, "slug", p->slug) &&
      cJSON_AddStringToObject(o, "title", p->title) &&
      cJSON_AddStringToObject(o, "description", p->description) &&
      cJSON_AddStringToObject(o, "status", tc_catalog_status_name(p->status)) &&
      add_item(o, "attributes", parsed_or_empty(p->attributes));
  for (size_t i = 0; ok && i < p->image_count; i++)
    ok = push(images, cJSON_CreateString(p->images[i]));
  if (ok)
    ok = add_item(o, "images", images);
  else
    cJSON_Delete(images);
  ok = ok && cJSON_AddNumberToObject(o, "version", (double)p->version) &&
       cJSON_AddNumberToObject(o, "created_ms", (double)p->created_ms) &&
       cJSON_AddNumberToObject(o, "updated_ms", (double)p->updated_ms);
  if (ok && detail) {
    cJSON *cats = cJSON_AddArrayToObject(o, "category_ids");
    cJSON *vars = cJSON_AddArrayToObject(o, "variants");
    ok = cats && vars;
    for (size_t i = 0; ok && i < p->category_count; i++)
      ok = push(cats, cJSON_CreateString(p->category_ids[i].str));
    for (size_t i = 0; ok && i < p->variant_count; i++)
      ok = push(vars, variant_json(&p->variants[i]));
  }
  if (ok) return o;
  cJSON_Delete(o);
  return NULL;
}

/* Read product id_or_slug as who sees it and put it in resp as "product". */
static int respond_product(tc_ctx *ctx, const tc_principal *who,
                           const char *id_or_slug, cJSON *resp) {
  tc_catalog_product *p = NULL;
  int rc = tc_catalog_product_get(&p, ctx, who, id_or_slug);
  if (rc) return rc;
  bool ok = add_item(resp, "product", product_json(p, true));
  tc_catalog_product_free(ctx, p);
  return ok ? TC_OK : tc__oom(ctx);
}

/* ---- JSON in ----------------------------------------------------------------
 */

/* The text of an object member (cJSON_free), NULL when absent. */
static int member_text(tc_ctx *ctx, const cJSON *req, const char *name,
                       char **out) {
  *out = NULL;
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(req, name);
  if (!it || cJSON_IsNull(it)) return TC_OK;
  *out = cJSON_PrintUnformatted(it);
  return *out ? TC_OK : tc__oom(ctx);
}

/* Borrowed string pointers of an array member; *present false when absent. */
static int string_array(tc_ctx *ctx, const cJSON *req, const char *name,
                        const char ***out, size_t *n, bool *present) {
  *out = NULL;
  *n = 0;
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(req, name);
  *present = arr && cJSON_IsArray(arr);
  if (!*present) return TC_OK;
  size_t count = (size_t)cJSON_GetArraySize(arr);
  *out = tc__calloc(ctx, count ? count : 1, sizeof(char *));
  if (!*out) return tc__oom(ctx);
  for (const cJSON *it = arr->child; it; it = it->next)
    (*out)[(*n)++] = cJSON_IsString(it) ? it->valuestring : "";
  return TC_OK;
}

/* ---- products
 * ----------------------------------------------------------------- */

static int product_write(tc_ctx *ctx, const tc_principal *who, const cJSON *req,
                         cJSON *resp, bool create) {
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = tc__json_str(req, "title", NULL);
  in.slug = tc__json_str(req, "slug", NULL);
  in.description = tc__json_str(req, "description", NULL);
  in.expected_version = tc__json_int(req, "expected_version", 0);
  char *attrs = NULL;
  const char **images = NULL, **cats = NULL;
  bool has_images, has_cats;
  int rc = member_text(ctx, req, "attributes", &attrs);
  if (!rc)
    rc =
        string_array(ctx, req, "images", &images, &in.image_count, &has_images);
  if (!rc)
    rc = string_array(ctx, req, "category_ids", &cats, &in.category_count,
                      &has_cats);
  in.attributes = attrs;
  in.images = has_images ? images : NULL;
  in.category_ids = has_cats ? cats : NULL;
  tc_id id;
  const char *target = tc__json_str(req, "id", "");
  if (!rc) {
    if (create) {
      rc = tc_catalog_product_create(&id, ctx, who, &in);
      target = id.str;
    } else {
      rc = tc_catalog_product_update(ctx, who, target, &in);
    }
  }
  cJSON_free(attrs);
  tc__free(ctx, images);
  tc__free(ctx, cats);
  return rc ? rc : respond_product(ctx, who, target, resp);
}

static int h_create_product(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  return product_write(ctx, from->who, req, resp, true);
}

static int h_update_product(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  return product_write(ctx, from->who, req, resp, false);
}

static int status_call(tc_ctx *ctx, const tc_principal *who, const cJSON *req,
                       cJSON *resp, tc_catalog_status to) {
  const char *id = tc__json_str(req, "id", "");
  int rc = tc_catalog_product_set_status(
      ctx, who, id, to, tc__json_int(req, "expected_version", 0));
  return rc ? rc : respond_product(ctx, who, id, resp);
}

static int h_publish_product(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  return status_call(ctx, from->who, req, resp, TC_CATALOG_PUBLISHED);
}

static int h_archive_product(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  return status_call(ctx, from->who, req, resp, TC_CATALOG_ARCHIVED);
}

static int h_set_product_status(tc_ctx *ctx, const tc__api_caller *from,
                                const cJSON *req, cJSON *resp) {
  tc_catalog_status to;
  if (tc_catalog_status_parse(&to, tc__json_str(req, "status", "")) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "status",
                      "status must be draft, published or archived");
  return status_call(ctx, from->who, req, resp, to);
}

static int h_get_product(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = tc__json_str(req, "id", NULL);
  const char *slug = tc__json_str(req, "slug", NULL);
  if (!id == !slug)
    return tc__seterr(ctx, TC_EINVAL, "id", "give exactly one of id or slug");
  if (id && tc_id_check(id) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "id", "id is not a valid id");
  if (slug && tc_catalog_slug_check(slug) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "slug", "slug is not a valid slug");
  return respond_product(ctx, who, id ? id : slug, resp);
}

static int h_list_products(tc_ctx *ctx, const tc__api_caller *from,
                           const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_catalog_query q = TC_CATALOG_QUERY_INIT;
  const char *status = tc__json_str(req, "status", NULL);
  if (status) {
    tc_catalog_status st;
    if (tc_catalog_status_parse(&st, status) != TC_OK)
      return tc__seterr(ctx, TC_EINVAL, "status",
                        "status must be draft, published or archived");
    q.status = (int)st;
  }
  const char *order = tc__json_str(req, "order", "created");
  if (strcmp(order, "title") == 0)
    q.order = TC_CATALOG_ORDER_TITLE;
  else if (strcmp(order, "created") != 0)
    return tc__seterr(ctx, TC_EINVAL, "order",
                      "order must be \"created\" or \"title\"");
  q.category_id = tc__json_str(req, "category_id", NULL);
  q.descendants = tc__json_bool(req, "descendants", false);
  q.prefix = tc__json_str(req, "prefix", NULL);
  q.currency = tc__json_str(req, "currency", NULL);
  q.price_min = tc__json_int(req, "price_min", -1);
  q.price_max = tc__json_int(req, "price_max", -1);
  q.limit = (uint32_t)tc__json_int(req, "limit", 0);
  q.cursor = tc__json_str(req, "cursor", NULL);
  tc_catalog_page *page = NULL;
  int rc = tc_catalog_product_list(&page, ctx, who, &q);
  if (rc) return rc;
  cJSON *items = cJSON_AddArrayToObject(resp, "items");
  bool ok = items != NULL;
  for (size_t i = 0; ok && i < page->count; i++)
    ok = push(items, product_json(&page->items[i], false));
  if (ok)
    ok = page->next_cursor ? cJSON_AddStringToObject(resp, "next_cursor",
                                                     page->next_cursor) != NULL
                           : cJSON_AddNullToObject(resp, "next_cursor") != NULL;
  tc_catalog_page_free(ctx, page);
  return ok ? TC_OK : tc__oom(ctx);
}

/* ---- variants and prices
 * ------------------------------------------------------ */

static int variant_input(tc_ctx *ctx, const cJSON *req,
                         tc_catalog_variant_input *in, char **options) {
  in->sku = tc__json_str(req, "sku", NULL);
  in->expected_version = tc__json_int(req, "expected_version", 0);
  const cJSON *active = cJSON_GetObjectItemCaseSensitive(req, "active");
  if (cJSON_IsBool(active)) in->active = cJSON_IsTrue(active) ? 1 : 0;
  in->weight_grams = tc__json_int(req, "weight_grams", TC_CATALOG_KEEP);
  int rc = member_text(ctx, req, "options", options);
  in->options = *options;
  return rc;
}

static int respond_variant(tc_ctx *ctx, const tc_principal *who,
                           const char *product_id, const char *variant_id,
                           cJSON *resp) {
  tc_catalog_product *p = NULL;
  int rc = tc_catalog_product_get(&p, ctx, who, product_id);
  if (rc) return rc;
  bool ok = false;
  for (size_t i = 0; i < p->variant_count; i++)
    if (strcmp(p->variants[i].id, variant_id) == 0)
      ok = add_item(resp, "variant", variant_json(&p->variants[i])) &&
           cJSON_AddStringToObject(resp, "product_id", product_id);
  tc_catalog_product_free(ctx, p);
  return ok ? TC_OK : tc__oom(ctx);
}

static int h_add_variant(tc_ctx *ctx, const tc__api_caller *from,
                         const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_catalog_variant_input in = TC_CATALOG_VARIANT_INPUT_INIT;
  char *options = NULL;
  int rc = variant_input(ctx, req, &in, &options);
  const char *product_id = tc__json_str(req, "product_id", "");
  tc_id id;
  if (!rc) rc = tc_catalog_variant_add(&id, ctx, who, product_id, &in);
  cJSON_free(options);
  return rc ? rc : respond_variant(ctx, who, product_id, id.str, resp);
}

static int h_update_variant(tc_ctx *ctx, const tc__api_caller *from,
                            const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_catalog_variant_input in = TC_CATALOG_VARIANT_INPUT_INIT;
  char *options = NULL;
  int rc = variant_input(ctx, req, &in, &options);
  const char *id = tc__json_str(req, "id", "");
  tc_id product;
  if (!rc) rc = tc_catalog_variant_update(&product, ctx, who, id, &in);
  cJSON_free(options);
  return rc ? rc : respond_variant(ctx, who, product.str, id, resp);
}

static int h_set_price(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *sku = tc__json_str(req, "sku", "");
  const char *currency = tc__json_str(req, "currency", "");
  tc_money price = {tc__json_int(req, "amount", 0), ""};
  if (strlen(currency) != 3 || tc_currency_check(currency) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency must be an ISO 4217 code like BRL");
  memcpy(price.currency, currency, 4);
  tc_money cmp = price;
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(req, "compare_at");
  bool has_cmp = c && !cJSON_IsNull(c);
  if (has_cmp) cmp.amount = tc__json_int(req, "compare_at", 0);
  int rc = tc_catalog_price_set(ctx, who, sku, &price, has_cmp ? &cmp : NULL);
  if (rc) return rc;
  bool ok = cJSON_AddStringToObject(resp, "sku", sku) &&
            cJSON_AddStringToObject(resp, "currency", currency) &&
            cJSON_AddNumberToObject(resp, "amount", (double)price.amount) &&
            (has_cmp ? cJSON_AddNumberToObject(resp, "compare_at",
                                               (double)cmp.amount) != NULL
                     : cJSON_AddNullToObject(resp, "compare_at") != NULL);
  return ok ? TC_OK : tc__oom(ctx);
}

/* ---- categories
 * ----------------------------------------------------------------- */

typedef struct {
  cJSON *arr;
  const char *only_id; /* NULL: all */
  bool failed;
} cat_list;

static int category_cb(const tc_catalog_category *c, void *payload) {
  cat_list *l = payload;
  if (l->only_id && strcmp(l->only_id, c->id) != 0) return 0;
  cJSON *o = cJSON_CreateObject();
  bool ok = push(l->arr, o) && cJSON_AddStringToObject(o, "id", c->id) &&
            (*c->parent_id
                 ? cJSON_AddStringToObject(o, "parent_id", c->parent_id) != NULL
                 : cJSON_AddNullToObject(o, "parent_id") != NULL) &&
            cJSON_AddStringToObject(o, "name", c->name) &&
            cJSON_AddStringToObject(o, "slug", c->slug) &&
            cJSON_AddNumberToObject(o, "depth", c->depth);
  if (!ok) l->failed = true;
  return ok ? 0 : 1;
}

/* Put category id in resp as "category" (read from the whole tree: a
 * category list is small and this is an admin write's answer). */
static int respond_category(tc_ctx *ctx, const char *id, cJSON *resp) {
  cJSON *arr = cJSON_CreateArray();
  if (!arr) return tc__oom(ctx);
  cat_list l = {arr, id, false};
  int rc = tc_catalog_category_list(ctx, NULL, true, category_cb, &l);
  if (!rc && l.failed) rc = tc__oom(ctx);
  if (!rc && !arr->child)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "id", "no category %s", id);
  if (!rc) {
    cJSON *one = cJSON_DetachItemFromArray(arr, 0);
    if (!add_item(resp, "category", one)) rc = tc__oom(ctx);
  }
  cJSON_Delete(arr);
  return rc;
}

static int h_create_category(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  tc_id id;
  int rc = tc_catalog_category_create(&id, ctx, who,
                                      tc__json_str(req, "parent_id", NULL),
                                      tc__json_str(req, "name", ""));
  return rc ? rc : respond_category(ctx, id.str, resp);
}

static int h_update_category(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = tc__json_str(req, "id", "");
  int rc =
      tc_catalog_category_update(ctx, who, id, tc__json_str(req, "name", NULL),
                                 tc__json_str(req, "parent_id", NULL));
  return rc ? rc : respond_category(ctx, id, resp);
}

static int h_delete_category(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  const char *id = tc__json_str(req, "id", "");
  int rc = tc_catalog_category_delete(ctx, who, id);
  if (rc) return rc;
  return cJSON_AddStringToObject(resp, "deleted", id) ? TC_OK : tc__oom(ctx);
}

static int h_list_categories(tc_ctx *ctx, const tc__api_caller *from,
                             const cJSON *req, cJSON *resp) {
  (void)from;
  cJSON *arr = cJSON_AddArrayToObject(resp, "categories");
  if (!arr) return tc__oom(ctx);
  cat_list l = {arr, NULL, false};
  int rc = tc_catalog_category_list(ctx, tc__json_str(req, "root_id", NULL),
                                    tc__json_bool(req, "descendants", false),
                                    category_cb, &l);
  if (!rc && l.failed) rc = tc__oom(ctx);
  return rc;
}

/* ---- declarations
 * ------------------------------------------------------------ */

#define F_VERSION                                    \
  API_INT("expected_version", API_OPT, 0, INT64_MAX, \
          "fail with conflict unless the record is at this version")

static const tc__field f_string_item[] = {
    API_STR("", API_OPT, 1, TC_CATALOG_URL_MAX, NULL), API_END};
static const tc__field f_id_item[] = {API_ID("", API_OPT, NULL), API_END};

#define PRODUCT_FIELDS(title_flags)                                            \
  API_STR("title", title_flags, 1, TC_CATALOG_TITLE_MAX, "product title"),     \
      API_STR("slug", API_OPT, 1, TC_CATALOG_SLUG_MAX,                         \
              "[a-z0-9-]; made from the title when absent"),                   \
      API_STR("description", API_OPT, 0, TC_CATALOG_DESC_MAX, "plain text"),   \
      API_OBJ("attributes", API_OPT, NULL,                                     \
              "flat object of string, number and bool values"),                \
      API_ARR("images", API_OPT, 0, 100, f_string_item, "http(s) image URLs"), \
      API_ARR("category_ids", API_OPT, 0, TC_CATALOG_CATEGORIES_MAX,           \
              f_id_item, "categories the product is in")

static const tc__field f_create_product[] = {PRODUCT_FIELDS(API_REQ), API_END};
static const tc__field f_update_product[] = {
    API_ID("id", API_REQ, "product id"), PRODUCT_FIELDS(API_OPT), F_VERSION,
    API_END};
static const tc__field f_status[] = {API_ID("id", API_REQ, "product id"),
                                     F_VERSION, API_END};
static const tc__field f_set_status[] = {
    API_ID("id", API_REQ, "product id"),
    API_STR("status", API_REQ, 1, 16, "draft, published or archived"),
    F_VERSION, API_END};
static const tc__field f_get_product[] = {
    API_ID("id", API_OPT, "product id (or give slug)"),
    API_STR("slug", API_OPT, 1, TC_CATALOG_SLUG_MAX,
            "product slug (or give id)"),
    API_END};
static const tc__field f_list_products[] = {
    API_STR("status", API_OPT, 1, 16, "admin view only"),
    API_ID("category_id", API_OPT, "only products in this category"),
    API_BOOL("descendants", API_OPT,
             "with category_id: include its subcategories"),
    API_STR("prefix", API_OPT, 1, TC_CATALOG_TITLE_MAX,
            "title or slug starts with"),
    API_STR("currency", API_OPT, 3, 3, "for the price range"),
    API_INT("price_min", API_OPT, 0, TC_CATALOG_PRICE_MAX, "minor units"),
    API_INT("price_max", API_OPT, 0, TC_CATALOG_PRICE_MAX, "minor units"),
    API_STR("order", API_OPT, 1, 16, "created (default), title"),
    API_INT("limit", API_OPT, 1, 100, "page size, default 20"),
    API_STR("cursor", API_OPT, 1, 255, "next_cursor of the previous page"),
    API_END};
static const tc__field f_add_variant[] = {
    API_ID("product_id", API_REQ, "product id"),
    API_STR("sku", API_REQ, 1, TC_CATALOG_SKU_MAX, "[A-Za-z0-9._-], unique"),
    API_OBJ("options", API_OPT, NULL, "flat object of strings (size, colour)"),
    API_BOOL("active", API_OPT, "default true"),
    API_INT("weight_grams", API_OPT, 0, TC_CATALOG_WEIGHT_MAX,
            "shipping weight"),
    API_END};
static const tc__field f_update_variant[] = {
    API_ID("id", API_REQ, "variant id"),
    API_OBJ("options", API_OPT, NULL, "flat object of strings (size, colour)"),
    API_BOOL("active", API_OPT, "sold or not"),
    API_INT("weight_grams", API_OPT, 0, TC_CATALOG_WEIGHT_MAX,
            "shipping weight"),
    F_VERSION,
    API_END};
static const tc__field f_set_price[] = {
    API_STR("sku", API_REQ, 1, TC_CATALOG_SKU_MAX, "variant SKU"),
    API_STR("currency", API_REQ, 3, 3, "ISO 4217 code"),
    API_INT("amount", API_REQ, 0, TC_CATALOG_PRICE_MAX, "minor units (cents)"),
    API_INT("compare_at", API_NULL, 0, TC_CATALOG_PRICE_MAX,
            "the \"was\" price, minor units"),
    API_END};
static const tc__field f_create_category[] = {
    API_STR("name", API_REQ, 1, TC_CATALOG_NAME_MAX, "category name"),
    API_ID("parent_id", API_OPT, "parent category; absent for a top category"),
    API_END};
static const tc__field f_update_category[] = {
    API_ID("id", API_REQ, "category id"),
    API_STR("name", API_OPT, 1, TC_CATALOG_NAME_MAX, "new name"),
    API_STR("parent_id", API_OPT, 0, 36,
            "new parent; \"\" to make it a top category"),
    API_END};
static const tc__field f_delete_category[] = {
    API_ID("id", API_REQ, "category id (no children, no products)"), API_END};
static const tc__field f_list_categories[] = {
    API_ID("root_id", API_OPT, "list under this category (absent: whole tree)"),
    API_BOOL("descendants", API_OPT,
             "with root_id: the whole subtree, not only children"),
    API_END};

static const tc__field r_product[] = {
    API_OBJ("product", API_OPT, NULL,
            "id, slug, title, description, status, attributes, images, "
            "category_ids, variants (with prices), version, created_ms, "
            "updated_ms"),
    API_END};
static const tc__field r_list[] = {
    API_ARR("items", API_OPT, 0, 0, NULL, "products (without variants)"),
    API_STR("next_cursor", API_NULL, 0, 0, "null on the last page"), API_END};
static const tc__field r_variant[] = {
    API_OBJ("variant", API_OPT, NULL,
            "id, sku, options, active, weight_grams, version, prices"),
    API_ID("product_id", API_OPT, "its product"), API_END};
static const tc__field r_price[] = {API_STR("sku", API_OPT, 0, 0, NULL),
                                    API_STR("currency", API_OPT, 0, 0, NULL),
                                    API_INT("amount", API_OPT, 0, 0, NULL),
                                    API_INT("compare_at", API_NULL, 0, 0, NULL),
                                    API_END};
static const tc__field r_category[] = {
    API_OBJ("category", API_OPT, NULL, "id, parent_id, name, slug, depth"),
    API_END};
static const tc__field r_deleted[] = {API_ID("deleted", API_OPT, "the id"),
                                      API_END};
static const tc__field r_categories[] = {
    API_ARR("categories", API_OPT, 0, 0, NULL,
            "id, parent_id, name, slug, depth; parents before children"),
    API_END};

static const tc__api_method catalog_methods[] = {
    API_METHOD("catalog.create_product", "Create a product (draft)",
               TC__ACCESS_ADMIN, f_create_product, r_product, h_create_product),
    API_METHOD("catalog.update_product", "Change a product's fields",
               TC__ACCESS_ADMIN, f_update_product, r_product, h_update_product),
    API_METHOD("catalog.publish_product", "Publish a product", TC__ACCESS_ADMIN,
               f_status, r_product, h_publish_product),
    API_METHOD("catalog.archive_product", "Archive a product", TC__ACCESS_ADMIN,
               f_status, r_product, h_archive_product),
    API_METHOD("catalog.set_product_status",
               "Move a product to draft, published or archived",
               TC__ACCESS_ADMIN, f_set_status, r_product, h_set_product_status),
    API_METHOD("catalog.get_product", "Read a product by id or slug",
               TC__ACCESS_PUBLIC, f_get_product, r_product, h_get_product),
    API_METHOD("catalog.list_products",
               "List products, filtered, a page at a time", TC__ACCESS_PUBLIC,
               f_list_products, r_list, h_list_products),
    API_METHOD("catalog.add_variant", "Add a variant (SKU) to a product",
               TC__ACCESS_ADMIN, f_add_variant, r_variant, h_add_variant),
    API_METHOD("catalog.update_variant",
               "Change a variant's options, flag or weight", TC__ACCESS_ADMIN,
               f_update_variant, r_variant, h_update_variant),
    API_METHOD("catalog.set_price", "Set a SKU's price in a currency",
               TC__ACCESS_ADMIN, f_set_price, r_price, h_set_price),
    API_METHOD("catalog.create_category", "Create a category", TC__ACCESS_ADMIN,
               f_create_category, r_category, h_create_category),
    API_METHOD("catalog.update_category", "Rename and/or move a category",
               TC__ACCESS_ADMIN, f_update_category, r_category,
               h_update_category),
    API_METHOD("catalog.delete_category", "Delete an empty category",
               TC__ACCESS_ADMIN, f_delete_category, r_deleted,
               h_delete_category),
    API_METHOD("catalog.list_categories", "List the category tree",
               TC__ACCESS_PUBLIC, f_list_categories, r_categories,
               h_list_categories),
};

API_MODULE(tc__api_catalog, "catalog", catalog_methods);
