#pragma once

// Encoding the .tswap format: the writer half of format.h, shared by the
// recorder and by tests that build logs (valid or deliberately broken) in
// memory.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/format.h>

namespace tswap::trace {

struct NamedString {
  StringKind kind;
  std::uint32_t id;
  std::string text;
};

/// Appends one chunk (header with checksum, then payload) to `out`.
void append_chunk(std::vector<std::uint8_t>& out, ChunkType type, std::uint16_t thread,
                  std::uint32_t count, const void* payload, std::size_t payload_bytes,
                  std::uint64_t sequence);

/// The payload of a strings chunk: entries padded to 8 bytes.
std::vector<std::uint8_t> encode_strings(const std::vector<NamedString>& strings);

}  // namespace tswap::trace
