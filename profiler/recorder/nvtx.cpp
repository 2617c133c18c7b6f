// NVTX ranges in the "tensorswap" domain. Built with the CUDA toolkit's
// NVTX3 headers when CMake finds them (TSWAP_HAVE_NVTX), as no-ops otherwise.

#include <tswap/profiler.h>
#include <tswap/profiler/nvtx.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "nvtx_internal.h"

#if TSWAP_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "string_registry.h"
#endif

namespace tswap::profiler {
namespace {

std::atomic<bool> g_nvtx_wanted{[] {
  const char* env = std::getenv("TSWAP_NVTX");
  return env == nullptr || std::strcmp(env, "0") != 0;
}()};

}  // namespace

void set_nvtx_enabled(bool enabled) {
  g_nvtx_wanted.store(enabled);
}
bool nvtx_enabled() {
  return g_nvtx_wanted.load() && nvtx_compiled_in();
}

#if TSWAP_HAVE_NVTX

bool nvtx_compiled_in() {
  return true;
}

namespace {

/// The domain and its registered strings. domain is null when no tool is
/// attached (NVTX's calls then do nothing, and neither do we).
struct Nvtx {
  nvtxDomainHandle_t domain = nullptr;
  std::mutex mu;
  std::map<std::tuple<int, int, int>, nvtxStringHandle_t> messages;  // (kind, tag, layer)

  Nvtx() {
    domain = nvtxDomainCreateA("tensorswap");
    if (domain == nullptr) return;
    for (int k = 1; k <= trace::kLastEventKind; ++k) {
      nvtxDomainNameCategoryA(domain, static_cast<std::uint32_t>(k),
                              trace::to_string(static_cast<trace::EventKind>(k)));
    }
  }

  nvtxStringHandle_t message(trace::EventKind kind, std::uint16_t tag, std::uint16_t layer) {
    std::lock_guard<std::mutex> lock(mu);
    auto& handle = messages[{static_cast<int>(kind), tag, layer}];
    if (handle == nullptr) {
      const std::string text = std::string(trace::to_string(kind)) + " " +
                               detail::StringRegistry::get().name(trace::StringKind::tag, tag) +
                               " L" + std::to_string(layer);
      handle = nvtxDomainRegisterStringA(domain, text.c_str());
    }
    return handle;
  }
};

/// The domain if a tool is attached, whether or not ranges are wanted now.
Nvtx* any_nvtx() {
  static Nvtx* nvtx = new Nvtx();  // leaked: ranges may close during static destruction
  return nvtx->domain != nullptr ? nvtx : nullptr;
}

Nvtx* active_nvtx() {
  return g_nvtx_wanted.load(std::memory_order_relaxed) ? any_nvtx() : nullptr;
}

}  // namespace

bool nvtx_push(trace::EventKind category, const Fields& op) noexcept {
  Nvtx* nvtx = active_nvtx();
  if (nvtx == nullptr) return false;
  try {
    // Note [Operation ids]: one id per range for the process's life.
    static std::atomic<std::uint64_t> next_op{1};
    const std::uint64_t id = next_op.fetch_add(1, std::memory_order_relaxed);
    nvtxEventAttributes_t a{};
    a.version = NVTX_VERSION;
    a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    a.category = static_cast<std::uint32_t>(category);
    a.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
    a.message.registered = nvtx->message(category, op.tag, op.layer);
    a.payloadType = NVTX_PAYLOAD_TYPE_UNSIGNED_INT64;
    a.payload.ullValue = id;
    nvtxDomainRangePushEx(nvtx->domain, &a);
    Fields f = op;
    f.value = id;
    f.reason = static_cast<std::uint8_t>(category);
    f.flags = 0;
    emit(trace::EventKind::nvtx_range, f);
    return true;
  } catch (...) {
    return false;
  }
}

void nvtx_pop() noexcept {
  // A range pushed before NVTX was switched off is still popped.
  if (Nvtx* n = any_nvtx()) nvtxDomainRangePop(n->domain);
}

namespace detail {
void nvtx_name_this_thread(const char* name) {
  if (active_nvtx() != nullptr) nvtxNameOsThreadA(static_cast<std::uint32_t>(::gettid()), name);
}

void nvtx_session_mark(std::uint64_t monotonic_start_ns, std::uint32_t pid) {
  Nvtx* nvtx = active_nvtx();
  if (nvtx == nullptr) return;
  const std::string text = "tensorswap session: pid " + std::to_string(pid) +
                           ", log clock starts at CLOCK_MONOTONIC " +
                           std::to_string(monotonic_start_ns) + " ns";
  nvtxEventAttributes_t a{};
  a.version = NVTX_VERSION;
  a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  a.messageType = NVTX_MESSAGE_TYPE_ASCII;
  a.message.ascii = text.c_str();
  a.payloadType = NVTX_PAYLOAD_TYPE_UNSIGNED_INT64;
  a.payload.ullValue = monotonic_start_ns;
  nvtxDomainMarkEx(nvtx->domain, &a);
}
}  // namespace detail

#else  // no NVTX headers at build time

bool nvtx_compiled_in() {
  return false;
}
bool nvtx_push(trace::EventKind, const Fields&) noexcept {
  return false;
}
void nvtx_pop() noexcept {}
namespace detail {
void nvtx_name_this_thread(const char*) {}
void nvtx_session_mark(std::uint64_t, std::uint32_t) {}
}  // namespace detail

#endif

}  // namespace tswap::profiler
