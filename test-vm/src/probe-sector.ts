// Kept for devices.test.ts's `../src/probe-sector.js` import; the code lives in @ucvm/qemu.
export { DEBUG_EXIT_DEVICE, PROBE_MARKER, probeBootSector } from '@ucvm/qemu';
