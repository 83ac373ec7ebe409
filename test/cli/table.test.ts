// The command-line contract, command by command (issue #15): --help exits 0; an unknown option
// exits 2 with the usage; every numeric option refuses 0 / negative / non-numeric values where
// they are invalid, before anything is written; an output path under a regular file fails at
// once, naming that file. A new command must be added to these tables (the first test says so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_NAMES } from '../../src/cli/main.js';
import { cli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-table-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
/** An existing folder standing in for a dataset, predictions, references (never read: options fail first). */
const data = join(root, 'data');
mkdirSync(data);
/** A regular file, under which no output can go. */
const file = join(root, 'a-file');
writeFileSync(file, 'x');
/** Where outputs would go: must stay empty. */
const outs = join(root, 'outs');
mkdirSync(outs);
const o = (name: string) => join(outs, name);

/** Every command and subcommand, as typed. */
const COMMANDS = [
  ['engine-demo'], ['doctor'], ['phantom'], ['dataset'], ['dataset', 'check'], ['dataset', 'split'], ['dataset', 'convert'],
  ['dataset', 'import-dicom'], ['plan'], ['preprocess'], ['train'], ['segment'], ['evaluate'], ['compare'], ['growth'], ['export'],
  ['experiment'], ['experiment', 'run'], ['experiment', 'status'],
];

test('the tables cover every command', () => {
  assert.deepEqual([...new Set(COMMANDS.map((c) => c[0]))].sort(), [...COMMAND_NAMES].sort());
});

test('meatus --help, --version, no command, an unknown command', async () => {
  assert.equal((await cli('--help')).code, 0);
  const v = await cli('--version');
  assert.equal(v.code, 0);
  assert.match(v.out, /^meatus \d+\.\d+\.\d+/);
  const none = await cli();
  assert.equal(none.code, 2);
  assert.match(none.err, /usage: meatus <command>/);
  assert.equal((await cli('frobnicate')).code, 2);
});

for (const c of COMMANDS) {
  test(`meatus ${c.join(' ')} --help exits 0 with the usage; an unknown option exits 2 with the usage`, async () => {
    const h = await cli(...c, '--help');
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, /usage:/);
    if (c[0] === 'dataset' || (c[0] === 'experiment' && c.length === 1)) return; // no options without a subcommand
    const u = await cli(...c, '--no-such-option');
    assert.equal(u.code, 2);
    assert.match(u.err, /Unknown option '--no-such-option'/);
    assert.match(u.err, /usage:/);
  });
}

test('dataset and experiment without a subcommand print the usage and exit 2; an unknown subcommand too', async () => {
  for (const c of ['dataset', 'experiment']) {
    assert.equal((await cli(c)).code, 2);
    const r = await cli(c, 'frob');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown subcommand 'frob'/);
  }
});

