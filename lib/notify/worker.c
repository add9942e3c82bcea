/*
 * lib/notify/worker.c - tc_notify_process(): deliver queued messages, and
 * tc_notify_replay_dead().
 *
 * Per message: claim ('queued' -> 'sending', attempts + 1, a lease in
 * claim_until) and commit; call the notifier with no transaction open;
 * record the outcome and commit; only then answer the queue. The header
 * (techcorp/notify.h) states what this gives when a worker dies between
 * any two of these steps.
 *
 * Dead letters: the queue port has no "dead-letter now". A message that
 * must not be tried again is marked 'failed' and nacked at once; each
 * time it comes back the worker nacks it again without sending, until the
 * queue's attempt limit moves it to the dead-letter list. That costs a few
 * takes, never a send.
 */
#include <stdio.h>

#include "notify_priv.h"

typedef struct wmsg {
  char id[TC_ID_STRLEN + 1];
  char user_id[TC_ID_STRLEN + 1];
  char channel[16];
  char category[16];
  char tname[TC__NOTIFY_NAME_MAX + 1];
  char recipient[TC__NOTIFY_RECIPIENT_MAX + 1];
  char status[16];
  char reason[256];
  char key[TC__NOTIFY_KEY_MAX + 1];
  char event_id[TC_ID_STRLEN + 1];
  char *subject, *text, *html;
  int64_t attempts, claim_until;
  tc_ctx *ctx;
} wmsg;

static void wmsg_finish(wmsg *m) {
  tc__free(m->ctx, m->subject);
  tc__free(m->ctx, m->text);
  tc__free(m->ctx, m->html);
  m->subject = m->text = m->html = NULL;
}

static int dup_col(tc_ctx *ctx, char **out, const tc_value *c) {
  if (tc__col_null(c)) return TC_OK;
  *out = tc__strdup(ctx, tc__col_text(c));
  return *out ? TC_OK : TC_ENOMEM;
}

static int wmsg_cb(const tc_value *c, size_t n, void *payload) {
  (void)n;
  wmsg *m = payload;
  tc__col_copy(m->id, sizeof(m->id), &c[0]);
  tc__col_copy(m->user_id, sizeof(m->user_id), &c[1]);
  tc__col_copy(m->channel, sizeof(m->channel), &c[2]);
  tc__col_copy(m->category, sizeof(m->category), &c[3]);
  tc__col_copy(m->tname, sizeof(m->tname), &c[4]);
  tc__col_copy(m->recipient, sizeof(m->recipient), &c[5]);
  tc__col_copy(m->status, sizeof(m->status), &c[6]);
  tc__col_copy(m->reason, sizeof(m->reason), &c[7]);
  tc__col_copy(m->key, sizeof(m->key), &c[8]);
  tc__col_copy(m->event_id, sizeof(m->event_id), &c[9]);
  m->attempts = tc__col_int(&c[10]);
  m->claim_until = tc__col_int(&c[11]);
  int rc = dup_col(m->ctx, &m->subject, &c[12]);
  if (rc == TC_OK) rc = dup_col(m->ctx, &m->text, &c[13]);
  if (rc == TC_OK) rc = dup_col(m->ctx, &m->html, &c[14]);
  return rc;
}

static int load(tc_ctx *ctx, const char *id, wmsg *m) {
  memset(m, 0, sizeof(*m));
  m->ctx = ctx;
  tc_value p[] = {TC_VAL_TEXT(id)};
  int rc = tc__db_row(ctx,
                      "SELECT id, user_id, channel, category, template, "
                      "recipient, status, reason, idempotency_key, event_id, "
                      "attempts, claim_until, subject, body_text, body_html "
                      "FROM notify_messages WHERE id = ?",
                      p, 1, wmsg_cb, m);
  if (rc == TC_ENOMEM) tc__oom(ctx);
  if (rc) wmsg_finish(m);
  return rc;
}

/* One conditional UPDATE in its own (or the caller's) transaction;
 * *won tells whether the row was still in the expected state. */
static int update(tc_ctx *ctx, const char *sql, const tc_value *p, size_t n,
                  bool *won) {
  int64_t changes = 0;
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  rc = tc__db_exec(ctx, sql, p, n, NULL, NULL, &changes);
  rc = tc__txn_end(ctx, rc);
  if (won) *won = rc == TC_OK && changes > 0;
  return rc;
}

/* Claim the row for one send: from 'queued', or from a 'sending' whose
 * lease (claim_until) ran out. */
