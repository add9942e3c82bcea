/*
 * examples/demo.c - the main job: walks the seed's flows through the
 * library on a fresh SQLite file and prints each step.
 *
 * The walk: the foundation (a context over a new database, the JSON API,
 * an event through the durable queue), then the seed's three flows -
 * authentication (users and auth), order (catalog, inventory, orders,
 * payments, and the notifications the flow produced) and search. Each part
 * lives in its own examples/demo_<module>.c.
 *
 * Usage: demo [DATABASE-FILE]   (default: a new file in the current dir)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <techcorp/techcorp.h>

int demo_users(tc_ctx *ctx);
int demo_auth(tc_ctx *ctx);
int demo_catalog(tc_ctx *ctx);
int demo_inventory(tc_ctx *ctx);
int demo_orders(tc_ctx *ctx);
int demo_payments(tc_ctx *ctx);
int demo_notify(tc_ctx *ctx);
int demo_search(tc_ctx *ctx);

static int step_no;

static void part(const char *title) {
  printf(
      "\n==================================================================="
      "=====\n%s\n======================================================"
      "==================\n",
      title);
}

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
  step("A consumer group subscribes to order events",
       "demo-listener <- orders.*");
  if ((rc = tc_events_subscribe(ctx, "demo-listener", "orders.*")))
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
  if ((rc = tc_events_take(ctx, "demo-listener", 30000, &msg)))
    return fail(ctx, "take", rc);
  printf("    took %s (%s) attempt %u: %s\n", msg->id, msg->topic,
         msg->attempts, msg->payload);
  if ((rc = tc_events_nack(ctx, msg, 0, "e-mail provider timed out")))
    return fail(ctx, "nack", rc);

  step("It comes back and is acknowledged", NULL);
  if ((rc = tc_events_take(ctx, "demo-listener", 30000, &msg)))
    return fail(ctx, "take again", rc);
  printf("    took %s attempt %u (last error: %s)\n", msg->id, msg->attempts,
         msg->last_error);
  if ((rc = tc_events_ack(ctx, msg))) return fail(ctx, "ack", rc);
  rc = tc_events_take(ctx, "demo-listener", 30000, &msg);
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
  static const struct {
    const char *title;
    int (*run)(tc_ctx *ctx);
  } parts[] = {
      {"Authentication flow: a customer registers and verifies", demo_users},
      {"Authentication flow: log in, MFA, refresh, verify, log out", demo_auth},
      {"Order flow: the catalog", demo_catalog},
      {"Order flow: stock in two warehouses", demo_inventory},
      {"Order flow: cart, checkout saga, decline, fulfilment, refund",
       demo_orders},
      {"Order flow: payments in detail", demo_payments},
      {"Order flow: the notifications it produced", demo_notify},
      {"Search flow: query, cache, index updates", demo_search},
  };
  for (size_t i = 0;
       status == EXIT_SUCCESS && i < sizeof(parts) / sizeof(parts[0]); i++) {
    part(parts[i].title);
    if (parts[i].run(ctx) != 0) {
      fprintf(stderr, "demo: part '%s' failed: %s\n", parts[i].title,
              tc_errmsg(ctx));
      status = EXIT_FAILURE;
    }
  }
  tc_ctx_free(ctx);
  printf("\ndemo %s\n", status == EXIT_SUCCESS ? "finished" : "FAILED");
  return status;
}
