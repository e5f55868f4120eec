"""PyTorch peer for bench/inference.bench.ts: a BertModel-equivalent in plain torch (HF's eager
BertModel forward without the transformers package: embeddings, post-LayerNorm encoder layers with
erf GELU and the additive (1 - mask) * float32_min attention mask), random weights, fp32, eval mode.

Times forward passes on one fixed [batch, seq] batch of random ids (all tokens real) and prints
JSON: {"seconds": [...], "threads": n, "torch": version}.
"""
import argparse
import json
import math
import os
import time

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def split(self, x):  # [batch, seq, hidden] -> [batch, heads, seq, head_size]
        batch, seq, _ = x.shape
        return x.view(batch, seq, self.heads, self.head_size).transpose(1, 2)

    def forward(self, x, bias):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size) + bias
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape)
        h1 = self.attention_norm(self.attention_output(context) + x)
        return self.output_norm(self.output(nn.functional.gelu(self.intermediate(h1))) + h1)


class Bert(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ffn, positions=512, types=2):
        super().__init__()
        self.word, self.position, self.token_type = nn.Embedding(vocab, hidden), nn.Embedding(positions, hidden), nn.Embedding(types, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(Layer(hidden, heads, ffn) for _ in range(layers))

    def forward(self, input_ids, token_type_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1])
        x = self.norm(self.word(input_ids) + self.token_type(token_type_ids) + self.position(positions))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return x


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('vocab', 30522), ('hidden', 768), ('layers', 12), ('heads', 12), ('ffn', 3072), ('batch', 32), ('seq', 128), ('runs', 3), ('warmup', 1)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Bert(args.vocab, args.hidden, args.layers, args.heads, args.ffn).eval()
    input_ids = torch.randint(0, args.vocab, (args.batch, args.seq))
    token_type_ids = torch.zeros_like(input_ids)
    attention_mask = torch.ones_like(input_ids)
    seconds = []
    with torch.inference_mode():
        for run in range(args.warmup + args.runs):
            started = time.perf_counter()
            model(input_ids, token_type_ids, attention_mask)
            if run >= args.warmup:
                seconds.append(time.perf_counter() - started)
    print(json.dumps({'seconds': seconds, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
