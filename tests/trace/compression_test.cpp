// zstd-compressed records chunks (format version 4): they read back as the
// same events a plain log holds, field by field; a torn one loses only
// itself; a corrupt one is named with its chunk and offset; the recorder
// writes them when asked, and refuses what it cannot do.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/compression.h>
#include <tswap/trace/trace.h>

#include "log_builder.h"

namespace tswap_test {
namespace {

using ::testing::HasSubstr;
using tswap::trace::EventKind;
using tswap::trace::Record;
using tswap::trace::Trace;
using tswap::trace::TraceError;

#define REQUIRE_ZSTD() \
  if (!tswap::trace::zstd_available()) GTEST_SKIP() << "this build has no zstd"

/// 3000 records of an engine's shapes: copies, releases, stalls, kept.
std::vector<Record> some_records(std::uint64_t from_ns) {
  std::vector<Record> r;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    const auto kind = static_cast<EventKind>(1 + i % 16);
    r.push_back(rec(kind, from_ns + i * 137, static_cast<std::uint16_t>(i % 24), i % 7,
                    (i % 5) * 1048576, static_cast<std::uint8_t>(i % 3), i % 2, i % 3, 1 + i / 500));
  }
  return r;
}

LogBuilder plain_log(const std::vector<Record>& a, const std::vector<Record>& b) {
  LogBuilder log;
  log.version4().standard_names().records(1, a).records(2, b).end(a.size() + b.size());
  return log;
}

LogBuilder compressed_log(const std::vector<Record>& a, const std::vector<Record>& b) {
  LogBuilder log;
  log.version4().standard_names().compressed_records(1, a).compressed_records(2, b).end(
      a.size() + b.size());
  return log;
}

TraceError parse_error(const LogBuilder& log) {
  try {
    log.parse("bad.tswap");
  } catch (const TraceError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a TraceError";
  return TraceError(TraceError::Kind::corrupt, "", 0, "none thrown");
}

TEST(Compression, CompressedChunksReadAsTheSameEventsFieldByField) {
  REQUIRE_ZSTD();
  const std::vector<Record> a = some_records(100), b = some_records(150);
  const Trace plain = plain_log(a, b).parse();
  const LogBuilder packed_log = compressed_log(a, b);
  const Trace packed = packed_log.parse();
  ASSERT_EQ(packed.events().size(), 6000u);
  ASSERT_EQ(packed.events().size(), plain.events().size());
  for (std::size_t i = 0; i < plain.events().size(); ++i) {
    const tswap::trace::Event &p = plain.events()[i], &c = packed.events()[i];
    ASSERT_EQ(std::memcmp(static_cast<const Record*>(&p), static_cast<const Record*>(&c),
                          sizeof(Record)),
              0)
        << "event " << i;
    ASSERT_EQ(p.thread, c.thread) << "event " << i;
  }
  EXPECT_TRUE(packed.completeness().clean_end);
  EXPECT_FALSE(plain.storage().compressed());
  EXPECT_EQ(plain.storage().records_chunks, 2u);
  EXPECT_EQ(packed.storage().compressed_chunks, 2u);
  EXPECT_EQ(packed.storage().uncompressed_bytes, 6000u * sizeof(Record));
  EXPECT_GT(packed.storage().ratio(), 2.0);
  EXPECT_LT(packed_log.parse().file_bytes(), plain.file_bytes() / 2);
}

TEST(Compression, RecordColumnsGiveBackAnyRecordsBitForBit) {
  // Times that go back, values at their limits: the deltas wrap and unwrap.
  std::vector<Record> r(257);
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (Record& one : r) {
    for (std::size_t b = 0; b < sizeof one; b += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(reinterpret_cast<std::uint8_t*>(&one) + b, &x, 8);
    }
  }
  r[3].host_ns = ~0ull;
  r[4].host_ns = 0;
  r[5].layer = 0xffff;
  std::vector<std::uint8_t> columns(r.size() * sizeof(Record));
  tswap::trace::records_to_columns(r.data(), r.size(), columns.data());
  std::vector<Record> back(r.size());
  tswap::trace::columns_to_records(columns.data(), r.size(), back.data());
  EXPECT_EQ(std::memcmp(back.data(), r.data(), r.size() * sizeof(Record)), 0);
  EXPECT_NE(std::memcmp(columns.data(), r.data(), r.size() * sizeof(Record)), 0) << "columns";
}

TEST(Compression, ATornCompressedChunkLosesOnlyItself) {
  REQUIRE_ZSTD();
  LogBuilder log;
  log.version4().standard_names().compressed_records(1, some_records(100)).compressed_records(
      2, some_records(150));
  const std::size_t last = log.chunk_offset(2);
  const std::size_t torn = (log.bytes().size() - last) / 2;
  log.bytes().resize(last + torn);  // the writer died in its last write
  const Trace t = log.parse();
  EXPECT_EQ(t.events().size(), 3000u) << "the first compressed chunk is all there";
  EXPECT_FALSE(t.completeness().clean_end);
  EXPECT_EQ(t.completeness().bytes_lost, torn);
  EXPECT_EQ(t.completeness().bytes_read, last);
}

TEST(Compression, ACorruptedCompressedChunkFailsItsChecksumAtItsOffset) {
  REQUIRE_ZSTD();
  LogBuilder log = compressed_log(some_records(100), some_records(150));
  const std::size_t at = log.chunk_offset(2);
  log.bytes()[at + sizeof(tswap::trace::ChunkHeader) + 40] ^= 0x10;
  const TraceError e = parse_error(log);
  EXPECT_EQ(e.kind(), TraceError::Kind::corrupt);
  EXPECT_EQ(e.offset(), at);
  EXPECT_THAT(e.what(), HasSubstr("corrupt log at byte offset " + std::to_string(at) +
                                  ": chunk 2 fails its checksum"));
}

TEST(Compression, AFrameThatDoesNotDecompressIsNamedWithItsChunk) {
  REQUIRE_ZSTD();
  // The checksum is right (a writer's bug, not a torn disk): the frame is not.
  std::vector<std::uint8_t> frame;
  tswap::trace::ZstdCompressor zstd(1);
  const std::vector<Record> r = some_records(100);
  ASSERT_TRUE(zstd.compress(r.data(), r.size() * sizeof(Record), frame));  // a frame of the right size
  std::vector<std::uint8_t> cut(frame.begin(), frame.begin() + static_cast<long>(frame.size() / 2));
  LogBuilder log;
  log.version4().standard_names().compressed_records(1, r, &cut).end(3000);
  TraceError e = parse_error(log);
  EXPECT_EQ(e.kind(), TraceError::Kind::corrupt);
  EXPECT_EQ(e.offset(), log.chunk_offset(1));
  EXPECT_THAT(e.what(), HasSubstr("chunk 1 (zstd-compressed records) does not decompress: zstd: "));

  // A frame of other records than the chunk says it holds.
  LogBuilder fewer;
  fewer.version4().standard_names().compressed_records(
      1, std::vector<Record>(r.begin(), r.begin() + 2999), &frame);
  e = parse_error(fewer);
  EXPECT_THAT(e.what(), HasSubstr("chunk 1 (zstd-compressed records) does not decompress: the zstd "
                                  "frame holds 96000 bytes where its records need 95968"));

  LogBuilder garbage;
  const std::vector<std::uint8_t> text = {'n', 'o', 't', ' ', 'z', 's', 't', 'd'};
  garbage.version4().standard_names().compressed_records(1, r, &text);
  EXPECT_THAT(parse_error(garbage).what(), HasSubstr("does not decompress: not a zstd frame"));
}

TEST(Compression, ABadRecordInACompressedChunkIsPlacedInItsChunk) {
  REQUIRE_ZSTD();
  std::vector<Record> r = some_records(100);
  r[5].kind = 200;
  LogBuilder log;
  log.version4().standard_names().compressed_records(1, r);
  const TraceError e = parse_error(log);
  EXPECT_EQ(e.offset(), log.chunk_offset(1));
  EXPECT_THAT(e.what(), HasSubstr("unknown event kind 200 in a version 4 log (chunk 1 "
                                  "(zstd-compressed records), byte 160 of its records)"));
}

TEST(Compression, ACompressedChunkBeforeVersion4IsCorrupt) {
  REQUIRE_ZSTD();
  LogBuilder log;
  log.ranked(tswap::trace::RunHeader{}).standard_names().compressed_records(1, some_records(100));
  const TraceError e = parse_error(log);
  EXPECT_EQ(e.offset(), log.chunk_offset(1));
  EXPECT_THAT(e.what(), HasSubstr("chunk 1 (zstd-compressed records) in a version 3 log "
                                  "(compression is version 4)"));
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tswap-compression-" + std::to_string(::getpid()) + "-" + name + ".tswap"))
      .string();
}

TEST(Compression, ACompressedSessionIsReadBackAsRecorded) {
  REQUIRE_ZSTD();
  const std::string path = temp_path("session");
  tswap::profiler::SessionOptions options;
  options.path = path;
  options.compression = tswap::profiler::Compression::zstd;
  options.compression_level = 3;
  tswap::profiler::start_session(options);
  const std::uint16_t tag = tswap::profiler::intern_tag("zstd.session.*");
  for (std::uint32_t i = 0; i < 20000; ++i) {
    tswap::profiler::Fields f;
    f.tag = tag;
    f.layer = static_cast<std::uint16_t>(i % 12);
    f.index = i;
    f.step = 1 + i / 1000;
    f.value = 1000000 + i;
    tswap::profiler::emit(EventKind::d2h_queued, f);
  }
  tswap::profiler::stop_session();
  const Trace t = Trace::load(path);
  std::remove(path.c_str());
  EXPECT_EQ(t.header().version, 4u);
  EXPECT_TRUE(t.completeness().clean_end);
  EXPECT_EQ(t.completeness().records_written, 20000u);
  EXPECT_TRUE(t.storage().compressed());
  EXPECT_EQ(t.storage().records_chunks, 0u);
  EXPECT_GT(t.storage().ratio(), 3.0);
  ASSERT_EQ(t.events().size(), 20000u);
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const tswap::trace::Event& e = t.events()[i];
    ASSERT_EQ(e.index, i);
    ASSERT_EQ(e.layer, i % 12);
    ASSERT_EQ(e.step, 1 + i / 1000);
    ASSERT_EQ(e.value, 1000000u + i);
    ASSERT_EQ(t.tag(e.tag), "zstd.session.*");
  }
}

TEST(Compression, AnUncompressedSessionStaysVersion3) {
  const std::string path = temp_path("plain");
  tswap::profiler::start_session(path);
  tswap::profiler::emit(EventKind::kept, {});
  tswap::profiler::stop_session();
  const Trace t = Trace::load(path);
  std::remove(path.c_str());
  EXPECT_EQ(t.header().version, 3u) << "older readers read it";
  EXPECT_EQ(t.storage().records_chunks, 1u);
  EXPECT_FALSE(t.storage().compressed());
}

TEST(Compression, WhatCannotBeCompressedIsRefusedAtStart) {
  const std::string path = temp_path("refused");
  tswap::profiler::SessionOptions options;
  options.path = path;
  options.compression = tswap::profiler::Compression::zstd;
  options.compression_level = tswap::trace::zstd_available() ? 1000 : 1;
  try {
    tswap::profiler::start_session(options);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    if (tswap::trace::zstd_available()) {
      EXPECT_THAT(e.what(), HasSubstr("compression zstd: zstd level 1000 is not in "));
    } else {
      EXPECT_THAT(e.what(), HasSubstr("compression zstd: this build of tensorswap has no zstd"));
    }
  }
  EXPECT_FALSE(tswap::profiler::session_active());
  EXPECT_FALSE(std::filesystem::exists(path)) << "refused before the file was made";
}

}  // namespace
}  // namespace tswap_test
