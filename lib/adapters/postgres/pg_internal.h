/*
 * lib/adapters/postgres/pg_internal.h - what the PostgreSQL adapter's files
 * share. Nothing here is exported.
 */
#ifndef TC_PG_INTERNAL_H
#define TC_PG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tc__pg_scan_result {
  size_t length;       /* strlen of the text */
  size_t placeholders; /* `?` outside quotes and comments */
  bool several;        /* more than one statement */
} tc__pg_scan_result;

/* Read sql as PostgreSQL would (see pg_sql.c). Always 0. */
int tc__pg_scan(const char *sql, tc__pg_scan_result *out);

/* A malloc'd copy of sql[0..len) with the placeholders numbered $1, $2...;
 * NULL when out of memory. */
char *tc__pg_translate(const char *sql, size_t len, size_t placeholders);

#endif
