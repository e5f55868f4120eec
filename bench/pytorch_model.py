"""The plain-PyTorch BERT encoder the benchmark peers share (no transformers package needed):
HF BertModel's computation with the same shapes, post-LN layers, additive mask (1 - mask) * float32_min."""
import math

import torch
from torch import nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn, dropout):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, bias):  # x [B, T, H], bias [B, 1, 1, T]
        b, t, h = x.shape
        split = lambda y: y.view(b, t, self.heads, h // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(h // self.heads) + bias
        context = (self.dropout(scores.softmax(-1)) @ v).transpose(1, 2).reshape(b, t, h)
        x = self.attention_norm(x + self.dropout(self.attention_output(context)))
        return self.output_norm(x + self.dropout(self.output(F.gelu(self.intermediate(x)))))


class Encoder(nn.Module):
    """Embeddings (word + position + token type -> LayerNorm -> dropout) and the layer stack."""

    def __init__(self, vocab, hidden, layers, heads, ffn, positions=512, dropout=0.1):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(Layer(hidden, heads, ffn, dropout) for _ in range(layers))

    def forward(self, ids, types, mask):  # -> [B, T, H]
        x = self.word(ids) + self.position(torch.arange(ids.shape[1]))[None] + self.token_type(types)
        x = self.dropout(self.embedding_norm(x))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return x
