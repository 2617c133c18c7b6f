#pragma once
// Writes nsys-export-shaped SQLite files for the tests and the benchmark:
// Nsight Systems does not run here, so the captures are built from the
// schema its Analysis Guide documents (2026.4, "SQLite Schema Reference",
// export schema version 3.28.1), with the real table and column names and
// types. Older layouts are built by creating the tables with fewer columns
// (kOldNvtxDdl and friends).

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace tswap::nsys::testing {

/// A globalTid as nsys serializes it; `hw` stands for the hardware/VM bits
/// above the pid, which a reader must ignore.
inline std::int64_t global_tid(std::uint32_t pid, std::uint32_t tid, std::int64_t hw = 1) {
  return (hw << 56) | (static_cast<std::int64_t>(pid) << 24) | tid;
}
inline std::int64_t global_pid(std::uint32_t pid, std::int64_t hw = 1) {
  return global_tid(pid, 0, hw);
}

// The tables as the 2026.4 schema reference lists them (the columns a reader
// may touch; trailing columns nsys adds later do not change the reading).
inline const char* kStringIdsDdl =
    "CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL)";
inline const char* kThreadNamesDdl =
    "CREATE TABLE ThreadNames (nameId INTEGER NOT NULL REFERENCES StringIds(id), "
    "priority INTEGER, globalTid INTEGER)";
inline const char* kProcessesDdl =
    "CREATE TABLE PROCESSES (globalPid INTEGER, pid INTEGER, name TEXT)";
inline const char* kSessionStartDdl =
    "CREATE TABLE TARGET_INFO_SESSION_START_TIME (utcEpochNs INTEGER, utcTime TEXT, "
    "localTime TEXT, systemClockNs INTEGER, sessionStartCntVctNs INTEGER)";
inline const char* kExportMetaDdl = "CREATE TABLE META_DATA_EXPORT (name TEXT, value TEXT)";
inline const char* kNvtxDdl =
    "CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, "
    "rangeId INTEGER, category INTEGER, color INTEGER, text TEXT, globalTid INTEGER, "
    "endGlobalTid INTEGER, textId INTEGER REFERENCES StringIds(id), domainId INTEGER, "
    "uint64Value INTEGER, int64Value INTEGER, doubleValue REAL, uint32Value INTEGER, "
    "int32Value INTEGER, floatValue REAL, jsonTextId INTEGER, jsonText TEXT, binaryData TEXT, "
    "eventId INTEGER NOT NULL PRIMARY KEY)";
// NVTX's payload extension: the schemas an export lists (no globalPid).
inline const char* kPayloadSchemasDdl =
    "CREATE TABLE NVTX_PAYLOAD_SCHEMAS (domainId INTEGER, schemaId INTEGER, name TEXT, "
    "type INTEGER, flags INTEGER, numEntries INTEGER, payloadSize INTEGER, alignTo INTEGER)";
inline const char* kPayloadEntriesDdl =
    "CREATE TABLE NVTX_PAYLOAD_SCHEMA_ENTRIES (domainId INTEGER NOT NULL, "
    "schemaId INTEGER NOT NULL, idx INTEGER NOT NULL, flags INTEGER, type INTEGER, name TEXT, "
    "description TEXT, arrayOrUnionDetail INTEGER, offset INTEGER)";
// The enum tables codes refer to (the reference lists no values).
inline const char* kEventTypeEnumDdl =
    "CREATE TABLE ENUM_NSYS_EVENT_TYPE (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT)";
inline const char* kCopyKindEnumDdl =
    "CREATE TABLE ENUM_CUDA_MEMCPY_OPER (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT)";
// Before registered strings, domains and payloads were exported.
inline const char* kOldNvtxDdl =
    "CREATE TABLE NVTX_EVENTS (start INT NOT NULL, end INT, eventType INT NOT NULL, "
    "rangeId INT, category INT, color INT, text TEXT, globalTid INT)";
inline const char* kRuntimeDdl =
    "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, "
    "eventClass INTEGER NOT NULL, globalTid INTEGER, correlationId INTEGER, "
    "nameId INTEGER NOT NULL REFERENCES StringIds(id), returnValue INTEGER NOT NULL, "
    "callchainId INTEGER)";
inline const char* kMemcpyDdl =
    "CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL, "
    "deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, streamId INTEGER NOT NULL, "
    "correlationId INTEGER, globalPid INTEGER, bytes INTEGER NOT NULL, "
    "copyKind INTEGER NOT NULL, deprecatedSrcId INTEGER, srcKind INTEGER, dstKind INTEGER, "
    "srcDeviceId INTEGER, srcContextId INTEGER, dstDeviceId INTEGER, dstContextId INTEGER, "
    "migrationCause INTEGER, graphNodeId INTEGER, virtualAddress INTEGER, "
    "greenContextId INTEGER, copyCount INTEGER)";
// Without globalPid, as older exporters wrote it.
inline const char* kOldMemcpyDdl =
    "CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INT NOT NULL, end INT NOT NULL, "
    "deviceId INT NOT NULL, contextId INT NOT NULL, streamId INT NOT NULL, "
    "correlationId INT NOT NULL, bytes INT NOT NULL, copyKind INT NOT NULL, srcKind INT, "
    "dstKind INT)";
inline const char* kKernelDdl =
    "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, "
    "deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, streamId INTEGER NOT NULL, "
    "correlationId INTEGER, globalPid INTEGER, demangledName INTEGER NOT NULL, "
    "shortName INTEGER NOT NULL, mangledName INTEGER, launchType INTEGER, cacheConfig INTEGER, "
    "registersPerThread INTEGER NOT NULL, gridX INTEGER NOT NULL, gridY INTEGER NOT NULL, "
    "gridZ INTEGER NOT NULL, blockX INTEGER NOT NULL, blockY INTEGER NOT NULL, "
    "blockZ INTEGER NOT NULL, staticSharedMemory INTEGER NOT NULL, "
    "dynamicSharedMemory INTEGER NOT NULL, localMemoryPerThread INTEGER NOT NULL, "
    "localMemoryTotal INTEGER NOT NULL, gridId INTEGER NOT NULL, "
    "sharedMemoryExecuted INTEGER, graphNodeId INTEGER, sharedMemoryLimitConfig INTEGER, "
    "greenContextId INTEGER)";

/// NVTX_EVENTS.eventType values (the schema reference's NVTX event types).
constexpr int kNvtxMark = 34;
constexpr int kNvtxPushPop = 59;
constexpr int kNvtxStartEnd = 60;
constexpr int kNvtxDomainCreate = 75;

/// A value for one column: NULL, an integer, a real, a text or a blob.
struct Value {
  enum class Type { null, integer, real, text, blob } type = Type::null;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  Value() = default;
  Value(std::int64_t v) : type(Type::integer), i(v) {}         // NOLINT: literals read naturally
  Value(int v) : type(Type::integer), i(v) {}                  // NOLINT
  Value(double v) : type(Type::real), d(v) {}                  // NOLINT
  Value(const char* v) : type(Type::text), s(v) {}             // NOLINT
  Value(std::string v) : type(Type::text), s(std::move(v)) {}  // NOLINT
  static Value bytes(std::string v) {
    Value b(std::move(v));
    b.type = Type::blob;
    return b;
  }
};

/// NVTX_EVENTS.binaryData as nsys writes an extended payload: a header of
/// domain id, schema id, payload size and total size (8 bytes each, little
/// endian), then the payload's bytes; `fields` are its uint64 fields.
inline std::string binary_payload(std::uint64_t domain, std::uint64_t schema,
                                  const std::vector<std::uint64_t>& fields) {
  std::string out;
  auto put = [&out](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  put(domain);
  put(schema);
  put(8 * fields.size());
  put(32 + 8 * fields.size());
  for (std::uint64_t f : fields) put(f);
  return out;
}
inline const Value kNull{};

/// An SQLite file being written; closed (and complete) when destroyed or by
/// close(). Throws std::runtime_error on any SQLite failure.
class CaptureBuilder {
 public:
  explicit CaptureBuilder(const std::string& path) {
    std::remove(path.c_str());
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("open");
    exec("PRAGMA journal_mode = OFF");
    exec("PRAGMA synchronous = OFF");
    exec("BEGIN");
  }
  ~CaptureBuilder() { close(); }
  CaptureBuilder(const CaptureBuilder&) = delete;
  CaptureBuilder& operator=(const CaptureBuilder&) = delete;

  void close() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("capture builder: " + msg + " in " + sql);
    }
  }

  /// INSERT INTO table (columns) VALUES (values...).
  void insert(const std::string& table, const std::string& columns,
              const std::vector<Value>& values) {
    std::string sql = "INSERT INTO " + table + " (" + columns + ") VALUES (";
    for (std::size_t i = 0; i < values.size(); ++i) sql += i == 0 ? "?" : ", ?";
    sql += ")";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) fail(sql);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const int at = static_cast<int>(i + 1);
      const Value& v = values[i];
      switch (v.type) {
        case Value::Type::null:
          sqlite3_bind_null(stmt, at);
          break;
        case Value::Type::integer:
          sqlite3_bind_int64(stmt, at, v.i);
          break;
        case Value::Type::real:
          sqlite3_bind_double(stmt, at, v.d);
          break;
        case Value::Type::text:
          sqlite3_bind_text(stmt, at, v.s.c_str(), -1, SQLITE_TRANSIENT);
          break;
        case Value::Type::blob:
          sqlite3_bind_blob(stmt, at, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
          break;
      }
    }
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) fail(sql);
  }

  // Shorthands for the current schema.
  void string(std::int64_t id, const std::string& value) {
    insert("StringIds", "id, value", {id, value});
  }
  void thread_name(std::int64_t gtid, std::int64_t name_id) {
    insert("ThreadNames", "nameId, priority, globalTid", {name_id, 0, gtid});
  }
  void process(std::int64_t gpid, std::int64_t pid, const std::string& name) {
    insert("PROCESSES", "globalPid, pid, name", {gpid, pid, name});
  }
  void domain(std::int64_t gtid, std::int64_t domain_id, const std::string& name) {
    insert("NVTX_EVENTS", "start, eventType, text, globalTid, domainId",
           {0, kNvtxDomainCreate, name, gtid, domain_id});
  }
  void runtime(std::int64_t start, std::int64_t end, std::int64_t gtid, std::int64_t corr,
               std::int64_t name_id) {
    insert("CUPTI_ACTIVITY_KIND_RUNTIME",
           "start, end, eventClass, globalTid, correlationId, nameId, returnValue",
           {start, end, 0, gtid, corr, name_id, 0});
  }
  void memcpy(std::int64_t start, std::int64_t end, std::int64_t bytes, int kind,
              std::int64_t stream, std::int64_t device, std::int64_t corr, std::int64_t gpid) {
    insert("CUPTI_ACTIVITY_KIND_MEMCPY",
           "start, end, deviceId, contextId, streamId, correlationId, globalPid, bytes, copyKind",
           {start, end, device, 1, stream, corr, gpid, bytes, kind});
  }
  void kernel(std::int64_t start, std::int64_t end, std::int64_t stream, std::int64_t device,
              std::int64_t corr, std::int64_t gpid, std::int64_t short_id,
              std::int64_t demangled_id) {
    insert("CUPTI_ACTIVITY_KIND_KERNEL",
           "start, end, deviceId, contextId, streamId, correlationId, globalPid, demangledName, "
           "shortName, registersPerThread, gridX, gridY, gridZ, blockX, blockY, blockZ, "
           "staticSharedMemory, dynamicSharedMemory, localMemoryPerThread, localMemoryTotal, "
           "gridId",
           {start, end, device, 1, stream, corr, gpid, demangled_id, short_id, 32, 1, 1, 1,
            128,   1,   1,      0, 0,      0,    0,    corr});
  }

  sqlite3* handle() { return db_; }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("capture builder: " + std::string(sqlite3_errmsg(db_)) + " in " +
                             what);
  }
  sqlite3* db_ = nullptr;
};

}  // namespace tswap::nsys::testing
