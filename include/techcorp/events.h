/*
 * techcorp/events.h - publish and consume events through the context's
 * queue port (see techcorp/sys/queue.h for the delivery rules).
 *
 * The domain modules publish their events here inside the same store
 * transaction as the change they describe; a host uses these functions to
 * run consumers (workers) or to publish events of its own.
 *
 * Topics are "module.event" ("orders.paid"), at most 128 bytes of
 * [a-z0-9_.*-]; payloads are JSON text of at most 1 MiB.
 *
 * Errors name what was wrong in tc_errmsg(ctx). Thread rules: as for the
 * context.
 */
#ifndef TECHCORP_EVENTS_H
#define TECHCORP_EVENTS_H

#include "common.h"
#include "context.h"
#include "sys/queue.h"

TC_BEGIN_DECL

/**
 * Publish payload (a JSON text) on topic with an optional key (NULL).
 * Writes the message id into id_out (37 bytes) when not NULL. TC_EINVAL for
 * a bad topic or a payload that is not JSON.
 */
TC_EXTERN int tc_events_publish(tc_ctx *ctx, const char *topic, const char *key,
                                const char *payload, char *id_out);

/** Subscribe consumer group to pattern ("orders.*"). Idempotent. */
TC_EXTERN int tc_events_subscribe(tc_ctx *ctx, const char *group,
                                  const char *pattern);

/**
 * Lease the next message of group for visibility_ms. TC_EEMPTY when there
 * is none. *out belongs to the queue until given to tc_events_ack(),
 * tc_events_nack() or tc_events_release() (exactly one of them).
 */
TC_EXTERN int tc_events_take(tc_ctx *ctx, const char *group,
                             int64_t visibility_ms, tc_queue_message **out);

/** Acknowledge and free msg. TC_ESTATE when its lease was lost. */
TC_EXTERN int tc_events_ack(tc_ctx *ctx, tc_queue_message *msg);

/** Give msg back for a retry after delay_ms (or dead-letter it); frees it. */
TC_EXTERN int tc_events_nack(tc_ctx *ctx, tc_queue_message *msg,
                             int64_t delay_ms, const char *reason);

/** Free msg without an answer; it returns when its lease runs out. */
TC_EXTERN void tc_events_release(tc_ctx *ctx, tc_queue_message *msg);

/** List dead letters of group after message id after_id (NULL: from the
 *  start), at most limit, oldest first. */
TC_EXTERN int tc_events_dead_list(tc_ctx *ctx, const char *group,
                                  const char *after_id, size_t limit,
                                  tc_queue_dead_cb cb, void *payload);

/** Put a dead letter back into the live queue with its attempts reset. */
TC_EXTERN int tc_events_dead_replay(tc_ctx *ctx, const char *group,
                                    const char *message_id);

TC_END_DECL

#endif
