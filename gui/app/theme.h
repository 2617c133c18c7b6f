#pragma once

// Colours of the viewer, in a dark and a light palette.

#include <QColor>
#include <QPalette>

#include "layer_palette.h"
#include "timeline.h"

namespace tswap::viewer {

struct Theme {
  bool dark = true;
  QColor background, lane_alt, text, grid, header, cursor, selection, accent;
  QColor turn;  // forward turning to backward (TurnMark)

  static Theme of(bool dark);
  /// A bar of one kind, or the blend of several merged kinds.
  QColor kind(SpanKind k) const;
  QColor kinds(std::uint32_t mask) const;
  /// A layer's colour (memory areas, legend, layer bars), and a tag's
  /// (per-tag areas, merged layer bars): Note [Layer colours].
  QColor layer(const LayerPalette& palette, std::uint16_t tag, std::uint16_t layer) const;
  QColor tag(const LayerPalette& palette, std::uint16_t tag) const;
  QPalette palette() const;
};

}  // namespace tswap::viewer
