#pragma once

// Crafted format-version-2 logs for the trace library's consumers (issue
// 11, /work/notes/v2-records.md), every time chosen by hand so that tests
// can state exact figures. Shared by copies_test.cpp and make_v2_logs.cpp
// (the CLI tests).
//
// device_timed_log(): copy_timing device, tag model.layer.*, streams 1
// "cuda:0 d2h", 2 "cuda:0 h2d", 3 "cuda:0 compute"; threads 1 "main",
// 3 "tswap-log-writer". Times in ns; (dev) = kFlagDeviceTime, written by
// the writer thread after the fact.
//
//   copy        bytes  queued (host)  start-done (dev)   duration
//   D2H L0 #0    4096  200            350-800            450   completes first
//   D2H L0 #1    8192  210            300-1300           1000  started first
//   D2H L1 #0    2048  1000           -  -1400           -     a done without start
//   D2H L1 #1    1024  -              1450-              -     a start without done
//   H2D L0 #0    4096  2000           2200-2500          300
//   H2D L0 #1    8192  2100           2300-3100          800
//   Backward uses L0 #1 at 3000, before its copy back ends at 3100: one
//   use-after-copy-back violation, nothing else broken.
//
//   layers: host forward L0 110-220; device forward L0 150-700 (stream 3);
//   host backward L0 2600-3000; device backward L0 2650-3050.
//   clock anchors (host, device): (50, 0), (1000050, 999950), (3000050,
//   2999750): drifts 50 ns (50 ppm) then 200 ns (100 ppm).
//   allocator samples: step 1 peaks 7000 B allocated, 8192 B reserved;
//   step 2 peaks 6000 and 8192. Engine resident peaks: step 1 12288 B,
//   step 2 1000 B.
//
// untimed_log(): copy_timing none: three queued copies and nothing else.

#include <cstddef>
#include <cstring>

#include "log_builder.h"

