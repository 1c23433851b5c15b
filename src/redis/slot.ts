/**
 * Redis Cluster's key → hash slot mapping (CRC16/XMODEM of the key, or of its `{hash tag}`,
 * modulo 16384), so that a multi-key read can be grouped into one pipeline per node.
 */

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
})();

const encoder = new TextEncoder();

/** CRC16/XMODEM (polynomial 0x1021, initial 0), as Redis Cluster computes it. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/**
 * The hash slot (0–16383) of `key` as Redis Cluster assigns it: only the part between the first
 * `{` and the next `}` counts when that part is non-empty.
 *
 * @example
 * ```ts
 * keySlot('user:{42}:name') === keySlot('user:{42}:mail'); // true: same hash tag
 * ```
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(encoder.encode(key)) & 16383;
}
