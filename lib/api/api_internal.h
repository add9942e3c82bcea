/*
 * lib/api/api_internal.h - the JSON API, the top layer of the library.
 *
 * Every module's methods live in lib/api/<module>.c, one table each,
 * listed in lib/api/registry.c. A handler turns the validated request into
 * calls of the public typed C API (the headers in include/techcorp/) and
 * the results back into JSON. It holds no domain rule, no SQL and no
 * authorization decision of its own: the typed functions decide, so a C
 * host gets the same rules as a JSON caller. (The method table's access level
 * is a first, coarse gate and what system.methods shows.)
 *
 * The dispatcher (dispatch.c) parses the request, resolves the caller,
 * checks the access level and validates the request against the method's
 * fields before the handler runs, so a handler may read fields without
 * re-checking their types, ranges or lengths.
 */
#ifndef TC_API_INTERNAL_H
#define TC_API_INTERNAL_H

#include <cjson/cJSON.h>

#include "core/internal.h"
#include "techcorp/techcorp.h"

/* ---- fields --------------------------------------------------------------
 */

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
 * for arrays the item count (max 0: 1000). Lists of fields end with
 * API_END (name NULL).
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

/*
 * The one way to declare fields. flags is API_OPT, API_REQ, API_NULL or
 * API_REQ | API_NULL. An array's item is one field (API_ITEM_*: no name);
 * &item is passed as `items`.
 *
 *   static const tc__field login_req[] = {
 *       API_STR("email", API_REQ, 1, 254, "e-mail"),
 *       API_END,
 *   };
 */
#define API_OPT 0u
#define API_REQ TC__F_REQUIRED
#define API_NULL TC__F_NULLABLE

/* Each expands to its initializer directly (not through another macro), so
 * an item given as a compound literal, &(const tc__field)API_OBJ(...),
 * passes through whole. */
#define API_STR(name, flags, min, max, doc) \
  { name, TC__F_STRING, flags, min, max, NULL, NULL, doc }
#define API_INT(name, flags, min, max, doc) \
  { name, TC__F_INT, flags, min, max, NULL, NULL, doc }
#define API_BOOL(name, flags, doc) \
  { name, TC__F_BOOL, flags, 0, 0, NULL, NULL, doc }
#define API_OBJ(name, flags, fields, doc) \
  { name, TC__F_OBJECT, flags, 0, 0, fields, NULL, doc }
#define API_ARR(name, flags, min, max, items, doc) \
  { name, TC__F_ARRAY, flags, min, max, NULL, items, doc }
#define API_ANY(name, flags, doc) \
  { name, TC__F_ANY, flags, 0, 0, NULL, NULL, doc }
/* An id: a UUID text of exactly 36 bytes. */
#define API_ID(name, flags, doc) \
  { name, TC__F_STRING, flags, 36, 36, NULL, NULL, doc }
/* The end of a list. */
#define API_END \
  { NULL, 0, 0, 0, 0, NULL, NULL, NULL }

/* ---- methods -------------------------------------------------------------
 */

/* Who may call a method: the coarse gate of the dispatcher, shown by
 * system.methods. The typed function called decides the rest. */
typedef enum tc__access {
  TC__ACCESS_PUBLIC = 0, /* anyone, anonymous included */
  TC__ACCESS_USER,       /* any authenticated principal */
  TC__ACCESS_SUPPORT,    /* support or admin role, or system */
  TC__ACCESS_ADMIN,      /* admin role, or system */
  TC__ACCESS_SYSTEM,     /* only a trusted system principal */
} tc__access;

/* The caller of one tc_api_call(), passed to every handler. */
typedef struct tc__api_caller {
  const tc_principal *who; /* never NULL: anonymous when nobody */
  const char *client_ip;   /* as the host gave it, or NULL */
  const char *user_agent;  /* as the host gave it, or NULL */
} tc__api_caller;

