#include "views.h"

#include <QMouseEvent>
#include <QToolTip>

#include "painters.h"

namespace tswap::viewer {

QSize TimelineView::sizeHint() const {
  const std::size_t lanes = log_ ? log_->timeline.lanes.size() : 4;
  return QSize(900, Layout::timeline_height(lanes) + 4);
}

void TimelineView::paintView(QPainter& p, QSize size) { paint_timeline(p, size, *log_, view_, theme_); }

void TimelineView::resizeEvent(QResizeEvent* e) {
  TimeView::resizeEvent(e);
  view_.mapping.set_width(Layout::plot_width(width()));
  emit viewChanged();
}

void TimelineView::clicked(QPointF pos) {
  const Hit hit = hit_test(*log_, view_, pos);
  view_.selected = hit.span;
  emit selectionChanged();
  emit viewChanged();
}

void TimelineView::hovered(QPointF pos, QPoint global) {
  const Hit hit = hit_test(*log_, view_, pos);
  if (hit.span) {
    QToolTip::showText(global, QString::fromStdString(tooltip(*log_, *hit.span)), this);
  } else if (hit.merged > 1) {
    QToolTip::showText(global, tr("%1 events merged here: zoom in (wheel) to tell them apart")
                                   .arg(hit.merged), this);
  } else {
    QToolTip::hideText();
  }
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent* e) {
  if (!log_) return;
  const Hit hit = hit_test(*log_, view_, e->position());
  if (!hit.span) return;
  selectSpan(*hit.span);
}

void TimelineView::selectSpan(const SpanRef& ref) {
  if (!log_ || ref.lane >= log_->timeline.lanes.size()) return;
  const Span& s = log_->timeline.lanes[ref.lane].spans[ref.span];
  const double pad = std::max(50.0, 0.25 * static_cast<double>(s.end - s.begin));
  view_.mapping.show(static_cast<double>(s.begin) - pad, static_cast<double>(s.end) + pad);
  view_.selected = ref;
  emit selectionChanged();
  emit viewChanged();
}

void MemoryView::paintView(QPainter& p, QSize size) { paint_memory(p, size, *log_, view_, theme_); }

}  // namespace tswap::viewer
