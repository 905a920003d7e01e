/**
 * The GitHub sandbox's credentials: the App's keypair and JWT check,
 * installation tokens (`ghs_`, 1 h), OAuth codes with PKCE, user tokens
 * (`ghu_` expiring with rotating `ghr_` refresh tokens, or non-expiring `gho_`
 * for OAuth Apps) and revocation.
 */

export interface TokenRecord {
  token: string;
  kind: "installation" | "user" | "refresh";
  installationId: number | null;
  login: string | null;
  clientId: string | null;
  scopes: string[];
  /** Epoch ms, or null for non-expiring. */
  expiresAt: number | null;
  revoked: boolean;
  /** Installation tokens: the permissions granted when the token was made. */
  permissions?: Record<string, "read" | "write">;
}

export interface CodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  login: string;
  challenge: string | null;
  expiresAt: number;
  used: boolean;
}

const b64url = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const fromB64url = (s: string) => {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
};

/** `base64url(sha256(verifier))`, the PKCE S256 transform. */
export async function s256(verifier: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

export function randomToken(prefix: string, length = 36): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

export type JwtCheck = { ok: true; iss: string } | { ok: false; message: string };

/**
 * Verify a GitHub App JWT the way GitHub does: RS256 over `header.payload`
 * with the app's public key, `iss` = app id (or client id), not expired,
 * `exp` at most 10 minutes after `iat`.
 */
export async function verifyAppJwt(jwt: string, publicKey: CryptoKey, accepted: string[], nowMs: number): Promise<JwtCheck> {
  const parts = jwt.split(".");
  if (parts.length !== 3) return { ok: false, message: "A JSON web token could not be decoded" };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(fromB64url(h)));
    payload = JSON.parse(new TextDecoder().decode(fromB64url(p)));
  } catch {
    return { ok: false, message: "A JSON web token could not be decoded" };
  }
  if (header.alg !== "RS256") return { ok: false, message: "A JSON web token could not be decoded" };
  const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, fromB64url(s), new TextEncoder().encode(`${h}.${p}`));
  if (!valid) return { ok: false, message: "A JSON web token could not be decoded" };
  const now = Math.floor(nowMs / 1000);
  const iat = Number(payload.iat);
  const exp = Number(payload.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp)) return { ok: false, message: "Missing 'iat' or 'exp' claim" };
  if (exp <= now)
    return { ok: false, message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires" };
  if (iat > now + 60) return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" };
  if (exp - iat > 660) return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
  if (!accepted.includes(String(payload.iss))) return { ok: false, message: "'Issuer' claim ('iss') must be an Integer" };
  return { ok: true, iss: String(payload.iss) };
}

/** Read the RSA modulus/exponent out of a PKCS#8 private key DER and return the PKCS#1 RSAPrivateKey inside it. */
export function pkcs8ToPkcs1(pkcs8: Uint8Array): Uint8Array {
  // PrivateKeyInfo: SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING privateKey, ... }
  let i = 0;
  const readLen = (): number => {
    const first = pkcs8[i++]!;
    if (first < 0x80) return first;
    let len = 0;
    for (let k = 0; k < (first & 0x7f); k++) len = len * 256 + pkcs8[i++]!;
    return len;
  };
  if (pkcs8[i++] !== 0x30) throw new Error("not a PKCS#8 SEQUENCE");
  readLen();
  const skip = () => {
    const len = readLen(); // advances i past the length bytes first
    i += len;
  };
  if (pkcs8[i++] !== 0x02) throw new Error("PKCS#8 version missing");
  skip();
  if (pkcs8[i++] !== 0x30) throw new Error("PKCS#8 algorithm missing");
  skip();
  if (pkcs8[i++] !== 0x04) throw new Error("PKCS#8 private key missing");
  const len = readLen();
  return pkcs8.slice(i, i + len);
}

function pem(label: string, der: Uint8Array): string {
  let s = "";
  for (const b of der) s += String.fromCharCode(b);
  const body = btoa(s).replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/**
 * A fresh App keypair, the private half as GitHub hands it out: a PKCS#1
 * PEM (`-----BEGIN RSA PRIVATE KEY-----`).
 */
export async function generateAppKeyPair(): Promise<{ privateKeyPem: string; publicKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  return { privateKeyPem: pem("RSA PRIVATE KEY", pkcs8ToPkcs1(pkcs8)), publicKey: pair.publicKey };
}

/**
 * The public key of an App private key PEM (PKCS#1 as GitHub issues it, or
 * PKCS#8), so a sandbox can trust the key the service is configured with.
 */
export async function publicKeyFromPrivatePem(pemText: string): Promise<CryptoKey> {
  const text = pemText.replace(/\\n/g, "\n");
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]+?)-----END \1-----/.exec(text);
  if (!m) throw new Error("App private key is not a PEM block");
  const bin = atob(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ""));
  let der = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  if (m[1] === "RSA PRIVATE KEY") {
    // PrivateKeyInfo { 0, rsaEncryption, OCTET STRING pkcs1 }
    const len = (n: number) => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
    const octet = [0x04, ...len(der.length), ...der];
    const body = [0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, ...octet];
    der = new Uint8Array([0x30, ...len(body.length), ...body]);
  }
  const priv = await crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
  const jwk = (await crypto.subtle.exportKey("jwk", priv)) as JsonWebKey;
  return crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, [
    "verify",
  ]);
}
