/*
 * tests/test_e2e.c - acceptance: the seed's three flows (authentication,
 * order, search) walked only through tc_api_call with JSON text, as an
 * outside user would: bearer tokens from auth.login for customers, a
 * trusted admin principal for the back office, the system principal for
 * the workers (event consumers).
 */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "testutil.h"

static tt_clock clk;
static tc_ctx *ctx;
static char dir[512];

static void setup(void) {
  tt_clock_init(&clk, INT64_C(1767225600000)); /* 2026-01-01 */
  ctx = tt_ctx_new(dir, sizeof(dir), &clk);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
  ctx = NULL;
}

/* Call method with bearer token or principal (either may be NULL); check
 * the answer's code and parse it (never NULL: the caller deletes it). */
static cJSON *call_as(const char *bearer, const tc_principal *who,
                      const char *method, const char *req, int want) {
  tc_buf out = TC_BUF_INIT;
  tc_caller caller = TC_CALLER_INIT;
  caller.bearer = bearer;
  caller.principal = who;
  caller.client_ip = "192.0.2.7";
  caller.user_agent = "e2e";
  int rc = tc_api_call(&out, ctx, &caller, method, req, req ? strlen(req) : 0);
  ck_assert_msg(rc == want, "%s %s: got %s want %s: %s", method, req ? req : "",
                tc_strerror(rc), tc_strerror(want), out.ptr ? out.ptr : "");
  cJSON *j = cJSON_Parse(out.ptr ? out.ptr : "");
  ck_assert_msg(j != NULL, "%s: answer is not JSON: %s", method,
                out.ptr ? out.ptr : "");
  tc_buf_dispose(&out);
  return j;
}

static cJSON *bearer_call(const char *token, const char *method,
                          const char *req, int want) {
  return call_as(token, NULL, method, req, want);
}

static tc_principal admin_p, system_p;

static cJSON *admin_call(const char *method, const char *req, int want) {
  return call_as(NULL, &admin_p, method, req, want);
}

static cJSON *system_call(const char *method, const char *req, int want) {
  return call_as(NULL, &system_p, method, req, want);
}

/* Member path a.b.c (dots) of j, or NULL. */
static const cJSON *at(const cJSON *j, const char *path) {
  char name[64];
  while (j && *path) {
    size_t n = strcspn(path, ".");
    ck_assert_uint_lt(n, sizeof(name));
    memcpy(name, path, n);
    name[n] = '\0';
    j = cJSON_GetObjectItemCaseSensitive(j, name);
    path += n + (path[n] == '.');
  }
  return j;
}

static const char *sat(const cJSON *j, const char *path) {
  const cJSON *v = at(j, path);
  char *p = cJSON_PrintUnformatted(j);
  ck_assert_msg(cJSON_IsString(v), "no string %s in %s", path, p);
  free(p);
  return v->valuestring;
}

static double nat(const cJSON *j, const char *path) {
  const cJSON *v = at(j, path);
  char *p = cJSON_PrintUnformatted(j);
  ck_assert_msg(cJSON_IsNumber(v), "no number %s in %s", path, p);
  free(p);
  return v->valuedouble;
}

static const char *err_code(const cJSON *j) {
  const cJSON *v = at(j, "error.code");
  return cJSON_IsString(v) ? v->valuestring : "";
}

static void copy(char *dst, size_t size, const char *s) {
  ck_assert_uint_lt(strlen(s), size);
  snprintf(dst, size, "%s", s);
}

/* The code an authenticator app shows now for a base32 secret. */
static void app_code(char *out, const char *secret, int64_t ms) {
  unsigned char key[64];
  size_t n = 0;
  ck_assert_int_eq(tc_auth_base32_decode(key, sizeof(key), &n, secret), TC_OK);
  ck_assert_int_eq(
      tc_auth_totp_code(out, 16, TC_TOTP_SHA1, key, n, ms / 1000, 30, 6),
      TC_OK);
}

#define PASSWORD "correct horse battery staple"

