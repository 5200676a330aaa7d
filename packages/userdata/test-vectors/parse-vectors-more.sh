# Parse vectors 024–099 beyond §15, sourced by make-parse-vectors.sh (same helpers).
# Each comment names the rule; expectations are worked out by hand from the spec text.
# shellcheck shell=bash disable=SC2154,SC2016

# §4.3 items 5: a 4th nesting level is skipped (W_MIME_LIMIT); skipped multiparts are no leaves.
vec 024-mime-nesting-limit
user 'Content-Type: multipart/mixed; boundary=L1\n\n--L1\nContent-Type: multipart/mixed; boundary=L2\n\n--L2\nContent-Type: multipart/mixed; boundary=L3\n\n--L3\nContent-Type: multipart/mixed; boundary=L4\n\n--L4\n\n[ucernvm-begin]\ndeep=1\n[ucernvm-end]\n--L4--\n--L3\n\n[ucernvm-begin]\nlevel3=1\n[ucernvm-end]\n--L3--\n--L2--\n--L1\n\n[ucernvm-begin]\ntop=1\n[ucernvm-end]\n--L1--\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_LEVEL3='1'
_UCONTEXT_TOP='1'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":2,"glideinwms":false,"keys":{"level3":"1","top":"1"}},"extra":{"blocks":0,"keys":{}},"effective":{"level3":"1","top":"1"},"warnings":[{"code":"W_MIME_LIMIT","input":"user","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_MIME_LIMIT user 0 0
EOF

# §4.3 item 4: no closing delimiter; a body is split (W_MIME_UNTERMINATED) before its leaves are
# decoded (W_MIME_DECODE), and all decoding comes before block scanning (§2 step order).
vec 025-mime-unterminated
user 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Transfer-Encoding: base64\n\n!!!!\n--b1\n\n[ucernvm-begin]\ncvmfs_tag=t5\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='t5'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"t5"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_tag":"t5"},"warnings":[{"code":"W_MIME_UNTERMINATED","input":"user","part":0,"line":0},{"code":"W_MIME_DECODE","input":"user","part":1,"line":0},{"code":"W_UNTERMINATED","input":"user","part":2,"line":1}]}
EOF
warnings <<'EOF'
W_MIME_UNTERMINATED user 0 0
W_MIME_DECODE user 1 0
W_UNTERMINATED user 2 1
EOF

# §4.3 item 6: bad base64 length, unknown encoding, wrapped base64 with blanks, 7BIT (any case),
# a base64 character outside the alphabet.
vec 026-mime-transfer-encodings
B64=$(printf '[ucernvm-begin]\nb64=ok\n[ucernvm-end]\n' | base64 -w0)
B64_WRAPPED="${B64:0:10} \t${B64:10:10}\r\n ${B64:20}"
user "Content-Type: multipart/mixed; boundary=T\n\n--T\nContent-Transfer-Encoding: base64\n\nW3Vj\nZ\n--T\nContent-Transfer-Encoding: x-uuencode\n\n[ucernvm-begin]\nuu=1\n[ucernvm-end]\n--T\nContent-Transfer-Encoding:  Base64\n\n${B64_WRAPPED}\n--T\nContent-Transfer-Encoding: 7BIT \n\n[ucernvm-begin]\nseven=bit\n[ucernvm-end]\n--T\nContent-Transfer-Encoding: base64\n\nW3Vj-ZXJu\n--T--\n"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_B64='ok'
_UCONTEXT_SEVEN='bit'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":2,"glideinwms":false,"keys":{"b64":"ok","seven":"bit"}},"extra":{"blocks":0,"keys":{}},"effective":{"b64":"ok","seven":"bit"},"warnings":[{"code":"W_MIME_DECODE","input":"user","part":1,"line":0},{"code":"W_MIME_DECODE","input":"user","part":2,"line":0},{"code":"W_MIME_DECODE","input":"user","part":5,"line":0}]}
EOF
warnings <<'EOF'
W_MIME_DECODE user 1 0
W_MIME_DECODE user 2 0
W_MIME_DECODE user 5 0
EOF

