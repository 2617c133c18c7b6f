#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "painters.h"
#include "tag_table_model.h"
#include "value_box.h"
#include "views.h"
#include "what_if_panel.h"

namespace tswap::viewer {

namespace {
constexpr int kMaxRecent = 10;
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

bool parse_view_kind(const QString& name, ViewKind& kind) {
  if (name == "timeline") return kind = ViewKind::timeline, true;
  if (name == "memory") return kind = ViewKind::memory, true;
  if (name == "table") return kind = ViewKind::table, true;
  if (name == "all") return kind = ViewKind::all, true;
  return false;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), theme_(Theme::of(true)) {
  setWindowTitle("tswap-viewer");
  setAcceptDrops(true);
  buildLayout();
  buildActions();
  buildToolbar();
  connect(&loader_, &Loader::progress, this, [this](int percent, const QString& what) {
    progress_->setValue(percent);
    progress_->setFormat(what + " %p%");
  });
  connect(&loader_, &Loader::loaded, this,
          [this](std::shared_ptr<const LoadedLog> log, const QString& path) { show_log(log, path); });
  connect(&loader_, &Loader::modelsReady, this,
          [this](std::shared_ptr<LoadedLog> shown, std::shared_ptr<const LoadedLog> models, const QString& path) {
            if (log_ != shown) return;  // another log is shown since
            shown->take_models(*models);
            show_log(log_, path);
          });
  connect(&loader_, &Loader::failed, this, [this](const QString& path, const QString& message) {
    fail(tr("Cannot open log"), message, tr("Could not open %1").arg(QFileInfo(path).fileName()));
    emit loadFailed(path, message);
  });
  connect(&loader_, &Loader::attachFailed, this, [this](const QString& path, const QString& message) {
    fail(tr("Cannot attach capture"), message, tr("Could not attach %1").arg(QFileInfo(path).fileName()));
    emit attachFailed(path, message);
  });
  connect(&loader_, &Loader::compareFailed, this, [this](const QString& path, const QString& message) {
    fail(tr("Cannot compare logs"), message, tr("Could not compare with %1").arg(QFileInfo(path).fileName()));
    emit compareFailed(path, message);
  });
  connect(&loader_, &Loader::finished, this, [this] {
    setLoading(false);
    // --attach or --compare given with a log still loading then: now there
    // is one to join to (one at a time: each is a job of the loader).
    if (!log_) return;
    if (!pending_attach_.isEmpty()) {
      attach(std::exchange(pending_attach_, QString()));
    } else if (!pending_compare_.isEmpty()) {
      compare(std::exchange(pending_compare_, QString()));
    }
  });
  connect(&loader_, &Loader::highlightReady, this, [this](std::shared_ptr<const Timeline> t) {
    view_.highlight = std::move(t);
    viewChanged();
  });
  restoreSettings();
}

MainWindow::~MainWindow() {
  // The dock hides as the window's children go, after this window's members
  // have: its signals must not reach them then.
  what_if_->disconnect(this);
  if (auto* dock = findChild<QDockWidget*>("what_if")) dock->disconnect(this);
}

void MainWindow::fail(const QString& title, const QString& message, const QString& status) {
  auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();  // not exec(): the window stays responsive
  status_->setText(status);
}

void MainWindow::buildLayout() {
  timeline_ = new TimelineView(view_, theme_);
  memory_ = new MemoryView(view_, theme_);
  timeline_scroll_ = new QScrollArea;
  timeline_scroll_->setWidget(timeline_);
  timeline_scroll_->setWidgetResizable(true);
  timeline_scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  timeline_scroll_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
  timeline_scroll_->setFrameShape(QFrame::NoFrame);
  // The memory view keeps the scroll bar's width free on its right, so both
  // plots are exactly as wide and their time axes line up.
  auto* memory_box = new QWidget;
  auto* memory_layout = new QVBoxLayout(memory_box);
  memory_layout->setContentsMargins(0, 0, timeline_scroll_->verticalScrollBar()->sizeHint().width(), 0);
  memory_layout->addWidget(memory_);

  table_model_ = new TagTableModel(this);
  table_proxy_ = new QSortFilterProxyModel(this);
  table_proxy_->setSourceModel(table_model_);
  table_proxy_->setSortRole(TagTableModel::SortRole);
  table_ = new QTableView;
  table_->setModel(table_proxy_);
  table_->setSortingEnabled(true);
  // As `tswap-log summary` prints it (QHeaderView's default is descending).
  table_->sortByColumn(TagTableModel::kTag, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setAlternatingRowColors(true);
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &MainWindow::tableRowSelected);

  details_ = new QPlainTextEdit;
  details_->setReadOnly(true);
  details_->setPlaceholderText(tr("Click a bar in the timeline to see its event here."));
  range_pane_ = new QPlainTextEdit;
  range_pane_->setReadOnly(true);
  range_pane_->setPlaceholderText(tr("Drag with the right button (or Shift) over the timeline to "
                                     "select a time range; Z zooms to it."));
  auto* tabs = new QTabWidget;
  tabs->addTab(table_, tr("Tags and layers"));
  tabs->addTab(details_, tr("Details"));
  tabs->addTab(range_pane_, tr("Range statistics"));

  banner_ = new QLabel;
  banner_->setWordWrap(true);
  banner_->setStyleSheet("QLabel { background: #8a6d00; color: white; padding: 4px; }");
  banner_->hide();

  splitter_ = new QSplitter(Qt::Vertical);
  splitter_->addWidget(timeline_scroll_);
  splitter_->addWidget(memory_box);
  splitter_->addWidget(tabs);
  splitter_->setStretchFactor(0, 3);
  splitter_->setStretchFactor(1, 2);
  splitter_->setStretchFactor(2, 2);

  // The what-if panel, beside the views (View > What If...).
  what_if_ = new WhatIfPanel;
  auto* dock = new QDockWidget(tr("What if"), this);
  dock->setObjectName("what_if");
  dock->setWidget(what_if_);
  addDockWidget(Qt::RightDockWidgetArea, dock);
  dock->hide();
  // Its prediction is drawn while the panel is open.
  connect(what_if_, &WhatIfPanel::predictionChanged, this, [this, dock](std::shared_ptr<const PredictedCurve> p) {
    view_.predicted = dock->isVisible() ? std::move(p) : nullptr;
    viewChanged();
  });
  connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
    view_.predicted = visible ? what_if_->predicted() : nullptr;
    viewChanged();
  });

  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(banner_);
  layout->addWidget(splitter_);
  setCentralWidget(central);

