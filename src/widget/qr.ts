// A small QR code encoder (ISO/IEC 18004): byte mode, error correction L or M,
// versions 1–40 (a handoff link needs ~12–16) and an SVG rendering of it.
// Written here so the widget needs no dependency for "continue on your phone".

export type EccLevel = "L" | "M";

export interface QrCode {
  version: number;
  size: number;
  mask: number;
  /** modules[y][x], true = dark */
  modules: boolean[][];
}

const MAX_VERSION = 40;
// Per version 1..40 (index 0 unused): EC codewords per block and number of blocks.
const ECC_PER_BLOCK: Record<EccLevel, number[]> = {
  L: [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  M: [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
};
const BLOCKS: Record<EccLevel, number[]> = {
  L: [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  M: [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
};
const FORMAT_ECC_BITS: Record<EccLevel, number> = { L: 1, M: 0 };

/** Modules left for data and EC codewords once the function patterns are drawn. */
function rawDataModules(version: number): number {
  let result = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    result -= (25 * align - 10) * align - 55;
    if (version >= 7) result -= 36;
  }
  return result;
}

function dataCodewords(version: number, ecc: EccLevel): number {
  return Math.floor(rawDataModules(version) / 8) - ECC_PER_BLOCK[ecc][version]! * BLOCKS[ecc][version]!;
}

/** Centre coordinates of the alignment patterns (on both axes). */
export function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  const step = Math.floor((version * 8 + count * 3 + 5) / (count * 4 - 4)) * 2;
  const result = [6];
  for (let pos = size - 7; result.length < count; pos -= step) result.splice(1, 0, pos);
  return result;
}

// --- Reed–Solomon over GF(256), polynomial x^8 + x^4 + x^3 + x^2 + 1 ---

function gfMultiply(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z & 0xff;
}

function rsDivisor(degree: number): number[] {
  const result = new Array<number>(degree).fill(0);
  result[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      result[j] = gfMultiply(result[j]!, root) ^ (j + 1 < degree ? result[j + 1]! : 0);
    }
    root = gfMultiply(root, 0x02);
  }
  return result;
}

function rsRemainder(data: number[], divisor: number[]): number[] {
  const result = divisor.map(() => 0);
  for (const b of data) {
    const factor = b ^ result.shift()!;
    result.push(0);
    divisor.forEach((coef, i) => (result[i] = result[i]! ^ gfMultiply(coef, factor)));
  }
  return result;
}

// --- Codewords ---

function codewordsOf(bytes: Uint8Array, version: number, ecc: EccLevel): number[] {
  const capacityBits = dataCodewords(version, ecc) * 8;
  const bits: number[] = [];
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4); // byte mode
  put(bytes.length, version <= 9 ? 8 : 16);
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, capacityBits - bits.length)); // terminator
  put(0, (8 - (bits.length % 8)) % 8);
  for (let pad = 0xec; bits.length < capacityBits; pad ^= 0xec ^ 0x11) put(pad, 8);
  const data: number[] = [];
  for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));

  // Split into blocks, add EC codewords to each, interleave.
  const blocks = BLOCKS[ecc][version]!;
  const eccLen = ECC_PER_BLOCK[ecc][version]!;
  const total = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blocks - (total % blocks);
  const shortLen = Math.floor(total / blocks);
  const divisor = rsDivisor(eccLen);
  const all: number[][] = [];
  for (let i = 0, k = 0; i < blocks; i++) {
    const dataLen = shortLen - eccLen + (i < shortBlocks ? 0 : 1);
    const block = data.slice(k, k + dataLen);
    k += dataLen;
    const ec = rsRemainder(block, divisor);
    if (i < shortBlocks) block.push(-1); // placeholder keeps columns aligned
    all.push(block.concat(ec));
  }
  const result: number[] = [];
  for (let i = 0; i < all[0]!.length; i++) {
    for (const block of all) if (block[i] !== -1) result.push(block[i]!);
  }
  return result;
}

// --- Matrix ---

class Matrix {
  readonly size: number;
  readonly modules: boolean[][];
  readonly reserved: boolean[][];
  constructor(size: number) {
    this.size = size;
    this.modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.reserved = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
  fn(x: number, y: number, dark: boolean): void {
    this.modules[y]![x] = dark;
    this.reserved[y]![x] = true;
  }
}

function drawFinder(m: Matrix, cx: number, cy: number): void {
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -4; dx <= 4; dx++) {
      const x = cx + dx;
      const y = cy + dy;
      if (x < 0 || y < 0 || x >= m.size || y >= m.size) continue;
      const d = Math.max(Math.abs(dx), Math.abs(dy));
      m.fn(x, y, d !== 2 && d !== 4);
    }
  }
}

function formatBits(ecc: EccLevel, mask: number): number {
  const data = (FORMAT_ECC_BITS[ecc] << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

export function versionBits(version: number): number {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

function drawFormat(m: Matrix, bits: number): void {
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  const s = m.size;
  for (let i = 0; i <= 5; i++) m.fn(8, i, bit(i));
  m.fn(8, 7, bit(6));
  m.fn(8, 8, bit(7));
  m.fn(7, 8, bit(8));
  for (let i = 9; i < 15; i++) m.fn(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) m.fn(s - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) m.fn(8, s - 15 + i, bit(i));
  m.fn(8, s - 8, true); // the dark module
}

function drawFunctionPatterns(m: Matrix, version: number): void {
  const s = m.size;
  for (let i = 0; i < s; i++) {
    m.fn(6, i, i % 2 === 0);
    m.fn(i, 6, i % 2 === 0);
  }
  drawFinder(m, 3, 3);
  drawFinder(m, s - 4, 3);
  drawFinder(m, 3, s - 4);
  const align = alignmentPositions(version);
  const last = align.length - 1;
  align.forEach((cy, i) => {
    align.forEach((cx, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return; // a finder's place
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) m.fn(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    });
  });
  drawFormat(m, 0); // reserve the format areas; the real bits come after masking
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = s - 11 + (i % 3);
      const b = Math.floor(i / 3);
      m.fn(a, b, dark);
      m.fn(b, a, dark);
    }
  }
}

function drawCodewords(m: Matrix, codewords: number[]): void {
  const s = m.size;
  let i = 0;
  for (let right = s - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // skip the vertical timing column
    for (let vert = 0; vert < s; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const upward = ((right + 1) & 2) === 0;
        const y = upward ? s - 1 - vert : vert;
        if (m.reserved[y]![x] || i >= codewords.length * 8) continue;
        m.modules[y]![x] = ((codewords[i >>> 3]! >>> (7 - (i & 7))) & 1) === 1;
        i++;
      }
    }
  }
}

