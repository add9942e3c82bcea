/*
 * lib/core/events.c - the public events API and tc__publish(): argument
 * checks in front of the context's queue port.
 *
 * The port is supplied by the host and may be older or partial, so every
 * call checks its version and the method pointer first (TC_EUNSUPPORTED
 * when missing). Whatever the port answers, a failure leaves a message on
 * the context naming what went wrong.
 */
#include <cjson/cJSON.h>
#include <sodium.h>

#include "internal.h"

#define EV_NAME_MAX 128u
#define EV_KEY_MAX 256u
#define EV_ID_MAX 64u
#define EV_PAYLOAD_MAX ((size_t)1 << 20)
/* A lease longer than a week is a bug in the caller, not a plan. */
#define EV_VISIBILITY_MAX ((int64_t)7 * 24 * 3600 * 1000)

static bool ev_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

/* 1..128 bytes of [a-z0-9_.-]; with allow_star also "*" or "prefix.*". */
static int ev_check_name(tc_ctx *ctx, const char *field, const char *s,
                         bool allow_star) {
  if (!s || !*s)
    return tc__seterr(ctx, TC_EINVAL, field, "%s must not be empty", field);
  size_t n = strnlen(s, EV_NAME_MAX + 1);
  if (n > EV_NAME_MAX)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is longer than %u bytes",
                      field, EV_NAME_MAX);
  size_t body = n;
  if (allow_star && s[n - 1] == '*') {
    if (n == 1) return TC_OK;
    if (s[n - 2] != '.' || n < 3)
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s may only end in \".*\" or be \"*\"", field);
    body = n - 1;
  }
  for (size_t i = 0; i < body; i++) {
    if (!ev_name_char(s[i]))
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s may only hold a-z, 0-9, '_', '.' and '-' "
                        "(byte %zu is not one)",
                        field, i);
  }
  return TC_OK;
}

static int ev_check_payload(tc_ctx *ctx, const char *payload) {
  if (!payload)
    return tc__seterr(ctx, TC_EINVAL, "payload", "payload must not be NULL");
  size_t n = strnlen(payload, EV_PAYLOAD_MAX + 1);
  if (n > EV_PAYLOAD_MAX)
    return tc__seterr(ctx, TC_EINVAL, "payload",
                      "payload is larger than 1 MiB");
  if (!tc__utf8_valid(payload, n))
    return tc__seterr(ctx, TC_EINVAL, "payload", "payload is not UTF-8");
  /* n + 1 so cJSON sees the NUL and refuses anything after the value. */
  cJSON *doc = cJSON_ParseWithLengthOpts(payload, n + 1, NULL, 1);
  if (!doc)
    return tc__seterr(ctx, TC_EINVAL, "payload", "payload is not valid JSON");
  cJSON_Delete(doc);
  return TC_OK;
}

static int ev_check_key(tc_ctx *ctx, const char *key) {
  if (!key) return TC_OK;
  size_t n = strnlen(key, EV_KEY_MAX + 1);
  if (n > EV_KEY_MAX)
    return tc__seterr(ctx, TC_EINVAL, "key", "key is longer than %u bytes",
                      EV_KEY_MAX);
  if (!tc__utf8_valid(key, n))
    return tc__seterr(ctx, TC_EINVAL, "key", "key is not UTF-8");
  return TC_OK;
}

static int ev_check_id(tc_ctx *ctx, const char *field, const char *id,
                       bool may_be_empty) {
  if (!id || !*id) {
    if (may_be_empty) return TC_OK;
    return tc__seterr(ctx, TC_EINVAL, field, "%s must not be empty", field);
  }
  if (strnlen(id, EV_ID_MAX + 1) > EV_ID_MAX)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is longer than %u bytes",
                      field, EV_ID_MAX);
  return TC_OK;
}

/* The queue port, checked for version and for the one method needed. */
static int ev_port(tc_ctx *ctx, tc_queue **out, bool has_method,
                   const char *name) {
  tc_queue *q = ctx->queue;
  *out = NULL;
  if (!q)
    return tc__seterr(ctx, TC_EUNSUPPORTED, NULL,
                      "the context has no queue port");
  if (q->version < 1)
    return tc__seterr(ctx, TC_EVERSION, NULL,
                      "queue port version %u is not supported",
                      (unsigned)q->version);
  if (!has_method)
    return tc__seterr(ctx, TC_EUNSUPPORTED, NULL,
                      "the queue port does not offer %s", name);
  *out = q;
  return TC_OK;
}

