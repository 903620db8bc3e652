/**
 * `tributary-queue/ui`: the web UI, as a Web-standard handler to mount in your app
 * ({@link createUiHandler}) or on a server of its own ({@link serveUi}).
 */
export { createUiHandler, type UiHandler } from './handler.js';
export type { UiOptions } from './options.js';
export { serveUi, type ServeUiOptions, type UiServer } from './serve.js';
