#pragma once

// tensorswap: layer-wise swapping of saved activations to host memory.
// Everything a training program needs; runtimes are in <tswap/runtime.h>,
// <tswap/simulated_runtime.h> and <tswap/accelerator_runtime.h>.

#include <tswap/options.h>
#include <tswap/stats.h>
#include <tswap/swap_context.h>
