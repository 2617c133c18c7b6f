#include "time_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <cmath>

#include "painters.h"

namespace tswap::viewer {

TimeView::TimeView(ViewState& view, const Theme& theme, QWidget* parent)
    : QWidget(parent), view_(view), theme_(theme) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumHeight(80);
}

void TimeView::setLog(std::shared_ptr<const LoadedLog> log) {
  log_ = std::move(log);
  update();
}

void TimeView::fit() {
  view_.mapping.fit();
  emit viewChanged();
}

void TimeView::zoomToRange() {
  if (!view_.range) return;
  view_.mapping.show(view_.range->first, view_.range->second);
  emit viewChanged();
}

void TimeView::zoomBy(double factor, double anchor_px) {
  if (anchor_px < 0) anchor_px = view_.mapping.width() / 2.0;
  view_.mapping.zoom(factor, anchor_px);
  emit viewChanged();
}

double TimeView::plotX(QPointF pos) const { return pos.x() - Layout::kHeader; }

void TimeView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  if (!log_) {
    p.fillRect(rect(), theme_.background);
    p.setPen(theme_.text);
    p.drawText(rect(), Qt::AlignCenter,
               tr("Open a .tswap log (Ctrl+O), or drop one here.\n"
                  "Record one with TSWAP_LOG=run.tswap ./train"));
    return;
  }
  paintView(p, size());
}

void TimeView::wheelEvent(QWheelEvent* e) {
  if (!log_) return;
  const double delta = e->angleDelta().y() != 0 ? e->angleDelta().y() : e->angleDelta().x();
  if (e->modifiers() & Qt::ShiftModifier) {
    view_.mapping.pan(-delta / 2.0);
    emit viewChanged();
  } else {
    zoomBy(std::pow(1.0015, delta), plotX(e->position()));
  }
  e->accept();
}

void TimeView::mousePressEvent(QMouseEvent* e) {
  if (!log_) return;
  press_ = last_ = e->position();
  moved_ = false;
  const bool range = e->button() == Qt::RightButton ||
                     (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ShiftModifier));
  drag_ = range ? Drag::range : e->button() == Qt::LeftButton ? Drag::pan : Drag::none;
  if (drag_ == Drag::range) {
    const double t = view_.mapping.ns(plotX(press_));
    view_.range = std::make_pair(t, t);
  }
}

void TimeView::mouseMoveEvent(QMouseEvent* e) {
  if (!log_) return;
  const QPointF pos = e->position();
  if ((pos - press_).manhattanLength() > 3) moved_ = true;
  if (drag_ == Drag::pan) {
    view_.mapping.pan(last_.x() - pos.x());
  } else if (drag_ == Drag::range && view_.range) {
    view_.range->second = view_.mapping.ns(plotX(pos));
  }
  last_ = pos;
  view_.cursor = pos.x() >= Layout::kHeader ? std::optional<double>(view_.mapping.ns(plotX(pos)))
                                            : std::nullopt;
  if (drag_ == Drag::none) hovered(pos, e->globalPosition().toPoint());
  emit viewChanged();
}

void TimeView::mouseReleaseEvent(QMouseEvent* e) {
  if (!log_) return;
  if (drag_ == Drag::range && !moved_) view_.range.reset();
  if (drag_ == Drag::pan && !moved_) clicked(e->position());
  if (drag_ == Drag::range) emit selectionChanged();
  drag_ = Drag::none;
  emit viewChanged();
}

void TimeView::keyPressEvent(QKeyEvent* e) {
  if (!log_) return QWidget::keyPressEvent(e);
  const double step = view_.mapping.width() / 8.0;
  switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
    case Qt::Key_W: zoomIn(); break;
    case Qt::Key_Minus:
    case Qt::Key_S: zoomOut(); break;
    case Qt::Key_Left:
    case Qt::Key_A: view_.mapping.pan(-step), emit viewChanged(); break;
    case Qt::Key_Right:
    case Qt::Key_D: view_.mapping.pan(step), emit viewChanged(); break;
    case Qt::Key_F:
    case Qt::Key_Home: fit(); break;
    case Qt::Key_Z: zoomToRange(); break;
    case Qt::Key_Escape:
      view_.selected.reset();
      view_.range.reset();
      emit selectionChanged();
      emit viewChanged();
      break;
    default: QWidget::keyPressEvent(e);
  }
}

void TimeView::leaveEvent(QEvent*) {
  view_.cursor.reset();
  emit viewChanged();
}

}  // namespace tswap::viewer
