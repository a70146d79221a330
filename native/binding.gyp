{
  "targets": [
    {
      "target_name": "volley_native",
      "sources": ["reuseport.c", "send-many.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
