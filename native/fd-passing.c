/*
 * Rescued connections from the primary to a worker over a unix socket pair of their own
 * (issue 19), instead of Node's IPC channel.
 *
 * Why: Node's IPC sends one handle at a time and queues the next until the receiver has
 * acknowledged the last (NODE_HANDLE_ACK), and wraps each in a net.Socket and a JSON message on
 * both sides. Here one sendmsg(2) carries the descriptors (SCM_RIGHTS) and the worker takes
 * every waiting message in one callback of its event loop. Measured on bench/skew.ts's app at
 * churn c4 (about 500 connections rescued per 5 s run, 4 rounds side by side): the primary
 * took 25-27 ticks of CPU per run against 40-42 over IPC, about 280 µs less per rescued
 * connection, and req/s rose 1-10%.
 *
 * A SOCK_SEQPACKET pair keeps messages whole: each is a label (which listen address the
 * connections came to) with its descriptors. Both ends are non-blocking: a worker that does
 * not read fills the pair's buffer, and the primary's send fails (EAGAIN) instead of waiting.
 *
 * Exports:
 *   connectionPair() -> [primaryFd, workerFd]       both close-on-exec and non-blocking; the worker's
 *                                                  end is inherited
 *   sendConnections(fd, label, fds) -> 0 | -errno    one message; the descriptors stay open here
 *   unsentConnections(fd) -> bytes                   what the worker has not read yet (SIOCOUTQ)
 *   receiveConnections(fd, onBatch(label, fds))      in a worker: calls onBatch on its loop for
 *                                                  every message; never keeps the loop alive
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifdef __linux__
#include <linux/sockios.h>
#endif

#include "fd-passing.h"
#include "napi-args.h"
#include "socket-tools.h"

/* The most descriptors in one message (the kernel allows 253 per SCM_RIGHTS). */
#define MAX_BATCH 64
#define MAX_LABEL 256

/* connectionPair() -> [primaryFd, workerFd] */
napi_value connection_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0)
    return throw_sys(env, errno, "socketpair", NULL);
  napi_value pair;
  napi_create_array_with_length(env, 2, &pair);
  napi_set_element(env, pair, 0, make_int(env, fds[0]));
  napi_set_element(env, pair, 1, make_int(env, fds[1]));
  return pair;
}

/* sendConnections(fd, label, fds) -> 0 or -errno */
napi_value send_connections(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  char label[MAX_LABEL];
  size_t label_len = 0;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || !int_arg(env, argv[0], &fd) ||
      fd < 0 || napi_get_value_string_utf8(env, argv[1], label, sizeof label, &label_len) != napi_ok ||
      label_len == 0 || label_len >= sizeof label - 1 || napi_is_array(env, argv[2], &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, argv[2], &n) != napi_ok || n < 1 || n > MAX_BATCH)
    return type_error(env, "sendConnections(fd, label: a non-empty string under 255 bytes, fds: 1..64 descriptors)");
  int conns[MAX_BATCH];
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    int32_t c;
    if (napi_get_element(env, argv[2], i, &item) != napi_ok || !int_arg(env, item, &c) || c < 0)
      return type_error(env, "sendConnections: every descriptor must be a non-negative integer");
    conns[i] = c;
  }
  struct iovec iov = {.iov_base = label, .iov_len = label_len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_BATCH)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(cmsg), conns, sizeof(int) * n);
  ssize_t sent;
  do {
    sent = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return make_int(env, sent < 0 ? -errno : 0);
}

/* unsentConnections(fd) -> bytes the peer has not read yet */
napi_value unsent_connections(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &fd) || fd < 0)
    return type_error(env, "unsentConnections(fd)");
#ifdef SIOCOUTQ
  int queued = 0;
  if (ioctl(fd, SIOCOUTQ, &queued) != 0) return throw_sys(env, errno, "ioctl(SIOCOUTQ)", NULL);
  return make_int(env, queued);
#else
  return throw_sys(env, ENOTSUP, "ioctl(SIOCOUTQ)", NULL);
#endif
}

/* ---- the worker's side ---- */

typedef struct {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref on_batch;
  napi_async_context async;
} receiver_t;

/* Reads one message; 1 with a batch, 0 when none waits, -1 when the primary's end is gone. */
static int receive_one(receiver_t *r, char *label, size_t *label_len, int *conns, size_t *count) {
  struct iovec iov = {.iov_base = label, .iov_len = MAX_LABEL - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_BATCH)];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t n;
  do {
    n = recvmsg(r->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  if (n == 0) return -1;
  *label_len = (size_t)n;
  *count = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k && *count < MAX_BATCH; i++) memcpy(&conns[(*count)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
  }
  return 1;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  receiver_t *r = (receiver_t *)handle;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  char label[MAX_LABEL];
  int conns[MAX_BATCH];
  size_t label_len, count;
  int got = status < 0 ? -1 : 0;
  while (status >= 0 && (got = receive_one(r, label, &label_len, conns, &count)) == 1) {
    napi_value cb, global, args[2], result;
    napi_create_string_utf8(env, label, label_len, &args[0]);
    napi_create_array_with_length(env, count, &args[1]);
    for (size_t i = 0; i < count; i++) napi_set_element(env, args[1], (uint32_t)i, make_int(env, conns[i]));
    napi_get_reference_value(env, r->on_batch, &cb);
    napi_get_global(env, &global);
    /* The callback owns the descriptors from here; an exception in it is the process's (uncaught). */
    napi_make_callback(env, r->async, global, cb, 2, args, &result);
  }
  /* The primary is gone: nothing more will come; the worker's own disconnect handling stops it. */
  if (got < 0) uv_poll_stop(handle);
  napi_close_handle_scope(env, scope);
}

/* receiveConnections(fd, onBatch(label, fds)) */
napi_value receive_connections(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !int_arg(env, argv[0], &fd) ||
      fd < 0 || napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function)
    return type_error(env, "receiveConnections(fd, onBatch: (label, fds) => void)");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return type_error(env, "receiveConnections: no event loop");
  /* Non-blocking: uv_poll_init sets it. Inherited without it: the app's own child processes must not hold the worker's end. */
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return throw_sys(env, errno, "fcntl(FD_CLOEXEC)", NULL);
  /* Lives as long as the process: a worker never stops receiving. */
  receiver_t *r = calloc(1, sizeof *r);
  if (!r) return throw_sys(env, ENOMEM, "calloc", NULL);
  r->fd = fd;
  r->env = env;
  napi_value resource_name;
  napi_create_string_utf8(env, "volley:rescued-connections", NAPI_AUTO_LENGTH, &resource_name);
  if (napi_create_reference(env, argv[1], 1, &r->on_batch) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &r->async) != napi_ok) {
    free(r);
    return type_error(env, "receiveConnections: could not keep the callback");
  }
  int err = uv_poll_init(loop, &r->poll, fd);
  if (err == 0) err = uv_poll_start(&r->poll, UV_READABLE, on_readable);
  if (err != 0) {
    napi_async_destroy(env, r->async);
    napi_delete_reference(env, r->on_batch);
    free(r);
    return throw_sys(env, -err, "uv_poll_start", NULL);
  }
  /* Never keeps the worker alive by itself. */
  uv_unref((uv_handle_t *)&r->poll);
  return NULL;
}
