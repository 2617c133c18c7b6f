#pragma once

// Changes to tests/nsys/join_files.h's capture for the viewer's tests: a
// memcpy added to a capture already written (write_join_capture), of a
// kind the log has no copies of, or far past the log's end.

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "capture_builder.h"
#include "join_files.h"

namespace tswap_test {

/// Adds a memcpy of the run's process (join_files.h's pid 42) to the nsys
/// export at `path`, at capture times [start, end], with no runtime call
/// (correlationId 0): none of the log's copies joins to it. `kind` is
/// CUPTI's copyKind (1 HtoD, 2 DtoH, 8 DtoD, ...).
inline void add_memcpy(const std::string& path, std::int64_t start, std::int64_t end,
                       std::int64_t bytes, int kind, std::int64_t stream) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("add_memcpy: cannot open " + path);
  }
  const std::string sql =
      "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY (start, end, deviceId, contextId, streamId, "
      "correlationId, globalPid, bytes, copyKind) VALUES (" +
      std::to_string(start) + ", " + std::to_string(end) + ", 0, 1, " + std::to_string(stream) +
      ", 0, " + std::to_string(tswap::nsys::testing::global_pid(tswap::nsys::testing::kRunPid)) +
      ", " + std::to_string(bytes) + ", " + std::to_string(kind) + ")";
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string why = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("add_memcpy: " + why + " in " + sql);
}

/// CUPTI's copyKind of a device-to-device copy.
inline constexpr int kCopyDtoD = 8;

}  // namespace tswap_test
