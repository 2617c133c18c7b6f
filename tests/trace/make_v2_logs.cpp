// Writes the crafted version 2 logs of v2_logs.h into the directory given,
// for the tswap-log tests: device.tswap (device-timed copies and layers,
// clock anchors, allocator samples) and untimed.tswap (queued copies only).

#include <cstdio>
#include <fstream>
#include <string>

#include "v2_logs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tswap_make_v2_logs DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok =
      tswap_test::write_log_file(dir + "/device.tswap",
                                 tswap_test::v2::device_timed_log().bytes()) &&
      tswap_test::write_log_file(dir + "/untimed.tswap", tswap_test::v2::untimed_log().bytes());
  return ok ? 0 : 1;
}
