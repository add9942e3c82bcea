/*
 * tests/sinks.h - loopback SMTP and HTTP servers for the notifier tests.
 * Each runs in a thread on 127.0.0.1 (an ephemeral port), serves one
 * connection at a time with plain sockets and records what it got.
 */
#ifndef TC_TEST_SINKS_H
#define TC_TEST_SINKS_H

#include <pthread.h>
#include <stddef.h>

#define TT_SINK_MAX 16

typedef struct tt_smtp_msg {
  char mail_from[256];
  char rcpt[4][256];
  int nrcpt;
  char *data; /* the message as received, dot-unstuffed, CRLF lines */
} tt_smtp_msg;

typedef struct tt_smtp_sink {
  int fd, port, stop;
  pthread_t thread;
  pthread_mutex_t mu;
  tt_smtp_msg msgs[TT_SINK_MAX];
  int count;
  int rcpt_reply; /* 0: 250; else that code for every RCPT (451, 550) */
  char ehlo[128]; /* last EHLO argument */
} tt_smtp_sink;

/* Start listening; returns 0 or -1. */
int tt_smtp_sink_start(tt_smtp_sink *s);
void tt_smtp_sink_stop(tt_smtp_sink *s);

typedef struct tt_http_req {
  char method[16];
  char path[256];
  char headers[4096]; /* raw header lines, CRLF separated */
  char *body;
  size_t body_len;
} tt_http_req;

typedef struct tt_http_sink {
  int fd, port, stop;
  pthread_t thread;
  pthread_mutex_t mu;
  tt_http_req reqs[TT_SINK_MAX];
  int count;
  int statuses[TT_SINK_MAX]; /* reply of request i; 0: 200 */
} tt_http_sink;

int tt_http_sink_start(tt_http_sink *s);
void tt_http_sink_stop(tt_http_sink *s);

/* Value of header name (case-insensitive) into out; 0 when found. */
int tt_http_header(const tt_http_req *r, const char *name, char *out,
                   size_t size);

#endif
