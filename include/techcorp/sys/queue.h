/*
 * techcorp/sys/queue.h - the queue port: publish events, consume them.
 *
 * Semantics every adapter gives:
 * - Publish/subscribe by consumer group. A group subscribes to topic
 *   patterns ("orders.paid", "orders.*", "*"); each message published to a
 *   matching topic is delivered to each subscribed group independently,
 *   at least once. Subscriptions are durable and subscribing twice is a
 *   no-op. A message published before a group subscribed is not delivered
 *   to it.
 * - take() leases one visible message to the caller for visibility_ms.
 *   Until it is acked or nacked, nobody else of that group gets it; when
 *   the lease runs out (the consumer crashed) it becomes visible again.
 *   Every take counts one attempt.
 * - ack() finishes it; nack() makes it visible again after delay_ms. A
 *   message that has used its attempts (the adapter's max_attempts) goes
 *   to the group's dead-letter list instead, with the last reason, where it
 *   can be listed and replayed (replay resets its attempts).
 * - An ack or nack whose lease has expired and was taken by someone else
 *   returns TC_ESTATE and changes nothing.
 * - Within one group, messages of the same key are taken in publish order
 *   when there is one consumer; no order is promised across keys.
 *
 * The embedded adapter (techcorp/queue.h) keeps messages in the store, so a
 * publish inside a store transaction commits or rolls back with it (the
 * transactional outbox).
 *
 * Stability promise: fields are only appended (marked since N); the core
 * checks version and NULL before calling anything newer than version 1.
 * Thread rules: as for the store; one queue value per context.
 */
#ifndef TECHCORP_SYS_QUEUE_H
#define TECHCORP_SYS_QUEUE_H

#include "../common.h"

TC_BEGIN_DECL

/**
 * A message as delivered. Owned by the adapter; valid until passed to
 * ack(), nack() or release() (one of them must be called exactly once).
 */
typedef struct tc_queue_message {
  char id[37];            /**< message id (a time-ordered UUID) */
  const char *group;      /**< the consumer group it was taken for */
  const char *topic;      /**< "orders.paid" */
  const char *key;        /**< ordering/partition key, "" if none */
  const char *payload;    /**< JSON text */
  const char *headers;    /**< JSON object text, "{}" if none */
  uint32_t attempts;      /**< takes so far, this one included */
  int64_t published_ms;   /**< when it was published */
  const char *receipt;    /**< the lease; opaque */
  const char *last_error; /**< reason of the last nack, "" if none */
} tc_queue_message;

/** Called for each dead letter listed; return non-zero to stop. */
typedef int (*tc_queue_dead_cb)(const tc_queue_message *msg, void *payload);

#define TC_QUEUE_VERSION 1

struct tc_queue {
  uint32_t version;
  void *self;

  /** Subscribe group to a topic pattern: exact, "prefix.*" or "*". */
  int (*subscribe)(void *self, const char *group, const char *pattern);

  /**
   * Publish payload (JSON text) on topic. key and headers (a JSON object)
   * may be NULL. Writes the new message id into id_out (37 bytes) when it
   * is not NULL.
   */
  int (*publish)(void *self, const char *topic, const char *key,
                 const char *payload, const char *headers, char *id_out);

  /**
   * Lease the next visible message of group. TC_EEMPTY when there is none.
   * *out must then be given back through ack, nack or release.
   */
  int (*take)(void *self, const char *group, int64_t visibility_ms,
              tc_queue_message **out);

  /** Done with msg: it will not be delivered to this group again. */
  int (*ack)(void *self, tc_queue_message *msg);

  /** Failed: deliver again after delay_ms, or dead-letter it. */
  int (*nack)(void *self, tc_queue_message *msg, int64_t delay_ms,
              const char *reason);

  /** Free msg without acking; it comes back when its lease runs out. */
  void (*release)(void *self, tc_queue_message *msg);

  /**
   * List up to limit dead letters of group, oldest first, starting after
   * the message id after_id (NULL or "" to start at the beginning).
   */
  int (*dead_list)(void *self, const char *group, const char *after_id,
                   size_t limit, tc_queue_dead_cb cb, void *payload);

  /** Move a dead letter back into the live queue with its attempts reset. */
  int (*dead_replay)(void *self, const char *group, const char *message_id);

  void (*free)(void *self);
};

TC_END_DECL

#endif
