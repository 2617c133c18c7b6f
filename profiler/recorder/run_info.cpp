#include "run_info.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace tswap::profiler::detail {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

int env_int(const char* name, int min) {
  const char* text = env(name);
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || v < min || v > INT_MAX) {
    throw std::invalid_argument(std::string("tensorswap profiler: ") + name + "=" + text +
                                " is not a number of " + std::to_string(min) + " or more");
  }
  return static_cast<int>(v);
}

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

void check_run_info(const RunInfo& i) {
  if (i.rank == -1) return;
  if (i.world_size < 1 || i.rank < 0 || i.rank >= i.world_size || i.local_rank < -1 ||
      i.local_rank >= i.world_size) {
    throw std::invalid_argument("tensorswap profiler: rank " + std::to_string(i.rank) +
                                " of a world of " + std::to_string(i.world_size) +
                                " (local rank " + std::to_string(i.local_rank) +
                                "): a rank is 0 to world_size - 1, a local rank -1 or one of those");
  }
}

std::string expand_log_path(const std::string& path, const RunInfo& info) {
  std::string out;
  bool has_rank = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    const std::size_t close = path.find('}', i);
    const std::string name = path.substr(i + 1, close == std::string::npos ? 0 : close - i - 1);
    const auto need_rank = [&] {
      if (info.rank < 0) {
        throw std::invalid_argument(
            "tensorswap profiler: {" + name + "} in " + path +
            ", but this process has no rank (RANK and WORLD_SIZE are not set, and no process "
            "group said): use {pid}, or set them");
      }
    };
    if (name == "rank") {
      need_rank();
      out += std::to_string(info.rank);
      has_rank = true;
    } else if (name == "local_rank") {
      need_rank();
      out += std::to_string(info.local_rank);
    } else if (name == "world_size") {
      need_rank();
      out += std::to_string(info.world_size);
    } else if (name == "pid") {
      out += std::to_string(::getpid());
    } else if (name == "host") {
      out += host_name();
    } else {
      throw std::invalid_argument("tensorswap profiler: unknown placeholder in " + path +
                                  " (at character " + std::to_string(i) +
                                  "); the placeholders are {rank}, {local_rank}, {world_size}, "
                                  "{pid} and {host}");
    }
    i = close;
  }
  // Several ranks, one name: each gets its own file, the rank before the
  // extension of the file's name (not of a directory's).
  if (!has_rank && info.rank >= 0 && info.world_size > 1) {
    const std::size_t slash = out.rfind('/');
    const std::size_t dot = out.rfind('.');
    const bool has_extension =
        dot != std::string::npos && dot > (slash == std::string::npos ? 0 : slash + 1);
    const std::string rank = "." + std::to_string(info.rank);
    out = has_extension ? out.substr(0, dot) + rank + out.substr(dot) : out + rank;
  }
  return out;
}

void fill_run_header(trace::RunHeader& h, const RunInfo& info) {
  if (info.rank < 0) {
    h.flags &= ~trace::kRunHasRank;
    h.rank = 0;
    h.world_size = 0;
    h.local_rank = 0;
    std::memset(h.run_id, 0, sizeof h.run_id);
    return;
  }
  h.flags |= trace::kRunHasRank;
  h.rank = info.rank;
  h.world_size = info.world_size;
  h.local_rank = info.local_rank;
  std::memset(h.run_id, 0, sizeof h.run_id);
  std::snprintf(h.run_id, sizeof h.run_id, "%s", info.run_id.c_str());
}

}  // namespace tswap::profiler::detail

namespace tswap::profiler {

RunInfo run_info_from_environment() {
  RunInfo info;
  if (detail::env("RANK") == nullptr || detail::env("WORLD_SIZE") == nullptr) return info;
  info.world_size = detail::env_int("WORLD_SIZE", 1);
  info.rank = detail::env_int("RANK", 0);
  if (detail::env("LOCAL_RANK") != nullptr) info.local_rank = detail::env_int("LOCAL_RANK", 0);
  if (const char* id = detail::env("TSWAP_RUN_ID")) {
    info.run_id = id;
  } else if (const char* id = detail::env("TORCHELASTIC_RUN_ID")) {
    info.run_id = id;
  } else if (detail::env("MASTER_ADDR") != nullptr && detail::env("MASTER_PORT") != nullptr) {
    info.run_id = std::string(detail::env("MASTER_ADDR")) + ":" + detail::env("MASTER_PORT");
  }
  detail::check_run_info(info);
  return info;
}

}  // namespace tswap::profiler
