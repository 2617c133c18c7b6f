#include <tswap/swap_context.h>

#include <c10/util/Exception.h>

#include <exception>
#include <mutex>

#include <tswap/profiler/emit.h>
#include <tswap/profiler/nvtx.h>

#include "autograd_hook.h"
#include "check.h"
#include "context_state.h"
#include "runtime_registry.h"

namespace tswap {
namespace detail {

ContextState::ContextState(std::shared_ptr<TagState> tag_in,
                           std::shared_ptr<const SwapOptions> own_options_in)
    : tag(std::move(tag_in)),
      layer(tag->take_layer_index()),
      own_options(std::move(own_options_in)) {}

ContextState::~ContextState() {
  tag->give_back_layer_index(layer);
}

std::shared_ptr<const SwapOptions> ContextState::options() const {
  return own_options ? own_options : default_options_snapshot();
}

namespace {

/// The fields of a layer_enter or layer_exit record.
profiler::Fields layer_fields(const ContextState& context, const ScopeLink& scope) {
  profiler::Fields f;
  f.tag = context.tag->trace_id;
  f.layer = static_cast<std::uint16_t>(scope.layer);
  f.step = scope.step;
  return f;
}

/// The device side of a layer boundary (the host side is the record).
void mark_layer(const ContextState& context, const ScopeLink& scope, trace::EventKind kind) {
  if (!profiler::recording()) return;
  ComputeMark m;
  m.kind = kind;
  m.tag = context.tag->trace_id;
  m.layer = static_cast<std::uint16_t>(scope.layer);
  m.step = scope.step;
  mark_forward(*context.options(), m);
}

std::shared_ptr<ContextState> make_context(std::string tag,
                                           std::shared_ptr<const SwapOptions> options) {
  TSWAP_CHECK(!tag.empty(), "a module tag must not be empty (e.g. \"model.layer.*\")");
  install_autograd_hook();
  return std::make_shared<ContextState>(tag_state(tag), std::move(options));
}

}  // namespace
}  // namespace detail

SwapContext::SwapContext(std::string module_tag)
    : state_(detail::make_context(std::move(module_tag), nullptr)) {}

namespace {
SwapOptions checked(SwapOptions options) {
  detail::check_options(options);
  return detail::with_environment(std::move(options));
}
}  // namespace

SwapContext::SwapContext(std::string module_tag, SwapOptions options)
    : state_(detail::make_context(
          std::move(module_tag), std::make_shared<const SwapOptions>(checked(std::move(options))))) {}

SwapContext::~SwapContext() = default;

const std::string& SwapContext::module_tag() const {
  return state_->tag->tag;
}
int SwapContext::layer() const {
  return state_->layer;
}

SwapScope::SwapScope(SwapContext& context)
    : state_(context.state_),
      chain_(detail::this_thread_scopes()),
      uncaught_on_entry_(std::uncaught_exceptions()) {
  if (detail::in_backward()) {
    // Note [Scopes inside backward]: an inert link, so that what is saved
    // in here stays with autograd, and no step or layer moves.
    std::lock_guard<std::mutex> lock(chain_->mu);
    link_.outer = chain_->top;
    chain_->top = &link_;
    return;
  }
  link_.context = state_.get();
  const detail::ScopeLink* same = nullptr;  // an outer scope of this context
  {
    std::lock_guard<std::mutex> lock(chain_->mu);
    for (const detail::ScopeLink* l = chain_->top; l != nullptr && same == nullptr; l = l->outer) {
      if (l->context == state_.get()) same = l;
    }
    if (same != nullptr) {
      // A layer re-entering itself (recursion) is still the same layer and step.
      link_.layer = same->layer;
      link_.step = same->step;
    }
  }
  if (same == nullptr) {
    // Only the outermost scope of a context marks its layer as entered.
    outermost_ = true;
    // The schedule goes only into a step_begin record: read the options
    // (a mutex for the defaults) only while a session records.
    std::uint64_t schedule = 0;
    if (profiler::recording()) {
      const std::shared_ptr<const SwapOptions> options = state_->options();
      schedule = trace::encode_schedule(options->prefetch_depth, options->keep_last,
                                        options->max_copies_in_flight, detail::observing(*options));
    }
    const detail::TagState::Entry entry = state_->tag->enter_layer(state_->layer, schedule);
    link_.layer = entry.layer;
    link_.step = entry.step;
    profiler::emit(trace::EventKind::layer_enter, detail::layer_fields(*state_, link_));
    detail::mark_layer(*state_, link_, trace::EventKind::layer_enter);
    nvtx_pushed_ = profiler::nvtx_push(trace::EventKind::layer_enter,
                                       detail::layer_fields(*state_, link_));
  }
  std::lock_guard<std::mutex> lock(chain_->mu);
  link_.outer = chain_->top;
  chain_->top = &link_;
}

SwapScope::~SwapScope() {
  const bool own_thread = chain_ == detail::this_thread_scopes();
  bool innermost = false;
  {
    std::lock_guard<std::mutex> lock(chain_->mu);
    innermost = chain_->top == &link_;
    chain_->unlink_locked(link_);
  }
  if (!own_thread) {
    TORCH_WARN("tensorswap: a SwapScope of module tag '", state_->tag->tag, "' (layer ",
               link_.layer,
               ") was destroyed on another thread than the one that entered it; it was taken out "
               "of that thread's scopes, so what that thread saves from now on is not swapped "
               "under it. A SwapScope lives on the stack of the thread that runs forward.");
  } else if (!innermost) {
    TORCH_WARN("tensorswap: a SwapScope of module tag '", state_->tag->tag, "' (layer ",
               link_.layer,
               ") was destroyed while a scope entered after it is still alive; it was taken out "
               "of the chain, and the inner scope keeps what is saved. Scopes must end in the "
               "reverse order they were entered.");
  }
  if (link_.context == nullptr) return;  // entered inside backward: inert
  // The rest belongs to the entering thread: its exception count, its NVTX
  // range stack.
  if (own_thread && (failed_ || std::uncaught_exceptions() > uncaught_on_entry_)) {
    state_->tag->end_step();
  }
  if (outermost_) {
    profiler::emit(trace::EventKind::layer_exit, detail::layer_fields(*state_, link_));
    detail::mark_layer(*state_, link_, trace::EventKind::layer_exit);
  }
  if (nvtx_pushed_ && own_thread) profiler::nvtx_pop();
}

NoSwapScope::NoSwapScope() {
  ++detail::no_swap_depth();
}
NoSwapScope::~NoSwapScope() {
  --detail::no_swap_depth();
}

int layer_count(const std::string& module_tag) {
  return detail::tag_state(module_tag)->layer_count();
}

}  // namespace tswap
