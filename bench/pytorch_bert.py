"""PyTorch peer for bench/inference.bench.ts: a BertModel-equivalent in plain torch (HF's eager
BertModel forward without the transformers package: embeddings, post-LayerNorm encoder layers with
erf GELU and the additive (1 - mask) * float32_min attention mask), random weights, fp32, eval mode.

Runs forward passes on one fixed [batch, seq] batch of random ids (all tokens real) when asked, so
that the benchmark can interleave them with its own rounds: after one untimed warm-up pass it prints
{"threads": n, "torch": version}, then for every line "run" on stdin times one pass and prints
{"seconds": s}. It exits at the end of stdin.

--weights FILE loads a Hugging Face BertModel's model.safetensors (bertkit's, so that both run the same
weights); --quantize applies torch.ao.quantization.quantize_dynamic to every nn.Linear (int8 weights,
activations quantized at run time), on the onednn engine when this torch has it.
"""
import argparse
import json
import os
import struct
import sys
import time

import torch

from openblas_info import openblas_info
from pytorch_model import Encoder

# HF BertModel names -> pytorch_model.Encoder names (per layer after 'encoder.layer.{i}.').
EMBEDDINGS = {'word_embeddings': 'word', 'position_embeddings': 'position', 'token_type_embeddings': 'token_type', 'LayerNorm': 'embedding_norm'}
LAYER = {'attention.self.query': 'query', 'attention.self.key': 'key', 'attention.self.value': 'value', 'attention.output.dense': 'attention_output',
         'attention.output.LayerNorm': 'attention_norm', 'intermediate.dense': 'intermediate', 'output.dense': 'output', 'output.LayerNorm': 'output_norm'}


def read_safetensors(path):
    """float32 tensors of a safetensors file, by name (the format: u64 header size, JSON header, data)."""
    with open(path, 'rb') as file:
        (size,) = struct.unpack('<Q', file.read(8))
        header = json.loads(file.read(size))
        data = file.read()
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] != 'F32':
            raise SystemExit(f'{path}: {name} is {entry["dtype"]}, expected F32')
        start, end = entry['data_offsets']
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(entry['shape'])
    return tensors


def encoder_name(name):
    """'encoder.layer.3.attention.self.query.weight' -> 'layers.3.query.weight'; None for weights Encoder lacks (pooler)."""
    base, _, kind = name.rpartition('.')
    if base.startswith('embeddings.'):
        return f'{EMBEDDINGS[base[len("embeddings."):]]}.{kind}'
    if base.startswith('encoder.layer.'):
        index, _, rest = base[len('encoder.layer.'):].partition('.')
        return f'layers.{index}.{LAYER[rest]}.{kind}'
    return None


def main():
    parser = argparse.ArgumentParser()
    for name, default in [('vocab', 30522), ('hidden', 768), ('layers', 12), ('heads', 12), ('ffn', 3072), ('batch', 32), ('seq', 128)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--weights', help="a BertModel's model.safetensors (default: random weights)")
    parser.add_argument('--quantize', action='store_true', help='dynamic int8 (quantize_dynamic on every nn.Linear)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Encoder(args.vocab, args.hidden, args.layers, args.heads, args.ffn, dropout=0.0).eval()
    if args.weights:
        state = {encoder_name(name): tensor for name, tensor in read_safetensors(args.weights).items()}
        state.pop(None, None)
        model.load_state_dict(state, strict=True)
    engine = None
    if args.quantize:
        engine = 'onednn' if 'onednn' in torch.backends.quantized.supported_engines else torch.backends.quantized.engine
        torch.backends.quantized.engine = engine
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    input_ids = torch.randint(0, args.vocab, (args.batch, args.seq))
    token_type_ids = torch.zeros_like(input_ids)
    attention_mask = torch.ones_like(input_ids)
    with torch.inference_mode():
        model(input_ids, token_type_ids, attention_mask)
        print(json.dumps({'threads': torch.get_num_threads(), 'torch': torch.__version__, 'openblas': openblas_info(), **({'engine': engine} if engine else {})}), flush=True)
        for line in sys.stdin:
            if line.strip() != 'run':
                raise SystemExit(f'pytorch_bert.py: expected "run" on stdin, got {line.strip()!r}')
            started = time.perf_counter()
            model(input_ids, token_type_ids, attention_mask)
            print(json.dumps({'seconds': time.perf_counter() - started}), flush=True)


if __name__ == '__main__':
    main()
