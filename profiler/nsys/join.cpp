#include <tswap/nsys/join.h>
#include <tswap/trace/intervals.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

namespace tswap::nsys {
namespace {

using Interval = trace::Interval<std::int64_t>;
using trace::covered;
using trace::merged;

bool is_range(const NvtxEvent& e) {
  return e.type == NvtxType::push_pop_range || e.type == NvtxType::start_end_range;
}

/// The operation id a tensorswap range carries: its plain uint64 payload,
/// or its extended payload's "operation id" (Note [Operation ids]).
std::optional<std::uint64_t> operation_id(const Capture& capture, const NvtxEvent& e) {
  if (e.payload_kind == PayloadKind::uint64) return e.payload_uint;
  if (e.payload_kind == PayloadKind::binary) return capture.payload_field(e, "operation id");
  return std::nullopt;
}

std::string starts_of(const std::vector<const NvtxEvent*>& marks) {
  std::string out;
  for (std::size_t i = 0; i < marks.size() && i < 4; ++i) {
    out += (i ? ", " : "") + std::to_string(marks[i]->payload_uint);
  }
  if (marks.size() > 4) out += ", ...";
  return out;
}

/// The session mark of the log's session (Note [Operation ids]).
const NvtxEvent& session_mark(const trace::Trace& log, const Capture& capture) {
  const std::uint64_t start = log.header().monotonic_start_ns;
  std::vector<const NvtxEvent*> marks;
  for (const NvtxEvent& e : capture.nvtx()) {
    if (e.type == NvtxType::mark && capture.string(e.domain) == "tensorswap" &&
        e.payload_kind == PayloadKind::uint64) {
      marks.push_back(&e);
    }
  }
  const NvtxEvent* same_pid = nullptr;
  const NvtxEvent* any = nullptr;
  for (const NvtxEvent* m : marks) {
    if (m->payload_uint != start) continue;
    if (any == nullptr) any = m;
    if (same_pid == nullptr && m->pid() == log.header().pid) same_pid = m;
  }
  if (same_pid != nullptr) return *same_pid;
  if (any != nullptr) return *any;  // another pid namespace (a container): the clock says it all
  const std::string where = capture.path() + " and " + log.path();
  if (!marks.empty()) {
    throw JoinError(where + ": the capture is of another run: its tensorswap session marks say "
                    "the log clock starts at CLOCK_MONOTONIC " + starts_of(marks) +
                    " ns, this log's at " + std::to_string(start) + " ns (pid " +
                    std::to_string(log.header().pid) + ")");
  }
  if (!capture.has_domain("tensorswap")) {
    throw JoinError(where + ": the capture has no tensorswap NVTX domain: capture with NVTX "
                    "tracing on (nsys profile --trace=cuda,nvtx) and without TSWAP_NVTX=0");
  }
  throw JoinError(where + ": the capture has the tensorswap domain but no session mark: the "
                  "log's session started before the capture did (start the session once nsys "
                  "runs), or an older tensorswap wrote it");
}

}  // namespace

std::optional<double> Join::gb_per_s(trace::CopyDirection direction) const {
  std::uint64_t bytes = 0, ns = 0;
  for (const JoinedCopy& c : copies) {
    if (c.direction != direction) continue;
    bytes += c.bytes;
    ns += c.duration_ns();
  }
  if (ns == 0) return std::nullopt;
  return static_cast<double>(bytes) / static_cast<double>(ns);
}

std::optional<double> Join::overlap_share() const {
  std::uint64_t total = 0, overlapped = 0;
  for (const JoinedCopy& c : copies) {
    total += c.duration_ns();
    overlapped += c.overlapped_ns;
  }
  if (total == 0) return std::nullopt;
  return static_cast<double>(overlapped) / static_cast<double>(total);
}

Join join(const trace::Trace& log, const Capture& capture) {
  const NvtxEvent& mark = session_mark(log, capture);
  Join j;
  j.pid = mark.pid();
  j.log_zero = mark.start;

  // The run's ranges by operation id, its runtime calls by thread, its
  // memcpys by correlation id, its kernels' union.
  std::unordered_map<std::uint64_t, const NvtxEvent*> ranges;
  for (const NvtxEvent& e : capture.nvtx()) {
    if (!is_range(e) || e.pid() != j.pid || capture.string(e.domain) != "tensorswap") continue;
    if (const auto id = operation_id(capture, e)) {
      ranges.emplace(*id, &e);
    } else {
      ++j.ranges_without_id;
    }
  }
  // Correlation id 0 (or NULL) ties nothing together: left out.
  std::unordered_map<std::int64_t, std::vector<const RuntimeCall*>> calls;  // by start
  for (const RuntimeCall& c : capture.runtime_calls()) {
    if (c.pid() == j.pid && c.correlation_id != 0) calls[c.global_tid].push_back(&c);
  }
  std::unordered_map<std::uint32_t, std::vector<const Memcpy*>> memcpys;
  for (const Memcpy& m : capture.memcpys()) {
    if ((m.global_pid == 0 || m.pid() == j.pid) && m.correlation_id != 0) {
      memcpys[m.correlation_id].push_back(&m);
    }
  }
  std::vector<Interval> kernels;
  for (const Kernel& k : capture.kernels()) {
    if ((k.global_pid == 0 || k.pid() == j.pid) && k.end > k.start) kernels.emplace_back(k.start, k.end);
  }
  const std::vector<Interval> busy = merged(std::move(kernels));
  for (const Interval& i : busy) j.kernel_ns += static_cast<std::uint64_t>(i.second - i.first);

  std::vector<std::uint64_t> residuals;
  for (const trace::Event& e : log.events()) {
    if (e.event_kind() != trace::EventKind::nvtx_range) continue;
    const auto kind = static_cast<trace::EventKind>(e.reason);
    const bool out = kind == trace::EventKind::d2h_queued;
    const bool copy = out || kind == trace::EventKind::h2d_queued;
    const auto range = ranges.find(e.value);
    if (copy) ++j.logged_copies;
    const trace::CopyDirection direction =
        out ? trace::CopyDirection::out : trace::CopyDirection::back;
    if (range == ranges.end()) {
      if (copy) {
        j.unmatched.push_back({trace::SwapKey::of(e), direction, e.value,
                               "no NVTX range with its operation id in the capture"});
      }
      continue;
    }
    const NvtxEvent& r = *range->second;
    ++j.ranges_matched;
    const std::int64_t mapped = r.start - j.log_zero;
    const std::int64_t diff = mapped - static_cast<std::int64_t>(e.host_ns);
    residuals.push_back(static_cast<std::uint64_t>(diff < 0 ? -diff : diff));
    if (!copy) continue;
    // The runtime calls the range's thread made inside it, and their memcpys.
    const Memcpy* found = nullptr;
    const RuntimeCall* by = nullptr;
    std::size_t inside_calls = 0;
    const auto t = calls.find(r.global_tid);
    if (t != calls.end()) {
      const auto& v = t->second;
      auto c = std::lower_bound(v.begin(), v.end(), r.start,
                                [](const RuntimeCall* call, std::int64_t s) { return call->start < s; });
      for (; c != v.end() && (*c)->start <= r.end && found == nullptr; ++c) {
        ++inside_calls;
        const auto m = memcpys.find((*c)->correlation_id);
        if (m == memcpys.end()) continue;
        for (const Memcpy* candidate : m->second) {
          if (candidate->kind == (out ? CopyKind::dtoh : CopyKind::htod)) {
            found = candidate;
            by = *c;
            break;
          }
        }
      }
    }
    if (found == nullptr) {
      j.unmatched.push_back({trace::SwapKey::of(e), direction, e.value,
                             inside_calls == 0
                                 ? "no CUDA runtime call inside its NVTX range"
                                 : "no " + std::string(out ? "DtoH" : "HtoD") +
                                       " memcpy for the " + std::to_string(inside_calls) +
                                       " runtime calls inside its NVTX range"});
      continue;
    }
    JoinedCopy jc;
    jc.key = trace::SwapKey::of(e);
    jc.direction = direction;
    jc.operation = e.value;
    jc.bytes = found->bytes;
    jc.nvtx_bytes = capture.payload_field(r, "bytes").value_or(0);
    jc.range_start = r.start;
    jc.range_end = r.end;
    jc.api_start = by->start;
    jc.gpu_start = found->start;
    jc.gpu_end = found->end;
    jc.stream = found->stream_id;
    jc.overlapped_ns = covered(busy, found->start, std::max(found->start, found->end));
    j.copies.push_back(jc);
  }
  std::sort(j.copies.begin(), j.copies.end(),
            [](const JoinedCopy& a, const JoinedCopy& b) { return a.gpu_start < b.gpu_start; });
  if (!residuals.empty()) {
    std::sort(residuals.begin(), residuals.end());
    j.residual_max_ns = residuals.back();
    j.residual_median_ns = residuals[residuals.size() / 2];
  }
  return j;
}

}  // namespace tswap::nsys
