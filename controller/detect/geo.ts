/**
 * Country of an address from a MaxMind-format database (GeoLite2-Country / City, or any
 * .mmdb with a `country.iso_code`), through the `maxmind` package. Lookups are in memory
 * and synchronous, so they can run on the detection path.
 */
import { readFileSync } from 'node:fs';
import maxmind, { Reader, type CountryResponse } from 'maxmind';

export class GeoError extends Error {
  constructor(readonly code: 'DETECT_GEO_READ', message: string) {
    super(message);
    this.name = 'GeoError';
  }
}

export class GeoDatabase {
  private constructor(private readonly reader: Reader<CountryResponse>) {}

  static async open(path: string): Promise<GeoDatabase> {
    return new GeoDatabase(await maxmind.open<CountryResponse>(path));
  }

  /** Reads the whole file at start-up; a missing or malformed database fails with DETECT_GEO_READ. */
  static openSync(path: string): GeoDatabase {
    try {
      return GeoDatabase.fromBuffer(readFileSync(path));
    } catch (e) {
      throw new GeoError('DETECT_GEO_READ', `cannot read geo database ${path}: ${(e as Error).message}`);
    }
  }

  static fromBuffer(buf: Buffer): GeoDatabase {
    return new GeoDatabase(new Reader<CountryResponse>(buf));
  }

  /** ISO 3166 alpha-2 code, or undefined when the address is not in the database. */
  country(ip: string): string | undefined {
    if (!maxmind.validate(ip)) return undefined;
    const r = this.reader.get(ip);
    return r?.country?.iso_code ?? r?.registered_country?.iso_code;
  }
}
