#include "stream_names.h"

#include <tswap/profiler.h>

#if TSWAP_NAME_CUDA_STREAMS
#include <c10/cuda/CUDAStream.h>
#include <nvtx3/nvToolsExtCudaRt.h>
#endif

namespace tswap::detail {

void name_copy_stream(const c10::Stream& stream, const std::string& name) {
#if TSWAP_NAME_CUDA_STREAMS
  if (stream.device_type() != c10::DeviceType::CUDA || !profiler::nvtx_enabled()) return;
  nvtxNameCudaStreamA(c10::cuda::CUDAStream(stream).stream(), name.c_str());
#else
  (void)stream;
  (void)name;
#endif
}

}  // namespace tswap::detail
