#pragma once
// Reading an Nsight Systems capture exported with `nsys export --type sqlite`.
//
// The schema followed is the one the Nsight Systems 2026.4 Analysis Guide
// documents ("SQLite Schema Reference", export schema version 3.28.1), with
// the columns older exporters lack treated as absent rather than as errors
// (docs/nsight.md, "Reading an nsys export", lists them). Enum codes (NVTX
// event types, memcpy kinds) are looked up by name in the export's ENUM_
// tables where it has them: the reference names the tables, not the values.
// Nothing here joins the capture with a tensorswap log: that is the
// caller's job.
//
// A Capture is an immutable value: load() builds it on the calling thread
// (with progress and cancellation, as tswap::trace::Trace::load), after which
// any thread may read it.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tswap/trace/trace.h>  // LoadProgress, LoadCancelled: one cancellation for both readers

namespace tswap::nsys {

/// Why a capture could not be read.
class CaptureError : public std::runtime_error {
 public:
  enum class Kind {
    cannot_open,    // missing, unreadable, a directory
    not_sqlite,     // empty, or not an SQLite database at all
    not_an_export,  // an SQLite database, but none of the tables nsys writes
    unsupported,    // an nsys table without a column every exporter writes
    corrupt,        // SQLite says the database is malformed (a truncated copy, ...)
  };

  CaptureError(Kind kind, std::string file, const std::string& problem);

  Kind kind() const { return kind_; }
  const std::string& file() const { return file_; }

 private:
  Kind kind_;
  std::string file_;
};

const char* to_string(CaptureError::Kind kind);

/// nsys packs a process and a thread into one 64-bit "serialized GlobalId":
/// bits 0-23 the thread id, 24-47 the process id, the bits above a VM and a
/// hardware id. Device rows carry `globalPid`, the same with the tid bits 0.
inline std::uint32_t pid_of(std::int64_t global_id) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(global_id) >> 24) & 0xFFFFFFu);
}
inline std::uint32_t tid_of(std::int64_t global_id) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(global_id) & 0xFFFFFFu);
}
/// The globalPid of the process a globalTid belongs to (what device rows hold).
inline std::int64_t global_pid_of(std::int64_t global_tid) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(global_tid) &
                                   ~std::uint64_t{0xFFFFFF});
}

/// Index into Capture::strings(); 0 is the empty string ("no name").
using StringRef = std::uint32_t;

/// The NVTX event types the reader keeps (NVTX_EVENTS.eventType).
enum class NvtxType : std::uint8_t {
  mark = 34,                  // NvtxMark: no end
  push_pop_range = 59,        // NvtxPushPopRange
  start_end_range = 60,       // NvtxStartEndRange
  text_push_pop_range = 70,   // NvtxtPushPopRange (NVTXT, text-file annotations)
  text_start_end_range = 71,  // NvtxtStartEndRange
};

/// Which member of NVTX's payload union the event carried. nsys writes one
/// column per member and leaves the others NULL.
enum class PayloadKind : std::uint8_t {
  none,
  uint64,
  int64,
  float64,
  uint32,
  int32,
  float32,
  json,
  binary  // NVTX's payload extension: bytes laid out by a registered schema
};

/// A schema registered through NVTX's payload extension
/// (NVTX_PAYLOAD_SCHEMAS and NVTX_PAYLOAD_SCHEMA_ENTRIES).
struct PayloadSchema {
  struct Entry {
    std::string name;
    std::uint64_t type = 0;  // NVTX_PAYLOAD_ENTRY_TYPE_*
    std::uint64_t offset = 0;
  };
  std::int64_t domain_id = 0;
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t size = 0;  // of a static payload
  std::vector<Entry> entries;
};

