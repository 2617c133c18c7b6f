#include "log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tswap::profiler::detail {

LogWriter::LogWriter(const std::string& path, const trace::FileHeader& header) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw std::runtime_error("tensorswap profiler: cannot create " + path + ": " +
                             std::strerror(errno));
  }
  if (!write_all(&header, sizeof header)) {
    const std::string why = error_;
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
  trace::ChunkHeader h{};
  h.magic = trace::kChunkMagic;
  h.type = static_cast<std::uint16_t>(type);
  h.thread = thread;
  h.count = count;
  h.payload_bytes = static_cast<std::uint32_t>(payload_bytes);
  h.sequence = sequence_++;
  h.checksum = trace::checksum(payload, payload_bytes);
  // Header and payload in one write: a crash tears at most this chunk.
  scratch_.resize(sizeof h + payload_bytes);
  std::memcpy(scratch_.data(), &h, sizeof h);
  if (payload_bytes > 0) std::memcpy(scratch_.data() + sizeof h, payload, payload_bytes);
  return write_all(scratch_.data(), scratch_.size());
}

bool LogWriter::write_strings(const std::vector<StringDef>& defs) {
  if (defs.empty()) return true;
  std::vector<std::uint8_t> payload;
  for (const StringDef& d : defs) {
    trace::StringEntry e{};
    e.id = d.id;
    e.kind = static_cast<std::uint8_t>(d.kind);
    e.length = static_cast<std::uint32_t>(d.text.size());
    const std::size_t at = payload.size();
    const std::size_t padded = (d.text.size() + 7) / 8 * 8;
    payload.resize(at + sizeof e + padded, 0);
    std::memcpy(payload.data() + at, &e, sizeof e);
    std::memcpy(payload.data() + at + sizeof e, d.text.data(), d.text.size());
  }
  return write_chunk(trace::ChunkType::strings, 0, static_cast<std::uint32_t>(defs.size()),
                     payload.data(), payload.size());
}

bool LogWriter::write_records(std::uint16_t thread, const trace::Record* records,
                              std::size_t count) {
  return count == 0 ||
         write_chunk(trace::ChunkType::records, thread, static_cast<std::uint32_t>(count), records,
                     count * sizeof(trace::Record));
}

bool LogWriter::write_end(const trace::EndPayload& end) {
  return write_chunk(trace::ChunkType::end, 0, 1, &end, sizeof end);
}

}  // namespace tswap::profiler::detail
