/*
 * volley_native: the only C in Volley.
 *
 * Node cannot create a listening socket without also accepting on it, and its own
 * `reusePort` option only exists from Node 22.12. The supervisor needs sockets it owns
 * but never accepts on (so queued connections survive a worker's death), created with
 * SO_REUSEPORT set *before* bind(2). This addon does exactly that and little else.
 */
#define _GNU_SOURCE
#include <node_api.h>

#include "fd-passing.h"
#include "send-many.h"
#include "napi-args.h"
#include "socket-tools.h"
#include "stall-monitor.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/filter.h>
#include <sched.h>
#include <sys/prctl.h>
#endif

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, "EVOLLEYNAPI", "N-API call failed: " #call);     \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

/* The errno's symbolic name (EADDRINUSE...), as Node puts it in `code`. */
static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  switch (err) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENOBUFS: return "ENOBUFS";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ESRCH: return "ESRCH";
    case EROFS: return "EROFS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EEXIST: return "EEXIST";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENOSPC: return "ENOSPC";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EINTR: return "EINTR";
    default: return "EUNKNOWN";
  }
}

/* Throws an Error shaped like Node's own system errors: code, errno, syscall, address. */
napi_value throw_sys(napi_env env, int err, const char *syscall, const char *address) {
  char msg[512];
  const char *code = errno_name(err);
  if (address != NULL && address[0] != '\0') {
    snprintf(msg, sizeof msg, "%s %s: %s %s", syscall, code, strerror(err), address);
  } else {
    snprintf(msg, sizeof msg, "%s %s: %s", syscall, code, strerror(err));
  }
  napi_value js_msg, js_code, error, value;
  /* Never return without an exception pending: the caller would read `undefined` as success. */
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok ||
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok ||
      napi_create_error(env, js_code, js_msg, &error) != napi_ok) {
    napi_throw_error(env, code, msg);
    return NULL;
  }
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "code", value);
  napi_create_int32(env, -err, &value);
  napi_set_named_property(env, error, "errno", value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  if (address != NULL && address[0] != '\0') {
    napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, error, "address", value);
  }
  napi_throw(env, error);
  return NULL;
}

/* Reads an optional property; returns 1 if present and not undefined. */
static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return 0;
  napi_valuetype t;
  if (napi_typeof(env, *out, &t) != napi_ok) return 0;
  return t != napi_undefined;
}

/* 1 or 0 for a boolean, `fallback` when absent, -1 for any other type (so that
 * `reusePort: 0` is an error rather than silently meaning the default, true). */
static int get_bool_prop(napi_env env, napi_value obj, const char *name, int fallback) {
  napi_value v;
  if (!get_prop(env, obj, name, &v)) return fallback;
  bool b = false;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return -1;
  return b ? 1 : 0;
}

/*
 * Copies a JS string into buf. Returns 1 on success, 0 if not a string, -1 if it does not
 * fit (napi would silently truncate it) or holds a NUL byte (C would silently cut it).
 */
static int get_string(napi_env env, napi_value v, char *buf, size_t size, size_t *len) {
  size_t full = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &full) != napi_ok) return 0;
  if (full >= size) return -1;
  if (napi_get_value_string_utf8(env, v, buf, size, len) != napi_ok) return 0;
  if (strlen(buf) != *len) return -1;
  return 1;
}

/* Returns a new fd to JS; closes it if that fails, so it cannot leak. */
static napi_value return_fd(napi_env env, int fd, const char *unlink_path) {
  napi_value v;
  if (napi_create_int32(env, fd, &v) != napi_ok) {
    close(fd);
    if (unlink_path != NULL) unlink(unlink_path);
    napi_throw_error(env, "EVOLLEYNAPI", "N-API call failed: napi_create_int32");
    return NULL;
  }
  return v;
}