/* Register email through users.register and log in; tokens out. */
static void register_and_login(char *user_id, char *access, char *refresh,
                               const char *email) {
  char req[1024];
  snprintf(req, sizeof(req),
           "{\"email\":\"%s\",\"password\":\"" PASSWORD
           "\",\"name\":\"Cliente\",\"locale\":\"pt-BR\"}",
           email);
  cJSON *j = call_as(NULL, NULL, "users.register", req, TC_OK);
  copy(user_id, 64, sat(j, "user.id"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"email\":\"%s\",\"password\":\"" PASSWORD "\"}",
           email);
  j = call_as(NULL, NULL, "auth.login", req, TC_OK);
  copy(access, TC_AUTH_TOKEN_MAX, sat(j, "access_token"));
  if (refresh) copy(refresh, TC_AUTH_OPAQUE_MAX, sat(j, "refresh_token"));
  cJSON_Delete(j);
}

/* ---- (1) authentication ------------------------------------------------- */

START_TEST(auth_flow) {
  char uid[64], access[TC_AUTH_TOKEN_MAX], refresh[TC_AUTH_OPAQUE_MAX];
  char req[9000];
  register_and_login(uid, access, refresh, "Ana@Example.com");

  /* The token identifies the caller to every module. */
  cJSON *j = bearer_call(access, "users.get", "{}", TC_OK);
  ck_assert_str_eq(sat(j, "user.id"), uid);
  ck_assert_str_eq(sat(j, "user.email"), "ana@example.com");
  cJSON_Delete(j);
  j = bearer_call(access, "auth.list_sessions", "{}", TC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "sessions")), 1);
  cJSON_Delete(j);

  /* Wrong password and unknown e-mail: the same answer. */
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"nope nope nope\"}",
              TC_EUNAUTHENTICATED);
  char wrong[512];
  copy(wrong, sizeof(wrong), sat(j, "error.message"));
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"nobody@example.com\",\"password\":\"nope nope "
              "nope\"}",
              TC_EUNAUTHENTICATED);
  ck_assert_str_eq(sat(j, "error.message"), wrong);
  cJSON_Delete(j);

  /* A garbage bearer is refused. */
  j = bearer_call("not.a.token", "users.get", "{}", TC_EUNAUTHENTICATED);
  cJSON_Delete(j);

  /* Refresh rotates; the new access token works. */
  snprintf(req, sizeof(req), "{\"refresh_token\":\"%s\"}", refresh);
  j = call_as(NULL, NULL, "auth.refresh", req, TC_OK);
  char refresh2[TC_AUTH_OPAQUE_MAX];
  copy(access, TC_AUTH_TOKEN_MAX, sat(j, "access_token"));
  copy(refresh2, sizeof(refresh2), sat(j, "refresh_token"));
  ck_assert_str_ne(refresh2, refresh);
  cJSON_Delete(j);
  j = bearer_call(access, "users.get", "{}", TC_OK);
  cJSON_Delete(j);

  /* MFA: enrol, confirm with the app's code. */
  j = bearer_call(access, "auth.mfa_enroll", "{}", TC_OK);
  char secret[128], code[16];
  copy(secret, sizeof(secret), sat(j, "secret"));
  ck_assert_ptr_nonnull(strstr(sat(j, "otpauth_uri"), "otpauth://totp/"));
  cJSON_Delete(j);
  j = bearer_call(access, "auth.mfa_confirm", "{\"code\":\"000000x\"}",
                  TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  app_code(code, secret, clk.now);
  snprintf(req, sizeof(req), "{\"code\":\"%s\"}", code);
  j = bearer_call(access, "auth.mfa_confirm", req, TC_OK);
  ck_assert_int_ge(cJSON_GetArraySize(at(j, "recovery_codes")), 8);
  char recovery[64];
  copy(recovery, sizeof(recovery),
       cJSON_GetArrayItem(at(j, "recovery_codes"), 0)->valuestring);
  cJSON_Delete(j);

  /* Login now answers with a challenge, no tokens. */
  clk.now += 30000;
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_OK);
  ck_assert(cJSON_IsTrue(at(j, "mfa_required")));
  ck_assert_ptr_null(at(j, "access_token"));
  char challenge[2048];
  copy(challenge, sizeof(challenge), sat(j, "mfa_challenge"));
  cJSON_Delete(j);
  /* A wrong code is refused, the right one gives tokens. */
  app_code(code, secret, clk.now + 5 * 60000);
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           challenge, code);
  j = call_as(NULL, NULL, "auth.mfa_verify", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  app_code(code, secret, clk.now);
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           challenge, code);
  j = call_as(NULL, NULL, "auth.mfa_verify", req, TC_OK);
  char access2[TC_AUTH_TOKEN_MAX];
  copy(access2, sizeof(access2), sat(j, "access_token"));
  cJSON_Delete(j);
  /* The same code is spent. */
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_OK);
  copy(challenge, sizeof(challenge), sat(j, "mfa_challenge"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           challenge, code);
  j = call_as(NULL, NULL, "auth.mfa_verify", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);

  /* Logout: that session's token stops working everywhere; the other
   * session's does not. */
  j = bearer_call(access, "auth.logout", "{}", TC_OK);
  cJSON_Delete(j);
  j = bearer_call(access, "users.get", "{}", TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"token\":\"%s\"}", access);
  j = call_as(NULL, NULL, "auth.verify_token", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"refresh_token\":\"%s\"}", refresh2);
  j = call_as(NULL, NULL, "auth.refresh", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  j = bearer_call(access2, "users.get", "{}", TC_OK);
  cJSON_Delete(j);
  /* Reusing the first (rotated) refresh token is refused. */
  snprintf(req, sizeof(req), "{\"refresh_token\":\"%s\"}", refresh);
  j = call_as(NULL, NULL, "auth.refresh", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);

  /* A recovery code answers a challenge once. */
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_OK);
  copy(challenge, sizeof(challenge), sat(j, "mfa_challenge"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           challenge, recovery);
  j = call_as(NULL, NULL, "auth.mfa_verify", req, TC_OK);
  char access3[TC_AUTH_TOKEN_MAX];
  copy(access3, sizeof(access3), sat(j, "access_token"));
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_OK);
  copy(challenge, sizeof(challenge), sat(j, "mfa_challenge"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"challenge\":\"%s\",\"code\":\"%s\"}",
           challenge, recovery);
  j = call_as(NULL, NULL, "auth.mfa_verify", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);

  /* Turning MFA off needs the password and a code; then login gives
   * tokens straight away. */
  clk.now += 30000;
  app_code(code, secret, clk.now);
  snprintf(req, sizeof(req),
           "{\"password\":\"wrong password!\",\"code\":\"%s\"}", code);
  j = bearer_call(access3, "auth.mfa_disable", req, TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"password\":\"" PASSWORD "\",\"code\":\"%s\"}",
           code);
  j = bearer_call(access3, "auth.mfa_disable", req, TC_OK);
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_OK);
  ck_assert_ptr_nonnull(at(j, "access_token"));
  cJSON_Delete(j);

  /* Revoking every session ends all tokens. */
  j = bearer_call(access3, "auth.revoke_all_sessions", "{}", TC_OK);
  ck_assert_int_ge((int)nat(j, "revoked"), 2);
  cJSON_Delete(j);
  j = bearer_call(access2, "users.get", "{}", TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  j = bearer_call(access3, "users.get", "{}", TC_EUNAUTHENTICATED);
  cJSON_Delete(j);

  /* A deleted account can no longer log in. */
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_OK);
  char access4[TC_AUTH_TOKEN_MAX];
  copy(access4, sizeof(access4), sat(j, "access_token"));
  cJSON_Delete(j);
  j = bearer_call(access4, "users.delete", "{}", TC_OK);
  cJSON_Delete(j);
  j = bearer_call(access4, "users.get", "{}", TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "auth.login",
              "{\"email\":\"ana@example.com\",\"password\":\"" PASSWORD "\"}",
              TC_EUNAUTHENTICATED);
  cJSON_Delete(j);
}
END_TEST

