/**
 * The CPU as Linux's /proc/cpuinfo describes it (its first processor): vendor and feature flags.
 * Read where nodetorch picks kernels for the CPU: OpenBLAS's core type, the recipes' bf16, the
 * Trainer's memory format.
 */
import * as fs from 'fs';

export interface CpuInfo {
  vendor: string | undefined;
  flags: Set<string>;
}

/** Parses /proc/cpuinfo's text. */
export function parseCpuinfo(text: string): CpuInfo {
  return {
    vendor: /^vendor_id\s*:\s*(\S+)/m.exec(text)?.[1],
    flags: new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/).filter(Boolean)),
  };
}

/** This machine's CPU, or undefined where /proc/cpuinfo cannot be read (not Linux). */
export function readCpuinfo(): CpuInfo | undefined {
  try {
    return parseCpuinfo(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether this CPU computes bf16 natively (Linux: AVX-512 BF16 or AMX in /proc/cpuinfo). */
export function cpuHasNativeBf16(): boolean {
  const flags = readCpuinfo()?.flags;
  return flags !== undefined && (flags.has('avx512_bf16') || flags.has('amx_bf16'));
}
