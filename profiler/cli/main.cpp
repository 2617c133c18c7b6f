// tswap-log: read, summarize, check, compare and export tensorswap logs.
//
// Exit status: 0 success; 1 `check` found broken rules or `diff` found the
// orders differ; 2 bad arguments; 3 a log (or capture) could not be read; 4
// the export could not be written; 5 `nsys` could not join the capture; 6
// `advise` found nothing to plan from (1: no plan meets the budget).

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

/// "info, summary, export, check, diff, compare, advise, nsys".
std::string command_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

bool is_command(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->check_name(name)) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tswap::cli;
  CLI::App app{
      "tswap-log: read, summarize, check, compare and export tensorswap logs (.tswap).\n"
      "Record one with TSWAP_LOG=run.tswap ./train.\n\n"
      "Exit status: 0 success, 1 check found broken rules or diff found differences,\n"
      "2 bad arguments, 3 a log could not be read, 4 the output could not be written,\n"
      "5 nsys: the capture is of another run or has no tensorswap marks,\n"
      "6 advise: no complete step to plan from (1: no plan meets the budget)."};
  app.require_subcommand(0, 1);  // none: said below, with the commands' names
  std::string file, other, format, output;

  CLI::App* info =
      app.add_subcommand("info", "Header, counts, duration, and what was lost if cut short");
  info->add_option("FILE", file, "a .tswap log")->required();

  std::vector<std::string> files;
  std::string summary_format = "text";
  bool allow_mixed = false;
  CLI::App* summary = app.add_subcommand(
      "summary", "Per tag and layer: bytes swapped, copy time and bandwidth, overlap with "
                 "compute, stalls, deferred releases. Several logs (run.*.tswap) or a directory "
                 "of them: the ranks of one distributed run, each rank's totals and per tag and "
                 "layer the spread across ranks (min / median / max, the worst rank)");
  summary->add_option("FILE", files, "a .tswap log; several, or a directory: one per rank")
      ->required();
  summary->add_option("--format,-f", summary_format,
                      "text (default) or json (the ranks' table, also for one log)")
      ->check(CLI::IsMember({"text", "json"}));
  summary->add_flag("--allow-mixed", allow_mixed,
                    "read logs of different runs (run ids) together instead of refusing");

  CLI::App* exporter = app.add_subcommand(
      "export", "Write the events as JSON lines, CSV, or Chrome/Perfetto trace JSON");
  exporter->add_option("FILE", file, "a .tswap log")->required();
  exporter->add_option("--format,-f", format, "jsonl, csv or chrome")
      ->required()
      ->check(CLI::IsMember({"jsonl", "csv", "chrome"}));
  exporter->add_option("--output,-o", output, "output file (default: standard output)");

  CLI::App* checker = app.add_subcommand(
      "check", "Check the ordering rules of the swap schedule; exit 1 if any is broken. "
               "Several logs or a directory: each checked, its lines prefixed \"rank N (FILE): \"");
  checker->add_option("FILE", files, "a .tswap log; several, or a directory of them")->required();

  CLI::App* differ = app.add_subcommand(
      "diff", "Compare two logs' event orders (times ignored); exit 1 if they differ");
  differ->add_option("A", file, "a .tswap log")->required();
  differ->add_option("B", other, "another .tswap log")->required();

  std::string compare_format = "text";
  CLI::App* comparer = app.add_subcommand(
      "compare", "Compare two runs (before and after a tuning change) per tag and layer: bytes "
                 "swapped, peak resident, copy time, GB/s, stalls waited and caused; B - A and "
                 "B / A");
  comparer->add_option("A", file, "a .tswap log (the first run)")->required();
  comparer->add_option("B", other, "another .tswap log (the run to compare with it)")->required();
  comparer->add_option("--format,-f", compare_format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));

  std::string budget, advise_format = "text";
  double link_gbps = 0;
  CLI::App* adviser = app.add_subcommand(
      "advise", "Which tags to swap, with keep_last and prefetch_depth, so saved activations "
                "fit a memory budget with the least stall; from an observe run "
                "(TSWAP_OBSERVE=1) or a swapped one; exit 1 if no plan fits");
  adviser->add_option("FILE", file, "a .tswap log")->required();
  adviser->add_option("--budget,-b", budget,
                      "device memory for saved activations: bytes, or e.g. 8MiB, 1.5GiB, 500MB")
      ->required();
  adviser->add_option("--link", link_gbps,
                      "the link's rate in GB/s (default: measured from the log's copies; an "
                      "observe run has none)")
      ->check(CLI::Validator(
          [](std::string& text) {
            double v = 0;
            try {
              v = std::stod(text);
            } catch (...) {
              return std::string("--link takes a rate in GB/s, such as 25, got '" + text + "'");
            }
            return v > 0 && v < 1e6 ? std::string()
                                    : "--link takes a rate in GB/s above 0, got '" + text + "'";
          },
          "GB/s"));
  adviser->add_option("--format,-f", advise_format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  std::string against;
  adviser->add_option("--against", against,
                      "the run the advice was applied in: its measured peak and stall beside "
                      "the prediction");

  std::string capture, nsys_format = "text";
  CLI::App* nsys = app.add_subcommand(
      "nsys", "Join the log to an Nsight Systems capture of the same run (nsys export "
              "--type sqlite): matched copies, queueing delay, GB/s, overlap, exposed copies");
  nsys->add_option("FILE", file, "a .tswap log")->required();
  nsys->add_option("CAPTURE", capture, "the capture, exported as SQLite")->required();
  nsys->add_option("--format,-f", nsys_format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));

  // A first argument that is no option and no command is a mistyped command.
  if (argc > 1 && argv[1][0] != '-' && !is_command(app, argv[1])) {
    std::cerr << "tswap-log: unknown command '" << argv[1] << "' (commands: " << command_names(app)
              << "); see tswap-log --help\n";
    return kUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // As docs/troubleshooting.md promises: "tswap-log: " first, then where to read more.
    std::string help = "tswap-log";
    for (const CLI::App* sub : app.get_subcommands()) help += " " + sub->get_name();
    std::cerr << "tswap-log: " << e.what() << "; see " << help << " --help\n";
    return kUsage;
  }

  if (app.get_subcommands().empty()) {
    std::cerr << "tswap-log: a command is required (commands: " << command_names(app)
              << "); see tswap-log --help\n";
    return kUsage;
  }
  try {
    if (info->parsed()) return tswap::cli::info(file, std::cout, std::cerr);
    if (!files.empty()) file = files.front();  // for the message below
    if (summary->parsed())
      return tswap::cli::summary(files, summary_format, allow_mixed, std::cout, std::cerr);
    if (exporter->parsed()) return export_log(file, format, output, std::cout, std::cerr);
    if (checker->parsed()) return check(files, std::cout, std::cerr);
    if (differ->parsed()) return diff(file, other, std::cout, std::cerr);
    if (comparer->parsed()) return compare(file, other, compare_format, std::cout, std::cerr);
    if (adviser->parsed()) {
      const std::optional<double> link =
          adviser->count("--link") > 0 ? std::optional<double>(link_gbps) : std::nullopt;
      return advise(file, budget, link, advise_format, std::cout, std::cerr, against);
    }
    if (nsys->parsed()) return tswap::cli::nsys(file, capture, nsys_format, std::cout, std::cerr);
  } catch (const std::bad_alloc&) {
    // Each command names its stage (load, check, ...); this is a fallback.
    std::cerr << "tswap-log: not enough memory while reading " << file << "\n";
    return kUnreadable;
  } catch (const std::exception& e) {
    // Readers throw TraceError, handled by each command; anything else is a bug.
    std::cerr << "tswap-log: unexpected error: " << e.what() << "\n";
    return kUnreadable;
  }
  return kUsage;
}
