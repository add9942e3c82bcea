/*
 * lib/core/text.h - text checks every module shares: quoting input for
 * messages, the out-of-memory error, and the argument checks of ids and
 * bounded UTF-8 text (lib/core/text.c). Included by core/internal.h.
 */
#ifndef TC_CORE_TEXT_H
#define TC_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "techcorp/context.h"

/* Bytes of an input value tc__quote() keeps. */
#define TC__QUOTE_MAX 64

/* Copy at most max bytes of s (NULL: "") into dst (size >= 4), cut on a
 * character boundary with "..." marking the cut, control characters and
 * invalid UTF-8 shown as '?'. For echoing input in a message: never echo
 * input unquoted. */
void tc__quote_n(char *dst, size_t size, const char *s, size_t max);
/* tc__quote_n with max TC__QUOTE_MAX. */
void tc__quote(char *dst, size_t size, const char *s);

/* ---- argument checks: TC_OK, or TC_EINVAL naming field, the message
 * saying which rule broke. The one set every module uses. */

/* Flags of tc__check_text. */
#define TC__TEXT_NULL_OK 0x1u   /* NULL (absent) passes */
#define TC__TEXT_LINES 0x2u     /* tabs and line breaks are allowed */
#define TC__TEXT_CONTROLS 0x4u  /* any control character is allowed */
#define TC__TEXT_NOT_BLANK 0x8u /* not "" and not only spaces and tabs */

/* s: min..max bytes of well-formed UTF-8 without control characters
 * (unless flags say otherwise). Messages: "<field> is required" (NULL, or
 * shorter than min = 1), "... must be at least <min> bytes long", "... is
 * longer than <max> bytes", "... is not valid UTF-8", "... contains a
 * control character", "... must not be blank". */
int tc__check_text(tc_ctx *ctx, const char *field, const char *s, size_t min,
                   size_t max, unsigned flags);

/* id: an id's text form (tc_id_check). "<field> is required" for NULL or
 * "", "<field> is not a valid id" otherwise. */
int tc__check_id(tc_ctx *ctx, const char *field, const char *id);

/* Copy src (NULL: "") into dst (size bytes, always NUL-ended), cut to fit
 * on a character boundary: never half a UTF-8 sequence. */
void tc__text_copy(char *dst, size_t size, const char *src);

/* An e-mail address as the library keeps it: trimmed, lower-cased, checked
 * (a dot-atom local part of at most 64 bytes, a domain of two or more
 * labels, not an IP address; ASCII, at most TC__EMAIL_MAX bytes) into out.
 * TC_EINVAL naming field "email" when it is not an address or out is too
 * small. Users and auth share it, so a login is the address users keep. */
#define TC__EMAIL_MAX 254
int tc__email_normalize(tc_ctx *ctx, const char *email, char *out,
                        size_t out_size);

/* Set "out of memory" (TC_ENOMEM, no field) on ctx and return TC_ENOMEM:
 * the one message of every failed allocation. */
int tc__oom(tc_ctx *ctx);

#endif
