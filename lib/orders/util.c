/*
 * lib/orders/util.c - argument checks and small formatting helpers.
 */
#include "orders_priv.h"

unsigned tc__ord_actor_mask(const tc_principal *who, const char *owner) {
  if (!who) return 0;
  if (who->kind == TC_PRINCIPAL_SYSTEM) return TC_ORDER_ACTOR_SYSTEM;
  if (who->kind != TC_PRINCIPAL_USER) return 0;
  unsigned m = 0;
  if (who->roles & TC_ROLE_ADMIN) m |= TC_ORDER_ACTOR_ADMIN;
  if (who->roles & TC_ROLE_SUPPORT) m |= TC_ORDER_ACTOR_SUPPORT;
  if (owner && *owner && who->user_id[0] && !strcmp(owner, who->user_id))
    m |= TC_ORDER_ACTOR_CUSTOMER;
  return m;
}

void tc__ord_actor_text(char out[64], const tc_principal *who) {
  if (!who || who->kind == TC_PRINCIPAL_ANONYMOUS)
    snprintf(out, 64, "anonymous");
  else if (who->kind == TC_PRINCIPAL_SYSTEM)
    snprintf(out, 64, "system");
  else if (who->roles & TC_ROLE_ADMIN)
    snprintf(out, 64, "admin:%.36s", who->user_id);
  else if (who->roles & TC_ROLE_SUPPORT)
    snprintf(out, 64, "support:%.36s", who->user_id);
  else
    snprintf(out, 64, "customer:%.36s", who->user_id);
}

void tc__ord_fmt_money(char out[48], int64_t amount, const char *currency) {
  tc_money m;
  if (tc_money_make(&m, amount, currency) != TC_OK ||
      tc_money_format(out, 48, &m) != TC_OK)
    snprintf(out, 48, "%lld %.3s", (long long)amount, currency);
}
