import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * One bash that keeps its variables and functions from step to step, as a terminal does:
 * `run` sends a block and resolves with what it printed. With `set -euo pipefail` a failing
 * command ends the session, and `run` rejects with its standard error.
 */
export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private exited: number | null | undefined;
  private wake: () => void = () => undefined;
  private step = 0;

  constructor(cwd: string, env: Record<string, string>) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.bash.stdout.setEncoding('utf8').on('data', (chunk: string) => this.took(() => (this.stdout += chunk)));
    this.bash.stderr.setEncoding('utf8').on('data', (chunk: string) => this.took(() => (this.stderr += chunk)));
    this.bash.once('exit', (code) => this.took(() => (this.exited = code)));
    this.bash.stdin.write('set -euo pipefail\n');
  }

  private took(change: () => unknown): void {
    change();
    this.wake();
  }

  /** Runs `block` and resolves with its standard output, within `ms`. */
  async run(block: string, ms = 30_000): Promise<string> {
    const marker = `__step_${(this.step += 1)}_done__`;
    const start = this.stdout.length;
    this.stderr = '';
    this.bash.stdin.write(`${block}\nprintf '\\n%s\\n' ${marker}\n`);
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.stdout.indexOf(`\n${marker}\n`, start);
      if (end >= 0) return this.stdout.slice(start, end);
      if (this.exited !== undefined) throw new Error(`the shell stopped (exit code ${this.exited}) in:\n${block}\nstderr:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no end of the step within ${ms} ms:\n${block}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The value of a shell variable. */
  value(name: string): Promise<string> {
    return this.run(`printf '%s' "$${name}"`);
  }

  close(): void {
    this.bash.stdin.end();
    if (this.exited === undefined) this.bash.kill();
  }
}
