/* The catalog module through its typed C API (techcorp/catalog.h) and the
 * lookups it offers other modules (public: techcorp/catalog.h). */
#include <stdio.h>

#include "catalog/catalog_priv.h"
#include "testutil.h"

static char dir[4096];
static tt_clock clk;
static tc_ctx *ctx;

static void setup(void) {
  tt_clock_init(&clk, 1700000000000);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  ck_assert_int_eq(tc_events_subscribe(ctx, "t", "catalog.*"), TC_OK);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
}

/* ---- helpers ----------------------------------------------------------------
 */

static int64_t count_sql(const char *sql);

static int count_row(const tc_value *c, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = c[0].v.i;
  return 0;
}

static int64_t count_sql(const char *sql) {
  int64_t n = -1;
  tc_store *st = tc_ctx_store(ctx);
  ck_assert_int_eq(st->exec(st->self, sql, NULL, 0, count_row, &n, NULL),
                   TC_OK);
  return n;
}

/* Every catalog row, so a failed call can be shown to change nothing. */
static int64_t rows(void) {
  return count_sql(
      "SELECT (SELECT count(*) FROM catalog_products) * 1000000 +"
      " (SELECT count(*) FROM catalog_variants) * 10000 +"
      " (SELECT count(*) FROM catalog_prices) * 1000 +"
      " (SELECT count(*) FROM catalog_product_categories) * 100 +"
      " (SELECT count(*) FROM catalog_categories) * 10 +"
      " (SELECT count(*) FROM catalog_price_history)");
}

/* Take and ack every pending event; count those of topic (NULL: all) and
 * keep the payload of the last one of topic in last (if not NULL). */
static int drain(const char *topic, char *last, size_t size) {
  int n = 0;
  tc_queue_message *m;
  while (tc_events_take(ctx, "t", 60000, &m) == TC_OK) {
    if (!topic || strcmp(m->topic, topic) == 0) {
      n++;
      if (last) snprintf(last, size, "%s", m->payload);
    }
    ck_assert_int_eq(tc_events_ack(ctx, m), TC_OK);
  }
  return n;
}

static tc_id product(const char *title, const char *slug) {
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = title;
  in.slug = slug;
  tc_id id;
  int rc = tc_catalog_product_create(&id, ctx, tt_sys(), &in);
  ck_assert_msg(rc == TC_OK, "create %s: %s", title, tc_errmsg(ctx));
  return id;
}

static tc_id variant(const char *pid, const char *sku, const char *options) {
  tc_catalog_variant_input in = TC_CATALOG_VARIANT_INPUT_INIT;
  in.sku = sku;
  in.options = options;
  tc_id id;
  int rc = tc_catalog_variant_add(&id, ctx, tt_sys(), pid, &in);
  ck_assert_msg(rc == TC_OK, "variant %s: %s", sku, tc_errmsg(ctx));
  return id;
}

static void price(const char *sku, int64_t amount, const char *currency) {
  tc_money m;
  ck_assert_int_eq(tc_money_make(&m, amount, currency), TC_OK);
  ck_assert_int_eq(tc_catalog_price_set(ctx, tt_sys(), sku, &m, NULL), TC_OK);
}

/* A published product with one priced variant. */
static tc_id sellable(const char *title, const char *sku, int64_t brl) {
  tc_id p = product(title, NULL);
  variant(p.str, sku, NULL);
  price(sku, brl, "BRL");
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), p.str, 0), TC_OK);
  return p;
}

#define ck_err(expr, code, field)                                        \
  do {                                                                   \
    int rc_ = (expr);                                                    \
    ck_assert_msg(rc_ == (code), "%s: got %d (%s), want %d", #expr, rc_, \
                  tc_errmsg(ctx), (code));                               \
    ck_assert_str_eq(tc_errfield(ctx), (field));                         \
  } while (0)

/* ---- slugs and identifiers
 * ---------------------------------------------------- */

START_TEST(slugify) {
  char s[TC_CATALOG_SLUG_MAX + 1];
  struct {
    const char *in, *out;
  } ok[] = {
      {"Café com Pão de Açúcar", "cafe-com-pao-de-acucar"},
      {"  CAMISETA Básica — Algodão!! ", "camiseta-basica-algodao"},
      {"Ação, Coração & Mãe", "acao-coracao-mae"},
      {"ÀÉÎÕÜ ñ ß Œuvre", "aeiou-n-ss-oeuvre"},
      {"Tênis nº 42", "tenis-no-42"},
      {"already-a-slug", "already-a-slug"},
      {"x", "x"},
  };
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    ck_assert_int_eq(tc_catalog_slugify(s, sizeof(s), ok[i].in), TC_OK);
    ck_assert_str_eq(s, ok[i].out);
    ck_assert_int_eq(tc_catalog_slug_check(s), TC_OK);
  }
  /* Nothing to keep, bad UTF-8, NULL, too small a buffer. */
  ck_assert_int_eq(tc_catalog_slugify(s, sizeof(s), "!!! ---"), TC_EINVAL);
  ck_assert_str_eq(s, "");
  ck_assert_int_eq(tc_catalog_slugify(s, sizeof(s), "caf\xc3"), TC_EINVAL);
  ck_assert_int_eq(tc_catalog_slugify(s, sizeof(s), NULL), TC_EINVAL);
  ck_assert_int_eq(tc_catalog_slugify(s, 3, "abcdef"), TC_EINVAL);
  /* Long titles are cut at a word boundary. */
  char longt[600] = "";
  for (int i = 0; i < 50; i++) strcat(longt, "palavra ");
  ck_assert_int_eq(tc_catalog_slugify(s, sizeof(s), longt), TC_OK);
  ck_assert_uint_le(strlen(s), TC_CATALOG_SLUG_MAX);
  ck_assert(s[strlen(s) - 1] == 'a');
  ck_assert_int_eq(tc_catalog_slug_check(s), TC_OK);

  const char *bad_slugs[] = {"",    "-a", "a-",  "a--b", "A",
                             "a b", "ã",  "a_b", NULL};
  for (size_t i = 0; i < sizeof(bad_slugs) / sizeof(bad_slugs[0]); i++)
    ck_assert_int_eq(tc_catalog_slug_check(bad_slugs[i]), TC_EINVAL);
  const char *good_skus[] = {"A", "TSHIRT-M.blue_2", "0"};
  for (size_t i = 0; i < 3; i++)
    ck_assert_int_eq(tc_catalog_sku_check(good_skus[i]), TC_OK);
  char sku65[66];
  memset(sku65, 'A', 65);
  sku65[65] = '\0';
  const char *bad_skus[] = {"", "a b", "a/b", "ç", sku65, NULL};
  for (size_t i = 0; i < sizeof(bad_skus) / sizeof(bad_skus[0]); i++)
    ck_assert_int_eq(tc_catalog_sku_check(bad_skus[i]), TC_EINVAL);
  sku65[64] = '\0';
  ck_assert_int_eq(tc_catalog_sku_check(sku65), TC_OK);
}
END_TEST

/* ---- products
 * ----------------------------------------------------------------- */

