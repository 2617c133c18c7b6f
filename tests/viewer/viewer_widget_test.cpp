// tswap-viewer's widgets on the offscreen platform: open logs, zoom, pan,
// select, search, filter, highlight, export, and the errors a user sees.

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>

#include <fstream>

#include "log_builder.h"
#include "main_window.h"
#include "painters.h"
#include "tag_table_model.h"
#include "views.h"

using namespace tswap::viewer;
using tswap::trace::EventKind;
using tswap_test::LogBuilder;
using tswap_test::rec;

namespace {

/// Three steps of a two-layer schedule (see model_test.cpp for the shape).
LogBuilder schedule(bool end = true) {
  std::vector<tswap::trace::Record> main, copier;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  for (std::uint32_t step = 1; step <= 3; ++step) {
    const std::uint64_t t = step * 10000;
    main.insert(main.end(), {
        rec(EventKind::step_begin, t, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::layer_enter, t + 10, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::swap_created, t + 20, 0, 0, 1000, 0, 0, 0, step),
        rec(EventKind::d2h_queued, t + 30, 0, 0, 1000, 1, 0, 0, step),
        rec(EventKind::layer_exit, t + 100, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::layer_enter, t + 110, 1, 0, 0, 0, 0, 0, step),
        rec(EventKind::release, t + 400, 0, 0, 1000, 0, 0, freed, step),
        rec(EventKind::layer_exit, t + 500, 1, 0, 0, 0, 0, 0, step),
        rec(EventKind::h2d_queued, t + 610, 0, 0, 1000, 2, tswap::trace::kFlagPrefetch, 0, step),
        rec(EventKind::stall, t + 900, 0, 0, 50, 0, tswap::trace::kFlagWaitH2D, 0, step),
        rec(EventKind::swap_destroyed, t + 1000, 0, 0, 1000, 0, 0, 0, step),
    });
    copier.insert(copier.end(), {
        rec(EventKind::d2h_start, t + 40, 0, 0, 1000, 1, 0, 0, step),
        rec(EventKind::d2h_done, t + 240, 0, 0, 1000, 1, 0, 0, step),
        rec(EventKind::h2d_start, t + 700, 0, 0, 1000, 2, tswap::trace::kFlagPrefetch, 0, step),
        rec(EventKind::h2d_done, t + 880, 0, 0, 1000, 2, tswap::trace::kFlagPrefetch, 0, step),
    });
  }
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier);
  if (end) b.end(main.size() + copier.size());
  return b;
}

QString write(const QTemporaryDir& dir, const QString& name, const std::vector<std::uint8_t>& bytes) {
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString(), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

/// The centre of span `index` of lane `lane` in the timeline's coordinates.
QPoint centre_of(const MainWindow& w, std::size_t lane, std::size_t index) {
  const Span& s = w.loadedLog()->timeline.lanes[lane].spans[index];
  const double mid = (static_cast<double>(s.begin) + static_cast<double>(s.end)) / 2;
  return QPoint(static_cast<int>(Layout::kHeader + w.viewState().mapping.x(mid)),
                Layout::kRuler + static_cast<int>(lane) * Layout::kRow + Layout::kRow / 2);
}

}  // namespace

class ViewerWidgetTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString good_, torn_, text_;

  /// A shown window with the good log loaded.
  std::unique_ptr<MainWindow> opened(const QString& path) {
    auto w = std::make_unique<MainWindow>();
    w->resize(1400, 900);
    w->show();
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    w->open(path);
    if (!shown.wait(10000)) return nullptr;
    return w;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    good_ = write(dir_, "good.tswap", schedule().bytes());
    LogBuilder torn = schedule(false);
    torn.bytes().resize(torn.bytes().size() - 20);
    torn_ = write(dir_, "torn.tswap", torn.bytes());
    text_ = write(dir_, "text.tswap", {'h', 'e', 'l', 'l', 'o'});
  }

  void opensALogOnAWorkerThreadAndShowsIt() {
    auto w = opened(good_);
    QVERIFY(w);
    QCOMPARE(w->loadedLog()->timeline.lanes.size(), std::size_t{4});
    QVERIFY(w->windowTitle().contains("good.tswap"));
    QCOMPARE(w->tableView()->model()->rowCount(), 2);  // layer 0 (layer 1 swaps nothing) and the total
    QVERIFY(!w->findChild<QLabel*>()->isVisible() || !w->findChild<QLabel*>()->text().contains("incomplete"));
    // The whole log fits.
    QCOMPARE(w->viewState().mapping.begin(), 10000.0);
  }

  void aBadFileGetsAMessageBoxNamingTheProblem() {
    MainWindow w;
    w.show();
    QSignalSpy failed(&w, &MainWindow::loadFailed);
    w.open(text_);
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.first().at(1).toString().contains("text.tswap: not a tensorswap log at byte offset 0"));
    QMessageBox* box = w.findChild<QMessageBox*>();
    QVERIFY(box);
    QVERIFY(box->isVisible());
    QVERIFY(box->text().contains("not a tensorswap log"));
    QVERIFY(!w.loadedLog());
  }

  void anIncompleteLogOpensWithWhatItHoldsAndSaysSo() {
    auto w = opened(torn_);
    QVERIFY(w);
    QVERIFY(!w->loadedLog()->trace->events().empty());
    bool said = false;
    for (QLabel* label : w->findChildren<QLabel*>()) {
      said = said || (label->isVisible() && label->text().contains("This log is incomplete"));
    }
    QVERIFY(said);
  }

  void wheelAndKeysZoomAroundTheMouseAndFitBack() {
    auto w = opened(good_);
    QVERIFY(w);
    TimelineView* t = w->timelineView();
    const double before = w->viewState().mapping.ns_per_px();
    const QPointF at(Layout::kHeader + 300, Layout::kRuler + 5);
    const double under = w->viewState().mapping.ns(300);
    QWheelEvent wheel(at, t->mapToGlobal(at), QPoint(), QPoint(0, 480), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(t, &wheel);
    QVERIFY(w->viewState().mapping.ns_per_px() < before);
    QVERIFY(std::abs(w->viewState().mapping.ns(300) - under) < 1e-6);
    t->setFocus();
    QTest::keyClick(t, Qt::Key_S);
    QTest::keyClick(t, Qt::Key_D);
    QTest::keyClick(t, Qt::Key_F);
    QCOMPARE(w->viewState().mapping.begin(), 10000.0);
    QCOMPARE(w->viewState().mapping.ns_per_px(), before);
  }

  void aClickSelectsASpanAndShowsItsDetails() {
    auto w = opened(good_);
    QVERIFY(w);
    w->viewState();  // lane 0 is "stream d2h"; zoom to step 1 so its bars are wide
    TimelineView* t = w->timelineView();
    const_cast<ViewState&>(w->viewState()).mapping.show(10000, 11000);
    QTest::mouseClick(t, Qt::LeftButton, {}, centre_of(*w, 0, 0));
    QVERIFY(w->viewState().selected.has_value());
    QCOMPARE(w->viewState().selected->lane, std::size_t{0});
    QVERIFY(w->detailsPane()->toPlainText().startsWith(
        "copy out (D2H) model.layer.* L0 #0 step 1: 1000 B in 200 ns (5.00 GB/s)"));
    QTest::keyClick(t, Qt::Key_Escape);
    QVERIFY(!w->viewState().selected.has_value());
  }

  void aLeftDragPansAndHoverExplainsABar() {
    auto w = opened(good_);
    QVERIFY(w);
    TimelineView* t = w->timelineView();
    const_cast<ViewState&>(w->viewState()).mapping.show(10000, 11000);
    const double begin = w->viewState().mapping.begin(), ns_per_px = w->viewState().mapping.ns_per_px();
    // Hover: the bar under the mouse explains itself.
    QTest::mouseMove(t, centre_of(*w, 0, 0));
    QVERIFY(QToolTip::isVisible());
    QVERIFY(QToolTip::text().startsWith("copy out (D2H) model.layer.* L0 #0 step 1: 1000 B in 200 ns"));
    // Drag 100 px to the left: the view moves 100 px later in time.
    const QPoint from(Layout::kHeader + 400, Layout::kRuler + 5), to(Layout::kHeader + 300, Layout::kRuler + 5);
    QTest::mousePress(t, Qt::LeftButton, {}, from);
    QTest::mouseMove(t, to);
    QTest::mouseRelease(t, Qt::LeftButton, {}, to);
    QVERIFY(std::abs(w->viewState().mapping.begin() - (begin + 100 * ns_per_px)) < 1e-6);
    QVERIFY2(!w->viewState().selected.has_value(), "a drag is not a click");
  }

  void aRightDragSelectsARangeAndShowsItsStatistics() {
    auto w = opened(good_);
    QVERIFY(w);
    TimelineView* t = w->timelineView();
    const auto& m = w->viewState().mapping;
    const QPoint from(static_cast<int>(Layout::kHeader + m.x(10000)), Layout::kRuler + 5);
    const QPoint to(static_cast<int>(Layout::kHeader + m.x(10500)), Layout::kRuler + 5);
    QTest::mousePress(t, Qt::RightButton, {}, from);
    QTest::mouseMove(t, to);
    QTest::mouseRelease(t, Qt::RightButton, {}, to);
    QVERIFY(w->viewState().range.has_value());
    QVERIFY(w->rangePane()->toPlainText().contains("copy out (D2H): 1, 1000 B"));
    QTest::keyClick(t, Qt::Key_Z);  // zoom to it
    QVERIFY(std::abs(w->viewState().mapping.begin() - w->viewState().range->first) < 1);
  }

  void searchFindsSelectsAndMovesOn() {
    auto w = opened(good_);
    QVERIFY(w);
    w->searchField()->setText("prefetch");
    QTest::keyClick(w->searchField(), Qt::Key_Return);
    QVERIFY(w->viewState().selected.has_value());
    const auto& lanes = w->loadedLog()->timeline.lanes;
    const Span& first = lanes[w->viewState().selected->lane].spans[w->viewState().selected->span];
    QCOMPARE(first.begin, std::uint64_t{10700});
    QTest::keyClick(w->searchField(), Qt::Key_Return);
    const Span& second = lanes[w->viewState().selected->lane].spans[w->viewState().selected->span];
    QCOMPARE(second.begin, std::uint64_t{20700});
  }

  void aTableRowHighlightsItsLayersEvents() {
    auto w = opened(good_);
    QVERIFY(w);
    w->tableView()->selectRow(0);
    QTRY_VERIFY_WITH_TIMEOUT(w->viewState().highlight != nullptr, 10000);
    for (const Lane& lane : w->viewState().highlight->lanes) {
      for (const Span& s : lane.spans) QCOMPARE(int(s.layer), 0);
    }
    QVERIFY(!w->viewState().highlight->lanes.empty());
  }

  void filteringByStepRebuildsTheTimeline() {
    auto w = opened(good_);
    QVERIFY(w);
    QComboBox* step = nullptr;
    for (QComboBox* c : w->findChildren<QComboBox*>()) {
      if (c->findText("3") >= 0 && c->count() == 4) step = c;  // "all", 1, 2, 3
    }
    QVERIFY(step);
    const auto before = w->loadedLog();
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    step->setCurrentIndex(2);
    emit step->activated(2);
    QVERIFY(shown.wait(10000));
    QVERIFY(w->loadedLog() != before);
    for (const Lane& lane : w->loadedLog()->timeline.lanes) {
      for (const Span& s : lane.spans) QCOMPARE(s.step, std::uint32_t{2});
    }
    // The memory curves and the summary do not depend on the filter: shared, not rebuilt.
    QCOMPARE(w->loadedLog()->memory, before->memory);
    QCOMPARE(w->loadedLog()->summary, before->summary);
    QCOMPARE(w->loadedLog()->trace, before->trace);
  }

  void exportsPngAndSvg() {
    auto w = opened(good_);
    QVERIFY(w);
    QString error;
    const QString png = dir_.filePath("view.png"), svg = dir_.filePath("view.svg");
    QVERIFY2(w->exportView(png, ViewKind::all, QSize(800, 500), &error), qPrintable(error));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(800, 500));
    QVERIFY(w->exportView(svg, ViewKind::memory, QSize(640, 300), &error));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("<svg"));
    QVERIFY(!w->exportView("/nonexistent-dir/x.png", ViewKind::timeline, QSize(400, 200), &error));
    QVERIFY(error.contains("cannot write /nonexistent-dir/x.png"));
  }

  void theMemoryViewStacksPerTagOnRequest() {
    auto w = opened(good_);
    QVERIFY(w);
    QAction* by_tag = nullptr;
    for (QAction* a : w->findChildren<QAction*>()) {
      if (a->text() == "Memory Stacked by &Tag") by_tag = a;
    }
    QVERIFY(by_tag);
    QCOMPARE(by_tag->shortcut(), QKeySequence("Ctrl+G"));
    const QImage per_layer = w->memoryView()->grab().toImage();
    by_tag->trigger();
    QVERIFY(w->viewState().memory_by_tag);
    // The legend names the tag, not its layers: the picture changes.
    const QImage per_tag = w->memoryView()->grab().toImage();
    QVERIFY(per_tag != per_layer);
    // A setting, not part of one log's view: opening a log keeps it.
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    w->open(good_);
    QVERIFY(shown.wait(10000));
    QVERIFY(w->viewState().memory_by_tag);
    QCOMPARE(w->memoryView()->grab().toImage(), per_tag);
    by_tag->trigger();
    QVERIFY(!w->viewState().memory_by_tag);
    QCOMPARE(w->memoryView()->grab().toImage(), per_layer);
  }

  void theTableModelIsAWellBehavedModel() {
    auto w = opened(good_);
    QVERIFY(w);
    TagTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(*w->loadedLog()->summary);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(1, TagTableModel::kLayer), Qt::DisplayRole).toString(), QString("all"));
    QCOMPARE(model.data(model.index(0, TagTableModel::kBytesOut), TagTableModel::SortRole).toDouble(), 3000.0);
  }

  void theMemoryViewPaintsWithoutALogAndWithOne() {
    MainWindow empty;
    empty.resize(800, 600);
    empty.show();
    QVERIFY(!empty.memoryView()->grab().isNull());
    auto w = opened(good_);
    QVERIFY(w);
    QVERIFY(!w->memoryView()->grab().isNull());
  }
};

QTEST_MAIN(ViewerWidgetTest)
#include "viewer_widget_test.moc"
