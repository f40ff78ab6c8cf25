/**
 * The server's layers import downwards only (docs/contributing.md):
 *
 *   lib  <-  room, groups (pure)  <-  store  <-  app  <-  transport | http | media  <-  server.ts, main.ts, groups-wiring.ts
 *
 * `lib` (ids, hashing, rate limits, config, logger) is below everyone; the room core imports none
 * of the others (it stays pure); transport, http and media are peers that never import each
 * other (audio follows the service's changes, it never listens to sockets); server.ts wires them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(root, 'server/src');

const RANK = { lib: 0, room: 1, store: 2, groups: 1, app: 3, transport: 4, http: 4, media: 4, root: 5 } as const;
/** Files at the top of server/src that wire layers together (the composition root). */
const ROOT_FILES = new Set(['server.ts', 'main.ts', 'groups-wiring.ts']);
type Layer = keyof typeof RANK;

/** The layer of a file under server/src, by its folder; top-level files are lib or the root. */
function layerOf(rel: string): Layer {
  const [head, ...rest] = rel.split('/');
  if (rest.length === 0) return head !== undefined && ROOT_FILES.has(head) ? 'root' : 'lib';
  if (head && head in RANK) return head as Layer;
  throw new Error(`server/src/${rel}: a folder the layer rule does not know; add it to RANK`);
}

interface Source {
  file: string;
  imports: string[];
}

/** Relative module specifiers of `import ... from`, `export ... from` and `import()`. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.[^']*)'/g)].map((m) => m[1]!);
}

function sources(): Source[] {
  return readdirSync(SRC, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => {
      const file = path.relative(SRC, path.join(e.parentPath, e.name));
      return { file, imports: importsOf(readFileSync(path.join(SRC, file), 'utf8')) };
    });
}

/** Every import that points up the layers, or sideways between transport, http and media. */
function violations(files: Source[]): string[] {
  const out: string[] = [];
  for (const { file, imports } of files) {
    const from = layerOf(file);
    for (const spec of imports) {
      const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), spec));
      if (target.startsWith('..')) {
        out.push(`${file} -> ${spec} (outside server/src)`);
        continue;
      }
      const to = layerOf(target);
      if (to === from) continue;
      if (RANK[to] >= RANK[from]) out.push(`${file} (${from}) -> ${target} (${to})`);
    }
  }
  return out;
}

describe('layers of server/src', () => {
  it('no import points up the layers or sideways between transport, http and media', () => {
    const files = sources();
    // The scan does see the imports (guards against a pattern that matches nothing).
    expect(files.flatMap((f) => f.imports).length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it('the room core imports nothing from the other layers', () => {
    const room = sources().filter((f) => layerOf(f.file) === 'room');
    expect(room.length).toBeGreaterThan(5);
    const outside = room.flatMap((f) => f.imports.filter((spec) => !path.resolve(path.dirname(path.join(SRC, f.file)), spec).startsWith(path.join(SRC, 'room'))));
    expect(outside).toEqual([]);
  });

  it('the rule catches what it forbids', () => {
    expect(
      violations([
        { file: 'media/service.ts', imports: ['../transport/session.ts'] },
        { file: 'transport/socket.ts', imports: ['../app/service.ts', '../lib/ids.ts', './session.ts'] },
        { file: 'app/service.ts', imports: ['../transport/socket.ts'] },
        { file: 'room/decide.ts', imports: ['../store/port.ts'] },
      ]),
    ).toEqual(['media/service.ts (media) -> transport/session.ts (transport)', 'app/service.ts (app) -> transport/socket.ts (transport)', 'room/decide.ts (room) -> store/port.ts (store)']);
  });
});
