/*
 * lib/orders/checkout.c - checkout: validate the cart against the catalog,
 * then in ONE transaction claim the idempotency key, create the order
 * PENDING with its snapshot, record the saga and empty the cart; then run
 * the saga (saga.c). A replay of the key drives an unfinished saga on and
 * answers the same order.
 */
#include <sodium.h>

#include "techcorp/catalog.h"
#include "orders_priv.h"

static int check_address(tc_ctx *ctx, const tc_order_address *a) {
  if (!a)
    return tc__seterr(ctx, TC_EINVAL, "shipping_address",
                      "shipping_address is required");
  struct {
    const char *field, *value;
    size_t max;
    bool required;
  } f[] = {
      {"shipping_address.name", a->name, sizeof(a->name) - 1, true},
      {"shipping_address.line1", a->line1, sizeof(a->line1) - 1, true},
      {"shipping_address.line2", a->line2, sizeof(a->line2) - 1, false},
      {"shipping_address.city", a->city, sizeof(a->city) - 1, true},
      {"shipping_address.region", a->region, sizeof(a->region) - 1, false},
      {"shipping_address.postal_code", a->postal_code,
       sizeof(a->postal_code) - 1, true},
      {"shipping_address.phone", a->phone, sizeof(a->phone) - 1, false},
  };
  for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
    /* The arrays are the caller's: never read past them. */
    if (!memchr(f[i].value, '\0', f[i].max + 1))
      return tc__seterr(ctx, TC_EINVAL, f[i].field, "%s is not terminated",
                        f[i].field);
    int rc = tc__check_text(ctx, f[i].field, f[i].value, f[i].required ? 1 : 0,
                            f[i].max, f[i].required ? 0 : TC__TEXT_NULL_OK);
    if (rc) return rc;
  }
  const char *c = a->country;
  if (!(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && !c[2]))
    return tc__seterr(ctx, TC_EINVAL, "shipping_address.country",
                      "shipping_address.country must be two upper-case "
                      "letters (ISO 3166-1)");
  return TC_OK;
}

static void hash_field(crypto_hash_sha256_state *h, const char *s) {
  if (s) crypto_hash_sha256_update(h, (const unsigned char *)s, strlen(s));
  crypto_hash_sha256_update(h, (const unsigned char *)"\x1f", 1);
}

/* What makes two checkouts "the same request": the cart, currency, payment
 * source and address (the cart's lines are gone after the first). */
static void request_hash(char out[65], const tc_checkout_request *req) {
  crypto_hash_sha256_state h;
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_init(&h);
  const tc_order_address *a = req->shipping_address;
  hash_field(&h, req->cart_token ? req->cart_token : "(user cart)");
  hash_field(&h, req->currency);
  hash_field(&h, req->payment_source);
  hash_field(&h, a->name);
  hash_field(&h, a->line1);
  hash_field(&h, a->line2);
  hash_field(&h, a->city);
  hash_field(&h, a->region);
  hash_field(&h, a->postal_code);
  hash_field(&h, a->country);
  hash_field(&h, a->phone);
  crypto_hash_sha256_final(&h, d);
  sodium_bin2hex(out, 65, d, sizeof(d));
}

static void make_number(tc_ctx *ctx, char out[24]) {
  static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  unsigned char r[10];
  tc__random(ctx, r, sizeof(r));
  memcpy(out, "TC-", 3);
  for (size_t i = 0; i < 10; i++) out[3 + i] = b32[r[i] & 31];
  out[13] = '\0';
}

/* Check every line against the catalog now: still sold, same price. */
static int check_lines(tc_ctx *ctx, const tc_cart *cart) {
  const char *skus[TC_ORDERS_MAX_LINES] = {0};
  tc_catalog_sku_price_info info[TC_ORDERS_MAX_LINES];
  size_t n = cart->nlines;
  if (n > TC_ORDERS_MAX_LINES)
    return tc__seterr(ctx, TC_ELIMIT, "lines", "too many lines");
  for (size_t i = 0; i < n; i++) skus[i] = cart->lines[i].sku;
  int rc = tc_catalog_skus_lookup(info, ctx, &tc__system_principal, skus, n,
                                  cart->currency);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    char field[32];
    snprintf(field, sizeof(field), "lines[%zu]", i);
    if (!info[i].found || !info[i].info.published)
      return tc__seterr(ctx, TC_ENOTFOUND, field, "%s is no longer sold",
                        skus[i]);
    if (!info[i].has_price)
      return tc__seterr(ctx, TC_ENOTFOUND, field, "%s has no price in %s",
                        skus[i], cart->currency);
    if (info[i].price.amount != cart->lines[i].unit_price.amount) {
      char was[48], now[48];
      tc__ord_fmt_money(was, cart->lines[i].unit_price.amount, cart->currency);
      tc__ord_fmt_money(now, info[i].price.amount, cart->currency);
      return tc__seterr(ctx, TC_ECONFLICT, field,
                        "the price of %s changed from %s to %s", skus[i], was,
                        now);
    }
  }
  if (cart->subtotal.amount > TC_ORDERS_MAX_TOTAL)
    return tc__seterr(ctx, TC_EOVERFLOW, "total",
                      "the order total exceeds the largest order");
  return TC_OK;
}

