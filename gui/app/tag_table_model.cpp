#include "tag_table_model.h"

#include <QColor>
#include <QFont>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "statistics.h"

namespace tswap::viewer {

TagTableModel::TagTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void TagTableModel::setSummary(const trace::Summary& summary, const MemoryModel& memory) {
  beginResetModel();
  log_rows_.clear();
  compared_.reset();
  ranks_.reset();
  // Each tag's layers in the summary's order, found by name in a sorted
  // index: a scan of every layer per tag was quadratic (65,535 tags of 16
  // layers: 7e10 comparisons).
  std::vector<const trace::LayerSummary*> by_tag;
  by_tag.reserve(summary.layers.size());
  for (const trace::LayerSummary& l : summary.layers) by_tag.push_back(&l);
  std::stable_sort(by_tag.begin(), by_tag.end(),
                   [](const trace::LayerSummary* a, const trace::LayerSummary* b) { return a->tag < b->tag; });
  log_rows_.reserve(summary.layers.size() + summary.tags.size());
  auto add = [&](const trace::LayerSummary& r) {
    log_rows_.push_back(Row{r, memory.savings(r.tag, r.layer), true, nullptr});
  };
  for (const trace::LayerSummary& tag : summary.tags) {
    const auto first = std::lower_bound(by_tag.begin(), by_tag.end(), tag.tag,
                                        [](const trace::LayerSummary* l, const std::string& t) { return l->tag < t; });
    for (auto it = first; it != by_tag.end() && (*it)->tag == tag.tag; ++it) add(**it);
    add(tag);
  }
  rebuild();
  endResetModel();
}

void TagTableModel::setRanks(std::shared_ptr<const RankedRun> ranks) {
  beginResetModel();
  log_rows_.clear();
  compared_.reset();
  ranks_ = std::move(ranks);
  for (const RankRow& r : ranks_->rows) {
    const MemoryModel& memory = ranks_->memories.at(ranks_->set.ranks.at(r.position).input);
    Row row{r.row, memory.savings(r.row.tag, r.row.layer), true, nullptr};
    row.rank = r.position;
    log_rows_.push_back(std::move(row));
  }
  rebuild();
  endResetModel();
}

void TagTableModel::setComparison(std::shared_ptr<const ComparedLog> compared) {
  beginResetModel();
  compared_ = std::move(compared);
  rebuild();
  endResetModel();
}

void TagTableModel::rebuild() {
  rows_.clear();
  if (!compared_) {
    rows_ = log_rows_;
  } else {
    // Rows by (tag, layer) for this log's; the other's own, per tag.
    const trace::Comparison& c = compared_->deltas;
    std::map<std::pair<std::string, int>, const trace::RowComparison*> change;
    std::map<std::string, std::vector<const trace::RowComparison*>> only_b;  // layers, by layer
    for (const auto* list : {&c.tags, &c.layers}) {
      for (const trace::RowComparison& r : *list) {
        change[{r.tag, r.layer}] = &r;
        if (!r.in_a && r.layer >= 0) only_b[r.tag].push_back(&r);
      }
    }
    auto b_row = [](const trace::RowComparison& r) {
      Row row;
      row.summary.tag = r.tag;
      row.summary.layer = r.layer;
      row.in_log = false;
      row.change = &r;
      return row;
    };
    // A tag's layers, this log's and the other's own by layer, then its total.
    auto add_tag = [&](std::vector<Row> layers, const std::string& tag, std::optional<Row> total) {
      for (const trace::RowComparison* r : only_b[tag]) layers.push_back(b_row(*r));
      std::stable_sort(layers.begin(), layers.end(),
                       [](const Row& a, const Row& b) { return a.summary.layer < b.summary.layer; });
      if (total) layers.push_back(*total);
      for (Row& r : layers) {
        if (r.in_log) {
          const auto it = change.find({r.summary.tag, r.summary.layer});
          r.change = it == change.end() ? nullptr : it->second;
        }
        rows_.push_back(std::move(r));
      }
    };
    for (std::size_t i = 0; i < log_rows_.size();) {
      const std::string& tag = log_rows_[i].summary.tag;
      std::vector<Row> layers;
      while (i < log_rows_.size() && log_rows_[i].summary.layer >= 0 && log_rows_[i].summary.tag == tag) {
        layers.push_back(log_rows_[i++]);
      }
      std::optional<Row> total;
      if (i < log_rows_.size() && log_rows_[i].summary.layer < 0) total = log_rows_[i++];
      add_tag(std::move(layers), tag, total);
    }
    for (const trace::RowComparison& t : c.tags) {
      if (!t.in_a) add_tag({}, t.tag, b_row(t));  // a tag only the other log has: last
    }
  }
  worst_d2h_ = worst_h2d_ = worst_stall_ = worst_caused_ = worst_per_saved_ = 0;
  worst_change_.fill(0);
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const trace::LayerSummary& r = rows_[i].summary;
    if (r.layer < 0) continue;
    worst_d2h_ = std::max(worst_d2h_, static_cast<double>(r.d2h_ns));
    worst_h2d_ = std::max(worst_h2d_, static_cast<double>(r.h2d_ns));
    worst_stall_ = std::max(worst_stall_, static_cast<double>(r.stall_ns));
    worst_caused_ = std::max(worst_caused_, static_cast<double>(r.caused_stall_ns));
    if (std::isfinite(stallPerSaved(i))) worst_per_saved_ = std::max(worst_per_saved_, stallPerSaved(i));
    if (!rows_[i].change) continue;
    for (int f = 0; f < kFigures; ++f) {
      if (const auto d = figure_change(*rows_[i].change, static_cast<Figure>(f)).delta) {
        worst_change_[static_cast<std::size_t>(f)] = std::max(worst_change_[static_cast<std::size_t>(f)], std::abs(*d));
      }
    }
  }
}

