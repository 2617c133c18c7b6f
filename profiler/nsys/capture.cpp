// Loads an nsys SQLite export into a Capture. One pass per table, rows read
// straight into compact structs; strings are interned (registered strings
// through StringIds, looked up once per distinct id after the scan), so a
// capture with millions of kernels of a few names holds a few names.

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <tswap/nsys/capture.h>

#include "sqlite_db.h"

namespace tswap::nsys {

const char* to_string(CaptureError::Kind kind) {
  switch (kind) {
    case CaptureError::Kind::cannot_open:
      return "cannot open";
    case CaptureError::Kind::not_sqlite:
      return "not an SQLite database";
    case CaptureError::Kind::not_an_export:
      return "not an Nsight Systems export";
    case CaptureError::Kind::unsupported:
      return "unsupported export schema";
    case CaptureError::Kind::corrupt:
      return "corrupt database";
  }
  return "error";
}

CaptureError::CaptureError(Kind kind, std::string file, const std::string& problem)
    : std::runtime_error(file + ": " + to_string(kind) + ": " + problem),
      kind_(kind),
      file_(std::move(file)) {}

std::string to_string(CopyKind kind) {
  switch (kind) {
    case CopyKind::unknown:
      return "unknown";
    case CopyKind::htod:
      return "HtoD";
    case CopyKind::dtoh:
      return "DtoH";
    case CopyKind::htoa:
      return "HtoA";
    case CopyKind::atoh:
      return "AtoH";
    case CopyKind::atoa:
      return "AtoA";
    case CopyKind::atod:
      return "AtoD";
    case CopyKind::dtoa:
      return "DtoA";
    case CopyKind::dtod:
      return "DtoD";
    case CopyKind::htoh:
      return "HtoH";
    case CopyKind::ptop:
      return "PtoP";
    case CopyKind::uvm_htod:
      return "UVM HtoD";
    case CopyKind::uvm_dtoh:
      return "UVM DtoH";
    case CopyKind::uvm_dtod:
      return "UVM DtoD";
  }
  return "kind " + std::to_string(static_cast<unsigned>(kind));
}

std::string_view Capture::string(StringRef ref) const {
  return ref < strings_.size() ? std::string_view(strings_[ref]) : std::string_view();
}

std::string_view Capture::thread_name(std::int64_t global_tid) const {
  auto it =
      std::lower_bound(thread_names_.begin(), thread_names_.end(), global_tid,
                       [](const ThreadName& t, std::int64_t id) { return t.global_tid < id; });
  if (it == thread_names_.end() || it->global_tid != global_tid) return {};
  return string(it->name);
}

bool Capture::has_domain(std::string_view name) const {
  for (const auto& [key, domain] : domains_) {
    if (domain == name) return true;
  }
  return false;
}

std::string_view Capture::payload_bytes(const NvtxEvent& e) const {
  if (e.payload_kind != PayloadKind::binary) return {};
  return std::string_view(payload_bytes_).substr(e.payload_offset, e.payload_size);
}

namespace {

// NVTX_PAYLOAD_ENTRY_TYPE_* of the integer fields payload_field() reads,
// with their widths.
std::size_t integer_width(std::uint64_t type) {
  switch (type) {
    case 1:   // CHAR
    case 2:   // UCHAR
    case 13:  // INT8
    case 14:  // UINT8
      return 1;
    case 3:   // SHORT
    case 4:   // USHORT
    case 11:  // INT16
    case 12:  // UINT16
      return 2;
    case 15:  // INT32
    case 16:  // UINT32
      return 4;
    case 17:  // INT64
    case 18:  // UINT64
    case 22:  // SIZE
    case 23:  // ADDRESS
      return 8;
    default:
      return 0;
  }
}

const PayloadSchema::Entry* entry_named(const PayloadSchema& schema, std::string_view name) {
  for (const auto& entry : schema.entries) {
    if (entry.name == name && integer_width(entry.type) != 0) return &entry;
  }
  return nullptr;
}

}  // namespace

std::optional<std::uint64_t> Capture::payload_field(const NvtxEvent& e,
                                                    std::string_view name) const {
  const std::string_view bytes = payload_bytes(e);
  if (bytes.empty()) return std::nullopt;
  const PayloadSchema* schema = nullptr;
  const PayloadSchema::Entry* entry = nullptr;
  for (const PayloadSchema& s : payload_schemas_) {
    if (s.domain_id == e.domain_id && s.id == e.payload_schema) {
      schema = &s;
      entry = entry_named(s, name);
      break;
    }
  }
  if (schema == nullptr) {
    // A header this reader did not understand: the one schema of the
    // domain with such a field, its payload the blob's last bytes.
    for (const PayloadSchema& s : payload_schemas_) {
      const PayloadSchema::Entry* candidate = entry_named(s, name);
      if (s.domain_id != e.domain_id || candidate == nullptr || s.size > bytes.size()) continue;
      if (schema != nullptr) return std::nullopt;  // two could fit: no guessing
      schema = &s;
      entry = candidate;
    }
  }
  if (entry == nullptr) return std::nullopt;
  const std::size_t base = schema->size != 0 ? bytes.size() - schema->size : 0;
  const std::size_t width = integer_width(entry->type);
  if (base + entry->offset + width > bytes.size()) return std::nullopt;
  std::uint64_t value = 0;  // little-endian, as every CUDA host is
  for (std::size_t i = 0; i < width; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[base + entry->offset + i]))
             << (8 * i);
  }
  return value;
}

