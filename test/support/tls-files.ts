/** TLS files for config tests, made by openssl when the tests run (nothing secret is committed). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed certificate and its key in `dir`, as ovs-pki or any CA would hand them out. */
export function keyPair(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { cert, key };
}
