"""The PyTorch row of the quality-per-CPU-hour table: plain-torch masked-LM pretraining on the same
pre-tokenised corpus (bertkit's shards), for the same wall-clock budget, saved as a Hugging Face
BertForMaskedLM directory that bertkit fine-tunes like its own models.

The usual masked-LM recipe, as transformers' run_mlm.py with DataCollatorForLanguageModeling does it:
15 % of the non-special tokens predicted (at most 20 per sequence of 128), 80 % [MASK] / 10 % random /
10 % kept, dropout 0.1, AdamW (no decay on biases and LayerNorm), clipping at 1.0, linear warm-up then
linear decay to zero. Sequences are packed as bertkit's --no-nsp packs them: consecutive sentences up to
max_seq_length - 2 tokens, documents separated by [SEP].

The budget is fitted as bertkit's --time-budget fits it: the first updates are timed, the number of
updates that fit the budget fixes the end of the schedule. With --time-budget 0 no update runs and
the initial weights are saved (the "no pretraining" control).

usage: pytorch_corpus_pretrain.py --shards DIR --tokenizer DIR --output DIR --time-budget 60m [--threads N]
prints one JSON line: steps, tokens_per_second, seconds, held-out MLM loss and accuracy, and the OpenBLAS core
that ran (null: none loaded, so torch used the reference BLAS, over ten times slower)."""
import argparse
import json
import os
import re
import shutil
import struct
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from pytorch_model import Encoder  # noqa: E402
from openblas_info import openblas_info  # noqa: E402

SHARD_HEADER = struct.Struct('<8sIIIId')  # magic, version, token bytes, documents, sentences, tokens


def read_shard(path):
    """A bertkit shard (src/data/shards.ts) as a list of documents, each a list of int arrays (sentences)."""
    with open(path, 'rb') as f:
        data = f.read()
    magic, version, token_bytes, documents, sentences, tokens = SHARD_HEADER.unpack_from(data, 0)
    if magic != b'BKSHARD1' or version != 1:
        raise SystemExit(f'{path}: not a version 1 bertkit shard')
    offset = SHARD_HEADER.size
    document_ends = np.frombuffer(data, '<u4', documents, offset)
    offset += 4 * documents
    sentence_ends = np.frombuffer(data, '<u4', sentences, offset)
    offset += 4 * sentences
    ids = np.frombuffer(data, '<u2' if token_bytes == 2 else '<i4', int(tokens), offset).astype(np.int64)
    result, sentence_start, token_start = [], 0, 0
    for document_end in document_ends:
        document = []
        for sentence_end in sentence_ends[sentence_start:document_end]:
            document.append(ids[token_start:sentence_end])
            token_start = int(sentence_end)
        sentence_start = int(document_end)
        result.append(document)
    return result


def pack(documents, max_tokens, sep_id):
    """bertkit's packSentences: consecutive sentences up to max_tokens, [SEP] between documents."""
    sequences, current = [], []
    for document in documents:
        separator_pending = len(current) > 0
        for sentence in document:
            extra = 1 if separator_pending else 0
            if len(current) + extra + len(sentence) > max_tokens:
                if current:
                    sequences.append(current)
                current = []
            if not current:
                separator_pending = False
            if separator_pending:
                current.append(sep_id)
            separator_pending = False
            for start in range(0, len(sentence), max_tokens):
                if start > 0:
                    sequences.append(current)
                    current = []
                current.extend(int(t) for t in sentence[start:start + max_tokens])
    if current:
        sequences.append(current)
    return sequences


def split_sequences(shards_dir, split, max_tokens, sep_id):
    manifest = json.load(open(os.path.join(shards_dir, 'shards.json')))
    documents = []
    for shard in manifest['splits'][split]['shards']:
        documents.extend(read_shard(os.path.join(shards_dir, shard['file'])))
    return pack(documents, max_tokens, sep_id), manifest['vocab']['size']


