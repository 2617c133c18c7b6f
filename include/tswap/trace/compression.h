#pragma once

// zstd for records chunks (ChunkType::records_zstd): the recorder's writer
// compresses, the reader decompresses. zstd stays a private dependency of
// tswap::trace: a build configured without libzstd has these too, and
// says so (zstd_available() false; every call fails with that reason).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tswap::trace {

struct Record;

/// Note [Record columns]: what a records_zstd chunk compresses is not the
/// records as they are but `count` records as columns, each field's values
/// one after the other, little-endian, in this order: host_ns (8 bytes
/// each), value (8), index (4), step (4), tag (2), layer (2), kind, stream,
/// reason, flags (1 each): count * 32 bytes in all. Each of the first six
/// holds the difference from the previous record's value (modulo 2^bits; the
/// first record's from 0). A thread's times and indices grow by small steps
/// and its tags, layers and sizes repeat, so the columns are runs of small
/// numbers: zstd compresses them 3 to 10 times better than the records, and
/// faster (the writer must keep up with a thread recording at full speed).
/// `out` has room for count * 32 bytes.
void records_to_columns(const Record* records, std::size_t count, std::uint8_t* out);
/// The inverse: `count` records from their columns.
void columns_to_records(const std::uint8_t* columns, std::size_t count, Record* out);

/// Whether this build links libzstd (found by pkg-config at configure time).
bool zstd_available() noexcept;

/// zstd's levels (negative: faster than 1, compressing less), for messages.
int zstd_min_level() noexcept;
int zstd_max_level() noexcept;

/// One compression context, kept across chunks (making one per chunk would
/// cost more than compressing a chunk). One thread at a time.
class ZstdCompressor {
 public:
  /// Throws std::invalid_argument, saying why, without zstd or with a level
  /// outside zstd_min_level()..zstd_max_level().
  explicit ZstdCompressor(int level);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  /// `bytes` of `data` as one zstd frame (its content size in its header),
  /// into `out`, resized to fit. False, with error(), if zstd fails.
  bool compress(const void* data, std::size_t bytes, std::vector<std::uint8_t>& out);
  const std::string& error() const { return error_; }

 private:
  void* ctx_ = nullptr;  // ZSTD_CCtx
  std::string error_;
};

/// One decompression context, kept across chunks. One thread at a time.
class ZstdDecompressor {
 public:
  ZstdDecompressor();
  ~ZstdDecompressor();
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  /// Decompresses one frame that must hold exactly `expected` bytes into
  /// `out`, resized to `expected` once the frame's header says that size.
  /// Returns "" when it did, else what is wrong ("this build has no zstd",
  /// a frame of another size, zstd's own error name).
  std::string decompress(const void* data, std::size_t bytes, std::size_t expected,
                         std::vector<std::uint8_t>& out);

 private:
  void* ctx_ = nullptr;  // ZSTD_DCtx
};

}  // namespace tswap::trace
