/**
 * The quality section of the HTML report (`report.ts`): a red notice listing every warning of
 * {@link assessQuality}, then a table of all checks with warnings highlighted. Self-contained
 * HTML; every string is escaped.
 */
import { esc } from '../util/svg.js';
import type { QualitySection, QualityStatus } from './quality.js';

/** Display names of the checks, by id (an unknown id is shown as it is). */
const CHECK_NAMES: Record<string, string> = {
  'tumour-size': 'Tumour size',
  components: 'Separate regions (stage 1)',
  'border-distance': 'Distance to the edge of the scan',
  localisation: 'Localiser',
  spacing: 'Voxel size against training',
  intensity: 'Tumour intensities against training',
  orientation: 'Orientation',
  model: 'Model',
};

const STATUS_TEXT: Record<QualityStatus, string> = { ok: 'OK', warning: 'WARNING', 'not-applicable': 'not applicable' };

/** CSS rules of the quality section (the report's palette: the warning red of its notices). */
export const QUALITY_CSS = `
table.quality td.status{font-weight:bold;white-space:nowrap}
table.quality tr.q-warning th,table.quality tr.q-warning td{background:#fdecee;color:#5c0010}
table.quality tr.q-warning td.status{color:#b00020}
table.quality tr.q-not-applicable td.status{color:#777;font-weight:normal}
`.trim();

/**
 * The report's quality section: heading, a notice with each warning (when any), and the table of
 * checks (check, result, finding, value, expected), warning rows highlighted.
 * @example qualityHtml(assessQuality(input)) // '<h2 id="quality">Quality checks</h2>…'
 */
export function qualityHtml(q: QualitySection): string {
  const warnings = q.checks.filter((c) => c.status === 'warning');
  const notice =
    warnings.length === 0
      ? ''
      : `<div class="warning" role="alert" id="quality-notice"><strong>${esc(q.summary.text)} about this segmentation.</strong><ul>${warnings
          .map((c) => `<li>${esc(c.message)}</li>`)
          .join('')}</ul></div>`;
  const rows = q.checks.map(
    (c) =>
      `<tr class="q-${c.status}" data-check="${esc(c.id)}"><th scope="row">${esc(CHECK_NAMES[c.id] ?? c.id)}</th><td class="status">${STATUS_TEXT[c.status]}</td>` +
      `<td>${esc(c.message)}</td><td>${esc(c.value)}</td><td>${esc(c.expected)}</td></tr>`,
  );
  return [
    '<h2 id="quality">Quality checks</h2>',
    `<p class="sub">Plausibility of the segmentation and of the scan for this model: ${esc(q.summary.text)}.</p>`,
    notice,
    '<table class="quality">',
    '<tr><th>Check</th><th>Result</th><th>Finding</th><th>Value</th><th>Expected</th></tr>',
    ...rows,
    '</table>',
  ].join('\n');
}
