/*
 * tests/services.h - the real servers of the scale-out tests.
 *
 * scripts/services.sh starts PostgreSQL, RabbitMQ and Redis and exports
 * where they are (TECHCORP_TEST_PG, TECHCORP_TEST_AMQP, TECHCORP_TEST_REDIS).
 * A test program that needs one calls tt_service() first: without the
 * variable it exits 77, which meson reports as a skip (scripts/test.sh
 * always starts the servers and counts a skip there as a failure).
 */
#ifndef TC_TEST_SERVICES_H
#define TC_TEST_SERVICES_H

#include <stddef.h>

#include "techcorp/techcorp.h"

/* The value of the environment variable name, or exit(77). */
const char *tt_service(const char *name);

/* A fresh PostgreSQL schema: its name in schema (64 bytes) and a
 * connection string whose search_path is that schema in conninfo. */
void tt_pg_schema_new(char *conninfo, size_t size, char *schema);
/* Drop a schema made by tt_pg_schema_new, with everything in it. */
void tt_pg_schema_drop(const char *schema);

/* Run sql on a connection of its own to the test database (admin work:
 * pg_terminate_backend...). Returns the store's code. */
int tt_pg_admin(const char *sql);

/* Restart one server of scripts/services.sh ("rabbitmq", "redis",
 * "postgres"); 0 on success. */
int tt_service_restart(const char *which);

#endif
