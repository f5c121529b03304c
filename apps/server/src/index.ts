export { startBerthd, type Berthd } from './server.js';
export { parseServerConfig, type ServerConfig } from './config.js';
export { createHttpApp, API_PREFIX } from './http/app.js';
