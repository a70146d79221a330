/* Argument checks, and the number result, every native file shares (napi-args.h says what each does). */
#include "napi-args.h"

napi_value type_error(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

int int_arg(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  /* NaN fails both comparisons; the range check makes the cast defined. */
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || (double)(int32_t)d != d) return 0;
  *out = (int32_t)d;
  return 1;
}

napi_value make_int(napi_env env, int64_t n) {
  napi_value v = NULL;
  /* Fails only for a bad env: then NULL, which JS reads as undefined. */
  napi_create_int64(env, n, &v);
  return v;
}
