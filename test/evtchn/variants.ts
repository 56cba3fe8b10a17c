// The models under test, with the reference each one answers to.
import type { EvtchnConfig, EvtchnStreamOps, EvtchnVariant } from '../../src/evtchn/abi.js';
import * as twolevel from '../../src/evtchn/twolevel.js';
import * as nlevel from '../../src/evtchn/nlevel.js';
import * as fifo from '../../src/evtchn/fifo.js';
import { BitmapReference } from '../../src/evtchn/reference.js';
import { FifoReference } from '../../src/evtchn/reference-fifo.js';

export interface Subject {
  readonly name: string;
  readonly module: EvtchnVariant;
  /** the config this subject runs at for a given word size and port count */
  config(wordBits: 32 | 64, ports: number, vcpus: number): EvtchnConfig;
  reference(config: EvtchnConfig): EvtchnStreamOps;
}

export const SUBJECTS: readonly Subject[] = [
  {
    name: '2-level',
    module: twolevel,
    config: (wordBits, ports, vcpus) => ({ wordBits, depth: 2, ports, vcpus }),
    reference: (c) => new BitmapReference({ ...c, depth: 2 }),
  },
  {
    name: 'N-level depth 2',
    module: nlevel,
    config: (wordBits, ports, vcpus) => ({ wordBits, depth: 2, ports, vcpus }),
    reference: (c) => new BitmapReference(c),
  },
  {
    name: 'N-level depth 3',
    module: nlevel,
    config: (wordBits, ports, vcpus) => ({ wordBits, depth: 3, ports, vcpus }),
    reference: (c) => new BitmapReference(c),
  },
  {
    name: 'fifo',
    module: fifo,
    config: (wordBits, ports, vcpus) => ({ wordBits, depth: 2, ports, vcpus }),
    reference: (c) => new FifoReference(c),
  },
];