/* ---- (2) order flow + (3) search ---------------------------------------- */

typedef struct shop {
  char product[64], variant[64], category[64];
} shop;

/* Catalog and stock through the admin's JSON calls. */
static void make_shop(shop *s) {
  char req[2048];
  cJSON *j =
      admin_call("catalog.create_category", "{\"name\":\"Roupas\"}", TC_OK);
  copy(s->category, sizeof(s->category), sat(j, "category.id"));
  cJSON_Delete(j);
  snprintf(
      req, sizeof(req),
      "{\"title\":\"Camiseta Algodão Orgânico\",\"description\":\"Camiseta "
      "básica de algodão, café com leite\",\"category_ids\":[\"%s\"],"
      "\"attributes\":{\"cor\":\"bege\"}}",
      s->category);
  j = admin_call("catalog.create_product", req, TC_OK);
  copy(s->product, sizeof(s->product), sat(j, "product.id"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req),
           "{\"product_id\":\"%s\",\"sku\":\"CAM-M\","
           "\"options\":{\"tamanho\":\"M\"}}",
           s->product);
  j = admin_call("catalog.add_variant", req, TC_OK);
  copy(s->variant, sizeof(s->variant), sat(j, "variant.id"));
  cJSON_Delete(j);
  j = admin_call("catalog.set_price",
                 "{\"sku\":\"CAM-M\",\"currency\":\"BRL\",\"amount\":4990}",
                 TC_OK);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", s->product);
  j = admin_call("catalog.publish_product", req, TC_OK);
  ck_assert_str_eq(sat(j, "product.status"), "published");
  cJSON_Delete(j);

  j = admin_call("inventory.warehouse_create",
                 "{\"code\":\"SP1\",\"name\":\"São Paulo\",\"priority\":1}",
                 TC_OK);
  cJSON_Delete(j);
  j = admin_call("inventory.adjust",
                 "{\"sku\":\"CAM-M\",\"warehouse\":\"SP1\",\"delta\":10,"
                 "\"reason\":\"receipt\"}",
                 TC_OK);
  ck_assert_int_eq((int)nat(j, "on_hand"), 10);
  cJSON_Delete(j);
}

