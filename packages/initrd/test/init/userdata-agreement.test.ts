// TS ↔ sh byte agreement (userdata.md §1 item 2, §12): every directory of
// packages/userdata/test-vectors/ and a few hundred seeded generated inputs go through BOTH
// @ucvm/userdata and the init's `ucvm-userdata` (host busybox, applets-only PATH), and every
// output of one is compared with the other's bytes — no expected files involved, so a vector
// added later (or any input) is covered. The sh runs are batched into two busybox shells.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  decodeAzureCustomData,
  formatOpenNebulaVars,
  formatOpenNebulaWarnings,
  formatReadWarnings,
  formatWarnings,
  KNOWN_KEYS,
  parseOpenNebulaContext,
  parseUserData,
  readUcontext,
  serializeUcontext,
  toCanonicalJson,
} from '@ucvm/userdata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, LIB_DIR } from './harness.js';
import {
  contextSh,
  customData,
  mutate,
  parseCase,
  Rng,
  ucontextFile,
} from './userdata-agreement-gen.js';

const TOOL = join(LIB_DIR, 'bin/ucvm-userdata');
const VECTORS = resolve(LIB_DIR, '../../../../userdata/test-vectors');
// Generated cases and seed; UCVM_UD_AGREE_CASES / UCVM_UD_AGREE_SEED override for longer runs.
function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw)) throw new Error(`${name}=${raw} is not a non-negative integer`);
  return Number(raw);
}
const CASES = envInt('UCVM_UD_AGREE_CASES', 300);
const SEED = envInt('UCVM_UD_AGREE_SEED', 20261126);
const tmp = mkdtempSync(join(tmpdir(), 'ucvm-uda-'));
// UCVM_UD_AGREE_KEEP=1 keeps the sh inputs and outputs (the report names each case's directory).
const KEEP = process.env.UCVM_UD_AGREE_KEEP === '1';
afterAll(() => {
  if (!KEEP) rmSync(tmp, { recursive: true, force: true });
});

type Case =
  | { kind: 'parse'; user?: Buffer; extra?: Buffer[] }
  | { kind: 'reader'; files: Buffer[]; key: string }
  | { kind: 'opennebula'; context: Buffer }
  | { kind: 'azure'; custom: Buffer };
/** output name → bytes; `rc` and `stderr` included, absent files are missing keys. */
type Outputs = Map<string, Buffer>;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The TypeScript side: the same outputs the sh tool writes (§12). */
function viaTs(c: Case): Outputs {
  const o: Outputs = new Map([
    ['rc', utf8('0\n')],
    ['stderr', Buffer.alloc(0)],
  ]);
  if (c.kind === 'parse') {
    const r = parseUserData({
      ...(c.user === undefined ? {} : { user: c.user }),
      ...(c.extra === undefined ? {} : { extra: c.extra }),
    });
    o.set('out/ucontext', utf8(serializeUcontext(r.user.keys)));
    o.set('out/extra-ucontext', utf8(serializeUcontext(r.extra.keys)));
    o.set('out/ucontext.json', utf8(toCanonicalJson(r)));
    o.set('out/warnings', utf8(formatWarnings(r)));
    if (r.extraUserData !== undefined) o.set('out/extra-user-data', Buffer.from(r.extraUserData));
  } else if (c.kind === 'reader') {
    const r = readUcontext(c.files);
    o.set('out/read.ucontext', utf8(serializeUcontext(r.keys)));
    o.set('out/read.warnings', utf8(formatReadWarnings(r)));
    const v = r.keys.get(c.key);
    o.set('get.rc', utf8(v === undefined ? '1\n' : '0\n'));
    o.set('get.stdout', v === undefined ? Buffer.alloc(0) : utf8(`${v}\n`));
    o.set('get.stderr', utf8(formatReadWarnings(r)));
  } else if (c.kind === 'opennebula') {
    const r = parseOpenNebulaContext(c.context);
    o.set('out/vars', utf8(formatOpenNebulaVars(r)));
    o.set('out/user-data', Buffer.from(r.userData));
    o.set('out/warnings', utf8(formatOpenNebulaWarnings(r)));
  } else {
    o.set('stdout', Buffer.from(decodeAzureCustomData(c.custom)));
  }
  if (c.kind !== 'azure') o.set('stdout', Buffer.alloc(0));
  return o;
}

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** Writes the inputs of `c` into `dir` and returns the sh lines that run the tool on them. */
function shLines(c: Case, dir: string): string {
  mkdirSync(join(dir, 'out'), { recursive: true });
  const put = (name: string, data: Buffer): string => {
    writeFileSync(join(dir, name), data);
    return q(join(dir, name));
  };
  const io = (p: string) => `>${q(join(dir, `${p}stdout`))} 2>${q(join(dir, `${p}stderr`))}`;
  const rc = (p: string) => `echo $? >${q(join(dir, `${p}rc`))}`;
  const out = q(join(dir, 'out'));
  let args: string;
  let extra = '';
  if (c.kind === 'parse') {
    const user = c.user === undefined ? '' : ` --user ${put('user.bin', c.user)}`;
    const ex = (c.extra ?? []).map((e, i) => ` --extra ${put(`extra-${i + 1}.bin`, e)}`).join('');
    args = `parse${user}${ex} --out ${out}`;
  } else if (c.kind === 'reader') {
    const files = c.files.map((f, i) => ` --file ${put(`ucontext-${i + 1}.in`, f)}`).join('');
    args = `read${files} --out ${out}`;
    extra = `sh ${q(TOOL)} get${files} ${q(c.key)} ${io('get.')}; ${rc('get.')}\n`;
  } else if (c.kind === 'opennebula') {
    args = `opennebula ${put('context.sh', c.context)} --out ${out}`;
  } else {
    args = `azure ${put('CustomData.bin', c.custom)}`;
  }
  return `sh ${q(TOOL)} ${args} ${io('')}; ${rc('')}\n${extra}`;
}

