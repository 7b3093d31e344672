export * from './auth.js';
export * from './command-line.js';
export * from './config.js';
export * from './control-api.js';
export * from './driver.js';
export * from './hook-chaos.js';
export * from './path-manager.js';
export * from './sessions.js';
