export { type OpenLoopOptions, type OpenLoopResult, openLoop } from './open-loop';
export { DEFAULT_MIX, mixPath, type TrafficMix } from './traffic-mix';
