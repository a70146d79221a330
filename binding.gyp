{
  "targets": [
    {
      "target_name": "volley_native",
      "sources": ["native/fd-passing.c", "native/napi-args.c", "native/reuseport.c", "native/send-many.c", "native/socket-tools.c", "native/stall-monitor.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