static int available(const char *sku) {
  char req[256];
  snprintf(req, sizeof(req), "{\"sku\":\"%s\"}", sku);
  cJSON *j = admin_call("inventory.available", req, TC_OK);
  int n = (int)nat(j, "available");
  cJSON_Delete(j);
  return n;
}

/* A cart with qty of CAM-M for the customer; token into cart. */
static void fill_cart(char *cart, const char *access, int qty) {
  char req[512];
  cJSON *j =
      bearer_call(access, "orders.cart_open", "{\"currency\":\"BRL\"}", TC_OK);
  copy(cart, 128, sat(j, "cart_token"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req),
           "{\"cart_token\":\"%s\",\"sku\":\"CAM-M\",\"qty\":%d}", cart, qty);
  j = bearer_call(access, "orders.cart_add", req, TC_OK);
  cJSON_Delete(j);
}

static const char *checkout_req(char *req, size_t size, const char *cart,
                                const char *key, const char *source) {
  snprintf(req, size,
           "{\"cart_token\":\"%s\",\"idempotency_key\":\"%s\","
           "\"payment_source\":\"%s\",\"shipping_address\":{\"name\":\"Ana\","
           "\"line1\":\"Rua A, 1\",\"city\":\"São Paulo\",\"region\":\"SP\","
           "\"postal_code\":\"01000-000\",\"country\":\"BR\"}}",
           cart, key, source);
  return req;
}

