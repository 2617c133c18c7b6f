// The reader: what a good log holds, and a clear error naming file and
// offset for every way a file can be wrong; never a crash.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <tswap/trace/trace.h>

#include "log_builder.h"

namespace tswap_test {
namespace {

using ::testing::HasSubstr;
using tswap::trace::EventKind;
using tswap::trace::Trace;
using tswap::trace::TraceError;

LogBuilder small_log() {
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::d2h_queued, 100, 0, 0, 4096, 1),
                   rec(EventKind::release, 300, 0, 0, 4096, 0, 0, 1)})
      .records(2, {rec(EventKind::d2h_start, 150, 0, 0, 4096, 1),
                   rec(EventKind::d2h_done, 250, 0, 0, 4096, 1)})
      .end(4);
  return b;
}

/// The TraceError that parsing `bytes` throws (fails the test if none).
TraceError parse_error(const std::vector<std::uint8_t>& bytes) {
  try {
    Trace::parse(bytes.data(), bytes.size(), "bad.tswap");
  } catch (const TraceError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a TraceError";
  return TraceError(TraceError::Kind::corrupt, "", 0, "");
}

TEST(Reader, ReadsNamesEventsInTimeOrderAndCompleteness) {
  const Trace t = small_log().parse();
  EXPECT_EQ(t.tag(1), "model.layer.*");
  EXPECT_EQ(t.stream(2), "h2d");
  EXPECT_EQ(t.thread(2), "copier");
  EXPECT_EQ(t.tag(99), "");
  ASSERT_EQ(t.events().size(), 4u);
  // Two threads' chunks, merged by time.
  EXPECT_EQ(t.events()[0].event_kind(), EventKind::d2h_queued);
  EXPECT_EQ(t.events()[1].event_kind(), EventKind::d2h_start);
  EXPECT_EQ(t.events()[1].thread, 2);
  EXPECT_EQ(t.events()[2].event_kind(), EventKind::d2h_done);
  EXPECT_EQ(t.events()[3].event_kind(), EventKind::release);
  EXPECT_EQ(t.events()[3].thread, 1);
  EXPECT_EQ(t.duration_ns(), 200u);
  EXPECT_TRUE(t.completeness().clean_end);
  EXPECT_EQ(t.completeness().records_written, 4u);
  EXPECT_EQ(t.completeness().bytes_lost, 0u);
  EXPECT_EQ(t.header().pid, 42u);
}

/// The events' (time, index) pairs, in the order the trace holds them.
std::vector<std::pair<std::uint64_t, std::uint32_t>> order_of(const Trace& t) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
  for (const auto& e : t.events()) out.emplace_back(e.host_ns, e.index);
  return out;
}

TEST(Reader, MergesThreadsByTimeTheEarlierThreadFirstAtEqualTimes) {
  // Each thread's chunks are in time order; the file is not. Thread 1
  // appears first: its events go before thread 2's at equal times.
  auto at = [](std::uint64_t ns, std::uint32_t index) { return rec(EventKind::unpack, ns, 0, index); };
  LogBuilder b;
  b.standard_names()
      .records(1, {at(100, 0), at(200, 1), at(300, 2)})
      .records(2, {at(200, 10), at(250, 11)})
      .records(1, {at(300, 3), at(400, 4)})
      .records(2, {at(300, 12)})
      .end(8);
  using P = std::pair<std::uint64_t, std::uint32_t>;
  EXPECT_THAT(order_of(b.parse()), ::testing::ElementsAre(P{100, 0}, P{200, 1}, P{200, 10}, P{250, 11},
                                                          P{300, 2}, P{300, 3}, P{300, 12}, P{400, 4}));
}

TEST(Reader, ALogInTimeOrderInTheFileKeepsFileOrderAtEqualTimes) {
  auto at = [](std::uint64_t ns, std::uint32_t index) { return rec(EventKind::unpack, ns, 0, index); };
  LogBuilder b;
  b.standard_names().records(1, {at(100, 0)}).records(2, {at(200, 10)}).records(1, {at(200, 1)}).end(3);
  using P = std::pair<std::uint64_t, std::uint32_t>;
  EXPECT_THAT(order_of(b.parse()), ::testing::ElementsAre(P{100, 0}, P{200, 10}, P{200, 1}));
}

