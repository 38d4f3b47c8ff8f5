// Public types of the simulator: the contract other modules (fleet, pve client, bench, e2e) code
// against. index.ts re-exports them; nothing here depends on the implementation.

export interface SimOptions {
  /** Number of edge sites; each edge site is one PVE cluster. */
  sites: number;
  /** Deterministic generation: the same seed gives the same inventory. */
  seed: number;
  /** Port of the FIRST cluster's listener (0/undefined = any free port). */
  port?: number;
  /** Hosts per edge site; default Pool Small (3). The bench uses 12. */
  hostsPerSite?: number;
  /** Guests per edge site; default 12-40 varying by seed. The bench uses 200. */
  guestsPerSite?: number;
  /** Adds data-centre clusters dc-<region>-<s|m|l|xl>; default true when sites <= 50. */
  dataCentrePools?: boolean;
  /** Speed-up of task durations: a task that takes 50 s takes 1 s at taskSpeed 50. Default 1. */
  taskSpeed?: number;
  /** Ticket-auth user; default root@pam. */
  user?: string;
  /** Ticket-auth password; default generated. */
  password?: string;
}

export interface SimCluster {
  id: string;
  name: string;
  /** https://127.0.0.1:PORT */
  url: string;
  /** SHA-256 of the listener's certificate, "AB:CD:..."; changes on rotateCertificate. */
  fingerprint: string;
  site: string;
  region: string;
  kind: 'edge' | 'datacentre';
  poolSize: 'small' | 'medium' | 'large' | 'xlarge';
  nodes: string[];
}

export interface FaultConfig {
  /** Added to every response. */
  latencyMs: number;
  /** 0..1 probability a request returns HTTP 500 (PVE-shaped). */
  error5xxRate: number;
  /** Nodes whose proxied calls return 595 "No route to host"; shown offline in resources/status. */
  nodesDown: string[];
  /** Destroy the socket without a response. */
  resetConnections: boolean;
  /** Multiply task durations. */
  slowTaskFactor: number;
  /** Newly started tasks end with an error exitstatus. */
  taskFailure: boolean;
  /** Writes on a guest fail with 500 "can't lock file '...' - got timeout". */
  lockTimeout: boolean;
  /** Token auth returns 401 "Authentication failed!". */
  revokedToken: boolean;
}

export interface SimFaults {
  set(clusterId: string, patch: Partial<FaultConfig>): void;
  /** Gives that cluster's listener a fresh certificate; resolves to the new fingerprint. */
  rotateCertificate(clusterId: string): Promise<string>;
  /** Clears faults of one cluster, or of all clusters. */
  clear(clusterId?: string): void;
  get(clusterId: string): FaultConfig;
}

export interface SimHandle {
  /** First cluster's base URL "https://127.0.0.1:PORT". */
  url: string;
  /** SHA-256 of the first cluster's certificate, uppercase hex colon-separated. */
  fingerprint: string;
  /** e.g. "cairn@pve!console" */
  tokenId: string;
  /** UUID */
  tokenSecret: string;
  /** "PVEAPIToken=cairn@pve!console=<uuid>", ready for the Authorization header. */
  token: string;
  user: string;
  password: string;
  clusters: SimCluster[];
  faults: SimFaults;
  close(): Promise<void>;
}
