// Hugging Face's TemplateProcessing: wraps one or two token sequences in special tokens and
// assigns segment (token type) ids. BERT's templates are `[CLS] $A [SEP]` and
// `[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1`.

import type { Encoding, Offset, SequenceTokens } from './encoding.js';

export type TemplatePiece =
  | { kind: 'special'; id: string; typeId: number }
  | { kind: 'sequence'; sequence: 'A' | 'B'; typeId: number };

/** A template's special token by name (`id`), with the token(s) and vocabulary id(s) it expands to. */
export interface TemplateSpecialToken {
  id: string;
  ids: number[];
  tokens: string[];
}

export class TemplateProcessing {
  private readonly addedSingle: number;
  private readonly addedPair: number;

  constructor(
    readonly single: readonly TemplatePiece[],
    readonly pair: readonly TemplatePiece[],
    readonly specialTokens: ReadonlyMap<string, TemplateSpecialToken>,
  ) {
    const uses = (template: readonly TemplatePiece[], sequence: 'A' | 'B') =>
      template.some((piece) => piece.kind === 'sequence' && piece.sequence === sequence);
    if (!uses(single, 'A') || uses(single, 'B')) throw new Error('the single template must use sequence A and not B');
    if (!uses(pair, 'A') || !uses(pair, 'B')) throw new Error('the pair template must use both sequences A and B');
    for (const piece of [...single, ...pair]) {
      if (piece.kind === 'special' && !specialTokens.has(piece.id)) {
        throw new Error(`the template uses the special token "${piece.id}", which special_tokens does not define`);
      }
    }
    for (const special of specialTokens.values()) {
      if (special.ids.length !== special.tokens.length) {
        throw new Error(`special token "${special.id}" has ${special.ids.length} ids but ${special.tokens.length} tokens`);
      }
    }
    this.addedSingle = this.countAdded(single);
    this.addedPair = this.countAdded(pair);
  }

  /** BERT's templates with the given [CLS] and [SEP] tokens. */
  static bert(cls: { token: string; id: number }, sep: { token: string; id: number }): TemplateProcessing {
    const special = (token: string, typeId: number): TemplatePiece => ({ kind: 'special', id: token, typeId });
    const sequence = (name: 'A' | 'B', typeId: number): TemplatePiece => ({ kind: 'sequence', sequence: name, typeId });
    return new TemplateProcessing(
      [special(cls.token, 0), sequence('A', 0), special(sep.token, 0)],
      [special(cls.token, 0), sequence('A', 0), special(sep.token, 0), sequence('B', 1), special(sep.token, 1)],
      new Map([
        [cls.token, { id: cls.token, ids: [cls.id], tokens: [cls.token] }],
        [sep.token, { id: sep.token, ids: [sep.id], tokens: [sep.token] }],
      ]),
    );
  }

  /** How many special tokens the template adds: what truncation must leave room for. */
  addedTokens(isPair: boolean): number {
    return isPair ? this.addedPair : this.addedSingle;
  }

  /** Assembles the final encoding; with `addSpecialTokens` false only the sequences (with their type ids) remain. */
  process(first: SequenceTokens, second: SequenceTokens | null, addSpecialTokens: boolean): Encoding {
    const template = second === null ? this.single : this.pair;
    const encoding: Encoding = {
      ids: [], tokens: [], typeIds: [], attentionMask: [], specialTokensMask: [],
      wordIds: [], sequenceIds: [], offsets: [], overflowing: [],
    };
    for (const piece of template) {
      if (piece.kind === 'special') {
        if (!addSpecialTokens) continue;
        const special = this.specialTokens.get(piece.id)!;
        for (let i = 0; i < special.ids.length; i++) {
          push(encoding, special.ids[i]!, special.tokens[i]!, piece.typeId, 1, null, null, [0, 0]);
        }
      } else {
        const sequenceId = piece.sequence === 'A' ? 0 : 1;
        const tokens = sequenceId === 0 ? first : second!;
        for (let i = 0; i < tokens.ids.length; i++) {
          push(encoding, tokens.ids[i]!, tokens.tokens[i]!, piece.typeId, 0, tokens.wordIds[i] ?? null, sequenceId, tokens.offsets[i]!);
        }
      }
    }
    return encoding;
  }

  private countAdded(template: readonly TemplatePiece[]): number {
    let count = 0;
    for (const piece of template) {
      if (piece.kind === 'special') count += this.specialTokens.get(piece.id)!.ids.length;
    }
    return count;
  }
}

function push(
  encoding: Encoding, id: number, token: string, typeId: number, special: number,
  wordId: number | null, sequenceId: number | null, offset: Offset,
): void {
  encoding.ids.push(id);
  encoding.tokens.push(token);
  encoding.typeIds.push(typeId);
  encoding.attentionMask.push(1);
  encoding.specialTokensMask.push(special);
  encoding.wordIds.push(wordId);
  encoding.sequenceIds.push(sequenceId);
  encoding.offsets.push([offset[0], offset[1]]);
}
