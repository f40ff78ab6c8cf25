/**
 * Refuses to run on a Node.js older than the project's `engines.node` (Node 24 LTS), before any
 * other module loads: mediasoup 3.27 needs Node 22 or newer, Node 20 no longer gets security
 * fixes, and a half-working server is worse than a clear message. main.ts imports this first
 * (ES modules evaluate their imports in order).
 */
import { readFileSync } from 'node:fs';

/** The oldest supported major version, from the root package.json's `engines.node` (">=24"). */
export function requiredNodeMajor(): number {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
  const m = /^>=\s*(\d+)/.exec(pkg.engines?.node ?? '');
  if (!m) throw new Error(`package.json engines.node must read ">=<major>", found ${JSON.stringify(pkg.engines?.node)}`);
  return Number(m[1]);
}

/** The message for an unsupported Node, or null when `version` (like "20.20.2") is supported. */
export function nodeVersionProblem(version: string, requiredMajor: number): string | null {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (Number.isFinite(major) && major >= requiredMajor) return null;
  return (
    `Peer Circle needs Node.js ${requiredMajor} or newer; this is Node ${version}.\n` +
    `Start it with \`npm start\`, which runs it with Node ${requiredMajor} fetched from the npm registry ` +
    `when this machine's node is older, or install Node.js ${requiredMajor} LTS ` +
    '(`nvm install` in the project directory reads .nvmrc; https://nodejs.org/en/download).\n'
  );
}

const problem = nodeVersionProblem(process.versions.node, requiredNodeMajor());
if (problem) {
  process.stderr.write(problem);
  process.exit(1);
}
