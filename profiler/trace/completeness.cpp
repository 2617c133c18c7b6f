#include <cstring>
#include <sstream>

#include <tswap/trace/trace.h>

namespace tswap::trace {

std::string incomplete_reason(const Completeness& c) {
  std::ostringstream out;
  if (c.clean_end) return {};
  if (c.writer_stopped) {
    out << "the writer stopped at byte " << c.writer_stopped_offset << ", where a write failed ("
        << std::strerror(c.writer_error) << "), and recorded nothing after; readable up to byte "
        << c.bytes_read;
  } else if (c.bytes_lost > 0) {
    out << "the log has no end chunk and ends in a torn chunk (the process died while writing "
           "it); readable up to byte "
        << c.bytes_read << ", " << c.bytes_lost << " bytes of a torn last chunk lost";
  } else {
    out << "the log has no end chunk; it ends at a chunk boundary after " << c.chunks
        << (c.chunks == 1 ? " chunk" : " chunks")
        << ": the writer stopped (for example a full disk) or the process died; readable up to "
           "byte "
        << c.bytes_read;
  }
  return out.str();
}

}  // namespace tswap::trace
