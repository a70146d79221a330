#ifndef VOLLEY_SOCKET_TOOLS_H
#define VOLLEY_SOCKET_TOOLS_H
#include <node_api.h>

/* Defined in reuseport.c: throws an Error shaped like Node's system errors. */
napi_value throw_sys(napi_env env, int err, const char *syscall, const char *address);

napi_value send_unix_datagram(napi_env env, napi_callback_info info);
napi_value set_close_on_exec(napi_env env, napi_callback_info info);
napi_value socket_info(napi_env env, napi_callback_info info);

#endif
