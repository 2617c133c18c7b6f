// Writes the viewer's CLI test logs into the directory given:
//   two_tags.tswap       six blocks of two nested tags, two steps (two_tags_log.h)
//   two_tags_torn.tswap  the same log cut 40 bytes into its last records chunk

#include <cstdio>
#include <fstream>
#include <string>

#include "two_tags_log.h"

namespace {

bool write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  tswap_test::LogBuilder torn = tswap_test::two_tags_log(false);
  torn.bytes().resize(torn.bytes().size() - 40);
  if (!write(dir + "/two_tags.tswap", tswap_test::two_tags_log().bytes()) ||
      !write(dir + "/two_tags_torn.tswap", torn.bytes())) {
    std::fprintf(stderr, "cannot write the logs in %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
