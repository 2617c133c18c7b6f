// Writes the logs the tswap-log tests run on, into the folder given:
//   good.tswap     a 3-layer swap schedule, two steps, recorded by the recorder
//   broken.tswap   the same with a release before its copy out ends
//   torn.tswap     good.tswap cut in the middle of its last chunk
//   text.tswap     not a log at all
//   nested.tswap   three steps of two nested tags, each beginning every step,
//                  and a third tag that begins only the last two
//   dropped.tswap  a step whose graph is dropped without backward, then a
//                  step that runs backward with a layer used from the device
//   cut.tswap      a session stopped after forward, before backward
// With --under-tswap-log (run with TSWAP_LOG set) it records nothing of its
// own: it names the device, as the engine does, and emits one step.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>

namespace {

using tswap::trace::EventKind;
namespace fs = std::filesystem;

struct Recorder {
  std::uint16_t tag;
  explicit Recorder(const char* tag_name = "cli.layer.*")
      : tag(tswap::profiler::intern_tag(tag_name)) {}
  std::uint8_t d2h = tswap::profiler::intern_stream("cli d2h");
  std::uint8_t h2d = tswap::profiler::intern_stream("cli h2d");

  void emit(EventKind kind, std::uint32_t step, std::uint16_t layer, std::uint8_t stream = 0,
            std::uint8_t flags = 0, std::uint8_t reason = 0) const {
    tswap::profiler::Fields f;
    f.tag = tag;
    f.step = step;
    f.layer = layer;
    f.value = 1 << 20;
    f.stream = stream;
    f.flags = flags;
    f.reason = reason;
    tswap::profiler::emit(kind, f);
    // Distinct, ordered host times.
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }

  /// Layers 0 and 1 swap out and come back; layer 2 is the last (a
  /// parameter kept, nothing copied).
  void step(std::uint32_t s, bool release_early) const {
    forward(s, release_early);
    backward(s);
  }

  void forward(std::uint32_t s, bool release_early = false) const {
    const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
    emit(EventKind::step_begin, s, 0);
    for (std::uint16_t l = 0; l < 3; ++l) {
      if (l > 0) {
        if (release_early && l == 1) emit(EventKind::release, s, 0, 0, 0, freed);
        emit(EventKind::d2h_done, s, l - 1, d2h);
        if (!(release_early && l == 1)) emit(EventKind::release, s, l - 1, 0, 0, freed);
      }
      if (l < 2) {
        emit(EventKind::d2h_queued, s, l, d2h);
        emit(EventKind::d2h_start, s, l, d2h);
      }
    }
    emit(EventKind::kept, s, 2, 0, 0, static_cast<std::uint8_t>(tswap::trace::KeepReason::parameter));
  }

  void backward(std::uint32_t s) const {
    for (int l = 2; l >= 0; --l) {
      const auto layer = static_cast<std::uint16_t>(l);
      if (l < 2) emit(EventKind::h2d_done, s, layer, h2d, tswap::trace::kFlagPrefetch);
      emit(EventKind::unpack, s, layer);
      if (l > 0) {
        emit(EventKind::h2d_queued, s, layer - 1, h2d, tswap::trace::kFlagPrefetch);
        emit(EventKind::h2d_start, s, layer - 1, h2d, tswap::trace::kFlagPrefetch);
      }
    }
  }
};

/// Autograd lets go of the step's swaps (a dropped graph, or after backward).
void destroy(const Recorder& r, std::uint32_t s) {
  for (std::uint16_t l = 0; l < 2; ++l) r.emit(EventKind::swap_destroyed, s, l);
}

void record_nested(const fs::path& path) {
  tswap::profiler::start_session(path.string());
  const Recorder block("cli.block.*"), mlp("cli.block.*.mlp"), head("cli.head");
  for (std::uint32_t s = 1; s <= 3; ++s) {
    block.emit(EventKind::step_begin, s, 0);
    mlp.emit(EventKind::step_begin, s, 0);
    if (s > 1) head.emit(EventKind::step_begin, s - 1, 0);  // its steps count from 1
  }
  tswap::profiler::stop_session();
}

/// Step 1: a validation forward with grad on, its graph dropped. Step 2:
/// layer 1 is never released (layer 2 saved nothing) and backward uses it
/// from the device; layer 0 comes back as always.
void record_dropped(const fs::path& path) {
  tswap::profiler::start_session(path.string());
  const Recorder r;
  r.forward(1);
  destroy(r, 1);
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  r.emit(EventKind::step_begin, 2, 0);
  r.emit(EventKind::d2h_queued, 2, 0, r.d2h);
  r.emit(EventKind::d2h_start, 2, 0, r.d2h);
  r.emit(EventKind::d2h_done, 2, 0, r.d2h);
  r.emit(EventKind::release, 2, 0, 0, 0, freed);
  r.emit(EventKind::d2h_queued, 2, 1, r.d2h);
  r.emit(EventKind::d2h_start, 2, 1, r.d2h);
  r.emit(EventKind::d2h_done, 2, 1, r.d2h);
  r.emit(EventKind::unpack, 2, 1);  // from the device: no release, no copy back
  r.emit(EventKind::h2d_queued, 2, 0, r.h2d, tswap::trace::kFlagPrefetch);
  r.emit(EventKind::h2d_start, 2, 0, r.h2d, tswap::trace::kFlagPrefetch);
  r.emit(EventKind::h2d_done, 2, 0, r.h2d, tswap::trace::kFlagPrefetch);
  r.emit(EventKind::unpack, 2, 0);
  destroy(r, 2);
  tswap::profiler::stop_session();
}

void record_cut(const fs::path& path) {
  tswap::profiler::start_session(path.string());
  Recorder().forward(1);
  tswap::profiler::stop_session();
}

void record(const fs::path& path, bool release_early) {
  tswap::profiler::start_session(path.string());
  const Recorder r;
  r.step(1, release_early);
  r.step(2, false);
  tswap::profiler::stop_session();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--under-tswap-log") {
    tswap::profiler::set_device("cpu (make_test_logs)");
    Recorder().step(1, false);
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: tswap_make_test_logs FOLDER | --under-tswap-log\n");
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  record(dir / "good.tswap", false);
  record(dir / "broken.tswap", true);
  const auto size = fs::file_size(dir / "good.tswap");
  fs::copy_file(dir / "good.tswap", dir / "torn.tswap", fs::copy_options::overwrite_existing);
  fs::resize_file(dir / "torn.tswap", size - 40);  // into the last records chunk or the end chunk
  std::ofstream(dir / "text.tswap") << "this is a text file\n";
  record_nested(dir / "nested.tswap");
  record_dropped(dir / "dropped.tswap");
  record_cut(dir / "cut.tswap");
  return 0;
}
