#!/usr/bin/env bash
# Writes the parse vectors 001–099 of the shared corpus (userdata.md §1, §15).
#
# Inputs AND expected outputs are spelled out below, derived by hand from the spec text; no
# implementation is run. Re-run after editing: bash make-parse-vectors.sh
# Input strings use `printf %b` escapes (\n \r \t \xHH); expectations are literal heredocs
# except where a raw TAB or a long repetition is needed.
# shellcheck disable=SC2016 # `$(…)` in inputs is meant literally (injection vectors)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C

# vec NAME: start a vector; expectations default to "no keys, no warnings".
vec() {
  D="$HERE/$1"
  rm -rf "$D"
  mkdir -p "$D/expect"
  printf '# ucvm-context 1\n' >"$D/expect/ucontext"
  printf '# ucvm-context 1\n' >"$D/expect/extra-ucontext"
  : >"$D/expect/warnings"
}
user() { printf '%b' "$1" >"$D/user.bin"; }
extra() { printf '%b' "$2" >"$D/extra-$1.bin"; }
joined() { printf '%b' "$1" >"$D/expect/extra-user-data"; }
# Expected files from stdin (heredocs).
ucontext() { cat >"$D/expect/ucontext"; }
extra_ucontext() { cat >"$D/expect/extra-ucontext"; }
json() { cat >"$D/expect/ucontext.json"; }
warnings() { cat >"$D/expect/warnings"; }
b64() { base64 -w0; }
rep() { printf "%${2}s" '' | tr ' ' "$1"; } # rep CHAR COUNT

# ---------------------------------------------------------------- §15 V01–V23

V01_INPUT='[ucernvm-begin]\ncvmfs_branch=cernvm-prod.cern.ch\nresize_rootfs=off\n[ucernvm-end]\n'
v01_expect() {
  ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_BRANCH='cernvm-prod.cern.ch'
_UCONTEXT_RESIZE_ROOTFS='0'
EOF
  json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_branch":"cernvm-prod.cern.ch","resize_rootfs":"0"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_branch":"cernvm-prod.cern.ch","resize_rootfs":"0"},"warnings":[]}
EOF
}

vec 001-basic
user "$V01_INPUT"
v01_expect

vec 002-bom-crlf-marker-case
user '\xEF\xBB\xBF  [UCERNVM-BEGIN] \r\nuse_boothd = Yes\r\n\t[ucernvm-end]'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_USE_BOOTHD='1'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"use_boothd":"1"}},"extra":{"blocks":0,"keys":{}},"effective":{"use_boothd":"1"},"warnings":[]}
EOF

vec 003-unterminated-last-line
user '#!/bin/sh\necho hi\n[ucernvm-begin]\ncvmfs_tag=cernvm-system-4.7.1.0'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='cernvm-system-4.7.1.0'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"cernvm-system-4.7.1.0"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_tag":"cernvm-system-4.7.1.0"},"warnings":[{"code":"W_UNTERMINATED","input":"user","part":0,"line":3}]}
EOF
warnings <<'EOF'
W_UNTERMINATED user 0 3
EOF

vec 004-line-rules
user '[ucernvm-begin]\n# a comment\n   \njust words\ncvmfs-http-proxy=http://p:3128\n=novalue\n9lives=1\nr\xc3\xa9sum\xc3\xa9=1\n Use_BootHD = on \n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_USE_BOOTHD='1'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"use_boothd":"1"}},"extra":{"blocks":0,"keys":{}},"effective":{"use_boothd":"1"},"warnings":[{"code":"W_NO_EQUALS","input":"user","part":0,"line":4},{"code":"W_BAD_KEY","input":"user","part":0,"line":5},{"code":"W_BAD_KEY","input":"user","part":0,"line":6},{"code":"W_BAD_KEY","input":"user","part":0,"line":7},{"code":"W_BAD_KEY","input":"user","part":0,"line":8}]}
EOF
warnings <<'EOF'
W_NO_EQUALS user 0 4
W_BAD_KEY user 0 5
W_BAD_KEY user 0 6
W_BAD_KEY user 0 7
W_BAD_KEY user 0 8
EOF

