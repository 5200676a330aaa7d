import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerComponents } from './components.js';
import { registerInitrd } from './initrd.js';
import { registerInspect } from './inspect.js';
import { registerUserdata } from './userdata.js';

/** One line per command group; each group lives in its own file. */
export function registerCommands(program: Command, io: CliIo): void {
  registerUserdata(program, io);
  registerComponents(program, io);
  registerInitrd(program, io);
  registerInspect(program, io);
}
