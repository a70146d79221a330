/*
 * sendMany(fds, data, results): the same bytes to many sockets in one call from JavaScript.
 *
 * Why: a WebSocketRoom writes one pre-built frame to every member. Through Node's stream
 * (socket.write), each member costs about 3 µs of JavaScript and libuv bookkeeping on top of
 * the system call (measured on the fan-out benchmark: ~30% of a worker's CPU per delivered
 * frame). Here each member costs the send(2) alone. The caller only passes sockets with nothing
 * queued in Node or libuv, so a direct send cannot reorder bytes, and it hands whatever the
 * kernel did not take (a full socket buffer, an error) back to socket.write().
 */
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <sys/socket.h>

#include "send-many.h"

napi_value send_many(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "sendMany(fds: Int32Array, data: Buffer, results: Int32Array)");
    return NULL;
  }
  napi_typedarray_type fd_type, res_type;
  size_t nfds, nres;
  void *fd_data, *res_data;
  void *bytes;
  size_t len;
  if (napi_get_typedarray_info(env, argv[0], &fd_type, &nfds, &fd_data, NULL, NULL) != napi_ok ||
      fd_type != napi_int32_array ||
      napi_get_buffer_info(env, argv[1], &bytes, &len) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &res_type, &nres, &res_data, NULL, NULL) != napi_ok ||
      res_type != napi_int32_array || nres < nfds) {
    napi_throw_type_error(env, NULL, "sendMany(fds: Int32Array, data: Buffer, results: Int32Array of at least fds.length)");
    return NULL;
  }
  const int32_t *fds = fd_data;
  int32_t *results = res_data;
  for (size_t i = 0; i < nfds; i++) {
    /* MSG_NOSIGNAL: a peer that is gone is an EPIPE result, not a SIGPIPE. */
    ssize_t n = send(fds[i], bytes, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    results[i] = n >= 0 ? (int32_t)n : -errno;
  }
  return NULL;
}