START_TEST(create_and_get) {
  tc_id cat;
  ck_assert_int_eq(
      tc_catalog_category_create(&cat, ctx, tt_sys(), NULL, "Roupas"), TC_OK);
  const char *images[] = {"https://cdn.example.com/a.jpg",
                          "http://img.example.com:8080/b.png?x=1"};
  const char *cats[] = {cat.str};
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Camiseta Básica";
  in.description = "100% algodão.\nLavar a frio.";
  in.attributes = "{\"material\":\"algodão\",\"organic\":true,\"gsm\":180}";
  in.images = images;
  in.image_count = 2;
  in.category_ids = cats;
  in.category_count = 1;
  tc_id id;
  ck_assert_int_eq(tc_catalog_product_create(&id, ctx, tt_sys(), &in), TC_OK);
  ck_assert_int_eq(tc_id_check(id.str), TC_OK);

  tc_catalog_product *p = NULL;
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id.str), TC_OK);
  ck_assert_str_eq(p->slug, "camiseta-basica");
  ck_assert_str_eq(p->title, "Camiseta Básica");
  ck_assert_str_eq(p->description, in.description);
  ck_assert_int_eq(p->status, TC_CATALOG_DRAFT);
  /* Canonical: keys sorted. */
  ck_assert_str_eq(p->attributes,
                   "{\"gsm\":180,\"material\":\"algodão\",\"organic\":true}");
  ck_assert_uint_eq(p->image_count, 2);
  ck_assert_str_eq(p->images[1], images[1]);
  ck_assert_uint_eq(p->category_count, 1);
  ck_assert_str_eq(p->category_ids[0].str, cat.str);
  ck_assert_uint_eq(p->variant_count, 0);
  ck_assert_int_eq(p->version, 1);
  ck_assert_int_eq(p->created_ms, clk.now);
  tc_catalog_product_free(ctx, p);

  /* By slug too; the public does not see a draft. */
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), "camiseta-basica"),
                   TC_OK);
  ck_assert_str_eq(p->id, id.str);
  tc_catalog_product_free(ctx, p);
  ck_err(tc_catalog_product_get(&p, ctx, NULL, id.str), TC_ENOTFOUND, "id");
  ck_assert_ptr_null(p);
  ck_err(tc_catalog_product_get(&p, ctx, NULL, "camiseta-basica"), TC_ENOTFOUND,
         "slug");
  ck_err(tc_catalog_product_get(&p, ctx, tt_sys(), "Not A Slug"), TC_EINVAL,
         "id_or_slug");

  /* The same title again gets the next free slug. */
  tc_id id2 = product("Camiseta  basica!", NULL);
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id2.str), TC_OK);
  ck_assert_str_eq(p->slug, "camiseta-basica-2");
  tc_catalog_product_free(ctx, p);
  tc_catalog_product_free(ctx, NULL);
}
END_TEST

START_TEST(create_errors_change_nothing) {
  product("Existing", "taken");
  tc_id cat;
  ck_assert_int_eq(tc_catalog_category_create(&cat, ctx, tt_sys(), NULL, "C"),
                   TC_OK);
  drain(NULL, NULL, 0);
  int64_t before = rows();
  char ghost[TC_ID_STRLEN + 1];
  tc_id g;
  tc_id_new(&g, ctx);
  snprintf(ghost, sizeof(ghost), "%s", g.str);

  char longtitle[TC_CATALOG_TITLE_MAX + 2];
  memset(longtitle, 'a', sizeof(longtitle) - 1);
  longtitle[sizeof(longtitle) - 1] = '\0';
  const char *bad_img[] = {"https://ok.example/x.jpg", "ftp://x/y.jpg"};
  const char *bad_img2[] = {"javascript:alert(1)"};
  const char *bad_img3[] = {"http://"};
  const char *bad_img4[] = {"https://a.example/x y.jpg"};
  const char *bad_img5[] = {"https://user@evil.example/x.jpg"};
  const char *many[11];
  for (int i = 0; i < 11; i++) many[i] = "https://a.example/x.jpg";
  const char *ghosts[] = {ghost};
  const char *dups[] = {cat.str, cat.str};
  const char *badid[] = {"nope"};
  struct {
    const char *title, *slug, *attrs;
    const char *const *images;
    size_t nimages;
    const char *const *cats;
    size_t ncats;
    int code;
    const char *field;
  } cases[] = {
      {NULL, NULL, NULL, NULL, 0, NULL, 0, TC_EINVAL, "title"},
      {"   ", NULL, NULL, NULL, 0, NULL, 0, TC_EINVAL, "title"},
      {longtitle, NULL, NULL, NULL, 0, NULL, 0, TC_EINVAL, "title"},
      {"bad\x01", NULL, NULL, NULL, 0, NULL, 0, TC_EINVAL, "title"},
      {"caf\xc3", NULL, NULL, NULL, 0, NULL, 0, TC_EINVAL, "title"},
      {"!!!", NULL, NULL, NULL, 0, NULL, 0, TC_EINVAL, "title"},
      {"T", "Bad Slug", NULL, NULL, 0, NULL, 0, TC_EINVAL, "slug"},
      {"T", "a--b", NULL, NULL, 0, NULL, 0, TC_EINVAL, "slug"},
      {"T", "taken", NULL, NULL, 0, NULL, 0, TC_ECONFLICT, "slug"},
      {"T", NULL, "[1]", NULL, 0, NULL, 0, TC_EINVAL, "attributes"},
      {"T", NULL, "{bad", NULL, 0, NULL, 0, TC_EINVAL, "attributes"},
      {"T", NULL, "{\"a\":{\"b\":1}}", NULL, 0, NULL, 0, TC_EINVAL,
       "attributes.a"},
      {"T", NULL, "{\"n\":null}", NULL, 0, NULL, 0, TC_EINVAL, "attributes.n"},
      {"T", NULL, "{\"a\":1,\"a\":2}", NULL, 0, NULL, 0, TC_EINVAL,
       "attributes"},
      {"T", NULL, NULL, bad_img, 2, NULL, 0, TC_EINVAL, "images[1]"},
      {"T", NULL, NULL, bad_img2, 1, NULL, 0, TC_EINVAL, "images[0]"},
      {"T", NULL, NULL, bad_img3, 1, NULL, 0, TC_EINVAL, "images[0]"},
      {"T", NULL, NULL, bad_img4, 1, NULL, 0, TC_EINVAL, "images[0]"},
      {"T", NULL, NULL, bad_img5, 1, NULL, 0, TC_EINVAL, "images[0]"},
      {"T", NULL, NULL, many, 11, NULL, 0, TC_EINVAL, "images"},
      {"T", NULL, NULL, NULL, 0, ghosts, 1, TC_ENOTFOUND, "category_ids[0]"},
      {"T", NULL, NULL, NULL, 0, dups, 2, TC_EINVAL, "category_ids[1]"},
      {"T", NULL, NULL, NULL, 0, badid, 1, TC_EINVAL, "category_ids[0]"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
    in.title = cases[i].title;
    in.slug = cases[i].slug;
    in.attributes = cases[i].attrs;
    in.images = cases[i].images;
    in.image_count = cases[i].nimages;
    in.category_ids = cases[i].cats;
    in.category_count = cases[i].ncats;
    tc_id id;
    int rc = tc_catalog_product_create(&id, ctx, tt_sys(), &in);
    ck_assert_msg(rc == cases[i].code, "case %zu: %d %s", i, rc,
                  tc_errmsg(ctx));
    ck_assert_msg(strcmp(tc_errfield(ctx), cases[i].field) == 0,
                  "case %zu: field %s, want %s (%s)", i, tc_errfield(ctx),
                  cases[i].field, tc_errmsg(ctx));
    ck_assert_msg(strlen(tc_errmsg(ctx)) > 0, "case %zu: no message", i);
    ck_assert_int_eq(rows(), before);
  }
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);
  /* The message of a duplicate slug names it. */
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "T";
  in.slug = "taken";
  tc_id id;
  ck_assert_int_eq(tc_catalog_product_create(&id, ctx, tt_sys(), &in),
                   TC_ECONFLICT);
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "taken"));
}
END_TEST

