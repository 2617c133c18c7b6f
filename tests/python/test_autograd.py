"""The engine inside PyTorch's autograd: the user's own saved-tensor hooks,
checkpointing, custom Functions, retain_graph, create_graph, and backward
on threads other than forward's."""

import sys
import threading
import time

import pytest
import torch
import torch.utils.checkpoint as checkpoint

import tensorswap as ts

from models import GPT, lm_loss, token_batches
from side_by_side import compare


class CountingHooks(torch.autograd.graph.saved_tensors_hooks):
    """The user's own hooks: count what they see, hand tensors back as they are."""

    def __init__(self):
        self.packed = 0
        self.unpacked = 0

        def pack(t):
            self.packed += 1
            return t

        def unpack(t):
            self.unpacked += 1
            return t

        super().__init__(pack, unpack)


def mlp(width=32):
    return torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.Tanh(),
                               torch.nn.Linear(width, width), torch.nn.Sigmoid())


def three_layers():
    torch.manual_seed(0)
    return torch.nn.ModuleList(mlp() for _ in range(3))


def run(layers, x):
    for layer in layers:
        x = layer(x)
    return x.pow(2).mean()


def test_user_hooks_outside_our_scopes_still_work():
    layers = three_layers()
    ts.swap(layers[1:], "user.outside.*")
    hooks = CountingHooks()
    with hooks:
        loss = run(layers, torch.randn(4, 32))
    loss.backward()
    # Layer 0 is outside every scope: the user's hooks see its tensors; the
    # swapped layers' tensors go to tensorswap (its hooks are innermost).
    assert hooks.packed > 0 and hooks.unpacked == hooks.packed
    counters = ts.stats().per_tag["user.outside.*"]
    assert counters.tensors_saved > 0
    plain = CountingHooks()
    with plain:
        run(three_layers(), torch.randn(4, 32)).backward()
    assert hooks.packed + counters.tensors_saved == plain.packed


def test_user_hooks_inside_our_scope_get_the_tensors_saved_inside():
    layer = mlp()
    x = torch.randn(4, 32)
    everything = CountingHooks()
    with everything:
        layer(x).sum().backward()
    context = ts.SwapContext("user.inside.*")
    hooks = CountingHooks()
    with context:
        h = layer[0](x)                     # ours
        with hooks:
            h = layer[1](h)                 # the user's, innermost: tanh saves its result
            with ts.SwapContext("user.inside.again.*"):
                h = layer[2](h)             # ours again, innermost of all
        loss = layer[3](h).sum()            # ours (sigmoid saves its result)
    loss.backward()
    assert hooks.packed == 1 and hooks.unpacked == 1
    stats = ts.stats().per_tag
    ours = stats["user.inside.*"].tensors_saved + stats["user.inside.again.*"].tensors_saved
    assert stats["user.inside.again.*"].tensors_saved > 0
    assert ours + hooks.packed == everything.packed


def test_no_swap_keeps_tensors_with_autograd():
    layers = three_layers()
    ts.swap(layers, "user.noswap.*")
    with ts.no_swap():
        run(layers, torch.randn(4, 32)).backward()
    assert ts.stats().per_tag["user.noswap.*"].tensors_saved == 0


def test_backward_from_python_uses_our_hooks():
    layers = three_layers()
    ts.swap(layers, "user.backward.*")
    loss = run(layers, torch.randn(4, 32))
    before = ts.stats().per_tag["user.backward.*"]
    assert before.tensors_swapped_in == 0 and before.tensors_swapped_out > 0
    torch.autograd.backward(loss)
    after = ts.stats().per_tag["user.backward.*"]
    assert after.tensors_swapped_in + after.reused_without_copy == after.releases + after.deferred_releases
    assert after.tensors_swapped_in > 0


class ScaledTanh(torch.autograd.Function):
    """A custom Function saving an input and an output, and a non-tensor."""

    @staticmethod
    def forward(ctx, x, scale):
        y = torch.tanh(x * scale)
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * (1 - y * y) * ctx.scale, None


class CustomBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(32, 32)

    def forward(self, x):
        return ScaledTanh.apply(self.fc(x), 0.5) + x


def batches():
    g = torch.Generator().manual_seed(11)
    return [torch.randn(4, 32, generator=g) for _ in range(2)]


def mean_square(model, x):
    return model(x).pow(2).mean()


def test_custom_autograd_function():
    model = torch.nn.Sequential(*(CustomBlock() for _ in range(3)))
    compare(model, lambda m: list(m), "custom.*", batches(), mean_square)


