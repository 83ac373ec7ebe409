// `meatus segment` over a folder: --part K/N shares the cases between N tasks (each exactly once),
// a rerun skips cases whose outputs are complete, an interrupted case is redone, other settings
// are refused without --overwrite, and a non-finite input is refused before inference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { saveTinyBaseline, writeTinyScans } from '../infer/tiny-model.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine } from '../../src/volume/volume.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-segment-resume-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

async function quiet(argv: string[]): Promise<{ code: number; err: string }> {
  const [log, error] = [console.log, console.error];
  let err = '';
  console.log = () => {};
  console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
  try {
    return { code: await main(argv), err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

const mtimes = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]));

test('segment --part K/N and the resume-skip', async () => {
  const model = join(root, 'tiny.safetensors');
  await saveTinyBaseline(model);
  const scans = join(root, 'scans');
  const ids = ['c4', 'c0', 'c3', 'c1', 'c2'];
  await writeTinyScans(scans, ids);
  const out = join(root, 'out');
  const seg = (...extra: string[]) => quiet(['segment', scans, '--baseline', model, '--out', out, '--no-report', ...extra]);

  // Two parts: 0/2 takes c0, c2, c4 (sorted, round-robin), 1/2 takes c1, c3.
  const p0 = await seg('--part', '0/2');
  assert.equal(p0.code, 0, p0.err);
  assert.match(p0.err, /part 0\/2: 3 cases; 0 already complete .* 3 to segment/);
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.nii.gz')).sort(), ['c0.nii.gz', 'c2.nii.gz', 'c4.nii.gz']);
  const p1 = await seg('--part', '1/2');
  assert.equal(p1.code, 0, p1.err);
  assert.match(p1.err, /part 1\/2: 2 cases; 0 already complete .* 2 to segment/);
  const files = readdirSync(out).sort();
  assert.deepEqual(files, ids.flatMap((id) => [`${id}.nii.gz`, `${id}_measurements.json`]).sort(), 'every case exactly once, no stray file');

  // A rerun of the whole folder does nothing and touches nothing.
  const before = mtimes(out);
  const again = await seg();
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /5 cases; 5 already complete .* 0 to segment/);
  assert.deepEqual(mtimes(out), before);

  // An interrupted case (label written, record not yet) and a damaged one are redone; the rest skipped.
  unlinkSync(join(out, 'c1_measurements.json'));
  const label3 = join(out, 'c3.nii.gz');
  const bytes = readFileSync(label3);
  bytes[bytes.length - 8] ^= 1; // its CRC-32: same size, corrupt content
  writeFileSync(label3, bytes);
  const record0 = readFileSync(join(out, 'c0_measurements.json'), 'utf8');
  const resumed = await seg();
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /5 cases; 3 already complete .* 2 to segment/);
  assert.equal(readFileSync(join(out, 'c0_measurements.json'), 'utf8'), record0);
  const rec1 = JSON.parse(readFileSync(join(out, 'c1_measurements.json'), 'utf8'));
  assert.equal(rec1.id, 'c1');
  assert.deepEqual(rec1.outputs, { 'c1.nii.gz': statSync(join(out, 'c1.nii.gz')).size });

  // Other settings: refused without --overwrite, naming the case and the setting; then redone with it.
  const mirrored = await seg('--mirror');
  assert.equal(mirrored.code, 1);
  assert.match(mirrored.err, /out\/c0: outputs exist, made with other settings \(mirror was false, now true\); pass --overwrite/);
  // The other engine gives equal labels within float rounding, not bit for bit: also a setting.
  const engine = await seg('--engine', 'libtorch');
  assert.equal(engine.code, 1);
  assert.match(engine.err, /out\/c0: outputs exist, made with other settings \(engine was "onnxruntime", now "libtorch"\); pass --overwrite/);
  // A setting that adds an output is refused too, not taken for an interrupted case and redone.
  const probs = await seg('--probabilities');
  assert.equal(probs.code, 1);
  assert.match(probs.err, /out\/c0: outputs exist, made with other settings \(probabilities was false, now true\); pass --overwrite/);
  const over = await seg('--overwrite', '--part', '1/2');
  assert.equal(over.code, 0, over.err);
  assert.match(over.err, /part 1\/2: 2 cases; 0 already complete .* 2 to segment/);

  // With reports: the default palette given or not is the same setting; another palette is refused.
  const withReport = (...extra: string[]) => quiet(['segment', join(scans, 'c0_0000.nii.gz'), '--baseline', model, '--out', join(root, 'out-report'), '--no-viewer', ...extra]);
  const first = await withReport();
  assert.equal(first.code, 0, first.err);
  const same = await withReport('--palette', 'default');
  assert.equal(same.code, 0, same.err);
  assert.match(same.err, /1 case; 1 already complete .* 0 to segment/);
  const other = await withReport('--palette', 'colour-blind');
  assert.equal(other.code, 1);
  assert.match(other.err, /made with other settings \(palette was "default", now "colour-blind"\)/);

  // Bad --part values are refused before any work.
  assert.match((await seg('--part', '2/2')).err, /--part: expected K\/N with integers 0 ≤ K < N/);
});

test('segment refuses an input with non-finite voxels before inference, naming the file', async () => {
  const model = join(root, 'tiny2.safetensors');
  await saveTinyBaseline(model);
  const bad = join(root, 'nan_0000.nii.gz');
  const data = new Float32Array(12 * 20 * 20).fill(5);
  data[17] = Infinity;
  await writeNifti(bad, { data, shape: [12, 20, 20], spacing: [1, 1, 1], affine: diagonalAffine([1, 1, 1]) });
  const r = await quiet(['segment', bad, '--baseline', model, '--out', join(root, 'out-nan'), '--no-report']);
  assert.equal(r.code, 1);
  assert.match(r.err, /nan_0000\.nii\.gz: has 1 non-finite voxel of 4800 \(first: \[z, y, x\] = \[0, 0, 17\], Infinity\); expected finite intensities/);
  assert.equal(existsSync(join(root, 'out-nan')), false, 'nothing written');
});
