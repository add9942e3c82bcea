/*
 * techcorp/rabbitmq.h - the RabbitMQ queue adapter (librabbitmq-c).
 *
 * The queue port (techcorp/sys/queue.h) over RabbitMQ, keeping the
 * transactional outbox:
 * - publish() writes the event into the outbox table of the store (so it
 *   commits or rolls back with the caller's transaction); a relay moves
 *   committed rows to a durable topic exchange with publisher confirms and
 *   deletes a row only after the broker confirmed it. A crash in between
 *   sends it again: delivery is at least once, consumers are idempotent
 *   (the library's are). The relay runs after a publish made outside a
 *   transaction, before every take(), and whenever the host calls
 *   tc_queue_rabbitmq_relay() (a worker should, every second or so, so
 *   that events published inside transactions leave promptly).
 * - Each consumer group is a durable quorum queue bound to the exchange by
 *   its patterns ("orders.*" binds "orders.*.#", "*" binds "#"). take() is
 *   a basic.get with a manual ack: the message stays unacknowledged on
 *   this connection for the lease; when the lease runs out (by the
 *   adapter's clock) it is returned to the queue, and when the process
 *   dies RabbitMQ returns it at once. Attempts are the broker's delivery
 *   count plus the takes of earlier retries.
 * - nack() with a delay republishes the message to a retry queue of that
 *   group and delay (x-message-ttl) that dead-letters it back into the
 *   group's queue when the time is up; without a delay it is returned to
 *   the head of the queue. After max_attempts the message goes to the
 *   dead-letter exchange and its group's dead-letter queue; dead_list()
 *   moves what is there into a table of the store and pages through it
 *   there (oldest first, as the table queue does), dead_replay() sends one
 *   back to its group with its attempts reset.
 * - A lost connection is opened again with a backoff (100 ms doubling to
 *   5 s); messages leased on the old one are lost to their holder (ack and
 *   nack answer TC_ESTATE) and delivered again.
 *
 * Built only when librabbitmq was found at build time (meson feature
 * 'rabbitmq'); otherwise tc_queue_rabbitmq_new() answers TC_EUNSUPPORTED.
 *
 * Thread rules: as for every queue, one per context, used by one thread at
 * a time, over a store used by that same thread.
 */
#ifndef TECHCORP_RABBITMQ_H
#define TECHCORP_RABBITMQ_H

#include "common.h"
#include "context.h"
#include "sys/queue.h"
#include "sys/store.h"

TC_BEGIN_DECL

#define TC_RABBITMQ_OPTIONS_VERSION 1
typedef struct tc_rabbitmq_options {
  uint32_t version;
  /** Takes before a message is dead-lettered (0: 5). */
  uint32_t max_attempts;
  /** Prefix of the exchanges and queues (NULL: "tc"); at most 64 bytes of
   *  [A-Za-z0-9_.-]. Processes of one deployment use the same. Copied. */
  const char *prefix;
  const tc_clock *clock;   /**< leases and times (NULL: the system clock) */
  const tc_random *random; /**< ids and leases (NULL: libsodium) */
  /** Milliseconds to wait for the broker (connecting, a confirm...)
   *  (0: 5000). */
  int timeout_ms;
  /** Outbox rows the relay moves per transaction (0: 100). */
  uint32_t relay_batch;
} tc_rabbitmq_options;

#define TC_RABBITMQ_OPTIONS_INIT \
  { TC_RABBITMQ_OPTIONS_VERSION, 0, NULL, NULL, NULL, 0, 0 }

/**
 * Make a queue over the broker at url ("amqp://user:password@host:5672/"
 * with the virtual host after the slash; "amqps://" for TLS is not
 * supported by this build) and the outbox in store, whose schema it
 * migrates (the tables tc_rabbitmq_outbox and tc_rabbitmq_dead). store is
 * borrowed and must outlive the queue. opts may be NULL.
 *
 * An unreachable broker is not an error here: publishing goes on into the
 * outbox, and the connection is made when it can. Errors: TC_EINVAL (NULL
 * argument, bad options, malformed url or prefix), TC_EUNSUPPORTED (built
 * without librabbitmq), the store's errors from the migration, TC_ENOMEM.
 * The message (tc_last_error_message()) never holds the password. *out is
 * owned by the caller (free it with its free method).
 */
TC_EXTERN int tc_queue_rabbitmq_new(tc_queue **out, const char *url,
                                    tc_store *store,
                                    const tc_rabbitmq_options *opts);

/**
 * Move committed outbox rows to the broker, at most max (0: no limit, in
 * batches), and store how many in *moved when moved is not NULL. queue must
 * come from tc_queue_rabbitmq_new(). Must not be called inside a
 * transaction of the store (TC_ESTATE). TC_EUNAVAILABLE when the broker
 * cannot be reached (the rows stay for the next attempt); TC_EINVAL for
 * another kind of queue.
 */
TC_EXTERN int tc_queue_rabbitmq_relay(tc_queue *queue, size_t max,
                                      size_t *moved);

/**
 * 1 when the queue's connection to the broker is up, 0 when not (or when
 * queue is not a RabbitMQ queue). For health checks.
 */
TC_EXTERN int tc_queue_rabbitmq_connected(tc_queue *queue);

TC_END_DECL

#endif
