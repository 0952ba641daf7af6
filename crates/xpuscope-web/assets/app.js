// xpuscope's page: forms into API requests, the API's views into tables, and the report layer's
// SVG charts inserted as they come. Every number shown is one the API returned; this script
// computes none, and only formats, sorts and filters. No build step, no third-party code.
//
// A view is one entry in `views` (its title, its form, what it runs) and one <section> in
// index.html; the nav, permalinks (the form's fields in the URL) and errors are shared.
'use strict';

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes, never HTML). */
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'on') for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}

/** Calls the API; a non-2xx answer throws its sentence, with the field at fault. */
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  if (!r.ok) {
    let e;
    try { e = JSON.parse(text); } catch (_) { e = { error: text || r.statusText }; }
    const err = new Error(e.error || r.statusText);
    err.field = e.field;
    throw err;
  }
  return (r.headers.get('content-type') || '').startsWith('application/json') ? JSON.parse(text) : text;
}

// ---- errors and progress ----

function clearError() {
  $('error').hidden = true;
  document.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
}

function showError(err, form) {
  const box = $('error');
  box.textContent = err.message;
  box.hidden = false;
  if (form && err.field) {
    for (const input of fieldInputs(form, err.field)) input.classList.add('invalid');
  }
}

/**
 * The inputs an error's field names: a body path (`options.deployment.input_len`, `chips[1]`)
 * exactly, an option as the CLI spells it (`input_len`) by the last part of its path.
 */
function fieldInputs(form, field) {
  const all = [...form.elements].filter((e) => e.dataset.opt);
  const item = field.match(/^(\w+)\[(\d+)\]$/);
  if (item) return all.filter((e) => e.dataset.opt === item[1] && e.dataset.list === item[2]);
  if (field.includes('.')) return all.filter((e) => e.dataset.opt === field);
  const option = all.filter((e) => e.dataset.opt.startsWith('options.') && e.dataset.opt.endsWith(`.${field}`));
  return option.length ? option : all.filter((e) => e.dataset.opt === field);
}

async function busy(work) {
  $('busy').hidden = false;
  try { return await work(); } finally { $('busy').hidden = true; }
}

// ---- formatting (display only) ----

function sig(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumSignificantDigits: digits });
}

function seconds(v) {
  if (v === null || v === undefined) return '—';
  if (v < 1e-3) return `${sig(v * 1e6)} µs`;
  if (v < 1) return `${sig(v * 1e3)} ms`;
  if (v < 120) return `${sig(v)} s`;
  if (v < 7200) return `${sig(v / 60)} min`;
  if (v < 172800) return `${sig(v / 3600)} h`;
  return `${sig(v / 86400)} days`;
}

function value(v, unit) {
  if (v === null || v === undefined) return '—';
  if (unit === 's') return seconds(v);
  if (unit === 'usd') return `$${sig(v)}`;
  return sig(v);
}

// ---- downloads and permalinks ----

