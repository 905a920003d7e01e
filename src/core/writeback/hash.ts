/**
 * `hashBody`: FNV-1a 64-bit over the UTF-8 bytes, as 16 lowercase hex digits.
 * Fast, deterministic, runtime-neutral; not cryptographic (it only tells
 * whether our own comment text changed).
 */
const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/**
 * @example
 * hashBody(""); // "cbf29ce484222325"
 * hashBody("a"); // "af63dc4c8601ec8c"
 */
export function hashBody(body: string): string {
  let h = OFFSET;
  for (const byte of encoder.encode(body)) {
    h ^= BigInt(byte);
    h = (h * PRIME) & MASK;
  }
  return h.toString(16).padStart(16, "0");
}
