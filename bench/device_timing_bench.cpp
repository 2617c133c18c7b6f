// What device timing costs per copy, beside the copy itself (issue 11).
//
// The accelerator runtime on a fake device (tests/support/counting_guard.h:
// tensors stay on the CPU, so a "copy" is a memcpy of `bytes`) with a
// recording session on, side by side:
//   untimed  no timing events: the copy's queued record only
//   timed    a fake timing backend: two marks per copy (start, end), each a
//            pooled event recorded and filed for the writer thread
// and the resolver's own work per mark, on the writer's side:
//   resolve  marks of 1,024 copies turned into device-timed records
// timed minus untimed is what timing adds to the training thread per copy;
// on a GPU the backend's event record (cudaEventRecord) comes on top, which
// scripts/gpu-checks.sh measures.

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>

#include <tswap/accelerator_runtime.h>
#include <tswap/profiler.h>

#include "support/counting_guard.h"
#include "support/fake_device_timer.h"

namespace {

std::shared_ptr<tswap::AcceleratorRuntime> make_runtime(bool timed) {
  tswap::AcceleratorOptions o;
  o.host_allocator = [](std::size_t n) { return at::empty({static_cast<int64_t>(n)}, at::kByte); };
  o.time_device = timed;
  if (timed) o.timer = std::make_shared<tswap_test::FakeDeviceTimer>();
  o.sample_memory = false;
  // Copies every 1.5 us outrun a 50 ms flush by far more than the default
  // cap: lift it, so every copy pays for its marks.
  o.max_pending_marks = std::size_t{1} << 26;
  return std::make_shared<tswap::AcceleratorRuntime>(c10::Device(tswap_test::kFakeDevice, 0), o);
}

void copy_to_host(benchmark::State& state, bool timed) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  auto rt = make_runtime(timed);
  const at::Tensor src = at::zeros({static_cast<int64_t>(bytes)}, at::kByte);
  const at::Tensor dst = at::empty({static_cast<int64_t>(bytes)}, at::kByte);
  tswap::profiler::SessionOptions s;
  s.path = "/dev/null";
  tswap::profiler::start_session(s);
  tswap::CopyLabel label;
  for (auto _ : state) {
    benchmark::DoNotOptimize(rt->copy_to_host(src, dst, label));
  }
  tswap::profiler::stop_session();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["events_made"] = static_cast<double>(rt->timing_counters().events_made);
}

void BM_CopyUntimed(benchmark::State& state) {
  copy_to_host(state, false);
}
void BM_CopyTimed(benchmark::State& state) {
  copy_to_host(state, true);
}
BENCHMARK(BM_CopyUntimed)->Arg(4 << 10)->Arg(1 << 20);
BENCHMARK(BM_CopyTimed)->Arg(4 << 10)->Arg(1 << 20);

void BM_Resolve(benchmark::State& state) {
  auto rt = make_runtime(true);
  const at::Tensor src = at::zeros({64}, at::kByte);
  const at::Tensor dst = at::empty({64}, at::kByte);
  tswap::profiler::SessionOptions s;
  s.path = "/dev/null";
  s.flush_interval = std::chrono::hours(1);  // only this benchmark resolves
  tswap::profiler::start_session(s);
  rt->resolve_timing();  // the first anchor, outside the timing
  tswap::CopyLabel label;
  constexpr int kCopies = 1024;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kCopies; ++i) rt->copy_to_host(src, dst, label);
    state.ResumeTiming();
    rt->resolve_timing();
  }
  tswap::profiler::stop_session();
  state.SetItemsProcessed(state.iterations() * kCopies * 2);  // marks
}
BENCHMARK(BM_Resolve)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
