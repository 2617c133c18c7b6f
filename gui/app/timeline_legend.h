#pragma once

// The timeline's legend for what a colour cannot say: which layer bars are
// forward (solid) and which backward (hatched), and, where the device timed
// the layers, that the thin marks are when the host launched them. Laid out
// in the ruler's corner above the lane names, apart from painting, so that
// tests can read it.

#include <QFontMetrics>

#include <vector>

#include "memory_legend.h"
#include "view_state.h"

namespace tswap::viewer {

/// The entries, placed in the corner (Layout::kHeader x Layout::kRuler);
/// none when no lane holds layers, no "backward" in a version 1 log.
std::vector<LegendEntry> timeline_legend(const QFontMetrics& fm, const LoadedLog& log,
                                         const Theme& theme);

}  // namespace tswap::viewer