START_TEST(update_and_versions) {
  tc_id id = product("Old title", "old-title");
  drain(NULL, NULL, 0);
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "New title";
  in.expected_version = 1;
  clk.now += 5;
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), id.str, &in),
                   TC_OK);
  char ev[4096];
  ck_assert_int_eq(drain("catalog.product_updated", ev, sizeof(ev)), 1);
  ck_assert_ptr_nonnull(strstr(ev, "\"title\":\"New title\""));
  ck_assert_ptr_nonnull(strstr(ev, "\"changed\":[\"title\"]"));

  tc_catalog_product *p;
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id.str), TC_OK);
  ck_assert_str_eq(p->title, "New title");
  ck_assert_str_eq(p->slug, "old-title"); /* a slug stays unless given */
  ck_assert_int_eq(p->version, 2);
  ck_assert_int_eq(p->updated_ms, clk.now);
  tc_catalog_product_free(ctx, p);

  /* A stale version is refused and changes nothing. */
  int64_t before = rows();
  in.title = "Lost update";
  ck_err(tc_catalog_product_update(ctx, tt_sys(), id.str, &in), TC_ECONFLICT,
         "expected_version");
  ck_assert_int_eq(rows(), before);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id.str), TC_OK);
  ck_assert_str_eq(p->title, "New title");
  tc_catalog_product_free(ctx, p);

  /* Slug change to a taken one; clearing images and categories. */
  product("Other", "other");
  tc_catalog_product_input s = TC_CATALOG_PRODUCT_INPUT_INIT;
  s.slug = "other";
  ck_err(tc_catalog_product_update(ctx, tt_sys(), id.str, &s), TC_ECONFLICT,
         "slug");
  s.slug = "old-title"; /* its own slug is fine */
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), id.str, &s), TC_OK);
  const char *none[] = {NULL};
  tc_catalog_product_input c = TC_CATALOG_PRODUCT_INPUT_INIT;
  const char *img[] = {"https://a.example/1.jpg"};
  c.images = img;
  c.image_count = 1;
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), id.str, &c), TC_OK);
  c.images = none;
  c.image_count = 0;
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), id.str, &c), TC_OK);
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id.str), TC_OK);
  ck_assert_uint_eq(p->image_count, 0);
  tc_catalog_product_free(ctx, p);

  tc_id ghost;
  tc_id_new(&ghost, ctx);
  ck_err(tc_catalog_product_update(ctx, tt_sys(), ghost.str, &in), TC_ENOTFOUND,
         "id");
  ck_err(tc_catalog_product_update(ctx, tt_sys(), "x", &in), TC_EINVAL, "id");
}
END_TEST

START_TEST(status_transitions) {
  tc_id id = product("Shoe", NULL);
  drain(NULL, NULL, 0);
  /* Nothing to sell yet. */
  ck_err(tc_catalog_product_publish(ctx, tt_sys(), id.str, 0), TC_ESTATE,
         "variants");
  tc_id v = variant(id.str, "SHOE-40", "{\"size\":\"40\"}");
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), id.str, 1), TC_OK);
  char ev[4096];
  ck_assert_int_eq(drain("catalog.product_published", ev, sizeof(ev)), 1);
  ck_assert_ptr_nonnull(strstr(ev, "\"status\":\"published\""));
  ck_assert_ptr_nonnull(strstr(ev, "\"skus\":[\"SHOE-40\"]"));
  /* Again: a no-op without an event. */
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), id.str, 0), TC_OK);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);
  /* Stale version. */
  ck_err(tc_catalog_product_archive(ctx, tt_sys(), id.str, 1), TC_ECONFLICT,
         "expected_version");
  ck_assert_int_eq(tc_catalog_product_archive(ctx, tt_sys(), id.str, 2), TC_OK);
  ck_assert_int_eq(drain("catalog.product_archived", NULL, 0), 1);
  /* archived -> published is illegal and says both states. */
  ck_err(tc_catalog_product_publish(ctx, tt_sys(), id.str, 0), TC_ESTATE,
         "status");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "archived"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "published"));
  /* Variants cannot be added to an archived product. */
  tc_catalog_variant_input vi = TC_CATALOG_VARIANT_INPUT_INIT;
  vi.sku = "SHOE-41";
  tc_id v2;
  ck_err(tc_catalog_variant_add(&v2, ctx, tt_sys(), id.str, &vi), TC_ESTATE,
         "product_id");
  /* Restore to draft, publish again. */
  ck_assert_int_eq(
      tc_catalog_product_set_status(ctx, tt_sys(), id.str, TC_CATALOG_DRAFT, 0),
      TC_OK);
  ck_assert_int_eq(drain("catalog.product_restored", NULL, 0), 1);
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), id.str, 0), TC_OK);
  ck_assert_int_eq(
      tc_catalog_product_set_status(ctx, tt_sys(), id.str, TC_CATALOG_DRAFT, 0),
      TC_OK);
  ck_assert_int_eq(drain("catalog.product_unpublished", NULL, 0), 1);
  ck_err(tc_catalog_product_set_status(ctx, tt_sys(), id.str,
                                       (tc_catalog_status)7, 0),
         TC_EINVAL, "status");
  (void)v;
  ck_assert_str_eq(tc_catalog_status_name(TC_CATALOG_ARCHIVED), "archived");
  tc_catalog_status st;
  ck_assert_int_eq(tc_catalog_status_parse(&st, "published"), TC_OK);
  ck_assert_int_eq(st, TC_CATALOG_PUBLISHED);
  ck_assert_int_eq(tc_catalog_status_parse(&st, "Published"), TC_EINVAL);
}
END_TEST

/* ---- variants and prices
 * ------------------------------------------------------- */

