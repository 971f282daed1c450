import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** A new folder under `parent` holding links to these tools alone, to be a whole PATH: one with no Go on it. */
export function pathWithOnly(tools: string[], parent: string): string {
  const bin = mkdtempSync(join(parent, 'no-go-'));
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  return bin;
}