  status_ = new QLabel(tr("No log open"));
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(320);
  progress_->hide();
  cancel_ = new QToolButton;
  cancel_->setText(tr("Cancel"));
  cancel_->hide();
  connect(cancel_, &QToolButton::clicked, this, [this] {
    loader_.cancel();
    setLoading(false);
    status_->setText(tr("Loading cancelled"));
  });
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_);

  for (TimeView* v : {static_cast<TimeView*>(timeline_), static_cast<TimeView*>(memory_)}) {
    connect(v, &TimeView::viewChanged, this, &MainWindow::viewChanged);
    connect(v, &TimeView::selectionChanged, this, &MainWindow::selectionChanged);
  }
}

void MainWindow::buildActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open..."), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a tensorswap log"), {},
                                                      tr("tensorswap logs (*.tswap);;All files (*)"));
    if (!path.isEmpty()) this->open(path);
  });
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Open &Ranks..."), this, [this] {
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open the ranks' logs of one run"), {}, tr("tensorswap logs (*.tswap);;All files (*)"));
    if (!paths.isEmpty()) openRanks(paths);
  })->setShortcut(QKeySequence("Ctrl+Shift+O"));
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  file->addAction(tr("&Attach Nsight Systems export..."), this, [this] {
    if (!log_) {
      QMessageBox::information(this, tr("Attach"), tr("Open a log first: the capture joins to it."));
      return;
    }
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Attach an Nsight Systems export"), {},
        tr("nsys export --type sqlite (*.sqlite);;All files (*)"));
    if (!path.isEmpty()) attach(path);
  });
  file->addAction(tr("&Compare with..."), this, [this] {
    if (!log_) {
      QMessageBox::information(this, tr("Compare"), tr("Open a log first: the other is drawn against it."));
      return;
    }
    const QString path = QFileDialog::getOpenFileName(this, tr("Compare with another tensorswap log"), {},
                                                      tr("tensorswap logs (*.tswap);;All files (*)"));
    if (!path.isEmpty()) compare(path);
  });
  close_comparison_ = file->addAction(tr("C&lose Comparison"), this, &MainWindow::closeComparison);
  close_comparison_->setEnabled(false);
  file->addSeparator();
  file->addAction(tr("Export View as &PNG..."), this, [this] { exportInteractive("png"); })
      ->setShortcut(QKeySequence("Ctrl+E"));
  file->addAction(tr("Export View as &SVG..."), this, [this] { exportInteractive("svg"); })
      ->setShortcut(QKeySequence("Ctrl+Shift+E"));
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Fit All"), timeline_, &TimeView::fit)->setShortcut(QKeySequence("Ctrl+0"));
  view->addAction(tr("Zoom &In"), timeline_, &TimeView::zoomIn)->setShortcut(QKeySequence::ZoomIn);
  view->addAction(tr("Zoom &Out"), timeline_, &TimeView::zoomOut)->setShortcut(QKeySequence::ZoomOut);
  view->addAction(tr("Zoom to &Selection"), timeline_, &TimeView::zoomToRange)
      ->setShortcut(QKeySequence("Ctrl+Z"));
  view->addSeparator();
  view->addAction(tr("&Find..."), this, [this] { search_->setFocus(), search_->selectAll(); })
      ->setShortcut(QKeySequence::Find);
  view->addAction(tr("Find &Next"), this, &MainWindow::findNext)->setShortcut(QKeySequence::FindNext);
  view->addSeparator();
  QAction* what_if = findChild<QDockWidget*>("what_if")->toggleViewAction();
  what_if->setText(tr("&What If..."));
  what_if->setShortcut(QKeySequence("Ctrl+I"));
  what_if->setToolTip(tr("Try another plan (tags, keep-last, prefetch depth) and see its predicted memory and stalls"));
  view->addAction(what_if);
  by_tag_action_ = view->addAction(tr("Memory Stacked by &Tag"));
  by_tag_action_->setCheckable(true);
  by_tag_action_->setShortcut(QKeySequence("Ctrl+G"));
  connect(by_tag_action_, &QAction::toggled, this, &MainWindow::setMemoryByTag);
  small_multiples_action_ = view->addAction(tr("Memory per &Rank"));
  small_multiples_action_->setCheckable(true);
  small_multiples_action_->setShortcut(QKeySequence("Ctrl+R"));
  small_multiples_action_->setToolTip(tr("With several ranks: one memory plot per rank instead of one overlay"));
  connect(small_multiples_action_, &QAction::toggled, this, &MainWindow::setMemorySmallMultiples);
  dark_action_ = view->addAction(tr("&Dark Theme"));
  dark_action_->setCheckable(true);
  dark_action_->setChecked(true);
  dark_action_->setShortcut(QKeySequence("Ctrl+T"));
  connect(dark_action_, &QAction::toggled, this, &MainWindow::setDarkTheme);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard and Mouse"), this, &MainWindow::showShortcuts)
      ->setShortcut(QKeySequence::HelpContents);
  help->addAction(tr("&About"), this, [this] {
    QMessageBox::about(this, tr("About tswap-viewer"),
                       tr("<b>tswap-viewer</b><br>Timelines, memory curves and per-tag tables of "
                          "tensorswap logs.<br>Record a run with <tt>TSWAP_LOG=run.tswap</tt>."));
  });
}

