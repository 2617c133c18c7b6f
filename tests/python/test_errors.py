"""tensorswap's errors reach Python as exceptions carrying its message, and
misuse is refused, saying what and where, with nothing left half done."""

import pytest
import torch

import tensorswap as ts

from test_autograd import mlp, run, three_layers


def test_inplace_change_of_a_saved_tensor_raises_autograds_error_with_ours():
    layers = three_layers()
    ts.swap(layers, "err.inplace.*")
    x = torch.randn(4, 32, requires_grad=True)
    h0 = layers[0](x)
    h1 = layers[1](h0)   # layer 1's Linear saved h0 (swapped out)
    loss = layers[2](h1).pow(2).mean()
    with torch.no_grad():
        h0.mul_(2)       # changed after it was saved
    with pytest.raises(RuntimeError) as error:
        loss.backward()
    message = str(error.value)
    assert "modified by an inplace operation" in message
    assert "layer 1 of module tag 'err.inplace.*'" in message
    assert "Exception raised from" not in message, "no C++ backtrace in a Python error"


def test_an_exception_inside_forward_leaves_no_scope_open():
    class Failing(torch.nn.Module):
        def forward(self, x):
            torch.tanh(x)
            raise ValueError("boom")

    layers = torch.nn.ModuleList([mlp(), Failing()])
    ts.swap(layers, "err.raise.*")
    x = torch.randn(4, 32, requires_grad=True)
    with pytest.raises(ValueError, match="boom"):
        run(layers, x)
    saved = ts.stats().per_tag["err.raise.*"].tensors_saved
    # Nothing is scoped any more: a save now goes to autograd alone.
    torch.tanh(x).sum().backward()
    assert ts.stats().per_tag["err.raise.*"].tensors_saved == saved
    assert not layers[0].forward.context._cpp.active
    # The failed step ended: the next forward starts a step of its own.
    run(layers[:1], x).backward()
    assert ts.stats().per_tag["err.raise.*"].steps == 2


def test_bad_options_are_refused_naming_the_option():
    before = ts.options()
    with pytest.raises(ValueError, match="keep_last must be 1 or more, got 0"):
        ts.options(keep_last=0)
    with pytest.raises(TypeError, match="takes an Options"):
        ts.options({"keep_last": 2})
    with pytest.raises(ValueError, match="prefetch_depth must be 0 or more, got -1"):
        ts.options(prefetch_depth=-1)
    with pytest.raises(TypeError, match="unknown option.*prefetch.*the options are"):
        ts.options(prefetch=True)
    with pytest.raises(TypeError, match="min_bytes must be an int"):
        ts.SwapContext("err.opt.*", min_bytes="1MB")
    with pytest.raises(TypeError, match="runtime must be a tensorswap.Runtime"):
        ts.options(runtime="cuda")
    assert ts.options() == before, "a refused change changes nothing"


def test_options_put_back():
    saved = ts.options()
    ts.options(prefetch_depth=3, keep_last=2)
    assert ts.options(saved) == saved
    assert ts.options(saved, observe=True).observe and ts.options().prefetch_depth == saved.prefetch_depth


def test_misuse_of_contexts():
    with pytest.raises(RuntimeError, match="module tag must not be empty"):
        ts.SwapContext("")
    with pytest.raises(TypeError, match="module tag is a str"):
        ts.SwapContext(3)
    context = ts.SwapContext("err.misuse.*")
    with pytest.raises(RuntimeError, match="exited on a thread that has not entered it"):
        context.__exit__(None, None, None)
    layers = three_layers()
    ts.swap(layers, "err.twice.*")
    with pytest.raises(ValueError, match="already swapped under tag 'err.twice.\\*'"):
        ts.swap(layers, "err.other.*")
    with pytest.raises(ValueError, match="got no modules"):
        ts.swap(torch.nn.ModuleList(), "err.empty.*")
    with pytest.raises(TypeError, match="item 1 is a int"):
        ts.swap([mlp(), 3], "err.item.*")


def test_hooks_left_open_inside_a_scope_are_reported():
    context = ts.SwapContext("err.order.*")
    context.__enter__()
    user = torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t)
    user.__enter__()
    with pytest.raises(RuntimeError, match="saved-tensor hooks pushed inside it"):
        context.__exit__(None, None, None)
    user.__exit__(None, None, None)
    assert not context._cpp.active


