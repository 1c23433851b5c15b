// Redis Cluster hash slots computed locally (redisStore.getMany groups keys by node with them).
// The values below are Redis's own (cluster spec and CLUSTER KEYSLOT); test/redis/cluster.test.ts
// compares with a live server on random keys.
import { describe, expect, it } from 'vitest';
import { crc16, keySlot } from '../../src/redis/slot.js';

describe('keySlot', () => {
  it("is CRC16/XMODEM: the cluster spec's check value", () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });

  it('matches CLUSTER KEYSLOT for plain keys', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('')).toBe(0);
  });

  it('hashes only a non-empty {hash tag}, the first one', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(crc16(new TextEncoder().encode('foo{}{bar}')) & 16383); // empty tag: whole key
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
  });

  it('hashes UTF-8 bytes', () => {
    expect(keySlot('é')).toBe(crc16(new Uint8Array([0xc3, 0xa9])) & 16383);
  });
});
