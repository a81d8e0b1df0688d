// Drives Debian's chromium through the operator dashboard of a running SweetsStore and checks what a person sees.
//
//   node dashboard.mjs <baseUrl> [--out DIR] [--import-orders N] [--import-seconds S] [--first-order-id ID] [--page-size 25]
//
// Checks: the page loads without script errors; the counts it shows equal GET /stats; each courier page equals
// GET /couriers at the same offset, and Prev/Next walk all of them; with --import-orders, it starts a background
// import (POST /imports/orders, NDJSON) and watches that import's progress bar move through at least two
// different values between 0 and 100 before it reaches 100; the page itself sends nothing but GET.
// The page notices a new import within 5 s, then polls every second, so the import must run well past that
// on whatever machine this is: a calibration import of 100k orders measures the loading rate first, and the
// watched import gets enough orders for about --import-seconds (20) of loading by that rate, at least
// --import-orders. (Small imports load slower per order: 750k chosen for 15 s by a 50k calibration took 8 s.)
// Screenshots (PNG) go to --out. Prints one JSON object on stdout; exits 1 when a check fails.
// Run by SweetsStore.Tests/Browser/DashboardBrowserTests.cs inside ./test.sh.

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { existsSync } from 'node:fs';
// Debian's chromium here; Google Chrome or Ubuntu's chromium-browser elsewhere (CI runners); CHROMIUM_PATH wins.
const CHROMIUM = process.env.CHROMIUM_PATH
  || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'].find(existsSync)
  || '/usr/bin/chromium';
const args = parseArgs(process.argv.slice(2));
const base = args._[0]?.replace(/\/+$/, '');
if (!base) {
  console.error('usage: node dashboard.mjs <baseUrl> [--out DIR] [--import-orders N] [--first-order-id ID] [--page-size 25]');
  process.exit(2);
}
const out = args.out || mkdtempSync(join(tmpdir(), 'sweetsstore-dashboard-'));
mkdirSync(out, { recursive: true });
const importOrders = Number(args['import-orders'] || 0);
const importSeconds = Number(args['import-seconds'] || 20);
const CALIBRATION_ORDERS = 100_000;
const MAX_IMPORT_ORDERS = 3_000_000;
const firstOrderId = Number(args['first-order-id'] || 10_000_001);
const pageSize = Number(args['page-size'] || 25);
const numbers = new Intl.NumberFormat('en-US');

const result = { ok: false, base, out, checks: [], screenshots: [], problems: [] };
const check = (name, detail) => { result.checks.push(detail === undefined ? name : `${name}: ${detail}`); log(`ok   ${name}${detail === undefined ? '' : ` (${detail})`}`); };
const log = (message) => console.error(`[dashboard.mjs ${new Date().toISOString().slice(11, 23)}] ${message}`);

