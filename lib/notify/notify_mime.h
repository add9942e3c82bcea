/* lib/notify/notify_mime.h - MIME helpers of the SMTP notifier. */
#ifndef TC_NOTIFY_MIME_H
#define TC_NOTIFY_MIME_H

#include <stdbool.h>

#include "techcorp/buf.h"

/* Printable ASCII only (no encoding needed in a header). */
bool tc__mime_is_plain(const char *s);
/* s as it goes in a header: as is when plain, else RFC 2047 B words. */
int tc__mime_encode_words(tc_buf *out, const char *s);
/* s as a quoted-printable body with CRLF line ends. */
int tc__mime_qp(tc_buf *out, const char *s);
/* RFC 5322 date-time of ms since the epoch, in UTC. */
void tc__mime_date(char *out, size_t size, int64_t ms);

#endif
