/*
 * lib/inventory/reservations.c - reserve, confirm, release, expire.
 *
 * No oversell: stock is taken only by
 *   UPDATE ... SET reserved = reserved + q WHERE ... AND on_hand - reserved
 *   >= q
 * checked by rows changed, inside one write transaction with the
 * reservation rows and the outbox event. The plan (which warehouses) is
 * read in the same transaction; if a row changed under it anyway (stores
 * without an immediate write lock) the attempt is rolled back and retried.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "inventory_priv.h"

#define INV_MAX_TTL_MS ((int64_t)7 * 24 * 3600 * 1000)

typedef struct inv_line {
  char sku[INV_SKU_MAX + 1];
  int64_t qty;
} inv_line;

/* Stock a line could take from one warehouse. */
typedef struct inv_cand {
  char wh[INV_WH_MAX + 1];
  int64_t avail;
  int64_t priority;
} inv_cand;

typedef struct inv_plan {
  inv_line *lines;
  size_t nlines;
  inv_cand **cands; /* per line, by priority */
  size_t *ncands;
  tc_reservation_alloc *allocs;
  size_t nallocs;
} inv_plan;

static int inv_line_cmp(const void *a, const void *b) {
  return strcmp(((const inv_line *)a)->sku, ((const inv_line *)b)->sku);
}

/* Check, sort by SKU and add up duplicates. */
static int inv_lines_norm(tc_ctx *ctx, const tc_inventory_line *in, size_t n,
                          inv_line *out, size_t *nout) {
  char field[48];
  for (size_t i = 0; i < n; i++) {
    int rc;
    snprintf(field, sizeof(field), "lines[%zu].sku", i);
    if ((rc = tc__inv_check_sku(ctx, field, in[i].sku))) return rc;
    if (in[i].qty < 1 || in[i].qty > TC_INVENTORY_MAX_QTY) {
      snprintf(field, sizeof(field), "lines[%zu].qty", i);
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s must be between 1 and %d (got %lld)", field,
                        TC_INVENTORY_MAX_QTY, (long long)in[i].qty);
    }
    snprintf(out[i].sku, sizeof(out[i].sku), "%s", in[i].sku);
    out[i].qty = in[i].qty;
  }
  qsort(out, n, sizeof(*out), inv_line_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k && strcmp(out[k - 1].sku, out[i].sku) == 0) {
      out[k - 1].qty += out[i].qty;
      if (out[k - 1].qty > TC_INVENTORY_MAX_QTY)
        return tc__seterr(ctx, TC_EINVAL, "lines",
                          "lines for %s add up to more than %d", out[i].sku,
                          TC_INVENTORY_MAX_QTY);
    } else {
      out[k++] = out[i];
    }
  }
  *nout = k;
  return TC_OK;
}

