// Several ranks' logs in one window on Qt's offscreen platform (issue 15,
// gui/model/ranks.h): File > Open Ranks... (openRanks), a dropped folder,
// a lane group per rank headed by its name, the span's own log in the
// details pane, the table's Rank column, the memory view's toggle, and the
// status bar's warning for logs of different runs.

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QHeaderView>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <fstream>

#include "main_window.h"
#include "rank_logs.h"
#include "tag_table_model.h"
#include "views.h"

using namespace tswap::viewer;

namespace {

QString write(const QString& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path.toStdString(), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

QString statusText(MainWindow& w) {
  const QList<QLabel*> labels = w.statusBar()->findChildren<QLabel*>();
  return labels.isEmpty() ? QString() : labels.first()->text();
}

QAction* action(MainWindow& w, const QString& text) {
  for (QAction* a : w.findChildren<QAction*>())
    if (a->text() == text) return a;
  return nullptr;
}

}  // namespace

class RanksWidgetTest : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString r0_, r1_, other_;

  std::unique_ptr<MainWindow> opened(const QStringList& paths) {
    auto w = std::make_unique<MainWindow>();
    w->resize(1400, 900);
    w->show();
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    w->openRanks(paths);
    if (!shown.wait(10000) || !QTest::qWaitFor([&] { return !w->loading(); }, 10000)) return nullptr;
    return w;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    QVERIFY(QDir(dir_.path()).mkdir("ranks"));
    tswap_test::RankClock c0, c1, other;
    c1.rank = 1;
    c1.offset_ns = 2000;
    c1.start_ns = 1500;  // 2.5 us after rank 0's session on rank 0's clock
    c1.bytes = 2000000;
    other.rank = 1;
    other.run_id = "run-b";
    r0_ = write(dir_.filePath("ranks/run.0.tswap"), tswap_test::rank_log(c0).bytes());
    r1_ = write(dir_.filePath("ranks/run.1.tswap"), tswap_test::rank_log(c1).bytes());
    other_ = write(dir_.filePath("other.tswap"), tswap_test::rank_log(other).bytes());
  }

  void opensRanksInRankOrderUnderTheirHeaders() {
    auto w = opened({r1_, r0_});  // given 1 then 0
    QVERIFY(w);
    const auto log = w->loadedLog();
    QVERIFY(log->ranks);
    const std::vector<Lane>& lanes = log->timeline.lanes;
    QVERIFY(lanes.front().group_header);
    QCOMPARE(QString::fromStdString(lanes.front().name), QString("rank 0"));
    QCOMPARE(log->rank_groups.size(), std::size_t{2});
    QCOMPARE(QString::fromStdString(lanes[log->rank_groups[1].header_lane].name), QString("rank 1"));
    QVERIFY(statusText(*w).startsWith("2 ranks"));
    QVERIFY(w->windowTitle().endsWith("2 ranks"));
  }

  void detailsComeFromTheSpansOwnLog() {
    auto w = opened({r0_, r1_});
    QVERIFY(w);
    const auto log = w->loadedLog();
    const MergedTimeline::Group& g = log->rank_groups[1];
    std::optional<SpanRef> copy;
    for (std::size_t l = g.first_lane; l < g.first_lane + g.lanes && !copy; ++l)
      for (std::size_t s = 0; s < log->timeline.lanes[l].spans.size(); ++s)
        if (log->timeline.lanes[l].spans[s].kind == SpanKind::d2h) copy = SpanRef{l, s};
    QVERIFY(copy);
    // Rank 1's copy ends at 5000 ns on its clock, 7500 ns merged.
    QCOMPARE(log->timeline.lanes[copy->lane].spans[copy->span].end, std::uint64_t{7500});
    w->timelineView()->selectSpan(*copy);
    QApplication::processEvents();
    const QString text = w->detailsPane()->toPlainText();
    QVERIFY2(text.contains("time: 5000 ns on the log's clock"), qPrintable(text));
    QVERIFY2(text.contains("bytes: 2000000"), qPrintable(text));
  }

