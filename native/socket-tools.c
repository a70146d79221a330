/*
 * What the primary needs for sockets it did not open itself, and for systemd:
 *
 * - sendUnixDatagram(path, data): one datagram to a unix socket (sd_notify's NOTIFY_SOCKET,
 *   which may be abstract: a leading '@'). Node's dgram module has no unix sockets.
 * - setCloseOnExec(fd): sockets inherited from a predecessor primary or from systemd arrive
 *   without FD_CLOEXEC; left so, every worker would inherit every socket, and a slot's socket
 *   closed by the primary (scale down) would live on in them, its queue never accepted.
 * - socketInfo(fd): what a passed socket is (family, type, listening, SO_REUSEPORT, address),
 *   so that sockets from systemd can be checked and named in the log.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "napi-args.h"
#include "socket-tools.h"

/* The one argument of a call that takes a file descriptor: 1 with *fd set, or 0 (not a descriptor). */
static int fd_only_arg(napi_env env, napi_callback_info info, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1 && int_arg(env, argv[0], fd) &&
         *fd >= 0;
}

/* sendUnixDatagram(path: string, data: Buffer) -> bytes sent. A leading '@' is Linux's abstract namespace. */
napi_value send_unix_datagram(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2)
    return type_error(env, "sendUnixDatagram(path: string, data: Buffer)");
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  char path[sizeof sun.sun_path + 1];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0)
    return type_error(env, "sendUnixDatagram: path must be a non-empty string");
  if (len >= sizeof sun.sun_path || strlen(path) != len)
    return throw_sys(env, ENAMETOOLONG, "sendto", "(unix socket path too long or with a NUL byte)");
  void *data;
  size_t size;
  bool is_buffer = false;
  if (napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok)
    return type_error(env, "sendUnixDatagram: data must be a Buffer");
  memcpy(sun.sun_path, path, len);
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  if (path[0] == '@') sun.sun_path[0] = '\0'; /* abstract: no trailing NUL, the length says where it ends */
  else addr_len += 1;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_sys(env, errno, "socket", path);
  ssize_t sent = sendto(fd, data, size, MSG_NOSIGNAL, (struct sockaddr *)&sun, addr_len);
  int err = errno;
  close(fd);
  if (sent < 0) return throw_sys(env, err, "sendto", path);
  napi_value result;
  if (napi_create_int32(env, (int32_t)sent, &result) != napi_ok) return NULL;
  return result;
}

/* setCloseOnExec(fd) */
napi_value set_close_on_exec(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_only_arg(env, info, &fd)) return type_error(env, "setCloseOnExec expects a file descriptor");
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return throw_sys(env, errno, "fcntl", NULL);
  return NULL;
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

static void set_int(napi_env env, napi_value obj, const char *key, int32_t value) {
  napi_value v;
  if (napi_create_int32(env, value, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

static void set_bool(napi_env env, napi_value obj, const char *key, int value) {
  napi_value v;
  if (napi_get_boolean(env, value != 0, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

static int sockopt_int(int fd, int level, int name) {
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, level, name, &value, &len) != 0) return -1;
  return value;
}

/*
 * socketInfo(fd) -> { family: 'ipv4'|'ipv6'|'unix'|'other', type: 'stream'|'dgram'|'other',
 *   listening, reusePort, address?, port?, path? }. Throws ENOTSOCK for a file that is no socket.
 */
napi_value socket_info(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_only_arg(env, info, &fd)) return type_error(env, "socketInfo expects a file descriptor");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return throw_sys(env, errno, "getsockname", NULL);
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  char text[INET6_ADDRSTRLEN + 1] = {0};
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    set_str(env, obj, "family", "ipv4");
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    set_str(env, obj, "address", text);
    set_int(env, obj, "port", ntohs(in->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    set_str(env, obj, "family", "ipv6");
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    set_str(env, obj, "address", text);
    set_int(env, obj, "port", ntohs(in6->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    struct sockaddr_un *un = (struct sockaddr_un *)&ss;
    set_str(env, obj, "family", "unix");
    size_t path_len = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
    char path[sizeof un->sun_path + 1] = {0};
    if (path_len > 0 && un->sun_path[0] == '\0') {
      /* abstract: shown with '@', as systemd and ss(8) do */
      path[0] = '@';
      memcpy(path + 1, un->sun_path + 1, path_len - 1 < sizeof path - 2 ? path_len - 1 : sizeof path - 2);
    } else {
      memcpy(path, un->sun_path, path_len < sizeof path - 1 ? path_len : sizeof path - 1);
    }
    set_str(env, obj, "path", path);
  } else {
    set_str(env, obj, "family", "other");
  }
  int type = sockopt_int(fd, SOL_SOCKET, SO_TYPE);
  set_str(env, obj, "type", type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" : "other");
  set_bool(env, obj, "listening", sockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1);
#ifdef SO_REUSEPORT
  set_bool(env, obj, "reusePort", sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT) == 1);
#else
  set_bool(env, obj, "reusePort", 0);
#endif
  return obj;
}