/** What the sh run left in `dir`: out/* files plus stdout, stderr, rc (and get.*). */
function collect(dir: string): Outputs {
  const o: Outputs = new Map();
  for (const name of ['rc', 'stdout', 'stderr', 'get.rc', 'get.stdout', 'get.stderr']) {
    if (existsSync(join(dir, name))) o.set(name, readFileSync(join(dir, name)));
  }
  for (const name of readdirSync(join(dir, 'out')).sort()) {
    o.set(`out/${name}`, readFileSync(join(dir, 'out', name)));
  }
  return o;
}

/** Runs all cases through the sh tool in `jobs` parallel busybox shells. */
async function runSh(cases: Case[], jobs: number, deadlineMs: number): Promise<Outputs[]> {
  const dirs = cases.map((_, i) => join(tmp, 'c', String(i)));
  const scripts = Array.from({ length: jobs }, () => '');
  cases.forEach((c, i) => {
    scripts[i % jobs] += shLines(c, dirs[i] as string);
  });
  await Promise.all(
    scripts.map((script, j) => {
      const file = join(tmp, `batch-${j}.sh`);
      writeFileSync(file, script);
      return new Promise<void>((done, fail) => {
        const p = spawn(BUSYBOX, ['sh', file], { env: { PATH: APPLETS }, stdio: 'ignore' });
        const timer = setTimeout(() => p.kill('SIGKILL'), deadlineMs);
        p.on('error', fail);
        p.on('exit', (code, signal) => {
          clearTimeout(timer);
          if (code === 0) done();
          else
            fail(
              new Error(
                `sh batch ${file} ended with ${signal ?? code} (deadline ${deadlineMs} ms)`,
              ),
            );
        });
      });
    }),
  );
  return dirs.map(collect);
}

const show = (x: Buffer | undefined): string => {
  if (x === undefined) return '(absent)';
  const s = JSON.stringify(x.toString('latin1'));
  return s.length > 1200 ? `${s.slice(0, 1200)}… (${x.length} bytes)` : s;
};

/** Every output where the two sides differ, with the input, for the report. */
function differences(label: string, c: Case, ts: Outputs, sh: Outputs, dir: string): string[] {
  const names = [...new Set([...ts.keys(), ...sh.keys()])].sort();
  const same = (a?: Buffer, b?: Buffer): boolean =>
    a === undefined ? b === undefined : b !== undefined && a.equals(b);
  const bad = names.filter((n) => !same(ts.get(n), sh.get(n)));
  if (bad.length === 0) return [];
  const inputs =
    c.kind === 'parse'
      ? [`user=${show(c.user)}`, ...(c.extra ?? []).map((e, i) => `extra-${i + 1}=${show(e)}`)]
      : c.kind === 'reader'
        ? [...c.files.map((f, i) => `ucontext-${i + 1}=${show(f)}`), `get key=${c.key}`]
        : c.kind === 'opennebula'
          ? [`context.sh=${show(c.context)}`]
          : [`CustomData.bin=${show(c.custom)}`];
  return [
    [
      `${label} (${c.kind}) differs in ${bad.join(', ')}${KEEP ? ` [${dir}]` : ''}`,
      ...inputs.map((s) => `  input ${s}`),
      ...bad.flatMap((n) => [`  ${n} ts=${show(ts.get(n))}`, `  ${n} sh=${show(sh.get(n))}`]),
    ].join('\n'),
  ];
}

