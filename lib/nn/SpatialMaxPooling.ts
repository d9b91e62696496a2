import { checkInteger } from '../validate';
import { Module } from './Module';

/** Max over kW×kH windows moved by dW, dH (floor mode, no padding, as Torch7). dW, dH default to kW, kH. */
export class SpatialMaxPooling extends Module {
  constructor(kW: number, kH: number, dW = kW, dH = kH) {
    super('SpatialMaxPooling', [
      checkInteger(kW, 'SpatialMaxPooling kW', 1),
      checkInteger(kH, 'SpatialMaxPooling kH', 1),
      checkInteger(dW, 'SpatialMaxPooling dW', 1),
      checkInteger(dH, 'SpatialMaxPooling dH', 1),
    ]);
  }
}
