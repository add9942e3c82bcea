/*
 * techcorp/id.h - time-ordered unique ids (UUIDv7, RFC 9562).
 *
 * Every record the library creates gets one: 48 bits of milliseconds from
 * the context's clock, then random bits from its random source, so ids
 * sort by creation time (keyset pagination relies on it) and never
 * collide in practice. Within one process, ids made in the same
 * millisecond still sort in the order they were made.
 *
 * Text form: 36 lower-case characters, "0190c9e2-8a6b-7c3d-9e4f-0123456789ab".
 * Thread rules: safe from any thread (each call uses its own context).
 */
#ifndef TECHCORP_ID_H
#define TECHCORP_ID_H

#include "common.h"
#include "context.h"

TC_BEGIN_DECL

/** An id in text form; a value struct, copy it freely. */
typedef struct tc_id {
  char str[TC_ID_STRLEN + 1];
} tc_id;

/** Make a new id from ctx's clock and random source. Always TC_OK. */
TC_EXTERN int tc_id_new(tc_id *out, tc_ctx *ctx);

/**
 * Make a new id from an explicit time and random source (random NULL:
 * libsodium), for code that has no context (adapters).
 */
TC_EXTERN void tc_id_generate(tc_id *out, int64_t now_ms,
                              const tc_random *random);

/**
 * TC_OK when text is a canonical id (36 characters, lower-case hex,
 * version 7, RFC variant), TC_EINVAL otherwise (NULL included).
 */
TC_EXTERN int tc_id_check(const char *text);

/** The millisecond timestamp inside a valid id, or -1 when invalid. */
TC_EXTERN int64_t tc_id_time_ms(const char *text);

TC_END_DECL

#endif