/* What a key stands for: the owner and the normalised lines. */
static void inv_digest(char hex[65], const char *owner, const inv_line *lines,
                       size_t n) {
  crypto_generichash_state st;
  unsigned char h[32];
  crypto_generichash_init(&st, NULL, 0, sizeof(h));
  crypto_generichash_update(&st, (const unsigned char *)owner,
                            strlen(owner) + 1);
  for (size_t i = 0; i < n; i++) {
    char q[32];
    int len = snprintf(q, sizeof(q), "%lld", (long long)lines[i].qty);
    crypto_generichash_update(&st, (const unsigned char *)lines[i].sku,
                              strlen(lines[i].sku) + 1);
    crypto_generichash_update(&st, (const unsigned char *)q, (size_t)len + 1);
  }
  crypto_generichash_final(&st, h, sizeof(h));
  sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* ---- reading a reservation ---------------------------------------------
 */

typedef struct inv_head {
  char id[TC_ID_STRLEN + 1];
  char owner[129];
  char key[129];
  char digest[65];
  tc_reservation_state state;
  int64_t created_ms, expires_ms, updated_ms;
} inv_head;

static int inv_head_row(const tc_value *cols, size_t n, void *payload) {
  inv_head *h = payload;
  if (n < 8) return TC_ECORRUPT;
  tc__col_copy(h->id, sizeof(h->id), &cols[0]);
  tc__col_copy(h->owner, sizeof(h->owner), &cols[1]);
  tc__col_copy(h->key, sizeof(h->key), &cols[2]);
  tc__col_copy(h->digest, sizeof(h->digest), &cols[3]);
  h->state = tc__inv_state_parse(tc__col_text(&cols[4]));
  h->created_ms = tc__col_int(&cols[5]);
  h->expires_ms = tc__col_int(&cols[6]);
  h->updated_ms = tc__col_int(&cols[7]);
  return 0;
}

#define INV_HEAD_COLS                                                   \
  "SELECT id, owner, idem_key, digest, state, created_ms, expires_ms, " \
  "updated_ms FROM inventory_reservations "

/* TC_ENOTFOUND without a message when absent. */
static int inv_head_by_id(tc_ctx *ctx, const char *id, inv_head *h) {
  tc_value p[] = {tc__inv_text(id)};
  return tc__db_row(ctx, INV_HEAD_COLS "WHERE id = ?", p, 1, inv_head_row, h);
}

static int inv_head_by_key(tc_ctx *ctx, const char *key, inv_head *h) {
  tc_value p[] = {tc__inv_text(key)};
  return tc__db_row(ctx, INV_HEAD_COLS "WHERE idem_key = ?", p, 1, inv_head_row,
                    h);
}

typedef struct inv_allocs {
  tc_ctx *ctx;
  tc_reservation_alloc *v;
  size_t n, a;
} inv_allocs;

static int inv_alloc_push(inv_allocs *l, const char *sku, const char *wh,
                          int64_t qty) {
  if (l->n == l->a) {
    size_t na = l->a ? l->a * 2 : 8;
    void *p = tc__realloc(l->ctx, l->v, na * sizeof(*l->v));
    if (!p) return tc__oom(l->ctx);
    l->v = p;
    l->a = na;
  }
  tc_reservation_alloc *a = &l->v[l->n++];
  memset(a, 0, sizeof(*a));
  snprintf(a->sku, sizeof(a->sku), "%s", sku);
  snprintf(a->warehouse, sizeof(a->warehouse), "%s", wh);
  a->qty = qty;
  return TC_OK;
}

static int inv_alloc_row(const tc_value *cols, size_t n, void *payload) {
  if (n < 3) return TC_ECORRUPT;
  return inv_alloc_push(payload, tc__col_text(&cols[0]), tc__col_text(&cols[1]),
                        tc__col_int(&cols[2]));
}

static int inv_lines_of(tc_ctx *ctx, const char *id, inv_allocs *out) {
  tc_value p[] = {tc__inv_text(id)};
  out->ctx = ctx;
  return tc__db_exec(ctx,
                     "SELECT sku, warehouse, qty FROM "
                     "inventory_reservation_lines WHERE reservation_id = ? "
                     "ORDER BY sku, warehouse",
                     p, 1, inv_alloc_row, out, NULL);
}

static int inv_check_id(tc_ctx *ctx, const char *id) {
  if (!id || tc_id_check(id) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "id", "reservation id is not valid");
  return TC_OK;
}

/* Read a reservation into a new struct (inside the caller's transaction,
 * if any). TC_ENOTFOUND naming the id. */
static int inv_load(tc_ctx *ctx, const char *id, tc_reservation **out) {
  inv_head h;
  inv_allocs l = {ctx, NULL, 0, 0};
  int rc = inv_head_by_id(ctx, id, &h);
  if (rc == TC_ENOTFOUND)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "id", "unknown reservation '%s'", id);
  if (rc == TC_OK) rc = inv_lines_of(ctx, id, &l);
  tc_reservation *r = NULL;
  if (rc == TC_OK && !(r = tc__calloc(ctx, 1, sizeof(*r)))) rc = tc__oom(ctx);
  if (rc) {
    tc__free(ctx, l.v);
    return rc;
  }
  memcpy(r->id, h.id, sizeof(r->id));
  memcpy(r->owner, h.owner, sizeof(r->owner));
  memcpy(r->key, h.key, sizeof(r->key));
  r->state = h.state;
  r->created_ms = h.created_ms;
  r->expires_ms = h.expires_ms;
  r->updated_ms = h.updated_ms;
  r->allocs = l.v;
  r->nallocs = l.n;
  *out = r;
  return TC_OK;
}

