#pragma once

// A loaded .tswap log: immutable, events sorted by time. The reader never
// reads out of bounds; a log cut short by a crash loads up to its last whole
// chunk and says what was lost; anything else that is wrong throws a
// TraceError naming the file and the byte offset.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tswap/trace/format.h>

namespace tswap::trace {

/// Why a file could not be read.
class TraceError : public std::runtime_error {
 public:
  enum class Kind {
    cannot_open,          // missing, unreadable, a directory
    empty,                // zero bytes
    not_a_log,            // the magic bytes are not "TSWAPLOG"
    unsupported_version,  // written by a newer tensorswap (or an older variant of version 1)
    corrupt,              // a header, chunk or record that cannot be right
  };

  TraceError(Kind kind, std::string file, std::uint64_t offset, const std::string& problem);

  Kind kind() const { return kind_; }
  const std::string& file() const { return file_; }
  std::uint64_t offset() const { return offset_; }

 private:
  Kind kind_;
  std::string file_;
  std::uint64_t offset_;
};

/// Thrown by a load whose progress callback asked to stop.
struct LoadCancelled : std::exception {
  const char* what() const noexcept override { return "loading cancelled"; }
};

/// Called while a log loads with the bytes done and the total; return false
/// to cancel (the load then throws LoadCancelled).
using LoadProgress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

/// A record and the thread that recorded it.
struct Event : Record {
  std::uint16_t thread = 0;  // string id of the recording thread
  EventKind event_kind() const { return static_cast<EventKind>(kind); }
};

/// How much of the log survived. Note [After the end]: a log holds one end
/// chunk, last. Chunks after it (a second writer on the same file, two logs
/// glued together) are loaded like the others, checksums and sequence
/// numbers checked; the counts below come from the first end chunk, and
/// what came after it is counted here so that tools can say so.
struct Completeness {
  bool clean_end = false;             // the session stopped and wrote its end chunk
  std::uint64_t bytes_read = 0;       // header and whole chunks
  std::uint64_t bytes_lost = 0;       // a torn last chunk, when the writer died mid-write
  std::uint64_t records_dropped = 0;  // from the (first) end chunk: buffers were full
  std::uint64_t records_written = 0;  // from the (first) end chunk
  std::uint64_t chunks = 0;           // whole chunks read, of every type

  std::uint64_t end_offset = 0;       // where the first end chunk starts (clean_end)
  std::uint64_t extra_end_chunks = 0; // end chunks after the first
  std::vector<std::uint64_t> extra_end_offsets;  // where they start: the first 8
  std::uint64_t chunks_after_end = 0;  // strings, records and other chunks after the first end
  std::uint64_t events_after_end = 0;  // records in them (loaded with the others)
  std::uint64_t first_after_end_offset = 0;  // where the first of them starts

  /// The recorder could not write a chunk and stopped (a stopped chunk):
  /// writer_stopped_offset is where the chunk it could not write would have
  /// started, writer_error that write's errno.
  bool writer_stopped = false;
  std::uint64_t writer_stopped_offset = 0;
  std::int32_t writer_error = 0;

  /// No end chunk, and the file ends where a chunk ends (no torn bytes):
  /// the writer stopped there (a full disk) or the process died between
  /// two writes. The log cannot tell which.
  bool ends_at_chunk_boundary() const { return !clean_end && bytes_lost == 0; }
};

/// How the log stores its records: version 4 may compress records chunks
/// (ChunkType::records_zstd). tswap-log info prints it.
struct Storage {
  std::uint64_t records_chunks = 0;      // stored as they are
  std::uint64_t compressed_chunks = 0;   // zstd frames
  std::uint64_t compressed_bytes = 0;    // the compressed chunks' payloads, as stored
  std::uint64_t uncompressed_bytes = 0;  // ...and as records (count * 32)
  bool compressed() const { return compressed_chunks > 0; }
  /// Records' bytes per stored byte in the compressed chunks (1 if none).
  double ratio() const {
    return compressed_bytes == 0 ? 1.0
                                 : static_cast<double>(uncompressed_bytes) /
                                       static_cast<double>(compressed_bytes);
  }
};

/// Why a log that did not end cleanly ends where it does, as one sentence
/// with the byte offsets ("the writer stopped at byte ..."); empty for a
/// clean end. tswap-log info and the viewer's banner both say it.
std::string incomplete_reason(const Completeness& c);

/// A name from a log made safe to print on a terminal: control characters
/// (C0, DEL, C1) and bytes that are not valid UTF-8 become `\\xNN`, one per
/// byte; valid UTF-8 and everything else are kept as they are. The CLI,
/// checks and event orders print names through it.
std::string printable(std::string_view name);

class Trace {
 public:
  /// Reads and validates `path`. Throws TraceError (or LoadCancelled).
  static Trace load(const std::string& path, const LoadProgress& progress = {});
  /// Validates a log held in memory; `name` is used in errors.
  static Trace parse(const std::uint8_t* data, std::size_t size, const std::string& name,
                     const LoadProgress& progress = {});

  const std::string& path() const { return path_; }
  const FileHeader& header() const { return header_; }
  /// Where the process stood in a distributed run (version 3; zero for
  /// older logs and a process on its own).
  const RunHeader& run() const { return run_; }
  const Completeness& completeness() const { return completeness_; }
  const Storage& storage() const { return storage_; }
  std::uint64_t file_bytes() const { return file_bytes_; }

  /// Every event, sorted by host time; ties keep the order they were written.
  const std::vector<Event>& events() const { return events_; }

  /// Names by id, "" for an unknown id.
  std::string_view tag(std::uint32_t id) const { return lookup(tags_, id); }
  std::string_view stream(std::uint32_t id) const { return lookup(streams_, id); }
  std::string_view thread(std::uint32_t id) const { return lookup(threads_, id); }
  const std::unordered_map<std::uint32_t, std::string>& tags() const { return tags_; }
  const std::unordered_map<std::uint32_t, std::string>& streams() const { return streams_; }
  const std::unordered_map<std::uint32_t, std::string>& threads() const { return threads_; }

  /// Time from the first event to the last (0 with fewer than two).
  std::uint64_t duration_ns() const;

 private:
  static std::string_view lookup(const std::unordered_map<std::uint32_t, std::string>& m,
                                 std::uint32_t id);
  friend class Parser;

  std::string path_;
  FileHeader header_{};
  RunHeader run_{};
  Completeness completeness_;
  Storage storage_;
  std::uint64_t file_bytes_ = 0;
  std::vector<Event> events_;
  std::unordered_map<std::uint32_t, std::string> tags_, streams_, threads_;
};

/// One line for people, and what GoogleTest prints for a Trace in a failed
/// expectation (instead of its bytes):
///   the log /tmp/run.tswap (313 events; tags model.layer.*, model.head; complete)
void PrintTo(const Trace& trace, std::ostream* os);

/// "not a tensorswap log", ... for messages.
const char* to_string(TraceError::Kind kind);

}  // namespace tswap::trace
