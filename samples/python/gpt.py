"""A small GPT in PyTorch, for tensorswap's Python sample.

Token and position embeddings, ``layers`` pre-norm blocks (layer norm,
causal multi-head self-attention written with matmul and softmax, layer
norm, GELU MLP, two residuals) in a ``ModuleList`` named ``blocks``, a
final layer norm and a language-model head: the same model as the C++
sample's (samples/transformer/gpt.h). It knows nothing of tensorswap;
train.py swaps its blocks, or their MLPs, with ``tensorswap.swap``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class Config:
    vocab: int = 256
    seq: int = 32  # context length
    width: int = 64
    heads: int = 4
    layers: int = 4


class Mlp(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.fc1 = nn.Linear(c.width, 4 * c.width)
        self.fc2 = nn.Linear(4 * c.width, c.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Attention(nn.Module):
    """Causal multi-head self-attention."""

    def __init__(self, c: Config):
        super().__init__()
        self.heads = c.heads
        self.qkv = nn.Linear(c.width, 3 * c.width)
        self.proj = nn.Linear(c.width, c.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = (y.view(b, t, self.heads, hd).transpose(1, 2)
                   for y in self.qkv(x).chunk(3, dim=-1))
        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.ln1 = nn.LayerNorm(c.width)
        self.attention = Attention(c)
        self.ln2 = nn.LayerNorm(c.width)
        self.mlp = Mlp(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class Gpt(nn.Module):
    def __init__(self, c: Config, seed: int = 0):
        super().__init__()
        if c.width % c.heads != 0:
            raise ValueError(f"heads ({c.heads}) must divide width ({c.width})")
        self.config = c
        # The same weights for the same seed, whatever ran before.
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        self.tokens = nn.Embedding(c.vocab, c.width)
        self.positions = nn.Embedding(c.seq, c.width)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln = nn.LayerNorm(c.width)
        self.head = nn.Linear(c.width, c.vocab, bias=False)
        torch.random.set_rng_state(generator_state)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits for each position of ``ids`` (batch x tokens)."""
        t = ids.shape[1]
        x = self.tokens(ids) + self.positions(torch.arange(t, device=ids.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))

    def loss(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-token cross-entropy of ``ids`` (batch x (seq + 1) token ids)."""
        logits = self(ids[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def synthetic_batch(c: Config, batch: int, generator: torch.Generator) -> torch.Tensor:
    """Sequences with something to learn: each counts up by a stride of its
    own (1 to 3) from a random start, modulo the vocabulary, so the loss falls."""
    start = torch.randint(c.vocab, (batch, 1), generator=generator)
    stride = torch.randint(1, 4, (batch, 1), generator=generator)
    return (start + stride * torch.arange(c.seq + 1)).remainder(c.vocab)
