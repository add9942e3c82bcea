/*
 * lib/inventory/feed.c - applying a legacy stock feed, and exporting levels.
 *
 * A feed is applied once per feed id: its digest and result are stored in
 * the same transaction as its changes, so a second delivery of the same
 * bytes returns the first result and changes nothing.
 */
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "feed_priv.h"

void tc_inventory_sync_result_free(tc_ctx *ctx, tc_sync_result *r) {
  if (!r || !ctx) return;
  tc__free(ctx, r->changes);
  tc__free(ctx, r->errors);
  tc__free(ctx, r);
}

static int res_add_change(tc_ctx *ctx, tc_sync_result *r, size_t *cap,
                          const char *sku, const char *wh, int64_t old,
                          int64_t now) {
  if (r->nchanges == *cap) {
    size_t na = *cap ? *cap * 2 : 16;
    void *p = tc__realloc(ctx, r->changes, na * sizeof(*r->changes));
    if (!p) return tc__oom(ctx);
    r->changes = p;
    *cap = na;
  }
  tc_sync_change *c = &r->changes[r->nchanges++];
  memset(c, 0, sizeof(*c));
  snprintf(c->sku, sizeof(c->sku), "%s", sku);
  snprintf(c->warehouse, sizeof(c->warehouse), "%s", wh);
  c->old_on_hand = old;
  c->new_on_hand = now;
  return TC_OK;
}

static int res_add_error(tc_ctx *ctx, tc_sync_result *r, size_t *cap,
                         size_t line, const char *reason) {
  if (r->nerrors == *cap) {
    size_t na = *cap ? *cap * 2 : 8;
    void *p = tc__realloc(ctx, r->errors, na * sizeof(*r->errors));
    if (!p) return tc__oom(ctx);
    r->errors = p;
    *cap = na;
  }
  tc_sync_error *e = &r->errors[r->nerrors++];
  e->line = line;
  snprintf(e->reason, sizeof(e->reason), "%s", reason);
  return TC_OK;
}

/* ---- stored results --------------------------------------------------- */

static int res_to_json(tc_ctx *ctx, const tc_sync_result *r, tc_buf *b) {
  int rc = tc__inv_buf_printf(b, "{\"rows\":%zu,\"had_bom\":%d,\"changes\":[",
                              r->rows, r->had_bom);
  for (size_t i = 0; !rc && i < r->nchanges; i++) {
    const tc_sync_change *c = &r->changes[i];
    rc = tc__inv_buf_printf(b, "%s{\"sku\":", i ? "," : "");
    if (!rc) rc = tc__inv_buf_json(b, c->sku);
    if (!rc)
      rc = tc__inv_buf_printf(b,
                              ",\"warehouse\":\"%s\",\"old\":%lld,"
                              "\"new\":%lld}",
                              c->warehouse, (long long)c->old_on_hand,
                              (long long)c->new_on_hand);
  }
  if (!rc) rc = tc_buf_puts(b, "],\"errors\":[");
  for (size_t i = 0; !rc && i < r->nerrors; i++) {
    rc = tc__inv_buf_printf(b, "%s{\"line\":%zu,\"reason\":", i ? "," : "",
                            r->errors[i].line);
    if (!rc) rc = tc__inv_buf_json(b, r->errors[i].reason);
    if (!rc) rc = tc_buf_puts(b, "}");
  }
  if (!rc) rc = tc_buf_puts(b, "]}");
  if (rc) return tc__oom(ctx);
  return TC_OK;
}

static int res_from_json(tc_ctx *ctx, const char *feed_id, const char *text,
                         tc_sync_result **out) {
  cJSON *doc = cJSON_Parse(text);
  tc_sync_result *r = tc__calloc(ctx, 1, sizeof(*r));
  int rc = TC_OK;
  size_t cc = 0, ec = 0;
  if (!doc || !r) {
    rc = doc ? tc__oom(ctx)
             : tc__seterr(ctx, TC_ECORRUPT, "feed_id",
                          "stored result of feed '%s' is damaged", feed_id);
    goto out;
  }
  snprintf(r->feed_id, sizeof(r->feed_id), "%s", feed_id);
  r->replayed = 1;
  r->rows = (size_t)cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "rows"));
  r->had_bom =
      (int)cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "had_bom")) ? 1 : 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "changes")) {
    const char *sku = cJSON_GetStringValue(cJSON_GetObjectItem(it, "sku"));
    const char *wh = cJSON_GetStringValue(cJSON_GetObjectItem(it, "warehouse"));
    rc = res_add_change(
        ctx, r, &cc, sku ? sku : "", wh ? wh : "",
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "old")),
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "new")));
    if (rc) goto out;
  }
  cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "errors")) {
    const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(it, "reason"));
    rc = res_add_error(
        ctx, r, &ec,
        (size_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "line")),
        why ? why : "");
    if (rc) goto out;
  }
