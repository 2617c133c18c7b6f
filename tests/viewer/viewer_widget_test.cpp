// tswap-viewer's widgets on the offscreen platform: open logs, zoom, pan,
// select, search, filter, highlight, export, the legend, layer colours and
// the forward/backward turn, the table's order and columns, and the errors
// and warnings a user sees.

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>

#include <fstream>

#include "capture_files.h"
#include "device_logs.h"
#include "hostile_logs.h"
#include "join_files.h"
#include "loader.h"
#include "log_builder.h"
#include "main_window.h"
#include "memory_legend.h"
#include "painters.h"
#include "tag_table_model.h"
#include "timeline_legend.h"
#include "two_tags_log.h"
#include "value_box.h"
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

/// Layers 0 and 1 back to back, as a block's layers run: [100, 200), [200, 300).
LogBuilder back_to_back() {
  const std::vector<tswap::trace::Record> main = {
      rec(EventKind::layer_enter, 100, 0), rec(EventKind::layer_exit, 200, 0),
      rec(EventKind::layer_enter, 200, 1), rec(EventKind::layer_exit, 300, 1)};
  LogBuilder b;
  b.standard_names().records(1, main).end(main.size());
  return b;
}

tswap::viewer::Rgb rgb(const QColor& c) {
  return {static_cast<std::uint8_t>(c.red()), static_cast<std::uint8_t>(c.green()),
          static_cast<std::uint8_t>(c.blue())};
}

/// The centre of span `index` of lane `lane` in the timeline's coordinates.
QPoint centre_of(const MainWindow& w, std::size_t lane, std::size_t index) {
  const Span& s = w.loadedLog()->timeline.lanes[lane].spans[index];
  const double mid = (static_cast<double>(s.begin) + static_cast<double>(s.end)) / 2;
  return QPoint(static_cast<int>(Layout::kHeader + w.viewState().mapping.x(mid)),
                Layout::kRuler + static_cast<int>(lane) * Layout::kRow + Layout::kRow / 2);
}

/// Where, in row `y` of `image`, pixels of `colour` (or of `other`, when
/// given) first and last appear within columns [from, to]: {-1, -1} if nowhere.
std::pair<int, int> run_of(const QImage& image, int y, int from, int to, const QColor& colour,
                           std::optional<QColor> other = std::nullopt) {
  int first = -1, last = -1;
  for (int x = std::max(0, from); x <= std::min(image.width() - 1, to); ++x) {
    const QColor c = image.pixelColor(x, y);
    if (c.rgb() == colour.rgb() || (other && c.rgb() == other->rgb())) {
      if (first < 0) first = x;
      last = x;
    }
  }
  return {first, last};
}

/// How many pixels of row `y` in columns [from, to] are `colour`.
int count_of(const QImage& image, int y, int from, int to, const QColor& colour) {
  int n = 0;
  for (int x = from; x <= to; ++x) n += image.pixelColor(x, y).rgb() == colour.rgb();
  return n;
}

}  // namespace

class ViewerWidgetTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString good_, torn_, text_, two_tags_, back_to_back_, device_, untimed_;

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

  /// join_files.h's log, and its capture (as `shape` says) written as `name`.
  QString joinLog() { return write(dir_, "join.tswap", tswap::nsys::testing::join_log().bytes()); }
  QString joinCapture(const QString& name, const tswap::nsys::testing::CaptureShape& shape = {}) {
    const QString path = dir_.filePath(name);
    tswap::nsys::testing::write_join_capture(path.toStdString(), shape);
    return path;
  }

  /// Attaches `capture` as File > Attach does (on the loader's thread);
  /// false if it was not shown in time.
  static bool attached(MainWindow& w, const QString& capture) {
    QSignalSpy shown(&w, &MainWindow::logShown);
    w.attach(capture);
    return shown.wait(10000) && QTest::qWaitFor([&] { return !w.loading(); }, 10000);
  }

  /// The index of the lane named `name`, or -1.
  static int laneNamed(const MainWindow& w, const std::string& name) {
    const auto& lanes = w.loadedLog()->timeline.lanes;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      if (lanes[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

  /// The status bar's text (MainWindow's status label).
  static QString statusText(MainWindow& w) {
    const QList<QLabel*> labels = w.statusBar()->findChildren<QLabel*>();
    return labels.isEmpty() ? QString() : labels.first()->text();
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    good_ = write(dir_, "good.tswap", schedule().bytes());
    LogBuilder torn = schedule(false);
    torn.bytes().resize(torn.bytes().size() - 20);
    torn_ = write(dir_, "torn.tswap", torn.bytes());
    text_ = write(dir_, "text.tswap", {'h', 'e', 'l', 'l', 'o'});
    two_tags_ = write(dir_, "two_tags.tswap", tswap_test::two_tags_log().bytes());
    back_to_back_ = write(dir_, "back_to_back.tswap", back_to_back().bytes());
    device_ = write(dir_, "device.tswap", tswap_test::device_log().bytes());
    untimed_ = write(dir_, "untimed.tswap", tswap_test::untimed_log().bytes());
  }

  // ---------------------------------------------------------------- device time (issue 11)

  void aDeviceTimedLogDrawsCopiesAndLayersWhenTheDeviceRanThem() {
    auto w = opened(device_);
    QVERIFY(w);
    const auto& lanes = w->loadedLog()->timeline.lanes;
    QCOMPARE(lanes.size(), std::size_t{6});
    QCOMPARE(QString::fromStdString(lanes[2].name), QString("layers model.layer.*"));
    QCOMPARE(QString::fromStdString(lanes[3].name), QString("layers model.layer.* (host)"));
    const_cast<ViewState&>(w->viewState()).mapping.show(900, 5000);
    const QImage image = w->timelineView()->grab().toImage();
    const auto& m = w->viewState().mapping;
    const Theme theme = Theme::of(true);
    auto x_of = [&](std::uint64_t ns) { return static_cast<int>(std::lround(Layout::kHeader + m.x(static_cast<double>(ns)))); };
    auto centre = [](int lane) { return Layout::kRuler + lane * Layout::kRow + Layout::kRow / 2; };
    auto layer_colour = [&](std::uint16_t layer) { return theme.layer(palette_of(*w->loadedLog()), 1, layer); };
    // A bar of `colour` (or `other`) from begin to end in `lane`, within two pixels.
    auto expect_bar = [&](int lane, const tswap_test::DeviceSpan& s, const QColor& colour,
                          std::optional<QColor> other, const char* what) {
      const int xb = x_of(s.begin), xe = x_of(s.end);
      const auto [first, last] = run_of(image, centre(lane), xb - 6, xe + 6, colour, other);
      const QString where = QString("%1 L%2 %3-%4 ns: pixels %5-%6, expected %7-%8")
                                .arg(what).arg(s.layer).arg(s.begin).arg(s.end).arg(first).arg(last).arg(xb).arg(xe);
      QVERIFY2(first >= 0 && std::abs(first - xb) <= 2 && std::abs(last - xe) <= 2, qPrintable(where));
    };
    // Copies on their stream's lanes, where the device ran them.
    for (const auto& s : tswap_test::kDeviceD2H) expect_bar(0, s, theme.kind(SpanKind::d2h), {}, "D2H");
    for (const auto& s : tswap_test::kDeviceH2D) expect_bar(1, s, theme.kind(SpanKind::prefetch), {}, "prefetch");
    // The device's forward spans, solid in the layer's colour.
    for (const auto& s : tswap_test::kDeviceForward) {
      expect_bar(2, s, layer_colour(s.layer), {}, "forward");
      QCOMPARE(count_of(image, centre(2), x_of(s.begin) + 2, x_of(s.end) - 2, theme.backward_fill(layer_colour(s.layer))), 0);
    }
    // Its backward spans, hatched: the layer's colour over its backward ground.
    for (const auto& s : tswap_test::kDeviceBackward) {
      const QColor colour = layer_colour(s.layer), ground = theme.backward_fill(colour);
      expect_bar(2, s, ground, colour, "backward");
      const int from = x_of(s.begin) + 2, to = x_of(s.end) - 2;
      QVERIFY2(count_of(image, centre(2), from, to, ground) > (to - from) / 4, "no backward ground");
      QVERIFY2(count_of(image, centre(2), from, to, colour) > (to - from) / 10, "no hatching");
    }
    // The host's launches: thin marks in the middle of the lane below.
    for (const auto& s : tswap_test::kHostForward) {
      expect_bar(3, s, layer_colour(s.layer), {}, "host launch");
      const QColor above = image.pixelColor((x_of(s.begin) + x_of(s.end)) / 2, centre(3) - Layout::kRow / 2 + 4);
      QVERIFY2(above.rgb() != layer_colour(s.layer).rgb(), "a launch mark is thin, not a full bar");
    }
    for (const auto& s : tswap_test::kHostBackward) {
      expect_bar(3, s, theme.backward_fill(layer_colour(s.layer)), layer_colour(s.layer), "host backward launch");
    }
    // The corner legend says which is which.
    QFont font;
    font.setPointSize(8);
    QStringList texts;
    for (const LegendEntry& e : timeline_legend(QFontMetrics(font), *w->loadedLog(), theme)) {
      texts << e.text;
      QVERIFY2(e.rect.right() < Layout::kHeader && e.rect.bottom() < Layout::kRuler, qPrintable(e.text));
    }
    QCOMPARE(texts, QStringList({"forward", "backward", "host launch"}));
    // A host-timed log's legend has no launches.
    auto simulated = opened(good_);
    QVERIFY(simulated);
    texts.clear();
    for (const LegendEntry& e : timeline_legend(QFontMetrics(font), *simulated->loadedLog(), theme)) texts << e.text;
    QCOMPARE(texts, QStringList({"forward", "backward"}));
    // A version 1 log has no backward spans to name.
    auto v1 = opened(TSWAP_TEST_DATA "/v1/transformer.tswap");
    QVERIFY(v1);
    texts.clear();
    for (const LegendEntry& e : timeline_legend(QFontMetrics(font), *v1->loadedLog(), theme)) texts << e.text;
    QCOMPARE(texts, QStringList({"forward"}));
  }

  void hoverSaysADeviceTimedCopyWasTimedByTheDevice() {
    auto w = opened(device_);
    QVERIFY(w);
    const_cast<ViewState&>(w->viewState()).mapping.show(900, 5000);
    QTest::mouseMove(w->timelineView(), centre_of(*w, 0, 0));
    QVERIFY(QToolTip::isVisible());
    QCOMPARE(QToolTip::text(), QString("copy out (D2H) model.layer.* L0 #0 step 1: 3.9 KiB in 400 ns (10.00 GB/s), device time"));
    QTest::mouseClick(w->timelineView(), Qt::LeftButton, {}, centre_of(*w, 0, 0));
    QVERIFY(w->detailsPane()->toPlainText().contains("timed by: the device (stream cuda:0 d2h (stream 1))"));
  }

  void anAttachedCapturesMemcpysAreDrawnWhereTheGpuRanThem() {
    // join_files.h: the capture's D2H memcpy runs 200-600 ns and its H2D
    // one 2100-2300 ns of the log's time, on lanes "nsys stream 14" / "15".
    const QString log_path = write(dir_, "join.tswap", tswap::nsys::testing::join_log().bytes());
    const QString capture = dir_.filePath("join.sqlite");
    tswap::nsys::testing::write_join_capture(capture.toStdString());
    auto w = opened(log_path);
    QVERIFY(w);
    std::shared_ptr<const LoadedLog> attached = Loader::attach_now(*w->loadedLog(), capture);
    w->show_log(attached, log_path);
    const auto& lanes = w->loadedLog()->timeline.lanes;
    int d2h = -1, h2d = -1;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      if (lanes[i].name == "nsys stream 14") d2h = static_cast<int>(i);
      if (lanes[i].name == "nsys stream 15") h2d = static_cast<int>(i);
    }
    QVERIFY2(d2h >= 0 && h2d >= 0, "no capture lanes for streams 14 and 15");
    const_cast<ViewState&>(w->viewState()).mapping.show(0, 3000);
    const QImage image = w->timelineView()->grab().toImage();
    const auto& m = w->viewState().mapping;
    auto x_of = [&](double ns) { return static_cast<int>(std::lround(Layout::kHeader + m.x(ns))); };
    auto y_of = [](int lane) { return Layout::kRuler + lane * Layout::kRow + Layout::kRow / 2; };
    // Painted inside the memcpy's extent, the lane's ground outside it.
    auto expect_memcpy = [&](int lane, double begin, double end, const char* what) {
      const int y = y_of(lane);
      // The lane's ground between the two memcpys, off the time grid's lines.
      const QColor ground = image.pixelColor(x_of(1250), y);
      const int inside = x_of(begin) + 3, inside_end = x_of(end) - 3;
      const int painted = (inside_end - inside + 1) - count_of(image, y, inside, inside_end, ground);
      QVERIFY2(painted > (inside_end - inside) * 3 / 4, what);
      QCOMPARE(count_of(image, y, x_of(end) + 3, x_of(end) + 30, ground), 28);
      QCOMPARE(count_of(image, y, x_of(begin) - 30, x_of(begin) - 3, ground), 28);
    };
    expect_memcpy(d2h, 200, 600, "D2H memcpy 200-600 ns not drawn");
    expect_memcpy(h2d, 2100, 2300, "H2D memcpy 2100-2300 ns not drawn");
  }

  void aFailedAttachSaysWhyInOneLineAndLeavesTheLogAsItWas() {
    const QString log_path = joinLog();
    tswap::nsys::testing::CaptureShape other_run;
    other_run.mark_payload = 999;  // the session mark of another run's clock
    const QString other = joinCapture("other_run.sqlite", other_run);
    const QString capture = joinCapture("join.sqlite");
    auto w = opened(log_path);
    QVERIFY(w);
    const std::shared_ptr<const LoadedLog> before = w->loadedLog();
    const std::size_t lanes = before->timeline.lanes.size();
    const std::uint64_t first = w->viewState().mapping.first(), last = w->viewState().mapping.last();
    // A .tswap log is not an SQLite file; the other capture's mark is not this log's.
    const std::pair<QString, QString> failures[] = {{log_path, "not an SQLite database"},
                                                    {other, "the capture is of another run"}};
    for (const auto& [path, why] : failures) {
      QSignalSpy failed(w.get(), &MainWindow::attachFailed);
      w->attach(path);
      QVERIFY(failed.wait(10000));
      QVERIFY(QTest::qWaitFor([&] { return !w->loading(); }, 10000));
      const QString message = failed.first().at(1).toString();
      QVERIFY2(message.startsWith(path), qPrintable(message));  // names the file
      QVERIFY2(message.contains(why), qPrintable(message));
      QVERIFY2(!message.contains('\n'), qPrintable(message));
      // A message box with that line, and the status bar says which file.
      QMessageBox* box = nullptr;
      for (QMessageBox* b : w->findChildren<QMessageBox*>()) {
        if (b->isVisible()) box = b;
      }
      QVERIFY(box);
      QCOMPARE(box->windowTitle(), QString("Cannot attach capture"));
      QCOMPARE(box->text(), message);
      QCOMPARE(statusText(*w), QString("Could not attach %1").arg(QFileInfo(path).fileName()));
      // Nothing attached: the same log, lanes and time extent.
      QCOMPARE(w->loadedLog(), before);
      QVERIFY(!w->loadedLog()->attachment);
      QCOMPARE(w->loadedLog()->timeline.lanes.size(), lanes);
      QCOMPARE(w->viewState().mapping.first(), first);
      QCOMPARE(w->viewState().mapping.last(), last);
      box->accept();
    }
    // Still usable: a click selects, and the capture of this run attaches.
    const_cast<ViewState&>(w->viewState()).mapping.show(0, 3000);
    QTest::mouseClick(w->timelineView(), Qt::LeftButton, {}, centre_of(*w, 0, 0));
    QVERIFY(w->viewState().selected.has_value());
    QVERIFY(attached(*w, capture));
    QVERIFY(w->loadedLog()->attachment);
    QCOMPARE(w->loadedLog()->timeline.lanes.size(), lanes + 3);  // nsys streams 7, 14 and 15
    QVERIFY(laneNamed(*w, "nsys stream 14") >= 0);
    QVERIFY(statusText(*w).startsWith("join.tswap: "));
  }

  void clickingAMatchedCopyOutlinesItsMemcpy() {
    // join_files.h: the log queues a D2H copy at 100 ns; the GPU ran it at
    // 200-600 ns on "nsys stream 14".
    const QString log_path = joinLog();
    auto w = opened(log_path);
    QVERIFY(w);
    QVERIFY(attached(*w, joinCapture("join.sqlite")));
    const int gpu_lane = laneNamed(*w, "nsys stream 14");
    QVERIFY(gpu_lane >= 0);
    std::optional<SpanRef> copy;
    const auto& lanes = w->loadedLog()->timeline.lanes;
    for (std::size_t l = 0; l < lanes.size() && !copy; ++l) {
      if (lanes[l].type == Lane::Type::capture) continue;
      for (std::size_t i = 0; i < lanes[l].spans.size(); ++i) {
        if (lanes[l].spans[i].begin == 100) copy = SpanRef{l, i};
      }
    }
    QVERIFY2(copy, "no logged copy at 100 ns");
    const_cast<ViewState&>(w->viewState()).mapping.show(0, 3000);
    const auto& m = w->viewState().mapping;
    const Theme theme = Theme::of(true);
    // The outline's top edge runs along the lane's top, over the memcpy's middle.
    const int x = static_cast<int>(std::lround(Layout::kHeader + m.x(400)));
    const int top = Layout::kRuler + gpu_lane * Layout::kRow;
    auto outlined = [&] {
      const QImage image = w->timelineView()->grab().toImage();
      int accent = 0;
      for (int y = top; y < top + 3; ++y) accent += image.pixelColor(x, y).rgb() == theme.accent.rgb();
      return accent > 0;
    };
    QVERIFY2(!outlined(), "the memcpy is outlined before anything is selected");

    QTest::mouseClick(w->timelineView(), Qt::LeftButton, {}, centre_of(*w, copy->lane, copy->span));
    QVERIFY(w->viewState().selected.has_value());
    QCOMPARE(w->viewState().selected->lane, copy->lane);
    QCOMPARE(w->viewState().selected->span, copy->span);
    QVERIFY2(w->viewState().linked.has_value(), "the click did not link the copy's memcpy");
    QCOMPARE(w->viewState().linked->lane, static_cast<std::size_t>(gpu_lane));
    const Span& gpu = lanes[w->viewState().linked->lane].spans[w->viewState().linked->span];
    QCOMPARE(gpu.begin, std::uint64_t{200});
    QCOMPARE(gpu.end, std::uint64_t{600});
    const QString details = w->detailsPane()->toPlainText();
    QVERIFY2(details.contains("DtoH memcpy 4.0 KiB on nsys stream 14: 400 ns (10.24 GB/s)"), qPrintable(details));
    QVERIFY2(details.contains("GPU 400 ns"), qPrintable(details));
    QVERIFY2(outlined(), "the selected copy's memcpy is not outlined");

    // A click on nothing lets both go.
    QTest::mouseClick(w->timelineView(), Qt::LeftButton, {},
                      QPoint(static_cast<int>(Layout::kHeader + m.x(1250)), top + Layout::kRow / 2));
    QVERIFY(!w->viewState().selected.has_value());
    QVERIFY(!w->viewState().linked.has_value());
    QVERIFY(!outlined());
  }

  void aCapturesOtherMemcpysHaveAColourOfTheirOwn() {
    // A DtoD memcpy at the log's 1000-1500 ns on stream 16, beside
    // join_files.h's kernels (0-400 ns on stream 7) and copies.
    const QString capture = joinCapture("dtod.sqlite");
    tswap_test::add_memcpy(capture.toStdString(), 6000, 6500, 8192, tswap_test::kCopyDtoD, 16);
    auto w = opened(joinLog());
    QVERIFY(w);
    QVERIFY(attached(*w, capture));
    const int dtod = laneNamed(*w, "nsys stream 16"), kernels = laneNamed(*w, "nsys stream 7");
    QVERIFY(dtod >= 0 && kernels >= 0);
    const_cast<ViewState&>(w->viewState()).mapping.show(0, 3000);
    const QImage image = w->timelineView()->grab().toImage();
    const auto& m = w->viewState().mapping;
    auto at = [&](double ns, int lane) {
      return image.pixelColor(static_cast<int>(std::lround(Layout::kHeader + m.x(ns))),
                              Layout::kRuler + lane * Layout::kRow + Layout::kRow / 2);
    };
    const Theme theme = Theme::of(true);
    // Lighter than its kind's colour, as the capture's copies are drawn.
    QCOMPARE(at(1250, dtod).rgb(), theme.kind(SpanKind::other_copy).lighter(125).rgb());
    QCOMPARE(at(200, kernels).rgb(), theme.kind(SpanKind::kernel).rgb());
    QVERIFY2(colour_difference(rgb(at(1250, dtod)), rgb(at(200, kernels))) > 20, "DtoD drawn like a kernel");
    // Its own colour in both themes: far from every other kind's.
    for (const bool dark : {true, false}) {
      const Theme t = Theme::of(dark);
      for (int k = 0; k < kSpanKinds; ++k) {
        const auto kind = static_cast<SpanKind>(k);
        if (kind == SpanKind::other_copy) continue;
        QVERIFY2(colour_difference(rgb(t.kind(SpanKind::other_copy)), rgb(t.kind(kind))) > 20, to_string(kind));
      }
    }
    // Hovering it names the kind.
    QTest::mouseMove(w->timelineView(), QPoint(static_cast<int>(Layout::kHeader + m.x(1250)),
                                               Layout::kRuler + dtod * Layout::kRow + Layout::kRow / 2));
    QVERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().startsWith("DtoD memcpy 8.0 KiB on nsys stream 16: 500 ns"), qPrintable(QToolTip::text()));
  }

  void aSecondAttachReplacesTheFirstsLanesAndTimeExtent() {
    // The first capture reaches far past the log: a memcpy at the log's
    // 100000-100500 ns on stream 16; the second is join_files.h's own.
    const QString far = joinCapture("far.sqlite");
    tswap_test::add_memcpy(far.toStdString(), 105000, 105500, 8192, tswap_test::kCopyDtoD, 16);
    const QString plain = joinCapture("plain.sqlite");
    auto w = opened(joinLog());
    QVERIFY(w);
    // What attaching the second alone gives.
    const std::shared_ptr<const LoadedLog> alone = Loader::attach_now(*w->loadedLog(), plain);
    const std::size_t lanes = alone->timeline.lanes.size();
    QVERIFY(alone->timeline.last < 100000);

    QVERIFY(attached(*w, far));
    QCOMPARE(w->loadedLog()->timeline.lanes.size(), lanes + 1);
    QCOMPARE(w->loadedLog()->timeline.last, std::uint64_t{100500});
    QCOMPARE(w->viewState().mapping.last(), std::uint64_t{100500});
    for (int round = 0; round < 2; ++round) {  // the second capture, then again (re-attached)
      QVERIFY(attached(*w, plain));
      const Timeline& t = w->loadedLog()->timeline;
      QCOMPARE(t.lanes.size(), lanes);
      QCOMPARE(laneNamed(*w, "nsys stream 16"), -1);
      QVERIFY(laneNamed(*w, "nsys stream 14") >= 0);
      QCOMPARE(t.first, alone->timeline.first);
      QCOMPARE(t.last, alone->timeline.last);
      // The view's bounds too: fitting shows the second capture's extent, not the first's.
      QCOMPARE(w->viewState().mapping.first(), alone->timeline.first);
      QCOMPARE(w->viewState().mapping.last(), alone->timeline.last);
      QVERIFY(w->viewState().mapping.end() < 100000);
      QVERIFY(statusText(*w).endsWith(QString("%1 lanes").arg(lanes)));
    }
  }

  void anUntimedDeviceSaysSoOnItsCopyLanes() {
    auto w = opened(untimed_);
    QVERIFY(w);
    QVERIFY(w->loadedLog()->timeline.copies_untimed);
    QString error;
    const QString svg = dir_.filePath("untimed.svg");
    QVERIFY2(w->exportView(svg, ViewKind::timeline, QSize(1400, 300), &error), qPrintable(error));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QCOMPARE(text.count(">copies not timed on this device</text>"), 2);  // on both copy lanes
    // Its layers still show, forward and backward, from the host's times.
    QVERIFY(text.contains(">layers model.layer.*</text>"));
    // A log whose copies were timed says nothing of the kind.
    auto timed = opened(device_);
    QVERIFY(timed);
    const QString timed_svg = dir_.filePath("timed.svg");
    QVERIFY(timed->exportView(timed_svg, ViewKind::timeline, QSize(1400, 300), &error));
    QFile timed_file(timed_svg);
    QVERIFY(timed_file.open(QIODevice::ReadOnly));
    QVERIFY(!timed_file.readAll().contains("not timed"));
  }

  void theMemoryViewDrawsTheAllocatorsCurvesWithTheirPeaks() {
    auto w = opened(device_);
    QVERIFY(w);
    QFont font;
    font.setPointSize(8);
    QStringList texts;
    for (const LegendEntry& e : memory_legend(QFontMetrics(font), 1600, Layout::kRuler + 5, *w->loadedLog(),
                                              w->viewState(), Theme::of(true)).entries) {
      texts << e.text;
    }
    QCOMPARE(texts, QStringList({"model.layer.*", "L0", "L1", "L2", "total", "without swapping",
                                 "allocated (device)", "reserved (device)"}));
    QString error;
    const QString svg = dir_.filePath("allocator.svg");
    QVERIFY2(w->exportView(svg, ViewKind::memory, QSize(1400, 420), &error), qPrintable(error));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY2(text.contains(">allocated (device), peak 19.5 KiB at 3.4 us</text>"), "allocated peak");
    QVERIFY2(text.contains(">reserved (device), peak 24.0 KiB at 3.4 us</text>"), "reserved peak");
    QVERIFY2(text.contains(">peak 7.8 KiB at 1.6 us</text>"), "the engine's peak stays");
    // The allocator's curves in their colours, at their peaks' heights.
    const QImage image = w->memoryView()->grab().toImage();
    const Theme theme = Theme::of(true);
    bool allocated = false, reserved = false;
    for (int y = 0; y < image.height(); ++y) {
      for (int x = Layout::kHeader; x < image.width(); ++x) {
        const QRgb c = image.pixel(x, y);
        allocated = allocated || c == theme.allocated.rgb();
        reserved = reserved || c == theme.reserved.rgb();
      }
    }
    QVERIFY(allocated);
    QVERIFY(reserved);
    // A log without samples has neither.
    auto simulated = opened(good_);
    QVERIFY(simulated);
    texts.clear();
    for (const LegendEntry& e : memory_legend(QFontMetrics(font), 1600, Layout::kRuler + 5, *simulated->loadedLog(),
                                              simulated->viewState(), Theme::of(true)).entries) {
      texts << e.text;
    }
    QVERIFY(!texts.contains("allocated (device)"));
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
    // The banner names the file and where it was cut; the status bar says so too.
    const std::uint64_t cut = w->loadedLog()->trace->completeness().bytes_read;
    bool said = false, status = false;
    for (QLabel* label : w->findChildren<QLabel*>()) {
      said = said || (label->isVisible() && label->text().contains("torn.tswap is incomplete") &&
                      label->text().contains(QString("readable up to byte %1").arg(cut)));
      status = status || label->text().startsWith("torn.tswap (incomplete):");
    }
    QVERIFY(said);
    QVERIFY(status);
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

  void theTimelineIsShownFirstAndCompletedInPlace() {
    // Note [First frame]: the log comes with its timeline alone, then gets
    // the rest put into it (the timeline is not copied).
    auto trace = std::make_shared<const tswap::trace::Trace>(tswap::trace::Trace::load(two_tags_.toStdString()));
    std::shared_ptr<const LoadedLog> first;
    bool complete_at_first = true;
    const auto whole = Loader::build_now(trace, [&](std::shared_ptr<const LoadedLog> log) {
      complete_at_first = log->complete();
      first = std::move(log);
    });
    QVERIFY(first);
    QVERIFY(!complete_at_first);
    QVERIFY(!first->timeline.lanes.empty());
    QCOMPARE(whole.get(), first.get());
    QVERIFY(whole->complete());
    const auto at_once = Loader::build_now(trace);
    QCOMPARE(whole->timeline.lanes.size(), at_once->timeline.lanes.size());
    for (std::size_t i = 0; i < at_once->timeline.lanes.size(); ++i) {
      QCOMPARE(whole->timeline.lanes[i].name, at_once->timeline.lanes[i].name);
      QCOMPARE(whole->timeline.lanes[i].spans.size(), at_once->timeline.lanes[i].spans.size());
    }
    QCOMPARE(whole->memory->labels, at_once->memory->labels);
    QCOMPARE(whole->summary->layers.size(), at_once->summary->layers.size());
  }

  void aLogOpenedIsShownWholeWhenItSaysSo() {
    // logShown comes once the curves and the table are there; the memory
    // view of a log without them says they are being built.
    auto w = opened(two_tags_);
    QVERIFY(w);
    QVERIFY(w->loadedLog()->complete());
    QVERIFY(w->tableView()->model()->rowCount() > 0);
    LoadedLog partial = *w->loadedLog();
    partial.memory.reset();
    QImage image(600, 300, QImage::Format_ARGB32);
    QPainter p(&image);
    paint_memory(p, image.size(), partial, w->viewState(), Theme::of(true));  // no curves: no crash
  }

  void filteringByStepRebuildsTheTimeline() {
    auto w = opened(good_);
    QVERIFY(w);
    auto* step = w->findChild<ValueBox*>("step_filter");
    QVERIFY(step);
    QCOMPARE(step->values(), (std::vector<std::uint32_t>{1, 2, 3}));
    QCOMPARE(step->text(), QString("all"));
    const auto before = w->loadedLog();
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    step->stepBy(2);  // all -> 1 -> 2
    QCOMPARE(step->value(), std::optional<std::uint32_t>(2));
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

  void theStepFilterOffersTheStepsThatOccur() {
    // Issue 10: a combo item per step up to the largest took 33 s and 6 GB
    // from step 20,000,000, and never finished at 2^32 - 1.
    const QString path = write(dir_, "step_max.tswap", tswap_test::steps_log(4294967293u, 3).bytes());
    auto w = opened(path);
    QVERIFY(w);
    auto* step = w->findChild<ValueBox*>("step_filter");
    auto* layer = w->findChild<ValueBox*>("layer_filter");
    QVERIFY(step && layer);
    QCOMPARE(step->values(), (std::vector<std::uint32_t>{4294967293u, 4294967294u, 4294967295u}));
    QCOMPARE(layer->values(), (std::vector<std::uint32_t>{0, 1, 2}));
    // Typing a step picks it; the arrows go to the next one that occurs.
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    step->findChild<QLineEdit*>()->setText("4294967295");
    QTest::keyClick(step, Qt::Key_Return);
    QCOMPARE(step->value(), std::optional<std::uint32_t>(4294967295u));
    QVERIFY(shown.wait(10000));
    for (const Lane& lane : w->loadedLog()->timeline.lanes) {
      for (const Span& s : lane.spans) QCOMPARE(s.step, 4294967295u);
    }
    QCOMPARE(step->value(), std::optional<std::uint32_t>(4294967295u));  // kept across the rebuild
    step->stepBy(-1);
    QCOMPARE(step->value(), std::optional<std::uint32_t>(4294967294u));
    QVERIFY(shown.wait(10000));
    step->stepBy(-10);
    QCOMPARE(step->text(), QString("all"));
  }

  void manyTagsKeepTheLegendTheStackAndTheTableBounded() {
    // 4,096 tags of 16 layers: the legend names what fits in four rows, the
    // stack draws kMostAreas areas and one band for the rest.
    const QString path = write(dir_, "many_tags.tswap", tswap_test::many_tags_log(4096, 16).bytes());
    auto w = opened(path);
    QVERIFY(w);
    QCOMPARE(w->tableView()->model()->rowCount(), 4096 * 17);
    QFont font;
    font.setPointSize(8);
    const Legend legend = memory_legend(QFontMetrics(font), 1600, 0, *w->loadedLog(), w->viewState(), Theme::of(true));
    QVERIFY2(legend.rows <= 6, qPrintable(QString::number(legend.rows)));
    QStringList texts;
    for (const LegendEntry& e : legend.entries) texts << e.text;
    QVERIFY2(texts.filter(QRegularExpression("^[.][.][.] and [0-9]+ more$")).size() == 1, qPrintable(texts.join(",")));
    QVERIFY(texts.contains(QString("the other %1 layers").arg(4096 * 16 - kMostAreas)));
    QVERIFY(texts.contains("total"));
    QVERIFY(texts.contains("without swapping"));
    QVERIFY(!w->memoryView()->grab().isNull());
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
    model.setSummary(*w->loadedLog()->summary, *w->loadedLog()->memory);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(1, TagTableModel::kLayer), Qt::DisplayRole).toString(), QString("all"));
    QCOMPARE(model.data(model.index(0, TagTableModel::kBytesOut), TagTableModel::SortRole).toDouble(), 3000.0);
  }

  void theTableOpensInTheSummarysOrder() {
    // tswap-log summary: by tag name, each tag's layers, then its total.
    auto w = opened(two_tags_);
    QVERIFY(w);
    QTableView* t = w->tableView();
    QCOMPARE(t->horizontalHeader()->sortIndicatorSection(), int(TagTableModel::kTag));
    QCOMPARE(t->horizontalHeader()->sortIndicatorOrder(), Qt::AscendingOrder);
    auto cell = [&](int row, int column) { return t->model()->index(row, column).data().toString(); };
    QCOMPARE(t->model()->rowCount(), 12);  // layers 0-4 and the total of each tag
    QStringList order;
    for (int row = 0; row < 12; ++row) order << cell(row, TagTableModel::kTag) + " " + cell(row, TagTableModel::kLayer);
    QCOMPARE(order, QStringList({"model.layer.* 0", "model.layer.* 1", "model.layer.* 2", "model.layer.* 3",
                                 "model.layer.* 4", "model.layer.* all", "model.layer.*.mlp 0",
                                 "model.layer.*.mlp 1", "model.layer.*.mlp 2", "model.layer.*.mlp 3",
                                 "model.layer.*.mlp 4", "model.layer.*.mlp all"}));
  }

  void theTableSaysWhatEachLayerSavedAndWhatItCost() {
    // two_tags_log(): model.layer.* L0 frees 300000 bytes a step for two
    // steps, holds at most 300000, and stalls 1500 ns a step.
    auto w = opened(two_tags_);
    QVERIFY(w);
    const QAbstractItemModel* m = w->tableView()->model();
    auto number = [&](int row, int column) { return m->index(row, column).data(TagTableModel::SortRole).toDouble(); };
    QCOMPARE(number(0, TagTableModel::kSaved), 600000.0);
    QCOMPARE(number(0, TagTableModel::kPeak), 300000.0);
    QCOMPARE(number(0, TagTableModel::kStallTime), 3000.0);
    QCOMPARE(number(0, TagTableModel::kStallPerSaved), 3000.0 / (600000.0 / (1 << 20)));
    QCOMPARE(m->index(0, TagTableModel::kStallPerSaved).data().toString(), QString("5.2 us/MiB"));
    QCOMPARE(m->index(1, TagTableModel::kStallPerSaved).data().toString(), QString("0 ns/MiB"));
    QCOMPARE(m->headerData(TagTableModel::kSaved, Qt::Horizontal).toString(), QString("Saved"));
    // The tag's row: the sums, and the tag's own peak.
    QCOMPARE(number(5, TagTableModel::kSaved), 5 * 600000.0);
    QCOMPARE(number(5, TagTableModel::kPeak), 300000.0);
  }

  void theMemoryLegendNamesEveryLayerAt1600Pixels() {
    auto w = opened(two_tags_);
    QVERIFY(w);
    QImage image(1600, 420, QImage::Format_ARGB32);
    QPainter p(&image);
    p.setFont(QFont(p.font().family(), 8));  // the memory view's
    const Theme theme = Theme::of(true);
    const Legend legend = memory_legend(QFontMetrics(p.font()), 1600, Layout::kRuler + 5,
                                        *w->loadedLog(), w->viewState(), theme);
    QStringList texts;
    std::vector<QColor> swatches;
    for (const LegendEntry& e : legend.entries) {
      texts << e.text;
      if (e.mark == LegendEntry::Mark::swatch) swatches.push_back(e.colour);
      QVERIFY2(e.rect.left() >= Layout::kHeader && e.rect.right() < 1600, qPrintable(e.text));
      for (const LegendEntry& other : legend.entries) {
        QVERIFY2(&other == &e || !other.rect.intersects(e.rect), qPrintable(e.text + " / " + other.text));
      }
    }
    QCOMPARE(texts, QStringList({"model.layer.*", "L0", "L1", "L2", "L3", "L4", "L5", "model.layer.*.mlp",
                                 "L0", "L1", "L2", "L3", "L4", "L5", "total", "without swapping"}));
    // Twelve layers, twelve colours, none alike (Note [Layer colours]).
    QCOMPARE(swatches.size(), std::size_t{12});
    for (std::size_t i = 0; i < swatches.size(); ++i) {
      for (std::size_t j = i + 1; j < swatches.size(); ++j) {
        QVERIFY2(colour_difference(rgb(swatches[i]), rgb(swatches[j])) > 15,
                 qPrintable(QString("layers %1 and %2 look alike").arg(i).arg(j)));
      }
    }
    // Narrower, the legend wraps instead of dropping layers; the plot moves down.
    const Legend narrow = memory_legend(QFontMetrics(p.font()), 700, Layout::kRuler + 5,
                                        *w->loadedLog(), w->viewState(), theme);
    QCOMPARE(narrow.entries.size(), legend.entries.size());
    QVERIFY(narrow.rows > legend.rows);
    QVERIFY(narrow.bottom > legend.bottom);
  }

  void adjacentLayerBarsAreSeparatedAndColouredApart() {
    auto w = opened(back_to_back_);
    QVERIFY(w);
    const_cast<ViewState&>(w->viewState()).mapping.show(50, 350);
    const QImage image = w->timelineView()->grab().toImage();
    const auto& m = w->viewState().mapping;
    const int y = Layout::kRuler + Layout::kRow / 2;  // the only lane: layers model.layer.*
    const int boundary = static_cast<int>(std::lround(Layout::kHeader + m.x(200)));
    const QColor left = image.pixelColor(boundary - 10, y), right = image.pixelColor(boundary + 10, y);
    QVERIFY2(colour_difference(rgb(left), rgb(right)) > 15, "layer 0 and layer 1 bars look alike");
    // A line of background between them.
    bool separated = false;
    for (int x = boundary - 1; x <= boundary + 1; ++x) {
      separated = separated || image.pixelColor(x, y) == Theme::of(true).background;
    }
    QVERIFY2(separated, "no separator where layer 1 begins");
  }

  void bothTimeViewsMarkWhereBackwardBegins() {
    auto w = opened(good_);
    QVERIFY(w);
    const auto& turns = w->loadedLog()->timeline.turns;
    QCOMPARE(turns.size(), std::size_t{3});  // one per step
    QCOMPARE(turns[0].ns, std::uint64_t{10610});  // the prefetch queued after layer 1's exit at 10500
    const_cast<ViewState&>(w->viewState()).mapping.show(10000, 11000);
    const QColor turn = Theme::of(true).turn;
    const int x = static_cast<int>(std::lround(Layout::kHeader + w->viewState().mapping.x(10610)));
    auto marked = [&](const QImage& image, int y) {
      for (int dx = -1; dx <= 1; ++dx) {
        if (colour_difference(rgb(image.pixelColor(x + dx, y)), rgb(turn)) < 10) return true;
      }
      return false;
    };
    // Lane 2 (layers) is empty there; the memory plot is empty half way down.
    QVERIFY2(marked(w->timelineView()->grab().toImage(), Layout::kRuler + 2 * Layout::kRow + 2), "timeline");
    QVERIFY2(marked(w->memoryView()->grab().toImage(), w->memoryView()->height() / 2), "memory view");
  }

  void theAllViewPaintsTimelineOverMemoryOverTable() {
    auto w = opened(two_tags_);
    QVERIFY(w);
    const QString svg = dir_.filePath("all.svg");
    QString error;
    QVERIFY2(w->exportView(svg, ViewKind::all, QSize(1600, 900), &error), qPrintable(error));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    // Painted top to bottom, so in this order in the file.
    const qsizetype timeline = text.indexOf(">layers model.layer.*.mlp</text>");
    const qsizetype memory = text.indexOf(">without swapping</text>");
    const qsizetype table = text.indexOf(">Bytes out</text>");
    QVERIFY2(timeline >= 0 && memory > timeline, "timeline, then memory");
    QVERIFY2(table > memory, "then the table");
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
