# qp.awk — quoted-printable decoding of a MIME leaf (userdata.md §4.3.1). Input: the leaf's bytes
# as decimal numbers (`od -An -v -tu1`); output: the decoded bytes as hex for `xxd -r -p`.

function hexval(c) {
	if (c >= 48 && c <= 57) return c - 48
	if (c >= 65 && c <= 70) return c - 55
	if (c >= 97 && c <= 102) return c - 87
	return -1
}

function out(c) {
	printf "%02x", c
	if (++o % 32 == 0) printf "\n"
}

{ for (i = 1; i <= NF; i++) b[n++] = $i + 0 }

END {
	pos = 0
	while (pos < n) {
		for (lf = pos; lf < n && b[lf] != 10; lf++);
		nxt = lf < n ? lf + 1 : n
		term = (lf < n && lf > pos && b[lf - 1] == 13) ? lf - 1 : lf
		end = term
		while (end > pos && (b[end - 1] == 32 || b[end - 1] == 9)) end--
		soft = end > pos && b[end - 1] == 61
		if (soft) end--
		for (i = pos; i < end; i++) {
			if (b[i] == 61 && i + 2 < end && (hi = hexval(b[i + 1])) >= 0 && (lo = hexval(b[i + 2])) >= 0) {
				out(hi * 16 + lo)
				i += 2
				continue
			}
			out(b[i])
		}
		if (!soft) for (i = term; i < nxt; i++) out(b[i])
		pos = nxt
	}
	printf "\n"
}