out:
  cJSON_Delete(doc);
  if (rc) {
    tc_inventory_sync_result_free(ctx, r);
    return rc;
  }
  *out = r;
  return TC_OK;
}

typedef struct {
  char digest[65];
  char *result;
  tc_ctx *ctx;
} feed_prev;

static int feed_prev_row(const tc_value *cols, size_t n, void *payload) {
  feed_prev *p = payload;
  if (n < 2) return TC_ECORRUPT;
  tc__col_copy(p->digest, sizeof(p->digest), &cols[0]);
  p->result = tc__strdup(p->ctx, tc__col_text(&cols[1]));
  if (!p->result) return tc__oom(p->ctx);
  return 0;
}

/* TC_ENOTFOUND when feed_id is new; otherwise the stored result (replay)
 * or TC_ECONFLICT for other bytes under the same id. */
static int feed_replay(tc_ctx *ctx, const char *feed_id, const char *digest,
                       tc_sync_result **out) {
  feed_prev p = {"", NULL, ctx};
  tc_value v[] = {tc__inv_text(feed_id)};
  int rc = tc__db_row(ctx,
                      "SELECT digest, result FROM inventory_feeds "
                      "WHERE feed_id = ?",
                      v, 1, feed_prev_row, &p);
  if (rc == TC_OK && strcmp(p.digest, digest) != 0)
    rc = tc__seterr(ctx, TC_ECONFLICT, "feed_id",
                    "feed '%s' was already applied with other contents",
                    feed_id);
  else if (rc == TC_OK)
    rc = res_from_json(ctx, feed_id, p.result, out);
  tc__free(ctx, p.result);
  return rc;
}

/* ---- import ------------------------------------------------------------ */

typedef struct feed_job {
  const char *feed_id;
  const char *actor;
  tc_feed_format format;
  bool skip_invalid;
  feed_rows rows;
  tc_sync_result *res;
  size_t ccap, ecap;
} feed_job;

static const char *feed_unit(const feed_job *j) {
  return j->format == TC_FEED_CSV ? "line" : "item";
}

/* A bad row: listed when skipping, else the error of the whole feed. */
static int feed_row_bad(tc_ctx *ctx, feed_job *j, const feed_row *r,
                        const char *why) {
  if (j->skip_invalid)
    return res_add_error(ctx, j->res, &j->ecap, r->line, why);
  return tc__seterr(ctx, TC_EINVAL, "data", "%s %zu: %s", feed_unit(j), r->line,
                    why);
}

typedef struct {
  char (*codes)[INV_WH_MAX + 1];
  size_t n, a;
  tc_ctx *ctx;
} feed_whs;

static int feed_wh_row(const tc_value *cols, size_t n, void *payload) {
  feed_whs *w = payload;
  if (n < 1) return TC_ECORRUPT;
  if (w->n == w->a) {
    size_t na = w->a ? w->a * 2 : 16;
    void *p = tc__realloc(w->ctx, w->codes, na * sizeof(*w->codes));
    if (!p) return tc__oom(w->ctx);
    w->codes = p;
    w->a = na;
  }
  tc__col_copy(w->codes[w->n++], INV_WH_MAX + 1, &cols[0]);
  return 0;
}

