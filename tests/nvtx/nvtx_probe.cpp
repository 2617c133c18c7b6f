#include "nvtx_probe.h"

#include <nvtx3/nvToolsExt.h>
#include <unistd.h>

#include <mutex>

namespace tswap_test {
namespace {

std::mutex g_mu;
std::vector<NvtxCall> g_calls;
std::vector<std::string> g_strings;  // registered string handle h -> g_strings[h - 1]
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

std::uint64_t payload_of(const nvtxEventAttributes_t* a) {
  return a->payloadType == NVTX_PAYLOAD_TYPE_UNSIGNED_INT64 ? a->payload.ullValue : 0;
}

int NVTX_API range_push(nvtxDomainHandle_t, const nvtxEventAttributes_t* a) {
  add({NvtxCall::range_push, tid(), message_of(a), a->category, payload_of(a)});
  return 0;
}

void NVTX_API mark(nvtxDomainHandle_t, const nvtxEventAttributes_t* a) {
  add({NvtxCall::mark, tid(), message_of(a), a->category, payload_of(a)});
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
