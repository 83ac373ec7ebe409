/**
 * The training curves of a run: losses and pseudo-Dice per epoch, as `progress.svg` and
 * `progress.png` in the run folder (like nnU-Net's progress.png).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { lineChart, svgToPng } from '../util/svg.js';
import type { EpochRecord } from './trainer.js';
import type { Task } from '../preprocess/types.js';

/** The foreground classes of a task, in the order of its pseudo-Dice values. */
export const CLASS_NAMES: Record<Task, string[]> = {
  wholeTumour: ['tumour'],
  split: ['extrameatal', 'intrameatal'],
  baseline: ['extrameatal', 'intrameatal'],
};

/** The SVG of the curves. */
export function curvesSvg(log: EpochRecord[], task: Task): string {
  const x = log.map((r) => r.epoch + 1);
  const series = [
    { name: 'train loss', x, y: log.map((r) => r.trainLoss) },
    { name: 'validation loss', x, y: log.map((r) => r.valLoss) },
    ...CLASS_NAMES[task].map((name, k) => ({ name: `pseudo-Dice ${name}`, x, y: log.map((r) => r.pseudoDice[k] ?? NaN), axis: 'right' as const })),
    { name: 'pseudo-Dice EMA', x, y: log.map((r) => r.emaPseudoDice), axis: 'right' as const },
  ];
  if (log.some((r) => r.trainBdl !== null)) series.push({ name: 'train BDL', x, y: log.map((r) => r.trainBdl ?? NaN) });
  return lineChart({ title: `Training (${task})`, xLabel: 'epoch', yLabel: 'loss', y2Label: 'pseudo-Dice', series });
}

/** Writes `progress.svg` and `progress.png` into `dir` (atomically). */
export async function writeCurves(dir: string, log: EpochRecord[], task: Task): Promise<void> {
  const svg = curvesSvg(log, task);
  await writeFileAtomic(join(dir, 'progress.svg'), svg);
  await writeFileAtomic(join(dir, 'progress.png'), svgToPng(svg));
}
