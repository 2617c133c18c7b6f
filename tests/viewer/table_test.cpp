// The tag/layer table (gui/app/tag_table_model.h) on hand-built logs with
// exact figures: stall time waited and caused side by side
// (tests/trace/stall_logs.h), and, with a second log compared, the
// per-tag and per-layer deltas of trace::compare.

#include <QAbstractItemModelTester>
#include <QColor>
#include <QSortFilterProxyModel>
#include <QTest>

#include <tswap/trace/summary.h>

#include "memory.h"
#include "stall_logs.h"
#include "tag_table_model.h"

using namespace tswap::viewer;
using tswap_test::stalls::kMs;

class TableTest : public QObject {
  Q_OBJECT

  /// stall_logs.h's nested tags: the outer waits 58 ms and causes 5, the
  /// inner (the MLP) waits 0 and causes 53.
  struct Nested {
    tswap::trace::Trace trace = tswap_test::stalls::nested_shared_stream_log().parse("nested.tswap");
    tswap::trace::Summary summary = tswap::trace::summarize(trace);
    MemoryModel memory = MemoryModel::build(trace);
  };

  /// The row of `tag` and `layer` (-1: the tag's total) in `model`, or -1.
  static int rowOf(const QAbstractItemModel& model, const QString& tag, const QString& layer) {
    for (int row = 0; row < model.rowCount(); ++row) {
      if (model.index(row, TagTableModel::kTag).data().toString() == tag &&
          model.index(row, TagTableModel::kLayer).data().toString() == layer) {
        return row;
      }
    }
    return -1;
  }

 private slots:
  void theCausedColumnSitsBesideStallTimeAndSaysWhatEachMeans() {
    TagTableModel model;
    QCOMPARE(int(TagTableModel::kCausedTime), TagTableModel::kStallTime + 1);
    QCOMPARE(model.headerData(TagTableModel::kStallTime, Qt::Horizontal, Qt::DisplayRole).toString(),
             QString("Stall time"));
    QCOMPARE(model.headerData(TagTableModel::kCausedTime, Qt::Horizontal, Qt::DisplayRole).toString(),
             QString("Caused"));
    const QString waited = model.headerData(TagTableModel::kStallTime, Qt::Horizontal, Qt::ToolTipRole).toString();
    const QString caused = model.headerData(TagTableModel::kCausedTime, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY2(waited.startsWith("Waited: "), qPrintable(waited));
    QVERIFY2(waited.contains("see Caused"), qPrintable(waited));
    QVERIFY2(caused.startsWith("Caused: "), qPrintable(caused));
    QVERIFY2(caused.contains("rank tags by it, as the advisor does"), qPrintable(caused));
  }

  void nestedTagsShowWhatTheyWaitedAndWhatTheyCaused() {
    Nested n;
    TagTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(n.summary, n.memory);
    const int outer = rowOf(model, "model.layer.*", "0"), outer_all = rowOf(model, "model.layer.*", "all");
    const int inner = rowOf(model, "model.layer.*.mlp", "0"), inner_all = rowOf(model, "model.layer.*.mlp", "all");
    QVERIFY(outer >= 0 && outer_all >= 0 && inner >= 0 && inner_all >= 0);
    auto number = [&](int row, int column) { return model.index(row, column).data(TagTableModel::SortRole).toDouble(); };
    for (const int row : {outer, outer_all}) {
      QCOMPARE(number(row, TagTableModel::kStallTime), 58.0 * kMs);
      QCOMPARE(number(row, TagTableModel::kCausedTime), 5.0 * kMs);
    }
    for (const int row : {inner, inner_all}) {
      QCOMPARE(number(row, TagTableModel::kStallTime), 0.0);
      QCOMPARE(number(row, TagTableModel::kCausedTime), 53.0 * kMs);
    }
    QCOMPARE(model.index(outer, TagTableModel::kCausedTime).data().toString(), QString("5.00 ms"));
    QCOMPARE(model.index(inner, TagTableModel::kCausedTime).data().toString(), QString("53.00 ms"));
    QCOMPARE(model.index(inner, TagTableModel::kStallTime).data().toString(), QString("0 ns"));
    // The cell says what the figure is.
    QCOMPARE(model.index(inner, TagTableModel::kCausedTime).data(Qt::ToolTipRole).toString(),
             QString("This layer's copies caused 53.00 ms of stalls (its own waits and those behind "
                     "its copies in the stream's queue)"));
    QVERIFY(model.index(outer, TagTableModel::kStallTime).data(Qt::ToolTipRole).toString().contains("waited 58.00 ms"));
  }

  void theCausedColumnIsShadedLikeTheOthers() {
    Nested n;
    TagTableModel model;
    model.setSummary(n.summary, n.memory);
    const int outer = rowOf(model, "model.layer.*", "0"), inner = rowOf(model, "model.layer.*.mlp", "0");
    auto shade = [&](int row, int column) { return model.index(row, column).data(Qt::BackgroundRole); };
    // The worst layer darkest; the other in proportion; none for nothing.
    const QColor worst = shade(inner, TagTableModel::kCausedTime).value<QColor>();
    const QColor less = shade(outer, TagTableModel::kCausedTime).value<QColor>();
    QCOMPARE(worst.rgb(), QColor(225, 87, 89).rgb());  // the stall column's red
    QVERIFY(std::abs(worst.alphaF() - 0.70) < 0.01);
    QVERIFY(std::abs(less.alphaF() - (0.15 + 0.55 * 5.0 / 53.0)) < 0.01);
    // Waited is the other way round: the outer layer worst, the inner unshaded.
    QVERIFY(std::abs(shade(outer, TagTableModel::kStallTime).value<QColor>().alphaF() - 0.70) < 0.01);
    QVERIFY(!shade(inner, TagTableModel::kStallTime).isValid());
    // A tag's total row is never shaded.
    QVERIFY(!shade(rowOf(model, "model.layer.*.mlp", "all"), TagTableModel::kCausedTime).isValid());
  }

  void sortingByCausedPutsTheTagThatCausedTheStallsFirst() {
    Nested n;
    TagTableModel model;
    model.setSummary(n.summary, n.memory);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(TagTableModel::SortRole);
    proxy.sort(TagTableModel::kCausedTime, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, TagTableModel::kTag).data().toString(), QString("model.layer.*.mlp"));
    QCOMPARE(proxy.index(1, TagTableModel::kTag).data().toString(), QString("model.layer.*.mlp"));
    QCOMPARE(proxy.index(3, TagTableModel::kTag).data().toString(), QString("model.layer.*"));
    // By waited, the opposite order: the reason the table shows both.
    proxy.sort(TagTableModel::kStallTime, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, TagTableModel::kTag).data().toString(), QString("model.layer.*"));
  }
};

QTEST_MAIN(TableTest)
#include "table_test.moc"
