/** verifyBundleParallel (signatures on worker threads) reports exactly what verifyBundle reports, valid or not. */
import { describe, expect, it } from 'vitest';
import { verifyBundle, verifyBundleParallel } from './bundle';
import { HAPPY_PATH, makeService, registerSample, sampleJob, walk } from './test-support';

describe('verifyBundleParallel', () => {
  it('gives the sequential result for a valid bundle and for each kind of tampering', async () => {
    const { svc } = makeService();
    const job = sampleJob(svc).id;
    for (let i = 0; i < 3; i++) await walk(svc, (await registerSample(svc, job)).appliance.id, HAPPY_PATH.slice(0, 6 + i));
    const { text, bundle } = await svc.exportBundle({ kind: 'job', id: job });
    const sig = bundle.events[4]!.signature;
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const variants = [
      text,
      text.replace(sig, flipped),
      text.replace('"reason": "step to ready"', '"reason": "step to READY"'),
      JSON.stringify({ ...bundle, events: bundle.events.slice(0, -1) }),
      JSON.stringify({ ...bundle, events: [...bundle.events].reverse() }),
      'not json',
    ];
    for (const v of variants) {
      const seq = verifyBundle(v);
      expect(await verifyBundleParallel(v, { minEvents: 1, threads: 2 })).toEqual(seq);
    }
    expect((await verifyBundleParallel(text, { minEvents: 1, threads: 2 })).valid).toBe(true);
    expect((await verifyBundleParallel(variants[1], { minEvents: 1, threads: 2 })).failures).toContainEqual(expect.stringMatching(/^signatures: event 4 .*the signature does not verify$/));
  });
});
