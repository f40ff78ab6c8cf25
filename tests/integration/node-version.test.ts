/**
 * The server refuses to start on a Node.js older than engines.node (Node 24), with a message that
 * says what to do, before it opens any port or loads mediasoup.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, requiredNodeMajor } from '../../server/src/node-version.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A node on this machine older than the required one (the system's Node 20 here), if any. */
function olderNode(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const bin of [...dirs.map((d) => path.join(d, 'node')), '/usr/bin/node', '/usr/local/bin/node']) {
    if (!fs.existsSync(bin)) continue;
    const r = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0 && Number(r.stdout.split('.')[0]) < requiredNodeMajor()) return bin;
  }
  return undefined;
}

describe('the Node version guard', () => {
  it('requires Node 24, from package.json', () => {
    expect(requiredNodeMajor()).toBe(24);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(fs.readFileSync(path.join(ROOT, '.node-version'), 'utf8').trim()).toMatch(/^24\.\d+\.\d+$/);
    expect(fs.readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim()).toBe(fs.readFileSync(path.join(ROOT, '.node-version'), 'utf8').trim());
  });

  it('accepts 24 and newer, refuses older versions with what to install', () => {
    expect(nodeVersionProblem('24.0.0', 24)).toBeNull();
    expect(nodeVersionProblem('v26.1.0', 24)).toBeNull();
    const msg = nodeVersionProblem('20.20.2', 24);
    expect(msg).toContain('Peer Circle needs Node.js 24 or newer; this is Node 20.20.2.');
    expect(msg).toContain('npm start');
    expect(msg).toContain('nvm install');
    expect(nodeVersionProblem('22.12.0', 24)).not.toBeNull();
  });

  const old = olderNode();
  it.skipIf(!old)(`the server started with an older node (${old ?? 'none on this machine'}) stops at once with that message`, () => {
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const r = spawnSync(old!, [tsx, path.join(ROOT, 'server/src/main.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      // If the guard failed, the server would start listening: make that a timeout, not a hang.
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MEDIA: 'false' },
      timeout: 60_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Peer Circle needs Node\.js 24 or newer; this is Node \d+\.\d+\.\d+\./);
    expect(r.stdout).not.toContain('Peer Circle is running');
  });
});