static int insert_order(tc_ctx *ctx, ord_state *st, const tc_principal *who,
                        const tc_checkout_request *req, const tc_cart *cart,
                        const char *order_id) {
  int64_t now = tc__now_ms(ctx);
  char number[24];
  make_number(ctx, number);
  const tc_order_address *a = req->shipping_address;
  tc_value p[] = {tc__ord_text(order_id),
                  tc__ord_text(number),
                  tc__ord_text(who->user_id),
                  tc__ord_text(cart->currency),
                  TC_VAL_INT(cart->subtotal.amount),
                  TC_VAL_INT(cart->subtotal.amount),
                  TC_VAL_INT(cart->item_count),
                  tc__ord_text(a->name),
                  tc__ord_text(a->line1),
                  tc__ord_text(a->line2),
                  tc__ord_text(a->city),
                  tc__ord_text(a->region),
                  tc__ord_text(a->postal_code),
                  tc__ord_text(a->country),
                  tc__ord_text(a->phone),
                  TC_VAL_INT(now),
                  TC_VAL_INT(now)};
  int rc = tc__db_exec(
      ctx,
      "INSERT INTO orders_orders (id, number, customer_id, status, currency,"
      " subtotal, total, refunded, item_count, ship_name, ship_line1, "
      "ship_line2, ship_city, ship_region, ship_postal_code, ship_country, "
      "ship_phone, payment_id, card_last4, tracking, created_ms, updated_ms)"
      " VALUES (?, ?, ?, 'pending', ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "'', '', '', ?, ?)",
      p, 17, NULL, NULL, NULL);
  for (size_t i = 0; rc == TC_OK && i < cart->nlines; i++) {
    const tc_cart_line *l = &cart->lines[i];
    tc_value pl[] = {
        tc__ord_text(order_id),     TC_VAL_INT(i + 1),
        tc__ord_text(l->sku),       tc__ord_text(l->title),
        TC_VAL_INT(l->qty),         TC_VAL_INT(l->unit_price.amount),
        TC_VAL_INT(l->total.amount)};
    rc = tc__db_exec(ctx,
                     "INSERT INTO orders_lines (order_id, line_no, sku, title,"
                     " qty, unit_amount, total_amount, refunded_qty) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, 0)",
                     pl, 7, NULL, NULL, NULL);
  }
  if (rc) return rc;
  tc_value ps[] = {tc__ord_text(order_id),
                   tc__ord_text(who->user_id),
                   tc__ord_text(req->payment_source),
                   tc__ord_text(st->instance),
                   TC_VAL_INT(now + st->opts.lease_ms),
                   TC_VAL_INT(now),
                   TC_VAL_INT(now)};
  rc = tc__db_exec(ctx,
                   "INSERT INTO orders_sagas (order_id, customer_id, step, "
                   "state, source, reservation_id, reserve_seq, "
                   "reserve_expires_ms, payment_id, attempts, result_rc, "
                   "last_error, lease_owner, lease_until, created_ms, "
                   "updated_ms) VALUES (?, ?, 'reserve', 'running', ?, '', 1,"
                   " 0, '', 0, 0, '', ?, ?, ?, ?)",
                   ps, 7, NULL, NULL, NULL);
  if (rc) return rc;
  char actor[64];
  tc__ord_actor_text(actor, who);
  return tc__ord_transition(ctx, order_id, (tc_order_status)0, TC_ORDER_PENDING,
                            0, actor, "checkout");
}

/* Everything before the saga, in one write transaction. TC_ECONFLICT
 * (no message) when someone claimed the key first. */
static int create(tc_ctx *ctx, ord_state *st, const tc_principal *who,
                  const tc_checkout_request *req, const char *scope,
                  const char *hash, char order_id[TC_ID_STRLEN + 1]) {
  ord_cart_row row;
  tc_cart *cart = NULL;
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__ord_cart_resolve(ctx, who, req->cart_token, false, &row);
  if (rc == TC_OK) rc = tc__ord_cart_read(ctx, &row, &cart);
  if (rc == TC_OK && cart->nlines == 0)
    rc = tc__seterr(ctx, TC_ESTATE, "cart", "the cart is empty");
  if (rc == TC_OK && req->currency && strcmp(req->currency, cart->currency))
    rc = tc__seterr(ctx, TC_EINVAL, "currency",
                    "the cart is priced in %s, not %s", cart->currency,
                    req->currency);
  if (rc == TC_OK) rc = check_lines(ctx, cart);
  if (rc == TC_OK) {
    tc_id id;
    tc_id_new(&id, ctx);
    snprintf(order_id, TC_ID_STRLEN + 1, "%s", id.str);
    char resp[64];
    snprintf(resp, sizeof(resp), "{\"order_id\":\"%s\"}", order_id);
    rc = tc__idem_claim(ctx, scope, req->idempotency_key, hash,
                        st->opts.idempotency_ttl_ms, resp);
  }
  if (rc == TC_OK) rc = insert_order(ctx, st, who, req, cart, order_id);
  if (rc == TC_OK) rc = tc__ord_cart_clear(ctx, row.id);
  tc_orders_cart_free(ctx, cart);
  return tc__txn_end(ctx, rc);
}

