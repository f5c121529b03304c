/** Where the API lives; every route is below it. */
export const API_PREFIX = '/api/v1';
export const AGENT_LINK_PATH = `${API_PREFIX}/agent/connect`;
/** Where an agent downloads an uploaded source directory, with a capability token. */
export const AGENT_ARCHIVE_PATH = `${API_PREFIX}/agent/archives/{build}`;