# §4.3.1: =HH either case, literal `=`, soft breaks after trailing WS and before CRLF, =0A makes
# a new line, =00 a control byte (found by §5.2 on the decoded line 8).
vec 027-quoted-printable-edge-cases
user 'Content-Type: multipart/mixed; boundary=Q\n\n--Q\nContent-Transfer-Encoding: Quoted-Printable\n\n[ucernvm-begin]\nlower=3d=3D\nliteral=ZZ=4\nsoft=a=  \nb=20c\ntrail=x   \t\ncrlf=y=\r\nz\nutf=3D=C3=BC=c3=9F\nctl=a=00b\nnl=1=0Anl2=2\n[ucernvm-end]\n--Q--\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CRLF='yz'
_UCONTEXT_LITERAL='ZZ=4'
_UCONTEXT_LOWER='='
_UCONTEXT_NL='1'
_UCONTEXT_NL2='2'
_UCONTEXT_SOFT='ab c'
_UCONTEXT_TRAIL='x'
_UCONTEXT_UTF='üß'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"crlf":"yz","literal":"ZZ=4","lower":"=","nl":"1","nl2":"2","soft":"ab c","trail":"x","utf":"üß"}},"extra":{"blocks":0,"keys":{}},"effective":{"crlf":"yz","literal":"ZZ=4","lower":"=","nl":"1","nl2":"2","soft":"ab c","trail":"x","utf":"üß"},"warnings":[{"code":"W_CONTROL_CHAR","input":"user","part":1,"line":8}]}
EOF
warnings <<'EOF'
W_CONTROL_CHAR user 1 8
EOF

# §7.2: 256 distinct keys k000–k255 (lines 2–257); k256 (line 258) is refused; a duplicate of a
# present key still replaces it at the limit (line 259); another new key is refused (line 260).
vec 028-too-many-keys
{
  printf '[ucernvm-begin]\n'
  for i in $(seq 0 256); do printf 'k%03d=%d\n' "$i" "$i"; done
  printf 'k000=x\nk999=y\n[ucernvm-end]\n'
} >"$D/user.bin"
{
  printf '# ucvm-context 1\n'
  printf "_UCONTEXT_K000='x'\n"
  for i in $(seq 1 255); do printf "_UCONTEXT_K%03d='%d'\n" "$i" "$i"; done
} >"$D/expect/ucontext"
KEYS='"k000":"x"'
for i in $(seq 1 255); do KEYS="$KEYS,$(printf '"k%03d":"%d"' "$i" "$i")"; done
printf '{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{%s}},"extra":{"blocks":0,"keys":{}},"effective":{%s},"warnings":[{"code":"W_TOO_MANY_KEYS","input":"user","part":0,"line":258},{"code":"W_DUPLICATE","input":"user","part":0,"line":259},{"code":"W_TOO_MANY_KEYS","input":"user","part":0,"line":260}]}\n' "$KEYS" "$KEYS" >"$D/expect/ucontext.json"
warnings <<'EOF'
W_TOO_MANY_KEYS user 0 258
W_DUPLICATE user 0 259
W_TOO_MANY_KEYS user 0 260
EOF

# §13: 1002 stray end markers give 1000 W_STRAY_END, then one W_TOO_MANY_WARNINGS at the 1001st
# (line 1001), then nothing; parsing goes on (a=1). The limit is per input: extra still warns.
vec 029-too-many-warnings
{
  for _ in $(seq 1 1002); do printf '[ucernvm-end]\n'; done
  printf '[ucernvm-begin]\na=1\n[ucernvm-end]\n'
} >"$D/user.bin"
extra 1 '[ucernvm-end]\n'
joined '[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_A='1'
EOF
W=''
for i in $(seq 1 1000); do W="$W{\"code\":\"W_STRAY_END\",\"input\":\"user\",\"part\":0,\"line\":$i},"; done
printf '{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"a":"1"}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"1"},"warnings":[%s{"code":"W_TOO_MANY_WARNINGS","input":"user","part":0,"line":1001},{"code":"W_STRAY_END","input":"extra","part":0,"line":1}]}\n' "$W" >"$D/expect/ucontext.json"
{
  for i in $(seq 1 1000); do printf 'W_STRAY_END user 0 %d\n' "$i"; done
  printf 'W_TOO_MANY_WARNINGS user 0 1001\nW_STRAY_END extra 0 1\n'
} >"$D/expect/warnings"

