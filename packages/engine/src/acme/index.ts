export { createAcmeIssuer } from './issuer.js';
export { formatAcmeProblem, parseAcmeProblem } from './problem.js';
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
