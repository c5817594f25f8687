/**
 * The fuzz targets, by name, for the long-run driver (`node scripts/fuzz.mjs <target>`): each
 * runs its campaign's properties for a share of the time budget and returns their reports.
 */
import { h1Campaign } from './h1-campaign.js';
import { hpackCampaign, havePythonHpack } from './hpack-campaign.js';
import { h2Campaign } from './h2-campaign.js';
import { sseCampaign } from './sse-campaign.js';
import type { CampaignOptions, PropertyReport } from './support/campaign.js';

export interface Target {
  describe: string;
  run(opts: CampaignOptions): PropertyReport[];
  /** Why it cannot run here, or null. */
  unavailable(): string | null;
}

export const TARGETS: Record<string, Target> = {
  h1: {
    describe: 'HTTP/1 parser: chunk-split invariance (strict + lenient) and differential vs node llhttp',
    run: h1Campaign,
    unavailable: () => null,
  },
  hpack: {
    describe: 'HPACK decoder: differential vs python3-hpack on valid and mutated blocks',
    run: hpackCampaign,
    unavailable: () => (havePythonHpack() ? null : 'python3-hpack is not installed (apt-get install python3-hpack)'),
  },
  h2: {
    describe: 'HTTP/2 engine: random/mutated frame sequences, fault framing, GOAWAY silence, split invariance',
    run: h2Campaign,
    unavailable: () => null,
  },
  sse: {
    describe: 'event-stream parser: WHATWG reference model, byte/string/byte-by-byte chunking',
    run: sseCampaign,
    unavailable: () => null,
  },
};