  void theTableHasARankColumn() {
    auto w = opened({r1_, r0_});
    QVERIFY(w);
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(w->tableView()->model());
    QVERIFY(proxy);
    auto* model = qobject_cast<TagTableModel*>(proxy->sourceModel());
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->columnCount(), TagTableModel::kRank + 1);
    QCOMPARE(model->headerData(TagTableModel::kRank, Qt::Horizontal, Qt::DisplayRole).toString(), QString("Rank"));
    QCOMPARE(w->tableView()->horizontalHeader()->visualIndex(TagTableModel::kRank), 0);  // shown first
    QCOMPARE(model->rowCount(), 4);  // two ranks x (layer 0, the tag's total)
    QCOMPARE(model->data(model->index(0, TagTableModel::kRank), Qt::DisplayRole).toString(), QString("rank 0"));
    QCOMPARE(model->data(model->index(2, TagTableModel::kRank), Qt::DisplayRole).toString(), QString("rank 1"));
    w->tableView()->sortByColumn(TagTableModel::kRank, Qt::DescendingOrder);
    QCOMPARE(proxy->data(proxy->index(0, TagTableModel::kRank)).toString(), QString("rank 1"));
    QCOMPARE(proxy->data(proxy->index(0, TagTableModel::kBytesOut)).toString(), QString("1.9 MiB"));
  }

  void aTableRowHighlightsItsRanksSpans() {
    auto w = opened({r0_, r1_});
    QVERIFY(w);
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(w->tableView()->model());
    w->tableView()->selectRow(2);  // rank 1's layer 0
    QVERIFY(QTest::qWaitFor([&] { return w->viewState().highlight != nullptr; }, 10000));
    QCOMPARE(proxy->data(proxy->index(2, TagTableModel::kRank)).toString(), QString("rank 1"));
    const auto log = w->loadedLog();
    const Timeline& hl = *w->viewState().highlight;
    std::size_t spans_rank0 = 0, spans_rank1 = 0;
    for (std::size_t l = 0; l < hl.lanes.size(); ++l)
      (l < log->rank_groups[1].header_lane ? spans_rank0 : spans_rank1) += hl.lanes[l].spans.size();
    QCOMPARE(spans_rank0, std::size_t{0});
    QVERIFY(spans_rank1 > 0);
  }

  void memoryPerRankToggles() {
    auto w = opened({r0_, r1_});
    QVERIFY(w);
    QAction* a = action(*w, "Memory per &Rank");
    QVERIFY(a);
    QVERIFY(!w->viewState().memory_small_multiples);
    a->trigger();
    QVERIFY(w->viewState().memory_small_multiples);
    QImage image(800, 300, QImage::Format_ARGB32);
    w->memoryView()->render(&image);  // paints both layouts without failing
    a->trigger();
    QVERIFY(!w->viewState().memory_small_multiples);
  }

  void mixedRunsAreShownWithAWarning() {
    auto w = opened({r0_, other_});
    QVERIFY(w);
    QVERIFY2(statusText(*w).startsWith("Warning: logs of different runs: run-a, run-b"), qPrintable(statusText(*w)));
    QCOMPARE(w->loadedLog()->rank_groups.size(), std::size_t{2});
  }

  void aDroppedFolderOpensItsLogsAsRanks() {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    QSignalSpy shown(&w, &MainWindow::logShown);
    // What dropEvent() does with the drop's URLs (a QDropEvent sent by hand,
    // outside a drag, never reaches it).
    w.openDropped({QUrl::fromLocalFile(dir_.filePath("ranks"))});
    QVERIFY2(shown.wait(10000), qPrintable(statusText(w)));
    QVERIFY(w.loadedLog()->ranks);
    QCOMPARE(w.loadedLog()->ranks->traces.size(), std::size_t{2});
  }

  void oneLogStaysOneLog() {
    auto w = opened({r0_});
    QVERIFY(w);
    QVERIFY(!w->loadedLog()->ranks);
    QVERIFY(!w->loadedLog()->timeline.lanes.front().group_header);
  }
};

QTEST_MAIN(RanksWidgetTest)
#include "ranks_widget_test.moc"
