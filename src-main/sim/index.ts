// Public API of the embedded Proxmox VE simulator: a deterministic, seeded fleet of PVE clusters
// served over real HTTPS (one listener per cluster on 127.0.0.1) speaking the PVE 9.1 REST API,
// with fault injection. Cairn runs on it by default so the real client path is always exercised.

import { createSimulator } from './simulator';
import type { SimHandle, SimOptions } from './types';

export type { FaultConfig, SimCluster, SimFaults, SimHandle, SimOptions } from './types';
export { runSimCli, type SimCliOptions } from './cli';

export async function startSimulator(opts: SimOptions): Promise<SimHandle> {
  return (await createSimulator(opts)).handle;
}
// Other loopback test servers (the SCMP's) reuse the simulator's self-signed TLS identity.
export { generateCertificate, type SimCertificate, type CertificateOptions } from './certificate';
