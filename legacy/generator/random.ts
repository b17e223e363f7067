/**
 * Seeded randomness for the data generator. Everything derives from one sfc32 stream so the
 * same seed and size give byte-identical data; nothing here reads the clock or Math.random.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the four state words.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.float() * values.length)]!;
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of choices) total += weight;
    let roll = this.float() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  private guidSequence = -1;

  /**
   * A lowercase GUID in the version-4 layout Business Central writes. The first 32 bits count
   * up from a seeded start, the rest is random: keys then arrive in index order, which makes
   * the bulk load append to each primary-key b-tree instead of splitting pages all over it
   * (about 40% of the insert cost). Nothing may rely on that order.
   */
  guid(): string {
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    if (this.guidSequence < 0) this.guidSequence = this.uint32() >>> 4;
    const w1 = hex(this.guidSequence++ >>> 0);
    const w2 = hex(this.uint32());
    const w3 = hex(this.uint32());
    const w4 = hex(this.uint32());
    const variant = ((Number.parseInt(w3[0]!, 16) & 0x3) | 0x8).toString(16);
    return `${w1}-${w2.slice(0, 4)}-4${w2.slice(5, 8)}-${variant}${w3.slice(1, 4)}-${w3.slice(4)}${w4}`;
  }
}

/**
 * The seed of the side stream (`Generation.side`) for a data set's seed: another stream than
 * the main one of the same seed, so the records drawn from it never shift the others.
 */
export function sideSeed(seed: number): number {
  return (seed ^ 0x5eed_c0de) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SERIAL_SPACE = 62 ** 5;

/** The 3-character case-safe suffix Salesforce appends to a 15-character id. */
export function salesforceChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15.charCodeAt(chunk * 5 + i);
      if (ch >= 65 && ch <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits];
  }
  return suffix;
}

export function isValidSalesforceId(id: string): boolean {
  return /^[0-9A-Za-z]{18}$/.test(id) && salesforceChecksum(id.slice(0, 15)) === id.slice(15);
}

/**
 * Issues 18-character Salesforce ids for one object: key prefix, a 2-character pod, a reserved
 * '0', a five-character base-62 counter (unique per object for up to 62^5 records; ids grow
 * as records are created, as Salesforce's do), four random characters, then the checksum.
 */
export class SalesforceIds {
  private counter = 0;

  constructor(
    private readonly random: Random,
    private readonly keyPrefix: string,
    private readonly pod: string,
  ) {}

  next(): string {
    const serial = ++this.counter;
    if (serial >= SERIAL_SPACE) throw new RangeError(`more than ${SERIAL_SPACE - 1} ${this.keyPrefix} ids`);
    let tail = '';
    let rest = serial;
    for (let i = 0; i < 5; i++) {
      tail = BASE62[rest % 62]! + tail;
      rest = Math.floor(rest / 62);
    }
    let noise = '';
    for (let i = 0; i < 4; i++) noise += BASE62[this.random.uint32() % 62];
    const id15 = `${this.keyPrefix}${this.pod}0${tail}${noise}`;
    return id15 + salesforceChecksum(id15);
  }
}