/// An NVTX range or mark. Times are nsys's: signed ns from its session start.
struct NvtxEvent {
  std::int64_t start = 0;
  std::int64_t end = 0;  // == start for a mark, or a range that never ended
  bool has_end = false;
  NvtxType type = NvtxType::mark;
  std::int64_t global_tid = 0;
  StringRef text = 0;          // from `text`, or `textId` -> StringIds
  std::int64_t domain_id = 0;  // 0: the default domain (or an export without domainId)
  StringRef domain = 0;        // the domain's name, "" for the default domain
  std::int64_t category = 0;
  PayloadKind payload_kind = PayloadKind::none;
  // The payload, in the member payload_kind names: unsigned kinds in
  // payload_uint, signed ones in payload_int, floating ones in payload_double,
  // json in payload_json, binary as Capture::payload_bytes(*this) laid
  // out by the schema payload_schema names (0: nsys's header around the
  // bytes was not understood).
  std::uint64_t payload_uint = 0;
  std::int64_t payload_int = 0;
  double payload_double = 0;
  StringRef payload_json = 0;
  std::uint64_t payload_schema = 0;
  std::uint32_t payload_offset = 0;  // into the capture's binary payloads
  std::uint32_t payload_size = 0;

  std::uint32_t pid() const { return pid_of(global_tid); }
  std::uint32_t tid() const { return tid_of(global_tid); }
};

/// A CUDA runtime API call (cudaMemcpyAsync, cudaLaunchKernel, ...).
struct RuntimeCall {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t global_tid = 0;
  std::uint32_t correlation_id = 0;  // the memcpy or kernel it caused has the same id
  StringRef name = 0;                // nameId -> StringIds, e.g. "cudaMemcpyAsync_v3020"

  std::uint32_t pid() const { return pid_of(global_tid); }
  std::uint32_t tid() const { return tid_of(global_tid); }
};

/// CUPTI's CUpti_ActivityMemcpyKind as nsys stores it (ENUM_CUDA_MEMCPY_OPER),
/// with nsys's unified-memory kinds after CUPTI's.
enum class CopyKind : std::uint8_t {
  unknown = 0,
  htod = 1,
  dtoh = 2,
  htoa = 3,
  atoh = 4,
  atoa = 5,
  atod = 6,
  dtoa = 7,
  dtod = 8,
  htoh = 9,
  ptop = 10,
  uvm_htod = 11,
  uvm_dtoh = 12,
  uvm_dtod = 13,
};
/// "HtoD", "DtoH", ...; "kind N" for a value this reader does not know.
std::string to_string(CopyKind kind);

/// A memory copy as the device ran it.
struct Memcpy {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::uint64_t bytes = 0;
  std::int64_t global_pid = 0;  // 0 in exports without globalPid
  std::uint32_t correlation_id = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t device_id = 0;
  CopyKind kind = CopyKind::unknown;  // the raw byte, possibly outside the enum
  // Copies this row stands for: batched copies (cudaMemcpyBatchAsync) share
  // one row, its bytes their total.
  std::uint32_t copy_count = 1;

  std::uint32_t pid() const { return pid_of(global_pid); }
};

/// A kernel as the device ran it.
struct Kernel {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t global_pid = 0;
  std::uint32_t correlation_id = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t device_id = 0;
  StringRef short_name = 0;      // shortName -> StringIds
  StringRef demangled_name = 0;  // demangledName -> StringIds

  std::uint32_t pid() const { return pid_of(global_pid); }
};

/// A thread nsys named (ThreadNames).
struct ThreadName {
  std::int64_t global_tid = 0;
  StringRef name = 0;
};

/// A process in the capture (PROCESSES).
struct Process {
  std::int64_t global_pid = 0;
  std::uint32_t pid = 0;
  StringRef name = 0;
};

/// The tables load() found (whether or not they held rows).
struct Tables {
  bool nvtx = false;           // NVTX_EVENTS
  bool runtime = false;        // CUPTI_ACTIVITY_KIND_RUNTIME
  bool memcpy = false;         // CUPTI_ACTIVITY_KIND_MEMCPY
  bool kernel = false;         // CUPTI_ACTIVITY_KIND_KERNEL
  bool thread_names = false;   // ThreadNames
  bool processes = false;      // PROCESSES
  bool session_start = false;  // TARGET_INFO_SESSION_START_TIME
  bool export_meta = false;    // META_DATA_EXPORT
  // Columns newer exporters added, absent in older ones.
  bool nvtx_text_id = false;    // NVTX_EVENTS.textId (registered strings)
  bool nvtx_domain_id = false;  // NVTX_EVENTS.domainId
  bool nvtx_payload = false;    // NVTX_EVENTS.uint64Value and the other payload columns
  bool nvtx_json = false;       // NVTX_EVENTS.jsonText / jsonTextId
  bool nvtx_binary = false;     // NVTX_EVENTS.binaryData (extended payloads)
  bool payload_schemas = false;  // NVTX_PAYLOAD_SCHEMAS with NVTX_PAYLOAD_SCHEMA_ENTRIES
  bool event_type_names = false;  // ENUM_NSYS_EVENT_TYPE: event types looked up by name
  bool copy_kind_names = false;   // ENUM_CUDA_MEMCPY_OPER: memcpy kinds looked up by name
};

