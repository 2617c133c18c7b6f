#pragma once

// Exports for other tools: JSON lines, CSV, and the Trace Event Format that
// Perfetto and chrome://tracing open (one track per stream and thread,
// copies as slices, a counter track for resident bytes).

#include <ostream>
#include <string>

#include <tswap/trace/trace.h>

namespace tswap::trace {

enum class ExportFormat { jsonl, csv, chrome };

/// "jsonl", "csv", "chrome"; false for anything else.
bool parse_export_format(const std::string& name, ExportFormat& format);

void export_trace(const Trace& trace, ExportFormat format, std::ostream& out);

}  // namespace tswap::trace