START_TEST(order_flow) {
  shop s;
  make_shop(&s);
  char uid[64], access[TC_AUTH_TOKEN_MAX], cart[128], req[2048];
  register_and_login(uid, access, NULL, "bia@example.com");
  char uid0[64], access2pre[TC_AUTH_TOKEN_MAX];
  register_and_login(uid0, access2pre, NULL, "duda@example.com");
  ck_assert_int_eq(available("CAM-M"), 10);

  fill_cart(cart, access, 2);
  snprintf(req, sizeof(req), "{\"cart_token\":\"%s\"}", cart);
  cJSON *j = bearer_call(access, "orders.cart_get", req, TC_OK);
  ck_assert_int_eq((int)nat(j, "cart.subtotal"), 9980);
  cJSON_Delete(j);

  checkout_req(req, sizeof(req), cart, "idem-1", "tok_visa");
  j = bearer_call(access, "orders.checkout", req, TC_OK);
  char order[64], number[64], payment[64], first[8192];
  copy(order, sizeof(order), sat(j, "order.id"));
  copy(number, sizeof(number), sat(j, "order.number"));
  copy(payment, sizeof(payment), sat(j, "order.payment_id"));
  ck_assert_str_eq(sat(j, "order.status"), "paid");
  ck_assert_str_eq(sat(j, "order.customer_id"), uid);
  char *p = cJSON_PrintUnformatted(j);
  copy(first, sizeof(first), p);
  free(p);
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), 8);

  /* The replay answers the same order, charges nothing more. */
  j = bearer_call(access, "orders.checkout", req, TC_OK);
  ck_assert_str_eq(sat(j, "order.id"), order);
  ck_assert_str_eq(sat(j, "order.status"), "paid");
  p = cJSON_PrintUnformatted(j);
  ck_assert_str_eq(p, first);
  free(p);
  cJSON_Delete(j);
  /* The same key with another request is a conflict. */
  checkout_req(req, sizeof(req), cart, "idem-1", "tok_mastercard");
  j = bearer_call(access, "orders.checkout", req, TC_ECONFLICT);
  cJSON_Delete(j);
  /* The payment is the customer's to read, captured or authorized. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", payment);
  j = bearer_call(access, "payments.get", req, TC_OK);
  ck_assert_str_eq(sat(j, "order_id"), order);
  ck_assert_str_eq(sat(j, "state"), "authorized");
  ck_assert_int_eq((int)nat(j, "amount"), 9980);
  cJSON_Delete(j);
  /* Unlike orders.get, payments answers permission_denied (see report). */
  j = bearer_call(access2pre, "payments.get", req, TC_EDENIED);
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), 8);

  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", order);
  j = bearer_call(access, "orders.get", req, TC_OK);
  ck_assert_str_eq(sat(j, "order.status"), "paid");
  ck_assert_int_eq((int)nat(j, "order.total"), 9980);
  cJSON_Delete(j);

  /* A declined card: a clean failure, stock back. */
  char cart2[128], order2[64];
  fill_cart(cart2, access, 3);
  checkout_req(req, sizeof(req), cart2, "idem-2", "tok_chargeDeclined");
  j = bearer_call(access, "orders.checkout", req, TC_EDECLINED);
  ck_assert_str_ne(err_code(j), "");
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), 8);
  j = bearer_call(access, "orders.list", "{}", TC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "items")), 2);
  order2[0] = '\0';
  const cJSON *it;
  cJSON_ArrayForEach(it, at(j, "items")) {
    if (strcmp(sat(it, "id"), order)) {
      copy(order2, sizeof(order2), sat(it, "id"));
      ck_assert_str_eq(sat(it, "status"), "payment_failed");
    }
  }
  cJSON_Delete(j);
  ck_assert_str_ne(order2, "");

  /* Another customer may not read it. */
  char uid2[64], access2[TC_AUTH_TOKEN_MAX];
  register_and_login(uid2, access2, NULL, "caio@example.com");
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", order);
  j = bearer_call(access2, "orders.get", req, TC_EDENIED);
  ck_assert_str_eq(err_code(j), "permission_denied");
  cJSON_Delete(j);
  j = bearer_call(access2, "orders.history", req, TC_EDENIED);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\"}", uid);
  j = bearer_call(access2, "users.get", req, TC_EDENIED);
  ck_assert_str_eq(err_code(j), "permission_denied");
  cJSON_Delete(j);
  j = bearer_call(access2, "orders.list", "{}", TC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "items")), 0);
  cJSON_Delete(j);

  /* The notify worker turns the events into the customer's inbox. */
  j = system_call("notify.consume_events", "{}", TC_OK);
  cJSON_Delete(j);
  j = system_call("notify.process", "{}", TC_OK);
  cJSON_Delete(j);
  j = bearer_call(access, "notify.inbox_list", "{}", TC_OK);
  p = cJSON_PrintUnformatted(j);
  free(p);
  /* Newest first: the payment failure, then the confirmation naming the
   * order's number. */
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "items")), 2);
  const cJSON *conf = cJSON_GetArrayItem(at(j, "items"), 1);
  ck_assert_ptr_nonnull(strstr(sat(conf, "subject"), number));
  ck_assert_ptr_nonnull(strstr(sat(conf, "subject"), "confirmado"));
  ck_assert(cJSON_IsFalse(at(conf, "read")));
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"user_id\":\"%s\"}", uid);
  j = bearer_call(access2, "notify.inbox_list", req, TC_EDENIED);
  cJSON_Delete(j);

  /* The admin refunds by cancelling the paid order; stock is back. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"reason\":\"cliente\"}", order);
  j = bearer_call(access2, "orders.cancel", req, TC_EDENIED);
  cJSON_Delete(j);
  j = admin_call("orders.cancel", req, TC_OK);
  p = cJSON_PrintUnformatted(j);
  ck_assert_msg(strstr(p, "refunded") || strstr(p, "cancelled"), "%s", p);
  free(p);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", order);
  j = bearer_call(access, "orders.get", req, TC_OK);
  ck_assert_str_eq(sat(j, "order.status"), "cancelled");
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", payment);
  j = bearer_call(access, "payments.get", req, TC_OK);
  /* Cancelling before capture voids the authorization; stock is back. */
  ck_assert_str_eq(sat(j, "state"), "voided");
  ck_assert_int_eq((int)nat(j, "captured"), 0);
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), 10);

  /* A fulfilled order (captured) is refunded in part by the admin. */
  char cart3[128], order3[64], pay3[64];
  fill_cart(cart3, access, 2);
  checkout_req(req, sizeof(req), cart3, "idem-3", "tok_visa");
  j = bearer_call(access, "orders.checkout", req, TC_OK);
  copy(order3, sizeof(order3), sat(j, "order.id"));
  copy(pay3, sizeof(pay3), sat(j, "order.payment_id"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"to\":\"fulfilling\"}", order3);
  j = bearer_call(access, "orders.transition", req, TC_EDENIED);
  cJSON_Delete(j);
  j = admin_call("orders.transition", req, TC_OK);
  ck_assert_str_eq(sat(j, "order.status"), "fulfilling");
  cJSON_Delete(j);
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"lines\":[{\"line_no\":1,\"qty\":1}],"
           "\"restock\":true,\"reason\":\"defeito\",\"key\":\"r1\"}",
           order3);
  j = admin_call("orders.refund", req, TC_OK);
  ck_assert_str_eq(sat(j, "order.status"), "partially_refunded");
  ck_assert_int_eq((int)nat(j, "order.refunded"), 4990);
  cJSON_Delete(j);
  j = admin_call("orders.refund", req, TC_OK); /* same key: once */
  ck_assert_int_eq((int)nat(j, "order.refunded"), 4990);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", pay3);
  j = bearer_call(access, "payments.get", req, TC_OK);
  ck_assert_int_eq((int)nat(j, "captured"), 9980);
  ck_assert_int_eq((int)nat(j, "refunded"), 4990);
  cJSON_Delete(j);
  /* The order's payment is refunded through the order, never around it. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"amount\":100}", pay3);
  j = admin_call("payments.refund", req, TC_ESTATE);
  ck_assert_str_eq(err_code(j), "invalid_state");
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), 9);
  /* More than was bought cannot be refunded; nothing changes. */
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"lines\":[{\"line_no\":1,\"qty\":2}],"
           "\"key\":\"r2\"}",
           order3);
  j = admin_call("orders.refund", req, TC_EINVAL);
  cJSON_Delete(j);
  snprintf(req, sizeof(req),
           "{\"id\":\"%s\",\"lines\":[{\"line_no\":1,\"qty\":1}],"
           "\"key\":\"r3\"}",
           order3);
  j = bearer_call(access, "orders.refund", req, TC_EDENIED);
  cJSON_Delete(j);
  j = admin_call("orders.refund", req, TC_OK);
  ck_assert_str_eq(sat(j, "order.status"), "refunded");
  ck_assert_int_eq((int)nat(j, "order.refunded"), 9980);
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), 9); /* not restocked this time */
  j = admin_call("inventory.verify", "{}", TC_OK);
  ck_assert(cJSON_IsTrue(at(j, "ok")));
  ck_assert_int_eq((int)nat(j, "problems"), 0);
  cJSON_Delete(j);

  /* Order search: each customer sees only their own orders. */
  j = system_call("search.consume", "{}", TC_OK);
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"q\":\"%s\"}", number);
  j = bearer_call(access, "search.orders", req, TC_OK);
  ck_assert_str_eq(sat(cJSON_GetArrayItem(at(j, "orders"), 0), "status"),
                   "cancelled");
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "orders")), 1);
  cJSON_Delete(j);
  j = bearer_call(access2, "search.orders", req, TC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "orders")), 0);
  cJSON_Delete(j);
  j = admin_call("search.orders", req, TC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "orders")), 1);
  cJSON_Delete(j);
}
END_TEST

