"""Swapping leaves training bit-for-bit unchanged, on models nobody here
wrote (torchvision, torch.nn) and on a GPT written in Python."""

import copy

import pytest
import torch
import torch.nn.functional as F

import tensorswap as ts

from models import GPT, lm_loss, token_batches
from side_by_side import compare


def image_batches(n=2, batch=2, size=32, classes=10):
    g = torch.Generator().manual_seed(3)
    return [(torch.randn(batch, 3, size, size, generator=g),
             torch.randint(classes, (batch,), generator=g)) for _ in range(n)]


def classify(model, batch):
    x, y = batch
    return F.cross_entropy(model(x), y)


def test_gpt_blocks():
    run = compare(GPT(), lambda m: m.blocks, "gpt.block.*", token_batches(), lm_loss)
    assert run.stats.per_tag["gpt.block.*"].prefetches > 0


def test_gpt_nested_tags():
    """Blocks and their MLPs under two tags: the MLP's scope is innermost and
    keeps what the MLP saves; the block's keeps the rest."""
    run = compare(GPT(), lambda m: m.blocks, "gpt.block.*", token_batches(), lm_loss,
                  inner=[(lambda m: [b.mlp for b in m.blocks], "gpt.block.*.mlp")])
    blocks, mlps = run.stats.per_tag["gpt.block.*"], run.stats.per_tag["gpt.block.*.mlp"]
    assert mlps.tensors_saved > 0 and blocks.tensors_saved > mlps.tensors_saved


def test_deepcopy_of_a_swapped_model():
    """A copy of a swapped model swaps its own layers, under the same tag."""
    model = GPT()
    ts.swap(model.blocks, "gpt.block.*")
    clone = copy.deepcopy(model)
    assert clone.blocks[0].forward.module is clone.blocks[0]
    lm_loss(clone, token_batches()[0]).backward()
    assert ts.stats().per_tag["gpt.block.*"].tensors_swapped_out > 0
    assert all(p.grad is None for p in model.parameters()), "the original was run"
    assert ts.layer_count("gpt.block.*") == 2 * len(model.blocks)


def test_transformer_encoder():
    layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                             dropout=0.0, batch_first=True)
    encoder = torch.nn.TransformerEncoder(layer, num_layers=3, enable_nested_tensor=False)
    g = torch.Generator().manual_seed(5)
    batches = [torch.randn(2, 8, 32, generator=g) for _ in range(2)]
    compare(encoder, lambda m: m.layers, "encoder.layer.*", batches,
            lambda m, x: m(x).pow(2).mean())


torchvision = pytest.importorskip("torchvision")


@pytest.mark.parametrize("name, layers", [
    # ResNet: every residual block of the four stages (BatchNorm in train mode).
    ("resnet18", lambda m: [b for s in (m.layer1, m.layer2, m.layer3, m.layer4) for b in s]),
    # MobileNetV3: inverted residuals with squeeze-excitation and hardswish.
    ("mobilenet_v3_small", lambda m: list(m.features)),
])
def test_torchvision(name, layers):
    model = getattr(torchvision.models, name)(weights=None, num_classes=10)
    compare(model, layers, f"{name}.block.*", image_batches(), classify)


def test_torchvision_vit():
    """A vision transformer: its encoder's layers are a Sequential."""
    model = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2,
                                                 num_heads=2, hidden_dim=32, mlp_dim=64,
                                                 num_classes=10)
    compare(model, lambda m: m.encoder.layers, "vit.layer.*", image_batches(), classify)


def test_simulated_link_and_depth():
    """A slow simulated link and prefetch depth 2 change the timing, not the numbers."""
    runtime = ts.simulated_runtime(link_gbps=0.5, latency_us=20)
    compare(GPT(layers=4), lambda m: m.blocks, "gpt.block.*", token_batches(), lm_loss,
            runtime=runtime, prefetch_depth=2)


def test_a_pickled_swapped_model_swaps_when_loaded(tmp_path):
    """torch.save(model) of a swapped model, loaded back: its own contexts."""
    model = GPT()
    ts.swap(model.blocks, "gpt.pickled.*", prefetch_depth=2)
    torch.save(model, tmp_path / "model.pt")
    loaded = torch.load(tmp_path / "model.pt")
    assert loaded.blocks[1].forward.module is loaded.blocks[1]
    assert loaded.blocks[1].forward.context.options.prefetch_depth == 2
    lm_loss(loaded, token_batches()[0]).backward()
    assert ts.stats().per_tag["gpt.pickled.*"].tensors_swapped_out > 0
    assert all(p.grad is None for p in model.parameters())