# §10 item 2: the bytes before the first `#` are not base64 (a space) → W_GLIDEIN (0, 1).
vec 030-glidein-payload-not-base64
user 'YWJj ZA==#### -cluster 1 -subcluster 0####\n'
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GLIDEIN","input":"user","part":0,"line":1}]}
EOF
warnings <<'EOF'
W_GLIDEIN user 0 1
EOF

# §10 item 2: "YWI" needs one `=`; two is more than Q needs → W_GLIDEIN.
vec 031-glidein-excess-padding
user 'YWI==#### -cluster 1 -subcluster 0####'
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GLIDEIN","input":"user","part":0,"line":1}]}
EOF
warnings <<'EOF'
W_GLIDEIN user 0 1
EOF

# §10 item 2: |Q| mod 4 = 1 cannot be base64 → W_GLIDEIN.
vec 032-glidein-length-mod-4-is-1
user 'YWJjZ#### -cluster 1 -subcluster 0####\r\n'
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GLIDEIN","input":"user","part":0,"line":1}]}
EOF
warnings <<'EOF'
W_GLIDEIN user 0 1
EOF

# §10 items 2–5: unpadded payload, trailing CRLF removed; A is the first line starting with
# `args` (CRLF in D); the LAST -param_CERNVM_CMS_PROXY counts; one-pass unescaping leaves
# ".dot,colon," as ".colon,"; PAC_URLS as the last token gives no value.
vec 033-glidein-escapes-last-occurrence
D_TEXT='hello\r\nargs -param_CERNVM_CMS_PROXY first -x y -param_CERNVM_CMS_PROXY http.colon,//p.dot,colon,3128.pipe,DIRECT.semicolon,a.minus,b -param_CERNVM_CMS_PAC_URLS\r\nargs -param_CERNVM_CMS_PROXY second\n'
user "$(printf '%b' "$D_TEXT" | b64 | tr -d '=')#### -cluster 7 -subcluster 12####\r\n"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_HTTP_PROXY='http://p.colon,3128|DIRECT;a-b'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":true,"keys":{"cvmfs_http_proxy":"http://p.colon,3128|DIRECT;a-b"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_http_proxy":"http://p.colon,3128|DIRECT;a-b"},"warnings":[]}
EOF

# §10 item 6: values outside PROXY / URLLIST → W_INVALID_VALUE (0, 1) each; still glideinwms.
vec 034-glidein-invalid-values
user "$(printf 'args -param_CERNVM_CMS_PROXY $(reboot) -param_CERNVM_CMS_PAC_URLS wpad.dot,dat\n' | b64)#### -cluster 1 -subcluster 2####"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":true,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_INVALID_VALUE","input":"user","part":0,"line":1},{"code":"W_INVALID_VALUE","input":"user","part":0,"line":1}]}
EOF
warnings <<'EOF'
W_INVALID_VALUE user 0 1
W_INVALID_VALUE user 0 1
EOF

# §10 item 3: decodable payload without an `args` line → glideinwms true, no keys.
vec 035-glidein-no-args-line
user "$(printf 'arg -param_CERNVM_CMS_PROXY DIRECT\n' | b64)#### -cluster 1 -subcluster 2####\n"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":true,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[]}
EOF

# §10: glideinWMS detection never runs on extra user data.
vec 036-glidein-not-on-extra
extra 1 "$GLIDEIN_USER"
joined "$GLIDEIN_USER"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[]}
EOF

# §4.2: corrupt gzip → W_GZIP (0, 0) and the raw bytes are scanned (compat).
vec 037-gzip-corrupt-raw-used
user '\x1f\x8b\x08\x00junk\n[ucernvm-begin]\ncvmfs_tag=raw\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='raw'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"raw"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_tag":"raw"},"warnings":[{"code":"W_GZIP","input":"user","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_GZIP user 0 0
EOF

# §4.2: trailing non-zero garbage after the member → W_GZIP; the raw (binary) bytes hold no block.
vec 038-gzip-trailing-garbage
{
  printf '%b' "$V01_INPUT" | gzip -n
  printf 'x'
} >"$D/user.bin"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GZIP","input":"user","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_GZIP user 0 0
EOF

