/**
 * Errors of `ofguard ovs`, each with a stable code and a message that says what to do:
 * - OVS_VSCTL_MISSING       ovs-vsctl is not installed (or not on PATH)
 * - OVS_NOT_RUNNING         ovsdb-server cannot be reached (Open vSwitch is not running)
 * - OVS_TIMEOUT             ovs-vsctl gave up waiting (ovs-vswitchd not running or stuck)
 * - OVS_NO_SUCH_BRIDGE      the named bridge does not exist
 * - OVS_BAD_TARGET          a controller target that is not tcp:IP:PORT or ssl:IP:PORT
 * - OVS_SSL_NOT_CONFIGURED  an ssl: target while Open vSwitch has no key, certificate and CA
 * - OVS_NOT_OFGUARD         disconnect: nothing on the bridge is known to be ofguard's
 * - OVS_COMMAND_FAILED      ovs-vsctl failed for another reason (its message is kept)
 * - OVS_BAD_OUTPUT          ovs-vsctl answered something that is not the expected JSON
 */
export type OvsErrorCode =
  | 'OVS_VSCTL_MISSING'
  | 'OVS_NOT_RUNNING'
  | 'OVS_TIMEOUT'
  | 'OVS_NO_SUCH_BRIDGE'
  | 'OVS_BAD_TARGET'
  | 'OVS_SSL_NOT_CONFIGURED'
  | 'OVS_NOT_OFGUARD'
  | 'OVS_COMMAND_FAILED'
  | 'OVS_BAD_OUTPUT';

export class OvsError extends Error {
  override readonly name = 'OvsError';
  constructor(
    readonly code: OvsErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** What a failed ovs-vsctl run means, from how it failed (pure: tested without Open vSwitch). */
export function classifyVsctlFailure(f: { errno?: string; stderr: string; signal?: string | null; timedOut?: boolean }): OvsError {
  const stderr = f.stderr.trim();
  if (f.errno === 'ENOENT') {
    return new OvsError('OVS_VSCTL_MISSING', 'ovs-vsctl not found: install Open vSwitch (Debian: apt-get install openvswitch-switch) or put ovs-vsctl on PATH');
  }
  if (/database connection failed|db\.sock|Connection refused/i.test(stderr)) {
    return new OvsError('OVS_NOT_RUNNING', `cannot reach the Open vSwitch database: is Open vSwitch running? (systemctl start openvswitch-switch) [${stderr}]`);
  }
  const noBridge = stderr.match(/no (?:row "([^"]+)" in table Bridge|bridge named (\S+))/);
  if (noBridge) return new OvsError('OVS_NO_SUCH_BRIDGE', `no bridge named ${noBridge[1] ?? noBridge[2]} (ofguard ovs status lists them)`);
  if (f.timedOut || f.signal === 'SIGALRM' || /timeout|timed out/i.test(stderr)) {
    return new OvsError('OVS_TIMEOUT', `ovs-vsctl timed out: is ovs-vswitchd running? ${stderr}`.trim());
  }
  return new OvsError('OVS_COMMAND_FAILED', stderr || 'ovs-vsctl failed without a message');
}
