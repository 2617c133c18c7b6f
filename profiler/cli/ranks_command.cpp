// tswap-log summary over several logs, one per rank of a distributed run
// (tswap::trace::rank_logs): each rank's totals and, per tag and layer, the
// spread across the ranks, as text that fits a 100-column terminal or as
// JSON. Logs are loaded and summarized one at a time.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tswap/trace/ranks.h>
#include <tswap/trace/text.h>

#include "commands.h"
#include "loading.h"

namespace tswap::cli {

int log_files(const std::vector<std::string>& args, std::vector<std::string>& files,
              std::ostream& err) {
  for (const std::string& a : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(a, ec)) {
      files.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(a, ec)) {
      std::error_code type_ec;
      if (entry.path().extension() == ".tswap" && entry.is_regular_file(type_ec))
        found.push_back(entry.path().string());
    }
    if (ec) {
      err << "tswap-log: " << a << ": cannot list the directory: " << ec.message() << "\n";
      return kUnreadable;
    }
    if (found.empty()) {
      err << "tswap-log: " << a << ": no .tswap logs in the directory\n";
      return kUnreadable;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return kOk;
}

namespace {

std::string bytes(std::int64_t b) {
  return trace::format_bytes(static_cast<double>(b));
}
std::string ms(std::uint64_t ns) {
  return trace::format_ms(ns);
}

std::string clock_text(const trace::RankFigures& f) {
  if (!f.clock_aligned) return "-";
  char s[96];
  std::snprintf(s, sizeof s, "%+.3f us +- %.3f us", static_cast<double>(f.clock_offset_ns) / 1e3,
                static_cast<double>(f.clock_uncertainty_ns) / 1e3);
  return s;
}

void print_spread(std::ostream& out, const char* label, const trace::Spread& s, bool as_bytes) {
  auto v = [&](std::int64_t x) {
    return as_bytes ? bytes(x) : ms(static_cast<std::uint64_t>(x < 0 ? 0 : x));
  };
  out << "  " << std::left << std::setw(18) << label << std::right << std::setw(12) << v(s.min)
      << " / " << std::setw(12) << v(s.median) << " / " << std::setw(12) << v(s.max) << "  rank "
      << s.worst_rank << "\n";
}

void print_row(std::ostream& out, const trace::RankSpread& r) {
  out << (r.tag.empty() ? std::string("(no name)") : trace::printable(r.tag)) << " "
      << (r.layer < 0 ? std::string("all") : "layer " + std::to_string(r.layer)) << "\n";
  print_spread(out, "peak resident", r.resident_peak, true);
  print_spread(out, "copy ms", r.copy_ns, false);
  print_spread(out, "stall waited ms", r.stall_ns, false);
}

void print_text(const trace::RankedLogs& r, int world_size, std::ostream& out) {
  const std::size_t n = r.ranks.size();
  out << n << (n == 1 ? " log" : " logs");
  if (r.run_ids.size() == 1) out << " of run " << trace::printable(r.run_ids[0]);
  if (r.run_ids.size() > 1) {
    out << " of runs ";
    for (std::size_t i = 0; i < r.run_ids.size(); ++i)
      out << (i ? ", " : "") << trace::printable(r.run_ids[i]);
  }
  if (world_size > 0) out << " (world size " << world_size << ")";
  out << "\n";
  for (const trace::RankFigures& f : r.ranks) out << "  rank " << f.rank << "  " << f.file << "\n";
  out << "\n"
      << std::right << std::setw(6) << "rank" << std::setw(7) << "steps" << std::setw(8) << "events"
      << std::setw(11) << "resident" << std::setw(11) << "bytes out" << std::setw(10) << "D2H ms"
      << std::setw(10) << "H2D ms" << std::setw(11) << "waited ms"
      << "  clock to rank 0\n";
  for (const trace::RankFigures& f : r.ranks) {
    out << std::setw(6) << f.rank << std::setw(7) << f.steps << std::setw(8) << f.events
        << std::setw(11) << bytes(f.resident_peak) << std::setw(11)
        << bytes(static_cast<std::int64_t>(f.bytes_out)) << std::setw(10) << ms(f.d2h_ns)
        << std::setw(10) << ms(f.h2d_ns) << std::setw(11) << ms(f.stall_ns) << "  " << clock_text(f)
        << "\n";
  }
  out << "\nspread across ranks: min / median / max, and the rank at the max\n";
  // Each tag's total, then its layers: both lists are sorted by tag name.
  std::size_t next = 0;
  for (const trace::RankSpread& tag : r.tags) {
    out << "\n";
    print_row(out, tag);
    while (next < r.layers.size() && r.layers[next].tag < tag.tag) ++next;
    for (; next < r.layers.size() && r.layers[next].tag == tag.tag; ++next)
      print_row(out, r.layers[next]);
  }
  out << "\n";
  for (const std::string& note : r.notes) out << "note: " << note << "\n";
  out << "resident: the engine's peak resident bytes of saved activations. D2H, H2D and waited\n"
         "ms: summed over the tags, as in tswap-log summary of each log. clock to rank 0: the\n"
         "offset measured by align_clocks(), \"-\" where none was. A rank without a row counts\n"
         "as 0 in its spread; the median of an even count is the lower middle value.\n";
}

nlohmann::json spread_json(const trace::Spread& s) {
  return {{"min", s.min}, {"median", s.median}, {"max", s.max}, {"worst_rank", s.worst_rank}};
}

void print_json(const trace::RankedLogs& r, int world_size, std::ostream& out) {
  using nlohmann::json;
  json ranks = json::array(), tags = json::array(), layers = json::array();
  for (const trace::RankFigures& f : r.ranks) {
    ranks.push_back(
        {{"rank", f.rank},
         {"rank_in_header", f.rank_in_header},
         {"file", f.file},
         {"run_id", f.run_id},
         {"steps", f.steps},
         {"events", f.events},
         {"resident_peak_bytes", f.resident_peak},
         {"bytes_out", f.bytes_out},
         {"d2h_ns", f.d2h_ns},
         {"h2d_ns", f.h2d_ns},
         {"stall_waited_ns", f.stall_ns},
         {"clock_offset_ns", f.clock_aligned ? json(f.clock_offset_ns) : json(nullptr)},
         {"clock_uncertainty_ns", f.clock_aligned ? json(f.clock_uncertainty_ns) : json(nullptr)}});
  }
  auto row = [](const trace::RankSpread& s) {
    return json{{"tag", s.tag},
                {"layer", s.layer < 0 ? json(nullptr) : json(s.layer)},
                {"resident_peak_bytes", spread_json(s.resident_peak)},
                {"copy_ns", spread_json(s.copy_ns)},
                {"stall_waited_ns", spread_json(s.stall_ns)}};
  };
  for (const trace::RankSpread& s : r.tags) tags.push_back(row(s));
  for (const trace::RankSpread& s : r.layers) layers.push_back(row(s));
  const json doc = {
      {"run_ids", r.run_ids}, {"world_size", world_size > 0 ? json(world_size) : json(nullptr)},
      {"ranks", ranks},       {"tags", tags},
      {"layers", layers},     {"notes", r.notes}};
  out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace

int summary(const std::vector<std::string>& args, const std::string& format, bool allow_mixed,
            std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (args.size() == 1 && format != "json" && !std::filesystem::is_directory(args[0], ec))
    return summary(args[0], out, err);  // one log: as it always read
  std::vector<std::string> files;
  if (const int status = log_files(args, files, err); status != kOk) return status;
  // One log in memory at a time: each is summarized, then let go of.
  std::vector<trace::RankInput> inputs;
  int world_size = 0;
  for (const std::string& file : files) {
    const std::optional<trace::Trace> t = load(file, err);
    if (!t) return kUnreadable;
    const int status = stage("summarize", *t, err, [&] {
      inputs.push_back(trace::ranked_input(*t));
      return kOk;
    });
    if (status != kOk) return status;
    if ((t->run().flags & trace::kRunHasRank) != 0 && world_size == 0)
      world_size = t->run().world_size;
  }
  try {
    const trace::RankedLogs r = trace::rank_logs(inputs, {allow_mixed});
    if (format == "json") {
      print_json(r, world_size, out);
    } else {
      print_text(r, world_size, out);
    }
  } catch (const trace::RanksError& e) {
    err << "tswap-log: " << e.what();
    if (e.kind() == trace::RanksError::Kind::mixed_runs)
      err << " (--allow-mixed reads them together)";
    err << "\n";
    return kUsage;
  } catch (const std::bad_alloc&) {
    err << "tswap-log: not enough memory to set " << files.size()
        << " logs side by side (each was summarized)\n";
    return kUnreadable;
  }
  return kOk;
}

}  // namespace tswap::cli