/// An nsys SQLite export, read once. Rows are sorted by start time (ties keep
/// the table's order); times are kept signed as nsys wrote them.
class Capture {
 public:
  /// Reads `path`. Throws CaptureError, or tswap::trace::LoadCancelled when
  /// `progress` returns false. `progress` gets rows done and an estimate of
  /// the rows in all tables read.
  static Capture load(const std::string& path, const trace::LoadProgress& progress = {});

  const std::string& path() const { return path_; }
  const Tables& tables() const { return tables_; }

  const std::vector<NvtxEvent>& nvtx() const { return nvtx_; }
  const std::vector<RuntimeCall>& runtime_calls() const { return runtime_; }
  const std::vector<Memcpy>& memcpys() const { return memcpys_; }
  const std::vector<Kernel>& kernels() const { return kernels_; }
  const std::vector<ThreadName>& thread_names() const { return thread_names_; }
  const std::vector<Process>& processes() const { return processes_; }

  /// The text of a StringRef ("" for 0 or an id StringIds lacked).
  std::string_view string(StringRef ref) const;
  const std::vector<std::string>& strings() const { return strings_; }

  /// The name nsys gave the thread, "" if none.
  std::string_view thread_name(std::int64_t global_tid) const;
  /// NVTX domains created in the capture: (globalPid, domainId) -> name.
  const std::map<std::pair<std::int64_t, std::int64_t>, std::string>& domains() const {
    return domains_;
  }
  /// Whether some process created an NVTX domain of that name.
  bool has_domain(std::string_view name) const;

  /// The payload schemas the export lists, in its order.
  const std::vector<PayloadSchema>& payload_schemas() const { return payload_schemas_; }
  /// A binary payload's bytes, without nsys's header ("" for other kinds).
  std::string_view payload_bytes(const NvtxEvent& e) const;
  /// The integer field `name` of a binary payload, by its schema (the
  /// event's domain and schema id; with an unknown schema id, the one schema
  /// of the domain that has such a field and fits the bytes). nullopt when
  /// the event has no such field.
  std::optional<std::uint64_t> payload_field(const NvtxEvent& e, std::string_view name) const;

  /// TARGET_INFO_SESSION_START_TIME: the wall clock (ns since the UNIX epoch)
  /// at nsys's time 0; has_session_start() is false when the table is absent.
  bool has_session_start() const { return tables_.session_start && session_start_utc_ns_set_; }
  std::int64_t session_start_utc_ns() const { return session_start_utc_ns_; }
  /// The same instant as text, as nsys wrote it ("" when absent).
  const std::string& session_start_utc_text() const { return session_start_utc_text_; }
  const std::string& session_start_local_text() const { return session_start_local_text_; }

  /// META_DATA_EXPORT's name/value pairs (EXPORT_SCHEMA_VERSION, ...), empty
  /// when the exporter wrote none.
  const std::map<std::string, std::string>& export_meta() const { return export_meta_; }
  /// EXPORT_SCHEMA_VERSION, "" when not recorded.
  std::string schema_version() const;

 private:
  friend class Loader;

  std::string path_;
  Tables tables_;
  std::vector<NvtxEvent> nvtx_;
  std::vector<RuntimeCall> runtime_;
  std::vector<Memcpy> memcpys_;
  std::vector<Kernel> kernels_;
  std::vector<ThreadName> thread_names_;  // sorted by global_tid
  std::vector<Process> processes_;
  std::vector<std::string> strings_{std::string()};
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> domains_;
  std::vector<PayloadSchema> payload_schemas_;
  std::string payload_bytes_;  // every binary payload, back to back
  std::int64_t session_start_utc_ns_ = 0;
  bool session_start_utc_ns_set_ = false;
  std::string session_start_utc_text_;
  std::string session_start_local_text_;
  std::map<std::string, std::string> export_meta_;
};

}  // namespace tswap::nsys