/* Report a failure of the port itself. */
static int ev_failed(tc_ctx *ctx, int rc, const char *what) {
  const char *detail = "";
  /* Our own table queue fails through the context's store: its message
   * tells more than the code. */
  if (ctx->owns_queue && ctx->store && ctx->store->errmsg &&
      (rc == TC_ESTORAGE || rc == TC_ECORRUPT || rc == TC_EFULL ||
       rc == TC_EREADONLY || rc == TC_EBUSY)) {
    detail = ctx->store->errmsg(ctx->store->self);
    if (!detail) detail = "";
  }
  return tc__seterr(ctx, rc, NULL, "queue %s failed: %s%s%s", what,
                    tc_strerror(rc), *detail ? ": " : "", detail);
}

/* ev_port for the method m of the context's queue. */
#define EV_PORT(ctx, q, m) \
  ev_port((ctx), &(q), (ctx)->queue && (ctx)->queue->m != NULL, #m)

static int ev_publish(tc_ctx *ctx, const char *topic, const char *key,
                      const char *payload, char *id_out) {
  tc_queue *q;
  int rc;
  if ((rc = ev_check_name(ctx, "topic", topic, false))) return rc;
  if ((rc = ev_check_key(ctx, key))) return rc;
  if ((rc = ev_check_payload(ctx, payload))) return rc;
  if ((rc = EV_PORT(ctx, q, publish))) return rc;
  char id[TC_ID_STRLEN + 1] = "";
  rc = q->publish(q->self, topic, key, payload, NULL, id);
  if (rc != TC_OK) return ev_failed(ctx, rc, "publish");
  if (id_out) memcpy(id_out, id, sizeof(id));
  return TC_OK;
}

int tc__publish(tc_ctx *ctx, const char *topic, const char *key,
                const char *payload) {
  if (!ctx) return TC_EINVAL;
  return ev_publish(ctx, topic, key, payload, NULL);
}

int tc__publish_json(tc_ctx *ctx, const char *topic, const char *key,
                     cJSON *payload, char *id_out) {
  if (!ctx) {
    cJSON_Delete(payload);
    return TC_EINVAL;
  }
  char *text = payload ? cJSON_PrintUnformatted(payload) : NULL;
  cJSON_Delete(payload);
  if (!text) return tc__oom(ctx);
  int rc = ev_publish(ctx, topic, key, text, id_out);
  /* An event may carry a one-time token for the notify module (users'
   * verification mails): wipe this copy. */
  sodium_memzero(text, strlen(text));
  cJSON_free(text);
  return rc;
}

int tc_events_publish(tc_ctx *ctx, const char *topic, const char *key,
                      const char *payload, char *id_out) {
  if (!ctx) return TC_EINVAL;
  if (id_out) id_out[0] = '\0';
  tc__clearerr(ctx);
  return ev_publish(ctx, topic, key, payload, id_out);
}

int tc_events_subscribe(tc_ctx *ctx, const char *group, const char *pattern) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_queue *q;
  int rc;
  if ((rc = ev_check_name(ctx, "group", group, false))) return rc;
  if ((rc = ev_check_name(ctx, "pattern", pattern, true))) return rc;
  if ((rc = EV_PORT(ctx, q, subscribe))) return rc;
  rc = q->subscribe(q->self, group, pattern);
  if (rc != TC_OK) return ev_failed(ctx, rc, "subscribe");
  return TC_OK;
}

int tc_events_take(tc_ctx *ctx, const char *group, int64_t visibility_ms,
                   tc_queue_message **out) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out must not be NULL");
  *out = NULL;
  tc_queue *q;
  int rc;
  if ((rc = ev_check_name(ctx, "group", group, false))) return rc;
  if (visibility_ms <= 0 || visibility_ms > EV_VISIBILITY_MAX)
    return tc__seterr(ctx, TC_EINVAL, "visibility_ms",
                      "visibility_ms must be between 1 and %lld",
                      (long long)EV_VISIBILITY_MAX);
  /* The table queue takes in a transaction of its own. */
  if (ctx->txn_depth > 0)
    return tc__seterr(ctx, TC_ESTATE, NULL,
                      "take must not be called inside a transaction");
  if ((rc = EV_PORT(ctx, q, take))) return rc;
  rc = q->take(q->self, group, visibility_ms, out);
  if (rc == TC_EEMPTY) {
    *out = NULL;
    return tc__seterr(ctx, rc, NULL, "no message to take for group %s", group);
  }
  if (rc != TC_OK) {
    *out = NULL;
    return ev_failed(ctx, rc, "take");
  }
  if (!*out) return tc__seterr(ctx, TC_ERROR, NULL, "queue take gave nothing");
  return TC_OK;
}

