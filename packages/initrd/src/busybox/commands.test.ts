import { describe, expect, it } from 'vitest';
import { extractCommands } from './commands.js';

/** `name:line` of every call, in order. */
function calls(src: string): string[] {
  return extractCommands(src).calls.map((c) => `${c.name}:${c.line}`);
}
const names = (src: string): string[] => extractCommands(src).calls.map((c) => c.name);

describe('extractCommands', () => {
  it('finds commands after every separator, with their lines', () => {
    expect(calls('a; b | c && d || e & f\n g\n')).toEqual([
      'a:1',
      'b:1',
      'c:1',
      'd:1',
      'e:1',
      'f:1',
      'g:2',
    ]);
    expect(names('(cd /x && ls) >out 2>&1; { cat; } | tee -a log')).toEqual([
      'cd',
      'ls',
      'cat',
      'tee',
    ]);
  });

  it('knows keywords, assignments, redirections and comments', () => {
    const src = [
      '#!/bin/sh',
      '# mount here is a comment',
      'if ! grep -q x f; then X=1 Y="$(id -u)" sed -n p; elif [ -f x ]; then :; else true; fi',
      'while read -r l; do echo "$l"; done <in >out',
      'until false; do break; done',
      'for f in a b $(ls); do rm "$f"; done 2>/dev/null',
      '>log printf x',
      'exec 2>>"$log" </dev/console',
    ].join('\n');
    expect(names(src)).toEqual([
      'grep',
      'id',
      'sed',
      '[',
      ':',
      'true',
      'read',
      'echo',
      'false',
      'break',
      'ls',
      'rm',
      'printf',
      'exec',
    ]);
  });

  it('skips case patterns, single-quoted text and heredoc bodies', () => {
    const src = [
      'case "$1" in',
      '(blkid | sfdisk) echo a ;;',
      'mount*) umount -l x;;',
      '"$k="*) ;;',
      '*) awk \'{ system("reboot") }\' f ;;',
      'esac',
      'cat <<EOF >out',
      'halt now',
      '$(poweroff)',
      'EOF',
      'cat <<-"END"; wc -l',
      '\t\tkexec -e',
      '\tEND',
      'sync',
    ].join('\n');
    expect(calls(src)).toEqual([
      'echo:2',
      'umount:3',
      'awk:5',
      'cat:7',
      'cat:11',
      'wc:11',
      'sync:14',
    ]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  it('scans $(…) nested in double quotes, ${…} and $((…)), not arithmetic itself', () => {
    const src = [
      'x="$(basename "$(dirname "$d")")"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      't="${t%"$(printf \'\\r\')"}"',
      'n=$(($(wc -l <f) + 1)) m=$((a * (b + 1)))',
      'echo "`hostname`" $(',
      '  case $x in a) tr a b ;; esac',
      ')',
    ].join('\n');
    expect(calls(src)).toEqual([
      'basename:1',
      'dirname:1',
      'printf:2',
      'wc:3',
      'echo:4',
      'hostname:4',
      'tr:5',
    ]);
  });

  it('follows wrappers to the command they run', () => {
    const src = [
      'timeout 5 nc -U sock',
      'timeout -s KILL 3 sha256sum f',
      'chroot "$root" /bin/busybox tar -x',
      'env -i A=1 B=2 udhcpc -i eth0',
      'nice -n 5 setsid nohup ntpd -q',
      'xargs -n 1 basename <list',
      'exec switch_root -c /dev/console /root /sbin/init',
      'ucvm_logrun fsck.log ucvm_tool e2fsck -p dev',
      'ucvm_tool_limit "$tmo" cvmfs2 -o x',
      'ucvm_wait_for 10 0.25 stage_part "$1"',
      'busybox --list',
    ].join('\n');
    const out = extractCommands(src);
    expect(out.calls.map((c) => c.name)).toEqual([
      'timeout',
      'nc',
      'timeout',
      'sha256sum',
      'chroot',
      'env',
      'udhcpc',
      'nice',
      'setsid',
      'nohup',
      'ntpd',
      'xargs',
      'basename',
      'exec',
      'switch_root',
      'ucvm_logrun',
      'ucvm_tool',
      'e2fsck',
      'ucvm_tool_limit',
      'cvmfs2',
      'ucvm_wait_for',
      'stage_part',
      'busybox',
    ]);
    // The command chroot runs lives in the other root: not checkable against the initrd.
    expect(out.dynamic).toEqual([{ name: '/bin/busybox', line: 3 }]);
  });

  it('joins line continuations and reports expansions in command position as dynamic', () => {
    const src =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      'foo=1 \\\n  mount \\\n  -t tmpfs x\n"$prog" -x\n$cmd arg\n"${UCVM_SHIMS}/reboot" -f\n';
    const out = extractCommands(src);
    expect(out.calls).toEqual([{ name: 'mount', line: 2 }]);
    expect(out.dynamic).toEqual([
      { name: '"$prog"', line: 4 },
      { name: '$cmd', line: 5 },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      { name: '"${UCVM_SHIMS}/reboot"', line: 6 },
    ]);
  });

  it('records function definitions and command -v guards', () => {
    const src = [
      'ucvm_x() {',
      '\tlocal a',
      '\tif command -v curl >/dev/null 2>&1; then curl -s u; fi',
      '}',
      'other ()',
      '{ :; }',
      'ucvm_x',
    ].join('\n');
    const out = extractCommands(src);
    expect(out.functions).toEqual(['ucvm_x', 'other']);
    expect(out.guarded).toEqual([{ name: 'curl', line: 3 }]);
    expect(out.calls.map((c) => c.name)).toEqual(['local', 'command', 'curl', ':', 'ucvm_x']);
  });

  it("scans trap 'CODE' and sh -c 'SCRIPT' as shell, at their own lines", () => {
    const src = [
      'trap \'rm -rf "$tmp"\' EXIT',
      'setsid sh -c \'rcf="$1"; shift',
      '\t{ env -i "$@"; echo $?; } | tee -a x\' sh a b',
      "awk '{ print }' f",
    ].join('\n');
    const out = extractCommands(src);
    expect(out.calls.map((c) => `${c.name}:${c.line}`)).toEqual([
      'trap:1',
      'rm:1',
      'setsid:2',
      'sh:2',
      'shift:2',
      'env:3',
      'echo:3',
      'tee:3',
      'awk:4',
    ]);
    expect(out.dynamic).toEqual([{ name: '"$@"', line: 3 }]);
  });
});

describe('extractCommands on the real init', () => {
  it('finds only command-like names, the wrapped tools among them', async () => {
    const { readFile, readdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { initFilesDir } = await import('../init-files.js');
    const root = initFilesDir();
    const files = (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.endsWith('.awk'))
      .map((e) => join(e.parentPath, e.name));
    const found = new Set<string>();
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      if (!text.startsWith('#!/bin/sh') && !/^# shellcheck shell=/m.test(text)) continue;
      for (const c of extractCommands(text).calls) found.add(c.name);
    }
    // Leaks of awk programs, patterns or heredocs would show up as odd names here.
    for (const name of found) expect(name).toMatch(/^([.:[]|\/?[A-Za-z0-9_][A-Za-z0-9_./-]*)$/);
    for (const name of ['mount', 'switch_root', 'udhcpc', 'sfdisk', 'cvmfs2', 'nc.openbsd', 'awk'])
      expect(found).toContain(name);
  });
});
