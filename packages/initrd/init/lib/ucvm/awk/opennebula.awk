# opennebula.awk — OpenNebula context.sh as data (userdata.md §3.2), never sourced. Input: the
# file's bytes as decimal numbers (`od -An -v -tu1`). Variable out: directory for `vars` and
# `warnings`; the user data of §3.2 item 5 goes to stdout as hex for `xxd -r -p`.

{ for (i = 1; i <= NF; i++) raw[nraw++] = $i + 0 }

function ws(c) { return c == 32 || c == 9 }
function namestart(c) { return c >= 65 && c <= 90 || c >= 97 && c <= 122 || c == 95 }
function warn(code, line) { wl[++nw] = code " " line }

# Skips to just after the LF ending the line holding offset `at`, counting lines.
function skipline(at,   k) {
	while (at < n && s[at] != 10) at++
	if (at < n) at++
	for (k = pos; k < at; k++) if (s[k] == 10) line++
	pos = at
}

# §3.2 item 3: the value from offset i into V[0..VN-1]; sets SCAN (value|reject|unterminated),
# AT (reject offset or value end) and EXP.
function scanvalue(i,   c, d, e) {
	VN = 0; EXP = 0
	while (i < n) {
		c = s[i]
		if (ws(c) || c == 10) break
		if (c == 39) {
			for (d = i + 1; d < n && s[d] != 39; d++) V[VN++] = s[d]
			if (d >= n) { SCAN = "unterminated"; return }
			i = d + 1
		} else if (c == 34) {
			i++
			for (;;) {
				if (i >= n) { SCAN = "unterminated"; return }
				d = s[i]
				if (d == 34) break
				if (d == 92 && i + 1 < n) {
					e = s[i + 1]
					if (e == 34 || e == 92 || e == 36 || e == 96) V[VN++] = e
					else if (e != 10) { V[VN++] = d; V[VN++] = e }
					i += 2
					continue
				}
				if (d == 36 || d == 96) EXP = 1
				V[VN++] = d
				i++
			}
			i++
		} else if (c == 92 && i + 1 < n) {
			if (s[i + 1] != 10) V[VN++] = s[i + 1]
			i += 2
		} else if (c == 36 || c == 96 || c == 40 || c == 41 || c == 59 || c == 38 || c == 124 || c == 60 || c == 62) {
			SCAN = "reject"; AT = i; return
		} else V[VN++] = s[i++]
	}
	SCAN = "value"; AT = i
}

# Strict base64 (§4.3 item 6) of value `name` into the hex output; O_BASE64 when invalid.
function b64out(name,   k, c, t, len, pad, i, a, b, cc, d, o, nout, ok) {
	t = ""
	for (k = 0; k < vlen[name]; k++) {
		c = val[name, k]
		if (c != 32 && c != 9 && c != 13 && c != 10) t = t (c == 0 ? "\001" : sprintf("%c", c))
	}
	len = length(t)
	if (len % 4 || t !~ /^[A-Za-z0-9+\057]*(=|==)?$/) { warn("O_BASE64", 0); return }
	pad = (substr(t, len, 1) == "=") + (substr(t, len - 1, 1) == "=")
	nout = len / 4 * 3 - pad
	o = 0
	for (i = 1; i <= len; i += 4) {
		a = index(B64, substr(t, i, 1)) - 1; b = index(B64, substr(t, i + 1, 1)) - 1
		cc = index(B64, substr(t, i + 2, 1)) - 1; d = index(B64, substr(t, i + 3, 1)) - 1
		if (o++ < nout) printf "%02x", a * 4 + int(b / 16)
		if (o++ < nout) printf "%02x", (b % 16) * 16 + (cc < 0 ? 0 : int(cc / 4))
		if (o++ < nout) printf "%02x", (cc % 4) * 64 + (d < 0 ? 0 : d)
		if (i % 64 == 1) printf "\n"
	}
	printf "\n"
}

