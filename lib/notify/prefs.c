/*
 * lib/notify/prefs.c - opt-outs per (user, channel, category). Only
 * marketing can be opted out; a row in notify_optouts means "off".
 */
#include "notify_priv.h"

static int check(tc_ctx *ctx, const tc_principal *who, const char *user_id,
                 tc_notify_channel ch, tc_notify_category cat, tc__act act) {
  int rc;
  if (!user_id || tc_id_check(user_id))
    return tc__seterr(ctx, TC_EINVAL, "user_id", "user_id is not an id");
  if ((rc = tc__notify_check_channel(ctx, ch)) ||
      (rc = tc__notify_check_category(ctx, cat)))
    return rc;
  return tc__authorize(ctx, who, "notify", act, user_id);
}

int tc_notify_pref_set(tc_ctx *ctx, const tc_principal *who,
                       const char *user_id, tc_notify_channel channel,
                       tc_notify_category category, int enabled) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = check(ctx, who, user_id, channel, category, TC__ACT_WRITE);
  if (rc) return rc;
  if (category != TC_NOTIFY_MARKETING) {
    if (enabled) return TC_OK; /* always on already */
    return tc__seterr(ctx, TC_EINVAL, "category",
                      "%s messages cannot be turned off",
                      tc_notify_category_name(category));
  }
  tc_value p[] = {TC_VAL_TEXT(user_id),
                  TC_VAL_TEXT(tc_notify_channel_name(channel)),
                  TC_VAL_TEXT(tc_notify_category_name(category)),
                  TC_VAL_INT(tc__now_ms(ctx))};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  if (enabled)
    rc = tc__db_exec(ctx,
                     "DELETE FROM notify_optouts WHERE user_id = ? AND "
                     "channel = ? AND category = ?",
                     p, 3, NULL, NULL, NULL);
  else
    rc = tc__db_exec(ctx,
                     "INSERT INTO notify_optouts (user_id, channel, category, "
                     "created_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     p, 4, NULL, NULL, NULL);
  return tc__txn_end(ctx, rc);
}

int tc_notify_pref_get(int *enabled, tc_ctx *ctx, const tc_principal *who,
                       const char *user_id, tc_notify_channel channel,
                       tc_notify_category category) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!enabled) return tc__seterr(ctx, TC_EINVAL, "enabled", "enabled is NULL");
  *enabled = 1;
  int rc = check(ctx, who, user_id, channel, category, TC__ACT_READ);
  if (rc || category != TC_NOTIFY_MARKETING) return rc;
  tc_value p[] = {TC_VAL_TEXT(user_id),
                  TC_VAL_TEXT(tc_notify_channel_name(channel)),
                  TC_VAL_TEXT(tc_notify_category_name(category))};
  rc = tc__db_row(ctx,
                  "SELECT 1 FROM notify_optouts WHERE user_id = ? AND "
                  "channel = ? AND category = ?",
                  p, 3, NULL, NULL);
  if (rc == TC_OK) *enabled = 0;
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}
