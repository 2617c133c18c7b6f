#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>
#include <unordered_map>

#include <tswap/trace/compression.h>
#include <tswap/trace/trace.h>

#include "time_merge.h"

namespace tswap::trace {

const char* to_string(TraceError::Kind kind) {
  switch (kind) {
    case TraceError::Kind::cannot_open:
      return "cannot open";
    case TraceError::Kind::empty:
      return "empty file";
    case TraceError::Kind::not_a_log:
      return "not a tensorswap log";
    case TraceError::Kind::unsupported_version:
      return "unsupported format version";
    case TraceError::Kind::corrupt:
      return "corrupt log";
  }
  return "error";
}

std::string printable(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  auto escape = [&](unsigned char byte) {
    static const char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[byte >> 4];
    out += hex[byte & 15];
  };
  const auto* p = reinterpret_cast<const unsigned char*>(name.data());
  const std::size_t n = name.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x20 || c == 0x7f) {
      escape(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length, and the range of its second byte
    // (no overlong forms, no surrogates, nothing above U+10FFFF).
    std::size_t len = 0;
    unsigned char low = 0x80, high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    }
    bool valid = len > 0 && i + len <= n && p[i + 1] >= low && p[i + 1] <= high;
    for (std::size_t k = 2; valid && k < len; ++k) valid = p[i + k] >= 0x80 && p[i + k] <= 0xbf;
    const bool c1_control = valid && c == 0xc2 && p[i + 1] <= 0x9f;  // U+0080..U+009F
    if (!valid || c1_control) {
      // One byte at a time: a bad lead byte, or each byte of a C1 control.
      const std::size_t bad = c1_control ? 2 : 1;
      for (std::size_t k = 0; k < bad; ++k) escape(p[i + k]);
      i += bad;
      continue;
    }
    out.append(name.data() + i, len);
    i += len;
  }
  return out;
}

