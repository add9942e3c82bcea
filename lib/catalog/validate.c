/*
 * lib/catalog/validate.c - checks of everything the catalog accepts from
 * outside, the slug maker, and the module's options.
 */
#include <stdio.h>
#include <stdlib.h>

#include "catalog_priv.h"

/* ---- options ---------------------------------------------------------------
 */

static void opts_free(tc_ctx *ctx, void *state) {
  tc__free(ctx, state);
}

cat__opts cat__options(tc_ctx *ctx) {
  cat__opts o = {10, 8, 100};
  const cat__opts *set = ctx->module_state[TC__SLOT_CATALOG];
  if (set) o = *set;
  return o;
}

int tc_catalog_configure(tc_ctx *ctx, const tc_catalog_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts || opts->version != TC_CATALOG_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "version",
                      "catalog options version must be %d",
                      TC_CATALOG_OPTIONS_VERSION);
  if (opts->max_images > 100)
    return tc__seterr(ctx, TC_EINVAL, "max_images",
                      "max_images must be at most 100");
  if (opts->max_category_depth > 32)
    return tc__seterr(ctx, TC_EINVAL, "max_category_depth",
                      "max_category_depth must be at most 32");
  if (opts->max_variants > 1000)
    return tc__seterr(ctx, TC_EINVAL, "max_variants",
                      "max_variants must be at most 1000");
  cat__opts *o = ctx->module_state[TC__SLOT_CATALOG];
  if (!o) {
    o = tc__malloc(ctx, sizeof(*o));
    if (!o) return tc__oom(ctx);
    ctx->module_state[TC__SLOT_CATALOG] = o;
    ctx->module_state_free[TC__SLOT_CATALOG] = opts_free;
  }
  o->max_images = opts->max_images ? opts->max_images : 10;
  o->max_category_depth =
      opts->max_category_depth ? opts->max_category_depth : 8;
  o->max_variants = opts->max_variants ? opts->max_variants : 100;
  return TC_OK;
}

/* ---- status ----------------------------------------------------------------
 */

const char *cat__status_str(tc_catalog_status s) {
  switch (s) {
    case TC_CATALOG_DRAFT:
      return "draft";
    case TC_CATALOG_PUBLISHED:
      return "published";
    case TC_CATALOG_ARCHIVED:
      return "archived";
  }
  return "unknown";
}

const char *tc_catalog_status_name(tc_catalog_status status) {
  return cat__status_str(status);
}

int tc_catalog_status_parse(tc_catalog_status *out, const char *name) {
  if (!out || !name) return TC_EINVAL;
  for (int s = TC_CATALOG_DRAFT; s <= TC_CATALOG_ARCHIVED; s++) {
    if (strcmp(name, cat__status_str((tc_catalog_status)s)) == 0) {
      *out = (tc_catalog_status)s;
      return TC_OK;
    }
  }
  return TC_EINVAL;
}

/* ---- simple fields ----------------------------------------------------------
 */

/* Valid UTF-8 without control characters (tabs and newlines allowed only
 * when multiline). */
static bool text_clean(const char *s, size_t n, bool multiline) {
  if (!tc__utf8_valid(s, n)) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0x7f) return false;
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
      return false;
  }
  return true;
}

