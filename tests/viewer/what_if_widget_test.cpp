// The what-if panel (View > What If..., gui/app/what_if_panel.h) on Qt's
// offscreen platform, on what_if_logs.h's two nested tags: it starts at
// trace::advise's choice for the run's measured peak, each change redraws
// trace::predict's curve on the memory view, a budget re-advises, and a log
// that cannot be planned from says why.

#include <QAction>
#include <QDoubleSpinBox>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include <tswap/trace/advise.h>

#include "main_window.h"
#include "memory_legend.h"
#include "painters.h"
#include "views.h"
#include "what_if_logs.h"
#include "what_if_panel.h"

using namespace tswap::viewer;
using tswap::trace::Plan;

namespace {

QString write(const QTemporaryDir& dir, const QString& name, const std::vector<std::uint8_t>& bytes) {
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString(), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace

class WhatIfWidgetTest : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString swapped_, observed_, no_backward_;

  /// A window with `path` loaded and the what-if panel opened and ready.
  std::unique_ptr<MainWindow> planned(const QString& path) {
    auto w = std::make_unique<MainWindow>();
    w->resize(1600, 900);
    w->show();
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    w->open(path);
    if (!shown.wait(10000)) return nullptr;
    QSignalSpy ready(w->whatIfPanel(), &WhatIfPanel::ready);
    QAction* open = nullptr;
    for (QAction* a : w->findChildren<QAction*>()) {
      if (a->text() == "&What If...") open = a;
    }
    if (!open) return nullptr;
    open->trigger();
    if (!ready.wait(10000)) return nullptr;
    return w;
  }

  static Plan planOf(const WhatIfPanel& panel) {
    Plan p;
    for (int i = 0; i < panel.tagList()->count(); ++i) {
      if (panel.tagList()->item(i)->checkState() == Qt::Checked) {
        p.swapped.insert(panel.tagList()->item(i)->text().toStdString());
      }
    }
    p.keep_last = panel.keepLastBox()->value();
    p.prefetch_depth = panel.prefetchDepthBox()->value();
    return p;
  }

  /// The memory view draws `w`'s prediction, and it is predict()'s for `plan`.
  static void expectDrawn(const MainWindow& w, const Plan& plan) {
    const std::shared_ptr<const PredictedCurve> drawn = w.viewState().predicted;
    QVERIFY(drawn);
    QCOMPARE(drawn->plan, plan);
    const PredictedCurve expected = PredictedCurve::build(*w.whatIfPanel()->whatIf(), plan);
    QCOMPARE(drawn->curve.times(), expected.curve.times());
    QCOMPARE(drawn->curve.levels(), expected.curve.levels());
    QCOMPARE(drawn->prediction.stall_ns, expected.prediction.stall_ns);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    swapped_ = write(dir_, "swapped.tswap", tswap_test::what_if_log().bytes());
    observed_ = write(dir_, "observed.tswap", tswap_test::what_if_log(true).bytes());
    tswap_test::LogBuilder b;
    b.standard_names().records(1, {tswap_test::rec(tswap::trace::EventKind::layer_enter, 100, 0),
                                   tswap_test::rec(tswap::trace::EventKind::swap_created, 110, 0, 0, 4096),
                                   tswap_test::rec(tswap::trace::EventKind::layer_exit, 200, 0)});
    b.end(3);
    no_backward_ = write(dir_, "no_backward.tswap", b.bytes());
  }

  void thePanelStartsAtTheAdvisorsChoiceAndDrawsItsPrediction() {
    auto w = planned(swapped_);
    QVERIFY(w);
    WhatIfPanel& panel = *w->whatIfPanel();
    QVERIFY(panel.whatIf());
    // The budget: the run's measured peak; the plan: advise()'s for it.
    const tswap::trace::Profile& profile = panel.whatIf()->profile;
    QCOMPARE(panel.budget(), static_cast<std::uint64_t>(*profile.measured_resident_peak));
    const tswap::trace::Advice advice = tswap::trace::advise(profile, panel.budget());
    QVERIFY(panel.advice());
    QCOMPARE(panel.advice()->plan, advice.plan);
    QCOMPARE(planOf(panel), advice.plan);
    QCOMPARE(panel.tagList()->count(), 2);
    expectDrawn(*w, advice.plan);
    QVERIFY2(panel.adviceLabel()->text().startsWith("Advice for "), qPrintable(panel.adviceLabel()->text()));
    QVERIFY2(panel.predictionLabel()->text().contains("fits the budget"), qPrintable(panel.predictionLabel()->text()));
    QVERIFY2(panel.statusLabel()->text().contains("measured from 8 copies"), qPrintable(panel.statusLabel()->text()));
    QVERIFY(!panel.linkBox()->isEnabled());  // the log's copies give the rate
    // The legend names the plan; the curve is drawn in its colour.
    QFont font;
    font.setPointSize(8);
    QStringList texts;
    for (const LegendEntry& e : memory_legend(QFontMetrics(font), 1600, Layout::kRuler + 5, *w->loadedLog(),
                                              w->viewState(), Theme::of(true)).entries) {
      texts << e.text;
    }
    QVERIFY2(texts.contains(QString::fromStdString("predicted: " + describe(advice.plan))), qPrintable(texts.join(",")));
    const QImage image = w->memoryView()->grab().toImage();
    int predicted = 0;
    for (int y = 0; y < image.height(); ++y) {
      for (int x = Layout::kHeader; x < image.width(); ++x) predicted += image.pixel(x, y) == Theme::of(true).predicted.rgb();
    }
    QVERIFY2(predicted > 20, qPrintable(QString::number(predicted)));
    // Closing the panel takes the curve away; opening it brings it back.
    auto* dock = w->findChild<QWidget*>("what_if");
    QVERIFY(dock);
    dock->hide();
    QVERIFY(!w->viewState().predicted);
    dock->show();
    QVERIFY(w->viewState().predicted);
  }

  void eachChangeRedrawsThePredictionAsPredictSays() {
    auto w = planned(swapped_);
    QVERIFY(w);
    WhatIfPanel& panel = *w->whatIfPanel();
    const Plan advised = planOf(panel);
    // Tick each tag off and on again.
    for (int i = 0; i < panel.tagList()->count(); ++i) {
      QListWidgetItem* item = panel.tagList()->item(i);
      const Qt::CheckState was = item->checkState();
      item->setCheckState(was == Qt::Checked ? Qt::Unchecked : Qt::Checked);
      const Plan toggled = planOf(panel);
      QVERIFY(!(toggled == advised));
      expectDrawn(*w, toggled);
      QVERIFY2(panel.predictionLabel()->text().startsWith(QString::fromStdString("Predicted for " + describe(toggled))),
               qPrintable(panel.predictionLabel()->text()));
      item->setCheckState(was);
      expectDrawn(*w, advised);
    }
    // Keep-last and prefetch depth.
    panel.keepLastBox()->setValue(2);
    expectDrawn(*w, planOf(panel));
    QCOMPARE(w->viewState().predicted->plan.keep_last, 2);
    panel.prefetchDepthBox()->setValue(0);
    QCOMPARE(w->viewState().predicted->plan.prefetch_depth, 0);
    expectDrawn(*w, planOf(panel));
    // The advice again.
    panel.findChild<QPushButton*>()->click();
    QCOMPARE(planOf(panel), advised);
    expectDrawn(*w, advised);
  }

  void aBudgetReAdvisesAndOneTooLowIsSaidToBe() {
    auto w = planned(swapped_);
    QVERIFY(w);
    WhatIfPanel& panel = *w->whatIfPanel();
    // 0.001 MiB (the box's finest step, 1049 B): below what any plan reaches.
    QSignalSpy predicted(&panel, &WhatIfPanel::predictionChanged);
    panel.budgetBox()->setValue(0.001);
    QVERIFY(predicted.wait(10000));
    QCOMPARE(panel.budget(), std::uint64_t{1049});
    const tswap::trace::Advice advice = tswap::trace::advise(panel.whatIf()->profile, 1049);
    QVERIFY(!advice.budget_met);
    QCOMPARE(planOf(panel), advice.plan);
    QVERIFY2(panel.adviceLabel()->text().startsWith("No plan fits 1.0 KiB: the lowest peak any reaches is"),
             qPrintable(panel.adviceLabel()->text()));
    QVERIFY2(panel.predictionLabel()->text().contains("over the budget"), qPrintable(panel.predictionLabel()->text()));
    expectDrawn(*w, advice.plan);
  }

  void anObservedRunTakesTheLinkGiven() {
    auto w = planned(observed_);
    QVERIFY(w);
    WhatIfPanel& panel = *w->whatIfPanel();
    QVERIFY(panel.whatIf());
    QVERIFY(panel.whatIf()->link_assumed);
    QVERIFY(panel.linkBox()->isEnabled());
    QVERIFY2(panel.statusLabel()->text().contains("(observed)") &&
                 panel.statusLabel()->text().contains("link 25 GB/s as given"),
             qPrintable(panel.statusLabel()->text()));
    QCOMPARE(panel.budget(), std::uint64_t{36000});  // its peak without swapping
    // Another rate profiles again.
    QSignalSpy ready(&panel, &WhatIfPanel::ready);
    panel.linkBox()->setValue(0.5);
    QVERIFY(ready.wait(10000));
    QCOMPARE(panel.whatIf()->profile.d2h_bytes_per_ns, 0.5);
    QCOMPARE(panel.budget(), std::uint64_t{36000});  // kept
    expectDrawn(*w, planOf(panel));
  }

  void aLogThatCannotBePlannedFromSaysWhy() {
    auto w = planned(no_backward_);
    QVERIFY(w);
    WhatIfPanel& panel = *w->whatIfPanel();
    QVERIFY(!panel.whatIf());
    QVERIFY2(panel.statusLabel()->text().startsWith("Cannot plan from this log: ") &&
                 panel.statusLabel()->text().contains("has no complete step"),
             qPrintable(panel.statusLabel()->text()));
    QVERIFY(!panel.tagList()->isEnabled());
    QVERIFY(!w->viewState().predicted);
    // Another log, which can, is planned when opened.
    QSignalSpy ready(&panel, &WhatIfPanel::ready);
    QSignalSpy shown(w.get(), &MainWindow::logShown);
    w->open(swapped_);
    QVERIFY(shown.wait(10000));
    QVERIFY(ready.wait(10000));
    QVERIFY(panel.whatIf());
    QVERIFY(panel.tagList()->isEnabled());
    QVERIFY(w->viewState().predicted);
  }
};

QTEST_MAIN(WhatIfWidgetTest)
#include "what_if_widget_test.moc"
