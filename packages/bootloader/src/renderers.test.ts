import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, validateConfig } from '@ucvm/components';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { bootDescription, formatCmdline } from './cmdline.js';
import { BootloaderError } from './errors.js';
import { grubEfiCfg } from './grub-efi.js';
import { isolinuxCfg } from './isolinux.js';
import { type BootMenu, bootMenu } from './menu.js';
import { menuLst } from './menu-lst.js';

const config = validateConfig(defaultConfig);

/** No template leftovers of any kind (build.md §6). */
function expectNoPlaceholders(text: string): void {
  expect(text).not.toMatch(/lastarg/i);
  expect(text).not.toMatch(/@[A-Za-z_]+@/);
  expect(text).not.toMatch(/%[A-Za-z_]+%/);
  expect(text).not.toContain('{{');
  expect(text).not.toContain('undefined');
  expect(text).not.toContain('fallback');
}

describe.each(config.branches.map((b) => [b.name, b] as const))('branch %s', (_name, branch) => {
  const menu = bootMenu({ branch, config });
  const normal = formatCmdline(bootDescription({ branch, config }));
  const debug = formatCmdline(bootDescription({ branch, config, variant: 'debug' }));

  it('isolinux/syslinux.cfg: SERIAL first, default entry, then the debug entry', () => {
    const text = isolinuxCfg(menu);
    expect(text.split('\n')).toEqual([
      'SERIAL 0 115200',
      'PROMPT 0',
      'TIMEOUT 0',
      'DEFAULT ucernvm',
      '',
      `# uCernVM ${branch.name} (${branch.repository})`,
      'LABEL ucernvm',
      '  KERNEL /cernvm/vmlinuz.xz',
      `  APPEND initrd=/cernvm/initrd.img ${normal}`,
      '',
      `# uCernVM ${branch.name} (${branch.repository}), debug`,
      'LABEL debug',
      '  KERNEL /cernvm/vmlinuz.xz',
      `  APPEND initrd=/cernvm/initrd.img ${debug}`,
      '',
    ]);
    expect(debug.split(' ')).toEqual(expect.arrayContaining(['cvmdebug', 'console=ttyS0,115200']));
    expect(normal.split(' ')).not.toContain('cvmdebug');
    expect(normal).toContain(
      `cvmfs_repos=${branch.repository} cvmfs_server=${branch.servers.join(',')} `,
    );
    expectNoPlaceholders(text);
  });

  it('menu.lst: default 0, root (hd0), kernel + initrd lines, no fallback', () => {
    const text = menuLst(menu);
    expect(text.split('\n')).toEqual([
      'default 0',
      'timeout 0',
      '',
      `title uCernVM ${branch.name} (${branch.repository})`,
      '\troot (hd0)',
      `\tkernel /cernvm/vmlinuz.xz ${normal}`,
      '\tinitrd /cernvm/initrd.img',
      '',
      `title uCernVM ${branch.name} (${branch.repository}), debug`,
      '\troot (hd0)',
      `\tkernel /cernvm/vmlinuz.xz ${debug}`,
      '\tinitrd /cernvm/initrd.img',
      '',
    ]);
    expectNoPlaceholders(text);
  });

  it('GRUB EFI config: finds the marker, serial console, boots the default entry', async () => {
    const text = grubEfiCfg(menu);
    expect(text.split('\n')).toEqual([
      'search --no-floppy --set=root --file /.ucernvm_boot_loader',
      'serial --unit=0 --speed=115200',
      'terminal_input serial console',
      'terminal_output serial console',
      `echo 'Booting uCernVM ${branch.name} (${branch.repository})'`,
      `linux /cernvm/vmlinuz.xz ${normal}`,
      'initrd /cernvm/initrd.img',
      'boot',
      '',
    ]);
    expectNoPlaceholders(text);
    // Embedded configs run in the rescue parser, which rejects `#` as an unknown command.
    expect(text).not.toMatch(/^\s*#/m);
    await expectGrubSyntaxOk(text);
  });
});

describe('renderers', () => {
  const branch = config.branches[0];
  if (!branch) throw new Error('default config has no branch');

  it('quote GRUB-special characters but keep the kernel command line itself unchanged', async () => {
    const desc = bootDescription({
      branch: { ...branch, servers: ['a.example.org;b.example.org'], path: 'x$y' },
      config: { cmdline: { options: ['quiet', 'cvmfs_proxy=http://p:3128|DIRECT'], debug: [] } },
    });
    const cfg = grubEfiCfg(desc);
    const linux = cfg.split('\n').find((l) => l.startsWith('linux '));
    expect(linux).toBe(
      "linux /cernvm/vmlinuz.xz quiet 'cvmfs_proxy=http://p:3128|DIRECT' cvmfs_repos=cernvm-prod.cern.ch " +
        "'cvmfs_server=a.example.org;b.example.org' cvmfs_cdn=cvmfs-cdn-1.cern.ch,cvmfs-cdn-2.cern.ch 'cernvm_path=x$y'",
    );
    await expectGrubSyntaxOk(cfg);
    // syslinux and GRUB legacy pass the rest of the line verbatim: no quoting there.
    expect(isolinuxCfg(desc)).toContain(' cvmfs_server=a.example.org;b.example.org ');
    expect(menuLst(desc)).toContain(' cvmfs_server=a.example.org;b.example.org ');
  });

  it('render a cloud variant as the default entry, debug stays second', () => {
    const text = isolinuxCfg(bootMenu({ branch, config, variant: 'gce', timeoutSeconds: 5 }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('SERIAL 0 115200');
    expect(lines[2]).toBe('TIMEOUT 50');
    expect(lines[8]).toContain(' console=ttyS0,38400n8 cvmfs_repos=');
    expect(lines[13]).toContain(' cvmdebug ');
    expect(menuLst(bootMenu({ branch, config, timeoutSeconds: 5 }))).toMatch(
      /^default 0\ntimeout 5\n/,
    );
  });

  it('take a bare description as a one-entry menu', () => {
    const text = menuLst(bootDescription({ branch, config }));
    expect(text.match(/^title /gm)).toHaveLength(1);
    expect(isolinuxCfg(bootDescription({ branch, config })).split('\n')[3]).toBe('DEFAULT ucernvm');
  });

  it.each<[string, BootMenu]>([
    ['no entries', { entries: [], timeoutSeconds: 0 }],
    ['a bad timeout', { ...bootMenu({ branch, config }), timeoutSeconds: -1 }],
    ['a bad label', relabel('Debug Entry')],
    ['a duplicate label', relabel('ucernvm')],
    [
      'a title with a quote',
      { ...bootMenu({ branch, config }), entries: [{ ...first(), title: "it's" }] },
    ],
    [
      'a relative kernel path',
      {
        ...bootMenu({ branch, config }),
        entries: [{ ...first(), boot: { ...first().boot, kernel: 'cernvm/vmlinuz' } }],
      },
    ],
  ])('refuse a menu with %s', (_what, menu) => {
    for (const render of [isolinuxCfg, menuLst, grubEfiCfg]) {
      expect(() => render(menu)).toThrow(BootloaderError);
    }
  });

  function first() {
    const e = bootMenu({ branch: branch as never, config }).entries[0];
    if (!e) throw new Error('no entry');
    return e;
  }
  function relabel(label: string): BootMenu {
    const m = bootMenu({ branch: branch as never, config });
    return { ...m, entries: m.entries.map((e, i) => (i === 1 ? { ...e, label } : e)) };
  }
});

/** grub-script-check (Debian package grub-common) parses the config as GRUB would. */
async function expectGrubSyntaxOk(text: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ucvm-grubcfg-'));
  try {
    const file = join(dir, 'grub.cfg');
    await writeFile(file, text);
    const r = await execa('grub-script-check', [file], { reject: false, timeout: 10_000 });
    expect(r.exitCode, String(r.stderr)).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
