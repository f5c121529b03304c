export { planContainerFirewall, toInternalEdge } from './container-rules.js';
export type { AppNetworkFacts, ContainerFirewallInput, InternalEdge } from './container-rules.js';
export { planBuildFirewall } from './build-rules.js';
export type { BuildFirewallInput } from './build-rules.js';
export { applyNftTable, listNftTable, probeNft, removeNftTable } from './nft.js';
export type { NftOptions, NftProbe, NftTable } from './nft.js';
export { isIpv4Cidr } from './nft-values.js';
