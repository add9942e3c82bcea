/*
 * lib/notify/history.c - the message history: newest first, keyset pages,
 * customers see their own, support/admin/system everybody's.
 */
#include <stdio.h>

#include "notify_priv.h"

#define HIST_COLS                                                        \
  "SELECT id, user_id, channel, category, template, locale, recipient, " \
  "subject, status, reason, attempts, provider_ref, idempotency_key, "   \
  "created_ms, updated_ms, sent_ms FROM notify_messages "

typedef struct hist {
  tc_notify_history_cb cb;
  void *payload;
  size_t seen, limit;
  char *next;
} hist;

static int hist_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  hist *h = payload;
  tc_notify_history_item it;
  memset(&it, 0, sizeof(it));
  it.id = tc__col_text(&c[0]);
  it.user_id = tc__col_text(&c[1]);
  tc_notify_channel_parse(&it.channel, NULL, tc__col_text(&c[2]));
  tc_notify_category_parse(&it.category, NULL, tc__col_text(&c[3]));
  it.template_name = tc__col_text(&c[4]);
  it.locale = tc__col_text(&c[5]);
  it.recipient = tc__col_text(&c[6]);
  it.subject = tc__col_text(&c[7]);
  const char *st = tc__col_text(&c[8]);
  for (int i = 0; i < 5; i++)
    if (!strcmp(st, tc_notify_status_name((tc_notify_status)i)))
      it.status = (tc_notify_status)i;
  it.reason = tc__col_text(&c[9]);
  it.attempts = (uint32_t)tc__col_int(&c[10]);
  it.provider_ref = tc__col_text(&c[11]);
  it.idempotency_key = tc__col_text(&c[12]);
  it.created_ms = tc__col_int(&c[13]);
  it.updated_ms = tc__col_int(&c[14]);
  it.sent_ms = tc__col_int(&c[15]);
  if (++h->seen == h->limit && h->next)
    snprintf(h->next, TC_ID_STRLEN + 1, "%s", it.id);
  if (h->cb && h->cb(&it, h->payload)) {
    if (h->next) h->next[0] = '\0';
    return TC_STORE_STOP;
  }
  return 0;
}

int tc_notify_history_list(char *next, tc_ctx *ctx, const tc_principal *who,
                           const char *user_id, const char *after, size_t limit,
                           tc_notify_history_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  /* next may be the very buffer after points to: read after first. */
  char cursor[TC_ID_STRLEN + 2] = "";
  if (after) snprintf(cursor, sizeof(cursor), "%.37s", after);
  after = cursor;
  if (next) next[0] = '\0';
  int rc;
  if (user_id && tc_id_check(user_id))
    return tc__seterr(ctx, TC_EINVAL, "user_id", "user_id is not an id");
  /* Everybody's history is a "read" of a resource with no owner, which
   * only support, admin and system may do; anyone else asking for
   * everybody's gets their own. */
  if (!user_id && who && who->kind == TC_PRINCIPAL_USER &&
      !tc__allowed(who, "notify", TC__ACT_READ, NULL))
    user_id = who->user_id;
  if ((rc = tc__authorize(ctx, who, "notify", TC__ACT_READ,
                          user_id ? user_id : "")))
    return rc;
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit",
                      "limit must be between 1 and 100");
  if (after && *after && tc_id_check(after))
    return tc__seterr(ctx, TC_EINVAL, "after", "after is not a cursor");
  const char *cur =
      after && *after ? after : "ffffffff-ffff-ffff-ffff-ffffffffffff";
  hist h = {cb, payload, 0, limit, next};
  if (user_id) {
    tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(cur),
                    TC_VAL_INT((int64_t)limit)};
    return tc__db_exec(ctx,
                       HIST_COLS
                       "WHERE user_id = ? AND id < ? ORDER BY id "
                       "DESC LIMIT ?",
                       p, 3, hist_cb, &h, NULL);
  }
  tc_value p[] = {TC_VAL_TEXT(cur), TC_VAL_INT((int64_t)limit)};
  return tc__db_exec(ctx, HIST_COLS "WHERE id < ? ORDER BY id DESC LIMIT ?", p,
                     2, hist_cb, &h, NULL);
}

typedef struct owner {
  char user_id[TC_ID_STRLEN + 1];
} owner;

static int owner_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  tc__col_copy(((owner *)payload)->user_id, TC_ID_STRLEN + 1, &c[0]);
  return 0;
}

int tc_notify_history_get(tc_ctx *ctx, const tc_principal *who,
                          const char *message_id, tc_notify_history_cb cb,
                          void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!message_id || tc_id_check(message_id))
    return tc__seterr(ctx, TC_EINVAL, "id", "id is not an id");
  owner o = {""};
  tc_value p[] = {TC_VAL_TEXT(message_id)};
  int rc = tc__db_row(ctx, "SELECT user_id FROM notify_messages WHERE id = ?",
                      p, 1, owner_cb, &o);
  /* Unknown and not-yours look the same to a customer. */
  if (rc == TC_OK)
    rc = tc__authorize(ctx, who, "notify", TC__ACT_READ, o.user_id);
  if (rc == TC_ENOTFOUND || rc == TC_EDENIED)
    return tc__seterr(ctx, TC_ENOTFOUND, "id", "no message %s", message_id);
  if (rc) return rc;
  hist h = {cb, payload, 0, 1, NULL};
  return tc__db_exec(ctx, HIST_COLS "WHERE id = ?", p, 1, hist_cb, &h, NULL);
}
