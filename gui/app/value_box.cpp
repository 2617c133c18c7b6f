#include "value_box.h"

#include <QFontMetrics>
#include <QLineEdit>
#include <QStyle>
#include <QStyleOptionSpinBox>

#include <algorithm>

namespace tswap::viewer {

ValueBox::ValueBox(QWidget* parent) : QAbstractSpinBox(parent) {
  setAccelerated(false);
  setKeyboardTracking(false);
  show_current();
  connect(this, &QAbstractSpinBox::editingFinished, this, &ValueBox::commit);
}

void ValueBox::setValues(std::vector<std::uint32_t> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  values_ = std::move(values);
  current_ = -1;
  show_current();
  updateGeometry();
}

std::optional<std::uint32_t> ValueBox::value() const {
  if (current_ < 0) return std::nullopt;
  return values_[static_cast<std::size_t>(current_)];
}

void ValueBox::setValue(std::optional<std::uint32_t> v) {
  current_ = -1;
  if (v) {
    const auto it = std::lower_bound(values_.begin(), values_.end(), *v);
    if (it != values_.end() && *it == *v) current_ = it - values_.begin();
  }
  show_current();
}

std::optional<long> ValueBox::parse(const QString& text) const {
  const QString t = text.trimmed();
  if (t.isEmpty() || t.compare(tr("all"), Qt::CaseInsensitive) == 0) return -1;
  bool ok = false;
  const qulonglong n = t.toULongLong(&ok);
  if (!ok || n > 0xffffffffull) return std::nullopt;
  const auto it = std::lower_bound(values_.begin(), values_.end(), static_cast<std::uint32_t>(n));
  if (it == values_.end() || *it != n) return std::nullopt;
  return it - values_.begin();
}

QValidator::State ValueBox::validate(QString& input, int&) const {
  if (parse(input)) return QValidator::Acceptable;
  const QString t = input.trimmed();
  if (tr("all").startsWith(t, Qt::CaseInsensitive)) return QValidator::Intermediate;
  bool ok = false;
  const qulonglong n = t.toULongLong(&ok);
  return ok && n <= 0xffffffffull ? QValidator::Intermediate : QValidator::Invalid;
}

void ValueBox::fixup(QString& input) const {
  // A number that does not occur: the nearest that does.
  bool ok = false;
  const qulonglong n = input.trimmed().toULongLong(&ok);
  if (!ok || values_.empty()) {
    input = current_ < 0 ? tr("all") : QString::number(values_[static_cast<std::size_t>(current_)]);
    return;
  }
  auto it = std::lower_bound(values_.begin(), values_.end(), static_cast<std::uint32_t>(std::min(n, 0xffffffffull)));
  if (it == values_.end() || (it != values_.begin() && n - *(it - 1) < *it - n)) --it;
  input = QString::number(*it);
}

void ValueBox::stepBy(int steps) {
  const long last = static_cast<long>(values_.size()) - 1;
  current_ = std::clamp(current_ + steps, -1L, last);
  show_current();
  emit activated();
}

QAbstractSpinBox::StepEnabled ValueBox::stepEnabled() const {
  StepEnabled e = StepNone;
  if (current_ > -1) e |= StepDownEnabled;
  if (current_ + 1 < static_cast<long>(values_.size())) e |= StepUpEnabled;
  return e;
}

void ValueBox::show_current() {
  lineEdit()->setText(current_ < 0 ? tr("all") : QString::number(values_[static_cast<std::size_t>(current_)]));
}

void ValueBox::commit() {
  QString text = lineEdit()->text();
  std::optional<long> picked = parse(text);
  if (!picked) {
    fixup(text);
    picked = parse(text);
  }
  if (!picked || *picked == current_) {
    show_current();
    return;
  }
  current_ = *picked;
  show_current();
  emit activated();
}

QSize ValueBox::sizeHint() const {
  // Room for the largest value, not for every one.
  const QString widest = values_.empty() ? tr("all") : QString::number(values_.back());
  const int text = std::max(fontMetrics().horizontalAdvance(widest), fontMetrics().horizontalAdvance(tr("all")));
  QStyleOptionSpinBox opt;
  initStyleOption(&opt);
  const QSize content(text + 12, lineEdit()->sizeHint().height());
  return style()->sizeFromContents(QStyle::CT_SpinBox, &opt, content, this);
}

QSize ValueBox::minimumSizeHint() const { return sizeHint(); }

}  // namespace tswap::viewer
