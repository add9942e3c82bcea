/*
 * tests/conformance/queue_suite.h - the queue port conformance suite.
 *
 * Every queue adapter (the table queue, RabbitMQ later) runs the same
 * tests, written against the tc_queue vtable only (techcorp/sys/queue.h).
 * An adapter's test file fills a factory and adds the suite's cases:
 *
 *   static const queue_suite_factory f = {"table", &state, open, close,
 *                                         advance};
 *   queue_suite_add(s, &f);
 *
 * Check runs each test in a forked child by default; the factory is kept
 * in a static pointer set before the runner starts, so it is inherited.
 */
#ifndef TC_QUEUE_SUITE_H
#define TC_QUEUE_SUITE_H

#include <check.h>

#include "techcorp/techcorp.h"

typedef struct queue_suite_factory {
  const char *name; /* the adapter, for the test case names */
  void *arg;        /* passed to each hook */
  /* A fresh, empty queue whose adapter dead-letters after max_attempts
   * takes. Fails the test (ck_assert) when it cannot. */
  tc_queue *(*open)(void *arg, uint32_t max_attempts);
  /* Free a queue made by open and whatever open made for it. */
  void (*close)(void *arg, tc_queue *q);
  /* Move the queue's clock forward by ms (an adapter on real time may
   * sleep). */
  void (*advance)(void *arg, int64_t ms);
  /* How late a delayed message may show up, in real milliseconds, for an
   * adapter whose delays run on a broker's clock (0: exactly on time, as
   * with a clock moved by hand). Takes that expect a message wait this
   * long for it; "not yet" checks are made this much earlier. */
  int64_t settle_ms;
} queue_suite_factory;

/* Add the conformance test cases to s; f must outlive the run. */
void queue_suite_add(Suite *s, const queue_suite_factory *f);

#endif
