/**
 * CUDA queries. Asking for a CUDA device where none exists is a TorchError, never a crash.
 */
import { native } from './native';

/** True when LibTorch was built with CUDA and at least one GPU is visible. */
export function isAvailable(): boolean {
  return native().cudaDeviceCount() > 0;
}

/** Number of visible CUDA devices (0 without CUDA). */
export function deviceCount(): number {
  return native().cudaDeviceCount();
}

/** True when the loaded LibTorch has CUDA support (libtorch_cuda), with or without a visible GPU. */
export function isBuilt(): boolean {
  return native().libtorchInfo().cudaLibrary !== null;
}
