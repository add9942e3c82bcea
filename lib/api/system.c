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
    API_STR("version", API_REQ, 0, 0, "library version, \"major.minor.patch\""),
    API_INT("version_number", API_REQ, 0, 0,
            "major * 10000 + minor * 100 + patch"),
    API_INT("abi", API_REQ, 0, 0,
            "ABI number, as in the soname libtechcorp.so.<abi>"),
    API_END,
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
    API_STR("status", API_REQ, 0, 0,
            "\"ok\" when every part answered, else \"degraded\""),
    API_STR("store", API_REQ, 0, 0,
            "\"ok\" or \"error\": the store ran SELECT 1"),
    API_STR("store_error", API_OPT, 0, 0,
            "why the store failed (only when store is \"error\")"),
    API_STR("cache", API_REQ, 0, 0,
            "\"ok\" or \"error\": the cache stored and returned a probe key"),
    API_STR("cache_error", API_OPT, 0, 0,
            "why the cache failed (only when cache is \"error\")"),
    API_INT("time_ms", API_REQ, 0, 0,
            "the library clock, milliseconds since the Unix epoch"),
    API_END,
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
    API_STR("name", API_OPT, 0, 0,
            "member name (absent for the item of an array)"),
    API_STR("type", API_REQ, 0, 0,
            "string, integer, number, boolean, object, array or any"),
    API_BOOL("required", API_REQ, "the member must be present"),
    API_BOOL("nullable", API_REQ, "null is accepted and means absent"),
    API_INT("min", API_OPT, 0, 0,
            "least value (integer, number), length in bytes (string) or item "
            "count (array); absent when unbounded"),
    API_INT(
        "max", API_OPT, 0, 0,
        "greatest value, length in bytes or item count; absent when unbounded"),
    API_STR("doc", API_REQ, 0, 0, "what the field means"),
    API_ARR("fields", API_OPT, 0, 0, NULL,
            "members of an object, each described like this field (absent: any "
            "object)"),
    API_OBJ("items", API_OPT, NULL,
            "the items of an array, described like this field (absent: any "
            "value)"),
    API_END,
};

static const tc__field field_list_item =
    API_OBJ(NULL, API_OPT, field_description, "a field");

static const tc__field method_description[] = {
    API_STR("name", API_REQ, 0, 0, "\"module.action\""),
    API_STR("summary", API_REQ, 0, 0, "what the method does, one line"),
    API_STR("access", API_REQ, 0, 0,
            "who may call: public, user, support, admin or system"),
    API_ARR("request", API_REQ, 0, 0, &field_list_item,
            "fields of the request object"),
    API_ARR("response", API_REQ, 0, 0, &field_list_item,
            "fields of the response object"),
    API_END,
};

static const tc__field method_list_item =
    API_OBJ(NULL, API_OPT, method_description, "a method");

static const tc__field methods_request[] = {
    API_STR("module", API_OPT, 1, 64,
            "list only this module's methods (\"system\")"),
    API_END,
};

static const tc__field methods_response[] = {
    API_ARR("methods", API_REQ, 0, 0, &method_list_item,
            "every method, in registry order"),
    API_END,
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
    API_METHOD("system.version", "Version and ABI of the library",
               TC__ACCESS_PUBLIC, NULL, version_response, h_version),
    API_METHOD(
        "system.health",
        "Check that the store and the cache answer; always succeeds, reporting "
        "\"degraded\" and the failing part",
        TC__ACCESS_PUBLIC, NULL, health_response, h_health),
    API_METHOD(
        "system.methods",
        "Every method with its summary, access and request and response fields",
        TC__ACCESS_PUBLIC, methods_request, methods_response, h_methods),
};

API_MODULE(tc__api_system, "system", system_methods_table);
