// Writes the hand-built logs of stall_logs.h into the directory given, for
// the tswap-log tests: nested_stalls.tswap (two nested tags sharing their
// copy streams, the outer waiting behind the inner's copies) and
// outer_alone.tswap (the same run with the outer tag alone, to compare).

#include <cstdio>
#include <string>

#include "stall_logs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tswap_make_tuning_logs DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok =
      tswap_test::write_log_file(dir + "/nested_stalls.tswap",
                                 tswap_test::stalls::nested_shared_stream_log().bytes()) &&
      tswap_test::write_log_file(dir + "/outer_alone.tswap",
                                 tswap_test::stalls::outer_alone_log().bytes());
  return ok ? 0 : 1;
}
