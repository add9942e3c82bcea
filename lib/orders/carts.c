/*
 * lib/orders/carts.c - guest and user carts: lines checked against the
 * catalog, a price snapshot per line, exact totals, expiry, and the merge
 * of a guest cart into the user's on login.
 *
 * A guest cart is reached only through its random token; the table keeps
 * the token's SHA-256, so a database leak does not hand out carts. Every
 * change is a write transaction whose line write is conditional on the
 * quantity read in it, so two concurrent changes never lose one silently.
 */
#include <sodium.h>

#include "techcorp/catalog.h"
#include "orders_priv.h"

#define CART_COLS \
  "id, COALESCE(user_id, ''), currency, created_ms, updated_ms, expires_ms"

static int cart_row_cb(const tc_value *c, size_t n, void *payload) {
  ord_cart_row *r = payload;
  (void)n;
  tc__col_copy(r->id, sizeof(r->id), &c[0]);
  tc__col_copy(r->user_id, sizeof(r->user_id), &c[1]);
  tc__col_copy(r->currency, sizeof(r->currency), &c[2]);
  r->created_ms = tc__col_int(&c[3]);
  r->updated_ms = tc__col_int(&c[4]);
  r->expires_ms = tc__col_int(&c[5]);
  r->exists = true;
  return 0;
}

/* The stored form of a token; TC_EINVAL unless it is 64 hex characters. */
static int token_hash(tc_ctx *ctx, const char *token, char out[65]) {
  size_t n = token ? strlen(token) : 0;
  bool ok = n == TC_ORDERS_CART_TOKEN_LEN;
  for (size_t i = 0; ok && i < n; i++)
    ok = (token[i] >= '0' && token[i] <= '9') ||
         (token[i] >= 'a' && token[i] <= 'f');
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, "cart_token",
                      "cart_token must be %d lower-case hex characters",
                      TC_ORDERS_CART_TOKEN_LEN);
  tc__idem_hash(out, token, n);
  return TC_OK;
}

static int touch(tc_ctx *ctx, const char *cart_id) {
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {TC_VAL_INT(now), TC_VAL_INT(now + st->opts.cart_ttl_ms),
                  tc__ord_text(cart_id)};
  return tc__db_exec(ctx,
                     "UPDATE orders_carts SET updated_ms = ?, expires_ms = ? "
                     "WHERE id = ?",
                     p, 3, NULL, NULL, NULL);
}

int tc__ord_cart_clear(tc_ctx *ctx, const char *cart_id) {
  tc_value p[] = {tc__ord_text(cart_id)};
  int rc = tc__db_exec(ctx, "DELETE FROM orders_cart_lines WHERE cart_id = ?",
                       p, 1, NULL, NULL, NULL);
  return rc ? rc : touch(ctx, cart_id);
}

