// Note [Record columns] (compression.h): records to columns of deltas and
// back, for compressed records chunks.

#include <cstring>

#include <tswap/trace/compression.h>
#include <tswap/trace/format.h>

namespace tswap::trace {
namespace {

/// Where each column starts in `count` records' columns.
template <class Bytes>
struct Columns {
  Columns(Bytes* base, std::size_t count)
      : host_ns(base),
        value(host_ns + 8 * count),
        index(value + 8 * count),
        step(index + 4 * count),
        tag(step + 4 * count),
        layer(tag + 2 * count),
        kind(layer + 2 * count),
        stream(kind + count),
        reason(stream + count),
        flags(reason + count) {}
  Bytes *host_ns, *value, *index, *step, *tag, *layer, *kind, *stream, *reason, *flags;
};

template <class T>
void put(std::uint8_t* column, std::size_t i, T v) {
  std::memcpy(column + i * sizeof(T), &v, sizeof(T));  // little-endian hosts only, as checksum()
}

template <class T>
T get(const std::uint8_t* column, std::size_t i) {
  T v;
  std::memcpy(&v, column + i * sizeof(T), sizeof(T));
  return v;
}

}  // namespace

void records_to_columns(const Record* records, std::size_t count, std::uint8_t* out) {
  const Columns<std::uint8_t> c(out, count);
  Record prev{};
  for (std::size_t i = 0; i < count; ++i) {
    const Record& r = records[i];
    put<std::uint64_t>(c.host_ns, i, r.host_ns - prev.host_ns);
    put<std::uint64_t>(c.value, i, r.value - prev.value);
    put<std::uint32_t>(c.index, i, r.index - prev.index);
    put<std::uint32_t>(c.step, i, r.step - prev.step);
    put<std::uint16_t>(c.tag, i, static_cast<std::uint16_t>(r.tag - prev.tag));
    put<std::uint16_t>(c.layer, i, static_cast<std::uint16_t>(r.layer - prev.layer));
    c.kind[i] = r.kind;
    c.stream[i] = r.stream;
    c.reason[i] = r.reason;
    c.flags[i] = r.flags;
    prev = r;
  }
}

void columns_to_records(const std::uint8_t* columns, std::size_t count, Record* out) {
  const Columns<const std::uint8_t> c(columns, count);
  Record prev{};
  for (std::size_t i = 0; i < count; ++i) {
    Record r;
    r.host_ns = prev.host_ns + get<std::uint64_t>(c.host_ns, i);
    r.value = prev.value + get<std::uint64_t>(c.value, i);
    r.index = prev.index + get<std::uint32_t>(c.index, i);
    r.step = prev.step + get<std::uint32_t>(c.step, i);
    r.tag = static_cast<std::uint16_t>(prev.tag + get<std::uint16_t>(c.tag, i));
    r.layer = static_cast<std::uint16_t>(prev.layer + get<std::uint16_t>(c.layer, i));
    r.kind = c.kind[i];
    r.stream = c.stream[i];
    r.reason = c.reason[i];
    r.flags = c.flags[i];
    out[i] = r;
    prev = r;
  }
}

}  // namespace tswap::trace