const MASKS: ((x: number, y: number) => boolean)[] = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

function applyMask(m: Matrix, mask: number): void {
  const f = MASKS[mask]!;
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; x++) if (!m.reserved[y]![x] && f(x, y)) m.modules[y]![x] = !m.modules[y]![x];
  }
}

/** The four penalty rules of ISO/IEC 18004 §7.8.3; lower is easier to scan. */
export function penalty(modules: boolean[][]): number {
  const s = modules.length;
  let score = 0;
  const at = (x: number, y: number, vertical: boolean) => (vertical ? modules[x]![y]! : modules[y]![x]!);
  for (const vertical of [false, true]) {
    for (let y = 0; y < s; y++) {
      let run = 1;
      for (let x = 1; x <= s; x++) {
        if (x < s && at(x, y, vertical) === at(x - 1, y, vertical)) {
          run++;
          continue;
        }
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
      // 1:1:3:1:1 finder-like runs with four light modules on one side
      for (let x = 0; x + 10 < s + 4; x++) {
        const get = (i: number) => (i >= 0 && i < s ? at(i, y, vertical) : false);
        const core = get(x + 4) && !get(x + 5) && get(x + 6) && get(x + 7) && get(x + 8) && !get(x + 9) && get(x + 10);
        if (!core) continue;
        const lightBefore = !get(x) && !get(x + 1) && !get(x + 2) && !get(x + 3);
        const lightAfter = !get(x + 11) && !get(x + 12) && !get(x + 13) && !get(x + 14);
        if (lightBefore || lightAfter) score += 40;
      }
    }
  }
  for (let y = 0; y + 1 < s; y++) {
    for (let x = 0; x + 1 < s; x++) {
      const c = modules[y]![x];
      if (c === modules[y]![x + 1] && c === modules[y + 1]![x] && c === modules[y + 1]![x + 1]) score += 3;
    }
  }
  const dark = modules.reduce((n, row) => n + row.filter(Boolean).length, 0);
  const percent = (dark * 100) / (s * s);
  score += Math.floor(Math.abs(percent - 50) / 5) * 10;
  return score;
}

export interface EncodeOptions {
  ecc?: EccLevel;
  /** Force a mask (0–7) instead of choosing the one with the lowest penalty. */
  mask?: number;
  /** Smallest version to use. */
  minVersion?: number;
}

/** Encodes text (UTF-8, byte mode) in the smallest version that holds it. */
export function encodeQr(text: string, options: EncodeOptions = {}): QrCode {
  const ecc = options.ecc ?? "M";
  const bytes = new TextEncoder().encode(text);
  let version = Math.max(1, options.minVersion ?? 1);
  const needed = (v: number) => 4 + (v <= 9 ? 8 : 16) + bytes.length * 8;
  while (version <= MAX_VERSION && needed(version) > dataCodewords(version, ecc) * 8) version++;
  if (version > MAX_VERSION) throw new RangeError(`text too long for a version ${MAX_VERSION} QR code`);

  const codewords = codewordsOf(bytes, version, ecc);
  const build = (mask: number) => {
    const m = new Matrix(version * 4 + 17);
    drawFunctionPatterns(m, version);
    drawCodewords(m, codewords);
    applyMask(m, mask);
    drawFormat(m, formatBits(ecc, mask));
    return m;
  };
  let best = options.mask ?? 0;
  if (options.mask === undefined) {
    let bestScore = Infinity;
    for (let mask = 0; mask < 8; mask++) {
      const score = penalty(build(mask).modules);
      if (score < bestScore) [best, bestScore] = [mask, score];
    }
  }
  const m = build(best);
  return { version, size: m.size, mask: best, modules: m.modules };
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The code as an SVG of dark rects (one per horizontal run) with a 4-module quiet zone. */
export function qrSvg(code: QrCode, label: string): SVGSVGElement {
  const quiet = 4;
  const dim = code.size + quiet * 2;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${dim} ${dim}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  const bg = document.createElementNS(SVG_NS, "rect");
  bg.setAttribute("width", String(dim));
  bg.setAttribute("height", String(dim));
  bg.setAttribute("fill", "#fff");
  svg.append(bg);
  code.modules.forEach((row, y) => {
    for (let x = 0; x < code.size; x++) {
      if (!row[x]) continue;
      let end = x;
      while (end + 1 < code.size && row[end + 1]) end++;
      const rect = document.createElementNS(SVG_NS, "rect");
      rect.setAttribute("x", String(x + quiet));
      rect.setAttribute("y", String(y + quiet));
      rect.setAttribute("width", String(end - x + 1));
      rect.setAttribute("height", "1");
      rect.setAttribute("fill", "#000");
      svg.append(rect);
      x = end;
    }
  });
  return svg;
}