int tc__ord_cart_resolve(tc_ctx *ctx, const tc_principal *who,
                         const char *token, bool create, ord_cart_row *out) {
  memset(out, 0, sizeof(*out));
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  int64_t now = tc__now_ms(ctx);
  int rc;
  if (token) {
    char h[65];
    if ((rc = token_hash(ctx, token, h))) return rc;
    tc_value p[] = {tc__ord_text(h), TC_VAL_INT(now)};
    rc = tc__db_row(ctx,
                    "SELECT " CART_COLS
                    " FROM orders_carts WHERE token_hash "
                    "= ? AND expires_ms > ?",
                    p, 2, cart_row_cb, out);
    if (rc == TC_ENOTFOUND)
      return tc__seterr(ctx, TC_ENOTFOUND, "cart_token",
                        "no cart for this cart_token (unknown or expired)");
    return rc;
  }
  if (!who || who->kind != TC_PRINCIPAL_USER || !who->user_id[0])
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, "cart_token",
                      "a cart needs a cart_token or a signed-in user");
  tc_value pu[] = {tc__ord_text(who->user_id)};
  rc = tc__db_row(ctx,
                  "SELECT " CART_COLS " FROM orders_carts WHERE user_id = ?",
                  pu, 1, cart_row_cb, out);
  if (rc && rc != TC_ENOTFOUND) return rc;
  bool found = rc == TC_OK;
  if (found && out->expires_ms > now) return TC_OK;
  if (!create) {
    /* Nothing stored (or expired): an empty cart, not written. */
    memset(out, 0, sizeof(*out));
    snprintf(out->user_id, sizeof(out->user_id), "%s", who->user_id);
    memcpy(out->currency, st->currency, 4);
    out->created_ms = out->updated_ms = now;
    out->expires_ms = now + st->opts.cart_ttl_ms;
    return TC_OK;
  }
  if (found) {
    /* Expired: start again empty under the same id. */
    tc_value p[] = {tc__ord_text(out->id)};
    if ((rc =
             tc__db_exec(ctx, "DELETE FROM orders_cart_lines WHERE cart_id = ?",
                         p, 1, NULL, NULL, NULL)))
      return rc;
    tc_value pr[] = {tc__ord_text(st->currency), TC_VAL_INT(now),
                     TC_VAL_INT(now), TC_VAL_INT(now + st->opts.cart_ttl_ms),
                     tc__ord_text(out->id)};
    if ((rc = tc__db_exec(ctx,
                          "UPDATE orders_carts SET currency = ?, created_ms = "
                          "?, updated_ms = ?, expires_ms = ? WHERE id = ?",
                          pr, 5, NULL, NULL, NULL)))
      return rc;
  } else {
    tc_id id;
    tc_id_new(&id, ctx);
    snprintf(out->id, sizeof(out->id), "%s", id.str);
    tc_value pi[] = {tc__ord_text(out->id),
                     tc__ord_text(who->user_id),
                     tc__ord_text(st->currency),
                     TC_VAL_INT(now),
                     TC_VAL_INT(now),
                     TC_VAL_INT(now + st->opts.cart_ttl_ms)};
    if ((rc = tc__db_exec(ctx,
                          "INSERT INTO orders_carts (id, token_hash, user_id,"
                          " currency, created_ms, updated_ms, expires_ms) "
                          "VALUES (?, NULL, ?, ?, ?, ?, ?)",
                          pi, 6, NULL, NULL, NULL)))
      return rc;
  }
  snprintf(out->user_id, sizeof(out->user_id), "%s", who->user_id);
  memcpy(out->currency, st->currency, 4);
  out->created_ms = out->updated_ms = now;
  out->expires_ms = now + st->opts.cart_ttl_ms;
  out->exists = true;
  return TC_OK;
}

int tc_orders_cart_open(char *token_out, size_t token_size, tc_ctx *ctx,
                        const char *currency) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!token_out || token_size < TC_ORDERS_CART_TOKEN_LEN + 1)
    return tc__seterr(ctx, TC_EINVAL, "token_out", "token_out needs %d bytes",
                      TC_ORDERS_CART_TOKEN_LEN + 1);
  token_out[0] = '\0';
  ord_state *st = tc__ord_state(ctx);
  if (!st) return TC_ENOMEM;
  if (!currency) currency = st->currency;
  if (tc_currency_check(currency))
    return tc__seterr(ctx, TC_EINVAL, "currency",
                      "currency is not an ISO 4217 currency");
  unsigned char raw[32];
  char token[TC_ORDERS_CART_TOKEN_LEN + 1], h[65];
  tc__random(ctx, raw, sizeof(raw));
  sodium_bin2hex(token, sizeof(token), raw, sizeof(raw));
  sodium_memzero(raw, sizeof(raw));
  tc__idem_hash(h, token, TC_ORDERS_CART_TOKEN_LEN);
  tc_id id;
  tc_id_new(&id, ctx);
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {
      tc__ord_text(id.str),   tc__ord_text(h),
      tc__ord_text(currency), TC_VAL_INT(now),
      TC_VAL_INT(now),        TC_VAL_INT(now + st->opts.cart_ttl_ms)};
  int rc = tc__db_exec(ctx,
                       "INSERT INTO orders_carts (id, token_hash, user_id, "
                       "currency, created_ms, updated_ms, expires_ms) VALUES "
                       "(?, ?, NULL, ?, ?, ?, ?)",
                       p, 6, NULL, NULL, NULL);
  if (rc == TC_OK) memcpy(token_out, token, sizeof(token));
  sodium_memzero(token, sizeof(token));
  return rc;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct {
  tc_ctx *ctx;
  tc_cart *c;
  size_t cap;
} cart_acc;