int tc_catalog_slug_check(const char *slug) {
  if (!slug || !*slug) return TC_EINVAL;
  size_t n = strnlen(slug, TC_CATALOG_SLUG_MAX + 1);
  if (n > TC_CATALOG_SLUG_MAX) return TC_EINVAL;
  if (slug[0] == '-' || slug[n - 1] == '-') return TC_EINVAL;
  for (size_t i = 0; i < n; i++) {
    char c = slug[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return TC_EINVAL;
    if (c == '-' && slug[i + 1] == '-') return TC_EINVAL;
  }
  return TC_OK;
}

int cat__check_slug(tc_ctx *ctx, const char *slug) {
  if (tc_catalog_slug_check(slug) == TC_OK) return TC_OK;
  return tc__seterr(ctx, TC_EINVAL, "slug",
                    "slug must be 1..%d characters of a-z, 0-9 and single "
                    "'-' inside",
                    TC_CATALOG_SLUG_MAX);
}

int tc_catalog_sku_check(const char *sku) {
  if (!sku || !*sku) return TC_EINVAL;
  size_t n = strnlen(sku, TC_CATALOG_SKU_MAX + 1);
  if (n > TC_CATALOG_SKU_MAX) return TC_EINVAL;
  for (size_t i = 0; i < n; i++) {
    char c = sku[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return TC_EINVAL;
  }
  return TC_OK;
}

int cat__check_sku(tc_ctx *ctx, const char *field, const char *sku) {
  if (!sku || !*sku)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  if (tc_catalog_sku_check(sku) == TC_OK) return TC_OK;
  return tc__seterr(ctx, TC_EINVAL, field,
                    "%s must be 1..%d characters of A-Z, a-z, 0-9, '.', '_' "
                    "and '-'",
                    field, TC_CATALOG_SKU_MAX);
}

int cat__check_amount(tc_ctx *ctx, const char *field, int64_t amount) {
  if (amount < 0)
    return tc__seterr(ctx, TC_EINVAL, field, "%s must not be negative", field);
  if (amount > TC_CATALOG_PRICE_MAX)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be at most %lld minor units", field,
                      (long long)TC_CATALOG_PRICE_MAX);
  return TC_OK;
}

/* http(s)://host[...] with a host of letters, digits, '.', '-' (or an IPv6
 * literal), printable ASCII only: what a browser can load as an image. */
int cat__check_url(tc_ctx *ctx, const char *field, const char *url) {
  if (!url || !*url)
    return tc__seterr(ctx, TC_EINVAL, field, "%s must not be empty", field);
  size_t n = strnlen(url, TC_CATALOG_URL_MAX + 1);
  if (n > TC_CATALOG_URL_MAX)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is longer than %d bytes",
                      field, TC_CATALOG_URL_MAX);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)url[i];
    if (c <= 0x20 || c >= 0x7f)
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s must be printable ASCII without spaces (encode "
                        "it)",
                        field);
  }
  const char *host;
  if (strncmp(url, "https://", 8) == 0)
    host = url + 8;
  else if (strncmp(url, "http://", 7) == 0)
    host = url + 7;
  else
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be an http:// or https:// URL", field);
  size_t h = 0;
  if (host[0] == '[') {
    while (host[h] && host[h] != ']') h++;
    if (host[h] != ']' || h < 3)
      return tc__seterr(ctx, TC_EINVAL, field, "%s has a bad IPv6 host", field);
    h++;
  } else {
    while (host[h] && ((host[h] >= 'a' && host[h] <= 'z') ||
                       (host[h] >= 'A' && host[h] <= 'Z') ||
                       (host[h] >= '0' && host[h] <= '9') || host[h] == '.' ||
                       host[h] == '-'))
      h++;
    if (h == 0 || host[0] == '.' || host[0] == '-')
      return tc__seterr(ctx, TC_EINVAL, field, "%s has no valid host", field);
  }
  char next = host[h];
  if (next == ':') {
    size_t d = h + 1;
    while (host[d] >= '0' && host[d] <= '9') d++;
    if (d == h + 1 || d - h - 1 > 5)
      return tc__seterr(ctx, TC_EINVAL, field, "%s has a bad port", field);
    next = host[d];
  }
  if (next && next != '/' && next != '?' && next != '#')
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s has a bad host (user info is not allowed)", field);
  return TC_OK;
}

/* ---- flat JSON objects ------------------------------------------------------
 */

static int cmp_items(const void *a, const void *b) {
  const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
  return strcmp(x->string, y->string);
}

/* Sort the members of obj by key, in place (canonical text). */
static int sort_members(tc_ctx *ctx, cJSON *obj, size_t n) {
  if (n < 2) return TC_OK;
  cJSON **v = tc__calloc(ctx, n, sizeof(*v));
  if (!v) return tc__oom(ctx);
  size_t i = 0;
  for (cJSON *it = obj->child; it; it = it->next) v[i++] = it;
  qsort(v, n, sizeof(*v), cmp_items);
  for (i = 0; i < n; i++) {
    v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: head->prev is the tail */
    v[i]->next = i + 1 < n ? v[i + 1] : NULL;
  }
  obj->child = v[0];
  tc__free(ctx, v);
  return TC_OK;
}