TEST(Reader, AThreadWhoseEventsGoBackInTimeIsSortedStably) {
  auto at = [](std::uint64_t ns, std::uint32_t index) { return rec(EventKind::unpack, ns, 0, index); };
  LogBuilder b;
  b.standard_names().records(1, {at(300, 0), at(100, 1), at(300, 2)}).records(2, {at(200, 10)}).end(4);
  using P = std::pair<std::uint64_t, std::uint32_t>;
  EXPECT_THAT(order_of(b.parse()), ::testing::ElementsAre(P{100, 1}, P{200, 10}, P{300, 0}, P{300, 2}));
}

TEST(Reader, AnEmptyFileSaysSo) {
  const TraceError e = parse_error({});
  EXPECT_EQ(e.kind(), TraceError::Kind::empty);
  EXPECT_STREQ(e.what(), "bad.tswap: empty file");
}

TEST(Reader, AnotherKindOfFileIsNotALog) {
  const std::string text = "PK\x03\x04 this is a zip file, not a log";
  const TraceError e = parse_error(std::vector<std::uint8_t>(text.begin(), text.end()));
  EXPECT_EQ(e.kind(), TraceError::Kind::not_a_log);
  EXPECT_THAT(e.what(), HasSubstr("bad.tswap: not a tensorswap log at byte offset 0"));
}

TEST(Reader, ANewerVersionIsRefusedNamingBoth) {
  LogBuilder b = small_log();
  const std::uint32_t newer = tswap::trace::kFormatVersion + 1;
  std::memcpy(b.bytes().data() + 8, &newer, sizeof newer);
  const TraceError e = parse_error(b.bytes());
  EXPECT_EQ(e.kind(), TraceError::Kind::unsupported_version);
  EXPECT_EQ(e.offset(), 8u);
  EXPECT_THAT(e.what(), HasSubstr("format version " + std::to_string(newer) + "; this reader knows versions 1 to " +
                                  std::to_string(tswap::trace::kFormatVersion)));
}

TEST(Reader, ACutHeaderIsCorrupt) {
  std::vector<std::uint8_t> bytes = small_log().bytes();
  bytes.resize(100);
  const TraceError e = parse_error(bytes);
  EXPECT_EQ(e.kind(), TraceError::Kind::corrupt);
  EXPECT_THAT(e.what(), HasSubstr("the header is cut short (100 of 256 bytes)"));
}

TEST(Reader, ATornLastChunkLoadsWhatCameBeforeAndSaysWhatWasLost) {
  LogBuilder b = small_log();
  const std::size_t full = b.bytes().size();
  b.bytes().resize(full - 10);  // the end chunk is torn
  const Trace t = b.parse();
  EXPECT_EQ(t.events().size(), 4u);
  EXPECT_FALSE(t.completeness().clean_end);
  EXPECT_EQ(t.completeness().bytes_lost, sizeof(tswap::trace::ChunkHeader) + 32 - 10);
  EXPECT_EQ(t.completeness().bytes_read, full - 64);
}

TEST(Reader, AFlippedPayloadByteFailsTheChecksumAtItsChunk) {
  LogBuilder b = small_log();
  const std::size_t first_records_chunk = b.chunk_offset(1);
  b.bytes()[first_records_chunk + 32 + 5] ^= 0xff;
  const TraceError e = parse_error(b.bytes());
  EXPECT_EQ(e.kind(), TraceError::Kind::corrupt);
  EXPECT_EQ(e.offset(), first_records_chunk);
  EXPECT_THAT(e.what(), HasSubstr("chunk 1 fails its checksum"));
}

TEST(Reader, GarbageWhereAChunkShouldStartIsCorrupt) {
  LogBuilder b = small_log();
  b.bytes()[256] = 'X';
  const TraceError e = parse_error(b.bytes());
  EXPECT_EQ(e.offset(), 256u);
  EXPECT_THAT(e.what(), HasSubstr("expected a chunk header"));
}

TEST(Reader, AnUnknownEventKindIsCorrupt) {
  LogBuilder b;
  tswap::trace::Record r = rec(EventKind::stall, 10, 0);
  r.kind = 200;
  b.standard_names().records(1, {r});
  const TraceError e = parse_error(b.bytes());
  EXPECT_THAT(e.what(), HasSubstr("unknown event kind 200"));
}

