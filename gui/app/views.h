#pragma once

// The two time views: lanes of spans, and memory over time.

#include "time_view.h"

namespace tswap::viewer {

/// One lane per stream, per tag's layers and per host thread. Hover shows
/// a tooltip, a click selects a span, a double click zooms to it.
class TimelineView : public TimeView {
  Q_OBJECT
 public:
  using TimeView::TimeView;
  QSize sizeHint() const override;
  void selectSpan(const SpanRef& span);  // and brings it into view

 protected:
  void paintView(QPainter& p, QSize size) override;
  void clicked(QPointF pos) override;
  void hovered(QPointF pos, QPoint global) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
};

/// Device-resident bytes over time: stacked per layer, the total, the curve
/// without swapping, peaks marked.
class MemoryView : public TimeView {
  Q_OBJECT
 public:
  using TimeView::TimeView;
  QSize sizeHint() const override { return QSize(900, 220); }

 protected:
  void paintView(QPainter& p, QSize size) override;
};

}  // namespace tswap::viewer
