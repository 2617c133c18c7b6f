#pragma once

// How every tool writes a log's numbers and reasons for people: tswap-log,
// check's messages, describe() and event orders, and the viewer's tooltips
// and tables. One place, so that "1.1 MiB" and "12.345 ms" read the same
// everywhere and a new reason or timing is named once.

#include <cstdint>
#include <optional>
#include <string>

#include <tswap/trace/trace.h>

namespace tswap::trace {

/// "512 B", "1.1 MiB", "3.0 GiB": binary units, one decimal above bytes.
std::string format_bytes(double bytes);

/// A duration in milliseconds with three decimals and no unit, for table
/// columns: "12.345".
std::string format_ms(std::uint64_t ns);
/// The same with its unit, "-" when the copy or span was not timed:
/// "12.345 ms".
std::string format_duration_ms(std::optional<std::uint64_t> ns);
/// A point on the log's clock (ns after its start) to the nanosecond:
/// "12.345678 ms".
std::string format_time(std::uint64_t ns);
/// A duration in the unit that reads best, for tooltips: "850 ns",
/// "12.3 us", "4.56 ms", "1.234 s".
std::string format_duration(double ns);

/// Why a kept tensor stayed, or what a release did ("min_bytes",
/// "deferred_held"); "" for an event of another kind.
std::string reason_of(const Event& e);
/// What the header says of copy timing: "copies timed on the host",
/// "copies timed on the device", "copies not timed on this device",
/// "copy timing not recorded" (a version 1 log, nothing swapped).
const char* copy_timing_text(CopyTiming timing);

}  // namespace tswap::trace
