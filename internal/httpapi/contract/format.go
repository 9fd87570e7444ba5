package contract

// FormatValid reports whether s is in format. "date" is YYYY-MM-DD and
// "date-time" RFC 3339 with a T, an upper-case Z or an offset, and optional
// fractional seconds: the shapes kin-openapi checks, field ranges included
// but not the calendar (2025-02-30 passes here; the handlers refuse it). Any
// other format ("email") is not checked, as in kin-openapi.
func FormatValid(format, s string) bool {
	switch format {
	case "date":
		return len(s) == 10 && isDate(s)
	case "date-time":
		return isDateTime(s)
	}
	return true
}

// KnownFormat reports whether FormatValid gives format a meaning (checked,
// or deliberately left unchecked).
func KnownFormat(format string) bool {
	switch format {
	case "", "date", "date-time", "email":
		return true
	}
	return false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// num2 reads the two digits of s at i; s is known to be long enough.
func num2(s string, i int) (int, bool) {
	if !digits(s[i : i+2]) {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

// isDate checks the first ten bytes of s: YYYY-MM-DD with month 01-12 and
// day 01-31.
func isDate(s string) bool {
	if len(s) < 10 || !digits(s[:4]) || s[4] != '-' || s[7] != '-' {
		return false
	}
	m, ok := num2(s, 5)
	if !ok || m < 1 || m > 12 {
		return false
	}
	d, ok := num2(s, 8)
	return ok && d >= 1 && d <= 31
}

func isDateTime(s string) bool {
	// 2006-01-02T15:04:05 is 19 bytes; a zone follows.
	if len(s) < 20 || !isDate(s) || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	if h, ok := num2(s, 11); !ok || h > 23 {
		return false
	}
	if m, ok := num2(s, 14); !ok || m > 59 {
		return false
	}
	if sec, ok := num2(s, 17); !ok || sec > 60 {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	switch {
	case rest == "Z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		return digits(rest[1:3]) && digits(rest[4:6])
	}
	return false
}
