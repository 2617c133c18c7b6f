#pragma once

// The .tswap log format, version 4: what the recorder writes and the reader
// reads, byte for byte. docs/log-format.md describes it for other tools.
// Version 2 adds what the device did (device-timed copies and layers, clock
// anchors, allocator samples), backward layer spans and the header's timing
// byte; a version 1 log reads as one of version 2 that has none of them.
// Version 3 adds the RunHeader: the process's rank in a distributed run and
// its clock against rank 0's; a version 1 or 2 log reads as one of a single
// process. Version 4 adds zstd-compressed records chunks; the recorder
// writes version 4 only for a session that compresses (an uncompressed log
// is still a version 3 log, which older readers read), so that a reader
// that does not know the chunk type refuses the log rather than skipping
// all its records.
//
//   FileHeader                      256 bytes, once
//   RunHeader                       256 bytes, once (version 3)
//   Chunk*                          ChunkHeader (32 bytes) + payload
//     strings chunk                 StringEntry records: tags, streams, threads
//     records chunk                 `count` Records of 32 bytes, one thread's
//     compressed records chunk      the same, as one zstd frame (version 4)
//     end chunk                     EndPayload: the session stopped cleanly
//
// All integers little-endian. A chunk is written whole or not at all by one
// write; a process that dies leaves every chunk before the last flush intact.

#include <cstddef>
#include <cstdint>

