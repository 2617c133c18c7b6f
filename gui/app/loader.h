#pragma once

// Loading a log and building what the views need, off the UI thread, with
// progress and cancellation. Results arrive on the UI thread through
// queued signals, as immutable values.

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>

#include "view_state.h"

namespace tswap::viewer {

/// What a user must know about how much of `trace` survived, naming it
/// `name`: cut short (where, and what was lost) or events dropped while
/// recording; empty for a whole log. The banner shows it, and --screenshot
/// prints it as a warning.
QString completeness_warning(const trace::Trace& trace, const QString& name);

/// What went wrong reading `path` (a capture to attach, a log to compare),
/// as the one line the message box and --screenshot print: `e`'s message,
/// after the file's name where it does not name it already.
QString one_line(const std::exception& e, const QString& path);

/// The logs named by `args` (files, and directories: every *.tswap in one,
/// by name), in that order. A directory without logs adds nothing.
QStringList expand_log_paths(const QStringList& args);

class Loader : public QObject {
  Q_OBJECT
 public:
  explicit Loader(QObject* parent = nullptr);
  ~Loader() override;

  /// Loads `path` and builds everything; a newer request cancels an older one.
  /// loaded() comes with the timeline alone (LoadedLog::complete() false:
  /// no memory curves, summary, colours or filter choices yet), then
  /// modelsReady() with the rest for it (Note [First frame] in loader.cpp).
  void load(const QString& path);
  /// Loads several ranks' logs and builds them as one (RankedRun); a newer
  /// request cancels an older one. One path is load(path).
  void loadRanks(const QStringList& paths);
  /// Rebuilds the timeline of `log` with another filter (the trace is shared).
  void refilter(std::shared_ptr<const LoadedLog> log, const Filter& filter);
  /// The spans of one tag and layer (`filter`), for highlighting: picked
  /// from `log`'s timeline (highlight.h) where it was built unfiltered, built
  /// again from the trace where a filter left spans out of it.
  void highlight(std::shared_ptr<const LoadedLog> log, const Filter& filter);
  /// The same over several ranks: spans in rank `position`'s group only
  /// (RankSet order).
  void highlightRank(std::shared_ptr<const LoadedLog> log, const Filter& filter, std::size_t position);
  /// What highlight() and highlightRank() hand over, on the calling thread
  /// (`position`: a rank's, or none for one log).
  static std::shared_ptr<const Timeline> highlight_now(const LoadedLog& log, const Filter& filter,
                                                       std::optional<std::size_t> position = {});
  void cancel();
  /// Reads the Nsight Systems export at `path`, joins it to `log` and emits
  /// loaded() with the capture's lanes, or attachFailed().
  void attach(std::shared_ptr<const LoadedLog> log, const QString& path);
  /// Reads the log at `path`, compares it with `log` (ComparedLog) and
  /// emits loaded() with it, or compareFailed().
  void compare(std::shared_ptr<const LoadedLog> log, const QString& path);

  /// The same as load(), on the calling thread; for headless screenshots.
  /// Throws trace::TraceError.
  static std::shared_ptr<const LoadedLog> load_now(const QString& path);
  /// The same as loadRanks(), on the calling thread. Throws trace::TraceError
  /// naming the file that could not be read.
  static std::shared_ptr<const LoadedLog> load_ranks_now(const QStringList& paths);
  /// Builds what the views need from a loaded trace, on the calling thread
  /// (and two helpers); as load() does after reading. `first_frame`, where
  /// given, gets the log with its timeline alone first, on this thread
  /// (Note [First frame] in loader.cpp), as loaded() does.
  static std::shared_ptr<const LoadedLog> build_now(
      std::shared_ptr<const trace::Trace> trace,
      const std::function<void(std::shared_ptr<const LoadedLog>)>& first_frame = {});
  /// The same as attach(), on the calling thread. Throws nsys::CaptureError
  /// or nsys::JoinError; nothing is attached then.
  static std::shared_ptr<const LoadedLog> attach_now(const LoadedLog& log, const QString& path);
  /// The same as compare(), on the calling thread: `log` with the log at
  /// `path` compared, in place of one compared before. Throws
  /// trace::TraceError (or another std::exception) and compares nothing then.
  static std::shared_ptr<const LoadedLog> compare_now(const LoadedLog& log, const QString& path);

 signals:
  void progress(int percent, const QString& what);
  void loaded(std::shared_ptr<const tswap::viewer::LoadedLog> log, const QString& path);
  void failed(const QString& path, const QString& message);
  void attachFailed(const QString& path, const QString& message);
  void compareFailed(const QString& path, const QString& message);
  void highlightReady(std::shared_ptr<const tswap::viewer::Timeline> timeline);
  /// The models `shown` (a log loaded() handed over with its timeline alone)
  /// lacks, in `models`: the receiver puts them into `shown` with
  /// LoadedLog::take_models, on the thread that shows it, before drawing it
  /// again. Nothing else holds `shown` then: it is being shown, and the
  /// loader's other jobs wait for it.
  void modelsReady(std::shared_ptr<tswap::viewer::LoadedLog> shown,
                   std::shared_ptr<const tswap::viewer::LoadedLog> models, const QString& path);
  void finished();  // loaded, failed or cancelled

 private:
  std::shared_ptr<std::atomic<bool>> next_job();
  std::shared_ptr<std::atomic<bool>> cancel_;  // the running job's flag
};

}  // namespace tswap::viewer

Q_DECLARE_METATYPE(std::shared_ptr<const tswap::viewer::LoadedLog>)
Q_DECLARE_METATYPE(std::shared_ptr<const tswap::viewer::Timeline>)
Q_DECLARE_METATYPE(std::shared_ptr<tswap::viewer::LoadedLog>)
