/**
 * A progress bar on stderr: redrawn in place on a terminal, a line every 10 % otherwise (logs, CI).
 * Silent when `MEATUS_QUIET` is set.
 */
export class ProgressBar {
  #done = 0;
  #lastPct = -1;
  readonly #start = performance.now();
  readonly #tty = Boolean(process.stderr.isTTY);
  readonly #quiet = Boolean(process.env.MEATUS_QUIET);

  constructor(
    readonly total: number,
    readonly label: string,
  ) {}

  /** Advances by `n` and shows `info` (e.g. "loss 0.31 lr 0.0098"). */
  tick(n = 1, info = ''): void {
    this.#done = Math.min(this.total, this.#done + n);
    if (this.#quiet) return;
    const frac = this.total > 0 ? this.#done / this.total : 1;
    const pct = Math.floor(frac * 100);
    const secs = (performance.now() - this.#start) / 1000;
    const eta = frac > 0 ? secs / frac - secs : 0;
    const text = `${this.label} ${this.#done}/${this.total} ${info} ${secs.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left`;
    if (this.#tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (this.#done === this.total) process.stderr.write('\n');
    } else if (pct >= this.#lastPct + 10 || this.#done === this.total) {
      this.#lastPct = pct - (pct % 10);
      process.stderr.write(`${text}\n`);
    }
  }
}
