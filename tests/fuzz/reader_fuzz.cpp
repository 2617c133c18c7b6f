// libFuzzer target: any bytes, parsed as a log, either load or throw a
// TraceError; nothing else (no crash, no read out of bounds, no other
// exception). Built with clang when TSWAP_BUILD_FUZZERS=ON:
//   build/tests/fuzz/tswap-fuzz-reader -max_total_time=60 tests/fuzz/corpus

#include <cstddef>
#include <cstdint>

#include <tswap/trace/analysis.h>
#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const tswap::trace::Trace t = tswap::trace::Trace::parse(data, size, "fuzz.tswap");
    // Whatever loads must survive every consumer too.
    tswap::trace::summarize(t);
    tswap::trace::check_invariants(t);
    tswap::trace::event_order(t);
    std::ostringstream out;
    tswap::trace::export_trace(t, tswap::trace::ExportFormat::chrome, out);
  } catch (const tswap::trace::TraceError&) {
  }
  return 0;
}
