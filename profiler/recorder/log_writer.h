#pragma once

// Encodes and writes a .tswap file: the header, then whole chunks, each in
// one write() so that a crash tears at most the last one.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tswap/trace/compression.h>
#include <tswap/trace/format.h>

#include "string_registry.h"

namespace tswap::profiler::detail {

class LogWriter {
 public:
  /// Creates (truncates) `path` and writes the header. Throws std::runtime_error
  /// (and removes the file if it is a regular file whose header failed).
  /// Creates `path` and writes both headers (the run header from version 3).
  /// With a compressor, records chunks are written compressed
  /// (ChunkType::records_zstd); the header must then say version 4.
  LogWriter(const std::string& path, const trace::FileHeader& header,
            const trace::RunHeader& run, std::unique_ptr<trace::ZstdCompressor> compressor = {});
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  /// Each returns false (and says why in error()) if the file cannot be
  /// written; after the first failure nothing more is written (Note [A
  /// write that fails] in log_writer.cpp).
  bool write_strings(const std::vector<StringDef>& defs);
  bool write_records(std::uint16_t thread, const trace::Record* records, std::size_t count);
  bool write_end(const trace::EndPayload& end);
  /// Rewrites the header's device field in place (pwrite: any thread, with
  /// the writer thread appending chunks meanwhile). False if it failed.
  bool rewrite_device(const char (&device)[sizeof(trace::FileHeader::device)]);
  /// Rewrites the header's copy_timing byte, as rewrite_device does.
  bool rewrite_copy_timing(std::uint8_t copy_timing);
  /// Rewrites the run header in place, as rewrite_device does.
  bool rewrite_run(const trace::RunHeader& run);

  std::uint64_t bytes_written() const { return bytes_; }
  const std::string& error() const { return error_; }

 private:
  bool write_chunk(trace::ChunkType type, std::uint16_t thread, std::uint32_t count,
                   const void* payload, std::size_t payload_bytes);
  bool write_all(const void* data, std::size_t bytes);
  void stop_at(std::uint64_t start, std::size_t lost_bytes);

  int fd_ = -1;
  std::string path_;
  std::uint64_t sequence_ = 0;
  std::uint64_t bytes_ = 0;    // the file's size: header and whole chunks
  std::uint64_t records_ = 0;  // in the records chunks written
  bool stopped_ = false;       // a write failed: nothing more is written
  int errno_ = 0;              // of the first failed write
  std::string error_;
  std::vector<std::uint8_t> scratch_;
  std::unique_ptr<trace::ZstdCompressor> compressor_;  // null: records chunks as they are
  std::vector<std::uint8_t> columns_;                  // a chunk's records as columns
  std::vector<std::uint8_t> packed_;                   // ...compressed
  bool said_compression_failed_ = false;
};

}  // namespace tswap::profiler::detail