std::string Capture::schema_version() const {
  auto it = export_meta_.find("EXPORT_SCHEMA_VERSION");
  return it == export_meta_.end() ? std::string() : it->second;
}

namespace {

// The table names the reader knows, as nsys spells them.
constexpr const char* kStringIds = "StringIds";
constexpr const char* kNvtx = "NVTX_EVENTS";
constexpr const char* kRuntime = "CUPTI_ACTIVITY_KIND_RUNTIME";
constexpr const char* kMemcpy = "CUPTI_ACTIVITY_KIND_MEMCPY";
constexpr const char* kKernel = "CUPTI_ACTIVITY_KIND_KERNEL";
constexpr const char* kThreadNames = "ThreadNames";
constexpr const char* kProcesses = "PROCESSES";
constexpr const char* kSessionStart = "TARGET_INFO_SESSION_START_TIME";
constexpr const char* kExportMeta = "META_DATA_EXPORT";
constexpr const char* kPayloadSchemas = "NVTX_PAYLOAD_SCHEMAS";
constexpr const char* kPayloadEntries = "NVTX_PAYLOAD_SCHEMA_ENTRIES";
constexpr const char* kEventTypes = "ENUM_NSYS_EVENT_TYPE";
constexpr const char* kCopyKinds = "ENUM_CUDA_MEMCPY_OPER";

// NVTX_EVENTS.eventType of the row that names a domain (nvtxDomainCreate):
// its `text` is the name, its domainId the id later events carry. Not an
// NvtxType: the reader keeps the name, not the row.
constexpr std::int64_t kNvtxDomainCreate = 75;

// The event types the reader keeps, by the names ENUM_NSYS_EVENT_TYPE gives
// them, with the values exports have used (the fallback without the table).
struct EventTypeName {
  const char* name;
  std::int64_t code;  // NvtxType's value, or kNvtxDomainCreate
};
constexpr EventTypeName kEventTypeNames[] = {
    {"NvtxMark", 34},           {"NvtxPushPopRange", 59},   {"NvtxStartEndRange", 60},
    {"NvtxtPushPopRange", 70},  {"NvtxtStartEndRange", 71}, {"NvtxDomainCreate", kNvtxDomainCreate},
};

// ENUM_CUDA_MEMCPY_OPER's names end in these (CUDA_MEMCPY_KIND_HTOD, ...).
struct CopyKindName {
  const char* suffix;
  CopyKind kind;
};
constexpr CopyKindName kCopyKindNames[] = {
    {"UNKNOWN", CopyKind::unknown}, {"HTOD", CopyKind::htod}, {"DTOH", CopyKind::dtoh},
    {"HTOA", CopyKind::htoa},       {"ATOH", CopyKind::atoh}, {"ATOA", CopyKind::atoa},
    {"ATOD", CopyKind::atod},       {"DTOA", CopyKind::dtoa}, {"DTOD", CopyKind::dtod},
    {"HTOH", CopyKind::htoh},       {"PTOP", CopyKind::ptop},
};

// nsys's header before a binary payload's bytes in NVTX_EVENTS.binaryData:
// domain id, schema id, payload size, total size (this header included),
// 8 bytes each, little-endian. Seen in exports, not documented; a blob
// whose sizes disagree is kept whole (Capture::payload_field copes).
constexpr std::size_t kBinaryHeaderBytes = 32;

std::uint64_t read_u64(std::string_view bytes, std::size_t at) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `text` as bytes if it is hex digits (an exporter that wrote the blob as
/// text), else empty.
std::string from_hex(std::string_view text) {
  std::string out;
  if (text.size() % 2 != 0) return out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

constexpr std::uint64_t kProgressEvery = 1 << 16;

// A SELECT over the columns a table has, NULL standing in for the others, so
// that one reading loop serves every exporter version.
class Projection {
 public:
  Projection(detail::Database& db, const std::string& table,
             std::initializer_list<const char*> wanted, std::initializer_list<const char*> required)
      : columns_(db.columns(table)) {
    for (const char* name : required) {
      if (columns_.count(name) == 0) {
        throw CaptureError(
            CaptureError::Kind::unsupported, db.path(),
            "table " + table + " has no column " + name + " (every nsys exporter writes it)");
      }
    }
    sql_ = "SELECT ";
    for (const char* name : wanted) {
      if (sql_.size() > 7) sql_ += ", ";
      sql_ += has(name) ? detail::sql_identifier(name) : std::string("NULL");
    }
    sql_ += " FROM " + detail::sql_identifier(table);
  }

  bool has(const char* name) const { return columns_.count(name) != 0; }
  const std::string& sql() const { return sql_; }

 private:
  std::set<std::string> columns_;
  std::string sql_;
};

}  // namespace

class Loader {
 public:
  Loader(const std::string& path, const trace::LoadProgress& progress)
      : db_(path), progress_(progress) {
    capture_.path_ = path;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    file_bytes_ = ec ? 0 : static_cast<std::uint64_t>(size);
  }

  Capture run() {
    const std::set<std::string> tables = db_.tables();
    if (tables.count(kStringIds) == 0) {
      std::string found;
      for (const auto& t : tables) {
        if (found.size() > 60) {
          found += ", ...";
          break;
        }
        found += (found.empty() ? "" : ", ") + t;
      }
      throw CaptureError(CaptureError::Kind::not_an_export, db_.path(),
                         "no StringIds table, which every nsys export has (tables: " +
                             (found.empty() ? std::string("none") : found) + ")");
    }
    Tables& t = capture_.tables_;
    t.nvtx = tables.count(kNvtx) != 0;
    t.runtime = tables.count(kRuntime) != 0;
    t.memcpy = tables.count(kMemcpy) != 0;
    t.kernel = tables.count(kKernel) != 0;
    t.thread_names = tables.count(kThreadNames) != 0;
    t.processes = tables.count(kProcesses) != 0;
    t.session_start = tables.count(kSessionStart) != 0;
    t.export_meta = tables.count(kExportMeta) != 0;
    t.payload_schemas = tables.count(kPayloadSchemas) != 0 && tables.count(kPayloadEntries) != 0;
    t.event_type_names = tables.count(kEventTypes) != 0;
    t.copy_kind_names = tables.count(kCopyKinds) != 0;

    for (const char* name : {kNvtx, kRuntime, kMemcpy, kKernel}) {
      if (tables.count(name) == 0) continue;
      // A row takes more than 16 bytes of file, so a larger estimate (a
      // stray huge rowid) is capped rather than reserved.
      estimates_[name] = std::min(db_.row_estimate(name), file_bytes_ / 16);
      total_ += estimates_[name];
    }
    if (t.export_meta) read_export_meta();
    if (t.session_start) read_session_start();
    if (t.processes) read_processes();
    if (t.thread_names) read_thread_names();
    read_event_types(t.event_type_names);
    if (t.copy_kind_names) read_copy_kinds();
    if (t.payload_schemas) read_payload_schemas();
    if (t.nvtx) read_nvtx();
    if (t.runtime) read_runtime();
    if (t.memcpy) read_memcpys();
    if (t.kernel) read_kernels();
    resolve_string_ids();
    resolve_domains();
    sort_by_start();
    report(true);
    return std::move(capture_);
  }

 private:
  // A string given by value (`text` columns): interned by content.
  StringRef intern_text(std::string_view text) {
    if (text.empty()) return 0;
    auto it = by_text_.find(std::string(text));
    if (it != by_text_.end()) return it->second;
    const auto ref = static_cast<StringRef>(capture_.strings_.size());
    capture_.strings_.emplace_back(text);
    by_text_.emplace(capture_.strings_.back(), ref);
    return ref;
  }

  // A string given by StringIds id: a placeholder now, filled by
  // resolve_string_ids() with one lookup per distinct id.
  StringRef intern_id(detail::Statement& q, int column) {
    if (q.is_null(column)) return 0;
    const std::int64_t id = q.int64(column);
    auto it = by_id_.find(id);
    if (it != by_id_.end()) return it->second;
    const auto ref = static_cast<StringRef>(capture_.strings_.size());
    capture_.strings_.emplace_back();
    by_id_.emplace(id, ref);
    return ref;
  }

  void resolve_string_ids() {
    if (by_id_.empty()) return;
    detail::Statement q(db_, "SELECT value FROM StringIds WHERE id = ?");
    for (const auto& [id, ref] : by_id_) {
      q.reset();
      q.bind(1, id);
      if (q.step()) capture_.strings_[ref] = std::string(q.text(0));
    }
  }

  void row_done() {
    if (++done_ % kProgressEvery == 0) report(false);
  }

  void report(bool last) {
    if (!progress_) return;
    const std::uint64_t total = std::max(total_, done_);
    if (!progress_(last ? total : done_, total)) throw trace::LoadCancelled();
  }

  void read_export_meta() {
    Projection p(db_, kExportMeta, {"name", "value"}, {"name", "value"});
    detail::Statement q(db_, p.sql());
    while (q.step()) capture_.export_meta_[std::string(q.text(0))] = std::string(q.text(1));
  }

  void read_session_start() {
    Projection p(db_, kSessionStart, {"utcEpochNs", "utcTime", "localTime"}, {});
    detail::Statement q(db_, p.sql());
    if (!q.step()) return;
    if (!q.is_null(0)) {
      capture_.session_start_utc_ns_ = q.int64(0);
      capture_.session_start_utc_ns_set_ = true;
    }
    capture_.session_start_utc_text_ = std::string(q.text(1));
    capture_.session_start_local_text_ = std::string(q.text(2));
  }

  void read_processes() {
    Projection p(db_, kProcesses, {"globalPid", "pid", "name"}, {"globalPid"});
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      Process proc;
      proc.global_pid = q.int64(0);
      proc.pid = q.is_null(1) ? pid_of(proc.global_pid) : static_cast<std::uint32_t>(q.int64(1));
      proc.name = intern_text(q.text(2));
      capture_.processes_.push_back(proc);
    }
  }

  void read_thread_names() {
    // The name is a StringIds reference (nameId); an exporter that wrote the
    // text itself would have a `name` column instead.
    Projection p(db_, kThreadNames, {"globalTid", "nameId", "name"}, {"globalTid"});
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      ThreadName t;
      t.global_tid = q.int64(0);
      t.name = !q.is_null(1) ? intern_id(q, 1) : intern_text(q.text(2));
      capture_.thread_names_.push_back(t);
    }
    std::stable_sort(
        capture_.thread_names_.begin(), capture_.thread_names_.end(),
        [](const ThreadName& a, const ThreadName& b) { return a.global_tid < b.global_tid; });
  }