void MainWindow::buildToolbar() {
  QToolBar* bar = addToolBar(tr("Filters"));
  bar->setObjectName("filters");
  bar->addWidget(new QLabel(tr(" Tag ")));
  tag_filter_ = new QComboBox;
  tag_filter_->setMinimumContentsLength(16);
  bar->addWidget(tag_filter_);
  bar->addWidget(new QLabel(tr(" Layer ")));
  layer_filter_ = new ValueBox;
  layer_filter_->setObjectName("layer_filter");
  layer_filter_->setToolTip(tr("A layer that occurs in the log (arrows: the next), or all"));
  bar->addWidget(layer_filter_);
  bar->addWidget(new QLabel(tr(" Step ")));
  step_filter_ = new ValueBox;
  step_filter_->setObjectName("step_filter");
  step_filter_->setToolTip(tr("A step that occurs in the log (arrows: the next), or all"));
  bar->addWidget(step_filter_);
  kind_filter_ = new QToolButton;
  kind_filter_->setText(tr("Kinds"));
  kind_filter_->setPopupMode(QToolButton::InstantPopup);
  auto* kinds = new QMenu(kind_filter_);
  for (int k = 0; k < kSpanKinds; ++k) {
    if (is_capture_kind(static_cast<SpanKind>(k))) continue;  // a capture's, not the log's
    QAction* a = kinds->addAction(to_string(static_cast<SpanKind>(k)));
    a->setCheckable(true);
    a->setChecked(true);
    a->setData(k);
    connect(a, &QAction::toggled, this, &MainWindow::applyFilter);
  }
  kind_filter_->setMenu(kinds);
  bar->addWidget(kind_filter_);
  connect(tag_filter_, &QComboBox::activated, this, &MainWindow::applyFilter);
  for (ValueBox* b : {layer_filter_, step_filter_}) connect(b, &ValueBox::activated, this, &MainWindow::applyFilter);
  bar->addSeparator();
  search_ = new QLineEdit;
  search_->setPlaceholderText(tr("Search (Ctrl+F, Enter/F3 for the next)"));
  search_->setClearButtonEnabled(true);
  search_->setMaximumWidth(320);
  connect(search_, &QLineEdit::returnPressed, this, &MainWindow::findNext);
  bar->addWidget(search_);
  fillFilterChoices();
}

