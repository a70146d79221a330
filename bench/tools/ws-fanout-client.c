/*
 * The receiving side of the fan-out benchmark (bench/fanout.ts): many WebSocket clients in one
 * process, on one epoll loop, recording the delivery latency of every chat message they get.
 *
 * Why C: the 1,000 receivers share the machine's two CPUs with the server they measure. As a
 * Node process, each delivered frame cost the receivers ~11 µs of CPU (libuv read callback,
 * a Buffer, a 'data' event, the JS parse), as much as the server spent sending it, so the
 * benchmark measured mostly its own load generator. Here a frame costs the read syscall and
 * a few compares, the way wrk keeps HTTP load generation cheap.
 *
 * Driven over stdin/stdout, one command per line, one JSON reply per line:
 *   connect HOST PORT PATH N CONCURRENCY  -> {"type":"connected","workers":{"0":n,...},"failed":n,"ms":x}
 *   record RUN                            -> {"type":"recording"}   (only texts starting "RUN:" count)
 *   count                                 -> {"type":"count","n":n}
 *   collect FILE                          -> {"type":"collected","n":n,"duplicates":n,"closes":n,
 *                                             "cpuMs":x,"perClient":[...]}  latencies (float64 ms,
 *                                             native byte order) written to FILE
 *   close                                 -> exits
 *
 * Wake-ups: after each batch of ready sockets the loop sleeps POLL_US microseconds (argv[1],
 * default 250) before it waits again. Sockets that became readable meanwhile are then read in
 * one batch instead of one wake-up each, and a sender whose receiver is not waiting on the
 * socket does not have to wake it: without this, the wake-ups cost the receivers and the
 * server more CPU than the frames. A delivery's measured latency includes up to POLL_US of this
 * wait, so it can only make the server look slower.
 *
 * Clock: CLOCK_MONOTONIC in milliseconds, the clock process.hrtime() reads in the publisher.
 * The messages are the chat example's JSON: {"type":"message",...,"text":"RUN:N",...,"sentAt":X};
 * the text and sentAt are found by position, not by a JSON parser (the text has no quotes).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define MAX_SEEN (1 << 16) /* message numbers per run tracked for duplicates */

enum state { CONNECTING, HANDSHAKE, OPEN, CLOSED };

struct client {
  int fd;
  enum state state;
  int worker;
  size_t len;               /* bytes waiting in buf */
  unsigned char *buf;
  uint8_t *seen;            /* bitmap of message numbers of the recorded run */
  long received;
};

