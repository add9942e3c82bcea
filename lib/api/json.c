/*
 * lib/api/json.c - small readers for validated requests and builders for
 * responses.
 *
 * Readers look names up case-sensitively (cJSON_GetObjectItem is not) and
 * fall back to the default for an absent or null member. Builders report a
 * failed allocation on the context, so a handler can just return their code.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "api_internal.h"

/* cJSON prints numbers with 15 significant digits whenever that reads back
 * within an epsilon, so larger integers (2^53 prints as 9.00719925474099e+15)
 * are written as raw number text instead: the response carries the exact
 * value, though cJSON_IsNumber() is false for such a member. */
#define EXACT_PRINT_INT 999999999999999LL

static const cJSON *member(const cJSON *obj, const char *name) {
  if (!obj || !name) return NULL;
  return cJSON_GetObjectItemCaseSensitive(obj, name);
}

const char *tc__json_str(const cJSON *obj, const char *name, const char *dflt) {
  const cJSON *v = member(obj, name);
  return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

int64_t tc__json_int(const cJSON *obj, const char *name, int64_t dflt) {
  const cJSON *v = member(obj, name);
  if (cJSON_IsRaw(v) && v->valuestring) {
    char *end = NULL;
    long long x = strtoll(v->valuestring, &end, 10);
    return end && *end == '\0' ? (int64_t)x : dflt;
  }
  if (!cJSON_IsNumber(v) || isnan(v->valuedouble)) return dflt;
  double d = v->valuedouble;
  if (d >= 9223372036854775808.0) return INT64_MAX;
  if (d < -9223372036854775808.0) return INT64_MIN;
  return (int64_t)d;
}

bool tc__json_bool(const cJSON *obj, const char *name, bool dflt) {
  const cJSON *v = member(obj, name);
  if (cJSON_IsTrue(v)) return true;
  if (cJSON_IsFalse(v)) return false;
  return dflt;
}

static int add_failed(tc_ctx *ctx, const char *name) {
  char q[72];
  tc__quote(q, sizeof(q), name);
  return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory adding '%s'", q);
}

/* Add item under name, taking it over (freed when adding fails). */
static int add_item(tc_ctx *ctx, cJSON *obj, const char *name, cJSON *item) {
  if (!obj || !name || !item || !cJSON_AddItemToObject(obj, name, item)) {
    cJSON_Delete(item);
    return add_failed(ctx, name);
  }
  return TC_OK;
}

int tc__json_add_str(tc_ctx *ctx, cJSON *obj, const char *name,
                     const char *value) {
  return add_item(ctx, obj, name,
                  value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

int tc__json_add_int(tc_ctx *ctx, cJSON *obj, const char *name, int64_t value) {
  if (value >= -EXACT_PRINT_INT && value <= EXACT_PRINT_INT)
    return add_item(ctx, obj, name, cJSON_CreateNumber((double)value));
  char text[24];
  snprintf(text, sizeof(text), "%lld", (long long)value);
  cJSON *item = cJSON_CreateRaw(text);
  /* Readers of valuedouble still get the nearest double. */
  if (item) item->valuedouble = (double)value;
  return add_item(ctx, obj, name, item);
}

int tc__json_add_bool(tc_ctx *ctx, cJSON *obj, const char *name, bool value) {
  return add_item(ctx, obj, name, cJSON_CreateBool(value));
}

int tc__json_add_null(tc_ctx *ctx, cJSON *obj, const char *name) {
  return add_item(ctx, obj, name, cJSON_CreateNull());
}

cJSON *tc__json_add_object(tc_ctx *ctx, cJSON *obj, const char *name) {
  cJSON *item = cJSON_CreateObject();
  return add_item(ctx, obj, name, item) ? NULL : item;
}

cJSON *tc__json_add_array(tc_ctx *ctx, cJSON *obj, const char *name) {
  cJSON *item = cJSON_CreateArray();
  return add_item(ctx, obj, name, item) ? NULL : item;
}

int tc__json_merge(tc_ctx *ctx, cJSON *obj, const char *text, size_t len) {
  cJSON *src = cJSON_ParseWithLength(text, len);
  if (!src) return tc__oom(ctx);
  if (!cJSON_IsObject(src)) {
    cJSON_Delete(src);
    return tc__seterr(ctx, TC_ERROR, NULL, "a typed result is not an object");
  }
  int rc = TC_OK;
  while (src->child && rc == TC_OK) {
    cJSON *m = cJSON_DetachItemViaPointer(src, src->child);
    if (!cJSON_AddItemToObject(obj, m->string, m)) {
      cJSON_Delete(m);
      rc = tc__oom(ctx);
    }
  }
  cJSON_Delete(src);
  return rc;
}

int tc__json_attach(tc_ctx *ctx, cJSON *parent, const char *name, tc_buf *b,
                    int rc) {
  cJSON *item = rc ? NULL : cJSON_ParseWithLength(b->ptr, b->size);
  tc_buf_dispose(b);
  if (rc) return rc == TC_ENOMEM && !tc_errmsg(ctx)[0] ? tc__oom(ctx) : rc;
  if (!item) return tc__oom(ctx);
  bool ok = name ? cJSON_AddItemToObject(parent, name, item)
                 : cJSON_AddItemToArray(parent, item);
  if (!ok) {
    cJSON_Delete(item);
    return tc__oom(ctx);
  }
  return TC_OK;
}
