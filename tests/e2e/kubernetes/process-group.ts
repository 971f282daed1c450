import { ManagedProcess } from '@demo/stack';

/** The child processes of a control plane or a node: started in one folder, stopped newest first. */
export class ProcessGroup {
  private readonly children: ManagedProcess[] = [];

  constructor(
    private readonly cwd: string,
    private readonly env: Record<string, string>,
  ) {}

  start(name: string, command: string, args: string[]): ManagedProcess {
    const child = new ManagedProcess({ name, command, args, cwd: this.cwd, env: this.env }, { echo: false });
    this.children.push(child);
    return child;
  }

  /** The end of each child's output, to explain a failure. */
  logs(): string {
    return this.children.map((child) => `--- ${child.spec.name}\n${child.logs.slice(-4000)}`).join('\n');
  }

  /** Stops the children with these names, or all of them, newest first. */
  async stop(names?: string[], graceMs = 10_000): Promise<void> {
    for (const child of [...this.children].reverse()) {
      if (!names || names.includes(child.spec.name)) await child.stop(graceMs);
    }
  }
}

/** A child that should be running has exited: waitFor stops at once instead of waiting it out. */
export class ProcessExited extends Error {
  constructor(child: ManagedProcess) {
    super(`${child.spec.name} exited:\n${child.logs.slice(-3000)}`);
  }
}
