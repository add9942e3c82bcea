/*
 * lib/search/result.c - search results to JSON and back: what the query
 * cache stores, and the JSON API's response bodies (tc_search_result_json,
 * tc_search_order_page_json). Reading back checks
 * every member, so a damaged or foreign cache entry is only a miss.
 */
#include <math.h>
#include <stdio.h>

#include "search_priv.h"

static bool add_money(cJSON *o, const char *name, const tc_money *m) {
  cJSON *p = cJSON_AddObjectToObject(o, name);
  return p && cJSON_AddNumberToObject(p, "amount", (double)m->amount) &&
         cJSON_AddStringToObject(p, "currency", m->currency);
}

static bool add_opt_str(cJSON *o, const char *name, const char *v) {
  return v ? cJSON_AddStringToObject(o, name, v) != NULL
           : cJSON_AddNullToObject(o, name) != NULL;
}

int srch_result_to_json(tc_ctx *ctx, const tc_search_result *r, cJSON *obj) {
  cJSON *hits = cJSON_AddArrayToObject(obj, "hits");
  bool ok = hits != NULL;
  for (size_t i = 0; ok && i < r->count; i++) {
    const tc_search_hit *h = &r->hits[i];
    cJSON *o = cJSON_CreateObject();
    ok = o && cJSON_AddItemToArray(hits, o);
    if (!ok) {
      cJSON_Delete(o);
      break;
    }
    ok = cJSON_AddStringToObject(o, "id", h->id) &&
         cJSON_AddStringToObject(o, "title", h->title) &&
         cJSON_AddStringToObject(o, "slug", h->slug) &&
         cJSON_AddBoolToObject(o, "in_stock", h->in_stock) &&
         (h->has_price ? add_money(o, "price", &h->price)
                       : cJSON_AddNullToObject(o, "price") != NULL) &&
         cJSON_AddNumberToObject(o, "score", h->score) &&
         cJSON_AddNumberToObject(o, "created_ms", (double)h->created_ms);
  }
  ok = ok && add_opt_str(obj, "next_cursor", r->next_cursor) &&
       (r->total >= 0
            ? cJSON_AddNumberToObject(obj, "total", (double)r->total) != NULL
            : cJSON_AddNullToObject(obj, "total") != NULL);
  cJSON *facets = ok ? cJSON_AddArrayToObject(obj, "facets") : NULL;
  ok = ok && facets;
  for (size_t i = 0; ok && i < r->facet_count; i++) {
    const tc_search_facet *f = &r->facets[i];
    cJSON *o = cJSON_CreateObject();
    ok = o && cJSON_AddItemToArray(facets, o);
    if (!ok) {
      cJSON_Delete(o);
      break;
    }
    cJSON *vals = NULL;
    ok = cJSON_AddStringToObject(o, "name", f->name) &&
         (vals = cJSON_AddArrayToObject(o, "values"));
    for (size_t k = 0; ok && k < f->count; k++) {
      cJSON *v = cJSON_CreateObject();
      ok = v && cJSON_AddItemToArray(vals, v);
      if (!ok) {
        cJSON_Delete(v);
        break;
      }
      ok = cJSON_AddStringToObject(v, "value", f->values[k].value) &&
           cJSON_AddStringToObject(v, "label", f->values[k].label) &&
           cJSON_AddNumberToObject(v, "count", (double)f->values[k].count);
    }
  }
  return ok ? TC_OK : tc__oom(ctx);
}

/* ---- reading back ------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *name) {
  return cJSON_GetObjectItemCaseSensitive(o, name);
}

static bool get_str(const cJSON *o, const char *name, const char **out) {
  const cJSON *v = get(o, name);
  *out = cJSON_IsString(v) ? v->valuestring : NULL;
  return *out != NULL;
}

static bool get_num(const cJSON *o, const char *name, double *out) {
  const cJSON *v = get(o, name);
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return false;
  *out = v->valuedouble;
  return true;
}

static bool get_int(const cJSON *o, const char *name, int64_t *out) {
  double d;
  if (!get_num(o, name, &d) || d < -9e15 || d > 9e15 || d != floor(d))
    return false;
  *out = (int64_t)d;
  return true;
}

static bool get_money(const cJSON *o, const char *name, tc_money *m) {
  const cJSON *p = get(o, name);
  const char *cur;
  if (!cJSON_IsObject(p) || !get_int(p, "amount", &m->amount) ||
      !get_str(p, "currency", &cur) || strlen(cur) != 3)
    return false;
  memcpy(m->currency, cur, 4);
  return true;
}

static bool copy_id(char *dst, const char *s) {
  if (!s || strlen(s) > TC_ID_STRLEN) return false;
  snprintf(dst, TC_ID_STRLEN + 1, "%s", s);
  return true;
}

static bool dup(tc_ctx *ctx, char **dst, const char *s) {
  *dst = s ? tc__strdup(ctx, s) : NULL;
  return *dst != NULL;
}

/* next_cursor: a string, or null (then *dst stays NULL). */
static bool get_cursor(tc_ctx *ctx, const cJSON *o, char **dst) {
  const cJSON *v = get(o, "next_cursor");
  if (cJSON_IsNull(v)) return true;
  return cJSON_IsString(v) && dup(ctx, dst, v->valuestring);
}

