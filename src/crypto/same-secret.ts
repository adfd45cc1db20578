// Comparing a secret someone presented with the one expected.

/**
 * Whether `given` is `expected`, compared in constant time over the SHA-256
 * digests of both (timingSafeEqual needs equal lengths), so a failed guess
 * learns neither a prefix nor the length.
 */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", enc.encode(given)), crypto.subtle.digest("SHA-256", enc.encode(expected))]);
  return crypto.subtle.timingSafeEqual(a, b);
}
