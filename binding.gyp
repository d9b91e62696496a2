{
  # node-gyp build of the same sources as CMakeLists.txt, with the same LibTorch discovery.
  "targets": [
    {
      "target_name": "nodetorch",
      "sources": [ "<!@(node scripts/unity-sources.js)" ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libtorch.js --include)"
      ],
      "defines": [ "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS" ],
      "cflags!": [ "-fno-exceptions", "-fno-rtti" ],
      "cflags_cc!": [ "-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17" ],
      "cflags_cc": [ "-fexceptions", "-frtti", "<!@(node scripts/find-libtorch.js --cflags)" ],
      "libraries": [
        "-L<!(node scripts/find-libtorch.js --libdir)",
        "<!@(node scripts/find-libtorch.js --rpath)",
        "-Wl,--no-as-needed",
        "<!@(node scripts/find-libtorch.js --libs)"
      ]
    }
  ]
}
