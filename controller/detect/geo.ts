/**
 * Country of an address from a MaxMind-format database (GeoLite2-Country / City, or any
 * .mmdb with a `country.iso_code`), through the `maxmind` package. Lookups are in memory
 * and synchronous, so they can run on the detection path.
 */
import maxmind, { Reader, type CountryResponse } from 'maxmind';

export class GeoDatabase {
  private constructor(private readonly reader: Reader<CountryResponse>) {}

  static async open(path: string): Promise<GeoDatabase> {
    return new GeoDatabase(await maxmind.open<CountryResponse>(path));
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