int tc_inventory_reservation_get(tc_reservation **out, tc_ctx *ctx,
                                 const tc_principal *who,
                                 const char *reservation_id) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_READ, NULL);
  if (arc) return arc;
  *out = NULL;
  int rc;
  if ((rc = inv_check_id(ctx, reservation_id))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_READ))) return rc;
  tc_reservation *r = NULL;
  rc = tc__txn_end(ctx, inv_load(ctx, reservation_id, &r));
  if (rc) {
    tc_inventory_reservation_free(ctx, r);
    return rc;
  }
  *out = r;
  return TC_OK;
}

void tc_inventory_reservation_free(tc_ctx *ctx, tc_reservation *r) {
  if (!r || !ctx) return;
  tc__free(ctx, r->allocs);
  tc__free(ctx, r);
}

/* ---- events --------------------------------------------------------------
 */

static int inv_publish_res(tc_ctx *ctx, const char *topic, const inv_head *h,
                           const tc_reservation_alloc *a, size_t n) {
  cJSON *ev = cJSON_CreateObject();
  cJSON *lines = NULL;
  bool ok = ev && cJSON_AddStringToObject(ev, "reservation", h->id) &&
            cJSON_AddStringToObject(ev, "owner", h->owner) &&
            cJSON_AddNumberToObject(ev, "expires_ms", (double)h->expires_ms) &&
            (lines = cJSON_AddArrayToObject(ev, "lines"));
  for (size_t i = 0; ok && i < n; i++) {
    cJSON *l = cJSON_CreateObject();
    ok = l && cJSON_AddItemToArray(lines, l);
    if (!ok) cJSON_Delete(l);
    ok = ok && cJSON_AddStringToObject(l, "sku", a[i].sku) &&
         cJSON_AddStringToObject(l, "warehouse", a[i].warehouse) &&
         cJSON_AddNumberToObject(l, "qty", (double)a[i].qty);
  }
  if (!ok) {
    cJSON_Delete(ev);
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory building an event");
  }
  return tc__publish_json(ctx, topic, h->id, ev, NULL);
}

/* ---- releasing (release, expiry) ---------------------------------------
 */

/* Move a held reservation to `to` (released or expired; for expired only
 * when due at now) and give its stock back. *done says whether this caller
 * made the move: the conditional update lets exactly one caller win. */
static int inv_unhold(tc_ctx *ctx, const char *id, tc_reservation_state to,
                      int64_t now, bool *done) {
  *done = false;
  int64_t changed = 0;
  tc_value p[] = {tc__inv_text(tc_reservation_state_name(to)), TC_VAL_INT(now),
                  tc__inv_text(id), TC_VAL_INT(to == TC_RESERVATION_EXPIRED),
                  TC_VAL_INT(now)};
  int rc = tc__db_exec(ctx,
                       "UPDATE inventory_reservations SET state = ?, "
                       "updated_ms = ? WHERE id = ? AND state = 'held' "
                       "AND (? = 0 OR expires_ms <= ?)",
                       p, 5, NULL, NULL, &changed);
  if (rc || changed != 1) return rc;
  inv_head h;
  inv_allocs l = {ctx, NULL, 0, 0};
  if ((rc = inv_head_by_id(ctx, id, &h))) goto out;
  if ((rc = inv_lines_of(ctx, id, &l))) goto out;
  for (size_t i = 0; i < l.n && rc == TC_OK; i++) {
    tc_value q[] = {TC_VAL_INT(l.v[i].qty), TC_VAL_INT(now),
                    tc__inv_text(l.v[i].sku), tc__inv_text(l.v[i].warehouse),
                    TC_VAL_INT(l.v[i].qty)};
    changed = 0;
    rc = tc__db_exec(ctx,
                     "UPDATE inventory_stock SET reserved = reserved - ?, "
                     "updated_ms = ? WHERE sku = ? AND warehouse = ? "
                     "AND reserved >= ?",
                     q, 5, NULL, NULL, &changed);
    if (rc == TC_OK && changed != 1)
      rc = tc__seterr(ctx, TC_ECORRUPT, NULL,
                      "reservation %s: %s in %s holds less than %lld", id,
                      l.v[i].sku, l.v[i].warehouse, (long long)l.v[i].qty);
    if (rc == TC_OK) rc = tc__inv_touched(ctx, l.v[i].sku);
  }
  if (rc == TC_OK)
    rc = inv_publish_res(ctx,
                         to == TC_RESERVATION_EXPIRED ? "inventory.expired"
                                                      : "inventory.released",
                         &h, l.v, l.n);
  if (rc == TC_OK) *done = true;
out:
  tc__free(ctx, l.v);
  return rc;
}