static struct client *clients;
static int nclients, epfd;
static char run_prefix[300];
static size_t run_len;
static double *lat;
static size_t nlat, caplat;
static long duplicates, closes;
static int opened, failed, pending_connects;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void die(const char *what) {
  fprintf(stderr, "ws-fanout-client: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void close_client(struct client *c) {
  if (c->state == CLOSED) return;
  if (c->state == OPEN) closes++;
  else failed++, pending_connects--;
  c->state = CLOSED;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
}

static void record(struct client *c, const char *s, size_t n, double at) {
  const char *t = memmem(s, n, "\"text\":\"", 8);
  if (!t) return;
  t += 8;
  size_t left = n - (size_t)(t - s);
  if (left < run_len || memcmp(t, run_prefix, run_len) != 0) return;
  long num = strtol(t + run_len, NULL, 10);
  const char *sa = memmem(t, left, "\"sentAt\":", 9);
  if (!sa) return;
  double sent = strtod(sa + 9, NULL);
  if (num >= 0 && num < MAX_SEEN) {
    uint8_t bit = (uint8_t)(1u << (num & 7));
    if (c->seen[num >> 3] & bit) {
      duplicates++;
      return;
    }
    c->seen[num >> 3] |= bit;
  }
  c->received++;
  if (nlat == caplat) {
    caplat = caplat ? caplat * 2 : 1 << 20;
    lat = realloc(lat, caplat * sizeof *lat);
    if (!lat) die("realloc");
  }
  lat[nlat++] = at - sent;
}

/* The first frame after the 101 is the worker's hello: {"type":"hello","worker":N,...}. */
static void hello(struct client *c, const char *s, size_t n) {
  const char *w = memmem(s, n, "\"worker\":", 9);
  c->worker = w ? atoi(w + 9) : 0;
  c->state = OPEN;
  opened++;
  pending_connects--;
}

static void on_frames(struct client *c, double at) {
  size_t off = 0;
  while (c->len - off >= 2) {
    unsigned char *f = c->buf + off;
    int op = f[0] & 0x0f;
    uint64_t plen = f[1] & 0x7f;
    size_t head = 2;
    if (plen == 126) {
      if (c->len - off < 4) break;
      plen = ((uint64_t)f[2] << 8) | f[3];
      head = 4;
    } else if (plen == 127) {
      if (c->len - off < 10) break;
      plen = 0;
      for (int i = 0; i < 8; i++) plen = (plen << 8) | f[2 + i];
      head = 10;
    }
    if (plen > BUF_SIZE - 16) {
      errno = EMSGSIZE;
      close_client(c);
      return;
    }
    if (c->len - off < head + plen) break;
    const char *payload = (const char *)f + head;
    if (op == 1) {
      if (c->state == HANDSHAKE) hello(c, payload, plen);
      else if (run_len) record(c, payload, plen, at);
    } else if (op == 8) {
      close_client(c);
      return;
    } else if (op == 9 && plen < 126) {
      /* A ping: a masked pong (zero mask) with the same payload. */
      unsigned char pong[6 + 125];
      pong[0] = 0x8a;
      pong[1] = 0x80 | (unsigned char)plen;
      memset(pong + 2, 0, 4);
      memcpy(pong + 6, payload, plen);
      if (write(c->fd, pong, 6 + plen) < 0) {
        close_client(c);
        return;
      }
    }
    off += head + plen;
  }
  if (off > 0) {
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
  }
}

/* One read per readiness: epoll is level-triggered, so what is left is reported again (a
 * second read to see EAGAIN would double the syscalls per delivered frame). */
static void on_readable(struct client *c) {
  {
    ssize_t r = read(c->fd, c->buf + c->len, BUF_SIZE - c->len);
    if (r == 0) {
      close_client(c);
      return;
    }
    if (r < 0) {
      if (errno == EAGAIN) return;
      close_client(c);
      return;
    }
    double at = now_ms();
    c->len += (size_t)r;
    if (c->state == HANDSHAKE && c->worker == -1) {
      /* Still in the HTTP response: wait for its end, then frames follow. */
      unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
      if (!end) return;
      if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
        close_client(c);
        return;
      }
      size_t hl = (size_t)(end + 4 - c->buf);
      memmove(c->buf, c->buf + hl, c->len - hl);
      c->len -= hl;
      c->worker = -2; /* upgraded; the hello frame comes next */
    }
    if (c->worker != -1) on_frames(c, at);
    if (c->state == CLOSED) return;
  }
}

static const char *host, *path;
static int port, next_client, target;

static void start_connect(int i) {
  struct client *c = &clients[i];
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) die("inet_pton");
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = CONNECTING;
  c->worker = -1;
  c->len = 0;
  pending_connects++;
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    c->state = HANDSHAKE;
    close_client(c);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
}

