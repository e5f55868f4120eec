"""PyTorch peer of bench/finetune.bench.ts: plain-torch BertForSequenceClassification fine-tuning steps
(pooler + 2-way classifier, cross-entropy, dropout 0.1, AdamW with no decay on biases/LayerNorm, eps
1e-8, clipping at 1.0) on random batches of the same shape as bertkit's padded batches, with the
encoder layer of bench/pytorch_pretrain.py. Prints one JSON line:
{"examples_per_second", "step_ms" (median), "torch", "threads"}."""
import argparse
import json
import os
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F

from openblas_info import openblas_info
from pytorch_model import Encoder


class BertForSequenceClassification(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ffn, labels=2, positions=512, dropout=0.1):
        super().__init__()
        self.encoder = Encoder(vocab, hidden, layers, heads, ffn, positions, dropout)
        self.dropout = nn.Dropout(dropout)
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, labels)

    def forward(self, ids, mask, labels):
        x = self.encoder(ids, torch.zeros_like(ids), mask)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return F.cross_entropy(self.classifier(self.dropout(pooled)), labels)


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('layers', 4), ('hidden', 256), ('heads', 0), ('vocab', 30522), ('batch', 32), ('seq', 64), ('steps', 10), ('warmup', 2)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = BertForSequenceClassification(args.vocab, args.hidden, args.layers, args.heads or max(1, args.hidden // 64), 4 * args.hidden).train()
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=2e-5, eps=1e-8)
    generator = torch.Generator().manual_seed(1)
    times = []
    for step in range(args.warmup + args.steps):
        ids = torch.randint(5, args.vocab, (args.batch, args.seq), generator=generator)
        mask = torch.ones_like(ids)
        labels = torch.randint(0, 2, (args.batch,), generator=generator)
        started = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = model(ids, mask, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        elapsed = time.perf_counter() - started
        if step >= args.warmup:
            times.append(elapsed)
    step_s = statistics.median(times)
    print(json.dumps({'examples_per_second': args.batch / step_s, 'step_ms': step_s * 1000, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'openblas': openblas_info()}))


if __name__ == '__main__':
    main()
