/*
 * techcorp/sys/notifier.h - the notifier port: deliver one rendered message.
 *
 * The notify module renders templates, applies opt-outs and rate limits and
 * retries through the queue; a notifier only delivers. send() must be
 * idempotent per idempotency_key where the channel allows it (an HTTP
 * gateway gets it as a header).
 *
 * Return codes classify the outcome: TC_OK sent; TC_EUNAVAILABLE or
 * TC_ETIMEOUT transient (the module retries with backoff); TC_EINVAL or
 * TC_EPROVIDER permanent (dead-lettered at once); TC_EUNSUPPORTED when the
 * notifier does not serve that channel.
 *
 * Stability promise: fields are only appended (marked since N).
 * Thread rules: as for the store, one notifier per context unless the
 * adapter says otherwise.
 */
#ifndef TECHCORP_SYS_NOTIFIER_H
#define TECHCORP_SYS_NOTIFIER_H

#include "../common.h"

TC_BEGIN_DECL

/** A message ready to send. Every string is borrowed for the call. */
typedef struct tc_notification {
  uint32_t version;
  const char *id;              /**< the library's message id */
  const char *channel;         /**< "email", "sms", "push", "in_app" */
  const char *recipient;       /**< address, phone, device token, user id */
  const char *subject;         /**< may be NULL for sms/push */
  const char *body_text;       /**< plain text, always set */
  const char *body_html;       /**< NULL unless the channel takes HTML */
  const char *idempotency_key; /**< stable across retries */
  const char *metadata;        /**< JSON object text, may be NULL */
} tc_notification;

#define TC_NOTIFIER_VERSION 1

struct tc_notifier {
  uint32_t version;
  void *self;
  const char *name;
  /**
   * Deliver n. On success, copy the provider's message reference (or "")
   * into ref (ref_size bytes, NUL-terminated). On failure, a short reason
   * into err (err_size bytes), without secrets.
   */
  int (*send)(void *self, const tc_notification *n, char *ref, size_t ref_size,
              char *err, size_t err_size);
  void (*free)(void *self);
};

TC_END_DECL

#endif
