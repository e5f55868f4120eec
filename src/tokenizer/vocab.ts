// A WordPiece vocabulary: vocab.txt, one token per line, the line number (from 0) is the id.

import { readFileSync } from 'node:fs';
import { decodeUtf8 } from '../io/utf8-text.js';

export class Vocab {
  readonly tokens: string[];
  /** Where the tokens came from (a file path, or a description); error messages name it. */
  readonly source: string;
  private readonly ids: Map<string, number>;

  private constructor(tokens: string[], source: string, ids: Map<string, number>) {
    this.tokens = tokens;
    this.source = source;
    this.ids = ids;
  }

  /**
   * Reads vocab.txt (UTF-8, one token per line, \n or \r\n line ends). Tokens are kept exactly,
   * other whitespace included: bert-base-chinese has a token U+2028 (line separator), which
   * trimming would turn into an empty line. Invalid UTF-8 is an error. Errors name the file and the line.
   */
  static fromFile(path: string): Vocab {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`vocabulary file ${path} does not exist`);
      if (code === 'EISDIR') throw new Error(`vocabulary file ${path} is a directory, not a vocab.txt file`);
      throw new Error(`cannot read vocabulary file ${path}: ${(error as Error).message}`);
    }
    // Strict: a replaced byte would be a token nobody's text can ever produce, and ids shift with no error.
    const content = decodeUtf8(bytes, path);
    const lines = content.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return Vocab.fromTokens(
      lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)),
      path,
    );
  }

  /** A vocabulary from tokens in id order. `source` names them in errors (line n = tokens[n - 1]). */
  static fromTokens(tokens: string[], source = 'vocabulary'): Vocab {
    if (tokens.length === 0) throw new Error(`${source}: the vocabulary is empty (no tokens, line 1 missing)`);
    const ids = new Map<string, number>();
    for (let id = 0; id < tokens.length; id++) {
      const token = tokens[id]!;
      if (token.length === 0) throw new Error(`${source}:${id + 1}: empty token (blank line) in the vocabulary`);
      const first = ids.get(token);
      if (first !== undefined) {
        throw new Error(`${source}:${id + 1}: duplicate token ${JSON.stringify(token)}, already on line ${first + 1}`);
      }
      ids.set(token, id);
    }
    return new Vocab(tokens.slice(), source, ids);
  }

  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  token(id: number): string {
    const token = this.tokens[id];
    if (token === undefined) throw new Error(`${this.source}: token id ${id} is out of range [0, ${this.tokens.length})`);
    return token;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token the tokenizer cannot do without (e.g. [UNK]); the error names the file. */
  requireId(token: string, role: string): number {
    const id = this.ids.get(token);
    if (id === undefined) {
      throw new Error(
        `${this.source}: the ${role} ${JSON.stringify(token)} is on none of the vocabulary's ${this.tokens.length} lines`,
      );
    }
    return id;
  }

  /** The content of vocab.txt for these tokens. */
  toText(): string {
    return this.tokens.join('\n') + '\n';
  }
}
