#pragma once

// Names behind the ids in records: tags, streams, threads. One registry per
// process; ids are stable for its life, so a session started late still
// knows every name (it writes them all first).

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tswap/trace/format.h>

namespace tswap::profiler::detail {

struct StringDef {
  trace::StringKind kind;
  std::uint32_t id;
  std::string text;
};

class StringRegistry {
 public:
  static constexpr const char* kOverflowName = "(more names than a log has ids for)";
  static StringRegistry& get();

  /// The id of `text` among names of `kind`, made on first use (ids from 1).
  /// Once ids up to max_id - 1 are taken, every further name gets max_id,
  /// named kOverflowName: a process that makes runtimes by the hundred (each
  /// names its two streams) must not die in a constructor, and its logs
  /// still say which records lost their name.
  std::uint32_t intern(trace::StringKind kind, std::string_view text, std::uint32_t max_id);
  /// A new id for a thread: threads may share a name.
  std::uint32_t add_thread(std::string_view name);
  /// Definitions made since the last call with the same cursor.
  std::vector<StringDef> since(std::size_t& cursor) const;
  /// The text of an id ("" if unknown).
  std::string name(trace::StringKind kind, std::uint32_t id) const;

 private:
  mutable std::mutex mu_;
  std::vector<StringDef> defs_;
  std::unordered_map<std::string, std::uint32_t> ids_[4];  // by StringKind
  std::uint32_t next_[4] = {1, 1, 1, 1};
};

}  // namespace tswap::profiler::detail
