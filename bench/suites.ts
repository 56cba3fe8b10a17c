// Every suite the bench knows, by name → the module that default-exports its SuiteDef.
// Adding a suite is one bench file, its src/ folder, and one line here.
export const SUITES: Readonly<Record<string, string>> = {
  evtchn: new URL('./evtchn.js', import.meta.url).href,
  p2m: new URL('./p2m.js', import.meta.url).href,
  pvclock: new URL('./pvclock.js', import.meta.url).href,
  liveupdate: new URL('./liveupdate.js', import.meta.url).href,
  vcpuinfo: new URL('./vcpuinfo.js', import.meta.url).href,
};
