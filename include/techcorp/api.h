/*
 * techcorp/api.h - the JSON API: one entry point for every method.
 *
 * tc_api_call() takes a method name ("system.health", "orders.checkout")
 * and a JSON request, decides who is calling and whether they may, checks
 * the request strictly against the method's declared fields, runs it and
 * writes a JSON response. The reference server and the bindings speak
 * only this, so every front enforces the same rules.
 *
 * Response: the method's result object on success; on failure
 *   {"error":{"code":"invalid_argument","message":"...","field":"qty"}}
 * where code is tc_status_name() of the status and field is present only
 * when the error is about one field of the request.
 *
 * `system.methods` lists every method with its summary, whether it needs
 * a caller, and its request and response fields.
 *
 * Thread rules: as for the context (one thread at a time per context).
 */
#ifndef TECHCORP_API_H
#define TECHCORP_API_H

#include "common.h"
#include "buf.h"
#include "context.h"

TC_BEGIN_DECL

#define TC_CALLER_VERSION 1
/**
 * Who calls. Give a bearer access token (verified by the auth module), or
 * a principal the host vouches for (a trusted process acting as system or
 * admin), or neither (anonymous). All pointers are borrowed for the call.
 */
typedef struct tc_caller {
  uint32_t version;
  const char *bearer;            /**< access token, or NULL */
  const tc_principal *principal; /**< trusted principal, or NULL */
  const char *client_ip;         /**< for throttling and audit, or NULL */
  const char *user_agent;        /**< for session records, or NULL */
} tc_caller;

#define TC_CALLER_INIT \
  { TC_CALLER_VERSION, NULL, NULL, NULL, NULL }

/**
 * Run method with the JSON text request[0..request_len) (NULL or empty
 * means "{}") for caller (NULL: anonymous), and write the JSON response
 * into out (appended; the caller owns out and disposes of it).
 *
 * Returns the call's status (TC_OK or the error also written into out).
 * Only when out cannot be written (TC_ENOMEM) or ctx/out/method are NULL
 * (TC_EINVAL) is out left without a JSON document.
 */
TC_EXTERN int tc_api_call(tc_buf *out, tc_ctx *ctx, const tc_caller *caller,
                          const char *method, const char *request,
                          size_t request_len);

TC_END_DECL

#endif
