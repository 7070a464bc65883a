// Runs viewer: the trace tree of a large run. The server folds the run's events into nodes
// (GET /runs/{id}/trace, pages of nodes) and this part draws them as a virtual tree: a spacer as
// tall as every visible row, and in the DOM only the rows in view and a margin. The rows look and
// behave like trace.js's (same classes and data attributes, collapse and expand, the WAI-ARIA tree
// keys, the critical path); a node's payload is fetched when it is clicked, and a live run grows
// by asking for the nodes changed since the last answer (?since=).
'use strict';
(function () {
  const parts = (window.RunsViewerParts = window.RunsViewerParts || {});

  const ROW = 26;
  /** The first page of nodes: app.js asks for it with the run when the trace tab is open. */
  const FIRST_PAGE = 2000;
  const PAGE = 10000;

  /** @param lib helpers from app.js: h, call, runPath, fmtDuration, fmtInt, fmtCost, copyText */
  parts.bigTrace = function (lib, box, detail) {
    const { h, call, runPath, fmtDuration, fmtInt, fmtCost } = lib;
    let s = null; // the open run's state, null when none

    function fresh(id) {
      return {
        id, nodes: [], t0: null, lastMs: 0, status: 'started', since: 0, loaded: false, loading: false,
        again: false, partial: false, toggled: new Set(), visible: [], sub: [], crit: new Set(), selected: null,
        focusId: null, frame: 0, rowCache: new Map(), axisSpan: null, dirty: true, rowsEl: null, spacer: null, lastFetch: 0,
        mounted: new Map(), tabStop: null, rowsTop: null, rowsTopSpan: null, clock: 0, laidOut: 0,
      };
    }

    /**
     * Starts following a run; loads its tree now when the trace is in view, else on show().
     * @param prefetched the first page's promise when app.js asked for it already, else null
     */
    function open(id, inView, prefetched) {
      stop();
      s = fresh(id);
      s.prefetched = prefetched || null;
      if (inView) show();
    }

    function stop() {
      if (s && s.frame) cancelAnimationFrame(s.frame);
      box.classList.remove('vbox');
      s = null;
    }

    /** The trace tab is shown: loads the tree the first time. */
    function show() {
      if (!s) return;
      if (!s.loaded && !s.loading) load();
      else schedule();
    }

    async function fetchAll(path, mine, prefetched) {
      let first = null;
      let next = path;
      while (next) {
        const page = (first === null && prefetched ? await prefetched : null) || await call('GET', next);
        if (s !== mine) return null;
        if (first === null) first = page;
        if (page.partial) mine.partial = true;
        ingest(page);
        schedule();
        next = page.truncated ? page.next : null;
      }
      return first;
    }

    /** Loads the whole tree, page after page; the first page is drawn at once. */
    async function load() {
      const mine = s;
      s.loading = true;
      try {
        const first = await fetchAll(`${runPath(s.id)}/trace?limit=${FIRST_PAGE}`, mine, s.prefetched);
        if (!first) return;
        s.since = first.sequence; // later pages may be newer: what changed after the first is asked again
        s.loaded = true;
        if (!s.partial) box.dispatchEvent(new CustomEvent('trace-loaded'));
      } catch (e) {
        if (s === mine) box.replaceChildren(h('p', { class: 'muted trace-note', text: `The trace could not be loaded: ${e.message}` }));
        return;
      } finally {
        if (s === mine) s.loading = false;
      }
      refresh();
    }

    /** Asks for the nodes changed since the last answer; one request at a time, the next queued. */
    async function refresh() {
      if (!s || !s.loaded) return;
      if (s.loading) { s.again = true; return; }
      const mine = s;
      s.loading = true;
      s.again = false;
      s.lastFetch = Date.now();
      const wasPartial = s.partial;
      s.partial = false;
      try {
        const first = await fetchAll(`${runPath(s.id)}/trace?since=${s.since}&limit=${PAGE}`, mine);
        if (first) s.since = Math.max(s.since, first.sequence);
      } catch (e) {
        s.partial = wasPartial; // the next event, or the next tick, asks again
      } finally {
        if (s === mine) {
          s.loading = false;
          // a partial answer: the server's fold has not reached the end of the log yet
          if (s.partial) setTimeout(refresh, 0);
          else if (s.again) setTimeout(refresh, Math.max(0, 250 - (Date.now() - s.lastFetch)));
          if (wasPartial && !s.partial) box.dispatchEvent(new CustomEvent('trace-loaded'));
        }
      }
    }

    function ingest(page) {
      if (page.started_at) s.t0 = Date.parse(page.started_at);
      s.lastMs = Math.max(s.lastMs, page.last_event_ms || 0);
      s.status = page.status;
      for (const d of page.nodes) {
        const have = s.nodes[d.id - 1];
        if (have) {
          Object.assign(have, d, { children: have.children, depth: have.depth });
          continue;
        }
        const parent = d.parent ? s.nodes[d.parent - 1] : null;
        const n = Object.assign(d, { children: [], depth: parent ? parent.depth + 1 : 0 });
        s.nodes[d.id - 1] = n;
        if (parent) parent.children.push(n);
      }
      s.dirty = true;
    }

    const live = () => s && !['completed', 'failed', 'cancelled', 'interrupted'].includes(s.status);
    const nowMs = () => (live() && s.t0 !== null ? Math.max(s.lastMs, Date.now() - s.t0) : s.lastMs);

    /** A node is open when it is near the top (run and its children) unless toggled, and the reverse. */
    const isOpen = (n) => (n.depth <= 1) !== s.toggled.has(n.id);

    /** The visible rows in tree order, each subtree's end time, and the critical path. */
    function layout() {
      const now = nowMs();
      s.laidOut = Date.now();
      s.clock = Math.floor(now / 1000); // running rows are redrawn when this changes
      const nodes = s.nodes;
      const sub = new Float64Array(nodes.length);
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i];
        if (!n) continue;
        // children have higher ids: sub[i] already holds the latest end below this node
        const own = n.end_ms !== undefined ? n.end_ms : (n.point ? n.start_ms || 0 : now);
        sub[i] = Math.max(sub[i], own);
        if (n.parent) sub[n.parent - 1] = Math.max(sub[n.parent - 1], sub[i]);
      }
      s.sub = sub;
      const crit = new Set();
      let n = nodes[0];
      while (n) {
        crit.add(n.id);
        let best = null;
        for (const c of n.children) {
          if (c.point) continue;
          if (!best || sub[c.id - 1] > sub[best.id - 1] || (sub[c.id - 1] === sub[best.id - 1] && c.start_ms > best.start_ms)) best = c;
        }
        n = best;
      }
      s.crit = crit;
      const visible = [];
      const stack = nodes[0] ? [nodes[0]] : [];
      while (stack.length) {
        const x = stack.pop();
        visible.push(x);
        if (isOpen(x)) for (let i = x.children.length - 1; i >= 0; i--) stack.push(x.children[i]);
      }
      s.visible = visible;
      s.dirty = false;
    }

    function schedule() {
      if (!s || s.frame) return;
      s.frame = requestAnimationFrame(() => { if (s) { s.frame = 0; draw(); } });
    }

    function tagOf(n) {
      if (n.status === 'failed') return 'error';
      return { run: 'run', phase: 'phase', step: 'step', model: 'model', tool: 'tool', handoff: 'agent', agent: 'agent', guardrail: 'guardrail', checkpoint: 'checkpoint', decision: 'decision' }[n.kind] || 'x';
    }

    function draw() {
      if (!s || !s.nodes.length || box.offsetParent === null) return;
      if (s.dirty) layout();
      const span = Math.max(1, s.sub[0]);
      if (!s.rowsEl || !box.contains(s.rowsEl)) {
        s.spacer = h('div', { class: 'vtree' });
        s.rowsEl = h('div', { class: 'trace-rows', role: 'tree', 'aria-label': 'Trace tree' }, s.spacer);
        s.axis = h('div', { class: 'trace-axis', 'aria-hidden': 'true' });
        s.axisSpan = null;
        s.mounted = new Map();
        s.rowsTop = null;
        box.replaceChildren(s.axis, s.rowsEl);
        box.classList.add('vbox');
      }
      if (s.axisSpan !== span) {
        s.axisSpan = span;
        s.rowCache = new Map(); // bars are drawn against the span
        s.axis.replaceChildren(h('span', { class: 'trace-label' }, 'span'),
          h('span', { class: 'trace-ticks' }, [0, 0.5, 1].map((f) => {
            const tick = h('i', { text: fmtDuration(f * span) });
            tick.style.left = `${f * 100}%`;
            return tick;
          })), h('span', { class: 'trace-num', text: 'duration' }), h('span', { class: 'trace-num', text: 'tokens' }), h('span', { class: 'trace-num', text: 'cost' }));
      }
      // every read of geometry comes before the first write, so that a frame lays the page out
      // once; the rows' offset in the box only moves when the axis above them does
      const scrollTop = box.scrollTop;
      const viewHeight = box.clientHeight;
      if (s.rowsTop === null || s.rowsTopSpan !== span) {
        s.rowsTop = s.rowsEl.offsetTop;
        s.rowsTopSpan = span;
      }
      const top = scrollTop - s.rowsTop;
      const height = `${s.visible.length * ROW}px`;
      if (s.spacer.style.height !== height) s.spacer.style.height = height;
      const first = Math.max(0, Math.floor(top / ROW) - 8);
      const last = Math.min(s.visible.length, Math.ceil((top + viewHeight) / ROW) + 8);
      const active = document.activeElement;
      const focused = active && s.spacer.contains(active) && active.classList.contains('trace-row') ? active : null;
      // a row is kept while its node, its state and the span are unchanged; a running node's
      // duration changes once a second (s.clock), not every frame
      if (s.rowCache.size > 4000) {
        const keep = new Map();
        for (const id of s.mounted.keys()) if (s.rowCache.has(id)) keep.set(id, s.rowCache.get(id));
        s.rowCache = keep;
      }
      const wanted = new Map();
      for (let i = first; i < last; i++) {
        const n = s.visible[i];
        const sig = `${n.changed}|${isOpen(n)}|${s.crit.has(n.id)}|${s.selected === n.id}|${n.children.length}|${s.sub[n.id - 1]}|${n.end_ms === undefined ? s.clock : ''}`;
        const hit = s.rowCache.get(n.id);
        let el;
        if (hit && hit.sig === sig) el = hit.el;
        else {
          el = row(n, i, span);
          s.rowCache.set(n.id, { sig, el });
        }
        if (el.dataset.index !== String(i)) {
          el.style.top = `${i * ROW}px`;
          el.dataset.index = String(i);
        }
        wanted.set(n.id, el);
      }
      // rows that left the view, or were rebuilt, go; the others stay where they are
      for (const [id, el] of s.mounted) {
        if (wanted.get(id) !== el) el.remove();
      }
      // the rest in tree order, moving or inserting only what is out of place
      let prev = null;
      for (const el of wanted.values()) {
        const want = prev ? prev.nextSibling : s.spacer.firstChild;
        if (want !== el) s.spacer.insertBefore(el, want);
        prev = el;
      }
      s.mounted = wanted;
      // one row is the tree's tab stop: the focused one, else the selected one, else the first
      const stopId = s.focusId !== null && wanted.has(s.focusId) ? s.focusId
        : (s.selected !== null && wanted.has(s.selected) ? s.selected : null);
      const stop = stopId !== null ? wanted.get(stopId) : wanted.values().next().value;
      if (s.tabStop !== stop) {
        if (s.tabStop) s.tabStop.tabIndex = -1;
        if (stop) stop.tabIndex = 0;
        s.tabStop = stop || null;
      }
      if (focused && document.activeElement !== focused) {
        // the focused row was rebuilt or moved: the focus follows its node
        const again = wanted.get(Number(focused.dataset.key));
        if (again) again.focus({ preventScroll: true });
      }
    }

    function row(n, index, span) {
      const start = n.start_ms !== undefined ? n.start_ms : 0;
      const end = n.point ? start : s.sub[n.id - 1];
      const ms = n.duration_ms !== undefined ? n.duration_ms : end - start;
      const open = isOpen(n);
      const hasKids = n.children.length > 0;
      const crit = s.crit.has(n.id);
      const toggle = hasKids
        ? h('button', { type: 'button', class: 'trace-toggle', tabindex: '-1', 'aria-label': (open ? 'Collapse ' : 'Expand ') + n.name, 'aria-expanded': String(open),
          onclick: (e) => { e.stopPropagation(); toggleNode(n); } }, open ? '▾' : '▸')
        : h('span', { class: 'trace-toggle-sp' });
      const barEl = h('i', { class: 'trace-bar' + (n.point ? ' point' : '') });
      barEl.style.left = `${(start / span) * 100}%`;
      if (!n.point) barEl.style.width = `${Math.max(0.4, ((end - start) / span) * 100)}%`;
      const label = h('span', { class: 'trace-label' });
      label.style.paddingLeft = `${n.depth * 16}px`;
      label.append(toggle, h('span', { class: `tag tag-${tagOf(n)}`, text: n.kind }),
        h('span', { class: 'trace-name', title: n.step_id || n.name, text: n.name }),
        hasKids && !open ? h('span', { class: 'muted trace-count', text: fmtInt(n.children.length) }) : null);
      const el = h('div', {
        class: 'trace-row' + (crit ? ' crit' : '') + (s.selected === n.id ? ' selected' : '') + (n.status === 'failed' ? ' err' : ''),
        role: 'treeitem', tabindex: '-1', 'aria-level': String(n.depth + 1), 'aria-selected': String(s.selected === n.id),
        'aria-expanded': hasKids ? String(open) : undefined,
        dataset: { key: String(n.id), kind: n.kind, status: n.status, depth: String(n.depth), step: n.step_id || undefined, crit: crit ? 'true' : undefined, parent: n.parent ? String(n.parent) : undefined, seq: n.events.length ? String(n.events[0]) : undefined },
        onclick: () => select(n),
        onfocus: () => { s.focusId = n.id; },
        onkeydown: (e) => onRowKey(e, n, Number(e.currentTarget.dataset.index)),
      }, label, h('span', { class: 'trace-lane' }, barEl),
      h('span', { class: 'trace-num dur', text: n.point ? '' : (n.end_ms === undefined && live() ? 'running…' : fmtDuration(ms)) }),
      h('span', { class: 'trace-num tok', text: n.tokens ? fmtInt(n.tokens) : '' }),
      h('span', { class: 'trace-num cost', text: n.cost ? fmtCost(n.cost) : '' }));
      el.style.top = `${index * ROW}px`;
      return el;
    }

    function toggleNode(n) {
      if (s.toggled.has(n.id)) s.toggled.delete(n.id); else s.toggled.add(n.id);
      s.focusId = n.id;
      s.dirty = true;
      draw();
    }

    /** Scrolls the row at this index into view, draws, and focuses it. */
    function focusIndex(i) {
      if (i < 0 || i >= s.visible.length) return;
      const n = s.visible[i];
      const y = s.rowsEl.offsetTop + i * ROW;
      if (y < box.scrollTop + ROW) box.scrollTop = y - ROW;
      else if (y + ROW > box.scrollTop + box.clientHeight) box.scrollTop = y + 2 * ROW - box.clientHeight;
      s.focusId = n.id;
      draw();
      const el = s.spacer.querySelector(`.trace-row[data-key="${n.id}"]`);
      if (el) el.focus({ preventScroll: true });
    }

    /** The WAI-ARIA tree keys, over the visible rows (most of them not in the DOM). */
    function onRowKey(e, n, index) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const hasKids = n.children.length > 0;
      switch (e.key) {
        case 'Enter':
        case ' ':
          select(n);
          break;
        case 'ArrowDown': focusIndex(index + 1); break;
        case 'ArrowUp': focusIndex(index - 1); break;
        case 'Home': focusIndex(0); break;
        case 'End': focusIndex(s.visible.length - 1); break;
        case 'ArrowRight':
          if (!hasKids) return;
          if (isOpen(n)) focusIndex(index + 1);
          else { toggleNode(n); focusIndex(index); }
          break;
        case 'ArrowLeft':
          if (hasKids && isOpen(n)) { toggleNode(n); focusIndex(index); }
          else if (n.parent) focusIndex(s.visible.indexOf(s.nodes[n.parent - 1]));
          else return;
          break;
        default:
          return;
      }
      e.preventDefault();
    }

    /** Selects a node and shows its events, fetched by sequence from the events endpoint. */
    async function select(n) {
      const mine = s;
      s.selected = n.id;
      box.querySelectorAll('.trace-row').forEach((r) => {
        r.classList.toggle('selected', r.dataset.key === String(n.id));
        r.setAttribute('aria-selected', String(r.dataset.key === String(n.id)));
      });
      const pre = detail.querySelector('#trace-json');
      detail.dataset.key = String(n.id);
      detail.querySelector('#trace-detail-title').textContent = `${n.kind} · ${n.name}`;
      detail.querySelector('#trace-copy').textContent = 'Copy JSON';
      pre.textContent = 'Loading…';
      detail.hidden = false;
      try {
        const events = await Promise.all(n.events.map((seq) => call('GET', `${runPath(mine.id)}/events?after=${seq - 1}&limit=1`).then((a) => a[0])));
        if (s !== mine || s.selected !== n.id) return;
        pre.textContent = JSON.stringify(events.length === 1 ? events[0] : events, null, 2);
      } catch (e) {
        if (s === mine && s.selected === n.id) pre.textContent = `The events could not be loaded: ${e.message}`;
      }
    }

    detail.querySelector('#trace-close').addEventListener('click', () => { if (s) s.selected = null; });
    box.addEventListener('scroll', () => { if (s && s.loaded) schedule(); }, { passive: true });

    return {
      FIRST_PAGE,
      open, stop, show,
      /** Whether a large run's tree is open. */
      active: () => s !== null,
      /** An event of the run arrived (SSE): the nodes it changed are asked for. */
      onEvent(ev) {
        if (!s || !s.loaded || ev.sequence <= s.since) return;
        if (!['completed', 'failed', 'cancelled', 'interrupted'].includes(s.status) || ev.type.startsWith('run.')) refresh();
      },
      /** Redraws a live run so that running bars grow with the clock, once a second. */
      tick() {
        if (s && s.loaded && live() && Date.now() - s.laidOut >= 1000) { s.dirty = true; schedule(); }
      },
      /** Selects the node of an event (deep links), once the tree holds it. */
      selectSequence(seq) {
        if (!s || !s.loaded) return false;
        const n = s.nodes.find((x) => x && x.events.includes(seq));
        if (!n) return false;
        for (let p = n.parent ? s.nodes[n.parent - 1] : null; p; p = p.parent ? s.nodes[p.parent - 1] : null) {
          if (!isOpen(p)) s.toggled.has(p.id) ? s.toggled.delete(p.id) : s.toggled.add(p.id);
        }
        s.dirty = true;
        layout();
        focusIndex(s.visible.indexOf(n));
        select(n);
        return true;
      },
    };
  };
})();
