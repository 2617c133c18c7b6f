#pragma once

// Colours of the viewer, in a dark and a light palette.

#include <QColor>
#include <QPalette>

#include "timeline.h"

namespace tswap::viewer {

struct Theme {
  bool dark = true;
  QColor background, lane_alt, text, grid, header, cursor, selection, accent;

  static Theme of(bool dark);
  /// A bar of one kind, or the blend of several merged kinds.
  QColor kind(SpanKind k) const;
  QColor kinds(std::uint32_t mask) const;
  /// The i-th layer's colour in stacked memory curves.
  QColor series(std::size_t i) const;
  QPalette palette() const;
};

}  // namespace tswap::viewer
