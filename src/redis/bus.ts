/**
 * `redisBus`: an `InvalidationBus` over Redis pub/sub. Messages are compact JSON
 * (`{"o":origin,"k":[keys]}`, `{"o":origin,"c":1}`) on one channel; a dedicated subscriber
 * connection delivers them, and a reconnect of that connection tells every listener that
 * messages may have been lost.
 *
 * Reconnects, as ioredis reports them (read from its source, v5 and v6): `Redis` and `Cluster`
 * both announce their state as events named after it (`'ready'`, `'close'`, `'reconnecting'`,
 * `'end'`), emitted on the next tick. ioredis re-subscribes by itself after a reconnect; the bus
 * subscribes again too and calls `reconnected()` once that SUBSCRIBE has been answered, so a
 * listener that flushes its state cannot miss a message sent after the flush. A `Cluster` also
 * moves its subscription to another node, silently, when the node it was on leaves: the bus
 * treats a `'-node'` event as a possible loss too (a harmless extra flush when another node left).
 */

import { checkOptionsObject, option, rangeError, typeError } from '../errors.js';
import type { BusListener, InvalidationBus, InvalidationMessage } from '../tiers.js';
import { bounded, checkClient, checkCommandTimeout, type RedisClientLike } from './client.js';

/**
 * Options of {@link redisBus}.
 *
 * @example
 * ```ts
 * const options: RedisBusOptions = { publisher: redis, subscriber: redis.duplicate(), channel: 'users' };
 * ```
 */
export interface RedisBusOptions {
  /** Connection that PUBLISHes (may be shared with a `redisStore`). */
  publisher: RedisClientLike;
  /**
   * A connection of its own, put in subscriber mode (e.g. `publisher.duplicate()`); must not be
   * the publisher. Not closed by the bus.
   */
  subscriber: RedisClientLike;
  /** The pub/sub channel (non-empty); every cache sharing invalidations uses the same one. */
  channel: string;
  /** Most ms to wait for a PUBLISH or SUBSCRIBE (a positive number up to 2^31 - 1; default 250). */
  commandTimeout?: number;
}

const KNOWN = /* @__PURE__ */ new Set(['publisher', 'subscriber', 'channel', 'commandTimeout']);
/** Events after which the subscription may have missed messages. */
const LOSS_EVENTS = ['close', 'end', 'reconnecting'] as const;

/** The wire form: compact, with short field names (it is sent once per invalidation). */
function encode(message: InvalidationMessage): string {
  const wire: { o: string; k?: readonly string[]; c?: 1 } = { o: message.origin };
  if (message.keys !== undefined) wire.k = message.keys;
  if (message.clear === true) wire.c = 1;
  return JSON.stringify(wire);
}

/** The message in `text`, or `undefined` for anything that is not one (ignored). */
function decode(text: unknown): InvalidationMessage | undefined {
  if (typeof text !== 'string') return undefined;
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null) return undefined;
  const { o, k, c } = wire as { o?: unknown; k?: unknown; c?: unknown };
  if (typeof o !== 'string') return undefined;
  const keys = Array.isArray(k) && k.every((key) => typeof key === 'string') ? k : undefined;
  if (k !== undefined && keys === undefined) return undefined;
  if (c !== undefined && c !== 1) return undefined;
  if (keys === undefined && c === undefined) return undefined;
  const message: { origin: string; keys?: readonly string[]; clear?: boolean } = { origin: o };
  if (keys !== undefined) message.keys = Object.freeze(keys as string[]);
  if (c === 1) message.clear = true;
  return Object.freeze(message);
}

function checkMessage(message: unknown): InvalidationMessage {
  const name = 'redisBus publish() message';
  const expected = 'an object { origin: string, keys?: string[], clear?: boolean }';
  if (typeof message !== 'object' || message === null) typeError(name, expected, message);
  const { origin, keys, clear } = message as Record<string, unknown>;
  if (typeof origin !== 'string') typeError(`${name} origin`, 'a string', origin);
  if (
    keys !== undefined &&
    !(Array.isArray(keys) && keys.every((key: unknown) => typeof key === 'string'))
  ) {
    typeError(`${name} keys`, 'an array of strings', keys);
  }
  if (clear !== undefined && typeof clear !== 'boolean')
    typeError(`${name} clear`, 'a boolean', clear);
  return message as InvalidationMessage;
}

const ignore = (): void => {};

/** Calls `call` on every listener; the first error is rethrown later, outside ioredis's handler. */
function dispatch(listeners: readonly BusListener[], call: (listener: BusListener) => void): void {
  let failed = false;
  let first: unknown;
  for (const listener of listeners) {
    try {
      call(listener);
    } catch (error) {
      if (!failed) first = error;
      failed = true;
    }
  }
  if (failed) {
    queueMicrotask(() => {
      throw first;
    });
  }
}

/**
 * Cross-process invalidation for a `LoadingCache` (its `bus` option) over Redis pub/sub: when
 * one process invalidates, sets or clears, the others drop their in-memory copies. Messages
 * carry keys, never values. The first `subscribe` SUBSCRIBEs `subscriber` to `channel`; the last
 * unsubscribe UNSUBSCRIBEs and detaches every handler the bus attached. After the subscriber
 * reconnects (it had been ready, then closed), every listener's `reconnected()` is called, since
 * messages may have been lost meanwhile. Malformed messages on the channel are ignored. PUBLISH
 * is bounded by `commandTimeout` and refused at once while the publisher is disconnected. The bus
 * never closes either connection. A listener that throws does not stop the others; its error is
 * rethrown from a microtask.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { LoadingCache } from 'lrukit';
 * import { redisBus, redisStore } from 'lrukit/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL!);
 * const users = new LoadingCache<string, User>({
 *   load: fetchUser, maxEntries: 10_000, ttl: 60_000,
 *   l2: redisStore({ client: redis, prefix: 'users:' }),
 *   bus: redisBus({ publisher: redis, subscriber: redis.duplicate(), channel: 'users' }),
 * });
 * ```
 */
