#pragma once
// A read-only SQLite connection and prepared statements, owned RAII-style,
// that turn SQLite's result codes into CaptureErrors naming the file. Used by
// the capture loader only; one thread at a time.

#include <sqlite3.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <tswap/nsys/capture.h>

namespace tswap::nsys::detail {

class Database;

/// One prepared statement. step() returns true while there is a row.
class Statement {
 public:
  Statement(Database& db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool step();
  void reset();
  void bind(int index, std::int64_t value);

  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  std::string_view text(int column) const;
  /// The column's bytes as stored (a BLOB, or a TEXT's bytes unconverted).
  std::string_view blob(int column) const;
  bool is_text(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_TEXT; }

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// A database opened read-only. The constructor has already checked that the
/// file exists and starts with SQLite's magic bytes.
class Database {
 public:
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  /// Throws the CaptureError that SQLite's result code `rc` stands for.
  [[noreturn]] void fail(int rc, const std::string& doing) const;

  /// Every table (and view) name in the database.
  std::set<std::string> tables();
  /// The columns of one table.
  std::set<std::string> columns(const std::string& table);
  /// max(rowid) of a table: an estimate of its rows that costs no scan.
  std::uint64_t row_estimate(const std::string& table);

  sqlite3* handle() { return db_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

/// `name` quoted as an SQL identifier.
std::string sql_identifier(std::string_view name);

}  // namespace tswap::nsys::detail