static int hits(const char *q) {
  char req[512];
  snprintf(req, sizeof(req), "{\"q\":\"%s\"}", q);
  cJSON *j = call_as(NULL, NULL, "search.products", req, TC_OK);
  int n = cJSON_GetArraySize(at(j, "hits"));
  cJSON_Delete(j);
  return n;
}

START_TEST(search_flow) {
  shop s;
  make_shop(&s);
  cJSON *j = system_call("search.consume", "{}", TC_OK);
  cJSON_Delete(j);

  ck_assert_int_eq(hits("camiseta"), 1);
  ck_assert_int_eq(hits("CAMISETA"), 1);
  ck_assert_int_eq(hits("algodao"), 1); /* no accent finds "algodão" */
  ck_assert_int_eq(hits("cafe"), 1);
  ck_assert_int_eq(hits("sapato"), 0);
  j = call_as(NULL, NULL, "search.products",
              "{\"q\":\"camiseta\",\"facets\":true,\"in_stock\":true}", TC_OK);
  ck_assert_int_eq((int)nat(j, "total"), 1);
  const cJSON *cat = cJSON_GetArrayItem(at(j, "facets"), 0);
  ck_assert_str_eq(sat(cat, "name"), "category");
  const cJSON *v0 = cJSON_GetArrayItem(at(cat, "values"), 0);
  ck_assert_str_eq(sat(v0, "value"), s.category);
  ck_assert_str_eq(sat(v0, "label"), "Roupas");
  ck_assert_int_eq((int)nat(v0, "count"), 1);
  cJSON_Delete(j);
  ck_assert_int_eq(hits("ALGODÃO"), 1);
  ck_assert_int_eq(hits("CAM-M"), 1);
  j = call_as(NULL, NULL, "search.products", "{\"q\":\"camiseta\"}", TC_OK);
  ck_assert(cJSON_IsTrue(at(j, "cached")));
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "search.products",
              "{\"q\":\"camiseta\",\"currency\":\"BRL\"}", TC_OK);
  const cJSON *hit = cJSON_GetArrayItem(at(j, "hits"), 0);
  ck_assert_str_eq(sat(hit, "id"), s.product);
  ck_assert(cJSON_IsTrue(at(hit, "in_stock")));
  ck_assert_int_eq((int)nat(hit, "price.amount"), 4990);
  cJSON_Delete(j);
  /* A price change and a sell-out reach the index through events. */
  j = admin_call("catalog.set_price",
                 "{\"sku\":\"CAM-M\",\"currency\":\"BRL\",\"amount\":3990}",
                 TC_OK);
  cJSON_Delete(j);
  j = admin_call("inventory.adjust",
                 "{\"sku\":\"CAM-M\",\"warehouse\":\"SP1\",\"delta\":-10,"
                 "\"reason\":\"adjustment\"}",
                 TC_OK);
  cJSON_Delete(j);
  j = system_call("search.consume", "{}", TC_OK);
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "search.products",
              "{\"q\":\"camiseta\",\"currency\":\"BRL\"}", TC_OK);
  ck_assert(cJSON_IsFalse(at(j, "cached")));
  const cJSON *h2 = cJSON_GetArrayItem(at(j, "hits"), 0);
  ck_assert_int_eq((int)nat(h2, "price.amount"), 3990);
  ck_assert(cJSON_IsFalse(at(h2, "in_stock")));
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "search.products", "{\"q\":\"\\\"NEAR(*\"}", TC_OK);
  cJSON_Delete(j);

  j = call_as(NULL, NULL, "search.autocomplete", "{\"q\":\"cami\"}", TC_OK);
  ck_assert_str_eq(sat(cJSON_GetArrayItem(at(j, "products"), 0), "id"),
                   s.product);
  ck_assert_str_eq(sat(cJSON_GetArrayItem(at(j, "words"), 0), "text"),
                   "camiseta");
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "search.suggest", "{\"q\":\"camisetta\"}", TC_OK);
  ck_assert_str_eq(sat(j, "query"), "camiseta");
  ck_assert_str_eq(
      sat(cJSON_GetArrayItem(at(j, "corrections"), 0), "suggestion"),
      "camiseta");
  cJSON_Delete(j);

  char req[256];
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", s.product);
  j = admin_call("catalog.archive_product", req, TC_OK);
  cJSON_Delete(j);
  j = system_call("search.consume", "{}", TC_OK);
  cJSON_Delete(j);
  ck_assert_int_eq(hits("camiseta"), 0);
}
END_TEST

