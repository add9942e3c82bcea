/*
 * examples/demo.c - the main job: walks the seed's flows through the
 * library on a fresh SQLite file and prints each step.
 *
 * It grows as the domain modules land; today it shows the foundation the
 * flows run on: a context over a new database (schema migrated), the JSON
 * API, and an event going through the durable queue the way the order flow's
 * events will (publish inside a transaction, consume, retry, dead letter).
 *
 * Usage: demo [DATABASE-FILE]   (default: a new file in the current dir)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <techcorp/techcorp.h>

static int step_no;

static void step(const char *fmt, const char *detail) {
  printf("\n[%d] %s\n", ++step_no, fmt);
  if (detail && *detail) printf("    %s\n", detail);
}

static int call(tc_ctx *ctx, const char *method, const char *request) {
  tc_buf out = TC_BUF_INIT;
  int rc = tc_api_call(&out, ctx, NULL, method, request,
                       request ? strlen(request) : 0);
  printf("    %s %s\n    -> %s %s\n", method, request ? request : "{}",
         tc_status_name(rc), out.ptr ? out.ptr : "");
  tc_buf_dispose(&out);
  return rc;
}

static int fail(tc_ctx *ctx, const char *what, int rc) {
  fprintf(stderr, "demo: %s failed: %s (%s)\n", what, tc_strerror(rc),
          ctx ? tc_errmsg(ctx) : tc_last_error_message());
  return EXIT_FAILURE;
}

static int event_flow(tc_ctx *ctx) {
  int rc;
  step("A consumer group subscribes to order events", "notify <- orders.*");
  if ((rc = tc_events_subscribe(ctx, "notify", "orders.*")))
    return fail(ctx, "subscribe", rc);

  step("The order service publishes an event", "orders.created");
  char id[37];
  rc = tc_events_publish(ctx, "orders.created", "order-1",
                         "{\"order\":\"order-1\",\"total\":{\"amount\":4990,"
                         "\"currency\":\"BRL\"}}",
                         id);
  if (rc) return fail(ctx, "publish", rc);
  printf("    message %s\n", id);

  step("The consumer takes it, fails once and asks for a retry", NULL);
  tc_queue_message *msg = NULL;
  if ((rc = tc_events_take(ctx, "notify", 30000, &msg)))
    return fail(ctx, "take", rc);
  printf("    took %s (%s) attempt %u: %s\n", msg->id, msg->topic,
         msg->attempts, msg->payload);
  if ((rc = tc_events_nack(ctx, msg, 0, "e-mail provider timed out")))
    return fail(ctx, "nack", rc);

  step("It comes back and is acknowledged", NULL);
  if ((rc = tc_events_take(ctx, "notify", 30000, &msg)))
    return fail(ctx, "take again", rc);
  printf("    took %s attempt %u (last error: %s)\n", msg->id, msg->attempts,
         msg->last_error);
  if ((rc = tc_events_ack(ctx, msg))) return fail(ctx, "ack", rc);
  rc = tc_events_take(ctx, "notify", 30000, &msg);
  printf("    queue now: %s\n", tc_strerror(rc));
  return rc == TC_EEMPTY ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "techcorp-demo.db";
  printf("libtechcorp %s demo on %s\n", tc_version(), path);

  tc_ctx *ctx = NULL;
  step("Open a context on a fresh SQLite file", "schema migrated on open");
  int rc = tc_ctx_open_sqlite(&ctx, path);
  if (rc) return fail(NULL, "open", rc);

  step("Ask the JSON API who it is and whether it is healthy", NULL);
  if ((rc = call(ctx, "system.version", NULL))) return fail(ctx, "version", rc);
  if ((rc = call(ctx, "system.health", "{}"))) return fail(ctx, "health", rc);

  step("Bad input gets an error naming what was wrong", NULL);
  call(ctx, "system.health", "{\"verbose\":true}");
  call(ctx, "system.nothing", "{}");
  call(ctx, "system.health", "{not json");

  int status = event_flow(ctx);
  tc_ctx_free(ctx);
  printf("\ndemo %s\n", status == EXIT_SUCCESS ? "finished" : "FAILED");
  return status;
}
