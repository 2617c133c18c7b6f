// Writes join_files.h's log and captures for the tswap-log nsys tests:
//   tswap_nsys_make_join_files DIR   -> run.tswap, capture.sqlite, other_run.sqlite,
//                                       extended.sqlite, extended_no_schema.sqlite

#include <cstdio>
#include <string>

#include "join_files.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  if (!tswap_test::write_log_file(dir + "/run.tswap", tswap::nsys::testing::join_log().bytes())) {
    return 1;
  }
  tswap::nsys::testing::write_join_capture(dir + "/capture.sqlite");
  tswap::nsys::testing::CaptureShape other;
  other.mark_payload = 999;
  tswap::nsys::testing::write_join_capture(dir + "/other_run.sqlite", other);
  tswap::nsys::testing::CaptureShape extended;
  extended.extended_payloads = true;
  tswap::nsys::testing::write_join_capture(dir + "/extended.sqlite", extended);
  extended.payload_schema_listed = false;
  tswap::nsys::testing::write_join_capture(dir + "/extended_no_schema.sqlite", extended);
  return 0;
}
