#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>

#include <nlohmann/json.hpp>

#include <map>
#include <unordered_map>

#include "copy_key.h"

namespace tswap::trace {
namespace {

using nlohmann::json;

// Names come from the log: one that is not valid UTF-8 (a corrupt file, an
// odd thread name) is exported with U+FFFD in place of the bad bytes.
constexpr auto kReplaceBadUtf8 = json::error_handler_t::replace;

json event_json(const Trace& t, const Event& e) {
  json j = {{"t_ns", e.host_ns},
            {"kind", to_string(e.event_kind())},
            {"tag", std::string(t.tag(e.tag))},
            {"layer", e.layer},
            {"index", e.index},
            {"step", e.step},
            {"value", e.value},
            {"stream", std::string(t.stream(e.stream))},
            {"thread", std::string(t.thread(e.thread))}};
  if (e.event_kind() == EventKind::kept) j["reason"] = to_string(static_cast<KeepReason>(e.reason));
  if (e.event_kind() == EventKind::release) {
    j["reason"] = to_string(static_cast<ReleaseReason>(e.reason));
  }
  if (e.flags & kFlagPrefetch) j["prefetch"] = true;
  return j;
}

json header_json(const Trace& t) {
  const FileHeader& h = t.header();
  return {{"format_version", h.version},
          {"pid", h.pid},
          {"process", std::string(h.process, strnlen(h.process, sizeof h.process))},
          {"host", std::string(h.host, strnlen(h.host, sizeof h.host))},
          {"device", std::string(h.device, strnlen(h.device, sizeof h.device))},
          {"clock", std::string(h.clock, strnlen(h.clock, sizeof h.clock))},
          {"monotonic_start_ns", h.monotonic_start_ns},
          {"wall_start_ns", h.wall_start_ns},
          {"complete", t.completeness().clean_end},
          {"events", t.events().size()}};
}

std::string label(const std::string& tag, const Event& e) {
  return std::string(to_string(e.event_kind())) + " " + tag + " L" + std::to_string(e.layer) +
         " #" + std::to_string(e.index);
}

json event_args(const std::string& tag, const Event& e) {
  return {{"tag", tag}, {"layer", e.layer}, {"index", e.index}, {"step", e.step}, {"value", e.value}};
}

void export_jsonl(const Trace& t, std::ostream& out) {
  json header = header_json(t);
  header["type"] = "header";
  out << header.dump(-1, ' ', false, kReplaceBadUtf8) << "\n";
  for (const Event& e : t.events()) out << event_json(t, e).dump(-1, ' ', false, kReplaceBadUtf8) << "\n";
}

// CSV has no escapes: names go through printable() (control characters and
// invalid UTF-8 as \xNN), then are quoted where they hold , " or a newline.
std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void export_csv(const Trace& t, std::ostream& out) {
  out << "t_ns,kind,tag,layer,index,step,value,stream,thread,reason,prefetch\n";
  for (const Event& e : t.events()) {
    std::string reason;
    if (e.event_kind() == EventKind::kept) reason = to_string(static_cast<KeepReason>(e.reason));
    if (e.event_kind() == EventKind::release) {
      reason = to_string(static_cast<ReleaseReason>(e.reason));
    }
    out << e.host_ns << "," << to_string(e.event_kind()) << "," << csv_field(printable(t.tag(e.tag))) << ","
        << e.layer << "," << e.index << "," << e.step << "," << e.value << ","
        << csv_field(printable(t.stream(e.stream))) << "," << csv_field(printable(t.thread(e.thread))) << ","
        << csv_field(reason) << "," << ((e.flags & kFlagPrefetch) ? 1 : 0) << "\n";
  }
}

/// Writes the elements of one JSON array as they come: constant memory
/// however many there are.
class JsonArrayWriter {
 public:
  explicit JsonArrayWriter(std::ostream& out) : out_(out) {}
  void add(const json& element) {
    if (!first_) out_ << ",\n";
    first_ = false;
    out_ << element.dump(-1, ' ', false, kReplaceBadUtf8);
  }

