#include "layer_palette.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <tswap/trace/summary.h>

namespace tswap::viewer {
namespace {

Rgb from_hsl(double hue, double saturation, double lightness) {
  // The usual HSL to RGB, hue in degrees.
  const double c = (1 - std::abs(2 * lightness - 1)) * saturation;
  const double h = std::fmod(std::fmod(hue, 360.0) + 360.0, 360.0) / 60.0;
  const double x = c * (1 - std::abs(std::fmod(h, 2.0) - 1));
  std::array<double, 3> rgb{};
  if (h < 1) rgb = {c, x, 0};
  else if (h < 2) rgb = {x, c, 0};
  else if (h < 3) rgb = {0, c, x};
  else if (h < 4) rgb = {0, x, c};
  else if (h < 5) rgb = {x, 0, c};
  else rgb = {c, 0, x};
  const double m = lightness - c / 2;
  auto byte = [&](double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v + m, 0.0, 1.0) * 255)); };
  return Rgb{byte(rgb[0]), byte(rgb[1]), byte(rgb[2])};
}

std::array<double, 3> to_lab(Rgb c) {
  auto linear = [](std::uint8_t v) {
    const double s = v / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  const double r = linear(c.r), g = linear(c.g), b = linear(c.b);
  const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116; };
  return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

constexpr double kFirstHue = 200;  // a blue: the first tag's band is cool, the second warm
constexpr std::array<double, 3> kDarkLightness = {0.72, 0.36, 0.54};
constexpr std::array<double, 3> kLightLightness = {0.70, 0.36, 0.54};
constexpr std::array<double, 3> kSaturation = {0.65, 0.75, 0.55};

}  // namespace

double colour_difference(Rgb a, Rgb b) {
  const auto la = to_lab(a), lb = to_lab(b);
  return std::hypot(la[0] - lb[0], la[1] - lb[1], la[2] - lb[2]);
}

LayerPalette LayerPalette::build(const trace::Trace& trace) {
  LayerPalette p;
  for (const trace::Event& e : trace.events()) {
    if (e.event_kind() == trace::EventKind::layer_enter || trace::resident_delta(e) != 0) {
      p.add(e.tag, std::string(trace.tag(e.tag)), e.layer);
    }
  }
  p.seal();
  return p;
}

void LayerPalette::add(std::uint16_t tag_id, const std::string& tag_name, std::uint16_t layer) {
  by_name_[tag_name].insert(layer);
  names_[tag_id] = tag_name;
}

void LayerPalette::seal() {
  slots_.clear();
  std::map<std::string, std::size_t> rank;
  for (const auto& [name, layers] : by_name_) {
    rank.emplace(name, slots_.size());
    slots_.emplace_back(layers.begin(), layers.end());
  }
  slot_of_.clear();
  for (const auto& [id, name] : names_) slot_of_.emplace(id, rank.at(name));
}

bool LayerPalette::slot(std::uint16_t tag_id, std::uint16_t layer, Slot& out, bool* known_layer) const {
  const auto it = slot_of_.find(tag_id);
  if (it == slot_of_.end()) return false;
  out.tag_rank = it->second;
  out.tag_count = slots_.size();
  const std::vector<std::uint16_t>& layers = slots_[it->second];
  out.layer_count = layers.size();
  const auto at = std::lower_bound(layers.begin(), layers.end(), layer);
  *known_layer = at != layers.end() && *at == layer;
  if (*known_layer) out.layer_rank = static_cast<std::size_t>(at - layers.begin());
  return true;
}

Rgb LayerPalette::layer(std::uint16_t tag_id, std::uint16_t layer, bool dark) const {
  Slot s;
  bool known_layer = false;
  if (!slot(tag_id, layer, s, &known_layer) || !known_layer) return tag(tag_id, dark);
  // Note [Layer colours]: a band per tag, lightness and saturation in threes.
  const double spacing = 360.0 / static_cast<double>(s.tag_count);
  const double band = std::min(150.0, 0.65 * spacing);
  double hue = kFirstHue + spacing * static_cast<double>(s.tag_rank);
  if (s.layer_count > 1) {
    hue += band * (static_cast<double>(s.layer_rank) / static_cast<double>(s.layer_count - 1) - 0.5);
  }
  const std::size_t phase = s.layer_rank % 3;
  return from_hsl(hue, kSaturation[phase], (dark ? kDarkLightness : kLightLightness)[phase]);
}

Rgb LayerPalette::tag(std::uint16_t tag_id, bool dark) const {
  Slot s;
  bool known_layer = false;
  if (!slot(tag_id, 0, s, &known_layer)) return Rgb{128, 128, 128};
  const double hue = kFirstHue + 360.0 / static_cast<double>(s.tag_count) * static_cast<double>(s.tag_rank);
  return from_hsl(hue, 0.6, dark ? 0.55 : 0.5);
}

}  // namespace tswap::viewer
