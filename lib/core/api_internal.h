/*
 * lib/core/api_internal.h - how a module adds methods to the JSON API.
 *
 * A module declares a tc__api_module with its methods; lib/core/registry.c
 * lists every module. The dispatcher (lib/core/api.c) parses the request,
 * resolves the caller, checks access and validates the request against the
 * method's fields before the handler runs, so a handler may read fields
 * without re-checking their types, ranges or lengths.
 */
#ifndef TC_CORE_API_INTERNAL_H
#define TC_CORE_API_INTERNAL_H

#include <cjson/cJSON.h>

#include "internal.h"

typedef enum tc__field_type {
  TC__F_STRING = 1,
  TC__F_INT, /* a JSON number that is an integer within int64 */
  TC__F_NUMBER,
  TC__F_BOOL,
  TC__F_OBJECT, /* with `fields` (NULL: any object) */
  TC__F_ARRAY,  /* items described by `items` */
  TC__F_ANY,
} tc__field_type;

#define TC__F_REQUIRED 0x1u
#define TC__F_NULLABLE 0x2u /* JSON null accepted (treated as absent) */

/*
 * One field of a request or response. For strings min/max bound the length
 * in bytes (max 0: 4096), for ints the value (min = max = 0: any int64),
 * for arrays the item count (max 0: 1000). Lists of fields end with an
 * entry whose name is NULL.
 */
typedef struct tc__field {
  const char *name;
  tc__field_type type;
  unsigned flags;
  int64_t min, max;
  const struct tc__field *fields; /* object members */
  const struct tc__field *items;  /* array item (one entry, name unused) */
  const char *doc;
} tc__field;

/* Who may call a method. */
typedef enum tc__access {
  TC__ACCESS_PUBLIC = 0, /* anyone, anonymous included */
  TC__ACCESS_USER,       /* any authenticated principal */
  TC__ACCESS_SUPPORT,    /* support or admin role, or system */
  TC__ACCESS_ADMIN,      /* admin role, or system */
  TC__ACCESS_SYSTEM,     /* only a trusted system principal */
} tc__access;

/*
 * A handler reads the validated request and adds its result to the response
 * object `resp` (already created, empty). It returns TC_OK, or an error set
 * with tc__seterr() (naming the field). On error resp is discarded.
 */
typedef int (*tc__api_handler)(tc_ctx *ctx, const tc_principal *who,
                               const cJSON *req, cJSON *resp);

typedef struct tc__api_method {
  const char *name;    /* "module.action" */
  const char *summary; /* one line */
  tc__access access;
  const tc__field *request;  /* NULL-terminated list; NULL: no fields */
  const tc__field *response; /* for system.methods and the docs */
  tc__api_handler handler;
} tc__api_method;

typedef struct tc__api_module {
  const char *name;
  const tc__api_method *methods;
  size_t count;
} tc__api_module;

extern const tc__api_module *const tc__api_modules[];
extern const size_t tc__api_module_count;

/*
 * Turn a bearer token into a principal. Until the auth module provides it,
 * every bearer token is refused with TC_EUNAUTHENTICATED.
 */
int tc__api_resolve_bearer(tc_ctx *ctx, const char *bearer,
                           const tc_caller *caller, tc_principal *out);

/* Validate `value` against a field list; on error sets ctx's message and
 * field (dotted path, "items[2].sku") and returns TC_EINVAL. */
int tc__api_validate(tc_ctx *ctx, const cJSON *object, const tc__field *fields,
                     const char *path);

/* Small readers for validated requests: absent (or null) gives the default. */
const char *tc__json_str(const cJSON *obj, const char *name, const char *dflt);
int64_t tc__json_int(const cJSON *obj, const char *name, int64_t dflt);
bool tc__json_bool(const cJSON *obj, const char *name, bool dflt);

/* Add members, returning TC_ENOMEM (with the message set) on failure. */
int tc__json_add_str(tc_ctx *ctx, cJSON *obj, const char *name,
                     const char *value);
int tc__json_add_int(tc_ctx *ctx, cJSON *obj, const char *name, int64_t value);
int tc__json_add_bool(tc_ctx *ctx, cJSON *obj, const char *name, bool value);

/* ---- added by the JSON API (lib/core/api.c, api_system.c, json.c) ---- */

/* The system module: system.version, system.health, system.methods. */
extern const tc__api_module tc__api_system;

/* Containers (objects and arrays) a request may nest, the top one included. */
#define TC__API_MAX_DEPTH 32

/*
 * tc_api_call() over an explicit list of modules instead of the registry,
 * so tests can dispatch to methods of their own. Same contract otherwise.
 */
int tc__api_call_modules(tc_buf *out, tc_ctx *ctx, const tc_caller *caller,
                         const tc__api_module *const *modules, size_t nmodules,
                         const char *method, const char *request,
                         size_t request_len);

/* TC_OK when who may call m; else TC_EUNAUTHENTICATED (anonymous caller)
 * or TC_EDENIED (known caller without the role), message naming m. */
int tc__api_check_access(tc_ctx *ctx, const tc__api_method *m,
                         const tc_principal *who);

/* Copy s into dst (size >= 4) for quoting in an error message: at most 64
 * bytes, cut on a character boundary with "..." marking the cut, control
 * characters and invalid UTF-8 shown as '?'. Never echo input unquoted. */
void tc__api_quote(char *dst, size_t size, const char *s);

/* More builders, same error rule as tc__json_add_*: the new member, or
 * NULL with TC_ENOMEM set on ctx. */
cJSON *tc__json_add_object(tc_ctx *ctx, cJSON *obj, const char *name);
cJSON *tc__json_add_array(tc_ctx *ctx, cJSON *obj, const char *name);
int tc__json_add_null(tc_ctx *ctx, cJSON *obj, const char *name);

#endif