/*
 * A handler reads the validated request and adds its result to the response
 * object `resp` (already created, empty). It returns TC_OK, or an error set
 * with tc__seterr() (naming the field). On error resp is discarded.
 */
typedef int (*tc__api_handler)(tc_ctx *ctx, const tc__api_caller *from,
                               const cJSON *req, cJSON *resp);

typedef struct tc__api_method {
  const char *name;    /* "module.action" */
  const char *summary; /* one line */
  tc__access access;
  const tc__field *request;  /* API_END-terminated list; NULL: no fields */
  const tc__field *response; /* for system.methods and the docs */
  tc__api_handler handler;   /* h_<action> of lib/api/<module>.c */
} tc__api_method;

/* One line of a method table. */
#define API_METHOD(name, summary, access, request, response, handler) \
  { name, summary, access, request, response, handler }

typedef struct tc__api_module {
  const char *name;
  const tc__api_method *methods;
  size_t count;
} tc__api_module;

#define API_MODULE(var, name, table) \
  const tc__api_module var = {name, table, sizeof(table) / sizeof(table[0])}

/* The registry (lib/api/registry.c): every module, in system.methods
 * order. */
extern const tc__api_module *const tc__api_modules[];
extern const size_t tc__api_module_count;

extern const tc__api_module tc__api_system;
extern const tc__api_module tc__api_users;
extern const tc__api_module tc__api_auth;
extern const tc__api_module tc__api_catalog;
extern const tc__api_module tc__api_inventory;
extern const tc__api_module tc__api_payments;
extern const tc__api_module tc__api_orders;
extern const tc__api_module tc__api_notify;
extern const tc__api_module tc__api_search;

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

/* Validate `value` against a field list; on error sets ctx's message and
 * field (dotted path, "items[2].sku") and returns TC_EINVAL. */
int tc__api_validate(tc_ctx *ctx, const cJSON *object, const tc__field *fields,
                     const char *path);

/* ---- reading requests, building responses (json.c) ---------------------
 */

/* Small readers for validated requests: absent (or null) gives the default. */
const char *tc__json_str(const cJSON *obj, const char *name, const char *dflt);
int64_t tc__json_int(const cJSON *obj, const char *name, int64_t dflt);
bool tc__json_bool(const cJSON *obj, const char *name, bool dflt);

/* Add members, returning TC_ENOMEM (with the message set) on failure. */
int tc__json_add_str(tc_ctx *ctx, cJSON *obj, const char *name,
                     const char *value);
int tc__json_add_int(tc_ctx *ctx, cJSON *obj, const char *name, int64_t value);
int tc__json_add_bool(tc_ctx *ctx, cJSON *obj, const char *name, bool value);
int tc__json_add_null(tc_ctx *ctx, cJSON *obj, const char *name);

/* More builders, same error rule: the new member, or NULL with TC_ENOMEM
 * set on ctx. */
cJSON *tc__json_add_object(tc_ctx *ctx, cJSON *obj, const char *name);
cJSON *tc__json_add_array(tc_ctx *ctx, cJSON *obj, const char *name);

/* Add the members of the JSON object text[0..len) (a typed function's JSON
 * output, so trusted to be an object) to obj, in order. TC_ENOMEM, or
 * TC_ERROR when the text is not an object. */
int tc__json_merge(tc_ctx *ctx, cJSON *obj, const char *text, size_t len);

/* The JSON text a typed function wrote into b (rc: its result) as a member
 * name of parent (name NULL: appended to the array parent). b is disposed
 * of either way. rc, TC_ENOMEM or TC_ERROR (not JSON) with the message
 * set. */
int tc__json_attach(tc_ctx *ctx, cJSON *parent, const char *name, tc_buf *b,
                    int rc);

/* A tc_buf allocating through ctx's allocator. */
static inline tc_buf tc__json_buf(tc_ctx *ctx) {
  tc_buf b = TC_BUF_INIT;
  b.alloc = &ctx->alloc;
  return b;
}

#endif
