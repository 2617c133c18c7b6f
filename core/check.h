#pragma once

// Error checks of the engine. User errors throw c10::Error, the type
// autograd and LibTorch throw, with a message that says what was expected
// and what was found; internal invariants use TORCH_INTERNAL_ASSERT.

#include <c10/util/Exception.h>

#define TSWAP_CHECK(cond, ...) TORCH_CHECK(cond, "tensorswap: ", __VA_ARGS__)
