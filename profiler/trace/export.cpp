#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>

#include <nlohmann/json.hpp>

#include <map>
#include <unordered_map>

#include <tswap/trace/copies.h>
#include <tswap/trace/text.h>

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
  if (const std::string reason = reason_of(e); !reason.empty()) j["reason"] = reason;
  if (e.flags & kFlagPrefetch) j["prefetch"] = true;
  // Only where set, as prefetch: a host-timed log exports as it always did.
  if (e.flags & kFlagDeviceTime) j["device_time"] = true;
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

/// The header's copy timing (format version 2), where it says anything.
void add_copy_timing(json& header, const Trace& t) {
  const auto timing = static_cast<CopyTiming>(t.header().copy_timing);
  if (timing != CopyTiming::unknown) header["copy_timing"] = to_string(timing);
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
  add_copy_timing(header, t);
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

// device_time (format version 2) is the last column, so that readers that
// take columns by position still find the others where they were.
void export_csv(const Trace& t, std::ostream& out) {
  out << "t_ns,kind,tag,layer,index,step,value,stream,thread,reason,prefetch,device_time\n";
  for (const Event& e : t.events()) {
    const std::string reason = reason_of(e);
    out << e.host_ns << "," << to_string(e.event_kind()) << "," << csv_field(printable(t.tag(e.tag))) << ","
        << e.layer << "," << e.index << "," << e.step << "," << e.value << ","
        << csv_field(printable(t.stream(e.stream))) << "," << csv_field(printable(t.thread(e.thread))) << ","
        << csv_field(reason) << "," << ((e.flags & kFlagPrefetch) ? 1 : 0) << ","
        << ((e.flags & kFlagDeviceTime) ? 1 : 0) << "\n";
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
/// their stream's track (device-timed ones too: CopyPairing); stalls slices
/// on the thread that waited; layers (forward and backward) B/E slices on
/// the thread, or on the compute stream's track where the device timed
/// them; clock anchors and the rest instants; counter tracks for the
/// engine's resident bytes and the allocator's samples. Written event by
/// event as the log is walked: memory beyond the loaded trace is the copies
/// in flight (a start waiting for its done), not the document.
void export_chrome(const Trace& t, std::ostream& out) {
  constexpr int pid = 1;
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  // Tracks: streams 1..255 first, then threads after them.
  auto stream_track = [](std::uint32_t id) { return static_cast<int>(id); };
  auto thread_track = [](std::uint32_t id) { return 1000 + static_cast<int>(id); };
  // The header first, so that a reader sees what it opens before the events.
  json header = header_json(t);
  add_copy_timing(header, t);
  out << "{\"displayTimeUnit\":\"ns\",\"otherData\":"
      << header.dump(-1, ' ', false, kReplaceBadUtf8) << ",\n\"traceEvents\":[\n";
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
  // Copies come out of the pairing at their done: a slice from start to
  // done, written where the done is, as the log is walked.
  const CopyPairing::OnCopy on_copy = [&](const Copy& c) {
    if (!c.timed()) return;  // queued only, or half a copy: the instants say what is known
    const Event& e = t.events()[c.done->event];
    const std::string tag(t.tag(e.tag));
    const bool out_copy = c.direction == CopyDirection::out;
    json args = event_args(tag, e);
    if (c.source() == TimeSource::device) args["timed_on"] = "device";
    events.add({{"ph", "X"},
                {"name", std::string(out_copy ? "D2H " : "H2D ") + tag + " L" + std::to_string(e.layer)},
                {"cat", out_copy ? "d2h" : "h2d"},
                {"pid", pid},
                {"tid", stream_track(e.stream)},
                {"ts", us(c.start->ns)},
                {"dur", us(*c.duration_ns())},  // never negative
                {"args", args}});
  };
  CopyPairing pairing(t);
  // Unsigned: crafted byte counts wrap instead of overflowing a signed sum.
  std::uint64_t resident = 0;
  std::size_t written = 0;
  const auto& all = t.events();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Event& e = all[i];
    if (++written % 65536 == 0 && !out) return;  // the output failed (a full disk): stop
    pairing.take(i, on_copy);
    const std::string tag(t.tag(e.tag));
    const bool device = (e.flags & kFlagDeviceTime) != 0;
    switch (e.event_kind()) {
      case EventKind::d2h_start:
      case EventKind::h2d_start:
      case EventKind::d2h_done:
      case EventKind::h2d_done:
        continue;
      case EventKind::backward_enter:
      case EventKind::backward_exit:
        events.add({{"ph", e.event_kind() == EventKind::backward_enter ? "B" : "E"},
                    {"name", tag + " L" + std::to_string(e.layer) + " backward"},
                    {"cat", "backward"},
                    {"pid", pid},
                    {"tid", device ? stream_track(e.stream) : thread_track(e.thread)},
                    {"ts", us(e.host_ns)}});
        continue;
      case EventKind::device_allocated:
      case EventKind::device_reserved:
        events.add({{"ph", "C"},
                    {"name", e.event_kind() == EventKind::device_allocated ? "device allocated bytes"
                                                                           : "device reserved bytes"},
                    {"pid", pid},
                    {"ts", us(e.host_ns)},
                    {"args", {{"bytes", e.value}}}});
        continue;
      case EventKind::clock_anchor:
        events.add({{"ph", "i"},
                    {"s", "t"},
                    {"name", "clock anchor #" + std::to_string(e.index)},
                    {"cat", "clock_anchor"},
                    {"pid", pid},
                    {"tid", e.stream != 0 ? stream_track(e.stream) : thread_track(e.thread)},
                    {"ts", us(e.host_ns)},
                    {"args", {{"index", e.index}, {"device_ns", e.value}}}});
        continue;
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
                    {"tid", device ? stream_track(e.stream) : thread_track(e.thread)},
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
