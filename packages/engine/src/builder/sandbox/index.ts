export { SandboxedBuilder } from './sandboxed-builder.js';
export type { BuildNetwork, BuilderSession, SandboxedBuilderOptions } from './sandboxed-builder.js';
export { checkBuilderDir, checkBuilderHost, prepareBuildHost, sandboxUnavailable } from './builder-host.js';
export type { BuilderHost, BuilderHostCheck } from './builder-host.js';
export { DEFAULT_BUILD_USER, DEFAULT_BUILDER_DIR } from './build-user.js';
export { importLayoutIntoEngine } from './engine-import.js';
export type { SandboxIdentity } from './sandbox-plan.js';