START_TEST(variants) {
  tc_id a = product("A", NULL), b = product("B", NULL);
  tc_id va =
      variant(a.str, "TEE-M-BLUE", "{\"size\":\"M\",\"colour\":\"blue\"}");
  drain(NULL, NULL, 0);
  int64_t before = rows();
  tc_catalog_variant_input in = TC_CATALOG_VARIANT_INPUT_INIT;
  tc_id v;
  in.sku = "TEE-M-BLUE"; /* taken, even on another product */
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_ECONFLICT,
         "sku");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "TEE-M-BLUE"));
  in.sku = "bad sku";
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_EINVAL,
         "sku");
  in.sku = NULL;
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_EINVAL,
         "sku");
  in.sku = "OK-1";
  in.options = "{\"size\":42}";
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_EINVAL,
         "options.size");
  in.options = "{\"size\":\"\"}";
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_EINVAL,
         "options.size");
  in.options = NULL;
  in.weight_grams = -5;
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_EINVAL,
         "weight_grams");
  in.weight_grams = TC_CATALOG_KEEP;
  in.active = 2;
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in), TC_EINVAL,
         "active");
  in.active = TC_CATALOG_KEEP;
  tc_id ghost;
  tc_id_new(&ghost, ctx);
  ck_err(tc_catalog_variant_add(&v, ctx, tt_sys(), ghost.str, &in),
         TC_ENOTFOUND, "product_id");
  ck_assert_int_eq(rows(), before);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);

  in.weight_grams = 250;
  ck_assert_int_eq(tc_catalog_variant_add(&v, ctx, tt_sys(), b.str, &in),
                   TC_OK);
  char ev[4096];
  ck_assert_int_eq(drain("catalog.variant_created", ev, sizeof(ev)), 1);
  ck_assert_ptr_nonnull(strstr(ev, "\"sku\":\"OK-1\""));
  ck_assert_ptr_nonnull(strstr(ev, "\"title\":\"B\""));

  /* Update: deactivate, forget the weight; stale version refused. */
  tc_catalog_variant_input up = TC_CATALOG_VARIANT_INPUT_INIT;
  up.active = 0;
  up.weight_grams = TC_CATALOG_WEIGHT_CLEAR;
  up.options = "{\"colour\":\"red\"}";
  up.expected_version = 1;
  ck_assert_int_eq(tc_catalog_variant_update(NULL, ctx, tt_sys(), v.str, &up),
                   TC_OK);
  ck_err(tc_catalog_variant_update(NULL, ctx, tt_sys(), v.str, &up),
         TC_ECONFLICT, "expected_version");
  ck_err(tc_catalog_variant_update(NULL, ctx, tt_sys(), ghost.str, &up),
         TC_ENOTFOUND, "variant_id");
  tc_catalog_product *p;
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), b.str), TC_OK);
  ck_assert_uint_eq(p->variant_count, 1);
  ck_assert(!p->variants[0].active);
  ck_assert_int_eq(p->variants[0].weight_grams, -1);
  ck_assert_int_eq(p->variants[0].version, 2);
  ck_assert_str_eq(p->variants[0].options, "{\"colour\":\"red\"}");
  tc_catalog_product_free(ctx, p);
  /* Options are stored with sorted keys. */
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), a.str), TC_OK);
  ck_assert_str_eq(p->variants[0].id, va.str);
  ck_assert_str_eq(p->variants[0].options,
                   "{\"colour\":\"blue\",\"size\":\"M\"}");
  tc_catalog_product_free(ctx, p);
}
END_TEST

START_TEST(visibility) {
  tc_id id = product("Hat", NULL);
  variant(id.str, "HAT-1", NULL);
  tc_id v2 = variant(id.str, "HAT-2", NULL);
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), id.str, 0), TC_OK);
  tc_catalog_variant_input off = TC_CATALOG_VARIANT_INPUT_INIT;
  off.active = 0;
  ck_assert_int_eq(tc_catalog_variant_update(NULL, ctx, tt_sys(), v2.str, &off),
                   TC_OK);
  tc_catalog_product *p;
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, NULL, id.str), TC_OK);
  ck_assert_uint_eq(p->variant_count, 1); /* the inactive one is hidden */
  ck_assert_str_eq(p->variants[0].sku, "HAT-1");
  tc_catalog_product_free(ctx, p);
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id.str), TC_OK);
  ck_assert_uint_eq(p->variant_count, 2);
  tc_catalog_product_free(ctx, p);
  ck_assert_int_eq(tc_catalog_product_archive(ctx, tt_sys(), id.str, 0), TC_OK);
  ck_err(tc_catalog_product_get(&p, ctx, NULL, id.str), TC_ENOTFOUND, "id");
}
END_TEST

static int history_cb(const tc_catalog_price_change *c, void *payload) {
  char *buf = payload;
  size_t n = strlen(buf);
  snprintf(buf + n, 512 - n, "%s:%lld>%lld;", c->currency,
           (long long)c->old_amount, (long long)c->new_amount);
  return 0;
}

START_TEST(prices) {
  tc_id id = product("Mug", NULL);
  variant(id.str, "MUG", NULL);
  drain(NULL, NULL, 0);
  int64_t before = rows();
  tc_money m = {1990, "BRL"}, cmp = {2490, "BRL"};
  tc_money bad_cur = {100, "XXZ"}, lower = {100, "brl"};
  tc_money neg = {-1, "BRL"}, huge = {TC_CATALOG_PRICE_MAX + 1, "BRL"};
  tc_money cmp_low = {1000, "BRL"}, cmp_usd = {5000, "USD"};
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "MUG", &bad_cur, NULL), TC_EINVAL,
         "currency");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "MUG", &lower, NULL), TC_EINVAL,
         "currency");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "MUG", &neg, NULL), TC_EINVAL,
         "amount");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "MUG", &huge, NULL), TC_EINVAL,
         "amount");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "MUG", &m, &cmp_low), TC_EINVAL,
         "compare_at");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "MUG", &m, &cmp_usd), TC_EINVAL,
         "compare_at");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "NOPE", &m, NULL), TC_ENOTFOUND,
         "sku");
  ck_err(tc_catalog_price_set(ctx, tt_sys(), "no pe", &m, NULL), TC_EINVAL,
         "sku");
  ck_assert_int_eq(rows(), before);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);

  ck_assert_int_eq(tc_catalog_price_set(ctx, tt_sys(), "MUG", &m, &cmp), TC_OK);
  char ev[1024];
  ck_assert_int_eq(drain("catalog.price_changed", ev, sizeof(ev)), 1);
  ck_assert_ptr_nonnull(strstr(ev, "\"sku\":\"MUG\""));
  ck_assert_ptr_nonnull(strstr(ev, "\"old\":null"));
  ck_assert_ptr_nonnull(strstr(ev, "\"new\":1990"));
  /* The same again: no change, no event. */
  ck_assert_int_eq(tc_catalog_price_set(ctx, tt_sys(), "MUG", &m, &cmp), TC_OK);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);
  m.amount = 1790;
  ck_assert_int_eq(tc_catalog_price_set(ctx, tt_sys(), "MUG", &m, NULL), TC_OK);
  ck_assert_int_eq(drain("catalog.price_changed", ev, sizeof(ev)), 1);
  ck_assert_ptr_nonnull(strstr(ev, "\"old\":1990"));
  ck_assert_ptr_nonnull(strstr(ev, "\"new\":1790"));
  ck_assert_ptr_nonnull(strstr(ev, "\"currency\":\"BRL\""));
  price("MUG", 399, "USD");
  price("MUG", 0, "JPY"); /* free is a price */

  tc_catalog_product *p;
  ck_assert_int_eq(tc_catalog_product_get(&p, ctx, tt_sys(), id.str), TC_OK);
  ck_assert_uint_eq(p->variants[0].price_count, 3);
  ck_assert_str_eq(p->variants[0].prices[0].price.currency, "BRL");
  ck_assert_int_eq(p->variants[0].prices[0].price.amount, 1790);
  ck_assert(!p->variants[0].prices[0].has_compare_at);
  ck_assert_str_eq(p->variants[0].prices[2].price.currency, "USD");
  tc_catalog_product_free(ctx, p);

  /* The price lookup, before and after removing. */
  tc_money got;
  ck_assert_int_eq(tc_catalog_sku_price(&got, ctx, tt_sys(), "MUG", "USD"),
                   TC_OK);
  ck_assert_int_eq(got.amount, 399);
  ck_assert_str_eq(got.currency, "USD");
  ck_assert_int_eq(tc_catalog_price_remove(ctx, tt_sys(), "MUG", "USD"), TC_OK);
  ck_err(tc_catalog_sku_price(&got, ctx, tt_sys(), "MUG", "USD"), TC_ENOTFOUND,
         "sku");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "MUG"));
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "USD"));
  ck_err(tc_catalog_price_remove(ctx, tt_sys(), "MUG", "USD"), TC_ENOTFOUND,
         "currency");
  ck_err(tc_catalog_sku_price(&got, ctx, tt_sys(), "GHOST", "BRL"),
         TC_ENOTFOUND, "sku");

  char hist[512] = "";
  ck_assert_int_eq(
      tc_catalog_price_history(ctx, tt_sys(), "MUG", NULL, history_cb, hist),
      TC_OK);
  ck_assert_str_eq(hist,
                   "BRL:-1>1990;BRL:1990>1790;USD:-1>399;JPY:-1>0;"
                   "USD:399>-1;");
  hist[0] = '\0';
  ck_assert_int_eq(
      tc_catalog_price_history(ctx, tt_sys(), "MUG", "BRL", history_cb, hist),
      TC_OK);
  ck_assert_str_eq(hist, "BRL:-1>1990;BRL:1990>1790;");
  ck_err(
      tc_catalog_price_history(ctx, tt_sys(), "GHOST", NULL, history_cb, hist),
      TC_ENOTFOUND, "sku");
}
END_TEST

