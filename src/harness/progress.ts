// Progress: a bar with an ETA on a terminal, one plain line per finished task elsewhere
// (CI logs keep every line; a bar would be a mess of carriage returns there).
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  done(label: string, status: string, ms: number): void;
  log(line: string): void;
  stop(): void;
}

export function createProgress(
  tty: boolean = Boolean(process.stderr.isTTY),
  out: NodeJS.WritableStream = process.stderr,
): Progress {
  if (!tty) {
    let n = 0;
    let total = 0;
    return {
      start: (t) => void (total = t),
      done: (label, status, ms) => out.write(`[${++n}/${total}] ${label} ${status} ${(ms / 1000).toFixed(2)}s\n`),
      log: (line) => out.write(line + '\n'),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {value}/{total} tasks | ETA {eta_formatted} | {label}',
      stream: out,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  // Lines said while the bar is drawn would be overdrawn by it: keep them for the end.
  const held: string[] = [];
  return {
    start: (t) => bar.start(t, 0, { label: '' }),
    done: (label, status) => bar.increment({ label: status === 'ok' ? label : `${label} ${status}` }),
    log: (line) => void held.push(line),
    stop: () => {
      bar.stop();
      for (const line of held.splice(0)) out.write(line + '\n');
    },
  };
}
