/*
 * lib/api/system.c - the system module of the JSON API: what the library is
 * (system.version), whether its ports answer (system.health) and what it offers
 * (system.methods, from which the OpenAPI document, the bindings and the
 * docs are generated, so its output is complete and in registry order).
 */
#include <stdio.h>

#include "api_internal.h"
#include "techcorp/version.h"

/* Must match tc_abi in the top-level meson.build (the soname's number). */
#define TC__ABI TC_VERSION_ABI

/* ---- system.version
 * ---------------------------------------------------------- */

static const tc__field version_response[] = {
    {"version", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "library version, \"major.minor.patch\""},
    {"version_number", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "major * 10000 + minor * 100 + patch"},
    {"abi", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "ABI number, as in the soname libtechcorp.so.<abi>"},
    {NULL},
};

static int h_version(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  (void)req;
  int rc;
  if ((rc = tc__json_add_str(ctx, resp, "version", TC_VERSION))) return rc;
  if ((rc = tc__json_add_int(ctx, resp, "version_number", TC_VERSION_NUMBER)))
    return rc;
  return tc__json_add_int(ctx, resp, "abi", TC__ABI);
}

/* ---- system.health
 * ------------------------------------------------------------- */

static const tc__field health_response[] = {
    {"status", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "\"ok\" when every part answered, else \"degraded\""},
    {"store", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "\"ok\" or \"error\": the store ran SELECT 1"},
    {"store_error", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "why the store failed (only when store is \"error\")"},
    {"cache", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "\"ok\" or \"error\": the cache stored and returned a probe key"},
    {"cache_error", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "why the cache failed (only when cache is \"error\")"},
    {"time_ms", TC__F_INT, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "the library clock, milliseconds since the Unix epoch"},
    {NULL},
};

static int add_part(tc_ctx *ctx, cJSON *resp, const char *name, int ok,
                    const char *why) {
  int rc = tc__json_add_str(ctx, resp, name, ok ? "ok" : "error");
  if (rc || ok) return rc;
  char key[32];
  snprintf(key, sizeof(key), "%s_error", name);
  return tc__json_add_str(ctx, resp, key, why);
}

static int h_health(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  (void)from;
  (void)req;
  tc_health h;
  int rc = tc_ctx_health(&h, ctx);
  if (!rc)
    rc = tc__json_add_str(ctx, resp, "status",
                          h.store_ok && h.cache_ok ? "ok" : "degraded");
  if (!rc) rc = add_part(ctx, resp, "store", h.store_ok, h.store_error);
  if (!rc) rc = add_part(ctx, resp, "cache", h.cache_ok, h.cache_error);
  if (!rc) rc = tc__json_add_int(ctx, resp, "time_ms", h.time_ms);
  return rc;
}

/* ---- system.methods
 * -------------------------------------------------------------- */

/* How a field is described. "fields" and "items" hold descriptions of the
 * same shape; the table does not point at itself, so describing
 * system.methods terminates. */
static const tc__field field_description[] = {
    {"name", TC__F_STRING, 0, 0, 0, NULL, NULL,
     "member name (absent for the item of an array)"},
    {"type", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "string, integer, number, boolean, object, array or any"},
    {"required", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "the member must be present"},
    {"nullable", TC__F_BOOL, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "null is accepted and means absent"},
    {"min", TC__F_INT, 0, 0, 0, NULL, NULL,
     "least value (integer, number), length in bytes (string) or item "
     "count (array); absent when unbounded"},
    {"max", TC__F_INT, 0, 0, 0, NULL, NULL,
     "greatest value, length in bytes or item count; absent when unbounded"},
    {"doc", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "what the field means"},
    {"fields", TC__F_ARRAY, 0, 0, 0, NULL, NULL,
     "members of an object, each described like this field (absent: any "
     "object)"},
    {"items", TC__F_OBJECT, 0, 0, 0, NULL, NULL,
     "the items of an array, described like this field (absent: any "
     "value)"},
    {NULL},
};

static const tc__field field_list_item = {
    NULL, TC__F_OBJECT, 0, 0, 0, field_description, NULL, "a field"};

static const tc__field method_description[] = {
    {"name", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "\"module.action\""},
    {"summary", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "what the method does, one line"},
    {"access", TC__F_STRING, TC__F_REQUIRED, 0, 0, NULL, NULL,
     "who may call: public, user, support, admin or system"},
    {"request", TC__F_ARRAY, TC__F_REQUIRED, 0, 0, NULL, &field_list_item,
     "fields of the request object"},
    {"response", TC__F_ARRAY, TC__F_REQUIRED, 0, 0, NULL, &field_list_item,
     "fields of the response object"},
    {NULL},
};

static const tc__field method_list_item = {
    NULL, TC__F_OBJECT, 0, 0, 0, method_description, NULL, "a method"};

static const tc__field methods_request[] = {
    {"module", TC__F_STRING, 0, 1, 64, NULL, NULL,
     "list only this module's methods (\"system\")"},
    {NULL},
};

static const tc__field methods_response[] = {
    {"methods", TC__F_ARRAY, TC__F_REQUIRED, 0, 0, NULL, &method_list_item,
     "every method, in registry order"},
    {NULL},
};

static const char *access_name(tc__access a) {
  switch (a) {
    case TC__ACCESS_PUBLIC:
      return "public";
    case TC__ACCESS_USER:
      return "user";
    case TC__ACCESS_SUPPORT:
      return "support";
    case TC__ACCESS_ADMIN:
      return "admin";
    case TC__ACCESS_SYSTEM:
      return "system";
  }
  return "unknown";
}

