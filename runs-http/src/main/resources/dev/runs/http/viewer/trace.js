// Runs viewer: the trace tree. Folds a run's events into phases -> steps (one node per attempt) ->
// model calls, tool calls, handoffs and guardrails, nested by step_id and parent_event_id, and
// draws each node as a bar on the run's time axis with its duration, tokens and cost. The critical
// path (from the run down, the child that ended last) is highlighted. app.js feeds it events.
'use strict';
(function () {
  const parts = (window.RunsViewerParts = window.RunsViewerParts || {});

  /** @param lib helpers from app.js: h, fmtDuration, fmtInt, fmtCost, copyText */
  parts.trace = function (lib, box, detail) {
    const { h, fmtDuration, fmtInt, fmtCost } = lib;
    let t = null;

    function reset() {
      t = {
        root: node('run', 'run', 'run', null, null),
        byKey: new Map(), byEvent: new Map(), latestAttempt: new Map(),
        t0: null, tEnd: null, live: false, collapsed: new Set(), selected: null, focusKey: null, dirty: false, timer: null,
      };
      t.byKey.set('run', t.root);
      box.replaceChildren();
      detail.hidden = true;
    }

    function node(key, kind, name, start, parent) {
      return { key, kind, name, start, end: null, ms: undefined, tokens: 0, cost: 0, children: [], parent, events: [], status: 'started' };
    }

    function add(key, kind, name, start, parent) {
      const n = node(key, kind, name, start, parent);
      parent.children.push(n);
      t.byKey.set(key, n);
      return n;
    }

    /** The node of a step path at an attempt, created (under its parent path) on first use. */
    function stepNode(stepId, attempt, kind, time) {
      const a = attempt || t.latestAttempt.get(stepId) || 1;
      const key = `step:${stepId}#${a}`;
      let n = t.byKey.get(key);
      if (n) return n;
      const cut = stepId.lastIndexOf('/');
      const parent = cut > 0 ? stepNode(stepId.slice(0, cut), undefined, 'phase', time) : t.root;
      const name = (cut > 0 ? stepId.slice(cut + 1) : stepId) + (a > 1 ? ` · attempt ${a}` : '');
      n = add(key, kind, name, time, parent);
      n.stepId = stepId;
      if (!t.latestAttempt.has(stepId) || t.latestAttempt.get(stepId) < a) t.latestAttempt.set(stepId, a);
      return n;
    }

    function container(ev, time) {
      if (ev.parent_event_id && t.byEvent.has(ev.parent_event_id)) return t.byEvent.get(ev.parent_event_id);
      if (ev.step_id) return stepNode(ev.step_id, ev.attempt, 'step', time);
      return t.root;
    }

    function finish(n, time, ms) {
      n.end = time;
      if (ms !== undefined && ms !== null) {
        n.ms = ms;
        if (n.start === null || n.start > time - ms) n.start = time - ms;
      }
    }

    /** Folds one event into the tree; returns nothing, schedules a redraw. */
    function onEvent(ev) {
      const time = Date.parse(ev.time);
      if (t.t0 === null) { t.t0 = time; t.root.start = time; }
      t.tEnd = Math.max(t.tEnd || time, time);
      const p = ev.payload || {};
      const [family, verb] = ev.type.split('.');
      const last = ev.type.split('.').pop();
      t.root.events.length < 1 && t.root.events.push(ev);
      if (family === 'run') {
        if (['completed', 'failed', 'cancelled', 'interrupted'].includes(verb)) {
          t.root.status = verb; t.root.end = time; t.live = false;
          t.root.events.push(ev);
        } else if (verb === 'started' || verb === 'resumed') {
          t.root.status = 'running'; t.root.end = null; t.live = true;
        }
      } else if ((family === 'phase' || family === 'step') && ev.step_id) {
        const n = stepNode(ev.step_id, family === 'step' ? ev.attempt : undefined, family, time);
        n.kind = family;
        n.events.push(ev);
        if (verb === 'started') { n.start = time; n.status = 'started'; }
        else if (verb === 'completed' || verb === 'failed' || verb === 'skipped') {
          n.status = verb;
          finish(n, time, p.duration_ms);
          if (p.reused_from) n.reused = true;
        } else if (verb === 'retrying') n.status = 'retrying';
      } else if (ev.type === 'model.generation.started' || ev.type === 'tool.call.started') {
        const kind = family === 'model' ? 'model' : 'tool';
        const name = kind === 'model' ? `${p.provider}/${p.model}` : p.tool_name;
        const n = add('ev:' + ev.event_id, kind, name, time, container(ev, time));
        n.events.push(ev);
        t.byEvent.set(ev.event_id, n);
      } else if (family === 'model' || (family === 'tool' && verb === 'call')) {
        // completed or failed: closes its start, or stands alone when it has none
        let n = ev.parent_event_id ? t.byEvent.get(ev.parent_event_id) : null;
        if (!n || n.end !== null) {
          const kind = family === 'model' ? 'model' : 'tool';
          n = add('ev:' + ev.event_id, kind, kind === 'model' ? `${p.provider}/${p.model}` : p.tool_name, time, container(ev, time));
          t.byEvent.set(ev.event_id, n);
        }
        n.events.push(ev);
        n.status = last;
        finish(n, time, p.latency_ms);
        if (p.usage) n.tokens = (p.usage.input_tokens || 0) + (p.usage.output_tokens || 0);
        if (typeof p.cost === 'number') n.cost = p.cost;
        for (let a = n.parent; a; a = a.parent) { a.tokens += n.tokens; a.cost += n.cost; }
      } else if (family === 'agent' || family === 'guardrail' || ev.type === 'error' || family === 'checkpoint' || family === 'decision') {
        const kind = ev.type === 'agent.handoff' ? 'handoff' : family;
        const name = {
          'agent.handoff': () => `${p.from_agent} → ${p.to_agent}`,
          'agent.invoked': () => p.agent,
          'guardrail.checked': () => `${p.name} (${p.stage}) ${p.verdict}`,
          'checkpoint.saved': () => p.checkpoint_id,
          'decision.recorded': () => p.decision,
          error: () => p.code,
        }[ev.type];
        const n = add('ev:' + ev.event_id, kind, name ? name() : ev.type, time, container(ev, time));
        n.events.push(ev);
        n.end = time;
        n.point = true;
        n.status = ev.type === 'guardrail.checked' && p.verdict === 'tripped' ? 'failed' : (ev.type === 'error' ? 'failed' : 'completed');
        t.byEvent.set(ev.event_id, n);
      }
      schedule();
    }

    function schedule() {
      if (t.timer) return;
      t.timer = setTimeout(() => { t.timer = null; draw(); }, 60);
    }

    function endOf(n, now) {
      if (n.end !== null) return Math.max(n.end, ...n.children.map((c) => endOf(c, now)));
      return now;
    }

    /** From the run down, the child that ended last at every level. */
    function criticalPath(now) {
      const crit = new Set();
      let n = t.root;
      while (n) {
        crit.add(n);
        const timed = n.children.filter((c) => !c.point);
        if (!timed.length) break;
        n = timed.reduce((a, c) => (endOf(c, now) > endOf(a, now) || (endOf(c, now) === endOf(a, now) && c.start > a.start) ? c : a));
      }
      return crit;
    }

    function draw() {
      if (t.t0 === null) return;
      const now = t.root.end !== null ? t.root.end : Math.max(t.tEnd, Date.now());
      const span = Math.max(1, endOf(t.root, now) - t.t0);
      const crit = criticalPath(now);
      const rows = [];
      const axis = h('div', { class: 'trace-axis', 'aria-hidden': 'true' }, h('span', { class: 'trace-label' }, 'span'),
        h('span', { class: 'trace-ticks' }, [0, 0.5, 1].map((f) => {
          const tick = h('i', { text: fmtDuration(f * span) });
          tick.style.left = `${f * 100}%`;
          return tick;
        })), h('span', { class: 'trace-num', text: 'duration' }), h('span', { class: 'trace-num', text: 'tokens' }), h('span', { class: 'trace-num', text: 'cost' }));
      const walk = (n, depth, parentKey) => {
        const start = n.start === null ? t.t0 : n.start;
        const end = n.point ? start : endOf(n, now);
        const ms = n.ms !== undefined ? n.ms : end - start;
        const open = !t.collapsed.has(n.key);
        const hasKids = n.children.length > 0;
        const toggle = hasKids
          ? h('button', { type: 'button', class: 'trace-toggle', 'aria-label': (open ? 'Collapse ' : 'Expand ') + n.name, 'aria-expanded': String(open),
            onclick: (e) => { e.stopPropagation(); if (open) t.collapsed.add(n.key); else t.collapsed.delete(n.key); draw(); } }, open ? '▾' : '▸')
          : h('span', { class: 'trace-toggle-sp' });
        const barEl = h('i', { class: 'trace-bar' + (n.point ? ' point' : '') });
        barEl.style.left = `${((start - t.t0) / span) * 100}%`;
        if (!n.point) barEl.style.width = `${Math.max(0.4, ((end - start) / span) * 100)}%`;
        const label = h('span', { class: 'trace-label' });
        label.style.paddingLeft = `${depth * 16}px`;
        label.append(toggle, h('span', { class: `tag tag-${tagOf(n)}`, text: n.kind }), h('span', { class: 'trace-name', title: n.stepId || n.name, text: n.name }));
        const row = h('div', {
          class: 'trace-row' + (crit.has(n) ? ' crit' : '') + (t.selected === n.key ? ' selected' : '') + (n.status === 'failed' ? ' err' : ''),
          role: 'treeitem', tabindex: '-1', 'aria-level': String(depth + 1), 'aria-selected': String(t.selected === n.key),
          'aria-expanded': hasKids ? String(open) : undefined,
          dataset: { key: n.key, kind: n.kind, status: n.status, depth: String(depth), step: n.stepId || undefined, crit: crit.has(n) ? 'true' : undefined, parent: parentKey },
          onclick: () => select(n),
          onfocus: (e) => rove(e.currentTarget),
          onkeydown: (e) => onRowKey(e, n, hasKids, open, parentKey),
        }, label, h('span', { class: 'trace-lane' }, barEl),
        h('span', { class: 'trace-num dur', text: n.point ? '' : (n.end === null && !n.point ? 'running…' : fmtDuration(ms)) }),
        h('span', { class: 'trace-num tok', text: n.tokens ? fmtInt(n.tokens) : '' }),
        h('span', { class: 'trace-num cost', text: n.cost ? fmtCost(n.cost) : '' }));
        rows.push(row);
        if (open) n.children.forEach((c) => walk(c, depth + 1, n.key));
      };
      walk(t.root, 0, undefined);
      // roving tabindex (WAI-ARIA tree): Tab reaches the tree once, at the row last focused, else
      // the selected one, else the first
      const tabStop = rows.find((r) => r.dataset.key === t.focusKey) || rows.find((r) => r.dataset.key === t.selected) || rows[0];
      if (tabStop) tabStop.tabIndex = 0;
      const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
      box.replaceChildren(axis, h('div', { class: 'trace-rows', role: 'tree', 'aria-label': 'Trace tree' }, rows));
      if (focused) {
        const again = box.querySelector(`.trace-row[data-key="${CSS.escape(focused)}"]`);
        if (again) again.focus();
      }
      if (t.selected) showDetail(t.byKey.get(t.selected));
    }

    /** Makes this row the tree's one tab stop. */
    function rove(row) {
      t.focusKey = row.dataset.key;
      box.querySelectorAll('.trace-row[tabindex="0"]').forEach((r) => { if (r !== row) r.tabIndex = -1; });
      row.tabIndex = 0;
    }

    function focusRow(row) {
      if (!row) return;
      rove(row);
      row.focus();
    }

    /**
     * Keys of the WAI-ARIA tree pattern: Up and Down move between visible rows, Home and End to the
     * first and last; Right expands a collapsed row, or moves to the first child of an open one;
     * Left collapses an open row, or moves to the parent; Enter and Space select.
     */
    function onRowKey(e, n, hasKids, open, parentKey) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const row = e.currentTarget;
      const all = [...box.querySelectorAll('.trace-row')];
      const i = all.indexOf(row);
      switch (e.key) {
        case 'Enter':
        case ' ':
          select(n);
          break;
        case 'ArrowDown':
          focusRow(all[i + 1]);
          break;
        case 'ArrowUp':
          focusRow(all[i - 1]);
          break;
        case 'Home':
          focusRow(all[0]);
          break;
        case 'End':
          focusRow(all[all.length - 1]);
          break;
        case 'ArrowRight':
          if (!hasKids) return;
          if (open) {
            focusRow(all[i + 1]);
          } else {
            t.collapsed.delete(n.key);
            t.focusKey = n.key;
            draw(); // keeps the focus on this row
          }
          break;
        case 'ArrowLeft':
          if (hasKids && open) {
            t.collapsed.add(n.key);
            t.focusKey = n.key;
            draw();
          } else if (parentKey !== undefined) {
            focusRow(box.querySelector(`.trace-row[data-key="${CSS.escape(parentKey)}"]`));
          } else {
            return;
          }
          break;
        default:
          return;
      }
      e.preventDefault();
    }

    function tagOf(n) {
      if (n.status === 'failed') return 'error';
      return { run: 'run', phase: 'phase', step: 'step', model: 'model', tool: 'tool', handoff: 'agent', agent: 'agent', guardrail: 'guardrail', checkpoint: 'checkpoint', decision: 'decision' }[n.kind] || 'x';
    }

    function select(n) {
      t.selected = n.key;
      box.querySelectorAll('.trace-row').forEach((r) => {
        r.classList.toggle('selected', r.dataset.key === n.key);
        r.setAttribute('aria-selected', String(r.dataset.key === n.key));
      });
      showDetail(n);
    }

    function showDetail(n) {
      if (!n) return;
      const json = JSON.stringify(n.events.length === 1 ? n.events[0] : n.events, null, 2);
      const pre = detail.querySelector('#trace-json');
      if (detail.hidden || detail.dataset.key !== n.key || pre.textContent !== json) {
        detail.dataset.key = n.key;
        detail.querySelector('#trace-detail-title').textContent = `${n.kind} · ${n.name}`;
        pre.textContent = json;
        detail.querySelector('#trace-copy').textContent = 'Copy JSON';
        detail.hidden = false;
      }
    }

    detail.querySelector('#trace-copy').addEventListener('click', async (e) => {
      const btn = e.currentTarget;
      const ok = await lib.copyText(detail.querySelector('#trace-json').textContent);
      btn.textContent = ok ? 'Copied' : 'Copy failed';
    });
    detail.querySelector('#trace-close').addEventListener('click', () => {
      detail.hidden = true;
      t.selected = null;
      box.querySelectorAll('.trace-row.selected').forEach((r) => r.classList.remove('selected'));
    });

    reset();
    return {
      reset, onEvent, draw,
      /** Selects the node whose first event has this sequence (deep links). */
      selectSequence(seq) {
        for (const n of t.byKey.values()) {
          if (n.events.some((e) => e.sequence === seq)) { select(n); return true; }
        }
        return false;
      },
      tick() { if (t.live) schedule(); },
    };
  };
})();