static int claim(tc_ctx *ctx, wmsg *m, int64_t until, bool *won) {
  tc_value p[] = {TC_VAL_INT(until), TC_VAL_INT(tc__now_ms(ctx)),
                  TC_VAL_TEXT(m->id), TC_VAL_TEXT(m->status),
                  TC_VAL_INT(m->claim_until)};
  int rc = update(ctx,
                  "UPDATE notify_messages SET status = 'sending', attempts = "
                  "attempts + 1, claim_until = ?, updated_ms = ? WHERE id = ? "
                  "AND status = ? AND claim_until = ?",
                  p, 5, won);
  if (rc == TC_OK && *won) {
    m->attempts++;
    m->claim_until = until;
  }
  return rc;
}

/* Leave 'sending' (our claim) for status with reason. */
static int settle(tc_ctx *ctx, const wmsg *m, const char *status,
                  const char *reason, const char *ref, bool *won) {
  int64_t now = tc__now_ms(ctx);
  bool sent = !strcmp(status, "sent");
  int64_t flag = sent ? 1 : 0;
  tc_value p[] = {TC_VAL_TEXT(status),
                  TC_VAL_TEXT(reason),
                  TC_VAL_TEXT(ref ? ref : ""),
                  TC_VAL_INT(now),
                  TC_VAL_INT(sent ? now : 0),
                  TC_VAL_INT(flag),
                  TC_VAL_INT(flag),
                  TC_VAL_TEXT(m->id),
                  TC_VAL_INT(m->claim_until)};
  /* Once sent, the bodies (which may hold one-time tokens) are dropped. */
  return update(ctx,
                "UPDATE notify_messages SET status = ?, reason = ?, "
                "provider_ref = ?, updated_ms = ?, sent_ms = ?, claim_until "
                "= 0, body_text = CASE WHEN ? = 1 THEN NULL ELSE body_text "
                "END, body_html = CASE WHEN ? = 1 THEN NULL ELSE body_html "
                "END WHERE id = ? AND status = 'sending' AND claim_until = ?",
                p, 9, won);
}

/* Mark a message that must not be sent again (any live state). */
static int give_up(tc_ctx *ctx, const wmsg *m, const char *reason) {
  tc_value p[] = {TC_VAL_TEXT(reason), TC_VAL_INT(tc__now_ms(ctx)),
                  TC_VAL_TEXT(m->id)};
  return update(ctx,
                "UPDATE notify_messages SET status = 'failed', reason = ?, "
                "claim_until = 0, updated_ms = ? WHERE id = ? AND status IN "
                "('queued', 'sending')",
                p, 3, NULL);
}

/* Push msg towards the dead-letter list (see the top of this file). */
static int bury(tc_ctx *ctx, tc_queue_message *msg, const char *reason) {
  int rc = tc_events_nack(ctx, msg, 0, reason);
  if (rc == TC_ESTATE) tc__clearerr(ctx); /* someone else has it now */
  return rc == TC_ESTATE ? TC_OK : rc;
}

static bool transient(int rc) {
  return rc == TC_EUNAVAILABLE || rc == TC_ETIMEOUT || rc == TC_EBUSY ||
         rc == TC_ESTORAGE || rc == TC_ENOMEM;
}

static int crash(tc_ctx *ctx, tc__notify_state *st, tc_queue_message *msg,
                 tc__notify_stage stage) {
  if (!st->crash_hook || !st->crash_hook(st->crash_payload, stage))
    return TC_OK;
  tc_events_release(ctx, msg);
  return tc__seterr(ctx, TC_ERROR, NULL, "worker stopped at stage %d (test)",
                    (int)stage);
}

static int answer(tc_ctx *ctx, int rc) {
  if (rc == TC_ESTATE) tc__clearerr(ctx); /* lease lost: not ours now */
  return rc == TC_ESTATE ? TC_OK : rc;
}

