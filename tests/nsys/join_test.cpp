// tswap::nsys::join on a log and a capture built by hand (join_files.h).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <tswap/nsys/join.h>

#include "join_files.h"

namespace tswap::nsys {
namespace {

using testing::CaptureShape;
using trace::CopyDirection;

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "tswap_nsys_join_tests";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

Join join_with(const CaptureShape& shape, const std::string& name) {
  const std::string path = temp_path(name + ".sqlite");
  testing::write_join_capture(path, shape);
  return join(testing::join_log().parse("run.tswap"), Capture::load(path));
}

std::string join_error(const CaptureShape& shape, const std::string& name) {
  try {
    join_with(shape, name);
  } catch (const JoinError& e) {
    return e.what();
  }
  return "joined";
}

void expect_the_run(const Join& j, std::int64_t shift) {
  EXPECT_EQ(j.pid, testing::kRunPid);
  EXPECT_EQ(j.log_zero, 5000 + shift);
  EXPECT_EQ(j.ranges_matched, 4u);
  EXPECT_EQ(j.residual_max_ns, 3u);
  EXPECT_EQ(j.residual_median_ns, 0u);
  EXPECT_EQ(j.logged_copies, 4u);
  ASSERT_EQ(j.copies.size(), 2u);
  const JoinedCopy& out = j.copies[0];
  EXPECT_EQ(out.direction, CopyDirection::out);
  EXPECT_EQ(out.operation, 7u);
  EXPECT_EQ(out.key, (trace::SwapKey{1, 1, 0, 0}));
  EXPECT_EQ(out.api_start, 5110 + shift);
  EXPECT_EQ(out.gpu_start, 5200 + shift);
  EXPECT_EQ(out.gpu_end, 5600 + shift);
  EXPECT_EQ(out.stream, 14u);
  EXPECT_EQ(out.queue_delay_ns(), 90);
  EXPECT_EQ(out.overlapped_ns, 200u);
  EXPECT_EQ(out.exposed_ns(), 200u);
  const JoinedCopy& back = j.copies[1];
  EXPECT_EQ(back.direction, CopyDirection::back);
  EXPECT_EQ(back.operation, 8u);
  EXPECT_EQ(back.overlapped_ns, 50u);
  EXPECT_EQ(back.exposed_ns(), 150u);
  EXPECT_DOUBLE_EQ(*j.gb_per_s(CopyDirection::out), 4096.0 / 400.0);
  EXPECT_DOUBLE_EQ(*j.gb_per_s(CopyDirection::back), 4096.0 / 200.0);
  EXPECT_DOUBLE_EQ(*j.overlap_share(), 250.0 / 600.0);
  ASSERT_EQ(j.unmatched.size(), 2u);
  EXPECT_EQ(j.unmatched[0].operation, 9u);
  EXPECT_EQ(j.unmatched[0].why, "no CUDA runtime call inside its NVTX range");
  EXPECT_EQ(j.unmatched[1].operation, 10u);
  EXPECT_EQ(j.unmatched[1].why, "no NVTX range with its operation id in the capture");
}

TEST(NsysJoin, MatchesEveryLoggedCopyByOperationIdAndCorrelationId) {
  expect_the_run(join_with({}, "clean"), 0);
}

TEST(NsysJoin, NegativeCaptureTimesJoinTheSame) {
  CaptureShape shape;
  shape.shift = -1'000'000;
  expect_the_run(join_with(shape, "negative"), -1'000'000);
}

TEST(NsysJoin, AnotherProcessWithTheSameIdsIsLeftOut) {
  CaptureShape shape;
  shape.other_process = true;
  expect_the_run(join_with(shape, "other_process"), 0);
}

TEST(NsysJoin, ExtendedPayloadsJoinTheSameAndGiveEachCopyItsRangesBytes) {
  CaptureShape shape;
  shape.extended_payloads = true;
  shape.other_process = true;
  const Join j = join_with(shape, "extended");
  expect_the_run(j, 0);
  EXPECT_EQ(j.ranges_without_id, 0u);
  EXPECT_EQ(j.copies[0].nvtx_bytes, 4096u);
  EXPECT_EQ(j.copies[1].nvtx_bytes, 4096u);
}

TEST(NsysJoin, ExtendedPayloadsWhoseSchemaTheExportLacksAreCountedNotGuessed) {
  CaptureShape shape;
  shape.extended_payloads = true;
  shape.payload_schema_listed = false;
  const Join j = join_with(shape, "extended_no_schema");
  EXPECT_EQ(j.ranges_without_id, 4u);
  EXPECT_EQ(j.ranges_matched, 0u);
  EXPECT_TRUE(j.copies.empty());
  ASSERT_EQ(j.unmatched.size(), 4u);
  EXPECT_EQ(j.unmatched[0].why, "no NVTX range with its operation id in the capture");
}

TEST(NsysJoin, EventTypesAndCopyKindsAreReadByTheNamesTheExportGivesThem) {
  CaptureShape shape;
  shape.renumbered_enums = true;  // 59 is not a push/pop range there, 1 is DtoD
  expect_the_run(join_with(shape, "renumbered"), 0);
}

TEST(NsysJoin, WithoutKernelsNothingOverlaps) {
  CaptureShape shape;
  shape.kernels = false;  // the capture has no kernel table at all
  const Join j = join_with(shape, "no_kernels");
  ASSERT_EQ(j.copies.size(), 2u);
  EXPECT_EQ(j.kernel_ns, 0u);
  EXPECT_DOUBLE_EQ(*j.overlap_share(), 0.0);
  EXPECT_EQ(j.copies[0].exposed_ns(), 400u);
}

TEST(NsysJoin, ACaptureOfAnotherRunIsRefused) {
  CaptureShape shape;
  shape.mark_payload = 999;
  EXPECT_THAT(join_error(shape, "another_run"),
              ::testing::EndsWith(": the capture is of another run: its tensorswap session marks "
                                  "say the log clock starts at CLOCK_MONOTONIC 999 ns, this "
                                  "log's at 1000 ns (pid 42)"));
}

TEST(NsysJoin, ACaptureWithoutTheDomainSaysHowToCapture) {
  CaptureShape shape;
  shape.tensorswap_domain = false;
  EXPECT_THAT(join_error(shape, "no_domain"),
              ::testing::HasSubstr("the capture has no tensorswap NVTX domain: capture with NVTX "
                                   "tracing on (nsys profile --trace=cuda,nvtx)"));
}

TEST(NsysJoin, ACaptureWithoutTheSessionMarkSaysWhy) {
  CaptureShape shape;
  shape.session_mark = false;
  EXPECT_THAT(join_error(shape, "no_mark"),
              ::testing::HasSubstr("the capture has the tensorswap domain but no session mark"));
}

}  // namespace
}  // namespace tswap::nsys
