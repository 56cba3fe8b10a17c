// Hand-written operation streams for the tests that need one exact scenario.
import {
  type EvtchnLoad,
  OP_BEGIN,
  OP_BIND,
  OP_CLOSE,
  OP_DURING,
  OP_EOI,
  OP_HOT,
  OP_IPI,
  OP_LATEEOI,
  OP_MASK,
  OP_OPEN,
  OP_PRIORITY,
  OP_SEND,
  OP_TIMER,
  OP_UNMASK,
  OP_UPCALL,
} from '../../src/evtchn/load.js';

export type Step =
  | ['send' | 'mask' | 'close' | 'lateeoi', number]
  | ['unmask', number, number?]
  | ['bind' | 'timer' | 'ipi' | 'priority' | 'open' | 'eoi' | 'during' | 'hot', number, number]
  | ['upcall', number];

const CODES = {
  send: OP_SEND,
  mask: OP_MASK,
  unmask: OP_UNMASK,
  bind: OP_BIND,
  upcall: OP_UPCALL,
  hot: OP_HOT,
  timer: OP_TIMER,
  ipi: OP_IPI,
  priority: OP_PRIORITY,
  close: OP_CLOSE,
  open: OP_OPEN,
  lateeoi: OP_LATEEOI,
  eoi: OP_EOI,
  during: OP_DURING,
} as const;

export function stream(ports: number, vcpus: number, steps: readonly Step[]): EvtchnLoad {
  const op = [OP_BEGIN];
  const port = [0];
  const arg = [0];
  for (const s of steps) {
    op.push(CODES[s[0]]);
    if (s[0] === 'upcall') {
      port.push(0);
      arg.push(s[1]);
    } else {
      port.push(s[1]);
      arg.push(s[2] ?? 0);
    }
  }
  return {
    ports,
    vcpus,
    length: op.length,
    op: Uint8Array.from(op),
    port: Int32Array.from(port),
    arg: Int32Array.from(arg),
  };
}

/** the ports a replay delivered, in order, optionally only on one vCPU */
export function portsSeen(deliveries: readonly number[], vcpu?: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < deliveries.length; i += 3)
    if (vcpu === undefined || deliveries[i + 1] === vcpu) out.push(deliveries[i + 2]!);
  return out;
}
