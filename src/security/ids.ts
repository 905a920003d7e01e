/** Random, unguessable identifiers and hashing helpers (WebCrypto). */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A 128-bit random id, base36-ish, with an optional type prefix: `ws_k3j…`. */
export function newId(prefix?: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let s = "";
  for (const b of bytes) s += ALPHABET[b % 36];
  // 20 chars of base36 from bytes mod 36 ≈ 103 bits; use 26 for > 128 bits.
  const more = crypto.getRandomValues(new Uint8Array(6));
  for (const b of more) s += ALPHABET[b % 36];
  return prefix ? `${prefix}_${s}` : s;
}

/** A url-safe random secret (for cookies, OAuth state, API tokens). */
export function randomSecret(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export async function sha256Hex(input: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
