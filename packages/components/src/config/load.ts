import { createHash, randomUUID } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ComponentsError } from '../errors.js';
import { defaultConfig } from './default.js';
import { validateConfig } from './schema.js';
import type { UcvmConfig, UcvmConfigInput } from './types.js';

/** Looked for in this order in `cwd` when no path is given. */
export const CONFIG_FILE_NAMES = [
  'ucvm.config.ts',
  'ucvm.config.mts',
  'ucvm.config.mjs',
  'ucvm.config.js',
  'ucvm.config.json',
];

export interface LoadedConfig {
  config: UcvmConfig;
  /** Absolute path of the config file, or null for the embedded default. */
  file: string | null;
  /** Directory that relative paths in the config are resolved against. */
  baseDir: string;
  /** sha256 of the canonical JSON of the validated config (for the manifest). */
  digest: string;
}

/**
 * Loads and validates the configuration. A file's top-level keys replace the default's
 * (shallow: a file that sets `branches` sets all of them); keys it leaves out come from the
 * embedded default. With no file the default is used as it is.
 */
export async function loadConfig(opts: { path?: string; cwd: string }): Promise<LoadedConfig> {
  const file = opts.path ? resolve(opts.cwd, opts.path) : await findConfig(opts.cwd);
  if (opts.path && !(await exists(file!))) {
    throw new ComponentsError(
      'CONFIG_NOT_FOUND',
      `config file ${file} does not exist`,
      'check the --config path',
      2,
    );
  }
  const input = file ? await readConfigFile(file) : {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ComponentsError(
      'CONFIG_INVALID',
      `${file}: the default export is ${JSON.stringify(input)}, not an object`,
      'export default defineConfig({ … })',
      2,
    );
  }
  const merged = { ...defaultConfig, ...(input as UcvmConfigInput) };
  const config = validateConfig(merged, file ?? 'embedded default configuration');
  return { config, file, baseDir: file ? dirname(file) : opts.cwd, digest: configDigest(config) };
}

export function configDigest(config: UcvmConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** JSON with object keys sorted at every level: stable across runs and key orders. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

async function findConfig(cwd: string): Promise<string | null> {
  for (const name of CONFIG_FILE_NAMES) {
    const p = join(cwd, name);
    if (await exists(p)) return p;
  }
  return null;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readConfigFile(file: string): Promise<unknown> {
  if (extname(file) === '.json') {
    const text = await readFile(file, 'utf8');
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ComponentsError(
        'CONFIG_LOAD',
        `${file}: not valid JSON: ${(err as Error).message}`,
        'fix the JSON syntax',
        2,
      );
    }
  }
  return importModule(file);
}

/**
 * JS and TS configs are bundled with esbuild (Node 20 cannot import .ts): relative imports are
 * bundled, npm packages stay external and resolve from the config's directory, and
 * `@ucvm/components` is served by the running ucvm (`defineConfig`, `defaultConfig`), so a
 * config file needs nothing installed. The bundle is written next to the config under a
 * hidden temporary name and removed after the import.
 */
async function importModule(file: string): Promise<unknown> {
  const { build } = await import('esbuild');
  let code: string;
  try {
    const out = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      plugins: [selfPlugin()],
    });
    code = out.outputFiles[0]!.text;
  } catch (err) {
    const msg = (err as { errors?: { text: string; location?: { line: number } | null }[] }).errors
      ?.map((e) => `${e.text}${e.location ? ` (line ${e.location.line})` : ''}`)
      .join('; ');
    throw new ComponentsError(
      'CONFIG_LOAD',
      `${file}: cannot compile: ${msg ?? String(err)}`,
      'fix the syntax error named above',
      2,
    );
  }
  const tmp = join(dirname(file), `.${basename(file)}.${randomUUID()}.mjs`);
  await writeFile(tmp, code);
  try {
    const mod = (await import(pathToFileURL(tmp).href)) as { default?: unknown };
    if (mod.default === undefined) {
      throw new ComponentsError(
        'CONFIG_LOAD',
        `${file}: has no default export`,
        'export default defineConfig({ … })',
        2,
      );
    }
    return mod.default;
  } catch (err) {
    if (err instanceof ComponentsError) throw err;
    throw new ComponentsError(
      'CONFIG_LOAD',
      `${file}: failed to evaluate: ${(err as Error).message}`,
      'fix the error in the config file',
      2,
    );
  } finally {
    await rm(tmp, { force: true });
  }
}

function selfPlugin() {
  return {
    name: 'ucvm-self',
    setup(b: import('esbuild').PluginBuild) {
      b.onResolve({ filter: /^@ucvm\/components$/ }, () => ({
        path: 'self',
        namespace: 'ucvm-self',
      }));
      b.onLoad({ filter: /.*/, namespace: 'ucvm-self' }, () => ({
        loader: 'js',
        contents: `export const defineConfig = (c) => c;\nexport const defaultConfig = ${JSON.stringify(defaultConfig)};\n`,
      }));
    },
  };
}
