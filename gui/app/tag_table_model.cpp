#include "tag_table_model.h"

#include <QColor>
#include <QFont>

#include <algorithm>
#include <cmath>
#include <limits>

#include "statistics.h"

namespace tswap::viewer {

TagTableModel::TagTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void TagTableModel::setSummary(const trace::Summary& summary, const MemoryModel& memory) {
  beginResetModel();
  rows_.clear();
  savings_.clear();
  // Each tag's layers in the summary's order, found by name in a sorted
  // index: a scan of every layer per tag was quadratic (65,535 tags of 16
  // layers: 7e10 comparisons).
  std::vector<const trace::LayerSummary*> by_tag;
  by_tag.reserve(summary.layers.size());
  for (const trace::LayerSummary& l : summary.layers) by_tag.push_back(&l);
  std::stable_sort(by_tag.begin(), by_tag.end(),
                   [](const trace::LayerSummary* a, const trace::LayerSummary* b) { return a->tag < b->tag; });
  rows_.reserve(summary.layers.size() + summary.tags.size());
  for (const trace::LayerSummary& tag : summary.tags) {
    const auto first = std::lower_bound(by_tag.begin(), by_tag.end(), tag.tag,
                                        [](const trace::LayerSummary* l, const std::string& t) { return l->tag < t; });
    for (auto it = first; it != by_tag.end() && (*it)->tag == tag.tag; ++it) rows_.push_back(**it);
    rows_.push_back(tag);
  }
  for (const trace::LayerSummary& r : rows_) savings_.push_back(memory.savings(r.tag, r.layer));
  worst_d2h_ = worst_h2d_ = worst_stall_ = worst_caused_ = worst_per_saved_ = 0;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const trace::LayerSummary& r = rows_[i];
    if (r.layer < 0) continue;
    worst_d2h_ = std::max(worst_d2h_, static_cast<double>(r.d2h_ns));
    worst_h2d_ = std::max(worst_h2d_, static_cast<double>(r.h2d_ns));
    worst_stall_ = std::max(worst_stall_, static_cast<double>(r.stall_ns));
    worst_caused_ = std::max(worst_caused_, static_cast<double>(r.caused_stall_ns));
    if (std::isfinite(stallPerSaved(i))) worst_per_saved_ = std::max(worst_per_saved_, stallPerSaved(i));
  }
  endResetModel();
}

double TagTableModel::stallPerSaved(std::size_t row) const {
  const double stall = static_cast<double>(rows_[row].stall_ns);
  const double saved = static_cast<double>(savings_[row].bytes_saved);
  if (stall == 0) return 0;
  return saved > 0 ? stall / (saved / (1024.0 * 1024.0)) : std::numeric_limits<double>::infinity();
}

std::pair<QString, int> TagTableModel::rowKey(int row) const {
  const trace::LayerSummary& r = rows_.at(static_cast<std::size_t>(row));
  return {QString::fromStdString(r.tag), r.layer};
}

int TagTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int TagTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumns;
}

QVariant TagTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  static const char* names[kColumns] = {
      "Tag", "Layer", "Out", "Bytes out", "D2H time", "D2H GB/s", "In", "Prefetched",
      "Held again", "H2D time", "H2D GB/s", "Overlap", "Stalls", "Stall time", "Caused", "Saved",
      "Peak", "Stall/MiB", "Freed", "Deferred", "Kept"};
  static const char* tips[kColumns] = {
      "Module tag", "Layer index within the tag (all: the tag's total)",
      "Storages copied to host", "Bytes copied to host", "Time the copies out took",
      "Bandwidth of the copies out", "Storages copied back", "Of those, queued ahead by prefetch",
      "Deferred storages still alive in backward, held again without a copy",
      "Time the copies back took", "Bandwidth of the copies back",
      "Copy time during which compute did not wait on that copy",
      "Times compute waited on a copy",
      "Waited: the time compute waited on this layer's own copies (its stall records). When tags "
      "share a copy stream, the wait may be another tag's doing: its copies queued ahead (see Caused)",
      "Caused: the stall time this layer's copies caused, in its own waits and in waits on copies "
      "queued behind them (their time on the stream). Sums to the same total as Stall time; "
      "rank tags by it, as the advisor does: dropping a tag removes the stalls it caused",
      "Device memory its releases gave back (deferred releases give none): what swapping saved",
      "Peak resident: the most device memory its saved activations held at once",
      "Stall time per MiB saved (Stall time over Saved): the price of the memory; drop or narrow the tags that pay most",
      "Releases that freed device memory", "Releases left to another holder",
      "Saved tensors kept on the device (parameters, predicate, min_bytes...)"};
  if (role == Qt::DisplayRole) return QString(names[section]);
  if (role == Qt::ToolTipRole) return QString(tips[section]);
  return {};
}

