"""Train a model twice from one initial state, once with tensorswap, once
without, and compare every loss, gradient and parameter bit for bit."""

import copy
from dataclasses import dataclass
from typing import Callable, List

import torch

import tensorswap as ts


@dataclass
class Run:
    losses: List[torch.Tensor]
    grads: List[torch.Tensor]     # of the last step, in parameters() order
    params: List[torch.Tensor]    # after the last step
    stats: "ts.Stats"


def train(model: torch.nn.Module, batches, loss_fn: Callable, steps: int,
          backward: Callable = None) -> Run:
    """`steps` SGD steps with momentum; `backward(loss)` defaults to loss.backward()."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    losses = []
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model, batches[step % len(batches)])
        (backward or (lambda l: l.backward()))(loss)
        losses.append(loss.detach().clone())
        opt.step()
    grads = [p.grad.detach().clone() for p in model.parameters() if p.grad is not None]
    params = [p.detach().clone() for p in model.parameters()]
    return Run(losses, grads, params, ts.stats())


def compare(model: torch.nn.Module, layers_of: Callable, tag: str, batches, loss_fn: Callable,
            steps: int = 3, backward: Callable = None, inner=(), **options) -> Run:
    """Trains a copy of `model` without swapping and another with
    ts.swap(layers_of(copy), tag, **options) (and first each (layers_of,
    tag) of `inner`, swapped inside those); asserts they agree bit for bit
    and that the swapped run really swapped. Returns the swapped run."""
    plain_model, swapped_model = copy.deepcopy(model), copy.deepcopy(model)
    torch.manual_seed(1)
    plain = train(plain_model, batches, loss_fn, steps, backward)
    assert ts.stats().total.tensors_saved == 0, "no scope was active in the plain run"
    handles = [ts.swap(of(swapped_model), t, **options) for of, t in inner]
    handles.append(ts.swap(layers_of(swapped_model), tag, **options))
    try:
        torch.manual_seed(1)
        swapped = train(swapped_model, batches, loss_fn, steps, backward)
    finally:
        for h in handles:
            h.remove()
    for step, (a, b) in enumerate(zip(plain.losses, swapped.losses)):
        assert torch.equal(a, b), f"loss of step {step}: {a.item()!r} without swapping, {b.item()!r} with"
    assert len(plain.grads) == len(swapped.grads)
    for i, (a, b) in enumerate(zip(plain.grads, swapped.grads)):
        assert torch.equal(a, b), f"gradient {i} differs (max |d| {(a - b).abs().max().item()})"
    for i, (a, b) in enumerate(zip(plain.params, swapped.params)):
        assert torch.equal(a, b), f"parameter {i} differs after {steps} steps"
    for t in [tag] + [t for _, t in inner]:
        counters = swapped.stats.per_tag[t]
        assert counters.tensors_swapped_out > 0, f"nothing was swapped under {t}: {counters}"
        # Each released storage came back once: copied, or still alive (its
        # release was deferred to another holder) and reused. (A copy out
        # that backward overtook was never released: it needs nothing back.)
        assert (counters.tensors_swapped_in + counters.reused_without_copy ==
                counters.releases + counters.deferred_releases), counters
        assert counters.steps == steps, counters
        assert counters.resident_bytes == 0, counters
    return swapped