/** [command line without the option, option, values it refuses]. */
const NUMERIC: [string[], string, string[]][] = [
  [['engine-demo'], 'steps', ['0', '-1', 'abc', '1.5']],
  [['engine-demo'], 'size', ['0', '-8', 'x', '4']],
  [['engine-demo'], 'seed', ['-1', 'abc', '0.5']],
  [['phantom', '--cases', '4', '--out', o('ph')], 'cases', ['0', '-1', 'abc', '2.5', '1e9']],
  [['phantom', '--cases', '4', '--out', o('ph')], 'patients', ['0', '-2', 'abc', '9']],
  [['phantom', '--cases', '4', '--out', o('ph')], 'seed', ['-1', 'abc', '1.5']],
  [['phantom', '--cases', '4', '--out', o('ph')], 'jobs', ['0', '-1', 'abc']],
  [['phantom', '--cases', '4', '--out', o('ph')], 'preview-cases', ['0', '-1', 'x']],
  [['dataset', 'check', data], 'tolerance', ['-1', 'abc']],
  [['dataset', 'split', data, '--out', o('split.json')], 'seed', ['-1', 'abc', '2.5']],
  [['dataset', 'split', data, '--out', o('split.json')], 'proportions', ['0,0,0', '1,-1,1', 'a,b,c', '1,2']],
  [['plan', '--dataset', data, '--out', o('plan.json')], 'budget-mb', ['0', '-5', 'abc']],
  [['plan', '--dataset', data, '--out', o('plan.json')], 'batch-size', ['0', '-1', '1.5']],
  [['plan', '--dataset', data, '--out', o('plan.json')], 'base-features', ['0', '-1', 'x']],
  [['plan', '--dataset', data, '--out', o('plan.json')], 'max-features', ['0', '-1', 'x']],
  [['plan', '--dataset', data, '--out', o('plan.json')], 'seed', ['-1', 'x']],
  [['plan', '--dataset', data, '--out', o('plan.json')], 'spacing', ['0,1,1', '1,-1,1', '1,1', 'a,b,c']],
  [['preprocess', '--dataset', data, '--plan', file, '--out', o('pre')], 'jobs', ['0', '-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'epochs', ['0', '-1', 'abc', '1.5']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'iterations', ['0', '-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'val-iterations', ['0', '-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'lr', ['0', '-0.01', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'tau', ['0', '-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'gamma', ['-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'budget-mb', ['0', '-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'seed', ['-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'jobs', ['-1', 'abc', '1.5']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'nproc-per-node', ['0', '-1', 'abc']],
  [['train', '--dataset', data, '--task', 'split', '--out', o('run')], 'dist-timeout', ['0', '-1', 'abc']],
  [['segment', '--demo', '--out', o('seg')], 'seed', ['-1', 'abc']],
  [['segment', '--demo', '--out', o('seg')], 'margin-mm', ['-1', 'abc', '201']],
  [['evaluate', '--pred', data, '--ref', data, '--out', o('ev')], 'penalty', ['-1', 'abc']],
  [['evaluate', '--pred', data, '--ref', data, '--out', o('ev')], 'jobs', ['0', '-1', 'abc']],
  [['compare', '--method', `a=${data}`, '--out', o('cmp')], 'panels', ['0', '-1', 'abc']],
  [['growth', data, '--out', o('gr')], 'linear-mm', ['0', '-1', 'abc']],
  [['growth', data, '--out', o('gr')], 'volume-pct', ['0', '-1', 'abc']],
  [['growth', data, '--out', o('gr')], 'watch-pct', ['0', '-1', 'abc']],
];

for (const [base, opt, bad] of NUMERIC) {
  test(`meatus ${base[0]}${base[1] && !base[1].startsWith('-') && !base[1].startsWith('/') ? ` ${base[1]}` : ''} --${opt} refuses ${bad.join(', ')} before writing anything (exit 2)`, async () => {
    for (const v of bad) {
      const r = await cli(...base, `--${opt}`, v);
      assert.equal(r.code, 2, `--${opt} ${v}: ${r.err}`);
      assert.match(r.err, new RegExp(`--${opt}`), `--${opt} ${v}: the message names the option`);
      assert.deepEqual(readdirSync(outs), [], `--${opt} ${v}: nothing written`);
    }
  });
}

test('conflicts and options that need others are refused before work', async () => {
  const cases: [string[], RegExp][] = [
    [['segment', 'x.nii.gz', '--stage1', file, '--stage2', file, '--baseline', file, '--out', o('s')], /--baseline and --stage1 cannot be given together/],
    [['segment', 'x.nii.gz', '--models', data, '--baseline', file, '--out', o('s')], /--baseline and --models cannot be given together/],
    [['segment', 'x.nii.gz', '--stage1', file, '--out', o('s')], /--stage1 and --stage2 go together/],
    [['segment', 'x.nii.gz', '--localiser', file, '--out', o('s')], /--localiser goes with --stage1 and --stage2/],
    [['segment', 'x.nii.gz', '--models', data, '--localiser', file, '--out', o('s')], /--localiser and --models cannot be given together/],
    [['segment', '--demo', '--no-localise', '--margin-mm', '5', '--out', o('s')], /--margin-mm: goes with the localiser/],
    [['segment', '--demo', 'x.nii.gz'], /not both/],
    [['segment', '--demo', '--device', 'tpu'], /--device: expected cpu or cuda, got 'tpu'/],
    [['train', '--dataset', data, '--task', 'wholeTumour', '--gamma', '0.5'], /--gamma 0.5: .*only --task split/],
    [['train', '--dataset', data, '--task', 'split', '--split', join(root, 'missing.json')], /--split: .*missing\.json/],
    [['train', '--dataset', data, '--task', 'split', '--workers', '2', '--jobs', '2'], /--workers and --jobs name the same option/],
    [['train', '--dataset', data, '--task', 'split', '--stage2-input', 'prediction'], /Unknown option '--stage2-input'/],
    [['engine-demo', '--device', 'tpu'], /--device: expected cpu or cuda, got 'tpu'/],
    [['dataset', 'check', join(root, 'nowhere')], /nowhere: the folder does not exist/],
    [['dataset', 'convert', data, '--out', o('c'), '--map', '1=2', '--preset', 'crossmoda2023'], /--map and --preset cannot be given together/],
  ];
  for (const [argv, msg] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, msg, argv.join(' '));
    assert.doesNotMatch(r.err, /pass \{|channels: 'allow'/, 'no library-only advice');
  }
  assert.deepEqual(readdirSync(outs), []);
});

test('a negative number is taken as an option value', async () => {
  const r = await cli('dataset', 'check', data, '--tolerance', '-1');
  assert.match(r.err, /--tolerance: expected a number ≥ 0, got '-1'/);
  assert.doesNotMatch(r.err, /ambiguous/);
});

/** Writers and how to point their output under a regular file. */
const UNDER_FILE: string[][] = [
  ['phantom', '--cases', '2', '--out', join(file, 'ph')],
  ['phantom', '--cases', '2', '--out', o('ph2'), '--preview', join(file, 'p.png')],
  ['dataset', 'split', data, '--out', join(file, 'split.json')],
  ['dataset', 'convert', data, '--out', join(file, 'conv')],
  ['plan', '--dataset', data, '--out', join(file, 'plan.json')],
  ['preprocess', '--dataset', data, '--plan', file, '--out', join(file, 'pre')],
  ['train', '--dataset', data, '--task', 'wholeTumour', '--out', join(file, 'run')],
  ['segment', '--demo', '--out', join(file, 'seg')],
  ['evaluate', '--pred', data, '--ref', data, '--out', join(file, 'ev')],
  ['compare', '--method', `a=${data}`, '--out', join(file, 'cmp')],
  ['growth', data, '--out', join(file, 'gr')],
  ['export', file, '--onnx', join(file, 'm.onnx')],
  ['dataset', 'import-dicom', data, '--out', join(file, 'dcm')],
  ['experiment', 'run', 'experiments/phantom-paper.json', '--out', join(file, 'exp')],
];

for (const argv of UNDER_FILE) {
  test(`meatus ${argv.slice(0, 2).join(' ')}: an output under a regular file fails at once, naming the file`, async () => {
    const t0 = performance.now();
    const r = await cli(...argv);
    assert.notEqual(r.code, 0);
    assert.match(r.err, new RegExp(`${file} is a file, not a folder`), r.err);
    assert.doesNotMatch(r.err, /\.tmp/);
    assert.ok(performance.now() - t0 < 5000, 'at once');
    assert.deepEqual(readdirSync(outs), []);
  });
}

test('an output under /proc fails at once instead of spinning', async () => {
  const r = await cli('phantom', '--cases', '2', '--out', '/proc/meatus-x');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /\/proc\/meatus-x: cannot write under \/proc or \/sys/);
});

test('existing output is refused without --overwrite', async () => {
  const plan = o('plan.json');
  writeFileSync(plan, '{}');
  try {
    const r = await cli('plan', '--dataset', data, '--out', plan);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /plan\.json: exists; give --overwrite to replace it/);
    const ph = o('phantoms');
    mkdirSync(ph);
    writeFileSync(join(ph, 'dataset.json'), '{}');
    assert.match((await cli('phantom', '--cases', '2', '--out', ph)).err, /already holds output \(dataset\.json\); give --overwrite/);
    const ev = o('ev');
    mkdirSync(ev);
    writeFileSync(join(ev, 'summary.json'), '{}');
    assert.match((await cli('evaluate', '--pred', data, '--ref', data, '--out', ev)).err, /already holds output \(summary\.json\)/);
  } finally {
    for (const f of readdirSync(outs)) rmSync(join(outs, f), { recursive: true, force: true });
  }
});
