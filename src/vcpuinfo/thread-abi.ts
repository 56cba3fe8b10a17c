// The lanes the real-thread run (threads.ts) shares with its AP workers (ap-thread.ts): one
// SharedArrayBuffer standing for the domain, Int32 lanes.
export const L_RELEASE = 0; // FreeBSD's toresume_cpus, as one word: 1 = every AP released
export const L_LOCK = 1; // Xen's domain_lock: 0 free, 1 held, 2 held and contended
export const L_DONE = 2; // APs that have registered
export const L_CONTENDED = 3; // acquisitions that had to wait
export const L_READY = 4; // workers started
export const L_VCPU0 = 8;
/** per vCPU: Xen's pointer, the guest's pointer, upcall_pending, two selector lanes, then the 64-byte area (16 lanes) */
export const V_XEN = 0;
export const V_GUEST = 1;
export const V_UPCALL = 2;
export const V_SEL = 3;
export const V_AREA = 5;
export const V_LANES = 21;

export interface ApThreadData {
  readonly sab: SharedArrayBuffer;
  readonly vcpus: number;
  readonly worker: number;
  readonly workers: number;
}
