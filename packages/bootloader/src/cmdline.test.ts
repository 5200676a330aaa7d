import { type Branch, defaultConfig, validateConfig } from '@ucvm/components';
import { describe, expect, it } from 'vitest';
import {
  BOOT_VARIANTS,
  type BootVariant,
  bootDescription,
  formatCmdline,
  parseOption,
} from './cmdline.js';
import { BootloaderError } from './errors.js';

const config = validateConfig(defaultConfig);
const byName = (name: string): Branch => {
  const b = config.branches.find((x) => x.name === name);
  if (!b) throw new Error(`no branch ${name}`);
  return b;
};

function errorOf(fn: () => unknown): BootloaderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BootloaderError) return err;
    throw err;
  }
  throw new Error('expected a BootloaderError');
}

describe('bootDescription', () => {
  it('puts the fixed options first, then the branch parameters in runtime.md §2 order', () => {
    const d = bootDescription({ branch: byName('slc5'), config });
    expect(d.kernel).toBe('/cernvm/vmlinuz.xz');
    expect(d.initrd).toBe('/cernvm/initrd.img');
    expect(formatCmdline(d)).toBe(
      [
        'root=first noresume quiet loglevel=1 panic=-1',
        'cvmfs_repos=cernvm-slc5.cern.ch',
        'cvmfs_server=hepvm.cern.ch,cvmfs-stratum-one.cern.ch',
        'cvmfs_cdn=NONE',
        'cernvm_path=cvm3',
        'cvmfs_repository_tag=slc5-final',
      ].join(' '),
    );
    expect(d.params.slice(0, 2)).toEqual([{ name: 'root', value: 'first' }, { name: 'noresume' }]);
  });

  it('takes every value from the branch and the config, not from constants', () => {
    const branch: Branch = {
      name: 'x',
      repository: 'repo.example.org',
      servers: ['s1.example.org', 's2.example.org'],
      cdn: ['cdn.example.org'],
      path: 'os/el9',
      tag: null,
    };
    const d = bootDescription({ branch, config: { cmdline: { options: ['ro'], debug: [] } } });
    expect(formatCmdline(d)).toBe(
      'ro cvmfs_repos=repo.example.org cvmfs_server=s1.example.org,s2.example.org cvmfs_cdn=cdn.example.org cernvm_path=os/el9',
    );
  });

  it('is deterministic for every default branch and variant', () => {
    for (const branch of config.branches) {
      for (const variant of BOOT_VARIANTS) {
        const a = formatCmdline(bootDescription({ branch, config, variant }));
        expect(formatCmdline(bootDescription({ branch, config, variant }))).toBe(a);
        expect(a).toContain(`cvmfs_repos=${branch.repository} `);
      }
    }
  });

  it('debug adds config.cmdline.debug: cvmdebug, a serial console, loglevel replaced in place', () => {
    const line = formatCmdline(
      bootDescription({ branch: byName('devel'), config, variant: 'debug' }),
    );
    expect(line).toBe(
      'root=first noresume quiet loglevel=7 panic=-1 cvmdebug console=tty0 console=ttyS0,115200 ' +
        'cvmfs_repos=cernvm-devel.cern.ch cvmfs_server=hepvm.cern.ch,cvmfs-stratum-one.cern.ch cvmfs_cdn=NONE cernvm_path=cvm4',
    );
    expect(line.match(/loglevel=/g)).toHaveLength(1);
  });

  it.each([
    ['hvm', 'console=ttyS0'],
    ['gce', 'console=ttyS0,38400n8'],
    ['azure', 'console=ttyS0 earlyprintk=ttyS0'],
  ] as [BootVariant, string][])('cloud variant %s sets its console', (variant, consoleArgs) => {
    const line = formatCmdline(bootDescription({ branch: byName('prod'), config, variant }));
    expect(line).toBe(
      `root=first noresume quiet loglevel=1 panic=-1 ${consoleArgs} ` +
        'cvmfs_repos=cernvm-prod.cern.ch cvmfs_server=hepvm.cern.ch,cvmfs-stratum-one.cern.ch ' +
        'cvmfs_cdn=cvmfs-cdn-1.cern.ch,cvmfs-cdn-2.cern.ch cernvm_path=cvm4',
    );
    expect(line).not.toContain('cvmdebug');
  });

  it('keeps repeated console= options (each registers a console)', () => {
    const d = bootDescription({
      branch: byName('devel'),
      config: { cmdline: { options: ['console=tty0'], debug: ['console=ttyS0'] } },
      variant: 'debug',
    });
    expect(formatCmdline(d).startsWith('console=tty0 console=ttyS0 ')).toBe(true);
  });

  it('refuses an unknown variant', () => {
    const err = errorOf(() =>
      bootDescription({ branch: byName('devel'), config, variant: 'xen' as BootVariant }),
    );
    expect(err.code).toBe('VARIANT_UNKNOWN');
    expect(err.hint).toContain('azure');
  });
});

describe('parameter checks', () => {
  it('refuses a space in a value (the kernel would split it), naming parameter and value', () => {
    const branch = { ...byName('devel'), servers: ['a.example.org', 'b.example.org c'] };
    const err = errorOf(() => bootDescription({ branch, config }));
    expect(err.code).toBe('PARAM_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain("'cvmfs_server'");
    expect(err.message).toContain('a space');
    expect(err.message).toContain('b.example.org c');
    expect(err.hint).toBeTruthy();
  });

  it.each(['a\tb', 'a\nb', 'say"hi"', "it's", 'caf\u00e9'])('refuses value %j', (value) => {
    expect(
      errorOf(() => formatCmdline({ kernel: '/k', initrd: '/i', params: [{ name: 'x', value }] }))
        .code,
    ).toBe('PARAM_INVALID');
  });

  it('refuses a space inside a config option', () => {
    expect(errorOf(() => parseOption('cvmfs_proxy=a b', 'cmdline.options')).message).toMatch(
      /^cmdline\.options: value of kernel parameter 'cvmfs_proxy'/,
    );
  });

  it.each(['', '--', '-x', 'a b', 'a"b'])('refuses parameter name %j', (name) => {
    expect(
      errorOf(() => formatCmdline({ kernel: '/k', initrd: '/i', params: [{ name }] })).code,
    ).toBe('PARAM_INVALID');
  });

  it('passes ; , | $ \\ and = in values through unchanged (the kernel does not interpret them)', () => {
    const value = 'http://a:3128;DIRECT|x,$y\\z=w';
    expect(parseOption(`cvmfs_proxy=${value}`)).toEqual({ name: 'cvmfs_proxy', value });
    expect(
      formatCmdline({
        kernel: '/k',
        initrd: '/i',
        params: [
          { name: 'cvmfs_proxy', value },
          { name: 'e', value: '' },
        ],
      }),
    ).toBe(`cvmfs_proxy=${value} e=`);
  });
});
