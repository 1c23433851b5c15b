/**
 * Entry `lrukit`: re-exports only.
 *
 * @module lrukit
 */

export { type Clock, systemClock } from './clock.js';
export { type CoarseClockOptions, coarseClock } from './coarse-clock.js';
export {
  type Cached,
  type CachedDecorator,
  type CachedOptions,
  cached,
  type MethodName,
  type MethodParameters,
} from './decorator.js';
export { stableKey } from './key.js';
export type { BulkOptions, LoadManyContext } from './loading/bulk.js';
export {
  type WriteBehindOptions,
  WriteError,
  type WriteErrorContext,
  type WriteOptions,
} from './loading/writes.js';
export {
  type LoadContext,
  LoadingCache,
  type LoadingCacheOptions,
  type LoadingCacheStats,
  type LoadingOptions,
  TimeoutError,
} from './loading-cache.js';
export { LruCache, type LruCacheEntry, type LruCacheStats } from './lru-cache.js';
export { type AnyFunction, type Memoized, type MemoizeOptions, memoize } from './memoize.js';
export type {
  CommonOptions,
  CountBound,
  EvictionReason,
  LruCacheOptions,
  OnEvict,
  ResizeOptions,
  SetOptions,
  SizeBound,
} from './options.js';
export type {
  BusListener,
  ErrorContext,
  InvalidationBus,
  InvalidationMessage,
  L2Entry,
  L2Store,
  TierErrorContext,
} from './tiers.js';
export { TinyLfuCache, type TinyLfuCacheOptions } from './tiny-lfu-cache.js';