static bool read_hit(tc_ctx *ctx, const cJSON *o, tc_search_hit *h) {
  const char *id, *title, *slug;
  const cJSON *price = get(o, "price");
  if (!cJSON_IsObject(o) || !get_str(o, "id", &id) ||
      !get_str(o, "title", &title) || !get_str(o, "slug", &slug) ||
      !cJSON_IsBool(get(o, "in_stock")) || !get_num(o, "score", &h->score) ||
      !get_int(o, "created_ms", &h->created_ms) || !copy_id(h->id, id))
    return false;
  h->in_stock = cJSON_IsTrue(get(o, "in_stock"));
  if (!cJSON_IsNull(price)) {
    if (!get_money(o, "price", &h->price)) return false;
    h->has_price = true;
  }
  return dup(ctx, &h->title, title) && dup(ctx, &h->slug, slug);
}

static bool read_facet(tc_ctx *ctx, const cJSON *o, tc_search_facet *f) {
  const char *name;
  const cJSON *vals = get(o, "values");
  if (!cJSON_IsObject(o) || !get_str(o, "name", &name) ||
      !cJSON_IsArray(vals) || !dup(ctx, &f->name, name))
    return false;
  size_t n = (size_t)cJSON_GetArraySize(vals);
  if (n && !(f->values = tc__calloc(ctx, n, sizeof(*f->values)))) return false;
  const cJSON *v;
  cJSON_ArrayForEach(v, vals) {
    tc_search_facet_value *fv = &f->values[f->count];
    const char *value, *label;
    if (!cJSON_IsObject(v) || !get_str(v, "value", &value) ||
        !get_str(v, "label", &label) || !get_int(v, "count", &fv->count))
      return false;
    f->count++;
    if (!dup(ctx, &fv->value, value) || !dup(ctx, &fv->label, label))
      return false;
  }
  return true;
}

int srch_result_from_json(tc_ctx *ctx, const cJSON *obj,
                          tc_search_result **out) {
  *out = NULL;
  tc_search_result *r = tc__calloc(ctx, 1, sizeof(*r));
  if (!r) return tc__oom(ctx);
  const cJSON *hits = get(obj, "hits"), *facets = get(obj, "facets");
  const cJSON *total = get(obj, "total");
  bool ok = cJSON_IsArray(hits) && cJSON_IsArray(facets);
  r->total = -1;
  if (ok && !cJSON_IsNull(total)) ok = get_int(obj, "total", &r->total);
  ok = ok && get_cursor(ctx, obj, &r->next_cursor);
  size_t nh = ok ? (size_t)cJSON_GetArraySize(hits) : 0;
  size_t nf = ok ? (size_t)cJSON_GetArraySize(facets) : 0;
  if (ok && nh && !(r->hits = tc__calloc(ctx, nh, sizeof(*r->hits))))
    ok = false;
  if (ok && nf && !(r->facets = tc__calloc(ctx, nf, sizeof(*r->facets))))
    ok = false;
  const cJSON *it;
  if (ok) cJSON_ArrayForEach(it, hits) {
      if (!(ok = read_hit(ctx, it, &r->hits[r->count]))) {
        r->count++; /* freed with the rest */
        break;
      }
      r->count++;
    }
  if (ok) cJSON_ArrayForEach(it, facets) {
      ok = read_facet(ctx, it, &r->facets[r->facet_count]);
      r->facet_count++;
      if (!ok) break;
    }
  if (!ok) {
    tc_search_result_free(ctx, r);
    return tc__seterr(ctx, TC_ECORRUPT, NULL, "cached search result unusable");
  }
  *out = r;
  return TC_OK;
}

