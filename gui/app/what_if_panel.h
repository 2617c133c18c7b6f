#pragma once

// The what-if panel (View > What If...): tick the tags to swap, set
// keep-last-N and the prefetch depth, and the memory view redraws
// trace::predict's curve for that plan beside the measured ones; the panel
// says the predicted peak against a budget and the stall estimate. It
// starts at trace::advise's choice for the budget (the run's measured peak
// until changed). Profiling the log and advising run on a worker thread
// (results of a stale job are dropped); a prediction is quick and runs on
// the UI thread at each change. UI thread only.

#include <QWidget>

#include <memory>
#include <optional>

#include <tswap/trace/advise.h>

#include "what_if.h"

class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace tswap::viewer {

class WhatIfPanel : public QWidget {
  Q_OBJECT
 public:
  explicit WhatIfPanel(QWidget* parent = nullptr);
  ~WhatIfPanel() override;

  /// The log to plan from (null: none); profiled once the panel is shown.
  void setTrace(std::shared_ptr<const trace::Trace> trace);
  /// The plan's prediction now shown (null while there is none).
  std::shared_ptr<const PredictedCurve> predicted() const { return predicted_; }

  // For tests.
  const WhatIf* whatIf() const { return what_if_.get(); }
  const std::optional<trace::Advice>& advice() const { return advice_; }
  bool busy() const { return jobs_ > 0; }
  QListWidget* tagList() const { return tags_; }
  QSpinBox* keepLastBox() const { return keep_last_; }
  QSpinBox* prefetchDepthBox() const { return depth_; }
  QDoubleSpinBox* budgetBox() const { return budget_; }
  std::uint64_t budget() const { return budget_bytes_; }
  QDoubleSpinBox* linkBox() const { return link_; }
  QLabel* statusLabel() const { return status_; }
  QLabel* adviceLabel() const { return advice_text_; }
  QLabel* predictionLabel() const { return result_; }

 signals:
  /// A new prediction to draw (null: none, the log cannot be planned from).
  void predictionChanged(std::shared_ptr<const tswap::viewer::PredictedCurve> predicted);
  /// A profile and its advice arrived, or the log cannot be planned from.
  void ready();

 protected:
  void showEvent(QShowEvent* e) override;

 private:
  /// Profiles the log (with the link box's rate where it has none) and
  /// advises for `budget` (none: the profile's default), off the UI thread.
  void startProfile(std::optional<std::uint64_t> budget);
  /// Advises for the budget box's budget, off the UI thread.
  void startAdvice();
  void profiled(std::shared_ptr<const WhatIf> what_if, std::optional<trace::Advice> advice, const QString& error);
  void advised(const trace::Advice& advice);
  /// Sets the controls to `plan` (without a prediction per control), then predicts.
  void applyPlan(const trace::Plan& plan);
  trace::Plan currentPlan() const;
  /// predict() of the controls' plan, drawn and described.
  void predict();
  void describeAdvice();
  void setControlsEnabled(bool enabled);

  std::shared_ptr<const trace::Trace> trace_;
  bool profiled_ = false;  // trace_ was handed to a profiling job
  std::shared_ptr<const WhatIf> what_if_;
  std::optional<trace::Advice> advice_;
  std::shared_ptr<const PredictedCurve> predicted_;
  std::uint64_t generation_ = 0;  // of the newest job; older results are dropped
  int jobs_ = 0;                  // running
  bool applying_ = false;         // the controls are being set: no prediction per control
  std::uint64_t budget_bytes_ = 0;  // the budget, exactly (the box shows MiB, rounded)

  QLabel* status_ = nullptr;
  QListWidget* tags_ = nullptr;
  QSpinBox* keep_last_ = nullptr;
  QSpinBox* depth_ = nullptr;
  QDoubleSpinBox* budget_ = nullptr;
  QDoubleSpinBox* link_ = nullptr;
  QPushButton* use_advice_ = nullptr;
  QLabel* advice_text_ = nullptr;
  QLabel* result_ = nullptr;
};

}  // namespace tswap::viewer

Q_DECLARE_METATYPE(std::shared_ptr<const tswap::viewer::PredictedCurve>)
