#include <tswap/trace/encode.h>

#include <cstring>

namespace tswap::trace {

void append_chunk(std::vector<std::uint8_t>& out, ChunkType type, std::uint16_t thread,
                  std::uint32_t count, const void* payload, std::size_t payload_bytes,
                  std::uint64_t sequence) {
  ChunkHeader h{};
  h.magic = kChunkMagic;
  h.type = static_cast<std::uint16_t>(type);
  h.thread = thread;
  h.count = count;
  h.payload_bytes = static_cast<std::uint32_t>(payload_bytes);
  h.sequence = sequence;
  h.checksum = checksum(payload, payload_bytes);
  const std::size_t at = out.size();
  out.resize(at + sizeof h + payload_bytes);
  std::memcpy(out.data() + at, &h, sizeof h);
  if (payload_bytes > 0) std::memcpy(out.data() + at + sizeof h, payload, payload_bytes);
}

std::vector<std::uint8_t> encode_strings(const std::vector<NamedString>& strings) {
  std::vector<std::uint8_t> payload;
  for (const NamedString& s : strings) {
    StringEntry e{};
    e.id = s.id;
    e.kind = static_cast<std::uint8_t>(s.kind);
    e.length = static_cast<std::uint32_t>(s.text.size());
    const std::size_t at = payload.size();
    const std::size_t padded = (s.text.size() + 7) / 8 * 8;
    payload.resize(at + sizeof e + padded, 0);
    std::memcpy(payload.data() + at, &e, sizeof e);
    std::memcpy(payload.data() + at + sizeof e, s.text.data(), s.text.size());
  }
  return payload;
}

}  // namespace tswap::trace
