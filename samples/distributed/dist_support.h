#pragma once

// What the distributed samples share: where this process stands (the
// launcher's environment, as torchrun sets it), a Gloo process group over a
// TCPStore (rank 0 serves it at MASTER_ADDR:MASTER_PORT) or a FileStore, and
// waiting on collectives.

#include <torch/torch.h>

// ProcessGroupGloo.hpp declares the class only under USE_C10D_GLOO. Debian's
// LibTorch CMake package passes it on (with USE_DISTRIBUTED); defined here
// for a package that does not, and not on our command line, so that these
// samples share the other samples' precompiled LibTorch header (same flags).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "../common/sample_support.h"

namespace dist {

struct Place {
  int rank = 0;
  int world_size = 1;
};

inline int env_int(const char* program, const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return static_cast<int>(sample::number(program, name, v, 0));
}

/// RANK and WORLD_SIZE from the environment (0 of 1 when unset).
inline Place place_from_environment(const char* program) {
  Place p{env_int(program, "RANK", 0), env_int(program, "WORLD_SIZE", 1)};
  if (p.world_size < 1 || p.rank >= p.world_size) {
    sample::bad(program, "RANK " + std::to_string(p.rank) + " is not below WORLD_SIZE " +
                             std::to_string(p.world_size));
  }
  return p;
}

/// A Gloo group of every rank. `store_path` non-empty: a FileStore there
/// (a shared file, no port); else a TCPStore at MASTER_ADDR:MASTER_PORT
/// (default 127.0.0.1:29500), rank 0 its server. `timeout` bounds every
/// collective: a peer that hangs fails the run instead of stalling it (one
/// that dies fails it at once: Gloo raises on the closed connection).
inline c10::intrusive_ptr<c10d::ProcessGroupGloo> make_group(const char* program, const Place& p,
                                                             const std::string& store_path,
                                                             std::chrono::milliseconds timeout) {
  c10::intrusive_ptr<c10d::Store> store;
  std::string host = "127.0.0.1";
  if (!store_path.empty()) {
    store = c10::make_intrusive<c10d::FileStore>(store_path, p.world_size);
  } else {
    if (const char* a = std::getenv("MASTER_ADDR"); a != nullptr && *a != '\0') host = a;
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(env_int(program, "MASTER_PORT", c10d::TCPStoreOptions::kDefaultPort));
    o.isServer = p.rank == 0;
    o.numWorkers = static_cast<std::size_t>(p.world_size);
    o.timeout = timeout;
    store = c10::make_intrusive<c10d::TCPStore>(host, o);
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, p.rank, p.world_size, options);
}

inline void wait(const c10::intrusive_ptr<c10d::Work>& work) {
  work->wait();
}

/// True on every rank when `mine` is true on every rank.
inline bool all_true(c10d::ProcessGroup& group, bool mine) {
  std::vector<torch::Tensor> flag{torch::full({1}, mine ? 1 : 0, torch::kInt)};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::MIN;
  wait(group.allreduce(flag, o));
  return flag[0].item<int>() == 1;
}

/// A send, receive or collective failed: a peer died (Gloo raises on the
/// closed connection) or timed out. Says so, closes the log cleanly, so that
/// it is complete up to here (a TSWAP_LOG session too), and returns the
/// samples' exit status for it, 3.
inline int failed(const char* program, int rank, const std::exception& e,
                  std::optional<tswap::profiler::ScopedSession>& session) {
  std::fprintf(stderr, "%s: rank %d: send, receive or collective failed: %s\n", program, rank,
               std::string(e.what()).substr(0, 300).c_str());
  session.reset();
  tswap::profiler::stop_session();
  return 3;
}

}  // namespace dist
