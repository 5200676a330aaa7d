export { CliError, renderError } from './errors.js';
export { type CliIo, processIo } from './io.js';
export { CommandFailed, createProgram, main } from './main.js';
