/* The change history of users: one row per field changed, grouped by the
 * call that changed them, paged by entry id (time-ordered). */
#include <stdio.h>

#include "techcorp/auth.h"
#include "users/users_priv.h"

void tc__users_change_begin(tc__users_change *ch, tc_ctx *ctx,
                            const tc_principal *who, const char *user_id,
                            const char *action) {
  ch->ctx = ctx;
  ch->who = who;
  ch->actor_kind = NULL;
  ch->user_id = user_id;
  ch->action = action;
  tc_id id;
  tc_id_new(&id, ctx);
  memcpy(ch->change_id, id.str, sizeof(ch->change_id));
}

static void actor_of(const tc__users_change *ch, const char **kind,
                     const char **id) {
  const tc_principal *w = ch->who;
  *id = "";
  if (ch->actor_kind) {
    *kind = ch->actor_kind;
    *id = ch->user_id;
  } else if (!w || w->kind == TC_PRINCIPAL_ANONYMOUS) {
    *kind = "anonymous";
  } else if (w->kind == TC_PRINCIPAL_USER) {
    *kind = "user";
    *id = w->user_id;
  } else {
    *kind = "system";
    *id = w->client_id;
  }
}

int tc__users_record(tc__users_change *ch, const char *field,
                     const char *old_value, const char *new_value,
                     const char *note) {
  static const char sql[] =
      "INSERT INTO users_history (id, user_id, change_id, at_ms, actor_kind, "
      "actor_id, action, field, old_value, new_value, note) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  tc_id id;
  tc_id_new(&id, ch->ctx);
  const char *kind, *actor;
  actor_of(ch, &kind, &actor);
  tc_value p[] = {TC_VAL_TEXT(id.str),
                  TC_VAL_TEXT(ch->user_id),
                  TC_VAL_TEXT(ch->change_id),
                  TC_VAL_INT(tc__now_ms(ch->ctx)),
                  TC_VAL_TEXT(kind),
                  TC_VAL_TEXT(actor),
                  TC_VAL_TEXT(ch->action),
                  TC_VAL_TEXT(field),
                  TC_VAL_TEXT(old_value),
                  TC_VAL_TEXT(new_value),
                  TC_VAL_TEXT(note ? note : "")};
  return tc__db_exec(ch->ctx, sql, p, sizeof(p) / sizeof(p[0]), NULL, NULL,
                     NULL);
}

int tc__users_history_scrub(tc_ctx *ctx, const char *user_id) {
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  return tc__db_exec(ctx,
                     "UPDATE users_history SET old_value = NULL, new_value = "
                     "NULL, note = CASE WHEN note = '' THEN 'value erased' "
                     "ELSE note END WHERE user_id = ?",
                     p, 1, NULL, NULL, NULL);
}

typedef struct {
  tc_user_change_cb cb;
  void *payload;
  size_t limit, seen;
  char *next;
} hist_page;

static const char *nullable(const tc_value *col) {
  return tc__col_null(col) ? NULL : tc__col_text(col);
}

static int hist_row(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  hist_page *pg = payload;
  if (++pg->seen > pg->limit) return TC_STORE_STOP; /* there is more */
  tc_user_change c = {
      .id = tc__col_text(&cols[0]),
      .change_id = tc__col_text(&cols[1]),
      .at_ms = tc__col_int(&cols[2]),
      .actor_kind = tc__col_text(&cols[3]),
      .actor_id = tc__col_text(&cols[4]),
      .action = tc__col_text(&cols[5]),
      .field = tc__col_text(&cols[6]),
      .old_value = nullable(&cols[7]),
      .new_value = nullable(&cols[8]),
      .note = tc__col_text(&cols[9]),
  };
  if (pg->next) snprintf(pg->next, TC_ID_STRLEN + 1, "%s", c.id);
  return pg->cb ? pg->cb(&c, pg->payload) : 0;
}

int tc_users_history(char *next, tc_ctx *ctx, const tc_principal *who,
                     const char *user_id, const char *after, size_t limit,
                     tc_user_change_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (next) next[0] = '\0';
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc) return rc;
  if ((rc = tc__authorize(ctx, who, "users", TC__ACT_READ, user_id))) return rc;
  if (limit < 1 || limit > 1000)
    return tc__seterr(ctx, TC_EINVAL, "limit", "limit must be 1 to 1000");
  if (after && *after && (rc = tc__check_id(ctx, "after", after))) return rc;
  tc_user u;
  if ((rc = tc__users_load(ctx, user_id, &u))) return rc;
  char last[TC_ID_STRLEN + 1] = "";
  hist_page pg = {cb, payload, limit, 0, last};
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(after ? after : ""),
                  TC_VAL_INT((int64_t)limit + 1)};
  rc = tc__db_exec(ctx,
                   "SELECT id, change_id, at_ms, actor_kind, actor_id, action, "
                   "field, old_value, new_value, note FROM users_history "
                   "WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
                   p, 3, hist_row, &pg, NULL);
  if (rc == TC_OK && next && pg.seen > limit) memcpy(next, last, sizeof(last));
  return rc;
}
