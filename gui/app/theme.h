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
  QColor allocated, reserved;  // the device allocator's curves (memory view)
  QColor compared;             // a compared log's curves (memory view)
  QColor predicted;            // the what-if panel's predicted curve (memory view)

  static Theme of(bool dark);
  /// A bar of one kind, or the blend of several merged kinds.
  QColor kind(SpanKind k) const;
  QColor kinds(std::uint32_t mask) const;
  /// A layer's colour (memory areas, legend, layer bars), and a tag's
  /// (per-tag areas, merged layer bars): Note [Layer colours].
  QColor layer(const LayerPalette& palette, std::uint16_t tag, std::uint16_t layer) const;
  QColor tag(const LayerPalette& palette, std::uint16_t tag) const;
  /// The ground of a backward layer bar, hatched in the layer's colour
  /// over it: the layer's colour half way to the background, so that a
  /// backward bar reads as the same layer and yet not as its forward.
  QColor backward_fill(const QColor& layer) const;
  QPalette palette() const;
};

}  // namespace tswap::viewer
