/*
 * lib/catalog/prices.c - prices per variant per currency, their history
 * and the catalog.price_changed event.
 */
#include "catalog_priv.h"

static int check_currency(tc_ctx *ctx, const char *field, const char *code) {
  if (!code || !memchr(code, '\0', 4) || tc_currency_check(code) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be an ISO 4217 currency code like BRL", field);
  return TC_OK;
}

typedef struct {
  char variant_id[TC_ID_STRLEN + 1];
  char product_id[TC_ID_STRLEN + 1];
  bool has_price;
  int64_t amount;
  int64_t compare_at; /* -1: none */
} current;

static int current_row(const tc_value *c, size_t n, void *payload) {
  current *cur = payload;
  if (n < 4) return TC_ECORRUPT;
  tc__col_copy(cur->variant_id, sizeof(cur->variant_id), &c[0]);
  tc__col_copy(cur->product_id, sizeof(cur->product_id), &c[1]);
  cur->has_price = !tc__col_null(&c[2]);
  cur->amount = tc__col_int(&c[2]);
  cur->compare_at = tc__col_null(&c[3]) ? -1 : tc__col_int(&c[3]);
  return 0;
}

static int read_current(tc_ctx *ctx, const char *sku, const char *currency,
                        current *cur) {
  tc_value p[] = {cat__text(currency), cat__text(sku)};
  int rc = tc__db_row(ctx,
                      "SELECT v.id, v.product_id, pr.amount, pr.compare_at"
                      " FROM catalog_variants v LEFT JOIN catalog_prices pr"
                      " ON pr.variant_id = v.id AND pr.currency = ?"
                      " WHERE v.sku = ?",
                      p, 2, current_row, cur);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "no SKU %s", sku);
  return rc;
}

static int record(tc_ctx *ctx, const char *sku, const char *currency,
                  const current *cur, int64_t new_amount, int64_t compare_at) {
  tc_id hid;
  tc_id_new(&hid, ctx);
  tc_value h[] = {cat__text(hid.str),
                  cat__text(cur->variant_id),
                  cat__text(currency),
                  cur->has_price ? TC_VAL_INT(cur->amount) : TC_VAL_NULL,
                  new_amount >= 0 ? TC_VAL_INT(new_amount) : TC_VAL_NULL,
                  compare_at >= 0 ? TC_VAL_INT(compare_at) : TC_VAL_NULL,
                  TC_VAL_INT(tc__now_ms(ctx))};
  int rc = tc__db_exec(ctx,
                       "INSERT INTO catalog_price_history (id, variant_id,"
                       " currency, old_amount, new_amount, compare_at,"
                       " changed_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       h, 7, NULL, NULL, NULL);
  if (rc) return rc;
  cJSON *o = cJSON_CreateObject();
  bool ok = cJSON_AddStringToObject(o, "sku", sku) &&
            cJSON_AddStringToObject(o, "product_id", cur->product_id) &&
            cJSON_AddStringToObject(o, "variant_id", cur->variant_id) &&
            cJSON_AddStringToObject(o, "currency", currency) &&
            (cur->has_price
                 ? cJSON_AddNumberToObject(o, "old", (double)cur->amount) != 0
                 : cJSON_AddNullToObject(o, "old") != 0) &&
            (new_amount >= 0
                 ? cJSON_AddNumberToObject(o, "new", (double)new_amount) != 0
                 : cJSON_AddNullToObject(o, "new") != 0) &&
            (compare_at >= 0 ? cJSON_AddNumberToObject(o, "compare_at",
                                                       (double)compare_at) != 0
                             : cJSON_AddNullToObject(o, "compare_at") != 0);
  if (!ok) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, "catalog.price_changed", cur->product_id, o,
                          NULL);
}

static int set_in(tc_ctx *ctx, const char *sku, const char *currency,
                  int64_t amount, int64_t compare_at) {
  current cur;
  int rc = read_current(ctx, sku, currency, &cur);
  if (rc) return rc;
  if (cur.has_price && cur.amount == amount && cur.compare_at == compare_at)
    return TC_OK; /* the same price again: no change, no event */
  tc_value p[] = {cat__text(cur.variant_id), cat__text(currency),
                  TC_VAL_INT(amount),
                  compare_at >= 0 ? TC_VAL_INT(compare_at) : TC_VAL_NULL,
                  TC_VAL_INT(tc__now_ms(ctx))};
  rc = tc__db_exec(ctx,
                   "INSERT INTO catalog_prices (variant_id, currency, amount,"
                   " compare_at, updated_ms) VALUES (?, ?, ?, ?, ?)"
                   " ON CONFLICT (variant_id, currency) DO UPDATE SET"
                   " amount = excluded.amount,"
                   " compare_at = excluded.compare_at,"
                   " updated_ms = excluded.updated_ms",
                   p, 5, NULL, NULL, NULL);
  if (rc) return rc;
  return record(ctx, sku, currency, &cur, amount, compare_at);
}

