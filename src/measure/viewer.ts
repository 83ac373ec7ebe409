/**
 * The interactive viewer of the reports: NiiVue (`@niivue/niivue`, BSD-2-Clause; its UMD bundle
 * inlined) showing the T2 with the label overlay in the axial, coronal and sagittal planes
 * (multiplanar; scroll or arrow keys move the slice, a click moves the crosshair), the guideline
 * measurements of each scan drawn as NiiVue measurement lines (each on its own axial slice: the
 * "go to" buttons move there; NiiVue's axial planes are world-aligned, so on an oblique grid a line
 * is drawn projected onto the plane through its midpoint, and NiiVue's length labels, which would
 * read shorter than the measurement, are left out: the buttons and tables give the lengths), a choice of scan (growth
 * reports), and the overlay palette —
 * `default` (EM red, IM green) or `colour-blind` (Okabe–Ito: EM orange, IM blue).
 *
 * Self-contained: the bundle and every volume (T2 windowed to 8 bits, label map; NIfTI, gzip,
 * base64) sit in the page, so it opens from disk with no network. A scan of a 48 × 64 × 64 mm crop
 * adds ~0.3–1 MB, a whole head 10–35 MB; the bundle ~2.2 MB. The page exposes `window.meatusViewer` (`ready`, `show(i)`,
 * `nv`, `errors`) for tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNifti } from '../volume/nifti.js';
import type { Volume } from '../volume/volume.js';
import type { Measurements } from './measure.js';
import { intensityWindow, OVERLAY_PALETTES, type OverlayPalette } from './report-figures.js';

/** One scan of the viewer. */
export interface ViewerScan {
  case: string;
  /** The T2 (`null`: the labels are shown on black). */
  t2: Volume | null;
  label: Volume<Uint8Array>;
  measurements: Measurements;
}

/** Options of {@link viewerHtml}. */
export interface ViewerOptions {
  /** The palette selected at first (default `default`). */
  palette?: OverlayPalette;
  /** The scan shown at first (default the last). */
  initial?: number;
}

/** A measurement line as the viewer draws it: RAS mm end points. */
export interface ViewerLine {
  name: string;
  mm: number;
  a: number[];
  b: number[];
}

/** The lines of a scan: the reported size first, then the guideline's lines that exist. */
export function viewerLines(m: Measurements): ViewerLine[] {
  const g = m.guideline;
  const out: ViewerLine[] = [];
  const add = (name: string, l: { mm: number; endpoints: { ras: number[][] } } | null) => {
    if (l !== null) out.push({ name, mm: l.mm, a: l.endpoints.ras[0], b: l.endpoints.ras[1] });
  };
  add(`reported size (${g.reportedSize.kind})`, g.reportedSize.diameter);
  add('largest whole-tumour axial diameter', g.reportedSize.kind === 'whole-tumour axial diameter' ? null : m.wholeTumourAxialDiameter);
  add('IM/EM interface line', g.interfaceLine);
  add('EM diameter parallel to the interface', g.extrameatalParallel);
  add('EM diameter perpendicular to the interface', g.extrameatalPerpendicular);
  add('IM diameter parallel to the interface', g.intrameatalParallel);
  return out;
}

let bundle: string | null = null;

/** NiiVue's UMD bundle, read once from the installed package. @throws Error when it is not installed. */
export function niivueBundle(): string {
  if (bundle !== null) return bundle;
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(fileURLToPath(import.meta.resolve('@niivue/niivue'))), '..', '..', 'dist', 'niivue.umd.js'));
  } catch {
    // resolved below from the package's own node_modules
  }
  candidates.push(fileURLToPath(new URL('../../node_modules/@niivue/niivue/dist/niivue.umd.js', import.meta.url)));
  for (const c of candidates) {
    try {
      bundle = readFileSync(c, 'utf8').replace(/<\/script/gi, '<\\/script');
      return bundle;
    } catch {
      // next candidate
    }
  }
  throw new Error(`viewer: NiiVue's bundle (@niivue/niivue/dist/niivue.umd.js) not found at ${candidates.join(' or ')}; run npm ci, or leave the viewer out (--no-viewer)`);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** The T2 windowed (1st–99th percentile) to 0–255, as a uint8 NIfTI on the label's grid. */