def test_remove_gives_the_forward_back():
    layers = three_layers()
    handle = ts.swap(layers, "err.remove.*")
    handle.remove()
    run(layers, torch.randn(4, 32)).backward()
    assert "err.remove.*" not in ts.stats().per_tag or \
        ts.stats().per_tag["err.remove.*"].tensors_saved == 0
    assert "forward" not in layers[0].__dict__


class SavesAView(torch.autograd.Function):
    """Saves a view of its weight made in forward: LibTorch 1.13 cannot hand
    such a leaf view through saved-tensor hooks."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(w.t())
        return x @ w

    @staticmethod
    def backward(ctx, grad):
        (wt,) = ctx.saved_tensors
        return grad @ wt, None


def test_a_saved_leaf_view_is_refused_with_python_advice_and_no_swap_works_around_it():
    w = torch.randn(4, 4, requires_grad=True)
    x = torch.randn(2, 4, requires_grad=True)
    if torch.__version__ < "2.1":
        with pytest.raises(RuntimeError) as error:
            with ts.SwapContext("err.leafview.*"):
                SavesAView.apply(x, w)
        assert "layer 0 of module tag 'err.leafview.*'" in str(error.value)
        assert "with tensorswap.no_swap()" in str(error.value)
    with ts.SwapContext("err.leafview.*"), ts.no_swap():
        y = SavesAView.apply(x, w)
    y.sum().backward()
    assert torch.equal(x.grad, torch.ones(2, 4) @ w.detach().t())


def test_a_refused_swap_leaves_no_module_swapped():
    a, b = mlp(), mlp()
    with pytest.raises(ValueError, match="got module 0 \\(Sequential\\) again as item 2"):
        ts.swap([a, b, a], "err.atomic.*")
    assert "forward" not in a.__dict__ and "forward" not in b.__dict__
    c = mlp()
    c.forward = lambda x: x
    with pytest.raises(ValueError, match="module 1 \\(Sequential\\) has a forward of its own"):
        ts.swap([a, c], "err.atomic.*")
    assert "forward" not in a.__dict__
    with pytest.raises(TypeError, match="min_bytes must be an int"):
        ts.swap([a, b], "err.atomic.*", min_bytes="1")
    assert "forward" not in a.__dict__ and ts.layer_count("err.atomic.*") == 0


def test_unswap_a_deep_copy_and_a_whole_model():
    import copy
    layers = three_layers()
    ts.swap(layers, "err.unswap.*")
    clone = copy.deepcopy(layers)
    assert ts.unswap(clone) == 3, "every swapped submodule of the copy"
    assert all("forward" not in m.__dict__ for m in clone)
    assert ts.layer_count("err.unswap.*") == 3, "the original's contexts stay"
    ts.swap(clone, "err.unswap.*")  # can be swapped again
    assert ts.unswap(list(clone)) == 3 and ts.unswap(clone) == 0


def test_a_handle_does_not_keep_its_model_alive():
    layers = three_layers()
    handle = ts.swap(layers, "err.weak.*")
    assert ts.layer_count("err.weak.*") == 3 and len(handle.contexts) == 3
    del layers
    assert ts.layer_count("err.weak.*") == 0, "freed at once: no cycle, the handle is weak"
    assert handle.modules == [] and handle.contexts == []
    handle.remove()  # nothing left to do: fine


def test_option_values_that_would_be_misread_are_refused():
    with pytest.raises(ValueError, match="min_bytes must be at most 18446744073709551615"):
        ts.options(min_bytes=2**70)
    with pytest.raises(ValueError, match="prefetch_depth must be at most 2147483647"):
        ts.options(prefetch_depth=2**31)
    with pytest.raises(TypeError, match="enabled must be True or False, not 'no'"):
        ts.options(enabled="no")
    with pytest.raises(TypeError, match="observe must be True or False, not 2"):
        ts.SwapContext("err.bool.*", observe=2)
    for bad in (-1, 0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="flush_interval_ms must be 1 to 60000"):
            ts.profile("never.tswap", flush_interval_ms=bad)
    with pytest.raises(ValueError, match="tensorswap: accelerator_runtime\\('bogus'\\)"):
        ts.accelerator_runtime("bogus")