vec 005-quoted-semicolons-host-separators
user '[ucernvm-begin]\ncvmfs_http_proxy="http://ca-proxy.cern.ch:3128;DIRECT"\ncvmfs_pac_urls=http://wpad.example.org/wpad.dat;auto\ncvmfs_server='\''cvmfs-stratum-one.cern.ch, cvmfs.fnal.gov;cvmfs.bnl.gov'\''\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_HTTP_PROXY='http://ca-proxy.cern.ch:3128;DIRECT'
_UCONTEXT_CVMFS_PAC_URLS='http://wpad.example.org/wpad.dat;auto'
_UCONTEXT_CVMFS_SERVER='cvmfs-stratum-one.cern.ch, cvmfs.fnal.gov;cvmfs.bnl.gov'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_http_proxy":"http://ca-proxy.cern.ch:3128;DIRECT","cvmfs_pac_urls":"http://wpad.example.org/wpad.dat;auto","cvmfs_server":"cvmfs-stratum-one.cern.ch, cvmfs.fnal.gov;cvmfs.bnl.gov"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_http_proxy":"http://ca-proxy.cern.ch:3128;DIRECT","cvmfs_pac_urls":"http://wpad.example.org/wpad.dat;auto","cvmfs_server":"cvmfs-stratum-one.cern.ch, cvmfs.fnal.gov;cvmfs.bnl.gov"},"warnings":[]}
EOF

