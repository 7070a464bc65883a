// Runs viewer: lists runs, follows one over Server-Sent Events, and starts, cancels, resumes and
// replays runs only when a button is clicked (each click sends a fresh trigger id, source "ui").
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);

  /** Builds an element; strings become text nodes (never HTML). */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') { for (const [dk, dv] of Object.entries(v)) if (dv !== undefined && dv !== null) el.dataset[dk] = dv; }
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of kids.flat()) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }

  // ---- API ----------------------------------------------------------------------------------------

  async function call(method, path, body) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const type = res.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await res.json() : await res.text();
    if (!res.ok) {
      const err = new Error(data && data.detail ? data.detail : res.status + ' ' + res.statusText);
      err.problem = data;
      throw err;
    }
    return data;
  }

  const runPath = (id) => '/runs/' + encodeURIComponent(id);

  function newTriggerId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  /** A fresh explicit action from this page. */
  const uiTrigger = () => ({ trigger_id: newTriggerId(), trigger_source: 'ui' });

  // ---- formatting ---------------------------------------------------------------------------------

  function fmtDuration(ms) {
    if (ms === undefined || ms === null || isNaN(ms)) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
    const m = Math.floor(ms / 60000);
    return `${m}m ${Math.round((ms % 60000) / 1000)}s`;
  }
  function fmtAgo(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return `${Math.floor(s)}s ago`;
    if (s < 3600) return `${Math.floor(s / 60)}m ago`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
    return new Date(iso).toLocaleDateString();
  }
  function fmtBytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }
  const fmtInt = (n) => Number(n || 0).toLocaleString('en-US');
  const fmtCost = (n) => (Number(n) || 0).toFixed(4);
  const short = (hash) => (hash ? hash.slice(0, 12) + '…' : '');
  function preview(v, max = 90) {
    if (v === undefined) return '';
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return s.length > max ? s.slice(0, max - 1) + '…' : s;
  }
  const isActive = (s) => ['created', 'queued', 'running', 'cancel_requested'].includes(s);

  /** Copies text to the clipboard; falls back to a selected textarea where the API is refused. */
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      const area = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
      area.value = text;
      document.body.append(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand('copy'); } catch (ignored) { ok = false; }
      area.remove();
      return ok;
    }
  }

  const lib = { h, call, runPath, fmtDuration, fmtInt, fmtCost, fmtAgo, preview, copyText, toast: (m, b) => toast(m, b), uiTrigger };
  const parts = window.RunsViewerParts || {};
  const trace = parts.trace(lib, $('trace'), $('trace-detail'));
  const bigTrace = parts.bigTrace(lib, $('trace'), $('trace-detail'));

  function toast(message, bad) {
    const t = h('div', { class: 'toast' + (bad ? ' bad' : ''), role: 'status', text: message });
    $('toasts').append(t);
    setTimeout(() => t.remove(), bad ? 7000 : 3000);
  }

  // ---- runs list ----------------------------------------------------------------------------------

  // The search lives in the page's query string (?q=&workflow=&status=...) so that it can be shared;
  // the hash names what is open (#/runs/{id}, #/compare/{a}/{b}, #/dashboard).
  const SEARCH_FIELDS = { q: 'search-q', workflow: 'search-workflow', namespace: 'search-namespace', thread: 'search-thread', label: 'search-label', trigger_source: 'search-trigger', created_from: 'search-from', created_before: 'search-to' };
  const list = { filter: '', loading: false, runs: [], cursor: null, params: new URLSearchParams() };

  /** The listing query from the form (and the status chip), as the server's parameters. */
  function formParams() {
    const p = new URLSearchParams();
    for (const [name, id] of Object.entries(SEARCH_FIELDS)) {
      let v = $(id).value.trim();
      if (!v) continue;
      if (id === 'search-from' || id === 'search-to') v = new Date(v).toISOString();
      p.set(name, v);
    }
    if (list.filter) p.set('status', list.filter);
    return p;
  }

  function fillForm(p) {
    for (const [name, id] of Object.entries(SEARCH_FIELDS)) {
      let v = p.get(name) || '';
      if (v && (id === 'search-from' || id === 'search-to')) {
        const d = new Date(v);
        v = isNaN(d) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
      }
      $(id).value = v;
    }
    list.filter = p.get('status') || '';
    document.querySelectorAll('#status-filters .chip').forEach((c) => c.classList.toggle('active', c.dataset.status === list.filter));
    if (['workflow', 'namespace', 'thread', 'label', 'trigger_source', 'created_from', 'created_before'].some((k) => p.get(k))) $('search-more').open = true;
  }

  /** Applies the form: puts the query in the URL and loads the first page. */
  function search() {
    list.params = formParams();
    const qs = list.params.toString();
    history.replaceState(null, '', (qs ? '?' + qs : location.pathname) + location.hash);
    list.runs = [];
    list.cursor = null;
    loadRuns(false, true);
  }

  async function loadRuns(more, force) {
    if (list.loading) return;
    // a text search reads events: refresh it on request only, and never drop pages already loaded
    if (!force && !more && (list.params.get('q') || list.runs.length > 100)) return;
    list.loading = true;
    try {
      const p = new URLSearchParams(list.params);
      p.set('limit', '100');
      if (more && list.cursor) p.set('cursor', list.cursor);
      const page = await call('GET', '/runs?' + p.toString());
      list.runs = more ? list.runs.concat(page.runs) : page.runs;
      list.cursor = page.next_cursor || null;
      $('search-error').hidden = true;
      renderRuns(list.runs);
    } catch (e) {
      $('run-count').textContent = 'unavailable';
      if (e.problem && e.problem.field) {
        $('search-error').textContent = `${e.problem.field}: ${e.problem.detail}`;
        $('search-error').hidden = false;
      }
    } finally {
      list.loading = false;
    }
  }

  /** The runs listed, but the open one, to compare it with; keeps the choice across refreshes. */
  function fillComparePicker() {
    if (!view.id) return;
    const sel = $('compare-with');
    const others = list.runs.filter((r) => r.run_id !== view.id);
    const key = view.id + ' ' + others.map((r) => r.run_id + r.status).join(' ');
    if (sel.dataset.key === key) return;
    sel.dataset.key = key;
    const current = sel.value;
    sel.replaceChildren(...others.map((r) => h('option', { value: r.run_id,
      text: `${r.record.workflow.name}@${r.record.workflow.version} · ${r.status} · …${r.run_id.slice(-6)}` })));
    if (others.some((r) => r.run_id === current)) sel.value = current;
    $('compare-btn').disabled = !others.length;
  }

  function renderRuns(runs) {
    fillComparePicker();
    const ul = $('run-list');
    const focused = document.activeElement && document.activeElement.classList.contains('run-item') ? document.activeElement.dataset.runId : null;
    ul.replaceChildren(...runs.map((r) => {
      const rec = r.record;
      const btn = h('button', {
        type: 'button', class: 'run-item' + (r.run_id === view.id ? ' selected' : ''),
        dataset: { runId: r.run_id, status: r.status }, onclick: () => openRun(r.run_id),
      },
      h('span', { class: 'dot', dataset: { status: r.status }, title: r.status }),
      h('span', { class: 'name', text: `${rec.workflow.name}@${rec.workflow.version}` }),
      h('span', { class: 'when', text: fmtAgo(rec.created_at), title: rec.created_at }),
      h('span', { class: 'sub', text: `${r.status.replace('_', ' ')} · ${rec.trigger.source} · …${r.run_id.slice(-6)}` }),
      r.match ? h('span', { class: 'match', title: r.match.snippet || '', text: r.match.in === 'event' ? `#${r.match.sequence} ${r.match.type}: ${r.match.snippet}` : 'matches the run record' }) : null);
      return h('li', {}, btn);
    }));
    if (focused) {
      const again = ul.querySelector(`.run-item[data-run-id="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
    $('run-list-empty').hidden = runs.length > 0;
    $('run-list-empty').textContent = list.params.toString() ? 'No run matches.' : 'No runs here yet. Start one with Start run.';
    $('run-more').hidden = !list.cursor;
    $('run-count').textContent = list.cursor ? `${runs.length}+` : String(runs.length);
  }

  for (const chip of document.querySelectorAll('#status-filters .chip')) {
    chip.addEventListener('click', () => {
      document.querySelectorAll('#status-filters .chip').forEach((c) => c.classList.toggle('active', c === chip));
      list.filter = chip.dataset.status;
      search();
    });
  }
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  $('search-clear').addEventListener('click', () => {
    fillForm(new URLSearchParams());
    search();
  });
  $('run-more').addEventListener('click', () => loadRuns(true));

  // keyboard: / searches, j and k move through the runs, Enter opens the focused one
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t && t.isContentEditable);
    if (e.key === 'Escape' && t === $('search-q')) { t.blur(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
    if (e.key === '/') {
      e.preventDefault();
      $('search-q').focus();
      $('search-q').select();
    } else if (e.key === 'j' || e.key === 'k') {
      const items = [...document.querySelectorAll('#run-list .run-item')];
      if (!items.length) return;
      e.preventDefault();
      let i = items.indexOf(document.activeElement);
      if (i < 0) i = items.findIndex((x) => x.classList.contains('selected'));
      i = i < 0 ? 0 : Math.max(0, Math.min(items.length - 1, i + (e.key === 'j' ? 1 : -1)));
      items[i].focus();
    }
  });

  // ---- one run: state folded from its events -----------------------------------------------------

  const view = {
    id: null, es: null, lastSeq: 0, count: 0, t0: null, status: null, startedAt: null, endedAt: null,
    groups: new Map(), pending: new Map(), steps: new Map(), tokensIn: 0, tokensOut: 0, cost: 0,
    points: [], timer: null, artifactsTimer: null,
  };

  function openRun(id) {
    const hash = '#/runs/' + encodeURIComponent(id) + (view.tab === 'trace' ? '/trace' : '');
    if (location.hash === hash) showRun(id); else location.hash = hash;
  }

  /**
   * Deep links: #/runs/{id} (timeline), #/runs/{id}/trace, #/runs/{id}/events/{sequence} (the trace
   * with that event's node selected); app parts add their own (#/compare/..., #/dashboard).
   */
  function route() {
    const m = location.hash.match(/^#\/runs\/([^/]+)(?:\/(trace|events\/(\d+)))?$/);
    for (const part of routes) {
      if (part.matches(location.hash)) {
        closeStream();
        view.id = null;
        showOnly(part.panel);
        part.show(location.hash);
        return;
      }
    }
    if (m) {
      const id = decodeURIComponent(m[1]);
      showTab(m[2] ? 'trace' : 'timeline', false);
      if (m[3]) view.pendingSeq = Number(m[3]);
      if (id !== view.id || $('run-view').hidden) showRun(id);
      else if (view.pendingSeq) selectPending();
    } else showNothing();
  }

  /** Other views (dashboard, comparison) register here: a hash test, a panel id and a show function. */
  const routes = [];
  lib.addRoute = (r) => routes.push(r);

  function showOnly(panelId) {
    for (const id of ['placeholder', 'run-view', ...routes.map((r) => r.panel)]) {
      if ($(id)) $(id).hidden = id !== panelId;
    }
    $('side').hidden = panelId !== 'run-view';
  }

  $('trace').addEventListener('trace-loaded', () => selectPending());
  function selectPending() {
    const t = bigTrace.active() ? bigTrace : trace;
    if (view.pendingSeq && t.selectSequence(view.pendingSeq)) view.pendingSeq = null;
  }

  function showTab(tab, updateHash) {
    view.tab = tab;
    const isTrace = tab === 'trace';
    $('tab-trace').classList.toggle('active', isTrace);
    $('tab-timeline').classList.toggle('active', !isTrace);
    $('tab-trace').setAttribute('aria-selected', String(isTrace));
    $('tab-timeline').setAttribute('aria-selected', String(!isTrace));
    $('trace-panel').hidden = !isTrace;
    $('timeline').hidden = isTrace;
    if (isTrace && bigTrace.active()) bigTrace.show();
    else if (isTrace) trace.draw();
    if (updateHash && view.id) {
      history.replaceState(null, '', '#/runs/' + encodeURIComponent(view.id) + (isTrace ? '/trace' : ''));
    }
  }
  $('tab-trace').addEventListener('click', () => showTab('trace', true));
  $('tab-timeline').addEventListener('click', () => showTab('timeline', true));
  $('run-view').addEventListener('keydown', (e) => {
    if (e.target.getAttribute('role') !== 'tab' || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    const next = view.tab === 'trace' ? 'timeline' : 'trace';
    showTab(next, true);
    $('tab-' + next).focus();
  });

  function closeStream() {
    bigTrace.stop();
    if (view.es) view.es.close();
    view.es = null;
    clearInterval(view.timer);
  }

  function showNothing() {
    closeStream();
    view.id = null;
    showOnly('placeholder');
    document.querySelectorAll('.run-item.selected').forEach((b) => b.classList.remove('selected'));
  }

  async function showRun(id) {
    closeStream();
    Object.assign(view, {
      id, lastSeq: 0, count: 0, t0: null, status: null, startedAt: null, endedAt: null,
      groups: new Map(), pending: new Map(), steps: new Map(), tokensIn: 0, tokensOut: 0, cost: 0, points: [],
      activeMs: undefined, executions: undefined, follow: false, large: null,
    });
    document.querySelectorAll('.run-item').forEach((b) => b.classList.toggle('selected', b.dataset.runId === id));
    $('timeline').replaceChildren();
    $('timeline').classList.remove('virtual');
    trace.reset();
    showOnly('run-view');
    $('summary').replaceChildren(h('p', { class: 'muted', text: 'The summary appears when the run ends.' }));
    $('artifacts').replaceChildren(h('p', { class: 'muted', text: 'No stage written yet.' }));
    delete $('artifacts').dataset.key;
    renderStats();
    // the first page of events comes with the run, so that a large run shows rows at once
    const firstPage = call('GET', `${runPath(id)}/events?after=0&limit=${PAGE}`).catch(() => null);
    // on the trace tab, the first nodes of the server's trace too, used if the run is large
    const firstNodes = view.tab === 'trace' ? call('GET', `${runPath(id)}/trace?limit=${bigTrace.FIRST_PAGE}`).catch(() => null) : null;
    try {
      const run = await call('GET', runPath(id));
      if (view.id !== id) return;
      // a large run's trace tree first: on the trace tab it is what the page is opened for
      if (run.event_count > LARGE_RUN) bigTrace.open(id, view.tab === 'trace', firstNodes);
      renderHeader(run);
      renderSummary(run.summary);
      loadArtifacts();
      view.follow = isActive(run.status);
      if (run.event_count > LARGE_RUN) {
        const events = await firstPage;
        // on the trace tab, the tree's first frame goes before the timeline is built
        if (view.tab === 'trace') await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        if (view.id !== id) return;
        view.large = largeTimeline(id, run, events);
        view.count = run.last_sequence;
        view.lastSeq = run.last_sequence;
        setStatus(run.status);
      }
    } catch (e) {
      toast(e.message, true);
      return;
    }
    connect(id, view.lastSeq);
    view.timer = setInterval(() => { renderStats(); trace.tick(); bigTrace.tick(); }, 500);
  }

  function connect(id, after) {
    const es = new EventSource(runPath(id) + '/events' + (after ? `?after=${after}` : ''));
    view.es = es;
    setLive('connecting');
    es.onopen = () => setLive('live');
    es.onmessage = (m) => {
      if (view.id !== id) return;
      const ev = JSON.parse(m.data);
      if (ev.sequence <= view.lastSeq) return;
      view.lastSeq = ev.sequence;
      onEvent(ev);
    };
    es.addEventListener('end', (m) => {
      es.close();
      if (view.es === es) view.es = null;
      const end = JSON.parse(m.data);
      setLive('ended', end.status);
      refreshRun();
      loadRuns();
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setLive('ended');
      else setLive('reconnecting');
    };
  }

  function setLive(state, status) {
    const el = $('live');
    el.dataset.state = state;
    $('live-text').textContent = {
      connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…',
      ended: status ? `stream ended · ${status.replace('_', ' ')}` : 'stream ended', idle: '',
    }[state];
  }

  async function refreshRun() {
    const id = view.id;
    if (!id) return;
    try {
      const run = await call('GET', runPath(id));
      if (view.id !== id) return;
      renderHeader(run);
      renderSummary(run.summary);
      loadArtifacts();
    } catch (e) {
      toast(e.message, true);
    }
  }

  // ---- header, actions, stats --------------------------------------------------------------------

  function renderHeader(run) {
    const rec = run.record;
    view.run = run;
    $('run-workflow').textContent = `${rec.workflow.name}@${rec.workflow.version}`;
    $('run-id').textContent = run.run_id;
    setStatus(run.status);
    const meta = [
      h('span', {}, 'trigger ', h('b', { text: rec.trigger.source }), ' ', h('span', { class: 'mono', text: preview(rec.trigger.trigger_id, 40) })),
      rec.trigger.actor ? h('span', {}, 'by ', h('b', { text: rec.trigger.actor })) : null,
      h('span', { title: rec.created_at }, 'created ', h('b', { text: fmtAgo(rec.created_at) })),
      rec.namespace ? h('span', {}, 'namespace ', h('b', { text: rec.namespace })) : null,
      rec.thread_key ? h('span', {}, 'thread ', h('b', { text: rec.thread_key })) : null,
      rec.lineage ? h('span', {}, `${rec.lineage.relation} of `,
        h('a', { href: '#/runs/' + encodeURIComponent(rec.lineage.parent_run_id), text: '…' + rec.lineage.parent_run_id.slice(-8) }),
        rec.lineage.source_checkpoint ? ` from ${rec.lineage.source_checkpoint}` : '') : null,
    ];
    $('run-meta').replaceChildren(...meta.filter(Boolean));
    const parent = $('compare-parent');
    parent.hidden = !rec.lineage;
    if (rec.lineage) parent.href = `#/compare/${encodeURIComponent(rec.lineage.parent_run_id)}/${encodeURIComponent(run.run_id)}`;
    fillComparePicker();
    $('config').textContent = JSON.stringify(rec.config, null, 2);
    $('config-sha').textContent = 'sha256 ' + short(rec.config_sha256);
    $('config-sha').title = rec.config_sha256;
    view.tokensIn = run.usage ? run.usage.input_tokens : view.tokensIn;
    view.tokensOut = run.usage ? run.usage.output_tokens : view.tokensOut;
    view.cost = run.cost !== undefined ? run.cost : view.cost;
    if (run.summary) {
      view.startedAt = run.summary.started_at ? Date.parse(run.summary.started_at) : view.startedAt;
      view.endedAt = run.summary.ended_at ? Date.parse(run.summary.ended_at) : view.endedAt;
      view.activeMs = run.summary.duration_ms;
      view.executions = run.summary.executions;
    }
    renderStats();
  }

  function setStatus(status) {
    view.status = status;
    const badge = $('run-status');
    badge.textContent = status.replace('_', ' ');
    badge.dataset.status = status;
    $('cancel-btn').disabled = !['created', 'queued', 'running'].includes(status);
    $('resume-btn').disabled = !['failed', 'cancelled', 'interrupted'].includes(status);
    $('replay-btn').disabled = isActive(status);
    $('replay-from').disabled = isActive(status);
    renderReplayPoints();
  }

  function renderReplayPoints() {
    const sel = $('replay-from');
    const current = sel.value;
    const options = [h('option', { value: 'start', text: 'from start' })];
    for (const p of view.points) {
      const [kind, ...rest] = p.split(':');
      options.push(h('option', { value: p, text: `from ${kind} ${rest.join(':')}` }));
    }
    sel.replaceChildren(...options);
    if ([...sel.options].some((o) => o.value === current)) sel.value = current;
  }

  function renderStats() {
    let ms = null;
    if (view.activeMs !== undefined && !isActive(view.status)) ms = view.activeMs;
    else if (view.startedAt) ms = (view.endedAt && !isActive(view.status) ? view.endedAt : Date.now()) - view.startedAt;
    $('stat-duration').textContent = fmtDuration(ms);
    $('stat-duration-sub').textContent = isActive(view.status) ? (view.startedAt ? 'running' : 'waiting')
      : (view.executions ? `${view.executions} execution${view.executions > 1 ? 's' : ''}` : '');
    $('event-count').textContent = fmtInt(view.count);
    $('stat-events-sub').textContent = view.lastSeq ? `last #${view.lastSeq}` : '';
    let done = 0;
    let failed = 0;
    let total = 0;
    for (const s of view.steps.values()) {
      if (s.kind !== 'step') continue;
      total++;
      if (s.status === 'completed') done++;
      if (s.status === 'failed') failed++;
    }
    $('stat-steps').textContent = total ? `${done} / ${total}` : '–';
    $('stat-steps-sub').textContent = failed ? `${failed} failed` : (total ? 'completed' : '');
    const tokens = view.tokensIn + view.tokensOut;
    $('stat-tokens').textContent = tokens ? fmtInt(tokens) : '–';
    $('stat-tokens-sub').textContent = tokens ? `${fmtInt(view.tokensIn)} in · ${fmtInt(view.tokensOut)} out` : '';
    $('stat-cost').textContent = view.cost ? fmtCost(view.cost) : '–';
    $('stat-cost-sub').textContent = view.cost ? 'from model calls' : '';
  }

  async function action(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (e) {
      toast(e.message, true);
    } finally {
      refreshRun();
      loadRuns();
    }
  }

  $('cancel-btn').addEventListener('click', (e) => action(e.currentTarget, async () => {
    const r = await call('POST', runPath(view.id) + '/cancel', { reason: 'cancelled from the run viewer', ...uiTrigger() });
    toast(r.status === 'cancel_requested' ? 'Cancel requested: the run stops at its next step'
      : r.status === 'cancelled' ? 'Run cancelled' : `The run had already ended (${r.status})`);
  }));

  $('resume-btn').addEventListener('click', (e) => action(e.currentTarget, async () => {
    const r = await call('POST', runPath(view.id) + '/resume', uiTrigger());
    toast(r.created ? 'Resumed' : 'Already resumed by this action');
    showRun(view.id);
  }));

  $('compare-btn').addEventListener('click', () => {
    const other = $('compare-with').value;
    if (other) location.hash = `#/compare/${encodeURIComponent(other)}/${encodeURIComponent(view.id)}`;
  });

  $('replay-btn').addEventListener('click', (e) => action(e.currentTarget, async () => {
    const from = $('replay-from').value;
    const r = await call('POST', runPath(view.id) + '/replay', { from, ...uiTrigger() });
    toast(`Replay started ${from === 'start' ? 'from the start' : from}`);
    openRun(r.run_id);
  }));

  // ---- timeline ----------------------------------------------------------------------------------

  const FAMILY = {
    run: 'run', phase: 'phase', step: 'step', model: 'model', tool: 'tool', agent: 'agent',
    guardrail: 'guardrail', console: 'console', artifact: 'artifact', stage: 'stage',
    checkpoint: 'checkpoint', decision: 'decision', budget: 'budget', error: 'error', table: 'x', validation: 'x',
  };

  // ---- large runs: a virtual list over events fetched in pages ------------------------------------

  /**
   * Runs with more events than this open as a virtual list, and their trace tree is folded by the
   * server (GET /runs/{id}/trace) and drawn as a virtual tree (bigtrace.js).
   */
  const LARGE_RUN = 5000;
  const ROW = 26;
  const PAGE = 500;

  /**
   * The timeline of a large run: a spacer as tall as every event, and only the rows in view (plus a
   * margin) in the DOM; pages of events fetched with GET /runs/{id}/events?after=&limit= as they
   * scroll into view, and events arriving live appended to the last page.
   */
  function largeTimeline(id, run, firstPage) {
    const tl = $('timeline');
    const spacer = h('div', { class: 'vlist' });
    const pages = new Map(); // page index -> array of events, or a promise while loading
    if (Array.isArray(firstPage)) pages.set(0, firstPage);
    let total = run.last_sequence;
    let t0 = run.record.created_at ? Date.parse(run.record.created_at) : null;
    tl.replaceChildren(spacer);
    tl.classList.add('virtual');
    let frame = 0;

    function size() { spacer.style.height = `${total * ROW}px`; }

    function load(page) {
      if (pages.has(page)) return;
      const after = page * PAGE;
      const p = call('GET', `${runPath(id)}/events?after=${after}&limit=${PAGE}`).then((events) => {
        if (view.id !== id) return;
        const have = pages.get(page);
        pages.set(page, Array.isArray(have) && have.length > events.length ? have : events);
        schedule();
      }, () => pages.delete(page));
      pages.set(page, p);
    }

    function schedule() {
      if (frame) return;
      frame = requestAnimationFrame(() => { frame = 0; draw(); });
    }

    function draw() {
      if (view.id !== id) return;
      const first = Math.max(0, Math.floor(tl.scrollTop / ROW) - 20);
      const last = Math.min(total, Math.ceil((tl.scrollTop + tl.clientHeight) / ROW) + 20);
      const rows = [];
      for (let i = first; i < last; i++) {
        const page = Math.floor(i / PAGE);
        const events = pages.get(page);
        if (!Array.isArray(events)) { load(page); continue; }
        const ev = events[i - page * PAGE];
        if (!ev) continue;
        if (t0 === null) t0 = Date.parse(ev.time);
        const d = describe(ev);
        const row = h('div', { class: 'ev vrow' + (d.err ? ' err' : ''), dataset: { seq: ev.sequence, type: ev.type }, title: preview(ev.payload, 300) },
          h('span', { class: 't', title: ev.time, text: '+' + ((Date.parse(ev.time) - t0) / 1000).toFixed(2) + 's' }),
          h('span', { class: `tag tag-${d.err && !d.tripped ? 'error' : d.family}`, title: ev.type, text: d.label }),
          h('span', { class: 'txt' }, h('span', { class: 'muted', text: `#${ev.sequence} ` }), ...d.parts),
          h('span', { class: 'dur', text: d.ms !== undefined ? fmtDuration(d.ms) : '' }));
        row.style.top = `${i * ROW}px`;
        rows.push(row);
      }
      spacer.replaceChildren(...rows);
    }

    tl.addEventListener('scroll', function onScroll() {
      if (view.large === null || view.id !== id) { tl.removeEventListener('scroll', onScroll); return; }
      schedule();
    }, { passive: true });
    size();
    draw();
    return {
      append(ev) {
        const i = ev.sequence - 1;
        const page = Math.floor(i / PAGE);
        const events = pages.get(page);
        if (Array.isArray(events)) events[i - page * PAGE] = ev; // else the page's fetch brings it
        total = Math.max(total, ev.sequence);
        size();
        if (view.follow && $('follow').checked) tl.scrollTop = tl.scrollHeight;
        schedule();
      },
    };
  }

  function onEvent(ev) {
    view.count++;
    const time = Date.parse(ev.time);
    if (view.t0 === null) view.t0 = time;
    fold(ev, time);
    if (view.large) {
      view.large.append(ev);
      bigTrace.onEvent(ev);
      renderStats();
      return;
    }
    render(ev, time);
    trace.onEvent(ev);
    if (view.pendingSeq && ev.sequence >= view.pendingSeq) setTimeout(selectPending, 80);
    renderStats();
    if (view.follow && $('follow').checked) {
      const tl = $('timeline');
      tl.scrollTop = tl.scrollHeight;
    }
  }

  function fold(ev, time) {
    const p = ev.payload || {};
    const lifecycle = {
      'run.created': 'created', 'run.queued': 'queued', 'run.started': 'running', 'run.resumed': 'running',
      'run.cancel_requested': 'cancel_requested', 'run.cancelled': 'cancelled', 'run.completed': 'completed',
      'run.failed': 'failed', 'run.interrupted': 'interrupted',
    }[ev.type];
    if (lifecycle) {
      if (ev.type === 'run.started' && !view.startedAt) view.startedAt = time;
      if (['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted'].includes(ev.type)) view.endedAt = time;
      if (ev.type === 'run.resumed') { view.endedAt = null; view.activeMs = undefined; }
      setStatus(lifecycle);
    }
    if (ev.type === 'model.generation.completed' || ev.type === 'model.generation.failed') {
      if (p.usage) {
        view.tokensIn += p.usage.input_tokens || 0;
        view.tokensOut += p.usage.output_tokens || 0;
      }
      if (typeof p.cost === 'number') view.cost += p.cost;
    }
    if ((ev.type.startsWith('step.') || ev.type.startsWith('phase.')) && ev.step_id) {
      const kind = ev.type.split('.')[0];
      const verb = ev.type.split('.')[1];
      const s = view.steps.get(ev.step_id) || { kind, status: 'started' };
      s.status = verb;
      view.steps.set(ev.step_id, s);
      if (ev.type === 'step.started' && !view.points.includes('step:' + ev.step_id)) {
        view.points.push('step:' + ev.step_id);
        renderReplayPoints();
      }
    }
    if (ev.type === 'checkpoint.saved' && p.checkpoint_id && !view.points.includes('checkpoint:' + p.checkpoint_id)) {
      view.points.push('checkpoint:' + p.checkpoint_id);
      renderReplayPoints();
    }
    if (ev.type === 'artifact.created' || ev.type === 'stage.completed') {
      clearTimeout(view.artifactsTimer);
      view.artifactsTimer = setTimeout(loadArtifacts, 150);
    }
  }

  /** The group of a step or phase, created (nested in its parent's) on first use. */
  function group(stepId, kind) {
    let g = view.groups.get(stepId);
    if (g) return g;
    const cut = stepId.lastIndexOf('/');
    const parentId = cut > 0 ? stepId.slice(0, cut) : null;
    const parent = parentId ? group(parentId, 'phase') : null;
    const name = parentId ? stepId.slice(cut + 1) : stepId;
    const state = h('span', { class: 'grp-state' });
    const attempt = h('span', { class: 'attempt' });
    const kindEl = h('span', { class: 'kind', text: kind });
    const summary = h('summary', {}, h('span', { class: 'grp-name', title: stepId }, kindEl, name, attempt), state);
    const body = h('div', { class: 'grp-body' });
    const el = h('details', { class: 'grp', open: true, dataset: { step: stepId, status: 'started' } }, summary, body);
    (parent ? parent.body : $('timeline')).append(el);
    g = { el, body, state, attempt, kindEl, started: null };
    view.groups.set(stepId, g);
    return g;
  }

  function updateGroup(ev, time) {
    const kind = ev.type.split('.')[0];
    const verb = ev.type.split('.')[1];
    const g = group(ev.step_id, kind);
    const p = ev.payload || {};
    g.kindEl.textContent = kind;
    g.el.dataset.status = verb;
    if (ev.attempt && ev.attempt > 1) g.attempt.textContent = `attempt ${ev.attempt}`;
    if (verb === 'started') {
      g.started = time;
      g.state.textContent = 'running…';
    } else if (verb === 'completed') {
      const ms = p.duration_ms !== undefined ? p.duration_ms : (g.started ? time - g.started : undefined);
      g.state.textContent = (p.reused_from ? 'reused · ' : '') + fmtDuration(ms);
    } else if (verb === 'failed') {
      const ms = p.duration_ms !== undefined ? p.duration_ms : (g.started ? time - g.started : undefined);
      g.state.textContent = 'failed · ' + fmtDuration(ms);
    } else {
      g.state.textContent = verb;
    }
  }

  function render(ev, time) {
    const verb = ev.type.split('.').pop();
    const isGroupEvent = (ev.type.startsWith('step.') || ev.type.startsWith('phase.')) && ev.step_id;
    if (isGroupEvent) {
      updateGroup(ev, time);
      if (verb === 'started' || verb === 'completed' || verb === 'skipped') return;
    }
    const parentRow = ev.parent_event_id ? view.pending.get(ev.parent_event_id) : null;
    const d = describe(ev);
    if (parentRow && (verb === 'completed' || verb === 'failed')) {
      fillRow(parentRow, d, ev);
      parentRow.el.classList.remove('pending');
      parentRow.events.push(ev);
      view.pending.delete(ev.parent_event_id);
      return;
    }
    const container = ev.step_id ? group(ev.step_id, 'step').body : $('timeline');
    const row = { el: null, events: [ev] };
    row.t = h('span', { class: 't', title: ev.time, text: '+' + ((time - view.t0) / 1000).toFixed(2) + 's' });
    row.tag = h('span');
    row.txt = h('span', { class: 'txt' });
    row.dur = h('span', { class: 'dur' });
    row.el = h('div', { class: 'ev', dataset: { seq: ev.sequence, type: ev.type }, onclick: () => toggleDetails(row) },
      row.t, row.tag, row.txt, row.dur);
    fillRow(row, d, ev);
    if (d.pending) {
      row.el.classList.add('pending');
      view.pending.set(ev.event_id, row);
    }
    container.append(row.el);
  }

  function fillRow(row, d, ev) {
    row.tag.className = `tag tag-${d.err && !d.tripped ? 'error' : d.family}` + (d.tripped ? ' tripped' : '');
    row.tag.textContent = d.label;
    row.tag.title = ev.type;
    row.txt.replaceChildren(...d.parts);
    row.txt.title = row.txt.textContent;
    row.dur.textContent = d.ms !== undefined ? fmtDuration(d.ms) : '';
    row.el.classList.toggle('err', !!d.err);
    row.el.dataset.type = ev.type;
  }

  function toggleDetails(row) {
    const open = row.el.classList.toggle('open');
    const old = row.el.querySelector('.ev-details');
    if (old) old.remove();
    if (open) {
      row.el.append(h('div', { class: 'ev-details', onclick: (e) => e.stopPropagation() },
        h('pre', { class: 'json', text: row.events.map((e) => JSON.stringify(e, null, 2)).join('\n\n') })));
    }
  }

  const b = (text) => h('b', { text });

  /** How an event reads at a glance: its family tag, a line of text, a duration, error or not. */
  function describe(ev) {
    const p = ev.payload || {};
    const parts = ev.type.split('.');
    const family = ev.type.startsWith('x.') ? 'x' : (FAMILY[parts[0]] || 'x');
    const d = { family, label: parts[0], parts: [], err: false };
    const err = (e) => (e && e.message ? e.message : 'failed');
    switch (ev.type) {
      case 'run.created': d.parts = ['created by ', b(p.trigger ? p.trigger.source : '?'), ' trigger ', h('span', { class: 'mono', text: preview(p.trigger ? p.trigger.trigger_id : '', 40) })]; break;
      case 'run.queued': d.parts = ['queued']; break;
      case 'run.started': d.parts = ['started', p.owner ? ` on ${p.owner}` : '']; break;
      case 'run.resumed': d.parts = ['resumed by ', b(p.trigger ? p.trigger.source : '?'), ' trigger']; break;
      case 'run.cancel_requested': d.parts = ['cancel requested: ', p.reason || '']; break;
      case 'run.cancelled': d.parts = [b('cancelled'), ': ', p.reason || '']; break;
      case 'run.interrupted': d.parts = ['interrupted: ', p.reason || '']; d.err = true; break;
      case 'run.completed': d.parts = [b('completed')]; d.ms = p.summary ? p.summary.duration_ms : undefined; break;
      case 'run.failed': d.parts = [b('failed: '), err(p.error)]; d.err = true; break;
      case 'step.failed': case 'phase.failed': d.parts = [b(ev.step_id.split('/').pop()), ' failed: ', err(p.error)]; d.err = true; d.ms = p.duration_ms; break;
      case 'step.retrying': d.parts = ['retrying as attempt ', b(String(p.next_attempt))]; break;
      case 'model.generation.started':
        d.label = 'model'; d.pending = true;
        d.parts = [b(`${p.provider}/${p.model}`), p.params ? h('span', { class: 'muted', text: ' ' + preview(p.params, 60) }) : ''];
        break;
      case 'model.generation.completed':
        d.label = 'model';
        d.parts = [b(`${p.provider}/${p.model}`), p.usage ? ` · ${fmtInt(p.usage.input_tokens)} → ${fmtInt(p.usage.output_tokens)} tokens` : '',
          typeof p.cost === 'number' ? ` · cost ${fmtCost(p.cost)}` : '', p.finish_reason ? ` · ${p.finish_reason}` : ''];
        d.ms = p.latency_ms;
        break;
      case 'model.generation.failed': d.label = 'model'; d.parts = [b(`${p.provider}/${p.model}`), ' failed: ', err(p.error)]; d.err = true; d.ms = p.latency_ms; break;
      case 'tool.call.started': d.label = 'tool'; d.pending = true; d.parts = [b(p.tool_name), h('span', { class: 'muted', text: `(${preview(p.arguments, 70)})` })]; break;
      case 'tool.call.completed': d.label = 'tool'; d.parts = [b(p.tool_name), ' → ', preview(p.result, 80)]; d.ms = p.latency_ms; break;
      case 'tool.call.failed': d.label = 'tool'; d.parts = [b(p.tool_name), ' failed: ', err(p.error)]; d.err = true; d.ms = p.latency_ms; break;
      case 'agent.handoff': d.label = 'handoff'; d.parts = [b(p.from_agent), ' → ', b(p.to_agent), p.reason ? h('span', { class: 'muted', text: ` · ${p.reason}` }) : '']; break;
      case 'agent.invoked': d.label = 'agent'; d.parts = ['invoked ', b(p.agent)]; break;
      case 'guardrail.checked':
        d.label = 'guardrail'; d.tripped = p.verdict === 'tripped'; d.err = d.tripped;
        d.parts = [b(p.name), ` (${p.stage}) `, b(p.verdict), p.details ? h('span', { class: 'muted', text: ' ' + preview(p.details, 60) }) : ''];
        break;
      case 'console.line': d.parts = [h('span', { class: 'console ' + (p.stream || ''), text: p.text })]; d.err = p.stream === 'stderr'; break;
      case 'artifact.created': d.parts = [b(p.path), ` · ${fmtBytes(p.size || 0)} · sha256 `, h('span', { class: 'mono', text: short(p.sha256) })]; break;
      case 'stage.completed': d.parts = ['stage ', b(p.stage_key), ` attempt ${p.attempt} · manifest `, h('span', { class: 'mono', text: short(p.manifest_sha256) })]; break;
      case 'checkpoint.saved': d.parts = ['checkpoint ', b(p.checkpoint_id)]; break;
      case 'decision.recorded': d.parts = [b(p.decision), ' = ', preview(p.value, 50), p.rationale ? h('span', { class: 'muted', text: ` · ${p.rationale}` }) : '']; break;
      case 'budget.exceeded': d.parts = [b(`${p.dimension} budget exceeded`), `: ${p.actual} of ${p.limit}`]; d.err = true; break;
      case 'error': d.parts = [b(p.code), ': ', p.message]; d.err = true; break;
      case 'table.summary': d.label = 'table'; d.parts = [b(p.table), ' ', preview(p, 80)]; break;
      case 'validation.summary': d.label = 'check'; d.parts = [b(p.name), p.passed ? ' passed' : ' failed']; d.err = !p.passed; break;
      case 'x.runs.highlight': d.label = 'highlight'; d.parts = [b(p.key), ' = ', preview(p.value, 60)]; break;
      default:
        if (ev.type.startsWith('x.')) d.label = parts[parts.length - 1];
        d.parts = [b(ev.type), ' ', h('span', { class: 'muted', text: preview(p, 80) })];
        d.err = ev.type.endsWith('.failed');
    }
    return d;
  }

  // ---- summary and artifacts ---------------------------------------------------------------------

  function kv(pairs) {
    return h('dl', { class: 'kv' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
  }

  function renderSummary(s) {
    const box = $('summary');
    if (!s) {
      box.replaceChildren(h('p', { class: 'muted', text: isActive(view.status) ? 'The summary appears when the run ends.' : 'No summary recorded.' }));
      return;
    }
    const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '–');
    const out = [kv([
      ['Started', time(s.started_at)],
      ['Ended', time(s.ended_at)],
      ['Executions', String(s.executions)],
      ['Errors', String((s.errors || []).length)],
    ])];
    if (s.output !== undefined) {
      out.push(h('div', { class: 'sub-h', text: 'Output' }),
        h('div', { class: 'output', id: 'summary-output', text: typeof s.output === 'string' ? s.output : JSON.stringify(s.output, null, 2) }));
    }
    const highlights = Object.entries(s.highlights || {});
    if (highlights.length) {
      out.push(h('div', { class: 'sub-h', text: 'Highlights' }), kv(highlights.map(([k, v]) => [k, preview(v, 60)])));
    }
    if (s.errors && s.errors.length) {
      out.push(h('div', { class: 'sub-h', text: 'Errors' }),
        h('ul', { class: 'errors' }, s.errors.map((e) => h('li', {}, h('b', { text: e.step_id || e.event_type }), ': ', e.message))));
    }
    if (s.steps && s.steps.length) {
      out.push(h('div', { class: 'sub-h', text: 'Steps' }), ...stepList(s.steps));
    }
    box.replaceChildren(...out);
  }

  /**
   * Steps shown in the summary before "Show all": a summary lists up to 1,000 (RunSummary.MAX_STEPS),
   * five elements each, which made the side panel the page's largest part and slowed its layout.
   */
  const SUMMARY_STEPS = 200;

  /**
   * The summary's steps with their durations as bars (longest = full width): the first
   * SUMMARY_STEPS, then a button that adds the rest.
   */
  function stepList(steps) {
    const max = steps.reduce((m, x) => Math.max(m, x.duration_ms || 0), 1);
    const item = (x) => h('li', { dataset: { status: x.status } },
      h('span', { class: 'mono' }, x.step_id, x.reused ? h('span', { class: 'reused', text: 'reused' }) : '',
        x.attempts > 1 ? h('span', { class: 'reused', text: `×${x.attempts}` }) : ''),
      h('span', { class: 'muted', text: x.status === 'completed' ? fmtDuration(x.duration_ms) : x.status }),
      h('span', { class: 'bar' }, bar((100 * x.duration_ms) / max)));
    const list = h('ul', { class: 'steps' }, steps.slice(0, SUMMARY_STEPS).map(item));
    if (steps.length <= SUMMARY_STEPS) return [list];
    const more = h('button', {
      class: 'btn show-all', type: 'button', text: `Show all ${steps.length.toLocaleString('en-US')} steps`,
      onclick: () => { list.append(...steps.slice(SUMMARY_STEPS).map(item)); more.remove(); },
    });
    return [list, more];
  }

  /** A bar of a width in percent; set through CSSOM, which the page's CSP allows. */
  function bar(percent) {
    const i = h('i');
    i.style.width = `${Math.max(2, percent)}%`;
    return i;
  }

  async function loadArtifacts() {
    const id = view.id;
    if (!id) return;
    try {
      const data = await call('GET', runPath(id) + '/stages');
      if (view.id === id) renderArtifacts(data.stages);
    } catch (e) {
      // the timeline shows the run's state; a failed refresh is retried on the next event
    }
  }

  function renderArtifacts(stages) {
    const box = $('artifacts');
    const key = view.id + JSON.stringify(stages);
    if (box.dataset.key === key) return; // unchanged: keep the DOM (and any focus or selection)
    box.dataset.key = key;
    if (!stages.length) {
      box.replaceChildren(h('p', { class: 'muted', text: 'No stage written yet.' }));
      return;
    }
    box.replaceChildren(...stages.map((st) => h('div', { class: 'stage', dataset: { stage: st.stage_key, attempt: st.attempt } },
      h('div', { class: 'stage-head' },
        h('span', {}, h('b', { text: st.stage_key }), h('span', { class: 'muted', text: ` · attempt ${st.attempt} · ${st.status}` })),
        h('span', { class: 'mono muted', title: 'manifest sha256 ' + st.manifest_sha256, text: short(st.manifest_sha256) })),
      h('ul', { class: 'files' }, st.files.map((f) => h('li', { class: f.href ? 'artifact' : 'plain' },
        f.href
          ? h('a', { class: 'path artifact-link', href: f.href, download: f.path.split('/').pop(), dataset: { sha256: f.sha256 }, text: f.path.replace(/^artifacts\//, '') })
          : h('span', { class: 'path', text: f.path }),
        h('span', { class: 'size', text: `${f.kind} · ${fmtBytes(f.size)}` }),
        h('span', { class: 'hash', title: f.sha256, text: 'sha256 ' + f.sha256 })))))));
  }

  // ---- start dialog ------------------------------------------------------------------------------

  const dialog = $('start-dialog');

  $('start-open').addEventListener('click', async () => {
    $('start-error').hidden = true;
    $('start-submit').disabled = false;
    dialog.showModal();
    try {
      const data = await call('GET', '/workflows');
      const sel = $('start-workflow');
      const refs = data.workflows.map((w) => `${w.name}@${w.version}`);
      if (sel.dataset.refs !== refs.join(' ')) { // only when the registered set changed
        const current = sel.value;
        sel.replaceChildren(...refs.map((r) => h('option', { value: r, text: r })));
        sel.dataset.refs = refs.join(' ');
        if (refs.includes(current)) sel.value = current;
      }
      if (!data.workflows.length) showStartError('No workflow is registered with this orchestrator.');
    } catch (e) {
      showStartError(e.message);
    }
  });

  $('start-cancel').addEventListener('click', () => dialog.close());

  function showStartError(message) {
    $('start-error').textContent = message;
    $('start-error').hidden = false;
  }

  $('start-submit').addEventListener('click', async () => {
    const btn = $('start-submit');
    $('start-error').hidden = true;
    let config;
    try {
      const text = $('start-config').value.trim();
      config = text ? JSON.parse(text) : {};
      if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error('the config must be a JSON object');
    } catch (e) {
      showStartError('Config: ' + e.message);
      return;
    }
    const ref = $('start-workflow').value;
    if (!ref) {
      showStartError('Choose a workflow.');
      return;
    }
    const at = ref.lastIndexOf('@');
    const body = { workflow: { name: ref.slice(0, at), version: ref.slice(at + 1) }, config, ...uiTrigger() };
    const ns = $('start-namespace').value.trim();
    if (ns) body.namespace = ns;
    btn.disabled = true;
    try {
      const r = await call('POST', '/runs', body);
      dialog.close();
      toast(`Started ${ref}`);
      await loadRuns();
      openRun(r.run_id);
    } catch (e) {
      showStartError(e.message);
    } finally {
      btn.disabled = false;
    }
  });

  // ---- start-up ----------------------------------------------------------------------------------

  $('server-note').textContent = location.host;
  window.addEventListener('hashchange', route);
  fillForm(new URLSearchParams(location.search));
  list.params = formParams();
  lib.currentRun = () => (view.id && view.run && view.run.run_id === view.id ? view.run : null);
  lib.openRun = (id) => openRun(id);
  lib.refreshList = () => loadRuns(false, true);
  for (const make of [parts.dashboard, parts.compare, parts.rerun]) if (make) make(lib);
  loadRuns(false, true);
  route();
  setInterval(() => { if (!document.hidden) loadRuns(); }, 3000);
})();
