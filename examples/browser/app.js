// The browser example's page: memoize() over fetch(), with a clock the page controls.
import { memoize } from '/lrukit.js';

const TTL = 2_000;
const STALE_WHILE_REVALIDATE = 10_000;
const ADVANCE = 3_000; // past the ttl, inside the stale window

// An injected clock: real time plus an offset that the "Expire" button moves ahead.
let offset = 0;
const clock = { now: () => performance.now() + offset };

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const describe = (item) => (item ? `item ${item.id} v${item.version}` : '–');

function log(text) {
  const li = document.createElement('li');
  li.textContent = `${(clock.now() / 1000).toFixed(2)}s  ${text}`;
  $('log').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

/** Calls the API; a call that starts while a stale value is cached is a background refresh. */
async function fetchItem(id) {
  const refreshing = item.peek(id) !== undefined;
  const response = await fetch(`/api/item?id=${id}`);
  if (!response.ok) throw new Error(`GET /api/item?id=${id}: HTTP ${response.status}`);
  const body = await response.json();
  log(`server answered ${describe(body)}${refreshing ? ' (background refresh)' : ''}`);
  // the cache stores the value after this returns: render once it has (a task later)
  setTimeout(render, 0);
  return body;
}

const item = memoize(fetchItem, { ttl: TTL, staleWhileRevalidate: STALE_WHILE_REVALIDATE, clock });

function render() {
  const stats = item.cache.stats;
  $('hits').textContent = String(stats.hits);
  $('misses').textContent = String(stats.misses);
  $('stale-hits').textContent = String(stats.staleHits);
  $('refreshes').textContent = String(stats.refreshes);
  $('loads').textContent = String(stats.loads);
  $('clock-offset').textContent = String(offset);
  $('cached-1').textContent = describe(item.peek(1));
  $('cached-2').textContent = describe(item.peek(2));
}

async function load(id) {
  const before = item.cache.stats;
  const started = performance.now();
  const result = await item(id);
  const ms = Math.round(performance.now() - started);
  const after = item.cache.stats;
  const kind =
    after.staleHits > before.staleHits ? 'stale hit' : after.hits > before.hits ? 'hit' : 'miss';
  const kindElement = $('last-kind');
  kindElement.textContent = kind;
  kindElement.className = `kind ${kind.split(' ')[0]}`;
  $('last-result').textContent = describe(result);
  $('last-version').textContent = `v${result.version}`;
  log(`load item ${id}: ${kind}, got ${describe(result)} in ${ms} ms`);
  render();
}

for (const button of document.querySelectorAll('button[data-id]')) {
  button.addEventListener('click', () => {
    load(Number(button.dataset.id)).catch((error) => log(`error: ${error.message}`));
  });
}
$('expire').addEventListener('click', () => {
  offset += ADVANCE;
  log(`clock moved ${ADVANCE} ms ahead: entries older than ${TTL} ms are now stale`);
  render();
});

render();
document.body.dataset.ready = 'true';