static int cart_line_row(const tc_value *col, size_t n, void *payload) {
  cart_acc *a = payload;
  (void)n;
  if (a->c->nlines == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8;
    tc_cart_line *l = tc__realloc(a->ctx, a->c->lines, cap * sizeof(*l));
    if (!l) return TC_ENOMEM;
    a->c->lines = l;
    a->cap = cap;
  }
  tc_cart_line *l = &a->c->lines[a->c->nlines++];
  memset(l, 0, sizeof(*l));
  tc__col_copy(l->sku, sizeof(l->sku), &col[0]);
  tc__col_copy(l->title, sizeof(l->title), &col[1]);
  l->qty = tc__col_int(&col[2]);
  l->unit_price.amount = tc__col_int(&col[3]);
  memcpy(l->unit_price.currency, a->c->currency, 4);
  return 0;
}

int tc__ord_cart_read(tc_ctx *ctx, const ord_cart_row *row, tc_cart **out) {
  *out = NULL;
  tc_cart *c = tc__calloc(ctx, 1, sizeof(*c));
  if (!c) return tc__oom(ctx);
  snprintf(c->id, sizeof(c->id), "%s", row->id);
  snprintf(c->user_id, sizeof(c->user_id), "%s", row->user_id);
  memcpy(c->currency, row->currency, 4);
  c->created_ms = row->created_ms;
  c->updated_ms = row->updated_ms;
  c->expires_ms = row->expires_ms;
  int rc = tc_money_make(&c->subtotal, 0, c->currency);
  if (rc == TC_OK && row->exists) {
    cart_acc a = {ctx, c, 0};
    tc_value p[] = {tc__ord_text(row->id)};
    rc = tc__db_exec(ctx,
                     "SELECT sku, title, qty, unit_amount FROM "
                     "orders_cart_lines WHERE cart_id = ? ORDER BY sku",
                     p, 1, cart_line_row, &a, NULL);
    if (rc == TC_ENOMEM) tc__oom(ctx);
  }
  for (size_t i = 0; rc == TC_OK && i < c->nlines; i++) {
    tc_cart_line *l = &c->lines[i];
    rc = tc_money_mul(&l->total, &l->unit_price, l->qty);
    if (rc == TC_OK) rc = tc_money_add(&c->subtotal, &c->subtotal, &l->total);
    if (rc)
      rc = tc__seterr(ctx, TC_EOVERFLOW, "lines", "the cart total overflows");
    c->item_count += l->qty;
  }
  if (rc) {
    tc_orders_cart_free(ctx, c);
    return rc;
  }
  *out = c;
  return TC_OK;
}

void tc_orders_cart_free(tc_ctx *ctx, tc_cart *cart) {
  if (!cart) return;
  tc__free(ctx, cart->lines);
  tc__free(ctx, cart);
}

int tc_orders_cart_get(tc_cart **out, tc_ctx *ctx, const tc_principal *who,
                       const char *cart_token) {
  if (!out || !ctx) return TC_EINVAL;
  *out = NULL;
  tc__clearerr(ctx);
  ord_cart_row row;
  int rc = tc__txn_begin(ctx, TC_TXN_READ);
  if (rc) return rc;
  rc = tc__ord_cart_resolve(ctx, who, cart_token, false, &row);
  if (rc == TC_OK) rc = tc__ord_cart_read(ctx, &row, out);
  return tc__txn_end(ctx, rc);
}

/* ---- changing lines ----------------------------------------------------- */

typedef struct {
  const char *sku;
  int64_t old_qty;   /* of sku, 0 when absent */
  int64_t old_unit;  /* of sku */
  size_t nlines;     /* lines in the cart */
  tc_money subtotal; /* of every line */
  int rc;
} line_scan;

static int scan_row(const tc_value *c, size_t n, void *payload) {
  line_scan *s = payload;
  (void)n;
  int64_t qty = tc__col_int(&c[1]), unit = tc__col_int(&c[2]);
  tc_money t;
  tc_money u = s->subtotal;
  u.amount = unit;
  if (tc_money_mul(&t, &u, qty) || tc_money_add(&s->subtotal, &s->subtotal, &t))
    return TC_EOVERFLOW;
  s->nlines++;
  if (!strcmp(tc__col_text(&c[0]), s->sku)) {
    s->old_qty = qty;
    s->old_unit = unit;
  }
  return 0;
}

