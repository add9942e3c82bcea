/* The catalog.* methods of the JSON API, through tc_api_call. */
#include <stdio.h>

#include "testutil.h"

static char dir[4096];
static tt_clock clk;
static tc_ctx *ctx;
static tc_principal admin, customer, anon;

static void setup(void) {
  tt_clock_init(&clk, 1700000000000);
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  admin = tt_user("0190c9e2-8a6b-7c3d-9e4f-0123456789ab", TC_ROLE_ADMIN);
  customer = tt_user("0190c9e2-8a6b-7c3d-9e4f-0123456789ac", TC_ROLE_CUSTOMER);
  anon = (tc_principal)TC_PRINCIPAL_INIT;
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
}

/* Call and check the code; the response stays in a static buffer. */
static const char *call(const tc_principal *who, const char *method,
                        const char *req, int want) {
  static char keep[16384];
  char *out = NULL;
  int rc = tt_call(ctx, who, method, req, &out);
  snprintf(keep, sizeof(keep), "%s", out);
  free(out);
  ck_assert_msg(rc == want, "%s %s: got %d, want %d: %s", method, req, rc, want,
                keep);
  return keep;
}

/* The value of "key":"..." in json (first match), copied to buf. */
static const char *str_of(const char *json, const char *key, char *buf,
                          size_t size) {
  char pat[64];
  snprintf(pat, sizeof(pat), "\"%s\":\"", key);
  const char *p = strstr(json, pat);
  ck_assert_msg(p != NULL, "no %s in %s", key, json);
  p += strlen(pat);
  size_t n = 0;
  while (p[n] && p[n] != '"' && n + 1 < size) n++;
  memcpy(buf, p, n);
  buf[n] = '\0';
  return buf;
}

#define has(json, s) ck_assert_msg(strstr((json), (s)) != NULL, "%s", (json))

START_TEST(product_flow) {
  char req[1024], id[64], vid[64], buf[64];
  const char *r = call(&admin, "catalog.create_product",
                       "{\"title\":\"Tênis Corrida\",\"description\":\"leve\","
                       "\"attributes\":{\"marca\":\"X\",\"peso\":210},"
                       "\"images\":[\"https://cdn.example/t.jpg\"]}",
                       TC_OK);
  has(r, "\"slug\":\"tenis-corrida\"");
  has(r, "\"status\":\"draft\"");
  has(r, "\"attributes\":{\"marca\":\"X\",\"peso\":210}");
  str_of(r, "id", id, sizeof(id));

  /* Writes need an admin. */
  call(&customer, "catalog.create_product", "{\"title\":\"x\"}", TC_EDENIED);
  call(&anon, "catalog.create_product", "{\"title\":\"x\"}",
       TC_EUNAUTHENTICATED);

  /* Public reads do not see drafts; admins do. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", id);
  call(&anon, "catalog.get_product", req, TC_ENOTFOUND);
  call(&admin, "catalog.get_product", req, TC_OK);

  snprintf(req, sizeof(req),
           "{\"product_id\":\"%s\",\"sku\":\"TEN-40\","
           "\"options\":{\"tamanho\":\"40\"},\"weight_grams\":300}",
           id);
  r = call(&admin, "catalog.add_variant", req, TC_OK);
  has(r, "\"sku\":\"TEN-40\"");
  str_of(r, "id", vid, sizeof(vid));
  r = call(&admin, "catalog.add_variant", req, TC_ECONFLICT);
  has(r, "\"field\":\"sku\"");

  r = call(&admin, "catalog.set_price",
           "{\"sku\":\"TEN-40\",\"currency\":\"BRL\",\"amount\":29990,"
           "\"compare_at\":34990}",
           TC_OK);
  has(r, "\"amount\":29990");
  r = call(&admin, "catalog.set_price",
           "{\"sku\":\"TEN-40\",\"currency\":\"ABC\",\"amount\":1}", TC_EINVAL);
  has(r, "\"field\":\"currency\"");
  r = call(&admin, "catalog.set_price",
           "{\"sku\":\"TEN-40\",\"currency\":\"BRL\",\"amount\":-1}",
           TC_EINVAL);
  has(r, "\"field\":\"amount\"");

  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"expected_version\":1}", id);
  r = call(&admin, "catalog.publish_product", req, TC_OK);
  has(r, "\"status\":\"published\"");
  r = call(&admin, "catalog.update_product", req, TC_ECONFLICT);
  has(r, "\"field\":\"expected_version\"");

  /* Now public, by slug; the variant carries its price. */
  r = call(&anon, "catalog.get_product", "{\"slug\":\"tenis-corrida\"}", TC_OK);
  has(r,
      "\"prices\":[{\"currency\":\"BRL\",\"amount\":29990,"
      "\"compare_at\":34990}]");
  has(r, "\"options\":{\"tamanho\":\"40\"}");
  r = call(&anon, "catalog.get_product", "{}", TC_EINVAL);
  has(r, "\"field\":\"id\"");

  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"active\":false}", vid);
  r = call(&admin, "catalog.update_variant", req, TC_OK);
  has(r, "\"active\":false");

  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", id);
  call(&admin, "catalog.archive_product", req, TC_OK);
  r = call(&admin, "catalog.publish_product", req, TC_ESTATE);
  has(r, "archived");
  has(r, "published");
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"status\":\"draft\"}", id);
  r = call(&admin, "catalog.set_product_status", req, TC_OK);
  has(r, "\"status\":\"draft\"");
  (void)buf;
}
END_TEST