int tc_inventory_release(tc_ctx *ctx, const tc_principal *who,
                         const char *reservation_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = inv_check_id(ctx, reservation_id))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  inv_head h;
  bool done = false;
  rc = inv_head_by_id(ctx, reservation_id, &h);
  if (rc == TC_ENOTFOUND)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "id", "unknown reservation '%s'",
                    reservation_id);
  else if (rc == TC_OK && h.state == TC_RESERVATION_CONFIRMED)
    rc = tc__seterr(ctx, TC_ESTATE, "id",
                    "reservation %s is confirmed; only a held reservation "
                    "can be released",
                    reservation_id);
  else if (rc == TC_OK && h.state == TC_RESERVATION_HELD)
    rc = inv_unhold(ctx, reservation_id, TC_RESERVATION_RELEASED,
                    tc__now_ms(ctx), &done);
  /* released or expired already: nothing is held, nothing to do */
  return tc__txn_end(ctx, rc);
}

/* ---- confirm -------------------------------------------------------------
 */

static int inv_confirm_held(tc_ctx *ctx, const inv_head *h, int64_t now) {
  int64_t changed = 0;
  tc_value p[] = {TC_VAL_INT(now), tc__inv_text(h->id), TC_VAL_INT(now)};
  int rc = tc__db_exec(ctx,
                       "UPDATE inventory_reservations SET state = "
                       "'confirmed', updated_ms = ? WHERE id = ? AND "
                       "state = 'held' AND expires_ms > ?",
                       p, 3, NULL, NULL, &changed);
  if (rc) return rc;
  if (changed != 1)
    return tc__seterr(ctx, TC_EBUSY, "id",
                      "reservation %s changed while being confirmed", h->id);
  inv_allocs l = {ctx, NULL, 0, 0};
  if ((rc = inv_lines_of(ctx, h->id, &l))) goto out;
  for (size_t i = 0; i < l.n && rc == TC_OK; i++) {
    const tc_reservation_alloc *a = &l.v[i];
    tc_value q[] = {
        TC_VAL_INT(a->qty),   TC_VAL_INT(a->qty),         TC_VAL_INT(now),
        tc__inv_text(a->sku), tc__inv_text(a->warehouse), TC_VAL_INT(a->qty)};
    changed = 0;
    rc = tc__db_exec(ctx,
                     "UPDATE inventory_stock SET on_hand = on_hand - ?, "
                     "reserved = reserved - ?, updated_ms = ? "
                     "WHERE sku = ? AND warehouse = ? AND reserved >= ?",
                     q, 6, NULL, NULL, &changed);
    if (rc == TC_OK && changed != 1)
      rc = tc__seterr(ctx, TC_ECORRUPT, NULL,
                      "reservation %s: %s in %s holds less than %lld", h->id,
                      a->sku, a->warehouse, (long long)a->qty);
    if (rc == TC_OK)
      rc = tc__inv_ledger_add(ctx, a->sku, a->warehouse, -a->qty, TC_STOCK_SALE,
                              h->owner, h->id);
    if (rc == TC_OK) rc = tc__inv_touched(ctx, a->sku);
  }
  if (rc == TC_OK)
    rc = inv_publish_res(ctx, "inventory.confirmed", h, l.v, l.n);
out:
  tc__free(ctx, l.v);
  return rc;
}

