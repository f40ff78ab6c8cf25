#!/usr/bin/env node
// Provisions a checkout so that `npm start`, `npm test` and the benches work on a fresh machine:
//
//   node scripts/provision.mjs [--client] [--test] [-- COMMAND ARGS...]
//
//   0. Node: when this node is older than .node-version (Node 24 LTS), Node <.node-version> is
//      fetched from the npm registry into the cache (scripts/node-runtime.mjs) and everything
//      below, COMMAND included, runs with it; one line says so.
//   1. node_modules: `npm ci` when it is missing or does not match package-lock.json.
//   2. mediasoup worker binary: node_modules/mediasoup/worker/out/Release/mediasoup-worker must
//      exist and start. It comes from (first match wins)
//        a. $MEDIASOUP_WORKER_BIN, when set and the file exists;
//        b. the binary already installed in node_modules (nothing to do);
//        c. the cache: ${PEER_CIRCLE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/peer-circle}/mediasoup-worker-<version>;
//        d. mediasoup's own postinstall (prebuilt download from GitHub), when GitHub answers;
//        e. an offline build from the npm package's sources (scripts/build-mediasoup-worker.sh,
//           5 to 9 minutes on 2 cores) into the cache.
//      For a, c and e the binary is passed to `npm ci` as MEDIASOUP_WORKER_BIN (so mediasoup's
//      postinstall skips its download) and then copied into node_modules, so that running the
//      server needs no environment variable (npm 11 may skip install scripts altogether: the copy
//      does not depend on them).
//   3. --client: `npm run build -w client` when client/dist is missing or older than its sources.
//   4. --test: redis-server and Chromium for the integration and browser tests; when missing they
//      are apt-installed (as root on Debian or Ubuntu), or provisioning stops with the command to
//      run. A failure then also prints the totals line `0 passed, 1 failed` (as scripts/test.mjs
//      would) so that `npm test` always ends with it.
//   5. -- COMMAND ARGS...: runs COMMAND (with the Node of step 0) and exits with its exit code.
//
// Idempotent and fast (well under a second) when everything is in place. Plain Node, no npm
// dependencies: it runs before node_modules exists.
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ensureNodeRuntime } from './node-runtime.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NM = path.join(ROOT, 'node_modules');
const LOCKFILE = path.join(ROOT, 'package-lock.json');
const STAMP = path.join(NM, '.peer-circle-provision.json');
const MS_DIR = path.join(NM, 'mediasoup');
const INSTALLED_BIN = path.join(MS_DIR, 'worker', 'out', 'Release', 'mediasoup-worker');
const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build-mediasoup-worker.sh');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const args = dashdash < 0 ? argv : argv.slice(0, dashdash);
const COMMAND = dashdash < 0 ? [] : argv.slice(dashdash + 1);
const WANT_CLIENT = args.includes('--client');
const WANT_TEST = args.includes('--test');
for (const a of args) {
  if (a !== '--client' && a !== '--test') {
    fail(`unknown argument '${a}' (usage: node scripts/provision.mjs [--client] [--test] [-- COMMAND ARGS...])`);
  }
}
if (dashdash >= 0 && COMMAND.length === 0) fail("'--' must be followed by a command");

const log = (msg) => console.log(`[provision] ${msg}`);
function fail(msg) {
  console.error(`[provision] ERROR: ${msg}`);
  printFailedTotals();
  process.exit(1);
}
function printFailedTotals() {
  if (WANT_TEST) {
    // `npm test` ends with the totals line even when it never got to the tests.
    const line = '0 passed, 1 failed';
    if (process.env.PEER_CIRCLE_TOTALS_FILE) {
      try {
        fs.writeFileSync(process.env.PEER_CIRCLE_TOTALS_FILE, line + '\n');
      } catch {
        /* the line below still says it */
      }
    }
    console.log(line);
  }
}
const rel = (p) => (p.startsWith(ROOT + path.sep) ? path.relative(ROOT, p) : p);

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function mediasoupVersion() {
  const pkg = readJson(path.join(ROOT, 'server', 'package.json'));
  if (!pkg) fail('cannot read server/package.json');
  const v = pkg.dependencies?.mediasoup;
  if (!v) fail('server/package.json has no "mediasoup" dependency');
  if (!/^\d+\.\d+\.\d+$/.test(v)) {
    fail(`server/package.json must pin mediasoup to an exact version (like "3.19.3"), found "${v}"`);
  }
  return v;
}

