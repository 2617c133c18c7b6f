#pragma once

// Format-version-2 logs as an accelerator runtime writes them (issue 11,
// /work/notes/v2-records.md), with times chosen by hand so that tests can
// say exactly where every span begins and ends. Shared by the model tests,
// the widget tests and make_viewer_logs (the CLI tests and docs pictures).
//
//   device_log()    copy_timing device: one step of three layers of
//                   `model.layer.*` on "cuda:0". The compute thread writes
//                   forward and backward layer spans, the queued copies and
//                   allocator samples at host times; the writer thread
//                   writes the copies' start/done and the layers' forward
//                   and backward spans at device times (kFlagDeviceTime),
//                   later than the host's, as a device behind its host is.
//   untimed_log()   copy_timing none: the same run on a device that cannot
//                   time, so only the queued copies (and the host's layer
//                   spans and allocator samples) are there.
//   device_extremes_log()  hostile (issue 10) in the version 2 kinds: a
//                   copy_timing byte no version defines, device spans from
//                   0 to 2^64-1 on stream 255, a done before its start,
//                   exits without enters, allocator samples of 2^64-1 and
//                   2^63 bytes.
//
// Every time of device_log() in ns (kDevice* below for the tests):
//
//   layer  forward host  forward device  backward host  backward device
//   L0     1000-1500     1300-2100       3900-4200      4500-4900
//   L1     1500-2000     2100-2900       3400-3700      4000-4400
//   L2     2000-2500     2900-3600       3000-3300      3650-4000
//
//   copy                  queued (host)  start-done (device)
//   D2H L0  4000 B         1200           2150-2550
//   D2H L1  4000 B         1700           2950-3350
//   H2D L1  prefetch       3050           3700-3950
//   H2D L0  prefetch       3450           4050-4450
//
// Allocator samples (host time: allocated, reserved): the peaks are
// 20000 B allocated and 24576 B reserved, both first at 3400 (L1's
// backward_enter).

#include <cstddef>
#include <cstring>
#include <tuple>
#include <vector>

#include "log_builder.h"

