#include "what_if.h"

#include <algorithm>

namespace tswap::viewer {

WhatIf WhatIf::build(const trace::Trace& trace, std::optional<double> link_gbps) {
  WhatIf w;
  try {
    w.profile = trace::profile(trace);
  } catch (const trace::AdviseError&) {
    if (!link_gbps) throw;
    // With a rate for the link; a log that cannot be planned from for
    // another reason says so again.
    w.profile = trace::profile(trace, link_gbps);
    w.link_assumed = true;
  }
  w.origin_ns = w.profile.origin_ns;
  w.without_swapping = trace::predict(w.profile, trace::Plan{});
  return w;
}

std::uint64_t WhatIf::default_budget() const {
  const std::int64_t measured = profile.measured_resident_peak.value_or(0);
  const std::int64_t peak = measured > 0 ? measured : without_swapping.peak_bytes;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(peak, 0));
}

PredictedCurve PredictedCurve::build(const WhatIf& what_if, const trace::Plan& plan) {
  PredictedCurve p;
  p.plan = plan;
  p.prediction = trace::predict(what_if.profile, plan);
  const auto origin = static_cast<std::int64_t>(what_if.origin_ns);
  auto on_axis = [&](std::int64_t t) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, origin + t));
  };
  p.curve.reserve(p.prediction.curve.size());
  std::uint64_t last_at = 0;  // predict()'s points come in time order; a curve needs them so
  for (const auto& [t, bytes] : p.prediction.curve) {
    last_at = std::max(last_at, on_axis(t));
    p.curve.append(last_at, bytes);
  }
  p.curve.seal();
  const std::int64_t last = p.prediction.curve.empty() ? 0 : p.prediction.curve.back().first;
  p.begin = on_axis(0);
  p.end = on_axis(std::max(last, what_if.profile.step_ns + static_cast<std::int64_t>(p.prediction.stall_ns)));
  return p;
}

}  // namespace tswap::viewer
