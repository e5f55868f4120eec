"""PyTorch peer for bench/explain.bench.ts: integrated gradients as Captum computes them, in plain
torch autograd: a BertForSequenceClassification-equivalent (pytorch_model.Encoder + tanh pooler +
classifier, random weights, fp32, eval mode), the variable x = the word-embedding lookup's output,
the baseline = [PAD]'s word vector except at [CLS] and [SEP], Gauss-Legendre points on [0, 1]
(numpy's leggauss, Captum's default), all points in one batch, F = the predicted label's logit.

For every line "run" on stdin it explains one fixed [1, seq] sentence of random ids ([CLS] ... [SEP])
and prints {"seconds": s, "delta": d}: the forward pass of x and x' for the prediction and
F(x) - F(x'), then one batched forward + backward over the points. After one untimed warm-up it
prints {"threads": n, "torch": version}. It exits at the end of stdin.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from pytorch_model import Encoder


class Classifier(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.encoder = Encoder(args.vocab, args.hidden, args.layers, args.heads, args.ffn, dropout=0.0)
        self.pooler = nn.Linear(args.hidden, args.hidden)
        self.classifier = nn.Linear(args.hidden, args.labels)

    def forward(self, words, types):  # words: the word-embedding output [B, T, H]
        e = self.encoder
        positions = torch.arange(words.shape[1])
        x = e.embedding_norm(words + e.position(positions)[None] + e.token_type(types))
        bias = torch.zeros(words.shape[0], 1, 1, words.shape[1])
        for layer in e.layers:
            x = layer(x, bias)
        return self.classifier(torch.tanh(self.pooler(x[:, 0])))


def explain(model, ids, steps):
    types = torch.zeros_like(ids)
    baseline_ids = torch.where((ids == 101) | (ids == 102), ids, torch.zeros_like(ids))
    x = model.encoder.word(ids).detach()
    x0 = model.encoder.word(baseline_ids).detach()
    with torch.no_grad():
        both = model(torch.cat([x, x0]), torch.cat([types, types]))
    target = int(both[0].argmax())
    difference = float(both[0, target] - both[1, target])
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = torch.tensor(0.5 * (nodes + 1), dtype=torch.float32)[:, None, None]
    points = (x0 + alphas * (x - x0)).requires_grad_(True)
    logits = model(points, types.expand(steps, -1))
    grads, = torch.autograd.grad(logits[:, target].sum(), points)
    integrated = (torch.tensor(0.5 * weights, dtype=torch.float32)[:, None, None] * grads).sum(0)
    attributions = ((x - x0)[0] * integrated).sum(-1)
    return float(attributions.sum()) - difference


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('vocab', 30522), ('hidden', 768), ('layers', 12), ('heads', 12), ('ffn', 3072), ('labels', 2), ('seq', 64), ('steps', 50)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Classifier(args).eval()
    ids = torch.randint(1000, args.vocab, (1, args.seq))
    ids[0, 0], ids[0, -1] = 101, 102
    explain(model, ids, args.steps)
    print(json.dumps({'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)
    for line in sys.stdin:
        if line.strip() != 'run':
            raise SystemExit(f'pytorch_explain.py: expected "run" on stdin, got {line.strip()!r}')
        started = time.perf_counter()
        delta = explain(model, ids, args.steps)
        print(json.dumps({'seconds': time.perf_counter() - started, 'delta': delta}), flush=True)


if __name__ == '__main__':
    main()
