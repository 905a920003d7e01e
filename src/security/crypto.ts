/**
 * Tracker tokens at rest: AES-256-GCM through WebCrypto, under keys from the
 * `TOKEN_ENCRYPTION_KEYS` secret. The ciphertext carries its key id
 * (`v1.<keyId>.<iv>.<ciphertext>`), so keys can rotate: encrypt with the first
 * key, decrypt with whichever key the value names. The workspace and field are
 * bound as additional data, so a ciphertext copied to another row won't decrypt.
 */
import { base64url, fromBase64url } from "./ids";

export interface KeyMaterial {
  id: string;
  raw: Uint8Array;
}

const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();
function importKey(k: KeyMaterial): Promise<CryptoKey> {
  let p = imported.get(k.raw);
  if (!p) {
    p = crypto.subtle.importKey("raw", k.raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    imported.set(k.raw, p);
  }
  return p;
}

export class TokenCryptoError extends Error {
  override readonly name = "TokenCryptoError";
}

export async function encryptSecret(keys: KeyMaterial[], plaintext: string, context: string): Promise<string> {
  const key = keys[0];
  if (!key) throw new TokenCryptoError("no encryption key configured");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await importKey(key),
    new TextEncoder().encode(plaintext),
  );
  return `v1.${key.id}.${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
}

export async function decryptSecret(keys: KeyMaterial[], value: string, context: string): Promise<string> {
  const [v, keyId, iv, ct] = value.split(".");
  if (v !== "v1" || !keyId || !iv || !ct) throw new TokenCryptoError("unrecognized ciphertext format");
  const key = keys.find((k) => k.id === keyId);
  if (!key) throw new TokenCryptoError(`no key with id ${keyId}: it was rotated out before re-encryption`);
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(iv), additionalData: new TextEncoder().encode(context) },
      await importKey(key),
      fromBase64url(ct),
    );
    return new TextDecoder().decode(pt);
  } catch {
    throw new TokenCryptoError("token ciphertext failed authentication");
  }
}