/* Names: every SKU in the catalog, every warehouse known. */
static int feed_check_names(tc_ctx *ctx, feed_job *j) {
  feed_whs w = {NULL, 0, 0, ctx};
  int rc = tc__db_exec(ctx, "SELECT code FROM inventory_warehouses", NULL, 0,
                       feed_wh_row, &w, NULL);
  char last_ok[INV_SKU_MAX + 1] = "";
  for (size_t i = 0; rc == TC_OK && i < j->rows.n; i++) {
    feed_row *r = &j->rows.v[i];
    if (r->err[0]) continue;
    bool found = false;
    for (size_t k = 0; k < w.n && !found; k++)
      found = strcmp(w.codes[k], r->wh) == 0;
    if (!found) {
      snprintf(r->err, sizeof(r->err), "unknown warehouse '%s'", r->wh);
      continue;
    }
    if (strcmp(last_ok, r->sku) == 0) continue;
    rc = tc__inv_sku_known(ctx, r->sku);
    if (rc == TC_ENOTFOUND) {
      tc__clearerr(ctx);
      rc = TC_OK;
      snprintf(r->err, sizeof(r->err), "unknown SKU '%s'", r->sku);
    } else if (rc == TC_OK) {
      snprintf(last_ok, sizeof(last_ok), "%s", r->sku);
    }
  }
  tc__free(ctx, w.codes);
  if (rc) return rc;
  for (size_t i = 0; i < j->rows.n; i++) {
    const feed_row *r = &j->rows.v[i];
    if (r->err[0] && (rc = feed_row_bad(ctx, j, r, r->err))) return rc;
  }
  return TC_OK;
}

static int feed_sku_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Apply the good rows, in feed order, inside the open transaction. */
static int feed_apply(tc_ctx *ctx, feed_job *j) {
  int rc = TC_OK;
  for (size_t i = 0; rc == TC_OK && i < j->rows.n; i++) {
    const feed_row *r = &j->rows.v[i];
    if (r->err[0]) continue;
    tc_stock_level lv;
    memset(&lv, 0, sizeof(lv));
    rc = tc__inv_level_read(ctx, r->sku, r->wh, &lv);
    if (rc == TC_ENOTFOUND) rc = TC_OK;
    if (rc) break;
    int64_t now = r->mode == TC_FEED_ABSOLUTE ? r->qty : lv.on_hand + r->qty;
    char why[320] = "";
    if (now < 0)
      snprintf(why, sizeof(why), "level of %s in %s would become %lld", r->sku,
               r->wh, (long long)now);
    else if (now < lv.reserved)
      snprintf(why, sizeof(why),
               "level %lld of %s in %s is below the %lld units reserved",
               (long long)now, r->sku, r->wh, (long long)lv.reserved);
    else if (now > TC_INVENTORY_MAX_QTY)
      snprintf(why, sizeof(why), "level %lld of %s in %s exceeds %d",
               (long long)now, r->sku, r->wh, TC_INVENTORY_MAX_QTY);
    if (why[0]) {
      rc = feed_row_bad(ctx, j, r, why);
      continue;
    }
    if (now == lv.on_hand) continue;
    if ((rc = tc__inv_level_ensure(ctx, r->sku, r->wh))) break;
    rc = tc__inv_apply_delta(ctx, r->sku, r->wh, now - lv.on_hand,
                             TC_STOCK_SYNC, j->actor, j->feed_id, NULL, NULL);
    if (rc == TC_OK)
      rc =
          res_add_change(ctx, j->res, &j->ccap, r->sku, r->wh, lv.on_hand, now);
  }
  return rc;
}

static int feed_publish(tc_ctx *ctx, const feed_job *j) {
  cJSON *ev = cJSON_CreateObject();
  if (!ev || !cJSON_AddStringToObject(ev, "feed_id", j->feed_id) ||
      !cJSON_AddNumberToObject(ev, "rows", (double)j->res->rows) ||
      !cJSON_AddNumberToObject(ev, "changes", (double)j->res->nchanges) ||
      !cJSON_AddNumberToObject(ev, "errors", (double)j->res->nerrors)) {
    cJSON_Delete(ev);
    ev = NULL;
  }
  return tc__publish_json(ctx, "inventory.synced", j->feed_id, ev, NULL);
}

static int feed_record(tc_ctx *ctx, const feed_job *j, const char *digest) {
  tc_buf b = tc__inv_buf(ctx);
  int rc = res_to_json(ctx, j->res, &b);
  if (rc == TC_OK) {
    tc_value v[] = {tc__inv_text(j->feed_id), tc__inv_text(digest),
                    tc__inv_text(b.ptr), TC_VAL_INT(tc__now_ms(ctx))};
    rc = tc__db_exec(ctx,
                     "INSERT INTO inventory_feeds (feed_id, digest, result, "
                     "created_ms) VALUES (?, ?, ?, ?)",
                     v, 4, NULL, NULL, NULL);
    if (rc == TC_ECONFLICT)
      rc = tc__seterr(ctx, TC_EBUSY, "feed_id",
                      "feed '%s' is being applied by someone else", j->feed_id);
  }
  tc_buf_dispose(&b);
  return rc;
}

