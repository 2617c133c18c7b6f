#pragma once

// How every tswap-log command that reads logs loads them and runs its work
// on them, so that a missing file, a damaged log or memory running out read
// the same whatever the command (docs/troubleshooting.md).

#include <new>
#include <optional>
#include <ostream>
#include <string>

#include <tswap/trace/trace.h>

#include "commands.h"

namespace tswap::cli {

/// Loads `file`; on failure says why in one line naming the file ("tswap-log:
/// FILE: cannot open: no such file") and returns none (exit with kUnreadable).
std::optional<trace::Trace> load(const std::string& file, std::ostream& err);

/// Runs one stage after the load (`what`: "check", "summarize", "export",
/// "compare"); if memory runs out, says which stage and that the load had
/// succeeded, and returns kUnreadable.
template <class F>
int stage(const char* what, const trace::Trace& t, std::ostream& err, F&& run) {
  try {
    return run();
  } catch (const std::bad_alloc&) {
    err << "tswap-log: not enough memory to " << what << " " << t.path()
        << " (it loaded: " << t.events().size() << " events)\n";
    return kUnreadable;
  }
}

}  // namespace tswap::cli
