#include "nvtx_probe.h"

#include <nvtx3/nvToolsExt.h>
#include <nvtx3/nvToolsExtPayload.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tswap_test {
namespace {

std::mutex g_mu;
std::vector<NvtxCall> g_calls;
std::vector<std::string> g_strings;
std::vector<NvtxSchema> g_schemas;  // registered string handle h -> g_strings[h - 1]
bool g_attached = false;
int g_domain_token = 0;

void add(NvtxCall call) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_calls.push_back(std::move(call));
}

std::uint64_t tid() {
  return static_cast<std::uint64_t>(::gettid());
}

nvtxDomainHandle_t NVTX_API domain_create(const char* name) {
  add({NvtxCall::domain_created, tid(), name});
  return reinterpret_cast<nvtxDomainHandle_t>(&g_domain_token);
}

void NVTX_API name_category(nvtxDomainHandle_t, uint32_t category, const char* name) {
  add({NvtxCall::category_named, tid(), name, category});
}

nvtxStringHandle_t NVTX_API register_string(nvtxDomainHandle_t, const char* text) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_strings.emplace_back(text);
  return reinterpret_cast<nvtxStringHandle_t>(g_strings.size());
}

std::string message_of(const nvtxEventAttributes_t* a) {
  std::string message;
  if (a->messageType == NVTX_MESSAGE_TYPE_REGISTERED) {
    std::lock_guard<std::mutex> lock(g_mu);
    const auto h = reinterpret_cast<std::uintptr_t>(a->message.registered);
    message = h >= 1 && h <= g_strings.size() ? g_strings[h - 1] : "?";
  } else if (a->messageType == NVTX_MESSAGE_TYPE_ASCII) {
    message = a->message.ascii;
  }
  return message;
}

/// Reads a uint64 field named `field` of a payload of a registered schema.
bool read_field(const nvtxPayloadData_t& data, const char* field, std::uint64_t* out) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const NvtxSchema& schema : g_schemas) {
    if (schema.id != data.schemaId) continue;
    for (const NvtxSchema::Entry& e : schema.entries) {
      if (e.name != field || e.type != NVTX_PAYLOAD_ENTRY_TYPE_UINT64) continue;
      if (e.offset + sizeof(std::uint64_t) > data.size) return false;
      std::memcpy(out, static_cast<const char*>(data.payload) + e.offset, sizeof *out);
      return true;
    }
  }
  return false;
}

/// A call carrying the event's payload, plain or extended.
NvtxCall with_payload(NvtxCall::Type type, const nvtxEventAttributes_t* a) {
  NvtxCall call{type, tid(), message_of(a), a->category};
  if (a->payloadType == NVTX_PAYLOAD_TYPE_UNSIGNED_INT64) {
    call.payload = a->payload.ullValue;
  } else if (a->payloadType == NVTX_PAYLOAD_TYPE_EXT) {
    call.extended = true;
    const auto* data = reinterpret_cast<const nvtxPayloadData_t*>(a->payload.ullValue);
    for (std::uint32_t i = 0; i < a->reserved0; ++i) {
      read_field(data[i], "operation id", &call.payload);
      read_field(data[i], "bytes", &call.bytes);
    }
  }
  return call;
}

int NVTX_API range_push(nvtxDomainHandle_t, const nvtxEventAttributes_t* a) {
  add(with_payload(NvtxCall::range_push, a));
  return 0;
}

void NVTX_API mark(nvtxDomainHandle_t, const nvtxEventAttributes_t* a) {
  add(with_payload(NvtxCall::mark, a));
}

uint64_t NVTX_API schema_register(nvtxDomainHandle_t, const nvtxPayloadSchemaAttr_t* attr) {
  NvtxSchema schema;
  if ((attr->fieldMask & NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_NAME) != 0 && attr->name != nullptr)
    schema.name = attr->name;
  schema.type = attr->type;
  if ((attr->fieldMask & NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_STATIC_SIZE) != 0)
    schema.static_size = attr->payloadStaticSize;
  for (std::size_t i = 0; i < attr->numEntries; ++i) {
    const nvtxPayloadSchemaEntry_t& e = attr->entries[i];
    schema.entries.push_back({e.name != nullptr ? e.name : "", e.type, e.offset});
  }
  std::lock_guard<std::mutex> lock(g_mu);
  schema.id = (attr->fieldMask & NVTX_PAYLOAD_SCHEMA_ATTR_FIELD_SCHEMA_ID) != 0
                  ? attr->schemaId
                  : NVTX_PAYLOAD_SCHEMA_ID_DYNAMIC_START + g_schemas.size();
  g_schemas.push_back(schema);
  return schema.id;
}

int NVTX_API range_pop(nvtxDomainHandle_t) {
  add({NvtxCall::range_pop, tid(), ""});
  return 0;
}

void NVTX_API name_os_thread(uint32_t thread, const char* name) {
  add({NvtxCall::thread_named, thread, name});
}

template <class F>
void install(NvtxFunctionTable table, unsigned int size, unsigned int slot, F* fn) {
  if (slot < size && table[slot] != nullptr)
    *table[slot] = reinterpret_cast<NvtxFunctionPointer>(fn);
}

}  // namespace

std::vector<NvtxCall> nvtx_calls() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_calls;
}

std::vector<NvtxSchema> nvtx_schemas() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_schemas;
}

bool nvtx_probe_attached() {
  return g_attached;
}

}  // namespace tswap_test

extern "C" __attribute__((visibility("default"))) int InitializeInjectionNvtx2(
    NvtxGetExportTableFunc_t get_export_table) {
  using namespace tswap_test;
  const auto* callbacks =
      static_cast<const NvtxExportTableCallbacks*>(get_export_table(NVTX_ETID_CALLBACKS));
  if (callbacks == nullptr) return 0;
  NvtxFunctionTable table = nullptr;
  unsigned int size = 0;
  if (!callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE2, &table, &size)) return 0;
  install(table, size, NVTX_CBID_CORE2_DomainCreateA, &domain_create);
  install(table, size, NVTX_CBID_CORE2_DomainNameCategoryA, &name_category);
  install(table, size, NVTX_CBID_CORE2_DomainRegisterStringA, &register_string);
  install(table, size, NVTX_CBID_CORE2_DomainRangePushEx, &range_push);
  install(table, size, NVTX_CBID_CORE2_DomainRangePop, &range_pop);
  install(table, size, NVTX_CBID_CORE2_DomainMarkEx, &mark);
  if (!callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE, &table, &size)) return 0;
  install(table, size, NVTX_CBID_CORE_NameOsThreadA, &name_os_thread);
  g_attached = true;
  return 1;
}

// NVTX's extensions (the payload one here) ask for their handlers through
// this second entry point, once per module.
extern "C" __attribute__((visibility("default"))) int InitializeInjectionNvtxExtension(
    nvtxExtModuleInfo_t* info) {
  const char* env = std::getenv("TSWAP_PROBE_PAYLOAD_EXTENSION");
  if (env != nullptr && std::strcmp(env, "0") == 0) return 0;
  if (info == nullptr || info->moduleId != NVTX_EXT_PAYLOAD_MODULEID || info->segmentsCount < 1)
    return 0;
  nvtxExtModuleSegment_t& segment = info->segments[0];
  if (segment.slotCount <= NVTX3EXT_CBID_nvtxPayloadSchemaRegister) return 0;
  segment.functionSlots[NVTX3EXT_CBID_nvtxPayloadSchemaRegister] =
      reinterpret_cast<intptr_t>(&tswap_test::schema_register);
  return 1;
}
