#include "loader.h"

#include <sys/resource.h>
#include <unistd.h>

#include <QDir>
#include <QFileInfo>
#include <QThreadPool>

#include <future>
#include <functional>
#include <optional>
#include <thread>
#include <tuple>

#include "highlight.h"

namespace tswap::viewer {
namespace {

using FirstFrame = std::function<void(std::shared_ptr<LoadedLog>)>;

/// Note [First frame]: the threads building the models beside the timeline
/// run at a lower priority (nice 10) than the one building it, so that on a
/// busy machine they take the time the first frame does not need. Linux
/// gives each thread a nice value of its own; the thread ends with its job.
void in_background() {
#ifdef __linux__
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
#endif
}

/// Builds everything but the trace, reporting into [from, to] percent;
/// nullptr when cancelled. The memory curves, the layer colours and the
/// summary do not depend on the filter: a rebuild shares `previous`'s; a
/// first build makes them on more threads while this one builds the
/// timeline (each takes seconds on a log of tens of millions of events).
///
/// Note [First frame]: a first build given `first_frame` hands it the log
/// with its timeline alone as soon as that is built (complete() false), and
/// goes on with the rest: the views draw the timeline while the memory
/// curves and the table are still being made, and say so. It then returns
/// the rest alone, a log without a timeline, for the caller to put into the
/// first one (LoadedLog::take_models) on the thread that shows it: copying
/// the timeline into a second log instead would cost as much memory again
/// as the timeline (gigabytes at 50 million events). With fewer than three
/// cores the summary waits for the timeline, which then has a core to itself
/// beside the memory curves.
std::shared_ptr<LoadedLog> build(std::shared_ptr<const trace::Trace> trace, const Filter& filter,
                                 const LoadedLog* previous,
                                 const std::function<bool(int, const QString&)>& report, int from,
                                 int to, const FirstFrame& first_frame = {}) {
  auto log = std::make_shared<LoadedLog>();
  log->trace = std::move(trace);
  log->filter = filter;
  // A rebuild of a log shown before its models were done makes them anew.
  if (previous && !previous->complete()) previous = nullptr;
  std::future<std::pair<std::shared_ptr<const MemoryModel>, std::shared_ptr<const LayerPalette>>> memory;
  std::future<std::pair<std::shared_ptr<const trace::Summary>, std::shared_ptr<const FilterChoices>>> summary;
  auto start_summary = [&] {
    summary = std::async(std::launch::async, [t = log->trace] {
      in_background();
      return std::make_pair(std::make_shared<const trace::Summary>(trace::summarize(*t)),
                            std::make_shared<const FilterChoices>(FilterChoices::build(*t)));
    });
  };
  const bool summary_after_timeline = std::thread::hardware_concurrency() < 3;
  if (previous) {
    log->memory = previous->memory;
    log->summary = previous->summary;
    log->palette = previous->palette;
    log->choices = previous->choices;
  } else {
    memory = std::async(std::launch::async, [t = log->trace] {
      in_background();
      return std::make_pair(std::make_shared<const MemoryModel>(MemoryModel::build(*t)),
                            std::make_shared<const LayerPalette>(LayerPalette::build(*t)));
    });
    if (!summary_after_timeline) start_summary();
  }
  const int span = to - from;
  const double share = previous ? 1.0 : 0.8;
  std::optional<Timeline> timeline = Timeline::build(*log->trace, filter, [&](double f) {
    return report(from + static_cast<int>(share * span * f), "building the timeline");
  });
  if (!previous) {
    if (summary_after_timeline) start_summary();
    std::shared_ptr<LoadedLog> first;
    if (timeline && first_frame) {
      first = std::make_shared<LoadedLog>(*log);  // the trace and the filter: no timeline yet
      first->timeline = std::move(*timeline);
      first_frame(first);
    }
    if (timeline) report(from + static_cast<int>(share * span), "building the memory curves and the summary");
    std::tie(log->memory, log->palette) = memory.get();  // waited for even when cancelled: they use the trace
    std::tie(log->summary, log->choices) = summary.get();
    if (first) return log;  // the rest, for `first`
  }
  if (!timeline) return nullptr;
  log->timeline = std::move(*timeline);
  if (previous && previous->attachment) {
    log->attachment = previous->attachment;
    append_capture_lanes(log->timeline, *log->attachment);
  }
  if (previous) log->compared = previous->compared;
  if (previous && previous->ranks) {
    // Every rank's lanes with the new filter, merged again (ranks.h).
    std::optional<MergedTimeline> merged = previous->ranks->timeline(filter);
    if (!merged) return nullptr;
    log->timeline = std::move(merged->timeline);
    log->rank_groups = std::move(merged->groups);
    log->ranks = previous->ranks;
  }
  return log;
}

/// Reads every log of `paths` and builds them as one: the first rank's
/// models (build()) with every rank's timeline merged. Throws TraceError.
std::shared_ptr<LoadedLog> build_ranks(const QStringList& paths,
                                       const std::function<bool(int, const QString&)>& report) {
  std::vector<std::shared_ptr<const trace::Trace>> traces;
  std::vector<std::string> names;
  for (int i = 0; i < paths.size(); ++i) {
    const QString name = QFileInfo(paths[i]).fileName();
    if (!report(60 * i / static_cast<int>(paths.size()), "reading " + name)) return nullptr;
    traces.push_back(std::make_shared<const trace::Trace>(trace::Trace::load(paths[i].toStdString())));
    names.push_back(name.toStdString());
  }
  if (!report(60, "building the ranks' curves and tables")) return nullptr;
  auto ranks = std::make_shared<const RankedRun>(RankedRun::build(std::move(traces), std::move(names)));
  std::shared_ptr<LoadedLog> log = build(ranks->traces.at(ranks->set.ranks.front().input), Filter{}, nullptr,
                                         report, 70, 85);
  if (!log) return nullptr;
  std::optional<MergedTimeline> merged = ranks->timeline(Filter{}, [&](double f) {
    return report(85 + static_cast<int>(15 * f), "merging the ranks' timelines");
  });
  if (!merged) return nullptr;
  log->timeline = std::move(merged->timeline);
  log->rank_groups = std::move(merged->groups);
  log->ranks = std::move(ranks);
  return log;
}

}  // namespace

QString completeness_warning(const trace::Trace& trace, const QString& name) {
  const trace::Completeness& c = trace.completeness();
  if (!c.clean_end) {
    return QObject::tr("%1 is incomplete: %2; it is shown up to there.")
        .arg(name, QString::fromStdString(trace::incomplete_reason(c)));
  }
  if (c.records_dropped > 0) {
    return QObject::tr("%1: %2 events were dropped while recording (the writer fell behind).")
        .arg(name)
        .arg(c.records_dropped);
  }
  return {};
}

QStringList expand_log_paths(const QStringList& args) {
  QStringList out;
  for (const QString& a : args) {
    const QFileInfo info(a);
    if (!info.isDir()) {
      out << a;
      continue;
    }
    const QDir dir(a);
    for (const QString& f : dir.entryList({"*.tswap"}, QDir::Files, QDir::Name)) out << dir.filePath(f);
  }
  return out;
}

Loader::Loader(QObject* parent) : QObject(parent) {
  qRegisterMetaType<std::shared_ptr<const LoadedLog>>();
  qRegisterMetaType<std::shared_ptr<const Timeline>>();
  qRegisterMetaType<std::shared_ptr<LoadedLog>>();
}

Loader::~Loader() {
  cancel();
  QThreadPool::globalInstance()->waitForDone();
}

std::shared_ptr<std::atomic<bool>> Loader::next_job() {
  cancel();
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  return cancel_;
}

void Loader::cancel() {
  if (cancel_) cancel_->store(true);
}

void Loader::load(const QString& path) {
  auto cancelled = next_job();
  QThreadPool::globalInstance()->start([this, path, cancelled] {
    auto report = [&](int percent, const QString& what) {
      if (cancelled->load()) return false;
      emit progress(percent, what);
      return true;
    };
    try {
      report(0, "reading " + QFileInfo(path).fileName());
      auto trace = std::make_shared<const trace::Trace>(trace::Trace::load(
          path.toStdString(), [&](std::uint64_t done, std::uint64_t total) {
            return report(static_cast<int>(50.0 * done / std::max<std::uint64_t>(total, 1)),
                          "reading " + QFileInfo(path).fileName());
          }));
      // Note [First frame]: the timeline first, then the rest for it.
      std::shared_ptr<LoadedLog> first;
      std::shared_ptr<LoadedLog> rest =
          build(trace, Filter{}, nullptr, report, 50, 100, [&](std::shared_ptr<LoadedLog> shown) {
            first = shown;
            if (!cancelled->load()) emit loaded(std::move(shown), path);
          });
      if (first && rest && !cancelled->load()) emit modelsReady(first, rest, path);
    } catch (const trace::LoadCancelled&) {
    } catch (const trace::TraceError& e) {
      emit failed(path, QString::fromStdString(e.what()));
    } catch (const std::bad_alloc&) {
      emit failed(path, path + ": not enough memory to load it");
    } catch (const std::exception& e) {
      emit failed(path, path + ": " + QString::fromStdString(e.what()));
    }
    emit finished();
  });
}

void Loader::refilter(std::shared_ptr<const LoadedLog> log, const Filter& filter) {
  auto cancelled = next_job();
  const QString path = QString::fromStdString(log->trace->path());
  QThreadPool::globalInstance()->start([this, log, filter, cancelled, path] {
    auto report = [&](int percent, const QString& what) {
      if (cancelled->load()) return false;
      emit progress(percent, what);
      return true;
    };
    if (std::shared_ptr<LoadedLog> rebuilt = build(log->trace, filter, log.get(), report, 0, 100)) {
      emit loaded(rebuilt, path);
    }
    emit finished();
  });
}

void Loader::highlight(std::shared_ptr<const LoadedLog> log, const Filter& filter) {
  QThreadPool::globalInstance()->start([this, log, filter] {
    if (std::shared_ptr<const Timeline> t = highlight_now(*log, filter)) emit highlightReady(std::move(t));
  });
}

void Loader::highlightRank(std::shared_ptr<const LoadedLog> log, const Filter& filter, std::size_t position) {
  QThreadPool::globalInstance()->start([this, log, filter, position] {
    if (std::shared_ptr<const Timeline> t = highlight_now(*log, filter, position)) emit highlightReady(std::move(t));
  });
}

std::shared_ptr<const Timeline> Loader::highlight_now(const LoadedLog& log, const Filter& filter,
                                                      std::optional<std::size_t> position) {
  if (!log.filter.active()) {
    // Every span is in the timeline: pick them there (highlight.h).
    std::pair<std::size_t, std::size_t> lanes{0, log.timeline.lanes.size()};
    if (position && *position < log.rank_groups.size()) {
      const MergedTimeline::Group& g = log.rank_groups[*position];
      lanes = {g.first_lane, g.first_lane + g.lanes};
    }
    return std::make_shared<const Timeline>(pick_spans(
        log.timeline, filter, [&](std::size_t lane) -> const trace::Trace& { return log.trace_of(lane); },
        lanes));
  }
  // A filtered timeline lacks spans the highlight shows (another step, another
  // kind): built again from the trace, as it always was.
  if (!position || !log.ranks) {
    std::optional<Timeline> t = Timeline::build(*log.trace, filter);
    return t ? std::make_shared<const Timeline>(std::move(*t)) : nullptr;
  }
  std::optional<MergedTimeline> m = log.ranks->timeline(filter);
  if (!m) return nullptr;
  // The other ranks' lanes stay (the painter matches lanes by group and
  // name) but hold nothing: the row is one rank's.
  for (std::size_t g = 0; g < m->groups.size(); ++g) {
    if (g == *position) continue;
    for (std::size_t l = m->groups[g].first_lane; l < m->groups[g].first_lane + m->groups[g].lanes; ++l) {
      m->timeline.lanes[l].spans.clear();
      m->timeline.lanes[l].lod.build(m->timeline.lanes[l].spans);
    }
  }
  return std::make_shared<const Timeline>(std::move(m->timeline));
}

void Loader::attach(std::shared_ptr<const LoadedLog> log, const QString& path) {
  auto cancelled = next_job();
  QThreadPool::globalInstance()->start([this, log, path, cancelled] {
    try {
      emit progress(0, "reading " + QFileInfo(path).fileName());
      std::shared_ptr<const LoadedLog> attached = attach_now(*log, path);
      if (!cancelled->load()) emit loaded(attached, QString::fromStdString(log->trace->path()));
    } catch (const trace::LoadCancelled&) {
    } catch (const std::bad_alloc&) {
      emit attachFailed(path, path + ": not enough memory to load it");
    } catch (const std::exception& e) {
      // CaptureError and JoinError say what and why; a JoinError not which file.
      emit attachFailed(path, one_line(e, path));
    }
    emit finished();
  });
}

std::shared_ptr<const LoadedLog> Loader::attach_now(const LoadedLog& log, const QString& path) {
  auto capture = std::make_shared<const nsys::Capture>(nsys::Capture::load(path.toStdString()));
  nsys::Join join = nsys::join(*log.trace, *capture);
  auto attached = std::make_shared<LoadedLog>(log);
  // append_capture_lanes puts it in place of a capture attached before:
  // that one's lanes go, and so does its part of the time extent.
  attached->attachment =
      std::make_shared<const Attachment>(Attachment::build(std::move(capture), std::move(join)));
  append_capture_lanes(attached->timeline, *attached->attachment);
  return attached;
}

void Loader::compare(std::shared_ptr<const LoadedLog> log, const QString& path) {
  auto cancelled = next_job();
  QThreadPool::globalInstance()->start([this, log, path, cancelled] {
    try {
      emit progress(0, "reading " + QFileInfo(path).fileName());
      std::shared_ptr<const LoadedLog> compared = compare_now(*log, path);
      if (!cancelled->load()) emit loaded(compared, QString::fromStdString(log->trace->path()));
    } catch (const trace::LoadCancelled&) {
    } catch (const std::bad_alloc&) {
      emit compareFailed(path, path + ": not enough memory to load it");
    } catch (const std::exception& e) {
      emit compareFailed(path, one_line(e, path));
    }
    emit finished();
  });
}

std::shared_ptr<const LoadedLog> Loader::compare_now(const LoadedLog& log, const QString& path) {
  const trace::Trace b = trace::Trace::load(path.toStdString());
  const QString name = QFileInfo(path).fileName();
  auto compared = std::make_shared<ComparedLog>(
      ComparedLog::build(log.timeline.step_marks, *log.summary, b, name.toStdString()));
  compared->warning = completeness_warning(b, name).toStdString();
  auto out = std::make_shared<LoadedLog>(log);
  out->compared = std::move(compared);
  return out;
}

QString one_line(const std::exception& e, const QString& path) {
  // The reader's errors name the file; others (JoinError) do not.
  const QString what = QString::fromStdString(e.what()).simplified();
  return what.contains(path) ? what : path + ": " + what;
}

std::shared_ptr<const LoadedLog> Loader::load_now(const QString& path) {
  return build_now(std::make_shared<const trace::Trace>(trace::Trace::load(path.toStdString())));
}

std::shared_ptr<const LoadedLog> Loader::load_ranks_now(const QStringList& paths) {
  return build_ranks(paths, [](int, const QString&) { return true; });
}

void Loader::loadRanks(const QStringList& paths) {
  if (paths.size() == 1) return load(paths.first());
  auto cancelled = next_job();
  QThreadPool::globalInstance()->start([this, paths, cancelled] {
    auto report = [&](int percent, const QString& what) {
      if (cancelled->load()) return false;
      emit progress(percent, what);
      return true;
    };
    // The first file names the window and the recent entry.
    const QString path = paths.value(0);
    try {
      std::shared_ptr<LoadedLog> log = build_ranks(paths, report);
      if (log) emit loaded(log, path);
    } catch (const trace::LoadCancelled&) {
    } catch (const trace::TraceError& e) {
      emit failed(path, QString::fromStdString(e.what()));
    } catch (const std::bad_alloc&) {
      emit failed(path, tr("not enough memory to load %1 logs").arg(paths.size()));
    } catch (const std::exception& e) {
      emit failed(path, QString::fromStdString(e.what()));
    }
    emit finished();
  });
}

std::shared_ptr<const LoadedLog> Loader::build_now(
    std::shared_ptr<const trace::Trace> trace,
    const std::function<void(std::shared_ptr<const LoadedLog>)>& first_frame) {
  auto report = [](int, const QString&) { return true; };
  if (!first_frame) return build(std::move(trace), Filter{}, nullptr, report, 0, 100);
  std::shared_ptr<LoadedLog> first;
  std::shared_ptr<LoadedLog> rest = build(std::move(trace), Filter{}, nullptr, report, 0, 100,
                                          [&](std::shared_ptr<LoadedLog> shown) {
                                            first = shown;
                                            first_frame(std::move(shown));
                                          });
  if (!first) return rest;
  first->take_models(*rest);  // Note [First frame]: on this thread, which showed it
  return first;
}

}  // namespace tswap::viewer
