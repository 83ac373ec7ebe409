// safetensors: round trips of every dtype, a file written by Python (make_fixtures.py), meatus's
// bytes checked by the same script, and malformed inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch, type DType, type Tensor } from '../../src/torch/index.js';
import { FIXTURE_DIR, fixtures } from '../fixtures/torch/fixtures.js';

const start = torch.liveTensors();
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after safetensors tests'));

const DTYPES = Object.keys(fixtures.safetensors.expected) as DType[];

function disposeAll(ts: Record<string, Tensor>): void {
  for (const t of Object.values(ts)) t.dispose();
}

/** The tensors the Python checker expects: t_<dtype> = [2, 3] of the fixture values. */
function sample(): Record<string, Tensor> {
  return torch.scope(() =>
    Object.fromEntries(
      DTYPES.map((d) => [`t_${d}`, torch.tensor(fixtures.safetensors.expected[d], { dtype: 'float64', shape: [2, 3] }).to(d)]),
    ),
  );
}

test('every dtype round-trips through encode/decode, with metadata', () => {
  torch.scope(() => {
    const ts = { ...sample(), scalar: torch.scalarTensor(2.5), empty: torch.zeros([0, 3], { dtype: 'int32' }) };
    const bytes = torch.encodeSafetensors(ts, { a: 'b' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0, 'data aligned to 8 bytes');
    const { tensors, metadata } = torch.decodeSafetensors(bytes);
    assert.deepEqual(metadata, { a: 'b' });
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(ts).sort());
    for (const [k, t] of Object.entries(ts)) {
      assert.equal(tensors[k].dtype, t.dtype, k);
      assert.deepEqual(tensors[k].shape, t.shape, k);
      assert.ok(tensors[k].equal(t), k);
    }
  });
});

test('save/load a file (atomic write) and read the file written by Python', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meatus-st-'));
  try {
    const path = join(dir, 'w.safetensors');
    const ts = sample();
    await torch.saveSafetensors(path, ts, { source: 'meatus' });
    const loaded = await torch.loadSafetensors(path);
    for (const k of Object.keys(ts)) assert.ok(loaded.tensors[k].equal(ts[k]), k);
    disposeAll(loaded.tensors);
    // The Python side reads meatus's bytes (struct + json only: cheap), where Debian's Python is.
    if (existsSync('/usr/bin/python3')) {
      const r = spawnSync('/usr/bin/python3', [join(FIXTURE_DIR, 'make_fixtures.py'), '--check', path], { encoding: 'utf8' });
      assert.equal(r.stdout.trim(), 'ok', r.stderr);
    }
    disposeAll(ts);

    const py = await torch.loadSafetensors(join(FIXTURE_DIR, 'python.safetensors'));
    assert.deepEqual(py.metadata, { format: 'pt', writer: 'make_fixtures.py' });
    for (const d of DTYPES) {
      const t = py.tensors[`py_${d}`];
      assert.equal(t.dtype, d);
      assert.deepEqual(t.shape, [2, 3]);
      assert.deepEqual(t.toArray(), fixtures.safetensors.expected[d], d);
    }
    assert.deepEqual(py.tensors.py_scalar.shape, []);
    assert.equal(py.tensors.py_scalar.item(), 2.5);
    assert.deepEqual(py.tensors.py_empty.shape, [0, 4]);
    disposeAll(py.tensors);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A file with a given header (and `data` bytes). */
function file(header: string, data = new Uint8Array(0), declared?: number): Uint8Array {
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

const MALFORMED: [string, Uint8Array, RegExp][] = [
  ['truncated', new Uint8Array(5), /bad\.st: not a valid safetensors file: 5 bytes, expected at least 8/],
  ['header beyond the file', file('{}', new Uint8Array(0), 100), /bad\.st: .*header length 100 exceeds the file \(10 bytes\)/],
  ['bad JSON', file('{"a": '), /bad\.st: .*header is not JSON/],
  ['not an object', file('[1, 2]'), /bad\.st: .*header is not a JSON object/],
  ['unknown dtype', file('{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), /bad\.st: .*tensor 'w': dtype 'F8' is not one of/],
  ['bad shape', file('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Uint8Array(4)), /bad\.st: .*tensor 'w': bad shape/],
  ['offsets outside', file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(4)), /bad\.st: .*tensor 'w': data_offsets \[0,8\] outside the data \(4 bytes\)/],
  ['offsets vs shape', file('{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}', new Uint8Array(16)), /bad\.st: .*tensor 'w': 12 bytes for shape \[2,2\] of float32, expected 16/],
  ['second tensor bad', file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,2]}}', new Uint8Array(2)), /tensor 'b': 1 bytes for shape \[2\]/],
];

test('malformed files give errors naming the file and the problem (and leak nothing)', async () => {
  const before = torch.liveTensors();
  for (const [what, bytes, message] of MALFORMED) assert.throws(() => torch.decodeSafetensors(bytes, 'bad.st'), { message }, what);
  assert.equal(torch.liveTensors(), before);
  const dir = mkdtempSync(join(tmpdir(), 'meatus-st-'));
  try {
    const path = join(dir, 'trunc.safetensors');
    writeFileSync(path, MALFORMED[0][1]);
    await assert.rejects(torch.loadSafetensors(path), { message: new RegExp(`${path}: not a valid safetensors file`) });
    await assert.rejects(torch.loadSafetensors(join(dir, 'missing.safetensors')), /cannot read .*missing\.safetensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