 private:
  std::ostream& out_;
  bool first_ = true;
};

/// Trace Event Format: microsecond timestamps, one pid, a track (tid) per
/// stream and per host thread; copies are slices from start to done on
/// their stream's track; stalls slices on the thread that waited; the rest
/// instants; a counter track for the engine's resident bytes. Written event
/// by event as the log is walked: memory beyond the loaded trace is the
/// copies in flight (a start waiting for its done), not the document.
void export_chrome(const Trace& t, std::ostream& out) {
  constexpr int pid = 1;
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  // Tracks: streams 1..255 first, then threads after them.
  auto stream_track = [](std::uint32_t id) { return static_cast<int>(id); };
  auto thread_track = [](std::uint32_t id) { return 1000 + static_cast<int>(id); };
  // The header first, so that a reader sees what it opens before the events.
  out << "{\"displayTimeUnit\":\"ns\",\"otherData\":"
      << header_json(t).dump(-1, ' ', false, kReplaceBadUtf8) << ",\n\"traceEvents\":[\n";
  JsonArrayWriter events(out);
  const std::map<std::uint32_t, std::string> streams(t.streams().begin(), t.streams().end());
  const std::map<std::uint32_t, std::string> threads(t.threads().begin(), t.threads().end());
  for (const auto& [id, name] : streams) {
    events.add({{"ph", "M"},
                {"name", "thread_name"},
                {"pid", pid},
                {"tid", stream_track(id)},
                {"args", {{"name", "stream " + name}}}});
  }
  for (const auto& [id, name] : threads) {
    events.add({{"ph", "M"},
                {"name", "thread_name"},
                {"pid", pid},
                {"tid", thread_track(id)},
                {"args", {{"name", "thread " + name}}}});
  }
  std::unordered_map<detail::SwapKey, const Event*, detail::SwapKeyHash> started_out, started_in;
  // Unsigned: crafted byte counts wrap instead of overflowing a signed sum.
  std::uint64_t resident = 0;
  std::size_t written = 0;
  for (const Event& e : t.events()) {
    if (++written % 65536 == 0 && !out) return;  // the output failed (a full disk): stop
    const detail::SwapKey key = detail::SwapKey::of(e);
    const std::string tag(t.tag(e.tag));
    switch (e.event_kind()) {
      case EventKind::d2h_start:
        started_out[key] = &e;
        continue;
      case EventKind::h2d_start:
        started_in[key] = &e;
        continue;
      case EventKind::d2h_done:
      case EventKind::h2d_done: {
        auto& started = e.event_kind() == EventKind::d2h_done ? started_out : started_in;
        const auto s = started.find(key);
        if (s == started.end()) continue;
        const bool out_copy = e.event_kind() == EventKind::d2h_done;
        const std::uint64_t begin = s->second->host_ns;
        events.add({{"ph", "X"},
                    {"name", std::string(out_copy ? "D2H " : "H2D ") + tag + " L" +
                                 std::to_string(e.layer)},
                    {"cat", out_copy ? "d2h" : "h2d"},
                    {"pid", pid},
                    {"tid", stream_track(e.stream)},
                    {"ts", us(begin)},
                    {"dur", us(e.host_ns >= begin ? e.host_ns - begin : 0)},  // never negative
                    {"args", event_args(tag, e)}});
        started.erase(s);
        continue;
      }
      case EventKind::stall:
        events.add({{"ph", "X"},
                    {"name", label(tag, e)},
                    {"cat", "stall"},
                    {"pid", pid},
                    {"tid", thread_track(e.thread)},
                    {"ts", us(e.host_ns >= e.value ? e.host_ns - e.value : 0)},
                    {"dur", us(e.value)},
                    {"args", event_args(tag, e)}});
        continue;
      case EventKind::layer_enter:
      case EventKind::layer_exit:
        events.add({{"ph", e.event_kind() == EventKind::layer_enter ? "B" : "E"},
                    {"name", tag + " L" + std::to_string(e.layer)},
                    {"cat", "layer"},
                    {"pid", pid},
                    {"tid", thread_track(e.thread)},
                    {"ts", us(e.host_ns)}});
        continue;
      default:
        break;
    }
    const std::int64_t delta = resident_delta(e);
    resident += static_cast<std::uint64_t>(delta);
    events.add({{"ph", "i"},
                {"s", "t"},
                {"name", label(tag, e)},
                {"cat", to_string(e.event_kind())},
                {"pid", pid},
                {"tid", e.stream != 0 ? stream_track(e.stream) : thread_track(e.thread)},
                {"ts", us(e.host_ns)},
                {"args", event_args(tag, e)}});
    if (delta != 0) {
      events.add({{"ph", "C"},
                  {"name", "resident bytes"},
                  {"pid", pid},
                  {"ts", us(e.host_ns)},
                  {"args", {{"bytes", static_cast<std::int64_t>(resident)}}}});
    }
  }
  out << "\n]}\n";
}

}  // namespace

bool parse_export_format(const std::string& name, ExportFormat& format) {
  static const std::map<std::string, ExportFormat> formats = {
      {"jsonl", ExportFormat::jsonl}, {"csv", ExportFormat::csv}, {"chrome", ExportFormat::chrome}};
  const auto it = formats.find(name);
  if (it == formats.end()) return false;
  format = it->second;
  return true;
}

void export_trace(const Trace& trace, ExportFormat format, std::ostream& out) {
  switch (format) {
    case ExportFormat::jsonl:
      export_jsonl(trace, out);
      break;
    case ExportFormat::csv:
      export_csv(trace, out);
      break;
    case ExportFormat::chrome:
      export_chrome(trace, out);
      break;
  }
}

}  // namespace tswap::trace
