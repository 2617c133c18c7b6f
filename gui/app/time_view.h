#pragma once

// What the timeline and the memory view share: one time mapping (so their
// axes and cursors line up), zoom on the wheel and keys, pan by dragging,
// range selection with Shift or the right button.

#include <QWidget>

#include <memory>

#include "theme.h"
#include "view_state.h"

namespace tswap::viewer {

class TimeView : public QWidget {
  Q_OBJECT
 public:
  TimeView(ViewState& view, const Theme& theme, QWidget* parent = nullptr);

  void setLog(std::shared_ptr<const LoadedLog> log);
  const LoadedLog* log() const { return log_.get(); }

  void zoomIn() { zoomBy(1.5); }
  void zoomOut() { zoomBy(1 / 1.5); }
  void fit();
  /// Zooms to the selected range, if any.
  void zoomToRange();

 signals:
  /// The mapping, the cursor, the range or the selection changed.
  void viewChanged();
  void selectionChanged();

 protected:
  /// Paints the view (header column and ruler included) at `size`.
  virtual void paintView(QPainter& p, QSize size) = 0;
  /// A click without dragging at `pos`.
  virtual void clicked(QPointF pos) { Q_UNUSED(pos); }
  virtual void hovered(QPointF pos, QPoint global) {
    Q_UNUSED(pos);
    Q_UNUSED(global);
  }

  void paintEvent(QPaintEvent*) override;
  void wheelEvent(QWheelEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void leaveEvent(QEvent* e) override;

  void zoomBy(double factor, double anchor_px = -1);
  double plotX(QPointF pos) const;

  ViewState& view_;
  const Theme& theme_;
  std::shared_ptr<const LoadedLog> log_;

 private:
  enum class Drag { none, pan, range };
  Drag drag_ = Drag::none;
  QPointF press_, last_;
  bool moved_ = false;
};

}  // namespace tswap::viewer