class MaskedBatches:
    """Random packed sequences, masked as DataCollatorForLanguageModeling masks (capped per sequence)."""

    def __init__(self, sequences, seq, vocab, special, generator, mask_prob=0.15, max_predictions=20):
        self.sequences, self.seq, self.vocab, self.special = sequences, seq, vocab, special
        self.generator, self.mask_prob, self.max_predictions = generator, mask_prob, max_predictions
        self.order, self.cursor = torch.randperm(len(sequences), generator=generator), 0

    def next(self, size):
        cls_id, sep_id, pad_id, mask_id = self.special
        ids = torch.full((size, self.seq), pad_id, dtype=torch.long)
        mask = torch.zeros((size, self.seq), dtype=torch.long)
        for row in range(size):
            if self.cursor == len(self.order):
                self.order, self.cursor = torch.randperm(len(self.sequences), generator=self.generator), 0
            tokens = [cls_id] + self.sequences[int(self.order[self.cursor])] + [sep_id]
            self.cursor += 1
            ids[row, :len(tokens)] = torch.tensor(tokens)
            mask[row, :len(tokens)] = 1
        candidates = (mask == 1) & (ids != cls_id) & (ids != sep_id)
        chosen = (torch.rand(ids.shape, generator=self.generator) < self.mask_prob) & candidates
        # at most max_predictions per sequence: keep the first ones in a random order
        rank = torch.rand(ids.shape, generator=self.generator).masked_fill(~chosen, 2.0).argsort(dim=1).argsort(dim=1)
        chosen &= rank < self.max_predictions
        labels = ids[chosen]
        draw = torch.rand(ids.shape, generator=self.generator)
        inputs = ids.clone()
        inputs[chosen & (draw < 0.8)] = mask_id
        random_tokens = torch.randint(0, self.vocab, ids.shape, generator=self.generator)
        replace = chosen & (draw >= 0.8) & (draw < 0.9)
        inputs[replace] = random_tokens[replace]
        positions = chosen.reshape(-1).nonzero().squeeze(1)
        return inputs, torch.zeros_like(ids), mask, positions, labels


class BertForMaskedLM(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ffn, positions, dropout=0.1):
        super().__init__()
        self.encoder = Encoder(vocab, hidden, layers, heads, ffn, positions, dropout)
        self.transform = nn.Linear(hidden, hidden)
        self.transform_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.decoder_bias = nn.Parameter(torch.zeros(vocab))
        for module in self.modules():  # BertPreTrainedModel._init_weights
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.data.normal_(0, 0.02)
            if isinstance(module, nn.Linear):
                module.bias.data.zero_()

    def forward(self, ids, types, mask, positions):  # -> logits at the masked positions [M, vocab]
        b, t = ids.shape
        picked = self.encoder(ids, types, mask).reshape(b * t, -1)[positions]
        return self.transform_norm(F.gelu(self.transform(picked))) @ self.encoder.word.weight.t() + self.decoder_bias

    def hf_state(self):
        """The parameters under transformers' BertForMaskedLM names (the decoder weight is the tied word embeddings)."""
        e = self.encoder
        names = {
            'bert.embeddings.word_embeddings.weight': e.word.weight,
            'bert.embeddings.position_embeddings.weight': e.position.weight,
            'bert.embeddings.token_type_embeddings.weight': e.token_type.weight,
            'bert.embeddings.LayerNorm.weight': e.embedding_norm.weight,
            'bert.embeddings.LayerNorm.bias': e.embedding_norm.bias,
            'cls.predictions.transform.dense.weight': self.transform.weight,
            'cls.predictions.transform.dense.bias': self.transform.bias,
            'cls.predictions.transform.LayerNorm.weight': self.transform_norm.weight,
            'cls.predictions.transform.LayerNorm.bias': self.transform_norm.bias,
            'cls.predictions.bias': self.decoder_bias,
        }
        for i, layer in enumerate(e.layers):
            prefix = f'bert.encoder.layer.{i}.'
            for module, name in [(layer.query, 'attention.self.query'), (layer.key, 'attention.self.key'), (layer.value, 'attention.self.value'),
                                 (layer.attention_output, 'attention.output.dense'), (layer.attention_norm, 'attention.output.LayerNorm'),
                                 (layer.intermediate, 'intermediate.dense'), (layer.output, 'output.dense'), (layer.output_norm, 'output.LayerNorm')]:
                names[prefix + name + '.weight'] = module.weight
                names[prefix + name + '.bias'] = module.bias
        return {name: tensor.detach().contiguous().numpy().astype('<f4') for name, tensor in names.items()}


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, array in tensors.items():
        header[name] = {'dtype': 'F32', 'shape': list(array.shape), 'data_offsets': [offset, offset + array.nbytes]}
        offset += array.nbytes
    header_bytes = json.dumps(header, separators=(',', ':')).encode()
    header_bytes += b' ' * (-len(header_bytes) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(header_bytes)))
        f.write(header_bytes)
        for array in tensors.values():
            f.write(array.tobytes())


