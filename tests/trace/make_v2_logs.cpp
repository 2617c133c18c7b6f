// Writes the crafted version 2 logs of v2_logs.h into the directory given,
// for the tswap-log tests: device.tswap (device-timed copies and layers,
// clock anchors, allocator samples) and untimed.tswap (queued copies only).

#include <cstdio>
#include <fstream>
#include <string>

#include "v2_logs.h"

namespace {
bool write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tswap_make_v2_logs DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok = write(dir + "/device.tswap", tswap_test::v2::device_timed_log().bytes()) &&
                  write(dir + "/untimed.tswap", tswap_test::v2::untimed_log().bytes());
  return ok ? 0 : 1;
}