void MainWindow::fillFilterChoices() {
  tag_filter_->clear();
  tag_filter_->addItem(tr("all"));
  layer_filter_->setValues({});
  step_filter_->setValues({});
  if (!log_ || !log_->choices) return;
  // The values that occur (FilterChoices), not every number up to the largest.
  const FilterChoices& c = *log_->choices;
  QStringList tags;
  tags.reserve(static_cast<qsizetype>(c.tags.size()));
  for (const std::string& name : c.tags) tags.push_back(qs(name));
  tag_filter_->addItems(tags);
  layer_filter_->setValues(c.layers);
  step_filter_->setValues(c.steps);
  // Keep what the loaded timeline was built with.
  const Filter& f = log_->filter;
  if (f.tag) tag_filter_->setCurrentText(qs(*f.tag));
  if (f.layer) layer_filter_->setValue(static_cast<std::uint32_t>(*f.layer));
  if (f.step) step_filter_->setValue(*f.step);
}

void MainWindow::applyFilter() {
  if (!log_ || loading_) return;
  Filter f;
  if (tag_filter_->currentIndex() > 0) f.tag = tag_filter_->currentText().toStdString();
  if (const auto layer = layer_filter_->value()) f.layer = static_cast<int>(*layer);
  f.step = step_filter_->value();
  f.kinds = 0;
  for (QAction* a : kind_filter_->menu()->actions()) {
    if (a->isChecked()) f.kinds |= 1u << a->data().toInt();
  }
  setLoading(true);
  loader_.refilter(log_, f);
}

void MainWindow::open(const QString& path) {
  path_ = path;
  setLoading(true);
  status_->setText(tr("Opening %1").arg(QFileInfo(path).fileName()));
  loader_.load(path);
}

void MainWindow::openRanks(const QStringList& paths) {
  if (paths.size() == 1) return open(paths.first());
  path_ = paths.value(0);
  setLoading(true);
  status_->setText(tr("Opening %1 logs").arg(paths.size()));
  loader_.loadRanks(paths);
}

void MainWindow::attach(const QString& path) {
  if (log_ && log_->ranks) {
    // A capture or a compared log joins one log, not several ranks' merged.
    status_->setText(tr("Attaching a capture works on one log: open a single rank's log first"));
    return;
  }
  if (!log_ || loading_) {
    pending_attach_ = path;
    return;
  }
  setLoading(true);
  status_->setText(tr("Attaching %1").arg(QFileInfo(path).fileName()));
  loader_.attach(log_, path);
}

void MainWindow::compare(const QString& path) {
  if (log_ && log_->ranks) {
    // A capture or a compared log joins one log, not several ranks' merged.
    status_->setText(tr("Comparing works on one log: open a single rank's log first"));
    return;
  }
  if (!log_ || loading_) {
    pending_compare_ = path;
    return;
  }
  setLoading(true);
  status_->setText(tr("Comparing with %1").arg(QFileInfo(path).fileName()));
  loader_.compare(log_, path);
}

