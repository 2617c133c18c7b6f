#pragma once

// Hand-built logs whose stalls are caused by copies other than the awaited
// one (Note [Caused stalls], stall_blame.h), every time chosen so that tests
// can state exact figures, and a second run to compare the first with.
// Shared by stall_blame_test.cpp, compare_test.cpp and make_tuning_logs.cpp
// (the CLI tests).
//
// nested_shared_stream_log(): issue 13's measured case in miniature. Tags
// 1 "model.layer.*" (outer) and 2 "model.layer.*.mlp" (inner, nested in
// it), both swapped, one step, layer 0 swapped (layer 1, the last, stays).
// Streams 1 "d2h" and 2 "h2d", one copy at a time each. Times in ms (x 1e6 ns):
//
//   copy             bytes      queued   runs        on
//   out outer L0 #0  1,000,000  1        1-11        d2h
//   out inner L0 #0  3,000,000  2        11-41       d2h   (the MLP)
//   out outer L0 #1  1,000,000  3        41-51       d2h   (saved after the MLP)
//   back inner L0 #0 3,000,000  60       60-90       h2d   (MLP backward comes first)
//   back outer L0 #1 1,000,000  61       90-100      h2d
//   back outer L0 #0 1,000,000  62       100-110     h2d
//
//   stall outer L0 #1 out   27-51  (24 ms; the outer's release, layer 1 begun)
//   stall outer L0 #1 back  66-100 (34 ms; its unpack, first in layer 0's backward)
//
// Waited: outer 58 ms, inner 0. Caused (Note [Caused stalls]): outer 0 + 5
// = 5 ms (started when queued, its copy out would have been done at 13 ms,
// before the wait; its copy back at 71 ms, 5 ms into the wait), inner
// 24 + 29 = 53 ms (the rest: its copies held the streams meanwhile).
//
// outer_alone_log(): the same run after a tuning change, for compare: the
// inner tag is not swapped (no records of it) and the link is twice as
// fast. Tag 1 "model.layer.*" (standard_names), times in ms:
//
//   copy             bytes      queued   runs
//   out outer L0 #0  1,000,000  1        1-6
//   out outer L0 #1  1,000,000  3        6-11
//   back outer L0 #1 1,000,000  61       61-66
//   back outer L0 #0 1,000,000  62       66-71
//
//   stall outer L0 #1 back 64-66.5 (2.5 ms, its own copy and the wake)
//   the release at 27 and the unpack of #0 at 72 wait for nothing.
//   allocator samples (step 1): allocated 4,000,000 then 6,000,000 B,
//   reserved 8,388,608 B. The engine's resident peak: 2,000,000 B (A's is
//   5,000,000 B, at 3 ms: every copy out still holds its storage).
//
// idle_stream_log(): tag 1 "model.layer.*" alone, three layers. A release
// waits 600 ns, 200-800, on layer 0 #0's copy out, queued at 390 on the d2h
// stream, which was idle until then; it runs 400-700. On the same stream
// layer 1 #0's copy out ran 50-150 (before the wait) and layer 2 #0's runs
// 700-900 (queued behind the awaited one); layer 1 #0's copy back runs
// 250-350 on the h2d stream (another stream). All 600 ns are layer 0's.

#include <vector>

#include "log_builder.h"

