export * from './address-class.js';
export * from './egress-guard.js';
