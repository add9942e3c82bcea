/*
 * lib/core/policy.c - the authorization policy (see policy.h). It lives
 * below every module, so that no module asks another for a decision and
 * the rule is written once.
 */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "internal.h"

const tc_principal tc__system_principal = {
    TC_PRINCIPAL_VERSION, TC_PRINCIPAL_SYSTEM, 0, "", "", "", ""};

static const struct {
  uint32_t bit;
  const char *name;
} roles[] = {{TC_ROLE_CUSTOMER, "customer"},
             {TC_ROLE_SUPPORT, "support"},
             {TC_ROLE_ADMIN, "admin"}};

const char *tc_role_name(uint32_t role) {
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
    if (roles[i].bit == role) return roles[i].name;
  return NULL;
}

uint32_t tc_role_parse(const char *name) {
  for (size_t i = 0; name && i < sizeof(roles) / sizeof(roles[0]); i++)
    if (!strcmp(roles[i].name, name)) return roles[i].bit;
  return 0;
}

int tc__roles_json(cJSON *arr, uint32_t bits) {
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
    if (!(bits & roles[i].bit)) continue;
    cJSON *s = cJSON_CreateString(roles[i].name);
    if (!s || !cJSON_AddItemToArray(arr, s)) {
      cJSON_Delete(s);
      return TC_ENOMEM;
    }
  }
  return TC_OK;
}

void tc__roles_text(char *out, size_t size, uint32_t bits, const char *sep,
                    const char *none) {
  if (!size) return;
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
    if (!(bits & roles[i].bit)) continue;
    int w = snprintf(out + n, size - n, "%s%s", n ? sep : "", roles[i].name);
    if (w < 0 || (size_t)w >= size - n) return;
    n += (size_t)w;
  }
  if (!n) snprintf(out, size, "%s", none);
}

static const char *act_name(tc__act act) {
  switch (act) {
    case TC__ACT_READ:
      return "read";
    case TC__ACT_WRITE:
      return "write";
    case TC__ACT_ADMIN:
      return "admin";
  }
  return NULL;
}

/* The client's scopes hold "<area>:<what>" as one space-separated word. */
static bool has_scope(const tc_principal *who, const char *area,
                      const char *what) {
  if (!area || !*area) return false;
  size_t na = strlen(area), nw = strlen(what);
  const char *p = who->scopes;
  const char *end = who->scopes + strnlen(who->scopes, sizeof(who->scopes));
  while (p < end) {
    while (p < end && *p == ' ') p++;
    const char *w = p;
    while (p < end && *p != ' ') p++;
    size_t n = (size_t)(p - w);
    if (n == na + 1 + nw && !memcmp(w, area, na) && w[na] == ':' &&
        !memcmp(w + na + 1, what, nw))
      return true;
  }
  return false;
}

static bool client_granted(const tc_principal *who, const char *area,
                           tc__act act) {
  if (!who->client_id[0] || act == TC__ACT_ADMIN) return false;
  if (has_scope(who, area, "write")) return true;
  return act == TC__ACT_READ && has_scope(who, area, "read");
}

bool tc__client_scoped(const tc_principal *who, const char *area) {
  return who && who->kind == TC_PRINCIPAL_ANONYMOUS && who->client_id[0] &&
         (has_scope(who, area, "read") || has_scope(who, area, "write"));
}

/* TC_OK when allowed, else the code the caller gets. */
static int decide(const tc_principal *who, const char *area, tc__act act,
                  const char *owner_id) {
  if (!who) return TC_EUNAUTHENTICATED;
  if (who->kind == TC_PRINCIPAL_ANONYMOUS)
    return client_granted(who, area, act) ? TC_OK : TC_EUNAUTHENTICATED;
  if (who->kind == TC_PRINCIPAL_SYSTEM) return TC_OK;
  if (who->kind != TC_PRINCIPAL_USER) return TC_EDENIED;
  if (who->roles & TC_ROLE_ADMIN) return TC_OK;
  if (act == TC__ACT_READ && (who->roles & TC_ROLE_SUPPORT)) return TC_OK;
  if (act != TC__ACT_ADMIN && owner_id && *owner_id && who->user_id[0] &&
      !strcmp(who->user_id, owner_id))
    return TC_OK;
  return TC_EDENIED;
}

bool tc__allowed(const tc_principal *who, const char *area, tc__act act,
                 const char *owner_id) {
  return act_name(act) && decide(who, area, act, owner_id) == TC_OK;
}

int tc__authorize(tc_ctx *ctx, const tc_principal *who, const char *area,
                  tc__act act, const char *owner_id) {
  const char *name = act_name(act);
  if (!name)
    return tc__seterr(ctx, TC_EDENIED, NULL, "unknown action %d", (int)act);
  int rc = decide(who, area, act, owner_id);
  if (rc == TC_EUNAUTHENTICATED)
    return tc__seterr(ctx, rc, NULL, "this needs an authenticated caller");
  if (rc == TC_EDENIED && who->kind != TC_PRINCIPAL_USER)
    return tc__seterr(ctx, rc, NULL, "unknown principal kind");
  if (rc == TC_EDENIED)
    return tc__seterr(ctx, rc, NULL,
                      "not allowed to %s a resource of another user", name);
  return TC_OK;
}
