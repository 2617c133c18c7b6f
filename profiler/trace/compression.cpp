#include <tswap/trace/compression.h>

#include <stdexcept>

#if TSWAP_HAVE_ZSTD
#include <zstd.h>
#endif

namespace tswap::trace {

#if TSWAP_HAVE_ZSTD

bool zstd_available() noexcept {
  return true;
}

int zstd_min_level() noexcept {
  return ZSTD_minCLevel();
}

int zstd_max_level() noexcept {
  return ZSTD_maxCLevel();
}

ZstdCompressor::ZstdCompressor(int level) {
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    throw std::invalid_argument("zstd level " + std::to_string(level) + " is not in " +
                                std::to_string(ZSTD_minCLevel()) + " to " +
                                std::to_string(ZSTD_maxCLevel()) + " (0: zstd's default)");
  }
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  if (ctx == nullptr) throw std::invalid_argument("zstd cannot make a compression context");
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 1);  // readers check the size
  ctx_ = ctx;
}

ZstdCompressor::~ZstdCompressor() {
  ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(ctx_));
}

bool ZstdCompressor::compress(const void* data, std::size_t bytes, std::vector<std::uint8_t>& out) {
  out.resize(ZSTD_compressBound(bytes));
  const std::size_t n =
      ZSTD_compress2(static_cast<ZSTD_CCtx*>(ctx_), out.data(), out.size(), data, bytes);
  if (ZSTD_isError(n)) {
    error_ = ZSTD_getErrorName(n);
    return false;
  }
  out.resize(n);
  return true;
}

ZstdDecompressor::ZstdDecompressor() : ctx_(ZSTD_createDCtx()) {}

ZstdDecompressor::~ZstdDecompressor() {
  ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(ctx_));
}

std::string ZstdDecompressor::decompress(const void* data, std::size_t bytes, std::size_t expected,
                                         std::vector<std::uint8_t>& out) {
  if (ctx_ == nullptr) return "zstd cannot make a decompression context";
  // The frame's own size first: a frame that says more than the chunk's
  // records is refused before anything is written.
  const unsigned long long said = ZSTD_getFrameContentSize(data, bytes);
  if (said == ZSTD_CONTENTSIZE_ERROR) return "not a zstd frame";
  if (said == ZSTD_CONTENTSIZE_UNKNOWN) return "the zstd frame does not say its size";
  if (said != expected) {
    return "the zstd frame holds " + std::to_string(said) + " bytes where its records need " +
           std::to_string(expected);
  }
  out.resize(expected);
  const std::size_t n =
      ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(ctx_), out.data(), expected, data, bytes);
  if (ZSTD_isError(n)) return std::string("zstd: ") + ZSTD_getErrorName(n);
  if (n != expected) {
    return "the zstd frame decompresses to " + std::to_string(n) + " bytes, not " +
           std::to_string(expected);
  }
  return "";
}

#else  // no libzstd in this build

namespace {
constexpr const char* kNoZstd =
    "this build of tensorswap has no zstd (libzstd-dev was not found when it was configured)";
}

bool zstd_available() noexcept {
  return false;
}

int zstd_min_level() noexcept {
  return 0;
}

int zstd_max_level() noexcept {
  return 0;
}

ZstdCompressor::ZstdCompressor(int) {
  throw std::invalid_argument(kNoZstd);
}

ZstdCompressor::~ZstdCompressor() = default;

bool ZstdCompressor::compress(const void*, std::size_t, std::vector<std::uint8_t>&) {
  error_ = kNoZstd;
  return false;
}

ZstdDecompressor::ZstdDecompressor() = default;

ZstdDecompressor::~ZstdDecompressor() = default;

std::string ZstdDecompressor::decompress(const void*, std::size_t, std::size_t,
                                         std::vector<std::uint8_t>&) {
  return kNoZstd;
}

#endif

}  // namespace tswap::trace
