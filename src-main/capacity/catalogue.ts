/**
 * The service catalogue as data (resources/catalogue/service-catalogue.json,
 * from shared/SERVICE.md): pool sizes, the standard host and the Shared IaaS
 * VM sizes, with its zod schema and loader. Planning (pool sizing, the
 * placement advisor) reads sizes from here, never from constants in code.
 *
 * Units: VM and host memory "GB" are binary (GiB) because Proxmox VE sizes
 * guest memory in MiB (VM Small = 4096 MiB) and DIMMs come in powers of two;
 * SSD "TB" is decimal, as disks are sold.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ServiceCatalogueDtoSchema, type PoolSizeId, type ServiceCatalogueDto, type VmSizeId } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';

/** Where the catalogue lives in the source tree (and, relative to out/main, in a build). */
export const DEFAULT_SERVICE_CATALOGUE_PATH = fileURLToPath(new URL('../../resources/catalogue/service-catalogue.json', import.meta.url));

export const SERVICE_CATALOGUE_SCHEMA_ID = 'cairn-service-catalogue/v1';
export const GiB = 1024 ** 3;

/** The file's schema: the contract's DTO, made strict and checked for consistency. */
export const ServiceCatalogueSchema = ServiceCatalogueDtoSchema.extend({ schema: z.literal(SERVICE_CATALOGUE_SCHEMA_ID) })
  .superRefine((c, ctx) => {
    const dup = (ids: string[], path: string) => {
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `duplicate id "${id}"`, path: [path, i, 'id'] });
        seen.add(id);
      });
    };
    dup(c.pools.map((p) => p.id), 'pools');
    dup(c.vmSizes.map((v) => v.id), 'vmSizes');
    c.pools.forEach((p, i) => {
      if (p.hosts < 3) ctx.addIssue({ code: 'custom', message: 'a pool needs at least 3 hosts (quorum and N+1)', path: ['pools', i, 'hosts'] });
    });
    c.vmSizes.forEach((v, i) => {
      if (v.vcpu <= 0 || v.memoryGB <= 0) ctx.addIssue({ code: 'custom', message: 'vCPU and memory must be positive', path: ['vmSizes', i] });
    });
    if (c.host.sockets <= 0 || c.host.coresPerSocket <= 0 || c.host.threadsPerCore <= 0 || c.host.memoryGB <= 0 || c.host.ssdTB <= 0)
      ctx.addIssue({ code: 'custom', message: 'host figures must be positive', path: ['host'] });
  });

export type ServiceCatalogue = ServiceCatalogueDto;

export function parseServiceCatalogue(text: string): ServiceCatalogue {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppException('invalid_request', `The service catalogue is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = ServiceCatalogueSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    const path = `$${(i?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
    throw new AppException('invalid_request', `The service catalogue is invalid at ${path}: ${i?.message ?? 'invalid'}`, { field: path });
  }
  return r.data;
}

export async function loadServiceCatalogue(path: string = DEFAULT_SERVICE_CATALOGUE_PATH, read: (p: string) => Promise<string> = (p) => readFile(p, 'utf8')): Promise<ServiceCatalogue> {
  let text: string;
  try {
    text = await read(path);
  } catch (err) {
    throw new AppException('not_found', `The service catalogue could not be read (${path}): ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseServiceCatalogue(text);
}

/** The standard host in engine units. */
export function hostSpec(c: ServiceCatalogue): { threads: number; memBytes: number; ssdBytes: number } {
  return { threads: c.host.sockets * c.host.coresPerSocket * c.host.threadsPerCore, memBytes: c.host.memoryGB * GiB, ssdBytes: c.host.ssdTB * 1e12 };
}

export function vmSize(c: ServiceCatalogue, id: VmSizeId): { id: VmSizeId; label: string; vcpu: number; memBytes: number } {
  const v = c.vmSizes.find((s) => s.id === id);
  if (!v) throw new AppException('not_found', `No VM size "${id}" in the service catalogue`, { field: 'size' });
  return { id: v.id, label: v.label, vcpu: v.vcpu, memBytes: v.memoryGB * GiB };
}

/** The catalogue pool a cluster of this many hosts matches (edge sites: the edge pool). */
export function poolSizeFor(c: ServiceCatalogue, hosts: number, kind: 'edge' | 'datacentre'): PoolSizeId | null {
  const p = c.pools.find((x) => x.hosts === hosts && x.placement === kind);
  return p ? p.id : null;
}
