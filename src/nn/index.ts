/** Networks: `Module`, the layers, nnU-Net's 3-D U-Net, initialisers. */
export * from './module.js';
export * from './layers.js';
export * from './unet.js';
export * from './init.js';