// A mediasoup-worker started without MEDIASOUP_VERSION exits with 41: that proves it loads
// (all shared libraries found, right architecture) without doing anything else.
function workerRuns(bin) {
  try {
    if (!fs.statSync(bin).isFile()) return false;
  } catch {
    return false;
  }
  const env = { ...process.env };
  delete env.MEDIASOUP_VERSION;
  const r = spawnSync(bin, [], { env, stdio: 'ignore', timeout: 10_000 });
  return r.status === 41;
}

function whyWorkerFails(bin) {
  if (!fs.existsSync(bin)) return 'file does not exist';
  const env = { ...process.env };
  delete env.MEDIASOUP_VERSION;
  const r = spawnSync(bin, [], { env, encoding: 'utf8', timeout: 10_000 });
  if (r.error) return r.error.message;
  const ldd = spawnSync('ldd', [bin], { encoding: 'utf8' });
  const missing = (ldd.stdout || '').split('\n').filter((l) => l.includes('not found'));
  return `exit status ${r.status ?? r.signal}${missing.length ? `; missing libraries: ${missing.map((l) => l.trim()).join(', ')}` : ''}${r.stderr ? `; ${r.stderr.trim().split('\n').pop()}` : ''}`;
}

function sameFile(a, b) {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    if (sa.size !== sb.size) return false;
    return fs.readFileSync(a).equals(fs.readFileSync(b));
  } catch {
    return false;
  }
}

