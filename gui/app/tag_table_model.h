#pragma once

// The table a user tunes module tags with: one row per tag and layer, and
// one per tag in total. Copy and stall times are shaded by how they compare
// with the worst row, so the expensive tags stand out.

#include <QAbstractTableModel>

#include <tswap/trace/summary.h>

namespace tswap::viewer {

class TagTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kTag, kLayer, kOut, kBytesOut, kD2hTime, kD2hRate, kIn, kPrefetched, kReused, kH2dTime,
    kH2dRate, kOverlap, kStalls, kStallTime, kFreed, kDeferred, kKept, kColumns
  };
  /// Sort by this role: raw numbers, not their display text.
  static constexpr int SortRole = Qt::UserRole + 1;

  explicit TagTableModel(QObject* parent = nullptr);
  void setSummary(const trace::Summary& summary);
  /// The row's tag and layer (-1: the tag's total row).
  std::pair<QString, int> rowKey(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::vector<trace::LayerSummary> rows_;
  double worst_d2h_ = 0, worst_h2d_ = 0, worst_stall_ = 0;  // over layer rows
};

}  // namespace tswap::viewer