enum { SET_ADD, SET_QTY };

static int set_line(tc_ctx *ctx, const tc_principal *who, const char *token,
                    const char *sku, int64_t qty, int mode) {
  int rc;
  if (!sku || tc_catalog_sku_check(sku))
    return tc__seterr(ctx, TC_EINVAL, "sku",
                      "sku must be 1..64 of [A-Za-z0-9._-]");
  if (qty < 1 || qty > TC_ORDERS_MAX_QTY)
    return tc__seterr(ctx, TC_EINVAL, "qty", "qty must be between 1 and %d",
                      TC_ORDERS_MAX_QTY);
  ord_cart_row row;
  if ((rc = tc__ord_cart_resolve(ctx, who, token, true, &row))) return rc;
  /* As the system: "not for sale" is this module's answer. */
  tc_catalog_sku_info info;
  if ((rc = tc_catalog_sku_lookup(&info, ctx, &tc__system_principal, sku)))
    return rc;
  if (!info.published)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "SKU %s is not for sale", sku);
  tc_money price;
  if ((rc = tc_catalog_sku_price(&price, ctx, &tc__system_principal, sku,
                                 row.currency)))
    return rc;
  line_scan s = {sku, 0, 0, 0, {0, ""}, 0};
  memcpy(s.subtotal.currency, row.currency, 4);
  tc_value pc[] = {tc__ord_text(row.id)};
  rc = tc__db_exec(ctx,
                   "SELECT sku, qty, unit_amount FROM orders_cart_lines WHERE "
                   "cart_id = ?",
                   pc, 1, scan_row, &s, NULL);
  if (rc == TC_EOVERFLOW)
    return tc__seterr(ctx, rc, "lines", "the cart total overflows");
  if (rc) return rc;
  if (mode == SET_QTY && s.old_qty == 0)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "the cart has no line %s", sku);
  int64_t new_qty = mode == SET_ADD ? s.old_qty + qty : qty;
  if (new_qty > TC_ORDERS_MAX_QTY)
    return tc__seterr(ctx, TC_EINVAL, "qty",
                      "at most %d of %s fit in a cart (it has %lld)",
                      TC_ORDERS_MAX_QTY, sku, (long long)s.old_qty);
  if (s.old_qty == 0 && s.nlines >= TC_ORDERS_MAX_LINES)
    return tc__seterr(ctx, TC_ELIMIT, "lines", "a cart holds at most %d lines",
                      TC_ORDERS_MAX_LINES);
  /* New subtotal: without the old line, with the new one. */
  tc_money old_line = price, new_line, sub;
  old_line.amount = s.old_unit;
  int mrc = tc_money_mul(&old_line, &old_line, s.old_qty);
  if (!mrc) mrc = tc_money_sub(&sub, &s.subtotal, &old_line);
  if (!mrc) mrc = tc_money_mul(&new_line, &price, new_qty);
  if (!mrc) mrc = tc_money_add(&sub, &sub, &new_line);
  if (mrc || sub.amount > TC_ORDERS_MAX_TOTAL)
    return tc__seterr(ctx, TC_EOVERFLOW, "qty",
                      "the cart total would exceed the largest order");
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {tc__ord_text(row.id),     tc__ord_text(sku),
                  tc__ord_text(info.title), TC_VAL_INT(new_qty),
                  TC_VAL_INT(price.amount), TC_VAL_INT(now),
                  TC_VAL_INT(s.old_qty)};
  int64_t changes = 0;
  rc = tc__db_exec(ctx,
                   "INSERT INTO orders_cart_lines (cart_id, sku, title, qty, "
                   "unit_amount, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON "
                   "CONFLICT (cart_id, sku) DO UPDATE SET qty = excluded.qty,"
                   " title = excluded.title, unit_amount = "
                   "excluded.unit_amount, updated_ms = excluded.updated_ms "
                   "WHERE orders_cart_lines.qty = ?",
                   p, 7, NULL, NULL, &changes);
  if (rc) return rc;
  if (changes != 1)
    return tc__seterr(ctx, TC_EBUSY, "sku",
                      "the cart changed meanwhile; try again");
  return touch(ctx, row.id);
}

