#pragma once

// The memory view's legend, laid out apart from painting so that tests can
// count what it shows. Per tag: its name, then one swatch per layer ("L0",
// "L1"...) in the layer's colour; then the total and the curve without
// swapping, the device allocator's allocated and reserved bytes where the
// log sampled them, a compared log's curves, named by its file, and the
// what-if panel's prediction, named by its plan. Rows
// wrap under the ruler as needed, up to four rows of series: past those,
// "... and N more" counts the rest. Only the areas drawn are named
// (kMostAreas); the band of the others is "the other N layers".

#include <QColor>
#include <QFontMetrics>
#include <QRect>
#include <QString>

#include <vector>

#include "theme.h"
#include "view_state.h"

namespace tswap::viewer {

struct LegendEntry {
  /// swatch: a filled box; line, dashed, dotted, dash_dot: a curve's stroke;
  /// hatched: a backward layer bar; thin: a host launch mark (timeline).
  enum class Mark { none, swatch, line, dashed, dotted, dash_dot, hatched, thin };
  QString text;
  QColor colour;        // of the mark
  Mark mark = Mark::none;
  QRect rect;           // mark and text, in view coordinates
  int series = -1;      // the memory series it names (a layer or a tag), -1 for none
};

struct Legend {
  std::vector<LegendEntry> entries;
  int rows = 0;
  int bottom = 0;  // the first y below the legend: the plot starts there
};

/// The legend of `view`'s memory view at `width` pixels, its first row at
/// `top`, in `fm`'s font.
Legend memory_legend(const QFontMetrics& fm, int width, int top, const LoadedLog& log,
                     const ViewState& view, const Theme& theme);

}  // namespace tswap::viewer