function t2Bytes(scan: ViewerScan): Uint8Array {
  const { label } = scan;
  const data = new Uint8Array(label.data.length);
  if (scan.t2 !== null) {
    const [lo, hi] = intensityWindow(scan.t2.data);
    const s = 255 / (hi - lo);
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round((scan.t2.data[i] - lo) * s)));
  }
  return encodeNifti({ ...label, data, channels: 1 }, { datatype: 'uint8', gzip: true });
}

const lut = (p: OverlayPalette) => {
  const c = OVERLAY_PALETTES[p];
  return { R: [0, c[1][0], c[2][0]], G: [0, c[1][1], c[2][1]], B: [0, c[1][2], c[2][2]], A: [0, 255, 255], I: [0, 1, 2], labels: ['', 'extrameatal', 'intrameatal'] };
};

const PAGE_SCRIPT = `
(function () {
  var errors = [];
  var api = { ready: false, errors: errors, nv: null, show: null, current: -1 };
  window.meatusViewer = api;
  var data = JSON.parse(document.getElementById('meatus-viewer-data').textContent);
  var status = document.getElementById('meatus-viewer-status');
  var say = function (t) { status.textContent = t; };
  var fail = function (e) { errors.push(String(e && e.message || e)); say('viewer error: ' + errors[errors.length - 1]); };
  if (typeof niivue === 'undefined') { fail('NiiVue did not load'); return; }
  var nv = new niivue.Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: false, isRadiologicalConvention: true, dragMode: niivue.DRAG_MODE ? niivue.DRAG_MODE.none : 0, crosshairColor: [0.34, 0.71, 0.91, 0.7], showMeasureUnits: true, isColorbar: false });
  nv.opts.measureLineColor = [1, 0.83, 0, 1];
  nv.opts.rulerColor = [1, 0.83, 0, 1]; // NiiVue draws a measurement's line in the ruler colour, its ends in measureLineColor
  nv.opts.measureTextColor = [1, 0.83, 0, 1];
  api.nv = nv;
  var label = null;
  var palette = data.palette;
  // A line lies in an acquired axial slice; NiiVue draws on its own axial planes (world-aligned for
  // an oblique grid), so each line is drawn projected onto the plane through its midpoint.
  function plane(l) {
    var fa = nv.mm2frac(l.a), fb = nv.mm2frac(l.b), z = (fa[2] + fb[2]) / 2;
    return { a: nv.frac2mm([fa[0], fa[1], z]), b: nv.frac2mm([fb[0], fb[1], z]), z: z, mid: [(fa[0] + fb[0]) / 2, (fa[1] + fb[1]) / 2, z] };
  }
  // NiiVue labels a line with its length as drawn; a projected line is shorter than the measurement,
  // so on such a scan the labels are left out (the true lengths are on the buttons below).
  var labelsTrue = true;
  var drawLine = nv.drawMeasurementTool.bind(nv);
  nv.drawMeasurementTool = function (xy, isDrawText) { drawLine(xy, labelsTrue && isDrawText !== false); };
  api.lineLabels = function () { return labelsTrue; };
  function lines(scan) {
    labelsTrue = true;
    return scan.lines.map(function (l) {
      var p = plane(l);
      var drawn = Math.hypot(p.a[0] - p.b[0], p.a[1] - p.b[1], p.a[2] - p.b[2]);
      if (Math.abs(drawn - l.mm) > 0.05) labelsTrue = false;
      return { startMM: [p.a[0], p.a[1], p.a[2]], endMM: [p.b[0], p.b[1], p.b[2]], distance: l.mm, sliceIndex: 0, sliceType: 0, slicePosition: p.z };
    });
  }
  function go(l) {
    nv.scene.crosshairPos = plane(l).mid;
    nv.updateGLVolume();
    nv.drawScene();
  }
  function buttons(scan) {
    var box = document.getElementById('meatus-viewer-lines');
    box.innerHTML = '';
    scan.lines.forEach(function (l) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'go to ' + l.name + ' (' + l.mm.toFixed(1) + ' mm)';
      b.onclick = function () { go(l); };
      box.appendChild(b);
    });
  }
  async function show(i) {
    var scan = data.scans[i];
    while (nv.volumes.length) nv.removeVolume(nv.volumes[0]);
    var t2 = await niivue.NVImage.loadFromBase64({ base64: scan.t2, name: scan.case + '_t2.nii.gz', cal_min: 0, cal_max: 255 });
    label = await niivue.NVImage.loadFromBase64({ base64: scan.label, name: scan.case + '_label.nii.gz', opacity: 0.5 });
    label.setColormapLabel(data.luts[palette]);
    nv.addVolume(t2);
    nv.addVolume(label);
    nv.document.completedMeasurements = lines(scan);
    api.current = i;
    buttons(scan);
    if (scan.lines.length) go(scan.lines[0]); else nv.drawScene();
    say(scan.case + ': ' + (scan.lines.length ? scan.lines.length + ' measurement lines; ' : '') + 'scroll or use the arrow keys to move through the slices');
  }
  api.show = show;
  var sel = document.getElementById('meatus-viewer-scan');
  data.scans.forEach(function (s, i) { var o = document.createElement('option'); o.value = String(i); o.textContent = s.case; sel.appendChild(o); });
  sel.value = String(data.initial);
  sel.onchange = function () { show(Number(sel.value)).catch(fail); };
  var pal = document.getElementById('meatus-viewer-palette');
  pal.value = palette;
  pal.onchange = function () { palette = pal.value; if (label) { label.setColormapLabel(data.luts[palette]); nv.updateGLVolume(); } };
  var planes = document.getElementById('meatus-viewer-planes');
  planes.onchange = function () { nv.setSliceType(Number(planes.value)); };
  nv.attachTo('meatus-viewer-canvas').then(function () {
    nv.setSliceType(nv.sliceTypeMultiplanar);
    return show(data.initial);
  }).then(function () { api.ready = true; }).catch(fail);
})();
`;

