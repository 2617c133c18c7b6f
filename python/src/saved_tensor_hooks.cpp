#include "saved_tensor_hooks.h"

#include <torch/csrc/Exceptions.h>
#include <torch/csrc/utils/pybind.h>
#include <torch/csrc/autograd/python_variable.h>

#include <ATen/SavedTensorHooks.h>
#include <torch/csrc/autograd/saved_variable_hooks.h>

#include <memory>
#include <new>
#include <vector>

#include <tswap/hook_delivery.h>

// Note [Python hooks]
// ~~~~~~~~~~~~~~~~~~~
// Autograd calls a Python pack hook with the tensor and keeps what it
// returns; it calls unpack with that object in backward. Both are plain
// C functions here (METH_O, no argument parsing), and what pack returns is
// a small C object owning the engine's slot: per saved tensor, the only
// Python work is the two calls autograd makes anyway. The slot is the very
// object the C++ engine hands to autograd (hooks_for_this_thread), so
// everything the engine does, swaps, prefetch, release, version checks, the
// log, is the same in both processes.
//
// Pack runs on the forward thread with the GIL held and does not release
// it: it queues copies and returns. Unpack releases the GIL while the slot
// waits for its copy back, so other Python threads run during a stall; the
// engine's streams never need the GIL.
//
// A tensor that no scope claims (a NoSwapScope is active, options disabled)
// is returned by pack as it is, and unpack hands a tensor back unchanged.

namespace tswap::python {
namespace {

struct SavedTensorObject {
  PyObject_HEAD
  torch::autograd::SavedVariableHooks* slot;  // owned
};

void saved_tensor_dealloc(PyObject* self) {
  auto* saved = reinterpret_cast<SavedTensorObject*>(self);
  delete saved->slot;
  Py_TYPE(self)->tp_free(self);
}

PyTypeObject g_saved_tensor_type = [] {
  PyTypeObject t{};  // PyVarObject_HEAD_INIT(nullptr, 0), without a warning per field
  Py_SET_REFCNT(reinterpret_cast<PyObject*>(&t), 1);
  t.tp_name = "tensorswap._C.SavedTensor";
  t.tp_basicsize = sizeof(SavedTensorObject);
  t.tp_dealloc = saved_tensor_dealloc;
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_doc = "A tensor autograd saved inside a tensorswap scope, held by the engine.";
  return t;
}();

PyObject* pack(PyObject* /*module*/, PyObject* tensor) {
  HANDLE_TH_ERRORS
  std::unique_ptr<torch::autograd::SavedVariableHooks> slot = hooks::hooks_for_this_thread();
  if (!slot) {
    Py_INCREF(tensor);
    return tensor;
  }
  if (!THPVariable_Check(tensor)) {
    PyErr_Format(PyExc_TypeError, "tensorswap: pack expected a Tensor, got %s",
                 Py_TYPE(tensor)->tp_name);
    return nullptr;
  }
  slot->call_pack_hook(THPVariable_Unpack(tensor));
  auto* saved = PyObject_New(SavedTensorObject, &g_saved_tensor_type);
  if (saved == nullptr) return nullptr;
  saved->slot = slot.release();
  return reinterpret_cast<PyObject*>(saved);
  END_HANDLE_TH_ERRORS
}

PyObject* unpack(PyObject* /*module*/, PyObject* packed) {
  HANDLE_TH_ERRORS
  if (Py_TYPE(packed) != &g_saved_tensor_type) {
    if (THPVariable_Check(packed)) {
      Py_INCREF(packed);
      return packed;
    }
    PyErr_Format(PyExc_TypeError, "tensorswap: unpack expected what tensorswap's pack returned, got %s",
                 Py_TYPE(packed)->tp_name);
    return nullptr;
  }
  auto* saved = reinterpret_cast<SavedTensorObject*>(packed);
  at::Tensor tensor;
  {
    pybind11::gil_scoped_release no_gil;
    tensor = saved->slot->call_unpack_hook();
  }
  return THPVariable_Wrap(std::move(tensor));
  END_HANDLE_TH_ERRORS
}

PyMethodDef g_pack_def = {"pack", pack, METH_O,
                          "tensorswap's saved-tensor pack hook (pushed by SwapContext)."};
PyMethodDef g_unpack_def = {"unpack", unpack, METH_O,
                            "tensorswap's saved-tensor unpack hook (pushed by SwapContext)."};

// Made once, never freed: autograd's hook stacks may hold them until exit.
PyObject* g_pack = nullptr;
PyObject* g_unpack = nullptr;

}  // namespace

bool init_saved_tensor_hooks(PyObject* module) {
  if (PyType_Ready(&g_saved_tensor_type) < 0) return false;
  Py_INCREF(&g_saved_tensor_type);
  if (PyModule_AddObject(module, "SavedTensor", reinterpret_cast<PyObject*>(&g_saved_tensor_type)) <
      0) {
    return false;
  }
  g_pack = PyCFunction_New(&g_pack_def, nullptr);
  g_unpack = PyCFunction_New(&g_unpack_def, nullptr);
  if (g_pack == nullptr || g_unpack == nullptr) return false;
  Py_INCREF(g_pack);
  Py_INCREF(g_unpack);
  return PyModule_AddObject(module, "pack", g_pack) == 0 &&
         PyModule_AddObject(module, "unpack", g_unpack) == 0;
}

// What torch.autograd.graph.saved_tensors_hooks does (its C++ half,
// PyDefaultSavedVariableHooks, is not exported from libtorch_python): the
// stack holds a reference to each callable while it is on it.
void push_hooks() {
  at::SavedTensorDefaultHooks::lazy_initialize();
  at::SavedTensorDefaultHooks::push_hooks(g_pack, g_unpack);
  Py_INCREF(g_pack);
  Py_INCREF(g_unpack);
}

bool pop_hooks() {
  if (at::SavedTensorDefaultHooks::get_hooks().first != g_pack) return false;
  at::SavedTensorDefaultHooks::pop_hooks();
  Py_DECREF(g_pack);
  Py_DECREF(g_unpack);
  return true;
}

// The pairs on the stack are borrowed while hidden: the saved stack, put
// back by restore_hooks, still holds them.
HookStack hide_our_hooks() {
  at::SavedTensorDefaultHooks::lazy_initialize();
  HookStack saved = at::SavedTensorDefaultHooks::get_stack();
  HookStack others;
  std::vector<std::pair<PyObject*, PyObject*>> bottom_up;
  for (HookStack copy = saved; !copy.empty(); copy.pop()) bottom_up.push_back(copy.top());
  for (auto it = bottom_up.rbegin(); it != bottom_up.rend(); ++it) {
    if (it->first != g_pack) others.push(*it);
  }
  at::SavedTensorDefaultHooks::set_stack(std::move(others));
  return saved;
}

void restore_hooks(HookStack saved) {
  at::SavedTensorDefaultHooks::set_stack(std::move(saved));
}

}  // namespace tswap::python