export function redisBus(options: RedisBusOptions): InvalidationBus {
  const o = checkOptionsObject('redisBus options', options, KNOWN);
  if (o === undefined) typeError('redisBus options', 'an object', options);
  checkClient('publisher', o.publisher, ['publish']);
  checkClient('subscriber', o.subscriber, ['subscribe', 'unsubscribe', 'on', 'off']);
  if (o.subscriber === o.publisher) {
    throw new TypeError(
      'lrukit: option "subscriber" must be a connection of its own, not the same client as "publisher" (a subscribed connection is given over to pub/sub)',
    );
  }
  if (typeof o.channel !== 'string') typeError(option('channel'), 'a non-empty string', o.channel);
  if (o.channel === '') rangeError(option('channel'), 'a non-empty string', o.channel);
  const publisher = o.publisher as RedisClientLike;
  const subscriber = o.subscriber as RedisClientLike;
  const channel: string = o.channel;
  const timeout = checkCommandTimeout(o.commandTimeout);

  // one entry per subscribe() call, so the same listener may be subscribed twice
  const entries = new Set<{ listener: BusListener }>();
  const listeners = () => [...entries].map((entry) => entry.listener);
  /** Bumped on every attach and detach: a late SUBSCRIBE reply of an older attachment is ignored. */
  let generation = 0;
  /** The subscriber has been ready since the handlers were attached. */
  let wasReady = false;
  /** The connection closed after having been ready: messages may have been lost. */
  let lost = false;

  /** SUBSCRIBEs; with `notify`, calls every listener's `reconnected()` once it has settled. */
  const subscribeNow = (notify: boolean): void => {
    const current = generation;
    const settled = (error: unknown) => {
      if (current !== generation) return;
      // a failed SUBSCRIBE is reported, and retried on the next reconnect
      if (error !== undefined) {
        lost = true;
        dispatch(listeners(), (l) => l.error?.(error));
      }
      if (notify) dispatch(listeners(), (l) => l.reconnected());
    };
    bounded(subscriber, timeout, 'SUBSCRIBE', () => subscriber.subscribe(channel)).then(
      () => settled(undefined),
      (error: unknown) => settled(error ?? new Error('lrukit: SUBSCRIBE failed')),
    );
  };

  const onMessage = (from: unknown, text: unknown): void => {
    if (from !== channel) return;
    const message = decode(text);
    if (message !== undefined) dispatch(listeners(), (l) => l.message(message));
  };
  const onReady = (): void => {
    if (!wasReady) {
      wasReady = true;
      subscribeNow(false); // first connection: nothing received yet, so nothing lost
    } else if (lost) {
      lost = false;
      subscribeNow(true);
    }
  };
  const onLoss = (): void => {
    if (wasReady) lost = true;
  };
  // Cluster: the node holding the subscription may have left; ioredis moves it elsewhere (in
  // the same synchronous emit, after this handler), so subscribe again once that is done.
  const onNodeLeft = (): void => {
    if (!wasReady) return;
    lost = true;
    const current = generation;
    queueMicrotask(() => {
      if (current === generation && lost && subscriber.status === 'ready') {
        lost = false;
        subscribeNow(true);
      }
    });
  };

  const attach = (): void => {
    generation++;
    lost = false;
    wasReady = false;
    subscriber.on('message', onMessage);
    subscriber.on('ready', onReady);
    for (const event of LOSS_EVENTS) subscriber.on(event, onLoss);
    if (subscriber.isCluster === true) subscriber.on('-node', onNodeLeft);
    // 'wait': lazyConnect, the SUBSCRIBE itself connects; otherwise the first 'ready' subscribes
    if (subscriber.status === 'ready' || subscriber.status === 'wait') {
      wasReady = subscriber.status === 'ready';
      subscribeNow(false);
    }
  };

  const detach = (): void => {
    generation++;
    subscriber.off('message', onMessage);
    subscriber.off('ready', onReady);
    for (const event of LOSS_EVENTS) subscriber.off(event, onLoss);
    if (subscriber.isCluster === true) subscriber.off('-node', onNodeLeft);
    // sent now (a subscribe() right after must follow it on the wire); not bounded, nobody
    // waits: while disconnected ioredis sends it after its own re-subscribe
    try {
      subscriber.unsubscribe(channel).catch(ignore);
    } catch {
      // a client that throws instead of rejecting: nothing more to undo
    }
  };

  return {
    async publish(message: InvalidationMessage): Promise<void> {
      const checked = checkMessage(message);
      if (checked.clear !== true && (checked.keys === undefined || checked.keys.length === 0)) {
        return; // nothing to invalidate
      }
      const text = encode(checked);
      await bounded(publisher, timeout, 'PUBLISH', () => publisher.publish(channel, text));
    },

    subscribe(listener: BusListener): () => void {
      if (
        typeof listener !== 'object' ||
        listener === null ||
        typeof listener.message !== 'function' ||
        typeof listener.reconnected !== 'function'
      ) {
        typeError(
          'redisBus subscribe() listener',
          'an object with message and reconnected functions',
          listener,
        );
      }
      const entry = { listener };
      entries.add(entry);
      if (entries.size === 1) attach();
      return () => {
        if (!entries.delete(entry)) return;
        if (entries.size === 0) detach();
      };
    },
  };
}
