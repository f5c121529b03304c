export { fetchSource } from './fetch-source.js';
export type { FetchSourceOptions, FetchedSource, GitCredentials } from './fetch-source.js';
