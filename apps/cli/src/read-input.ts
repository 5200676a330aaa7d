import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError } from './errors.js';

/** Reads a file named on the command line ('-' is standard input), with a clear error. */
export async function readInputFile(
  cwd: string,
  name: string,
  maxBytes = 64 * 1024 * 1024,
): Promise<Uint8Array> {
  if (name === '-') return readStdin(maxBytes);
  const path = resolve(cwd, name);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile())
      throw new CliError(
        'E_NOT_A_FILE',
        `${name} is not a regular file`,
        'give the path of a file',
      );
    size = st.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      'E_READ',
      `cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      'check the path and its permissions',
    );
  }
  if (size > maxBytes) {
    throw new CliError(
      'E_TOO_LARGE',
      `${name} is ${size} bytes, more than the ${maxBytes} this command reads`,
      'give a smaller file',
    );
  }
  return new Uint8Array(await readFile(path));
}

async function readStdin(maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes)
      throw new CliError(
        'E_TOO_LARGE',
        `standard input is larger than ${maxBytes} bytes`,
        'give a smaller input',
      );
    chunks.push(buf);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
