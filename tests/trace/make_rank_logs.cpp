// Writes the ranks of rank_logs.h into the directory given, for the
// tswap-log tests: run/run.{0,1,2}.tswap (one run), other/run.1.tswap (rank
// 1 of another run), dup/run.1.tswap (rank 1 again), unranked.tswap (no
// rank in its header) and an empty directory, empty/.

#include <cstdio>
#include <filesystem>
#include <string>

#include "rank_logs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tswap_make_rank_logs DIR\n");
    return 2;
  }
  namespace ranks = tswap_test::ranks;
  const std::filesystem::path dir = argv[1];
  for (const char* sub : {"run", "other", "dup", "empty"})
    std::filesystem::create_directories(dir / sub);
  auto write = [&](const char* name, tswap_test::LogBuilder b) {
    return tswap_test::write_log_file((dir / name).string(), b.bytes());
  };
  const bool ok =
      write("run/run.0.tswap", ranks::rank0()) && write("run/run.1.tswap", ranks::rank1()) &&
      write("run/run.2.tswap", ranks::rank2()) &&
      write("other/run.1.tswap", ranks::rank1("job-8")) &&
      write("dup/run.1.tswap", ranks::rank1()) && write("unranked.tswap", ranks::unranked());
  return ok ? 0 : 1;
}
