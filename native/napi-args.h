#ifndef VOLLEY_NAPI_ARGS_H
#define VOLLEY_NAPI_ARGS_H
#include <node_api.h>
#include <stdint.h>

/* Throws a TypeError (code ERR_INVALID_ARG_TYPE) with `msg`; returns NULL for the caller to return. */
napi_value type_error(napi_env env, const char *msg);

/*
 * Reads a JS number that is an integer within int32 range into *out: 1, else 0. Not
 * napi_get_value_int32 alone: it turns NaN and Infinity into 0 and truncates 80.5 to 80 and
 * 2**32 + 80 to 80, so closeFd(NaN) would close stdin and { port: NaN } would bind a random port.
 */
int int_arg(napi_env env, napi_value v, int32_t *out);

/* A JS number for `n` (exact up to 2**53: fds, counts, byte sizes). */
napi_value make_int(napi_env env, int64_t n);

#endif
