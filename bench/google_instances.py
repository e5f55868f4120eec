"""Peer for bench/pretraining-data.bench.ts: google-research/bert's instance algorithm in plain
CPython (create_instances_from_document + create_masked_lm_predictions, dupe_factor 1, masking
with [MASK]/keep/random), over documents that are already token ids, so that only the instance
step is timed, as bertkit's side is.

usage: python3 google_instances.py DOCUMENTS.json MAX_SEQ_LENGTH MAX_PREDICTIONS VOCAB_SIZE
DOCUMENTS.json: [[[id, ...] per sentence] per document]. Prints {"instances": n, "seconds": s}.
"""
import json
import random
import sys
import time

CLS, SEP, MASK = 101, 102, 103


def instances_of_document(documents, index, max_seq_length, short_seq_prob, masked_lm_prob, max_predictions, vocab_size, rng):
    document = documents[index]
    max_num_tokens = max_seq_length - 3
    target = max_num_tokens
    if rng.random() < short_seq_prob:
        target = rng.randint(2, max_num_tokens)
    out = []
    chunk, chunk_length, i = [], 0, 0
    while i < len(document):
        chunk.append(document[i])
        chunk_length += len(document[i])
        if i == len(document) - 1 or chunk_length >= target:
            a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
            a = [t for sentence in chunk[:a_end] for t in sentence]
            b = []
            if len(chunk) == 1 or rng.random() < 0.5:
                is_random = True
                other = index
                for _ in range(10):
                    other = rng.randint(0, len(documents) - 1)
                    if other != index:
                        break
                start = rng.randint(0, len(documents[other]) - 1)
                for sentence in documents[other][start:]:
                    b.extend(sentence)
                    if len(b) >= target - len(a):
                        break
                i -= len(chunk) - a_end
            else:
                is_random = False
                b = [t for sentence in chunk[a_end:] for t in sentence]
            while len(a) + len(b) > max_num_tokens:
                longer = a if len(a) >= len(b) else b
                if rng.random() < 0.5:
                    del longer[0]
                else:
                    longer.pop()
            tokens = [CLS] + a + [SEP] + b + [SEP]
            segments = [0] * (len(a) + 2) + [1] * (len(b) + 1)
            out.append((mask(tokens, masked_lm_prob, max_predictions, vocab_size, rng), segments, is_random))
            chunk, chunk_length = [], 0
        i += 1
    return out


def mask(tokens, masked_lm_prob, max_predictions, vocab_size, rng):
    candidates = [k for k, t in enumerate(tokens) if t != CLS and t != SEP]
    rng.shuffle(candidates)
    budget = min(max_predictions, max(1, int(round(len(tokens) * masked_lm_prob))))
    output = list(tokens)
    chosen = sorted(candidates[:budget])
    for k in chosen:
        if rng.random() < 0.8:
            output[k] = MASK
        elif rng.random() >= 0.5:
            output[k] = rng.randint(0, vocab_size - 1)
    return output, chosen, [tokens[k] for k in chosen]


def main():
    path, max_seq_length, max_predictions, vocab_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with open(path) as f:
        documents = json.load(f)
    rng = random.Random(12345)
    started = time.perf_counter()
    count = 0
    for index in range(len(documents)):
        count += len(instances_of_document(documents, index, max_seq_length, 0.1, 0.15, max_predictions, vocab_size, rng))
    print(json.dumps({"instances": count, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
