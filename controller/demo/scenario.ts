/**
 * The attack-replay demo's script, as data: phases on the `office` topology (srv1-2,
 * cli1-3, att1-8) with the commands each attacker runs. Every command is bounded in time
 * (and the driver kills it at its deadline anyway); traffic stays inside the Mininet hosts.
 */
export interface AttackStep {
  host: string;
  /** shell command run in the host */
  cmd: string;
}

export interface Phase {
  name: string;
  /** what the attack is, for the report */
  kind: 'baseline' | 'syn-flood' | 'udp-flood' | 'icmp-flood' | 'scan' | 'distributed' | 'cooldown';
  seconds: number;
  attackers: string[];
  steps: AttackStep[];
}

export const OFFICE = {
  servers: { srv1: '10.0.0.1', srv2: '10.0.0.2' },
  clients: { cli1: '10.0.0.3', cli2: '10.0.0.4', cli3: '10.0.0.5' },
  attackers: { att1: '10.0.0.6', att2: '10.0.0.7', att3: '10.0.0.8', att4: '10.0.0.9', att5: '10.0.0.10', att6: '10.0.0.11', att7: '10.0.0.12', att8: '10.0.0.13' },
} as const;

const flood = (seconds: number, flags: string, target: string) => `timeout -s INT ${seconds} hping3 ${flags} ${target} 2>&1 | tail -2`;

export function officeScenario(scale = 1): Phase[] {
  const s = (n: number) => Math.max(3, Math.round(n * scale));
  const { srv1, srv2 } = OFFICE.servers;
  return [
    { name: 'baseline: legitimate traffic only', kind: 'baseline', seconds: s(6), attackers: [], steps: [] },
    { name: 'SYN flood att1 → srv1:8080', kind: 'syn-flood', seconds: s(10), attackers: ['att1'], steps: [{ host: 'att1', cmd: flood(s(10), '-S -p 8080 --flood', srv1) }] },
    { name: 'UDP flood att2 → srv2:9000', kind: 'udp-flood', seconds: s(10), attackers: ['att2'], steps: [{ host: 'att2', cmd: flood(s(10), '--udp -p 9000 --flood', srv2) }] },
    { name: 'ICMP flood att3 → srv1', kind: 'icmp-flood', seconds: s(8), attackers: ['att3'], steps: [{ host: 'att3', cmd: flood(s(8), '--icmp --flood', srv1) }] },
    { name: 'port scan att4 → srv1, srv2', kind: 'scan', seconds: s(10), attackers: ['att4'], steps: [
      { host: 'att4', cmd: `timeout -s INT ${s(10)} sh -c 'hping3 -S --scan 1-3000 -i u2000 ${srv1} >/dev/null 2>&1 & hping3 -S --scan 1-3000 -i u2000 ${srv2} >/dev/null 2>&1 & wait'` },
    ] },
    { name: 'distributed SYN flood att5-8 → srv2:8080', kind: 'distributed', seconds: s(10), attackers: ['att5', 'att6', 'att7', 'att8'], steps:
      ['att5', 'att6', 'att7', 'att8'].map((host) => ({ host, cmd: flood(s(10), '-S -p 8080 -i u500', srv2) })) },
    { name: 'cooldown', kind: 'cooldown', seconds: s(6), attackers: [], steps: [] },
  ];
}