vec 006-quote-edge-cases
user '[ucernvm-begin]\nnote="abc'\''\nempty='\'''\''\nq='\''"'\''\ninner=" spaced "\nsingle='\''\ncvmfs_tag="abc'\''\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_EMPTY=''
_UCONTEXT_INNER=' spaced '
_UCONTEXT_NOTE='"abc'\'''
_UCONTEXT_Q='"'
_UCONTEXT_SINGLE=''\'''
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"empty":"","inner":" spaced ","note":"\"abc'","q":"\"","single":"'"}},"extra":{"blocks":0,"keys":{}},"effective":{"empty":"","inner":" spaced ","note":"\"abc'","q":"\"","single":"'"},"warnings":[{"code":"W_INVALID_VALUE","input":"user","part":0,"line":7}]}
EOF
warnings <<'EOF'
W_INVALID_VALUE user 0 7
EOF

vec 007-split-at-first-equals
user '[ucernvm-begin]\nmykey=a=b=c\nk = = x\ncvm_service_url=https://cvm.example.org:8443/api\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVM_SERVICE_URL='https://cvm.example.org:8443/api'
_UCONTEXT_K='= x'
_UCONTEXT_MYKEY='a=b=c'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvm_service_url":"https://cvm.example.org:8443/api","k":"= x","mykey":"a=b=c"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvm_service_url":"https://cvm.example.org:8443/api","k":"= x","mykey":"a=b=c"},"warnings":[]}
EOF

vec 008-key-case-last-valid-wins
user '[ucernvm-begin]\nCVMFS_TAG=one\ncvmfs_tag=two\nCvmfs_Tag=bad tag!\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='two'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"two"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_tag":"two"},"warnings":[{"code":"W_DUPLICATE","input":"user","part":0,"line":3},{"code":"W_INVALID_VALUE","input":"user","part":0,"line":4}]}
EOF
warnings <<'EOF'
W_DUPLICATE user 0 3
W_INVALID_VALUE user 0 4
EOF

vec 009-normalisation-typed-keys-only
user '[ucernvm-begin]\nresize_rootfs=TRUE\nuse_boothd=maybe\ncustom_flag=yes\nuseglideinwms=Off\ncvm_cluster_master=1\ncvmfs_wait_on_squid=007\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CUSTOM_FLAG='yes'
_UCONTEXT_CVM_CLUSTER_MASTER='1'
_UCONTEXT_CVMFS_WAIT_ON_SQUID='7'
_UCONTEXT_RESIZE_ROOTFS='1'
_UCONTEXT_USEGLIDEINWMS='0'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"custom_flag":"yes","cvm_cluster_master":"1","cvmfs_wait_on_squid":"7","resize_rootfs":"1","useglideinwms":"0"}},"extra":{"blocks":0,"keys":{}},"effective":{"custom_flag":"yes","cvm_cluster_master":"1","cvmfs_wait_on_squid":"7","resize_rootfs":"1","useglideinwms":"0"},"warnings":[{"code":"W_INVALID_VALUE","input":"user","part":0,"line":3}]}
EOF
warnings <<'EOF'
W_INVALID_VALUE user 0 3
EOF

vec 010-blocks-stray-end-nested-begin
user '[ucernvm-end]\n[ucernvm-begin]\na=1\n[ucernvm-begin]\nb=2\n[ucernvm-end]\nnot in a block=ignored\n[ucernvm-begin]\na=3\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_A='3'
_UCONTEXT_B='2'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":2,"glideinwms":false,"keys":{"a":"3","b":"2"}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"3","b":"2"},"warnings":[{"code":"W_STRAY_END","input":"user","part":0,"line":1},{"code":"W_NESTED_BEGIN","input":"user","part":0,"line":4},{"code":"W_DUPLICATE","input":"user","part":0,"line":9}]}
EOF
warnings <<'EOF'
W_STRAY_END user 0 1
W_NESTED_BEGIN user 0 4
W_DUPLICATE user 0 9
EOF

vec 011-proxy-shell-metacharacters
user '[ucernvm-begin]\ncvmfs_http_proxy=http://p:3128;reboot|DIRECT\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_HTTP_PROXY='http://p:3128;reboot|DIRECT'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_http_proxy":"http://p:3128;reboot|DIRECT"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_http_proxy":"http://p:3128;reboot|DIRECT"},"warnings":[]}
EOF

vec 012-injection-in-values
user '[ucernvm-begin]\nx=$(rm -rf /)\ny=`touch /pwned`\nz=a'\''b\nw="; reboot #"\ncvmfs_server=host;$(id)\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_W='; reboot #'
_UCONTEXT_X='$(rm -rf /)'
_UCONTEXT_Y='`touch /pwned`'
_UCONTEXT_Z='a'\''b'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"w":"; reboot #","x":"$(rm -rf /)","y":"`touch /pwned`","z":"a'b"}},"extra":{"blocks":0,"keys":{}},"effective":{"w":"; reboot #","x":"$(rm -rf /)","y":"`touch /pwned`","z":"a'b"},"warnings":[{"code":"W_INVALID_VALUE","input":"user","part":0,"line":6}]}
EOF
warnings <<'EOF'
W_INVALID_VALUE user 0 6
EOF

vec 013-injection-in-keys
user '[ucernvm-begin]\nevil;reboot=1\na b=1\nPATH=/tmp\nIFS=x\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_IFS='x'
_UCONTEXT_PATH='/tmp'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"ifs":"x","path":"/tmp"}},"extra":{"blocks":0,"keys":{}},"effective":{"ifs":"x","path":"/tmp"},"warnings":[{"code":"W_BAD_KEY","input":"user","part":0,"line":2},{"code":"W_BAD_KEY","input":"user","part":0,"line":3}]}
EOF
warnings <<'EOF'
W_BAD_KEY user 0 2
W_BAD_KEY user 0 3
EOF

vec 014-control-bytes-utf8
user '[ucernvm-begin]\na=b\x00c\nb=\x1b[31mred\nc=\xff\xfe\nd=gr\xc3\xbc\xc3\x9fe\ne=tab\there\n[ucernvm-end]\n'
printf '%b' "# ucvm-context 1\n_UCONTEXT_D='gr\xc3\xbc\xc3\x9fe'\n_UCONTEXT_E='tab\there'\n" >"$D/expect/ucontext"
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"d":"grüße","e":"tab\there"}},"extra":{"blocks":0,"keys":{}},"effective":{"d":"grüße","e":"tab\there"},"warnings":[{"code":"W_CONTROL_CHAR","input":"user","part":0,"line":2},{"code":"W_CONTROL_CHAR","input":"user","part":0,"line":3},{"code":"W_BAD_UTF8","input":"user","part":0,"line":4}]}
EOF
warnings <<'EOF'
W_CONTROL_CHAR user 0 2
W_CONTROL_CHAR user 0 3
W_BAD_UTF8 user 0 4
EOF

vec 015-gzip-payload
printf '%b' "$V01_INPUT" | gzip -n >"$D/user.bin"
v01_expect

vec 016-mime-preamble-plain-base64-gzip
user 'Content-Type: multipart/mixed; boundary="XYZ"\r\nMIME-Version: 1.0\r\n\r\nThis is a multi-part message.\r\n[ucernvm-begin]\r\nz=9\r\n[ucernvm-end]\r\n--XYZ\r\nContent-Type: text/plain; charset="us-ascii"\r\n\r\n[ucernvm-begin]\r\na=1\r\n[ucernvm-end]\r\n--XYZ\r\nContent-Type: text/x-shellscript\r\nContent-Transfer-Encoding: base64\r\n\r\nW3VjZXJudm0tYmVnaW5dCmE9Mgpjdm1mc190YWc9dDEKW3VjZXJudm0tZW5kXQo=\r\n--XYZ\r\nContent-Type: application/x-gzip\r\nContent-Transfer-Encoding: base64\r\n\r\nH4sIAAAAAAAC/4suTU4tyivL1U1KTc/Mi+VKsjXmioaJpealxHIBAKXSHJEiAAAA\r\n--XYZ--\r\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_A='2'
_UCONTEXT_B='3'
_UCONTEXT_CVMFS_TAG='t1'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":3,"glideinwms":false,"keys":{"a":"2","b":"3","cvmfs_tag":"t1"}},"extra":{"blocks":0,"keys":{}},"effective":{"a":"2","b":"3","cvmfs_tag":"t1"},"warnings":[{"code":"W_DUPLICATE","input":"user","part":2,"line":2}]}
EOF
warnings <<'EOF'
W_DUPLICATE user 2 2
EOF

vec 017-mime-quoted-printable
user 'Content-Type: multipart/mixed; boundary=QP\n\n--QP\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n[ucernvm-begin]\ncvmfs_http_proxy=3D"http://squid.example.org:3128;DIRECT"\ncvmfs_pac_urls=3Dhttp://wpad.example.org/w=\npad.dat   \n[ucernvm-end]=20\n--QP--\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_HTTP_PROXY='http://squid.example.org:3128;DIRECT'
_UCONTEXT_CVMFS_PAC_URLS='http://wpad.example.org/wpad.dat'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_http_proxy":"http://squid.example.org:3128;DIRECT","cvmfs_pac_urls":"http://wpad.example.org/wpad.dat"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_http_proxy":"http://squid.example.org:3128;DIRECT","cvmfs_pac_urls":"http://wpad.example.org/wpad.dat"},"warnings":[]}
EOF

GLIDEIN_ARGS='args -param_GLIDEIN_Client x -param_CERNVM_CMS_PROXY http.colon,//squid.dot,example.dot,org.colon,3128.semicolon,DIRECT -param_CERNVM_CMS_PAC_URLS http.colon,//wpad.dot,example.dot,org/wpad.dot,dat\n'
GLIDEIN_USER="$(printf '%b' "$GLIDEIN_ARGS" | b64)#### -cluster 1234 -subcluster 0####\n"

vec 018-glideinwms
user "$GLIDEIN_USER"
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_HTTP_PROXY='http://squid.example.org:3128;DIRECT'
_UCONTEXT_CVMFS_PAC_URLS='http://wpad.example.org/wpad.dat'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":true,"keys":{"cvmfs_http_proxy":"http://squid.example.org:3128;DIRECT","cvmfs_pac_urls":"http://wpad.example.org/wpad.dat"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_http_proxy":"http://squid.example.org:3128;DIRECT","cvmfs_pac_urls":"http://wpad.example.org/wpad.dat"},"warnings":[]}
EOF

vec 019-glideinwms-off-by-extra
user "$GLIDEIN_USER"
extra 1 '[ucernvm-begin]\nuseglideinwms=off\n[ucernvm-end]\n'
joined '[ucernvm-begin]\nuseglideinwms=off\n[ucernvm-end]\n'
extra_ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_USEGLIDEINWMS='0'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":1,"keys":{"useglideinwms":"0"}},"effective":{"useglideinwms":"0"},"warnings":[]}
EOF

vec 020-extra-overrides-chunk-joining
user '[ucernvm-begin]\ncvmfs_branch=cernvm-prod.cern.ch\nresize_rootfs=on\n[ucernvm-end]\n'
extra 1 '\xEF\xBB\xBF[ucernvm-begin]\nresize_rootfs=off'
extra 2 '[ucernvm-end]\n'
joined '[ucernvm-begin]\nresize_rootfs=off\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_BRANCH='cernvm-prod.cern.ch'
_UCONTEXT_RESIZE_ROOTFS='1'
EOF
extra_ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_RESIZE_ROOTFS='0'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_branch":"cernvm-prod.cern.ch","resize_rootfs":"1"}},"extra":{"blocks":1,"keys":{"resize_rootfs":"0"}},"effective":{"cvmfs_branch":"cernvm-prod.cern.ch","resize_rootfs":"0"},"warnings":[]}
EOF

vec 021-cernvm-inject-syntax
user '[ucernvm-begin]\ncernvm_inject=H4sI AAAA\ncernvm_inject=H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA=\ncernvm_inject=H4sIAAA\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CERNVM_INJECT='H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA='
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cernvm_inject":"H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA="}},"extra":{"blocks":0,"keys":{}},"effective":{"cernvm_inject":"H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA="},"warnings":[{"code":"W_INVALID_VALUE","input":"user","part":0,"line":2},{"code":"W_INVALID_VALUE","input":"user","part":0,"line":4}]}
EOF
warnings <<'EOF'
W_INVALID_VALUE user 0 2
W_INVALID_VALUE user 0 4
EOF

vec 022-value-length-boundary
A4096=$(rep a 4096)
user "[ucernvm-begin]\nk=$(rep a 4097)\nk2=${A4096}\n[ucernvm-end]\n"
printf "# ucvm-context 1\n_UCONTEXT_K2='%s'\n" "$A4096" >"$D/expect/ucontext"
printf '{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"k2":"%s"}},"extra":{"blocks":0,"keys":{}},"effective":{"k2":"%s"},"warnings":[{"code":"W_VALUE_TOO_LONG","input":"user","part":0,"line":2}]}\n' "$A4096" "$A4096" >"$D/expect/ucontext.json"
warnings <<'EOF'
W_VALUE_TOO_LONG user 0 2
EOF

vec 023-mime-header-without-delimiters
user 'Content-Type: multipart/mixed; boundary=ZZZ\n\n[ucernvm-begin]\ncvmfs_tag=t2\n[ucernvm-end]\n'
ucontext <<'EOF'
# ucvm-context 1
_UCONTEXT_CVMFS_TAG='t2'
EOF
json <<'EOF'
{"format":"ucvm-userdata","version":1,"user":{"blocks":1,"glideinwms":false,"keys":{"cvmfs_tag":"t2"}},"extra":{"blocks":0,"keys":{}},"effective":{"cvmfs_tag":"t2"},"warnings":[{"code":"W_MIME","input":"user","part":0,"line":0}]}
EOF
warnings <<'EOF'
W_MIME user 0 0
EOF

# shellcheck source=parse-vectors-more.sh
. "$HERE/parse-vectors-more.sh"
