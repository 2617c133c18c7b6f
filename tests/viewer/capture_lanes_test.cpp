// The lanes of an attached Nsight Systems capture (gui/model/capture_lanes.h),
// on join_files.h's log and capture, whose every time is known.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capture_files.h"
#include "capture_lanes.h"
#include "join_files.h"

namespace tswap::viewer {
namespace {

struct Attached {
  trace::Trace trace;
  Timeline timeline;
  Attachment attachment;
};

/// join_files.h's capture as `name`, with `change` made to it once written.
std::string join_capture(const std::string& name,
                         const std::function<void(const std::string&)>& change = {}) {
  const auto dir = std::filesystem::temp_directory_path() / "tswap_viewer_capture_lanes";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  nsys::testing::write_join_capture(path);
  if (change) change(path);
  return path;
}

Attachment attachment_of(const trace::Trace& trace, const std::string& capture_path) {
  auto capture = std::make_shared<const nsys::Capture>(nsys::Capture::load(capture_path));
  return Attachment::build(capture, nsys::join(trace, *capture));
}

Attached attach_join_files(const std::function<void(const std::string&)>& change = {}) {
  Attached a{nsys::testing::join_log().parse("run.tswap"), {}, {}};
  a.attachment = attachment_of(a.trace, join_capture(change ? "changed.sqlite" : "capture.sqlite", change));
  a.timeline = *Timeline::build(a.trace);
  append_capture_lanes(a.timeline, a.attachment);
  return a;
}

const Lane* lane_named(const Timeline& t, const std::string& name) {
  for (const Lane& l : t.lanes) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

TEST(CaptureLanes, OneLanePerStreamAtTheLogsTimes) {
  const Attached a = attach_join_files();
  // The log's 0 is the capture's 5000 (its session mark).
  EXPECT_EQ(a.attachment.join.log_zero, 5000);
  ASSERT_EQ(a.attachment.lanes.size(), 3u);
  const Lane* kernels = lane_named(a.timeline, "nsys stream 7");
  const Lane* d2h = lane_named(a.timeline, "nsys stream 14");
  const Lane* h2d = lane_named(a.timeline, "nsys stream 15");
  ASSERT_TRUE(kernels && d2h && h2d);
  for (const Lane* l : {kernels, d2h, h2d}) EXPECT_EQ(l->type, Lane::Type::capture);
  ASSERT_EQ(kernels->spans.size(), 2u);
  EXPECT_EQ(kernels->spans[0].begin, 0u);
  EXPECT_EQ(kernels->spans[0].end, 400u);
  EXPECT_EQ(kernels->spans[1].begin, 2250u);
  EXPECT_EQ(kernels->spans[1].end, 2500u);
  EXPECT_EQ(kernels->spans[0].kind, SpanKind::kernel);
  ASSERT_EQ(d2h->spans.size(), 1u);
  EXPECT_EQ(d2h->spans[0].begin, 200u);
  EXPECT_EQ(d2h->spans[0].end, 600u);
  EXPECT_EQ(d2h->spans[0].kind, SpanKind::d2h);
  EXPECT_EQ(d2h->spans[0].bytes, 4096u);
  ASSERT_EQ(h2d->spans.size(), 1u);
  EXPECT_EQ(h2d->spans[0].begin, 2100u);
  EXPECT_EQ(h2d->spans[0].end, 2300u);
  EXPECT_EQ(h2d->spans[0].kind, SpanKind::h2d);
  // Under the log's lanes, and the extent covers both.
  EXPECT_EQ(a.timeline.lanes.back().type, Lane::Type::capture);
  EXPECT_NE(a.timeline.lanes.front().type, Lane::Type::capture);
  EXPECT_EQ(a.timeline.first, 0u);
  EXPECT_GE(a.timeline.last, 2600u);
}

TEST(CaptureLanes, ALoggedCopyFindsItsMemcpy) {
  const Attached a = attach_join_files();
  // The log's copies are only queued (no device time): d2h L0 #0 at 100.
  std::optional<SpanRef> out, back;
  for (const Lane& lane : a.timeline.lanes) {
    if (lane.type == Lane::Type::capture) continue;
    for (const Span& s : lane.spans) {
      const auto hit = matched_memcpy(a.trace, a.timeline, a.attachment, s);
      if (s.begin == 100) out = hit;
      if (s.begin == 2000) back = hit;
      if (s.begin == 2500) {
        EXPECT_FALSE(hit);  // its range has no runtime call
      }
    }
  }
  ASSERT_TRUE(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(a.timeline.lanes[out->lane].name, "nsys stream 14");
  EXPECT_EQ(a.timeline.lanes[back->lane].name, "nsys stream 15");
  const Span& gpu = a.timeline.lanes[out->lane].spans[out->span];
  EXPECT_EQ(describe_capture(a.attachment, gpu),
            "DtoH memcpy 4.0 KiB on nsys stream 14: 400 ns (10.24 GB/s), GPU time from Nsight Systems");
  Span logged;
  logged.begin = 1000;
  logged.end = 1600;
  EXPECT_EQ(describe_match(logged, gpu), "log 600 ns, GPU 400 ns, 200 ns apart");
}

TEST(CaptureLanes, KernelsAreNamed) {
  const Attached a = attach_join_files();
  const Lane* kernels = lane_named(a.timeline, "nsys stream 7");
  ASSERT_TRUE(kernels);
  EXPECT_EQ(describe_capture(a.attachment, kernels->spans[0]), "kernel gemm on nsys stream 7: 400 ns");
}

TEST(CaptureLanes, AMemcpyOfAnotherKindIsNeitherACopyOfTheLogsNorAKernel) {
  // A DtoD memcpy of 8 KiB at the capture's 6000-6500 ns (the log's 1000-1500) on stream 16.
  const Attached a = attach_join_files([](const std::string& path) {
    tswap_test::add_memcpy(path, 6000, 6500, 8192, tswap_test::kCopyDtoD, 16);
  });
  const Lane* dtod = lane_named(a.timeline, "nsys stream 16");
  ASSERT_TRUE(dtod);
  ASSERT_EQ(dtod->spans.size(), 1u);
  EXPECT_EQ(dtod->spans[0].begin, 1000u);
  EXPECT_EQ(dtod->spans[0].end, 1500u);
  EXPECT_EQ(dtod->spans[0].kind, SpanKind::other_copy);
  EXPECT_TRUE(is_capture_kind(SpanKind::other_copy));
  EXPECT_EQ(describe_capture(a.attachment, dtod->spans[0]),
            "DtoD memcpy 8.0 KiB on nsys stream 16: 500 ns (16.38 GB/s), GPU time from Nsight Systems");
  // The log's copies still find theirs, and none finds the DtoD.
  for (const Lane& lane : a.timeline.lanes) {
    if (lane.type == Lane::Type::capture) continue;
    for (const Span& s : lane.spans) {
      const auto hit = matched_memcpy(a.trace, a.timeline, a.attachment, s);
      if (hit) {
        EXPECT_NE(a.timeline.lanes[hit->lane].name, "nsys stream 16");
      }
    }
  }
}

std::vector<std::string> lane_names(const Timeline& t) {
  std::vector<std::string> names;
  for (const Lane& l : t.lanes) names.push_back(l.name);
  return names;
}

TEST(CaptureLanes, AnotherCaptureReplacesTheLanesAndTheExtentOfTheOneBefore) {
  const trace::Trace trace = nsys::testing::join_log().parse("run.tswap");
  const Timeline own = *Timeline::build(trace);
  // The capture with one more memcpy, at the log's 100000-100500 on stream 16.
  const Attachment far = attachment_of(trace, join_capture("far.sqlite", [](const std::string& path) {
    tswap_test::add_memcpy(path, 105000, 105500, 8192, tswap_test::kCopyDtoD, 16);
  }));
  const Attachment plain = attachment_of(trace, join_capture("capture.sqlite"));
  Timeline alone = own;
  append_capture_lanes(alone, plain);
  ASSERT_EQ(alone.lanes.size(), own.lanes.size() + 3);
  ASSERT_LT(alone.last, 100000u);

  Timeline t = own;
  append_capture_lanes(t, far);
  EXPECT_EQ(t.lanes.size(), own.lanes.size() + 4);
  EXPECT_EQ(t.last, 100500u);
  // The plain capture in its place: its lanes and extent, as if attached alone.
  append_capture_lanes(t, plain);
  EXPECT_EQ(lane_names(t), lane_names(alone));
  EXPECT_EQ(t.first, alone.first);
  EXPECT_EQ(t.last, alone.last);
  // And the same one again changes nothing.
  append_capture_lanes(t, plain);
  EXPECT_EQ(lane_names(t), lane_names(alone));
  EXPECT_EQ(t.first, alone.first);
  EXPECT_EQ(t.last, alone.last);
}

}  // namespace
}  // namespace tswap::viewer
