/*
 * lib/notify/log_notifier.c - a notifier that only writes a line per
 * message: the default for email, sms and push until the host sets a real
 * one. The body is never written (it may carry a one-time token) and the
 * recipient is masked.
 */
#include <stdio.h>
#include <stdlib.h>

#include "notify_priv.h"

typedef struct lognt {
  tc_notifier port;
  tc_ctx *ctx;
  FILE *fp;
} lognt;

static int log_send(void *self, const tc_notification *n, char *ref,
                    size_t ref_size, char *err, size_t err_size) {
  lognt *l = self;
  if (!n || !n->channel || !n->id) {
    snprintf(err, err_size, "message without id or channel");
    return TC_EINVAL;
  }
  char who[128], subj[160];
  tc__notify_mask(who, sizeof(who), n->recipient);
  snprintf(subj, sizeof(subj), "%s", n->subject ? n->subject : "");
  for (char *p = subj; *p; p++)
    if ((unsigned char)*p < 0x20) *p = ' ';
  size_t len = n->body_text ? strlen(n->body_text) : 0;
  if (l->ctx) {
    tc__log(l->ctx, TC_LOG_INFO, "notify",
            "%s message %s to %s: \"%s\" (%zu bytes, key %.64s)", n->channel,
            n->id, who, subj, len,
            n->idempotency_key ? n->idempotency_key : "");
  } else if (l->fp) {
    fprintf(l->fp,
            "notify: %s message %s to %s: \"%s\" (%zu bytes, key %.64s)\n",
            n->channel, n->id, who, subj, len,
            n->idempotency_key ? n->idempotency_key : "");
    fflush(l->fp);
  }
  snprintf(ref, ref_size, "log:%s", n->id);
  return TC_OK;
}

static void log_free(void *self) {
  lognt *l = self;
  if (!l) return;
  if (l->ctx)
    tc__free(l->ctx, l);
  else
    free(l);
}

int tc_notify_log_new(tc_notifier **out, tc_ctx *ctx, FILE *fp) {
  if (!out)
    return ctx ? tc__seterr(ctx, TC_EINVAL, "out", "out is NULL") : TC_EINVAL;
  *out = NULL;
  lognt *l = ctx ? tc__calloc(ctx, 1, sizeof(*l)) : calloc(1, sizeof(*l));
  if (!l)
    return ctx ? tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory") : TC_ENOMEM;
  l->ctx = ctx;
  l->fp = ctx ? NULL : fp;
  l->port.version = TC_NOTIFIER_VERSION;
  l->port.self = l;
  l->port.name = "log";
  l->port.send = log_send;
  l->port.free = log_free;
  *out = &l->port;
  return TC_OK;
}
