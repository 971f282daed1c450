/** The rounds of each configuration, reduced to medians with their min-max, each compared with `off` round by round. */
import { SERVICE_NAMES } from '@demo/stack';
import { isPipelineProcess, percentOfCorePer1000SpansPerSec } from './cpu-account';
import { median } from './measure';
import type { RoundResult, Spread, Summary } from './report';

export function spread(values: number[]): Spread {
  const finite = values.filter(Number.isFinite);
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

export function summarize(rounds: Record<string, RoundResult[]>): Record<string, Summary> {
  const off = rounds.off ?? [];
  return Object.fromEntries(Object.entries(rounds).map(([name, list]) => [name, summarizeOne(list, off)]));
}

function summarizeOne(list: RoundResult[], off: RoundResult[]): Summary {
  // Round i of a configuration against round i of off: the two ran minutes apart, on the same machine's mood.
  const againstOff = (pick: (r: RoundResult) => number, combine: (mine: number, offs: number) => number) =>
    spread(list.map((r, i) => combine(pick(r), off[i] ? pick(off[i]) : Number.NaN)));
  const services = (r: RoundResult) => r.cpu.servicesUsPerRequest;
  const latency = (key: 'lower' | 'higher') => {
    const p50 = median(list.map((r) => r[key].p50Ms));
    const p99 = median(list.map((r) => r[key].p99Ms));
    return {
      p50Ms: p50,
      p99Ms: p99,
      addedP50Ms: p50 - median(off.map((r) => r[key].p50Ms)),
      addedP99Ms: p99 - median(off.map((r) => r[key].p99Ms)),
    };
  };
  const processes = Object.keys(list[0]?.cpu.usPerRequest ?? {});
  const byService = (pick: (r: RoundResult) => Record<string, number>) =>
    Object.fromEntries(SERVICE_NAMES.map((svc) => [svc, median(list.map((r) => pick(r)[svc] ?? Number.NaN))]));
  return {
    saturationRps: spread(list.map((r) => r.saturationRps)),
    throughputVsOff: againstOff(
      (r) => r.saturationRps,
      (mine, offs) => mine / offs,
    ),
    lower: latency('lower'),
    higher: latency('higher'),
    rssIdleMb: byService((r) => r.rssIdleMb),
    rssLoadMb: byService((r) => r.rssLoadMb),
    startupMs: byService((r) => r.startupMs),
    cpu: {
      servicesUsPerRequest: spread(list.map(services)),
      addedServicesUsPerRequest: againstOff(services, (mine, offs) => mine - offs),
      addedFraction: againstOff(services, (mine, offs) => mine / offs - 1),
      pipelineUsPerRequest: spread(list.map((r) => r.cpu.pipelineUsPerRequest)),
      pipelineFraction: spread(list.map((r, i) => r.cpu.pipelineUsPerRequest / (off[i]?.cpu.servicesUsPerRequest ?? Number.NaN))),
      spansPerRequest: median(list.map((r) => r.cpu.spans / Math.max(r.cpu.requests, 1))),
      usPerRequest: Object.fromEntries(processes.map((p) => [p, median(list.map((r) => r.cpu.usPerRequest[p] ?? Number.NaN))])),
      percentOfCorePer1000SpansPerSec: Object.fromEntries(
        processes.filter(isPipelineProcess).map((p) => [p, median(list.map((r) => percentOfCorePer1000SpansPerSec(r.cpu, p)))]),
      ),
    },
  };
}
