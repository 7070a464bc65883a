// Runs viewer: the rerun form. Edits the open run's config snapshot at JSON Pointer paths, previews
// the diff, asks POST /runs/preflight for blockers and warnings, and only then starts the rerun
// (POST /runs/{id}/rerun) with a fresh trigger id.
'use strict';
(function () {
  const parts = (window.RunsViewerParts = window.RunsViewerParts || {});

  /** Reads a JSON Pointer (RFC 6901) into its unescaped tokens. */
  function tokens(pointer) {
    if (pointer === '' || pointer === '/') return [];
    if (!pointer.startsWith('/')) throw new Error(`${pointer} is not a JSON Pointer: it must start with /`);
    return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  }

  function has(config, pointer) {
    let v = config;
    for (const t of tokens(pointer)) {
      if (!v || typeof v !== 'object' || !(t in v)) return false;
      v = v[t];
    }
    return true;
  }

  /** The config with the changes applied: null removes, a path that does not exist is added. */
  function apply(config, changes) {
    const out = JSON.parse(JSON.stringify(config));
    for (const c of changes) {
      const ts = tokens(c.path);
      if (!ts.length) throw new Error('a change needs a path below the root, e.g. /inputs/topic');
      let v = out;
      for (const t of ts.slice(0, -1)) {
        if (v[t] === undefined) v[t] = {};
        if (!v[t] || typeof v[t] !== 'object' || Array.isArray(v[t])) throw new Error(`${c.path} crosses a value that is not an object`);
        v = v[t];
      }
      const last = ts[ts.length - 1];
      if (c.value === null) delete v[last]; else v[last] = c.value;
    }
    return out;
  }

  parts.rerun = function (lib) {
    const { h, call, runPath } = lib;
    const $ = (id) => document.getElementById(id);
    const dialog = $('rerun-dialog');
    let checked = null; // the body the preflight passed for

    function addRow(path, value) {
      const n = $('rerun-changes').children.length + 1;
      const p = h('input', { type: 'text', class: 'rerun-path', list: 'rerun-paths', placeholder: '/inputs/topic', 'aria-label': `Change ${n}: JSON Pointer`, spellcheck: 'false' });
      const v = h('input', { type: 'text', class: 'rerun-value', placeholder: 'JSON value, e.g. "waves" or 0.7; null removes', 'aria-label': `Change ${n}: new value (JSON)`, spellcheck: 'false' });
      p.value = path || '';
      v.value = value || '';
      const run = lib.currentRun();
      p.addEventListener('change', () => {
        const flat = run ? parts.flattenConfig(run.record.config) : new Map();
        if (!v.value && flat.has(p.value)) v.value = flat.get(p.value);
        changed();
      });
      v.addEventListener('input', changed);
      const row = h('div', { class: 'rerun-change' }, p, v,
        h('button', { type: 'button', class: 'btn', 'aria-label': `Remove change ${n}`, onclick: () => { row.remove(); changed(); } }, '×'));
      $('rerun-changes').append(row);
      return p;
    }

    function read() {
      const changes = [];
      for (const row of $('rerun-changes').children) {
        const path = row.querySelector('.rerun-path').value.trim();
        const text = row.querySelector('.rerun-value').value.trim();
        if (!path && !text) continue;
        let value;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new Error(`the value for ${path || 'a change'} is not JSON (write strings in quotes): ${text}`);
        }
        changes.push({ path, value });
      }
      return changes;
    }

    /** Recomputes the diff preview; the preflight must be checked again. */
    function changed() {
      checked = null;
      $('rerun-submit').disabled = true;
      $('rerun-preflight').replaceChildren(h('p', { class: 'muted', text: 'Check before starting.' }));
      $('rerun-error').hidden = true;
      const run = lib.currentRun();
      if (!run) return null;
      try {
        const changes = read();
        const config = apply(run.record.config, changes);
        const diff = parts.configDiff(run.record.config, config);
        $('rerun-diff').replaceChildren(diff.length
          ? h('ul', { class: 'diff-list', id: 'rerun-diff-list' }, diff.map((c) => h('li', { dataset: { path: c.path, op: c.op } },
            h('b', { text: c.path }), ` ${c.op} `, c.old_value !== undefined ? h('del', { text: c.old_value }) : '',
            c.old_value !== undefined && c.new_value !== undefined ? ' → ' : '', c.new_value !== undefined ? h('ins', { text: c.new_value }) : '')))
          : h('p', { class: 'muted', text: 'No change yet.' }));
        return { changes, config, run };
      } catch (e) {
        $('rerun-error').textContent = e.message;
        $('rerun-error').hidden = false;
        return null;
      }
    }

    $('rerun-open').addEventListener('click', () => {
      const run = lib.currentRun();
      if (!run) return;
      const paths = [...parts.flattenConfig(run.record.config).keys()];
      $('rerun-paths').replaceChildren(...paths.map((p) => h('option', { value: p })));
      $('rerun-changes').replaceChildren();
      addRow();
      changed();
      dialog.showModal();
      $('rerun-changes').querySelector('.rerun-path').focus();
    });
    $('rerun-add').addEventListener('click', () => addRow().focus());
    $('rerun-close').addEventListener('click', () => dialog.close());

    $('rerun-check').addEventListener('click', async () => {
      const state = changed();
      if (!state) return;
      if (!state.changes.length) {
        $('rerun-error').textContent = 'Add a change first: a JSON Pointer and its new value.';
        $('rerun-error').hidden = false;
        return;
      }
      const wf = state.run.record.workflow;
      try {
        // the rerun's own trigger id is made when it starts; the preflight writes nothing
        const body = { workflow: { name: wf.name, version: wf.version }, config: state.config, ...lib.uiTrigger() };
        if (state.run.record.namespace) body.namespace = state.run.record.namespace;
        const report = await call('POST', '/runs/preflight', body);
        const items = [
          ...report.blockers.map((i) => h('li', { class: 'blocker', dataset: { code: i.code } }, h('b', { text: 'blocker ' }), `${i.code}: ${i.message}`)),
          ...report.warnings.map((i) => h('li', { class: 'warning', dataset: { code: i.code } }, h('b', { text: 'warning ' }), `${i.code}: ${i.message}`)),
        ];
        if (report.ready) items.unshift(h('li', { class: 'ready', text: report.warnings.length ? 'Ready, with warnings.' : 'Ready: no blocker, no warning.' }));
        $('rerun-preflight').replaceChildren(h('ul', { class: 'issues', id: 'rerun-issues', dataset: { ready: String(report.ready) } }, items));
        if (report.ready) {
          checked = state;
          $('rerun-submit').disabled = false;
        }
      } catch (e) {
        $('rerun-error').textContent = e.message;
        $('rerun-error').hidden = false;
      }
    });

    $('rerun-submit').addEventListener('click', async () => {
      if (!checked) return;
      const overrides = {};
      const add = {};
      for (const c of checked.changes) {
        if (has(checked.run.record.config, c.path)) overrides[c.path] = c.value; else add[c.path] = c.value;
      }
      $('rerun-submit').disabled = true;
      try {
        const body = { overrides, ...lib.uiTrigger() };
        if (Object.keys(add).length) body.add = add;
        const r = await call('POST', runPath(checked.run.run_id) + '/rerun', body);
        dialog.close();
        lib.toast('Rerun started');
        await lib.refreshList();
        lib.openRun(r.run_id);
      } catch (e) {
        $('rerun-error').textContent = e.message;
        $('rerun-error').hidden = false;
        $('rerun-submit').disabled = false;
      }
    });
  };
})();
