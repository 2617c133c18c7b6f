// tswap-viewer [FILE|DIR...]            several logs (a directory: its *.tswap): one run's ranks
// tswap-viewer FILE|DIR... --screenshot OUT.png [--view timeline|memory|table|all] [--size WxH] [--light]
//              [--stack layer|tag] [--memory-per-rank] [--attach CAPTURE.sqlite] [--compare LOG]
//
// Exit status (docs/viewer.md): 0 the window was closed, or the screenshot
// written (a log cut short is drawn and warned about on stderr); 1 no
// display to open a window on; 2 bad arguments; 3 the log cannot be read;
// 4 the screenshot cannot be written.

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStyleFactory>

#include <cstdio>
#include <cstring>

#include "loader.h"
#include "main_window.h"

namespace {

enum Exit { kOk = 0, kNoDisplay = 1, kUsage = 2, kUnreadable = 3, kUnwritable = 4 };

bool has_argument(int argc, char** argv, std::initializer_list<const char*> names) {
  for (int i = 1; i < argc; ++i) {
    for (const char* name : names) {
      if (std::strcmp(argv[i], name) == 0) return true;
    }
  }
  return false;
}

bool has_display() {
  return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
         !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

int screenshot(const QCommandLineParser& args) {
  using namespace tswap::viewer;
  const QStringList files = expand_log_paths(args.positionalArguments());
  if (files.isEmpty()) {
    std::fprintf(stderr, "tswap-viewer: --screenshot takes a log (or several: one run's ranks)\n");
    return kUsage;
  }
  if (files.size() > 1 && (args.isSet("attach") || args.isSet("compare"))) {
    std::fprintf(stderr, "tswap-viewer: --attach and --compare take one log, got %d\n",
                 static_cast<int>(files.size()));
    return kUsage;
  }
  ViewKind kind = ViewKind::timeline;
  if (!parse_view_kind(args.value("view"), kind)) {
    std::fprintf(stderr, "tswap-viewer: --view is timeline, memory, table or all, got '%s'\n",
                 qPrintable(args.value("view")));
    return kUsage;
  }
  const QStringList wh = args.value("size").split('x');
  bool ok_w = false, ok_h = false;
  const QSize size(wh.value(0).toInt(&ok_w), wh.value(1).toInt(&ok_h));
  if (wh.size() != 2 || !ok_w || !ok_h || size.width() < 300 || size.height() < 100) {
    std::fprintf(stderr, "tswap-viewer: --size is WIDTHxHEIGHT, at least 300x100, got '%s'\n",
                 qPrintable(args.value("size")));
    return kUsage;
  }
  const QString stack = args.value("stack");
  if (stack != "layer" && stack != "tag") {
    std::fprintf(stderr, "tswap-viewer: --stack is layer or tag, got '%s'\n", qPrintable(stack));
    return kUsage;
  }
  std::shared_ptr<const LoadedLog> log;
  try {
    log = files.size() == 1 ? Loader::load_now(files.first()) : Loader::load_ranks_now(files);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tswap-viewer: %s\n", e.what());
    return kUnreadable;
  }
  // A capture, and a log to compare with, each as File > Attach and File >
  // Compare with... would; one that cannot be read is named, in one line.
  for (const char* option : {"attach", "compare"}) {
    if (!args.isSet(option)) continue;
    const QString path = args.value(option);
    try {
      log = std::strcmp(option, "attach") == 0 ? Loader::attach_now(*log, path) : Loader::compare_now(*log, path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tswap-viewer: %s\n", qPrintable(one_line(e, path)));
      return kUnreadable;
    }
  }
  if (log->compared && !log->compared->warning.empty()) {
    std::fprintf(stderr, "tswap-viewer: warning: %s\n", log->compared->warning.c_str());
  }
  // Drawn all the same (what survived is worth seeing), but the picture
  // alone would not say that the log is cut short.
  if (!log->ranks) {
    const QString warning = completeness_warning(*log->trace, files.first());
    if (!warning.isEmpty()) std::fprintf(stderr, "tswap-viewer: warning: %s\n", qPrintable(warning));
  } else {
    for (std::size_t i = 0; i < log->ranks->traces.size(); ++i) {
      const QString warning = completeness_warning(*log->ranks->traces[i], QString::fromStdString(log->ranks->names[i]));
      if (!warning.isEmpty()) std::fprintf(stderr, "tswap-viewer: warning: %s\n", qPrintable(warning));
    }
    // Mixed runs are drawn all the same; unaligned clocks are a note.
    if (!log->ranks->set.warning.empty())
      std::fprintf(stderr, "tswap-viewer: warning: %s\n", log->ranks->set.warning.c_str());
    if (!log->ranks->set.note.empty())
      std::fprintf(stderr, "tswap-viewer: note: %s\n", log->ranks->set.note.c_str());
  }
  // Shown on the offscreen platform, so that layouts and palettes apply.
  qInstallMessageHandler([](QtMsgType type, const QMessageLogContext& context, const QString& msg) {
    if (msg.contains("does not support propagateSizeHints")) return;  // offscreen plugin noise
    qt_message_output(type, context, msg);
  });
  MainWindow window;
  window.setDarkTheme(!args.isSet("light"));
  window.setMemoryByTag(stack == "tag");
  window.setMemorySmallMultiples(args.isSet("memory-per-rank"));
  window.resize(size);
  window.show();
  window.show_log(log, files.first());
  QApplication::processEvents();
  QString error;
  if (!window.exportView(args.value("screenshot"), kind, size, &error)) {
    std::fprintf(stderr, "tswap-viewer: %s\n", qPrintable(error));
    return kUnwritable;
  }
  std::printf("tswap-viewer: wrote %s\n", qPrintable(args.value("screenshot")));
  return kOk;
}

void add_options(QCommandLineParser& args) {
  args.setApplicationDescription(
      "Timelines, memory curves and per-tag tables of tensorswap logs (.tswap).\n"
      "Record a log with TSWAP_LOG=run.tswap ./train.");
  args.addHelpOption();
  args.addVersionOption();
  args.addPositionalArgument("files",
                              "Logs to open: one, or several ranks of one run (a directory: every *.tswap in it), "
                              "in one window on one time axis.",
                              "[FILE|DIR...]");
  args.addOption({"screenshot", "Render a view of the log(s) to OUT (.png or .svg) and exit.", "OUT"});
  args.addOption({"view", "The view to render: timeline, memory, table or all.", "VIEW", "all"});
  args.addOption({"size", "The size to render at.", "WxH", "1600x900"});
  args.addOption({"light", "The light palette (default: dark)."});
  args.addOption({"attach", "Attach an Nsight Systems export (nsys export --type sqlite) of the run.",
                  "CAPTURE.sqlite"});
  args.addOption({"compare", "Compare with another log (a run after a change): its memory curves "
                  "aligned at each step's start, the table's deltas.", "LOG"});
  args.addOption({"stack", "Stack the memory view per layer or per tag.", "layer|tag", "layer"});
  args.addOption({"memory-per-rank", "With several ranks: one memory plot per rank, not one overlay."});
}

/// Parses `list` into `args`; says what is wrong and returns false for an
/// unknown option or a missing value. (QCommandLineParser::process() would
/// exit with 1 for those, and docs/viewer.md promises 2.)
bool parse(QCommandLineParser& args, const QStringList& list) {
  add_options(args);
  if (args.parse(list)) return true;
  std::fprintf(stderr, "tswap-viewer: %s\nTry 'tswap-viewer --help'.\n", qPrintable(args.errorText()));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // A screenshot, --help and --version need no display: offscreen, unless
  // a platform was chosen. Anything else without a display says so plainly.
  if (!has_display()) {
    if (has_argument(argc, argv, {"--screenshot", "--help", "-h", "--help-all", "--version", "-v"})) {
      qputenv("QT_QPA_PLATFORM", "offscreen");
      if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {  // Qt warns without one
        const QByteArray dir = QDir::tempPath().toUtf8() + "/tswap-viewer-runtime";
        QDir().mkpath(QString::fromUtf8(dir));
        QFile::setPermissions(QString::fromUtf8(dir), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("XDG_RUNTIME_DIR", dir);
      }
    } else {
      // Wrong arguments are wrong with or without a display: say so first.
      QStringList list;
      for (int i = 0; i < argc; ++i) list << QString::fromLocal8Bit(argv[i]);
      QCommandLineParser args;
      if (!parse(args, list)) return kUsage;
      std::fprintf(stderr,
                   "tswap-viewer: no display (DISPLAY and WAYLAND_DISPLAY are not set). To render a "
                   "view without one:\n  tswap-viewer FILE --screenshot OUT.png [--view "
                   "timeline|memory|table|all]\n");
      return kNoDisplay;
    }
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName("tensorswap");
  QApplication::setApplicationName("tswap-viewer");
  QApplication::setApplicationVersion(TSWAP_VERSION);
  QApplication::setStyle(QStyleFactory::create("Fusion"));

  // Parsed after QApplication took its own options (-platform, -style...) out.
  QCommandLineParser args;
  if (!parse(args, QApplication::arguments())) return kUsage;
  if (args.isSet("help") || args.isSet("help-all")) args.showHelp(kOk);
  if (args.isSet("version")) args.showVersion();

  if (args.isSet("screenshot")) return screenshot(args);

  // Several logs are one run's ranks, in one window (docs/viewer.md,
  // "Several ranks"); --attach and --compare join one log.
  const QStringList files = tswap::viewer::expand_log_paths(args.positionalArguments());
  if (files.size() > 1 && (args.isSet("attach") || args.isSet("compare"))) {
    std::fprintf(stderr, "tswap-viewer: --attach and --compare take one log, got %d\n",
                 static_cast<int>(files.size()));
    return kUsage;
  }
  tswap::viewer::MainWindow window;
  if (files.size() == 1) {
    window.open(files.first());
    if (args.isSet("attach")) window.attach(args.value("attach"));
    if (args.isSet("compare")) window.compare(args.value("compare"));
  } else if (files.size() > 1) {
    window.openRanks(files);
  }
  window.show();
  return app.exec();
}
