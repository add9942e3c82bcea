/*
 * lib/notify/inbox.c - the in-app notifier and the inbox it fills: list
 * (keyset, newest first), unread count, mark read.
 *
 * The notifier writes one row per idempotency key (INSERT ... ON CONFLICT
 * DO NOTHING), so sending the same message twice stores it once: this
 * channel is idempotent, which lets the worker resend after a crash.
 */
#include <stdio.h>

#include "notify_priv.h"

typedef struct inapp {
  tc_notifier port;
  tc_ctx *ctx;
} inapp;

static int ref_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  tc__col_copy(payload, TC_ID_STRLEN + 1, &c[0]);
  return TC_STORE_STOP;
}

static int inapp_send(void *self, const tc_notification *n, char *ref,
                      size_t ref_size, char *err, size_t err_size) {
  inapp *a = self;
  tc_ctx *ctx = a->ctx;
  if (ref_size) ref[0] = '\0';
  if (!n || !n->channel || strcmp(n->channel, "in_app")) {
    snprintf(err, err_size, "the in-app notifier serves only in_app");
    return TC_EUNSUPPORTED;
  }
  if (!n->recipient || tc_id_check(n->recipient) || !n->id ||
      !n->idempotency_key || !n->body_text) {
    snprintf(err, err_size, "in-app message needs a user id as recipient");
    return TC_EINVAL;
  }
  tc_id id;
  tc_id_new(&id, ctx);
  tc_value p[] = {TC_VAL_TEXT(id.str),
                  TC_VAL_TEXT(n->recipient),
                  TC_VAL_TEXT(n->id),
                  TC_VAL_TEXT(n->idempotency_key),
                  TC_VAL_TEXT(n->subject ? n->subject : ""),
                  TC_VAL_TEXT(n->body_text),
                  TC_VAL_INT(tc__now_ms(ctx))};
  int rc = tc__db_exec(ctx,
                       "INSERT INTO notify_inbox (id, user_id, message_id, "
                       "idempotency_key, subject, body, created_ms, read_ms) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT "
                       "(idempotency_key) DO NOTHING",
                       p, 7, NULL, NULL, NULL);
  char got[TC_ID_STRLEN + 1] = "";
  if (rc == TC_OK)
    rc = tc__db_exec(ctx,
                     "SELECT id FROM notify_inbox WHERE idempotency_key = ?",
                     &p[3], 1, ref_cb, got, NULL);
  if (rc) {
    snprintf(err, err_size, "inbox write failed: %s", tc_errmsg(ctx));
    return rc;
  }
  snprintf(ref, ref_size, "%s", got);
  return TC_OK;
}

static void inapp_free(void *self) {
  inapp *a = self;
  if (a) tc__free(a->ctx, a);
}

int tc_notify_inapp_new(tc_notifier **out, tc_ctx *ctx) {
  if (!ctx) return TC_EINVAL;
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  inapp *a = tc__calloc(ctx, 1, sizeof(*a));
  if (!a) return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
  a->ctx = ctx;
  a->port.version = TC_NOTIFIER_VERSION;
  a->port.self = a;
  a->port.name = "in_app";
  a->port.send = inapp_send;
  a->port.free = inapp_free;
  *out = &a->port;
  return TC_OK;
}

/* ---- the inbox ---------------------------------------------------------- */

static int check_user(tc_ctx *ctx, const tc_principal *who, const char *user_id,
                      tc__act act) {
  if (!user_id || tc_id_check(user_id))
    return tc__seterr(ctx, TC_EINVAL, "user_id", "user_id is not an id");
  return tc__authorize(ctx, who, "notify", act, user_id);
}

typedef struct inbox_list {
  tc_notify_inbox_cb cb;
  void *payload;
  size_t seen, limit;
  char *next;
} inbox_list;

static int inbox_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  inbox_list *l = payload;
  tc_notify_inbox_item it = {tc__col_text(&c[0]), tc__col_text(&c[1]),
                             tc__col_text(&c[2]), tc__col_text(&c[3]),
                             tc__col_int(&c[4]),  tc__col_int(&c[5])};
  if (++l->seen == l->limit && l->next)
    snprintf(l->next, TC_ID_STRLEN + 1, "%s", it.id);
  if (l->cb && l->cb(&it, l->payload)) {
    if (l->next) l->next[0] = '\0';
    return TC_STORE_STOP;
  }
  return 0;
}

