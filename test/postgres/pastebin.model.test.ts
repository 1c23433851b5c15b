// examples/pastebin against a model, on a real PostgreSQL server: random sequences of creates
// (1 B - 8 KB, random expiry), reads (of known and unknown ids) and clock advances, in a cache
// of 24 KB so that pastes are evicted. After each step: every read answers what the model says
// the database holds at that time (the body, or 404 once expired), and the cache holds no
// expired paste and stays within its byte bound.
import fc from 'fast-check';
import { ManualClock } from 'lrukit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPastebin } from '../../examples/pastebin/app.js';
import { closeServer, listen } from '../../examples/shared/http.js';
import { type PostgresServer, startPostgres } from '../../scripts/postgres-server.mjs';
import { closeAll, connect } from './helpers.js';

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await closeAll();
  await server?.stop();
});

const MAX_BYTES = 24 * 1024;

type Op =
  | { op: 'create'; size: number; expires: number }
  | { op: 'read'; pick: number }
  | { op: 'advance'; ms: number };

const ops = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('create' as const),
      size: fc.integer({ min: 1, max: 8 * 1024 }),
      expires: fc.integer({ min: 1, max: 120 }), // seconds
    }),
    fc.record({ op: fc.constant('read' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  ),
  { minLength: 1, maxLength: 25 },
);

describe('examples/pastebin model', () => {
  it('reads through the cache always answer what the database holds', async () => {
    const db = await connect(server.url);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(ops, async (steps: Op[]) => {
        const clock = new ManualClock(Date.UTC(2026, 0, 1) + run++ * 1e9); // runs never overlap
        const app = await createPastebin({ db, clock, maxBytes: MAX_BYTES });
        const base = await listen(app.server, 0);
        const model = new Map<string, { body: string; expiresAt: number }>();
        const ids: string[] = [];
        try {
          for (const step of steps) {
            if (step.op === 'advance') {
              clock.advance(step.ms);
            } else if (step.op === 'create') {
              const body = String.fromCharCode(97 + (ids.length % 26)).repeat(step.size);
              const response = await fetch(`${base}/pastes?expires=${step.expires}`, {
                method: 'POST',
                body,
              });
              expect(response.status).toBe(201);
              const { id } = (await response.json()) as { id: string };
              model.set(id, { body, expiresAt: clock.now() + step.expires * 1000 });
              ids.push(id);
            } else {
              const id =
                ids.length === 0 || step.pick % 5 === 0 ? 'unknown1' : ids[step.pick % ids.length]!;
              const response = await fetch(`${base}/pastes/${id}`);
              const text = await response.text();
              const expected = model.get(id);
              if (expected !== undefined && clock.now() < expected.expiresAt) {
                expect(response.status).toBe(200);
                expect(text).toBe(expected.body);
              } else {
                expect(response.status).toBe(404);
              }
            }
            // the cache never holds an expired paste (at most the `null` of a 404), and stays
            // within its bound
            for (const [id, paste] of model) {
              if (clock.now() >= paste.expiresAt) expect(app.pastes.peek(id) ?? null).toBeNull();
            }
            expect(app.pastes.totalSize).toBeLessThanOrEqual(MAX_BYTES);
          }
        } finally {
          await closeServer(app.server);
          await app.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