void MainWindow::closeComparison() {
  if (!log_ || !log_->compared || loading_) return;
  auto alone = std::make_shared<LoadedLog>(*log_);
  alone->compared.reset();
  show_log(alone, path_);
}

void MainWindow::setTableComparison() {
  table_model_->setComparison(log_->compared);
  if (!log_->compared) return;
  // Each delta beside the figure it changes (the model's columns stay in
  // their order; the header shows them so).
  using M = TagTableModel;
  static constexpr std::pair<int, int> beside[] = {
      {M::kDeltaBytesOut, M::kBytesOut}, {M::kDeltaD2hTime, M::kD2hTime}, {M::kDeltaD2hRate, M::kD2hRate},
      {M::kDeltaBytesIn, M::kIn},        {M::kDeltaH2dTime, M::kH2dTime}, {M::kDeltaH2dRate, M::kH2dRate},
      {M::kDeltaWaited, M::kStallTime},  {M::kDeltaCaused, M::kCausedTime}, {M::kDeltaPeak, M::kPeak}};
  QHeaderView* header = table_->horizontalHeader();
  for (const auto& [delta, figure] : beside) {
    const int from = header->visualIndex(delta), to = header->visualIndex(figure) + 1;
    header->moveSection(from, from > to ? to : to - 1);
  }
}

void MainWindow::setLoading(bool loading) {
  loading_ = loading;
  progress_->setVisible(loading);
  cancel_->setVisible(loading);
  if (loading) progress_->setValue(0);
}

void MainWindow::show_log(std::shared_ptr<const LoadedLog> log, const QString& path) {
  const bool same_trace = log_ && log_->trace == log->trace;
  // Note [First frame]: the log shown with its timeline alone, now with its
  // curves and table.
  const bool completed = same_trace && !shown_complete_ && log->complete();
  shown_complete_ = log->complete();
  const bool new_attachment = log->attachment && (!log_ || log_->attachment != log->attachment);
  const bool new_comparison = !log_ || log_->compared != log->compared;
  log_ = std::move(log);
  path_ = path;
  const auto [first, last] = log_->extent();
  if (!same_trace) {
    view_.reset_for_new_log();
    view_.mapping.set_width(Layout::plot_width(timeline_->width()));
    view_.mapping.set_bounds(first, last);
    if (log_->ranks) {
      table_model_->setRanks(log_->ranks);
      // The model keeps Rank after the log's columns (their indices stay
      // put); shown first, where a row says whose it is.
      QHeaderView* header = table_->horizontalHeader();
      header->moveSection(header->visualIndex(TagTableModel::kRank), 0);
    } else {
      showSummary();
    }
    addRecent(path);
    fillFilterChoices();
    // The what-if panel profiles the log once it is whole: not the previous
    // log's plan meanwhile, and no third job beside the models' two.
    what_if_->setTrace(log_->complete() ? log_->trace : nullptr);
  } else if (completed) {
    // The first frame's timeline is this one's (the same spans): what is
    // selected, highlighted or zoomed into stays.
    if (!log_->ranks) showSummary();
    fillFilterChoices();
    what_if_->setTrace(log_->trace);
  } else {
    view_.selected.reset();  // span indices belong to the old timeline
    view_.linked.reset();
    // The capture's lanes, or the compared log's curves, may reach past the log's extent.
    if (new_attachment || new_comparison) view_.mapping.set_bounds(first, last);
    if (new_comparison) setTableComparison();
  }
  close_comparison_->setEnabled(log_->compared != nullptr);
  timeline_->setLog(log_);
  memory_->setLog(log_);
  timeline_->updateGeometry();
  timeline_->setMinimumHeight(Layout::timeline_height(log_->timeline.lanes.size()) + 4);
  setWindowTitle(QString("tswap-viewer - %1").arg(QFileInfo(path).fileName()));
  QString warning = completeness_warning(*log_->trace, QFileInfo(path).fileName());
  if (log_->compared && !log_->compared->warning.empty()) {
    warning += (warning.isEmpty() ? "" : "\n") + qs(log_->compared->warning);
  }
  banner_->setText(warning);
  banner_->setVisible(!warning.isEmpty());
  QString status = tr("%1%2: %3 events, %4, %5 lanes")
                       .arg(QFileInfo(path).fileName())
                       .arg(log_->trace->completeness().clean_end ? QString() : tr(" (incomplete)"))
                       .arg(log_->trace->events().size())
                       .arg(qs(format_duration(static_cast<double>(log_->trace->duration_ns()))))
                       .arg(log_->timeline.lanes.size());
  if (const ComparedLog* b = log_->compared.get()) {
    const std::size_t steps = b->alignment.steps_aligned();
    status += steps > 0 ? tr("; compared with %1 (%2 steps aligned)").arg(qs(b->name)).arg(steps)
                        : tr("; compared with %1 (no step in common: on its own clock)").arg(qs(b->name));
  }
  if (const RankedRun* r = log_->ranks.get()) {
    // Mixed runs are shown all the same: say so first.
    status = tr("%1 ranks, %2 lanes").arg(r->traces.size()).arg(log_->timeline.lanes.size());
    if (!r->set.warning.empty()) status = tr("Warning: %1; ").arg(qs(r->set.warning)) + status;
    if (!r->set.note.empty()) status += "; " + qs(r->set.note);
    setWindowTitle(QString("tswap-viewer - %1 ranks").arg(r->traces.size()));
  }
  if (!log_->complete()) status += tr("; building the memory curves and the table...");
  status_->setText(status);
  if (!completed) {
    details_->clear();
    range_pane_->clear();
  }
  viewChanged();
  if (log_->complete()) emit logShown(path);
}

