export { createAcmeIssuer } from './issuer.js';
export { acmeRetryAfterMs } from './ca-error.js';
export { formatAcmeProblem, parseAcmeProblem } from './problem.js';
export {
  createDns01Provider,
  findAuthoritativeServers,
  waitForTxt,
  type Dns01ProviderOptions,
  type RecordVisibility,
  type WaitForTxtOptions,
} from './dns-providers/index.js';
export type {
  AcmeIssuer,
  AcmeIssuerOptions,
  AcmePolling,
  AcmeProblem,
  ChallengePorts,
  Dns01Port,
  Http01Port,
  IssuedCertificate,
  OrderRequest,
} from './types.js';
