#include "log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <tswap/trace/encode.h>

namespace tswap::profiler::detail {

LogWriter::LogWriter(const std::string& path, const trace::FileHeader& header,
                     const trace::RunHeader& run, std::unique_ptr<trace::ZstdCompressor> compressor)
    : path_(path), compressor_(std::move(compressor)) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw std::runtime_error("tensorswap profiler: cannot create " + path + ": " +
                             std::strerror(errno));
  }
  if (!write_all(&header, sizeof header) || !write_all(&run, sizeof run)) {
    // Not even the header fits (a full disk): leave no empty or cut file
    // behind. Only a regular file is removed (never /dev/full and the like).
    std::string why = error_;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && ::unlink(path.c_str()) == 0) {
      why += "; the file was removed";
    }
    ::close(fd_);
    throw std::runtime_error("tensorswap profiler: cannot write " + path + ": " + why);
  }
}

LogWriter::~LogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogWriter::write_all(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      error_ = std::strerror(errno);
      return false;
    }
    p += n;
    bytes -= static_cast<std::size_t>(n);
    bytes_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool LogWriter::write_chunk(trace::ChunkType type, std::uint16_t thread, std::uint32_t count,
                            const void* payload, std::size_t payload_bytes) {
  if (stopped_) return false;
  // Header and payload in one write: a crash tears at most this chunk.
  scratch_.clear();
  trace::append_chunk(scratch_, type, thread, count, payload, payload_bytes, sequence_);
  const std::uint64_t start = bytes_;
  if (write_all(scratch_.data(), scratch_.size())) {
    ++sequence_;
    if (type == trace::ChunkType::records || type == trace::ChunkType::records_zstd) {
      records_ += count;
    }
    return true;
  }
  stop_at(start, scratch_.size());
  return false;
}

// Note [A write that fails]: the recorder stops for good. The file is cut
// back to the end of the last whole chunk, so that it never ends in a torn
// chunk of its own making, and a stopped chunk says why in the place of the
// lost one where it fits (a full disk may leave no room even for that: the
// log then ends at a chunk boundary, which readers report as such).
void LogWriter::stop_at(std::uint64_t start, std::size_t lost_bytes) {
  stopped_ = true;
  const int error = errno_;
  if (::ftruncate(fd_, static_cast<off_t>(start)) != 0 ||
      ::lseek(fd_, static_cast<off_t>(start), SEEK_SET) < 0) {
    return;  // a torn chunk stays: readers report its bytes as lost
  }
  bytes_ = start;
  trace::StoppedPayload stopped{};
  stopped.records_written = records_;
  stopped.error = error;
  stopped.lost_bytes = lost_bytes;
  std::vector<std::uint8_t> chunk;
  trace::append_chunk(chunk, trace::ChunkType::stopped, 0, 1, &stopped, sizeof stopped, sequence_);
  const std::string why = error_;
  if (!write_all(chunk.data(), chunk.size())) {
    if (::ftruncate(fd_, static_cast<off_t>(start)) == 0) bytes_ = start;
  }
  error_ = why;  // the first failure is the one to report
}

bool LogWriter::write_strings(const std::vector<StringDef>& defs) {
  if (defs.empty()) return true;
  std::vector<trace::NamedString> strings;
  strings.reserve(defs.size());
  for (const StringDef& d : defs) strings.push_back(trace::NamedString{d.kind, d.id, d.text});
  const std::vector<std::uint8_t> payload = trace::encode_strings(strings);
  return write_chunk(trace::ChunkType::strings, 0, static_cast<std::uint32_t>(defs.size()),
                     payload.data(), payload.size());
}

bool LogWriter::write_records(std::uint16_t thread, const trace::Record* records,
                              std::size_t count) {
  if (count == 0) return true;
  const std::size_t bytes = count * sizeof(trace::Record);
  if (compressor_) {
    columns_.resize(bytes);  // Note [Record columns]
    trace::records_to_columns(records, count, columns_.data());
    if (compressor_->compress(columns_.data(), bytes, packed_)) {
      return write_chunk(trace::ChunkType::records_zstd, thread, static_cast<std::uint32_t>(count),
                         packed_.data(), packed_.size());
    }
    // Never lose records over it: this chunk goes as it is (readers read both).
    if (!said_compression_failed_) {
      std::fprintf(stderr, "tensorswap profiler: zstd failed on %s (%s); writing records uncompressed\n",
                   path_.c_str(), compressor_->error().c_str());
      said_compression_failed_ = true;
    }
  }
  return write_chunk(trace::ChunkType::records, thread, static_cast<std::uint32_t>(count), records,
                     bytes);
}

bool LogWriter::rewrite_device(const char (&device)[sizeof(trace::FileHeader::device)]) {
  const auto at = static_cast<off_t>(offsetof(trace::FileHeader, device));
  return ::pwrite(fd_, device, sizeof device, at) == static_cast<ssize_t>(sizeof device);
}

bool LogWriter::rewrite_copy_timing(std::uint8_t copy_timing) {
  const auto at = static_cast<off_t>(offsetof(trace::FileHeader, copy_timing));
  return ::pwrite(fd_, &copy_timing, 1, at) == 1;
}

bool LogWriter::rewrite_run(const trace::RunHeader& run) {
  const auto at = static_cast<off_t>(sizeof(trace::FileHeader));
  return ::pwrite(fd_, &run, sizeof run, at) == static_cast<ssize_t>(sizeof run);
}

bool LogWriter::write_end(const trace::EndPayload& end) {
  return write_chunk(trace::ChunkType::end, 0, 1, &end, sizeof end);
}

}  // namespace tswap::profiler::detail
