/*
 * tests/sinks.c - loopback SMTP and HTTP sinks (see sinks.h). Only what
 * libcurl needs: enough ESMTP for EHLO/MAIL/RCPT/DATA/QUIT, and HTTP/1.1
 * requests with a Content-Length body answered with Connection: close.
 */
#include "sinks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_any(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8) ||
      getsockname(fd, (struct sockaddr *)&a, &len)) {
    close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

/* Accept with a short poll so that stop is noticed. */
static int accept_or_stop(int fd, volatile int *stop) {
  while (!*stop) {
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, 20);
    if (n > 0) return accept(fd, NULL, NULL);
  }
  return -1;
}

static void say(int c, const char *s) {
  size_t n = strlen(s);
  while (n) {
    ssize_t w = write(c, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

/* A line reader over a socket. */
typedef struct rd {
  int fd;
  char buf[65536];
  size_t len;
} rd;

/* Next CRLF line (without CRLF) into out; -1 at EOF. */
static int read_line(rd *r, char *out, size_t size) {
  for (;;) {
    char *nl = memchr(r->buf, '\n', r->len);
    if (nl) {
      size_t n = (size_t)(nl - r->buf) + 1;
      size_t keep = n >= 2 && nl[-1] == '\r' ? n - 2 : n - 1;
      if (keep >= size) keep = size - 1;
      memcpy(out, r->buf, keep);
      out[keep] = '\0';
      memmove(r->buf, r->buf + n, r->len - n);
      r->len -= n;
      return 0;
    }
    if (r->len == sizeof(r->buf)) return -1;
    ssize_t got = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
    if (got <= 0) return -1;
    r->len += (size_t)got;
  }
}

/* ---- SMTP ---------------------------------------------------------------- */

static void smtp_session(tt_smtp_sink *s, int c) {
  rd *r = calloc(1, sizeof(*r));
  char line[4096];
  tt_smtp_msg m;
  memset(&m, 0, sizeof(m));
  r->fd = c;
  say(c, "220 sink ESMTP ready\r\n");
  while (read_line(r, line, sizeof(line)) == 0) {
    if (!strncasecmp(line, "EHLO", 4) || !strncasecmp(line, "HELO", 4)) {
      pthread_mutex_lock(&s->mu);
      snprintf(s->ehlo, sizeof(s->ehlo), "%.100s", line + 4 + (line[4] == ' '));
      pthread_mutex_unlock(&s->mu);
      say(c, "250-sink greets you\r\n250 8BITMIME\r\n");
    } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
      snprintf(m.mail_from, sizeof(m.mail_from), "%.200s", line + 10);
      say(c, "250 sender ok\r\n");
    } else if (!strncasecmp(line, "RCPT TO:", 8)) {
      char reply[64];
      if (s->rcpt_reply) {
        snprintf(reply, sizeof(reply), "%d refused\r\n", s->rcpt_reply);
        say(c, reply);
        continue;
      }
      if (m.nrcpt < 4)
        snprintf(m.rcpt[m.nrcpt++], sizeof(m.rcpt[0]), "%.200s", line + 8);
      say(c, "250 recipient ok\r\n");
    } else if (!strcasecmp(line, "DATA")) {
      say(c, "354 go ahead\r\n");
      size_t cap = 4096, len = 0;
      char *data = malloc(cap);
      data[0] = '\0';
      while (read_line(r, line, sizeof(line)) == 0 && strcmp(line, ".")) {
        const char *l = line[0] == '.' ? line + 1 : line; /* unstuff */
        size_t n = strlen(l);
        while (len + n + 3 > cap) data = realloc(data, cap *= 2);
        memcpy(data + len, l, n);
        memcpy(data + len + n, "\r\n", 3);
        len += n + 2;
      }
      m.data = data;
      pthread_mutex_lock(&s->mu);
      if (s->count < TT_SINK_MAX)
        s->msgs[s->count++] = m;
      else
        free(m.data);
      pthread_mutex_unlock(&s->mu);
      memset(&m, 0, sizeof(m));
      say(c, "250 queued as sink\r\n");
    } else if (!strcasecmp(line, "RSET") || !strcasecmp(line, "NOOP")) {
      say(c, "250 ok\r\n");
    } else if (!strcasecmp(line, "QUIT")) {
      say(c, "221 bye\r\n");
      break;
    } else {
      say(c, "502 not implemented\r\n");
    }
  }
  free(r);
}

static void *smtp_main(void *p) {
  tt_smtp_sink *s = p;
  for (;;) {
    int c = accept_or_stop(s->fd, &s->stop);
    if (c < 0) break;
    smtp_session(s, c);
    close(c);
  }
  return NULL;
}

int tt_smtp_sink_start(tt_smtp_sink *s) {
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mu, NULL);
  if ((s->fd = listen_any(&s->port)) < 0) return -1;
  return pthread_create(&s->thread, NULL, smtp_main, s) ? -1 : 0;
}

void tt_smtp_sink_stop(tt_smtp_sink *s) {
  s->stop = 1;
  pthread_join(s->thread, NULL);
  close(s->fd);
  for (int i = 0; i < s->count; i++) free(s->msgs[i].data);
  pthread_mutex_destroy(&s->mu);
}

/* ---- HTTP ---------------------------------------------------------------- */

static void http_session(tt_http_sink *s, int c) {
  rd *r = calloc(1, sizeof(*r));
  char line[4096];
  tt_http_req q;
  memset(&q, 0, sizeof(q));
  r->fd = c;
  if (read_line(r, line, sizeof(line)) ||
      sscanf(line, "%15s %255s", q.method, q.path) != 2) {
    free(r);
    return;
  }
  size_t clen = 0, hl = 0;
  while (read_line(r, line, sizeof(line)) == 0 && line[0]) {
    if (!strncasecmp(line, "Content-Length:", 15))
      clen = (size_t)strtoul(line + 15, NULL, 10);
    size_t n = strlen(line);
    if (hl + n + 3 < sizeof(q.headers)) {
      memcpy(q.headers + hl, line, n);
      memcpy(q.headers + hl + n, "\r\n", 3);
      hl += n + 2;
    }
  }
  q.body = calloc(1, clen + 1);
  size_t have = r->len < clen ? r->len : clen;
  memcpy(q.body, r->buf, have);
  while (have < clen) {
    ssize_t got = read(c, q.body + have, clen - have);
    if (got <= 0) break;
    have += (size_t)got;
  }
  q.body_len = have;
  pthread_mutex_lock(&s->mu);
  int i = s->count;
  int status = i < TT_SINK_MAX && s->statuses[i] ? s->statuses[i] : 200;
  if (i < TT_SINK_MAX) {
    s->reqs[i] = q;
    s->count++;
  } else {
    free(q.body);
  }
  pthread_mutex_unlock(&s->mu);
  char body[64], head[256];
  snprintf(body, sizeof(body), "{\"id\":\"sink-%d\"}", i + 1);
  snprintf(head, sizeof(head),
           "HTTP/1.1 %d Sink\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n",
           status, strlen(body));
  say(c, head);
  say(c, body);
  free(r);
}

static void *http_main(void *p) {
  tt_http_sink *s = p;
  for (;;) {
    int c = accept_or_stop(s->fd, &s->stop);
    if (c < 0) break;
    http_session(s, c);
    close(c);
  }
  return NULL;
}

int tt_http_sink_start(tt_http_sink *s) {
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mu, NULL);
  if ((s->fd = listen_any(&s->port)) < 0) return -1;
  return pthread_create(&s->thread, NULL, http_main, s) ? -1 : 0;
}

void tt_http_sink_stop(tt_http_sink *s) {
  s->stop = 1;
  pthread_join(s->thread, NULL);
  close(s->fd);
  for (int i = 0; i < s->count; i++) free(s->reqs[i].body);
  pthread_mutex_destroy(&s->mu);
}

int tt_http_header(const tt_http_req *r, const char *name, char *out,
                   size_t size) {
  size_t n = strlen(name);
  const char *p = r->headers;
  while (*p) {
    const char *e = strstr(p, "\r\n");
    if (!e) break;
    if ((size_t)(e - p) > n && !strncasecmp(p, name, n) && p[n] == ':') {
      const char *v = p + n + 1;
      while (*v == ' ') v++;
      snprintf(out, size, "%.*s", (int)(e - v), v);
      return 0;
    }
    p = e + 2;
  }
  return -1;
}