function csv(rows) {
  const cell = (c) => {
    const s = c === null || c === undefined ? '' : String(c);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

function blobLink(label, filename, mime, content) {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  return el('a', { href: url, download: filename, class: 'download', text: label });
}

/** A link that fetches its content when clicked (for documents the server makes on demand). */
function lazyLink(label, filename, mime, fetcher) {
  const a = el('a', { href: '#', class: 'download', text: label });
  a.addEventListener('click', async (ev) => {
    ev.preventDefault();
    try {
      const text = await busy(fetcher);
      const link = blobLink(label, filename, mime, text);
      document.body.append(link);
      link.click();
      link.remove();
    } catch (e) { showError(e); }
  });
  return a;
}

function downloads(box, json, name, csvText, extra) {
  box.replaceChildren(
    el('a', { href: location.href, class: 'permalink', text: 'permalink' }), ' · ',
    blobLink('download JSON', `${name}.json`, 'application/json', JSON.stringify(json, null, 2) + '\n'), ' · ',
    csvText instanceof HTMLElement ? csvText : blobLink('download CSV', `${name}.csv`, 'text/csv', csvText),
    ...(extra || []),
  );
}

// ---- forms: fields <-> URL <-> request body ----

/** The filled fields of a form as URL parameters (names repeat for lists). */
function formParams(form) {
  const p = new URLSearchParams();
  for (const input of form.elements) {
    if (input.name && input.value !== '') p.append(input.name, input.value);
  }
  return p;
}

function fillForm(form, params) {
  const seen = {};
  for (const input of form.elements) {
    if (!input.name) continue;
    const all = params.getAll(input.name);
    const i = seen[input.name] || 0;
    seen[input.name] = i + 1;
    if (all.length > i) input.value = all[i];
    else if (input.dataset.optional) input.value = '';
  }
}

/** The API body a form describes: each filled field set at its `data-opt` path. */
function formBody(form) {
  const body = {};
  for (const input of form.elements) {
    const path = input.dataset.opt;
    if (!path || input.value === '') continue;
    let v = input.value;
    if (input.type === 'number') v = Number(v);
    if (input.dataset.split !== undefined) v = v.split(',').map((x) => x.trim()).filter(Boolean);
    const keys = path.split('.');
    let o = body;
    for (const k of keys.slice(0, -1)) o = o[k] = o[k] || {};
    const last = keys[keys.length - 1];
    if (input.dataset.list !== undefined) (o[last] = o[last] || []).push(v);
    else o[last] = v;
  }
  return body;
}

// ---- the catalogue, for the pickers ----

const catalog = { chips: [], models: [] };

function fillPickers() {
  for (const sel of document.querySelectorAll('select[data-kind], select[data-choices]')) {
    const keep = sel.value;
    sel.replaceChildren();
    if (sel.dataset.choices !== undefined) {
      for (const c of sel.dataset.choices.split(',')) sel.append(el('option', { value: c, text: c || 'default' }));
    } else {
      if (sel.dataset.optional) sel.append(el('option', { value: '', text: '—' }));
      const items = sel.dataset.kind === 'chip' ? catalog.chips : catalog.models;
      for (const it of items) sel.append(el('option', { value: it.id, text: it.id }));
    }
    if (keep) sel.value = keep;
  }
  // Sensible first picks: the H100 against the H20, a 70B model.
  const pick = (sel, id) => { if ([...sel.options].some((o) => o.value === id)) sel.value = id; };
  const cmp = document.querySelectorAll('#compare-form select[name=chip]');
  pick(cmp[0], 'h100-sxm'); pick(cmp[1], 'h20');
  for (const s of document.querySelectorAll('select[data-kind=model]')) pick(s, 'llama-3.1-70b');
  pick(document.querySelector('#serve-form select[name=model]'), 'llama-3.1-8b');
  for (const s of document.querySelectorAll('#serve-form select[name=chip], #export-form select[name=chip], #chip-form select')) pick(s, s.closest('#export-form') ? 'h20' : 'h100-sxm');
}

// ---- chips ----

const GiB = 2 ** 30;
const chipColumns = [
  { label: 'id', get: (c) => c.id },
  { label: 'name', get: (c) => c.name },
  { label: 'vendor', get: (c) => c.vendor },
  { label: 'memory (GiB)', get: (c) => c.memory_capacity_bytes / GiB, prov: 'memory_capacity_gib' },
  { label: 'bandwidth (TB/s)', get: (c) => c.memory_bandwidth_bytes_per_s / 1e12, prov: 'memory_bandwidth_gbs' },
  { label: 'BF16 (TFLOP/s)', get: (c) => (c.dense_flops_per_s || {}).bf16 / 1e12, prov: 'dense.bf16' },
  { label: 'FP8 (TFLOP/s)', get: (c) => (c.dense_flops_per_s || {}).fp8 / 1e12, prov: 'dense.fp8' },
  { label: 'scale-up (GB/s)', get: (c) => (c.scale_up || {}).bidirectional_bytes_per_s / 1e9, prov: ['scale_up.bidirectional_gbs', 'scale_up.per_direction_gbs'] },
  { label: 'TDP (W)', get: (c) => c.tdp_w, prov: 'tdp_w' },
  { label: 'price ($)', get: (c) => c.price_usd, prov: 'price_usd' },
];

/** A value's provenance: the first of its keys the chip has (a figure may be given either way). */
function provOf(chip, keys) {
  for (const k of [].concat(keys)) if ((chip.provenance || {})[k]) return chip.provenance[k];
  return null;
}

function provenance(chip, keys) {
  const p = provOf(chip, keys);
  return p ? `${p.grade}: ${p.source}${p.note ? ` (${p.note})` : ''}` : null;
}

const chipTable = { data: [], sort: 0, dir: 1 };

function drawChips() {
  const t = $('chips-table');
  const q = $('chips-filter').value.trim().toLowerCase();
  const col = chipColumns[chipTable.sort];
  const rows = chipTable.data
    .filter((c) => !q || [c.id, c.name, c.vendor].some((s) => (s || '').toLowerCase().includes(q)))
    .sort((a, b) => {
      const x = col.get(a), y = col.get(b);
      const bad = (v) => v === undefined || v === null || Number.isNaN(v);
      if (bad(x) || bad(y)) return bad(x) - bad(y);
      return (x < y ? -1 : x > y ? 1 : 0) * chipTable.dir;
    });
  t.tHead.replaceChildren(el('tr', {}, ...chipColumns.map((c, i) => el('th', {
    class: i === chipTable.sort ? (chipTable.dir > 0 ? 'sorted asc' : 'sorted desc') : '',
    'aria-sort': i === chipTable.sort ? (chipTable.dir > 0 ? 'ascending' : 'descending') : null,
    text: c.label,
    on: { click: () => { chipTable.dir = chipTable.sort === i ? -chipTable.dir : 1; chipTable.sort = i; drawChips(); } },
  }))));
  t.tBodies[0].replaceChildren(...rows.map((c) => el('tr', {
    'data-chip': c.id,
    on: { click: () => go('chip', new URLSearchParams({ id: c.id })) },
  }, ...chipColumns.map((col) => {
    const v = col.get(c);
    const prov = col.prov ? provenance(c, col.prov) : null;
    const grade = col.prov && provOf(c, col.prov) ? provOf(c, col.prov).grade : null;
    return el('td', { title: prov, class: grade ? `num grade-${grade}` : (typeof v === 'number' ? 'num' : '') }, typeof v === 'number' ? sig(v) : (v || '—'));
  }))));
  const table = [chipColumns.map((c) => c.label), ...rows.map((c) => chipColumns.map((col) => col.get(c)))];
  downloads($('chips-downloads'), chipTable.data, 'chips', csv(table));
}

async function runChips() {
  chipTable.data = catalog.chips;
  drawChips();
}

// ---- chip sheet ----

function provValue(c, key) {
  const dense = key.match(/^dense\.(.+)$/);
  if (dense) return `${sig((c.dense_flops_per_s || {})[dense[1]] / 1e12)} TFLOP/s`;
  const known = {
    memory_capacity_gib: () => `${sig(c.memory_capacity_bytes / GiB)} GiB`,
    memory_bandwidth_gbs: () => `${sig(c.memory_bandwidth_bytes_per_s / 1e9)} GB/s`,
    scale_out_gbs: () => `${sig(c.scale_out_bytes_per_s / 1e9)} GB/s`,
    host_link_gbs: () => `${sig(c.host_link_bytes_per_s / 1e9)} GB/s`,
    'scale_up.bidirectional_gbs': () => `${sig((c.scale_up || {}).bidirectional_bytes_per_s / 1e9)} GB/s`,
    'scale_up.per_direction_gbs': () => `${sig((c.scale_up || {}).per_direction_bytes_per_s / 1e9)} GB/s`,
  };
  if (known[key]) return known[key]();
  const v = key in c ? c[key] : (c.scale_up || {})[key.replace(/^scale_up\./, '')];
  return v === undefined || v === null ? '—' : typeof v === 'number' ? sig(v, 4) : String(v);
}

async function runChip(params) {
  const c = await api('GET', `/api/chips/${encodeURIComponent(params.get('id'))}`);
  const rows = Object.entries(c.provenance || {}).map(([k, p]) => el('tr', {},
    el('td', { text: k }), el('td', { class: 'num', text: provValue(c, k) }),
    el('td', { class: `grade-${p.grade}`, text: p.grade }),
    el('td', {}, /^https?:/.test(p.source) ? el('a', { href: p.source, rel: 'noreferrer', text: p.source }) : p.source),
    el('td', { text: p.note || '' })));
  $('chip-result').replaceChildren(
    el('h3', { text: `${c.name} (${c.vendor}${c.architecture ? `, ${c.architecture}` : ''})` }),
    el('p', { class: 'downloads' }, el('a', { href: location.href, text: 'permalink' }), ' · ',
      blobLink('download JSON', `${c.id}.json`, 'application/json', JSON.stringify(c, null, 2) + '\n'), ' · ',
      el('a', { href: '#', text: 'export rules', on: { click: (e) => { e.preventDefault(); go('export', new URLSearchParams({ chip: c.id })); } } })),
    el('table', { class: 'data' },
      el('thead', {}, el('tr', {}, ...['field', 'value', 'grade', 'source', 'note'].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...rows)),
    c.notes ? el('p', { class: 'notes', text: c.notes }) : null,
    el('h3', { text: 'Sources' }),
    el('ul', { class: 'notes' }, ...(c.sources || []).map((src) => el('li', {}, `${src.key}: `,
      /^https?:/.test(src.location) ? el('a', { href: src.location, rel: 'noreferrer', text: src.location }) : src.location))),
    el('p', { class: 'notes', text: `Defined in ${c.catalog_file}.` }));
}

// ---- compare ----

async function runCompare(params, form) {
  const body = formBody(form);
  const roof = { chips: body.chips, model: body.model };
  const [view, bars, roofline] = await Promise.all([
    api('POST', '/api/compare', body),
    api('POST', '/api/compare/chart.svg', body),
    api('POST', '/api/roofline/chart.svg', roof),
  ]);
  const chips = view.chips;
  const rows = [...view.rows, ...view.specs];
  const head = el('tr', {}, el('th', { text: 'workload' }), el('th', { text: 'metric' }),
    ...chips.map((c) => el('th', { text: c })), ...chips.slice(1).map((c) => el('th', { text: `${c} ÷ ${chips[0]}` })));
  const body_ = rows.map((r) => el('tr', { 'data-row': r.id },
    el('td', { text: r.workload, title: r.setting }), el('td', { text: r.metric }),
    ...chips.map((c) => el('td', { class: 'num', title: (r.notes || {})[c] || (r.bound || {})[c] || null, text: value(r.values[c], r.unit) })),
    ...chips.slice(1).map((c) => {
      const x = r.ratio[c];
      return el('td', { class: `num ratio ${x > 1 ? 'better' : x < 1 ? 'worse' : ''}`, 'data-chip': c, 'data-ratio': x ?? '', text: x === null || x === undefined ? '—' : `${sig(x)}×` });
    })));
  $('compare-table').replaceChildren(el('thead', {}, head), el('tbody', {}, ...body_));
  $('compare-chart').innerHTML = bars;
  $('roofline-chart').innerHTML = roofline;
  $('compare-notes').replaceChildren(...view.notes.map((n) => el('li', { text: n })));
  const table = [['id', 'workload', 'metric', 'unit', ...chips.map((c) => `value:${c}`), ...chips.map((c) => `ratio:${c}`)],
    ...rows.map((r) => [r.id, r.workload, r.metric, r.unit, ...chips.map((c) => r.values[c]), ...chips.map((c) => r.ratio[c])])];
  downloads($('compare-downloads'), view, `compare-${chips.join('-')}`, csv(table),
    [' · ', blobLink('ratio chart (SVG)', 'compare.svg', 'image/svg+xml', bars), ' · ', blobLink('roofline (SVG)', 'roofline.svg', 'image/svg+xml', roofline)]);
  $('compare-result').hidden = false;
}

// ---- serve ----

async function runServe(params, form) {
  const body = formBody(form);
  const [view, chart] = await Promise.all([
    api('POST', '/api/serve', body),
    api('POST', '/api/serve/timeline.svg', body),
  ]);
  const ms = (v) => seconds(v);
  $('serve-summary').textContent = `${view.model} on ${view.chips} × ${view.chip}, ${view.engine.name}: ${sig(view.requests)} requests in ${seconds(view.duration_s)}, ${sig(view.output_tokens_per_s)} output tokens/s (${sig(view.output_tokens_per_s_per_chip)} per chip), ${sig(view.requests_per_s)} requests/s${view.goodput_requests_per_s !== undefined ? `, goodput ${sig(view.goodput_requests_per_s)} requests/s within the SLO` : ''}; KV cache peak ${sig(view.kv_cache_peak_fraction * 100)}%, ${sig(view.preemptions)} preemptions.`;
  const lat = [['TTFT', view.ttft_s], ['TPOT', view.tpot_s], ['ITL', view.itl_s], ['E2E', view.e2e_s]];
  $('serve-table').replaceChildren(
    el('thead', {}, el('tr', {}, ...['latency', 'mean', 'p50', 'p90', 'p99'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...lat.map(([n, s]) => el('tr', { 'data-metric': n }, el('td', { text: n }),
      ...['mean', 'p50', 'p90', 'p99'].map((k) => el('td', { class: 'num', 'data-stat': k, text: ms(s[k]) }))))));
  $('serve-chart').innerHTML = chart;
  $('serve-notes').replaceChildren(...view.notes.map((n) => el('li', { text: n })));
  const table = [['latency', 'mean_s', 'p50_s', 'p90_s', 'p99_s'], ...lat.map(([n, s]) => [n, s.mean, s.p50, s.p90, s.p99])];
  downloads($('serve-downloads'), view, `serve-${view.chip}`, csv(table),
    [' · ', lazyLink('timeline CSV', 'timeline.csv', 'text/csv', () => api('POST', '/api/serve/timeline.csv', body)),
      ' · ', blobLink('timeline (SVG)', 'timeline.svg', 'image/svg+xml', chart)]);
  $('serve-result').hidden = false;
}

// ---- plan ----

async function runPlan(params, form) {
  const body = formBody(form);
  const [view, chart] = await Promise.all([
    api('POST', '/api/plan', body),
    api('POST', '/api/plan/frontier.svg', body),
  ]);
  const money = (v) => (v === null || v === undefined ? '—' : `$${sig(v)}`);
  const best = view.best;
  $('plan-summary').textContent = `${view.model} at ${sig(view.request_rate_per_s)} requests/s (${sig(view.output_tokens_per_s)} output tokens/s), p${view.slo.percentile} TTFT ≤ ${seconds(view.slo.ttft_s)}, TPOT ≤ ${seconds(view.slo.tpot_s)}: ${best ? `best ${best.chip} on ${best.chips_text} (${best.mode}), ${money(best.usd_per_million_output_tokens)} per million output tokens` : 'no fleet meets the SLO'}.`;
  const cols = ['#', 'chip', 'chips', 'mode', 'engine', 'TTFT', 'TPOT', 'SLO', 'tok/s/chip', 'tok/s/user', '$/M in', '$/M out', '$/h', 'kW'];
  $('plan-table').replaceChildren(
    el('thead', {}, el('tr', {}, ...cols.map((h) => el('th', { text: h })))),
    el('tbody', {}, ...view.candidates.map((c) => el('tr', { 'data-rank': c.rank, title: c.pools.map((p) => p.launch ? p.launch.command : '').join('\n') },
      el('td', { class: 'num', text: c.rank }), el('td', { text: c.chip }), el('td', { text: c.chips_text }),
      el('td', { text: c.mode }), el('td', { text: c.pools[0].engine }),
      el('td', { class: 'num', text: seconds(c.ttft_s) }), el('td', { class: 'num', text: seconds(c.tpot_s) }),
      el('td', { text: c.meets_slo ? 'met' : 'missed' }),
      el('td', { class: 'num', text: sig(c.output_tokens_per_s_per_chip) }), el('td', { class: 'num', text: sig(c.output_tokens_per_s_per_user) }),
      el('td', { class: 'num', text: money(c.usd_per_million_input_tokens) }), el('td', { class: 'num', text: money(c.usd_per_million_output_tokens) }),
      el('td', { class: 'num', text: money(c.usd_per_hour) }), el('td', { class: 'num', text: c.power_kw === null ? '—' : sig(c.power_kw) })))));
  $('plan-chart').innerHTML = chart;
  $('plan-launch').replaceChildren(...(best ? best.pools : []).filter((p) => p.launch).map((p) => el('li', {}, `${p.role} × ${p.instances}: `, el('code', { text: p.launch.command }))));
  $('plan-excluded').replaceChildren(
    ...view.excluded.map((x) => el('li', { 'data-chip': x.chip, text: `excluded ${x.chip}: ${x.reason} [${x.rule}]` })),
    ...view.admitted.flatMap((a) => a.warnings.map((w) => el('li', { text: `kept ${a.chip} (${a.licence}): ${w}` }))),
    ...view.binding.concat(view.unmet).map((b) => el('li', { text: `${b.chip} ${b.config}: ${b.constraint} binds (${b.detail}); try ${b.suggestion}` })),
    ...view.notes.map((n) => el('li', { text: n })));
  const table = [cols.slice(1), ...view.candidates.map((c) => [c.chip, c.chips, c.mode, c.pools[0].engine, c.ttft_s, c.tpot_s, c.meets_slo, c.output_tokens_per_s_per_chip, c.output_tokens_per_s_per_user, c.usd_per_million_input_tokens, c.usd_per_million_output_tokens, c.usd_per_hour, c.power_kw])];
  downloads($('plan-downloads'), view, `plan-${view.model}`, csv(table),
    [' · ', blobLink('frontier (SVG)', 'frontier.svg', 'image/svg+xml', chart)]);
  $('plan-result').hidden = false;
}

// ---- export ----

async function runExport(params, form) {
  const chip = encodeURIComponent(params.get('chip'));
  const date = params.get('date');
  const [c, t] = await Promise.all([
    api('GET', `/api/export/${chip}${date ? `?date=${encodeURIComponent(date)}` : ''}`),
    api('GET', `/api/export/${chip}/timeline`),
  ]);
  $('export-summary').textContent = `${c.chip_name} on ${c.date}: ${c.summary} Licence for China: ${c.licence.china_text}.`;
  $('export-reasons').replaceChildren(...c.reasons.map((r) => el('li', { text: r })), el('li', { text: c.licence.summary }));
  $('export-strip').replaceChildren(...t.rows.map((r) => el('div', {
    class: `seg licence-${r.licence_china}`, title: `${r.date} ${r.event}: ${r.sentence}`,
  }, el('span', { text: r.date }), el('span', { text: r.eccn || 'not 3A090' }))));
  $('export-table').replaceChildren(
    el('thead', {}, el('tr', {}, ...['date', 'event', 'ECCN', 'TPP', 'PD', 'licence (China)', 'why'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...t.rows.map((r) => el('tr', {},
      el('td', { text: r.date }), el('td', {}, el('a', { href: r.source, rel: 'noreferrer', text: r.event })),
      el('td', { text: r.eccn || '—' }), el('td', { class: 'num', text: sig(r.tpp, 4) }),
      el('td', { class: 'num', text: sig(r.performance_density) }), el('td', { text: r.licence_china }),
      el('td', { text: r.sentence })))));
  $('export-disclaimer').textContent = c.disclaimer;
  const table = [['date', 'event', 'eccn', 'tpp', 'performance_density', 'licence_china', 'licence_review', 'sentence'],
    ...t.rows.map((r) => [r.date, r.event, r.eccn, r.tpp, r.performance_density, r.licence_china, r.licence_review, r.sentence])];
  downloads($('export-downloads'), { classification: c, timeline: t }, `export-${c.chip}`, csv(table));
  $('export-result').hidden = false;
}

// ---- views and navigation ----

const views = {
  chips: { title: 'Chips', run: runChips, auto: true },
  chip: { title: 'Chip sheet', form: 'chip-form', run: runChip },
  compare: { title: 'Compare', form: 'compare-form', run: runCompare },
  serve: { title: 'Serve', form: 'serve-form', run: runServe },
  plan: { title: 'Plan', form: 'plan-form', run: runPlan },
  export: { title: 'Export rules', form: 'export-form', run: runExport },
};

/** Shows a view; with parameters (or for a view that needs none), runs it. */
async function go(name, params, push = true) {
  if (!views[name]) name = 'chips';
  const v = views[name];
  clearError();
  for (const k of Object.keys(views)) $(`view-${k}`).hidden = k !== name;
  for (const a of $('nav').children) a.classList.toggle('active', a.dataset.view === name);
  const form = v.form ? $(v.form) : null;
  if (form && params.size) fillForm(form, params);
  if (push) {
    const q = new URLSearchParams([['view', name], ...params]);
    history.pushState(null, '', `?${q}`);
  }
  if (!v.auto && !params.size) return;
  try {
    await busy(() => v.run(form ? formParams(form) : params, form));
  } catch (e) {
    // A failed run leaves no stale answer on the screen beside its error.
    const result = $(`${name}-result`);
    if (result) result.hidden = true;
    showError(e, form);
  }
}

function fromLocation() {
  const p = new URLSearchParams(location.search);
  const name = p.get('view') || 'chips';
  p.delete('view');
  return go(name, p, false);
}

async function start() {
  for (const [name, v] of Object.entries(views)) {
    $('nav').append(el('a', { href: `?view=${name}`, 'data-view': name, text: v.title, on: { click: (e) => { e.preventDefault(); go(name, new URLSearchParams()); } } }));
    if (v.form) $(v.form).addEventListener('submit', (e) => { e.preventDefault(); go(name, formParams(e.target)); });
  }
  $('chips-filter').addEventListener('input', drawChips);
  window.addEventListener('popstate', fromLocation);
  try {
    [catalog.chips, catalog.models] = await Promise.all([api('GET', '/api/chips'), api('GET', '/api/models')]);
  } catch (e) { showError(e); return; }
  fillPickers();
  document.body.dataset.ready = '1';
  await fromLocation();
}

document.addEventListener('DOMContentLoaded', start);
