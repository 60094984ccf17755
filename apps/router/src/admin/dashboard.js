// The live dashboard (GET /dashboard): polls admin/state and admin/decisions once a second and
// redraws in place. Plain browser JavaScript, no build step, no libraries. Every string that comes
// from the server (tenant names, endpoint names, request ids…) enters the DOM through textContent
// or an attribute set by the DOM API, never as markup. History for the chart lives in this page only.
/* global document, sessionStorage */
'use strict';
(() => {
  /** Poll period (ms); the next poll starts when the previous one has finished. */
  const POLL_MS = 1000;
  /** Chart and engine hit-rate window (ms). */
  const WINDOW_MS = 60_000;
  /** Decisions shown in the table; more are fetched to compute the index hit rate per endpoint. */
  const SHOWN_DECISIONS = 10;
  const SAMPLED_DECISIONS = 64;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  /** Client-side history: { t: ms (performance.now), len, saturation }. */
  const history = [];
  /** endpoint name → [{ t, q, h }] cumulative engine prefix-cache counters (tokens). */
  const engineHistory = new Map();
  let scorerColumnsKey = '';

  const byId = (id) => {
    const e = document.getElementById(id);
    if (e === null) throw new Error(`dashboard: no element #${id}`);
    return e;
  };
  const setText = (id, value) => {
    byId(id).textContent = String(value);
  };

  /** createElement with class, text (as textContent), title and data-* set through the DOM API. */
  function el(tag, o = {}, children = []) {
    const e = document.createElement(tag);
    if (o.className) e.className = o.className;
    if (o.text !== undefined && o.text !== null) e.textContent = String(o.text);
    if (o.title) e.title = String(o.title);
    if (o.rowSpan) e.rowSpan = o.rowSpan;
    if (o.data) for (const [k, v] of Object.entries(o.data)) e.dataset[k] = String(v);
    for (const c of children) e.append(c);
    return e;
  }

  function svg(tag, attrs = {}, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  const fmtInt = (n) => (typeof n === 'number' && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
  const fmtPct = (x, digits = 0) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '–');
  function fmtBytes(n) {
    if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  }
  const fmtClock = (iso) => (typeof iso === 'string' && iso.length >= 19 ? `${iso.slice(11, 19)} UTC` : '–');
  const satClass = (s) => (s >= 1 ? 'sat-bad' : s >= 0.8 ? 'sat-warn' : 'sat-ok');

  // ---- admin key -----------------------------------------------------------------------------
  // When the admin endpoints answer 401 (auth modes other than trusted-headers), the page asks for
  // the admin key and sends it as `Authorization: Bearer` on its own requests. The key stays in this
  // tab's sessionStorage (never in the URL, never sent anywhere but this origin).

  const KEY_STORAGE = 'sluice-admin-key';
  let adminKey = readStoredKey();

  function readStoredKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE) ?? '';
    } catch {
      return '';
    }
  }

  function storeKey(key) {
    adminKey = key;
    try {
      if (key === '') sessionStorage.removeItem(KEY_STORAGE);
      else sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      // Storage disabled: the key lives in memory until the page is closed.
    }
  }

  class Unauthorized extends Error {}

  function askForKey(refused) {
    byId('admin-key-form').hidden = false;
    setText('admin-key-error', refused ? 'That key was refused.' : '');
  }

  byId('admin-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('admin-key');
    storeKey(input.value.trim());
    input.value = '';
    byId('admin-key-form').hidden = true;
    setStatus('wait', 'checking key…');
  });

  async function getJson(path, key) {
    // Relative paths, so the page keeps working behind a path prefix.
    const headers = key === '' ? {} : { authorization: `Bearer ${key}` };
    const res = await fetch(path, { cache: 'no-store', credentials: 'same-origin', headers, signal: AbortSignal.timeout(5000) });
    if (res.status === 401) {
      await res.body?.cancel();
      throw new Unauthorized(`${path} needs the admin key`);
    }
    if (!res.ok) throw new Error(`${path} answered ${res.status}`);
    return await res.json();
  }

  function setStatus(kind, text) {
    const s = byId('status');
    s.className = `status status-${kind}`;
    s.textContent = text;
  }

  // ---- header and cards -------------------------------------------------------------------

  function renderHeader(state, decisions) {
    setText('pool', state.pool);
    setText('replica', state.replica);
    setText('store', state.store === 'redis' ? 'redis (global)' : 'memory (single replica)');
    const lc = state.lifecycle;
    setText('lifecycle', lc.draining ? 'draining' : lc.ready ? 'ready' : 'starting');
    setText('scrape-role', decisions.scrapeRole);
    const p = decisions.profile;
    setText('profile', `${p.profile} → ${p.picker}`);
    byId('profile').title = p.scorers.map((s) => `${s.name} ×${s.weight}`).join(', ');
    setText('updated-at', fmtClock(state.generatedAt));
  }

  function renderCards(state) {
    const sat = state.saturation;
    const satEl = byId('saturation');
    satEl.textContent = fmtPct(sat);
    satEl.className = `value ${satClass(sat)}`;
    const bar = byId('saturation-bar');
    bar.style.width = `${Math.min(100, Math.max(0, sat * 100))}%`;
    bar.style.background = sat >= 1 ? 'var(--bad)' : sat >= 0.8 ? 'var(--warn)' : 'var(--ok)';
    const q = state.queue;
    setText('queue-len', fmtInt(q.len));
    setText('queue-cap', q.capacityRequests > 0 ? `of ${fmtInt(q.capacityRequests)} max` : 'no global limit');
    setText('queue-bytes', fmtBytes(q.bytes));
    setText('queue-bytes-cap', q.capacityBytes > 0 ? `of ${fmtBytes(q.capacityBytes)} max` : 'no global limit');
    setText('leases', fmtInt(state.leases.count));
    setText('lease-tokens', `${fmtInt(state.leases.tokens)} est. tokens, all replicas`);
    setText('self-active', fmtInt(state.lifecycle.activeRequests));
    setText('self-detail', `active · ${fmtInt(state.self.waiting)} waiting · ${fmtInt(state.self.leases)} leases`);
    setText('replica-count', fmtInt(state.replicas.length));
    setText('replica-list', state.replicas.map((r) => r.id).join(', '));
  }

  // ---- chart --------------------------------------------------------------------------------

  /** Smallest of {1, 2, 2.5, 5} × 10^k that is ≥ x. */
  function niceCeil(x) {
    if (x <= 0) return 1;
    const p = 10 ** Math.floor(Math.log10(x));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  }

  /** Integer grid step for a count axis: 1, 2, 5 × 10^k, at least 1. */
  function countStep(x) {
    if (x <= 1) return 1;
    const p = 10 ** Math.floor(Math.log10(x));
    for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  }

  function renderChart(now) {
    const chart = byId('chart');
    chart.replaceChildren();
    const W = 900;
    const H = 190;
    const L = 44;
    const R = 52;
    const T = 10;
    const B = 24;
    const pw = W - L - R;
    const ph = H - T - B;
    const qSeen = Math.max(4, ...history.map((h) => h.len));
    const qStep = countStep(qSeen / 4);
    const qMax = qStep * Math.ceil(qSeen / qStep);
    const sMax = Math.max(2, niceCeil(Math.max(...history.map((h) => h.saturation), 0) * 1.1));
    const x = (t) => L + pw * (1 - (now - t) / WINDOW_MS);
    const yq = (v) => T + ph * (1 - v / qMax);
    const ys = (v) => T + ph * (1 - Math.min(v, sMax) / sMax);

    for (let v = 0; v <= qMax; v += qStep) {
      const y = yq(v);
      chart.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y, y2: y }));
      chart.append(svg('text', { class: 'axis', x: L - 6, y: y + 4, 'text-anchor': 'end' }, fmtInt(v)));
    }
    for (const f of [0, 0.5, 1]) chart.append(svg('text', { class: 'axis', x: W - R + 6, y: ys(sMax * f) + 4 }, fmtPct(sMax * f)));
    chart.append(svg('line', { class: 'gate', x1: L, x2: W - R, y1: ys(1), y2: ys(1) }));
    for (const s of [60, 45, 30, 15, 0]) {
      chart.append(svg('text', { class: 'axis', x: L + pw * (1 - s / 60), y: H - 6, 'text-anchor': 'middle' }, s === 0 ? 'now' : `−${s} s`));
    }
    if (history.length === 0) return;
    const qPts = history.map((h) => `${x(h.t).toFixed(1)},${yq(h.len).toFixed(1)}`);
    const first = history[0];
    const last = history[history.length - 1];
    chart.append(svg('polygon', { class: 'queue-area', points: `${x(first.t).toFixed(1)},${yq(0)} ${qPts.join(' ')} ${x(last.t).toFixed(1)},${yq(0)}` }));
    chart.append(svg('polyline', { class: 'queue-line', points: qPts.join(' ') }));
    chart.append(svg('polyline', { class: 'sat-line', points: history.map((h) => `${x(h.t).toFixed(1)},${ys(h.saturation).toFixed(1)}`).join(' ') }));
  }

  // ---- bands and tenants -----------------------------------------------------------------------

  function renderFlows(state) {
    const bands = new Map();
    for (const b of state.bands) bands.set(b.priority, { band: b, flows: [] });
    for (const f of state.flows) {
      if (!bands.has(f.priority)) bands.set(f.priority, { band: null, flows: [] });
      bands.get(f.priority).flows.push(f);
    }
    const total = Math.max(1, state.queue.len);
    const rows = [];
    for (const [priority, { band, flows }] of [...bands.entries()].sort((a, b) => b[0] - a[0])) {
      const inFlight = flows.reduce((s, f) => s + f.leases, 0);
      const label = el('td', { text: `Band ${priority}` });
      if (band !== null && band.ceiling < 1) label.append(el('span', { className: 'muted', text: ` · ceiling ${fmtPct(band.ceiling)}` }));
      const len = band === null ? flows.reduce((s, f) => s + f.len, 0) : band.len;
      const bytes = band === null ? flows.reduce((s, f) => s + f.bytes, 0) : band.bytes;
      const cap = band !== null && band.capacityRequests > 0 ? ` / ${fmtInt(band.capacityRequests)}` : '';
      rows.push(
        el('tr', { className: 'band', data: { priority } }, [
          label,
          el('td', { className: 'num', text: `${fmtInt(len)}${cap}` }),
          el('td', { className: 'num', text: fmtBytes(bytes) }),
          el('td', { className: 'num', text: fmtInt(inFlight) }),
          el('td', {}, [bar(len / total, '')]),
        ]),
      );
      flows.sort((a, b) => b.len - a.len || b.leases - a.leases || (a.fairnessId < b.fairnessId ? -1 : 1));
      for (const f of flows) {
        rows.push(
          el('tr', { className: f.len === 0 ? 'tenant idle' : 'tenant', data: { tenant: f.fairnessId, priority: f.priority } }, [
            el('td', { className: 'tenant-name', text: f.fairnessId, title: `fairness id ${f.fairnessId}, priority ${f.priority}` }),
            el('td', { className: 'num len', text: fmtInt(f.len) }),
            el('td', { className: 'num bytes', text: fmtBytes(f.bytes) }),
            el('td', { className: 'num leases', text: fmtInt(f.leases) }),
            el('td', {}, [bar(f.len / total, '')]),
          ]),
        );
      }
    }
    byId('flows-body').replaceChildren(...rows);
    byId('flows-empty').hidden = rows.length > 0;
  }

  function bar(fraction, extraClass) {
    const inner = el('div');
    inner.style.width = `${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%`;
    return el('div', { className: `bar ${extraClass}`.trim() }, [inner]);
  }

  // ---- endpoints --------------------------------------------------------------------------------

  /** Engine hit rate over the window from cumulative counters; the cumulative ratio when the window saw no query. */
  function engineHitRate(name, engine, now) {
    if (engine === null || engine.prefixCacheQueryTokens === null || engine.prefixCacheHitTokens === null) return { text: '–', title: 'no engine prefix-cache metrics' };
    let h = engineHistory.get(name);
    if (h === undefined) engineHistory.set(name, (h = []));
    h.push({ t: now, q: engine.prefixCacheQueryTokens, h: engine.prefixCacheHitTokens });
    while (h.length > 0 && now - h[0].t > WINDOW_MS) h.shift();
    const first = h[0];
    const dq = engine.prefixCacheQueryTokens - first.q;
    if (dq > 0) return { text: fmtPct((engine.prefixCacheHitTokens - first.h) / dq), title: `${fmtInt(engine.prefixCacheHitTokens - first.h)} of ${fmtInt(dq)} prompt tokens hit, last ${Math.round((now - first.t) / 1000)} s` };
    return { text: fmtPct(engine.prefixCacheHitRatio), title: 'since the engine started (no queries in the window)' };
  }

  /** Matched / prompt blocks of the decisions that picked each endpoint. */
  function indexHitRates(decisions) {
    const acc = new Map();
    for (const d of decisions) {
      if (d.promptBlocks <= 0) continue;
      const picked = d.candidates.find((c) => c.endpoint === d.picked);
      const a = acc.get(d.picked) ?? { matched: 0, blocks: 0, picks: 0 };
      a.matched += picked ? Math.min(picked.prefixMatchedBlocks, d.promptBlocks) : 0;
      a.blocks += d.promptBlocks;
      a.picks += 1;
      acc.set(d.picked, a);
    }
    return acc;
  }

  function renderEndpoints(state, decisions, now) {
    const index = indexHitRates(decisions.decisions);
    const rows = state.endpoints.map((e) => {
      const eng = e.engine;
      const hit = engineHitRate(e.name, eng, now);
      const idx = index.get(e.name);
      const name = el('td', { className: 'mono endpoint-name', title: e.healthy ? 'healthy' : `unhealthy: ${e.lastError ?? ''}` }, [el('span', { className: `dot ${e.healthy ? 'up' : 'down'}` })]);
      name.append(document.createTextNode(e.name));
      const kv = eng !== null && eng.kvCacheUsage !== null ? eng.kvCacheUsage : null;
      const kvCell = el('td', { title: kv === null ? 'not reported' : `KV cache ${fmtPct(kv, 1)} used` });
      if (kv !== null) kvCell.append(el('div', { className: 'kv-wrap' }, [bar(kv, 'kv'), el('span', { className: 'muted', text: fmtPct(kv) })]));
      else kvCell.append(el('span', { className: 'muted', text: 'unknown' }));
      return el('tr', { data: { endpoint: e.name } }, [
        name,
        el('td', { className: 'num in-flight', text: fmtInt(e.inFlight), title: `${fmtInt(e.inFlightTokens)} est. tokens in flight, all replicas` }),
        el('td', { className: 'num', text: eng === null ? '–' : fmtInt(eng.waiting) }),
        el('td', { className: 'num', text: eng === null ? '–' : fmtInt(eng.running) }),
        kvCell,
        el('td', { className: 'num', text: hit.text, title: hit.title }),
        el('td', { className: 'num', text: idx ? fmtPct(idx.matched / idx.blocks) : '–', title: idx ? `${idx.matched} of ${idx.blocks} prompt blocks matched over ${idx.picks} recent picks` : 'no recent pick with prefix blocks' }),
        el('td', { className: 'num muted', text: eng === null ? 'no fresh metrics' : `${fmtInt(eng.ageMs)} ms` }),
      ]);
    });
    byId('endpoints-body').replaceChildren(...rows);
  }

  // ---- decisions --------------------------------------------------------------------------------

  function renderDecisions(decisions) {
    const shown = decisions.decisions.slice(0, SHOWN_DECISIONS);
    const scorers = [];
    const weights = new Map();
    for (const s of decisions.profile.scorers) {
      scorers.push(s.name);
      weights.set(s.name, s.weight);
    }
    for (const d of shown) {
      for (const [name, w] of Object.entries(d.weights)) {
        if (!weights.has(name)) scorers.push(name);
        weights.set(name, w);
      }
    }
    const key = scorers.map((s) => `${s}×${weights.get(s)}`).join('|');
    if (key !== scorerColumnsKey) {
      scorerColumnsKey = key;
      const head = ['Time', 'Request', 'Tenant', 'Band', 'Model', 'Prefix blocks', 'Sched', 'Candidate', 'Total'].map((t) => el('th', { text: t }));
      for (const s of scorers) head.push(el('th', { className: 'num', text: `${s} ×${weights.get(s)}` }));
      byId('decisions-head').replaceChildren(el('tr', {}, head));
    }
    const table = byId('decisions');
    for (const old of [...table.querySelectorAll('tbody.decision')]) old.remove();
    for (const d of shown) {
      const tbody = el('tbody', { className: 'decision', data: { requestId: d.requestId } });
      const cands = d.candidates.length > 0 ? d.candidates : [{ endpoint: d.picked || '–', total: NaN, scores: {}, prefixMatchedBlocks: 0 }];
      const best = new Map();
      for (const s of scorers) best.set(s, Math.max(...cands.map((c) => c.scores[s] ?? -Infinity)));
      const picked = cands.find((c) => c.endpoint === d.picked);
      const span = cands.length;
      cands.forEach((c, i) => {
        const tr = el('tr', { className: c.endpoint === d.picked ? 'cand is-picked' : 'cand' });
        if (i === 0) {
          tr.append(
            el('td', { className: 'mono', text: fmtClock(d.at).replace(' UTC', ''), title: d.at, rowSpan: span }),
            el('td', { className: 'mono', text: d.requestId.slice(0, 8), title: d.requestId, rowSpan: span }),
            el('td', { className: 'decision-tenant', text: d.fairnessId, rowSpan: span }),
            el('td', { className: 'num', text: d.priority, rowSpan: span }),
            el('td', { text: d.model === d.targetModel ? d.model : `${d.model} → ${d.targetModel}`, rowSpan: span }),
            el('td', { className: 'num', text: d.promptBlocks > 0 ? `${picked ? picked.prefixMatchedBlocks : 0} / ${d.promptBlocks}` : '–', title: 'blocks matched on the picked endpoint / prompt blocks', rowSpan: span }),
            el('td', { className: 'num', text: `${d.schedulingMs.toFixed(2)} ms`, rowSpan: span }),
          );
        }
        tr.append(el('td', { className: 'mono cand-name', text: c.endpoint }), el('td', { className: 'num', text: Number.isFinite(c.total) ? c.total.toFixed(3) : '–' }));
        for (const s of scorers) {
          const v = c.scores[s];
          tr.append(el('td', { className: v !== undefined && v === best.get(s) && cands.length > 1 ? 'score best' : 'score', text: v === undefined ? '–' : v.toFixed(3) }));
        }
        tbody.append(tr);
      });
      table.append(tbody);
    }
    byId('decisions-empty').hidden = shown.length > 0;
    const total = byId('decisions-total');
    total.textContent = `· ${fmtInt(decisions.totalDecisions)} since start on this replica`;
    total.dataset.total = String(decisions.totalDecisions);
  }

  // ---- loop -------------------------------------------------------------------------------------

  function render(state, decisions) {
    const now = performance.now();
    history.push({ t: now, len: state.queue.len, saturation: state.saturation });
    while (history.length > 0 && now - history[0].t > WINDOW_MS) history.shift();
    renderHeader(state, decisions);
    renderCards(state);
    renderChart(now);
    renderFlows(state);
    renderEndpoints(state, decisions, now);
    renderDecisions(decisions);
  }

  async function tick() {
    const key = adminKey;
    try {
      const [state, decisions] = await Promise.all([getJson('admin/state', key), getJson(`admin/decisions?limit=${SAMPLED_DECISIONS}`, key)]);
      render(state, decisions);
      setStatus('ok', 'live');
    } catch (error) {
      if (error instanceof Unauthorized) {
        // Only the key this poll used can have been refused: one typed in meanwhile gets its own poll.
        if (key !== '' && key === adminKey) {
          storeKey('');
          askForKey(true);
        } else if (adminKey === '' && byId('admin-key-form').hidden) {
          askForKey(false);
        }
        if (adminKey === '') setStatus('bad', 'admin key needed');
      } else {
        setStatus('bad', `no data: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      setTimeout(() => void tick(), POLL_MS);
    }
  }

  renderChart(performance.now());
  void tick();
})();
