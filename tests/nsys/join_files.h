#pragma once

// A log and an nsys capture of one run, built by hand with every time
// chosen (tests/nsys/join_test.cpp and the tswap-log nsys tests):
//
// log (pid 42, monotonic_start_ns 1000; tag 1 model.layer.*):
//   50    nvtx_range op 5 (layer_enter L0)
//   100   d2h_queued L0 #0 4096 B, nvtx_range op 7 (d2h_queued)
//   2000  h2d_queued L0 #0 4096 B, nvtx_range op 8 (h2d_queued)
//   2500  d2h_queued L1 #0 2048 B, nvtx_range op 9   (its range has no runtime call)
//   2600  d2h_queued L1 #1 2048 B, nvtx_range op 10  (the capture has no range 10)
// capture (pid 42; the session mark at 5000 says 1000: the log's 0 is 5000):
//   ranges op 5 at 5050, op 7 5100-5130, op 8 7003-7040, op 9 7500-7520
//   runtime calls: corr 101 5110-5120, corr 102 7010-7020 (on the ranges' thread)
//   memcpys: corr 101 DtoH 5200-5600 4096 B stream 14; corr 102 HtoD 7100-7300 4096 B stream 15
//   kernels: 5000-5400 and 7250-7500 on stream 7
// So: 4 of the log's 5 ranges are in the capture (not op 10), residuals 0,
// 0, 3 and 0 ns; 2 of the 4 logged copies matched a memcpy (op 9: no runtime
// call in its range; op 10: no range); D2H 4096 B in 400 ns (10.24 GB/s),
// 200 ns beside a kernel; H2D 4096 B in 200 ns (20.48 GB/s), 50 ns beside
// one; queueing 90 ns each.
//
// With extended_payloads, the ranges carry what the recorder's payload
// schema lays out ("operation id", "bytes", the schema listed in the
// export) instead of a plain uint64; with renumbered_enums the export's
// ENUM_ tables give event types and copy kinds other codes than usual, and
// the rows use those.

#include <cstdint>
#include <string>

#include "capture_builder.h"
#include "log_builder.h"

