// What the engine emits through NVTX, as a tool sees it: the probe library
// (loaded by NVTX through NVTX_INJECTION64_PATH) records every call.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <map>
#include <set>
#include <stack>

#include <tswap/profiler.h>
#include <tswap/testing.h>
#include <tswap/trace/trace.h>
#include <tswap/trace/format.h>
#include <tswap/tswap.h>

#include "nvtx/nvtx_probe.h"
#include "support/models.h"

namespace tswap_test {
namespace {

using ::testing::Contains;

struct Range {
  std::uint32_t category;
  std::string message;
  std::string parent;  // message of the enclosing range on the same thread ("" at the top)
  std::uint64_t payload;
  std::uint64_t thread;
  bool extended;
  std::uint64_t bytes;
};

/// Replays pushes and pops per thread; fails on a pop without a push.
std::vector<Range> ranges(const std::vector<NvtxCall>& calls, std::size_t from) {
  std::map<std::uint64_t, std::stack<std::string>> open;
  std::vector<Range> out;
  for (std::size_t i = from; i < calls.size(); ++i) {
    const NvtxCall& c = calls[i];
    if (c.type == NvtxCall::range_push) {
      auto& s = open[c.thread];
      out.push_back({c.category, c.text, s.empty() ? "" : s.top(), c.payload, c.thread, c.extended,
                     c.bytes});
      s.push(c.text);
    } else if (c.type == NvtxCall::range_pop) {
      auto& s = open[c.thread];
      EXPECT_FALSE(s.empty()) << "a pop without a push on thread " << c.thread;
      if (!s.empty()) s.pop();
    }
  }
  for (const auto& [thread, s] : open) EXPECT_TRUE(s.empty()) << "ranges left open on " << thread;
  return out;
}

class Nvtx : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("NVTX_INJECTION64_PATH") == nullptr) {
      GTEST_SKIP() << "NVTX_INJECTION64_PATH is not set; ctest sets it to the probe library";
    }
  }
};

TEST_F(Nvtx, TheEngineEmitsNamedRangesInTheTensorswapDomain) {
  constexpr int layers = 4, steps = 2;
  torch::manual_seed(0);
  Stack model = mlp_stack(layers, 16, SwapSetup::with("nvtx.mlp.*"));
  const torch::Tensor x = torch::randn({4, 16});
  tswap::reset_stats();
  for (int s = 0; s < steps; ++s) model->forward(x).sum().backward();
  ASSERT_TRUE(nvtx_probe_attached()) << "NVTX did not load the probe";
  const std::vector<NvtxCall> calls = nvtx_calls();

  // One domain, a category per event kind, the copy threads named.
  std::vector<std::string> domains, categories, threads;
  std::map<std::uint64_t, std::string> thread_names;
  for (const NvtxCall& c : calls) {
    if (c.type == NvtxCall::domain_created) domains.push_back(c.text);
    if (c.type == NvtxCall::category_named)
      categories.push_back(std::to_string(c.category) + " " + c.text);
    if (c.type == NvtxCall::thread_named) thread_names[c.thread] = c.text;
  }
  EXPECT_THAT(domains, ::testing::ElementsAre("tensorswap"));
  EXPECT_EQ(categories.size(), static_cast<std::size_t>(tswap::trace::kLastEventKind));
  EXPECT_THAT(categories, Contains("5 d2h_queued"));
  EXPECT_THAT(categories, Contains("8 release"));

  const auto c = tswap::stats().per_tag.at("nvtx.mlp.*");
  std::map<std::uint32_t, int> by_category;
  std::set<std::uint64_t> ids;
  for (const Range& r : ranges(calls, 0)) {
    EXPECT_TRUE(ids.insert(r.payload).second) << "operation id " << r.payload << " twice";
    ++by_category[r.category];
    switch (static_cast<tswap::trace::EventKind>(r.category)) {
      case tswap::trace::EventKind::layer_enter:
        EXPECT_THAT(r.message, ::testing::MatchesRegex("layer_enter nvtx\\.mlp\\.\\* L[0-3]"));
        EXPECT_EQ(r.parent, "");
        break;
      case tswap::trace::EventKind::release:
        // Releasing layer L-1 happens inside layer L's forward.
        EXPECT_THAT(r.parent, ::testing::StartsWith("layer_enter nvtx.mlp.* L"));
        EXPECT_EQ(r.message.back() + 1, r.parent.back()) << r.message << " in " << r.parent;
        break;
      case tswap::trace::EventKind::d2h_start:
        EXPECT_EQ(thread_names[r.thread], "tswap-sim-d2h");
        break;
      case tswap::trace::EventKind::h2d_start:
        EXPECT_EQ(thread_names[r.thread], "tswap-sim-h2d");
        break;
      default:
        break;
    }
  }
  EXPECT_EQ(by_category[static_cast<int>(tswap::trace::EventKind::layer_enter)], layers * steps);
  EXPECT_EQ(by_category[static_cast<int>(tswap::trace::EventKind::release)], (layers - 1) * steps);
  EXPECT_EQ(by_category[static_cast<int>(tswap::trace::EventKind::d2h_start)],
            static_cast<int>(c.tensors_swapped_out));
  EXPECT_EQ(by_category[static_cast<int>(tswap::trace::EventKind::h2d_start)],
            static_cast<int>(c.tensors_swapped_in));
  EXPECT_EQ(ids.count(0), 0u) << "operation ids start at 1";
}

