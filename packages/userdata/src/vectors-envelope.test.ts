// Runs every reader and envelope vector of the shared corpus (userdata.md §1) and compares bytes.
// Parse vectors (user.bin / extra-N.bin) are run by the parser's own runner.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAzureCustomData } from './azure.js';
import {
  formatOpenNebulaVars,
  formatOpenNebulaWarnings,
  parseOpenNebulaContext,
} from './opennebula.js';
import { formatReadWarnings, readUcontext } from './reader.js';
import { serializeUcontext } from './serialize.js';

const CORPUS = join(import.meta.dirname, '..', 'test-vectors');
const read = (dir: string, name: string): Buffer => readFileSync(join(CORPUS, dir, name));
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const dirs = readdirSync(CORPUS).sort();

/** `ucontext-1.in`, `ucontext-2.in`, … in numeric order (contiguous from 1). */
function readerInputs(dir: string): Buffer[] {
  const files: Buffer[] = [];
  for (let n = 1; existsSync(join(CORPUS, dir, `ucontext-${n}.in`)); n++) {
    files.push(read(dir, `ucontext-${n}.in`));
  }
  return files;
}

const readerDirs = dirs.filter((d) => existsSync(join(CORPUS, d, 'ucontext-1.in')));
const openNebulaDirs = dirs.filter((d) => existsSync(join(CORPUS, d, 'context.sh')));
const azureDirs = dirs.filter((d) => existsSync(join(CORPUS, d, 'CustomData.bin')));

describe('reader vectors (§11.2)', () => {
  it('exist', () => expect(readerDirs.length).toBeGreaterThan(0));
  it.each(readerDirs)('%s', (dir) => {
    const result = readUcontext(readerInputs(dir));
    expect(utf8(serializeUcontext(result.keys))).toEqual(read(dir, 'expect/read.ucontext'));
    expect(utf8(formatReadWarnings(result))).toEqual(read(dir, 'expect/read.warnings'));
  });
});

describe('OpenNebula vectors (§3.2)', () => {
  it('exist', () => expect(openNebulaDirs.length).toBeGreaterThan(0));
  it.each(openNebulaDirs)('%s', (dir) => {
    const result = parseOpenNebulaContext(read(dir, 'context.sh'));
    expect(utf8(formatOpenNebulaVars(result))).toEqual(read(dir, 'expect/vars'));
    expect(Buffer.from(result.userData)).toEqual(read(dir, 'expect/user-data'));
    expect(utf8(formatOpenNebulaWarnings(result))).toEqual(read(dir, 'expect/warnings'));
  });
});

describe('Azure vectors (§3.1)', () => {
  it('exist', () => expect(azureDirs.length).toBeGreaterThan(0));
  it.each(azureDirs)('%s', (dir) => {
    const userData = decodeAzureCustomData(read(dir, 'CustomData.bin'));
    expect(Buffer.from(userData)).toEqual(read(dir, 'expect/user-data'));
  });
});
