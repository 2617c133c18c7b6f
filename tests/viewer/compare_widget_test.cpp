// File > Compare with... on Qt's offscreen platform: a second log drawn on
// the first's time axis, aligned at each step's start (Note [Step
// alignment], gui/model/comparison.h), its curve at its pixels, the legend
// naming it, the table's deltas beside their figures; a log that cannot be
// read leaves the first as it was.

#include <QAction>
#include <QFileInfo>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include "compare_logs.h"
#include "main_window.h"
#include "memory_legend.h"
#include "painters.h"
#include "tag_table_model.h"
#include "value_box.h"
#include "views.h"

using namespace tswap::viewer;

namespace {

QString write(const QTemporaryDir& dir, const QString& name, const std::vector<std::uint8_t>& bytes) {
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString(), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace

class CompareWidgetTest : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  // compare_logs.h: A's steps at 10, 20, 30 us holding 1000 B; B's at 4, 16
  // and 31 us (its first two steps longer than A's) holding 2000 B.
  QString a_, b_, text_;

  std::unique_ptr<MainWindow> opened(const QString& path) {
    auto w = std::make_unique<MainWindow>();
    w->resize(1400, 900);
    w->show();
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    w->open(path);
    if (!shown.wait(10000)) return nullptr;
    return w;
  }

  /// Compares `w`'s log with `path` as File > Compare with... does (on the
  /// loader's thread); false if it was not shown in time.
  static bool compared(MainWindow& w, const QString& path) {
    QSignalSpy shown(&w, &MainWindow::logShown);
    w.compare(path);
    return shown.wait(10000) && QTest::qWaitFor([&] { return !w.loading(); }, 10000);
  }

  static QString statusText(MainWindow& w) {
    const QList<QLabel*> labels = w.statusBar()->findChildren<QLabel*>();
    return labels.isEmpty() ? QString() : labels.first()->text();
  }

  static QAction* action(MainWindow& w, const QString& text) {
    for (QAction* a : w.findChildren<QAction*>()) {
      if (a->text() == text) return a;
    }
    return nullptr;
  }

  static QStringList legendTexts(const MainWindow& w) {
    QFont font;
    font.setPointSize(8);
    QStringList texts;
    for (const LegendEntry& e : memory_legend(QFontMetrics(font), 1400, Layout::kRuler + 5, *w.loadedLog(),
                                              w.viewState(), Theme::of(true)).entries) {
      texts << e.text;
    }
    return texts;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    a_ = write(dir_, "a.tswap", tswap_test::stepped_log({{1, 10000}, {2, 20000}, {3, 30000}}, 1000).bytes());
    b_ = write(dir_, "b.tswap", tswap_test::stepped_log({{1, 4000}, {2, 16000}, {3, 31000}}, 2000).bytes());
    text_ = write(dir_, "text.tswap", {'h', 'e', 'l', 'l', 'o'});
  }

  void compareWithDrawsTheSecondLogOnTheFirstsAxis() {
    auto w = opened(a_);
    QVERIFY(w);
    QVERIFY(action(*w, "&Compare with..."));
    QAction* close = action(*w, "C&lose Comparison");
    QVERIFY(close && !close->isEnabled());
    const std::shared_ptr<const LoadedLog> before = w->loadedLog();
    QVERIFY(compared(*w, b_));
    const ComparedLog* b = w->loadedLog()->compared.get();
    QVERIFY(b);
    QCOMPARE(QString::fromStdString(b->name), QString("b.tswap"));
    QCOMPARE(w->loadedLog()->trace, before->trace);  // the same log, not reloaded
    QCOMPARE(b->alignment.steps_aligned(), std::size_t{3});
    QCOMPARE(b->total.at(20020), std::optional<std::int64_t>(2000));  // B's step 2 from A's
    // The axis fits B's curves too: from its step 1's 6 us to its step 2's end at 35 us.
    QCOMPARE(w->viewState().mapping.first(), std::uint64_t{6000});
    QCOMPARE(w->viewState().mapping.last(), std::uint64_t{35000});
    QVERIFY2(statusText(*w).endsWith("; compared with b.tswap (3 steps aligned)"), qPrintable(statusText(*w)));
    QVERIFY(close->isEnabled());
    const QStringList legend = legendTexts(*w);
    QVERIFY2(legend.contains("B: b.tswap (steps aligned)") && legend.contains("B without swapping"),
             qPrintable(legend.join(",")));
    QVERIFY(!legend.contains("B allocated (device)"));  // B has no allocator samples
    // The table's deltas, each shown beside the figure it changes.
    QTableView* table = w->tableView();
    QCOMPARE(table->model()->columnCount(), int(TagTableModel::kColumns));
    QHeaderView* header = table->horizontalHeader();
    using M = TagTableModel;
    for (const auto& [delta, figure] : {std::pair{M::kDeltaBytesOut, M::kBytesOut}, {M::kDeltaWaited, M::kStallTime},
                                        {M::kDeltaCaused, M::kCausedTime}, {M::kDeltaPeak, M::kPeak}}) {
      QCOMPARE(header->visualIndex(delta), header->visualIndex(figure) + 1);
    }
    const int total_row = 1;  // layer 0, then the tag's total
    QCOMPARE(table->model()->index(total_row, M::kDeltaBytesOut).data().toString(), QString("+2.9 KiB"));
    QCOMPARE(table->model()->index(total_row, M::kDeltaPeak).data().toString(), QString("+1000 B"));
    // A rebuild with a filter keeps the comparison.
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    auto* step = w->findChild<ValueBox*>("step_filter");
    QVERIFY(step);
    step->stepBy(1);
    QVERIFY(shown.wait(10000));
    QCOMPARE(w->loadedLog()->compared.get(), b);
    // Closing it takes the curves and the deltas away.
    QVERIFY(QTest::qWaitFor([&] { return !w->loading(); }, 10000));
    close->trigger();
    QVERIFY(!w->loadedLog()->compared);
    QCOMPARE(table->model()->columnCount(), int(M::kFirstDelta));
    QVERIFY(!legendTexts(*w).contains("B without swapping"));
    QVERIFY(!close->isEnabled());
  }

  void theMemoryViewDrawsBsCurveWhereItsStepsAlign() {
    auto w = opened(a_);
    QVERIFY(w);
    QVERIFY(compared(*w, b_));
    // A's steps 2 and 3 (the peaks' labels, at step 1, are off to the
    // left). B holds 2000 B from 20 to 400 ns into each of its steps, A 1000 B.
    const_cast<ViewState&>(w->viewState()).mapping.show(14000, 34000);
    const QImage image = w->memoryView()->grab().toImage();
    const Theme theme = Theme::of(true);
    const auto& m = w->viewState().mapping;
    auto x_of = [&](double ns) { return static_cast<int>(std::lround(Layout::kHeader + m.x(ns))); };
    // The plot: under the legend, to 6 px above the bottom (paint_memory).
    QFont font;
    font.setPointSize(8);
    const int top = memory_legend(QFontMetrics(font), image.width(), Layout::kRuler + 5, *w->loadedLog(),
                                  w->viewState(), theme).bottom + 4;
    const int bottom = image.height() - 6;  // the plot's zero
    // The rows of column x in `colour`, top to bottom.
    auto rows_of = [&](int x, const QColor& colour) {
      std::vector<int> rows;
      for (int y = top; y <= bottom + 1; ++y) {
        if (image.pixelColor(x, y).rgb() == colour.rgb()) rows.push_back(y);
      }
      return rows;
    };
    for (const double a_ns : {20200.0, 30200.0}) {  // 200 ns into A's steps 2 and 3
      const int x = x_of(a_ns);
      const std::vector<int> a_line = rows_of(x, theme.text), b_line = rows_of(x, theme.compared);
      QVERIFY2(!a_line.empty(), qPrintable(QString("no total at %1 ns").arg(a_ns)));
      QVERIFY2(!b_line.empty(), qPrintable(QString("no B curve at %1 ns").arg(a_ns)));
      // B's 2000 B twice as high above zero as A's 1000 B, within a pixel or two.
      const double a_height = bottom - a_line.front(), b_height = bottom - b_line.front();
      QVERIFY2(std::abs(b_height - 2 * a_height) <= 3,
               qPrintable(QString("at %1 ns: A %2 px, B %3 px").arg(a_ns).arg(a_height).arg(b_height)));
    }
    // Where B's own clock would have put its step 2 (16.2 us), B is between
    // saves (its step 1, 12.2 us in): at zero, nothing at 2000 B.
    const int x = x_of(16200);
    const std::vector<int> b_line = rows_of(x, theme.compared);
    QVERIFY(!b_line.empty());
    QVERIFY2(bottom - b_line.front() <= 2, qPrintable(QString::number(bottom - b_line.front())));
    // Its peak is marked.
    QString error;
    const QString svg = dir_.filePath("compare.svg");
    QVERIFY2(w->exportView(svg, ViewKind::memory, QSize(1400, 420), &error), qPrintable(error));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY2(text.contains(">B peak 2.0 KiB at 10.0 us</text>"), "B's peak, where it is drawn");
    QVERIFY2(text.contains(">B: b.tswap (steps aligned)</text>"), "the legend names B");
  }

  void aLogThatCannotBeReadSaysWhyInOneLineAndLeavesTheFirstAsItWas() {
    auto w = opened(a_);
    QVERIFY(w);
    const std::shared_ptr<const LoadedLog> before = w->loadedLog();
    const std::uint64_t first = w->viewState().mapping.first(), last = w->viewState().mapping.last();
    const QString missing = dir_.filePath("missing.tswap");
    const std::pair<QString, QString> failures[] = {{text_, "not a tensorswap log"}, {missing, "cannot open"}};
    for (const auto& [path, why] : failures) {
      QSignalSpy failed(w.get(), &MainWindow::compareFailed);
      w->compare(path);
      QVERIFY(failed.wait(10000));
      QVERIFY(QTest::qWaitFor([&] { return !w->loading(); }, 10000));
      const QString message = failed.first().at(1).toString();
      QVERIFY2(message.startsWith(path), qPrintable(message));
      QVERIFY2(message.contains(why), qPrintable(message));
      QVERIFY2(!message.contains('\n'), qPrintable(message));
      QMessageBox* box = nullptr;
      for (QMessageBox* b : w->findChildren<QMessageBox*>()) {
        if (b->isVisible()) box = b;
      }
      QVERIFY(box);
      QCOMPARE(box->windowTitle(), QString("Cannot compare logs"));
      QCOMPARE(box->text(), message);
      QCOMPARE(statusText(*w), QString("Could not compare with %1").arg(QFileInfo(path).fileName()));
      QCOMPARE(w->loadedLog(), before);
      QCOMPARE(w->tableView()->model()->columnCount(), int(TagTableModel::kFirstDelta));
      QCOMPARE(w->viewState().mapping.first(), first);
      QCOMPARE(w->viewState().mapping.last(), last);
      box->accept();
    }
    // A good one still compares; then a bad one leaves that comparison as it was.
    QVERIFY(compared(*w, b_));
    const std::shared_ptr<const LoadedLog> with_b = w->loadedLog();
    QSignalSpy failed(w.get(), &MainWindow::compareFailed);
    w->compare(text_);
    QVERIFY(failed.wait(10000));
    QVERIFY(QTest::qWaitFor([&] { return !w->loading(); }, 10000));
    QCOMPARE(w->loadedLog(), with_b);
    QCOMPARE(w->tableView()->model()->columnCount(), int(TagTableModel::kColumns));
  }
};

QTEST_MAIN(CompareWidgetTest)
#include "compare_widget_test.moc"
