#include "timeline_legend.h"

#include <QObject>

#include "painters.h"

namespace tswap::viewer {

std::vector<LegendEntry> timeline_legend(const QFontMetrics& fm, const LoadedLog& log,
                                         const Theme& theme) {
  bool layers = false, launches = false;
  for (const Lane& lane : log.timeline.lanes) {
    layers = layers || lane.type == Lane::Type::layers;
    launches = launches || lane.launches;
  }
  std::vector<LegendEntry> out;
  if (!layers) return out;
  // Colours of a layer in the middle of the first tag's band: what the
  // marks stand for is their shape, the colour only says "a layer".
  const QColor layer = theme.kind(SpanKind::layer);
  const QColor opaque(layer.red(), layer.green(), layer.blue());
  std::vector<LegendEntry> wanted = {{QObject::tr("forward"), opaque, LegendEntry::Mark::swatch, {}, -1}};
  // Every runtime writes backward spans from format version 2 on; a
  // version 1 log has none to name (and no scan of its spans per frame).
  if (log.trace && log.trace->header().version >= 2) {
    wanted.push_back({QObject::tr("backward"), opaque, LegendEntry::Mark::hatched, {}, -1});
  }
  if (launches) wanted.push_back({QObject::tr("host launch"), opaque, LegendEntry::Mark::thin, {}, -1});
  // Two rows of the ruler's height at most; an entry that does not fit in
  // the corner starts the second row.
  constexpr int kRowHeight = Layout::kRuler / 2, kMark = 14, kGap = 10, kLeft = 6;
  int x = kLeft, y = 1;
  for (LegendEntry& e : wanted) {
    const int w = kMark + 4 + fm.horizontalAdvance(e.text);
    if (x > kLeft && x + w > Layout::kHeader - 4) x = kLeft, y += kRowHeight;
    e.rect = QRect(x, y, w, kRowHeight - 1);
    out.push_back(e);
    x += w + kGap;
  }
  return out;
}

}  // namespace tswap::viewer