function copyExecutable(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}`;
  fs.copyFileSync(from, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, to);
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// node_modules matches package-lock.json? Fast path: our stamp holds the lockfile's hash.
// Slow path (no stamp, e.g. after a manual `npm install`, or the lockfile changed): compare the
// lockfile with npm's own record of what it installed (node_modules/.package-lock.json).
function nodeModulesState(lockHash, msVersion) {
  if (!fs.existsSync(NM)) return { fresh: false, reason: 'node_modules is missing' };
  const msPkg = readJson(path.join(MS_DIR, 'package.json'));
  if (!msPkg) return { fresh: false, reason: 'node_modules/mediasoup is missing' };
  if (msPkg.version !== msVersion) {
    return { fresh: false, reason: `node_modules has mediasoup ${msPkg.version}, server/package.json wants ${msVersion}` };
  }
  const stamp = readJson(STAMP);
  if (stamp && stamp.lockHash === lockHash) return { fresh: true, stamped: true };

  const lock = readJson(LOCKFILE)?.packages;
  const hidden = readJson(path.join(NM, '.package-lock.json'))?.packages;
  if (!lock || !hidden) {
    return { fresh: false, reason: 'node_modules was not installed from the current package-lock.json' };
  }
  for (const [key, want] of Object.entries(lock)) {
    if (key === '') continue;
    const have = hidden[key];
    if (!have) {
      if (want.optional || want.devOptional) continue; // e.g. other platforms' binaries
      return { fresh: false, reason: `package-lock.json changed (${key} is not installed)` };
    }
    if (have.version !== want.version || have.resolved !== want.resolved || !!have.link !== !!want.link) {
      return { fresh: false, reason: `package-lock.json changed (${key} differs)` };
    }
    if (!key.includes('node_modules/')) continue;
    if (!fs.existsSync(path.join(ROOT, key))) {
      return { fresh: false, reason: `${key} is missing` };
    }
  }
  for (const key of Object.keys(hidden)) {
    if (!(key in lock)) return { fresh: false, reason: `package-lock.json changed (${key} was removed)` };
  }
  return { fresh: true, stamped: false };
}

// Can mediasoup's postinstall download its prebuilt worker? HEAD the exact release asset it
// would fetch (GitHub answers 302 to a CDN when it exists), 3 s timeout.
function prebuiltReachable(version) {
  let name = `mediasoup-worker-${version}-${os.platform()}-${os.arch()}`;
  if (os.platform() === 'linux') name += `-kernel${Number(os.release().split('.')[0])}`;
  const base =
    process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ||
    'https://github.com/versatica/mediasoup/releases/download';
  const url = `${base}/${version}/${name}.tgz`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok, why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, why, url });
    };
    const timer = setTimeout(() => finish(false, 'no answer within 3 s'), 3000);
    const client = url.startsWith('http://') ? http : https;
    const req = client.request(url, { method: 'HEAD', timeout: 3000 }, (res) => {
      res.resume();
      const s = res.statusCode ?? 0;
      if (s >= 200 && s < 400) finish(true, `HTTP ${s}`);
      else if (s === 404) finish(false, `no prebuilt worker for this platform (HTTP 404 for ${name}.tgz)`);
      else finish(false, `HTTP ${s}`);
    });
    req.on('error', (e) => finish(false, e.code || e.message));
    req.on('close', () => finish(false, 'connection closed'));
    req.on('timeout', () => finish(false, 'no answer within 3 s'));
    req.end();
  });
}

function run(cmd, argv, opts = {}) {
  log(`running: ${[cmd, ...argv].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: 'inherit', ...opts });
    child.on('error', (e) => {
      console.error(`[provision] cannot run ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function envWithWorker(bin) {
  const env = { ...process.env };
  if (bin) env.MEDIASOUP_WORKER_BIN = bin;
  else delete env.MEDIASOUP_WORKER_BIN;
  return env;
}

async function npmInstall(bin) {
  const hasLock = fs.existsSync(LOCKFILE);
  const argv = hasLock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  // Without our binary, mediasoup's postinstall downloads (or builds) one: show its output.
  if (!bin) argv.push('--foreground-scripts');
  if (bin) log(`mediasoup's postinstall will use MEDIASOUP_WORKER_BIN=${bin} and skip its download`);
  const code = await run(NPM, argv, { env: envWithWorker(bin) });
  if (code !== 0 && hasLock) {
    console.error(
      `[provision] npm ci failed (exit ${code}). If package.json was edited without updating ` +
        'package-lock.json, run `npm install` once and commit the new lockfile.'
    );
  }
  return code === 0;
}

// mediasoup's own postinstall: downloads the prebuilt worker (falls back to mediasoup's online
// source build). npm >= 11.x skips dependency install scripts that package.json's allowScripts
// does not list, so we run it ourselves when `npm ci` did not.
async function runMediasoupPostinstall() {
  log("running mediasoup's postinstall (prebuilt worker download) in node_modules/mediasoup");
  return run(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: MS_DIR, env: envWithWorker(undefined) });
}

async function buildWorkerOffline(version, out, why) {
  log(`building mediasoup-worker ${version} from source, offline: ${why}`);
  log(`this takes 5 (3.19) to 9 (3.27) minutes on 2 idle cores, much more on a busy machine; the binary is cached in ${out}`);
  const code = await run('bash', [BUILD_SCRIPT, version, out]);
  if (code !== 0) fail(`the offline mediasoup-worker build failed (exit ${code}); see the output above`);
  if (!workerRuns(out)) fail(`the built worker ${out} does not start: ${whyWorkerFails(out)}`);
}

// --- lock: two provisions of the same checkout must not run `npm ci` at the same time ---------
const LOCK_DIR = path.join(
  os.tmpdir(),
  `peer-circle-provision-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`
);
function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}
let lockHeld = false;
function releaseLock() {
  if (!lockHeld) return;
  lockHeld = false;
  fs.rmSync(LOCK_DIR, { recursive: true, force: true });
}
process.on('exit', releaseLock);
async function acquireLock() {
  if (lockHeld) return;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      lockHeld = true;
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let pid = 0;
    try {
      pid = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8')) || 0;
    } catch {
      /* being created or removed */
    }
    const age = Date.now() - (fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if ((pid && !pidAlive(pid)) || (!pid && age > 10_000)) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`another provision (pid ${pid || '?'}) is running for this checkout; waiting for it...`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
// While provisioning, a signal ends it (the exit handler releases the lock); while COMMAND runs,
// runCommand forwards signals to it instead.
let forwardSignal = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => (forwardSignal ? forwardSignal(sig) : process.exit(130)));
}