/* openListener({ host, port, backlog?, reusePort?, ipv6Only? }) -> fd */
static napi_value open_listener(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object)
    return type_error(env, "openListener expects an options object { host, port }");

  napi_value v;
  /* Roomier than any numeric address, so that a bad one is quoted whole in the error. */
  char host[256] = {0};
  size_t host_len = 0;
  if (!get_prop(env, argv[0], "host", &v))
    return type_error(env, "openListener: host must be a numeric IPv4 or IPv6 address string");
  int got = get_string(env, v, host, sizeof host, &host_len);
  if (got == 0) return type_error(env, "openListener: host must be a numeric IPv4 or IPv6 address string");
  /* Longer than any numeric address, or with a NUL inside: not one. */
  if (got < 0) return throw_sys(env, EINVAL, "inet_pton", "(host too long or with a NUL byte)");
  int32_t port = -1;
  if (!get_prop(env, argv[0], "port", &v) || !int_arg(env, v, &port) || port < 0 || port > 65535)
    return type_error(env, "openListener: port must be an integer from 0 to 65535");
  int32_t backlog = 511;
  if (get_prop(env, argv[0], "backlog", &v) && (!int_arg(env, v, &backlog) || backlog < 1))
    return type_error(env, "openListener: backlog must be a positive integer");
  int reuse_port = get_bool_prop(env, argv[0], "reusePort", 1);
  if (reuse_port < 0) return type_error(env, "openListener: reusePort must be a boolean");
  int ipv6_only = get_bool_prop(env, argv[0], "ipv6Only", 0);
  if (ipv6_only < 0) return type_error(env, "openListener: ipv6Only must be a boolean");

  char address[sizeof host + 16];
  struct sockaddr_storage ss;
  socklen_t ss_len;
  memset(&ss, 0, sizeof ss);
  int family;
  if (strchr(host, ':') != NULL) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    snprintf(address, sizeof address, "[%s]:%d", host, port);
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
      return throw_sys(env, EINVAL, "inet_pton", address);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    family = AF_INET6;
    ss_len = sizeof *a6;
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    snprintf(address, sizeof address, "%s:%d", host, port);
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
      return throw_sys(env, EINVAL, "inet_pton", address);
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    family = AF_INET;
    ss_len = sizeof *a4;
  }

#ifdef SOCK_CLOEXEC
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
#else
  int fd = socket(family, SOCK_STREAM, 0);
#endif
  if (fd < 0) return throw_sys(env, errno, "socket", address);

  int one = 1;
  /* Both options must be set before bind(2): set afterwards they have no effect. */
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_sys(env, err, "setsockopt(SO_REUSEADDR)", address);
  }
#ifdef SO_REUSEPORT
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_sys(env, err, "setsockopt(SO_REUSEPORT)", address);
  }
#else
  if (reuse_port) {
    close(fd);
    return throw_sys(env, ENOPROTOOPT, "setsockopt(SO_REUSEPORT)", address);
  }
#endif
  if (family == AF_INET6) {
    int v6only = ipv6_only ? 1 : 0;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
      int err = errno;
      close(fd);
      return throw_sys(env, err, "setsockopt(IPV6_V6ONLY)", address);
    }
  }
  if (bind(fd, (struct sockaddr *)&ss, ss_len) != 0) {
    int err = errno;
    close(fd);
    return throw_sys(env, err, "bind", address);
  }
  if (listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return throw_sys(env, err, "listen", address);
  }
  return return_fd(env, fd, NULL);
}

/* openUnixListener({ path, backlog?, mode? }) -> fd. One socket shared by all workers. */
static napi_value open_unix_listener(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object)
    return type_error(env, "openUnixListener expects an options object { path }");
  napi_value v;
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  char path[1024] = {0};
  size_t path_len = 0;
  int got = get_prop(env, argv[0], "path", &v) ? get_string(env, v, path, sizeof path, &path_len) : 0;
  if (got == 0 || (got > 0 && path_len == 0))
    return type_error(env, "openUnixListener: path must be a non-empty string");
  if (got < 0) return throw_sys(env, ENAMETOOLONG, "bind", "(unix socket path too long or with a NUL byte)");
  /* sun_path needs room for the terminating NUL. */
  if (path_len >= sizeof sun.sun_path) return throw_sys(env, ENAMETOOLONG, "bind", path);
  memcpy(sun.sun_path, path, path_len);
  int32_t backlog = 511;
  if (get_prop(env, argv[0], "backlog", &v) && (!int_arg(env, v, &backlog) || backlog < 1))
    return type_error(env, "openUnixListener: backlog must be a positive integer");
  int32_t mode = -1;
  if (get_prop(env, argv[0], "mode", &v) && (!int_arg(env, v, &mode) || mode < 0 || mode > 07777))
    return type_error(env, "openUnixListener: mode must be an integer from 0 to 0o7777");

#ifdef SOCK_CLOEXEC
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#else
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
#endif
  if (fd < 0) return throw_sys(env, errno, "socket", path);
  if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
    int err = errno;
    close(fd);
    return throw_sys(env, err, "bind", path);
  }
  if (mode >= 0 && chmod(path, (mode_t)mode) != 0) {
    int err = errno;
    close(fd);
    unlink(path);
    return throw_sys(env, err, "chmod", path);
  }
  if (listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    unlink(path);
    return throw_sys(env, err, "listen", path);
  }
  return return_fd(env, fd, path);
}

static int fd_arg(napi_env env, napi_callback_info info, napi_value *argv, size_t want, int32_t *fd) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return 0;
  return int_arg(env, argv[0], fd) && *fd >= 0;
}

