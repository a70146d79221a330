#ifndef VOLLEY_STALL_MONITOR_H
#define VOLLEY_STALL_MONITOR_H
#include <node_api.h>

napi_value create_progress_cells(napi_env env, napi_callback_info info);
napi_value attach_progress_cell(napi_env env, napi_callback_info info);
napi_value start_stall_monitor(napi_env env, napi_callback_info info);
napi_value watch_stalls(napi_env env, napi_callback_info info);
napi_value stop_stall_monitor(napi_env env, napi_callback_info info);
napi_value accept_queue_length(napi_env env, napi_callback_info info);
napi_value accept_queued(napi_env env, napi_callback_info info);

#endif