TEST(Reader, ChunksOutOfSequenceAreCorrupt) {
  LogBuilder a = small_log();
  // Drop the strings chunk: the next chunk says 1 where 0 was expected.
  std::vector<std::uint8_t> bytes(a.bytes().begin(), a.bytes().begin() + 256);
  bytes.insert(bytes.end(), a.bytes().begin() + static_cast<long>(a.chunk_offset(1)),
               a.bytes().end());
  EXPECT_THAT(parse_error(bytes).what(), HasSubstr("chunk number 1 where 0 was expected"));
}

TEST(Reader, UnknownChunkTypesFromNewerWritersAreSkipped) {
  LogBuilder b;
  b.standard_names();
  const std::uint64_t future[2] = {1, 2};
  tswap::trace::append_chunk(b.bytes(), static_cast<tswap::trace::ChunkType>(77), 0, 2, future,
                             sizeof future, 1);
  EXPECT_NO_THROW(b.parse());
}

TEST(Reader, TruncationAnywhereNeverCrashesAndNeverReadsPastTheEnd) {
  // Every prefix of a valid log either loads (losing the tail) or is
  // refused with a typed error. Run under AddressSanitizer to catch reads
  // past the end.
  const std::vector<std::uint8_t> full = small_log().bytes();
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    try {
      const Trace t = Trace::parse(cut.data(), cut.size(), "cut.tswap");
      EXPECT_GE(n, 256u);
      EXPECT_EQ(t.completeness().bytes_read + t.completeness().bytes_lost, n) << n;
    } catch (const TraceError& e) {
      EXPECT_LT(n, 256u) << "only a cut header is an error; at " << n << ": " << e.what();
    }
  }
}

TEST(Reader, EveryFlippedByteIsLoadedOrRefusedNeverACrash) {
  const std::vector<std::uint8_t> full = small_log().bytes();
  for (std::size_t i = 0; i < full.size(); ++i) {
    std::vector<std::uint8_t> bad = full;
    bad[i] ^= 0x5a;
    try {
      Trace::parse(bad.data(), bad.size(), "flipped.tswap");
    } catch (const TraceError&) {
    }
  }
}

TEST(Reader, FilesThatCannotBeOpenedNameTheFile) {
  try {
    Trace::load("/nonexistent/run.tswap");
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(e.kind(), TraceError::Kind::cannot_open);
    EXPECT_STREQ(e.what(), "/nonexistent/run.tswap: cannot open: no such file");
  }
  const std::string dir = std::filesystem::temp_directory_path().string();
  try {
    Trace::load(dir);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), dir + ": cannot open: not a regular file");
  }
}

TEST(Reader, LoadsFromDiskWhatParseReadsFromMemory) {
  LogBuilder b = small_log();
  const std::string path =
      (std::filesystem::temp_directory_path() / "tswap-reader-test.tswap").string();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.bytes().data()),
             static_cast<std::streamsize>(b.bytes().size()));
  const Trace t = Trace::load(path);
  std::remove(path.c_str());
  EXPECT_EQ(t.path(), path);
  EXPECT_EQ(t.events().size(), 4u);
  EXPECT_EQ(t.file_bytes(), b.bytes().size());
}

}  // namespace
}  // namespace tswap_test