/* localPort(fd) -> the port the socket is bound to (for port 0). */
static napi_value local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!fd_arg(env, info, argv, 1, &fd)) return type_error(env, "localPort expects a file descriptor");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return throw_sys(env, errno, "getsockname", NULL);
  if (ss.ss_family == AF_INET) return make_int(env, ntohs(((struct sockaddr_in *)&ss)->sin_port));
  if (ss.ss_family == AF_INET6) return make_int(env, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
  return throw_sys(env, EAFNOSUPPORT, "getsockname", NULL);
}

/* closeFd(fd) */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!fd_arg(env, info, argv, 1, &fd)) return type_error(env, "closeFd expects a file descriptor");
  if (close(fd) != 0) return throw_sys(env, errno, "close", NULL);
  return NULL;
}

#ifdef __linux__
static napi_value attach_program(napi_env env, int fd, struct sock_filter *code, unsigned short len) {
  struct sock_fprog prog = {.len = len, .filter = code};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
    return throw_sys(env, errno, "setsockopt(SO_ATTACH_REUSEPORT_CBPF)", NULL);
  return NULL;
}
#endif

/*
 * attachCpuSteering(fd, groups): the group's program returns `cpu % groups`, the index
 * of the socket (in listen order) owned by the worker pinned to the CPU that took the SYN.
 */
static napi_value attach_cpu_steering(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, groups;
  if (!fd_arg(env, info, argv, 2, &fd) || !int_arg(env, argv[1], &groups) || groups < 1)
    return type_error(env, "attachCpuSteering expects (fd, groups >= 1)");
#ifdef __linux__
  struct sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_CPU)},
      {BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)groups},
      {BPF_RET | BPF_A, 0, 0, 0},
  };
  return attach_program(env, fd, code, sizeof code / sizeof code[0]);
#else
  return throw_sys(env, EOPNOTSUPP, "setsockopt(SO_ATTACH_REUSEPORT_CBPF)", NULL);
#endif
}

/*
 * attachSlotSteering(fd, indices): new connections go only to the sockets at these
 * indices of the group (chosen at random per SYN). This lets a socket be retired: it
 * stops receiving new connections while its worker drains its queue, and only then closes.
 */
static napi_value attach_slot_steering(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!fd_arg(env, info, argv, 2, &fd)) return type_error(env, "attachSlotSteering expects (fd, indices[])");
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &n) != napi_ok || n < 1 || n > 1024)
    return type_error(env, "attachSlotSteering expects a non-empty array of at most 1024 socket indices");
#ifdef __linux__
  size_t len = 2 + 2 * (size_t)n + 1;
  struct sock_filter *code = calloc(len, sizeof *code);
  if (code == NULL) return throw_sys(env, ENOMEM, "calloc", NULL);
  size_t pc = 0;
  code[pc++] = (struct sock_filter){BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_RANDOM)};
  code[pc++] = (struct sock_filter){BPF_ALU | BPF_MOD | BPF_K, 0, 0, n};
  uint32_t first = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    int32_t idx;
    if (napi_get_element(env, argv[1], i, &item) != napi_ok || !int_arg(env, item, &idx) || idx < 0) {
      free(code);
      return type_error(env, "attachSlotSteering: every index must be a non-negative integer");
    }
    if (i == 0) first = (uint32_t)idx;
    /* if A == i, fall through to the return; otherwise skip it */
    code[pc++] = (struct sock_filter){BPF_JMP | BPF_JEQ | BPF_K, 0, 1, i};
    code[pc++] = (struct sock_filter){BPF_RET | BPF_K, 0, 0, (uint32_t)idx};
  }
  code[pc++] = (struct sock_filter){BPF_RET | BPF_K, 0, 0, first};
  napi_value result = attach_program(env, fd, code, (unsigned short)pc);
  free(code);
  return result;
#else
  return throw_sys(env, EOPNOTSUPP, "setsockopt(SO_ATTACH_REUSEPORT_CBPF)", NULL);
#endif
}

/* detachSteering(fd): back to the kernel's default hash over the whole group. */
static napi_value detach_steering(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!fd_arg(env, info, argv, 1, &fd)) return type_error(env, "detachSteering expects a file descriptor");
#if defined(__linux__) && defined(SO_DETACH_REUSEPORT_BPF)
  int zero = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero, sizeof zero) != 0 && errno != ENOENT)
    return throw_sys(env, errno, "setsockopt(SO_DETACH_REUSEPORT_BPF)", NULL);
  return NULL;
#else
  return throw_sys(env, EOPNOTSUPP, "setsockopt(SO_DETACH_REUSEPORT_BPF)", NULL);
#endif
}

