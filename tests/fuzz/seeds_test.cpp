// The committed fuzz seeds load: a seed the reader rejects (a checksum
// that no longer matches, say) is a fuzzer starting point that fuzzes
// nothing, and nothing else would notice. And repair.h, which the
// consumers' fuzz target runs on every input, does what it says.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <tswap/trace/compression.h>
#include <tswap/trace/trace.h>

#include "repair.h"

namespace {

namespace fs = std::filesystem;
using tswap::trace::Trace;
using tswap::trace::TraceError;

/// The compressed seed (format version 4), which a build without zstd
/// cannot read: the others' tests leave it out there, and
/// ACompressedSeedNeedsZstd checks what such a build says of it.
const char* const kCompressedSeed = "compressed.tswap";

/// Every committed seed this build can read.
std::vector<fs::path> seeds() {
  std::vector<fs::path> out;
  for (const fs::directory_entry& e : fs::directory_iterator(TSWAP_FUZZ_CORPUS)) {
    if (e.path().extension() != ".tswap") continue;
    if (e.path().filename() == kCompressedSeed && !tswap::trace::zstd_available()) continue;
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FuzzSeeds, EverySeedLoadsWithEvents) {
  const std::vector<fs::path> all = seeds();
  ASSERT_GE(all.size(), tswap::trace::zstd_available() ? 10u : 9u) << "seeds in " << TSWAP_FUZZ_CORPUS;
  for (const fs::path& p : all) {
    try {
      const Trace t = Trace::load(p.string());
      EXPECT_GT(t.events().size(), 0u) << p;
    } catch (const TraceError& e) {
      ADD_FAILURE() << "a fuzz seed does not load (regenerate them with tswap_fuzz_make_seeds, "
                       "tests/fuzz/README.md): "
                    << e.what();
    }
  }
}

TEST(FuzzSeeds, ACompressedSeedNeedsZstd) {
  const fs::path p = fs::path(TSWAP_FUZZ_CORPUS) / kCompressedSeed;
  ASSERT_TRUE(fs::exists(p));
  if (tswap::trace::zstd_available()) {
    const Trace t = Trace::load(p.string());
    EXPECT_EQ(t.header().version, tswap::trace::kFormatVersion);
    EXPECT_TRUE(t.storage().compressed());
    return;
  }
  try {
    Trace::load(p.string());
    FAIL() << "a build without zstd read a compressed log";
  } catch (const TraceError& e) {
    EXPECT_EQ(e.kind(), TraceError::Kind::unsupported_version);
    EXPECT_NE(std::string(e.what()).find("(zstd-compressed records) does not decompress: this build "
                                         "of tensorswap has no zstd"),
              std::string::npos)
        << e.what();
  }
}

TEST(FuzzSeeds, CoverEveryEventKindAndTornAndIncompleteLogs) {
  std::set<int> kinds;
  bool torn = false, incomplete = false, dropped = false;
  std::size_t most_threads = 0, most_tags = 0, most_streams = 0;
  for (const fs::path& p : seeds()) {
    const Trace t = Trace::load(p.string());
    for (const auto& e : t.events()) kinds.insert(e.kind);
    torn |= t.completeness().bytes_lost > 0;
    incomplete |= !t.completeness().clean_end && t.completeness().bytes_lost == 0;
    dropped |= t.completeness().records_dropped > 0;
    most_threads = std::max(most_threads, t.threads().size());
    most_tags = std::max(most_tags, t.tags().size());
    most_streams = std::max(most_streams, t.streams().size());
  }
  EXPECT_EQ(kinds.size(), tswap::trace::kLastEventKind);
  EXPECT_TRUE(torn);
  EXPECT_TRUE(incomplete);
  EXPECT_TRUE(dropped);
  EXPECT_GE(most_threads, 3u);
  EXPECT_GE(most_tags, 3u);
  EXPECT_GE(most_streams, 2u);
}

TEST(FuzzRepair, MakesAMutatedSeedLoadAgain) {
  std::vector<std::uint8_t> bytes = read(fs::path(TSWAP_FUZZ_CORPUS) / "run.tswap");
  ASSERT_GT(bytes.size(), 600u);
  const std::size_t events = Trace::parse(bytes.data(), bytes.size(), "run.tswap").events().size();
  bytes[sizeof(tswap::trace::FileHeader) + 200] ^= 0x5a;  // some payload byte
  bytes[0] = 'X';                                         // and the magic
  EXPECT_THROW(Trace::parse(bytes.data(), bytes.size(), "mutated.tswap"), TraceError);
  tswap_fuzz::repair(bytes);
  const Trace t = Trace::parse(bytes.data(), bytes.size(), "repaired.tswap");
  EXPECT_GT(t.events().size(), 0u);
  EXPECT_LE(t.events().size(), events);
}

TEST(FuzzRepair, LeavesAValidLogAlone) {
  for (const fs::path& p : seeds()) {
    std::vector<std::uint8_t> bytes = read(p);
    const Trace t = Trace::parse(bytes.data(), bytes.size(), p.string());
    if (t.completeness().bytes_lost > 0) continue;  // a torn chunk is cut to fit
    const std::vector<std::uint8_t> before = bytes;
    tswap_fuzz::repair(bytes);
    EXPECT_EQ(bytes, before) << p;
  }
}

// Every version and every copy timing: what reads a version 2 log branches
// on them (copy pairing, summary, exports, the viewer's device lanes).
TEST(FuzzSeeds, CoverBothVersionsEveryCopyTimingAndDeviceTime) {
  std::set<std::uint32_t> versions;
  std::set<int> timings;
  std::set<int> device_timed;  // kinds seen with kFlagDeviceTime
  std::set<std::string> threads;
  for (const fs::path& p : seeds()) {
    const Trace t = Trace::load(p.string());
    versions.insert(t.header().version);
    timings.insert(t.header().copy_timing);
    for (const auto& e : t.events()) {
      if (e.flags & tswap::trace::kFlagDeviceTime) device_timed.insert(e.kind);
    }
    for (const auto& [id, name] : t.threads()) threads.insert(std::string(name));
  }
  // 1, the uncompressed version the recorder writes, and compressed.tswap's.
  std::set<std::uint32_t> want_versions{1, tswap::trace::kUncompressedFormatVersion};
  if (tswap::trace::zstd_available()) want_versions.insert(tswap::trace::kFormatVersion);
  EXPECT_EQ(versions, want_versions);
  EXPECT_EQ(timings.size(), 4u);  // unknown, host, device, none
  using K = tswap::trace::EventKind;
  std::set<int> want;
  for (K k : {K::layer_enter, K::layer_exit, K::d2h_start, K::d2h_done, K::h2d_start, K::h2d_done,
              K::backward_enter, K::backward_exit}) {
    want.insert(static_cast<int>(k));
  }
  EXPECT_EQ(device_timed, want);
  EXPECT_EQ(threads.count("tswap-log-writer"), 1u);
}

TEST(FuzzRepair, KeepsAVersion1LogVersion1AndItsKindsInRange) {
  std::vector<std::uint8_t> bytes = read(fs::path(TSWAP_FUZZ_CORPUS) / "v1.tswap");
  ASSERT_EQ(Trace::parse(bytes.data(), bytes.size(), "v1.tswap").header().version, 1u);
  // The first record's kind, made one that only version 2 has.
  using tswap::trace::ChunkHeader;
  tswap::trace::FileHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  for (std::size_t at = header.header_bytes; at + sizeof(ChunkHeader) <= bytes.size();) {
    ChunkHeader c;
    std::memcpy(&c, bytes.data() + at, sizeof c);
    if (c.type == static_cast<std::uint16_t>(tswap::trace::ChunkType::records) && c.count > 0) {
      bytes[at + sizeof c + offsetof(tswap::trace::Record, kind)] = 19;  // clock_anchor
      break;
    }
    at += sizeof c + c.payload_bytes;
  }
  tswap_fuzz::repair(bytes);
  const Trace t = Trace::parse(bytes.data(), bytes.size(), "repaired.tswap");
  EXPECT_EQ(t.header().version, 1u);
  for (const auto& e : t.events()) EXPECT_LE(e.kind, tswap::trace::kLastEventKindV1);
}

TEST(FuzzRepair, KeepsATornLastChunkWhenTheHeaderAsks) {
  std::vector<std::uint8_t> bytes = read(fs::path(TSWAP_FUZZ_CORPUS) / "torn.tswap");
  bytes[offsetof(tswap::trace::FileHeader, reserved)] |= 1;
  tswap_fuzz::repair(bytes);
  EXPECT_GT(Trace::parse(bytes.data(), bytes.size(), "torn.tswap").completeness().bytes_lost, 0u);
}

}  // namespace

// The seeds before b722bc7 were written with the byte-wise checksum of the
// first version-1 writer (before 6406b66): the reader says so instead of
// calling them corrupt.
TEST(OlderLogs, ByteWiseChecksumIsReportedAsWrittenByAnOlderTensorswap) {
  std::vector<std::uint8_t> bytes = read(fs::path(TSWAP_FUZZ_CORPUS) / "run.tswap");
  using tswap::trace::ChunkHeader;
  tswap::trace::FileHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  for (std::size_t at = header.header_bytes; at + sizeof(ChunkHeader) <= bytes.size();) {
    ChunkHeader c;
    std::memcpy(&c, bytes.data() + at, sizeof c);
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i < c.payload_bytes; ++i) h = (h ^ bytes[at + sizeof c + i]) * 0x100000001b3ull;
    c.checksum = h;
    std::memcpy(bytes.data() + at, &c, sizeof c);
    at += sizeof c + c.payload_bytes;
  }
  try {
    Trace::parse(bytes.data(), bytes.size(), "old.tswap");
    FAIL() << "a log with byte-wise checksums loaded";
  } catch (const TraceError& e) {
    EXPECT_EQ(e.kind(), TraceError::Kind::unsupported_version);
    EXPECT_EQ(std::string(e.what()),
              "old.tswap: unsupported format version at byte offset 512: written by an older "
              "tensorswap (byte-wise checksum); this reader checks word-wise checksums only: "
              "record the log again");
  }
}
