# glidein.awk — glideinWMS detection (userdata.md §10) on the user input after §4.2, NUL bytes
# mapped to \001. Needs values.awk. Output: `G 0|1`, then `W CODE 0 1` and `K key\001value`.

{ n = NR; if (NR == 1) g = $0 }

function b64val(c) { return index("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", c) - 1 }

# Strict base64 of a validated text (length a multiple of 4) → bytes as a string (NUL → \001).
function b64decode(s,   i, len, a, b, c, d, pad, r, v) {
	len = length(s)
	pad = (substr(s, len, 1) == "=") + (substr(s, len - 1, 1) == "=")
	r = ""
	for (i = 1; i <= len; i += 4) {
		a = b64val(substr(s, i, 1)); b = b64val(substr(s, i + 1, 1))
		c = b64val(substr(s, i + 2, 1)); d = b64val(substr(s, i + 3, 1))
		r = r byte(a * 4 + int(b / 16))
		if (i + 4 <= len || pad < 2) r = r byte((b % 16) * 16 + (c < 0 ? 0 : int(c / 4)))
		if (i + 4 <= len || pad < 1) r = r byte((c % 4) * 64 + (d < 0 ? 0 : d))
	}
	return r
}

function byte(v) { return v == 0 ? "\001" : sprintf("%c", v) }

# §10 item 5: one left-to-right pass, replacements never re-scanned.
function unescape(s,   r, w) {
	r = ""
	while (match(s, /\.(semicolon|colon|pipe|minus|dot),/)) {
		w = substr(s, RSTART + 1, RLENGTH - 2)
		r = r substr(s, 1, RSTART - 1) (w == "semicolon" ? ";" : w == "colon" ? ":" : w == "pipe" ? "|" : w == "minus" ? "-" : ".")
		s = substr(s, RSTART + RLENGTH)
	}
	return r s
}

function param(name, key,   i, at, v, stored) {
	at = 0
	for (i = 1; i <= nt; i++) if (tok[i] == name) at = i
	if (!at || at == nt) return
	v = unescape(tok[at + 1])
	if (!bad_bytes(v)) stored = check(key, v)
	if (bad_bytes(v) || !OK) { print "W W_INVALID_VALUE 0 1"; return }
	printf "K %s\001%s\n", key, stored
}

END {
	# G: one BOM removed, one trailing CRLF/LF/CR removed; it must hold no LF or CR
	if (n != 1) { print "G 0"; exit }
	if (substr(g, 1, 3) == "\357\273\277") g = substr(g, 4)
	sub(/\r$/, "", g)
	if (index(g, "\r") || !match(g, /#### -cluster [0-9]+ -subcluster [0-9]+####/)) { print "G 0"; exit }
	pl = substr(g, 1, index(g, "#") - 1)
	q = pl
	sub(/=+$/, "", q)
	need = (4 - length(q) % 4) % 4
	if (pl !~ /^[A-Za-z0-9+\057]+(=|==)?$/ || length(q) % 4 == 1 || length(pl) - length(q) > need) {
		print "G 0"
		print "W W_GLIDEIN 0 1"
		exit
	}
	print "G 1"
	d = b64decode(q substr("==", 1, need))
	gsub(/\r\n/, "\n", d)
	gsub(/\r/, "\n", d)
	nl = split(d, lines, "\n")
	for (i = 1; i <= nl; i++) if (substr(lines[i], 1, 4) == "args") break
	if (i > nl) exit
	nt = 0
	m = split(lines[i], raw, /[ \t]+/)
	for (j = 1; j <= m; j++) if (raw[j] != "") tok[++nt] = raw[j]
	param("-param_CERNVM_CMS_PROXY", "cvmfs_http_proxy")
	param("-param_CERNVM_CMS_PAC_URLS", "cvmfs_pac_urls")
}