int tc_notify_inbox_list(char *next, tc_ctx *ctx, const tc_principal *who,
                         const char *user_id, const char *after, size_t limit,
                         int unread_only, tc_notify_inbox_cb cb,
                         void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  /* next may be the very buffer after points to: read after first. */
  char cursor[TC_ID_STRLEN + 2] = "";
  if (after) snprintf(cursor, sizeof(cursor), "%.37s", after);
  after = cursor;
  if (next) next[0] = '\0';
  int rc = check_user(ctx, who, user_id, TC__ACT_READ);
  if (rc) return rc;
  if (limit < 1 || limit > 100)
    return tc__seterr(ctx, TC_EINVAL, "limit",
                      "limit must be between 1 and 100");
  if (after && *after && tc_id_check(after))
    return tc__seterr(ctx, TC_EINVAL, "after", "after is not a cursor");
  /* The largest id: no cursor means from the newest. */
  const char *cur =
      after && *after ? after : "ffffffff-ffff-ffff-ffff-ffffffffffff";
  inbox_list l = {cb, payload, 0, limit, next};
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(cur),
                  TC_VAL_INT((int64_t)limit)};
  if (unread_only)
    return tc__db_exec(ctx,
                       "SELECT id, message_id, subject, body, created_ms, "
                       "read_ms FROM notify_inbox WHERE user_id = ? AND "
                       "read_ms = 0 AND id < ? ORDER BY id DESC LIMIT ?",
                       p, 3, inbox_cb, &l, NULL);
  return tc__db_exec(ctx,
                     "SELECT id, message_id, subject, body, created_ms, "
                     "read_ms FROM notify_inbox WHERE user_id = ? AND id < ? "
                     "ORDER BY id DESC LIMIT ?",
                     p, 3, inbox_cb, &l, NULL);
}

static int count_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = tc__col_int(&c[0]);
  return 0;
}

int tc_notify_inbox_unread(int64_t *count, tc_ctx *ctx, const tc_principal *who,
                           const char *user_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!count) return tc__seterr(ctx, TC_EINVAL, "count", "count is NULL");
  *count = 0;
  int rc = check_user(ctx, who, user_id, TC__ACT_READ);
  if (rc) return rc;
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  return tc__db_exec(ctx,
                     "SELECT COUNT(*) FROM notify_inbox WHERE user_id = ? AND "
                     "read_ms = 0",
                     p, 1, count_cb, count, NULL);
}

int tc_notify_inbox_mark_read(tc_ctx *ctx, const tc_principal *who,
                              const char *user_id, const char *entry_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = check_user(ctx, who, user_id, TC__ACT_WRITE);
  if (rc) return rc;
  if (!entry_id || tc_id_check(entry_id))
    return tc__seterr(ctx, TC_EINVAL, "id", "id is not an id");
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(entry_id),
                  TC_VAL_TEXT(user_id)};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__db_exec(ctx,
                   "UPDATE notify_inbox SET read_ms = ? WHERE id = ? AND "
                   "user_id = ? AND read_ms = 0",
                   p, 3, NULL, NULL, NULL);
  /* Idempotent: an entry already read is fine, a missing one is not. */
  if (rc == TC_OK) {
    rc = tc__db_row(ctx,
                    "SELECT 1 FROM notify_inbox WHERE id = ? AND user_id = ?",
                    &p[1], 2, NULL, NULL);
    if (rc == TC_ENOTFOUND)
      rc = tc__seterr(ctx, rc, "id", "no inbox entry %s", entry_id);
  }
  return tc__txn_end(ctx, rc);
}

int tc_notify_inbox_mark_all_read(int64_t *changed, tc_ctx *ctx,
                                  const tc_principal *who,
                                  const char *user_id) {
  if (changed) *changed = 0;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = check_user(ctx, who, user_id, TC__ACT_WRITE);
  if (rc) return rc;
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(user_id)};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__db_exec(ctx,
                   "UPDATE notify_inbox SET read_ms = ? WHERE user_id = ? AND "
                   "read_ms = 0",
                   p, 2, NULL, NULL, changed);
  return tc__txn_end(ctx, rc);
}
