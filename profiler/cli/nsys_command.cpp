// tswap-log nsys: a log joined to an Nsight Systems capture of the same run
// (tswap::nsys::join): which logged copies matched a CUDA memcpy, the
// queueing delay, device GB/s, overlap with kernels, the exposed copies.

#include <algorithm>
#include <iomanip>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include <tswap/nsys/join.h>
#include <tswap/trace/text.h>

#include "commands.h"

namespace tswap::cli {
namespace {

const char* direction_name(trace::CopyDirection d) {
  return d == trace::CopyDirection::out ? "D2H" : "H2D";
}

std::string copy_name(const trace::Trace& t, const trace::SwapKey& k, trace::CopyDirection d) {
  std::ostringstream out;
  out << direction_name(d) << " " << trace::printable(t.tag(k.tag)) << " L" << k.layer << " #"
      << k.index << " step " << k.step;
  return out.str();
}

std::string duration(std::uint64_t ns) {
  return trace::format_duration(static_cast<double>(ns));
}

std::vector<const nsys::JoinedCopy*> worst_exposed(const nsys::Join& j) {
  std::vector<const nsys::JoinedCopy*> v;
  for (const nsys::JoinedCopy& c : j.copies) v.push_back(&c);
  std::stable_sort(v.begin(), v.end(), [](const nsys::JoinedCopy* a, const nsys::JoinedCopy* b) {
    return a->exposed_ns() > b->exposed_ns();
  });
  return v;
}

std::pair<std::int64_t, std::int64_t> delays(const nsys::Join& j) {  // median, max
  std::vector<std::int64_t> d;
  for (const nsys::JoinedCopy& c : j.copies) d.push_back(c.queue_delay_ns());
  if (d.empty()) return {0, 0};
  std::sort(d.begin(), d.end());
  return {d[d.size() / 2], d.back()};
}

void print_text(const trace::Trace& t, const nsys::Capture& c, const nsys::Join& j,
                std::ostream& out) {
  out << t.path() << " + " << c.path() << ": joined at the session mark (capture time "
      << j.log_zero << " ns is the log's time 0), pid " << j.pid << "\n";
  if (j.ranges_matched == 0) {
    out << "  clocks     no NVTX range matched by operation id: the clocks meet at the session "
           "mark only\n";
  } else {
    out << "  clocks     " << j.ranges_matched << " NVTX ranges matched by operation id; they "
        << "agree with the log to within " << duration(j.residual_max_ns) << " (median "
        << duration(j.residual_median_ns) << ")\n";
  }
  if (j.ranges_without_id != 0) {
    out << "  warning    " << j.ranges_without_id
        << " tensorswap NVTX ranges carry no operation id this reader could decode (an "
           "extended payload whose schema the export lacks?); record with "
           "TSWAP_NVTX_PAYLOAD=classic to put the id in the plain payload\n";
  }
  out << "  copies     " << j.copies.size() << " of " << j.logged_copies
      << " logged copies matched a CUDA memcpy\n";
  if (j.copies.empty()) {
    out << "  (none matched: no figures)\n";
  } else {
    const auto [median, max] = delays(j);
    out << "  queueing   runtime call to GPU start: median "
        << duration(static_cast<std::uint64_t>(std::max<std::int64_t>(median, 0))) << ", max "
        << duration(static_cast<std::uint64_t>(std::max<std::int64_t>(max, 0))) << "\n";
    for (const auto d : {trace::CopyDirection::out, trace::CopyDirection::back}) {
      const std::optional<double> gbps = j.gb_per_s(d);
      out << "  " << direction_name(d) << "        ";
      if (gbps) {
        out << std::fixed << std::setprecision(2) << *gbps << " GB/s on the device\n";
      } else {
        out << "-\n";
      }
    }
    out.unsetf(std::ios::floatfield);
    if (const std::optional<double> share = j.overlap_share()) {
      out << "  overlap    " << std::fixed << std::setprecision(1) << 100.0 * *share
          << "% of the copies' GPU time ran beside kernels\n";
      out.unsetf(std::ios::floatfield);
    }
    out << "\nexposed copies (GPU time no kernel hid), worst first:\n";
    const auto worst = worst_exposed(j);
    for (std::size_t i = 0; i < worst.size() && i < 10; ++i) {
      const nsys::JoinedCopy& e = *worst[i];
      out << "  " << std::setw(10) << duration(e.exposed_ns()) << " of " << std::setw(10)
          << duration(e.duration_ns()) << "  " << copy_name(t, e.key, e.direction) << " ("
          << trace::format_bytes(static_cast<double>(e.bytes)) << ", stream " << e.stream
          << ")\n";
    }
  }
  if (!j.unmatched.empty()) {
    out << "\nlogged copies without a memcpy (" << j.unmatched.size() << "):\n";
    for (std::size_t i = 0; i < j.unmatched.size() && i < 10; ++i) {
      const nsys::UnmatchedCopy& u = j.unmatched[i];
      out << "  " << copy_name(t, u.key, u.direction) << " (operation " << u.operation
          << "): " << u.why << "\n";
    }
    if (j.unmatched.size() > 10) out << "  ... and " << j.unmatched.size() - 10 << " more\n";
  }
}

void print_json(const trace::Trace& t, const nsys::Capture& c, const nsys::Join& j,
                std::ostream& out) {
  using nlohmann::json;
  auto key = [&](const trace::SwapKey& k, trace::CopyDirection d) {
    return json{{"direction", direction_name(d)}, {"tag", std::string(t.tag(k.tag))},
                {"layer", k.layer},              {"index", k.index},
                {"step", k.step}};
  };
  json copies = json::array();
  for (const nsys::JoinedCopy& e : j.copies) {
    json o = key(e.key, e.direction);
    o["operation"] = e.operation;
    o["bytes"] = e.bytes;
    o["range_start_ns"] = e.range_start;
    o["api_start_ns"] = e.api_start;
    o["gpu_start_ns"] = e.gpu_start;
    o["gpu_end_ns"] = e.gpu_end;
    o["stream"] = e.stream;
    o["queue_delay_ns"] = e.queue_delay_ns();
    o["overlapped_ns"] = e.overlapped_ns;
    if (e.nvtx_bytes != 0) o["nvtx_bytes"] = e.nvtx_bytes;
    o["exposed_ns"] = e.exposed_ns();
    copies.push_back(o);
  }
  json unmatched = json::array();
  for (const nsys::UnmatchedCopy& u : j.unmatched) {
    json o = key(u.key, u.direction);
    o["operation"] = u.operation;
    o["why"] = u.why;
    unmatched.push_back(o);
  }
  auto optional = [](std::optional<double> v) { return v ? json(*v) : json(nullptr); };
  const json doc = {{"log", t.path()},
                    {"capture", c.path()},
                    {"pid", j.pid},
                    {"log_zero_ns", j.log_zero},
                    {"ranges_matched", j.ranges_matched},
                    {"ranges_without_id", j.ranges_without_id},
                    {"residual_max_ns", j.residual_max_ns},
                    {"residual_median_ns", j.residual_median_ns},
                    {"logged_copies", j.logged_copies},
                    {"matched_copies", j.copies.size()},
                    {"d2h_gb_per_s", optional(j.gb_per_s(trace::CopyDirection::out))},
                    {"h2d_gb_per_s", optional(j.gb_per_s(trace::CopyDirection::back))},
                    {"overlap_share", optional(j.overlap_share())},
                    {"copies", copies},
                    {"unmatched", unmatched}};
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace

int nsys(const std::string& log, const std::string& capture, const std::string& format,
         std::ostream& out, std::ostream& err) {
  std::optional<trace::Trace> t;
  try {
    t = trace::Trace::load(log);
  } catch (const trace::TraceError& e) {
    err << "tswap-log: " << e.what() << "\n";
    return kUnreadable;
  }
  std::optional<nsys::Capture> c;
  try {
    c = nsys::Capture::load(capture);
  } catch (const nsys::CaptureError& e) {
    err << "tswap-log: " << e.what() << "\n";
    return kUnreadable;
  }
  try {
    const nsys::Join j = nsys::join(*t, *c);
    if (format == "json") {
      print_json(*t, *c, j, out);
    } else {
      print_text(*t, *c, j, out);
    }
    return kOk;
  } catch (const nsys::JoinError& e) {
    err << "tswap-log: " << e.what() << "\n";
    return kNotJoined;
  }
}

}  // namespace tswap::cli
