/**
 * Which Host headers the admin API answers (the API, the dashboard, /metrics, the
 * WebSocket stream). A page on an attacker's domain can rebind its name to 127.0.0.1 and
 * then read our answers as same-origin: the browser still sends the attacker's name as
 * Host. So only names that mean this controller are served: localhost, 127.0.0.1, [::1],
 * the listen address (unless it is a wildcard) and `api.allowedHosts`. The port in the
 * header does not matter; a request with no Host (nothing a browser sends) is refused too.
 *
 *   const hosts = new HostCheck('127.0.0.1', config.api.allowedHosts);
 *   hosts.allows(req.headers.host)   // false → 421 API_HOST_NOT_ALLOWED
 */
import ipaddr from 'ipaddr.js';

const ALWAYS = ['localhost', '127.0.0.1', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::']);

/** `host`, `host:port`, `[v6]` or `[v6]:port`; the host part, or undefined for anything else. */
function hostPart(header: string): string | undefined {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header.trim());
  return m?.[1];
}

/** One spelling per host: lower case, no trailing dot, IPv6 compressed and unbracketed. */
function canonical(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return bare.includes(':') && ipaddr.IPv6.isValid(bare) ? ipaddr.IPv6.parse(bare).toString() : bare;
}

export class HostCheck {
  private readonly allowed: ReadonlySet<string>;

  constructor(listen: string, allowedHosts: readonly string[]) {
    const names = [...ALWAYS, ...allowedHosts, ...(WILDCARDS.has(listen) ? [] : [listen])];
    this.allowed = new Set(names.map(canonical));
  }

  allows(header: string | undefined): boolean {
    const host = header === undefined ? undefined : hostPart(header);
    return host !== undefined && this.allowed.has(canonical(host));
  }
}

/** What a refused client is told (the error's message). */
export function hostRefusal(header: string | undefined): string {
  if (header === undefined) return 'no Host header: only requests that name this controller are answered';
  return `Host "${header.slice(0, 100)}" is not a name of this controller (add it to api.allowedHosts if it is)`;
}