#ifdef __linux__
/*
 * sched_setaffinity(pid) pins one *thread*: the calling one for 0, the thread with that
 * id otherwise. Node already runs V8 and libuv threads, so pin every thread listed in
 * /proc/<pid>/task (threads created later inherit the mask of the one that creates them).
 * Returns 0 or an errno.
 */
static int pin_all_threads(pid_t pid, const cpu_set_t *set) {
  if (sched_setaffinity(pid, sizeof *set, set) != 0) return errno;
  char dir[64];
  if (pid == 0) snprintf(dir, sizeof dir, "/proc/self/task");
  else snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
  DIR *d = opendir(dir);
  if (d == NULL) return 0; /* no /proc: the main thread at least is pinned */
  int result = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *end;
    long tid = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || tid <= 0) continue;
    /* ESRCH: the thread ended since the listing, nothing to pin. */
    if (sched_setaffinity((pid_t)tid, sizeof *set, set) != 0 && errno != ESRCH) {
      result = errno;
      break;
    }
  }
  closedir(d);
  return result;
}
#endif

/* setCpuAffinity(pid, cpu): pin a process (0 = this one), all its threads, to one CPU. */
static napi_value set_cpu_affinity(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t pid, cpu;
  if (argc < 2 || !int_arg(env, argv[0], &pid) || !int_arg(env, argv[1], &cpu) || pid < 0 || cpu < 0)
    return type_error(env, "setCpuAffinity expects (pid >= 0, cpu >= 0)");
#ifdef __linux__
  if (cpu >= CPU_SETSIZE) return throw_sys(env, EINVAL, "sched_setaffinity", NULL);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  int err = pin_all_threads((pid_t)pid, &set);
  if (err != 0) return throw_sys(env, err, "sched_setaffinity", NULL);
  return NULL;
#else
  return throw_sys(env, EOPNOTSUPP, "sched_setaffinity", NULL);
#endif
}

/* usableCpus(): the CPUs in this process's affinity mask, in order. */
static napi_value usable_cpus(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr;
  CHECK(napi_create_array(env, &arr));
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return throw_sys(env, errno, "sched_getaffinity", NULL);
  uint32_t k = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &set)) CHECK(napi_set_element(env, arr, k++, make_int(env, cpu)));
  }
#endif
  return arr;
}

/* setParentDeathSignal(signal): the kernel sends `signal` to this process when its parent dies. */
static napi_value set_parent_death_signal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t sig;
  if (argc < 1 || !int_arg(env, argv[0], &sig) || sig < 0 || sig > 64)
    return type_error(env, "setParentDeathSignal expects a signal number");
#ifdef __linux__
  if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig) != 0) return throw_sys(env, errno, "prctl(PR_SET_PDEATHSIG)", NULL);
  return NULL;
#else
  return throw_sys(env, EOPNOTSUPP, "prctl(PR_SET_PDEATHSIG)", NULL);
#endif
}

static napi_value is_supported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
#if defined(__linux__) && defined(SO_REUSEPORT) && defined(SO_ATTACH_REUSEPORT_CBPF)
  CHECK(napi_get_boolean(env, true, &v));
#else
  CHECK(napi_get_boolean(env, false, &v));
#endif
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openListener", NULL, open_listener, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openUnixListener", NULL, open_unix_listener, NULL, NULL, NULL, napi_enumerable, NULL},
      {"localPort", NULL, local_port, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachCpuSteering", NULL, attach_cpu_steering, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachSlotSteering", NULL, attach_slot_steering, NULL, NULL, NULL, napi_enumerable, NULL},
      {"detachSteering", NULL, detach_steering, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setCpuAffinity", NULL, set_cpu_affinity, NULL, NULL, NULL, napi_enumerable, NULL},
      {"usableCpus", NULL, usable_cpus, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setParentDeathSignal", NULL, set_parent_death_signal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isSupported", NULL, is_supported, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendMany", NULL, send_many, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendUnixDatagram", NULL, send_unix_datagram, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setCloseOnExec", NULL, set_close_on_exec, NULL, NULL, NULL, napi_enumerable, NULL},
      {"socketInfo", NULL, socket_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createProgressCells", NULL, create_progress_cells, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachProgressCell", NULL, attach_progress_cell, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startStallMonitor", NULL, start_stall_monitor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watchStalls", NULL, watch_stalls, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopStallMonitor", NULL, stop_stall_monitor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"acceptQueueLength", NULL, accept_queue_length, NULL, NULL, NULL, napi_enumerable, NULL},
      {"acceptQueued", NULL, accept_queued, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connectionPair", NULL, connection_pair, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendConnections", NULL, send_connections, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unsentConnections", NULL, unsent_connections, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receiveConnections", NULL, receive_connections, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