int tc_inventory_confirm(tc_ctx *ctx, const tc_principal *who,
                         const char *reservation_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  int rc;
  if ((rc = inv_check_id(ctx, reservation_id))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  int64_t now = tc__now_ms(ctx);
  inv_head h;
  bool expired_now = false;
  rc = inv_head_by_id(ctx, reservation_id, &h);
  if (rc == TC_ENOTFOUND) {
    rc = tc__seterr(ctx, TC_ENOTFOUND, "id", "unknown reservation '%s'",
                    reservation_id);
  } else if (rc == TC_OK) {
    switch (h.state) {
      case TC_RESERVATION_CONFIRMED:
        break; /* already done */
      case TC_RESERVATION_RELEASED:
        rc = tc__seterr(ctx, TC_ESTATE, "id",
                        "reservation %s is released; only a held "
                        "reservation can be confirmed",
                        reservation_id);
        break;
      case TC_RESERVATION_EXPIRED:
        rc =
            tc__seterr(ctx, TC_EEXPIRED, "id", "reservation %s expired at %lld",
                       reservation_id, (long long)h.expires_ms);
        break;
      case TC_RESERVATION_HELD:
        if (h.expires_ms <= now) {
          /* Do what the sweep would, and keep it: the stock goes back. */
          bool done;
          rc = inv_unhold(ctx, reservation_id, TC_RESERVATION_EXPIRED, now,
                          &done);
          expired_now = rc == TC_OK;
        } else {
          rc = inv_confirm_held(ctx, &h, now);
        }
        break;
      default:
        rc = tc__seterr(ctx, TC_ECORRUPT, "id",
                        "reservation %s has an unknown state", reservation_id);
    }
  }
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK && expired_now)
    rc = tc__seterr(ctx, TC_EEXPIRED, "id", "reservation %s expired at %lld",
                    reservation_id, (long long)h.expires_ms);
  return rc;
}

/* ---- sweep ---------------------------------------------------------------
 */

typedef struct {
  tc_ctx *ctx;
  char (*ids)[TC_ID_STRLEN + 1];
  size_t n;
} inv_due;

static int inv_due_row(const tc_value *cols, size_t n, void *payload) {
  inv_due *d = payload;
  if (n < 1) return TC_ECORRUPT;
  tc__col_copy(d->ids[d->n++], TC_ID_STRLEN + 1, &cols[0]);
  return 0;
}

int tc_inventory_sweep(tc_ctx *ctx, int64_t now_ms, size_t limit,
                       size_t *released) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (released) *released = 0;
  if (limit < 1 || limit > 10000)
    return tc__seterr(ctx, TC_EINVAL, "limit",
                      "limit must be between 1 and 10000");
  if (now_ms <= 0) now_ms = tc__now_ms(ctx);
  inv_due d = {ctx, tc__calloc(ctx, limit, TC_ID_STRLEN + 1), 0};
  if (!d.ids) return tc__oom(ctx);
  tc_value p[] = {TC_VAL_INT(now_ms), TC_VAL_INT((int64_t)limit)};
  int rc = tc__db_exec(ctx,
                       "SELECT id FROM inventory_reservations WHERE state = "
                       "'held' AND expires_ms <= ? ORDER BY expires_ms, id "
                       "LIMIT ?",
                       p, 2, inv_due_row, &d, NULL);
  size_t count = 0;
  /* One short transaction per reservation: other writers are not held up
   * by a long sweep, and a failure leaves the ones before it done. */
  for (size_t i = 0; rc == TC_OK && i < d.n; i++) {
    bool done = false;
    if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) break;
    rc = inv_unhold(ctx, d.ids[i], TC_RESERVATION_EXPIRED, now_ms, &done);
    rc = tc__txn_end(ctx, rc);
    if (rc == TC_OK && done) count++;
  }
  tc__free(ctx, d.ids);
  if (released) *released = count;
  return rc;
}

