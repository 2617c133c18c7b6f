#include "painters.h"

#include <QFontMetrics>
#include <QPainterPath>

#include <cmath>

#include "lod.h"

namespace tswap::viewer {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// Tick spacing of 1, 2 or 5 times a power of ten, at least `min_px` apart.
double tick_step(double ns_per_px, double min_px) {
  const double want = ns_per_px * min_px;
  double step = std::pow(10.0, std::floor(std::log10(std::max(want, 1e-3))));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (step * m >= want) return step * m;
  }
  return step * 10;
}

/// Byte ticks: a power of two at least `min_px` apart, so labels stay round.
double byte_step(double bytes_per_px, double min_px) {
  return std::pow(2.0, std::ceil(std::log2(std::max(bytes_per_px * min_px, 1.0))));
}

void paint_ruler(QPainter& p, int width, int plot_height, const TimeMapping& m, const Theme& t) {
  const int x0 = Layout::kHeader;
  p.fillRect(0, 0, width, Layout::kRuler, t.header);
  p.setPen(t.grid);
  p.drawLine(x0, Layout::kRuler - 1, width, Layout::kRuler - 1);
  const double step = tick_step(m.ns_per_px(), 90);
  const double first = std::ceil(m.begin() / step) * step;
  p.setFont(QFont(p.font().family(), 8));
  for (double ns = first; ns <= m.end(); ns += step) {
    const double x = x0 + m.x(ns);
    p.setPen(t.grid);
    p.drawLine(QPointF(x, Layout::kRuler - 6), QPointF(x, Layout::kRuler + plot_height));
    p.setPen(t.text);
    p.drawText(QPointF(x + 3, Layout::kRuler - 9), qs(format_duration(ns)));
  }
}

void paint_cursor_and_range(QPainter& p, int height, const ViewState& v, const Theme& t) {
  const TimeMapping& m = v.mapping;
  if (v.range) {
    const double a = Layout::kHeader + m.x(v.range->first);
    const double b = Layout::kHeader + m.x(v.range->second);
    p.fillRect(QRectF(QPointF(std::min(a, b), Layout::kRuler), QPointF(std::max(a, b), height)),
               t.selection);
  }
  if (v.cursor) {
    const double x = Layout::kHeader + m.x(*v.cursor);
    if (x >= Layout::kHeader) {
      p.setPen(QPen(t.cursor, 1));
      p.drawLine(QPointF(x, 0), QPointF(x, height));
    }
  }
}

/// Short label drawn inside a wide bar.
QString bar_label(const trace::Trace& trace, const Span& s) {
  switch (s.kind) {
    case SpanKind::layer: return QString("L%1").arg(s.layer);
    case SpanKind::d2h: return QString("D2H L%1 #%2").arg(s.layer).arg(s.index);
    case SpanKind::h2d: return QString("H2D L%1 #%2").arg(s.layer).arg(s.index);
    case SpanKind::prefetch: return QString("prefetch L%1 #%2").arg(s.layer).arg(s.index);
    case SpanKind::stall: return QString("stall L%1").arg(s.layer);
    default: return qs(std::string(trace.tag(s.tag)));
  }
}

}  // namespace

int Layout::lane_at(double y, std::size_t lanes) {
  if (y < kRuler) return -1;
  const int lane = static_cast<int>((y - kRuler) / kRow);
  return lane < static_cast<int>(lanes) ? lane : -1;
}

