"""PyTorch peer of bench/pretrain.bench.ts: plain-torch BERT pretraining steps (MLM at the masked
positions only + NSP, dropout 0.1, AdamW with no decay on biases/LayerNorm, eps 1e-6, clipping at 1.0)
on random masked batches of the same shape. Prints one JSON line:
{"tokens_per_second", "step_ms" (median), "peak_rss_mb", "torch", "threads"}."""
import argparse
import json
import os
import resource
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F

from openblas_info import openblas_info
from pytorch_model import Encoder


class BertForPreTraining(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ffn, positions=512, dropout=0.1):
        super().__init__()
        self.encoder = Encoder(vocab, hidden, layers, heads, ffn, positions, dropout)
        self.pooler = nn.Linear(hidden, hidden)
        self.nsp = nn.Linear(hidden, 2)
        self.transform = nn.Linear(hidden, hidden)
        self.transform_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.decoder_bias = nn.Parameter(torch.zeros(vocab))
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.data.normal_(0, 0.02)

    def forward(self, ids, types, mask, positions, labels, nsp_labels):
        b, t = ids.shape
        x = self.encoder(ids, types, mask)
        picked = x.reshape(b * t, -1)[positions]  # [M, H]: MLM logits only where predicted
        mlm = self.transform_norm(F.gelu(self.transform(picked))) @ self.encoder.word.weight.t() + self.decoder_bias
        nsp = self.nsp(torch.tanh(self.pooler(x[:, 0])))
        return F.cross_entropy(mlm, labels) + F.cross_entropy(nsp, nsp_labels)


def batch(generator, size, seq, vocab, max_predictions):
    ids = torch.randint(5, vocab, (size, seq), generator=generator)
    positions, labels = [], []
    for row in range(size):
        chosen = torch.randperm(seq - 1, generator=generator)[:max_predictions] + 1
        for position in sorted(chosen.tolist()):
            positions.append(row * seq + position)
            labels.append(int(ids[row, position]))
            ids[row, position] = 4
    return (ids, torch.zeros_like(ids), torch.ones_like(ids), torch.tensor(positions), torch.tensor(labels),
            torch.randint(0, 2, (size,), generator=generator))


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('layers', 4), ('hidden', 256), ('vocab', 30522), ('batch', 32), ('seq', 128), ('steps', 3), ('warmup', 1), ('max_predictions', 20)]:
        parser.add_argument(f'--{name.replace("_", "-")}', type=int, default=default)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    model = BertForPreTraining(args.vocab, args.hidden, args.layers, args.hidden // 64, 4 * args.hidden).train()
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=1e-4, eps=1e-6)
    generator = torch.Generator().manual_seed(1)
    times = []
    for step in range(args.warmup + args.steps):
        data = batch(generator, args.batch, args.seq, args.vocab, args.max_predictions)
        started = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = model(*data)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        elapsed = time.perf_counter() - started
        if step >= args.warmup:
            times.append(elapsed)
    step_s = statistics.median(times)
    print(json.dumps({
        'tokens_per_second': args.batch * args.seq / step_s,
        'step_ms': step_s * 1000,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'loss': float(loss),
        'openblas': openblas_info(),
    }))


if __name__ == '__main__':
    main()
