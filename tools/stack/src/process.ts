import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, createWriteStream, openSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Turns a line of a child's output into what the terminal shows, or null to show nothing. */
export type EchoFilter = (processName: string, line: string) => string | null;

export interface OutputOptions {
  /** Copy each line to this process's stdout: prefixed with the child's name, or as a filter says. */
  echo: boolean | EchoFilter;
  /** Also write each child's output to <logDir>/<name>.log. */
  logDir?: string;
}

/** What `logs` keeps: enough to explain a failure, bounded for long demos. */
const KEPT_OUTPUT_CHARS = 1_000_000;

/** A child process of the stack, with its output kept and its exit observable. */
export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly logFile?: WriteStream;
  /** Where the whole output goes, when a log folder was given. */
  readonly logPath?: string;
  private exitCode: number | null | undefined;
  private output = '';

  constructor(
    readonly spec: ProcessSpec,
    options: OutputOptions,
  ) {
    this.logPath = options.logDir ? join(options.logDir, `${spec.name}.log`) : undefined;
    if (this.logPath && !options.echo) {
      // Straight into the file: reading every line through this process would cost a load
      // generator running here (the benchmark) CPU for each request the services log.
      const fd = openSync(this.logPath, 'a');
      this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', fd, fd] });
      closeSync(fd);
    } else {
      this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
      if (this.logPath) this.logFile = createWriteStream(this.logPath, { flags: 'a' });
      for (const stream of [this.child.stdout, this.child.stderr]) {
        // A chunk can end inside a line: the unfinished part waits for the next chunk.
        let unfinished = '';
        stream?.setEncoding('utf8').on('data', (chunk: string) => {
          this.record(chunk);
          const lines = (unfinished + chunk).split('\n');
          unfinished = lines.pop() ?? '';
          this.echo(lines, options.echo);
        });
      }
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        this.logFile?.end();
        resolve(this.exitCode);
      });
      this.child.once('error', (error) => {
        const message = `failed to start: ${error.message}`;
        this.record(`${message}\n`);
        process.stderr.write(`[${spec.name}] ${message}\n`);
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  /** Resident memory in bytes, from /proc (Linux), or undefined where that is not available. */
  rssBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kib === undefined ? undefined : Number(kib) * 1024;
    } catch {
      return undefined;
    }
  }

  /** CPU time used so far (user + system), in seconds, from /proc (Linux), or undefined elsewhere. */
  cpuSeconds(): number | undefined {
    try {
      // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses, in clock ticks (100 a second on Linux).
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  }

  /**
   * CPU time of every live thread, in ns, from each /proc/<pid>/task/<tid>/schedstat (its first
   * field: time on a CPU). Finer than cpuSeconds()'s clock ticks, for short blocks of time.
   */
  threadCpuNs(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined) return undefined;
    try {
      return readdirSync(`/proc/${pid}/task`).reduce((total, tid) => {
        try {
          return total + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        } catch {
          return total; // the thread ended between the listing and the read
        }
      }, 0);
    } catch {
      return undefined;
    }
  }

  get isRunning(): boolean {
    return this.exitCode === undefined;
  }

  /** The last 1 MB the process printed. */
  get logs(): string {
    return this.logPath ? this.fullLogs().slice(-KEPT_OUTPUT_CHARS) : this.output;
  }

  /** Everything the process printed, from its log file (or the last 1 MB, without one). */
  fullLogs(): string {
    return this.logPath ? readFileSync(this.logPath, 'utf8') : this.output;
  }

  /** Sends a signal and returns at once (e.g. SIGSTOP and SIGCONT, to freeze a process for a while). */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child.kill(signal);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. Resolves with the exit code. */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.isRunning) return this.exitCode ?? null;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private record(chunk: string): void {
    if (this.logFile) this.logFile.write(chunk);
    else if (this.logPath) appendFileSync(this.logPath, chunk);
    else {
      this.output += chunk;
      if (this.output.length > 2 * KEPT_OUTPUT_CHARS) this.output = this.output.slice(-KEPT_OUTPUT_CHARS);
    }
  }

  private echo(lines: string[], echo: boolean | EchoFilter): void {
    if (!echo) return;
    for (const line of lines.filter((l) => l.length > 0)) {
      const shown = echo === true ? `[${this.spec.name}] ${line}` : echo(this.spec.name, line);
      if (shown !== null) process.stdout.write(`${shown}\n`);
    }
  }
}