def duration_seconds(text):
    """'1h30m', '60m', '90s', '0' → seconds."""
    match = re.fullmatch(r'(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?', text)
    if text == '0':
        return 0.0
    if not text or not match:
        raise argparse.ArgumentTypeError(f"a duration such as 60m, 2h, 1h30m or 90s, got '{text}'")
    hours, minutes, seconds = (float(group or 0) for group in match.groups())
    return 3600 * hours + 60 * minutes + seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--shards', required=True)
    parser.add_argument('--tokenizer', required=True, help='a bertkit model directory whose vocab.txt the shards use')
    parser.add_argument('--output', required=True)
    parser.add_argument('--time-budget', type=duration_seconds, required=True, help="as bertkit's --time-budget: 60m, 2h, 1h30m, 90s; 0 saves the initial weights")
    parser.add_argument('--layers', type=int, default=2)
    parser.add_argument('--hidden', type=int, default=128)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--seq', type=int, default=128)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--warmup', type=int, default=150)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--eval-batches', type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    vocab_words = open(os.path.join(args.tokenizer, 'vocab.txt'), encoding='utf-8').read().split('\n')
    index = {word: i for i, word in enumerate(vocab_words)}
    special = (index['[CLS]'], index['[SEP]'], index['[PAD]'], index['[MASK]'])
    train, vocab = split_sequences(args.shards, 'train', args.seq - 2, special[1])
    held_out, _ = split_sequences(args.shards, 'heldOut', args.seq - 2, special[1])
    heads, positions = max(1, args.hidden // 64), 512
    model = BertForMaskedLM(vocab, args.hidden, args.layers, heads, 4 * args.hidden, positions).train()
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=args.lr, eps=1e-6)
    batches = MaskedBatches(train, args.seq, vocab, special, torch.Generator().manual_seed(args.seed))
    # The budget is fitted as bertkit's TimeBudgetPlanner fits it: 3 updates untimed, 10 timed, then the
    # total is what the rest of the budget holds at that pace, fitted again every 100 updates at the pace
    # of all updates timed so far (a run that slows down would otherwise overrun its budget).
    untimed, timed, refit, total_steps, step, tokens = 3, 10, 100, None, 0, 0
    started = timing_started = time.perf_counter()
    while args.time_budget > 0 and (total_steps is None or step < total_steps):
        if step == untimed:
            timing_started = time.perf_counter()
        if step >= untimed + timed and (step - untimed - timed) % refit == 0:
            per_step = (time.perf_counter() - timing_started) / (step - untimed)
            total_steps = step + max(0, int((args.time_budget - (time.perf_counter() - started)) / per_step))
            if step == untimed + timed:
                print(f'pytorch_pretrain: {per_step:.3f} s per update: the budget holds {total_steps} updates', file=sys.stderr, flush=True)
        scale = min((step + 1) / args.warmup, 1.0) if args.warmup > 0 else 1.0
        if total_steps is not None and step >= args.warmup:
            scale = max(0.0, (total_steps - step) / max(1, total_steps - args.warmup))
        for group in optimizer.param_groups:
            group['lr'] = args.lr * scale
        ids, types, mask, picked, labels = batches.next(args.batch)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, types, mask, picked), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        tokens += int(mask.sum())
        if step % 100 == 0:
            print(f'pytorch_pretrain: step {step}/{total_steps}, loss {loss.item():.4f}, {tokens / (time.perf_counter() - started):,.0f} tokens/s', file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    model.eval()
    evaluation = MaskedBatches(held_out, args.seq, vocab, special, torch.Generator().manual_seed(1234))
    loss_sum, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for _ in range(args.eval_batches):
            ids, types, mask, picked, labels = evaluation.next(args.batch)
            logits = model(ids, types, mask, picked)
            loss_sum += F.cross_entropy(logits, labels, reduction='sum').item()
            correct += int((logits.argmax(-1) == labels).sum())
            count += len(labels)
    partial = args.output.rstrip('/') + f'.{os.getpid()}.tmp'
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    write_safetensors(os.path.join(partial, 'model.safetensors'), model.hf_state())
    config = {'architectures': ['BertForMaskedLM'], 'model_type': 'bert', 'vocab_size': vocab, 'hidden_size': args.hidden,
              'num_hidden_layers': args.layers, 'num_attention_heads': heads, 'intermediate_size': 4 * args.hidden,
              'hidden_act': 'gelu', 'hidden_dropout_prob': 0.1, 'attention_probs_dropout_prob': 0.1,
              'max_position_embeddings': positions, 'type_vocab_size': 2, 'initializer_range': 0.02,
              'layer_norm_eps': 1e-12, 'pad_token_id': special[2], 'position_embedding_type': 'absolute'}
    json.dump(config, open(os.path.join(partial, 'config.json'), 'w'), indent=2)
    for name in ['vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']:
        if os.path.exists(os.path.join(args.tokenizer, name)):
            shutil.copy(os.path.join(args.tokenizer, name), partial)
    shutil.rmtree(args.output, ignore_errors=True)
    os.rename(partial, args.output)
    print(json.dumps({'steps': step, 'seconds': round(seconds, 1), 'tokens_per_second': round(tokens / seconds) if seconds > 0 and step else 0,
                      'held_out_mlm_loss': round(loss_sum / count, 4), 'held_out_mlm_accuracy': round(correct / count, 4),
                      'torch': torch.__version__, 'threads': torch.get_num_threads(),
                      'openblas': openblas_info()}))


if __name__ == '__main__':
    main()