/* Run op in a write transaction, then read the cart into *out. */
static int finish(tc_ctx *ctx, const tc_principal *who, const char *token,
                  int rc, tc_cart **out) {
  rc = tc__txn_end(ctx, rc);
  if (rc || !out) return rc;
  return tc_orders_cart_get(out, ctx, who, token);
}

int tc_orders_cart_add(tc_cart **out, tc_ctx *ctx, const tc_principal *who,
                       const char *cart_token, const char *sku, int64_t qty) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  tc__clearerr(ctx);
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = set_line(ctx, who, cart_token, sku, qty, SET_ADD);
  return finish(ctx, who, cart_token, rc, out);
}

int tc_orders_cart_update(tc_cart **out, tc_ctx *ctx, const tc_principal *who,
                          const char *cart_token, const char *sku,
                          int64_t qty) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  tc__clearerr(ctx);
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = set_line(ctx, who, cart_token, sku, qty, SET_QTY);
  return finish(ctx, who, cart_token, rc, out);
}

static int remove_line(tc_ctx *ctx, const tc_principal *who, const char *token,
                       const char *sku) {
  if (!sku || tc_catalog_sku_check(sku))
    return tc__seterr(ctx, TC_EINVAL, "sku",
                      "sku must be 1..64 of [A-Za-z0-9._-]");
  ord_cart_row row;
  int rc = tc__ord_cart_resolve(ctx, who, token, false, &row);
  if (rc) return rc;
  int64_t changes = 0;
  if (row.exists) {
    tc_value p[] = {tc__ord_text(row.id), tc__ord_text(sku)};
    rc = tc__db_exec(ctx,
                     "DELETE FROM orders_cart_lines WHERE cart_id = ? AND sku "
                     "= ?",
                     p, 2, NULL, NULL, &changes);
    if (rc) return rc;
  }
  if (changes == 0)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "the cart has no line %s", sku);
  return touch(ctx, row.id);
}

int tc_orders_cart_remove(tc_cart **out, tc_ctx *ctx, const tc_principal *who,
                          const char *cart_token, const char *sku) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  tc__clearerr(ctx);
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = remove_line(ctx, who, cart_token, sku);
  return finish(ctx, who, cart_token, rc, out);
}

/* ---- merge -------------------------------------------------------------- */

