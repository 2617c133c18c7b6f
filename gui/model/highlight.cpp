#include "highlight.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <unordered_map>

namespace tswap::viewer {

namespace {

/// Whether a span's tag id names the filter's tag, asked once per trace and
/// id: Filter::shows takes the name, and making it per span would cost a
/// string for each of millions of spans.
class TagMatch {
 public:
  explicit TagMatch(const Filter& f) : filter_(f) {}

  bool operator()(const trace::Trace& t, std::uint16_t tag) {
    if (!filter_.tag) return true;
    const auto [it, added] = known_.try_emplace(Key{&t, tag}, false);
    if (added) it->second = t.tag(tag) == *filter_.tag;
    return it->second;
  }

 private:
  struct Key {
    const trace::Trace* trace;
    std::uint16_t tag;
    bool operator==(const Key& o) const { return trace == o.trace && tag == o.tag; }
  };
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return std::hash<const void*>()(k.trace) ^ (std::size_t{k.tag} * 0x9e3779b97f4a7c15ull);
    }
  };
  const Filter& filter_;
  std::unordered_map<Key, bool, Hash> known_;
};

}  // namespace

Timeline pick_spans(const Timeline& timeline, const Filter& filter, const TraceOfLane& trace_of,
                    std::pair<std::size_t, std::size_t> lanes) {
  Timeline out;
  out.step_marks = timeline.step_marks;
  out.turns = timeline.turns;
  std::tie(out.first, out.last) = timeline.log_extent.value_or(std::make_pair(timeline.first, timeline.last));
  out.copies_untimed = timeline.copies_untimed;
  TagMatch tag_matches(filter);
  // The tag is the filter's; the rest of Filter::shows is asked per span.
  Filter rest = filter;
  rest.tag.reset();
  static const std::string no_tag;
  out.lanes.reserve(timeline.lanes.size());
  for (std::size_t i = 0; i < timeline.lanes.size(); ++i) {
    const Lane& lane = timeline.lanes[i];
    Lane picked;
    picked.type = lane.type;
    picked.name = lane.name;
    picked.launches = lane.launches;
    picked.group_header = lane.group_header;
    const bool gives = !lane.group_header && lane.type != Lane::Type::capture && i >= lanes.first && i < lanes.second;
    if (gives) {
      const trace::Trace& t = trace_of(i);
      for (const Span& s : lane.spans) {
        if (rest.shows(no_tag, s) && tag_matches(t, s.tag)) picked.spans.push_back(s);
      }
      for (const Span& s : picked.spans) picked.longest = std::max(picked.longest, s.end - s.begin);
    }
    picked.lod.build(picked.spans);
    out.lanes.push_back(std::move(picked));
  }
  return out;
}

}  // namespace tswap::viewer
