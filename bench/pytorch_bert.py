"""PyTorch peer for bench/inference.bench.ts: a BertModel-equivalent in plain torch (HF's eager
BertModel forward without the transformers package: embeddings, post-LayerNorm encoder layers with
erf GELU and the additive (1 - mask) * float32_min attention mask), random weights, fp32, eval mode.

Times forward passes on one fixed [batch, seq] batch of random ids (all tokens real) and prints
JSON: {"seconds": [...], "threads": n, "torch": version}.
"""
import argparse
import json
import os
import time

import torch

from pytorch_model import Encoder


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('vocab', 30522), ('hidden', 768), ('layers', 12), ('heads', 12), ('ffn', 3072), ('batch', 32), ('seq', 128), ('runs', 3), ('warmup', 1)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Encoder(args.vocab, args.hidden, args.layers, args.heads, args.ffn, dropout=0.0).eval()
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
