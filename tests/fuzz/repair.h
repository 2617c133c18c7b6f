#pragma once

// Makes arbitrary bytes into a log the reader accepts, changing as little as
// it can, so that the mutations of a fuzzer reach what consumes a loaded
// log instead of dying at a checksum. The plain reader target
// (reader_fuzz.cpp) covers what this takes away.
//
// What it fixes, in place:
//   - the file header's magic, version, header_bytes and record_bytes
//     (inputs shorter than the header are left alone: they fail to load);
//   - per chunk: the magic, the sequence number, the length (a records
//     chunk holds `count` whole records; a strings chunk's entries, kinds
//     and lengths fit in it; an end chunk holds an EndPayload) and then the
//     checksum;
//   - event kinds outside 1..kLastEventKind (1..kLastEventKindV1 in a
//     version 1 log: the reader rejects kinds its version does not have).
// A header that says a version the reader knows keeps it, so the fuzzers
// reach what reads each version; any other version becomes kFormatVersion.
// A compressed records chunk is left as it is (its checksum repaired) from
// version 4, and made a chunk type readers skip before.
// A chunk longer than what is left is cut to fit, unless bit 0 of the file
// header's first reserved byte is set: then it stays a torn last chunk.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <tswap/trace/format.h>

namespace tswap_fuzz {

namespace detail {

/// Fixes the entries of a strings chunk payload [at, at + bytes); returns
/// how many entries fit (the chunk's new count) and sets `bytes` to what
/// they use.
inline std::uint32_t repair_strings(std::uint8_t* p, std::size_t& bytes, std::uint32_t count) {
  using tswap::trace::StringEntry;
  std::size_t at = 0;
  std::uint32_t n = 0;
  for (; n < count && bytes - at >= sizeof(StringEntry); ++n) {
    StringEntry e;
    std::memcpy(&e, p + at, sizeof e);
    if (e.kind < 1 || e.kind > 3) e.kind = static_cast<std::uint8_t>(1 + e.kind % 3);
    const std::size_t room = (bytes - at - sizeof e) / 8 * 8;
    if ((static_cast<std::uint64_t>(e.length) + 7) / 8 * 8 > room) {
      e.length = static_cast<std::uint32_t>(room);
    }
    std::memcpy(p + at, &e, sizeof e);
    at += sizeof e + (static_cast<std::size_t>(e.length) + 7) / 8 * 8;
  }
  bytes = at;
  return n;
}

}  // namespace detail

inline void repair(std::vector<std::uint8_t>& bytes) {
  using namespace tswap::trace;
  if (bytes.size() < sizeof(FileHeader)) return;
  FileHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  std::memcpy(h.magic, kMagic, sizeof h.magic);
  h.version = h.version >= 1 && h.version <= kFormatVersion ? h.version : kFormatVersion;
  if (bytes.size() < header_bytes_of(h.version)) h.version = 2;  // no room for a run header
  const std::uint8_t last_kind = h.version == 1 ? kLastEventKindV1 : kLastEventKind;
  h.header_bytes = header_bytes_of(h.version);
  h.record_bytes = sizeof(Record);
  const bool keep_torn = (h.reserved[0] & 1) != 0;
  std::memcpy(bytes.data(), &h, sizeof h);
  if (h.version >= 3) {
    // A rank the reader would refuse says only "corrupt": keep the fuzzer
    // past it.
    RunHeader run;
    std::memcpy(&run, bytes.data() + sizeof h, sizeof run);
    if ((run.flags & kRunHasRank) != 0 &&
        (run.world_size < 1 || run.rank < 0 || run.rank >= run.world_size ||
         run.local_rank < -1 || run.local_rank >= run.world_size)) {
      run.flags &= ~kRunHasRank;
    }
    std::memcpy(bytes.data() + sizeof h, &run, sizeof run);
  }

  std::size_t offset = h.header_bytes;
  std::uint64_t sequence = 0;
  while (bytes.size() - offset >= sizeof(ChunkHeader)) {
    ChunkHeader c;
    std::memcpy(&c, bytes.data() + offset, sizeof c);
    c.magic = kChunkMagic;
    c.sequence = sequence++;
    const std::size_t payload = offset + sizeof c;
    const std::size_t left = bytes.size() - payload;
    if (c.payload_bytes > left && keep_torn) {
      std::memcpy(bytes.data() + offset, &c, sizeof c);
      return;  // a torn last chunk
    }
    std::size_t n = std::min<std::size_t>(c.payload_bytes, left);
    std::uint8_t* p = bytes.data() + payload;
    switch (static_cast<ChunkType>(c.type)) {
      case ChunkType::records: {
        const std::size_t records = std::min<std::size_t>(c.count, n / sizeof(Record));
        c.count = static_cast<std::uint32_t>(records);
        n = records * sizeof(Record);
        for (std::size_t i = 0; i < records; ++i) {
          std::uint8_t& kind = p[i * sizeof(Record) + offsetof(Record, kind)];
          if (kind == 0 || kind > last_kind) kind = static_cast<std::uint8_t>(1 + kind % last_kind);
        }
        break;
      }
      case ChunkType::strings:
        c.count = detail::repair_strings(p, n, c.count);
        break;
      case ChunkType::end:
        if (left >= sizeof(EndPayload)) {
          n = std::max<std::size_t>(n, sizeof(EndPayload));
        } else {
          c.type = 0x7fff;  // too short for an end: a chunk type readers skip
        }
        break;
      case ChunkType::records_zstd:
        // A frame cannot be repaired (the reader fuzzer takes it on); before
        // version 4 it is corrupt: there, a chunk type readers skip.
        if (h.version < 4) c.type = 0x7fff;
        break;
      default:
        break;  // skipped by the reader whatever it holds
    }
    c.payload_bytes = static_cast<std::uint32_t>(n);
    c.checksum = checksum(p, n);
    std::memcpy(bytes.data() + offset, &c, sizeof c);
    offset = payload + n;
  }
}

}  // namespace tswap_fuzz
