// Deterministic synthetic content for the bench images: the same seed gives the same bytes on every machine.

/** Pseudo-text: words of 2–10 letters, chosen with a skewed (Zipf-like) frequency, spaces and line breaks. */
export function textPool(bytes, seed) {
  const rand = mulberry32(seed);
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  const words = Array.from({ length: 20000 }, () => {
    let w = '';
    for (let i = 2 + Math.floor(rand() * 9); i > 0; i--) w += letters[Math.floor(rand() ** 2 * letters.length)];
    return w;
  });
  const parts = [];
  let length = 0;
  while (length < bytes) {
    const word = words[Math.floor(rand() ** 3 * words.length)] + (rand() < 0.08 ? '\n' : ' ');
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** A small seeded PRNG (mulberry32): fast, and good enough to make content that compresses like real files. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `os/arch[/variant]`, as the bench reports name platforms. */
export function formatPlatform(p) {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}