/* Low-stock checks and cache invalidation, once per changed SKU. */
static int feed_touch(tc_ctx *ctx, const feed_job *j) {
  size_t n = j->res->nchanges;
  if (!n) return TC_OK;
  const char **skus = tc__calloc(ctx, n, sizeof(*skus));
  if (!skus) return tc__oom(ctx);
  for (size_t i = 0; i < n; i++) skus[i] = j->res->changes[i].sku;
  qsort(skus, n, sizeof(*skus), feed_sku_cmp);
  int rc = TC_OK;
  for (size_t i = 0; rc == TC_OK && i < n; i++)
    if (i == 0 || strcmp(skus[i], skus[i - 1]) != 0)
      rc = tc__inv_touched(ctx, skus[i]);
  tc__free(ctx, skus);
  return rc;
}

static void feed_digest(char hex[65], tc_feed_format format, tc_feed_mode mode,
                        const char *data, size_t len) {
  crypto_generichash_state st;
  unsigned char h[32], head[2] = {(unsigned char)format, (unsigned char)mode};
  crypto_generichash_init(&st, NULL, 0, sizeof(h));
  crypto_generichash_update(&st, head, sizeof(head));
  crypto_generichash_update(&st, (const unsigned char *)data, len);
  crypto_generichash_final(&st, h, sizeof(h));
  sodium_bin2hex(hex, 65, h, sizeof(h));
}

static int feed_args(tc_ctx *ctx, const char *feed_id, tc_feed_format format,
                     const char *data, size_t len, const tc_import_options *o) {
  int rc;
  if ((rc = tc__check_text(ctx, "feed_id", feed_id, 1, INV_TEXT_MAX, 0)))
    return rc;
  if (format != TC_FEED_CSV && format != TC_FEED_JSON)
    return tc__seterr(ctx, TC_EINVAL, "format", "format must be csv or json");
  if (!data && len)
    return tc__seterr(ctx, TC_EINVAL, "data", "data is required");
  if (o->version < 1 || o->version > TC_IMPORT_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "import options version %u is not supported", o->version);
  if (o->mode != TC_FEED_ABSOLUTE && o->mode != TC_FEED_DELTA)
    return tc__seterr(ctx, TC_EINVAL, "mode", "mode must be absolute or delta");
  if (o->actor)
    return tc__check_text(ctx, "actor", o->actor, 1, INV_TEXT_MAX, 0);
  return TC_OK;
}

int tc_inventory_import(tc_sync_result **out, tc_ctx *ctx,
                        const tc_principal *who, const char *feed_id,
                        tc_feed_format format, const char *data, size_t len,
                        const tc_import_options *opts) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_WRITE, NULL);
  if (arc) return arc;
  *out = NULL;
  tc_import_options o = TC_IMPORT_OPTIONS_INIT;
  if (opts) o = *opts;
  int rc;
  if ((rc = feed_args(ctx, feed_id, format, data, len, &o))) return rc;
  inv_state *st = tc__inv_state(ctx);
  if (!st) return TC_ENOMEM;
  if (len > st->opts.max_feed_bytes)
    return tc__seterr(ctx, TC_ELIMIT, "data",
                      "the feed is %zu bytes; the limit is %zu bytes", len,
                      st->opts.max_feed_bytes);
  if (!data) data = "";
  char digest[65];
  feed_digest(digest, format, o.mode, data, len);
  rc = feed_replay(ctx, feed_id, digest, out);
  if (rc != TC_ENOTFOUND) return rc;
  tc__clearerr(ctx);
  char named[INV_ACTOR_MAX];
  feed_job j = {feed_id,
                o.actor ? o.actor : tc__inv_actor(named, who),
                format,
                o.skip_invalid != 0,
                {NULL, 0, 0},
                NULL,
                0,
                0};
  bool bom = false;
  const char *p = data;
  size_t n = len;
  if ((rc = tc__feed_encoding(ctx, &p, &n, &bom))) return rc;
  if (!(j.res = tc__calloc(ctx, 1, sizeof(*j.res)))) return tc__oom(ctx);
  snprintf(j.res->feed_id, sizeof(j.res->feed_id), "%s", feed_id);
  j.res->had_bom = bom ? 1 : 0;
  feed_limits lim = {st->opts.max_feed_rows, o.mode};
  rc = format == TC_FEED_CSV ? tc__feed_parse_csv(ctx, p, n, &lim, &j.rows)
                             : tc__feed_parse_json(ctx, p, n, &lim, &j.rows);
  j.res->rows = j.rows.n;
  if (rc == TC_OK) rc = feed_check_names(ctx, &j);
  if (rc) goto out;

  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) goto out;
  tc_sync_result *prev = NULL;
  rc = feed_replay(ctx, feed_id, digest, &prev);
  if (rc == TC_OK) { /* applied meanwhile by someone else */
    tc__txn_end(ctx, TC_OK);
    tc_inventory_sync_result_free(ctx, j.res);
    j.res = prev;
    goto out;
  }
  if (rc == TC_ENOTFOUND) {
    tc__clearerr(ctx);
    rc = feed_apply(ctx, &j);
  }
  if (rc == TC_OK) rc = feed_touch(ctx, &j);
  if (rc == TC_OK) rc = feed_record(ctx, &j, digest);
  if (rc == TC_OK) rc = feed_publish(ctx, &j);
  rc = tc__txn_end(ctx, rc);
