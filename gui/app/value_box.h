#pragma once

// A spin box over the values that occur in a log (the steps, the layers),
// for the toolbar's filters: "all", or one of them. The arrows and the
// wheel go to the next value that occurs; typing a number picks it when it
// occurs. It holds the values themselves (a sorted vector), so a log from
// step 20,000,000 or at step 2^32 - 1 costs three entries, where a combo
// box of every number up to the largest cost gigabytes (issue 10). UI
// thread only.

#include <QAbstractSpinBox>

#include <cstdint>
#include <optional>
#include <vector>

namespace tswap::viewer {

class ValueBox : public QAbstractSpinBox {
  Q_OBJECT
 public:
  explicit ValueBox(QWidget* parent = nullptr);

  /// The values to offer (sorted and made unique here); shows "all".
  void setValues(std::vector<std::uint32_t> values);
  const std::vector<std::uint32_t>& values() const { return values_; }
  /// nullopt: all.
  std::optional<std::uint32_t> value() const;
  /// Shows `v` if it occurs, else "all".
  void setValue(std::optional<std::uint32_t> v);

  QValidator::State validate(QString& input, int& pos) const override;
  void fixup(QString& input) const override;
  void stepBy(int steps) override;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  /// The user picked a value (or "all"): by the arrows, the wheel, or
  /// typing and Enter.
  void activated();

 protected:
  StepEnabled stepEnabled() const override;

 private:
  /// The position of the value `text` names, -1 for "all", or nullopt.
  std::optional<long> parse(const QString& text) const;
  void show_current();
  void commit();

  std::vector<std::uint32_t> values_;  // sorted, unique
  long current_ = -1;                  // index into values_, -1: all
};

}  // namespace tswap::viewer