# §4.2: concatenated members and trailing zero bytes are fine → same as V01.
vec 039-gzip-members-trailing-zeros
{
  printf '[ucernvm-begin]\ncvmfs_branch=cernvm-prod.cern.ch\n' | gzip -n
  printf 'resize_rootfs=off\n[ucernvm-end]\n' | gzip -n
  printf '\0\0\0\0'
} >"$D/user.bin"
v01_expect

# §4.2 / §13: gzip output of exactly 16 MiB is accepted (16384 lines of 1 KiB after the block).
GZ_BODY() {
  printf '[ucernvm-begin]\nsize=16777216\n[ucernvm-end]\n' # 44 bytes
  awk 'BEGIN { l = sprintf("%1023s", ""); gsub(/ /, "#", l); for (i = 0; i < 16383; i++) print l }'
  printf '%s\n' "$(rep '#' 979)" # 44 + 16383*1024 + 980 = 16777216
}
vec 040-gzip-output-at-limit
GZ_BODY | gzip -n >"$D/user.bin"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_SIZE='16777216'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"size":"16777216"}},"extra":{"blocks":0,"keys":{}},"effective":{"size":"16777216"},"warnings":[]}
EOF

# §4.2 / §13: one byte more → W_GZIP; the compressed bytes are scanned as text and hold no block.
vec 041-gzip-output-over-limit
{
  GZ_BODY
  printf '#'
} | gzip -n >"$D/user.bin"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GZIP","input":"user","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_GZIP user 0 0
EOF

# §4.4: CR-only and mixed line ends; CRLF first, then every other CR is a line end.
# Lines: 1 begin, 2 a=1, 3 b=2, 4 "", 5 c=3, 6 "", 7 end, 8 stray end.
vec 042-cr-only-line-ends
user '[ucernvm-begin]\ra=1\r\nb=2\r\r\nc=3\n\r[ucernvm-end]\r[ucernvm-end]\r'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_A='1'
_UCONTEXT_B='2'
_UCONTEXT_C='3'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"a":"1","b":"2","c":"3"}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"1","b":"2","c":"3"},"warnings":[{"code":"W_STRAY_END","input":"user","part":0,"line":8}]}
EOF
warnings <<'EOF'
W_STRAY_END user 0 8
EOF

# §4.4: only ONE leading BOM is removed, so line 1 is no marker; a BOM inside a value is kept.
vec 043-bom-only-one-removed
user '\xEF\xBB\xBF\xEF\xBB\xBF[ucernvm-begin]\na=1\n[ucernvm-end]\n[ucernvm-begin]\nb=\xEF\xBB\xBFx\n[ucernvm-end]\n'
printf '%b' "# ucvm-context 1\n_UCONTEXT_B='\xEF\xBB\xBFx'\n" >"$D/expect/ucontext"
printf '%b' '{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"b":"\xEF\xBB\xBFx"}},"extra":{"blocks":0,"keys":{}},"effective":{"b":"\xEF\xBB\xBFx"},"warnings":[{"code":"W_STRAY_END","input":"user","part":0,"line":3}]}\n' >"$D/expect/ucontext.json"
warnings <<'EOF'
W_STRAY_END user 0 3
EOF

# Empty user data: nothing at all.
vec 044-empty-user-data
user ''
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[]}
EOF

# §9.2: no user data; chunk 2 is a lone BOM (empty after removal, no LF added), chunk 3 empty,
# chunk 4 gets a LF; duplicates across chunks warn on the joined input's line 5.
vec 045-extra-only-chunk-joining
extra 1 '[ucernvm-begin]\ncvmfs_tag=x1\n[ucernvm-end]\n'
extra 2 '\xEF\xBB\xBF'
extra 3 ''
extra 4 '[ucernvm-begin]\nCVMFS_TAG=x2'
extra 5 '[ucernvm-end]\n'
joined '[ucernvm-begin]\ncvmfs_tag=x1\n[ucernvm-end]\n[ucernvm-begin]\nCVMFS_TAG=x2\n[ucernvm-end]\n'
extra_ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='x2'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":2,"keys":{"cvmfs_tag":"x2"}},"effective":{"cvmfs_tag":"x2"},"warnings":[{"code":"W_DUPLICATE","input":"extra","part":0,"line":5}]}
EOF
warnings <<'EOF'
W_DUPLICATE extra 0 5
EOF