void MainWindow::showSummary() {
  if (!log_->complete()) {
    table_model_->setSummary(trace::Summary{}, MemoryModel{});  // not the previous log's rows
    return;
  }
  table_model_->setSummary(*log_->summary, *log_->memory);
  if (log_->compared) setTableComparison();
}

void MainWindow::viewChanged() {
  timeline_->update();
  memory_->update();
}

void MainWindow::selectionChanged() {
  if (!log_) return;
  view_.linked.reset();
  if (view_.selected && view_.selected->lane < log_->timeline.lanes.size()) {
    const Lane& lane = log_->timeline.lanes[view_.selected->lane];
    const Span& s = lane.spans[view_.selected->span];
    const Attachment* a = log_->attachment.get();
    if (lane.type == Lane::Type::capture && a) {
      details_->setPlainText(qs(describe_capture(*a, s)));
    } else {
      // With several ranks, the span's own log (its event indexes it).
      const trace::Trace& trace = log_->trace_of(view_.selected->lane);
      std::string text = describe(trace, s);
      if (a) view_.linked = matched_memcpy(*log_->trace, log_->timeline, *a, s);
      if (view_.linked) {
        const Span& gpu = log_->timeline.lanes[view_.linked->lane].spans[view_.linked->span];
        text += "\n" + describe_capture(*a, gpu) + "\n" + describe_match(s, gpu);
      }
      details_->setPlainText(qs(text + "\n\n" + details(trace, s)));
    }
  } else {
    details_->clear();
  }
  if (view_.range) {
    const RangeStats r = range_stats(log_->timeline, view_.range->first, view_.range->second);
    QString text = tr("From %1 to %2 (%3)\n\n")
                       .arg(qs(format_duration(r.begin)), qs(format_duration(r.end)),
                            qs(format_duration(r.end - r.begin)));
    for (int k = 0; k < kSpanKinds; ++k) {
      const RangeStats::Kind& kind = r.kinds[static_cast<std::size_t>(k)];
      if (kind.count == 0) continue;
      text += tr("%1: %2, %3, %4 busy\n")
                  .arg(to_string(static_cast<SpanKind>(k)))
                  .arg(kind.count)
                  .arg(qs(format_bytes(static_cast<double>(kind.bytes))), qs(format_duration(kind.busy_ns)));
    }
    text += tr("\nBusy per lane:\n");
    for (const RangeStats::LaneBusy& l : r.lanes) {
      text += tr("  %1: %2 (%3 %)\n")
                  .arg(qs(l.name), qs(format_duration(l.busy_ns)))
                  .arg(r.end > r.begin ? 100.0 * l.busy_ns / (r.end - r.begin) : 0.0, 0, 'f', 0);
    }
    range_pane_->setPlainText(text);
  }
  last_focus_ = memory_->hasFocus() ? ViewKind::memory : ViewKind::timeline;
}