int tc_catalog_price_set(tc_ctx *ctx, const tc_principal *who, const char *sku,
                         const tc_money *price, const tc_money *compare_at) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  int rc = cat__check_sku(ctx, "sku", sku);
  if (rc) return rc;
  if (!price) return tc__seterr(ctx, TC_EINVAL, "amount", "price is NULL");
  if ((rc = check_currency(ctx, "currency", price->currency))) return rc;
  if ((rc = cat__check_amount(ctx, "amount", price->amount))) return rc;
  int64_t cmp = -1;
  if (compare_at) {
    if (!memchr(compare_at->currency, '\0', 4) ||
        strcmp(compare_at->currency, price->currency) != 0)
      return tc__seterr(ctx, TC_EINVAL, "compare_at",
                        "compare_at must be in the price's currency %s",
                        price->currency);
    if ((rc = cat__check_amount(ctx, "compare_at", compare_at->amount)))
      return rc;
    if (compare_at->amount < price->amount)
      return tc__seterr(ctx, TC_EINVAL, "compare_at",
                        "compare_at must not be below the price");
    cmp = compare_at->amount;
  }
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx,
                     set_in(ctx, sku, price->currency, price->amount, cmp));
}

static int remove_in(tc_ctx *ctx, const char *sku, const char *currency) {
  current cur;
  int rc = read_current(ctx, sku, currency, &cur);
  if (rc) return rc;
  if (!cur.has_price)
    return tc__seterr(ctx, TC_ENOTFOUND, "currency",
                      "SKU %s has no price in %s", sku, currency);
  tc_value p[] = {cat__text(cur.variant_id), cat__text(currency)};
  rc = tc__db_exec(ctx,
                   "DELETE FROM catalog_prices"
                   " WHERE variant_id = ? AND currency = ?",
                   p, 2, NULL, NULL, NULL);
  if (rc) return rc;
  return record(ctx, sku, currency, &cur, -1, -1);
}

int tc_catalog_price_remove(tc_ctx *ctx, const tc_principal *who,
                            const char *sku, const char *currency) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  int rc = cat__check_sku(ctx, "sku", sku);
  if (!rc) rc = check_currency(ctx, "currency", currency);
  if (rc) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, remove_in(ctx, sku, currency));
}

typedef struct {
  tc_catalog_price_change_cb cb;
  void *payload;
} history_state;

static int history_row(const tc_value *c, size_t n, void *payload) {
  history_state *s = payload;
  if (n < 5) return TC_ECORRUPT;
  tc_catalog_price_change ch;
  tc__col_copy(ch.currency, sizeof(ch.currency), &c[0]);
  ch.old_amount = tc__col_null(&c[1]) ? -1 : tc__col_int(&c[1]);
  ch.new_amount = tc__col_null(&c[2]) ? -1 : tc__col_int(&c[2]);
  ch.compare_at = tc__col_null(&c[3]) ? -1 : tc__col_int(&c[3]);
  ch.changed_ms = tc__col_int(&c[4]);
  return s->cb(&ch, s->payload) ? TC_STORE_STOP : 0;
}

int tc_catalog_price_history(tc_ctx *ctx, const tc_principal *who,
                             const char *sku, const char *currency,
                             tc_catalog_price_change_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_read_all(ctx, who);
  if (arc) return arc;
  int rc = cat__check_sku(ctx, "sku", sku);
  if (!rc && currency) rc = check_currency(ctx, "currency", currency);
  if (!rc && !cb) rc = tc__seterr(ctx, TC_EINVAL, "cb", "cb is NULL");
  if (rc) return rc;
  history_state s = {cb, payload};
  tc_value p[] = {cat__text(sku), cat__text(currency)};
  /* The variant first: an unknown SKU is an error, not an empty history. */
  rc = tc__db_row(ctx, "SELECT id FROM catalog_variants WHERE sku = ?", p, 1,
                  NULL, NULL);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, "sku", "no SKU %s", sku);
  if (rc) return rc;
  if (currency)
    return tc__db_exec(ctx,
                       "SELECT h.currency, h.old_amount, h.new_amount,"
                       " h.compare_at, h.changed_ms"
                       " FROM catalog_price_history h JOIN catalog_variants v"
                       " ON v.id = h.variant_id"
                       " WHERE v.sku = ? AND h.currency = ? ORDER BY h.id",
                       p, 2, history_row, &s, NULL);
  return tc__db_exec(ctx,
                     "SELECT h.currency, h.old_amount, h.new_amount,"
                     " h.compare_at, h.changed_ms"
                     " FROM catalog_price_history h JOIN catalog_variants v"
                     " ON v.id = h.variant_id WHERE v.sku = ? ORDER BY h.id",
                     p, 1, history_row, &s, NULL);
}