double TagTableModel::stallPerSaved(std::size_t row) const {
  const double stall = static_cast<double>(rows_[row].summary.stall_ns);
  const double saved = static_cast<double>(rows_[row].savings.bytes_saved);
  if (stall == 0) return 0;
  return saved > 0 ? stall / (saved / (1024.0 * 1024.0)) : std::numeric_limits<double>::infinity();
}

std::pair<QString, int> TagTableModel::rowKey(int row) const {
  const trace::LayerSummary& r = rows_.at(static_cast<std::size_t>(row)).summary;
  return {QString::fromStdString(r.tag), r.layer};
}

int TagTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int TagTableModel::columnCount(const QModelIndex& parent) const {
  if (parent.isValid()) return 0;
  return compared_ ? kColumns : ranks_ ? kFirstDelta + 1 : kFirstDelta;
}

QVariant TagTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (ranks_ && !compared_ && section == kRank) {
    if (role == Qt::DisplayRole) return tr("Rank");
    if (role == Qt::ToolTipRole) return tr("Whose log the row is: its run header's rank, or its file");
    return {};
  }
  if (section >= kFirstDelta) {
    static const char* names[kFigures] = {"Δ Bytes out", "Δ Bytes in", "Δ Peak", "Δ D2H time", "Δ H2D time",
                                          "Δ Stall time", "Δ Caused", "Δ D2H GB/s", "Δ H2D GB/s"};
    static const char* what[kFigures] = {
        "bytes copied to host", "bytes copied back", "peak resident (the engine's, as trace::compare counts it)",
        "time the copies out took", "time the copies back took", "stall time waited",
        "stall time caused", "bandwidth of the copies out", "bandwidth of the copies back"};
    const auto f = static_cast<std::size_t>(section - kFirstDelta);
    if (role == Qt::DisplayRole) return QString::fromUtf8(names[f]);
    if (role == Qt::ToolTipRole) {
      return tr("B - A: %1, in %2 (B) against this log (A); green where B is better, red where "
                "worse; \"-\" where a log lacks the row or the figure")
          .arg(what[f], compared_ ? QString::fromStdString(compared_->name) : tr("the compared log"));
    }
    return {};
  }
  static const char* names[kFirstDelta] = {
      "Tag", "Layer", "Out", "Bytes out", "D2H time", "D2H GB/s", "In", "Prefetched",
      "Held again", "H2D time", "H2D GB/s", "Overlap", "Stalls", "Stall time", "Caused", "Saved",
      "Peak", "Stall/MiB", "Freed", "Deferred", "Kept"};
  static const char* tips[kFirstDelta] = {
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

QVariant TagTableModel::deltaData(std::size_t row, int column, int role) const {
  const Row& r = rows_[row];
  const auto f = static_cast<Figure>(column - kFirstDelta);
  const FigureChange c = r.change ? figure_change(*r.change, f) : FigureChange{};
  const QString b = compared_ ? QString::fromStdString(compared_->name) : QString();
  switch (role) {
    case Qt::DisplayRole:
      if (c.delta) return QString::fromStdString(format_change(*c.delta, f));
      // Which log lacks the row, once per row; "-" elsewhere.
      if (column == kFirstDelta && r.change && !r.change->in_b) return tr("(only in A)");
      if (column == kFirstDelta && !r.in_log) return tr("(only in B)");
      return QString("-");
    case SortRole: return c.delta ? *c.delta : std::numeric_limits<double>::lowest();
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
      if (r.summary.layer < 0) {
        QFont font;
        font.setBold(true);
        return font;
      }
      return {};
    case Qt::ToolTipRole: {
      if (r.change && !r.change->in_b) return tr("Only in A: %1 has no such row").arg(b);
      if (!r.in_log) return tr("Only in B (%1): this log has no such row").arg(b);
      auto side = [&](const std::optional<double>& v) {
        return v ? QString::fromStdString(format_figure(*v, f)) : QString("-");
      };
      return tr("A %1, B %2: B - A %3, B / A %4 (B: %5)")
          .arg(side(c.a), side(c.b), c.delta ? QString::fromStdString(format_change(*c.delta, f)) : QString("-"),
               c.ratio ? QString::number(*c.ratio, 'f', 3) : QString("-"), b);
    }
    case Qt::BackgroundRole: {
      // Green where B is better, red where worse, deeper for the larger
      // change among the layers; a tag's total row and bytes moved unshaded.
      const double worst = worst_change_[static_cast<std::size_t>(f)];
      if (r.summary.layer < 0 || !c.delta || *c.delta == 0 || better_when(f) == 0 || worst <= 0) return {};
      const bool better = (*c.delta < 0) == (better_when(f) < 0);
      QColor colour = better ? QColor(89, 161, 79) : QColor(225, 87, 89);
      colour.setAlphaF(0.15 + 0.55 * std::abs(*c.delta) / worst);
      return colour;
    }
    default: return {};
  }
}

QVariant TagTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const auto row = static_cast<std::size_t>(index.row());
  if (ranks_ && !compared_ && index.column() == kRank) {
    const std::size_t pos = rows_[row].rank;
    if (role == Qt::DisplayRole) return QString::fromStdString(ranks_->set.ranks.at(pos).label);
    // By rank, then in the table's order within it.
    if (role == SortRole) return static_cast<double>(pos) * 1e12 + static_cast<double>(row);
    if (role == Qt::TextAlignmentRole) return int(Qt::AlignLeft | Qt::AlignVCenter);
    return {};
  }
  if (index.column() >= kFirstDelta) return deltaData(row, index.column(), role);
  const trace::LayerSummary& r = rows_[row].summary;
  // A row only the compared log has: nothing in this log's columns.
  if (!rows_[row].in_log && index.column() > kLayer && (role == Qt::DisplayRole || role == SortRole)) {
    return role == SortRole ? QVariant(-1.0) : QVariant(QString());
  }
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
      case kSaved: return static_cast<double>(rows_[row].savings.bytes_saved);
      case kPeak: return static_cast<double>(rows_[row].savings.peak_resident);
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
