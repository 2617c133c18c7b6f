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
#include <nvtx3/nvToolsExtPayload.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
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

/// A range's extended payload (Note [Operation ids], nvtx.h): the layout
/// of the schema registered below, field for field.
struct OperationPayload {
  std::uint64_t operation_id;
  std::uint64_t bytes;
};

constexpr std::uint64_t kOperationSchemaId = NVTX_PAYLOAD_SCHEMA_ID_STATIC_START + 1;

/// Registers the "tensorswap operation" schema in `domain`; 0 when the tool
/// does not take NVTX's payload extension (or TSWAP_NVTX_PAYLOAD=classic
/// asks for the plain payload), and ranges then carry the id alone.
std::uint64_t register_operation_schema(nvtxDomainHandle_t domain) {
  const char* env = std::getenv("TSWAP_NVTX_PAYLOAD");
  if (env != nullptr && std::strcmp(env, "classic") == 0) return 0;
  static const nvtxPayloadSchemaEntry_t entries[] = {
      {0, NVTX_PAYLOAD_ENTRY_TYPE_UINT64, "operation id",
       "the nvtx_range record with this value in the tensorswap log", 0,
       offsetof(OperationPayload, operation_id), nullptr, nullptr},
      {0, NVTX_PAYLOAD_ENTRY_TYPE_UINT64, "bytes", "bytes the operation moves or frees", 0,
       offsetof(OperationPayload, bytes), nullptr, nullptr},
  };
  nvtxPayloadSchemaAttr_t attr{};
  attr.fieldMask = NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_NAME | NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_TYPE |
                   NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_ENTRIES |
                   NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_NUM_ENTRIES |
                   NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_STATIC_SIZE |
                   NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_SCHEMA_ID;
  // A fixed id (static ids are the domain's own) that fits in 32 bits: the
  // same in every capture, whichever way an exporter writes it.
  attr.schemaId = kOperationSchemaId;
  attr.name = "tensorswap operation";
  attr.type = NVTX_PAYLOAD_SCHEMA_TYPE_STATIC;
  attr.entries = entries;
  attr.numEntries = sizeof(entries) / sizeof(entries[0]);
  attr.payloadStaticSize = sizeof(OperationPayload);
  return nvtxPayloadSchemaRegister(domain, &attr);
}

/// The domain and its registered strings. domain is null when no tool is
/// attached (NVTX's calls then do nothing, and neither do we).
struct Nvtx {
  nvtxDomainHandle_t domain = nullptr;
  std::uint64_t operation_schema = 0;  // 0: ranges carry a plain uint64 payload
  std::mutex mu;
  std::map<std::tuple<int, int, int>, nvtxStringHandle_t> messages;  // (kind, tag, layer)

  Nvtx() {
    domain = nvtxDomainCreateA("tensorswap");
    if (domain == nullptr) return;
    for (int k = 1; k <= trace::kLastEventKind; ++k) {
      nvtxDomainNameCategoryA(domain, static_cast<std::uint32_t>(k),
                              trace::to_string(static_cast<trace::EventKind>(k)));
    }
    operation_schema = register_operation_schema(domain);
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
    // NVTX reads the payload during the push, so it may live on the stack.
    const OperationPayload payload{id, op.value};
    nvtxPayloadData_t data{nvtx->operation_schema, sizeof payload, &payload};
    if (nvtx->operation_schema != 0) {
      a.payloadType = NVTX_PAYLOAD_TYPE_EXT;
      a.reserved0 = 1;  // one nvtxPayloadData_t at payload.ullValue
      a.payload.ullValue = reinterpret_cast<std::uintptr_t>(&data);
    } else {
      a.payloadType = NVTX_PAYLOAD_TYPE_UNSIGNED_INT64;
      a.payload.ullValue = id;
    }
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
