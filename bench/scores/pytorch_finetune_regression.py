"""An independent reference for bertkit's STS-B cross-encoder column: fine-tunes a Hugging Face BERT directory
as transformers' BertForSequenceClassification(num_labels=1) fine-tunes it for regression, in plain torch
(bench/pytorch_model.Encoder, no transformers package), with the recipe of `bertkit finetune --task regression`:
[CLS] pooler (tanh) -> dropout -> linear -> MSE against the score; dropout 0.1 in the encoder; AdamW (eps 1e-8,
decay 0.01 except biases and LayerNorm), linear warm-up over 10 % of the updates then linear decay to zero,
clipping at 1.0, batch 32 shuffled every epoch, batches padded to their longest row. The pairs are tokenised by
`bertkit tokenize` (the tokenizer that the fixtures verify), longest-first truncation to --max-seq-length.
After every epoch the dev pairs are scored; the best epoch is reported as `bertkit finetune` reports it.

If bertkit's cross-encoder column is low because of bertkit, this script scores the same checkpoint higher; if
the checkpoint cannot learn to compare two sentences from the gold pairs, it scores it as low.

usage: pytorch_finetune_regression.py --model DIR --train TSV --dev TSV [--epochs 5] [--lr 1e-4] [--seed 42]
  TSV: GLUE's STS-B columns (sentence1, sentence2, score; others ignored), no quoting.
prints one JSON line: per-epoch dev Pearson and mean training loss, the best epoch's Pearson, torch, threads."""
import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from pytorch_bert import encoder_name, read_safetensors  # noqa: E402
from pytorch_model import Encoder  # noqa: E402

BERTKIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bin', 'bertkit.js')


def read_pairs(path):
    """(sentence1, sentence2, score) rows of a GLUE-style TSV, with the file and line in every error."""
    with open(path, encoding='utf-8') as file:
        header = file.readline().rstrip('\n').split('\t')
        missing = [name for name in ('sentence1', 'sentence2', 'score') if name not in header]
        if missing:
            raise SystemExit(f'{path}: line 1 has no column {", ".join(missing)}')
        first, second, score = (header.index(name) for name in ('sentence1', 'sentence2', 'score'))
        rows = []
        for number, line in enumerate(file, start=2):
            cells = line.rstrip('\n').split('\t')
            if len(cells) != len(header):
                raise SystemExit(f'{path}: line {number} has {len(cells)} cells, the header {len(header)}')
            rows.append((cells[first], cells[second], float(cells[score])))
    return rows


def tokenize(model_dir, rows, max_seq_length):
    """input_ids and token_type_ids of every pair, from `bertkit tokenize` (JSONL in and out)."""
    lines = ''.join(json.dumps({'text': a, 'text_pair': b}) + '\n' for a, b, _ in rows)
    result = subprocess.run(['node', BERTKIT, 'tokenize', '--vocab', model_dir, '--max-seq-length', str(max_seq_length)],
                            input=lines, capture_output=True, text=True, check=True)
    encoded = [json.loads(line) for line in result.stdout.splitlines()]
    return [(e['input_ids'], e['token_type_ids']) for e in encoded]


class BertForRegression(nn.Module):
    """BertForSequenceClassification with one output: encoder -> tanh pooler on [CLS] -> dropout -> linear."""

    def __init__(self, config, dropout):
        super().__init__()
        hidden = config['hidden_size']
        self.encoder = Encoder(config['vocab_size'], hidden, config['num_hidden_layers'], config['num_attention_heads'],
                               config['intermediate_size'], config['max_position_embeddings'], dropout)
        self.pooler = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, 1)
        for module in (self.pooler, self.classifier):  # BertPreTrainedModel._init_weights for what the checkpoint lacks
            module.weight.data.normal_(0, config.get('initializer_range', 0.02))
            module.bias.data.zero_()

    def load(self, tensors):
        encoder = {}
        for name, tensor in tensors.items():
            if name.startswith('bert.'):
                name = name[len('bert.'):]
            if name.startswith('pooler.dense.'):
                getattr(self.pooler, name.rpartition('.')[2]).data.copy_(tensor)
            elif (renamed := encoder_name(name)) is not None:
                encoder[renamed] = tensor
        self.encoder.load_state_dict(encoder, strict=True)

    def forward(self, ids, types, mask):  # -> [B]
        return self.classifier(self.dropout(torch.tanh(self.pooler(self.encoder(ids, types, mask)[:, 0])))).squeeze(-1)


def batch(encoded, rows, indices, pad_id):
    length = max(len(encoded[i][0]) for i in indices)
    ids = torch.full((len(indices), length), pad_id, dtype=torch.long)
    types = torch.zeros((len(indices), length), dtype=torch.long)
    mask = torch.zeros((len(indices), length), dtype=torch.long)
    for row, i in enumerate(indices):
        n = len(encoded[i][0])
        ids[row, :n], types[row, :n], mask[row, :n] = torch.tensor(encoded[i][0]), torch.tensor(encoded[i][1]), 1
    return ids, types, mask, torch.tensor([rows[i][2] for i in indices], dtype=torch.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--model', required=True, help='a Hugging Face BERT directory (config.json, model.safetensors, vocab.txt)')
    parser.add_argument('--train', required=True)
    parser.add_argument('--dev', required=True)
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--lr', type=float, default=1e-4)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--dropout', type=float, default=0.1)
    parser.add_argument('--warmup-ratio', type=float, default=0.1)
    parser.add_argument('--max-seq-length', type=int, default=128)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = json.load(open(os.path.join(args.model, 'config.json')))
    model = BertForRegression(config, args.dropout)
    model.load(read_safetensors(os.path.join(args.model, 'model.safetensors')))
    train_rows, dev_rows = read_pairs(args.train), read_pairs(args.dev)
    train, dev = tokenize(args.model, train_rows, args.max_seq_length), tokenize(args.model, dev_rows, args.max_seq_length)
    pad_id = config.get('pad_token_id', 0)
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=args.lr, eps=1e-8)
    steps_per_epoch = (len(train) + args.batch - 1) // args.batch
    total = steps_per_epoch * args.epochs
    warmup = int(np.ceil(args.warmup_ratio * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    shuffler = random.Random(args.seed)
    epochs = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = list(range(len(train)))
        shuffler.shuffle(order)
        losses = []
        for start in range(0, len(order), args.batch):
            ids, types, mask, scores = batch(train, train_rows, order[start:start + args.batch], pad_id)
            loss = F.mse_loss(model(ids, types, mask), scores)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        model.eval()
        predicted = []
        with torch.no_grad():
            for start in range(0, len(dev), 64):
                ids, types, mask, _ = batch(dev, dev_rows, list(range(start, min(start + 64, len(dev)))), pad_id)
                predicted.extend(model(ids, types, mask).tolist())
        epochs.append({'epoch': epoch, 'train_loss': round(float(np.mean(losses)), 4), 'pearson': round(float(np.corrcoef(predicted, [r[2] for r in dev_rows])[0, 1]), 4)})
        print(json.dumps(epochs[-1]), file=sys.stderr, flush=True)
    print(json.dumps({'model': args.model, 'epochs': epochs, 'best_pearson': max(e['pearson'] for e in epochs), 'lr': args.lr,
                      'seed': args.seed, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
