/** One JSON object per line on stdout: easy to grep by trace_id, easy to ship. */
export type LogFields = Record<string, unknown>;

export function log(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}