/* The order id a stored response names. */
static int response_order(tc_ctx *ctx, const char *resp,
                          char order_id[TC_ID_STRLEN + 1]) {
  const char *p = strstr(resp, "\"order_id\":\"");
  if (p) {
    snprintf(order_id, TC_ID_STRLEN + 1, "%s", p + 12);
    if (tc_id_check(order_id) == TC_OK) return TC_OK;
  }
  return tc__seterr(ctx, TC_ECORRUPT, "idempotency_key",
                    "the stored checkout response is damaged");
}

/* Drive the saga of order_id if it is unfinished and nobody else is on
 * it; the checkout's result either way. */
static int drive_or_result(tc_ctx *ctx, const char *order_id) {
  int rc = tc__ord_saga_lease(ctx, order_id);
  if (rc == TC_OK) {
    rc = tc__ord_saga_drive(ctx, order_id);
    tc__ord_saga_unlease(ctx, order_id);
    return rc;
  }
  if (rc != TC_ESTATE) return rc;
  ord_saga s;
  if ((rc = tc__ord_saga_load(ctx, order_id, &s))) return rc;
  if (s.result_rc)
    return tc__seterr(ctx, (int)s.result_rc, NULL, "%s", s.last_error);
  return TC_OK;
}

int tc_orders_checkout(tc_order **out, tc_ctx *ctx, const tc_principal *who,
                       const tc_checkout_request *req) {
  if (!out || !ctx) return TC_EINVAL;
  *out = NULL;
  tc__clearerr(ctx);
  int rc;
  if (!who || who->kind != TC_PRINCIPAL_USER || !who->user_id[0])
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "checkout needs a signed-in customer");
  if (!req || req->version < 1 || req->version > TC_CHECKOUT_REQUEST_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "checkout request version must be %d",
                      TC_CHECKOUT_REQUEST_VERSION);
  if ((rc = tc__check_text(ctx, "idempotency_key", req->idempotency_key, 1,
                           TC__IDEM_KEY_MAX, 0)) ||
      (rc = tc__check_text(ctx, "payment_source", req->payment_source, 1, 255,
                           0)))
    return rc;
  if (req->currency && tc_currency_check(req->currency))
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency is not an ISO 4217 currency");
  if ((rc = check_address(ctx, req->shipping_address))) return rc;
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "checkout calls the payment provider: not inside a "
                      "transaction");

  char scope[TC__IDEM_SCOPE_MAX + 1], hash[65];
  char order_id[TC_ID_STRLEN + 1] = "";
  snprintf(scope, sizeof(scope), "orders.checkout:%s", who->user_id);
  request_hash(hash, req);
  /* Twice at most: a lost race for the key turns into a replay. */
  for (int attempt = 0; attempt < 2; attempt++) {
    tc__idem_record rec;
    rc = tc__idem_lookup(ctx, scope, req->idempotency_key, &rec);
    if (rc == TC_OK) {
      bool same = !strcmp(rec.request_hash, hash);
      if (same) rc = response_order(ctx, rec.response, order_id);
      tc__free(ctx, rec.response);
      if (!same)
        return tc__seterr(ctx, TC_ECONFLICT, "idempotency_key",
                          "this idempotency_key was used for another "
                          "checkout request");
      if (rc) return rc;
      break;
    }
    if (rc != TC_ENOTFOUND) return rc;
    rc = create(ctx, st, who, req, scope, hash, order_id);
    if (rc == TC_OK) break;
    order_id[0] = '\0';
    if (rc != TC_ECONFLICT || tc_errmsg(ctx)[0]) return rc;
  }
  if (!order_id[0])
    return tc__seterr(ctx, TC_EBUSY, "idempotency_key",
                      "the idempotency_key is being claimed; try again");
  rc = drive_or_result(ctx, order_id);
  tc__saved_error saved;
  tc__error_save(ctx, &saved);
  int lrc = tc__ord_load(ctx, order_id, true, out);
  if (lrc && !rc) return lrc;
  if (rc) {
    tc__error_restore(ctx, &saved);
    return rc;
  }
  tc__clearerr(ctx);
  return TC_OK;
}
