#pragma once

// How much of the device's copying ran while its compute stream was inside
// a layer: the overlap swapping depends on, read from a device-timed log.
// (A host-timed log's overlap is LayerSummary::overlap_ns: copy time minus
// stalls. On an accelerator the engine's waits are queued on the device and
// never stall the host, so only the device's own times can say it.)

#include <cstddef>
#include <cstdint>
#include <optional>

#include <tswap/trace/trace.h>

namespace tswap::trace {

struct DeviceOverlap {
  std::size_t copies = 0;           // device-timed copies (start and done known)
  std::uint64_t copy_ns = 0;        // their time, start to done, summed
  std::uint64_t overlapped_ns = 0;  // of which the compute stream was inside a layer
  std::size_t layer_spans = 0;      // device-timed forward and backward layer spans
  std::uint64_t compute_ns = 0;     // the time inside any of them (their union)

  /// overlapped_ns over copy_ns; none without device-timed copies and
  /// layer spans (a host-timed log, a device that cannot time).
  std::optional<double> share() const;
};

/// Device-timed copies (CopyPairing, time source device) against the union
/// of device-timed layer spans: layer_enter..layer_exit and
/// backward_enter..backward_exit with kFlagDeviceTime, paired by tag,
/// layer, step and direction. A span without its other end is left out.
DeviceOverlap device_overlap(const Trace& trace);

}  // namespace tswap::trace
