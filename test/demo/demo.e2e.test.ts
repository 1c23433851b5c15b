// The demo end to end, as a user runs it: `node --import tsx demo/main.ts --port 0` in a child
// process, queried over HTTP, then stopped with SIGTERM. Repeated queries (and other spellings
// of them) must become cache hits, /stats must agree with exactly what this file did, bad
// input must get a 4xx JSON answer without hurting the service, and it must exit 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoStats } from '../../demo/server.js';
import { http, killIfRunning, type MainProcess, rawRequest, runMain } from './helpers.js';

let demo: MainProcess;
let url: string;

beforeAll(async () => {
  demo = runMain(['--port', '0']);
  url = await demo.url;
}, 20_000);

afterAll(() => killIfRunning(demo?.child));

const search = (q: string) => http(`${url}/search?q=${encodeURIComponent(q)}`);
const stats = async () => (await http(`${url}/stats`)).json<DemoStats>();

interface SearchBody {
  key: string;
  terms: string[];
  mode: string;
  total: number;
  hits: Array<{ id: number; title: string; snippet: string; score: number }>;
}

// what this file has done to the cache, checked against /stats
const bodies = new Map<string, number>(); // cache key → bytes of its body
let hits = 0;
let misses = 0;

describe('npm start (the demo as a child process)', () => {
  it('prints its URL on 127.0.0.1 and how to use it', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.stdout()).toContain('40,000 generated documents');
    expect(demo.stdout()).toContain('lrukit LoadingCache, policy lru, maxSize 4 MiB');
  });

  it('answers a first query by searching (miss), then from the cache (hit)', async () => {
    const first = await search('Gosgo mon');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.headers['x-cache']).toBe('miss');
    misses++;
    const body = first.json<SearchBody>();
    expect(body.key).toBe('gosgo mon');
    expect(body.terms).toEqual(['gosgo', 'mon']);
    expect(body.mode).toBe('and');
    expect(body.total).toBeGreaterThan(0);
    expect(body.hits).toHaveLength(10);
    bodies.set(body.key, Buffer.byteLength(first.body));

    const again = await search('Gosgo mon');
    expect(again.headers['x-cache']).toBe('hit');
    hits++;
    expect(again.body).toBe(first.body);
  });

  it('serves other spellings of the same query from the same entry', async () => {
    const first = (await search('gosgo mon')).body;
    hits++;
    for (const spelling of ['MON, gosgo!', '  mon   GOSGO mon ', 'ｍｏｎ gosgo', "gosgo's mon"]) {
      const reply = await search(spelling);
      // "gosgo's" loses its apostrophe: "gosgos" is another term, so another key
      if (spelling.includes("'")) {
        expect(reply.json<SearchBody>().key).toBe('gosgos mon');
        expect(reply.headers['x-cache']).toBe('miss');
        misses++;
        bodies.set('gosgos mon', Buffer.byteLength(reply.body));
        continue;
      }
      expect(reply.headers['x-cache'], spelling).toBe('hit');
      expect(reply.body).toBe(first);
      hits++;
    }
  });

  it('reports in /stats exactly the hits, misses and entries of these requests', async () => {
    const s = await stats();
    expect(s.cache).toBe('lrukit');
    expect(s).toMatchObject({ policy: 'lru', seed: null });
    expect(s.hits).toBe(hits);
    expect(s.misses).toBe(misses);
    expect(s.hitRatio).toBeCloseTo(hits / (hits + misses), 10);
    expect(s.entries).toBe(bodies.size);
    expect(s.totalSize).toBe([...bodies.values()].reduce((a, b) => a + b, 0));
    expect(s.loads).toBe(misses);
    expect(s.searches).toBe(misses);
    expect(s.evictions).toBe(0);
    expect(s.requests.search).toBe(hits + misses);
    expect(s.latency.samples).toBe(hits + misses);
    expect(s.latency.p50Ms).toBeGreaterThan(0);
    expect(s.latency.p99Ms).toBeGreaterThanOrEqual(s.latency.p50Ms);
    expect(s.uptimeMs).toBeGreaterThan(0);
    expect(s.maxSize).toBe(4 * 1024 * 1024);
  });

  it('hits grow with repeated queries', async () => {
    const before = await stats();
    for (let i = 0; i < 5; i++) expect((await search('mon gosgo')).headers['x-cache']).toBe('hit');
    hits += 5;
    const after = await stats();
    expect(after.hits - before.hits).toBe(5);
    expect(after.misses).toBe(before.misses);
  });

  it('DELETE /search?q= drops that query (any spelling): the next search is a miss', async () => {
    expect((await search('mon gosgo')).headers['x-cache']).toBe('hit');
    const reply = await http(`${url}/search?q=GOSGO,+mon`, 'DELETE');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json()).toEqual({ key: 'gosgo mon', deleted: true });
    // nothing cached any more: the same answer, saying so
    const again = await http(`${url}/search?q=mon+gosgo`, 'DELETE');
    expect(again.status).toBe(200);
    expect(again.json()).toEqual({ key: 'gosgo mon', deleted: false });
    expect((await http(`${url}/search?q=never+searched`, 'DELETE')).json()).toEqual({
      key: 'never searched',
      deleted: false,
    });
    const before = await stats();
    expect((await search('mon gosgo')).headers['x-cache']).toBe('miss');
    expect((await search('mon gosgo')).headers['x-cache']).toBe('hit');
    const after = await stats();
    expect(after.misses - before.misses).toBe(1);
    hits += 2;
    misses += 1;
  });

  it('answers bad input with a clear 4xx JSON error, and keeps serving', async () => {
    const huge = 'a'.repeat(300);
    const cases: Array<[string, string, number, RegExp]> = [
      ['GET', '/search', 400, /missing query parameter "q"/],
      ['GET', '/search?q=', 400, /"q" is empty/],
      ['GET', '/search?q=+++', 400, /"q" is empty/],
      ['GET', '/search?q=%21%3F%2E', 400, /no searchable terms/],
      ['GET', `/search?q=${huge}`, 414, /300 characters long; the limit is 256/],
      ['GET', '/search?q=a+b+c+d+e+f+g+h+i+j+k', 400, /11 distinct terms; the limit is 10/],
      ['GET', '/search?q=a&q=b', 400, /more than once/],
      ['GET', '/search?q=%E0%A4', 400, /malformed percent-encoding/],
      ['GET', '/search?q=100%', 400, /malformed percent-encoding/],
      ['GET', '/nope', 404, /no such route: \/nope/],
      ['GET', '/search/', 404, /no such route/],
      ['POST', '/search?q=mon', 405, /POST is not allowed on \/search/],
      ['DELETE', '/stats', 405, /DELETE is not allowed/],
      ['PUT', '/', 405, /PUT is not allowed/],
      ['DELETE', '/search', 400, /missing query parameter "q"/],
    ];
    for (const [method, path, status, message] of cases) {
      const reply = await http(`${url}${path}`, method);
      expect(reply.status, `${method} ${path}`).toBe(status);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      const body = reply.json<{ status: number; error: string }>();
      expect(body.status).toBe(status);
      expect(body.error).toMatch(message);
      if (status === 405) {
        expect(reply.headers.allow).toBe(
          path.startsWith('/search') ? 'GET, HEAD, DELETE' : 'GET, HEAD',
        );
      }
    }
    // beyond Node's header limit, and not HTTP at all: answered by the server's clientError handler
    const tooLong = await rawRequest(
      url,
      `GET /search?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(tooLong).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawRequest(url, 'NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);

    // still serving, and the bad requests did not touch the cache
    const reply = await search('mon gosgo');
    expect(reply.status).toBe(200);
    expect(reply.headers['x-cache']).toBe('hit');
    hits++;
    const s = await stats();
    expect(s.hits).toBe(hits);
    expect(s.misses).toBe(misses);
    expect(s.requests.clientErrors).toBe(cases.length); // the two raw ones never became requests
    expect(s.requests.serverErrors).toBe(0);
  });

  it('serves the live stats page at /', async () => {
    const page = await http(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>lrukit demo');
    expect(page.body).toContain("fetch('/stats'");
    expect(page.body).toContain('/search?q=');
    const head = await http(`${url}/`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('stops on SIGTERM and exits 0', async () => {
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(demo.stdout()).toMatch(/lrukit demo: stopped \(SIGTERM\)/);
    expect(demo.stderr()).toBe('');
  });
});
