import { describe, expect, it } from 'vitest';
import { KNOWN_KEYS, validateKey } from './values.js';

const ok = (key: string, value: string, stored = value) =>
  expect(validateKey(key, value), `${key}=${value}`).toEqual({ ok: true, value: stored });
const bad = (key: string, value: string, code = 'W_INVALID_VALUE') =>
  expect(validateKey(key, value), `${key}=${value}`).toEqual({ ok: false, code });

describe('KNOWN_KEYS (§6.3)', () => {
  it('has the 17 keys of the table and no cvmfs_path alias', () => {
    expect(KNOWN_KEYS.size).toBe(17);
    expect(KNOWN_KEYS.get('cvmfs_wait_on_squid_deadline')).toEqual({
      kind: 'UINT',
      min: 10,
      max: 3600,
    });
    expect(KNOWN_KEYS.has('cvmfs_path')).toBe(false);
  });
});

describe('validateKey (§6.1, §6.2)', () => {
  it('length: 4096 bytes, cernvm_inject 12 MiB, counted in UTF-8 bytes', () => {
    ok('k', 'a'.repeat(4096));
    bad('k', 'a'.repeat(4097), 'W_VALUE_TOO_LONG');
    bad('k', 'ü'.repeat(2049), 'W_VALUE_TOO_LONG');
    ok('k', 'ü'.repeat(2048));
    bad('cvmfs_http_proxy', 'a'.repeat(4097), 'W_VALUE_TOO_LONG');
    ok('cernvm_inject', 'A'.repeat(12 * 1024 * 1024));
    bad('cernvm_inject', 'A'.repeat(12 * 1024 * 1024 + 4), 'W_VALUE_TOO_LONG');
  });
  it('unknown keys are verbatim', () => {
    ok('custom_flag', 'yes');
    ok('x', '$(rm -rf /)');
    ok('x', '');
  });
  it('BOOL', () => {
    for (const v of ['1', 'yes', 'YES', 'On', 'tRuE']) ok('resize_rootfs', v, '1');
    for (const v of ['0', 'no', 'OFF', 'False']) ok('use_boothd', v, '0');
    for (const v of ['', 'maybe', '01', ' yes', 'y', 'ye\u017f']) bad('useglideinwms', v);
  });
  it('UINT bounds and normalisation', () => {
    ok('cvmfs_wait_on_squid', '007', '7');
    ok('cvmfs_wait_on_squid', '0');
    ok('cvmfs_wait_on_squid', '300');
    bad('cvmfs_wait_on_squid', '301');
    bad('cvmfs_wait_on_squid', '-1');
    bad('cvmfs_wait_on_squid', '0000000');
    ok('cvmfs_wait_on_squid', '000300', '300');
    bad('cvmfs_wait_on_squid_deadline', '9');
    ok('cvm_cluster_timeout', '60');
    bad('cvm_cluster_timeout', '3601');
    bad('cvm_cluster_timeout', '+60');
  });
  it('HOSTLIST and CDN', () => {
    ok('cvmfs_server', 'cvmfs-stratum-one.cern.ch, cvmfs.fnal.gov;cvmfs.bnl.gov');
    ok('cvmfs_server', 'a:8000,[::1]:80,10.0.0.1,https://h.example/cvmfs/@fqrn@;');
    bad('cvmfs_server', 'host;$(id)');
    bad('cvmfs_server', ',;, ');
    bad('cvmfs_server', 'h:0');
    bad('cvmfs_server', 'h:65536');
    bad('cvmfs_server', '-h');
    bad('cvmfs_server', 'h..x');
    bad('cvmfs_server', 'h/path');
    bad('cvmfs_server', 'ftp://h');
    bad('cvmfs_server', Array.from({ length: 33 }, (_, i) => `h${i}`).join(','));
    ok('cvmfs_server', Array.from({ length: 32 }, (_, i) => `h${i}`).join(','));
    bad('cvmfs_server', `${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(62)}`);
    ok('cvmfs_server', `${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(61)}`);
    bad('cvmfs_server', `${'a'.repeat(64)}`);
    ok('cvmfs_cdn', 'none');
    ok('cvmfs_cdn', 'NONE');
    ok('cvmfs_cdn', 's1.cern.ch');
    bad('cvmfs_cdn', 'no ne');
  });
  it('PROXY and URLLIST', () => {
    ok('cvmfs_http_proxy', 'http://p:3128;reboot|DIRECT');
    ok('cvmfs_http_proxy', 'auto;DIRECT');
    bad('cvmfs_http_proxy', '');
    bad('cvmfs_http_proxy', 'a b');
    bad('cvmfs_http_proxy', '$(x)');
    ok('cvmfs_pac_urls', 'http://wpad.example.org/wpad.dat;auto');
    ok('cvmfs_pac_urls', ';file:///etc/x.pac;;');
    bad('cvmfs_pac_urls', ';;');
    bad('cvmfs_pac_urls', '');
    bad('cvmfs_pac_urls', 'wpad.dat');
    bad('cvmfs_pac_urls', 'http://a b');
  });
  it('FQRN, TAG, OSPATH, PIN, HTTPURL, BASE64', () => {
    ok('cvmfs_branch', 'cernvm-prod.cern.ch');
    bad('cvmfs_branch', 'cernvm');
    bad('cvmfs_branch', 'Cernvm.cern.ch');
    bad('cvmfs_branch', 'a-.b');
    ok('cvmfs_tag', 'cernvm-system-4.7.1.0');
    bad('cvmfs_tag', '-x');
    bad('cvmfs_tag', 'a'.repeat(129));
    ok('cernvm_path', '');
    ok('cernvm_path', '/cvm4/x86_64/');
    ok('cernvm_path', 'a/.b');
    bad('cernvm_path', '/');
    bad('cernvm_path', 'a/../b');
    bad('cernvm_path', './a');
    bad('cernvm_path', 'a//b');
    ok('cvm_cluster_pin', 'Ab_-9');
    bad('cvm_cluster_pin', 'a.b');
    ok('cvm_service_url', 'https://cvm.example.org:8443/api');
    ok('cvm_service_url', 'http://[fe80::1]/');
    bad('cvm_service_url', 'https://user@h/');
    bad('cvm_service_url', 'https://h/a@b');
    bad('cvm_service_url', `https://h/${'a'.repeat(2040)}`);
    ok('cernvm_inject', 'H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA=');
    bad('cernvm_inject', 'H4sIAAA');
    bad('cernvm_inject', 'H4sI AAA');
    bad('cernvm_inject', '====');
    bad('cernvm_inject', '');
  });
});
