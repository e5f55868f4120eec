"""PyTorch peer for bench/inference.bench.ts: a BertModel-equivalent in plain torch (HF's eager
BertModel forward without the transformers package: embeddings, post-LayerNorm encoder layers with
erf GELU and the additive (1 - mask) * float32_min attention mask), random weights, fp32, eval mode.

Runs forward passes on one fixed [batch, seq] batch of random ids (all tokens real) when asked, so
that the benchmark can interleave them with its own rounds: after one untimed warm-up pass it prints
{"threads": n, "torch": version}, then for every line "run" on stdin times one pass and prints
{"seconds": s}. It exits at the end of stdin.
"""
import argparse
import json
import os
import sys
import time

import torch

from pytorch_model import Encoder


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('vocab', 30522), ('hidden', 768), ('layers', 12), ('heads', 12), ('ffn', 3072), ('batch', 32), ('seq', 128)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Encoder(args.vocab, args.hidden, args.layers, args.heads, args.ffn, dropout=0.0).eval()
    input_ids = torch.randint(0, args.vocab, (args.batch, args.seq))
    token_type_ids = torch.zeros_like(input_ids)
    attention_mask = torch.ones_like(input_ids)
    with torch.inference_mode():
        model(input_ids, token_type_ids, attention_mask)
        print(json.dumps({'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)
        for line in sys.stdin:
            if line.strip() != 'run':
                raise SystemExit(f'pytorch_bert.py: expected "run" on stdin, got {line.strip()!r}')
            started = time.perf_counter()
            model(input_ids, token_type_ids, attention_mask)
            print(json.dumps({'seconds': time.perf_counter() - started}), flush=True)


if __name__ == '__main__':
    main()
