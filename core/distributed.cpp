#include <tswap/distributed.h>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>

#include "check.h"

namespace tswap::distributed {
namespace {

// Tags of our point-to-point messages, away from small ones programs use.
constexpr int kPingTag = 0x7457;  // "tW"
constexpr int kPongTag = 0x7458;

void wait(const c10::intrusive_ptr<c10d::Work>& work) {
  work->wait();
}

/// A run id every rank agrees on: rank 0's (its environment's, or 16 random
/// hex digits), broadcast as 64 bytes in 8 int64s (Gloo has no char type).
std::string agree_on_run_id(c10d::ProcessGroup& group, const std::string& own, c10::Device device) {
  constexpr std::size_t kBytes = 64;
  at::Tensor buffer = at::zeros({kBytes / 8}, at::kLong);
  if (group.getRank() == 0) {
    std::string id = own;
    if (id.empty()) {
      std::random_device random;
      char hex[17];
      std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
      id = hex;
    }
    std::memcpy(buffer.data_ptr(), id.data(), std::min(id.size(), kBytes - 1));
  }
  std::vector<at::Tensor> tensors{buffer.to(device)};
  wait(group.broadcast(tensors));
  buffer = tensors[0].cpu();
  const char* bytes = static_cast<const char*>(buffer.data_ptr());
  return std::string(bytes, strnlen(bytes, kBytes - 1));
}

/// One round trip from `rank` to rank 0 and back, on `rank`'s side:
/// (rank 0's time - the trip's middle on ours, the trip's length).
// On a device, the copies to and from it are inside the trip: they widen
// the uncertainty, never bias the offset by more than it.
std::pair<std::int64_t, std::int64_t> ping(c10d::ProcessGroup& group, c10::Device device) {
  const std::int64_t t1 = profiler::clock_ns();
  std::vector<at::Tensor> send{at::full({1}, t1, at::kLong).to(device)};
  std::vector<at::Tensor> recv{at::empty({1}, at::TensorOptions(at::kLong).device(device))};
  wait(group.send(send, 0, kPingTag));
  wait(group.recv(recv, 0, kPongTag));
  const std::int64_t t2 = recv[0].cpu().data_ptr<std::int64_t>()[0];
  const std::int64_t t3 = profiler::clock_ns();
  return {t2 - (t1 + (t3 - t1) / 2), t3 - t1};
}

/// Rank 0's side of one round trip with `peer`.
void pong(c10d::ProcessGroup& group, int peer, c10::Device device) {
  std::vector<at::Tensor> recv{at::empty({1}, at::TensorOptions(at::kLong).device(device))};
  wait(group.recv(recv, peer, kPingTag));
  std::vector<at::Tensor> send{at::full({1}, profiler::clock_ns(), at::kLong).to(device)};
  wait(group.send(send, peer, kPongTag));
}

}  // namespace

ClockAlignment align_clocks(c10d::ProcessGroup& group, int rounds, c10::Device device) {
  TSWAP_CHECK(rounds >= 1, "align_clocks: rounds is ", rounds, "; 1 or more round trips");
  const int rank = group.getRank();
  const int size = group.getSize();

  profiler::RunInfo info = profiler::run_info_from_environment();
  const std::string own_id = info.run_id;
  info.rank = rank;
  info.world_size = size;
  if (info.local_rank >= size) info.local_rank = -1;
  info.run_id = agree_on_run_id(group, own_id, device);
  profiler::set_run_info(info);

  ClockAlignment result;
  // One rank at a time, so rank 0 answers each trip at once.
  for (int peer = 1; peer < size; ++peer) {
    if (rank == 0) {
      for (int i = 0; i < rounds; ++i) pong(group, peer, device);
    } else if (rank == peer) {
      std::int64_t best_trip = std::numeric_limits<std::int64_t>::max();
      for (int i = 0; i < rounds; ++i) {
        const auto [offset, trip] = ping(group, device);
        if (trip < best_trip) {
          best_trip = trip;
          result.offset_ns = offset;
        }
      }
      result.uncertainty_ns = static_cast<std::uint64_t>((best_trip + 1) / 2);
      result.rounds = static_cast<std::uint32_t>(rounds);
    }
  }
  wait(group.barrier());
  profiler::set_clock_offset(result.offset_ns, result.uncertainty_ns, result.rounds);
  return result;
}

}  // namespace tswap::distributed