START_TEST(sku_lookups) {
  tc_id id = product("Camiseta", NULL);
  variant(id.str, "CAM-M-AZ", "{\"size\":\"M\",\"colour\":\"azul\"}");
  tc_catalog_sku_info info;
  ck_assert_int_eq(tc_catalog_sku_lookup(&info, ctx, tt_sys(), "CAM-M-AZ"),
                   TC_OK);
  ck_assert_str_eq(info.sku, "CAM-M-AZ");
  ck_assert_str_eq(info.product_id, id.str);
  ck_assert_str_eq(info.title, "Camiseta (azul / M)");
  ck_assert(!info.published); /* a draft */
  /* Outside the admin view a draft's SKU does not exist. */
  ck_err(tc_catalog_sku_lookup(&info, ctx, NULL, "CAM-M-AZ"), TC_ENOTFOUND,
         "sku");
  ck_assert_int_eq(tc_catalog_product_publish(ctx, tt_sys(), id.str, 0), TC_OK);
  ck_assert_int_eq(tc_catalog_sku_lookup(&info, ctx, tt_sys(), "CAM-M-AZ"),
                   TC_OK);
  ck_assert(info.published);
  tc_catalog_variant_input off = TC_CATALOG_VARIANT_INPUT_INIT;
  off.active = 0;
  ck_assert_int_eq(
      tc_catalog_variant_update(NULL, ctx, tt_sys(), info.variant_id, &off),
      TC_OK);
  ck_assert_int_eq(tc_catalog_sku_lookup(&info, ctx, tt_sys(), "CAM-M-AZ"),
                   TC_OK);
  ck_assert(!info.published);
  ck_err(tc_catalog_sku_lookup(&info, ctx, tt_sys(), "NOPE"), TC_ENOTFOUND,
         "sku");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "NOPE"));
  ck_err(tc_catalog_sku_lookup(&info, ctx, tt_sys(), "not a sku"), TC_ENOTFOUND,
         "sku");

  /* Batch: one query for a cart. */
  tc_id b = product("Boné", NULL);
  variant(b.str, "CAP", NULL);
  price("CAP", 5000, "BRL");
  const char *skus[] = {"CAP", "NOPE", "CAM-M-AZ", "CAP", "bad sku"};
  tc_catalog_sku_price_info out[5];
  ck_assert_int_eq(tc_catalog_skus_lookup(out, ctx, tt_sys(), skus, 5, "BRL"),
                   TC_OK);
  ck_assert(out[0].found && out[0].has_price);
  ck_assert_int_eq(out[0].price.amount, 5000);
  ck_assert_str_eq(out[0].info.title, "Boné");
  ck_assert(!out[1].found);
  ck_assert(out[2].found && !out[2].has_price);
  ck_assert(out[3].found && out[3].price.amount == 5000);
  ck_assert(!out[4].found);
  ck_err(tc_catalog_skus_lookup(out, ctx, tt_sys(), skus, 5, "brl"), TC_EINVAL,
         "currency");
  ck_err(tc_catalog_skus_lookup(out, ctx, tt_sys(), skus,
                                TC_CATALOG_BATCH_MAX + 1, NULL),
         TC_EINVAL, "skus");
  /* Many at once (the largest statement size). */
  char names[TC_CATALOG_BATCH_MAX][16];
  const char *many[TC_CATALOG_BATCH_MAX];
  for (int i = 0; i < TC_CATALOG_BATCH_MAX; i++) {
    snprintf(names[i], sizeof(names[i]), i % 2 ? "CAP" : "X%d", i);
    many[i] = names[i];
  }
  tc_catalog_sku_price_info big[TC_CATALOG_BATCH_MAX];
  ck_assert_int_eq(tc_catalog_skus_lookup(big, ctx, tt_sys(), many,
                                          TC_CATALOG_BATCH_MAX, NULL),
                   TC_OK);
  for (int i = 0; i < TC_CATALOG_BATCH_MAX; i++) {
    ck_assert(big[i].found == (i % 2 == 1));
    ck_assert(!big[i].has_price);
  }
}
END_TEST

/* ---- categories
 * ------------------------------------------------------------------ */

static int cat_cb(const tc_catalog_category *c, void *payload) {
  char *buf = payload;
  size_t n = strlen(buf);
  snprintf(buf + n, 1024 - n, "%d:%s;", c->depth, c->slug);
  return 0;
}

static const char *tree(const char *root, bool desc) {
  static char buf[1024];
  buf[0] = '\0';
  ck_assert_int_eq(tc_catalog_category_list(ctx, root, desc, cat_cb, buf),
                   TC_OK);
  return buf;
}