/* ---- reserve -------------------------------------------------------------
 */

static void inv_plan_free(tc_ctx *ctx, inv_plan *pl) {
  for (size_t i = 0; pl->cands && i < pl->nlines; i++)
    tc__free(ctx, pl->cands[i]);
  tc__free(ctx, pl->cands);
  tc__free(ctx, pl->ncands);
  tc__free(ctx, pl->allocs);
  pl->cands = NULL;
  pl->ncands = NULL;
  pl->allocs = NULL;
  pl->nallocs = 0;
}

typedef struct {
  tc_ctx *ctx;
  inv_cand *v;
  size_t n, a;
} inv_cand_list;

static int inv_cand_row(const tc_value *cols, size_t n, void *payload) {
  inv_cand_list *l = payload;
  if (n < 3) return TC_ECORRUPT;
  if (l->n == l->a) {
    size_t na = l->a ? l->a * 2 : 4;
    void *p = tc__realloc(l->ctx, l->v, na * sizeof(*l->v));
    if (!p) return tc__oom(l->ctx);
    l->v = p;
    l->a = na;
  }
  inv_cand *c = &l->v[l->n++];
  tc__col_copy(c->wh, sizeof(c->wh), &cols[0]);
  c->avail = tc__col_int(&cols[1]);
  c->priority = tc__col_int(&cols[2]);
  return 0;
}

static int64_t inv_cand_avail(const inv_cand *c, size_t n, const char *wh) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(c[i].wh, wh) == 0) return c[i].avail;
  return 0;
}

/* Read where each line could come from and decide the allocations. */
static int inv_plan_make(tc_ctx *ctx, inv_plan *pl) {
  pl->cands = tc__calloc(ctx, pl->nlines, sizeof(*pl->cands));
  pl->ncands = tc__calloc(ctx, pl->nlines, sizeof(*pl->ncands));
  if (!pl->cands || !pl->ncands) return tc__oom(ctx);
  int rc = TC_OK;
  for (size_t i = 0; i < pl->nlines; i++) {
    inv_cand_list l = {ctx, NULL, 0, 0};
    tc_value p[] = {tc__inv_text(pl->lines[i].sku)};
    rc = tc__db_exec(ctx,
                     "SELECT s.warehouse, s.on_hand - s.reserved, w.priority "
                     "FROM inventory_stock s JOIN inventory_warehouses w "
                     "ON w.code = s.warehouse WHERE s.sku = ? AND "
                     "w.active = 1 AND s.on_hand > s.reserved "
                     "ORDER BY w.priority, w.code",
                     p, 1, inv_cand_row, &l, NULL);
    pl->cands[i] = l.v;
    pl->ncands[i] = l.n;
    if (rc) return rc;
    int64_t total = 0;
    for (size_t k = 0; k < l.n; k++) total += l.v[k].avail;
    if (total < pl->lines[i].qty)
      return tc__seterr(ctx, TC_EINSUFFICIENT, "sku",
                        "insufficient stock of %s: %lld requested, %lld "
                        "available",
                        pl->lines[i].sku, (long long)pl->lines[i].qty,
                        (long long)total);
  }
  size_t most = 0;
  for (size_t i = 0; i < pl->nlines; i++) most += pl->ncands[i];
  pl->allocs = tc__calloc(ctx, most ? most : 1, sizeof(*pl->allocs));
  if (!pl->allocs) return tc__oom(ctx);
  /* One warehouse for everything if any can: the best by priority among
   * those the first line could use (any such one holds every SKU). */
  const inv_cand *one = NULL;
  for (size_t k = 0; k < pl->ncands[0] && !one; k++) {
    const inv_cand *c = &pl->cands[0][k];
    bool all = true;
    for (size_t i = 0; i < pl->nlines && all; i++)
      all = inv_cand_avail(pl->cands[i], pl->ncands[i], c->wh) >=
            pl->lines[i].qty;
    if (all) one = c;
  }
  /* Candidates of line 0 are ordered by (priority, code), so `one` is the
   * best warehouse that serves the whole set. */
  for (size_t i = 0; i < pl->nlines; i++) {
    int64_t left = pl->lines[i].qty;
    for (size_t k = 0; k < pl->ncands[i] && left > 0; k++) {
      const inv_cand *c = &pl->cands[i][k];
      if (one && strcmp(c->wh, one->wh) != 0) continue;
      int64_t take = c->avail < left ? c->avail : left;
      tc_reservation_alloc *a = &pl->allocs[pl->nallocs++];
      snprintf(a->sku, sizeof(a->sku), "%s", pl->lines[i].sku);
      snprintf(a->warehouse, sizeof(a->warehouse), "%s", c->wh);
      a->qty = take;
      left -= take;
    }
  }
  return TC_OK;
}