START_TEST(validation_names_fields) {
  struct {
    const char *method, *req, *field;
    int code;
  } cases[] = {
      {"catalog.create_product", "{}", "title", TC_EINVAL},
      {"catalog.create_product", "{\"title\":\"a\",\"slug\":\"Bad\"}", "slug",
       TC_EINVAL},
      {"catalog.create_product", "{\"title\":\"a\",\"colour\":\"x\"}", "colour",
       TC_EINVAL},
      {"catalog.create_product", "{\"title\":\"a\",\"images\":[\"ftp://x/y\"]}",
       "images[0]", TC_EINVAL},
      {"catalog.create_product", "{\"title\":\"a\",\"attributes\":{\"k\":[1]}}",
       "attributes.k", TC_EINVAL},
      {"catalog.create_product", "{\"title\":5}", "title", TC_EINVAL},
      {"catalog.list_products", "{\"limit\":1000}", "limit", TC_EINVAL},
      {"catalog.list_products", "{\"order\":\"price\"}", "order", TC_EINVAL},
      {"catalog.list_products", "{\"cursor\":\"zzz\"}", "cursor", TC_EINVAL},
      {"catalog.list_products", "{\"price_min\":5}", "currency", TC_EINVAL},
      {"catalog.create_category", "{\"name\":\"\"}", "name", TC_EINVAL},
      {"catalog.add_variant",
       "{\"product_id\":\"0190c9e2-8a6b-7c3d-9e4f-0123456789ab\","
       "\"sku\":\"a b\"}",
       "sku", TC_EINVAL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *r = call(&admin, cases[i].method, cases[i].req, cases[i].code);
    char want[64];
    snprintf(want, sizeof(want), "\"field\":\"%s\"", cases[i].field);
    ck_assert_msg(strstr(r, want), "case %zu: %s", i, r);
  }
}
END_TEST

START_TEST(categories_and_listing) {
  char a[64], b[64], req[512], cursor[256];
  const char *r =
      call(&admin, "catalog.create_category", "{\"name\":\"Esporte\"}", TC_OK);
  str_of(r, "id", a, sizeof(a));
  has(r, "\"parent_id\":null");
  snprintf(req, sizeof(req), "{\"name\":\"Corrida\",\"parent_id\":\"%s\"}", a);
  r = call(&admin, "catalog.create_category", req, TC_OK);
  str_of(r, "id", b, sizeof(b));
  has(r, "\"depth\":1");
  /* A cycle, named. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"parent_id\":\"%s\"}", a, b);
  r = call(&admin, "catalog.update_category", req, TC_EINVAL);
  has(r, "\"field\":\"parent_id\"");
  /* Rename and move to the top together. */
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"name\":\"Running\",\"parent_id\":\"\"}", b);
  r = call(&admin, "catalog.update_category", req, TC_OK);
  has(r, "\"slug\":\"running\"");
  has(r, "\"depth\":0");
  /* Rename that fails leaves the move undone too. */
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"name\":\"Esporte\",\"parent_id\":\"%s\"}", b, a);
  call(&admin, "catalog.update_category", req, TC_ECONFLICT);
  r = call(&anon, "catalog.list_categories", "{}", TC_OK);
  has(r, "\"name\":\"Running\"");
  call(&customer, "catalog.delete_category", req, TC_EDENIED);

  for (int i = 0; i < 5; i++) {
    snprintf(req, sizeof(req),
             "{\"title\":\"Produto %d\",\"category_ids\":[\"%s\"]}", i, b);
    char pid[64];
    r = call(&admin, "catalog.create_product", req, TC_OK);
    str_of(r, "id", pid, sizeof(pid));
    snprintf(req, sizeof(req), "{\"product_id\":\"%s\",\"sku\":\"P-%d\"}", pid,
             i);
    call(&admin, "catalog.add_variant", req, TC_OK);
    snprintf(req, sizeof(req), "{\"id\":\"%s\"}", pid);
    call(&admin, "catalog.publish_product", req, TC_OK);
  }
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", b);
  r = call(&admin, "catalog.delete_category", req, TC_ESTATE);
  has(r, "products");

  /* Pages of two through the JSON API. */
  int seen = 0, pages = 0;
  cursor[0] = '\0';
  do {
    if (cursor[0])
      snprintf(req, sizeof(req),
               "{\"limit\":2,\"category_id\":\"%s\",\"cursor\":\"%s\"}", b,
               cursor);
    else
      snprintf(req, sizeof(req), "{\"limit\":2,\"category_id\":\"%s\"}", b);
    r = call(&anon, "catalog.list_products", req, TC_OK);
    for (const char *p = r; (p = strstr(p, "\"slug\":\"produto-")); p++) seen++;
    if (strstr(r, "\"next_cursor\":null"))
      cursor[0] = '\0';
    else
      str_of(r, "next_cursor", cursor, sizeof(cursor));
    pages++;
  } while (cursor[0] && pages < 10);
  ck_assert_int_eq(seen, 5);
  ck_assert_int_eq(pages, 3);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("catalog_api");
  TCase *t = tcase_create("api");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, product_flow);
  tcase_add_test(t, validation_names_fields);
  tcase_add_test(t, categories_and_listing);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tt_run(suite());
}
