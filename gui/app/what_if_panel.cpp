#include "what_if_panel.h"

#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QThreadPool>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "statistics.h"

namespace tswap::viewer {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kDefaultLinkGbps = 25.0;  // the simulated runtime's default link

QString qs(const std::string& s) { return QString::fromStdString(s); }
QString bytes_text(double b) { return qs(format_bytes(b)); }
QString duration_text(double ns) { return qs(format_duration(ns)); }

QLabel* wrapped_label() {
  auto* l = new QLabel;
  l->setWordWrap(true);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return l;
}

}  // namespace

WhatIfPanel::WhatIfPanel(QWidget* parent) : QWidget(parent) {
  qRegisterMetaType<std::shared_ptr<const PredictedCurve>>();
  status_ = wrapped_label();
  status_->setText(tr("Open a log to plan its next run from."));
  tags_ = new QListWidget;
  tags_->setToolTip(tr("The tags the next run swaps (gives a context); the others are left on the device"));
  keep_last_ = new QSpinBox;
  keep_last_->setRange(1, 64);
  keep_last_->setToolTip(tr("SwapOptions::keep_last: the last N layers of each tag stay on the device"));
  depth_ = new QSpinBox;
  depth_->setRange(0, 64);
  depth_->setToolTip(tr("SwapOptions::prefetch_depth: how many layers ahead backward brings copies back "
                        "(0: on demand)"));
  budget_ = new QDoubleSpinBox;
  budget_->setDecimals(3);
  budget_->setRange(0, 1e9);
  budget_->setSuffix(" MiB");
  budget_->setKeyboardTracking(false);  // advise once the number is typed, not per digit
  budget_->setToolTip(tr("Device memory for saved activations that the advice must fit (it starts at "
                         "the run's measured peak)"));
  link_ = new QDoubleSpinBox;
  link_->setDecimals(3);
  link_->setRange(0.001, 1e5);
  link_->setValue(kDefaultLinkGbps);
  link_->setSuffix(" GB/s");
  link_->setKeyboardTracking(false);
  link_->setEnabled(false);
  link_->setToolTip(tr("The link's rate, for a log that times no copy (an observe run): otherwise "
                       "measured from the log's copies"));
  use_advice_ = new QPushButton(tr("Use the advice"));
  advice_text_ = wrapped_label();
  result_ = wrapped_label();

  auto* form = new QFormLayout;
  form->addRow(tr("Keep last"), keep_last_);
  form->addRow(tr("Prefetch depth"), depth_);
  form->addRow(tr("Budget"), budget_);
  form->addRow(tr("Link"), link_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(status_);
  layout->addWidget(new QLabel(tr("Tags swapped:")));
  layout->addWidget(tags_, 1);
  layout->addLayout(form);
  layout->addWidget(advice_text_);
  layout->addWidget(use_advice_);
  layout->addWidget(result_);
  layout->addStretch();
  setControlsEnabled(false);

  connect(tags_, &QListWidget::itemChanged, this, [this] { predict(); });
  for (QSpinBox* box : {keep_last_, depth_}) {
    connect(box, &QSpinBox::valueChanged, this, [this] { predict(); });
  }
  connect(budget_, &QDoubleSpinBox::valueChanged, this, [this](double mib) {
    if (applying_) return;
    budget_bytes_ = static_cast<std::uint64_t>(std::llround(mib * kMiB));
    startAdvice();
  });
  connect(link_, &QDoubleSpinBox::valueChanged, this, [this] {
    if (!applying_) startProfile(budget_bytes_);
  });
  connect(use_advice_, &QPushButton::clicked, this, [this] {
    if (advice_) applyPlan(advice_->plan);
  });
}

WhatIfPanel::~WhatIfPanel() {
  // Jobs post their results to this panel: none may run past it.
  QThreadPool::globalInstance()->waitForDone();
}

void WhatIfPanel::setTrace(std::shared_ptr<const trace::Trace> trace) {
  if (trace == trace_) return;
  trace_ = std::move(trace);
  profiled_ = false;
  ++generation_;  // a job on the previous log is stale
  what_if_.reset();
  advice_.reset();
  predicted_.reset();
  applying_ = true;
  tags_->clear();
  applying_ = false;
  setControlsEnabled(false);
  advice_text_->clear();
  result_->clear();
  status_->setText(trace_ ? tr("Profiling %1...").arg(QFileInfo(qs(trace_->path())).fileName())
                          : tr("Open a log to plan its next run from."));
  emit predictionChanged(nullptr);
  if (trace_ && isVisible()) startProfile(std::nullopt);
}

void WhatIfPanel::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  // Profiling and advising cost a walk of the log and every plan tried:
  // done when someone looks.
  if (trace_ && !profiled_) startProfile(std::nullopt);
}