/* Send the claimed message m and record the outcome. */
static int deliver(tc_ctx *ctx, tc__notify_state *st, tc_queue_message *msg,
                   wmsg *m, tc_notifier *nt) {
  int rc = crash(ctx, st, msg, TC__NOTIFY_AFTER_CLAIM);
  if (rc) return rc;
  /* Metadata for the notifier: what it may want besides the message (the
   * SMTP notifier takes the module's sender from here). */
  cJSON *mo = cJSON_CreateObject();
  char *meta = NULL;
  if (mo && cJSON_AddStringToObject(mo, "template", m->tname) &&
      cJSON_AddStringToObject(mo, "category", m->category) &&
      cJSON_AddStringToObject(mo, "user_id", m->user_id) &&
      cJSON_AddStringToObject(mo, "from", st->sender))
    meta = cJSON_PrintUnformatted(mo);
  cJSON_Delete(mo);
  if (!meta) {
    tc_events_release(ctx, msg);
    return tc__oom(ctx);
  }
  tc_notification n = {1,
                       m->id,
                       m->channel,
                       m->recipient,
                       m->subject && *m->subject ? m->subject : NULL,
                       m->text ? m->text : "",
                       m->html,
                       m->key,
                       meta};
  char ref[256] = "", err[256] = "";
  int sent = nt->send(nt->self, &n, ref, sizeof(ref), err, sizeof(err));
  cJSON_free(meta);
  ref[sizeof(ref) - 1] = err[sizeof(err) - 1] = '\0';
  if (!err[0] && sent) snprintf(err, sizeof(err), "%s", tc_strerror(sent));
  if ((rc = crash(ctx, st, msg, TC__NOTIFY_AFTER_SEND))) return rc;
  bool won = false;
  if (sent == TC_OK) {
    rc = settle(ctx, m, "sent", "", ref, &won);
    if (rc) { /* outcome unknown to the store: let the lease run out */
      tc_events_release(ctx, msg);
      return rc;
    }
    if ((rc = crash(ctx, st, msg, TC__NOTIFY_AFTER_RECORD))) return rc;
    return answer(ctx, tc_events_ack(ctx, msg));
  }
  char reason[300];
  tc__log(ctx, TC_LOG_WARN, "notify", "message %s attempt %lld: %s", m->id,
          (long long)m->attempts, err);
  if (transient(sent) && m->attempts < (int64_t)st->opts.retry.max_attempts) {
    rc = settle(ctx, m, "queued", err, NULL, &won);
    if (rc) {
      tc_events_release(ctx, msg);
      return rc;
    }
    int64_t delay = tc_retry_delay_ms(&st->opts.retry, (uint32_t)m->attempts,
                                      tc__random_u32(ctx));
    return answer(ctx, tc_events_nack(ctx, msg, delay < 0 ? 0 : delay, err));
  }
  if (transient(sent))
    snprintf(reason, sizeof(reason), "gave up after %lld attempts: %s",
             (long long)m->attempts, err);
  else
    snprintf(reason, sizeof(reason), "permanent: %s", err);
  rc = settle(ctx, m, "failed", reason, NULL, &won);
  if (rc) {
    tc_events_release(ctx, msg);
    return rc;
  }
  return bury(ctx, msg, reason);
}

static int message_id(const tc_queue_message *msg, char id[TC_ID_STRLEN + 1]) {
  cJSON *o = cJSON_Parse(msg->payload);
  const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, "id") : NULL;
  int rc = cJSON_IsString(v) && tc_id_check(v->valuestring) == TC_OK
               ? TC_OK
               : TC_EINVAL;
  if (rc == TC_OK) snprintf(id, TC_ID_STRLEN + 1, "%s", v->valuestring);
  cJSON_Delete(o);
  return rc;
}

/* Handle one taken message; it is always answered (or released). */
static int handle(tc_ctx *ctx, tc__notify_state *st, tc_queue_message *msg) {
  char id[TC_ID_STRLEN + 1];
  /* Someone else subscribed our group to more topics: not ours to send. */
  if (strcmp(msg->topic, TC__NOTIFY_TOPIC)) {
    tc__log(ctx, TC_LOG_WARN, "notify", "group %s got a %s event; dropped",
            TC__NOTIFY_GROUP, msg->topic);
    return answer(ctx, tc_events_ack(ctx, msg));
  }
  if (message_id(msg, id)) return bury(ctx, msg, "payload has no message id");
  wmsg m;
  int rc = load(ctx, id, &m);
  if (rc == TC_ENOTFOUND) { /* rolled back after publish? nothing to do */
    tc__clearerr(ctx);
    return answer(ctx, tc_events_ack(ctx, msg));
  }
  if (rc) {
    tc_events_release(ctx, msg);
    return rc;
  }
  tc_notify_channel ch = TC_NOTIFY_EMAIL;
  tc_notifier *nt = NULL;
  bool idem = false;
  int64_t now = tc__now_ms(ctx);
  bool won = false;
  if (tc_notify_channel_parse(&ch, NULL, m.channel) ||
      (rc = tc__notify_notifier(ctx, ch, &nt, &idem))) {
    rc = rc ? rc : bury(ctx, msg, "unknown channel");
  } else if (!strcmp(m.status, "sent") || !strcmp(m.status, "suppressed")) {
    /* Sent before a crash that lost the ack: never again. */
    rc = answer(ctx, tc_events_ack(ctx, msg));
  } else if (!strcmp(m.status, "failed")) {
    rc = bury(ctx, msg, m.reason);
  } else if (!strcmp(m.status, "sending") && now < m.claim_until) {
    tc_events_release(ctx, msg); /* another worker holds the claim */
  } else if (!strcmp(m.status, "sending") && !idem) {
    /* A worker died between the notifier and the record: it may have
     * been sent, and this channel would not deduplicate a second one. */
    rc = give_up(ctx, &m, "unknown_outcome");
    rc = rc ? rc : bury(ctx, msg, "unknown_outcome");
  } else if ((rc = claim(ctx, &m, now + st->opts.visibility_ms, &won)) ||
             !won) {
    tc_events_release(ctx, msg); /* lost the race: the winner answers */
  } else {
    rc = deliver(ctx, st, msg, &m, nt);
  }
  wmsg_finish(&m);
  return rc;
}

