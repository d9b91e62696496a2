/**
 * Where a pass's time goes: the Trainer's `profile` pass option records every LibTorch operator the
 * native loop runs (LibTorch's legacy profiler, on the pass's thread) as a Chrome trace; this
 * module sums it per operator. An operator's self time excludes the operators it called
 * (aten::conv2d's own time is its dispatch; aten::mkldnn_convolution under it holds the work).
 */
import { TorchError } from '../errors';
import { checkInteger, invalid } from '../validate';

/** One operator in a profiled pass: how often it ran and the milliseconds it took. */
export interface ProfileRow {
  /** LibTorch's name for it: `aten::mkldnn_convolution`, `aten::tanh_backward`, an autograd node… */
  op: string;
  calls: number;
  /** Milliseconds inside it, less those inside the operators it called. */
  selfMs: number;
  /** Milliseconds inside it, the operators it called included. */
  totalMs: number;
  /** selfMs as a fraction of the pass's wall time. */
  share: number;
}

/**
 * The batches a pass's profile records at most: a batch-1 epoch runs millions of operators, whose
 * events would not fit in memory; PyTorch's profiler, too, is run over some steps.
 */
export const PROFILE_BATCHES = 1000;

/** A profiled pass: the operators by self time, largest first, and the time outside any operator. */
export interface PassProfile {
  /** The batches recorded: the pass's first ones, up to PROFILE_BATCHES. */
  batches: number;
  /** The wall time of those batches in milliseconds. */
  passMs: number;
  /** Milliseconds of the pass in no operator: nodetorch's own loop (batching, counting, reporting). */
  outsideMs: number;
  ops: ProfileRow[];
}

/** A complete event ("ph": "X") of the Chrome trace format, as LibTorch's legacy profiler writes it. */
export interface TraceEvent {
  name: string;
  ph: string;
  /** Start and duration, microseconds. */
  ts: number;
  dur: number;
  tid: number | string;
  pid: number | string;
  args?: Record<string, unknown>;
}

/** The events of one native pass's trace (a JSON array); a malformed trace is an INTERNAL error. */
export function parseTrace(text: string): TraceEvent[] {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw new TorchError(`profile: LibTorch's trace is not JSON (${(e as Error).message})`, { code: 'INTERNAL' });
  }
  if (!Array.isArray(events)) throw new TorchError("profile: LibTorch's trace is not an array of events", { code: 'INTERNAL' });
  return events.filter(
    (e): e is TraceEvent =>
      typeof e === 'object' && e !== null && e.ph === 'X' && typeof e.name === 'string' && Number.isFinite(e.ts) && Number.isFinite(e.dur),
  );
}

/** What one native pass recorded: a whole pass, or one chunk of a streamed one. */
export interface ProfiledChunk {
  events: TraceEvent[];
  seconds: number;
  batches: number;
}

/**
 * A pass's profile from its chunks' recordings, and their events on one time line (each chunk's
 * recording starts its clock anew: a chunk's events follow the previous chunk's).
 */
export function profileOf(chunks: ProfiledChunk[]): { profile: PassProfile; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  let offsetUs = 0;
  for (const chunk of chunks) {
    const first = chunk.events.reduce((least, e) => Math.min(least, e.ts), Infinity);
    for (const e of chunk.events) events.push({ ...e, ts: e.ts - (Number.isFinite(first) ? first : 0) + offsetUs });
    offsetUs += chunk.seconds * 1e6;
  }
  const batches = chunks.reduce((sum, c) => sum + c.batches, 0);
  return { profile: { batches, ...summarizeTrace(events, offsetUs / 1000) }, events };
}

/** Sums `events` per operator; `passMs` is the wall time they fell in. */
export function summarizeTrace(events: TraceEvent[], passMs: number): Omit<PassProfile, 'batches'> {
  const rows = new Map<string, { calls: number; self: number; total: number }>();
  let topLevel = 0;
  const byThread = new Map<string, { e: TraceEvent; at: number }[]>();
  events.forEach((e, at) => {
    const key = String(e.tid);
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key)!.push({ e, at });
  });
  for (const threadEvents of byThread.values()) {
    // parents before their children: earlier start first, at the same start the longer one, and
    // at the same start and length the later in the trace (LibTorch writes an operator when it
    // ends, so a parent after its children)
    threadEvents.sort((a, b) => a.e.ts - b.e.ts || b.e.dur - a.e.dur || b.at - a.at);
    const open: { end: number; row: { self: number } }[] = [];
    for (const { e } of threadEvents) {
      while (open.length > 0 && open[open.length - 1].end <= e.ts) open.pop();
      let row = rows.get(e.name);
      if (!row) rows.set(e.name, (row = { calls: 0, self: 0, total: 0 }));
      row.calls += 1;
      row.total += e.dur;
      row.self += e.dur;
      const parent = open[open.length - 1];
      if (parent) parent.row.self -= e.dur;
      else topLevel += e.dur;
      open.push({ end: e.ts + e.dur, row });
    }
  }
  const ops = [...rows.entries()]
    .map(([op, r]) => ({
      op,
      calls: r.calls,
      selfMs: Math.max(0, r.self) / 1000,
      totalMs: r.total / 1000,
      share: passMs > 0 ? Math.max(0, r.self) / 1000 / passMs : 0,
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { passMs, outsideMs: Math.max(0, passMs - topLevel / 1000), ops };
}

/** An operator's name for people: nodetorch's own autograd functions without their C++ namespaces. */
export function operatorName(op: string): string {
  return op.replace(/torch::autograd::CppNode<nodetorch::\(anonymous namespace\)::(\w+)>/g, '$1 (backward)');
}

/** The profile as a text table: the `top` operators by self time, then the rest and the loop's own time. */
export function formatProfile(profile: PassProfile, top = 15): string {
  if (typeof profile !== 'object' || profile === null || !Array.isArray(profile.ops) || typeof profile.passMs !== 'number')
    invalid("a pass's profile (result.profile of a pass run with { profile: true })", 'formatProfile profile', profile);
  checkInteger(top, 'formatProfile top', 0);
  const pct = (ms: number) => `${((100 * ms) / Math.max(profile.passMs, 1e-9)).toFixed(1)}%`;
  const lines = [`${'operator'.padEnd(48)} ${'calls'.padStart(7)} ${'self ms'.padStart(10)} ${'share'.padStart(6)}`];
  for (const r of profile.ops.slice(0, top))
    lines.push(
      `${operatorName(r.op).slice(0, 48).padEnd(48)} ${String(r.calls).padStart(7)} ${r.selfMs.toFixed(1).padStart(10)} ${pct(r.selfMs).padStart(6)}`,
    );
  const rest = profile.ops.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((sum, r) => sum + r.selfMs, 0);
    lines.push(`${`(${rest.length} other operators)`.padEnd(48)} ${''.padStart(7)} ${ms.toFixed(1).padStart(10)} ${pct(ms).padStart(6)}`);
  }
  lines.push(
    `${'(outside any operator)'.padEnd(48)} ${''.padStart(7)} ${profile.outsideMs.toFixed(1).padStart(10)} ${pct(profile.outsideMs).padStart(6)}`,
  );
  return lines.join('\n');
}
