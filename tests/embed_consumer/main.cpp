// Built with the parent's hidden visibility against tensorswap's libraries
// (Note [Symbol visibility]): records a log through tswap::recorder, reads
// it back through tswap::trace, and catches a TraceError thrown inside
// libtswap_trace. Exit code 0 on success.

#include <cstdio>
#include <string>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/trace.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed_consumer LOG\n");
    return 2;
  }
  const std::string path = argv[1];
  tswap::profiler::start_session(path);
  tswap::profiler::Fields f;
  f.tag = tswap::profiler::intern_tag("embed.layer.*");
  tswap::profiler::emit(tswap::trace::EventKind::step_begin, f);  // reads the recorder's g_recording
  tswap::profiler::stop_session();

  const auto trace = tswap::trace::Trace::load(path);
  bool typed_error = false;
  try {
    tswap::trace::Trace::load(path + ".missing");
  } catch (const tswap::trace::TraceError& e) {
    typed_error = e.kind() == tswap::trace::TraceError::Kind::cannot_open;
  }
  std::printf("%zu events, tag '%s', a missing log %s\n", trace.events().size(),
              std::string(trace.tag(f.tag)).c_str(),
              typed_error ? "throws TraceError(cannot_open)" : "DID NOT throw TraceError(cannot_open)");
  return trace.events().size() == 1 && trace.tag(f.tag) == "embed.layer.*" && typed_error ? 0 : 1;
}
