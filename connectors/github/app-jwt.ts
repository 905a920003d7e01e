/**
 * GitHub App authentication: the app JWT (RS256, signed with WebCrypto) that
 * buys installation tokens.
 *
 * GitHub hands out the app's private key as a PKCS#1 PEM
 * (`-----BEGIN RSA PRIVATE KEY-----`), but WebCrypto only imports PKCS#8. We
 * wrap the RSAPrivateKey DER in a PrivateKeyInfo structure ourselves so users
 * can paste GitHub's key as is (no `openssl pkcs8` step).
 *
 * @example
 * const jwt = await createAppJwt({ appId: "12345", privateKeyPem: env.GITHUB_APP_PRIVATE_KEY });
 * // POST /app/installations/{id}/access_tokens with `authorization: Bearer ${jwt}`
 */

/** DER length bytes (short form below 128, long form above). */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function concat(...parts: Array<ArrayLike<number>>): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const RSA_ALGORITHM_ID = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/**
 * Wrap a PKCS#1 RSAPrivateKey (DER) into a PKCS#8 PrivateKeyInfo (DER):
 * `SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING rsaPrivateKey }`.
 */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  const version = [0x02, 0x01, 0x00];
  const octet = concat([0x04], derLength(pkcs1.length), pkcs1);
  const body = concat(version, RSA_ALGORITHM_ID, octet);
  return concat([0x30], derLength(body.length), body);
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/[^A-Za-z0-9+/=]/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function base64UrlEncode(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Parse a PEM (PKCS#1 or PKCS#8, tolerating `\n` escapes from env vars) into PKCS#8 DER. */
export function privateKeyPemToPkcs8(pem: string): Uint8Array {
  const text = pem.replace(/\\n/g, "\n").trim();
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]+?)-----END \1-----/.exec(text);
  if (!m) throw new Error("GitHub App private key is not a PEM block (expected -----BEGIN RSA PRIVATE KEY-----)");
  const der = base64ToBytes(m[2]!);
  if (m[1] === "RSA PRIVATE KEY") return pkcs1ToPkcs8(der);
  if (m[1] === "PRIVATE KEY") return der;
  throw new Error(`GitHub App private key has an unsupported PEM type: ${m[1]}`);
}

/** Import a GitHub App private key (PKCS#1 or PKCS#8 PEM) for RS256 signing. */
export async function importAppPrivateKey(pem: string): Promise<CryptoKey> {
  const pkcs8 = privateKeyPemToPkcs8(pem);
  return crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
}

export interface AppJwtOptions {
  /** App id (or the app's client id, which GitHub also accepts as `iss`). */
  appId: string;
  /** PEM as downloaded from GitHub, or an already imported key. */
  privateKeyPem?: string;
  key?: CryptoKey;
  /** Epoch ms. */
  now?: number;
}

/**
 * A GitHub App JWT: `iat` 60 s in the past (clock drift), `exp` 9 minutes ahead
 * (GitHub allows at most 10).
 */
export async function createAppJwt(opts: AppJwtOptions): Promise<string> {
  const key = opts.key ?? (opts.privateKeyPem ? await importAppPrivateKey(opts.privateKeyPem) : null);
  if (!key) throw new Error("createAppJwt needs privateKeyPem or key");
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const header = base64UrlEncode(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = base64UrlEncode(JSON.stringify({ iat: now - 60, exp: now + 540, iss: opts.appId }));
  const signingInput = `${header}.${payload}`;
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(signingInput));
  return `${signingInput}.${base64UrlEncode(new Uint8Array(sig))}`;
}
