/*
 * examples/tc_call.c - call the JSON API from a shell.
 *
 *   tc_call [--system | --bearer TOKEN] DATABASE METHOD [JSON]
 *
 * Opens (or creates) the SQLite database, calls METHOD with the JSON
 * request (default "{}") as an anonymous caller, a trusted system
 * principal (--system) or the holder of an access token (--bearer), and
 * prints the JSON response. Exit status 0 on success, 1 on an API error,
 * 2 on bad usage or when the database cannot be opened.
 *
 *   tc_call shop.db system.methods '{"module":"orders"}'
 */
#include <stdio.h>
#include <string.h>

#include <techcorp/techcorp.h>

static int usage(void) {
  fprintf(stderr,
          "usage: tc_call [--system | --bearer TOKEN] DATABASE METHOD "
          "[JSON]\n");
  return 2;
}

int main(int argc, char **argv) {
  tc_principal system = TC_PRINCIPAL_INIT;
  tc_caller caller = TC_CALLER_INIT;
  int i = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    if (!strcmp(argv[i], "--system")) {
      system.kind = TC_PRINCIPAL_SYSTEM;
      system.roles = TC_ROLE_ADMIN;
      caller.principal = &system;
    } else if (!strcmp(argv[i], "--bearer") && i + 1 < argc) {
      caller.bearer = argv[++i];
    } else {
      return usage();
    }
  }
  if (argc - i < 2 || argc - i > 3) return usage();
  const char *request = argc - i == 3 ? argv[i + 2] : "{}";

  tc_ctx *ctx = NULL;
  if (tc_ctx_open_sqlite(&ctx, argv[i]) != TC_OK) {
    fprintf(stderr, "tc_call: %s\n", tc_last_error_message());
    return 2;
  }
  tc_buf out = TC_BUF_INIT;
  int rc =
      tc_api_call(&out, ctx, &caller, argv[i + 1], request, strlen(request));
  if (out.ptr) puts(out.ptr);
  tc_buf_dispose(&out);
  tc_ctx_free(ctx);
  return rc == TC_OK ? 0 : 1;
}
