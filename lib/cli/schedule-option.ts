/**
 * -lrSchedule KIND[:key=value,…]: a learning-rate schedule on the command line, e.g.
 * `step:stepSize=30,gamma=0.1`, `multistep:milestones=10/20`, `exponential:gamma=0.95`,
 * `cosine:total=50,warmup=5,per=step`, `plateau:patience=3,factor=0.5`. Numbers are numbers,
 * milestones are '/'-separated, per and metric are words; the Trainer validates the rest.
 */
import { TorchError } from '../errors';
import { completeSchedule, ScheduleSpec } from '../train/schedule';

const WORDS = new Set(['per', 'metric']);

export function parseScheduleOption(text: string): ScheduleSpec {
  const [kind, rest = ''] = text.split(/:(.*)/s);
  const spec: Record<string, unknown> = { kind };
  for (const pair of rest.split(',').filter((p) => p !== '')) {
    const [key, value] = pair.split('=');
    if (!key || value === undefined || value === '') throw new TorchError(`-lrSchedule: expected key=value, got '${pair}' in '${text}'`);
    if (WORDS.has(key)) spec[key] = value;
    else if (key === 'milestones') spec[key] = value.split('/').map(Number);
    else spec[key] = Number(value);
  }
  try {
    return completeSchedule(spec);
  } catch (e) {
    throw new TorchError(`-lrSchedule '${text}': ${(e as Error).message}`);
  }
}
