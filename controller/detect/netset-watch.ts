/**
 * The I/O edge of the blocklists: reads a netset file into a PrefixMatcher and reloads it
 * when the file changes (by mtime and size, polled: works on every filesystem and for
 * files replaced by rename, which is how FireHOL's update-ipsets writes them).
 */
import { readFileSync, statSync } from 'node:fs';
import { PrefixMatcher, RulesError, parseNetset, type NetsetParse } from './rules.js';

export interface NetsetLoad {
  name: string;
  path: string;
  matcher: PrefixMatcher;
  invalid: NetsetParse['invalid'];
}

export function loadNetset(name: string, path: string): NetsetLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RulesError('DETECT_NETSET_READ', `cannot read netset ${path}: ${(e as Error).message}`);
  }
  const parsed = parseNetset(text);
  return { name, path, matcher: new PrefixMatcher(parsed.entries), invalid: parsed.invalid };
}

export class NetsetWatcher {
  private version = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly onLoad: (load: NetsetLoad) => void,
    private readonly onError: (err: RulesError) => void = () => {},
  ) {}

  /** Reloads when the file changed since the last load; returns whether it did. */
  check(): boolean {
    let v: string;
    try {
      const st = statSync(this.path);
      v = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (e) {
      this.onError(new RulesError('DETECT_NETSET_READ', `cannot stat netset ${this.path}: ${(e as Error).message}`));
      return false;
    }
    if (v === this.version) return false;
    try {
      this.onLoad(loadNetset(this.name, this.path));
      this.version = v;
      return true;
    } catch (e) {
      this.onError(e as RulesError);
      return false;
    }
  }

  start(intervalMs = 5_000): void {
    this.check();
    this.timer ??= setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