void paint_timeline(QPainter& p, QSize size, const LoadedLog& log, const ViewState& view,
                    const Theme& t) {
  const int w = size.width(), h = size.height();
  const TimeMapping& m = view.mapping;
  const std::vector<Lane>& lanes = log.timeline.lanes;
  p.fillRect(0, 0, w, h, t.background);
  paint_ruler(p, w, h, m, t);

  const QFontMetrics fm(p.font());
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const Lane& lane = lanes[i];
    const int y = Layout::kRuler + static_cast<int>(i) * Layout::kRow;
    if (i % 2) p.fillRect(Layout::kHeader, y, w - Layout::kHeader, Layout::kRow, t.lane_alt);
    p.fillRect(0, y, Layout::kHeader, Layout::kRow, t.header);
    p.setPen(t.text);
    p.drawText(QRect(6, y, Layout::kHeader - 10, Layout::kRow), Qt::AlignVCenter | Qt::AlignLeft,
               fm.elidedText(qs(lane.name), Qt::ElideMiddle, Layout::kHeader - 10));
    p.save();
    p.setClipRect(Layout::kHeader, y, w - Layout::kHeader, Layout::kRow);
    for (const DrawItem& item : visible_items(lane.spans, lane.lod, lane.longest, m)) {
      const QRectF bar(Layout::kHeader + item.x0, y + 3, std::max(1.5, item.x1 - item.x0),
                       Layout::kRow - 6);
      p.fillRect(bar, t.kinds(item.kinds));
      if (item.count == 1 && bar.width() > 48) {
        p.setPen(t.dark ? QColor(20, 20, 20) : QColor(255, 255, 255));
        p.drawText(bar.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   fm.elidedText(bar_label(*log.trace, lane.spans[item.span]), Qt::ElideRight,
                                 static_cast<int>(bar.width()) - 5));
      }
    }
    // The highlighted tag and layer, as a strip under the bars.
    if (view.highlight) {
      for (const Lane& hl : view.highlight->lanes) {
        if (hl.name != lane.name) continue;
        for (const DrawItem& item : visible_items(hl.spans, hl.lod, hl.longest, m)) {
          p.fillRect(QRectF(Layout::kHeader + item.x0, y + Layout::kRow - 4,
                            std::max(2.0, item.x1 - item.x0), 3),
                     t.accent);
        }
      }
    }
    p.restore();
  }
  // Steps across every lane.
  p.setPen(QPen(t.accent, 1, Qt::DashLine));
  for (const StepMark& mark : log.timeline.step_marks) {
    const double x = Layout::kHeader + m.x(static_cast<double>(mark.ns));
    if (x < Layout::kHeader || x > w) continue;
    p.drawLine(QPointF(x, Layout::kRuler), QPointF(x, h));
    p.drawText(QPointF(x + 3, 11), QString("step %1").arg(mark.step));
  }
  // The selected span.
  if (view.selected && view.selected->lane < lanes.size()) {
    const Span& s = lanes[view.selected->lane].spans[view.selected->span];
    const int y = Layout::kRuler + static_cast<int>(view.selected->lane) * Layout::kRow;
    const double x0 = Layout::kHeader + m.x(static_cast<double>(s.begin));
    const double x1 = Layout::kHeader + m.x(static_cast<double>(s.end));
    p.setPen(QPen(t.accent, 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(x0 - 1, y + 1, std::max(3.0, x1 - x0 + 2), Layout::kRow - 2));
  }
  paint_cursor_and_range(p, h, view, t);
}

Hit hit_test(const LoadedLog& log, const ViewState& view, QPointF point) {
  Hit hit;
  hit.lane = Layout::lane_at(point.y(), log.timeline.lanes.size());
  if (hit.lane < 0 || point.x() < Layout::kHeader) return hit;
  const Lane& lane = log.timeline.lanes[static_cast<std::size_t>(hit.lane)];
  const double x = point.x() - Layout::kHeader;
  for (const DrawItem& item : visible_items(lane.spans, lane.lod, lane.longest, view.mapping)) {
    if (x < item.x0 - 2) break;
    if (x <= std::max(item.x1, item.x0 + 2) + 2) {
      if (item.count == 1) {
        hit.span = SpanRef{static_cast<std::size_t>(hit.lane), item.span};
      } else {
        hit.merged = item.count;
      }
      return hit;
    }
  }
  return hit;
}

