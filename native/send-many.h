#ifndef VOLLEY_SEND_MANY_H
#define VOLLEY_SEND_MANY_H
#include <node_api.h>

napi_value send_many(napi_env env, napi_callback_info info);

#endif