/* Give msg back to the port without an answer, if it can take it. */
static void ev_release(tc_ctx *ctx, tc_queue_message *msg) {
  tc_queue *q = ctx->queue;
  if (msg && q && q->version >= 1 && q->release) q->release(q->self, msg);
}

int tc_events_ack(tc_ctx *ctx, tc_queue_message *msg) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!msg) return tc__seterr(ctx, TC_EINVAL, "msg", "msg must not be NULL");
  tc_queue *q;
  int rc;
  if ((rc = EV_PORT(ctx, q, ack))) {
    ev_release(ctx, msg);
    return rc;
  }
  char id[sizeof(msg->id)];
  memcpy(id, msg->id, sizeof(id));
  id[sizeof(id) - 1] = '\0';
  rc = q->ack(q->self, msg); /* frees msg whatever the outcome */
  if (rc == TC_ESTATE)
    return tc__seterr(ctx, rc, NULL,
                      "lease on message %s was lost: it expired and was "
                      "taken again",
                      id);
  if (rc != TC_OK) return ev_failed(ctx, rc, "ack");
  return TC_OK;
}

int tc_events_nack(tc_ctx *ctx, tc_queue_message *msg, int64_t delay_ms,
                   const char *reason) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!msg) return tc__seterr(ctx, TC_EINVAL, "msg", "msg must not be NULL");
  tc_queue *q;
  int rc;
  if (delay_ms < 0) {
    ev_release(ctx, msg);
    return tc__seterr(ctx, TC_EINVAL, "delay_ms",
                      "delay_ms must not be negative");
  }
  if ((rc = EV_PORT(ctx, q, nack))) {
    ev_release(ctx, msg);
    return rc;
  }
  char id[sizeof(msg->id)];
  memcpy(id, msg->id, sizeof(id));
  id[sizeof(id) - 1] = '\0';
  rc = q->nack(q->self, msg, delay_ms, reason ? reason : "");
  if (rc == TC_ESTATE)
    return tc__seterr(ctx, rc, NULL,
                      "lease on message %s was lost: it expired and was "
                      "taken again",
                      id);
  if (rc != TC_OK) return ev_failed(ctx, rc, "nack");
  return TC_OK;
}

void tc_events_release(tc_ctx *ctx, tc_queue_message *msg) {
  if (!ctx || !msg) return;
  ev_release(ctx, msg);
}

int tc_events_dead_list(tc_ctx *ctx, const char *group, const char *after_id,
                        size_t limit, tc_queue_dead_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_queue *q;
  int rc;
  if ((rc = ev_check_name(ctx, "group", group, false))) return rc;
  if ((rc = ev_check_id(ctx, "after_id", after_id, true))) return rc;
  if (!cb) return tc__seterr(ctx, TC_EINVAL, "cb", "cb must not be NULL");
  if ((rc = EV_PORT(ctx, q, dead_list))) return rc;
  rc = q->dead_list(q->self, group, after_id ? after_id : "", limit, cb,
                    payload);
  if (rc != TC_OK) return ev_failed(ctx, rc, "dead-letter listing");
  return TC_OK;
}

int tc_events_dead_replay(tc_ctx *ctx, const char *group,
                          const char *message_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc_queue *q;
  int rc;
  if ((rc = ev_check_name(ctx, "group", group, false))) return rc;
  if ((rc = ev_check_id(ctx, "message_id", message_id, false))) return rc;
  if ((rc = EV_PORT(ctx, q, dead_replay))) return rc;
  rc = q->dead_replay(q->self, group, message_id);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, rc, "message_id",
                      "message_id %s is not a dead letter of group %s",
                      message_id, group);
  if (rc != TC_OK) return ev_failed(ctx, rc, "replay");
  return TC_OK;
}
