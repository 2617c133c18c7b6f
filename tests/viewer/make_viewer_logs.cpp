// Writes the viewer's CLI test logs into the directory given:
//   two_tags.tswap       six blocks of two nested tags, two steps (two_tags_log.h)
//   two_tags_torn.tswap  the same log cut 40 bytes into its last records chunk
//   device.tswap         a version 2 log with device-timed copies and layers,
//                        backward spans and allocator samples (device_logs.h)
//   untimed.tswap        the same run on a device that cannot time its copies
//   device_extremes.tswap  version 2 kinds with hostile values (device_logs.h)
// and the hostile ones of hostile_logs.h (issue 10):
//   step_20m.tswap       three steps from step 20,000,000
//   step_max.tswap       steps 2^32-3 .. 2^32-1
//   time_2e63.tswap      one swap within 5 us from 2^63 ns
//   time_max.tswap       the same, ending at 2^64-1 ns
//   one_event.tswap      a single event (at 2^64-1 ns)
//   one_instant.tswap    three events at one time (a zero-length range)
//   out_of_range.tswap   ids beyond the string tables, layer 65535, values at their largest
//   many_tags.tswap      65,535 tags x 16 layers (1M events, 36 MB)
// and the ranks of one run (rank_logs.h, issue 15), in DIR/ranks:
//   ranks/run.1.tswap    rank 1, its clock 2 us behind rank 0's, 2 MB swapped
//   ranks/run.0.tswap    rank 0, 1 MB swapped
//   other_run.tswap      rank 1 of another run; unaligned.tswap rank 1 without an offset

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "device_logs.h"
#include "hostile_logs.h"
#include "rank_logs.h"
#include "two_tags_log.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  tswap_test::LogBuilder torn = tswap_test::two_tags_log(false);
  torn.bytes().resize(torn.bytes().size() - 40);
  const bool ok =
      tswap_test::write_log_file(dir + "/two_tags.tswap", tswap_test::two_tags_log().bytes()) &&
      tswap_test::write_log_file(dir + "/two_tags_torn.tswap", torn.bytes()) &&
      tswap_test::write_log_file(dir + "/device.tswap", tswap_test::device_log().bytes()) &&
      tswap_test::write_log_file(dir + "/untimed.tswap", tswap_test::untimed_log().bytes()) &&
      tswap_test::write_log_file(dir + "/device_extremes.tswap",
                                 tswap_test::device_extremes_log().bytes()) &&
      tswap_test::write_log_file(dir + "/step_20m.tswap",
                                 tswap_test::steps_log(20000000, 3).bytes()) &&
      tswap_test::write_log_file(dir + "/step_max.tswap",
                                 tswap_test::steps_log(4294967293u, 3).bytes()) &&
      tswap_test::write_log_file(dir + "/time_2e63.tswap",
                                 tswap_test::times_log(std::uint64_t{1} << 63).bytes()) &&
      tswap_test::write_log_file(dir + "/time_max.tswap",
                                 tswap_test::times_log(tswap_test::kLatestBase).bytes()) &&
      tswap_test::write_log_file(dir + "/one_event.tswap",
                                 tswap_test::instant_log(~std::uint64_t{0}, 1).bytes()) &&
      tswap_test::write_log_file(dir + "/one_instant.tswap",
                                 tswap_test::instant_log(1000, 3).bytes()) &&
      tswap_test::write_log_file(dir + "/out_of_range.tswap",
                                 tswap_test::out_of_range_log().bytes()) &&
      tswap_test::write_log_file(dir + "/many_tags.tswap",
                                 tswap_test::many_tags_log(65535, 16).bytes());
  tswap_test::RankClock r0, r1, other, unaligned;
  r1.rank = other.rank = unaligned.rank = 1;
  r1.offset_ns = 2000;
  r1.start_ns = 1500;
  r1.bytes = 2000000;
  other.run_id = "run-b";
  unaligned.aligned = false;
  std::filesystem::create_directories(dir + "/ranks");
  const bool ranks_ok =
      tswap_test::write_log_file(dir + "/ranks/run.0.tswap", tswap_test::rank_log(r0).bytes()) &&
      tswap_test::write_log_file(dir + "/ranks/run.1.tswap", tswap_test::rank_log(r1).bytes()) &&
      tswap_test::write_log_file(dir + "/other_run.tswap", tswap_test::rank_log(other).bytes()) &&
      tswap_test::write_log_file(dir + "/unaligned.tswap", tswap_test::rank_log(unaligned).bytes());
  if (!ok || !ranks_ok) {
    std::fprintf(stderr, "cannot write the logs in %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