START_TEST(categories) {
  tc_id a, b, c, d;
  ck_assert_int_eq(tc_catalog_category_create(&a, ctx, tt_sys(), NULL, "Moda"),
                   TC_OK);
  ck_assert_int_eq(
      tc_catalog_category_create(&b, ctx, tt_sys(), a.str, "Camisetas"), TC_OK);
  ck_assert_int_eq(
      tc_catalog_category_create(&c, ctx, tt_sys(), b.str, "Manga Longa"),
      TC_OK);
  ck_assert_int_eq(tc_catalog_category_create(&d, ctx, tt_sys(), NULL, "Casa"),
                   TC_OK);
  ck_assert_str_eq(tree(NULL, false),
                   "0:moda;1:camisetas;2:manga-longa;0:casa;");
  ck_assert_str_eq(tree(a.str, false), "1:camisetas;");
  ck_assert_str_eq(tree(a.str, true), "1:camisetas;2:manga-longa;");
  drain(NULL, NULL, 0);
  int64_t before = rows();

  tc_id x;
  ck_err(tc_catalog_category_create(&x, ctx, tt_sys(), a.str, "CAMISETAS!"),
         TC_ECONFLICT, "name");
  ck_err(tc_catalog_category_create(&x, ctx, tt_sys(), NULL, ""), TC_EINVAL,
         "name");
  ck_err(tc_catalog_category_create(&x, ctx, tt_sys(), NULL, "???"), TC_EINVAL,
         "name");
  tc_id ghost;
  tc_id_new(&ghost, ctx);
  ck_err(tc_catalog_category_create(&x, ctx, tt_sys(), ghost.str, "X"),
         TC_ENOTFOUND, "parent_id");
  /* Cycles: under itself, under a descendant. */
  ck_err(tc_catalog_category_move(ctx, tt_sys(), a.str, a.str), TC_EINVAL,
         "parent_id");
  ck_err(tc_catalog_category_move(ctx, tt_sys(), a.str, c.str), TC_EINVAL,
         "parent_id");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "cycle"));
  ck_err(tc_catalog_category_rename(ctx, tt_sys(), d.str, "moda"), TC_ECONFLICT,
         "name");
  ck_err(tc_catalog_category_delete(ctx, tt_sys(), a.str), TC_ESTATE, "id");
  ck_assert_int_eq(rows(), before);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);

  /* Move a subtree: depths follow. */
  ck_assert_int_eq(tc_catalog_category_move(ctx, tt_sys(), b.str, d.str),
                   TC_OK);
  ck_assert_str_eq(tree(NULL, false),
                   "0:moda;0:casa;1:camisetas;2:manga-longa;");
  ck_assert_int_eq(drain("catalog.category_updated", NULL, 0), 1);
  ck_assert_int_eq(tc_catalog_category_move(ctx, tt_sys(), c.str, NULL), TC_OK);
  ck_assert_int_eq(
      tc_catalog_category_rename(ctx, tt_sys(), c.str, "Manga Curta"), TC_OK);
  /* Roots in creation order: manga-curta's id is older than casa's. */
  ck_assert_str_eq(tree(NULL, false),
                   "0:moda;0:manga-curta;0:casa;1:camisetas;");

  /* Delete only when empty. */
  const char *cats[] = {b.str};
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Tee";
  in.category_ids = cats;
  in.category_count = 1;
  tc_id p;
  ck_assert_int_eq(tc_catalog_product_create(&p, ctx, tt_sys(), &in), TC_OK);
  ck_err(tc_catalog_category_delete(ctx, tt_sys(), b.str), TC_ESTATE, "id");
  ck_assert_ptr_nonnull(strstr(tc_errmsg(ctx), "products"));
  ck_assert_int_eq(tc_catalog_category_delete(ctx, tt_sys(), c.str), TC_OK);
  ck_assert_int_eq(drain("catalog.category_deleted", NULL, 0), 1);
  ck_err(tc_catalog_category_delete(ctx, tt_sys(), c.str), TC_ENOTFOUND, "id");

  /* Depth limit. */
  tc_catalog_options o = TC_CATALOG_OPTIONS_INIT;
  o.max_category_depth = 3;
  ck_assert_int_eq(tc_catalog_configure(ctx, &o), TC_OK);
  tc_id e;
  ck_assert_int_eq(tc_catalog_category_create(&e, ctx, tt_sys(), b.str, "Deep"),
                   TC_OK); /* casa > camisetas > deep: 3 levels */
  ck_err(tc_catalog_category_create(&x, ctx, tt_sys(), e.str, "Deeper"),
         TC_ELIMIT, "parent_id");
  ck_err(tc_catalog_category_move(ctx, tt_sys(), d.str, a.str), TC_ELIMIT,
         "parent_id");
  o.max_category_depth = 99;
  ck_err(tc_catalog_configure(ctx, &o), TC_EINVAL, "max_category_depth");
}
END_TEST

/* ---- listings
 * --------------------------------------------------------------------- */

/* Who the listings below ask as: NULL (the public) or the admin view. */
static const tc_principal *view;

static int page_ids(tc_catalog_query *q, char ids[][TC_ID_STRLEN + 1],
                    size_t *n, char *cursor, size_t csize) {
  tc_catalog_page *page = NULL;
  int rc = tc_catalog_product_list(&page, ctx, view, q);
  if (rc) return rc;
  for (size_t i = 0; i < page->count; i++)
    snprintf(ids[(*n)++], TC_ID_STRLEN + 1, "%s", page->items[i].id);
  snprintf(cursor, csize, "%s", page->next_cursor ? page->next_cursor : "");
  tc_catalog_page_free(ctx, page);
  return TC_OK;
}

static size_t list_count(tc_catalog_query *q) {
  char ids[200][TC_ID_STRLEN + 1];
  size_t n = 0;
  char cur[256];
  q->limit = 100;
  ck_assert_int_eq(page_ids(q, ids, &n, cur, sizeof(cur)), TC_OK);
  ck_assert_str_eq(cur, "");
  return n;
}

