/**
 * Sharding a list of cases across N independent tasks (cluster array jobs), as nnU-Net's
 * `-part_id K -num_parts N` does in `nnunetv2/inference/predict_from_raw_data.py`
 * (`list_of_lists[part_id::num_parts]`): the cases sorted by id, then dealt round-robin, so every
 * case is in exactly one part, the parts differ in size by at most one, and the same inputs give
 * the same parts on every machine whatever order the inputs were listed in.
 */

/** A part `k` of `n` (0 ≤ k < n), 0-based like nnU-Net's `part_id`, Slurm's `SLURM_ARRAY_TASK_ID` from 0 and Kubernetes' `JOB_COMPLETION_INDEX`. */
export interface Part {
  k: number;
  n: number;
}

/**
 * Parses `K/N` (e.g. `0/4`: the first of four parts).
 * @throws Error naming the flag unless K and N are integers with 0 ≤ K < N.
 * @example parsePart('2/8') // { k: 2, n: 8 }
 */
export function parsePart(s: string, flag = '--part'): Part {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 1 || !(k < n)) {
    throw new Error(`${flag}: expected K/N with integers 0 ≤ K < N (part K of N, counted from 0), got '${s}'`);
  }
  return { k, n };
}

/**
 * The items of part `k` of `n`: sorted by `key` (code-unit order), then every n-th from the k-th.
 * @throws Error if two items have the same key (a case would be segmented twice).
 * @example partOf(['c', 'a', 'b', 'd'], { k: 1, n: 2 }, (s) => s) // ['b', 'd']
 */
export function partOf<T>(items: readonly T[], part: Part, key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, id: key(item) }));
  keyed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i].id === keyed[i - 1].id) throw new Error(`case '${keyed[i].id}' is given twice; expected unique case ids`);
  }
  return keyed.filter((_, i) => i % part.n === part.k).map((e) => e.item);
}