namespace tswap_test {
namespace {

TEST(Reader, ReportsProgressAndCanBeCancelled) {
  LogBuilder b;
  b.standard_names();
  for (int i = 0; i < 200; ++i) b.records(1, {rec(EventKind::kept, 10 + i, 0)});
  std::vector<std::uint64_t> seen;
  const auto total = b.bytes().size();
  b.parse("p.tswap");  // no callback: fine
  tswap::trace::Trace::parse(b.bytes().data(), total, "p.tswap", [&](std::uint64_t done, std::uint64_t all) {
    EXPECT_EQ(all, total);
    seen.push_back(done);
    return true;
  });
  ASSERT_GE(seen.size(), 3u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_THROW(tswap::trace::Trace::parse(b.bytes().data(), total, "p.tswap",
                                          [](std::uint64_t, std::uint64_t) { return false; }),
               tswap::trace::LoadCancelled);
}

}  // namespace
}  // namespace tswap_test

namespace tswap_test {
namespace {

// Note [After the end] (trace.h): loaded, counted, the first end's counts.
TEST(Reader, EndChunksAfterTheFirstAreCountedAndTheFirstsCountsKept) {
  LogBuilder b = small_log();
  b.end(99, 7).end(100, 8);
  const Trace t = b.parse();
  const tswap::trace::Completeness& c = t.completeness();
  EXPECT_TRUE(c.clean_end);
  EXPECT_EQ(c.records_written, 4u);
  EXPECT_EQ(c.records_dropped, 0u);
  EXPECT_EQ(c.end_offset, b.chunk_offset(3));
  EXPECT_EQ(c.extra_end_chunks, 2u);
  EXPECT_THAT(c.extra_end_offsets, ::testing::ElementsAre(b.chunk_offset(4), b.chunk_offset(5)));
  EXPECT_EQ(c.chunks_after_end, 0u);
  EXPECT_EQ(c.chunks, 6u);
}

TEST(Reader, ChunksAfterTheEndAreLoadedAndCounted) {
  LogBuilder b = small_log();
  b.records(1, {rec(EventKind::kept, 900, 0), rec(EventKind::kept, 901, 0)})
      .records(2, {rec(EventKind::kept, 902, 0)});
  const Trace t = b.parse();
  const tswap::trace::Completeness& c = t.completeness();
  EXPECT_TRUE(c.clean_end);
  EXPECT_EQ(t.events().size(), 7u);
  EXPECT_EQ(c.chunks_after_end, 2u);
  EXPECT_EQ(c.events_after_end, 3u);
  EXPECT_EQ(c.first_after_end_offset, b.chunk_offset(4));
  EXPECT_EQ(c.extra_end_chunks, 0u);
}

TEST(Reader, ALogWithoutEndCutAtAChunkBoundarySaysSo) {
  LogBuilder b;
  b.standard_names().records(1, {rec(EventKind::kept, 10, 0)});
  const Trace t = b.parse();
  EXPECT_FALSE(t.completeness().clean_end);
  EXPECT_TRUE(t.completeness().ends_at_chunk_boundary());
  EXPECT_EQ(t.completeness().chunks, 2u);
  EXPECT_EQ(t.completeness().bytes_read, b.bytes().size());
  EXPECT_FALSE(small_log().parse().completeness().ends_at_chunk_boundary());
}

TEST(Reader, ReadsTheStoppedChunkAWriterLeavesWhenAWriteFails) {
  LogBuilder b;
  b.standard_names().records(1, {rec(EventKind::kept, 10, 0)});
  const std::size_t at = b.bytes().size();
  tswap::trace::StoppedPayload stopped{1, 28 /* ENOSPC */, 0, 262176, 0};
  tswap::trace::append_chunk(b.bytes(), tswap::trace::ChunkType::stopped, 0, 1, &stopped,
                             sizeof stopped, 2);
  const Trace t = b.parse();
  EXPECT_TRUE(t.completeness().writer_stopped);
  EXPECT_EQ(t.completeness().writer_stopped_offset, at);
  EXPECT_EQ(t.completeness().writer_error, 28);
  EXPECT_FALSE(t.completeness().clean_end);
  EXPECT_EQ(t.events().size(), 1u);
}

TEST(Printable, EscapesControlCharactersAndInvalidUtf8AndKeepsTheRest) {
  using tswap::trace::printable;
  EXPECT_EQ(printable("model.layer.*"), "model.layer.*");
  EXPECT_EQ(printable("evil\x1b[2J"), "evil\\x1b[2J");
  EXPECT_EQ(printable(std::string("a\0b\n\r\t\x7f", 7)), "a\\x00b\\x0a\\x0d\\x09\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\xc2\\x9b31m") << "C1 control (CSI)";
  EXPECT_EQ(printable("bad\xff\xfe"), "bad\\xff\\xfe");
  EXPECT_EQ(printable("cut\xc3"), "cut\\xc3") << "a sequence cut short";
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf") << "overlong";
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80") << "a surrogate";
}

}  // namespace
}  // namespace tswap_test
