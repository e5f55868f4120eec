// A file named by an untrusted index inside a directory (a sharded checkpoint's
// model.safetensors.index.json names its shards). The name must stay inside the directory: relative,
// no '..' segment, and still inside once symbolic links are followed; and it must name a regular
// file, since opening a FIFO or a device blocks or reads without end. The one layout whose files
// legitimately live elsewhere is the Hugging Face cache, where CACHE/models--ORG--NAME/snapshots/REV/FILE
// is a link to ../../blobs/HASH: that blobs folder counts as inside. Errors name the entry, never
// anything read from what it points to.
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** The real path of `name` inside `dir`; `what` starts every error ("….index.json: weight_map's shard"). */
export function containedFile(dir: string, name: string, what: string): string {
  if (name === '' || isAbsolute(name) || /^[a-zA-Z]:/.test(name) || name.split(/[\\/]/).includes('..')) {
    throw new Error(`${what} ${JSON.stringify(name)} must be a file name inside the model directory (not absolute, no '..')`);
  }
  let real: string;
  try {
    real = realpathSync(join(dir, name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what} ${name} is missing` : `${what} ${name} cannot be opened (${code ?? String(error)})`);
  }
  const root = realpathSync(dir);
  const roots = basename(dirname(root)) === 'snapshots' ? [root, join(dirname(dirname(root)), 'blobs')] : [root];
  if (!roots.some((allowed) => isInside(real, allowed))) throw new Error(`${what} ${name} is a link that leads outside the model directory`);
  if (!statSync(real).isFile()) throw new Error(`${what} ${name} is not a regular file`);
  return real;
}

function isInside(path: string, root: string): boolean {
  const rest = relative(root, path);
  return rest !== '' && rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}
