// The operator dashboard: reads GET /stats, GET /imports and GET /couriers and shows them. It never changes anything.
// Plain browser JavaScript, no framework and no build step. Every value from the API is written with textContent.
'use strict';

(() => {
  const PAGE_SIZE = 25;      // couriers per page
  const IMPORTS_SHOWN = 10;  // latest imports
  const FAST_MS = 1000;      // poll imports this often while one is queued or running
  const SLOW_MS = 5000;      // otherwise, and for counts and the courier page

  const numbers = new Intl.NumberFormat('en-US');
  const byId = (id) => document.getElementById(id);

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
      '<div class="fill"></div></div><div class="rows"></div><div class="error-text" hidden></div></td>' +
      '<td class="started"></td><td class="num took"></td>';
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
    row.querySelector('.started').textContent = formatInstant(item.started_at || item.created_at);
    row.querySelector('.took').textContent = item.duration_seconds == null ? '' : `${item.duration_seconds.toFixed(1)} s`;
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

  function renderCouriers(couriers) {
    const body = document.querySelector('#couriers tbody');
    const rows = couriers.map((c) => {
      const row = document.createElement('tr');
      row.dataset.courierId = String(c.courier_id);
      const cells = [
        [c.courier_id, 'num'],
        [c.courier_type, ''],
        [c.regions.join(', '), 'list'],
        [c.working_hours.join(', '), 'list'],
        [c.rating == null ? '—' : c.rating.toFixed(2), 'num'],
        [numbers.format(c.earnings), 'num'],
      ];
      for (const [text, className] of cells) {
        const cell = document.createElement('td');
        cell.textContent = String(text);
        if (className) {
          cell.className = className;
        }
        row.appendChild(cell);
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
    await refreshCountsAndCouriers();
    setTimeout(countsLoop, SLOW_MS);
  }

  async function refreshCountsAndCouriers() {
    await track('stats', loadStats);
    await track('couriers', loadCouriers);
  }

  async function start() {
    renderStatus();
    byId('couriers-prev').addEventListener('click', () => goTo(state.offset - PAGE_SIZE));
    byId('couriers-next').addEventListener('click', () => {
      if (lastPage && lastPage.next_offset != null) {
        goTo(lastPage.next_offset);
      }
    });
    await Promise.all([
      track('stats', loadStats),
      track('couriers', loadCouriers),
      track('imports', async () => { await loadImports(); }),
    ]);
    document.body.dataset.loaded = 'true';
    setTimeout(importsLoop, state.importsActive ? FAST_MS : SLOW_MS);
    setTimeout(countsLoop, SLOW_MS);
  }

  start();
})();
