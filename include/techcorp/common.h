/*
 * techcorp/common.h - export macros, C++ guards and the status codes.
 *
 * Every function of libtechcorp that can fail returns an int: TC_OK (0) or one
 * of the negative TC_E... codes below. Codes are appended, never renumbered or
 * removed (as curl does), so a binding may hard-code them.
 *
 * Thread rules: everything here is constant data or pure functions, safe from
 * any thread.
 */
#ifndef TECHCORP_COMMON_H
#define TECHCORP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define TC_BEGIN_DECL extern "C" {
#define TC_END_DECL }
#else
#define TC_BEGIN_DECL
#define TC_END_DECL
#endif

#if defined(TC_BUILDING_LIBRARY) && defined(__GNUC__)
#define TC_EXTERN __attribute__((visibility("default")))
#else
#define TC_EXTERN
#endif

#if defined(__GNUC__)
#define TC_DEPRECATED(msg) __attribute__((deprecated(msg)))
#define TC_WARN_UNUSED __attribute__((warn_unused_result))
#define TC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TC_DEPRECATED(msg)
#define TC_WARN_UNUSED
#define TC_PRINTF(fmt, args)
#endif

TC_BEGIN_DECL

/** Status codes. Appended only; the numbers are part of the ABI. */
typedef enum tc_status {
  TC_OK = 0,
  TC_ERROR = -1,     /**< internal error; the message says more */
  TC_ENOMEM = -2,    /**< an allocation failed */
  TC_EINVAL = -3,    /**< invalid argument or input; names the field */
  TC_ENOTFOUND = -4, /**< the thing asked for does not exist */
  TC_ECONFLICT = -5, /**< exists already, or a key reused with other data */
  TC_EDENIED = -6,   /**< the caller is known but not allowed */
  TC_EUNAUTHENTICATED = -7, /**< no valid credentials were given */
  TC_EUNAVAILABLE = -8,   /**< a dependency is down (circuit open, provider) */
  TC_ESTORAGE = -9,       /**< the store failed (I/O, constraint, SQL) */
  TC_EBUSY = -10,         /**< locked by someone else; try again later */
  TC_EVERSION = -11,      /**< version mismatch (schema, port, ABI) */
  TC_ELIMIT = -12,        /**< a rate limit or quota was reached */
  TC_ESTATE = -13,        /**< not allowed in the current state */
  TC_ETIMEOUT = -14,      /**< an operation or an outside call timed out */
  TC_EEMPTY = -15,        /**< nothing to take (an empty queue) */
  TC_EDECLINED = -16,     /**< a payment was declined (final) */
  TC_ECORRUPT = -17,      /**< stored data is damaged or not ours */
  TC_EREADONLY = -18,     /**< the store is read-only */
  TC_EFULL = -19,         /**< the disk or a quota is full */
  TC_EUNSUPPORTED = -20,  /**< the port or adapter does not offer this */
  TC_EINSUFFICIENT = -21, /**< not enough of something (stock, funds) */
  TC_EEXPIRED = -22,      /**< a token, reservation or key has expired */
  TC_EPROVIDER = -23,     /**< an outside provider answered an error */
  TC_EOVERFLOW = -24,     /**< an amount or count would overflow */
} tc_status;

/** The most negative code this build knows. */
#define TC_STATUS_LAST TC_EOVERFLOW

/**
 * Static English text for a status code ("not found"). Never NULL: an
 * unknown code gives "unknown error". The string lives forever.
 */
TC_EXTERN const char *tc_strerror(int code);

/**
 * Stable machine name of a status code, as used in the JSON API's
 * error.code ("not_found", "invalid_argument"...). Never NULL; an unknown
 * code gives "internal". The string lives forever.
 */
TC_EXTERN const char *tc_status_name(int code);

/**
 * The HTTP status a front end should answer for a code (404 for
 * TC_ENOTFOUND, 409 for TC_ECONFLICT, 200 for TC_OK...).
 */
TC_EXTERN int tc_status_http(int code);

TC_END_DECL

#endif