QVariant TagTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const auto row = static_cast<std::size_t>(index.row());
  const trace::LayerSummary& r = rows_[row];
  auto number = [&](int column) -> double {
    switch (column) {
      case kLayer: return r.layer;
      case kOut: return static_cast<double>(r.tensors_out);
      case kBytesOut: return static_cast<double>(r.bytes_out);
      case kD2hTime: return static_cast<double>(r.d2h_ns);
      // No timed copy: no figure (-1 sorts it below every real one).
      case kD2hRate: return r.d2h_bandwidth().value_or(-1);
      case kIn: return static_cast<double>(r.tensors_in);
      case kPrefetched: return static_cast<double>(r.prefetched);
      case kReused: return static_cast<double>(r.reused);
      case kH2dTime: return static_cast<double>(r.h2d_ns);
      case kH2dRate: return r.h2d_bandwidth().value_or(-1);
      case kOverlap: return r.overlap_share().value_or(-1);
      case kStalls: return static_cast<double>(r.stalls);
      case kStallTime: return static_cast<double>(r.stall_ns);
      case kCausedTime: return static_cast<double>(r.caused_stall_ns);
      case kSaved: return static_cast<double>(savings_[row].bytes_saved);
      case kPeak: return static_cast<double>(savings_[row].peak_resident);
      case kStallPerSaved: return stallPerSaved(row);
      case kFreed: return static_cast<double>(r.freed);
      case kDeferred: return static_cast<double>(r.deferred);
      case kKept: return static_cast<double>(r.kept);
      default: return 0;
    }
  };
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case kTag: return QString::fromStdString(r.tag);
        case kLayer: return r.layer < 0 ? QString("all") : QString::number(r.layer);
        case kBytesOut:
        case kSaved:
        case kPeak: return QString::fromStdString(format_bytes(number(index.column())));
        case kStallPerSaved: {
          const double v = number(kStallPerSaved);
          if (std::isinf(v)) return tr("stalls, saves nothing");
          return QString::fromStdString(format_duration(v)) + "/MiB";
        }
        case kD2hTime:
        case kH2dTime:
        case kStallTime:
        case kCausedTime: return QString::fromStdString(format_duration(number(index.column())));
        case kD2hRate:
        case kH2dRate: {
          const double v = number(index.column());
          return v < 0 ? QString("-") : QString::number(v, 'f', 2);
        }
        case kOverlap: {
          const double v = number(kOverlap);
          return v < 0 ? QString("-") : QString::number(100 * v, 'f', 0) + " %";
        }
        default: return QString::number(number(index.column()), 'f', 0);
      }
    case SortRole:
      // The summary's order: by tag, its layers, then its total row.
      return index.column() == kTag ? QVariant(index.row()) : QVariant(number(index.column()));
    case Qt::TextAlignmentRole:
      return index.column() == kTag ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                    : int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
      if (r.layer < 0) {
        QFont f;
        f.setBold(true);
        return f;
      }
      return {};
    case Qt::BackgroundRole: {
      // Heat: how this layer compares with the worst one.
      if (r.layer < 0) return {};
      double heat = 0;
      if (index.column() == kStallTime && worst_stall_ > 0) heat = r.stall_ns / worst_stall_;
      if (index.column() == kCausedTime && worst_caused_ > 0) heat = r.caused_stall_ns / worst_caused_;
      if (index.column() == kD2hTime && worst_d2h_ > 0) heat = r.d2h_ns / worst_d2h_;
      if (index.column() == kH2dTime && worst_h2d_ > 0) heat = r.h2d_ns / worst_h2d_;
      if (index.column() == kStallPerSaved) {
        const double v = stallPerSaved(row);
        heat = std::isinf(v) ? 1.0 : worst_per_saved_ > 0 ? v / worst_per_saved_ : 0;
      }
      if (heat <= 0) return {};
      QColor c(225, 87, 89);
      c.setAlphaF(0.15 + 0.55 * heat);
      return c;
    }
    case Qt::ToolTipRole:
      if (index.column() == kStallTime && r.stall_ns > 0) {
        return tr("Compute waited %1 on this layer's copies").arg(QString::fromStdString(format_duration(static_cast<double>(r.stall_ns))));
      }
      if (index.column() == kCausedTime && r.caused_stall_ns > 0) {
        return tr("This layer's copies caused %1 of stalls (its own waits and those behind its "
                  "copies in the stream's queue)")
            .arg(QString::fromStdString(format_duration(static_cast<double>(r.caused_stall_ns))));
      }
      return {};
    default: return {};
  }
}

}  // namespace tswap::viewer