/* ---- orders ------------------------------------------------------------- */

int srch_orders_to_json(tc_ctx *ctx, const tc_search_order_page *p,
                        cJSON *obj) {
  cJSON *arr = cJSON_AddArrayToObject(obj, "orders");
  bool ok = arr != NULL;
  for (size_t i = 0; ok && i < p->count; i++) {
    const tc_search_order_hit *h = &p->hits[i];
    cJSON *o = cJSON_CreateObject();
    ok = o && cJSON_AddItemToArray(arr, o);
    if (!ok) {
      cJSON_Delete(o);
      break;
    }
    ok = cJSON_AddStringToObject(o, "id", h->id) &&
         cJSON_AddStringToObject(o, "number", h->number) &&
         cJSON_AddStringToObject(o, "customer_id", h->customer_id) &&
         cJSON_AddStringToObject(o, "customer_name", h->customer_name) &&
         cJSON_AddStringToObject(o, "customer_email", h->customer_email) &&
         cJSON_AddStringToObject(o, "status", h->status) &&
         add_money(o, "total", &h->total) &&
         cJSON_AddNumberToObject(o, "created_ms", (double)h->created_ms);
  }
  ok = ok && add_opt_str(obj, "next_cursor", p->next_cursor);
  return ok ? TC_OK : tc__oom(ctx);
}

static bool read_order(tc_ctx *ctx, const cJSON *o, tc_search_order_hit *h) {
  const char *id, *number, *cid, *name, *email, *status;
  if (!cJSON_IsObject(o) || !get_str(o, "id", &id) ||
      !get_str(o, "number", &number) || !get_str(o, "customer_id", &cid) ||
      !get_str(o, "customer_name", &name) ||
      !get_str(o, "customer_email", &email) || !get_str(o, "status", &status) ||
      !get_money(o, "total", &h->total) ||
      !get_int(o, "created_ms", &h->created_ms) || !copy_id(h->id, id) ||
      !copy_id(h->customer_id, cid))
    return false;
  return dup(ctx, &h->number, number) && dup(ctx, &h->customer_name, name) &&
         dup(ctx, &h->customer_email, email) && dup(ctx, &h->status, status);
}

int srch_orders_from_json(tc_ctx *ctx, const cJSON *obj,
                          tc_search_order_page **out) {
  *out = NULL;
  tc_search_order_page *p = tc__calloc(ctx, 1, sizeof(*p));
  if (!p) return tc__oom(ctx);
  const cJSON *arr = get(obj, "orders");
  bool ok = cJSON_IsArray(arr) && get_cursor(ctx, obj, &p->next_cursor);
  size_t n = ok ? (size_t)cJSON_GetArraySize(arr) : 0;
  if (ok && n && !(p->hits = tc__calloc(ctx, n, sizeof(*p->hits)))) ok = false;
  const cJSON *it;
  if (ok) cJSON_ArrayForEach(it, arr) {
      ok = read_order(ctx, it, &p->hits[p->count]);
      p->count++;
      if (!ok) break;
    }
  if (!ok) {
    tc_search_order_page_free(ctx, p);
    return tc__seterr(ctx, TC_ECORRUPT, NULL, "cached order page unusable");
  }
  *out = p;
  return TC_OK;
}

/* ---- as text (public) --------------------------------------------------- */

/* Build with to_json, print, append. */
static int append_json(tc_buf *out, tc_ctx *ctx, cJSON *o, int rc) {
  char *text = rc ? NULL : cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (rc) return rc;
  if (!text) return tc__oom(ctx);
  rc = tc_buf_put(out, text, strlen(text));
  cJSON_free(text);
  return rc ? tc__oom(ctx) : TC_OK;
}

int tc_search_result_json(tc_buf *out, tc_ctx *ctx, const tc_search_result *r) {
  if (!ctx || !out || !r) return TC_EINVAL;
  cJSON *o = cJSON_CreateObject();
  return append_json(out, ctx, o,
                     o ? srch_result_to_json(ctx, r, o) : tc__oom(ctx));
}

int tc_search_order_page_json(tc_buf *out, tc_ctx *ctx,
                              const tc_search_order_page *p) {
  if (!ctx || !out || !p) return TC_EINVAL;
  cJSON *o = cJSON_CreateObject();
  return append_json(out, ctx, o,
                     o ? srch_orders_to_json(ctx, p, o) : tc__oom(ctx));
}
