#pragma once

// Which colour each layer gets: the same in the timeline's layer lanes, the
// memory view's areas and its legend. Built once per log from the trace
// (not the filter), so a layer keeps its colour while filters change.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::viewer {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

/// CIE76 colour difference (Delta E*ab, sRGB, D65): about 2.3 is the
/// smallest difference people notice, above 20 two swatches read as
/// different colours. The palette is designed against it (Note [Layer colours]).
double colour_difference(Rgb a, Rgb b);

// Note [Layer colours]
// A run has a few tags of many layers (the transformer sample: two tags of
// six). Each tag gets its own hue band, evenly spaced round the wheel, and
// its layers walk across the band while lightness (and saturation) cycle
// in threes: light, dark, middle. So neighbours in a stack or a lane differ
// in lightness as well as hue, and two tags never share a colour. For two
// tags of six layers every pair is 20 apart or more (colour_difference),
// and two layers of different tags more than 35.

/// The colours of a log's (tag, layer) pairs. Immutable once built (or
/// sealed); any thread may read it. Each look-up takes time logarithmic in
/// the tags and layers (a log of 65,535 tags of 16 layers colours every bar
/// without a scan per bar).
class LayerPalette {
 public:
  /// Every (tag, layer) with a layer scope or a change of resident bytes; sealed.
  static LayerPalette build(const trace::Trace& trace);
  /// From (tag name, layer) pairs directly; ids are given by the caller.
  /// Call seal() after the last one, before asking for colours.
  void add(std::uint16_t tag_id, const std::string& tag_name, std::uint16_t layer);
  /// Ranks the tags and layers added so far.
  void seal();

  /// The layer's colour; a pair never added gets its tag's colour, an
  /// unknown tag grey.
  Rgb layer(std::uint16_t tag_id, std::uint16_t layer, bool dark) const;
  /// The middle of the tag's band: a merged bar or a per-tag area.
  Rgb tag(std::uint16_t tag_id, bool dark) const;
  std::size_t tags() const { return slots_.size(); }

 private:
  struct Slot {
    std::size_t tag_rank = 0, tag_count = 1, layer_rank = 0, layer_count = 1;
  };
  /// False for an unknown tag; layer_rank is left 0 for an unknown layer.
  bool slot(std::uint16_t tag_id, std::uint16_t layer, Slot& out, bool* known_layer) const;
  // As added: tags by name (their order in the table and the legend), each
  // with its layers; and the name of each tag id.
  std::map<std::string, std::set<std::uint16_t>> by_name_;
  std::map<std::uint16_t, std::string> names_;
  // Sealed: each name's layers in order, names in order; each id's name.
  std::vector<std::vector<std::uint16_t>> slots_;
  std::map<std::uint16_t, std::size_t> slot_of_;  // tag id -> index in slots_
};

}  // namespace tswap::viewer
