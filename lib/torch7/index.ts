/**
 * torch7: Torch7's own file format (torch.save / torch.load), read and written.
 *
 * @example const model = torch7.load('model.net')          // an nn module, ready to use
 * @example torch7.save('model.net', model)                  // Torch7's torch.load reads it
 */
export { load } from './load';
export type { LoadOptions } from './load';
export { save } from './save';
export { Torch7Object, Torch7Function } from './values';
