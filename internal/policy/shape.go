package policy

// The shapes of codes, checked byte by byte rather than with regexp: every
// Lambda validates its policy at start, where compiling three expressions
// cost more than the rest of the validation (shape_test.go holds the
// expressions they match and checks the two agree).

// isCredentialCode: ^[A-Z][A-Z0-9-]{0,15}$, such as CAM.
func isCredentialCode(s string) bool {
	return shaped(s, 1, 16, isUpper, func(c byte) bool { return isUpper(c) || isDigit(c) || c == '-' })
}

// isCurrency: ^[A-Z]{3}$, an ISO 4217 code such as USD.
func isCurrency(s string) bool { return shaped(s, 3, 3, isUpper, isUpper) }

// isCodeWord: ^[a-z][a-z0-9_]{1,47}$, such as national_conference.
func isCodeWord(s string) bool {
	return shaped(s, 2, 48, isLower, func(c byte) bool { return isLower(c) || isDigit(c) || c == '_' })
}

// shaped reports whether s has between minLen and maxLen bytes, the first
// accepted by first and every other by rest.
func shaped(s string, minLen, maxLen int, first, rest func(byte) bool) bool {
	if len(s) < minLen || len(s) > maxLen || !first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