// --- client build --------------------------------------------------------------------------
function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(p, e.name)));
  }
  return newest;
}

async function provisionClient() {
  const clientDir = path.join(ROOT, 'client');
  if (!fs.existsSync(path.join(clientDir, 'index.html'))) {
    log('client/index.html does not exist yet: skipping the client build');
    return;
  }
  const distIndex = path.join(clientDir, 'dist', 'index.html');
  const inputs = [
    'client/src',
    'client/index.html',
    'client/vite.config.ts',
    'client/svelte.config.js',
    'client/package.json',
    'client/tsconfig.json',
    'client/public',
    'shared/src',
  ].map((p) => path.join(ROOT, p));
  const newestInput = Math.max(...inputs.map(newestMtime));
  let built = 0;
  try {
    built = fs.statSync(distIndex).mtimeMs;
  } catch {
    /* missing */
  }
  if (built && built >= newestInput) return;
  await acquireLock();
  try {
    if (fs.statSync(distIndex).mtimeMs >= newestInput) return; // built by a concurrent provision
  } catch {
    /* still missing */
  }
  log(built ? 'client sources changed since the last build: building the client' : 'client/dist is missing: building the client');
  const code = await run(NPM, ['run', 'build', '-w', 'client']);
  if (code !== 0) fail(`the client build failed (exit ${code})`);
  if (!fs.existsSync(distIndex)) fail('the client build did not produce client/dist/index.html');
  const now = new Date();
  fs.utimesSync(distIndex, now, now);
  log('client built into client/dist');
}

