#pragma once

// Encodes and writes a .tswap file: the header, then whole chunks, each in
// one write() so that a crash tears at most the last one.

#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/format.h>

#include "string_registry.h"

namespace tswap::profiler::detail {

class LogWriter {
 public:
  /// Creates (truncates) `path` and writes the header. Throws std::runtime_error.
  LogWriter(const std::string& path, const trace::FileHeader& header);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  /// Each returns false (and says why in error()) if the file cannot be written.
  bool write_strings(const std::vector<StringDef>& defs);
  bool write_records(std::uint16_t thread, const trace::Record* records, std::size_t count);
  bool write_end(const trace::EndPayload& end);
  /// Rewrites the header's device field in place (pwrite: any thread, with
  /// the writer thread appending chunks meanwhile). False if it failed.
  bool rewrite_device(const char (&device)[sizeof(trace::FileHeader::device)]);

  std::uint64_t bytes_written() const { return bytes_; }
  const std::string& error() const { return error_; }

 private:
  bool write_chunk(trace::ChunkType type, std::uint16_t thread, std::uint32_t count,
                   const void* payload, std::size_t payload_bytes);
  bool write_all(const void* data, std::size_t bytes);

  int fd_ = -1;
  std::string path_;
  std::uint64_t sequence_ = 0;
  std::uint64_t bytes_ = 0;
  std::string error_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace tswap::profiler::detail