class CheckFailed extends Error {}
const fail = (message) => { throw new CheckFailed(message); };
const assert = (condition, message) => { if (!condition) fail(message); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const userDataDir = mkdtempSync(join(tmpdir(), 'sweetsstore-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    timeout: 60_000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  watch(page);

  // ---- the page loads --------------------------------------------------------------------------------------------
  const response = await page.goto(`${base}/dashboard`, { waitUntil: 'load' });
  assert(response && response.status() === 200, `GET /dashboard answered ${response?.status()}`);
  await page.waitForSelector('body[data-loaded="true"]');
  assert((await page.title()) === 'SweetsStore · operator dashboard', `unexpected title ${await page.title()}`);
  assert(!(await page.locator('#status').getAttribute('class')).includes('error'), `status line shows an error: ${await page.locator('#status').textContent()}`);
  check('page loads', `status line "${await page.locator('#status').textContent()}"`);

  // ---- the counts equal GET /stats -----------------------------------------------------------------------------------
  const statsBefore = await expectCountsMatch(page, 'counts equal GET /stats');

  // ---- courier paging -------------------------------------------------------------------------------------------------
  result.couriersSeen = await walkCourierPages(page, statsBefore.couriers);
  await shoot(page, 'dashboard.png');

  // ---- a background import moves its progress bar ------------------------------------------------------------------------
  if (importOrders > 0) {
    result.import = await watchImport(page, statsBefore);
    await expectCountsMatch(page, 'counts equal GET /stats after the import');
    await shoot(page, 'dashboard-after-import.png');
  }

  // ---- without JavaScript the page says where the data is --------------------------------------------------------------
  await expectNoscriptNote(context);

  result.shownStats = await shownCounts(page);
  assert(result.problems.length === 0, `the page misbehaved: ${result.problems.join('; ')}`);
  check('the page sent only GET requests and logged no errors');
  result.ok = true;
} catch (error) {
  result.error = error instanceof CheckFailed ? error.message : (error.stack || String(error));
  log(`FAIL ${result.error}`);
  if (context?.pages()[0]) {
    await shoot(context.pages()[0], 'failure.png').catch(() => {});
  }
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);

// ---- steps ------------------------------------------------------------------------------------------------------------

function watch(page) {
  page.on('request', (request) => {
    if (request.method() !== 'GET') {
      result.problems.push(`the page sent ${request.method()} ${request.url()}`);
    }
  });
  page.on('pageerror', (error) => result.problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      result.problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('requestfailed', (request) => result.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
}

async function api(path, init) {
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  if (!response.ok) {
    fail(`${init?.method || 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return { status: response.status, json: JSON.parse(text) };
}

async function shownCounts(page) {
  return page.evaluate(() => {
    const shown = {};
    for (const element of document.querySelectorAll('[data-stat]')) {
      shown[element.dataset.stat] = { value: element.dataset.value, text: element.textContent };
    }
    return shown;
  });
}

function flatten(stats) {
  const flat = {};
  for (const [key, value] of Object.entries(stats)) {
    if (typeof value === 'object') {
      for (const [inner, count] of Object.entries(value)) {
        flat[`${key}.${inner}`] = count;
      }
    } else {
      flat[key] = value;
    }
  }
  return flat;
}

// The page refreshes its counts every 5 s; wait (up to 15 s) until every number it shows equals a fresh GET /stats.
async function expectCountsMatch(page, name) {
  const until = Date.now() + 15_000;
  let mismatch = '';
  while (true) {
    const stats = (await api('/stats')).json;
    const expected = flatten(stats);
    const shown = await shownCounts(page);
    mismatch = '';
    for (const [key, { value, text }] of Object.entries(shown)) {
      if (!(key in expected)) {
        mismatch += ` ${key} is not in /stats;`;
      } else if (value !== String(expected[key]) || text !== numbers.format(expected[key])) {
        mismatch += ` ${key} shows "${text}" (${value}), /stats says ${expected[key]};`;
      }
    }
    for (const key of ['couriers', 'orders.pending', 'orders.assigned', 'orders.completed', 'bundles.open']) {
      if (!(key in shown)) {
        mismatch += ` ${key} is not shown;`;
      }
    }
    if (!mismatch) {
      check(name, `couriers ${expected.couriers}, pending ${expected['orders.pending']}, assigned ${expected['orders.assigned']}, ` +
        `completed ${expected['orders.completed']}, open bundles ${expected['bundles.open']}`);
      return stats;
    }
    if (Date.now() > until) {
      fail(`${name}:${mismatch}`);
    }
    await sleep(250);
  }
}

async function shownCouriers(page) {
  return page.$$eval('#couriers tbody tr', (rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
}

function expectedRow(courier) {
  return [
    String(courier.courier_id), courier.courier_type, courier.regions.join(', '), courier.working_hours.join(', '),
    courier.rating == null ? '—' : courier.rating.toFixed(2), numbers.format(courier.earnings),
  ];
}

async function expectCourierPage(page, offset, total) {
  const expected = (await api(`/couriers?offset=${offset}&limit=${pageSize}`)).json;
  await page.waitForFunction(
    ([first, count]) => {
      const rows = document.querySelectorAll('#couriers tbody tr');
      return rows.length === count && (count === 0 || rows[0].dataset.courierId === String(first));
    },
    [expected.couriers[0]?.courier_id, expected.couriers.length],
  );
  const shown = await shownCouriers(page);
  const want = expected.couriers.map(expectedRow);
  assert(JSON.stringify(shown) === JSON.stringify(want),
    `courier page at offset ${offset} differs from GET /couriers:\n shown ${JSON.stringify(shown)}\n want  ${JSON.stringify(want)}`);
  const range = `${numbers.format(offset + 1)}–${numbers.format(offset + want.length)} of ${numbers.format(total)}`;
  await page.waitForFunction((text) => document.getElementById('couriers-range').textContent === text, range, { timeout: 10_000 })
    .catch(async () => fail(`the pager should say "${range}" but says "${await page.locator('#couriers-range').textContent()}"`));
  return expected;
}

async function walkCourierPages(page, total) {
  assert(total > pageSize, `seed more than ${pageSize} couriers to check paging (there are ${total})`);
  const seen = [];
  let offset = 0;
  let pages = 0;
  assert(await page.locator('#couriers-prev').isDisabled(), 'Prev is enabled on the first page');
  while (true) {
    const expected = await expectCourierPage(page, offset, total);
    seen.push(...expected.couriers.map((c) => c.courier_id));
    pages++;
    const next = page.locator('#couriers-next');
    if (offset + expected.couriers.length >= total) {
      assert(await next.isDisabled(), `Next is enabled on the last page (offset ${offset})`);
      break;
    }
    assert(pages < 50, 'more than 50 courier pages: seed fewer couriers');
    await next.click();
    offset = expected.next_offset;
    await page.waitForFunction((o) => location.hash === `#couriers=${o}`, offset);
  }
  assert(seen.length === total && new Set(seen).size === total, `paging showed ${seen.length} couriers (${new Set(seen).size} distinct) of ${total}`);
  assert(seen.every((id, i) => i === 0 || id > seen[i - 1]), 'couriers are not in id order across pages');
  check('Next walks every courier page', `${pages} pages of ${pageSize}, ${total} couriers, each equal to GET /couriers`);

  // Prev goes back one page at a time; then back to the first page for the screenshot.
  await page.locator('#couriers-prev').click();
  offset -= pageSize;
  await expectCourierPage(page, offset, total);
  while (offset > 0) {
    await page.locator('#couriers-prev').click();
    offset -= pageSize;
    await expectCourierPage(page, offset, total);
  }
  assert(await page.locator('#couriers-prev').isDisabled(), 'Prev is enabled on the first page');
  check('Prev walks back to the first page');
  return seen;
}

async function expectNoscriptNote(context) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  await page.goto(`${base}/dashboard`, { waitUntil: 'load' });
  const note = page.locator('noscript .note, .note');
  assert(await note.isVisible(), 'without JavaScript no <noscript> note is shown');
  const text = await note.textContent();
  assert(text.includes('JavaScript') && text.includes('/stats'), `the <noscript> note says "${text}"`);
  assert(await page.locator('#couriers thead').isVisible(), 'without JavaScript the page is not readable');
  await shoot(page, 'dashboard-noscript.png');
  await page.close();
  check('without JavaScript the page shows its <noscript> note with links to the JSON');
}

function ndjsonOrders(count, firstId) {
  // Deterministic, varied and valid: weights 0.01..50, regions 1..100, one- to eight-hour windows.
  let seed = 20261122;
  const next = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const lines = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = next(24);
    const end = (start + 1 + next(8)) % 24;
    const hours = `${String(start).padStart(2, '0')}:00-${String(end).padStart(2, '0')}:00`;
    lines[i] = `{"order_id":${firstId + i},"weight":${(1 + next(5000)) / 100},"region":${1 + next(100)},"delivery_hours":["${hours}"]}`;
  }
  return `${lines.join('\n')}\n`;
}

async function postImport(count, firstId) {
  const body = ndjsonOrders(count, firstId);
  const posted = Date.now();
  const accepted = await api('/imports/orders', { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body });
  assert(accepted.status === 202, `POST /imports/orders answered ${accepted.status}`);
  log(`import ${accepted.json.import_id}: ${count} orders, ${(body.length / 1048576).toFixed(1)} MiB, accepted in ${Date.now() - posted} ms`);
  return { id: accepted.json.import_id, posted };
}

// Loads a small import (watched through the API, not the page) and says how many orders a second this machine loads now.
async function calibrate(firstId) {
  const { id } = await postImport(CALIBRATION_ORDERS, firstId);
  let started = null;
  const until = Date.now() + 5 * 60_000;
  while (true) {
    const state = (await api(`/imports/${id}`)).json;
    if (state.status === 'running' && started === null) started = Date.now();
    if (state.status === 'succeeded') {
      const seconds = Math.max(0.2, (Date.now() - (started ?? Date.now())) / 1000);
      return { id, seconds, rate: CALIBRATION_ORDERS / seconds };
    }
    assert(state.status !== 'failed', `the calibration import failed: ${state.error}`);
    assert(Date.now() < until, 'the calibration import did not finish within 5 minutes');
    await sleep(50);
  }
}

async function watchImport(page, statsBefore) {
  const calibration = await calibrate(firstOrderId);
  const count = Math.min(MAX_IMPORT_ORDERS, Math.max(importOrders, Math.round(calibration.rate * importSeconds / 10_000) * 10_000));
  log(`calibration: ${CALIBRATION_ORDERS} orders loaded in ${calibration.seconds.toFixed(1)} s; the watched import gets ${count}`);
  const { id, posted } = await postImport(count, firstOrderId + CALIBRATION_ORDERS);

  // Sample the bar as the page draws it (its polling, not ours, moves it): every 50 ms until the import ends.
  const samples = [];
  const intermediate = [];
  let midShot = false;
  const until = Date.now() + 10 * 60_000;
  while (true) {
    const sample = await page.evaluate((importId) => {
      const row = document.querySelector(`#imports tbody tr[data-import-id="${importId}"]`);
      if (!row) return null;
      return {
        status: row.dataset.status,
        value: Number(row.querySelector('.bar').getAttribute('aria-valuenow')),
        width: row.querySelector('.fill').style.width,
        rows: row.querySelector('.rows').textContent,
      };
    }, id);
    if (sample) {
      const last = samples[samples.length - 1];
      if (!last || last.status !== sample.status || last.value !== sample.value) {
        samples.push({ ...sample, ms: Date.now() - posted });
        log(`import ${id} shown: ${sample.status} ${sample.width} (${sample.rows})`);
        if (sample.width !== `${sample.value}%`) fail(`bar width ${sample.width} does not match its value ${sample.value}`);
        if (last && sample.value < last.value && sample.status === last.status) fail(`the bar went back from ${last.value} to ${sample.value}`);
        if (sample.status === 'running' && sample.value > 0 && sample.value < 100) {
          intermediate.push(sample.value);
          if (!midShot) {
            midShot = true;
            await shoot(page, 'dashboard-import-running.png');
          }
        }
      }
      if (sample.status === 'succeeded' || sample.status === 'failed') break;
    }
    if (Date.now() > until) fail(`import ${id} did not finish on the page within 10 minutes`);
    await sleep(50);
  }
  const final = samples[samples.length - 1];
  const server = (await api(`/imports/${id}`)).json;
  assert(server.status === 'succeeded', `import ${id} ${server.status}: ${server.error}`);
  assert(final.status === 'succeeded' && final.value === 100 && final.width === '100%', `the finished bar shows ${final.status} ${final.width}`);
  const distinct = [...new Set(intermediate)];
  const seconds = (final.ms / 1000).toFixed(1);
  assert(distinct.length >= 2,
    `the bar showed ${distinct.length} intermediate value(s) (${distinct.join(', ')}) before 100%; ` +
    `the import was shown done ${seconds} s after it was posted: make it bigger (--import-orders)`);
  check('the progress bar moves during an import',
    `values ${distinct.join('%, ')}% then 100%; ${count} orders shown loaded ${seconds} s after the POST`);

  const statsAfter = (await api('/stats')).json;
  const imported = CALIBRATION_ORDERS + count;
  assert(statsAfter.orders.pending === statsBefore.orders.pending + imported,
    `pending orders went from ${statsBefore.orders.pending} to ${statsAfter.orders.pending} after importing ${imported}`);
  return {
    id, orders: count, imported, calibrationSeconds: calibration.seconds, shownDoneAfterSeconds: Number(seconds), intermediate: distinct, samples,
  };
}

async function shoot(page, name) {
  const path = join(out, name);
  await page.screenshot({ path, fullPage: true });
  result.screenshots.push(path);
  log(`screenshot ${path}`);
}

function parseArgs(list) {
  const parsed = { _: [] };
  for (let i = 0; i < list.length; i++) {
    if (list[i].startsWith('--')) {
      parsed[list[i].slice(2)] = list[i + 1];
      i++;
    } else {
      parsed._.push(list[i]);
    }
  }
  return parsed;
}
