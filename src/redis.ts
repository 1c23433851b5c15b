/**
 * Entry `lrukit/redis`: a shared second tier (`redisStore`) and cross-process invalidation
 * (`redisBus`) over Redis, Valkey or a Redis Cluster, for `LoadingCache`'s `l2` and `bus`
 * options. Re-exports only. Needs an ioredis-compatible client (ioredis is an optional peer
 * dependency; nothing of it is imported here).
 *
 * @module lrukit/redis
 */

export { type RedisBusOptions, redisBus } from './redis/bus.js';
export {
  type RedisClientLike,
  type RedisPipelineLike,
  TierTimeoutError,
  TierUnavailableError,
} from './redis/client.js';
export {
  jsonSerializer,
  SerializationError,
  type Serializer,
} from './redis/serializer.js';
export { type RedisStoreOptions, redisStore } from './redis/store.js';
export type {
  BusListener,
  ErrorContext,
  InvalidationBus,
  InvalidationMessage,
  L2Entry,
  L2Store,
  TierErrorContext,
} from './tiers.js';
