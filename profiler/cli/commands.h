#pragma once

// The tswap-log commands. Each prints to `out` (errors to `err`) and
// returns the process exit status (see main.cpp).

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tswap::cli {

enum ExitCode : int {
  kOk = 0,
  kFound = 1,        // check: rules broken; diff: the orders differ
  kUsage = 2,        // bad arguments
  kUnreadable = 3,   // a log could not be read (not a log, corrupt, newer version, missing)
  kCannotWrite = 4,  // export: the output file could not be written
  kNotJoined = 5,    // nsys: the capture is of another run, or has no tensorswap marks
  kCannotPlan = 6,   // advise: no complete step to plan from, or no rate for the link
};

int info(const std::string& file, std::ostream& out, std::ostream& err);
int summary(const std::string& file, std::ostream& out, std::ostream& err);
int export_log(const std::string& file, const std::string& format, const std::string& output,
               std::ostream& out, std::ostream& err);
int check(const std::string& file, std::ostream& out, std::ostream& err);
/// check over several logs (or directories of them): each checked, its lines
/// prefixed "rank N (FILE): "; one log reads as check(file). kFound if any
/// broke a rule, kUnreadable if any could not be read (the rest still checked).
int check(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);
/// ranks_command.cpp: summary of one log as summary(file), of several (or a
/// directory's *.tswap) as the ranks of one run (tswap::trace::rank_logs);
/// `format` "text" or "json". kUsage for mixed runs (unless `allow_mixed`)
/// or two logs of one rank.
int summary(const std::vector<std::string>& files, const std::string& format, bool allow_mixed,
            std::ostream& out, std::ostream& err);
/// Each argument as given, or a directory's *.tswap files sorted by name;
/// kUnreadable (said on `err`) for a directory without any.
int log_files(const std::vector<std::string>& args, std::vector<std::string>& files,
              std::ostream& err);
int diff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err);
/// compare_command.cpp: two logs' figures per tag and layer; `format` "text" or "json".
int compare(const std::string& a, const std::string& b, const std::string& format,
            std::ostream& out, std::ostream& err);
/// advise_command.cpp: tags and knobs under `budget` ("8 MiB", "8000000");
/// `link_gbps` for logs that time no copy; exit 1 when no plan meets it.
/// `against`: the run the advice was applied in ("": none), measured against
/// the prediction.
int advise(const std::string& file, const std::string& budget, std::optional<double> link_gbps,
           const std::string& format, std::ostream& out, std::ostream& err,
           const std::string& against = "");
/// "8 MiB", "1.5GiB", "500MB", "4096" as bytes; none when not a size.
std::optional<std::uint64_t> parse_bytes(const std::string& text);
/// nsys_command.cpp: the log joined to an nsys export; `format` "text" or "json".
int nsys(const std::string& log, const std::string& capture, const std::string& format,
         std::ostream& out, std::ostream& err);

}  // namespace tswap::cli
