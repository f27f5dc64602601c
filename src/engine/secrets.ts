/**
 * Random ids, tokens and codes from the platform's CSPRNG, and the digests the
 * store keeps instead of the secrets themselves. Web Crypto only, so the engine
 * runs in a page as in Node.
 */

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** `n` random bytes as hex. */
export const randomHex = (n: number): string => Array.from(random(n), (b) => b.toString(16).padStart(2, '0')).join('');

/** `n` random decimal digits, each uniform (values ≥ 4,294,967,290 are drawn again). */
export const randomDigits = (n: number): string => {
  let out = '';
  while (out.length < n) {
    const [v] = crypto.getRandomValues(new Uint32Array(1));
    if (v < 4294967290) out += String(v % 10);
  }
  return out;
};

/** SHA-256 of a text, as hex. */
export async function digest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two texts in time that depends on their length only. */
export function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