# §4.3 item 7: leaf 65 gives one W_MIME_LIMIT and ends the splitting; leaf 64 is still scanned.
vec 046-mime-leaf-limit
{
  printf 'Content-Type: multipart/mixed; boundary=N\n\n'
  for i in $(seq 1 63); do printf -- '--N\n\nfiller %d\n' "$i"; done
  printf -- '--N\n\n[ucernvm-begin]\nlast=64\n[ucernvm-end]\n'
  printf -- '--N\n\n[ucernvm-begin]\nlast=65\n[ucernvm-end]\n'
  printf -- '--N--\n'
} >"$D/user.bin"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_LAST='64'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"last":"64"}},"extra":{"blocks":0,"keys":{}},"effective":{"last":"64"},"warnings":[{"code":"W_MIME_LIMIT","input":"user","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_MIME_LIMIT user 0 0
EOF

# §4.3 item 6: a decoded leaf starting with 1f 8b that is no valid gzip is skipped (W_GZIP n,0);
# a valid gzip leaf is used.
vec 047-mime-leaf-gzip
BAD_GZ=$(printf '\x1f\x8b\x08\x00[ucernvm-begin]\nbad=1\n[ucernvm-end]\n' | b64)
GOOD_GZ=$(printf '[ucernvm-begin]\nz=1\n[ucernvm-end]\n' | gzip -n | b64)
user "Content-Type: multipart/mixed; boundary=G\n\n--G\nContent-Transfer-Encoding: base64\n\n${BAD_GZ}\n--G\nContent-Transfer-Encoding: base64\n\n${GOOD_GZ}\n--G--\n"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_Z='1'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"z":"1"}},"extra":{"blocks":0,"keys":{}},"effective":{"z":"1"},"warnings":[{"code":"W_GZIP","input":"user","part":1,"line":0}]}
EOF
warnings <<'EOF'
W_GZIP user 1 0
EOF

# §4.3 items 1–5: folded header, quoted boundary with a space, delimiter with trailing WS,
# two levels, depth-first leaf numbers, lenient parts without headers, markers in preamble and
# epilogues ignored, blocks never span parts (leaf 3 is unterminated; leaf 4 starts with an end).
vec 048-mime-nested-numbering
user 'MIME-Version: 1.0\nContent-Type: Multipart/Related; type="text/plain";\n boundary="outer b"\n\npreamble\n[ucernvm-end]\n--outer b\nContent-Type: text/plain\n\n[ucernvm-begin]\nwords\na=1\n[ucernvm-end]\n--outer b\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\n\n[ucernvm-begin]\nb=2\n[ucernvm-end]\n--inner\n[ucernvm-begin]\nc=3\n--inner--\ninner epilogue [ucernvm-end]\n--outer b  \t\n[ucernvm-end]\n[ucernvm-begin]\nd=4\n[ucernvm-end]\n--outer b--\n[ucernvm-begin]\nepilogue=1\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_A='1'
_UCONTEXT_B='2'
_UCONTEXT_C='3'
_UCONTEXT_D='4'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":4,"glideinwms":false,"keys":{"a":"1","b":"2","c":"3","d":"4"}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"1","b":"2","c":"3","d":"4"},"warnings":[{"code":"W_NO_EQUALS","input":"user","part":1,"line":2},{"code":"W_UNTERMINATED","input":"user","part":3,"line":1},{"code":"W_STRAY_END","input":"user","part":4,"line":1}]}
EOF
warnings <<'EOF'
W_NO_EQUALS user 1 2
W_UNTERMINATED user 3 1
W_STRAY_END user 4 1
EOF

