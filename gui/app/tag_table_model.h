#pragma once

// The table a user tunes module tags with: one row per tag and layer, and
// one per tag in total, in `tswap-log summary`'s order (by tag, its layers,
// then its total). Copy and stall times (waited and caused: Note [Caused
// stalls] in tswap/trace/stall_blame.h), and stall per byte saved, are
// shaded by how they compare with the worst row, so the expensive tags
// stand out. With a second log compared, trace::compare's B - A per tag and
// layer follows, green where B is better and red where worse. UI thread only.

#include <QAbstractTableModel>

#include <array>
#include <memory>

#include <tswap/trace/summary.h>

#include "comparison.h"
#include "memory.h"
#include "ranks.h"

namespace tswap::viewer {

class TagTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  /// The log's columns, then, with a log compared (setComparison()), one
  /// per Figure: B - A.
  enum Column {
    kTag, kLayer, kOut, kBytesOut, kD2hTime, kD2hRate, kIn, kPrefetched, kReused, kH2dTime,
    kH2dRate, kOverlap, kStalls, kStallTime, kCausedTime, kSaved, kPeak, kStallPerSaved, kFreed, kDeferred,
    kKept,
    kDeltaBytesOut, kDeltaBytesIn, kDeltaPeak, kDeltaD2hTime, kDeltaH2dTime, kDeltaWaited,
    kDeltaCaused, kDeltaD2hRate, kDeltaH2dRate,
    kColumns,
    kFirstDelta = kDeltaBytesOut,
  };
  /// Sort by this role: raw numbers, not their display text. The tag
  /// column sorts by the summary's order, so ascending is `tswap-log
  /// summary`'s order and each tag's total stays after its layers.
  static constexpr int SortRole = Qt::UserRole + 1;

  explicit TagTableModel(QObject* parent = nullptr);
  /// The rows of `summary`, with what `memory` knows of each: its peak
  /// resident bytes and the bytes its releases gave back.
  /// Forgets a comparison set before.
  void setSummary(const trace::Summary& summary, const MemoryModel& memory);
  /// Adds the delta columns of `compared` (trace::compare of this log and
  /// another, matched by tag name and layer), and the rows only the other
  /// log has (blank in this log's columns), each under its tag; null takes
  /// them away. Keeps `compared` alive.
  void setComparison(std::shared_ptr<const ComparedLog> compared);
  /// Several ranks' rows (RankRow: one per rank, tag and layer) with a
  /// Rank column after the log's columns (at kFirstDelta: no comparison
  /// then). Forgets a comparison. Keeps `ranks` alive.
  void setRanks(std::shared_ptr<const RankedRun> ranks);
  /// Where the Rank column is, with ranks.
  static constexpr int kRank = kFirstDelta;
  /// With ranks, the row's rank (its position in RankSet); 0 otherwise.
  std::size_t rowRank(int row) const { return rows_.at(static_cast<std::size_t>(row)).rank; }
  /// The row's tag and layer (-1: the tag's total row).
  std::pair<QString, int> rowKey(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  /// Stall time per MiB saved: 0 when nothing stalled, infinite when
  /// stalls bought nothing.
  double stallPerSaved(std::size_t row) const;
  /// rows_ from log_rows_ and compared_; the worst figures over them.
  void rebuild();
  QVariant deltaData(std::size_t row, int column, int role) const;

  struct Row {
    trace::LayerSummary summary;  // this log's figures (zeros in a row only the other has)
    Savings savings;
    bool in_log = true;                               // false: only the compared log has it
    const trace::RowComparison* change = nullptr;     // with a comparison: into compared_
    std::size_t rank = 0;                             // with ranks: its position in RankSet
  };
  std::vector<Row> log_rows_;  // this log's, in the summary's order
  std::vector<Row> rows_;      // shown: log_rows_ and the compared log's own
  std::shared_ptr<const ComparedLog> compared_;
  std::shared_ptr<const RankedRun> ranks_;  // null for one log
  double worst_d2h_ = 0, worst_h2d_ = 0, worst_stall_ = 0, worst_caused_ = 0;  // over layer rows
  double worst_per_saved_ = 0;                              // over layer rows, finite
  std::array<double, kFigures> worst_change_{};             // |B - A| over layer rows, per Figure
};

}  // namespace tswap::viewer