namespace tswap_test::stalls {

constexpr std::uint64_t kMs = 1000000;  // ns

inline tswap::trace::Record tagged(tswap::trace::Record r, std::uint16_t tag) {
  r.tag = tag;
  return r;
}

inline LogBuilder nested_shared_stream_log() {
  using tswap::trace::EventKind;
  using K = tswap::trace::StringKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::uint8_t pre = tswap::trace::kFlagPrefetch, back = tswap::trace::kFlagWaitH2D;
  constexpr std::uint8_t d2h = 1, h2d = 2;
  constexpr std::uint16_t outer = 1, inner = 2;
  const std::uint64_t out0 = 1000000, in0 = 3000000, out1 = 1000000;  // bytes
  auto o = [&](EventKind k, std::uint64_t ns, std::uint32_t index, std::uint64_t value = 0,
               std::uint8_t stream = 0, std::uint8_t flags = 0, std::uint8_t reason = 0) {
    return tagged(rec(k, ns, 0, index, value, stream, flags, reason), outer);
  };
  auto i = [&](EventKind k, std::uint64_t ns, std::uint64_t value = 0, std::uint8_t stream = 0,
               std::uint8_t flags = 0, std::uint8_t reason = 0) {
    return tagged(rec(k, ns, 0, 0, value, stream, flags, reason), inner);
  };
  LogBuilder b;
  b.strings({{K::tag, outer, "model.layer.*"},
             {K::tag, inner, "model.layer.*.mlp"},
             {K::stream, d2h, "d2h"},
             {K::stream, h2d, "h2d"},
             {K::thread, 1, "main"},
             {K::thread, 2, "copier"}})
      .records(1, {o(EventKind::step_begin, 100, 0), i(EventKind::step_begin, 200),
                   o(EventKind::swap_created, 1 * kMs - 10, 0, out0),
                   o(EventKind::d2h_queued, 1 * kMs, 0, out0, d2h),
                   i(EventKind::swap_created, 2 * kMs - 10, in0),
                   i(EventKind::d2h_queued, 2 * kMs, in0, d2h),
                   o(EventKind::swap_created, 3 * kMs - 10, 1, out1),
                   o(EventKind::d2h_queued, 3 * kMs, 1, out1, d2h),
                   o(EventKind::stall, 51 * kMs, 1, 24 * kMs),
                   o(EventKind::release, 51 * kMs + 1, 0, out0, 0, 0, freed),
                   o(EventKind::release, 51 * kMs + 2, 1, out1, 0, 0, freed),
                   i(EventKind::release, 52 * kMs, in0, 0, 0, freed),
                   i(EventKind::h2d_queued, 60 * kMs, in0, h2d, pre),
                   o(EventKind::h2d_queued, 61 * kMs, 1, out1, h2d, pre),
                   o(EventKind::h2d_queued, 62 * kMs, 0, out0, h2d, pre),
                   o(EventKind::stall, 100 * kMs, 1, 34 * kMs, 0, back),
                   o(EventKind::unpack, 100 * kMs + 1, 1),
                   i(EventKind::unpack, 100 * kMs + 100),
                   o(EventKind::unpack, 111 * kMs, 0),
                   o(EventKind::swap_destroyed, 112 * kMs, 0, out0),
                   o(EventKind::swap_destroyed, 112 * kMs + 1, 1, out1),
                   i(EventKind::swap_destroyed, 112 * kMs + 2, in0)})
      .records(2, {o(EventKind::d2h_start, 1 * kMs, 0, out0, d2h),
                   o(EventKind::d2h_done, 11 * kMs, 0, out0, d2h),
                   i(EventKind::d2h_start, 11 * kMs, in0, d2h),
                   i(EventKind::d2h_done, 41 * kMs, in0, d2h),
                   o(EventKind::d2h_start, 41 * kMs, 1, out1, d2h),
                   o(EventKind::d2h_done, 51 * kMs, 1, out1, d2h),
                   i(EventKind::h2d_start, 60 * kMs, in0, h2d, pre),
                   i(EventKind::h2d_done, 90 * kMs, in0, h2d, pre),
                   o(EventKind::h2d_start, 90 * kMs, 1, out1, h2d, pre),
                   o(EventKind::h2d_done, 100 * kMs, 1, out1, h2d, pre),
                   o(EventKind::h2d_start, 100 * kMs, 0, out0, h2d, pre),
                   o(EventKind::h2d_done, 110 * kMs, 0, out0, h2d, pre)})
      .end(34);
  return b;
}

inline LogBuilder outer_alone_log() {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::uint8_t pre = tswap::trace::kFlagPrefetch, back = tswap::trace::kFlagWaitH2D;
  constexpr std::uint8_t d2h = 1, h2d = 2;
  const std::uint64_t bytes = 1000000;
  auto sample = [](EventKind k, std::uint64_t ns, std::uint64_t value) {
    return rec(k, ns, 0, 0, value);
  };
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, 100, 0),
                   sample(EventKind::device_allocated, 500, 4000000),
                   sample(EventKind::device_reserved, 500, 8388608),
                   rec(EventKind::swap_created, 1 * kMs - 10, 0, 0, bytes),
                   rec(EventKind::d2h_queued, 1 * kMs, 0, 0, bytes, d2h),
                   rec(EventKind::swap_created, 3 * kMs - 10, 0, 1, bytes),
                   rec(EventKind::d2h_queued, 3 * kMs, 0, 1, bytes, d2h),
                   rec(EventKind::release, 27 * kMs, 0, 0, bytes, 0, 0, freed),
                   rec(EventKind::release, 27 * kMs + 1, 0, 1, bytes, 0, 0, freed),
                   sample(EventKind::device_allocated, 30 * kMs, 6000000),
                   sample(EventKind::device_reserved, 30 * kMs, 8388608),
                   rec(EventKind::h2d_queued, 61 * kMs, 0, 1, bytes, h2d, pre),
                   rec(EventKind::h2d_queued, 62 * kMs, 0, 0, bytes, h2d, pre),
                   rec(EventKind::stall, 66 * kMs + kMs / 2, 0, 1, 5 * kMs / 2, 0, back),
                   rec(EventKind::unpack, 66 * kMs + kMs / 2 + 1, 0, 1),
                   rec(EventKind::unpack, 72 * kMs, 0, 0),
                   rec(EventKind::swap_destroyed, 112 * kMs, 0, 0, bytes),
                   rec(EventKind::swap_destroyed, 112 * kMs + 1, 0, 1, bytes)})
      .records(2, {rec(EventKind::d2h_start, 1 * kMs, 0, 0, bytes, d2h),
                   rec(EventKind::d2h_done, 6 * kMs, 0, 0, bytes, d2h),
                   rec(EventKind::d2h_start, 6 * kMs, 0, 1, bytes, d2h),
                   rec(EventKind::d2h_done, 11 * kMs, 0, 1, bytes, d2h),
                   rec(EventKind::h2d_start, 61 * kMs, 0, 1, bytes, h2d, pre),
                   rec(EventKind::h2d_done, 66 * kMs, 0, 1, bytes, h2d, pre),
                   rec(EventKind::h2d_start, 66 * kMs, 0, 0, bytes, h2d, pre),
                   rec(EventKind::h2d_done, 71 * kMs, 0, 0, bytes, h2d, pre)})
      .end(26);
  return b;
}