static int inv_alloc_cmp(const void *x, const void *y) {
  const tc_reservation_alloc *a = x, *b = y;
  int c = strcmp(a->sku, b->sku);
  return c ? c : strcmp(a->warehouse, b->warehouse);
}

typedef struct inv_req {
  const char *owner, *key;
  char digest[65];
  int64_t ttl_ms;
  inv_line *lines;
  size_t nlines;
} inv_req;

/* One attempt in one write transaction; *id receives the reservation and
 * *replayed whether it existed. */
static int inv_reserve_once(tc_ctx *ctx, const inv_req *rq,
                            tc_reservation **out) {
  *out = NULL;
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  inv_plan pl = {rq->lines, rq->nlines, NULL, NULL, NULL, 0};
  inv_head h;
  rc = inv_head_by_key(ctx, rq->key, &h);
  if (rc == TC_OK) {
    if (strcmp(h.digest, rq->digest) != 0)
      rc = tc__seterr(ctx, TC_ECONFLICT, "key",
                      "idempotency key '%s' was used for another reservation "
                      "(other owner or lines)",
                      rq->key);
    if (rc == TC_OK && (rc = inv_load(ctx, h.id, out)) == TC_OK)
      (*out)->replayed = 1;
    rc = tc__txn_end(ctx, rc);
    goto fail_free;
  }
  if (rc != TC_ENOTFOUND) return tc__txn_end(ctx, rc);
  if ((rc = inv_plan_make(ctx, &pl))) goto done;
  qsort(pl.allocs, pl.nallocs, sizeof(*pl.allocs), inv_alloc_cmp);
  int64_t now = tc__now_ms(ctx);
  memset(&h, 0, sizeof(h));
  tc__uuid7(h.id, now, &ctx->random);
  snprintf(h.owner, sizeof(h.owner), "%s", rq->owner);
  h.created_ms = h.updated_ms = now;
  h.expires_ms = now + rq->ttl_ms;
  tc_value r[] = {tc__inv_text(h.id),      tc__inv_text(rq->key),
                  tc__inv_text(rq->owner), tc__inv_text(rq->digest),
                  TC_VAL_INT(now),         TC_VAL_INT(h.expires_ms),
                  TC_VAL_INT(now)};
  rc = tc__db_exec(ctx,
                   "INSERT INTO inventory_reservations (id, idem_key, owner, "
                   "digest, state, created_ms, expires_ms, updated_ms) "
                   "VALUES (?, ?, ?, ?, 'held', ?, ?, ?)",
                   r, 7, NULL, NULL, NULL);
  if (rc == TC_ECONFLICT) /* another writer claimed the key: replay */
    rc = tc__seterr(ctx, TC_EBUSY, "key", "key claimed concurrently");
  for (size_t i = 0; rc == TC_OK && i < pl.nallocs; i++) {
    const tc_reservation_alloc *a = &pl.allocs[i];
    int64_t changed = 0;
    tc_value q[] = {TC_VAL_INT(a->qty), TC_VAL_INT(now), tc__inv_text(a->sku),
                    tc__inv_text(a->warehouse), TC_VAL_INT(a->qty)};
    rc = tc__db_exec(ctx,
                     "UPDATE inventory_stock SET reserved = reserved + ?, "
                     "updated_ms = ? WHERE sku = ? AND warehouse = ? "
                     "AND on_hand - reserved >= ?",
                     q, 5, NULL, NULL, &changed);
    if (rc == TC_OK && changed != 1)
      rc = tc__seterr(ctx, TC_EBUSY, "sku",
                      "stock of %s in %s changed while reserving", a->sku,
                      a->warehouse);
    tc_value ln[] = {tc__inv_text(h.id), tc__inv_text(a->sku),
                     tc__inv_text(a->warehouse), TC_VAL_INT(a->qty)};
    if (rc == TC_OK)
      rc = tc__db_exec(ctx,
                       "INSERT INTO inventory_reservation_lines "
                       "(reservation_id, sku, warehouse, qty) "
                       "VALUES (?, ?, ?, ?)",
                       ln, 4, NULL, NULL, NULL);
  }
  for (size_t i = 0; rc == TC_OK && i < pl.nlines; i++)
    rc = tc__inv_touched(ctx, pl.lines[i].sku);
  if (rc == TC_OK)
    rc = inv_publish_res(ctx, "inventory.reserved", &h, pl.allocs, pl.nallocs);
  /* The result is read before commit: nothing can fail after it. */
  if (rc == TC_OK) rc = inv_load(ctx, h.id, out);
done:
  inv_plan_free(ctx, &pl);
  rc = tc__txn_end(ctx, rc);
fail_free:
  if (rc) {
    tc_inventory_reservation_free(ctx, *out);
    *out = NULL;
  }
  return rc;
}