static int check_member(tc_ctx *ctx, const char *field, const cJSON *it,
                        bool strings_only) {
  char name[TC__ERRFIELD_SIZE];
  const char *key = it->string ? it->string : "";
  size_t klen = strlen(key);
  bool key_ok = klen > 0 && klen <= 64 && text_clean(key, klen, false);
  if (key_ok)
    snprintf(name, sizeof(name), "%s.%s", field, key);
  else
    snprintf(name, sizeof(name), "%s", field);
  if (!key_ok)
    return tc__seterr(ctx, TC_EINVAL, name,
                      "%s keys must be 1..64 bytes of UTF-8 text", field);
  if (cJSON_IsString(it)) {
    size_t n = strlen(it->valuestring);
    if (n > 1000 || !text_clean(it->valuestring, n, false))
      return tc__seterr(ctx, TC_EINVAL, name,
                        "%s must be UTF-8 text of at most 1000 bytes", name);
    if (strings_only && n == 0)
      return tc__seterr(ctx, TC_EINVAL, name, "%s must not be empty", name);
    return TC_OK;
  }
  if (!strings_only && (cJSON_IsBool(it) || cJSON_IsNumber(it))) return TC_OK;
  return tc__seterr(ctx, TC_EINVAL, name, "%s must be %s", name,
                    strings_only ? "a string" : "a string, number or bool");
}

int cat__check_object(tc_ctx *ctx, const char *field, const char *json,
                      size_t max_members, bool strings_only, char **out) {
  *out = NULL;
  if (!json) return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  size_t len = strnlen(json, 65537);
  if (len > 65536)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is larger than 64 KiB", field);
  cJSON *obj = cJSON_ParseWithLength(json, len);
  if (!obj || !cJSON_IsObject(obj)) {
    cJSON_Delete(obj);
    return tc__seterr(ctx, TC_EINVAL, field, "%s must be a JSON object", field);
  }
  int rc = TC_OK;
  size_t n = 0;
  for (cJSON *it = obj->child; it && !rc; it = it->next) {
    if (++n > max_members) {
      rc = tc__seterr(ctx, TC_EINVAL, field, "%s has more than %zu members",
                      field, max_members);
      break;
    }
    rc = check_member(ctx, field, it, strings_only);
    for (cJSON *o = obj->child; !rc && o != it; o = o->next)
      if (strcmp(o->string, it->string) == 0)
        rc = tc__seterr(ctx, TC_EINVAL, field, "%s has key \"%s\" twice", field,
                        it->string);
  }
  if (!rc) rc = sort_members(ctx, obj, n);
  if (!rc) {
    *out = cJSON_PrintUnformatted(obj);
    if (!*out) rc = tc__oom(ctx);
  }
  cJSON_Delete(obj);
  return rc;
}

int cat__images_json(tc_ctx *ctx, const char *const *images, size_t n,
                     char **out) {
  *out = NULL;
  cat__opts o = cat__options(ctx);
  if (n > o.max_images)
    return tc__seterr(ctx, TC_EINVAL, "images",
                      "images has %zu URLs; at most %u are allowed", n,
                      o.max_images);
  if (n && !images)
    return tc__seterr(ctx, TC_EINVAL, "images", "images is NULL");
  char field[48];
  for (size_t i = 0; i < n; i++) {
    snprintf(field, sizeof(field), "images[%zu]", i);
    int rc = cat__check_url(ctx, field, images[i]);
    if (rc) return rc;
  }
  cJSON *arr = cJSON_CreateArray();
  if (!arr) return tc__oom(ctx);
  for (size_t i = 0; i < n; i++) {
    cJSON *s = cJSON_CreateString(images[i]);
    if (!s || !cJSON_AddItemToArray(arr, s)) {
      cJSON_Delete(s);
      cJSON_Delete(arr);
      return tc__oom(ctx);
    }
  }
  *out = cJSON_PrintUnformatted(arr);
  cJSON_Delete(arr);
  return *out ? TC_OK : tc__oom(ctx);
}

