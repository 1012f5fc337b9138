{
  "targets": [
    {
      "target_name": "phonemic_alsa",
      "sources": [
        "native/addon.cc",
        "native/alsa_log.cc",
        "native/cards.cc",
        "native/hw.cc",
        "native/pcm.cc",
        "native/writer.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "libraries": ["-lasound"]
    }
  ]
}
