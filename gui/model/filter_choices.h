#pragma once

// What the toolbar's filters offer: the tags, layers and steps that occur
// in a log, sorted. Sized by the values that occur, never by how large they
// are: a log recorded from step 20,000,000 offers its few steps, not twenty
// million (issue 10).

#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::viewer {

/// Immutable once built (on the loader's worker thread); any thread may read it.
struct FilterChoices {
  std::vector<std::string> tags;     // the names of the string table, sorted, unique
  std::vector<std::uint32_t> layers; // of the events that name a tag (step marks aside)
  std::vector<std::uint32_t> steps;  // of every event

  /// One pass over the events; memory in the distinct values.
  static FilterChoices build(const trace::Trace& trace);
};

}  // namespace tswap::viewer
