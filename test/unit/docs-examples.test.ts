// Every public export carries TSDoc with an @example (issue 5): a new export without one fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

/** Names an entry file exports: re-exported (`export { a, type B } from './x.js'`) or declared. */
function exportedNames(entry: string): string[] {
  const text = readFileSync(`${src}${entry}`, 'utf8');
  const names: string[] = [];
  for (const [, list] of text.matchAll(/export\s+(?:type\s+)?{([^}]*)}/g)) {
    for (const part of list!.split(',')) {
      const name = part.replace(/\btype\b/, '').trim();
      if (name !== '') names.push(name);
    }
  }
  for (const [, name] of text.matchAll(/^export (?:const|function|class|interface|type) (\w+)/gm)) {
    names.push(name!);
  }
  return names;
}

/** The doc comment right before each `export … Name` declaration, across src/ and its folders. */
function docs(): Map<string, string> {
  const found = new Map<string, string>();
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(`${src}${file}`, 'utf8');
    const declaration =
      /(\/\*\*(?:(?!\*\/)[\s\S])*?\*\/)?\s*(?:\/\/[^\n]*\n\s*)*export (?:const|function|class|interface|type) (\w+)/g;
    for (const [, doc, name] of text.matchAll(declaration)) found.set(name!, doc ?? '');
  }
  return found;
}

describe('public API docs', () => {
  const all = docs();
  for (const entry of ['index.ts', 'testing.ts', 'redis.ts']) {
    const names = exportedNames(entry);
    it(`${entry} exports something`, () => expect(names.length).toBeGreaterThan(0));
    it.each(names)(`${entry}: %s has TSDoc with an @example`, (name) => {
      const doc = all.get(name);
      expect(doc, `no declaration found for ${name}`).toBeDefined();
      expect(doc).toMatch(/@example/);
    });
  }
});
