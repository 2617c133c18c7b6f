#pragma once

// The pack/unpack pair tensorswap pushes through autograd's saved-tensor
// hooks while a Python SwapContext is entered (include/tswap/hook_delivery.h
// says why Python cannot use the C++ engine's own hook).

#include <Python.h>

#include <stack>
#include <utility>

namespace tswap::python {

/// Adds the SavedTensor type to `module` and makes the pack/unpack pair.
/// Returns false with a Python error set on failure.
bool init_saved_tensor_hooks(PyObject* module);

/// Pushes tensorswap's pair on this thread's saved-tensor hooks stack.
void push_hooks();
/// Pops it; false (nothing popped) if the top of the stack is not ours: hooks
/// pushed inside our scope were not popped before it ended.
bool pop_hooks();

/// This thread's saved-tensor hooks stack, as autograd keeps it.
using HookStack = std::stack<std::pair<PyObject*, PyObject*>>;

/// Takes tensorswap's pairs off this thread's stack, the user's stay, and
/// returns the stack as it was, for restore_hooks(): under no_swap()
/// autograd keeps what is saved itself, as under C++'s NoSwapScope, where
/// no hook is involved at all.
HookStack hide_our_hooks();
void restore_hooks(HookStack saved);

}  // namespace tswap::python