out:
  tc__feed_rows_free(ctx, &j.rows);
  if (rc) {
    tc_inventory_sync_result_free(ctx, j.res);
    return rc;
  }
  *out = j.res;
  return TC_OK;
}

/* ---- export --------------------------------------------------------------
 */

typedef struct {
  tc_buf *b;
  tc_feed_format format;
  size_t n;
  int rc;
} feed_export;

static int csv_put(tc_buf *b, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) return tc_buf_puts(b, s);
  int rc = tc_buf_put(b, "\"", 1);
  for (const char *p = s; !rc && *p; p++)
    rc = *p == '"' ? tc_buf_put(b, "\"\"", 2) : tc_buf_put(b, p, 1);
  return rc ? rc : tc_buf_put(b, "\"", 1);
}

static int feed_export_row(const tc_value *cols, size_t n, void *payload) {
  feed_export *e = payload;
  if (n < 4) return TC_ECORRUPT;
  const char *sku = tc__col_text(&cols[0]), *wh = tc__col_text(&cols[1]);
  long long on = (long long)tc__col_int(&cols[2]);
  long long res = (long long)tc__col_int(&cols[3]);
  int rc;
  if (e->format == TC_FEED_CSV) {
    rc = csv_put(e->b, sku);
    if (!rc) rc = tc_buf_puts(e->b, ",");
    if (!rc) rc = csv_put(e->b, wh);
    if (!rc)
      rc = tc__inv_buf_printf(e->b, ",%lld,%lld,%lld\r\n", on, res, on - res);
  } else {
    rc = tc__inv_buf_printf(e->b, "%s{\"sku\":", e->n ? "," : "");
    if (!rc) rc = tc__inv_buf_json(e->b, sku);
    if (!rc)
      rc = tc__inv_buf_printf(e->b,
                              ",\"warehouse\":\"%s\",\"on_hand\":%lld,"
                              "\"reserved\":%lld,\"available\":%lld}",
                              wh, on, res, on - res);
  }
  e->n++;
  if (rc) e->rc = TC_ENOMEM;
  return rc ? TC_ENOMEM : 0;
}

int tc_inventory_export(tc_buf *out, tc_ctx *ctx, const tc_principal *who,
                        tc_feed_format format) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = tc__authorize(ctx, who, "inventory", TC__ACT_ADMIN, NULL);
  if (arc) return arc;
  if (format != TC_FEED_CSV && format != TC_FEED_JSON)
    return tc__seterr(ctx, TC_EINVAL, "format", "format must be csv or json");
  size_t mark = out->size;
  feed_export e = {out, format, 0, TC_OK};
  int rc =
      format == TC_FEED_CSV
          ? tc_buf_puts(out, "sku,warehouse,on_hand,reserved,available\r\n")
          : tc_buf_puts(out, "[");
  if (rc) return tc__oom(ctx);
  rc = tc__db_exec(ctx,
                   "SELECT sku, warehouse, on_hand, reserved FROM "
                   "inventory_stock ORDER BY sku, warehouse",
                   NULL, 0, feed_export_row, &e, NULL);
  if (rc == TC_OK && format == TC_FEED_JSON && tc_buf_puts(out, "]"))
    rc = TC_ENOMEM;
  if (rc == TC_ENOMEM || e.rc == TC_ENOMEM) rc = tc__oom(ctx);
  if (rc) {
    /* Leave out as it was given. */
    out->size = mark;
    if (out->ptr) out->ptr[mark] = '\0';
  }
  return rc;
}