/**
 * The viewer section of a report (see the file comment): HTML with the inlined NiiVue bundle, the
 * scans' volumes and the page script.
 * @throws Error when NiiVue's bundle is not installed, or a scan's T2 and label differ in shape.
 * @example const html = viewerHtml([{ case: 'VS_p001_t01', t2, label, measurements: measure(label) }]);
 */
export function viewerHtml(scans: readonly ViewerScan[], opts: ViewerOptions = {}): string {
  if (scans.length === 0) throw new Error('viewerHtml: no scans');
  for (const s of scans) {
    if (s.t2 !== null && s.t2.shape.some((n, k) => n !== s.label.shape[k])) throw new Error(`viewerHtml: ${s.case}: T2 shape ${s.t2.shape.join('×')} differs from the label's ${s.label.shape.join('×')}`);
  }
  const palette = opts.palette ?? 'default';
  const data = {
    palette,
    initial: opts.initial ?? scans.length - 1,
    luts: { default: lut('default'), 'colour-blind': lut('colour-blind') },
    scans: scans.map((s) => ({
      case: s.case,
      t2: b64(t2Bytes(s)),
      label: b64(encodeNifti({ ...s.label, channels: 1 }, { datatype: 'uint8', gzip: true })),
      lines: viewerLines(s.measurements),
    })),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return [
    '<section class="viewer" id="meatus-viewer">',
    '<h2>Interactive viewer</h2>',
    '<p class="sub">NiiVue, in this page (no network). Planes: axial, coronal, sagittal; scroll or arrow keys move the slice, a click moves the crosshair; the yellow measurement lines each lie on their own axial slice: the buttons go there. Radiological convention (patient right on the image left).</p>',
    '<p class="viewer-controls">',
    '<label>Scan <select id="meatus-viewer-scan"></select></label> ',
    '<label>Planes <select id="meatus-viewer-planes"><option value="3">all three</option><option value="0">axial</option><option value="1">coronal</option><option value="2">sagittal</option></select></label> ',
    '<label>Colours <select id="meatus-viewer-palette"><option value="default">default (EM red, IM green)</option><option value="colour-blind">colour-blind safe (EM orange, IM blue)</option></select></label>',
    '</p>',
    '<p id="meatus-viewer-lines" class="viewer-lines"></p>',
    '<div style="width:100%;max-width:1100px;height:440px;background:#000"><canvas id="meatus-viewer-canvas"></canvas></div>',
    '<p id="meatus-viewer-status" class="sub">loading the viewer…</p>',
    `<script type="application/json" id="meatus-viewer-data">${json}</script>`,
    `<script>${niivueBundle()}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</section>',
  ].join('\n');
}
