/*
 * lib/adapters/rabbitmq/rabbitmq_absent.c - the RabbitMQ queue functions in
 * a build without librabbitmq (meson feature 'rabbitmq' disabled or
 * librabbitmq-dev missing).
 */
#include "core/internal.h"
#include "techcorp/rabbitmq.h"

int tc_queue_rabbitmq_new(tc_queue **out, const char *url, tc_store *store,
                          const tc_rabbitmq_options *opts) {
  (void)url;
  (void)store;
  (void)opts;
  if (out) *out = NULL;
  return tc__set_thread_error(TC_EUNSUPPORTED,
                              "libtechcorp was built without RabbitMQ "
                              "support (librabbitmq was not found at build "
                              "time)");
}

int tc_queue_rabbitmq_relay(tc_queue *queue, size_t max, size_t *moved) {
  (void)queue;
  (void)max;
  if (moved) *moved = 0;
  return TC_EINVAL;
}

int tc_queue_rabbitmq_connected(tc_queue *queue) {
  (void)queue;
  return 0;
}
