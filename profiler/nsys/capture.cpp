// Loads an nsys SQLite export into a Capture. One pass per table, rows read
// straight into compact structs; strings are interned (registered strings
// through StringIds, looked up once per distinct id after the scan), so a
// capture with millions of kernels of a few names holds a few names.

#include <algorithm>
#include <filesystem>
#include <initializer_list>
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

// NVTX_EVENTS.eventType of the row that names a domain (nvtxDomainCreate):
// its `text` is the name, its domainId the id later events carry.
constexpr std::int64_t kNvtxDomainCreate = 75;

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
      kJson
    };
    Projection p(db_, kNvtx,
                 {"start", "end", "eventType", "text", "textId", "globalTid", "domainId",
                  "category", "uint64Value", "int64Value", "doubleValue", "uint32Value",
                  "int32Value", "floatValue", "jsonTextId", "jsonText"},
                 {"start", "eventType"});
    Tables& t = capture_.tables_;
    t.nvtx_text_id = p.has("textId");
    t.nvtx_domain_id = p.has("domainId");
    t.nvtx_payload = p.has("uint64Value") || p.has("int64Value") || p.has("doubleValue");
    t.nvtx_json = p.has("jsonText") || p.has("jsonTextId");

    detail::Statement q(db_, p.sql());
    while (q.step()) {
      row_done();
      const std::int64_t type = q.int64(kType);
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
      if (type != 34 && type != 59 && type != 60 && type != 70 && type != 71) continue;
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
  // uint32, int32, float, jsonTextId, jsonText: the first non-NULL one is it.
  void read_payload(detail::Statement& q, int first, NvtxEvent& e) {
    const int u64 = first, i64 = first + 1, f64 = first + 2, u32 = first + 3, i32 = first + 4,
              f32 = first + 5, json_id = first + 6, json = first + 7;
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
    }
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
        {"start", "end", "bytes", "copyKind", "streamId", "deviceId", "correlationId", "globalPid"},
        {"start", "end", "bytes"});
    capture_.memcpys_.reserve(estimates_[kMemcpy]);
    detail::Statement q(db_, p.sql());
    while (q.step()) {
      row_done();
      Memcpy m;
      m.start = q.int64(0);
      m.end = q.int64(1);
      m.bytes = static_cast<std::uint64_t>(q.int64(2));
      m.kind = static_cast<CopyKind>(q.int64(3));
      m.stream_id = static_cast<std::uint32_t>(q.int64(4));
      m.device_id = static_cast<std::uint32_t>(q.int64(5));
      m.correlation_id = static_cast<std::uint32_t>(q.int64(6));
      m.global_pid = q.int64(7);
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
