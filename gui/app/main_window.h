#pragma once

// tswap-viewer's window: the timeline above the memory curves on one time
// axis, and below them the tag/layer table, the selected event's details
// and the selected range's statistics; the what-if panel in a dock.

#include <QList>
#include <QMainWindow>
#include <QUrl>

#include <memory>

#include "loader.h"
#include "theme.h"
#include "view_state.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QScrollArea;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QToolButton;

namespace tswap::viewer {

class MemoryView;
class TagTableModel;
class TimelineView;
class ValueBox;
class WhatIfPanel;

/// Which view an export or a screenshot shows.
enum class ViewKind { timeline, memory, table, all };
bool parse_view_kind(const QString& name, ViewKind& kind);

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Loads a log on a worker thread (progress in the status bar, Esc or
  /// Cancel stops it); a bad file gets a message box naming the problem.
  void open(const QString& path);
  /// Loads several ranks' logs of one run (RankedRun) on a worker thread
  /// and shows them as one: a lane group per rank on one time axis, their
  /// memory curves, the table's rank rows. One path is open(path).
  void openRanks(const QStringList& paths);
  /// What a drop of `urls` opens: one log, or several files (a folder: its
  /// *.tswap) as one run's ranks (openRanks()).
  void openDropped(const QList<QUrl>& urls);
  /// Reads an Nsight Systems export on a worker thread and shows its lanes
  /// under the log's (after the log, when one is still loading), in place of
  /// a capture attached before (its lanes and time extent); a capture that
  /// cannot be read or joined gets a message box, and the log stays.
  void attach(const QString& path);
  /// Reads another log on a worker thread and compares it with this one
  /// (ComparedLog: its memory curves on this log's axis, aligned at each
  /// step's start; the table's deltas), in place of one compared before; a
  /// log that cannot be read gets a message box, and this one stays as it was.
  void compare(const QString& path);
  /// Stops comparing: the compared log's curves and the table's deltas go.
  void closeComparison();
  /// Shows a log already loaded (headless screenshots, tests).
  void show_log(std::shared_ptr<const LoadedLog> log, const QString& path);
  /// Writes `kind` as PNG or SVG (by the file's suffix) at `size` (the
  /// on-screen size when empty). Returns false and says why in `error`.
  bool exportView(const QString& path, ViewKind kind, QSize size, QString* error);
  void setDarkTheme(bool dark);
  /// Stacks the memory view per tag (true) or per layer.
  void setMemoryByTag(bool by_tag);
  /// With several ranks: one memory plot per rank (true) or their curves
  /// overlaid in one.
  void setMemorySmallMultiples(bool on);

  // For tests.
  TimelineView* timelineView() const { return timeline_; }
  MemoryView* memoryView() const { return memory_; }
  QTableView* tableView() const { return table_; }
  QPlainTextEdit* detailsPane() const { return details_; }
  QPlainTextEdit* rangePane() const { return range_pane_; }
  QLineEdit* searchField() const { return search_; }
  WhatIfPanel* whatIfPanel() const { return what_if_; }
  const ViewState& viewState() const { return view_; }
  std::shared_ptr<const LoadedLog> loadedLog() const { return log_; }
  bool loading() const { return loading_; }

 signals:
  /// A log is shown whole: its timeline, memory curves and table (a log
  /// loading is shown first with its timeline alone: Note [First frame]).
  void logShown(const QString& path);
  void loadFailed(const QString& path, const QString& message);
  void attachFailed(const QString& path, const QString& message);
  void compareFailed(const QString& path, const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildActions();
  void buildToolbar();
  void buildLayout();
  void restoreSettings();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  void viewChanged();
  void selectionChanged();
  void tableRowSelected();
  void applyFilter();
  void findNext();
  void exportInteractive(const QString& format);
  void showShortcuts();
  void setLoading(bool loading);
  void fillFilterChoices();
  /// The table's deltas for log_'s compared log (none without one), each
  /// shown beside its figure.
  void setTableComparison();
  /// The table's rows from the log's summary; none while it is being built.
  void showSummary();
  /// A message box titled `title` with `message`, and `status` in the status bar.
  void fail(const QString& title, const QString& message, const QString& status);

  Theme theme_;
  ViewState view_;
  std::shared_ptr<const LoadedLog> log_;
  QString path_;
  QString pending_attach_;  // a capture to attach once the log loading now is shown
  QString pending_compare_;  // a log to compare with it then
  Loader loader_;
  bool loading_ = false;
  bool shown_complete_ = false;  // log_ was last shown with its models (Note [First frame])

  TimelineView* timeline_ = nullptr;
  MemoryView* memory_ = nullptr;
  QScrollArea* timeline_scroll_ = nullptr;
  QSplitter* splitter_ = nullptr;
  QTableView* table_ = nullptr;
  TagTableModel* table_model_ = nullptr;
  QSortFilterProxyModel* table_proxy_ = nullptr;
  QPlainTextEdit* details_ = nullptr;
  QPlainTextEdit* range_pane_ = nullptr;
  QLabel* banner_ = nullptr;
  QLabel* status_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QToolButton* cancel_ = nullptr;
  QComboBox* tag_filter_ = nullptr;
  ValueBox* layer_filter_ = nullptr;  // the layers and steps that occur (FilterChoices)
  ValueBox* step_filter_ = nullptr;
  QToolButton* kind_filter_ = nullptr;
  QLineEdit* search_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QAction* dark_action_ = nullptr;
  QAction* by_tag_action_ = nullptr;
  QAction* small_multiples_action_ = nullptr;
  QAction* close_comparison_ = nullptr;
  WhatIfPanel* what_if_ = nullptr;  // in a dock, View > What If...
  ViewKind last_focus_ = ViewKind::timeline;
};

}  // namespace tswap::viewer
