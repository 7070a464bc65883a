// Runs viewer: two runs side by side at #/compare/{a}/{b}: the config diff (the one recorded on a
// rerun's lineage when b is a's rerun, else computed), then every step with its status, duration,
// tokens, cost and whether its output differs, the first divergence marked.
'use strict';
(function () {
  const parts = (window.RunsViewerParts = window.RunsViewerParts || {});
  const EVENTS_LIMIT = 20000;

  /** Flattens JSON to JSON Pointer -> JSON text of each leaf (objects walked, arrays as leaves). */
  function flatten(v, path, out) {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
      for (const [k, x] of Object.entries(v)) flatten(x, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    } else {
      out.set(path || '/', JSON.stringify(v));
    }
    return out;
  }

  function configDiff(a, b) {
    const fa = flatten(a, '', new Map());
    const fb = flatten(b, '', new Map());
    const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
    const out = [];
    for (const p of paths) {
      if (fa.get(p) === fb.get(p)) continue;
      out.push({ path: p, op: !fa.has(p) ? 'added' : (!fb.has(p) ? 'removed' : 'changed'), old_value: fa.get(p), new_value: fb.get(p) });
    }
    return out;
  }

  /** Steps in order of first appearance: status, attempts, duration, tokens, cost, output. */
  function steps(events) {
    const byId = new Map();
    const get = (id) => {
      if (!byId.has(id)) byId.set(id, { id, status: 'started', attempts: 0, ms: undefined, tokens: 0, cost: 0, output: undefined, start: null });
      return byId.get(id);
    };
    for (const ev of events) {
      const p = ev.payload || {};
      if (!ev.step_id) continue;
      if (ev.type.startsWith('step.') || ev.type.startsWith('phase.')) {
        const s = get(ev.step_id);
        const verb = ev.type.slice(ev.type.indexOf('.') + 1);
        if (verb === 'started') { s.attempts = Math.max(s.attempts, ev.attempt || 1); s.start = Date.parse(ev.time); s.status = 'started'; }
        if (verb === 'completed' || verb === 'failed' || verb === 'skipped') {
          s.status = verb;
          s.ms = p.duration_ms !== undefined ? p.duration_ms : (s.start ? Date.parse(ev.time) - s.start : undefined);
          s.output = verb === 'completed' ? JSON.stringify(p.output !== undefined ? p.output : (p.output_sha256 || null)) : undefined;
          if (p.reused_from) s.reused = true;
        }
      } else if (ev.type === 'model.generation.completed' || ev.type === 'model.generation.failed') {
        // a call belongs to its step and to the phases around it; count it on the step only
        const s = get(ev.step_id);
        if (p.usage) s.tokens += (p.usage.input_tokens || 0) + (p.usage.output_tokens || 0);
        if (typeof p.cost === 'number') s.cost += p.cost;
      }
    }
    return [...byId.values()];
  }

  parts.compare = function (lib) {
    const { h, call, runPath, fmtDuration, fmtInt, fmtCost, preview } = lib;
    const box = document.getElementById('compare-view');
    const PATTERN = /^#\/compare\/([^/]+)\/([^/]+)$/;

    async function load(id) {
      const [run, events] = await Promise.all([call('GET', runPath(id)), call('GET', `${runPath(id)}/events?limit=${EVENTS_LIMIT}`)]);
      return { run, events };
    }

    async function show(hash) {
      const m = hash.match(PATTERN);
      const ids = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      box.replaceChildren(h('p', { class: 'muted', text: 'Loading both runs…' }));
      let a;
      let b;
      try {
        [a, b] = await Promise.all(ids.map(load));
      } catch (e) {
        box.replaceChildren(h('p', { class: 'form-error', text: e.message }));
        return;
      }
      if (location.hash !== hash) return;
      const name = (x) => `${x.run.record.workflow.name}@${x.run.record.workflow.version}`;
      const link = (x) => h('a', { href: '#/runs/' + encodeURIComponent(x.run.run_id), class: 'mono', text: '…' + x.run.run_id.slice(-12) });
      const lineage = b.run.record.lineage;
      const recorded = lineage && lineage.parent_run_id === a.run.run_id && lineage.config_diff;
      const diff = recorded
        ? lineage.config_diff.map((c) => ({ path: c.path, op: c.op, old_value: c.old_value === undefined ? undefined : JSON.stringify(c.old_value), new_value: c.new_value === undefined ? undefined : JSON.stringify(c.new_value) }))
        : configDiff(a.run.record.config, b.run.record.config);
      const head = h('div', { class: 'view-head' },
        h('h1', {}, 'Compare ', link(a), ' → ', link(b)),
        h('a', { class: 'btn', id: 'compare-swap', href: `#/compare/${encodeURIComponent(ids[1])}/${encodeURIComponent(ids[0])}`, text: 'Swap' }));
      const summary = h('table', { class: 'grid', id: 'compare-runs' },
        h('caption', { class: 'sr-only', text: 'The two runs' }),
        h('thead', {}, h('tr', {}, ['', 'Run', 'Workflow', 'Status', 'Duration', 'Tokens', 'Cost'].map((x, i) => h('th', { scope: 'col', class: i >= 4 ? 'num' : '', text: x })))),
        h('tbody', {}, [['A', a], ['B', b]].map(([label, x]) => h('tr', {},
          h('th', { scope: 'row', text: label }), h('td', {}, link(x)), h('td', { text: name(x) }),
          h('td', {}, h('span', { class: 'badge', dataset: { status: x.run.status }, text: x.run.status })),
          h('td', { class: 'num', text: fmtDuration(x.run.summary ? x.run.summary.duration_ms : undefined) }),
          h('td', { class: 'num', text: fmtInt(x.run.usage.total_tokens) }), h('td', { class: 'num', text: fmtCost(x.run.cost) })))));
      const diffList = diff.length
        ? h('ul', { class: 'diff-list', id: 'compare-config' }, diff.map((c) => h('li', { dataset: { path: c.path, op: c.op } },
          h('b', { text: c.path }), ` ${c.op} `, c.old_value !== undefined ? h('del', { text: preview(c.old_value, 80) }) : '',
          c.old_value !== undefined && c.new_value !== undefined ? ' → ' : '', c.new_value !== undefined ? h('ins', { text: preview(c.new_value, 80) }) : '')))
        : h('p', { class: 'muted', id: 'compare-config', text: 'The configs are equal.' });
      const sa = steps(a.events);
      const sb = steps(b.events);
      const mb = new Map(sb.map((s) => [s.id, s]));
      const ids2 = [...sa.map((s) => s.id), ...sb.filter((s) => !sa.some((x) => x.id === s.id)).map((s) => s.id)];
      const ma = new Map(sa.map((s) => [s.id, s]));
      let diverged = null;
      const rows = ids2.map((id) => {
        const x = ma.get(id);
        const y = mb.get(id);
        const statusDiff = !x || !y || x.status !== y.status;
        const outDiff = !!x && !!y && x.output !== y.output;
        if (diverged === null && (statusDiff || outDiff)) diverged = id;
        const cell = (s, f) => h('td', { class: 'num', text: s ? f(s) : '–' });
        return h('tr', { class: diverged === id ? 'diverged' : '', dataset: { step: id, differs: String(statusDiff || outDiff) } },
          h('td', { class: 'mono' }, id, diverged === id ? h('span', { class: 'reused', id: 'first-divergence', text: ' first divergence' }) : ''),
          h('td', { class: statusDiff ? 'diff' : '', text: x ? x.status : 'absent' }), h('td', { class: statusDiff ? 'diff' : '', text: y ? y.status : 'absent' }),
          cell(x, (s) => fmtDuration(s.ms)), cell(y, (s) => fmtDuration(s.ms)),
          cell(x, (s) => fmtInt(s.tokens)), cell(y, (s) => fmtInt(s.tokens)),
          cell(x, (s) => fmtCost(s.cost)), cell(y, (s) => fmtCost(s.cost)),
          h('td', { class: outDiff ? 'diff output-diff' : 'muted', title: outDiff ? `A: ${x.output}\nB: ${y.output}` : '', text: outDiff ? 'differs' : (x && y ? 'same' : '–') }));
      });
      const table = h('table', { class: 'grid', id: 'compare-steps' },
        h('caption', { class: 'sr-only', text: 'Steps side by side' }),
        h('thead', {}, h('tr', {}, ['Step', 'Status A', 'Status B', 'Duration A', 'Duration B', 'Tokens A', 'Tokens B', 'Cost A', 'Cost B', 'Output'].map((x, i) => h('th', { scope: 'col', class: i >= 3 && i <= 8 ? 'num' : '', text: x })))),
        h('tbody', {}, rows));
      box.replaceChildren(head, summary,
        h('h2', { class: 'sub-h', text: recorded ? `Config diff (recorded on the ${lineage.relation})` : 'Config diff (computed)' }), diffList,
        h('h2', { class: 'sub-h', text: diverged ? `Steps · first divergence at ${diverged}` : 'Steps · no divergence' }), table);
    }

    lib.addRoute({ matches: (hash) => PATTERN.test(hash), panel: 'compare-view', show });
  };

  parts.compareSteps = steps;
  parts.configDiff = configDiff;
  parts.flattenConfig = (v) => flatten(v, '', new Map());
})();