# §3.2 item 6 (TS decodes values as UTF-8): invalid sequences become U+FFFD (WHATWG decoder).
function utf8text(name,   r, i, len, b, need, lo, hi, j, k) {
	r = ""; len = vlen[name]; i = 0
	while (i < len) {
		b = val[name, i]
		if (b < 128) { r = r sprintf("%c", b); i++; continue }
		lo = 128; hi = 191; need = 0
		if (b >= 194 && b <= 223) need = 1
		else if (b >= 224 && b <= 239) { need = 2; if (b == 224) lo = 160; if (b == 237) hi = 159 }
		else if (b >= 240 && b <= 244) { need = 3; if (b == 240) lo = 144; if (b == 244) hi = 143 }
		if (!need) { r = r "\357\277\275"; i++; continue }
		j = i + 1
		k = 0
		while (k < need && j < len && val[name, j] >= lo && val[name, j] <= hi) { lo = 128; hi = 191; j++; k++ }
		if (k < need) { r = r "\357\277\275"; i = j; continue }
		for (; i < j; i++) r = r sprintf("%c", val[name, i])
	}
	return r
}

function controls(name,   k, c) {
	for (k = 0; k < vlen[name]; k++) { c = val[name, k]; if (c < 32 && c != 9 || c == 127) return 1 }
	return 0
}

END {
	B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	# §3.2 item 1: CRLF → LF (a lone CR stays)
	for (i = 0; i < nraw; i++) if (!(raw[i] == 13 && i + 1 < nraw && raw[i + 1] == 10)) s[n++] = raw[i]
	pos = 0; line = 1
	while (pos < n) {
		first = line
		i = pos
		while (i < n && ws(s[i])) i++
		if (i >= n || s[i] == 10 || s[i] == 35) { skipline(i); continue }
		if (s[i] == 101 && s[i + 1] == 120 && s[i + 2] == 112 && s[i + 3] == 111 && s[i + 4] == 114 && s[i + 5] == 116 && i + 6 < n && ws(s[i + 6])) {
			i += 6
			while (i < n && ws(s[i])) i++
		}
		ns = i
		if (i < n && namestart(s[i])) {
			i++
			while (i < n && (namestart(s[i]) || s[i] >= 48 && s[i] <= 57)) i++
		}
		if (i == ns || i >= n || s[i] != 61) { warn("O_SYNTAX", first); skipline(i); continue }
		name = ""
		for (k = ns; k < i; k++) name = name sprintf("%c", s[k])
		scanvalue(i + 1)
		if (EXP) warn("O_EXPANSION", first)
		if (SCAN == "unterminated") { warn("O_SYNTAX", first); break }
		if (SCAN == "reject") { warn("O_SYNTAX", first); skipline(AT); continue }
		j = AT
		while (j < n && ws(s[j])) j++
		if (j < n && s[j] != 10 && s[j] != 35) { warn("O_SYNTAX", first); skipline(j); continue }
		if (!(name in vlen)) names[++nn] = name
		vlen[name] = VN
		for (k = 0; k < VN; k++) val[name, k] = V[k]
		skipline(j)
	}
	# §3.2 item 5
	if ("EC2_USER_DATA" in vlen) b64out("EC2_USER_DATA")
	else if ("USER_DATA" in vlen) {
		enc = ""
		if (("USERDATA_ENCODING" in vlen) && vlen["USERDATA_ENCODING"] == 6)
			for (k = 0; k < 6; k++) enc = enc sprintf("%c", val["USERDATA_ENCODING", k])
		if (tolower(enc) == "base64") b64out("USER_DATA")
		else {
			for (k = 0; k < vlen["USER_DATA"]; k++) printf "%02x%s", val["USER_DATA", k], (k % 32 == 31 ? "\n" : "")
			printf "\n"
		}
	}
	# §3.2 item 6: sorted by name bytes
	for (a = 2; a <= nn; a++) {
		t = names[a]
		for (b = a - 1; b >= 1 && names[b] > t; b--) names[b + 1] = names[b]
		names[b + 1] = t
	}
	printf "" > (out "/vars")
	for (a = 1; a <= nn; a++) if (!controls(names[a])) printf "%s\t%s\n", names[a], utf8text(names[a]) > (out "/vars")
	printf "" > (out "/warnings")
	for (a = 1; a <= nw; a++) print wl[a] > (out "/warnings")
}
