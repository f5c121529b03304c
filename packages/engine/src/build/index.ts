export { listFiles, packDirectory, unpackArchive } from './context.js';
export type { PackOptions, PackStats, UnpackOptions } from './context.js';
export { buildImage } from './image-build.js';
export type { BuildImageOptions } from './image-build.js';
export { imageLabels, importRootfs } from './import-rootfs.js';
export type { ImportRootfsOptions } from './import-rootfs.js';
export { bootstrapBaseImages } from './base-images.js';
export type { BootstrapOptions, BootstrapResult } from './base-images.js';
export { DEFAULT_NPM_TARBALL_URL, RECIPE_LABEL } from './base-image-recipes.js';