inline LogBuilder idle_stream_log() {
  using tswap::trace::EventKind;
  constexpr std::uint8_t d2h = 1, h2d = 2;
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, 10, 0),
                   rec(EventKind::d2h_queued, 40, 1, 0, 100, d2h),
                   rec(EventKind::h2d_queued, 240, 1, 0, 100, h2d),
                   rec(EventKind::d2h_queued, 390, 0, 0, 300, d2h),
                   rec(EventKind::d2h_queued, 395, 2, 0, 200, d2h),
                   rec(EventKind::stall, 800, 0, 0, 600)})
      .records(2, {rec(EventKind::d2h_start, 50, 1, 0, 100, d2h),
                   rec(EventKind::d2h_done, 150, 1, 0, 100, d2h),
                   rec(EventKind::h2d_start, 250, 1, 0, 100, h2d),
                   rec(EventKind::h2d_done, 350, 1, 0, 100, h2d),
                   rec(EventKind::d2h_start, 400, 0, 0, 300, d2h),
                   rec(EventKind::d2h_done, 700, 0, 0, 300, d2h),
                   rec(EventKind::d2h_start, 700, 2, 0, 200, d2h),
                   rec(EventKind::d2h_done, 900, 2, 0, 200, d2h)})
      .end(14);
  return b;
}

}  // namespace tswap_test::stalls