# §5.2, §6.1: WS trimming around key and value, no inline comments, quotes protect WS, only the
# outer quote pair goes, TAB inside values, spaced-out markers are plain entry lines.
vec 049-whitespace-comments-quotes
user '[ucernvm-begin]\na=b # c\n  # indented comment\n\t key \t=\t value \t\nx='\''  '\''\nhash=#x\n[ucernvm - begin]\nq="a"b"\nt=\t"\tin\t"\t\n[UCERNVM-END]\t\n'
printf '%b' "# ucvm-context 1\n_UCONTEXT_A='b # c'\n_UCONTEXT_HASH='#x'\n_UCONTEXT_KEY='value'\n_UCONTEXT_Q='a\"b'\n_UCONTEXT_T='\tin\t'\n_UCONTEXT_X='  '\n" >"$D/expect/ucontext"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"a":"b # c","hash":"#x","key":"value","q":"a\"b","t":"\tin\t","x":"  "}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"b # c","hash":"#x","key":"value","q":"a\"b","t":"\tin\t","x":"  "},"warnings":[{"code":"W_NO_EQUALS","input":"user","part":0,"line":7}]}
EOF
warnings <<'EOF'
W_NO_EQUALS user 0 7
EOF

# §6.2: valid values of several types; only BOOL and UINT are normalised.
vec 050-known-types-valid
user '[ucernvm-begin]\ncvmfs_cdn=none\ncvmfs_server=[2001:db8::1]:8000,http://s1.example.org/cvmfs/@fqrn@ ; 10.0.0.1\ncvmfs_wait_on_squid_deadline=0010\ncvm_cluster_timeout=3600\ncernvm_path=/cvm4/x86_64/\ncvm_cluster_pin=pin_ABC-123\ncvmfs_pac_urls=auto\nuse_boothd=FALSE\ncvmfs_wait_on_squid=0\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CERNVM_PATH='/cvm4/x86_64/'
_UCONTEXT_CVM_CLUSTER_PIN='pin_ABC-123'
_UCONTEXT_CVM_CLUSTER_TIMEOUT='3600'
_UCONTEXT_CVMFS_CDN='none'
_UCONTEXT_CVMFS_PAC_URLS='auto'
_UCONTEXT_CVMFS_SERVER='[2001:db8::1]:8000,http://s1.example.org/cvmfs/@fqrn@ ; 10.0.0.1'
_UCONTEXT_CVMFS_WAIT_ON_SQUID='0'
_UCONTEXT_CVMFS_WAIT_ON_SQUID_DEADLINE='10'
_UCONTEXT_USE_BOOTHD='0'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cernvm_path":"/cvm4/x86_64/","cvm_cluster_pin":"pin_ABC-123","cvm_cluster_timeout":"3600","cvmfs_cdn":"none","cvmfs_pac_urls":"auto","cvmfs_server":"[2001:db8::1]:8000,http://s1.example.org/cvmfs/@fqrn@ ; 10.0.0.1","cvmfs_wait_on_squid":"0","cvmfs_wait_on_squid_deadline":"10","use_boothd":"0"}},"extra":{"blocks":0,"keys":{}},"effective":{"cernvm_path":"/cvm4/x86_64/","cvm_cluster_pin":"pin_ABC-123","cvm_cluster_timeout":"3600","cvmfs_cdn":"none","cvmfs_pac_urls":"auto","cvmfs_server":"[2001:db8::1]:8000,http://s1.example.org/cvmfs/@fqrn@ ; 10.0.0.1","cvmfs_wait_on_squid":"0","cvmfs_wait_on_squid_deadline":"10","use_boothd":"0"},"warnings":[]}
EOF

# §6.2: one invalid value per type (lines 2–16); cvmfs_path is no alias, just an unknown key.
vec 051-known-types-invalid
user "[ucernvm-begin]\nresize_rootfs=2\ncvmfs_wait_on_squid=1234567\ncvmfs_server=h:99999\ncvmfs_cdn=\ncvmfs_http_proxy=http://p:3128 DIRECT\ncvmfs_pac_urls=ftp://x\ncvmfs_branch=single\ncvmfs_tag=.hidden\ncernvm_path=a/../b\ncvm_cluster_pin=$(rep p 65)\ncvm_service_url=ftp://x\ncernvm_inject=AAA\ncvm_cluster_master=2\ncvm_cluster_timeout=59\nuseglideinwms=\ncvmfs_path=/anything goes\n[ucernvm-end]\n"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_PATH='/anything goes'
EOF
{
  printf '{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_path":"/anything goes"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_path":"/anything goes"},"warnings":['
  for i in $(seq 2 16); do
    [ "$i" = 2 ] || printf ','
    printf '{"code":"W_INVALID_VALUE","input":"user","part":0,"line":%d}' "$i"
  done
  printf ']}\n'
} >"$D/expect/ucontext.json"
for i in $(seq 2 16); do printf 'W_INVALID_VALUE user 0 %d\n' "$i"; done >"$D/expect/warnings"

