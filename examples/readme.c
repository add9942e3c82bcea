#include <stdio.h>
#include <techcorp/techcorp.h>

int main(int argc, char **argv) {
  if (tc_version_number() != TC_VERSION_NUMBER) return 1; /* wrong .so */
  tc_ctx *ctx = NULL;
  if (tc_ctx_open_sqlite(&ctx, argc > 1 ? argv[1] : "shop.db") != TC_OK) {
    fprintf(stderr, "open: %s\n", tc_last_error_message());
    return 1;
  }
  tc_buf out = TC_BUF_INIT;
  int rc = tc_api_call(&out, ctx, NULL, "system.health", NULL, 0);
  printf("system.health: %s %s\n", tc_status_name(rc), out.ptr);
  tc_buf_dispose(&out);
  tc_ctx_free(ctx);
  return rc == TC_OK ? 0 : 1;
}
