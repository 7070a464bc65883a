// Runs viewer: the overview dashboard at #/dashboard, drawn from GET /stats (computed server-side
// from run summaries): runs per hour or day by status, failure rate, p50/p95 duration, tokens and
// cost by workflow and by model, and the steps that fail most.
'use strict';
(function () {
  const parts = (window.RunsViewerParts = window.RunsViewerParts || {});
  const WINDOWS = { '24h': [24, 'hour'], '7d': [24 * 7, 'day'], '30d': [24 * 30, 'day'] };
  const STATUSES = ['completed', 'failed', 'interrupted', 'cancelled', 'running', 'queued', 'created', 'cancel_requested'];

  parts.dashboard = function (lib) {
    const { h, call, fmtDuration, fmtInt, fmtCost } = lib;
    const box = document.getElementById('dashboard-view');
    const PATTERN = /^#\/dashboard(?:\?(.*))?$/;

    async function show(hash) {
      const q = new URLSearchParams((hash.match(PATTERN) || [])[1] || '');
      const win = WINDOWS[q.get('window')] ? q.get('window') : '7d';
      const groupBy = q.get('group_by') === 'hour' || q.get('group_by') === 'day' ? q.get('group_by') : WINDOWS[win][1];
      const since = new Date(Date.now() - WINDOWS[win][0] * 3600 * 1000).toISOString();
      const pick = (name, value, options) => h('select', {
        id: 'dash-' + name, 'aria-label': name === 'window' ? 'Time window' : 'Group by',
        onchange: (e) => { q.set(name, e.target.value); location.hash = '#/dashboard?' + q.toString(); },
      }, options.map((o) => h('option', { value: o, text: o, selected: o === value })));
      box.replaceChildren(h('div', { class: 'view-head' }, h('h1', { text: 'Overview' }),
        pick('window', win, Object.keys(WINDOWS)), pick('group_by', groupBy, ['hour', 'day'])),
      h('p', { class: 'muted', id: 'dash-loading', text: 'Loading…' }));
      let s;
      try {
        s = await call('GET', `/stats?since=${encodeURIComponent(since)}&group_by=${groupBy}`);
      } catch (e) {
        box.querySelector('#dash-loading').textContent = e.message;
        return;
      }
      const t = s.totals;
      const card = (id, label, value, sub) => h('div', { class: 'stat', id }, h('span', { class: 'stat-label', text: label }),
        h('span', { class: 'stat-value', text: value }), h('span', { class: 'stat-sub', text: sub || '' }));
      const cards = h('div', { class: 'cards' },
        card('dash-runs', 'Runs', fmtInt(s.runs), s.truncated ? 'first 100,000' : `since ${new Date(s.since).toLocaleString()}`),
        card('dash-failure', 'Failure rate', `${(t.failure_rate * 100).toFixed(1)}%`, `${fmtInt(t.failed)} failed`),
        card('dash-p50', 'p50 duration', t.duration_ms.count ? fmtDuration(t.duration_ms.p50) : '–', `${fmtInt(t.duration_ms.count)} finished`),
        card('dash-p95', 'p95 duration', t.duration_ms.count ? fmtDuration(t.duration_ms.p95) : '–', t.duration_ms.count ? `max ${fmtDuration(t.duration_ms.max)}` : ''),
        card('dash-tokens', 'Tokens', fmtInt(t.total_tokens), `${fmtInt(t.input_tokens)} in · ${fmtInt(t.output_tokens)} out`),
        card('dash-cost', 'Cost', fmtCost(t.cost), 'from model calls'));
      const max = Math.max(1, ...s.buckets.map((b) => b.runs));
      const seen = STATUSES.filter((st) => s.by_status[st]);
      const chart = h('figure', { class: 'chart', id: 'dash-chart', 'aria-label': `Runs per ${groupBy} by status` },
        h('div', { class: 'legend' }, seen.map((st) => h('span', { dataset: { status: st } }, legendSwatch(st), `${st.replace('_', ' ')} ${fmtInt(s.by_status[st])}`))),
        h('div', { class: 'chart-bars' }, s.buckets.map((b) => {
          const col = h('span', { class: 'chart-col', title: `${new Date(b.start).toLocaleString()}: ${b.runs} runs`, dataset: { start: b.start, runs: String(b.runs) } });
          for (const st of STATUSES) {
            if (!b.by_status[st]) continue;
            const seg = h('i', { dataset: { status: st } });
            seg.style.height = `${(100 * b.by_status[st]) / max}%`;
            col.append(seg);
          }
          return col;
        })),
        h('div', { class: 'chart-axis' }, h('span', { text: new Date(s.buckets[0].start).toLocaleString() }),
          h('span', { text: `runs per ${groupBy} (max ${max})` }), h('span', { text: new Date(s.buckets[s.buckets.length - 1].start).toLocaleString() })));
      const table = (id, caption, head, rows) => h('table', { class: 'grid', id },
        h('caption', { class: 'sr-only', text: caption }),
        h('thead', {}, h('tr', {}, head.map(([label, num]) => h('th', { class: num ? 'num' : '', scope: 'col', text: label })))),
        h('tbody', {}, rows.length ? rows : [h('tr', {}, h('td', { colspan: String(head.length), class: 'muted', text: 'Nothing yet.' }))]));
      const wf = table('dash-workflows', 'By workflow', [['Workflow'], ['Runs', 1], ['Failure', 1], ['p50', 1], ['p95', 1], ['Tokens', 1], ['Cost', 1]],
        s.by_workflow.map((w) => h('tr', { dataset: { workflow: w.workflow } }, h('td', { text: w.workflow }), h('td', { class: 'num', text: fmtInt(w.runs) }),
          h('td', { class: 'num', text: `${(w.failure_rate * 100).toFixed(1)}%` }),
          h('td', { class: 'num', text: w.duration_ms.count ? fmtDuration(w.duration_ms.p50) : '–' }),
          h('td', { class: 'num', text: w.duration_ms.count ? fmtDuration(w.duration_ms.p95) : '–' }),
          h('td', { class: 'num', text: fmtInt(w.total_tokens) }), h('td', { class: 'num', text: fmtCost(w.cost) }))));
      const byModel = s.by_model || [];
      const models = table('dash-models', 'By model', [['Provider'], ['Model'], ['Runs', 1], ['Calls', 1], ['Failed calls', 1],
        ['Input tokens', 1], ['Output tokens', 1], ['Cost', 1]],
      byModel.map((m) => h('tr', { dataset: { provider: m.provider, model: m.model } }, h('td', { text: m.provider }),
        h('td', { class: 'mono', text: m.model }), h('td', { class: 'num', text: fmtInt(m.runs) }),
        h('td', { class: 'num', text: fmtInt(m.calls) }), h('td', { class: 'num', text: fmtInt(m.failed_calls) }),
        h('td', { class: 'num', text: fmtInt(m.input_tokens) }), h('td', { class: 'num', text: fmtInt(m.output_tokens) }),
        h('td', { class: 'num', text: fmtCost(m.cost) }))));
      const unsplit = s.runs_without_model_split
        ? h('p', { class: 'muted', id: 'dash-models-note', text: `${fmtInt(s.runs_without_model_split)} runs were summarized before the split by model: their tokens and cost count in the totals only.` })
        : null;
      const failing = table('dash-failing', 'Top failing steps', [['Workflow'], ['Step'], ['Failed runs', 1], ['Failed attempts', 1]],
        s.top_failing_steps.map((f) => h('tr', { dataset: { step: f.step_id } }, h('td', { text: f.workflow }), h('td', { class: 'mono', text: f.step_id }),
          h('td', { class: 'num', text: fmtInt(f.failed_runs) }), h('td', { class: 'num', text: fmtInt(f.failed_attempts) }))));
      box.replaceChildren(box.firstChild, cards, chart, h('h2', { class: 'sub-h', text: 'By workflow' }), wf,
        h('h2', { class: 'sub-h', text: 'By model' }), models, ...(unsplit ? [unsplit] : []),
        h('h2', { class: 'sub-h', text: 'Top failing steps' }), failing);
    }

    function legendSwatch(status) {
      const i = h('i', { dataset: { status } });
      i.className = 'legend-swatch';
      return i;
    }

    lib.addRoute({ matches: (hash) => PATTERN.test(hash), panel: 'dashboard-view', show });
  };
})();
