/**
 * Progress of a long command: a bar on a terminal (cli-progress), a plain line at every 10%
 * otherwise (logs, CI), nothing when quiet.
 */
import { SingleBar } from 'cli-progress';

export interface ProgressReporter {
  /** `label` names the work ('train epoch 3', 'predict'); `detail` follows the count ('loss 0.1234'). */
  update(label: string, done: number, total: number, detail?: string): void;
  stop(): void;
}

export function progressReporter(quiet: boolean): ProgressReporter {
  if (quiet) return { update: () => {}, stop: () => {} };
  if (process.stdout.isTTY) {
    const bar = new SingleBar({ format: ' {label} [{bar}] {value}/{total} {detail} | ETA {eta}s', hideCursor: true });
    let started = false;
    return {
      update(label, done, total, detail = '') {
        if (!started) bar.start(total, 0, { label, detail });
        started = true;
        bar.update(done, { label, detail: detail ? `| ${detail}` : '' });
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let next = 0;
  return {
    update(label, done, total, detail = '') {
      const pct = Math.floor((100 * done) / total);
      if (pct >= next) {
        console.log(`  ${label}: ${done}/${total} (${pct}%)${detail ? `, ${detail}` : ''}`);
        next = pct - (pct % 10) + 10;
      }
    },
    stop() {
      next = 0;
    },
  };
}
