export * from './table.js';
export * from './table-file.js';
export * from './endpoint.js';
