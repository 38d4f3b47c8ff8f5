/**
 * NetBox's power-port draw aggregation (PowerPort.get_power_draw), for
 * reading power trees exported from NetBox: a port with its own
 * allocated/maximum draw reports those ("manual mode"); a port with neither
 * sums the ports cabled to its outlets, recursively ("auto mode"), and on a
 * three-phase feed also per outlet leg. See NETBOX_POWER.md §3.
 *
 * Kept NetBox-exact on purpose, including its quirk that a port with only a
 * maximum draw contributes 0 to every allocated total.
 */
import { LEGS, type Leg } from './feed';

export interface PowerPortNode {
  port: string;
  allocatedDraw: number | null;
  maximumDraw: number | null;
  outlets?: { feedLeg?: Leg | null; cabledTo?: PowerPortNode | null }[];
}

export interface PowerDraw {
  allocated: number;
  maximum: number;
  outletCount: number;
  legs: { name: Leg; allocated: number; maximum: number; outletCount: number }[];
}

function sumDownstream(node: PowerPortNode, visited: Set<PowerPortNode>, leg: Leg | null): { allocated: number; maximum: number; outletCount: number } {
  const outlets = (node.outlets ?? []).filter((o) => leg === null || o.feedLeg === leg);
  let allocated = 0;
  let maximum = 0;
  for (const o of outlets) {
    const peer = o.cabledTo;
    if (!peer || visited.has(peer)) continue;
    visited.add(peer);
    const d = drawOf(peer, visited);
    allocated += d.allocated;
    maximum += d.maximum;
  }
  return { allocated, maximum, outletCount: outlets.length };
}

function drawOf(node: PowerPortNode, visited: Set<PowerPortNode>): { allocated: number; maximum: number } {
  if (node.allocatedDraw !== null || node.maximumDraw !== null) return { allocated: node.allocatedDraw ?? 0, maximum: node.maximumDraw ?? 0 };
  return sumDownstream(node, visited, null);
}

/**
 * The draw of `node`. `upstreamFeedPhase` is the phase of the feed the port
 * is cabled to directly, if any: only then are legs reported.
 */
export function getPowerDraw(node: PowerPortNode, upstreamFeedPhase: 'single' | 'three' | null = null): PowerDraw {
  const outletCount = (node.outlets ?? []).length;
  if (node.allocatedDraw !== null || node.maximumDraw !== null) {
    return { allocated: node.allocatedDraw ?? 0, maximum: node.maximumDraw ?? 0, outletCount, legs: [] };
  }
  const total = sumDownstream(node, new Set([node]), null);
  const legs =
    upstreamFeedPhase === 'three'
      ? LEGS.map((name) => {
          const l = sumDownstream(node, new Set([node]), name);
          return { name, allocated: l.allocated, maximum: l.maximum, outletCount: l.outletCount };
        })
      : [];
  return { allocated: total.allocated, maximum: total.maximum, outletCount, legs };
}
