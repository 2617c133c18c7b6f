#include "painters.h"

#include <QFontMetrics>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

#include <tswap/trace/text.h>

#include "lod.h"
#include "memory_legend.h"
#include "timeline_legend.h"

namespace tswap::viewer {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// What the copy lanes say when the device could not time its copies: in
/// the words tswap-log info uses for the header's copy timing.
QString untimed_text() { return QString::fromUtf8(trace::copy_timing_text(trace::CopyTiming::none)); }

/// A pixel position drawable as it is: within a few pixels of [lo, hi].
/// Far off-screen positions (a selection hours away at a nanosecond per
/// pixel, ~1e15 px) overflow the raster engine's fixed-point coordinates.
double on_screen(double x, double lo, double hi) { return std::clamp(x, lo - 8, hi + 8); }

/// Byte ticks: a power of two at least `min_px` apart, so labels stay round.
double byte_step(double bytes_per_px, double min_px) {
  return std::pow(2.0, std::ceil(std::log2(std::max(bytes_per_px * min_px, 1.0))));
}

void paint_ruler(QPainter& p, int width, int plot_height, const TimeMapping& m, const Theme& t) {
  const int x0 = Layout::kHeader;
  p.fillRect(0, 0, width, Layout::kRuler, t.header);
  p.setPen(t.grid);
  p.drawLine(x0, Layout::kRuler - 1, width, Layout::kRuler - 1);
  p.setFont(QFont(p.font().family(), 8));
  // 90 px apart, or more where labels are long (9223372036.85477 s at 2^63 ns).
  const QFontMetrics fm(p.font());
  std::vector<Tick> ticks = time_ticks(m, 90);
  int widest = 0;
  for (const Tick& tick : ticks) widest = std::max(widest, fm.horizontalAdvance(qs(tick.label)));
  if (widest + 12 > 90) ticks = time_ticks(m, widest + 12);
  for (const Tick& tick : ticks) {
    const double x = x0 + tick.x;
    p.setPen(t.grid);
    p.drawLine(QPointF(x, Layout::kRuler - 6), QPointF(x, Layout::kRuler + plot_height));
    p.setPen(t.text);
    p.drawText(QPointF(x + 3, Layout::kRuler - 9), qs(tick.label));
  }
}

void paint_cursor_and_range(QPainter& p, int width, int height, const ViewState& v, const Theme& t) {
  const TimeMapping& m = v.mapping;
  if (v.range) {
    const double a = on_screen(Layout::kHeader + m.x(v.range->first), Layout::kHeader, width);
    const double b = on_screen(Layout::kHeader + m.x(v.range->second), Layout::kHeader, width);
    p.fillRect(QRectF(QPointF(std::min(a, b), Layout::kRuler), QPointF(std::max(a, b), height)),
               t.selection);
  }
  if (v.cursor) {
    const double x = Layout::kHeader + m.x(*v.cursor);
    if (x >= Layout::kHeader && x <= width) {
      p.setPen(QPen(t.cursor, 1));
      p.drawLine(QPointF(x, 0), QPointF(x, height));
    }
  }
}

/// Short label drawn inside a wide bar.
QString bar_label(const trace::Trace& trace, const Span& s) {
  switch (s.kind) {
    case SpanKind::layer:
    case SpanKind::backward: return QString("L%1").arg(s.layer);
    case SpanKind::d2h: return QString("D2H L%1 #%2").arg(s.layer).arg(s.index);
    case SpanKind::h2d: return QString("H2D L%1 #%2").arg(s.layer).arg(s.index);
    case SpanKind::prefetch: return QString("prefetch L%1 #%2").arg(s.layer).arg(s.index);
    case SpanKind::stall: return QString("stall L%1").arg(s.layer);
    default: return qs(std::string(trace.tag(s.tag)));
  }
}

/// Diagonal lines 5 px apart across `r`, clipped to it by arithmetic (no
/// clip region per bar: thousands of bars are drawn a frame).
void hatch(QPainter& p, const QRectF& r, const QColor& colour) {
  p.save();
  p.setPen(QPen(colour, 1.5));
  const double h = r.height();
  for (double c = r.left() - h; c < r.right(); c += 5) {
    // The line from (c, bottom) to (c + h, top), where it lies in [left, right].
    const double x0 = std::max(c, r.left()), x1 = std::min(c + h, r.right());
    if (x1 <= x0) continue;
    p.drawLine(QPointF(x0, r.bottom() - (x0 - c)), QPointF(x1, r.bottom() - (x1 - c)));
  }
  p.restore();
}

/// A layer's bar: solid in forward; in backward its colour half way to the
/// background, hatched in the colour (Theme::backward_fill).
void paint_layer_bar(QPainter& p, const QRectF& bar, const QColor& colour, bool backward,
                     const Theme& t) {
  if (!backward) {
    p.fillRect(bar, colour);
    return;
  }
  p.fillRect(bar, t.backward_fill(colour));
  if (bar.width() >= 3) hatch(p, bar, colour);
}

/// A bar's colour: its kind's, or in a layer lane its layer's (Note [Layer
/// colours]); merged layer bars take their tag's.
QColor bar_colour(const LoadedLog& log, const Lane& lane, const DrawItem& item, const Theme& t) {
  const std::uint32_t layer_bits =
      1u << static_cast<unsigned>(SpanKind::layer) | 1u << static_cast<unsigned>(SpanKind::backward);
  if (lane.type != Lane::Type::layers || (item.kinds & ~layer_bits) != 0) {
    return t.kinds(item.kinds);
  }
  const Span& s = lane.spans[item.count == 1 ? item.span : 0];
  return item.count == 1 ? t.layer(palette_of(log), s.tag, s.layer) : t.tag(palette_of(log), s.tag);
}

/// Where each step turns from forward to backward: a thin line from `top`
/// to `bottom`, labelled at `label_y` where there is room.
void paint_turns(QPainter& p, const Timeline& timeline, const TimeMapping& m, int w, int top,
                 int bottom, int label_y, const Theme& t) {
  p.save();
  p.setPen(QPen(t.turn, 1));
  const QFontMetrics fm(p.font());
  double label_end = -1e9;  // no label over the one before
  for (const TurnMark& turn : timeline.turns) {
    const double x = Layout::kHeader + m.x(static_cast<double>(turn.ns));
    if (x < Layout::kHeader || x > w) continue;
    p.drawLine(QPointF(x, top), QPointF(x, bottom));
    const QString label = QString("backward %1").arg(turn.step);
    if (x + 3 > label_end) {
      p.drawText(QPointF(x + 3, label_y), label);
      label_end = x + 3 + fm.horizontalAdvance(label) + 6;
    }
  }
  p.restore();
}

void paint_legend_entry(QPainter& p, const LegendEntry& e, const Theme& t) {
  const QRect& r = e.rect;
  int text_x = r.left();
  const int mid = r.top() + r.height() / 2;
  switch (e.mark) {
    case LegendEntry::Mark::none: break;
    case LegendEntry::Mark::swatch: p.fillRect(r.left(), r.top() + 1, 14, r.height() - 2, e.colour); break;
    case LegendEntry::Mark::line:
    case LegendEntry::Mark::dashed:
    case LegendEntry::Mark::dotted:
    case LegendEntry::Mark::dash_dot:
      p.setPen(QPen(e.colour, e.mark == LegendEntry::Mark::line ? 2 : 1.5,
                    e.mark == LegendEntry::Mark::line     ? Qt::SolidLine
                    : e.mark == LegendEntry::Mark::dashed ? Qt::DashLine
                    : e.mark == LegendEntry::Mark::dotted ? Qt::DotLine
                                                          : Qt::DashDotLine));
      p.drawLine(r.left(), mid, r.left() + 14, mid);
      break;
    case LegendEntry::Mark::hatched:
      paint_layer_bar(p, QRectF(r.left(), r.top() + 1, 14, r.height() - 2), e.colour, true, t);
      break;
    case LegendEntry::Mark::thin:
      p.fillRect(QRectF(r.left(), mid - 2, 14, 4), e.colour);
      break;
  }
  if (e.mark != LegendEntry::Mark::none) text_x += 18;
  p.setPen(t.text);
  p.drawText(QRect(text_x, r.top() - 2, r.right() - text_x + 4, r.height() + 4),
             Qt::AlignVCenter | Qt::AlignLeft, e.text);
}

}  // namespace