# §5.2 checks 1–2: DEL, overlong, surrogate, > U+10FFFF, control before UTF-8 error, form feed
# in a key; control bytes outside blocks are ignored; a 4-byte character is fine.
vec 052-control-and-utf8-rules
user '\x00junk\xff\n[ucernvm-begin]\na=\x7f\nb=\xc0\xaf\nc=\xed\xa0\x80\nd=\xf4\x90\x80\x80\n\xff=\x01\ne=\xf0\x9f\x98\x80\nf\x0c=1\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_E='😀'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"e":"😀"}},"extra":{"blocks":0,"keys":{}},"effective":{"e":"😀"},"warnings":[{"code":"W_CONTROL_CHAR","input":"user","part":0,"line":3},{"code":"W_BAD_UTF8","input":"user","part":0,"line":4},{"code":"W_BAD_UTF8","input":"user","part":0,"line":5},{"code":"W_BAD_UTF8","input":"user","part":0,"line":6},{"code":"W_CONTROL_CHAR","input":"user","part":0,"line":7},{"code":"W_CONTROL_CHAR","input":"user","part":0,"line":9}]}
EOF
warnings <<'EOF'
W_CONTROL_CHAR user 0 3
W_BAD_UTF8 user 0 4
W_BAD_UTF8 user 0 5
W_BAD_UTF8 user 0 6
W_CONTROL_CHAR user 0 7
W_CONTROL_CHAR user 0 9
EOF

# §7.4, §11.3: user warnings first, then extra warnings; extra wins in `effective`.
vec 053-extra-warnings-after-user
user '[ucernvm-begin]\nbad key=1\ncvmfs_tag=u\n[ucernvm-end]\n'
extra 1 '[ucernvm-end]\n[ucernvm-begin]\ncvmfs_tag=e\n'
joined '[ucernvm-end]\n[ucernvm-begin]\ncvmfs_tag=e\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='u'
EOF
extra_ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='e'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"u"}},"extra":{"blocks":1,"keys":{"cvmfs_tag":"e"}},"effective":{"cvmfs_tag":"e"},"warnings":[{"code":"W_BAD_KEY","input":"user","part":0,"line":2},{"code":"W_STRAY_END","input":"extra","part":0,"line":1},{"code":"W_UNTERMINATED","input":"extra","part":0,"line":2}]}
EOF
warnings <<'EOF'
W_BAD_KEY user 0 2
W_STRAY_END extra 0 1
W_UNTERMINATED extra 0 2
EOF

# §9.2 + §4.2: a gzip chunk does not end with LF, so joining appends one; that LF is trailing
# garbage for gunzip → W_GZIP (extra), and the raw bytes hold no block.
vec 054-extra-gzip-chunk-gets-lf
printf '[ucernvm-begin]\nz=1\n[ucernvm-end]\n' | gzip -n >"$D/extra-1.bin"
{
  cat "$D/extra-1.bin"
  printf '\n'
} >"$D/expect/extra-user-data"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GZIP","input":"extra","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_GZIP extra 0 0
EOF

# §4.3 item 2: an empty boundary or a non-multipart type is no multipart: whole input, part 0.
vec 055-mime-empty-boundary-is-plain
user 'Content-Type: multipart/mixed; boundary=""\n\n--\n[ucernvm-begin]\na=1\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_A='1'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"a":"1"}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"1"},"warnings":[]}
EOF