namespace {

std::string describe(TraceError::Kind kind, const std::string& file, std::uint64_t offset,
                     const std::string& problem) {
  std::ostringstream out;
  out << file << ": " << to_string(kind);
  if (kind != TraceError::Kind::cannot_open && kind != TraceError::Kind::empty) {
    out << " at byte offset " << offset;
  }
  if (!problem.empty()) out << ": " << problem;
  return out.str();
}

/// The chunk checksum of version 1 logs written before the word-wise one
/// (commit 6406b66; nothing else in the format changed): FNV-1a 64 over
/// the payload byte by byte. Only asked after a checksum fails, so that
/// such a log is reported as older rather than as corrupt.
std::uint64_t bytewise_checksum(const std::uint8_t* p, std::size_t bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace

TraceError::TraceError(Kind kind, std::string file, std::uint64_t offset,
                       const std::string& problem)
    : std::runtime_error(describe(kind, file, offset, problem)),
      kind_(kind),
      file_(std::move(file)),
      offset_(offset) {}

std::string_view Trace::lookup(const std::unordered_map<std::uint32_t, std::string>& m,
                               std::uint32_t id) {
  const auto it = m.find(id);
  return it == m.end() ? std::string_view() : std::string_view(it->second);
}

std::uint64_t Trace::duration_ns() const {
  return events_.size() < 2 ? 0 : events_.back().host_ns - events_.front().host_ns;
}

void PrintTo(const Trace& trace, std::ostream* os) {
  std::map<std::uint32_t, std::string> tags(trace.tags().begin(), trace.tags().end());
  *os << "the log " << trace.path() << " (" << trace.events().size()
      << (trace.events().size() == 1 ? " event" : " events") << "; ";
  if (tags.empty()) *os << "no tags";
  const char* sep = tags.size() == 1 ? "tag " : "tags ";
  for (const auto& [id, name] : tags) *os << sep << printable(name), sep = ", ";
  *os << "; " << (trace.completeness().clean_end ? "complete" : "incomplete") << ")";
}

/// Walks a log held in memory. Every read is checked against `size_` first.
class Parser {
 public:
  Parser(const std::uint8_t* data, std::size_t size, std::string name, const LoadProgress& progress)
      : data_(data), size_(size), name_(std::move(name)), progress_(progress) {}

  Trace run() {
    Trace t;
    t.path_ = name_;
    t.file_bytes_ = size_;
    if (size_ == 0) fail(TraceError::Kind::empty, 0, "");
    read_header(t);
    std::uint64_t offset = data_start_;
    std::uint64_t expected_sequence = 0;
    while (offset < size_) {
      if (size_ - offset < sizeof(ChunkHeader)) {
        t.completeness_.bytes_lost = size_ - offset;  // torn chunk header
        break;
      }
      ChunkHeader chunk;
      std::memcpy(&chunk, data_ + offset, sizeof chunk);
      if (chunk.magic != kChunkMagic) {
        fail(TraceError::Kind::corrupt, offset, "expected a chunk header (\"CHNK\")");
      }
      const std::uint64_t payload = offset + sizeof(ChunkHeader);
      if (chunk.payload_bytes > size_ - payload) {
        t.completeness_.bytes_lost = size_ - offset;  // torn chunk: the writer died mid-write
        break;
      }
      if (checksum(data_ + payload, chunk.payload_bytes) != chunk.checksum) {
        if (bytewise_checksum(data_ + payload, chunk.payload_bytes) == chunk.checksum) {
          fail(TraceError::Kind::unsupported_version, offset,
               "written by an older tensorswap (byte-wise checksum); this reader checks "
               "word-wise checksums only: record the log again");
        }
        fail(TraceError::Kind::corrupt, offset,
             "chunk " + std::to_string(chunk.sequence) + " fails its checksum");
      }
      if (chunk.sequence != expected_sequence) {
        fail(TraceError::Kind::corrupt, offset,
             "chunk number " + std::to_string(chunk.sequence) + " where " +
                 std::to_string(expected_sequence) + " was expected");
      }
      ++expected_sequence;
      note_after_end(t.completeness_, chunk, offset);
      switch (static_cast<ChunkType>(chunk.type)) {
        case ChunkType::strings:
          read_strings(t, chunk, payload);
          break;
        case ChunkType::records:
          read_records(t, chunk, payload);
          break;
        case ChunkType::records_zstd:
          read_compressed_records(t, chunk, payload, offset);
          break;
        case ChunkType::end:
          read_end(t, chunk, payload, offset);
          break;
        case ChunkType::stopped:
          read_stopped(t, chunk, payload, offset);
          break;
        default:
          break;  // a newer writer's chunk type: skip it
      }
      ++t.completeness_.chunks;
      offset = payload + chunk.payload_bytes;
      t.completeness_.bytes_read = offset;
      if (progress_ && expected_sequence % 64 == 0 && !progress_(offset, size_)) throw LoadCancelled();
    }
    if (t.completeness_.bytes_read == 0) t.completeness_.bytes_read = data_start_;
    t.events_ = merge_by_time(chunks_, records_);
    return t;
  }

 private:
  [[noreturn]] void fail(TraceError::Kind kind, std::uint64_t offset, const std::string& problem) {
    throw TraceError(kind, name_, offset, problem);
  }

  void read_header(Trace& t) {
    if (size_ < sizeof(kMagic) || std::memcmp(data_, kMagic, sizeof(kMagic)) != 0) {
      fail(TraceError::Kind::not_a_log, 0, "the file does not start with \"TSWAPLOG\"");
    }
    if (size_ < sizeof(FileHeader)) {
      fail(TraceError::Kind::corrupt, size_,
           "the header is cut short (" + std::to_string(size_) + " of " +
               std::to_string(sizeof(FileHeader)) + " bytes)");
    }
    std::memcpy(&t.header_, data_, sizeof(FileHeader));
    const FileHeader& h = t.header_;
    if (h.version > kFormatVersion || h.version == 0) {
      fail(TraceError::Kind::unsupported_version, 8,
           "format version " + std::to_string(h.version) + "; this reader knows versions 1 to " +
               std::to_string(kFormatVersion) + " (update tensorswap)");
    }
    if (h.header_bytes != header_bytes_of(h.version) || h.record_bytes != sizeof(Record)) {
      fail(TraceError::Kind::corrupt, 12,
           "header of " + std::to_string(h.header_bytes) + " bytes with records of " +
               std::to_string(h.record_bytes) + " bytes; version " + std::to_string(h.version) +
               " has " + std::to_string(header_bytes_of(h.version)) + " and 32");
    }
    if (size_ < h.header_bytes) {
      fail(TraceError::Kind::corrupt, size_,
           "the header is cut short (" + std::to_string(size_) + " of " +
               std::to_string(h.header_bytes) + " bytes)");
    }
    if (h.version >= 3) {
      std::memcpy(&t.run_, data_ + sizeof(FileHeader), sizeof(RunHeader));
      const RunHeader& run = t.run_;
      if ((run.flags & kRunHasRank) != 0 &&
          (run.world_size < 1 || run.rank < 0 || run.rank >= run.world_size ||
           run.local_rank < -1 || run.local_rank >= run.world_size)) {
        fail(TraceError::Kind::corrupt, sizeof(FileHeader) + 4,
             "rank " + std::to_string(run.rank) + " of a world of " +
                 std::to_string(run.world_size) + " (local rank " +
                 std::to_string(run.local_rank) + ")");
      }
      t.run_.run_id[sizeof(run.run_id) - 1] = '\0';
    }
    data_start_ = h.header_bytes;
    version_ = h.version;
    last_kind_ = h.version == 1 ? kLastEventKindV1 : kLastEventKind;
    // Version 1 wrote zeros where version 2 keeps the copy timing.
    if (h.version == 1) t.header_.copy_timing = static_cast<std::uint8_t>(CopyTiming::unknown);
  }

  void read_strings(Trace& t, const ChunkHeader& chunk, std::uint64_t payload) {
    std::uint64_t at = payload;
    const std::uint64_t end = payload + chunk.payload_bytes;
    for (std::uint32_t i = 0; i < chunk.count; ++i) {
      if (end - at < sizeof(StringEntry)) {
        fail(TraceError::Kind::corrupt, at, "string entry runs past its chunk");
      }
      StringEntry e;
      std::memcpy(&e, data_ + at, sizeof e);
      at += sizeof e;
      const std::uint64_t padded = (static_cast<std::uint64_t>(e.length) + 7) / 8 * 8;
      if (end - at < padded) fail(TraceError::Kind::corrupt, at, "string runs past its chunk");
      std::string text(reinterpret_cast<const char*>(data_ + at), e.length);
      at += padded;
      switch (static_cast<StringKind>(e.kind)) {
        case StringKind::tag:
          t.tags_[e.id] = std::move(text);
          break;
        case StringKind::stream:
          t.streams_[e.id] = std::move(text);
          break;
        case StringKind::thread:
          t.threads_[e.id] = std::move(text);
          break;
        default:
          fail(TraceError::Kind::corrupt, at, "unknown string kind " + std::to_string(e.kind));
      }
    }
  }

  void read_records(Trace& t, const ChunkHeader& chunk, std::uint64_t payload) {
    if (static_cast<std::uint64_t>(chunk.count) * sizeof(Record) != chunk.payload_bytes) {
      fail(TraceError::Kind::corrupt, payload,
           std::to_string(chunk.count) + " records do not fill " +
               std::to_string(chunk.payload_bytes) + " bytes");
    }
    ++t.storage_.records_chunks;
    add_records(chunk, data_ + payload, [payload](std::uint64_t at) { return payload + at; }, "");
  }

  /// A records_zstd chunk (version 4): decompressed, then read as a
  /// records chunk. Its checksum (over the stored bytes) passed already.
  void read_compressed_records(Trace& t, const ChunkHeader& chunk, std::uint64_t payload,
                               std::uint64_t offset) {
    const std::string which = "chunk " + std::to_string(chunk.sequence) + " (zstd-compressed records)";
    if (version_ < 4) {
      fail(TraceError::Kind::corrupt, offset,
           which + " in a version " + std::to_string(version_) + " log (compression is version 4)");
    }
    if (chunk.count > kMaxCompressedRecords) {
      fail(TraceError::Kind::corrupt, offset,
           which + " says " + std::to_string(chunk.count) + " records: more than the " +
               std::to_string(kMaxCompressedRecords) + " one may hold");
    }
    const std::uint64_t expected = static_cast<std::uint64_t>(chunk.count) * sizeof(Record);
    const std::string problem =
        unzstd_.decompress(data_ + payload, chunk.payload_bytes, expected, unpacked_);
    if (!problem.empty()) {
      fail(zstd_available() ? TraceError::Kind::corrupt : TraceError::Kind::unsupported_version,
           offset, which + " does not decompress: " + problem);
    }
    ++t.storage_.compressed_chunks;
    t.storage_.compressed_bytes += chunk.payload_bytes;
    t.storage_.uncompressed_bytes += expected;
    // Kept until the merge: the chunk's records have no bytes in the file
    // to be read in place from.
    std::vector<Record>& records = decompressed_.emplace_back(chunk.count);
    columns_to_records(unpacked_.data(), chunk.count, records.data());  // Note [Record columns]
    // A bad record has no byte offset of its own in the file: say where
    // in the chunk's records it is.
    add_records(chunk, reinterpret_cast<const std::uint8_t*>(records.data()),
                [offset](std::uint64_t) { return offset; }, " (" + which + ", byte ");
  }

  /// Validates one chunk's `count` records at `records` (a plain chunk's
  /// payload, in place, or a compressed one's, decompressed) and queues
  /// them for merge_by_time, which makes the events, in time order, once
  /// every chunk is validated. `file_offset(at)` is where to say a bad
  /// record is; `where` opens a note of the byte within the records (""
  /// for none).
  template <class FileOffset>
  void add_records(const ChunkHeader& chunk, const std::uint8_t* records, FileOffset file_offset,
                   const std::string& where) {
    for (std::uint32_t i = 0; i < chunk.count; ++i) {
      const std::uint64_t at = static_cast<std::uint64_t>(i) * sizeof(Record);
      const std::uint8_t kind = records[at + offsetof(Record, kind)];
      if (kind == 0 || kind > last_kind_) {
        fail(TraceError::Kind::corrupt, file_offset(at),
             "unknown event kind " + std::to_string(kind) + " in a version " +
                 std::to_string(version_) + " log" +
                 (where.empty() ? "" : where + std::to_string(at) + " of its records)"));
      }
    }
    chunks_.push_back(ChunkRecords{records, chunk.count, chunk.thread});
    records_ += chunk.count;
  }

  /// Note [After the end]: what follows the first end chunk is counted.
  static void note_after_end(Completeness& c, const ChunkHeader& chunk, std::uint64_t offset) {
    if (!c.clean_end) return;
    if (chunk.type == static_cast<std::uint16_t>(ChunkType::end)) {
      ++c.extra_end_chunks;
      if (c.extra_end_offsets.size() < 8) c.extra_end_offsets.push_back(offset);
      return;
    }
    if (c.chunks_after_end++ == 0) c.first_after_end_offset = offset;
    if (chunk.type == static_cast<std::uint16_t>(ChunkType::records) ||
        chunk.type == static_cast<std::uint16_t>(ChunkType::records_zstd)) {
      c.events_after_end += chunk.count;
    }
  }

  void read_end(Trace& t, const ChunkHeader& chunk, std::uint64_t payload, std::uint64_t offset) {
    if (chunk.payload_bytes < sizeof(EndPayload)) {
      fail(TraceError::Kind::corrupt, payload, "end chunk too short");
    }
    if (t.completeness_.clean_end) return;  // a second end chunk: counted, not read
    EndPayload end;
    std::memcpy(&end, data_ + payload, sizeof end);
    t.completeness_.clean_end = true;
    t.completeness_.end_offset = offset;
    t.completeness_.records_written = end.records_written;
    t.completeness_.records_dropped = end.records_dropped;
  }

  void read_stopped(Trace& t, const ChunkHeader& chunk, std::uint64_t payload,
                    std::uint64_t offset) {
    if (chunk.payload_bytes < sizeof(StoppedPayload)) {
      fail(TraceError::Kind::corrupt, payload, "stopped chunk too short");
    }
    StoppedPayload stopped;
    std::memcpy(&stopped, data_ + payload, sizeof stopped);
    if (t.completeness_.writer_stopped) return;
    t.completeness_.writer_stopped = true;
    t.completeness_.writer_stopped_offset = offset;
    t.completeness_.writer_error = stopped.error;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::uint32_t version_ = kFormatVersion;     // the header's
  std::uint64_t data_start_ = sizeof(FileHeader);  // where chunks begin: header_bytes
  std::uint8_t last_kind_ = kLastEventKind;   // the highest kind that version has
  std::string name_;
  const LoadProgress& progress_;
  std::vector<ChunkRecords> chunks_;  // each records chunk's records, in file order
  std::size_t records_ = 0;           // in chunks_
  ZstdDecompressor unzstd_;           // kept across compressed chunks
  std::vector<std::uint8_t> unpacked_;  // the compressed chunk being read, decompressed
  // ...and back from columns to records, one vector per chunk (moving the
  // outer vector moves each buffer, so chunks_ keeps pointing at them).
  std::vector<std::vector<Record>> decompressed_;
};

Trace Trace::parse(const std::uint8_t* data, std::size_t size, const std::string& name,
                   const LoadProgress& progress) {
  return Parser(data, size, name, progress).run();
}

namespace {

/// A file mapped read-only for the length of a load. Note [Mapped logs]:
/// mapping instead of reading skips a copy of the whole file into memory of
/// our own (1.6 GB at 50 million events) that the kernel would first fault
/// in and zero; the reader validates the bytes where they lie and
/// merge_by_time copies each record once, into its event. A log is only
/// ever appended to (a recorder still writing it adds chunks behind the
/// ones mapped), so the mapped bytes do not change under the reader.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw TraceError(TraceError::Kind::cannot_open, path, 0, std::strerror(errno));
    struct stat st{};
    if (::fstat(fd_, &st) != 0) throw TraceError(TraceError::Kind::cannot_open, path, 0, std::strerror(errno));
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return;  // read() instead (data() is null)
    data_ = static_cast<const std::uint8_t*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);  // read front to back: read far ahead
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

Trace Trace::load(const std::string& path, const LoadProgress& progress) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw TraceError(TraceError::Kind::cannot_open, path, 0, "no such file");
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw TraceError(TraceError::Kind::cannot_open, path, 0, "not a regular file");
  }
  const MappedFile file(path);
  if (file.data() || file.size() == 0) return parse(file.data(), file.size(), path, progress);
  // A file system that cannot map: read it whole.
  std::vector<std::uint8_t> bytes(file.size());
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::pread(file.fd(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw TraceError(TraceError::Kind::cannot_open, path, 0, "read failed");
    done += static_cast<std::size_t>(n);
  }
  return parse(bytes.data(), bytes.size(), path, progress);
}

}  // namespace tswap::trace
