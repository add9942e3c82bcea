/* The real servers of the scale-out tests; see services.h. */
#include "services.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

const char *tt_service(const char *name) {
  const char *v = getenv(name);
  if (!v || !*v) {
    fprintf(stderr,
            "%s is not set: run the servers with scripts/services.sh "
            "(scripts/test.sh does); skipping\n",
            name);
    exit(77);
  }
  return v;
}

static void tt_pg_with_schema(char *out, size_t size, const char *base,
                              const char *schema) {
  if (strncmp(base, "postgres", 8) == 0) /* a URI */
    snprintf(out, size, "%s%coptions=-csearch_path%%3D%s", base,
             strchr(base, '?') ? '&' : '?', schema);
  else
    snprintf(out, size, "%s options='-csearch_path=%s'", base, schema);
}

int tt_pg_admin(const char *sql) {
  tc_store *st = NULL;
  int rc = tc_store_pg_open(&st, tt_service("TECHCORP_TEST_PG"), NULL);
  if (rc) {
    fprintf(stderr, "admin connection: %s\n", tc_last_error_message());
    return rc;
  }
  rc = st->exec(st->self, sql, NULL, 0, NULL, NULL, NULL);
  if (rc) fprintf(stderr, "admin: %s: %s\n", sql, st->errmsg(st->self));
  st->free(st->self);
  return rc;
}

void tt_pg_schema_new(char *conninfo, size_t size, char *schema) {
  unsigned char r[6];
  ck_assert_int_eq(getrandom(r, sizeof(r), 0), (ssize_t)sizeof(r));
  snprintf(schema, 64, "tc_t%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
           r[4], r[5]);
  char sql[128];
  snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
  ck_assert_int_eq(tt_pg_admin(sql), TC_OK);
  tt_pg_with_schema(conninfo, size, tt_service("TECHCORP_TEST_PG"), schema);
}

void tt_pg_schema_drop(const char *schema) {
  char sql[128];
  snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
  tt_pg_admin(sql);
}

int tt_service_restart(const char *which) {
  const char *dir = tt_service("TECHCORP_TEST_SERVICES");
  const char *src = getenv("TECHCORP_SOURCE_ROOT");
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "bash '%s/scripts/services.sh' restart '%s' %s",
           src ? src : ".", dir, which);
  return system(cmd);
}
