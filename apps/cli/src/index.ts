export { main, createProgram, CommandFailed } from './main.js';
export { type CliIo, processIo } from './io.js';
export { CliError, renderError } from './errors.js';