static int inbox_count(const char *access, char *subjects, size_t size) {
  cJSON *j = system_call("notify.consume_events", "{}", TC_OK);
  cJSON_Delete(j);
  j = system_call("notify.process", "{}", TC_OK);
  cJSON_Delete(j);
  j = bearer_call(access, "notify.inbox_list", "{\"limit\":50}", TC_OK);
  int n = cJSON_GetArraySize(at(j, "items"));
  subjects[0] = '\0';
  const cJSON *it;
  cJSON_ArrayForEach(it, at(j, "items")) {
    size_t used = strlen(subjects);
    snprintf(subjects + used, size - used, "%s|", sat(it, "subject"));
  }
  cJSON_Delete(j);
  return n;
}

/* The rest of an order's life, a guest cart, catalog changes reaching
 * search, a new-device notice, expired tokens and a vanished product. */
START_TEST(lifecycle_flow) {
  shop s;
  make_shop(&s);
  char uid[64], access[TC_AUTH_TOKEN_MAX], req[2048], subj[4096];
  /* A guest fills a cart, then logs in and merges it. */
  cJSON *j =
      call_as(NULL, NULL, "orders.cart_open", "{\"currency\":\"BRL\"}", TC_OK);
  char guest[128];
  copy(guest, sizeof(guest), sat(j, "cart_token"));
  cJSON_Delete(j);
  snprintf(req, sizeof(req),
           "{\"cart_token\":\"%s\",\"sku\":\"CAM-M\",\"qty\":1}", guest);
  j = call_as(NULL, NULL, "orders.cart_add", req, TC_OK);
  cJSON_Delete(j);
  register_and_login(uid, access, NULL, "eva@example.com");
  ck_assert_int_eq(inbox_count(access, subj, sizeof(subj)), 0);
  snprintf(req, sizeof(req), "{\"guest_token\":\"%s\"}", guest);
  j = bearer_call(access, "orders.cart_merge", req, TC_OK);
  ck_assert_int_eq((int)nat(j, "dropped"), 0);
  ck_assert_int_eq((int)nat(j, "cart.item_count"), 1);
  cJSON_Delete(j);
  /* The user's own cart needs no token. */
  j = bearer_call(access, "orders.cart_get", "{}", TC_OK);
  ck_assert_int_eq((int)nat(j, "cart.subtotal"), 4990);
  cJSON_Delete(j);
  snprintf(req, sizeof(req),
           "{\"idempotency_key\":\"m1\",\"payment_source\":\"tok_visa\","
           "\"shipping_address\":{\"name\":\"Eva\",\"line1\":\"R\","
           "\"city\":\"Rio\",\"postal_code\":\"20000-000\",\"country\":"
           "\"BR\"}}");
  j = bearer_call(access, "orders.checkout", req, TC_OK);
  char order[64];
  copy(order, sizeof(order), sat(j, "order.id"));
  cJSON_Delete(j);
  ck_assert_int_eq(inbox_count(access, subj, sizeof(subj)), 1);
  ck_assert_ptr_nonnull(strstr(subj, "confirmado"));
  /* Fulfilment captures (no second confirmation); shipping and delivery
   * each notify. */
  const char *steps[] = {"fulfilling", "shipped", "delivered"};
  const int want[] = {1, 2, 3};
  for (int i = 0; i < 3; i++) {
    snprintf(req, sizeof(req),
             "{\"id\":\"%s\",\"to\":\"%s\",\"tracking\":\"BR123\"}", order,
             steps[i]);
    j = admin_call("orders.transition", req, TC_OK);
    ck_assert_str_eq(sat(j, "order.status"), steps[i]);
    cJSON_Delete(j);
    ck_assert_int_eq(inbox_count(access, subj, sizeof(subj)), want[i]);
  }
  ck_assert_ptr_nonnull(strstr(subj, "Pedido entregue|Pedido enviado|"));
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", order);
  j = bearer_call(access, "orders.history", req, TC_OK);
  char *p = cJSON_PrintUnformatted(j);
  ck_assert_msg(strstr(p, "delivered") && strstr(p, "shipped"), "%s", p);
  free(p);
  cJSON_Delete(j);

  /* A product change reaches search. */
  snprintf(req, sizeof(req), "{\"id\":\"%s\",\"title\":\"Regata Linho\"}",
           s.product);
  j = admin_call("catalog.update_product", req, TC_OK);
  cJSON_Delete(j);
  j = system_call("search.consume", "{}", TC_OK);
  cJSON_Delete(j);
  ck_assert_int_eq(hits("regata"), 1);
  ck_assert_int_eq(hits("organico"), 0);

  /* A login from another device tells the customer. */
  tc_buf out = TC_BUF_INIT;
  tc_caller c = TC_CALLER_INIT;
  c.client_ip = "203.0.113.99";
  c.user_agent = "Other Browser/1.0";
  const char *lr =
      "{\"email\":\"eva@example.com\",\"password\":\"" PASSWORD "\"}";
  ck_assert_int_eq(tc_api_call(&out, ctx, &c, "auth.login", lr, strlen(lr)),
                   TC_OK);
  tc_buf_dispose(&out);
  ck_assert_int_eq(inbox_count(access, subj, sizeof(subj)), 4);
  ck_assert_ptr_nonnull(strstr(subj, "Novo acesso|"));

  j = call_as(NULL, NULL, "system.methods", "{}", TC_OK);
  p = cJSON_PrintUnformatted(j);
  const char *mods[] = {"users.register",    "auth.login",
                        "catalog.set_price", "inventory.adjust",
                        "orders.checkout",   "payments.get",
                        "notify.inbox_list", "search.products"};
  for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
    ck_assert_msg(strstr(p, mods[i]), "system.methods lacks %s", mods[i]);
  free(p);
  cJSON_Delete(j);
  j = call_as(NULL, NULL, "nope.nothing", "{}", TC_ENOTFOUND);
  cJSON_Delete(j);

  /* The access token expires; the answer says so. */
  clk.now += 2 * 3600 * 1000;
  j = bearer_call(access, "orders.list", "{}", TC_EUNAUTHENTICATED);
  ck_assert_ptr_nonnull(strstr(sat(j, "error.message"), "expired"));
  cJSON_Delete(j);
  j = admin_call("orders.get", "{\"id\":\"x\"}", TC_EINVAL);
  cJSON_Delete(j);

  /* A product archived while in a cart: checkout refuses it cleanly,
   * nothing is reserved, no order is left. */
  char uid3[64], acc3[TC_AUTH_TOKEN_MAX], cart3[128];
  register_and_login(uid3, acc3, NULL, "fabi@example.com");
  fill_cart(cart3, acc3, 1);
  j = bearer_call(acc3, "orders.checkout", "{}", TC_EINVAL);
  ck_assert_str_eq(sat(j, "error.field"), "idempotency_key");
  cJSON_Delete(j);
  snprintf(req, sizeof(req), "{\"id\":\"%s\"}", s.product);
  j = admin_call("catalog.archive_product", req, TC_OK);
  cJSON_Delete(j);
  int before = available("CAM-M");
  checkout_req(req, sizeof(req), cart3, "a1", "tok_visa");
  j = bearer_call(acc3, "orders.checkout", req, TC_ENOTFOUND);
  ck_assert_ptr_nonnull(strstr(sat(j, "error.message"), "no longer sold"));
  cJSON_Delete(j);
  ck_assert_int_eq(available("CAM-M"), before);
  j = bearer_call(acc3, "orders.list", "{}", TC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(at(j, "items")), 0);
  cJSON_Delete(j);
}
END_TEST

int main(void) {
  admin_p = tt_user("admin-1", TC_ROLE_ADMIN);
  system_p = tt_system();
  Suite *s = suite_create("e2e");
  TCase *tc = tcase_create("flows");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, auth_flow);
  tcase_add_test(tc, order_flow);
  tcase_add_test(tc, search_flow);
  tcase_add_test(tc, lifecycle_flow);
  suite_add_tcase(s, tc);
  return tt_run(s);
}