namespace tswap_test {

struct DeviceSpan {
  std::uint16_t layer;
  std::uint64_t begin, end;
};
/// device_log()'s layer spans, as the table above lists them.
inline const std::vector<DeviceSpan> kHostForward = {{0, 1000, 1500}, {1, 1500, 2000}, {2, 2000, 2500}};
inline const std::vector<DeviceSpan> kDeviceForward = {{0, 1300, 2100}, {1, 2100, 2900}, {2, 2900, 3600}};
inline const std::vector<DeviceSpan> kHostBackward = {{2, 3000, 3300}, {1, 3400, 3700}, {0, 3900, 4200}};
inline const std::vector<DeviceSpan> kDeviceBackward = {{2, 3650, 4000}, {1, 4000, 4400}, {0, 4500, 4900}};
/// ...and its copies, by begin: D2H L0, D2H L1 on "d2h"; H2D L1, H2D L0 on "h2d".
inline const std::vector<DeviceSpan> kDeviceD2H = {{0, 2150, 2550}, {1, 2950, 3350}};
inline const std::vector<DeviceSpan> kDeviceH2D = {{1, 3700, 3950}, {0, 4050, 4450}};
inline constexpr std::uint64_t kAllocatedPeak = 20000, kReservedPeak = 24576, kAllocatorPeakAt = 3400;

namespace detail {

/// Sets the header fields LogBuilder leaves alone: what the session ran on
/// and who timed its copies.
inline void set_device(LogBuilder& b, const char* device, tswap::trace::CopyTiming timing) {
  auto& bytes = b.bytes();
  std::memset(bytes.data() + offsetof(tswap::trace::FileHeader, device), 0,
              sizeof(tswap::trace::FileHeader::device));
  std::memcpy(bytes.data() + offsetof(tswap::trace::FileHeader, device), device, std::strlen(device));
  bytes[offsetof(tswap::trace::FileHeader, copy_timing)] = static_cast<std::uint8_t>(timing);
}

inline LogBuilder accelerator_log(bool timed) {
  using tswap::trace::EventKind;
  using tswap::trace::StringKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::uint8_t pf = tswap::trace::kFlagPrefetch, dev = tswap::trace::kFlagDeviceTime;
  constexpr std::uint8_t d2h = 1, h2d = 2, compute = 3;  // stream ids
  std::vector<tswap::trace::Record> main, autograd, writer;
  // Allocator samples at a layer boundary: allocated, then reserved.
  auto sample = [](std::vector<tswap::trace::Record>& to, std::uint64_t ns, std::uint16_t layer,
                   std::uint64_t allocated, std::uint64_t reserved) {
    to.push_back(rec(EventKind::device_allocated, ns, layer, 0, allocated));
    to.push_back(rec(EventKind::device_reserved, ns, layer, 0, reserved));
  };
  // Forward on the compute thread.
  main.push_back(rec(EventKind::step_begin, 1000, 0));
  const std::uint64_t fwd_alloc[3][2] = {{10000, 14000}, {14000, 18000}, {14000, 16000}};
  const std::uint64_t fwd_reserved[3][2] = {{16384, 16384}, {16384, 20480}, {20480, 20480}};
  for (const DeviceSpan& s : kHostForward) {
    main.push_back(rec(EventKind::layer_enter, s.begin, s.layer));
    sample(main, s.begin, s.layer, fwd_alloc[s.layer][0], fwd_reserved[s.layer][0]);
    main.push_back(rec(EventKind::swap_created, s.begin + 100, s.layer, 0, s.layer < 2 ? 4000 : 2000));
    // Releasing the layer before is stream-ordered: the host only records it.
    if (s.layer > 0) {
      main.push_back(rec(EventKind::release, s.begin + 150, static_cast<std::uint16_t>(s.layer - 1), 0, 4000, 0, 0, freed));
    }
    if (s.layer < 2) main.push_back(rec(EventKind::d2h_queued, s.begin + 200, s.layer, 0, 4000, d2h));
    main.push_back(rec(EventKind::layer_exit, s.end, s.layer));
    sample(main, s.end, s.layer, fwd_alloc[s.layer][1], fwd_reserved[s.layer][1]);
  }
  // Backward on autograd's thread: each layer's first unpack begins it,
  // its last ends it; the copies back are prefetched ahead.
  const std::uint64_t bwd_alloc[3][2] = {{18000, 10000}, {20000, 14000}, {16000, 14000}};
  const std::uint64_t bwd_reserved[3][2] = {{24576, 24576}, {24576, 24576}, {20480, 20480}};
  for (const DeviceSpan& s : kHostBackward) {
    if (s.layer == 0) autograd.push_back(rec(EventKind::stall, s.begin, 0, 0, 100, 0, tswap::trace::kFlagWaitH2D));
    autograd.push_back(rec(EventKind::backward_enter, s.begin, s.layer));
    sample(autograd, s.begin, s.layer, bwd_alloc[s.layer][0], bwd_reserved[s.layer][0]);
    autograd.push_back(rec(EventKind::unpack, s.begin, s.layer));
    if (s.layer > 0) {
      autograd.push_back(rec(EventKind::h2d_queued, s.begin + 50, static_cast<std::uint16_t>(s.layer - 1), 0, 4000, h2d, pf));
    }
    autograd.push_back(rec(EventKind::swap_destroyed, s.begin + 100, s.layer, 0, s.layer < 2 ? 4000 : 2000));
    autograd.push_back(rec(EventKind::backward_exit, s.end, s.layer));
    sample(autograd, s.end, s.layer, bwd_alloc[s.layer][1], bwd_reserved[s.layer][1]);
  }
  // What the device did, resolved by the writer thread afterwards.
  if (timed) {
    writer.push_back(rec(EventKind::clock_anchor, 900, 0, 0, 0, compute));
    for (const auto& [spans, enter, exit] :
         {std::tuple{&kDeviceForward, EventKind::layer_enter, EventKind::layer_exit},
          std::tuple{&kDeviceBackward, EventKind::backward_enter, EventKind::backward_exit}}) {
      for (const DeviceSpan& s : *spans) {
        writer.push_back(rec(enter, s.begin, s.layer, 0, 0, compute, dev));
        writer.push_back(rec(exit, s.end, s.layer, 0, 0, compute, dev));
      }
    }
    for (const DeviceSpan& s : kDeviceD2H) {
      writer.push_back(rec(EventKind::d2h_start, s.begin, s.layer, 0, 4000, d2h, dev));
      writer.push_back(rec(EventKind::d2h_done, s.end, s.layer, 0, 4000, d2h, dev));
    }
    for (const DeviceSpan& s : kDeviceH2D) {
      writer.push_back(rec(EventKind::h2d_start, s.begin, s.layer, 0, 4000, h2d, pf | dev));
      writer.push_back(rec(EventKind::h2d_done, s.end, s.layer, 0, 4000, h2d, pf | dev));
    }
  }
  LogBuilder b;
  b.strings({{StringKind::tag, 1, "model.layer.*"},
             {StringKind::stream, d2h, "cuda:0 d2h (stream 1)"},
             {StringKind::stream, h2d, "cuda:0 h2d (stream 2)"},
             {StringKind::stream, compute, "cuda:0 compute (stream 0)"},
             {StringKind::thread, 1, "main"},
             {StringKind::thread, 2, "autograd"},
             {StringKind::thread, 3, "tswap-log-writer"}})
      .records(1, main)
      .records(2, autograd);
  if (timed) b.records(3, writer);
  b.end(main.size() + autograd.size() + writer.size());
  set_device(b, "cuda:0", timed ? tswap::trace::CopyTiming::device : tswap::trace::CopyTiming::none);
  return b;
}

}  // namespace detail

inline LogBuilder device_extremes_log() {
  using tswap::trace::EventKind;
  constexpr std::uint64_t kMax = ~std::uint64_t{0};
  const std::uint8_t dev = tswap::trace::kFlagDeviceTime;
  const std::vector<tswap::trace::Record> writer = {
      rec(EventKind::backward_enter, 0, 65535, 0, 0, 255, dev),
      rec(EventKind::layer_enter, 1, 7, 0, 0, 255, dev),
      rec(EventKind::d2h_done, 5, 0, 0, kMax, 255, dev),
      rec(EventKind::device_allocated, 10, 0, 0, kMax),
      rec(EventKind::device_reserved, 10, 0, 0, std::uint64_t{1} << 63),
      rec(EventKind::backward_exit, 20, 3, 0, 0, 255, dev),
      rec(EventKind::h2d_start, 30, 0, 0, kMax, 255, 0xff),
      rec(EventKind::h2d_done, 30, 0, 0, kMax, 255, 0xff),
      rec(EventKind::device_allocated, kMax - 1, 0, 0, 0),
      rec(EventKind::d2h_start, kMax, 0, 0, kMax, 255, dev),
      rec(EventKind::layer_exit, kMax, 7, 0, 0, 255, dev),
      rec(EventKind::backward_exit, kMax, 65535, 0, 0, 255, dev)};
  LogBuilder b;
  b.standard_names().records(3, writer).end(writer.size());
  b.bytes()[offsetof(tswap::trace::FileHeader, copy_timing)] = 255;
  return b;
}

inline LogBuilder device_log() { return detail::accelerator_log(true); }
inline LogBuilder untimed_log() { return detail::accelerator_log(false); }

}  // namespace tswap_test