static void on_connected(int i) {
  struct client *c = &clients[i];
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  c->state = HANDSHAKE;
  if (err) {
    close_client(c);
    return;
  }
  char req[512];
  /* Any well-formed key will do: the benchmark does not check the server's accept hash. */
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, host, port);
  if (write(c->fd, req, (size_t)n) != n) {
    close_client(c);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static double connect_started;
static int connecting, concurrency;

static void reply_connected(void) {
  int max = 0;
  for (int i = 0; i < nclients; i++)
    if (clients[i].state == OPEN && clients[i].worker > max) max = clients[i].worker;
  printf("{\"type\":\"connected\",\"workers\":{");
  int first = 1;
  for (int w = 0; w <= max; w++) {
    int n = 0;
    for (int i = 0; i < nclients; i++) n += clients[i].state == OPEN && clients[i].worker == w;
    if (n == 0) continue;
    printf("%s\"%d\":%d", first ? "" : ",", w, n);
    first = 0;
  }
  printf("},\"failed\":%d,\"ms\":%.1f}\n", failed, now_ms() - connect_started);
  fflush(stdout);
}

static char line[4096];
static size_t line_len;

static void command(char *cmd) {
  char a[256], b[1024];
  int n1, n2, p;
  if (sscanf(cmd, "connect %255s %d %1023s %d %d", a, &p, b, &n1, &n2) == 5) {
    host = strdup(a);
    path = strdup(b);
    port = p;
    nclients = n1;
    concurrency = n2 > 0 ? n2 : 1;
    clients = calloc((size_t)nclients, sizeof *clients);
    if (!clients) die("calloc");
    for (int i = 0; i < nclients; i++) {
      clients[i].buf = malloc(BUF_SIZE);
      clients[i].seen = calloc(MAX_SEEN / 8, 1);
      if (!clients[i].buf || !clients[i].seen) die("malloc");
    }
    connect_started = now_ms();
    connecting = 1;
    next_client = 0;
    target = nclients;
  } else if (sscanf(cmd, "record %120s", a) == 1) {
    snprintf(run_prefix, sizeof run_prefix, "%s:", a);
    run_len = strlen(run_prefix);
    nlat = 0;
    duplicates = closes = 0;
    for (int i = 0; i < nclients; i++) {
      clients[i].received = 0;
      memset(clients[i].seen, 0, MAX_SEEN / 8);
    }
    printf("{\"type\":\"recording\"}\n");
  } else if (strcmp(cmd, "count") == 0) {
    printf("{\"type\":\"count\",\"n\":%zu}\n", nlat);
  } else if (sscanf(cmd, "collect %1023s", b) == 1) {
    FILE *f = fopen(b, "wb");
    if (!f || fwrite(lat, sizeof *lat, nlat, f) != nlat || fclose(f) != 0) die("writing latencies");
    printf("{\"type\":\"collected\",\"n\":%zu,\"duplicates\":%ld,\"closes\":%ld,\"cpuMs\":%.1f,\"perClient\":[",
           nlat, duplicates, closes, cpu_ms());
    for (int i = 0; i < nclients; i++) printf("%s%ld", i ? "," : "", clients[i].received);
    printf("]}\n");
    run_len = 0;
  } else if (strcmp(cmd, "close") == 0) {
    exit(0);
  } else {
    printf("{\"type\":\"error\",\"message\":\"unknown command: %s\"}\n", cmd);
  }
  fflush(stdout);
}

static void on_stdin(void) {
  ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
  if (r <= 0) exit(0); /* the harness is gone */
  line_len += (size_t)r;
  char *nl;
  while ((nl = memchr(line, '\n', line_len))) {
    *nl = 0;
    command(line);
    size_t used = (size_t)(nl + 1 - line);
    memmove(line, nl + 1, line_len - used);
    line_len -= used;
  }
}

int main(int argc, char **argv) {
  long poll_us = argc > 1 ? atol(argv[1]) : 250;
  struct timespec pause = {.tv_sec = 0, .tv_nsec = poll_us * 1000};
  epfd = epoll_create1(0);
  if (epfd < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) < 0) die("epoll_ctl stdin");
  struct epoll_event events[256];
  for (;;) {
    /* Keep `concurrency` handshakes in flight until every client is open or failed. */
    while (connecting && next_client < target && pending_connects < concurrency) start_connect(next_client++);
    if (connecting && next_client == target && pending_connects == 0) {
      connecting = 0;
      reply_connected();
    }
    int n = epoll_wait(epfd, events, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int k = 0; k < n; k++) {
      uint32_t id = events[k].data.u32;
      if (id == UINT32_MAX) {
        on_stdin();
        continue;
      }
      struct client *c = &clients[id];
      if (c->state == CONNECTING) on_connected((int)id);
      else if (c->state != CLOSED) on_readable(c);
    }
    if (poll_us > 0 && !connecting) nanosleep(&pause, NULL);
  }
}