// A PATH of busybox applets only (as in userdata-vectors.test.ts).
const APPLETS = join(tmp, 'applets');
mkdirSync(APPLETS);
const list = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' });
for (const name of list.stdout.split('\n').filter((n) => /^[a-z0-9_.[-]+$/.test(n))) {
  symlinkSync(BUSYBOX, join(APPLETS, name));
}

// --- the corpus, listed at run time ---
const has = (dir: string, name: string): boolean => existsSync(join(VECTORS, dir, name));
const read = (dir: string, name: string): Buffer => readFileSync(join(VECTORS, dir, name));
function numbered(dir: string, prefix: string, suffix: string): Buffer[] {
  const files: Buffer[] = [];
  for (let n = 1; has(dir, `${prefix}${n}${suffix}`); n++)
    files.push(read(dir, `${prefix}${n}${suffix}`));
  return files;
}
function vectorCase(dir: string): Case {
  if (has(dir, 'user.bin') || has(dir, 'extra-1.bin')) {
    const extra = numbered(dir, 'extra-', '.bin');
    return {
      kind: 'parse',
      ...(has(dir, 'user.bin') ? { user: read(dir, 'user.bin') } : {}),
      ...(extra.length > 0 ? { extra } : {}),
    };
  }
  if (has(dir, 'ucontext-1.in')) {
    const files = numbered(dir, 'ucontext-', '.in');
    const names = Buffer.concat(files)
      .toString('latin1')
      .match(/^_UCONTEXT_([A-Z0-9_]+)=/m);
    return { kind: 'reader', files, key: (names?.[1] ?? 'cvmfs_branch').toLowerCase() };
  }
  if (has(dir, 'context.sh')) return { kind: 'opennebula', context: read(dir, 'context.sh') };
  if (has(dir, 'CustomData.bin')) return { kind: 'azure', custom: read(dir, 'CustomData.bin') };
  throw new Error(
    `test vector ${dir} has no user.bin, extra-1.bin, ucontext-1.in, context.sh or CustomData.bin`,
  );
}
const vectorDirs = existsSync(VECTORS)
  ? readdirSync(VECTORS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
  : [];

/** The input files of a case, in a fixed order. */
function inputsOf(c: Case): Buffer[] {
  if (c.kind === 'parse') return [...(c.user === undefined ? [] : [c.user]), ...(c.extra ?? [])];
  if (c.kind === 'reader') return c.files;
  return [c.kind === 'opennebula' ? c.context : c.custom];
}

/** The same case with one of its inputs mutated (byte level). */
function mutated(r: Rng, c: Case): Case {
  const inputs = inputsOf(c);
  const which = r.int(0, inputs.length - 1);
  const m = inputs.map((i, n) => (n === which ? mutate(r, i) : i));
  if (c.kind === 'parse') {
    const hasUser = c.user !== undefined;
    return {
      kind: 'parse',
      ...(hasUser ? { user: m[0] as Buffer } : {}),
      ...(c.extra === undefined ? {} : { extra: m.slice(hasUser ? 1 : 0) }),
    };
  }
  if (c.kind === 'reader') return { ...c, files: m };
  if (c.kind === 'opennebula') return { kind: 'opennebula', context: m[0] as Buffer };
  return { kind: 'azure', custom: m[0] as Buffer };
}

// --- generated cases: lines of the corpus's text inputs recombined with synthesized ones ---
const keys = [...KNOWN_KEYS.keys()].sort();
function linesOf(files: Buffer[]): Buffer[] {
  const text = files.filter((f) => !(f[0] === 0x1f && f[1] === 0x8b) && f.length < 8192);
  return text.flatMap((f) =>
    f
      .toString('latin1')
      .split(/\r?\n|\r/)
      .filter((l) => l.length > 0 && l.length < 300)
      .map((l) => Buffer.from(l, 'latin1')),
  );
}
function generated(): Case[] {
  const userPool = linesOf(
    vectorDirs.flatMap((d) =>
      ['user.bin', 'extra-1.bin'].filter((n) => has(d, n)).map((n) => read(d, n)),
    ),
  );
  const contextPool = linesOf(
    vectorDirs.filter((d) => has(d, 'context.sh')).map((d) => read(d, 'context.sh')),
  );
  const gen = { keys, types: KNOWN_KEYS, pool: userPool };
  // corpus inputs small enough to mutate cheaply (not the 16 MiB gzip vectors)
  const small = vectorCases
    .map((x) => x.c)
    .filter((c) => inputsOf(c).every((i) => i.length < 65536));
  const r = new Rng(SEED);
  const cases: Case[] = [];
  for (let i = 0; i < CASES; i++) {
    const p = r.next();
    if (p < 0.6) cases.push({ kind: 'parse', ...parseCase(r, gen) });
    else if (p < 0.72) {
      const files = Array.from({ length: r.int(1, 3) }, () => ucontextFile(r, gen));
      cases.push({ kind: 'reader', files, key: r.chance(0.9) ? r.pick(keys) : 'no_such_key' });
    } else if (p < 0.85) cases.push({ kind: 'opennebula', context: contextSh(r, contextPool) });
    else if (p < 0.93) cases.push({ kind: 'azure', custom: customData(r, gen) });
    else cases.push(mutated(r, r.pick(small)));
  }
  return cases;
}

const vectorCases = vectorDirs.map((d) => ({ label: d, c: vectorCase(d) }));
const genCases = generated().map((c, i) => ({ label: `generated #${i} (seed ${SEED})`, c }));
const all = [...vectorCases, ...genCases];
let shOut: Outputs[] = [];

// about 0.3 s per sh run on an idle 2-core box; the deadline allows for a loaded one
const DEADLINE_MS = 60_000 + all.length * 1_000;
beforeAll(async () => {
  shOut = await runSh(
    all.map((x) => x.c),
    2,
    DEADLINE_MS,
  );
}, DEADLINE_MS + 10_000);

const diffOf = (i: number): string[] => {
  const x = all[i] as (typeof all)[number];
  return differences(x.label, x.c, viaTs(x.c), shOut[i] as Outputs, join(tmp, 'c', String(i)));
};

describe('ucvm-userdata (sh) agrees byte for byte with @ucvm/userdata (TS)', () => {
  it('the corpus is there and has vectors of every kind', () => {
    const kinds = new Set(vectorCases.map((x) => x.c.kind));
    for (const k of ['parse', 'reader', 'opennebula', 'azure'] as const)
      expect(kinds.has(k), k).toBe(true);
  });
  vectorCases.forEach((x, i) => {
    it(`vector ${x.label}`, () => expect(diffOf(i)).toEqual([]));
  });
  it('the generated inputs reach keys, glideinWMS, envelopes and most warning codes', () => {
    // guards against a generator that only produces rejected input (agreement on nothing)
    const codes = new Set<string>();
    const seen = { keys: 0, glidein: 0, extra: 0, read: 0, nebula: 0, azure: 0 };
    for (const { c } of genCases) {
      if (c.kind === 'parse') {
        const r = parseUserData(c);
        for (const w of r.warnings) codes.add(w.code);
        if (r.user.keys.size > 0) seen.keys++;
        if (r.user.glideinwms) seen.glidein++;
        if (r.extra.keys.size > 0) seen.extra++;
      } else if (c.kind === 'reader') {
        if (readUcontext(c.files).keys.size > 0) seen.read++;
      } else if (c.kind === 'opennebula') {
        if (parseOpenNebulaContext(c.context).userData.length > 0) seen.nebula++;
      } else if (!Buffer.from(decodeAzureCustomData(c.custom)).equals(c.custom)) seen.azure++;
    }
    const min = Math.max(1, Math.floor(CASES / 100));
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThanOrEqual(min);
    if (CASES >= 200) {
      for (const code of [
        'W_GZIP',
        'W_MIME_DECODE',
        'W_DUPLICATE',
        'W_INVALID_VALUE',
        'W_UNTERMINATED',
        'W_GLIDEIN',
        'W_BAD_UTF8',
        'W_CONTROL_CHAR',
        'W_VALUE_TOO_LONG',
      ]) {
        expect(codes.has(code), code).toBe(true);
      }
    }
  });
  it(`${CASES} generated inputs of every kind (seed ${SEED})`, () => {
    const kinds = new Set(genCases.map((x) => x.c.kind));
    expect([...kinds].sort()).toEqual(['azure', 'opennebula', 'parse', 'reader']);
    const diffs = genCases.flatMap((_, j) => diffOf(vectorCases.length + j));
    expect(diffs.join('\n\n')).toBe('');
  });
});
