// tswap-log advise: which tags to swap, with which knobs, under a memory
// budget (tswap::trace::advise), as text or JSON.

#include <cctype>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <tswap/trace/advise.h>
#include <tswap/trace/text.h>

#include "commands.h"
#include "loading.h"

namespace tswap::cli {

std::optional<std::uint64_t> parse_bytes(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit;
  for (char c : text.substr(used)) {
    if (!std::isspace(static_cast<unsigned char>(c))) unit += static_cast<char>(std::tolower(c));
  }
  double scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  if (unit == "k" || unit == "kib") scale = 1024.0;
  if (unit == "m" || unit == "mib") scale = 1024.0 * 1024;
  if (unit == "g" || unit == "gib") scale = 1024.0 * 1024 * 1024;
  if (unit == "kb") scale = 1e3;
  if (unit == "mb") scale = 1e6;
  if (unit == "gb") scale = 1e9;
  // Up to 2^62 bytes (4 EiB): a budget past that is a typo, and doubles
  // above 2^63 do not convert.
  if (scale == 0 || !(v >= 0) || !(v * scale <= 4.6e18)) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(v * scale));
}

namespace {

using nlohmann::json;

std::string bytes(std::int64_t b) {
  return trace::format_bytes(static_cast<double>(b));
}

std::string ms(std::uint64_t ns) {
  return trace::format_ms(ns) + " ms";
}

std::string gbps(double bytes_per_ns) {
  char s[32];
  std::snprintf(s, sizeof s, "%.2f GB/s", bytes_per_ns);
  return s;
}

std::string stalls(const trace::Prediction& p) {
  std::string out = ms(p.stall_ns) + " per step";
  if (p.stall_per_tag.empty()) return out;
  out += " (";
  for (std::size_t i = 0; i < p.stall_per_tag.size(); ++i) {
    out += (i ? ", " : "") + p.stall_per_tag[i].first + " " + ms(p.stall_per_tag[i].second);
  }
  return out + ")";
}

void print_apply(const trace::Profile& profile, const trace::Plan& plan, std::ostream& out) {
  if (plan.swapped.empty()) {
    out << "apply     no context swaps (or SwapOptions::enabled = false)\n";
    return;
  }
  out << "apply     in code, each swapped tag's contexts with these options:\n"
      << "            tswap::SwapOptions o;\n"
      << "            o.keep_last = " << plan.keep_last << ";\n"
      << "            o.prefetch_depth = " << plan.prefetch_depth << ";\n";
  for (const std::string& tag : plan.swapped) {
    out << "            // each layer of " << tag << ": tswap::SwapContext layer(\"" << tag
        << "\", o);\n";
  }
  for (const std::string& tag : profile.tags) {
    if (plan.swapped.count(tag) == 0) out << "          and no context for " << tag << "\n";
  }
  out << "          or without a rebuild (the environment overrides the code):\n"
      << "            TSWAP_KEEP_LAST=" << plan.keep_last
      << " TSWAP_PREFETCH_DEPTH=" << plan.prefetch_depth << "\n";
  std::string tags;
  for (const std::string& tag : plan.swapped) tags += (tags.empty() ? "" : ",") + tag;
  out << "          the samples: --swap " << tags << " --keep-last " << plan.keep_last
      << " --prefetch-depth " << plan.prefetch_depth << "\n";
}

void print_text(const trace::Trace& t, const trace::Profile& p, const trace::Advice& a,
                std::ostream& out) {
  std::size_t tensors = 0;
  for (const auto& l : p.layers) tensors += l.tensors.size();
  out << t.path() << "\n";
  out << "profile   step " << p.step << ", " << p.tags.size() << " tag"
      << (p.tags.size() == 1 ? "" : "s") << ", " << p.layers.size() << " layers, " << tensors
      << " tensors, " << ms(static_cast<std::uint64_t>(p.step_ns)) << "\n";
  out << "times     layer times from the " << (p.device_times ? "device" : "host")
      << (p.observed ? ", an observe run" : ", compute's waits on copies taken out") << "\n";
  if (!p.observed) {
    out << "note      a swapped run: it knows only what its swapped tags saved; an observe\n"
           "          run with every tag in scope plans for the rest\n";
  }
  out << "link      " << gbps(p.d2h_bytes_per_ns) << " out, " << gbps(p.h2d_bytes_per_ns)
      << " back"
      << (p.link_measured ? " (measured from " + std::to_string(p.copies_measured) + " copies)"
                          : std::string(" (given by --link)"))
      << "\n";
  if (p.measured_stall_ns) {
    out << "measured  this run's step: compute waited " << ms(*p.measured_stall_ns)
        << ", the engine held " << bytes(*p.measured_resident_peak) << " at most\n";
  }
  out << "now       without swapping, saved activations peak at "
      << bytes(a.without_swapping.peak_bytes) << "; budget " << bytes(static_cast<std::int64_t>(a.budget))
      << "\n";
  if (!a.budget_met) {
    out << "no plan   meets the budget: the lowest peak any plan reaches is "
        << bytes(a.lowest_reachable_peak) << ", with:\n";
  }
  out << (a.budget_met ? "advice    " : "          ") << describe(a.plan) << "\n";
  out << "  peak    " << bytes(a.prediction.peak_bytes) << " of saved activations; the engine "
      << "holds " << bytes(a.prediction.swapped_peak_bytes) << " of them at most\n";
  out << "  stall   " << stalls(a.prediction) << "\n";
  out << "  moves   " << bytes(static_cast<std::int64_t>(a.prediction.bytes_out)) << " out, "
      << bytes(static_cast<std::int64_t>(a.prediction.bytes_back)) << " back per step\n";
  print_apply(p, a.plan, out);  // without a fit: how to reach the lowest peak
  if (!a.runners_up.empty()) {
    out << "next best (under the budget)\n";
    for (const auto& [plan, pred] : a.runners_up) {
      out << "  " << describe(plan) << "\n      stall " << ms(pred.stall_ns) << ", peak "
          << bytes(pred.peak_bytes) << "\n";
    }
  }
  out << "The prediction replays the profiled step on a model of the engine and the link "
         "(docs/tuning.md).\n";
}

json plan_json(const trace::Plan& plan) {
  return {{"swap", plan.swapped}, {"keep_last", plan.keep_last},
          {"prefetch_depth", plan.prefetch_depth}};
}

json prediction_json(const trace::Prediction& p) {
  json per_tag = json::object();
  for (const auto& [tag, ns] : p.stall_per_tag) per_tag[tag] = ns;
  return {{"peak_bytes", p.peak_bytes},   {"swapped_peak_bytes", p.swapped_peak_bytes},
          {"stall_ns", p.stall_ns},       {"stall_ns_per_tag", per_tag},
          {"bytes_out", p.bytes_out},     {"bytes_back", p.bytes_back}};
}

json advice_json(const trace::Trace& t, const trace::Profile& p, const trace::Advice& a) {
  json runners = json::array();
  for (const auto& [plan, pred] : a.runners_up) {
    runners.push_back({{"plan", plan_json(plan)}, {"prediction", prediction_json(pred)}});
  }
  json doc = {
      {"log", t.path()},
      {"step", p.step},
      {"tags", p.tags},
      {"layer_times", p.device_times ? "device" : "host"},
      {"observed", p.observed},
      {"link", {{"d2h_gb_per_s", p.d2h_bytes_per_ns},
                {"h2d_gb_per_s", p.h2d_bytes_per_ns},
                {"measured", p.link_measured},
                {"copies_measured", p.copies_measured}}},
      {"measured", p.measured_stall_ns
                       ? json{{"stall_ns", *p.measured_stall_ns},
                              {"resident_peak_bytes", *p.measured_resident_peak}}
                       : json(nullptr)},
      {"budget_bytes", a.budget},
      {"budget_met", a.budget_met},
      {"lowest_reachable_peak_bytes", a.lowest_reachable_peak},
      {"without_swapping", prediction_json(a.without_swapping)},
      {"plan", plan_json(a.plan)},
      {"prediction", prediction_json(a.prediction)},
      {"runners_up", runners},
  };
  return doc;
}

/// How far `measured` is from `predicted`, as "+12.3%" ("-" from 0).
std::string off_by(double predicted, double measured) {
  if (predicted == 0) return measured == 0 ? "exact" : "-";
  char s[32];
  std::snprintf(s, sizeof s, "%+.1f%%", 100.0 * (measured - predicted) / predicted);
  return s;
}

/// What the applied run did: its swapped tags (those that copied) and the
/// schedule its steps began with.
struct RanWith {
  std::set<std::string> swapped;
  std::optional<trace::StepSchedule> schedule;
  std::string text() const {
    std::string out = swapped.empty() ? "swapped nothing" : "swapped ";
    bool first = true;
    for (const auto& t : swapped) {
      out += (first ? "" : " and ") + t;
      first = false;
    }
    if (!schedule || !schedule->recorded) return out + ", a schedule the log does not record";
    out += ", keep_last " + std::to_string(schedule->keep_last) + ", prefetch_depth " +
           std::to_string(schedule->prefetch_depth);
    if (schedule->max_copies_in_flight > 0)
      out += ", max_copies_in_flight " + std::to_string(schedule->max_copies_in_flight);
    return out;
  }
  /// Why the run is not the plan ("" when it is).
  std::string differs_from(const trace::Plan& plan) const {
    std::string why;
    if (swapped != plan.swapped) why = "other tags swapped";
    if (schedule && schedule->recorded) {
      auto add = [&why](const std::string& w) { why += (why.empty() ? "" : ", ") + w; };
      if (schedule->keep_last != plan.keep_last) add("another keep_last");
      if (schedule->prefetch_depth != plan.prefetch_depth) add("another prefetch_depth");
      if (schedule->max_copies_in_flight > 0) add("a limit on copies in flight the model lacks");
    }
    return why;
  }
};

RanWith ran_with(const trace::Trace& t) {
  RanWith r;
  for (const trace::Event& e : t.events()) {
    if (e.event_kind() == trace::EventKind::d2h_queued) r.swapped.emplace(t.tag(e.tag));
    if (e.event_kind() == trace::EventKind::step_begin && !r.schedule)
      r.schedule = trace::decode_schedule(e.value);
  }
  return r;
}

}  // namespace