void MainWindow::tableRowSelected() {
  if (!log_) return;
  const QModelIndexList rows = table_->selectionModel()->selectedRows();
  if (rows.isEmpty()) {
    view_.highlight.reset();
    viewChanged();
    return;
  }
  const int row = table_proxy_->mapToSource(rows.first()).row();
  const auto [tag, layer] = table_model_->rowKey(row);
  Filter f;
  f.tag = tag.toStdString();
  if (layer >= 0) f.layer = layer;
  // With several ranks: that rank's spans, in its own lane group.
  if (log_->ranks) {
    loader_.highlightRank(log_, f, table_model_->rowRank(row));
  } else {
    loader_.highlight(log_, f);
  }
  last_focus_ = ViewKind::table;
}

void MainWindow::findNext() {
  if (!log_ || search_->text().isEmpty()) return;
  double after = -1;
  if (view_.selected && view_.selected->lane < log_->timeline.lanes.size()) {
    after = static_cast<double>(log_->timeline.lanes[view_.selected->lane].spans[view_.selected->span].begin);
  }
  const auto hit = find_next(*log_->trace, log_->timeline, search_->text().toStdString(), after);
  if (!hit) {
    status_->setText(tr("No event matches \"%1\"").arg(search_->text()));
    return;
  }
  timeline_->selectSpan(*hit);
  const int y = Layout::kRuler + static_cast<int>(hit->lane) * Layout::kRow;
  timeline_scroll_->ensureVisible(0, y, 0, Layout::kRow);
}

bool MainWindow::exportView(const QString& path, ViewKind kind, QSize size, QString* error) {
  if (!log_ && kind != ViewKind::table) {
    if (error) *error = tr("no log is open");
    return false;
  }
  const bool svg = path.endsWith(".svg", Qt::CaseInsensitive);
  const int width = size.isEmpty() ? timeline_->width() : size.width();
  const int timeline_h = Layout::timeline_height(log_ ? log_->timeline.lanes.size() : 0) + 4;
  int height = size.height();
  if (size.isEmpty()) {
    height = kind == ViewKind::timeline ? timeline_h
             : kind == ViewKind::memory ? memory_->height()
             : kind == ViewKind::table  ? table_->height()
                                        : timeline_h + memory_->height() + table_->height();
  }
  // The same time range at the export's width.
  ViewState view = view_;
  view.cursor.reset();
  view.mapping.set_width(Layout::plot_width(width));
  auto paint_table = [&](QPainter& p, int table_height) {
    const QSize keep = table_->size();
    table_->resize(width, table_height);
    table_->render(&p);
    table_->resize(keep);
  };
  auto paint = [&](QPainter& p) {
    switch (kind) {
      case ViewKind::timeline: paint_timeline(p, QSize(width, height), *log_, view, theme_); break;
      case ViewKind::memory: paint_memory(p, QSize(width, height), *log_, view, theme_); break;
      case ViewKind::all: {
        // Timeline over memory over table, as in the window: the table
        // takes what its rows need, up to a third; the timeline its lanes,
        // up to two thirds of the rest; the memory view what is left.
        const int table_h = std::min(height / 3, table_->horizontalHeader()->height() +
                                                     table_->verticalHeader()->length() + 2);
        const int th = std::min(timeline_h, (height - table_h) * 2 / 3);
        paint_timeline(p, QSize(width, th), *log_, view, theme_);
        p.translate(0, th);
        paint_memory(p, QSize(width, height - table_h - th), *log_, view, theme_);
        p.translate(0, height - table_h - th);
        paint_table(p, table_h);
        break;
      }
      case ViewKind::table: paint_table(p, height); break;
    }
  };
  if (svg) {
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(QSize(width, height));
    gen.setViewBox(QRect(0, 0, width, height));
    gen.setTitle("tswap-viewer: " + QFileInfo(path_).fileName());
    QPainter p;
    if (!p.begin(&gen)) {
      if (error) *error = tr("cannot write %1").arg(path);
      return false;
    }
    paint(p);
    p.end();
    return true;
  }
  QImage image(width, height, QImage::Format_ARGB32_Premultiplied);
  image.fill(theme_.background);
  {
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    paint(p);
  }
  if (!image.save(path)) {
    if (error) *error = tr("cannot write %1").arg(path);
    return false;
  }
  return true;
}