START_TEST(list_filters) {
  view = NULL;
  tc_id root, child, other;
  ck_assert_int_eq(
      tc_catalog_category_create(&root, ctx, tt_sys(), NULL, "Root"), TC_OK);
  ck_assert_int_eq(
      tc_catalog_category_create(&child, ctx, tt_sys(), root.str, "Kid"),
      TC_OK);
  ck_assert_int_eq(
      tc_catalog_category_create(&other, ctx, tt_sys(), NULL, "Other"), TC_OK);
  tc_id p1 = sellable("Alpha Café", "S1", 1000);
  tc_id p2 = sellable("Beta", "S2", 5000);
  tc_id p3 = product("Alpine draft", NULL);
  variant(p3.str, "S3", NULL);
  price("S3", 2000, "BRL");
  const char *in_root[] = {root.str}, *in_child[] = {child.str, other.str};
  tc_catalog_product_input up = TC_CATALOG_PRODUCT_INPUT_INIT;
  up.category_ids = in_root;
  up.category_count = 1;
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), p1.str, &up),
                   TC_OK);
  up.category_ids = in_child;
  up.category_count = 2; /* a product in two categories */
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), p2.str, &up),
                   TC_OK);
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), p3.str, &up),
                   TC_OK);

  tc_catalog_query q = TC_CATALOG_QUERY_INIT;
  ck_assert_uint_eq(list_count(&q), 2); /* public: published only */
  view = tt_sys();
  ck_assert_uint_eq(list_count(&q), 3);
  q.status = TC_CATALOG_DRAFT;
  ck_assert_uint_eq(list_count(&q), 1);
  view = NULL; /* the public asking for drafts gets nothing */
  ck_assert_uint_eq(list_count(&q), 0);

  tc_catalog_query c = TC_CATALOG_QUERY_INIT;
  c.category_id = root.str;
  ck_assert_uint_eq(list_count(&c), 1);
  c.descendants = true;
  ck_assert_uint_eq(list_count(&c), 2);
  view = tt_sys();
  ck_assert_uint_eq(list_count(&c), 3);
  c.category_id = other.str;
  ck_assert_uint_eq(list_count(&c), 2);

  tc_catalog_query pf = TC_CATALOG_QUERY_INIT;
  pf.prefix = "ALP";
  ck_assert_uint_eq(list_count(&pf), 2);
  pf.prefix = "alpha ca"; /* folded like the title */
  ck_assert_uint_eq(list_count(&pf), 1);
  pf.prefix = "%";
  ck_err(tc_catalog_product_list(&(tc_catalog_page *){NULL}, ctx, NULL, &pf),
         TC_EINVAL, "prefix");
  tc_catalog_query pr = TC_CATALOG_QUERY_INIT;
  view = NULL;
  pr.currency = "BRL";
  pr.price_min = 1500;
  ck_assert_uint_eq(list_count(&pr), 1); /* Beta */
  view = tt_sys();
  ck_assert_uint_eq(list_count(&pr), 2); /* and the draft */
  pr.price_max = 2500;
  ck_assert_uint_eq(list_count(&pr), 1);
  pr.currency = "USD";
  ck_assert_uint_eq(list_count(&pr), 0);

  tc_catalog_page *page = NULL;
  tc_catalog_query bad = TC_CATALOG_QUERY_INIT;
  bad.price_min = 10;
  ck_err(tc_catalog_product_list(&page, ctx, NULL, &bad), TC_EINVAL,
         "currency");
  bad.currency = "BRL";
  bad.price_max = 5;
  ck_err(tc_catalog_product_list(&page, ctx, NULL, &bad), TC_EINVAL,
         "price_max");
  bad = (tc_catalog_query)TC_CATALOG_QUERY_INIT;
  bad.price_min = -7;
  bad.currency = "BRL";
  ck_err(tc_catalog_product_list(&page, ctx, NULL, &bad), TC_EINVAL,
         "price_min");
  bad = (tc_catalog_query)TC_CATALOG_QUERY_INIT;
  bad.limit = 101;
  ck_err(tc_catalog_product_list(&page, ctx, NULL, &bad), TC_EINVAL, "limit");
  bad.limit = 0;
  bad.cursor = "garbage";
  ck_err(tc_catalog_product_list(&page, ctx, NULL, &bad), TC_EINVAL, "cursor");
  bad.cursor = NULL;
  tc_id ghost;
  tc_id_new(&ghost, ctx);
  bad.category_id = ghost.str;
  ck_err(tc_catalog_product_list(&page, ctx, NULL, &bad), TC_ENOTFOUND,
         "category_id");
  ck_assert_ptr_null(page);
  (void)p2;
}
END_TEST

static tc_id sellable_sku(const char *title) {
  static int seq;
  char sku[32];
  snprintf(sku, sizeof(sku), "SKU-%d", ++seq);
  return sellable(title, sku, 100);
}

/* Page through everything while products keep being added: every product
 * that existed at the start is seen exactly once. */
static void paginate(tc_catalog_order order) {
  static const char *words[] = {"zebra",  "Água", "maçã",  "banana", "kiwi",
                                "Éclair", "uva",  "limão", "figo",   "caju"};
  char seen[400][TC_ID_STRLEN + 1];
  char start[60][TC_ID_STRLEN + 1];
  for (int i = 0; i < 60; i++) {
    char title[64];
    snprintf(title, sizeof(title), "%s %d", words[(i * 7) % 10], i % 13);
    snprintf(start[i], sizeof(start[i]), "%s", sellable_sku(title).str);
    if (i % 3 == 0) clk.now++; /* several share a millisecond */
  }
  (void)start;
  size_t n = 0;
  char cursor[256] = "";
  int pages = 0, added = 0;
  do {
    tc_catalog_query q = TC_CATALOG_QUERY_INIT;
    q.order = order;
    q.limit = 7;
    q.cursor = cursor[0] ? cursor : NULL;
    char cur2[256];
    ck_assert_int_eq(page_ids(&q, seen, &n, cur2, sizeof(cur2)), TC_OK);
    snprintf(cursor, sizeof(cursor), "%s", cur2);
    pages++;
    /* Inserted between pages, before and after the cursor. */
    char title[32];
    snprintf(title, sizeof(title), "%s new %d", words[pages % 10], pages);
    sellable_sku(title);
    added++;
  } while (cursor[0] && pages < 100);
  ck_assert_int_lt(pages, 100);
  for (size_t i = 0; i < n; i++)
    for (size_t k = i + 1; k < n; k++)
      ck_assert_msg(strcmp(seen[i], seen[k]) != 0, "duplicate %s", seen[i]);
  for (int i = 0; i < 60; i++) {
    bool found = false;
    for (size_t k = 0; k < n && !found; k++) found = !strcmp(start[i], seen[k]);
    ck_assert_msg(found, "product %d (%s) missing", i, start[i]);
  }
  /* New ones come last: all are seen but the one added after the last
   * page. */
  if (order == TC_CATALOG_ORDER_CREATED)
    ck_assert_uint_eq(n, 60 + (size_t)added - 1);
}

START_TEST(pagination_created) {
  paginate(TC_CATALOG_ORDER_CREATED);
}
END_TEST

START_TEST(pagination_title) {
  paginate(TC_CATALOG_ORDER_TITLE);
  /* The title order is the folded title order. */
  tc_catalog_query q = TC_CATALOG_QUERY_INIT;
  q.order = TC_CATALOG_ORDER_TITLE;
  q.limit = 100;
  tc_catalog_page *page;
  ck_assert_int_eq(tc_catalog_product_list(&page, ctx, NULL, &q), TC_OK);
  for (size_t i = 1; i < page->count; i++) {
    char a[128], b[128];
    tc_catalog_slugify(a, sizeof(a), page->items[i - 1].title);
    tc_catalog_slugify(b, sizeof(b), page->items[i].title);
    ck_assert_msg(strcmp(a, b) <= 0, "%s after %s", b, a);
  }
  tc_catalog_page_free(ctx, page);
  /* A cursor of one order is refused by the other. */
  q.limit = 2;
  ck_assert_int_eq(tc_catalog_product_list(&page, ctx, NULL, &q), TC_OK);
  ck_assert_ptr_nonnull(page->next_cursor);
  tc_catalog_query o = TC_CATALOG_QUERY_INIT;
  o.cursor = page->next_cursor;
  tc_catalog_page *p2 = NULL;
  ck_err(tc_catalog_product_list(&p2, ctx, NULL, &o), TC_EINVAL, "cursor");
  tc_catalog_page_free(ctx, page);
}
END_TEST

