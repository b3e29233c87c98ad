export * from './limits.js';
export * from './common.js';
export * from './rest.js';
export * from './ws.js';
export * from './errors.js';
