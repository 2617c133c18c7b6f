#include "theme.h"

namespace tswap::viewer {

Theme Theme::of(bool dark) {
  Theme t;
  t.dark = dark;
  if (dark) {
    t.background = QColor(30, 31, 34);
    t.lane_alt = QColor(38, 39, 43);
    t.text = QColor(220, 221, 224);
    t.grid = QColor(70, 72, 78);
    t.header = QColor(45, 46, 51);
    t.cursor = QColor(255, 255, 255, 160);
    t.selection = QColor(90, 140, 255, 60);
    t.accent = QColor(255, 214, 10);
    t.turn = QColor(120, 205, 255);
    t.allocated = QColor(255, 121, 198);
    t.reserved = QColor(189, 147, 249);
    t.compared = QColor(80, 250, 123);
    t.predicted = QColor(255, 160, 60);
  } else {
    t.background = QColor(252, 252, 253);
    t.lane_alt = QColor(242, 243, 246);
    t.text = QColor(30, 31, 34);
    t.grid = QColor(200, 202, 208);
    t.header = QColor(232, 233, 237);
    t.cursor = QColor(0, 0, 0, 160);
    t.selection = QColor(40, 90, 220, 50);
    t.accent = QColor(200, 120, 0);
    t.turn = QColor(0, 105, 190);
    t.allocated = QColor(200, 30, 130);
    t.reserved = QColor(110, 60, 200);
    t.compared = QColor(0, 140, 70);
    t.predicted = QColor(210, 100, 0);
  }
  return t;
}

QColor Theme::kind(SpanKind k) const {
  switch (k) {
    case SpanKind::d2h: return QColor(242, 142, 43);
    case SpanKind::h2d: return QColor(78, 121, 167);
    case SpanKind::prefetch: return QColor(118, 183, 178);
    case SpanKind::stall: return QColor(225, 87, 89);
    case SpanKind::layer: return dark ? QColor(89, 161, 79, 170) : QColor(89, 161, 79, 140);
    case SpanKind::freed: return QColor(176, 122, 161);
    case SpanKind::deferred: return QColor(255, 157, 167);
    case SpanKind::reuse: return QColor(237, 201, 72);
    case SpanKind::queued: return QColor(156, 117, 95);
    case SpanKind::backward: return dark ? QColor(60, 110, 53, 170) : QColor(140, 190, 130, 140);
    case SpanKind::kernel: return dark ? QColor(120, 120, 120) : QColor(160, 160, 160);
    // Violet: at least 47 (colour_difference) from every other kind's colour.
    case SpanKind::other_copy: return QColor(123, 92, 214);
  }
  return text;
}

QColor Theme::kinds(std::uint32_t mask) const {
  int r = 0, g = 0, b = 0, n = 0;
  for (int k = 0; k < kSpanKinds; ++k) {
    if (!(mask & (1u << k))) continue;
    const QColor c = kind(static_cast<SpanKind>(k));
    r += c.red(), g += c.green(), b += c.blue(), ++n;
  }
  if (n == 0) return grid;
  const QColor blend(r / n, g / n, b / n);
  return n == 1 ? kind(static_cast<SpanKind>(__builtin_ctz(mask))) : blend.darker(115);
}

namespace {
QColor qcolor(Rgb c) { return QColor(c.r, c.g, c.b); }
}  // namespace

QColor Theme::layer(const LayerPalette& palette, std::uint16_t tag, std::uint16_t layer) const {
  // Opaque: stacked bands never overlap, and opaque fills skip blending
  // (which Qt hands to a thread pool, fill by fill).
  return qcolor(palette.layer(tag, layer, dark));
}

QColor Theme::tag(const LayerPalette& palette, std::uint16_t tag) const {
  return qcolor(palette.tag(tag, dark));
}

QColor Theme::backward_fill(const QColor& layer) const {
  return QColor((layer.red() + background.red()) / 2, (layer.green() + background.green()) / 2,
                (layer.blue() + background.blue()) / 2);
}

QPalette Theme::palette() const {
  QPalette p;
  p.setColor(QPalette::Window, dark ? QColor(40, 41, 45) : QColor(239, 240, 243));
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, background);
  p.setColor(QPalette::AlternateBase, lane_alt);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, dark ? QColor(50, 51, 56) : QColor(230, 231, 235));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::Highlight, dark ? QColor(60, 110, 220) : QColor(40, 90, 220));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::ToolTipBase, dark ? QColor(55, 56, 61) : QColor(255, 255, 225));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, grid);
  return p;
}

}  // namespace tswap::viewer
