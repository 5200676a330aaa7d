import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerUserdata } from './userdata.js';

/** One line per command group; each group lives in its own file. */
export function registerCommands(program: Command, io: CliIo): void {
  registerUserdata(program, io);
}