  // eventType code -> the code the reader uses (NvtxType, kNvtxDomainCreate).
  void read_event_types(bool have_table) {
    std::map<std::string, std::int64_t> by_name;
    for (const auto& n : kEventTypeNames) by_name[n.name] = n.code;
    std::map<std::string, std::int64_t> found;
    if (have_table) {
      Projection p(db_, kEventTypes, {"id", "name"}, {"id", "name"});
      detail::Statement q(db_, p.sql());
      while (q.step()) {
        const std::string name(q.text(1));
        if (by_name.count(name) != 0) found[name] = q.int64(0);
      }
    }
    for (const auto& [name, code] : by_name) {
      auto it = found.find(name);
      event_types_[it != found.end() ? it->second : code] = code;
    }
  }

  void read_copy_kinds() {
    Projection p(db_, kCopyKinds, {"id", "name"}, {"id", "name"});
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      const std::string_view name = q.text(1);
      for (const auto& n : kCopyKindNames) {
        const std::string_view suffix = n.suffix;
        if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix &&
            name[name.size() - suffix.size() - 1] == '_') {
          copy_kinds_[q.int64(0)] = n.kind;
        }
      }
    }
  }

  void read_payload_schemas() {
    Projection schemas(db_, kPayloadSchemas, {"domainId", "schemaId", "name", "payloadSize"},
                       {"schemaId"});
    detail::Statement q(db_, schemas.sql());
    std::map<std::pair<std::int64_t, std::uint64_t>, std::size_t> index;
    while (q.step()) {
      PayloadSchema s;
      s.domain_id = q.is_null(0) ? 0 : q.int64(0);
      s.id = static_cast<std::uint64_t>(q.int64(1));
      s.name = std::string(q.text(2));
      s.size = q.is_null(3) ? 0 : static_cast<std::uint64_t>(q.int64(3));
      index.emplace(std::make_pair(s.domain_id, s.id), capture_.payload_schemas_.size());
      capture_.payload_schemas_.push_back(std::move(s));
    }
    Projection entries(db_, kPayloadEntries,
                       {"domainId", "schemaId", "idx", "type", "name", "offset"},
                       {"schemaId", "idx"});
    detail::Statement e(db_, entries.sql());
    std::vector<std::pair<std::int64_t, std::pair<std::size_t, PayloadSchema::Entry>>> rows;
    while (e.step()) {
      auto it = index.find({e.is_null(0) ? 0 : e.int64(0), static_cast<std::uint64_t>(e.int64(1))});
      if (it == index.end()) continue;
      // The first entry's offset may be NULL: 0.
      PayloadSchema::Entry entry{std::string(e.text(4)), static_cast<std::uint64_t>(e.int64(3)),
                                 static_cast<std::uint64_t>(e.int64(5))};
      rows.push_back({e.int64(2), {it->second, std::move(entry)}});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [idx, at] : rows) {
      capture_.payload_schemas_[at.first].entries.push_back(std::move(at.second));
    }
  }

  void read_nvtx() {
    enum Col {
      kStart,
      kEnd,
      kType,
      kText,
      kTextId,
      kTid,
      kDomain,
      kCategory,
      kU64,
      kI64,
      kF64,
      kU32,
      kI32,
      kF32,
      kJsonId,
      kJson,
      kBinary
    };
    Projection p(db_, kNvtx,
                 {"start", "end", "eventType", "text", "textId", "globalTid", "domainId",
                  "category", "uint64Value", "int64Value", "doubleValue", "uint32Value",
                  "int32Value", "floatValue", "jsonTextId", "jsonText", "binaryData"},
                 {"start", "eventType"});
    Tables& t = capture_.tables_;
    t.nvtx_text_id = p.has("textId");
    t.nvtx_domain_id = p.has("domainId");
    t.nvtx_payload = p.has("uint64Value") || p.has("int64Value") || p.has("doubleValue");
    t.nvtx_json = p.has("jsonText") || p.has("jsonTextId");
    t.nvtx_binary = p.has("binaryData");

    detail::Statement q(db_, p.sql());
    while (q.step()) {
      row_done();
      const auto known = event_types_.find(q.int64(kType));
      if (known == event_types_.end()) continue;
      const std::int64_t type = known->second;
      if (type == kNvtxDomainCreate) {
        // Domain ids are per process: two processes may both have domain 1.
        std::string name = !q.is_null(kText) ? std::string(q.text(kText)) : std::string();
        if (name.empty() && !q.is_null(kTextId)) {
          pending_domain_names_.emplace_back(domain_key(q, kTid, kDomain), intern_id(q, kTextId));
        } else {
          capture_.domains_[domain_key(q, kTid, kDomain)] = std::move(name);
        }
        continue;
      }
      NvtxEvent e;
      e.type = static_cast<NvtxType>(type);
      e.start = q.int64(kStart);
      e.has_end = type != 34 && !q.is_null(kEnd);
      e.end = e.has_end ? q.int64(kEnd) : e.start;
      e.global_tid = q.int64(kTid);
      e.text = !q.is_null(kText) ? intern_text(q.text(kText)) : intern_id(q, kTextId);
      e.domain_id = q.is_null(kDomain) ? 0 : q.int64(kDomain);
      e.category = q.is_null(kCategory) ? 0 : q.int64(kCategory);
      read_payload(q, kU64, e);
      capture_.nvtx_.push_back(e);
    }
  }

  // The payload columns from `first` on, in the order uint64, int64, double,
  // uint32, int32, float, jsonTextId, jsonText, binaryData: the first
  // non-NULL one is it.
  void read_payload(detail::Statement& q, int first, NvtxEvent& e) {
    const int u64 = first, i64 = first + 1, f64 = first + 2, u32 = first + 3, i32 = first + 4,
              f32 = first + 5, json_id = first + 6, json = first + 7, binary = first + 8;
    if (!q.is_null(u64)) {
      e.payload_kind = PayloadKind::uint64;
      e.payload_uint = static_cast<std::uint64_t>(q.int64(u64));  // stored as int64's bits
    } else if (!q.is_null(i64)) {
      e.payload_kind = PayloadKind::int64;
      e.payload_int = q.int64(i64);
    } else if (!q.is_null(f64)) {
      e.payload_kind = PayloadKind::float64;
      e.payload_double = q.real(f64);
    } else if (!q.is_null(u32)) {
      e.payload_kind = PayloadKind::uint32;
      e.payload_uint = static_cast<std::uint32_t>(q.int64(u32));
    } else if (!q.is_null(i32)) {
      e.payload_kind = PayloadKind::int32;
      e.payload_int = static_cast<std::int32_t>(q.int64(i32));
    } else if (!q.is_null(f32)) {
      e.payload_kind = PayloadKind::float32;
      e.payload_double = q.real(f32);
    } else if (!q.is_null(json_id)) {
      e.payload_kind = PayloadKind::json;
      e.payload_json = intern_id(q, json_id);
    } else if (!q.is_null(json)) {
      e.payload_kind = PayloadKind::json;
      e.payload_json = intern_text(q.text(json));
    } else if (!q.is_null(binary)) {
      read_binary_payload(q, binary, e);
    }
  }

  void read_binary_payload(detail::Statement& q, int column, NvtxEvent& e) {
    std::string_view bytes = q.blob(column);
    std::string decoded;
    if (q.is_text(column)) {
      decoded = from_hex(bytes);
      if (!decoded.empty()) bytes = decoded;
    }
    if (bytes.empty()) return;
    if (bytes.size() >= kBinaryHeaderBytes &&
        read_u64(bytes, 16) + kBinaryHeaderBytes == bytes.size() &&
        read_u64(bytes, 24) == bytes.size()) {
      e.payload_schema = read_u64(bytes, 8);
      bytes.remove_prefix(kBinaryHeaderBytes);
    }
    auto& store = capture_.payload_bytes_;
    if (store.size() + bytes.size() > std::numeric_limits<std::uint32_t>::max()) return;
    e.payload_kind = PayloadKind::binary;
    e.payload_offset = static_cast<std::uint32_t>(store.size());
    e.payload_size = static_cast<std::uint32_t>(bytes.size());
    store.append(bytes);
  }

  static std::pair<std::int64_t, std::int64_t> domain_key(detail::Statement& q, int tid,
                                                          int domain) {
    return {global_pid_of(q.int64(tid)), q.is_null(domain) ? 0 : q.int64(domain)};
  }

  void resolve_domains() {
    for (const auto& [key, ref] : pending_domain_names_) {
      capture_.domains_[key] = capture_.strings_[ref];
    }
    for (NvtxEvent& e : capture_.nvtx_) {
      if (e.domain_id == 0) continue;
      auto it = capture_.domains_.find({global_pid_of(e.global_tid), e.domain_id});
      if (it != capture_.domains_.end()) e.domain = intern_text(it->second);
    }
  }

  void read_runtime() {
    Projection p(db_, kRuntime, {"start", "end", "globalTid", "correlationId", "nameId"},
                 {"start", "end", "correlationId"});
    capture_.runtime_.reserve(estimates_[kRuntime]);
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      row_done();
      RuntimeCall c;
      c.start = q.int64(0);
      c.end = q.int64(1);
      c.global_tid = q.int64(2);
      c.correlation_id = static_cast<std::uint32_t>(q.int64(3));
      c.name = intern_id(q, 4);
      capture_.runtime_.push_back(c);
    }
  }

  void read_memcpys() {
    Projection p(
        db_, kMemcpy,
        {"start", "end", "bytes", "copyKind", "streamId", "deviceId", "correlationId", "globalPid",
         "copyCount"},
        {"start", "end", "bytes"});
    capture_.memcpys_.reserve(estimates_[kMemcpy]);
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      row_done();
      Memcpy m;
      m.start = q.int64(0);
      m.end = q.int64(1);
      m.bytes = static_cast<std::uint64_t>(q.int64(2));
      const std::int64_t kind = q.int64(3);
      const auto named = copy_kinds_.find(kind);
      m.kind = named != copy_kinds_.end() ? named->second : static_cast<CopyKind>(kind);
      m.stream_id = static_cast<std::uint32_t>(q.int64(4));
      m.device_id = static_cast<std::uint32_t>(q.int64(5));
      m.correlation_id = static_cast<std::uint32_t>(q.int64(6));
      m.global_pid = q.int64(7);
      if (!q.is_null(8) && q.int64(8) > 1) m.copy_count = static_cast<std::uint32_t>(q.int64(8));
      capture_.memcpys_.push_back(m);
    }
  }

  void read_kernels() {
    Projection p(db_, kKernel,
                 {"start", "end", "streamId", "deviceId", "correlationId", "globalPid", "shortName",
                  "demangledName"},
                 {"start", "end"});
    capture_.kernels_.reserve(estimates_[kKernel]);
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      row_done();
      Kernel k;
      k.start = q.int64(0);
      k.end = q.int64(1);
      k.stream_id = static_cast<std::uint32_t>(q.int64(2));
      k.device_id = static_cast<std::uint32_t>(q.int64(3));
      k.correlation_id = static_cast<std::uint32_t>(q.int64(4));
      k.global_pid = q.int64(5);
      k.short_name = intern_id(q, 6);
      k.demangled_name = intern_id(q, 7);
      capture_.kernels_.push_back(k);
    }
  }

  // Exports are usually in time order already; checking first spares
  // stable_sort's buffer (half the table) in that case.
  template <typename Row>
  static void sort_rows(std::vector<Row>& rows) {
    auto by_start = [](const Row& a, const Row& b) { return a.start < b.start; };
    if (!std::is_sorted(rows.begin(), rows.end(), by_start)) {
      std::stable_sort(rows.begin(), rows.end(), by_start);
    }
  }

  void sort_by_start() {
    sort_rows(capture_.nvtx_);
    sort_rows(capture_.runtime_);
    sort_rows(capture_.memcpys_);
    sort_rows(capture_.kernels_);
  }

  detail::Database db_;
  const trace::LoadProgress& progress_;
  Capture capture_;
  std::unordered_map<std::string, StringRef> by_text_;
  std::unordered_map<std::int64_t, StringRef> by_id_;
  std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, StringRef>> pending_domain_names_;
  std::unordered_map<std::int64_t, std::int64_t> event_types_;  // eventType -> the reader's code
  std::unordered_map<std::int64_t, CopyKind> copy_kinds_;       // copyKind -> kind, by name
  // max(rowid) per table read: the progress total, and a reservation that
  // spares the vectors' regrowth (a deleted-rows export only over-reserves).
  std::map<std::string, std::uint64_t> estimates_;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t total_ = 0;
};

Capture Capture::load(const std::string& path, const trace::LoadProgress& progress) {
  return Loader(path, progress).run();
}

}  // namespace tswap::nsys
