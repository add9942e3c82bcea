/*
 * lib/core/policy.h - the one authorization policy of the library. Every
 * typed function that acts for someone asks it, so a C host, the JSON API
 * and the bindings get the same answer (lib/core/policy.c).
 *
 * The rule, for a resource of an area (a module name: "orders") owned by
 * a user (or by nobody):
 *   - system principals may do everything (trusted host processes, and a
 *     module acting on a decision it has already made);
 *   - admins may do everything;
 *   - support may read everything;
 *   - a user may read and write what they own (never an admin action);
 *   - a client acting for itself (OAuth client credentials: an anonymous
 *     principal with a client_id) may read an area with the scope
 *     "<area>:read" and read and write it with "<area>:write"; without a
 *     matching scope it counts as anonymous;
 *   - nobody else (NULL who, anonymous) is authenticated.
 * Included by core/internal.h.
 */
#ifndef TC_CORE_POLICY_H
#define TC_CORE_POLICY_H

#include <stdbool.h>

#include "techcorp/context.h"

/* What a caller wants to do with a resource. */
typedef enum tc__act {
  TC__ACT_READ = 1, /* see it */
  TC__ACT_WRITE,    /* change it */
  TC__ACT_ADMIN,    /* administer the area: never granted by ownership */
} tc__act;

/* May who (NULL: anonymous) do act on a resource of area owned by
 * owner_id (NULL or "": nobody's)? TC_OK, else TC_EUNAUTHENTICATED
 * ("this needs an authenticated caller") or TC_EDENIED ("not allowed to
 * <act> a resource of another user"), the message set on ctx. */
int tc__authorize(tc_ctx *ctx, const tc_principal *who, const char *area,
                  tc__act act, const char *owner_id);

/* True when who is a client acting for itself with a scope of area
 * ("<area>:read" or "<area>:write"): the JSON API then lets the typed
 * function decide instead of refusing an anonymous caller. */
bool tc__client_scoped(const tc_principal *who, const char *area);

/* The same decision without a message (ctx untouched). */
bool tc__allowed(const tc_principal *who, const char *area, tc__act act,
                 const char *owner_id);

/* Append the names of the roles in `roles` (customer, support, admin, in
 * that order) to the JSON array arr: TC_OK or TC_ENOMEM (no message). */
struct cJSON;
int tc__roles_json(struct cJSON *arr, uint32_t roles);

/* The names of the roles in `roles` joined by sep into out ("customer,
 * admin"), or `none` when there are none. */
void tc__roles_text(char *out, size_t size, uint32_t roles, const char *sep,
                    const char *none);

/* A system principal, for a module that calls another module's public
 * function on a decision it has already made (the callee's own rule
 * would be the wrong one there), and for the library's own jobs. */
extern const tc_principal tc__system_principal;

#endif
