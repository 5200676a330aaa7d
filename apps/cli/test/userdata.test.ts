import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ucvm-cli-userdata-'));
function file(name: string, data: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

const block =
  '[ucernvm-begin]\ncvmfs_branch=cernvm-prod.cern.ch\nresize_rootfs=off\n[ucernvm-end]\n';

describe('ucvm userdata validate', () => {
  it('reads a CRLF block', async () => {
    const r = await runCli([
      'userdata',
      'validate',
      file('crlf.txt', block.replaceAll('\n', '\r\n')),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cvmfs_branch = "cernvm-prod.cern.ch"');
    expect(r.stdout).toContain('resize_rootfs = "0"');
  });

  it('reads a gzip body', async () => {
    const r = await runCli(['userdata', 'validate', file('gz.bin', gzipSync(Buffer.from(block)))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cvmfs_branch = "cernvm-prod.cern.ch"');
  });

  it('reads a MIME multipart body with a base64 part', async () => {
    const mime = [
      'Content-Type: multipart/mixed; boundary="B"',
      'MIME-Version: 1.0',
      '',
      '--B',
      'Content-Type: text/x-shellscript',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(block).toString('base64'),
      '--B--',
      '',
    ].join('\r\n');
    const r = await runCli(['userdata', 'validate', file('mime.txt', mime)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('resize_rootfs = "0"');
  });

  it('prints a hostile value as data and exits 1 on warnings', async () => {
    const marker = join(dir, 'pwned');
    const hostile = `[ucernvm-begin]\nx=$(touch ${marker})\ncvmfs_server=host;$(id)\n[ucernvm-end]\n`;
    const r = await runCli(['userdata', 'validate', file('hostile.txt', hostile)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`x = "$(touch ${marker})"`);
    expect(r.stdout).toContain('warning: W_INVALID_VALUE in user data, part 0, line 3');
    expect(() => readFileSync(marker)).toThrow();
  });

  it('prints canonical JSON with --json', async () => {
    const r = await runCli(['userdata', 'validate', '--json', file('plain.txt', block)]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).effective).toEqual({
      cvmfs_branch: 'cernvm-prod.cern.ch',
      resize_rootfs: '0',
    });
  });
});

describe('ucvm userdata render / extract', () => {
  it('renders a block that validates back to the same keys', async () => {
    const r = await runCli([
      'userdata',
      'render',
      'cvmfs_tag=t1',
      'note= spaced value ',
      'x=$(reboot)',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('[ucernvm-begin]\n')).toBe(true);
    const back = await runCli(['userdata', 'extract', '--json', file('rendered.txt', r.stdout)]);
    expect(JSON.parse(back.stdout).effective).toEqual({
      cvmfs_tag: 't1',
      note: ' spaced value ',
      x: '$(reboot)',
    });
  });

  it('refuses a bad key with exit 2 and a hint', async () => {
    const r = await runCli(['userdata', 'render', 'bad key=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad key');
    expect(r.stderr).toContain('hint:');
  });

  it('refuses an invalid value for a known key', async () => {
    const r = await runCli(['userdata', 'render', 'resize_rootfs=maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('resize_rootfs');
  });

  it('extract prints the ucontext form and writes the init outputs with --out', async () => {
    const user = file('extract.txt', block);
    const extra = file('extra.txt', '[ucernvm-begin]\nresize_rootfs=on\n[ucernvm-end]\n');
    const r = await runCli(['userdata', 'extract', user, '--extra', extra]);
    expect(r.stdout).toBe(
      "# ucvm-context 1\n_UCONTEXT_CVMFS_BRANCH='cernvm-prod.cern.ch'\n_UCONTEXT_RESIZE_ROOTFS='1'\n",
    );
    const out = join(dir, 'out');
    const w = await runCli(['userdata', 'extract', user, '--extra', extra, '--out', out]);
    expect(w.code).toBe(0);
    expect(readFileSync(join(out, 'extra-ucontext'), 'utf8')).toBe(
      "# ucvm-context 1\n_UCONTEXT_RESIZE_ROOTFS='1'\n",
    );
    expect(readFileSync(join(out, 'extra-user-data'), 'utf8')).toBe(
      '[ucernvm-begin]\nresize_rootfs=on\n[ucernvm-end]\n',
    );
    expect(readFileSync(join(out, 'warnings'), 'utf8')).toBe('');
  });
});