namespace tswap_test::v2 {

inline void set_copy_timing(LogBuilder& b, tswap::trace::CopyTiming timing) {
  b.bytes()[offsetof(tswap::trace::FileHeader, copy_timing)] = static_cast<std::uint8_t>(timing);
}

inline LogBuilder device_timed_log() {
  using tswap::trace::EventKind;
  using tswap::trace::Record;
  using tswap::trace::StringKind;
  const std::uint8_t dev = tswap::trace::kFlagDeviceTime;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  constexpr std::uint8_t d2h = 1, h2d = 2, compute = 3;
  auto sample = [](std::vector<Record>& to, std::uint64_t ns, std::uint64_t allocated,
                   std::uint64_t reserved, std::uint32_t step) {
    to.push_back(rec(EventKind::device_allocated, ns, 0, 0, allocated, 0, 0, 0, step));
    to.push_back(rec(EventKind::device_reserved, ns, 0, 0, reserved, 0, 0, 0, step));
  };
  std::vector<Record> main = {
      rec(EventKind::step_begin, 100, 0),
      rec(EventKind::layer_enter, 110, 0),
  };
  sample(main, 110, 1000, 2048, 1);
  for (const Record& r :
       {rec(EventKind::swap_created, 190, 0, 0, 4096), rec(EventKind::swap_created, 195, 0, 1, 8192),
        rec(EventKind::d2h_queued, 200, 0, 0, 4096, d2h), rec(EventKind::d2h_queued, 210, 0, 1, 8192, d2h),
        rec(EventKind::layer_exit, 220, 0)}) {
    main.push_back(r);
  }
  sample(main, 220, 5000, 8192, 1);
  for (const Record& r :
       {rec(EventKind::d2h_queued, 1000, 1, 0, 2048, d2h),
        rec(EventKind::release, 1500, 0, 0, 4096, 0, 0, freed),
        rec(EventKind::release, 1600, 0, 1, 8192, 0, 0, freed),
        rec(EventKind::h2d_queued, 2000, 0, 0, 4096, h2d), rec(EventKind::h2d_queued, 2100, 0, 1, 8192, h2d),
        rec(EventKind::backward_enter, 2600, 0)}) {
    main.push_back(r);
  }
  sample(main, 2600, 7000, 8192, 1);
  for (const Record& r :
       {rec(EventKind::unpack, 2600, 0, 0), rec(EventKind::swap_destroyed, 2700, 0, 0, 4096),
        rec(EventKind::unpack, 3000, 0, 1), rec(EventKind::backward_exit, 3000, 0)}) {
    main.push_back(r);
  }
  sample(main, 3000, 3000, 8192, 1);
  main.push_back(rec(EventKind::swap_destroyed, 3050, 0, 1, 8192));
  main.push_back(rec(EventKind::step_begin, 3100000, 0, 0, 0, 0, 0, 0, 2));
  main.push_back(rec(EventKind::layer_enter, 3100010, 0, 0, 0, 0, 0, 0, 2));
  sample(main, 3100010, 2000, 4096, 2);
  main.push_back(rec(EventKind::swap_created, 3100050, 0, 0, 1000, 0, 0, 0, 2));
  main.push_back(rec(EventKind::layer_exit, 3100100, 0, 0, 0, 0, 0, 0, 2));
  sample(main, 3100100, 6000, 8192, 2);
  main.push_back(rec(EventKind::swap_destroyed, 3100200, 0, 0, 1000, 0, 0, 0, 2));

  // The writer thread, in the order a resolver finds pairs complete: not
  // the order of time.
  const std::vector<Record> writer = {
      rec(EventKind::clock_anchor, 50, 0, 0, 0, compute),
      rec(EventKind::d2h_start, 350, 0, 0, 4096, d2h, dev),
      rec(EventKind::d2h_done, 800, 0, 0, 4096, d2h, dev),
      rec(EventKind::layer_enter, 150, 0, 0, 0, compute, dev),
      rec(EventKind::layer_exit, 700, 0, 0, 0, compute, dev),
      rec(EventKind::d2h_start, 300, 0, 1, 8192, d2h, dev),
      rec(EventKind::clock_anchor, 1000050, 0, 1, 999950, compute),
      rec(EventKind::d2h_done, 1400, 1, 0, 2048, d2h, dev),
      rec(EventKind::d2h_done, 1300, 0, 1, 8192, d2h, dev),
      rec(EventKind::d2h_start, 1450, 1, 1, 1024, d2h, dev),
      rec(EventKind::h2d_start, 2300, 0, 1, 8192, h2d, dev),
      rec(EventKind::h2d_start, 2200, 0, 0, 4096, h2d, dev),
      rec(EventKind::h2d_done, 2500, 0, 0, 4096, h2d, dev),
      rec(EventKind::backward_enter, 2650, 0, 0, 0, compute, dev),
      rec(EventKind::h2d_done, 3100, 0, 1, 8192, h2d, dev),
      rec(EventKind::backward_exit, 3050, 0, 0, 0, compute, dev),
      rec(EventKind::clock_anchor, 3000050, 0, 2, 2999750, compute),
  };
  LogBuilder b;
  b.strings({{StringKind::tag, 1, "model.layer.*"},
             {StringKind::stream, d2h, "cuda:0 d2h"},
             {StringKind::stream, h2d, "cuda:0 h2d"},
             {StringKind::stream, compute, "cuda:0 compute"},
             {StringKind::thread, 1, "main"},
             {StringKind::thread, 3, "tswap-log-writer"}})
      .records(1, main)
      .records(3, writer)
      .end(main.size() + writer.size());
  set_copy_timing(b, tswap::trace::CopyTiming::device);
  return b;
}

inline LogBuilder untimed_log() {
  using tswap::trace::EventKind;
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, 100, 0), rec(EventKind::d2h_queued, 200, 0, 0, 4096, 1),
                   rec(EventKind::d2h_queued, 210, 0, 1, 8192, 1),
                   rec(EventKind::h2d_queued, 900, 0, 0, 4096, 2, tswap::trace::kFlagPrefetch)})
      .end(4);
  set_copy_timing(b, tswap::trace::CopyTiming::none);
  return b;
}

}  // namespace tswap_test::v2