void paint_memory(QPainter& p, QSize size, const LoadedLog& log, const ViewState& view,
                  const Theme& t) {
  const int w = size.width(), h = size.height();
  const TimeMapping& m = view.mapping;
  const MemoryModel& mem = *log.memory;
  p.fillRect(0, 0, w, h, t.background);
  paint_ruler(p, w, h, m, t);
  // A band under the ruler for the legend, then the plot.
  const int legend_y = Layout::kRuler + 5, top = Layout::kRuler + 24, bottom = h - 6;
  const double plot_h = std::max(1, bottom - top);
  std::uint64_t peak_at = 0, without_peak_at = 0;
  const std::int64_t peak = mem.total.peak(&peak_at);
  const std::int64_t without_peak = mem.without_swap.peak(&without_peak_at);
  const double y_max = 1.1 * static_cast<double>(std::max<std::int64_t>({peak, without_peak, 1}));
  auto y_of = [&](double bytes) { return bottom - bytes / y_max * plot_h; };

  // Y axis in the header column.
  p.fillRect(0, Layout::kRuler, Layout::kHeader, h - Layout::kRuler, t.header);
  const double y_step = byte_step(y_max / plot_h, 28);
  p.setFont(QFont(p.font().family(), 8));
  for (double b = 0; b <= y_max; b += y_step) {
    const double y = y_of(b);
    p.setPen(t.grid);
    p.drawLine(QPointF(Layout::kHeader, y), QPointF(w, y));
    p.setPen(t.text);
    p.drawText(QRectF(4, y - 8, Layout::kHeader - 10, 16), Qt::AlignRight | Qt::AlignVCenter,
               qs(format_bytes(b)));
  }

  // Per-layer (or per-tag) areas, stacked; each column holds each one's
  // highest level.
  const std::vector<Curve>& series = view.memory_by_tag ? mem.tags : mem.layers;
  const std::vector<std::string>& labels = view.memory_by_tag ? mem.tag_labels : mem.labels;
  const int cols = m.width();
  std::vector<double> base(static_cast<std::size_t>(cols), 0.0);
  p.save();
  p.setClipRect(Layout::kHeader, Layout::kRuler, w - Layout::kHeader, h - Layout::kRuler);
  // Each layer's band as rectangles, one per run of equal columns: exact
  // for step functions, and cheap for the raster engine (a polygon along
  // every column took seconds to fill on long flat stretches).
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::vector<std::int64_t> c = series[i].columns(m);
    std::vector<double> next(base);
    for (int x = 0; x < cols; ++x) next[static_cast<std::size_t>(x)] += static_cast<double>(c[static_cast<std::size_t>(x)]);
    const QColor colour = t.series(i);
    for (int x = 0; x < cols;) {
      const auto ux = static_cast<std::size_t>(x);
      int run = 1;
      while (x + run < cols && next[ux + static_cast<std::size_t>(run)] == next[ux] &&
             base[ux + static_cast<std::size_t>(run)] == base[ux]) {
        ++run;
      }
      if (next[ux] > base[ux]) {
        // Whole pixels: the raster engine's fast path for solid fills.
        const int top = static_cast<int>(std::lround(y_of(next[ux])));
        const int bottom = static_cast<int>(std::lround(y_of(base[ux])));
        if (bottom > top) p.fillRect(QRect(Layout::kHeader + x, top, run, bottom - top), colour);
      }
      x += run;
    }
    base.swap(next);
  }
  auto polyline = [&](const Curve& curve, const QPen& pen) {
    const std::vector<std::int64_t> c = curve.columns(m);
    QPainterPath line;
    for (int x = 0; x < cols; ++x) {
      const QPointF pt(Layout::kHeader + x, y_of(static_cast<double>(c[static_cast<std::size_t>(x)])));
      x == 0 ? line.moveTo(pt) : line.lineTo(pt);
    }
    p.strokePath(line, pen);
  };
  polyline(mem.without_swap, QPen(t.grid.lighter(t.dark ? 160 : 90), 1.5, Qt::DashLine));
  polyline(mem.total, QPen(t.text, 1.5));
  // Peaks, marked with their value and time.
  auto mark = [&](std::int64_t bytes, std::uint64_t when, const QString& what, double dy) {
    const double x = Layout::kHeader + m.x(static_cast<double>(when));
    const double y = y_of(static_cast<double>(bytes));
    p.setPen(QPen(t.accent, 2));
    p.setBrush(t.accent);
    p.drawEllipse(QPointF(x, y), 3.5, 3.5);
    const QString label = QString("%1 %2 at %3").arg(what, qs(format_bytes(static_cast<double>(bytes))),
                                                     qs(format_duration(static_cast<double>(when))));
    const QPointF at(std::min(x + 6, w - 260.0), y + dy);
    // On a plate of the background: the label stays readable over the areas.
    const QRectF plate = QFontMetricsF(p.font()).boundingRect(label).translated(at).adjusted(-3, -1, 3, 1);
    QColor back = t.background;
    back.setAlpha(210);
    p.fillRect(plate, back);
    p.setPen(t.text);
    p.drawText(at, label);
  };
  if (without_peak > 0) mark(without_peak, without_peak_at, "without swapping, peak", -6);
  if (peak > 0) mark(peak, peak_at, "peak", 14);
  p.restore();

  // Legend: the layers or tags (as many as fit), total, without swapping.
  const QFontMetrics fm(p.font());
  int lx = w - 10;
  const int ly = legend_y;
  auto legend = [&](const QString& text, const QColor& c, bool line) {
    const int tw = fm.horizontalAdvance(text) + 22;
    lx -= tw;
    if (lx < Layout::kHeader + 10) return false;
    if (line) {
      p.setPen(QPen(c, 2));
      p.drawLine(lx, ly + 5, lx + 14, ly + 5);
    } else {
      p.fillRect(lx, ly, 14, 10, c);
    }
    p.setPen(t.text);
    p.drawText(lx + 17, ly + 9, text);
    return true;
  };
  legend("without swapping", t.grid.lighter(t.dark ? 160 : 90), true);
  legend("total", t.text, true);
  for (std::size_t i = series.size(); i-- > 0;) {
    if (!legend(qs(labels[i]), t.series(i), false)) break;
  }
  if (view.cursor) {
    const double total = static_cast<double>(mem.total.at(*view.cursor));
    const double without = static_cast<double>(mem.without_swap.at(*view.cursor));
    p.setPen(t.text);
    p.drawText(QPointF(Layout::kHeader + 8, legend_y + 9),
               QString("at %1: %2 resident, %3 without swapping")
                   .arg(qs(format_duration(*view.cursor)), qs(format_bytes(total)),
                        qs(format_bytes(without))));
  }
  paint_cursor_and_range(p, h, view, t);
}

}  // namespace tswap::viewer
