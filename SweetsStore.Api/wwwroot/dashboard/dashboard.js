// The operator dashboard: reads the API's JSON (GET /stats, /stats/live, /stats/regions, /stats/stale-bundles, /imports,
// /couriers, and /couriers/{id} and /orders/{id} for a search) and shows it. It never changes anything.
// Plain browser JavaScript, no framework and no build step. Every value from the API is written with textContent.
'use strict';

(() => {
  const PAGE_SIZE = 25;      // couriers per page
  const IMPORTS_SHOWN = 10;  // latest imports
  const FAST_MS = 1000;      // poll imports this often while one is queued or running
  const SLOW_MS = 5000;      // otherwise, and for counts, the live charts and the courier page
  const REGIONS_MS = 15000;  // the server counts them at most every 30 s (Dashboard:RegionsSeconds)
  const STALE_MS = 10000;

  const numbers = new Intl.NumberFormat('en-US');
  const decimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const byId = (id) => document.getElementById(id);

  // The courier table's columns, in order: a title, a cell class, and what a courier shows in it (text or a node).
  // Add a column here and the header and every row follow.
  const COURIER_COLUMNS = [
    { title: 'Id', className: 'num', cell: (c) => String(c.courier_id) },
    { title: 'Type', className: '', cell: (c) => c.courier_type },
    { title: 'Regions', className: 'list', cell: (c) => c.regions.join(', ') },
    { title: 'Working hours', className: 'list hours', cell: (c) => c.working_hours.join(', ') },
    { title: 'Rating', className: 'num', cell: (c) => (c.rating == null ? '—' : c.rating.toFixed(2)) },
    { title: 'Earnings', className: 'num', cell: (c) => numbers.format(c.earnings) },
  ];

  const state = {
    offset: initialOffset(),
    totalCouriers: null,
    importsActive: false,
    importStatuses: null, // "id:status,..." of the imports shown, to notice changes
    couriersLoading: false,
    failures: new Map(), // what failed last time, by source
    updated: null,
  };

  // ---- reading the API ---------------------------------------------------------------------------------------

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) {
      throw new Error(`${path} answered ${response.status}`);
    }
    return response.json();
  }

  // A 404 is an answer here (a search for an id that is not there), not a failure.
  async function getJsonOrNull(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (response.status === 404) {
      return null;
    }
    if (!response.ok) {
      throw new Error(`${path} answered ${response.status}`);
    }
    return response.json();
  }

  async function track(source, work) {
    try {
      await work();
      state.failures.delete(source);
      state.updated = new Date();
      return true;
    } catch (error) {
      state.failures.set(source, error.message || String(error));
      return false;
    } finally {
      renderStatus();
    }
  }

  function cell(text, className) {
    const td = document.createElement('td');
    if (text instanceof Node) {
      td.appendChild(text);
    } else {
      td.textContent = String(text);
    }
    if (className) {
      td.className = className;
    }
    return td;
  }

  // ---- counts --------------------------------------------------------------------------------------------------

  async function loadStats() {
    renderStats(await getJson('/stats'));
  }

  function renderStats(stats) {
    for (const element of document.querySelectorAll('[data-stat]')) {
      const value = element.dataset.stat.split('.').reduce((node, key) => (node == null ? undefined : node[key]), stats);
      if (typeof value === 'number') {
        element.textContent = numbers.format(value);
        element.dataset.value = String(value);
      }
    }
    state.totalCouriers = stats.couriers;
    renderPager(null);
  }

  // ---- live charts ---------------------------------------------------------------------------------------------------

  async function loadLive() {
    const live = await getJson('/stats/live');
    byId('live-off').hidden = live.metrics;
    for (const chart of document.querySelectorAll('.chart')) {
      chart.hidden = !live.metrics;
    }
    if (!live.metrics) {
      return;
    }
    const rates = drawChart('chart-rates', [['assigns', live.assigns_per_second], ['completes', live.completes_per_second]]);
    byId('rates-max').textContent = `${formatRate(rates)}/s`;
    const latency = drawChart('chart-latency', [['p50', live.assign_p50_ms], ['p99', live.assign_p99_ms]]);
    byId('latency-max').textContent = `${formatMs(latency)} ms`;
    // The captions: rates over the last minute, latency of the latest step that had assigns.
    const lastMinute = (values) => values.slice(-12).reduce((sum, v) => sum + v, 0) / Math.min(12, values.length || 1);
    const latest = (values) => [...values].reverse().find((v) => v != null);
    byId('rate-assigns').textContent = formatRate(lastMinute(live.assigns_per_second));
    byId('rate-completes').textContent = formatRate(lastMinute(live.completes_per_second));
    const p50 = latest(live.assign_p50_ms);
    const p99 = latest(live.assign_p99_ms);
    byId('latency-p50').textContent = p50 == null ? '–' : formatMs(p50);
    byId('latency-p99').textContent = p99 == null ? '–' : formatMs(p99);
    document.getElementById('chart-rates').dataset.end = live.end;
  }

  // Draws each series as a line in a 360 × 100 box: x over the steps, y from 0 to a rounded maximum. A null value (a step
  // without assigns, for latency) breaks its line. Returns the maximum the y axis shows.
  function drawChart(id, series) {
    const svg = byId(id).querySelector('svg');
    const values = series.flatMap(([, list]) => list).filter((v) => v != null);
    const max = niceMax(Math.max(0, ...values));
    for (const [name, list] of series) {
      const path = svg.querySelector(`path.${name}`);
      const step = list.length > 1 ? 360 / (list.length - 1) : 0;
      let d = '';
      let drawing = false;
      list.forEach((v, i) => {
        if (v == null) {
          drawing = false;
          return;
        }
        const x = (i * step).toFixed(1);
        const y = (100 - (v / max) * 96 - 2).toFixed(1);
        d += `${drawing ? 'L' : 'M'}${x} ${y} `;
        drawing = true;
      });
      path.setAttribute('d', d.trim());
      path.dataset.last = String(list.length ? list[list.length - 1] ?? '' : '');
      path.dataset.max = String(Math.max(0, ...list.filter((v) => v != null)));
    }
    svg.dataset.max = String(max);
    return max;
  }

  function niceMax(value) {
    if (value <= 0) {
      return 1;
    }
    const power = 10 ** Math.floor(Math.log10(value));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (value <= m * power) {
        return m * power;
      }
    }
    return 10 * power;
  }

  function formatRate(value) {
    return value >= 100 ? numbers.format(Math.round(value)) : value.toFixed(value >= 10 ? 1 : 2);
  }

  function formatMs(value) {
    return value >= 100 ? numbers.format(Math.round(value)) : value.toFixed(value >= 10 ? 1 : 2);
  }

  // ---- regions and stale bundles ---------------------------------------------------------------------------------

  async function loadRegions() {
    const page = await getJson('/stats/regions');
    const body = document.querySelector('#regions tbody');
    body.replaceChildren(...page.regions.map((r) => {
      const row = document.createElement('tr');
      row.dataset.region = String(r.region);
      row.append(cell(numbers.format(r.region), 'num'), cell(numbers.format(r.pending), 'num'), cell(decimals.format(r.weight), 'num'));
      return row;
    }));
    byId('regions-empty').hidden = page.regions.length > 0;
    byId('regions-note').textContent = page.regions_with_pending > 0
      ? `${numbers.format(page.regions_with_pending)} region${page.regions_with_pending === 1 ? ' has' : 's have'} pending orders; counted every 30 s at most`
      : '';
  }

  async function loadStale() {
    const page = await getJson('/stats/stale-bundles');
    const body = document.querySelector('#stale tbody');
    body.replaceChildren(...page.bundles.map((b) => {
      const row = document.createElement('tr');
      row.dataset.bundleId = String(b.bundle_id);
      row.dataset.courierId = String(b.courier_id);
      row.append(
        cell(courierButton(b.courier_id, `${b.courier_id} · ${b.courier_type}`), 'courier'),
        cell(b.bundle_id, 'num'),
        cell(formatInstant(b.assign_time), 'when'),
        cell(formatMinutes(b.open_minutes), 'num'),
        cell(`${b.orders - b.open_orders} of ${b.orders}`, 'num'));
      return row;
    }));
    byId('stale-empty').hidden = page.bundles.length > 0;
    byId('stale-title').textContent = `Bundles open longer than ${formatMinutes(page.older_than_minutes)}`;
    byId('stale-note').textContent = page.total > page.bundles.length
      ? `${numbers.format(page.total)} in all; the oldest ${page.bundles.length} shown`
      : '';
  }

  function formatMinutes(minutes) {
    if (minutes < 120) {
      return `${Math.floor(minutes)} min`;
    }
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? `${hours} h ${Math.floor(minutes % 60)} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
  }

  // ---- search ---------------------------------------------------------------------------------------------------------

  function courierButton(id, text) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = text;
    button.addEventListener('click', () => search(String(id)));
    return button;
  }

  async function search(text) {
    const input = byId('search-id');
    input.value = text;
    const body = byId('found-body');
    const section = byId('found');
    section.hidden = false;
    const id = text.trim();
    if (!/^[1-9][0-9]{0,17}$/.test(id)) {
      body.replaceChildren(paragraph('Give a courier or order id: a whole number from 1.', 'empty'));
      return;
    }
    body.replaceChildren(paragraph(`Looking for ${id}…`, 'quiet'));
    const [courier, order] = await Promise.all([getJsonOrNull(`/couriers/${id}`), getJsonOrNull(`/orders/${id}`)]);
    const parts = [];
    if (courier) {
      parts.push(describeCourier(courier));
    }
    if (order) {
      parts.push(describeOrder(order));
    }
    if (parts.length === 0) {
      parts.push(paragraph(`No courier and no order has id ${id}.`, 'empty'));
    }
    body.replaceChildren(...parts);
  }

  function paragraph(text, className) {
    const p = document.createElement('p');
    p.textContent = text;
    if (className) {
      p.className = className;
    }
    return p;
  }

  function describeCourier(c) {
    const block = document.createElement('dl');
    block.className = 'facts courier';
    block.dataset.courierId = String(c.courier_id);
    addFacts(block, [
      ['Courier', `${c.courier_id} · ${c.courier_type}`],
      ['Regions', c.regions.join(', ') || '—'],
      ['Working hours', c.working_hours.join(', ') || '—'],
      ['Rating', c.rating == null ? '— (no finished paid bundle yet)' : c.rating.toFixed(2)],
      ['Earnings', numbers.format(c.earnings)],
    ]);
    return block;
  }

  function describeOrder(o) {
    const block = document.createElement('dl');
    block.className = 'facts order';
    block.dataset.orderId = String(o.order_id);
    const facts = [
      ['Order', `${o.order_id} · ${o.weight} kg · region ${o.region}`],
      ['Delivery hours', o.delivery_hours.join(', ') || '—'],
      ['Status', o.status],
    ];
    if (o.courier_id != null) {
      facts.push(['Courier', courierButton(o.courier_id, String(o.courier_id))]);
    }
    if (o.assign_time) {
      facts.push(['Assigned (UTC)', formatInstant(o.assign_time)]);
    }
    if (o.complete_time) {
      facts.push(['Delivered (UTC)', formatInstant(o.complete_time)]);
    }
    addFacts(block, facts);
    return block;
  }

  function addFacts(block, facts) {
    for (const [term, value] of facts) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      if (value instanceof Node) {
        dd.appendChild(value);
      } else {
        dd.textContent = value;
      }
      block.append(dt, dd);
    }
  }

  // ---- imports ---------------------------------------------------------------------------------------------------

  // Says what changed since the last poll: 'finished' when the last active import ended, 'status' when an import
  // appeared or changed status. Then the counts are read as well and drawn together with the table, so the import
  // and job counts keep up with it (they are not re-read on every progress step: counting reads every order).
  async function loadImports() {
    const page = await getJson(`/imports?offset=0&limit=${IMPORTS_SHOWN}`);
    const active = page.imports.some((i) => i.status === 'queued' || i.status === 'running');
    const statuses = page.imports.map((i) => `${i.import_id}:${i.status}`).join(',');
    const first = state.importStatuses === null; // start() reads the counts itself
    const change = first ? null : state.importsActive && !active ? 'finished' : statuses !== state.importStatuses ? 'status' : null;
    const stats = change ? await getJson('/stats') : null;
    renderImports(page.imports);
    if (stats) {
      renderStats(stats);
    }
    state.importsActive = active;
    state.importStatuses = statuses;
    return change;
  }

  function renderImports(imports) {
    const body = document.querySelector('#imports tbody');
    const rows = new Map([...body.rows].map((row) => [row.dataset.importId, row]));
    imports.forEach((item, index) => {
      const key = String(item.import_id);
      let row = rows.get(key);
      if (!row) {
        row = importRow();
      }
      rows.delete(key);
      fillImportRow(row, item);
      // Kept in the API's order (newest first); existing rows are reused so their bars move smoothly.
      if (body.rows[index] !== row) {
        body.insertBefore(row, body.rows[index] || null);
      }
    });
    for (const stale of rows.values()) {
      stale.remove();
    }
    byId('imports-empty').hidden = imports.length > 0;
  }

  function importRow() {
    const row = document.createElement('tr');
    row.innerHTML =
      '<td class="num id"></td><td class="what"></td><td><span class="badge"></span></td>' +
      '<td class="progress"><div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100">' +
      '<div class="fill"></div></div><div class="rows"></div><div class="error-text" hidden></div>' +
      '<button type="button" class="link show-report" hidden>Report</button></td>' +
      '<td class="started"></td><td class="num took"></td>';
    row.querySelector('.show-report').addEventListener('click', () => track('report', () => showReport(row.dataset.importId)));
    return row;
  }

  function fillImportRow(row, item) {
    const percent = Math.max(0, Math.min(100, Math.round(item.progress * 1000) / 10));
    row.dataset.importId = String(item.import_id);
    row.dataset.status = item.status;
    row.className = item.status;
    row.querySelector('.id').textContent = item.import_id;
    row.querySelector('.what').textContent = `${item.kind} · ${item.format} · ${formatBytes(item.bytes)}`;
    const badge = row.querySelector('.badge');
    badge.textContent = item.status;
    badge.className = `badge ${item.status}`;
    const bar = row.querySelector('.bar');
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-label', `import ${item.import_id}: ${percent}%`);
    row.querySelector('.fill').style.width = `${percent}%`;
    let rows = `${numbers.format(item.rows_done)} of ${numbers.format(item.rows_total)} rows · ${percent.toFixed(1)}%`;
    if (item.rows_invalid > 0) {
      rows += ` · ${numbers.format(item.rows_invalid)} invalid`;
    }
    if (item.attempts > 1) {
      rows += ` · attempt ${item.attempts}`;
    }
    row.querySelector('.rows').textContent = rows;
    const error = row.querySelector('.error-text');
    error.hidden = !item.error;
    error.textContent = item.error || '';
    row.querySelector('.show-report').hidden = item.status !== 'failed';
    row.querySelector('.started').textContent = formatInstant(item.started_at || item.created_at);
    row.querySelector('.took').textContent = item.duration_seconds == null ? '' : `${item.duration_seconds.toFixed(1)} s`;
  }

  // A failed import's report: GET /imports/{id} (the list leaves reports out), shown whole under the table.
  async function showReport(importId) {
    const item = await getJson(`/imports/${importId}`);
    const section = byId('report');
    section.dataset.importId = String(item.import_id);
    byId('report-title').textContent = `Import ${item.import_id}: report`;
    const listed = item.report && item.report.validation_error && Array.isArray(item.report.validation_error[item.kind])
      ? item.report.validation_error[item.kind].length
      : 0;
    let summary = item.error || item.status;
    if (item.report_truncated) {
      summary += ` — the report lists the first ${numbers.format(listed)} of ${numbers.format(item.rows_invalid)} invalid ${item.kind}`;
    }
    byId('report-summary').textContent = summary;
    byId('report-body').textContent = item.report ? JSON.stringify(item.report, null, 2) : 'No report: the import did not fail validation.';
    byId('report-link').href = `/imports/${item.import_id}`;
    section.hidden = false;
    section.scrollIntoView({ block: 'nearest' });
  }

  // ---- couriers --------------------------------------------------------------------------------------------------

  let couriersRequest = 0;

  async function loadCouriers() {
    // Only the latest request renders: a refresh still in flight when Prev or Next is clicked is ignored.
    const request = ++couriersRequest;
    state.couriersLoading = true;
    renderPager(null);
    try {
      const page = await getJson(`/couriers?offset=${state.offset}&limit=${PAGE_SIZE}`);
      if (request === couriersRequest) {
        renderCouriers(page.couriers);
        renderPager(page);
      }
    } finally {
      if (request === couriersRequest) {
        state.couriersLoading = false;
        renderPager(null);
      }
    }
  }

  function renderCourierHeader() {
    const row = document.querySelector('#couriers thead tr');
    row.replaceChildren(...COURIER_COLUMNS.map((column) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = column.title;
      if (column.className) {
        th.className = column.className;
      }
      return th;
    }));
  }

  function renderCouriers(couriers) {
    const body = document.querySelector('#couriers tbody');
    const rows = couriers.map((c) => {
      const row = document.createElement('tr');
      row.dataset.courierId = String(c.courier_id);
      for (const column of COURIER_COLUMNS) {
        row.appendChild(cell(column.cell(c), column.className));
      }
      return row;
    });
    body.replaceChildren(...rows);
    byId('couriers-empty').hidden = couriers.length > 0;
  }

  let lastPage = null;

  // Next needs a next_offset from the API and, once the total is known, a courier at that offset.
  function renderPager(page) {
    if (page) {
      lastPage = page;
    }
    const prev = byId('couriers-prev');
    const next = byId('couriers-next');
    const range = byId('couriers-range');
    const total = state.totalCouriers;
    const shown = lastPage ? lastPage.couriers.length : 0;
    const nextOffset = lastPage ? lastPage.next_offset : null;
    prev.disabled = state.couriersLoading || state.offset === 0;
    next.disabled = state.couriersLoading || nextOffset == null || (total != null && nextOffset >= total);
    if (!lastPage) {
      range.textContent = '–';
    } else if (shown === 0) {
      range.textContent = total == null ? 'none' : `none past ${numbers.format(state.offset)} of ${numbers.format(total)}`;
    } else {
      const of = total == null ? '' : ` of ${numbers.format(total)}`;
      range.textContent = `${numbers.format(state.offset + 1)}–${numbers.format(state.offset + shown)}${of}`;
    }
  }

  function goTo(offset) {
    state.offset = Math.max(0, offset);
    history.replaceState(null, '', state.offset === 0 ? location.pathname : `#couriers=${state.offset}`);
    return track('couriers', loadCouriers);
  }

  function initialOffset() {
    const match = /^#couriers=(\d+)$/.exec(location.hash);
    return match ? Number(match[1]) : 0;
  }

  // ---- status line and formatting ---------------------------------------------------------------------------------

  function renderStatus() {
    const status = byId('status');
    if (state.failures.size > 0) {
      status.className = 'status error';
      status.textContent = `Cannot read the API (${[...state.failures.values()].join('; ')}); retrying. Numbers may be stale.`;
      return;
    }
    status.className = 'status';
    if (!state.updated) {
      status.textContent = 'Loading…';
      return;
    }
    const every = state.importsActive ? 'imports every 1 s while one runs' : 'every 5 s';
    status.textContent = `Updated ${state.updated.toLocaleTimeString('en-GB')} · refreshing ${every}`;
  }

  function formatInstant(text) {
    if (!text) {
      return '';
    }
    // "2026-01-10T09:32:14.42Z" → "2026-01-10 09:32:14"
    return text.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
  }

  function formatBytes(bytes) {
    if (bytes >= 1 << 20) {
      return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
    }
    if (bytes >= 1 << 10) {
      return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
    }
    return `${bytes} B`;
  }

  // ---- polling -------------------------------------------------------------------------------------------------------
  // Each loop schedules its next round only after the previous one answered, so slow answers never pile up.

  function every(ms, source, load) {
    const loop = async () => {
      await track(source, load);
      setTimeout(loop, ms);
    };
    setTimeout(loop, ms);
  }

  async function importsLoop() {
    let change = null;
    await track('imports', async () => { change = await loadImports(); });
    if (change === 'finished') {
      // An import just ended: couriers may have come or changed.
      await track('couriers', loadCouriers);
    }
    setTimeout(importsLoop, state.importsActive ? FAST_MS : SLOW_MS);
  }

  async function countsLoop() {
    await track('stats', loadStats);
    await track('couriers', loadCouriers);
    setTimeout(countsLoop, SLOW_MS);
  }

  async function start() {
    renderStatus();
    renderCourierHeader();
    byId('couriers-prev').addEventListener('click', () => goTo(state.offset - PAGE_SIZE));
    byId('couriers-next').addEventListener('click', () => {
      if (lastPage && lastPage.next_offset != null) {
        goTo(lastPage.next_offset);
      }
    });
    byId('search').addEventListener('submit', (event) => {
      event.preventDefault();
      track('search', () => search(byId('search-id').value));
    });
    byId('found-close').addEventListener('click', () => { byId('found').hidden = true; });
    byId('report-close').addEventListener('click', () => { byId('report').hidden = true; });
    await Promise.all([
      track('stats', loadStats),
      track('couriers', loadCouriers),
      track('imports', async () => { await loadImports(); }),
      track('live', loadLive),
      track('regions', loadRegions),
      track('stale', loadStale),
    ]);
    document.body.dataset.loaded = 'true';
    setTimeout(importsLoop, state.importsActive ? FAST_MS : SLOW_MS);
    setTimeout(countsLoop, SLOW_MS);
    every(SLOW_MS, 'live', loadLive);
    every(REGIONS_MS, 'regions', loadRegions);
    every(STALE_MS, 'stale', loadStale);
  }

  start();
})();