void MainWindow::exportInteractive(const QString& format) {
  const QString name = QFileInfo(path_).completeBaseName() + "." + format;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export view"), name, format == "svg" ? tr("SVG (*.svg)") : tr("PNG (*.png)"));
  if (path.isEmpty()) return;
  QString error;
  if (!exportView(path, last_focus_, {}, &error)) {
    QMessageBox::warning(this, tr("Export failed"), error);
  } else {
    status_->setText(tr("Wrote %1").arg(path));
  }
}

void MainWindow::showShortcuts() {
  QMessageBox::information(
      this, tr("Keyboard and mouse"),
      tr("<table>"
         "<tr><td><b>Wheel</b>, <b>W</b>/<b>S</b>, <b>+</b>/<b>-</b></td><td>zoom (at the mouse)</td></tr>"
         "<tr><td><b>Drag</b>, <b>Shift+Wheel</b>, <b>A</b>/<b>D</b>, arrows</td><td>pan</td></tr>"
         "<tr><td><b>Right-drag</b> or <b>Shift+drag</b></td><td>select a time range</td></tr>"
         "<tr><td><b>Z</b>, Ctrl+Z</td><td>zoom to the selected range</td></tr>"
         "<tr><td><b>F</b>, Ctrl+0</td><td>fit the whole log</td></tr>"
         "<tr><td><b>Click</b></td><td>select an event (details below)</td></tr>"
         "<tr><td><b>Double-click</b></td><td>zoom to the event</td></tr>"
         "<tr><td><b>Esc</b></td><td>clear the selection</td></tr>"
         "<tr><td>Ctrl+F, Enter, F3</td><td>search, next match</td></tr>"
         "<tr><td>Ctrl+O, Ctrl+E, Ctrl+Shift+E</td><td>open, export PNG, export SVG</td></tr>"
         "<tr><td>Ctrl+G</td><td>memory stacked per tag / per layer</td></tr>"
         "<tr><td>Ctrl+I</td><td>the what-if panel</td></tr>"
         "<tr><td>Ctrl+T</td><td>dark / light theme</td></tr>"
         "</table>"));
}

void MainWindow::setDarkTheme(bool dark) {
  theme_ = Theme::of(dark);
  qApp->setPalette(theme_.palette());
  if (dark_action_ && dark_action_->isChecked() != dark) dark_action_->setChecked(dark);
  viewChanged();
}

void MainWindow::setMemorySmallMultiples(bool on) {
  view_.memory_small_multiples = on;
  if (small_multiples_action_ && small_multiples_action_->isChecked() != on) small_multiples_action_->setChecked(on);
  viewChanged();
}

void MainWindow::setMemoryByTag(bool by_tag) {
  view_.memory_by_tag = by_tag;
  if (by_tag_action_ && by_tag_action_->isChecked() != by_tag) by_tag_action_->setChecked(by_tag);
  viewChanged();
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("recent").toStringList();
  recent.removeAll(path);
  recent.prepend(QFileInfo(path).absoluteFilePath());
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue("recent", recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value("recent").toStringList();
  for (const QString& path : recent) {
    recent_menu_->addAction(path, this, [this, path] { open(path); });
  }
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::restoreSettings() {
  QSettings settings;
  if (!restoreGeometry(settings.value("geometry").toByteArray())) resize(1500, 950);
  restoreState(settings.value("state").toByteArray());
  splitter_->restoreState(settings.value("splitter").toByteArray());
  setDarkTheme(settings.value("dark", true).toBool());
  setMemoryByTag(settings.value("memory_by_tag", false).toBool());
  rebuildRecentMenu();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  QSettings settings;
  settings.setValue("geometry", saveGeometry());
  settings.setValue("state", saveState());
  settings.setValue("splitter", splitter_->saveState());
  settings.setValue("dark", theme_.dark);
  settings.setValue("memory_by_tag", view_.memory_by_tag);
  loader_.cancel();
  QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  openDropped(e->mimeData()->urls());
}

void MainWindow::openDropped(const QList<QUrl>& urls) {
  // One file opens as before; several files, or a folder, are one run's ranks.
  QStringList paths;
  for (const QUrl& url : urls)
    if (url.isLocalFile()) paths << url.toLocalFile();
  paths = expand_log_paths(paths);
  if (paths.size() == 1) open(paths.first());
  if (paths.size() > 1) openRanks(paths);
}

}  // namespace tswap::viewer