int advise(const std::string& file, const std::string& budget_text,
           std::optional<double> link_gbps, const std::string& format, std::ostream& out,
           std::ostream& err, const std::string& against) {
  const std::optional<std::uint64_t> budget = parse_bytes(budget_text);
  if (!budget) {
    err << "tswap-log: --budget '" << budget_text
        << "' is not a size (bytes, or a number with B, KiB, MiB, GiB, KB, MB or GB); see "
           "tswap-log advise --help\n";
    return kUsage;
  }
  std::optional<trace::Trace> t = load(file, err);
  if (!t) return kUnreadable;
  return stage("advise on", *t, err, [&] {
    trace::Profile p;
    try {
      p = trace::profile(*t, link_gbps);
    } catch (const trace::AdviseError& e) {
      err << "tswap-log: " << e.what() << "\n";
      return static_cast<int>(kCannotPlan);
    }
    const trace::Advice a = trace::advise(p, *budget);
    // The run the advice was applied in, measured against the prediction.
    std::optional<trace::Profile> applied;
    RanWith ran;
    if (!against.empty()) {
      std::optional<trace::Trace> b = load(against, err);
      if (!b) return static_cast<int>(kUnreadable);
      try {
        applied = trace::profile(*b, link_gbps);
      } catch (const trace::AdviseError& e) {
        err << "tswap-log: " << e.what() << "\n";
        return static_cast<int>(kCannotPlan);
      }
      if (!applied->measured_stall_ns) {
        err << "tswap-log: " << against
            << ": copied nothing (an observe run?): --against takes the run the advice was "
               "applied in\n";
        return static_cast<int>(kCannotPlan);
      }
      ran = ran_with(*b);
    }
    if (format == "json") {
      json doc = advice_json(*t, p, a);
      if (applied) {
        const std::optional<trace::StepSchedule>& sched = ran.schedule;
        doc["against"] = {{"log", against},
                          {"swapped", ran.swapped},
                          {"keep_last", sched && sched->recorded ? json(sched->keep_last) : json(nullptr)},
                          {"prefetch_depth",
                           sched && sched->recorded ? json(sched->prefetch_depth) : json(nullptr)},
                          {"max_copies_in_flight",
                           sched && sched->recorded ? json(sched->max_copies_in_flight) : json(nullptr)},
                          {"differs_from_plan", ran.differs_from(a.plan)},
                          {"measured_stall_ns", *applied->measured_stall_ns},
                          {"measured_resident_peak_bytes", *applied->measured_resident_peak}};
      }
      out << doc.dump(2) << "\n";
    } else {
      print_text(*t, p, a, out);
      if (applied) {
        out << "against   " << against << "\n          (" << ran.text() << ")\n";
        const std::string why = ran.differs_from(a.plan);
        if (!why.empty()) {
          out << "  warning this run is not the advice (" << why
              << "):\n          the figures below compare different plans\n";
        }
        out
            << "  peak    the engine held " << bytes(*applied->measured_resident_peak)
            << ", predicted " << bytes(a.prediction.swapped_peak_bytes) << " ("
            << off_by(static_cast<double>(a.prediction.swapped_peak_bytes),
                      static_cast<double>(*applied->measured_resident_peak))
            << ")\n"
            << "  stall   compute waited " << ms(*applied->measured_stall_ns) << " in its step "
            << applied->step << ", predicted " << ms(a.prediction.stall_ns) << " ("
            << off_by(static_cast<double>(a.prediction.stall_ns),
                      static_cast<double>(*applied->measured_stall_ns))
            << ")\n";
      }
    }
    return a.budget_met ? static_cast<int>(kOk) : static_cast<int>(kFound);
  });
}

}  // namespace tswap::cli