int cat__check_category_ids(tc_ctx *ctx, const char *const *ids, size_t n) {
  if (n > TC_CATALOG_CATEGORIES_MAX)
    return tc__seterr(ctx, TC_EINVAL, "category_ids",
                      "a product may be in at most %d categories",
                      TC_CATALOG_CATEGORIES_MAX);
  if (n && !ids)
    return tc__seterr(ctx, TC_EINVAL, "category_ids", "category_ids is NULL");
  char field[48];
  for (size_t i = 0; i < n; i++) {
    snprintf(field, sizeof(field), "category_ids[%zu]", i);
    int rc = tc__check_id(ctx, field, ids[i]);
    if (rc) return rc;
    for (size_t k = 0; k < i; k++)
      if (strcmp(ids[k], ids[i]) == 0)
        return tc__seterr(ctx, TC_EINVAL, field, "%s repeats category %s",
                          field, ids[i]);
  }
  return TC_OK;
}

/* ---- slugs ------------------------------------------------------------------
 */

/* ASCII for U+00C0..U+00FF (Latin-1 letters); "" drops to a separator. */
static const char *const latin1[64] = {
    "a", "a", "a", "a", "a",  "a",  "ae", "c", "e", "e", "e",  "e", "i",
    "i", "i", "i", "d", "n",  "o",  "o",  "o", "o", "o", "",   "o", "u",
    "u", "u", "u", "y", "th", "ss", "a",  "a", "a", "a", "a",  "a", "ae",
    "c", "e", "e", "e", "e",  "i",  "i",  "i", "i", "d", "n",  "o", "o",
    "o", "o", "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "y"};

/* Decode one UTF-8 sequence at s (already validated): code point and
 * length. */
static uint32_t utf8_next(const unsigned char *s, size_t *len) {
  if (s[0] < 0x80) {
    *len = 1;
    return s[0];
  }
  if (s[0] < 0xe0) {
    *len = 2;
    return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
  }
  if (s[0] < 0xf0) {
    *len = 3;
    return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
           (s[2] & 0x3f);
  }
  *len = 4;
  return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
         (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/* The ASCII letters for code point cp, "" for a separator. */
static const char *fold(uint32_t cp, char *one) {
  if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
    one[0] = (char)cp;
    one[1] = '\0';
    return one;
  }
  if (cp >= 'A' && cp <= 'Z') {
    one[0] = (char)(cp - 'A' + 'a');
    one[1] = '\0';
    return one;
  }
  if (cp == 0xaa) return "a"; /* ª */
  if (cp == 0xba) return "o"; /* º */
  if (cp >= 0xc0 && cp <= 0xff) return latin1[cp - 0xc0];
  if (cp == 0x152 || cp == 0x153) return "oe";
  return "";
}

int tc_catalog_slugify(char *out, size_t size, const char *text) {
  if (out && size) out[0] = '\0';
  if (!out || !size || !text) return TC_EINVAL;
  size_t tlen = strlen(text);
  if (!tc__utf8_valid(text, tlen)) return TC_EINVAL;
  char buf[TC_CATALOG_SLUG_MAX + 1];
  size_t n = 0, last_cut = 0;
  bool sep = false, full = false;
  const unsigned char *s = (const unsigned char *)text;
  for (size_t i = 0; i < tlen && !full;) {
    size_t len;
    uint32_t cp = utf8_next(s + i, &len);
    i += len;
    char one[2];
    const char *f = fold(cp, one);
    if (!*f) {
      sep = n > 0;
      continue;
    }
    size_t flen = strlen(f);
    if (n + (sep ? 1 : 0) + flen > TC_CATALOG_SLUG_MAX) {
      full = true;
      break;
    }
    if (sep) {
      last_cut = n;
      buf[n++] = '-';
      sep = false;
    }
    memcpy(buf + n, f, flen);
    n += flen;
  }
  /* A word cut in the middle reads badly: end at the last separator. */
  if (full && last_cut > 0) n = last_cut;
  buf[n] = '\0';
  if (n == 0 || n + 1 > size) return TC_EINVAL;
  memcpy(out, buf, n + 1);
  return TC_OK;
}