TEST_F(Nvtx, EveryRangeIsInTheLogByItsOperationIdAndASessionMarksItsClock) {
  torch::manual_seed(0);
  Stack model = mlp_stack(3, 16, SwapSetup::with("nvtx.ops.*"));
  const torch::Tensor x = torch::randn({4, 16});
  model->forward(x).sum().backward();  // warm: threads, strings, the domain
  const std::size_t from = nvtx_calls().size();
  tswap::testing::RecordedRun run;
  for (int s = 0; s < 2; ++s) model->forward(x).sum().backward();
  const tswap::trace::Trace log = run.stop();
  const std::vector<NvtxCall> calls = nvtx_calls();

  // The session's mark: the header's clock start as payload.
  std::vector<NvtxCall> marks;
  for (std::size_t i = from; i < calls.size(); ++i) {
    if (calls[i].type == NvtxCall::mark) marks.push_back(calls[i]);
  }
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].payload, log.header().monotonic_start_ns);
  EXPECT_EQ(marks[0].text, "tensorswap session: pid " + std::to_string(log.header().pid) +
                               ", log clock starts at CLOCK_MONOTONIC " +
                               std::to_string(log.header().monotonic_start_ns) + " ns");

  // Every range pushed while the session recorded is an nvtx_range record
  // with its id, its category and the operation's tag and layer.
  std::map<std::uint64_t, const tswap::trace::Event*> by_id;
  for (const auto& e : log.events()) {
    if (e.event_kind() != tswap::trace::EventKind::nvtx_range) continue;
    EXPECT_TRUE(by_id.emplace(e.value, &e).second) << "id " << e.value << " twice in the log";
  }
  std::size_t matched = 0;
  for (const Range& r : ranges(calls, from)) {
    const auto it = by_id.find(r.payload);
    ASSERT_NE(it, by_id.end()) << r.message << " (id " << r.payload << ") is not in the log";
    const tswap::trace::Event& e = *it->second;
    EXPECT_EQ(e.reason, r.category) << r.message;
    EXPECT_EQ(std::string(to_string(static_cast<tswap::trace::EventKind>(e.reason))) + " " +
                  std::string(log.tag(e.tag)) + " L" + std::to_string(e.layer),
              r.message);
    ++matched;
  }
  EXPECT_EQ(matched, by_id.size()) << "a record without its range";
  EXPECT_GT(matched, 10u);
}

bool env_is(const char* name, const char* value) {
  const char* env = std::getenv(name);
  return env != nullptr && std::string(env) == value;
}