void WhatIfPanel::startProfile(std::optional<std::uint64_t> budget) {
  if (!trace_) return;
  profiled_ = true;
  const std::uint64_t generation = ++generation_;
  ++jobs_;
  QThreadPool::globalInstance()->start([this, trace = trace_, link = link_->value(), budget, generation] {
    std::shared_ptr<const WhatIf> what_if;
    std::optional<trace::Advice> advice;
    QString error;
    try {
      what_if = std::make_shared<const WhatIf>(WhatIf::build(*trace, link));
      advice = trace::advise(what_if->profile, budget.value_or(what_if->default_budget()));
    } catch (const std::exception& e) {
      error = qs(e.what());
    }
    QMetaObject::invokeMethod(this, [this, what_if, advice, error, generation] {
      --jobs_;
      if (generation == generation_) profiled(what_if, advice, error);
    }, Qt::QueuedConnection);
  });
}

void WhatIfPanel::startAdvice() {
  if (!what_if_) return;
  const std::uint64_t generation = ++generation_;
  ++jobs_;
  QThreadPool::globalInstance()->start([this, what_if = what_if_, budget = budget_bytes_, generation] {
    trace::Advice advice = trace::advise(what_if->profile, budget);
    QMetaObject::invokeMethod(this, [this, advice = std::move(advice), generation] {
      --jobs_;
      if (generation == generation_) advised(advice);
    }, Qt::QueuedConnection);
  });
}

void WhatIfPanel::profiled(std::shared_ptr<const WhatIf> what_if, std::optional<trace::Advice> advice,
                           const QString& error) {
  what_if_ = std::move(what_if);
  if (!what_if_ || !advice) {
    // Nothing to plan from: say why; a log without a link rate may get one.
    status_->setText(tr("Cannot plan from this log: %1").arg(error));
    link_->setEnabled(error.contains("--link"));
    predicted_.reset();
    emit predictionChanged(nullptr);
    emit ready();
    return;
  }
  const trace::Profile& p = what_if_->profile;
  applying_ = true;
  tags_->clear();
  for (const std::string& tag : p.tags) {
    auto* item = new QListWidgetItem(qs(tag), tags_);
    item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    item->setCheckState(Qt::Unchecked);
  }
  int most_layers = 1;
  for (const std::string& tag : p.tags) {
    most_layers = std::max<int>(most_layers, static_cast<int>(std::count_if(
        p.layers.begin(), p.layers.end(), [&](const trace::ProfiledLayer& l) { return l.tag == tag; })));
  }
  keep_last_->setRange(1, most_layers);
  depth_->setRange(0, most_layers);
  budget_bytes_ = advice->budget;  // exact; the box shows it rounded
  budget_->setValue(static_cast<double>(advice->budget) / kMiB);
  applying_ = false;
  link_->setEnabled(what_if_->link_assumed);
  const QString link = what_if_->link_assumed
                           ? tr("link %1 GB/s as given: the log times no copy both ways").arg(p.d2h_bytes_per_ns)
                           : tr("link %1 GB/s out, %2 GB/s back, measured from %3 copies")
                                 .arg(p.d2h_bytes_per_ns, 0, 'f', 2)
                                 .arg(p.h2d_bytes_per_ns, 0, 'f', 2)
                                 .arg(p.copies_measured);
  status_->setText(tr("Step %1%2: %3 tags, %4 layers, %5 long; %6.")
                       .arg(p.step)
                       .arg(p.observed ? tr(" (observed)") : QString())
                       .arg(p.tags.size())
                       .arg(p.layers.size())
                       .arg(duration_text(static_cast<double>(p.step_ns)))
                       .arg(link));
  setControlsEnabled(true);
  advised(*advice);
  emit ready();
}

