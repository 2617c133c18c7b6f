#pragma once

// The runtime for real accelerators, on c10's device-generic API: streams
// from the device's pool, c10::Event for ordering, Tensor::copy_ with
// non_blocking under a stream guard. It compiles against any LibTorch and
// runs on whatever device type LibTorch was built with (CUDA, ...).

#include <tswap/runtime.h>
#include <tswap/trace/format.h>

#include <c10/core/Stream.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <functional>

namespace tswap {

/// Returns a host buffer of the given size (uint8, 1-D) for copies out.
using HostAllocator = std::function<at::Tensor(std::size_t nbytes)>;

/// See the file comment. The device-to-host and host-to-device streams are
/// taken from the device's stream pool at construction.
///
/// Memory safety (Note [Release ordering], core/storage_swap.cpp): a device
/// buffer read or written by a copy is recorded on the copy's stream, so the
/// caching allocator does not reuse it before the copy is done, whoever
/// drops it first.
class AcceleratorRuntime final : public Runtime {
 public:
  /// Streams and events on `device`. Host buffers come from
  /// `host_allocator`, by default LibTorch's caching pinned-memory allocator
  /// (a pool reused across steps).
  explicit AcceleratorRuntime(c10::Device device, HostAllocator host_allocator = {});

  std::string name() const override;
  bool supports(c10::Device device) const override;
  at::Tensor allocate_host(std::size_t nbytes) override;
  EventPtr copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                        const CopyLabel& label) override;
  EventPtr copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                          const CopyLabel& label) override;
  std::int64_t compute_wait(const EventPtr& event) override;

  c10::Device device() const { return device_; }
  c10::Stream d2h_stream() const { return d2h_; }
  c10::Stream h2d_stream() const { return h2d_; }

 private:
  EventPtr copy_on(const c10::Stream& stream, const at::Tensor& src, const at::Tensor& dst,
                   const at::Tensor& device_side, const CopyLabel& label, trace::EventKind queued,
                   std::uint8_t stream_id);

  c10::Device device_;
  c10::impl::VirtualGuardImpl guard_;
  c10::Stream d2h_;
  c10::Stream h2d_;
  HostAllocator host_allocator_;
  std::uint8_t d2h_id_;  // the streams' ids in logs
  std::uint8_t h2d_id_;
};

}  // namespace tswap