static int merge(tc_ctx *ctx, const char *guest_token, const tc_principal *who,
                 size_t *dropped) {
  if (!who || who->kind != TC_PRINCIPAL_USER || !who->user_id[0])
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, NULL,
                      "merging a cart needs a signed-in user");
  if (!guest_token)
    return tc__seterr(ctx, TC_EINVAL, "guest_token", "guest_token is required");
  ord_cart_row guest, mine;
  int rc = tc__ord_cart_resolve(ctx, NULL, guest_token, false, &guest);
  if (rc == TC_ENOTFOUND || rc == TC_EINVAL) {
    char msg[TC__ERRMSG_SIZE];
    snprintf(msg, sizeof(msg), "%s", ctx->errmsg);
    return tc__seterr(ctx, rc, "guest_token", "%s", msg);
  }
  if (rc) return rc;
  if ((rc = tc__ord_cart_resolve(ctx, who, NULL, true, &mine))) return rc;
  tc_cart *g = NULL, *m = NULL;
  if ((rc = tc__ord_cart_read(ctx, &guest, &g))) return rc;
  if ((rc = tc__ord_cart_read(ctx, &mine, &m))) goto out;
  if (m->nlines == 0 && strcmp(mine.currency, guest.currency)) {
    /* An empty user cart takes the guest's currency. */
    tc_value p[] = {tc__ord_text(guest.currency), tc__ord_text(mine.id)};
    if ((rc = tc__db_exec(ctx,
                          "UPDATE orders_carts SET currency = ? WHERE id = ?",
                          p, 2, NULL, NULL, NULL)))
      goto out;
    memcpy(mine.currency, guest.currency, 4);
  }
  if (g->nlines) {
    const char *skus[TC_ORDERS_MAX_LINES] = {0};
    tc_catalog_sku_price_info info[TC_ORDERS_MAX_LINES];
    size_t n =
        g->nlines < TC_ORDERS_MAX_LINES ? g->nlines : TC_ORDERS_MAX_LINES;
    for (size_t i = 0; i < n; i++) skus[i] = g->lines[i].sku;
    if ((rc = tc_catalog_skus_lookup(info, ctx, &tc__system_principal, skus, n,
                                     mine.currency)))
      goto out;
    int64_t now = tc__now_ms(ctx);
    for (size_t i = 0; i < n; i++) {
      if (!info[i].found || !info[i].info.published || !info[i].has_price) {
        if (dropped) (*dropped)++;
        continue;
      }
      tc_value p[] = {tc__ord_text(mine.id),
                      tc__ord_text(skus[i]),
                      tc__ord_text(info[i].info.title),
                      TC_VAL_INT(g->lines[i].qty),
                      TC_VAL_INT(info[i].price.amount),
                      TC_VAL_INT(now)};
      /* Quantities add up, capped: the guest did not ask for more than
       * a cart may hold. */
      if ((rc = tc__db_exec(
               ctx,
               "INSERT INTO orders_cart_lines (cart_id, sku, title, qty, "
               "unit_amount, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON "
               "CONFLICT (cart_id, sku) DO UPDATE SET qty = CASE WHEN "
               "orders_cart_lines.qty + excluded.qty > 999 THEN 999 ELSE "
               "orders_cart_lines.qty + excluded.qty END, title = "
               "excluded.title, unit_amount = excluded.unit_amount, "
               "updated_ms = excluded.updated_ms",
               p, 6, NULL, NULL, NULL)))
        goto out;
    }
  }
  tc_orders_cart_free(ctx, m);
  m = NULL;
  if ((rc = tc__ord_cart_read(ctx, &mine, &m))) goto out;
  if (m->nlines > TC_ORDERS_MAX_LINES) {
    rc = tc__seterr(ctx, TC_ELIMIT, "lines",
                    "the merged cart would hold more than %d lines",
                    TC_ORDERS_MAX_LINES);
    goto out;
  }
  if (m->subtotal.amount > TC_ORDERS_MAX_TOTAL) {
    rc = tc__seterr(ctx, TC_EOVERFLOW, "lines",
                    "the merged cart total would exceed the largest order");
    goto out;
  }
  {
    tc_value p[] = {tc__ord_text(guest.id)};
    if ((rc =
             tc__db_exec(ctx, "DELETE FROM orders_cart_lines WHERE cart_id = ?",
                         p, 1, NULL, NULL, NULL)) ||
        (rc = tc__db_exec(ctx, "DELETE FROM orders_carts WHERE id = ?", p, 1,
                          NULL, NULL, NULL)))
      goto out;
  }
  rc = touch(ctx, mine.id);
out:
  tc_orders_cart_free(ctx, g);
  tc_orders_cart_free(ctx, m);
  return rc;
}

int tc_orders_cart_merge(tc_cart **out, size_t *dropped, tc_ctx *ctx,
                         const char *guest_token, const tc_principal *who) {
  if (!ctx) return TC_EINVAL;
  if (out) *out = NULL;
  if (dropped) *dropped = 0;
  tc__clearerr(ctx);
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = merge(ctx, guest_token, who, dropped);
  if (rc && dropped) *dropped = 0;
  return finish(ctx, who, NULL, rc, out);
}

int tc__ord_cart_purge(tc_ctx *ctx, int64_t now_ms, uint32_t limit,
                       uint32_t *n) {
  if (n) *n = 0;
  tc_value p[] = {TC_VAL_INT(now_ms), TC_VAL_INT(limit)};
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__db_exec(ctx,
                   "DELETE FROM orders_cart_lines WHERE cart_id IN (SELECT id "
                   "FROM orders_carts WHERE expires_ms <= ? ORDER BY "
                   "expires_ms LIMIT ?)",
                   p, 2, NULL, NULL, NULL);
  int64_t changes = 0;
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "DELETE FROM orders_carts WHERE id IN (SELECT id FROM "
                     "orders_carts WHERE expires_ms <= ? ORDER BY expires_ms "
                     "LIMIT ?)",
                     p, 2, NULL, NULL, &changes);
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK && n) *n = (uint32_t)changes;
  return rc;
}
