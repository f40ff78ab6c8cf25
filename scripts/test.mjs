#!/usr/bin/env node
// Runs the whole test suite and prints, as its very last line, `N passed, M failed`.
//
//   node scripts/test.mjs [vitest args...]      e.g. node scripts/test.mjs tests/unit
//
// 0. On a node older than .node-version it runs itself again with Node <.node-version> (fetched
//    from the npm registry once, see scripts/node-runtime.mjs), saying so in one line.
// 0b. The time factor (scripts/time-factor.mjs) is decided once, printed, and passed to vitest.
// 1. typecheck: `tsc -p tsconfig.json --noEmit` and the client's svelte-check count as one check each;
//    skip it with PEER_CIRCLE_SKIP_TYPECHECK=1.
// 2. `vitest run` with the default reporter (shown) and the JSON reporter (counted).
//    Test files that fail without a failing test (import error, failing beforeAll...) count as one
//    failure each; a vitest run that fails without any recorded failure counts as one; a run in
//    which no test ran at all prints `0 passed, 1 failed`.
// The totals line is also written to $PEER_CIRCLE_TOTALS_FILE when set. Exit code 1 when anything
// failed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeRuntime } from './node-runtime.mjs';
import { timeFactor } from './time-factor.mjs';

await ensureNodeRuntime('test', {
  onStop: () => {
    const line = '0 passed, 1 failed';
    if (process.env.PEER_CIRCLE_TOTALS_FILE) fs.writeFileSync(process.env.PEER_CIRCLE_TOTALS_FILE, line + '\n');
    console.log(line);
  },
});

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitestArgs = process.argv.slice(2);

function bin(name) {
  const local = path.join(ROOT, 'node_modules', '.bin', name);
  return fs.existsSync(local) ? [local] : ['npx', '--no-install', name];
}

function run(cmdArgs) {
  const [cmd, ...args] = cmdArgs;
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.error) console.error(`[test] cannot run ${cmd}: ${r.error.message}`);
  return r.status ?? (r.signal ? 128 : 1);
}

let passed = 0;
let failed = 0;
const notes = [];

function finish() {
  for (const n of notes) console.log(`[test] ${n}`);
  const line = `${passed} passed, ${failed} failed`;
  if (process.env.PEER_CIRCLE_TOTALS_FILE) {
    try {
      fs.writeFileSync(process.env.PEER_CIRCLE_TOTALS_FILE, line + '\n');
    } catch (e) {
      console.log(`[test] cannot write PEER_CIRCLE_TOTALS_FILE: ${e.message}`);
    }
  }
  console.log(line);
  process.exit(failed > 0 ? 1 : 0);
}

// Ctrl-C reaches vitest too (same process group); still print the totals of what we know.
process.on('SIGINT', () => {
  failed += 1;
  notes.push('interrupted');
  finish();
});

// --- 0b. time factor -----------------------------------------------------------------------------
try {
  const { factor, why } = timeFactor();
  process.env.PEER_CIRCLE_TIME_FACTOR = String(factor);
  console.log(`[test] time limits x${factor} (${why}; PEER_CIRCLE_TIME_FACTOR sets it)`);
} catch (e) {
  failed += 1;
  notes.push(e.message);
  finish();
}

// --- 1. typecheck --------------------------------------------------------------------------------
if (process.env.PEER_CIRCLE_SKIP_TYPECHECK === '1') {
  console.log('[test] typecheck skipped (PEER_CIRCLE_SKIP_TYPECHECK=1)');
} else {
  console.log('[test] typecheck: tsc -p tsconfig.json --noEmit');
  const code = run([...bin('tsc'), '-p', 'tsconfig.json', '--noEmit']);
  if (code === 0) {
    passed += 1;
    console.log('[test] typecheck passed');
  } else {
    failed += 1;
    notes.push(`typecheck FAILED (tsc exit ${code}; errors above)`);
    console.log(`[test] typecheck FAILED (tsc exit ${code})`);
  }
}

// --- 1b. client typecheck (svelte-check) -------------------------------------------------------------
if (process.env.PEER_CIRCLE_SKIP_TYPECHECK !== '1') {
  console.log('[test] client check: svelte-check --fail-on-warnings');
  const ccode = run(['npm', 'run', '--silent', 'check', '-w', 'client']);
  if (ccode === 0) {
    passed += 1;
    console.log('[test] client check passed');
  } else {
    failed += 1;
    notes.push(`client check FAILED (svelte-check exit ${ccode}; errors above)`);
  }
}

// --- 2. vitest -------------------------------------------------------------------------------------
function vitestCommand() {
  const entry = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  return fs.existsSync(entry) ? [process.execPath, entry] : bin('vitest');
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-circle-test-'));
const jsonFile = path.join(tmpDir, 'vitest.json');
const code = run([
  ...vitestCommand(),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${jsonFile}`,
  ...vitestArgs,
]);

let report;
try {
  report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
} catch {
  report = undefined;
}
fs.rmSync(tmpDir, { recursive: true, force: true });

if (!report) {
  // No test files found, or vitest crashed before reporting: we cannot tell that anything ran.
  notes.push(`vitest wrote no JSON report (exit ${code}): counting the run as no tests ran`);
  passed = 0;
  failed = 1;
} else if ((report.numTotalTests ?? 0) === 0 && (report.testResults ?? []).length === 0) {
  // Nothing ran at all (no test files matched, or vitest gave up early).
  notes.push('no tests ran');
  passed = 0;
  failed = 1;
} else {
  passed += report.numPassedTests ?? 0;
  let vitestFailed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    const hasFailedTest = (file.assertionResults ?? []).some((a) => a.status === 'failed');
    if (file.status === 'failed' && !hasFailedTest) {
      vitestFailed += 1;
      notes.push(`FAILED ${path.relative(ROOT, file.name)}: ${file.message || 'failed outside of any test'}`);
    }
  }
  if ((report.numTotalTests ?? 0) === 0 && vitestFailed === 0) {
    notes.push('no tests ran');
    passed = 0;
    vitestFailed = 1;
  }
  if (code !== 0 && vitestFailed === 0) {
    vitestFailed = 1;
    notes.push(`vitest exited with code ${code} although no test failed (unhandled errors? see above)`);
  }
  failed += vitestFailed;
}
finish();