namespace tswap::nsys::testing {

inline constexpr std::uint32_t kRunPid = 42;

/// The log above (LogBuilder's header: pid 42, monotonic_start_ns 1000).
inline tswap_test::LogBuilder join_log() {
  using tswap::trace::EventKind;
  using tswap_test::rec;
  const auto op = [](std::uint64_t ns, std::uint64_t id, EventKind kind, std::uint16_t layer,
                     std::uint32_t index) {
    return rec(EventKind::nvtx_range, ns, layer, index, id, 0, 0, static_cast<std::uint8_t>(kind));
  };
  tswap_test::LogBuilder b;
  b.standard_names().records(
      1, {op(50, 5, EventKind::layer_enter, 0, 0),
          rec(EventKind::d2h_queued, 100, 0, 0, 4096, 1), op(100, 7, EventKind::d2h_queued, 0, 0),
          rec(EventKind::h2d_queued, 2000, 0, 0, 4096, 2), op(2000, 8, EventKind::h2d_queued, 0, 0),
          rec(EventKind::d2h_queued, 2500, 1, 0, 2048, 1), op(2500, 9, EventKind::d2h_queued, 1, 0),
          rec(EventKind::d2h_queued, 2600, 1, 1, 2048, 1),
          op(2600, 10, EventKind::d2h_queued, 1, 1)});
  b.end(10);
  return b;
}

struct CaptureShape {
  std::int64_t shift = 0;             // added to every capture time (negative ones too)
  std::uint64_t mark_payload = 1000;  // what the session mark says the log's clock started at
  bool tensorswap_domain = true;
  bool session_mark = true;
  bool kernels = true;
  bool other_process = false;  // another process with the same op ids and correlation ids
  bool extended_payloads = false;  // ranges with binaryData laid out by the recorder's schema
  bool payload_schema_listed = true;  // with extended_payloads: NVTX_PAYLOAD_SCHEMAS has it
  bool renumbered_enums = false;
};

/// The recorder's payload schema id (profiler/recorder/nvtx.cpp:
/// NVTX_PAYLOAD_SCHEMA_ID_STATIC_START + 1).
inline constexpr std::uint64_t kOperationSchemaId = (std::uint64_t{1} << 24) + 1;

/// The capture above, changed as `shape` says.
inline void write_join_capture(const std::string& path, const CaptureShape& shape = {}) {
  CaptureBuilder b(path);
  for (const char* ddl : {kStringIdsDdl, kThreadNamesDdl, kProcessesDdl, kNvtxDdl, kRuntimeDdl,
                          kMemcpyDdl}) {
    b.exec(ddl);
  }
  if (shape.kernels) b.exec(kKernelDdl);
  // Event types and copy kinds: the usual codes, or others an export's
  // ENUM_ tables name (what a reader must look up rather than assume).
  const int mark_type = shape.renumbered_enums ? 134 : kNvtxMark;
  const int push_pop_type = shape.renumbered_enums ? 159 : kNvtxPushPop;
  const int domain_type = shape.renumbered_enums ? 175 : kNvtxDomainCreate;
  const int htod = shape.renumbered_enums ? 21 : 1, dtoh = shape.renumbered_enums ? 22 : 2;
  if (shape.renumbered_enums) {
    b.exec(kEventTypeEnumDdl);
    b.exec(kCopyKindEnumDdl);
    b.insert("ENUM_NSYS_EVENT_TYPE", "id, name, label", {134, "NvtxMark", "NVTX mark"});
    b.insert("ENUM_NSYS_EVENT_TYPE", "id, name, label",
             {159, "NvtxPushPopRange", "NVTX push/pop range"});
    b.insert("ENUM_NSYS_EVENT_TYPE", "id, name, label",
             {175, "NvtxDomainCreate", "NVTX domain create"});
    // The usual codes mean something else here.
    b.insert("ENUM_NSYS_EVENT_TYPE", "id, name, label", {59, "OsrtSomething", "not NVTX"});
    b.insert("ENUM_CUDA_MEMCPY_OPER", "id, name, label",
             {21, "CUDA_MEMCPY_KIND_HTOD", "Host-to-Device"});
    b.insert("ENUM_CUDA_MEMCPY_OPER", "id, name, label",
             {22, "CUDA_MEMCPY_KIND_DTOH", "Device-to-Host"});
    b.insert("ENUM_CUDA_MEMCPY_OPER", "id, name, label",
             {1, "CUDA_MEMCPY_KIND_DTOD", "Device-to-Device"});
  }
  if (shape.extended_payloads && shape.payload_schema_listed) {
    b.exec(kPayloadSchemasDdl);
    b.exec(kPayloadEntriesDdl);
    const auto id = static_cast<std::int64_t>(kOperationSchemaId);
    b.insert("NVTX_PAYLOAD_SCHEMAS", "domainId, schemaId, name, type, numEntries, payloadSize",
             {1, id, "tensorswap operation", 1, 2, 16});
    b.insert("NVTX_PAYLOAD_SCHEMA_ENTRIES", "domainId, schemaId, idx, type, name, offset",
             {1, id, 1, 18, "bytes", 8});
    b.insert("NVTX_PAYLOAD_SCHEMA_ENTRIES", "domainId, schemaId, idx, type, name, offset",
             {1, id, 0, 18, "operation id", kNull});
  }
  b.string(10, "layer_enter model.layer.* L0");
  b.string(11, "d2h_queued model.layer.* L0");
  b.string(12, "h2d_queued model.layer.* L0");
  b.string(13, "d2h_queued model.layer.* L1");
  b.string(20, "cudaMemcpyAsync_v3020");
  b.string(30, "gemm");
  const std::int64_t s = shape.shift;
  auto add_run = [&](std::uint32_t pid) {
    const std::int64_t main = global_tid(pid, pid);
    b.process(global_pid(pid), pid, "train");
    if (shape.tensorswap_domain) {
      b.insert("NVTX_EVENTS", "start, eventType, text, globalTid, domainId",
               {0, domain_type, "tensorswap", main, 1});
    }
    const std::int64_t domain = shape.tensorswap_domain ? 1 : 0;
    if (shape.session_mark && shape.tensorswap_domain) {
      b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text, domainId, uint64Value",
               {5000 + s, kNull, mark_type, main, "tensorswap session", domain,
                static_cast<std::int64_t>(pid == kRunPid ? shape.mark_payload : 77)});
    }
    auto range = [&](std::int64_t start, std::int64_t end, std::int64_t text, std::int64_t id,
                     std::int64_t category, std::int64_t bytes) {
      if (shape.extended_payloads) {
        b.insert("NVTX_EVENTS",
                 "start, end, eventType, category, globalTid, textId, domainId, binaryData",
                 {start + s, end + s, push_pop_type, category, main, text, domain,
                  Value::bytes(binary_payload(1, kOperationSchemaId,
                                              {static_cast<std::uint64_t>(id),
                                               static_cast<std::uint64_t>(bytes)}))});
      } else {
        b.insert("NVTX_EVENTS",
                 "start, end, eventType, category, globalTid, textId, domainId, uint64Value",
                 {start + s, end + s, push_pop_type, category, main, text, domain, id});
      }
    };
    range(5050, 9000, 10, 5, 2, 0);
    range(5100, 5130, 11, 7, 5, 4096);
    range(7003, 7040, 12, 8, 9, 4096);
    range(7500, 7520, 13, 9, 5, 2048);
    b.runtime(5110 + s, 5120 + s, main, 101, 20);
    b.runtime(7010 + s, 7020 + s, main, 102, 20);
    b.memcpy(5200 + s, 5600 + s, 4096, dtoh, 14, 0, 101, global_pid(pid));
    b.memcpy(7100 + s, 7300 + s, 4096, htod, 15, 0, 102, global_pid(pid));
    if (shape.kernels) {
      b.kernel(5000 + s, 5400 + s, 7, 0, 201, global_pid(pid), 30, 30);
      b.kernel(7250 + s, 7500 + s, 7, 0, 202, global_pid(pid), 30, 30);
    }
  };
  if (shape.other_process) add_run(77);
  add_run(kRunPid);
  b.close();
}

}  // namespace tswap::nsys::testing