const LayerPalette& palette_of(const LoadedLog& log) {
  static const LayerPalette none;
  return log.palette ? *log.palette : none;
}

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
  // In the corner above the lane names, in the ruler's small font.
  for (const LegendEntry& e : timeline_legend(QFontMetrics(p.font()), log, t)) paint_legend_entry(p, e, t);

  const QFontMetrics fm(p.font());
  // With several ranks, lanes of one name recur in every rank's group: a
  // highlight lane matches by its group's header and its name.
  std::string group;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const Lane& lane = lanes[i];
    const int y = Layout::kRuler + static_cast<int>(i) * Layout::kRow;
    if (lane.group_header) group = lane.name;
    if (lane.group_header) {
      // A rank's lanes begin: its name across the row, over a rule.
      p.fillRect(0, y, w, Layout::kRow, t.header);
      p.fillRect(0, y, w, 2, t.accent);
      QFont bold = p.font();
      bold.setBold(true);
      p.save();
      p.setFont(bold);
      p.setPen(t.text);
      p.drawText(QRect(6, y, w - 12, Layout::kRow), Qt::AlignVCenter | Qt::AlignLeft, qs(lane.name));
      p.restore();
      continue;
    }
    if (i % 2) p.fillRect(Layout::kHeader, y, w - Layout::kHeader, Layout::kRow, t.lane_alt);
    p.fillRect(0, y, Layout::kHeader, Layout::kRow, t.header);
    p.setPen(t.text);
    p.drawText(QRect(6, y, Layout::kHeader - 10, Layout::kRow), Qt::AlignVCenter | Qt::AlignLeft,
               fm.elidedText(qs(lane.name), Qt::ElideMiddle, Layout::kHeader - 10));
    p.save();
    p.setClipRect(Layout::kHeader, y, w - Layout::kHeader, Layout::kRow);
    // A device that cannot time its copies: say so on its copy lanes, under
    // the queued marks, rather than leave lanes that look idle.
    if (lane.type == Lane::Type::stream && log.timeline.copies_untimed) {
      p.setPen(t.grid.lighter(t.dark ? 190 : 70));
      p.drawText(QRect(Layout::kHeader + 8, y, w - Layout::kHeader - 16, Layout::kRow),
                 Qt::AlignVCenter | Qt::AlignHCenter, untimed_text());
    }
    // Host launches of layers the device timed: thin marks in the lane's
    // middle, under the device's bars of the lane above.
    const double bar_top = lane.launches ? y + Layout::kRow / 2 - 3 : y + 3;
    const double bar_height = lane.launches ? 6 : Layout::kRow - 6;
    for (const DrawItem& item : visible_items(lane.spans, lane.lod, lane.longest, m)) {
      const QRectF bar(Layout::kHeader + item.x0, bar_top, std::max(1.5, item.x1 - item.x0), bar_height);
      const QColor colour = bar_colour(log, lane, item, t);
      if (lane.type == Lane::Type::capture) {
        // What the GPU did, from Nsight: the copies' colours lighter, outlined,
        // so that they do not read as the log's own bars.
        const bool kernels = item.kinds == 1u << static_cast<unsigned>(SpanKind::kernel);
        p.fillRect(bar, kernels ? colour : colour.lighter(t.dark ? 125 : 135));
        if (!kernels && bar.width() >= 3) {
          p.setPen(QPen(colour.darker(140), 1));
          p.setBrush(Qt::NoBrush);
          p.drawRect(bar.adjusted(0.5, 0.5, -0.5, -0.5));
        }
        continue;
      }
      const bool layers = lane.type == Lane::Type::layers;
      const bool backward = layers && item.count == 1 && lane.spans[item.span].kind == SpanKind::backward;
      paint_layer_bar(p, bar, colour, backward, t);
      // Layers follow each other without a gap: a line of background
      // where one begins keeps neighbours apart.
      if (layers && item.count == 1 && bar.width() >= 4) {
        p.fillRect(QRectF(bar.left(), bar.top(), 1, bar.height()), t.background);
      }
      if (item.count == 1 && bar.width() > 48 && !lane.launches) {
        const QColor under = backward ? t.backward_fill(colour) : colour;
        p.setPen(qGray(under.rgb()) > 128 ? QColor(20, 20, 20) : QColor(255, 255, 255));
        p.drawText(bar.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   fm.elidedText(bar_label(log.trace_of(i), lane.spans[item.span]), Qt::ElideRight,
                                 static_cast<int>(bar.width()) - 5));
      }
    }
    // The highlighted tag and layer, as a strip under the bars.
    if (view.highlight) {
      std::string hl_group;
      for (const Lane& hl : view.highlight->lanes) {
        if (hl.group_header) hl_group = hl.name;
        if (hl.name != lane.name || hl_group != group) continue;
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
  paint_turns(p, log.timeline, m, w, Layout::kRuler, h, 11, t);
  // The selected span, and the memcpy the GPU ran for it (an attached capture).
  for (const std::optional<SpanRef>& ref : {view.selected, view.linked}) {
    if (!ref || ref->lane >= lanes.size() || ref->span >= lanes[ref->lane].spans.size()) continue;
    const Span& s = lanes[ref->lane].spans[ref->span];
    const int y = Layout::kRuler + static_cast<int>(ref->lane) * Layout::kRow;
    const double x0 = on_screen(Layout::kHeader + m.x(static_cast<double>(s.begin)), Layout::kHeader, w);
    const double x1 = on_screen(Layout::kHeader + m.x(static_cast<double>(s.end)), Layout::kHeader, w);
    p.setPen(QPen(t.accent, 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(x0 - 1, y + 1, std::max(3.0, x1 - x0 + 2), Layout::kRow - 2));
  }
  paint_cursor_and_range(p, w, h, view, t);
}

std::string tooltip(const LoadedLog& log, const SpanRef& ref) {
  const Lane& lane = log.timeline.lanes[ref.lane];
  const Span& s = lane.spans[ref.span];
  const Attachment* a = log.attachment.get();
  if (lane.type == Lane::Type::capture) return a ? describe_capture(*a, s) : std::string();
  std::string text = describe(log.trace_of(ref.lane), s);
  if (a) {
    if (const std::optional<SpanRef> gpu = matched_memcpy(*log.trace, log.timeline, *a, s)) {
      text += "\n" + describe_match(s, log.timeline.lanes[gpu->lane].spans[gpu->span]);
    }
  }
  return text;
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

QColor rank_colour(const Theme& t, std::size_t i) {
  const int hue = static_cast<int>(std::fmod(200.0 + 137.508 * static_cast<double>(i), 360.0));
  return QColor::fromHsv(hue, t.dark ? 150 : 200, t.dark ? 235 : 185);
}

namespace {

/// The memory view with several ranks (ranks.h): each rank's resident bytes
/// overlaid in its colour, or one small plot per rank (View > Memory per
/// Rank), with the maximum over ranks drawn on each; its peak marked.
void paint_rank_memory(QPainter& p, QSize size, const LoadedLog& log, const ViewState& view, const Theme& t) {
  const int w = size.width(), h = size.height();
  const TimeMapping& m = view.mapping;
  const RankMemory& rm = log.ranks->memory;
  p.fillRect(0, 0, w, h, t.background);
  paint_ruler(p, w, h, m, t);
  p.setFont(QFont(p.font().family(), 8));
  const Legend legend = memory_legend(QFontMetrics(p.font()), w, Layout::kRuler + 5, log, view, t);
  const int top = legend.bottom + 4, bottom = h - 6;
  std::uint64_t peak_at = 0;
  const std::int64_t peak = rm.max_total.peak(&peak_at);
  const double y_max = 1.1 * static_cast<double>(std::max<std::int64_t>(peak, 1));
  const std::size_t n = std::max<std::size_t>(rm.totals.size(), 1);
  const bool multiples = view.memory_small_multiples;
  const std::size_t bands = multiples ? n : 1;
  const double band_h = std::max(1.0, static_cast<double>(bottom - top) / static_cast<double>(bands));
  const int cols = m.width();
  p.fillRect(0, Layout::kRuler, Layout::kHeader, h - Layout::kRuler, t.header);
  for (std::size_t b = 0; b < bands; ++b) {
    const double band_bottom = top + band_h * static_cast<double>(b + 1);
    // One scale for every band: the ranks compare at a glance.
    auto y_of = [&](double bytes) { return band_bottom - bytes / y_max * (band_h - 4); };
    p.setPen(t.grid);
    p.drawLine(QPointF(Layout::kHeader, band_bottom), QPointF(w, band_bottom));
    p.setPen(t.text);
    const double y_step = byte_step(y_max / std::max(1.0, band_h - 4), multiples ? 24 : 28);
    for (int i = 1; i * y_step <= y_max && i < 64; ++i) {
      const double y = y_of(i * y_step);
      if (y < band_bottom - band_h + 6) break;
      p.setPen(t.grid);
      p.drawLine(QPointF(Layout::kHeader, y), QPointF(w, y));
      p.setPen(t.text);
      p.drawText(QRectF(4, y - 8, Layout::kHeader - 10, 16), Qt::AlignRight | Qt::AlignVCenter,
                 qs(format_bytes(i * y_step)));
    }
    if (multiples && b < rm.labels.size()) {
      p.setPen(rank_colour(t, b));
      p.drawText(QRectF(4, band_bottom - band_h + 2, Layout::kHeader - 10, 16), Qt::AlignLeft | Qt::AlignVCenter,
                 qs(rm.labels[b]));
    }
    p.save();
    p.setClipRect(QRectF(Layout::kHeader, band_bottom - band_h, w - Layout::kHeader, band_h));
    auto polyline = [&](const Curve& curve, const QPen& pen) {
      const std::vector<std::int64_t> c = curve.columns(m);
      QPainterPath line;
      for (int x = 0; x < cols; ++x) {
        const QPointF pt(Layout::kHeader + x, y_of(static_cast<double>(c[static_cast<std::size_t>(x)])));
        x == 0 ? line.moveTo(pt) : line.lineTo(pt);
      }
      p.strokePath(line, pen);
    };
    // The maximum first, wide and faint: it coincides with some rank's
    // line everywhere, and that rank's colour must still show on it.
    QColor max_colour = t.text;
    max_colour.setAlpha(multiples ? 200 : 110);
    polyline(rm.max_total, QPen(max_colour, multiples ? 1.0 : 5.0, multiples ? Qt::DashLine : Qt::SolidLine));
    for (std::size_t r = 0; r < rm.totals.size(); ++r) {
      if (multiples && r != b) continue;
      polyline(rm.totals[r], QPen(rank_colour(t, r), 1.5));
    }
    p.restore();
  }
  if (peak > 0) {
    // Which rank reached it: the first whose total is at the peak there.
    QString who;
    for (std::size_t r = 0; r < rm.totals.size(); ++r)
      if (rm.totals[r].at(static_cast<double>(peak_at)) == peak) {
        who = qs(rm.labels[r]);
        break;
      }
    const double x = on_screen(Layout::kHeader + m.x(static_cast<double>(peak_at)), Layout::kHeader, w);
    const double y = top + band_h - static_cast<double>(peak) / y_max * (band_h - 4);
    p.setPen(QPen(t.accent, 2));
    p.setBrush(t.accent);
    p.drawEllipse(QPointF(x, y), 3.5, 3.5);
    p.setPen(t.text);
    p.drawText(QPointF(std::min(x + 6, w - 300.0), y + 14),
               QString("max over ranks, peak %1 at %2 (%3)")
                   .arg(qs(format_bytes(static_cast<double>(peak))), qs(format_duration(static_cast<double>(peak_at))), who));
  }
  p.save();
  p.setClipRect(Layout::kHeader, Layout::kRuler, w - Layout::kHeader, h - Layout::kRuler);
  paint_turns(p, log.timeline, m, w, top, bottom, top + 10, t);
  p.restore();
  for (const LegendEntry& e : legend.entries) paint_legend_entry(p, e, t);
  if (view.cursor) {
    QString text = QString("at %1: max %2").arg(qs(format_duration(*view.cursor)),
                                                 qs(format_bytes(static_cast<double>(rm.max_total.at(*view.cursor)))));
    for (std::size_t r = 0; r < rm.totals.size() && r < 16; ++r)
      text += QString("; %1 %2").arg(qs(rm.labels[r]), qs(format_bytes(static_cast<double>(rm.totals[r].at(*view.cursor)))));
    const QPointF at(Layout::kHeader + 8, top + 24);
    QColor back = t.background;
    back.setAlpha(210);
    p.fillRect(QFontMetricsF(p.font()).boundingRect(text).translated(at).adjusted(-3, -1, 3, 1), back);
    p.setPen(t.text);
    p.drawText(at, text);
  }
  paint_cursor_and_range(p, w, h, view, t);
}

}  // namespace

void paint_memory(QPainter& p, QSize size, const LoadedLog& log, const ViewState& view,
                  const Theme& t) {
  if (log.ranks) return paint_rank_memory(p, size, log, view, t);
  const int w = size.width(), h = size.height();
  const TimeMapping& m = view.mapping;
  if (!log.memory) {
    // Note [First frame]: the timeline is shown while the curves are built.
    p.fillRect(0, 0, w, h, t.background);
    paint_ruler(p, w, h, m, t);
    p.setPen(t.text);
    p.drawText(QRect(0, Layout::kRuler, w, h - Layout::kRuler), Qt::AlignCenter,
               QStringLiteral("building the memory curves..."));
    return;
  }
  const MemoryModel& mem = *log.memory;
  p.fillRect(0, 0, w, h, t.background);
  paint_ruler(p, w, h, m, t);
  // A band under the ruler for the legend (as many rows as it takes), then the plot.
  p.setFont(QFont(p.font().family(), 8));
  const Legend legend = memory_legend(QFontMetrics(p.font()), w, Layout::kRuler + 5, log, view, t);
  const int top = legend.bottom + 4, bottom = h - 6;
  const double plot_h = std::max(1, bottom - top);
  std::uint64_t peak_at = 0, without_peak_at = 0;
  const std::int64_t peak = mem.total.peak(&peak_at);
  const std::int64_t without_peak = mem.without_swap.peak(&without_peak_at);
  // The allocator's curves (when sampled) hold everything on the device,
  // parameters and workspace too: usually far above the engine's.
  std::uint64_t allocated_at = 0, reserved_at = 0;
  const std::int64_t allocated_peak = mem.device_allocated.peak(&allocated_at);
  const std::int64_t reserved_peak = mem.device_reserved.peak(&reserved_at);
  // A compared log's curves, on this log's axis (comparison.h).
  const ComparedLog* compared = log.compared.get();
  std::uint64_t compared_at = 0;
  const std::int64_t compared_peak = compared ? compared->total.peak(&compared_at) : 0;
  const std::int64_t compared_high =
      compared ? std::max({compared_peak, compared->without_swap.peak(), compared->device_allocated.peak()}) : 0;
  // The what-if panel's plan, predicted (what_if.h).
  const PredictedCurve* predicted = view.predicted.get();
  std::uint64_t predicted_at = 0;
  const std::int64_t predicted_peak = predicted ? predicted->curve.peak(&predicted_at) : 0;
  const double y_max = 1.1 * static_cast<double>(std::max<std::int64_t>(
                                 {peak, without_peak, allocated_peak, reserved_peak, compared_high, predicted_peak, 1}));
  auto y_of = [&](double bytes) { return bottom - bytes / y_max * plot_h; };

  // Y axis in the header column.
  p.fillRect(0, Layout::kRuler, Layout::kHeader, h - Layout::kRuler, t.header);
  const double y_step = byte_step(y_max / plot_h, 28);
  // Computed, not accumulated, and bounded (byte_step keeps them 28 px apart).
  for (int i = 0; i <= static_cast<int>(plot_h / 28) + 1 && i * y_step <= y_max; ++i) {
    const double b = i * y_step;
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
  const int cols = m.width();
  std::vector<double> base(static_cast<std::size_t>(cols), 0.0);
  p.save();
  p.setClipRect(Layout::kHeader, Layout::kRuler, w - Layout::kHeader, h - Layout::kRuler);
  // Each layer's band as rectangles, one per run of equal columns: exact
  // for step functions, and cheap for the raster engine (a polygon along
  // every column took seconds to fill on long flat stretches).
  const std::vector<std::size_t> drawn = mem.stacked(view.memory_by_tag, kMostAreas);
  auto fill_band = [&](const std::vector<double>& next, const QColor& colour) {
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
    base = next;
  };
  for (const std::size_t i : drawn) {
    const std::vector<std::int64_t> c = series[i].columns(m);
    std::vector<double> next(base);
    for (int x = 0; x < cols; ++x) next[static_cast<std::size_t>(x)] += static_cast<double>(c[static_cast<std::size_t>(x)]);
    fill_band(next, view.memory_by_tag
                        ? t.tag(palette_of(log), mem.tag_ids[i])
                        : t.layer(palette_of(log), mem.layer_keys[i].tag, mem.layer_keys[i].layer));
  }
  if (drawn.size() < series.size()) {
    // The areas not drawn: one band from the stack up to the total.
    const std::vector<std::int64_t> c = mem.total.columns(m);
    std::vector<double> next(base);
    for (int x = 0; x < cols; ++x) {
      const auto ux = static_cast<std::size_t>(x);
      next[ux] = std::max(base[ux], static_cast<double>(c[ux]));
    }
    fill_band(next, t.grid);
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
  if (mem.device_reserved.points() > 0) polyline(mem.device_reserved, QPen(t.reserved, 1.5, Qt::DotLine));
  if (mem.device_allocated.points() > 0) polyline(mem.device_allocated, QPen(t.allocated, 1.5));
  polyline(mem.total, QPen(t.text, 1.5));
  // A curve that covers [begin, end) of the time axis, over its columns only.
  auto polyline_part = [&](const Curve& curve, double begin, double end, const QPen& pen) {
    const double from = std::clamp(std::floor(m.x(begin)), 0.0, static_cast<double>(cols));
    const double to = std::clamp(std::ceil(m.x(end)) + 1, 0.0, static_cast<double>(cols));
    if (to <= from) return;
    const int x0 = static_cast<int>(from), x1 = static_cast<int>(to);
    const std::vector<std::int64_t> c = curve.columns(m, x0, x1);
    QPainterPath line;
    for (int x = x0; x < x1; ++x) {
      const QPointF pt(Layout::kHeader + x, y_of(static_cast<double>(c[static_cast<std::size_t>(x - x0)])));
      x == x0 ? line.moveTo(pt) : line.lineTo(pt);
    }
    p.strokePath(line, pen);
  };
  if (compared) {
    // Each step's segment over the columns it covers; segments of steps
    // longer than this log's overlap, and both are drawn.
    auto aligned = [&](const AlignedCurve& curve, const QPen& pen) {
      for (const AlignedCurve::Segment& s : curve.segments) polyline_part(s.curve, s.begin, s.end, pen);
    };
    aligned(compared->without_swap, QPen(t.compared, 1.5, Qt::DashLine));
    aligned(compared->device_allocated, QPen(t.compared, 1.5, Qt::DotLine));
    aligned(compared->total, QPen(t.compared, 1.5));
  }
  if (predicted) {
    polyline_part(predicted->curve, static_cast<double>(predicted->begin), static_cast<double>(predicted->end),
                  QPen(t.predicted, 2, Qt::DashDotLine));
  }
  // Peaks, marked with their value and time. A label that would cover one
  // placed before it moves down (up to four peaks can meet at one time).
  std::vector<QRectF> plates;
  auto mark = [&](std::int64_t bytes, std::uint64_t when, const QString& what, double dy, const QColor& dot) {
    const double x = on_screen(Layout::kHeader + m.x(static_cast<double>(when)), Layout::kHeader, w);
    const double y = y_of(static_cast<double>(bytes));
    p.setPen(QPen(dot, 2));
    p.setBrush(dot);
    p.drawEllipse(QPointF(x, y), 3.5, 3.5);
    const QString label = QString("%1 %2 at %3").arg(what, qs(format_bytes(static_cast<double>(bytes))),
                                                     qs(format_duration(static_cast<double>(when))));
    QPointF at(std::min(x + 6, w - 260.0), y + dy);
    // On a plate of the background: the label stays readable over the areas.
    const QRectF box = QFontMetricsF(p.font()).boundingRect(label).adjusted(-3, -1, 3, 1);
    for (int tries = 0; tries < 8; ++tries) {
      const QRectF plate = box.translated(at);
      if (std::none_of(plates.begin(), plates.end(), [&](const QRectF& o) { return o.intersects(plate); })) break;
      at.ry() += box.height();
    }
    plates.push_back(box.translated(at));
    QColor back = t.background;
    back.setAlpha(210);
    p.fillRect(plates.back(), back);
    p.setPen(t.text);
    p.drawText(at, label);
  };
  if (without_peak > 0) mark(without_peak, without_peak_at, "without swapping, peak", -6, t.accent);
  if (peak > 0) mark(peak, peak_at, "peak", 14, t.accent);
  if (reserved_peak > 0) mark(reserved_peak, reserved_at, "reserved (device), peak", -6, t.reserved);
  if (allocated_peak > 0) mark(allocated_peak, allocated_at, "allocated (device), peak", 14, t.allocated);
  if (compared_peak > 0) mark(compared_peak, compared_at, "B peak", 14, t.compared);
  if (predicted_peak > 0) mark(predicted_peak, predicted_at, "predicted peak", -6, t.predicted);

  paint_turns(p, log.timeline, m, w, top, bottom, top + 10, t);
  p.restore();

  for (const LegendEntry& e : legend.entries) paint_legend_entry(p, e, t);
  if (view.cursor) {
    const double total = static_cast<double>(mem.total.at(*view.cursor));
    const double without = static_cast<double>(mem.without_swap.at(*view.cursor));
    QString text = QString("at %1: %2 resident, %3 without swapping")
                       .arg(qs(format_duration(*view.cursor)), qs(format_bytes(total)),
                            qs(format_bytes(without)));
    if (mem.device_allocated.points() > 0 || mem.device_reserved.points() > 0) {
      text += QString("; device allocator: %1 allocated, %2 reserved")
                  .arg(qs(format_bytes(static_cast<double>(mem.device_allocated.at(*view.cursor)))),
                       qs(format_bytes(static_cast<double>(mem.device_reserved.at(*view.cursor)))));
    }
    if (compared) {
      if (const std::optional<std::int64_t> b = compared->total.at(*view.cursor)) {
        text += QString("; B: %1 resident").arg(qs(format_bytes(static_cast<double>(*b))));
      }
    }
    if (predicted && *view.cursor >= static_cast<double>(predicted->begin) &&
        *view.cursor < static_cast<double>(predicted->end)) {
      text += QString("; predicted: %1").arg(qs(format_bytes(static_cast<double>(predicted->curve.at(*view.cursor)))));
    }
    // In the plot's top left corner, on a plate: the legend may fill its band.
    const QPointF at(Layout::kHeader + 8, top + 24);
    QColor back = t.background;
    back.setAlpha(210);
    p.fillRect(QFontMetricsF(p.font()).boundingRect(text).translated(at).adjusted(-3, -1, 3, 1), back);
    p.setPen(t.text);
    p.drawText(at, text);
  }
  paint_cursor_and_range(p, w, h, view, t);
}

}  // namespace tswap::viewer
