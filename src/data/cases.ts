/**
 * Patient and timepoint identity from case names.
 *
 * A case name (e.g. `VS_p012_t01`, the phantom's names) is matched against a regular expression
 * with the named groups `patient` (required) and `timepoint` (optional). The default pattern
 * {@link DEFAULT_CASE_PATTERN} reads `<patient>_t<digits>`: `VS_p012_t01` → patient `VS_p012`,
 * timepoint 1. A name that does not match is its own patient with no timepoint, so datasets with
 * one scan per patient (e.g. crossMoDA's `crossmoda2023_etz_105`) need no pattern at all.
 */

/** The default pattern: `<patient>_t<timepoint digits>` (also `-t`, `_tp`, `_T`). */
export const DEFAULT_CASE_PATTERN = /^(?<patient>.+?)[_-](?:t|tp|T|TP)(?<timepoint>\d+)$/;

/** One case's identity. */
export interface CaseIdentity {
  /** The case name as given. */
  name: string;
  /** The patient it belongs to. */
  patient: string;
  /** The timepoint number, if the name has one. */
  timepoint?: number;
}

/**
 * Compiles a case pattern given as a RegExp or a string (`--pattern` on the CLI).
 * @throws Error if the string is not a valid regular expression or has no `patient` group.
 */
export function casePattern(pattern: RegExp | string = DEFAULT_CASE_PATTERN): RegExp {
  let re: RegExp;
  if (typeof pattern === 'string') {
    try {
      re = new RegExp(pattern);
    } catch (e) {
      throw new Error(`case pattern: ${JSON.stringify(pattern)} is not a valid regular expression (${(e as Error).message})`);
    }
  } else {
    re = pattern;
  }
  if (!re.source.includes('(?<patient>')) {
    // As given: a string as typed (an empty one too, which RegExp would show as `(?:)`).
    const given = typeof pattern === 'string' ? JSON.stringify(pattern) : re.source;
    throw new Error(`case pattern: ${given} has no named group 'patient'; expected e.g. ${DEFAULT_CASE_PATTERN.source}`);
  }
  return re;
}

/**
 * The identity of one case name.
 * @example caseIdentity('VS_p012_t01') // { name: 'VS_p012_t01', patient: 'VS_p012', timepoint: 1 }
 */
export function caseIdentity(name: string, pattern: RegExp | string = DEFAULT_CASE_PATTERN): CaseIdentity {
  const m = casePattern(pattern).exec(name);
  const patient = m?.groups?.patient;
  if (!m || !patient) return { name, patient: name };
  const tp = m.groups?.timepoint;
  return tp !== undefined && /^\d+$/.test(tp) ? { name, patient, timepoint: Number(tp) } : { name, patient };
}

/**
 * Case names grouped by patient, patients in first-seen order, each patient's cases sorted by
 * timepoint (then name).
 */
export function groupByPatient(names: readonly string[], pattern: RegExp | string = DEFAULT_CASE_PATTERN): Map<string, CaseIdentity[]> {
  const re = casePattern(pattern);
  const groups = new Map<string, CaseIdentity[]>();
  for (const name of names) {
    const id = caseIdentity(name, re);
    const list = groups.get(id.patient) ?? [];
    list.push(id);
    groups.set(id.patient, list);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => (a.timepoint ?? -1) - (b.timepoint ?? -1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return groups;
}
