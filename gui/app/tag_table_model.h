#pragma once

// The table a user tunes module tags with: one row per tag and layer, and
// one per tag in total, in `tswap-log summary`'s order (by tag, its layers,
// then its total). Copy and stall times (waited and caused: Note [Caused
// stalls] in tswap/trace/stall_blame.h), and stall per byte saved, are
// shaded by how they compare with the worst row, so the expensive tags
// stand out.

#include <QAbstractTableModel>

#include <tswap/trace/summary.h>

#include "memory.h"

namespace tswap::viewer {

class TagTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kTag, kLayer, kOut, kBytesOut, kD2hTime, kD2hRate, kIn, kPrefetched, kReused, kH2dTime,
    kH2dRate, kOverlap, kStalls, kStallTime, kCausedTime, kSaved, kPeak, kStallPerSaved, kFreed, kDeferred,
    kKept, kColumns
  };
  /// Sort by this role: raw numbers, not their display text. The tag
  /// column sorts by the summary's order, so ascending is `tswap-log
  /// summary`'s order and each tag's total stays after its layers.
  static constexpr int SortRole = Qt::UserRole + 1;

  explicit TagTableModel(QObject* parent = nullptr);
  /// The rows of `summary`, with what `memory` knows of each: its peak
  /// resident bytes and the bytes its releases gave back.
  void setSummary(const trace::Summary& summary, const MemoryModel& memory);
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

  std::vector<trace::LayerSummary> rows_;
  std::vector<Savings> savings_;  // one per row
  double worst_d2h_ = 0, worst_h2d_ = 0, worst_stall_ = 0, worst_caused_ = 0;  // over layer rows
  double worst_per_saved_ = 0;                              // over layer rows, finite
};

}  // namespace tswap::viewer