int tc_notify_process(tc_ctx *ctx, size_t max_messages, size_t *processed) {
  if (processed) *processed = 0;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "tc_notify_process must not run inside a transaction");
  tc__notify_state *st = tc__notify_state_get(ctx);
  if (!st) return tc_errcode(ctx);
  int rc = TC_OK;
  for (size_t n = 0; n < max_messages; n++) {
    tc_queue_message *msg = NULL;
    rc = tc_events_take(ctx, TC__NOTIFY_GROUP, st->opts.visibility_ms, &msg);
    if (rc == TC_EEMPTY) {
      tc__clearerr(ctx);
      rc = TC_OK;
      break;
    }
    if (rc) break;
    rc = handle(ctx, st, msg);
    if (processed) (*processed)++;
    if (rc) break;
  }
  return rc;
}

/* ---- replay -------------------------------------------------------------- */

static int replay_one(tc_ctx *ctx, const char *id, const char *event_id) {
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(id)};
  rc = tc__db_exec(ctx,
                   "UPDATE notify_messages SET status = 'queued', attempts = "
                   "0, reason = '', claim_until = 0, updated_ms = ? WHERE id "
                   "= ? AND status IN ('queued', 'sending', 'failed')",
                   p, 2, NULL, NULL, NULL);
  if (rc == TC_OK) rc = tc_events_dead_replay(ctx, TC__NOTIFY_GROUP, event_id);
  if (rc == TC_ENOTFOUND)
    rc = tc__seterr(ctx, rc, "message_id",
                    "message %s is not dead-lettered (yet)", id);
  return tc__txn_end(ctx, rc);
}

typedef struct dead_ids {
  char (*ids)[2][TC_ID_STRLEN + 1];
  size_t n, cap;
} dead_ids;

static int dead_cb(const tc_queue_message *msg, void *payload) {
  dead_ids *d = payload;
  if (d->n >= d->cap) return 1;
  if (message_id(msg, d->ids[d->n][0])) return 0;
  snprintf(d->ids[d->n][1], TC_ID_STRLEN + 1, "%s", msg->id);
  d->n++;
  return 0;
}

int tc_notify_replay_dead(size_t *replayed, tc_ctx *ctx,
                          const char *message_id) {
  if (replayed) *replayed = 0;
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!tc__notify_state_get(ctx)) return tc_errcode(ctx);
  int rc;
  if (message_id) {
    if (tc_id_check(message_id))
      return tc__seterr(ctx, TC_EINVAL, "message_id",
                        "message_id is not an id");
    wmsg m;
    if ((rc = load(ctx, message_id, &m))) {
      if (rc == TC_ENOTFOUND)
        rc = tc__seterr(ctx, rc, "message_id", "no message %s", message_id);
      return rc;
    }
    wmsg_finish(&m);
    if (!m.event_id[0])
      return tc__seterr(ctx, TC_ENOTFOUND, "message_id",
                        "message %s was never queued", message_id);
    rc = replay_one(ctx, message_id, m.event_id);
    if (rc == TC_OK && replayed) *replayed = 1;
    return rc;
  }
  dead_ids d = {NULL, 0, 1000};
  d.ids = tc__malloc(ctx, d.cap * sizeof(*d.ids));
  if (!d.ids) return tc__oom(ctx);
  rc = tc_events_dead_list(ctx, TC__NOTIFY_GROUP, NULL, d.cap, dead_cb, &d);
  for (size_t i = 0; rc == TC_OK && i < d.n; i++) {
    rc = replay_one(ctx, d.ids[i][0], d.ids[i][1]);
    if (rc == TC_OK && replayed) (*replayed)++;
  }
  tc__free(ctx, d.ids);
  return rc;
}
