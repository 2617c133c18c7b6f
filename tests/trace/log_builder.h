#pragma once

// Builds .tswap logs in memory, record by record, with the same encoder the
// recorder uses; tests then break them on purpose or check what the reader,
// the checks and the exports make of them.

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <tswap/trace/compression.h>
#include <tswap/trace/encode.h>
#include <tswap/trace/trace.h>

namespace tswap_test {

class LogBuilder {
 public:
  LogBuilder() {
    tswap::trace::FileHeader h{};
    std::memcpy(h.magic, tswap::trace::kMagic, sizeof h.magic);
    h.version = 2;  // crafted with the 256-byte header of version 2 (3 adds a RunHeader): byte offsets stay put
    h.header_bytes = sizeof h;
    h.record_bytes = sizeof(tswap::trace::Record);
    h.pid = 42;
    h.monotonic_start_ns = 1000;
    h.wall_start_ns = 1795600000000000000ull;
    std::strcpy(h.clock, "CLOCK_MONOTONIC");
    std::strcpy(h.process, "builder");
    std::strcpy(h.host, "test-host");
    bytes_.resize(sizeof h);
    std::memcpy(bytes_.data(), &h, sizeof h);
  }

  /// A version 3 log of one rank: the run header after the file header.
  /// Call before adding any chunk.
  LogBuilder& ranked(const tswap::trace::RunHeader& run) {
    tswap::trace::FileHeader h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    h.version = 3;
    h.header_bytes = tswap::trace::header_bytes_of(3);
    bytes_.resize(sizeof h + sizeof run);
    std::memcpy(bytes_.data(), &h, sizeof h);
    std::memcpy(bytes_.data() + sizeof h, &run, sizeof run);
    return *this;
  }

  /// A version 4 log (the one that may compress), with an empty run header.
  /// Call before adding any chunk.
  LogBuilder& version4() {
    ranked(tswap::trace::RunHeader{});
    tswap::trace::FileHeader h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    h.version = 4;
    std::memcpy(bytes_.data(), &h, sizeof h);
    return *this;
  }

  /// A records_zstd chunk of `r` (zstd at level 1), or of `frame` given as
  /// is: a chunk whose checksum is right but whose frame may not be.
  LogBuilder& compressed_records(std::uint16_t thread, const std::vector<tswap::trace::Record>& r,
                                 const std::vector<std::uint8_t>* frame = nullptr) {
    std::vector<std::uint8_t> packed;
    if (frame != nullptr) {
      packed = *frame;
    } else {
      std::vector<std::uint8_t> columns(r.size() * sizeof(tswap::trace::Record));
      tswap::trace::records_to_columns(r.data(), r.size(), columns.data());
      tswap::trace::ZstdCompressor zstd(1);
      zstd.compress(columns.data(), columns.size(), packed);
    }
    offsets_.push_back(bytes_.size());
    tswap::trace::append_chunk(bytes_, tswap::trace::ChunkType::records_zstd, thread,
                               static_cast<std::uint32_t>(r.size()), packed.data(), packed.size(),
                               sequence_++);
    return *this;
  }

  LogBuilder& strings(const std::vector<tswap::trace::NamedString>& s) {
    const std::vector<std::uint8_t> payload = tswap::trace::encode_strings(s);
    offsets_.push_back(bytes_.size());
    tswap::trace::append_chunk(bytes_, tswap::trace::ChunkType::strings, 0,
                               static_cast<std::uint32_t>(s.size()), payload.data(), payload.size(),
                               sequence_++);
    return *this;
  }

  /// A tag (id 1), two streams (1: "d2h", 2: "h2d") and a thread (id 1).
  LogBuilder& standard_names() {
    using K = tswap::trace::StringKind;
    return strings({{K::tag, 1, "model.layer.*"},
                    {K::stream, 1, "d2h"},
                    {K::stream, 2, "h2d"},
                    {K::thread, 1, "main"},
                    {K::thread, 2, "copier"}});
  }

  LogBuilder& records(std::uint16_t thread, const std::vector<tswap::trace::Record>& r) {
    offsets_.push_back(bytes_.size());
    tswap::trace::append_chunk(bytes_, tswap::trace::ChunkType::records, thread,
                               static_cast<std::uint32_t>(r.size()), r.data(),
                               r.size() * sizeof(tswap::trace::Record), sequence_++);
    return *this;
  }

  LogBuilder& end(std::uint64_t written, std::uint64_t dropped = 0) {
    tswap::trace::EndPayload e{written, dropped, 0, 0};
    offsets_.push_back(bytes_.size());
    tswap::trace::append_chunk(bytes_, tswap::trace::ChunkType::end, 0, 1, &e, sizeof e,
                               sequence_++);
    return *this;
  }

  std::vector<std::uint8_t>& bytes() { return bytes_; }
  /// Where the i-th chunk starts.
  std::size_t chunk_offset(std::size_t i) const { return offsets_.at(i); }
  tswap::trace::Trace parse(const std::string& name = "built.tswap") const {
    return tswap::trace::Trace::parse(bytes_.data(), bytes_.size(), name);
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::vector<std::size_t> offsets_;
  std::uint64_t sequence_ = 0;
};

/// A record of `kind` at `ns` for tag 1.
inline tswap::trace::Record rec(tswap::trace::EventKind kind, std::uint64_t ns, std::uint16_t layer,
                                std::uint32_t index = 0, std::uint64_t value = 0,
                                std::uint8_t stream = 0, std::uint8_t flags = 0,
                                std::uint8_t reason = 0, std::uint32_t step = 1) {
  tswap::trace::Record r{};
  r.host_ns = ns;
  r.value = value;
  r.index = index;
  r.step = step;
  r.tag = 1;
  r.layer = layer;
  r.kind = static_cast<std::uint8_t>(kind);
  r.stream = stream;
  r.reason = reason;
  r.flags = flags;
  return r;
}

/// Writes `bytes` to `path` (the programs that make test logs for the CLI
/// and viewer tests); false if it could not.
inline bool write_log_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace tswap_test
