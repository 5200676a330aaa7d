import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerBuild } from './build.js';
import { registerComponents } from './components.js';
import { registerDoctor } from './doctor.js';
import { registerImage } from './image.js';
import { registerInitrd } from './initrd.js';
import { registerInspect } from './inspect.js';
import { registerRun } from './run.js';
import { registerUserdata } from './userdata.js';
import { registerVerify } from './verify.js';

/** One line per command group; each group lives in its own file. */
export function registerCommands(program: Command, io: CliIo): void {
  registerUserdata(program, io);
  registerComponents(program, io);
  registerInitrd(program, io);
  registerBuild(program, io);
  registerImage(program, io);
  registerInspect(program, io);
  registerRun(program, io);
  registerDoctor(program, io);
  registerVerify(program, io);
}