int tc_inventory_reserve(tc_reservation **out, tc_ctx *ctx,
                         const tc_principal *who, const char *owner,
                         const char *key, const tc_inventory_line *lines,
                         size_t nlines, int64_t ttl_ms) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  *out = NULL;
  int rc;
  if ((rc = tc__check_text(ctx, "owner", owner, 1, INV_TEXT_MAX, 0))) return rc;
  if ((rc = tc__check_text(ctx, "key", key, 1, INV_TEXT_MAX, 0))) return rc;
  if (nlines < 1 || nlines > TC_INVENTORY_MAX_LINES || !lines)
    return tc__seterr(ctx, TC_EINVAL, "lines",
                      "lines must hold 1 to %d lines (got %zu)",
                      TC_INVENTORY_MAX_LINES, lines ? nlines : 0);
  if (ttl_ms < 0 || ttl_ms > INV_MAX_TTL_MS)
    return tc__seterr(ctx, TC_EINVAL, "ttl_ms",
                      "ttl_ms must be between 0 and 7 days");
  inv_state *st = tc__inv_state(ctx);
  if (!st) return TC_ENOMEM;
  inv_req rq = {owner, key, "", ttl_ms ? ttl_ms : st->opts.reservation_ttl_ms,
                NULL,  0};
  rq.lines = tc__calloc(ctx, nlines, sizeof(*rq.lines));
  if (!rq.lines) return tc__oom(ctx);
  rc = inv_lines_norm(ctx, lines, nlines, rq.lines, &rq.nlines);
  for (size_t i = 0; rc == TC_OK && i < rq.nlines; i++)
    rc = tc__inv_sku_known(ctx, rq.lines[i].sku);
  if (rc) goto out;
  inv_digest(rq.digest, owner, rq.lines, rq.nlines);
  tc_reservation *r = NULL;
  /* SQLite has already waited its busy timeout before TC_EBUSY; a few more
   * tries ride out a long burst. Inside a caller's transaction a retry
   * cannot help (the caller must roll back), so none is made. */
  for (uint32_t attempt = 0;; attempt++) {
    rc = inv_reserve_once(ctx, &rq, &r);
    if (rc != TC_EBUSY || ctx->txn_depth > 0 ||
        attempt >= st->opts.busy_retries)
      break;
  }
  if (rc == TC_OK) *out = r;
out:
  tc__free(ctx, rq.lines);
  return rc;
}