static const char *type_name(tc__field_type t) {
  switch (t) {
    case TC__F_STRING:
      return "string";
    case TC__F_INT:
      return "integer";
    case TC__F_NUMBER:
      return "number";
    case TC__F_BOOL:
      return "boolean";
    case TC__F_OBJECT:
      return "object";
    case TC__F_ARRAY:
      return "array";
    case TC__F_ANY:
      return "any";
  }
  return "unknown";
}

static int describe_fields(tc_ctx *ctx, cJSON *list, const tc__field *fields,
                           int depth);

/* The bounds the validator enforces, defaults resolved (see tc__field). */
static int describe_bounds(tc_ctx *ctx, cJSON *d, const tc__field *f) {
  int64_t min = f->min, max = f->max;
  switch (f->type) {
    case TC__F_STRING:
      if (max <= 0) max = 4096;
      if (min < 0) min = 0;
      break;
    case TC__F_ARRAY:
      if (max <= 0) max = 1000;
      if (min < 0) min = 0;
      break;
    case TC__F_INT:
    case TC__F_NUMBER:
      if (!min && !max) return TC_OK;
      break;
    default:
      return TC_OK;
  }
  int rc = tc__json_add_int(ctx, d, "min", min);
  return rc ? rc : tc__json_add_int(ctx, d, "max", max);
}

static int describe_field(tc_ctx *ctx, cJSON *d, const tc__field *f,
                          int depth) {
  if (depth > TC__API_MAX_DEPTH)
    return tc__seterr(ctx, TC_ERROR, NULL,
                      "field tables nest deeper than %d levels",
                      TC__API_MAX_DEPTH);
  int rc = TC_OK;
  if (f->name) rc = tc__json_add_str(ctx, d, "name", f->name);
  if (!rc) rc = tc__json_add_str(ctx, d, "type", type_name(f->type));
  if (!rc)
    rc =
        tc__json_add_bool(ctx, d, "required", (f->flags & TC__F_REQUIRED) != 0);
  if (!rc)
    rc =
        tc__json_add_bool(ctx, d, "nullable", (f->flags & TC__F_NULLABLE) != 0);
  if (!rc) rc = describe_bounds(ctx, d, f);
  if (!rc) rc = tc__json_add_str(ctx, d, "doc", f->doc ? f->doc : "");
  if (rc) return rc;
  if (f->type == TC__F_OBJECT && f->fields) {
    cJSON *list = tc__json_add_array(ctx, d, "fields");
    if (!list) return TC_ENOMEM;
    if ((rc = describe_fields(ctx, list, f->fields, depth + 1))) return rc;
  }
  if (f->type == TC__F_ARRAY && f->items) {
    cJSON *item = tc__json_add_object(ctx, d, "items");
    if (!item) return TC_ENOMEM;
    if ((rc = describe_field(ctx, item, f->items, depth + 1))) return rc;
  }
  return TC_OK;
}

static int describe_fields(tc_ctx *ctx, cJSON *list, const tc__field *fields,
                           int depth) {
  for (const tc__field *f = fields; f && f->name; f++) {
    cJSON *d = cJSON_CreateObject();
    if (!d || !cJSON_AddItemToArray(list, d)) {
      cJSON_Delete(d);
      return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory listing methods");
    }
    int rc = describe_field(ctx, d, f, depth);
    if (rc) return rc;
  }
  return TC_OK;
}

static int describe_method(tc_ctx *ctx, cJSON *list, const tc__api_method *m) {
  cJSON *d = cJSON_CreateObject();
  if (!d || !cJSON_AddItemToArray(list, d)) {
    cJSON_Delete(d);
    return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory listing methods");
  }
  int rc = tc__json_add_str(ctx, d, "name", m->name);
  if (!rc)
    rc = tc__json_add_str(ctx, d, "summary", m->summary ? m->summary : "");
  if (!rc) rc = tc__json_add_str(ctx, d, "access", access_name(m->access));
  if (rc) return rc;
  cJSON *req = tc__json_add_array(ctx, d, "request");
  if (!req) return TC_ENOMEM;
  if ((rc = describe_fields(ctx, req, m->request, 1))) return rc;
  cJSON *resp = tc__json_add_array(ctx, d, "response");
  if (!resp) return TC_ENOMEM;
  return describe_fields(ctx, resp, m->response, 1);
}

static int h_methods(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  const char *only = tc__json_str(req, "module", NULL);
  bool found = false;
  cJSON *list = tc__json_add_array(ctx, resp, "methods");
  if (!list) return TC_ENOMEM;
  for (size_t i = 0; i < tc__api_module_count; i++) {
    const tc__api_module *mod = tc__api_modules[i];
    if (only && strcmp(mod->name, only)) continue;
    found = true;
    for (size_t j = 0; j < mod->count; j++) {
      int rc = describe_method(ctx, list, &mod->methods[j]);
      if (rc) return rc;
    }
  }
  if (only && !found) {
    char q[72];
    tc__quote(q, sizeof(q), only);
    return tc__seterr(ctx, TC_ENOTFOUND, "module", "unknown module '%s'", q);
  }
  return TC_OK;
}

/* ---- the module
 * ---------------------------------------------------------------- */

static const tc__api_method system_methods_table[] = {
    {"system.version", "Version and ABI of the library", TC__ACCESS_PUBLIC,
     NULL, version_response, h_version},
    {"system.health",
     "Check that the store and the cache answer; always succeeds, reporting "
     "\"degraded\" and the failing part",
     TC__ACCESS_PUBLIC, NULL, health_response, h_health},
    {"system.methods",
     "Every method with its summary, access and request and response fields",
     TC__ACCESS_PUBLIC, methods_request, methods_response, h_methods},
};

const tc__api_module tc__api_system = {
    "system",
    system_methods_table,
    sizeof(system_methods_table) / sizeof(system_methods_table[0]),
};