/* The default listings walk an index in order: no table scan, no sort. */
START_TEST(list_uses_index) {
  for (int i = 0; i < 30; i++) {
    char t[32];
    snprintf(t, sizeof(t), "Item %d", i);
    sellable_sku(t);
  }
  tc_catalog_page *page;
  tc_catalog_query first = TC_CATALOG_QUERY_INIT;
  first.limit = 3;
  ck_assert_int_eq(tc_catalog_product_list(&page, ctx, NULL, &first), TC_OK);
  char cursor[256];
  snprintf(cursor, sizeof(cursor), "%s", page->next_cursor);
  tc_catalog_page_free(ctx, page);

  for (int all = 0; all < 2; all++) {
    for (int withcur = 0; withcur < 2; withcur++) {
      for (int ord = 0; ord < 2; ord++) {
        tc_catalog_query q = TC_CATALOG_QUERY_INIT;
        q.order = ord ? TC_CATALOG_ORDER_TITLE : TC_CATALOG_ORDER_CREATED;
        if (withcur && !ord) q.cursor = cursor;
        if (withcur && ord)
          q.cursor = "t.item-1.00000000-0000-7000-8000-000000000000";
        char plan[2048];
        ck_assert_int_eq(cat__list_plan(ctx, &q, all != 0, plan, sizeof(plan)),
                         TC_OK);
        ck_assert_msg(strstr(plan, "INDEX catalog_products_"), "plan: %s",
                      plan);
        ck_assert_msg(!strstr(plan, "TEMP B-TREE"), "plan sorts: %s", plan);
        ck_assert_msg(!strstr(plan, "SCAN p\n"), "plan scans: %s", plan);
      }
    }
  }
}
END_TEST

/* ---- events and transactions
 * ------------------------------------------------------- */

START_TEST(events_only_on_commit) {
  tc_id cat;
  ck_assert_int_eq(tc_catalog_category_create(&cat, ctx, tt_sys(), NULL, "Cat"),
                   TC_OK);
  drain(NULL, NULL, 0);
  int64_t before = rows();
  /* The host's transaction rolls back: neither the product nor its event. */
  ck_assert_int_eq(tc__txn_begin(ctx, TC_TXN_WRITE), TC_OK);
  tc_id id = product("Ghost", NULL);
  variant(id.str, "GHOST-1", NULL);
  ck_assert_int_eq(tc__txn_end(ctx, TC_ERROR), TC_ERROR);
  ck_assert_int_eq(rows(), before);
  ck_assert_int_eq(drain(NULL, NULL, 0), 0);

  /* Committed: the events are there with the indexer's data. */
  const char *cats[] = {cat.str};
  tc_catalog_product_input in = TC_CATALOG_PRODUCT_INPUT_INIT;
  in.title = "Real Thing";
  in.category_ids = cats;
  in.category_count = 1;
  ck_assert_int_eq(tc_catalog_product_create(&id, ctx, tt_sys(), &in), TC_OK);
  char ev[4096];
  ck_assert_int_eq(drain("catalog.product_created", ev, sizeof(ev)), 1);
  char want[128];
  snprintf(want, sizeof(want), "\"id\":\"%s\"", id.str);
  ck_assert_ptr_nonnull(strstr(ev, want));
  ck_assert_ptr_nonnull(strstr(ev, "\"slug\":\"real-thing\""));
  ck_assert_ptr_nonnull(strstr(ev, "\"status\":\"draft\""));
  snprintf(want, sizeof(want), "\"category_ids\":[\"%s\"]", cat.str);
  ck_assert_ptr_nonnull(strstr(ev, want));
  ck_assert_ptr_nonnull(strstr(ev, "\"skus\":[]"));
}
END_TEST

/* Every allocation of a read can fail: an error comes back, nothing leaks. */
START_TEST(alloc_failures) {
  tt_alloc a;
  tt_alloc_init(&a, 0);
  char d2[4096];
  char path[4200];
  tt_tmpdir(d2, sizeof(d2));
  snprintf(path, sizeof(path), "%s/a.db", d2);
  tc_store *st = NULL;
  ck_assert_int_eq(tc_store_sqlite_open(&st, path, NULL), TC_OK);
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = st;
  cfg.allocator = &a.alloc;
  tc_ctx *c2 = NULL;
  ck_assert_int_eq(tc_ctx_new(&c2, &cfg), TC_OK);
  tc_ctx *saved = ctx;
  ctx = c2;
  tc_id id = sellable("Alloc test", "AL-1", 100);
  variant(id.str, "AL-2", "{\"a\":\"b\"}");
  const char *img[] = {"https://x.example/1.jpg", "https://x.example/2.jpg"};
  tc_catalog_product_input up = TC_CATALOG_PRODUCT_INPUT_INIT;
  up.images = img;
  up.image_count = 2;
  ck_assert_int_eq(tc_catalog_product_update(ctx, tt_sys(), id.str, &up),
                   TC_OK);
  long live = a.live;
  int ok_get = 0, ok_list = 0;
  for (long i = 1; i < 200 && !(ok_get && ok_list); i++) {
    tc_catalog_product *p = NULL;
    a.fail_at = a.calls + i;
    int rc = tc_catalog_product_get(&p, ctx, tt_sys(), id.str);
    a.fail_at = 0;
    if (rc == TC_OK) {
      ck_assert_uint_eq(p->variant_count, 2);
      ck_assert_uint_eq(p->image_count, 2);
      tc_catalog_product_free(ctx, p);
      ok_get = 1;
    } else {
      ck_assert_int_eq(rc, TC_ENOMEM);
      ck_assert_ptr_null(p);
    }
    ck_assert_int_eq(a.live, live);
    tc_catalog_page *page = NULL;
    tc_catalog_query q = TC_CATALOG_QUERY_INIT;
    a.fail_at = a.calls + i;
    rc = tc_catalog_product_list(&page, ctx, NULL, &q);
    a.fail_at = 0;
    if (rc == TC_OK) {
      ck_assert_uint_eq(page->count, 1);
      tc_catalog_page_free(ctx, page);
      ok_list = 1;
    } else {
      ck_assert_int_eq(rc, TC_ENOMEM);
    }
    ck_assert_int_eq(a.live, live);
  }
  ck_assert(ok_get && ok_list);
  ctx = saved;
  tc_ctx_free(c2);
  st->free(st->self);
  tt_tmpdir_remove(d2);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("catalog");
  TCase *t = tcase_create("catalog");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, slugify);
  tcase_add_test(t, create_and_get);
  tcase_add_test(t, create_errors_change_nothing);
  tcase_add_test(t, update_and_versions);
  tcase_add_test(t, status_transitions);
  tcase_add_test(t, variants);
  tcase_add_test(t, visibility);
  tcase_add_test(t, prices);
  tcase_add_test(t, sku_lookups);
  tcase_add_test(t, categories);
  tcase_add_test(t, list_filters);
  tcase_add_test(t, pagination_created);
  tcase_add_test(t, pagination_title);
  tcase_add_test(t, list_uses_index);
  tcase_add_test(t, events_only_on_commit);
  tcase_add_test(t, alloc_failures);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tt_run(suite());
}
