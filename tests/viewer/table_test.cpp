// The tag/layer table (gui/app/tag_table_model.h) on hand-built logs with
// exact figures: stall time waited and caused side by side
// (tests/trace/stall_logs.h), and, with a second log compared, the
// per-tag and per-layer deltas of trace::compare (the same logs: the outer
// tag alone over a faster link).

#include <QAbstractItemModelTester>
#include <QColor>
#include <QSortFilterProxyModel>
#include <QTest>

#include <tswap/trace/summary.h>

#include "comparison.h"
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

  /// The outer tag alone, over a link twice as fast (stall_logs.h).
  struct OuterAlone {
    tswap::trace::Trace trace = tswap_test::stalls::outer_alone_log().parse("outer_alone.tswap");
    tswap::trace::Summary summary = tswap::trace::summarize(trace);
    MemoryModel memory = MemoryModel::build(trace);
  };

  /// `a` against `b`, as File > Compare with... builds it.
  template <class A, class B>
  static std::shared_ptr<const ComparedLog> compared(const A& a, const B& b, const char* name) {
    return std::make_shared<const ComparedLog>(
        ComparedLog::build(step_marks(a.trace), a.summary, b.trace, name));
  }

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

  void aComparedLogAddsTheDeltasOfEachTagAndLayer() {
    // tests/trace/compare_test.cpp's figures: the outer tag's copies took
    // half as long, it waited 55.5 ms and caused 2.5 ms less; the MLP is
    // not swapped in B.
    Nested a;
    OuterAlone b;
    TagTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(a.summary, a.memory);
    QCOMPARE(model.columnCount(), int(TagTableModel::kFirstDelta));  // no deltas without a comparison
    model.setComparison(compared(a, b, "outer_alone.tswap"));
    QCOMPARE(model.columnCount(), int(TagTableModel::kColumns));
    QCOMPARE(model.rowCount(), 4);  // the same rows: B has none of its own
    QCOMPARE(model.headerData(TagTableModel::kDeltaCaused, Qt::Horizontal, Qt::DisplayRole).toString(),
             QString::fromUtf8("Δ Caused"));
    QVERIFY(model.headerData(TagTableModel::kDeltaCaused, Qt::Horizontal, Qt::ToolTipRole)
                .toString().contains("stall time caused, in outer_alone.tswap (B) against this log (A)"));
    const int outer = rowOf(model, "model.layer.*", "0"), inner = rowOf(model, "model.layer.*.mlp", "0");
    auto text = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(text(outer, TagTableModel::kDeltaBytesOut), QString("0 B"));
    QCOMPARE(text(outer, TagTableModel::kDeltaBytesIn), QString("0 B"));
    QCOMPARE(text(outer, TagTableModel::kDeltaPeak), QString("0 B"));
    QCOMPARE(text(outer, TagTableModel::kDeltaD2hTime), QString("-10.00 ms"));
    QCOMPARE(text(outer, TagTableModel::kDeltaH2dTime), QString("-10.00 ms"));
    QCOMPARE(text(outer, TagTableModel::kDeltaWaited), QString("-55.50 ms"));
    QCOMPARE(text(outer, TagTableModel::kDeltaCaused), QString("-2.50 ms"));
    QCOMPARE(text(outer, TagTableModel::kDeltaD2hRate), QString("+0.10"));
    QCOMPARE(text(outer, TagTableModel::kDeltaH2dRate), QString("+0.10"));
    QCOMPARE(model.index(outer, TagTableModel::kDeltaWaited).data(TagTableModel::SortRole).toDouble(), -55.5 * kMs);
    QCOMPARE(model.index(outer, TagTableModel::kDeltaWaited).data(Qt::ToolTipRole).toString(),
             QString("A 58.00 ms, B 2.50 ms: B - A -55.50 ms, B / A 0.043 (B: outer_alone.tswap)"));
    // The tag's total alike; this log's own figures stay as they were.
    QCOMPARE(text(rowOf(model, "model.layer.*", "all"), TagTableModel::kDeltaWaited), QString("-55.50 ms"));
    QCOMPARE(text(outer, TagTableModel::kStallTime), QString("58.00 ms"));
    // The MLP is only in A: said once, "-" elsewhere.
    QCOMPARE(text(inner, TagTableModel::kDeltaBytesOut), QString("(only in A)"));
    QCOMPARE(text(inner, TagTableModel::kDeltaCaused), QString("-"));
    QVERIFY(text(rowOf(model, "model.layer.*.mlp", "all"), TagTableModel::kDeltaBytesOut) == "(only in A)");
    // Green where B is better (less time, more GB/s), deeper for the larger
    // change; bytes moved are neither better nor worse.
    auto shade = [&](int row, int column) { return model.index(row, column).data(Qt::BackgroundRole); };
    const QColor faster = shade(outer, TagTableModel::kDeltaWaited).value<QColor>();
    QCOMPARE(faster.rgb(), QColor(89, 161, 79).rgb());
    QVERIFY(std::abs(faster.alphaF() - 0.70) < 0.01);
    QCOMPARE(shade(outer, TagTableModel::kDeltaD2hRate).value<QColor>().rgb(), QColor(89, 161, 79).rgb());
    QVERIFY(!shade(outer, TagTableModel::kDeltaBytesOut).isValid());
    QVERIFY(!shade(inner, TagTableModel::kDeltaCaused).isValid());
    // Taken away again.
    model.setComparison(nullptr);
    QCOMPARE(model.columnCount(), int(TagTableModel::kFirstDelta));
    // A new log forgets it too.
    model.setComparison(compared(a, b, "outer_alone.tswap"));
    model.setSummary(a.summary, a.memory);
    QCOMPARE(model.columnCount(), int(TagTableModel::kFirstDelta));
  }

  void rowsOnlyTheComparedLogHasComeUnderTheirTagBlankInThisLogsColumns() {
    // The other way round: the outer tag alone (A) against both tags (B).
    OuterAlone a;
    Nested b;
    TagTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSummary(a.summary, a.memory);
    QCOMPARE(model.rowCount(), 2);
    model.setComparison(compared(a, b, "nested.tswap"));
    QCOMPARE(model.rowCount(), 4);
    QStringList order;
    for (int row = 0; row < 4; ++row) {
      order << model.index(row, TagTableModel::kTag).data().toString() + " " +
                   model.index(row, TagTableModel::kLayer).data().toString();
    }
    QCOMPARE(order, QStringList({"model.layer.* 0", "model.layer.* all", "model.layer.*.mlp 0",
                                 "model.layer.*.mlp all"}));
    const int inner = rowOf(model, "model.layer.*.mlp", "0");
    QCOMPARE(model.index(inner, TagTableModel::kBytesOut).data().toString(), QString());
    QCOMPARE(model.index(inner, TagTableModel::kStallTime).data().toString(), QString());
    QCOMPARE(model.index(inner, TagTableModel::kDeltaBytesOut).data().toString(), QString("(only in B)"));
    QCOMPARE(model.index(inner, TagTableModel::kDeltaBytesOut).data(Qt::ToolTipRole).toString(),
             QString("Only in B (nested.tswap): this log has no such row"));
    // The outer tag's change the other way: it waited 55.5 ms more.
    QCOMPARE(model.index(rowOf(model, "model.layer.*", "0"), TagTableModel::kDeltaWaited).data().toString(),
             QString("+55.50 ms"));
    QCOMPARE(model.index(rowOf(model, "model.layer.*", "0"), TagTableModel::kDeltaWaited)
                 .data(Qt::BackgroundRole).value<QColor>().rgb(),
             QColor(225, 87, 89).rgb());  // worse: red
    // The row keys still name the tag and layer (a click highlights them).
    QCOMPARE(model.rowKey(inner), std::make_pair(QString("model.layer.*.mlp"), 0));
  }
};

QTEST_MAIN(TableTest)
#include "table_test.moc"
