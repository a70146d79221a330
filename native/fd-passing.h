#ifndef VOLLEY_FD_PASSING_H
#define VOLLEY_FD_PASSING_H
#include <node_api.h>

napi_value connection_pair(napi_env env, napi_callback_info info);
napi_value send_connections(napi_env env, napi_callback_info info);
napi_value unsent_connections(napi_env env, napi_callback_info info);
napi_value receive_connections(napi_env env, napi_callback_info info);

#endif