namespace tswap::trace {

inline constexpr char kMagic[8] = {'T', 'S', 'W', 'A', 'P', 'L', 'O', 'G'};
inline constexpr std::uint32_t kFormatVersion = 4;
/// What a session writes when it does not compress: the newest version
/// without compressed chunks.
inline constexpr std::uint32_t kUncompressedFormatVersion = 3;
inline constexpr std::uint32_t kChunkMagic = 0x4b4e4843;  // "CHNK"

/// What happened. Values are part of the format: append, never renumber.
enum class EventKind : std::uint8_t {
  step_begin = 1,   // a new step of a tag starts (aux: step number)
  layer_enter = 2,  // a layer's outermost scope is entered
  layer_exit = 3,   // ...and left
  kept = 4,         // a saved tensor stays on the device (reason: KeepReason)
  d2h_queued = 5,   // copy to host queued (value: bytes)
  d2h_start = 6,    // the D2H stream starts it
  d2h_done = 7,     // ...and finishes it
  release = 8,      // the engine drops its device memory (reason: ReleaseReason)
  h2d_queued = 9,   // copy back queued (flags: kFlagPrefetch)
  h2d_start = 10,
  h2d_done = 11,
  reuse = 12,           // a deferred storage still alive is held again, no copy
  stall = 13,           // compute waited on a copy (value: ns waited)
  unpack = 14,          // backward uses the tensor (after any wait; value: its key index)
  swap_created = 15,    // a swap takes over a saved storage (value: device bytes now held)
  swap_destroyed = 16,  // autograd let go of a swap (value: device bytes it still held)
  // Version 2:
  backward_enter = 17,    // a layer's backward begins: its first unpack in the step
  backward_exit = 18,     // ...and ends: its last (every tensor it saved was used)
  clock_anchor = 19,      // the device clock read against the host's (value: device ns since
                          // the session's first anchor; index: anchor number from 0)
  device_allocated = 20,  // the device allocator's allocated bytes at a layer boundary (value)
  device_reserved = 21,   // ...and the bytes it reserved from the device (value)
  nvtx_range = 22,        // an NVTX range was opened for an operation, while a tool (Nsight
                          // Systems) is attached: value: its operation id, the range's payload;
                          // reason: the range's category (the EventKind it marks); tag, layer,
                          // index, step: the operation's
};
inline constexpr std::uint8_t kLastEventKind = 22;
/// The last kind a version 1 log may hold.
inline constexpr std::uint8_t kLastEventKindV1 = 16;

/// Why a saved tensor stays on the device (Record::reason of `kept`).
enum class KeepReason : std::uint8_t {
  none = 0,  // not kept: swapped (never written)
  not_dense = 1,
  no_storage = 2,
  empty = 3,
  parameter = 4,
  view_of_parameter = 5,
  no_runtime = 6,
  min_bytes = 7,
  predicate = 8,
  observed = 9,  // observe mode: would have been swapped (SwapOptions::observe)
};

/// What a release did (Record::reason of `release`).
enum class ReleaseReason : std::uint8_t {
  freed = 1,          // the engine held the last reference
  deferred_held = 2,  // something else holds the storage: freed when it lets go
};

/// step_begin's value: the tag's schedule knobs for the step (SwapOptions
/// of the context that began it), so readers check and compare runs by what
/// they were told to do. Logs written before the knobs existed have 0 (any
/// value whose low byte is 0): read as the schedule of then (depth 1, keep
/// 1, no limit).
///   bits 0-7   prefetch_depth + 1      bits 8-15   keep_last
///   bit 16     observe                 bits 24-39  max_copies_in_flight
struct StepSchedule {
  int prefetch_depth = 1;
  int keep_last = 1;
  int max_copies_in_flight = 0;
  bool observe = false;
  bool recorded = false;  // false: a log from before (the defaults above)
};
inline std::uint64_t encode_schedule(int prefetch_depth, int keep_last, int max_in_flight,
                                     bool observe) {
  auto cap = [](int v, int most) { return static_cast<std::uint64_t>(v < 0 ? 0 : v > most ? most : v); };
  return cap(prefetch_depth + 1, 255) | cap(keep_last, 255) << 8 |
         (observe ? std::uint64_t{1} << 16 : 0) | cap(max_in_flight, 0xFFFF) << 24;
}
inline StepSchedule decode_schedule(std::uint64_t value) {
  StepSchedule s;
  if ((value & 0xFF) == 0) return s;  // never written so: depth is stored + 1
  s.recorded = true;
  s.prefetch_depth = static_cast<int>(value & 0xFF) - 1;
  s.keep_last = static_cast<int>((value >> 8) & 0xFF);
  s.observe = ((value >> 16) & 1) != 0;
  s.max_copies_in_flight = static_cast<int>((value >> 24) & 0xFFFF);
  return s;
}

/// Record::flags bits.
inline constexpr std::uint8_t kFlagPrefetch = 1;  // h2d_*: queued ahead by prefetch
inline constexpr std::uint8_t kFlagWaitH2D = 2;   // stall: waited on a copy back (else out)
/// d2h_start/d2h_done/h2d_start/h2d_done, layer_enter/layer_exit and
/// backward_enter/backward_exit: the time is when the device got there (a
/// timing event on its stream, mapped onto the log's clock through the
/// clock anchors), not when the host did. Written by the recorder's writer
/// thread, after the fact: `stream` says where it happened, not `thread`.
inline constexpr std::uint8_t kFlagDeviceTime = 4;

/// One event. 32 bytes, naturally aligned, no padding.
struct Record {
  std::uint64_t host_ns;  // steady clock, ns since FileHeader::monotonic_start_ns
  std::uint64_t value;    // kind-specific: bytes (copies, kept, release), ns (stall)
  std::uint32_t index;    // tensor index within its layer (first key of its swap)
  std::uint32_t step;     // step number of the tag
  std::uint16_t tag;      // string id of the module tag (0: none)
  std::uint16_t layer;
  std::uint8_t kind;    // EventKind
  std::uint8_t stream;  // string id of the stream it happened on (0: none)
  std::uint8_t reason;  // KeepReason or ReleaseReason
  std::uint8_t flags;   // kFlag*
};
static_assert(sizeof(Record) == 32, "a record is 32 bytes on disk");
static_assert(alignof(Record) == 8);

/// What a string names.
enum class StringKind : std::uint8_t { tag = 1, stream = 2, thread = 3 };

/// One entry of a strings chunk, followed by `length` bytes of UTF-8 and
/// zero padding to a multiple of 8.
struct StringEntry {
  std::uint32_t id;
  std::uint8_t kind;  // StringKind
  std::uint8_t reserved[3];
  std::uint32_t length;
  std::uint32_t reserved2;
};
static_assert(sizeof(StringEntry) == 16);

/// The most records a records_zstd chunk may hold (64 MiB decompressed): a
/// reader allocates that much at most for one chunk. The recorder writes 8192.
inline constexpr std::uint32_t kMaxCompressedRecords = 1u << 21;

/// Chunk types. A reader skips types it does not know, so a type that adds
/// nothing a reader needs can come without a new format version
/// (docs/log-format.md); records_zstd came with version 4, since a reader
/// skipping it would show a compressed log as empty.
/// records_zstd (version 4): `count` records, compressed. The payload is one
/// zstd frame whose content size (in its frame header) is count * 32 bytes,
/// which decompresses to the records as columns of deltas (Note [Record
/// columns] in compression.h, which turns them back into records); the
/// checksum is over the payload as stored (compressed), so a torn or
/// corrupted chunk is found before it is decompressed. Each chunk is a frame
/// of its own: losing one loses nothing before or after it.
enum class ChunkType : std::uint16_t {
  strings = 1,
  records = 2,
  end = 3,
  stopped = 4,
  records_zstd = 5,
};

struct ChunkHeader {
  std::uint32_t magic;          // kChunkMagic
  std::uint16_t type;           // ChunkType; readers skip types they do not know
  std::uint16_t thread;         // records: string id of the recording thread
  std::uint32_t count;          // records or string entries in the payload
  std::uint32_t payload_bytes;  // bytes after this header
  std::uint64_t sequence;       // chunks are numbered from 0 in writing order
  std::uint64_t checksum;       // checksum() of the payload
};
static_assert(sizeof(ChunkHeader) == 32);

/// Payload of the end chunk.
struct EndPayload {
  std::uint64_t records_written;
  std::uint64_t records_dropped;  // thread buffers were full: the writer fell behind
  std::uint64_t host_ns;          // when the session stopped
  std::uint64_t reserved;
};
static_assert(sizeof(EndPayload) == 32);

/// Payload of a stopped chunk: the recorder could not write a chunk (a full
/// disk, a file size limit), cut the file back to the chunk boundary before
/// it, wrote this in its place if it fit, and wrote nothing more.
struct StoppedPayload {
  std::uint64_t records_written;  // records in the chunks before this one
  std::int32_t error;             // the failed write's errno (Linux numbering)
  std::uint32_t reserved;
  std::uint64_t lost_bytes;       // the size of the chunk that could not be written
  std::uint64_t reserved2;
};
static_assert(sizeof(StoppedPayload) == 32);

/// Who timed the copies' start and done (FileHeader::copy_timing). Set by
/// the runtime of the first swap, as the device field is.
enum class CopyTiming : std::uint8_t {
  unknown = 0,  // a version 1 log, or nothing swapped yet
  host = 1,     // the runtime runs its copies itself and times them (the simulated runtime)
  device = 2,   // timing events on the device's streams (kFlagDeviceTime records)
  none = 3,     // the device cannot time: only the host's queueing is known
};

/// How the recorder read the host's times (FileHeader::host_clock). Either
/// way they are CLOCK_MONOTONIC ns: this says only how precise they are.
/// Added in a reserved byte: older logs have 0.
enum class HostClock : std::uint8_t {
  unknown = 0,  // a log from before the byte
  steady = 1,   // steady_clock at each event
  tsc = 2,      // the TSC at each event, turned into CLOCK_MONOTONIC ns along anchors read
                // at each writer drain (exact there to ~10 ns; a few ns of drift between)
};

/// The file's first 256 bytes.
struct FileHeader {
  char magic[8];               // kMagic
  std::uint32_t version;       // kFormatVersion
  std::uint32_t header_bytes;  // sizeof(FileHeader)
  std::uint32_t record_bytes;  // sizeof(Record)
  std::uint32_t pid;
  std::uint64_t monotonic_start_ns;  // CLOCK_MONOTONIC (steady_clock) at session start
  std::uint64_t wall_start_ns;       // CLOCK_REALTIME at the same moment, ns since the epoch
  char clock[16];                    // "CLOCK_MONOTONIC"
  char process[64];                  // executable name
  char host[64];                     // host name
  char device[64];                   // what the session ran on ("cpu (simulated)", "cuda:0")
  std::uint8_t copy_timing;          // CopyTiming (version 2; 0 in version 1)
  std::uint8_t host_clock;           // HostClock: how the recorder read the times (0: not said)
  std::uint8_t reserved[6];
};
static_assert(sizeof(FileHeader) == 256);

/// RunHeader::flags bits.
inline constexpr std::uint32_t kRunHasRank = 1;       // rank, world_size, local_rank, run_id
inline constexpr std::uint32_t kRunClockAligned = 2;  // clock_offset_ns and its uncertainty

/// Version 3, right after the FileHeader: where the process stands in a
/// distributed run (all zero for a process on its own). Rewritten in place
/// while the session records, as the device field is: the rank may be
/// learned from a process group, and the clock offset is measured, after
/// the session started.
struct RunHeader {
  std::uint32_t flags;       // kRun*
  std::int32_t rank;         // this process's rank (kRunHasRank)
  std::int32_t world_size;   // ranks in the run
  std::int32_t local_rank;   // its rank on its host; -1 where not known
  // Rank 0's steady clock minus this process's, in ns: a time of this log
  // (monotonic_start_ns + host_ns) plus the offset is the same moment on
  // rank 0's clock, within +- clock_uncertainty_ns (kRunClockAligned).
  std::int64_t clock_offset_ns;
  std::uint64_t clock_uncertainty_ns;
  std::uint32_t clock_rounds;  // round trips the offset was estimated from
  std::uint32_t reserved0;
  char run_id[64];  // the same in every rank's log of one run
  std::uint8_t reserved[152];
};
static_assert(sizeof(RunHeader) == 256);

/// Bytes before the first chunk in a log of `version`.
inline constexpr std::uint32_t header_bytes_of(std::uint32_t version) {
  return version >= 3 ? sizeof(FileHeader) + sizeof(RunHeader) : sizeof(FileHeader);
}

/// FNV-1a, 64 bits, over the payload's 8-byte little-endian words (then any
/// trailing bytes one by one): cheap, and enough to tell a torn or
/// corrupted chunk.
std::uint64_t checksum(const void* data, std::size_t bytes);

const char* to_string(EventKind kind);
const char* to_string(KeepReason reason);
const char* to_string(ReleaseReason reason);
const char* to_string(CopyTiming timing);  // "unknown", "host", "device", "not timed"
const char* to_string(HostClock clock);    // "not recorded", "steady_clock", "TSC"

}  // namespace tswap::trace