# §6.1 item 3: the limit counts UTF-8 bytes after quote removal: 2048 × "ü" (4096 bytes) and a
# quoted 4096-byte value pass; 1366 × "€" (4098 bytes) does not.
vec 056-value-length-utf8-bytes
U2048=$(for _ in $(seq 1 2048); do printf '\xc3\xbc'; done)
E1366=$(for _ in $(seq 1 1366); do printf '\xe2\x82\xac'; done)
A4096=$(rep a 4096)
printf '[ucernvm-begin]\nu=%s\ne=%s\nq="%s"\n[ucernvm-end]\n' "$U2048" "$E1366" "$A4096" >"$D/user.bin"
printf "# ucvm-context 1\n_UCONTEXT_Q='%s'\n_UCONTEXT_U='%s'\n" "$A4096" "$U2048" >"$D/expect/ucontext"
printf '{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"q":"%s","u":"%s"}},"extra":{"blocks":0,"keys":{}},"effective":{"q":"%s","u":"%s"},"warnings":[{"code":"W_VALUE_TOO_LONG","input":"user","part":0,"line":3}]}\n' "$A4096" "$U2048" "$A4096" "$U2048" >"$D/expect/ucontext.json"
warnings <<'EOF'
W_VALUE_TOO_LONG user 0 3
EOF

# §5.1: markers inside other text are no markers; whitespace-only and case variants are.
vec 057-marker-variants
user '[ucernvm-begin] x\nouter=1\n \t[UcErNvM-BeGiN]\t \nx=[ucernvm-end]\n[ucernvm-end]x\n  [ucernvm-END]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_X='[ucernvm-end]'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"x":"[ucernvm-end]"}},"extra":{"blocks":0,"keys":{}},"effective":{"x":"[ucernvm-end]"},"warnings":[{"code":"W_NO_EQUALS","input":"user","part":0,"line":5}]}
EOF
warnings <<'EOF'
W_NO_EQUALS user 0 5
EOF

# §7.1: invalid entries never replace a valid one; too-long and bad-key entries neither.
vec 058-invalid-never-replaces
user "[ucernvm-begin]\ncvmfs_wait_on_squid=10\ncvmfs_wait_on_squid=301\ncvmfs_wait_on_squid=$(rep 9 5000)\nCVMFS_WAIT_ON_SQUID\ncvmfs_wait_on_squid=20\n[ucernvm-end]\n"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_WAIT_ON_SQUID='20'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_wait_on_squid":"20"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_wait_on_squid":"20"},"warnings":[{"code":"W_INVALID_VALUE","input":"user","part":0,"line":3},{"code":"W_VALUE_TOO_LONG","input":"user","part":0,"line":4},{"code":"W_NO_EQUALS","input":"user","part":0,"line":5},{"code":"W_DUPLICATE","input":"user","part":0,"line":6}]}
EOF
warnings <<'EOF'
W_INVALID_VALUE user 0 3
W_VALUE_TOO_LONG user 0 4
W_NO_EQUALS user 0 5
W_DUPLICATE user 0 6
EOF

# §6.2, §4.3 item 6: `\` is in none of the PROXY, URLLIST and BASE64 alphabets, nor in a base64
# leaf (found by the TS ↔ sh agreement test: a `\/` in an awk bracket expression admitted `\`).
vec 059-backslash-outside-alphabets
user 'Content-Type: multipart/mixed; boundary=S\n\n--S\n\n[ucernvm-begin]\ncvmfs_tag=ok\ncvmfs_http_proxy=http://p:3128\\\ncvmfs_pac_urls=http://w/wpad.dat\\\ncernvm_inject=AAA\\\n[ucernvm-end]\n--S\nContent-Transfer-Encoding: base64\n\nW3VjZXJ\\\n--S--\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='ok'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"ok"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_tag":"ok"},"warnings":[{"code":"W_MIME_DECODE","input":"user","part":2,"line":0},{"code":"W_INVALID_VALUE","input":"user","part":1,"line":3},{"code":"W_INVALID_VALUE","input":"user","part":1,"line":4},{"code":"W_INVALID_VALUE","input":"user","part":1,"line":5}]}
EOF
warnings <<'EOF'
W_MIME_DECODE user 2 0
W_INVALID_VALUE user 1 3
W_INVALID_VALUE user 1 4
W_INVALID_VALUE user 1 5
EOF

# §10 item 2: a glideinWMS payload with `\` is not base64 (length and padding otherwise fine).
vec 060-glidein-backslash-not-base64
user 'YWJjZA\\=#### -cluster 1 -subcluster 0####\n'
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_GLIDEIN","input":"user","part":0,"line":1}]}
EOF
warnings <<'EOF'
W_GLIDEIN user 0 1
EOF