void WhatIfPanel::advised(const trace::Advice& advice) {
  advice_ = advice;
  describeAdvice();
  applyPlan(advice.plan);
}

void WhatIfPanel::describeAdvice() {
  if (!advice_) return advice_text_->clear();
  const trace::Advice& a = *advice_;
  const QString plan = qs(trace::describe(a.plan));
  if (a.budget_met) {
    advice_text_->setText(tr("Advice for %1: %2 (peak %3, stall %4 per step).")
                              .arg(bytes_text(static_cast<double>(a.budget)), plan,
                                   bytes_text(static_cast<double>(a.prediction.peak_bytes)),
                                   duration_text(static_cast<double>(a.prediction.stall_ns))));
  } else {
    advice_text_->setText(tr("No plan fits %1: the lowest peak any reaches is %2 (%3).")
                              .arg(bytes_text(static_cast<double>(a.budget)),
                                   bytes_text(static_cast<double>(a.lowest_reachable_peak)), plan));
  }
}

void WhatIfPanel::applyPlan(const trace::Plan& plan) {
  applying_ = true;
  for (int i = 0; i < tags_->count(); ++i) {
    QListWidgetItem* item = tags_->item(i);
    item->setCheckState(plan.swapped.count(item->text().toStdString()) ? Qt::Checked : Qt::Unchecked);
  }
  keep_last_->setValue(plan.keep_last);
  depth_->setValue(plan.prefetch_depth);
  applying_ = false;
  predict();
}

trace::Plan WhatIfPanel::currentPlan() const {
  trace::Plan plan;
  for (int i = 0; i < tags_->count(); ++i) {
    if (tags_->item(i)->checkState() == Qt::Checked) plan.swapped.insert(tags_->item(i)->text().toStdString());
  }
  plan.keep_last = keep_last_->value();
  plan.prefetch_depth = depth_->value();
  return plan;
}

void WhatIfPanel::predict() {
  if (applying_ || !what_if_) return;
  predicted_ = std::make_shared<const PredictedCurve>(PredictedCurve::build(*what_if_, currentPlan()));
  const trace::Prediction& p = predicted_->prediction;
  const std::uint64_t budget = budget_bytes_;
  const auto peak = static_cast<std::uint64_t>(std::max<std::int64_t>(p.peak_bytes, 0));
  QString text = tr("Predicted for %1: peak %2 (%3), stall %4 per step")
                     .arg(qs(trace::describe(predicted_->plan)), bytes_text(static_cast<double>(peak)),
                          peak <= budget ? tr("fits the budget")
                                         : tr("%1 over the budget").arg(bytes_text(static_cast<double>(peak - budget))),
                          duration_text(static_cast<double>(p.stall_ns)));
  QStringList per_tag;
  for (const auto& [tag, ns] : p.stall_per_tag) {
    if (ns > 0) per_tag << tr("%1 %2").arg(qs(tag), duration_text(static_cast<double>(ns)));
  }
  if (!per_tag.isEmpty()) text += " (" + per_tag.join(", ") + ")";
  text += tr("; moves %1 out and %2 back.")
              .arg(bytes_text(static_cast<double>(p.bytes_out)), bytes_text(static_cast<double>(p.bytes_back)));
  const trace::Profile& profile = what_if_->profile;
  if (profile.measured_resident_peak && profile.measured_stall_ns) {
    text += tr("\nMeasured in that step: peak %1, stall %2.")
                .arg(bytes_text(static_cast<double>(*profile.measured_resident_peak)),
                     duration_text(static_cast<double>(*profile.measured_stall_ns)));
  }
  result_->setText(text);
  emit predictionChanged(predicted_);
}

void WhatIfPanel::setControlsEnabled(bool enabled) {
  for (QWidget* w : std::initializer_list<QWidget*>{tags_, keep_last_, depth_, budget_, use_advice_}) {
    w->setEnabled(enabled);
  }
}

}  // namespace tswap::viewer