class Checkpointed(torch.nn.Module):
    """A layer whose inner MLP is checkpointed (recomputed in backward)."""

    def __init__(self, reentrant: bool):
        super().__init__()
        self.inner = mlp()
        self.out = torch.nn.Linear(32, 32)
        self.reentrant = reentrant

    def forward(self, x):
        h = checkpoint.checkpoint(self.inner, x, use_reentrant=self.reentrant)
        return torch.relu(self.out(h)) + x


@pytest.mark.parametrize("reentrant", [True, False], ids=["reentrant", "non_reentrant"])
def test_checkpoint_inside_swapped_layers(reentrant):
    # A stem first, so the checkpointed input requires grad (reentrant
    # checkpointing gives inner parameters no gradient otherwise).
    model = torch.nn.Sequential(torch.nn.Linear(32, 32),
                                *(Checkpointed(reentrant) for _ in range(3)))
    run = compare(model, lambda m: list(m)[1:], f"ckpt.{reentrant}.*", batches(), mean_square)
    assert len(run.grads) == len(list(model.parameters())), "every parameter got a gradient"


def test_retain_graph_backward_twice():
    """Unpack runs twice per tensor: the second backward gets the same data."""
    def twice(loss):
        loss.backward(retain_graph=True)
        loss.backward()

    compare(GPT(layers=3), lambda m: m.blocks, "retain.*", token_batches(), lm_loss, backward=twice)


def test_create_graph_double_backward():
    """Gradients of gradients through swapped tensors (a gradient penalty)."""
    def penalty(model, x):
        x = x.clone().requires_grad_(True)
        y = model(x).pow(2).sum()
        (gx,) = torch.autograd.grad(y, x, create_graph=True)
        return y + gx.pow(2).sum()

    model = torch.nn.Sequential(*(mlp() for _ in range(3)))
    compare(model, lambda m: list(m), "double.*", batches(), penalty)


def test_backward_on_another_python_thread():
    """Forward here, backward on a thread of its own: unpack there takes the GIL."""
    errors = []

    def threaded(loss):
        def work():
            try:
                loss.backward()
            except BaseException as e:  # reported on the main thread
                errors.append(e)
        t = threading.Thread(target=work)
        t.start()
        t.join()
        if errors:
            raise errors[0]

    compare(GPT(layers=3), lambda m: m.blocks, "thread.*", token_batches(), lm_loss,
            backward=threaded)


def test_unpack_releases_the_gil_while_it_waits():
    """While backward waits for a slow copy back (a 2 MB/s link), the main
    thread keeps running Python: unpack does not hold the GIL through the stall."""
    ts.options(runtime=ts.simulated_runtime(link_gbps=0.002))
    torch.manual_seed(0)
    layers = torch.nn.ModuleList(torch.nn.Linear(256, 256) for _ in range(3))
    ts.swap(layers, "gil.*")
    loss = run(layers, torch.randn(256, 256))  # 256 KiB per saved input: ~0.13 s a copy
    done = threading.Event()
    t = threading.Thread(target=lambda: (loss.backward(), done.set()))
    blocked, last = 0.0, time.monotonic()  # time this loop could not run, in gaps over 20 ms
    t.start()
    while not done.is_set():
        now = time.monotonic()
        if now - last > 0.02:
            blocked += now - last
        last = now
    t.join()
    counters = ts.stats().per_tag["gil.*"]
    assert counters.stall_ns > 200e6, f"backward did not wait on copies: {counters}"
    # Held through the stalls, the GIL would stop this loop for all of them.
    assert blocked < counters.stall_ns / 1e9 / 2, (blocked, counters.stall_ns)


@pytest.mark.parametrize("reentrant", [True, False], ids=["reentrant", "non_reentrant"])
def test_checkpointing_a_swapped_layer_recomputes_it_unswapped(reentrant):
    """checkpoint(layer, x) around a swapped layer enters its scope again in
    backward: that scope is inert (Note [Scopes inside backward]), so the
    recomputation's tensors stay with autograd and no step starts."""
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = torch.nn.Linear(32, 32)
            self.blocks = torch.nn.ModuleList(mlp() for _ in range(3))

        def forward(self, x):
            x = self.stem(x)
            for i, block in enumerate(self.blocks):
                x = checkpoint.checkpoint(block, x, use_reentrant=reentrant) if i == 1 else block(x)
            return x

    run = compare(Model(), lambda m: m.blocks, f"ckpt.outer.{reentrant}.*", batches(),
                  mean_square)
    counters = run.stats.per_tag[f"ckpt.outer.{reentrant}.*"]
    assert counters.steps == 3, counters  # one per training step, none from recomputation
