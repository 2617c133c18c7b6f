#pragma once

// Valid logs with hostile values (issue 10): what the reader accepts but a
// viewer that sized containers or loops by a value, not by the number of
// events, would choke on. Shared by the model tests, the widget tests and
// make_viewer_logs (the CLI tests).
//
//   steps_log(first, n)      a swapping run of n steps from step `first`
//                            (20,000,000: recorded mid-training; 2^32-1)
//   times_log(base)          one swap within 5 us from `base` ns (2^63,
//                            2^64 - 1 - 5000)
//   instant_log(ns, n)       n releases at one time: one event, or a
//                            zero-length range
//   out_of_range_log()       ids beyond every string table: tag 65535,
//                            stream 255, thread 65535, layer 65535, step
//                            2^32-1, value 2^64-1, time 2^64-1
//   many_tags_log(tags, l)   `tags` tags of `l` layers, a freed release in
//                            each (65,535 x 16: 1M events, 36 MB)

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "log_builder.h"

namespace tswap_test {

/// One tag of three layers; each step copies every layer out, frees it,
/// prefetches it back and stalls once. Steps [first, first + n), times from
/// `base` on (the last event at base + 100,000 * n - 1 at most).
inline LogBuilder steps_log(std::uint32_t first, std::uint32_t n, std::uint64_t base = 0) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  std::vector<tswap::trace::Record> main, copier;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t step = first + i;
    const std::uint64_t t0 = base + 100000ull * i;
    main.push_back(rec(EventKind::step_begin, t0, 0, 0, 0, 0, 0, 0, step));
    for (std::uint16_t l = 0; l < 3; ++l) {
      const std::uint64_t f = t0 + 100 + 10000u * l;
      main.push_back(rec(EventKind::layer_enter, f, l, 0, 0, 0, 0, 0, step));
      main.push_back(rec(EventKind::swap_created, f + 500, l, 0, 1 << 20, 0, 0, 0, step));
      main.push_back(rec(EventKind::d2h_queued, f + 600, l, 0, 1 << 20, 1, 0, 0, step));
      copier.push_back(rec(EventKind::d2h_start, f + 700, l, 0, 1 << 20, 1, 0, 0, step));
      copier.push_back(rec(EventKind::d2h_done, f + 3700, l, 0, 1 << 20, 1, 0, 0, step));
      main.push_back(rec(EventKind::release, f + 3800, l, 0, 1 << 20, 0, 0, freed, step));
      main.push_back(rec(EventKind::layer_exit, f + 9000, l, 0, 0, 0, 0, 0, step));
    }
    for (int l = 2; l >= 0; --l) {
      const auto layer = static_cast<std::uint16_t>(l);
      const std::uint64_t b = t0 + 40000 + 15000u * static_cast<std::uint64_t>(2 - l);
      const std::uint8_t pf = tswap::trace::kFlagPrefetch;
      main.push_back(rec(EventKind::h2d_queued, b, layer, 0, 1 << 20, 2, pf, 0, step));
      copier.push_back(rec(EventKind::h2d_start, b + 100, layer, 0, 1 << 20, 2, pf, 0, step));
      copier.push_back(rec(EventKind::h2d_done, b + 3100, layer, 0, 1 << 20, 2, pf, 0, step));
      if (l == 0) {
        main.push_back(rec(EventKind::stall, b + 3100, 0, 0, 1500, 0, tswap::trace::kFlagWaitH2D, 0, step));
      }
      main.push_back(rec(EventKind::unpack, b + 3200, layer, 0, 0, 0, 0, 0, step));
      main.push_back(rec(EventKind::swap_destroyed, b + 3300, layer, 0, 1 << 20, 0, 0, 0, step));
    }
  }
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
  return b;
}

