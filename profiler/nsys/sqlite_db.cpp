#include "sqlite_db.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace tswap::nsys::detail {

namespace {

// Every SQLite 3 database file begins with these 16 bytes (the file-format
// document's "magic header string"); checking them first tells "not SQLite"
// apart from "damaged SQLite" before SQLite itself gets to guess.
constexpr char kSqliteMagic[16] = "SQLite format 3";

void check_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) {
    throw CaptureError(CaptureError::Kind::cannot_open, path, "no such file");
  }
  if (fs::is_directory(status)) {
    throw CaptureError(CaptureError::Kind::cannot_open, path, "is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CaptureError(CaptureError::Kind::cannot_open, path, "cannot be read");
  std::array<char, sizeof(kSqliteMagic)> head{};
  in.read(head.data(), head.size());
  const std::streamsize got = in.gcount();
  if (got == 0) {
    throw CaptureError(CaptureError::Kind::not_sqlite, path,
                       "empty file (expected an SQLite database from nsys export --type sqlite)");
  }
  if (got < static_cast<std::streamsize>(head.size()) ||
      std::memcmp(head.data(), kSqliteMagic, head.size()) != 0) {
    throw CaptureError(CaptureError::Kind::not_sqlite, path,
                       "not an SQLite database (expected the output of nsys export --type "
                       "sqlite, not the .nsys-rep itself)");
  }
}

}  // namespace

std::string sql_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Database::Database(const std::string& path) : path_(path) {
  check_file(path);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) fail(rc, "opening it");
}

Database::~Database() {
  sqlite3_close(db_);
}

void Database::fail(int rc, const std::string& doing) const {
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const std::string problem = "SQLite error while " + doing + ": " + detail;
  switch (rc & 0xFF) {  // the primary result code, without the extended bits
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw CaptureError(CaptureError::Kind::cannot_open, path_, problem);
    case SQLITE_NOTADB:
      throw CaptureError(CaptureError::Kind::not_sqlite, path_, problem);
    default:
      // SQLITE_CORRUPT for a malformed file, SQLITE_IOERR for a short read,
      // anything else while reading: the file is not usable as it is.
      throw CaptureError(CaptureError::Kind::corrupt, path_, problem);
  }
}

std::set<std::string> Database::tables() {
  std::set<std::string> names;
  Statement q(*this, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')");
  while (q.step()) names.emplace(q.text(0));
  return names;
}

std::set<std::string> Database::columns(const std::string& table) {
  std::set<std::string> names;
  Statement q(*this, "PRAGMA table_info(" + sql_identifier(table) + ")");
  while (q.step()) names.emplace(q.text(1));
  return names;
}

std::uint64_t Database::row_estimate(const std::string& table) {
  Statement q(*this, "SELECT max(rowid) FROM " + sql_identifier(table));
  if (!q.step() || q.is_null(0)) return 0;
  const std::int64_t n = q.int64(0);
  return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

Statement::Statement(Database& db, const std::string& sql) : db_(db) {
  const int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "preparing '" + sql + "'");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(rc, std::string("reading '") + sqlite3_sql(stmt_) + "'");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc, "binding a parameter");
}

std::string_view Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view Statement::blob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

}  // namespace tswap::nsys::detail