// ctest runs this file three times: with a tool that takes NVTX's payload
// extension, with TSWAP_NVTX_PAYLOAD=classic, and with a tool without the
// extension (TSWAP_PROBE_PAYLOAD_EXTENSION=0). The id is there every time.
TEST_F(Nvtx, RangesCarryTheirBytesBesideTheIdWhereTheToolTakesExtendedPayloads) {
  const bool classic = env_is("TSWAP_NVTX_PAYLOAD", "classic");
  const bool tool_without_extension = env_is("TSWAP_PROBE_PAYLOAD_EXTENSION", "0");
  torch::manual_seed(0);
  Stack model = mlp_stack(3, 16, SwapSetup::with("nvtx.bytes.*"));
  const torch::Tensor x = torch::randn({4, 16});
  model->forward(x).sum().backward();
  const std::size_t from = nvtx_calls().size();
  tswap::testing::RecordedRun run;
  model->forward(x).sum().backward();
  const tswap::trace::Trace log = run.stop();

  const std::vector<NvtxSchema> schemas = nvtx_schemas();
  if (classic || tool_without_extension) {
    EXPECT_TRUE(schemas.empty());
  } else {
    ASSERT_EQ(schemas.size(), 1u) << "one schema, registered with the domain";
    EXPECT_EQ(schemas[0].name, "tensorswap operation");
    EXPECT_EQ(schemas[0].id, (std::uint64_t{1} << 24) + 1)
        << "NVTX_PAYLOAD_SCHEMA_ID_STATIC_START + 1, what tswap::nsys::join's tests assume";
    EXPECT_EQ(schemas[0].type, 1u) << "NVTX_PAYLOAD_SCHEMA_TYPE_STATIC";
    EXPECT_EQ(schemas[0].static_size, 16u);
    ASSERT_EQ(schemas[0].entries.size(), 2u);
    EXPECT_EQ(schemas[0].entries[0].name, "operation id");
    EXPECT_EQ(schemas[0].entries[0].offset, 0u);
    EXPECT_EQ(schemas[0].entries[1].name, "bytes");
    EXPECT_EQ(schemas[0].entries[1].offset, 8u);
    for (const auto& e : schemas[0].entries) EXPECT_EQ(e.type, 18u) << "NVTX_PAYLOAD_ENTRY_TYPE_UINT64";
  }

  std::map<std::uint64_t, const tswap::trace::Event*> by_id;
  for (const auto& e : log.events()) {
    if (e.event_kind() == tswap::trace::EventKind::nvtx_range) by_id.emplace(e.value, &e);
  }
  std::size_t with_bytes = 0;
  for (const Range& r : ranges(nvtx_calls(), from)) {
    EXPECT_EQ(r.extended, !classic && !tool_without_extension) << r.message;
    const auto it = by_id.find(r.payload);
    ASSERT_NE(it, by_id.end()) << r.message << " (id " << r.payload << ") is not in the log";
    if (!r.extended) continue;
    // A copy's range has its copy's bytes (the start record's value); a
    // layer's release range, the sum of the layer's release records.
    const tswap::trace::Event& op = *it->second;
    const auto kind = static_cast<tswap::trace::EventKind>(op.reason);
    const bool whole_layer = kind == tswap::trace::EventKind::release;
    std::uint64_t expected = 0;
    for (const auto& e : log.events()) {
      if (e.event_kind() != kind || e.tag != op.tag || e.layer != op.layer || e.step != op.step ||
          (!whole_layer && e.index != op.index))
        continue;
      expected += e.value;
      if (!whole_layer) break;
    }
    EXPECT_EQ(r.bytes, expected) << r.message << " index " << op.index;
    if (expected > 0) ++with_bytes;
  }
  if (!classic && !tool_without_extension) EXPECT_GE(with_bytes, 6u) << "copies and releases";
}

TEST_F(Nvtx, SwitchedOffItEmitsNothing) {
  torch::manual_seed(0);
  Stack model = mlp_stack(3, 16, SwapSetup::with("nvtx.off.*"));
  const torch::Tensor x = torch::randn({4, 16});
  model->forward(x).sum().backward();  // warm: threads and strings exist
  tswap::profiler::set_nvtx_enabled(false);
  const std::size_t before = nvtx_calls().size();
  model->forward(x).sum().backward();
  const std::size_t after = nvtx_calls().size();
  tswap::profiler::set_nvtx_enabled(true);
  EXPECT_EQ(after, before);
  EXPECT_TRUE(tswap::profiler::nvtx_enabled());
}

}  // namespace
}  // namespace tswap_test