// --- main ----------------------------------------------------------------------------------
async function main() {
  const t0 = Date.now();
  const version = mediasoupVersion();
  const cachedBin = path.join(cacheDir(), `mediasoup-worker-${version}`);
  if (!fs.existsSync(LOCKFILE)) log('package-lock.json is missing: `npm install` will create it');
  const lockHash = fs.existsSync(LOCKFILE) ? sha256(LOCKFILE) : 'none';

  let envBin = process.env.MEDIASOUP_WORKER_BIN;
  if (envBin) {
    envBin = path.resolve(envBin);
    if (!fs.existsSync(envBin)) {
      log(`WARNING: MEDIASOUP_WORKER_BIN=${envBin} does not exist: ignoring it here (but mediasoup ` +
        'reads it at run time too: unset it or fix it)');
      envBin = undefined;
    } else if (!workerRuns(envBin)) {
      fail(`MEDIASOUP_WORKER_BIN=${envBin} does not start: ${whyWorkerFails(envBin)}`);
    }
  }

  const isDone = () => {
    const s = nodeModulesState(lockHash, version);
    const workerOk = s.fresh && workerRuns(INSTALLED_BIN) && (!envBin || sameFile(envBin, INSTALLED_BIN));
    return { s, workerOk };
  };

  const finishedAlready = async ({ s, workerOk }) => {
    if (!(s.fresh && workerOk)) return false;
    if (!s.stamped) writeStamp(lockHash, version, 'installed');
    if (WANT_CLIENT) await provisionClient();
    return true;
  };
  if (await finishedAlready(isDone())) return;
  await acquireLock();
  const again = isDone(); // another provision may have done the work meanwhile
  if (await finishedAlready(again)) return;
  const { s: state, workerOk } = again;
  if (!state.fresh) {
    log(`installing dependencies: ${state.reason}`);
    // `npm ci` deletes node_modules: keep a working worker of the right version in the cache.
    if (
      !envBin &&
      !fs.existsSync(cachedBin) &&
      readJson(path.join(MS_DIR, 'package.json'))?.version === version &&
      workerRuns(INSTALLED_BIN)
    ) {
      try {
        copyExecutable(INSTALLED_BIN, cachedBin);
        log(`mediasoup worker: saved the installed binary to ${cachedBin} before npm ci`);
      } catch (e) {
        log(`WARNING: could not save the worker to ${cachedBin}: ${e.message}`);
      }
    }
  } else if (!workerOk) {
    log(`mediasoup worker: ${rel(INSTALLED_BIN)} ${envBin ? 'differs from MEDIASOUP_WORKER_BIN' : `is not usable (${whyWorkerFails(INSTALLED_BIN)})`}`);
  }

  // Where does the worker binary come from?
  let source; // { kind: 'env' | 'installed' | 'cache' | 'download', bin?: string }
  if (envBin) {
    source = { kind: 'env', bin: envBin };
    log(`mediasoup worker: using MEDIASOUP_WORKER_BIN=${envBin}`);
  } else if (workerOk) {
    source = { kind: 'installed' };
  } else if (workerRuns(cachedBin)) {
    source = { kind: 'cache', bin: cachedBin };
    log(`mediasoup worker: using the cached binary ${cachedBin}`);
  } else {
    log(`mediasoup worker ${version}: not installed and not cached; checking whether GitHub serves a prebuilt one...`);
    const probe = await prebuiltReachable(version);
    if (probe.ok) {
      source = { kind: 'download' };
      log(`mediasoup worker: ${probe.url} answers (${probe.why}); mediasoup's postinstall will download it`);
    } else {
      await buildWorkerOffline(version, cachedBin, `the prebuilt worker cannot be downloaded (${probe.url}: ${probe.why})`);
      source = { kind: 'cache', bin: cachedBin };
    }
  }

  if (!state.fresh) {
    let ok = await npmInstall(source.bin);
    if (ok && source.kind === 'download' && !workerRuns(INSTALLED_BIN)) {
      log('npm did not install the worker (its install scripts are not allowed, or the download failed)');
      await runMediasoupPostinstall();
    }
    if (source.kind === 'download' && (!ok || !workerRuns(INSTALLED_BIN))) {
      // Download failed after all (CDN blocked, GitHub hiccup...): fall back to the offline build.
      if (!ok) log('npm ci failed on the prebuilt-download route: retrying with an offline-built worker');
      if (!workerRuns(cachedBin)) {
        await buildWorkerOffline(version, cachedBin, 'the prebuilt worker download did not produce a working binary');
      }
      source = { kind: 'cache', bin: cachedBin };
      ok = await npmInstall(source.bin);
    }
    if (!ok) fail('installing dependencies failed; see the npm output above');
    const msPkg = readJson(path.join(MS_DIR, 'package.json'));
    if (msPkg?.version !== version) {
      fail(`after npm ci, node_modules/mediasoup is ${msPkg?.version ?? 'missing'} but server/package.json pins ${version} (package-lock.json out of date? run \`npm install\`)`);
    }
  } else if (source.kind === 'download' && !workerRuns(INSTALLED_BIN)) {
    // node_modules is fine but the worker is missing (e.g. installed with --ignore-scripts).
    const code = await runMediasoupPostinstall();
    if (code !== 0 || !workerRuns(INSTALLED_BIN)) {
      if (!workerRuns(cachedBin)) {
        await buildWorkerOffline(version, cachedBin, 'mediasoup\'s postinstall did not produce a working binary');
      }
      source = { kind: 'cache', bin: cachedBin };
    }
  }

  if (source.bin && !sameFile(source.bin, INSTALLED_BIN)) {
    copyExecutable(source.bin, INSTALLED_BIN);
    log(`mediasoup worker: copied ${source.bin} to ${rel(INSTALLED_BIN)}`);
  }
  if (!workerRuns(INSTALLED_BIN)) {
    fail(`${rel(INSTALLED_BIN)} does not start: ${whyWorkerFails(INSTALLED_BIN)}`);
  }
  // Keep a downloaded prebuilt worker: the next `npm ci` (lockfile change) then needs no network.
  if (source.kind === 'download' && !fs.existsSync(cachedBin)) {
    try {
      copyExecutable(INSTALLED_BIN, cachedBin);
      log(`mediasoup worker: saved the downloaded binary to ${cachedBin}`);
    } catch (e) {
      log(`WARNING: could not save the worker to ${cachedBin}: ${e.message}`);
    }
  }
  writeStamp(lockHash, version, source.kind);
  log(`mediasoup worker ${version} ready: ${rel(INSTALLED_BIN)} (${source.kind}); dependencies ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  if (WANT_CLIENT) await provisionClient();
}

function writeStamp(lockHash, version, workerSource) {
  try {
    fs.writeFileSync(
      STAMP,
      JSON.stringify({ lockHash, mediasoup: version, workerSource, at: new Date().toISOString() }, null, 2) + '\n'
    );
  } catch (e) {
    log(`WARNING: cannot write ${rel(STAMP)}: ${e.message}`);
  }
}

// --- test tools ------------------------------------------------------------------------------
function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((d) => {
    try {
      fs.accessSync(path.join(d, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * redis-server (integration and contract tests) and Chromium (browser tests, never a downloaded
 * browser: tests/helpers/browser.ts uses $CHROMIUM_PATH or /usr/bin/chromium). Installed like the
 * worker's build dependencies: apt-get as root on Debian/Ubuntu; otherwise stop with the command.
 */
function provisionTestTools() {
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const missing = [];
  if (!onPath('redis-server')) missing.push('redis-server');
  if (!fs.existsSync(chromium)) {
    if (process.env.CHROMIUM_PATH) fail(`CHROMIUM_PATH=${chromium} does not exist`);
    missing.push('chromium');
  }
  if (missing.length === 0) return;
  const debian = fs.existsSync('/etc/debian_version') && onPath('apt-get');
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!debian) {
    fail(`the tests need ${missing.join(' and ')}, which are not installed. Install them with your system's ` +
      'package manager (Chromium at /usr/bin/chromium, or set CHROMIUM_PATH to its binary) and run `npm test` again');
  }
  if (process.getuid?.() !== 0) {
    fail(`the tests need ${missing.join(' and ')}, which are not installed. Run:\n  sudo apt-get update && sudo ${cmd}\nthen \`npm test\` again`);
  }
  log(`the tests need ${missing.join(' and ')}: installing them with apt-get (about a minute)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another provision (a second clone) may be using apt: wait for its lock instead of failing.
  const wait = ['-o', 'DPkg::Lock::Timeout=300'];
  for (const a of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', [...wait, ...a], { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) fail(`\`apt-get ${a.join(' ')}\` failed (exit ${r.status ?? r.signal}); run \`${cmd}\` by hand`);
  }
  if (!onPath('redis-server') || !fs.existsSync(chromium)) fail(`apt-get ran but ${missing.join(' and ')} still cannot be found`);
  log(`installed ${missing.join(' and ')}`);
}

// --- the command after `--` ---------------------------------------------------------------------
async function runCommand() {
  releaseLock(); // `npm start` runs for hours: another provision of this checkout must not wait on it
  const [cmd, ...rest] = COMMAND;
  const child = spawn(cmd, rest, { cwd: process.cwd(), stdio: 'inherit' });
  forwardSignal = (sig) => {
    if (child.exitCode === null) child.kill(sig);
  };
  const code = await new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`[provision] cannot run ${cmd}: ${e.message}`);
      printFailedTotals();
      resolve(127);
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1)));
  });
  process.exit(code);
}

async function provisionAll() {
  await ensureNodeRuntime('provision', { onStop: printFailedTotals });
  if (WANT_TEST) provisionTestTools();
  await main();
  if (COMMAND.length) await runCommand();
}

provisionAll().catch((e) => fail(e?.stack || String(e)));