/// One layer's swap within 5 us, from `base` ns after the session start:
/// near 2^63 ns adjacent doubles are 2 us apart, more than a ruler tick.
inline LogBuilder times_log(std::uint64_t base) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::vector<tswap::trace::Record> main = {
      rec(EventKind::step_begin, base, 0),
      rec(EventKind::layer_enter, base + 100, 0),
      rec(EventKind::swap_created, base + 200, 0, 0, 1 << 20),
      rec(EventKind::d2h_queued, base + 300, 0, 0, 1 << 20, 1),
      rec(EventKind::release, base + 3300, 0, 0, 1 << 20, 0, 0, freed),
      rec(EventKind::layer_exit, base + 3400, 0),
      rec(EventKind::h2d_queued, base + 3500, 0, 0, 1 << 20, 2),
      rec(EventKind::unpack, base + 4900, 0),
      rec(EventKind::swap_destroyed, base + 5000, 0, 0, 1 << 20)};
  const std::vector<tswap::trace::Record> copier = {
      rec(EventKind::d2h_start, base + 400, 0, 0, 1 << 20, 1),
      rec(EventKind::d2h_done, base + 3200, 0, 0, 1 << 20, 1),
      rec(EventKind::h2d_start, base + 3600, 0, 0, 1 << 20, 2),
      rec(EventKind::h2d_done, base + 4800, 0, 0, 1 << 20, 2)};
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
  return b;
}
/// The latest base times_log() takes: its last event at 2^64 - 1 ns.
inline constexpr std::uint64_t kLatestBase = std::numeric_limits<std::uint64_t>::max() - 5000;

/// A log of one event, or of several at one instant: a zero-length range.
inline LogBuilder instant_log(std::uint64_t ns, int events) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  std::vector<tswap::trace::Record> main;
  for (int i = 0; i < events; ++i) main.push_back(rec(EventKind::release, ns, 0, 0, 4096, 0, 0, freed));
  LogBuilder b;
  b.standard_names().records(1, main).end(main.size());
  return b;
}

/// Events whose every id is beyond the string tables and every value at
/// its largest, plus one well-formed event at time 0.
inline LogBuilder out_of_range_log() {
  using tswap::trace::EventKind;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  constexpr std::uint32_t kStep = std::numeric_limits<std::uint32_t>::max();
  auto far = [](EventKind kind, std::uint64_t ns, std::uint8_t reason = 0) {
    tswap::trace::Record r = rec(kind, ns, 65535, 0xffffffffu, kMax, 255, 0xff, reason, kStep);
    r.tag = 65535;
    return r;
  };
  const std::vector<tswap::trace::Record> first = {rec(EventKind::step_begin, 0, 0)};
  const std::vector<tswap::trace::Record> rest = {
      far(EventKind::step_begin, 10),        far(EventKind::layer_enter, 20),
      far(EventKind::swap_created, 30),      far(EventKind::d2h_queued, 40),
      far(EventKind::d2h_start, 50),         far(EventKind::d2h_done, 60),
      far(EventKind::release, 70, 1),        far(EventKind::stall, 80),
      far(EventKind::h2d_queued, 90),        far(EventKind::h2d_start, 100),
      far(EventKind::h2d_done, 110),         far(EventKind::reuse, 120),
      far(EventKind::unpack, 130),           far(EventKind::layer_exit, 140),
      far(EventKind::kept, 150),             far(EventKind::swap_destroyed, kMax - 1),
      far(EventKind::layer_exit, kMax)};
  LogBuilder b;
  b.standard_names().records(1, first).records(65535, rest).end(first.size() + rest.size());
  return b;
}

/// `tags` tags ("t1.layer.*"...) of `layers` layers each; one freed
/// release per (tag, layer), 100 ns apart.
inline LogBuilder many_tags_log(std::uint32_t tags, std::uint32_t layers) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  std::vector<tswap::trace::NamedString> names = {{tswap::trace::StringKind::thread, 1, "main"}};
  for (std::uint32_t t = 1; t <= tags; ++t) {
    names.push_back({tswap::trace::StringKind::tag, t, "t" + std::to_string(t) + ".layer.*"});
  }
  std::vector<tswap::trace::Record> r;
  r.reserve(std::size_t{tags} * layers);
  for (std::uint32_t t = 1; t <= tags; ++t) {
    for (std::uint32_t l = 0; l < layers; ++l) {
      tswap::trace::Record e = rec(EventKind::release, 100 * r.size(), static_cast<std::uint16_t>(l),
                                   0, 4096, 0, 0, freed);
      e.tag = static_cast<std::uint16_t>(t);
      r.push_back(e);
    }
  }
  LogBuilder b;
  b.strings(names);
  // Chunks of at most 64k records, as a recorder writes them.
  for (std::size_t i = 0; i < r.size(); i += 65536) {
    const auto end = r.begin() + static_cast<std::ptrdiff_t>(std::min(r.size(), i + 65536));
    b.records(1, std::vector<tswap::trace::Record>(r.begin() + static_cast<std::ptrdiff_t>(i), end));
  }
  b.end(r.size());
  return b;
}

}  // namespace tswap_test
