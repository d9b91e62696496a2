/**
 * The one error class nodetorch throws: for bad arguments found in TypeScript and for every
 * failure inside LibTorch (converted at the native boundary, never a crash). The message names
 * the operation, what was wrong and what was expected.
 */
export class TorchError extends Error {
  override name = 'TorchError';
}
