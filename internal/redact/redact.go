package redact

import "strings"

// Placeholder replaces a secret value.
const Placeholder = "REDACTED"

// URL is String; the name remains for call sites that redact a URL.
func URL(s string) string { return String(s) }

// Text is String; the name remains for call sites that redact free text.
func Text(s string) string { return String(s) }

// String returns s with every secret it recognises replaced by Placeholder:
//
//   - values of secret query, fragment and connection-string keys (sig,
//     signature, AccountKey, access_token, client_secret, password, ...), after a
//     separator that is raw (?&;#), percent-encoded once or more (%26, %2526) or
//     JSON-escaped (\u0026), with "=" spelled the same ways. Only sig carries the
//     SAS HMAC; sv, se, sp, skoid and the other SAS fields are not secret and stay;
//   - the password of a URL's user info (https://user:pw@host, also encoded);
//   - the credential of an Authorization header or a Bearer/Basic/SharedKey
//     scheme, and bare JWTs (eyJ...);
//   - storage account keys: any 88-character base64 word ending in ==;
//   - string values of secret JSON fields ("key", "key1", "sasToken", ...).
//
// Only bytes inside a secret are replaced and escapes are never split, so valid
// JSON stays valid. String is idempotent. It uses no regular expressions: it
// runs on every error and log line.
func String(s string) string {
	var out []byte // nil until the first secret
	last := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && isAlnum(s[i]) && isAlnum(s[i-1]) {
			continue // inside a word: no rule starts here
		}
		start, end, ok := match(s, i)
		if !ok {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(s))
		}
		out = append(out, s[last:start]...)
		out = append(out, Placeholder...)
		last = end
		i = end - 1
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

// match reports a secret starting at or after i that a rule anchored at i finds.
func match(s string, i int) (start, end int, ok bool) {
	switch c := s[i]; {
	case c == '?' || c == '&' || c == ';' || c == '#':
		return param(s, i+1, strictKeys)
	case c == '%':
		if n := encodedSep(s, i); n > 0 {
			return param(s, i+n, strictKeys)
		}
		if n := encodedScheme(s, i); n > 0 {
			return userinfo(s, i+n, true)
		}
	case c == '\\':
		if n := jsonEscapedSep(s, i); n > 0 {
			return param(s, i+n, strictKeys)
		}
		if strings.HasPrefix(s[i:], `\"`) {
			return jsonField(s, i+2, true)
		}
	case c == ':':
		if strings.HasPrefix(s[i:], "://") {
			return userinfo(s, i+3, false)
		}
		if strings.HasPrefix(s[i:], `:\/\/`) {
			return userinfo(s, i+5, false)
		}
	case c == '"':
		return jsonField(s, i+1, false)
	case isAlnum(c):
		return word(s, i)
	case c == '+' || c == '/':
		if i == 0 || !isB64(s[i-1]) {
			return accountKey(s, i)
		}
	}
	return 0, 0, false
}

// word tries the rules that start at a letter or digit.
func word(s string, i int) (start, end int, ok bool) {
	var prev byte = ' '
	if i > 0 {
		prev = s[i-1]
	}
	if isAlnum(prev) {
		return 0, 0, false // every rule starts a word
	}
	if looseBoundary(prev) {
		if start, end, ok = param(s, i, looseKeys); ok {
			return
		}
	}
	if start, end, ok = authScheme(s, i); ok {
		return
	}
	if start, end, ok = authorizationHeader(s, i); ok {
		return
	}
	if !isB64URL(prev) && prev != '.' {
		if start, end, ok = jwt(s, i); ok {
			return
		}
	}
	if !isB64(prev) {
		return accountKey(s, i)
	}
	return 0, 0, false
}

// Keys whose values are secrets. strictKeys follow a separator; looseKeys may
// also start a string or follow white space or a quote (SharedAccessSignature
// sig=..., a bare SAS token, a connection string's first pair). code and token
// are too common in prose to be loose.
var (
	looseKeys = []string{
		"sig", "signature", "accountkey", "account_key", "sharedaccesskey",
		"password", "pwd", "client_secret", "access_token", "refresh_token", "id_token",
	}
	strictKeys = append([]string{"code", "token", "apikey", "api_key", "api-key", "key", "secret"}, looseKeys...)
)

// param matches key=value at k for one of keys and returns the value's span.
func param(s string, k int, keys []string) (start, end int, ok bool) {
	for _, key := range keys {
		if !hasPrefixFold(s[k:], key) {
			continue
		}
		n := equals(s, k+len(key))
		if n == 0 {
			continue
		}
		v := k + len(key) + n
		if e := value(s, v); e > v {
			return v, e, true
		}
		return 0, 0, false
	}
	return 0, 0, false
}

// value returns the end of a parameter value starting at v: URL and base64
// characters and whole escapes, up to the next separator in any encoding.
func value(s string, v int) int {
	j := v
	for j < len(s) {
		c := s[j]
		switch {
		case isAlnum(c) || strings.IndexByte("+/=._~-!*$:@", c) >= 0:
			j++
		case c == '%':
			if encodedSep(s, j) > 0 || !isHex(at(s, j+1)) || !isHex(at(s, j+2)) {
				return j
			}
			j += 3
		case c == '\\':
			// An escaped base64 character, escaped once or more (JSON in JSON):
			// the whole backslash run goes, so no escape is split.
			n := backslashes(s, j)
			switch r := s[j+n:]; {
			case strings.HasPrefix(r, "/"):
				j += n + 1
			case hasPrefixFold(r, "u002b") || hasPrefixFold(r, "u002f") || hasPrefixFold(r, "u003d"):
				j += n + 5
			default:
				return j
			}
		default:
			return j
		}
	}
	return j
}

// equals returns the length of "=" spelled raw, percent-encoded or JSON-escaped at k.
func equals(s string, k int) int {
	switch at(s, k) {
	case '=':
		return 1
	case '%':
		return percentOf(s, k, "3d")
	case '\\':
		if n := backslashes(s, k); hasPrefixFold(s[k+n:], "u003d") {
			return n + 5
		}
	}
	return 0
}

// backslashes is the length of the run of backslashes at j.
func backslashes(s string, j int) int {
	n := 0
	for j+n < len(s) && s[j+n] == '\\' {
		n++
	}
	return n
}

// percentOf returns the length of %XX (hex, any case) at k, percent-encoded any
// number of further times (%25XX, %2525XX), or 0.
func percentOf(s string, k int, hex ...string) int {
	if at(s, k) != '%' {
		return 0
	}
	j := k + 1
	for strings.HasPrefix(s[j:], "25") {
		j += 2
	}
	for _, h := range hex {
		if hasPrefixFold(s[j:], h) {
			return j + 2 - k
		}
	}
	return 0
}

// encodedSep is the length of a percent-encoded ?, &, ; or # at k.
func encodedSep(s string, k int) int { return percentOf(s, k, "3f", "26", "3b", "23") }

// jsonEscapedSep is the length of a JSON-escaped &, ?, # or ; at k.
func jsonEscapedSep(s string, k int) int {
	for _, e := range []string{`\u0026`, `\u003f`, `\u0023`, `\u003b`} {
		if hasPrefixFold(s[k:], e) {
			return len(e)
		}
	}
	return 0
}

// encodedScheme is the length of a percent-encoded "://" at k.
func encodedScheme(s string, k int) int {
	n := percentOf(s, k, "3a")
	if n == 0 {
		return 0
	}
	m := percentOf(s, k+n, "2f")
	if m == 0 {
		return 0
	}
	o := percentOf(s, k+n+m, "2f")
	if o == 0 {
		return 0
	}
	return n + m + o
}

// userinfo matches the password of user:password@ in the authority starting at
// a. The authority ends at the first /, ? or # (also percent-encoded when the
// URL itself is), and the user info at the authority's last @.
func userinfo(s string, a int, encoded bool) (start, end int, ok bool) {
	atSign := -1
	j := a
loop:
	for j < len(s) {
		c := s[j]
		switch {
		case c == '/' || c == '?' || c == '#' || c == '\\' || c == '"' || c == '\'' || c == '<' || c == '>' || isSpace(c):
			break loop
		case c == '@':
			atSign, j = j, j+1
		case encoded && c == '&':
			break loop
		case encoded && c == '%':
			if percentOf(s, j, "2f", "3f", "23") > 0 {
				break loop
			}
			if n := percentOf(s, j, "40"); n > 0 {
				atSign, j = j, j+n
				continue
			}
			j++
		default:
			j++
		}
	}
	if atSign < 0 {
		return 0, 0, false
	}
	for k := a; k < atSign; k++ {
		n := 0
		if s[k] == ':' {
			n = 1
		} else if encoded {
			n = percentOf(s, k, "3a")
		}
		if n > 0 {
			if k+n < atSign {
				return k + n, atSign, true
			}
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// authScheme matches the credential after "Bearer ", "Basic " or "SharedKey ".
// In free text a credential must look like one (8+ characters, not a plain word),
// so prose such as "a bearer token" is left alone.
func authScheme(s string, i int) (start, end int, ok bool) {
	for _, scheme := range []string{"bearer", "basic", "sharedkeylite", "sharedkey"} {
		if !hasPrefixFold(s[i:], scheme) {
			continue
		}
		t := schemeSpace(s, i+len(scheme))
		if t == i+len(scheme) {
			continue
		}
		e := credential(s, t)
		if e-t < 8 || !looksLikeCredential(s[t:e]) {
			return 0, 0, false
		}
		return t, e, true
	}
	return 0, 0, false
}

// authorizationHeader matches the value of an echoed Authorization header in
// the forms "Authorization: Bearer x", "authorization=x", JSON and Go maps
// ("Authorization":["Bearer x"]). Any credential is redacted, however short.
func authorizationHeader(s string, i int) (start, end int, ok bool) {
	const name = "authorization"
	if !hasPrefixFold(s[i:], name) {
		return 0, 0, false
	}
	j := i + len(name)
	j = skip(s, j, `\"`)
	switch at(s, j) {
	case ':', '=':
		j++
	default:
		return 0, 0, false
	}
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '[' || s[j] == '"' || s[j] == '\\' && at(s, j+1) == '"') {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	for _, scheme := range []string{"bearer", "basic", "sharedkeylite", "sharedkey", "pop", "digest", "negotiate", "sharedaccesssignature"} {
		if hasPrefixFold(s[j:], scheme) && schemeSpace(s, j+len(scheme)) > j+len(scheme) {
			j = schemeSpace(s, j+len(scheme))
			break
		}
	}
	if e := credential(s, j); e > j {
		return j, e, true
	}
	return 0, 0, false
}

// schemeSpace skips the space after an auth scheme, also spelled + or %20
// (a header value in a query string), and returns where the credential starts.
func schemeSpace(s string, j int) int {
	for {
		switch {
		case at(s, j) == ' ' || at(s, j) == '\t' || at(s, j) == '+':
			j++
		case strings.HasPrefix(s[j:], "%20"):
			j += 3
		default:
			return j
		}
	}
}

// credential returns the end of a token68-like credential at t.
func credential(s string, t int) int {
	j := t
	for j < len(s) {
		c := s[j]
		switch {
		case isAlnum(c) || strings.IndexByte("-._~+/=:", c) >= 0:
			j++
		case c == '%' && isHex(at(s, j+1)) && isHex(at(s, j+2)) && encodedSep(s, j) == 0:
			j += 3
		case c == '\\' && at(s, j+1) == '/':
			j += 2
		default:
			return j
		}
	}
	return j
}

// jwt matches a bare JSON Web Token: eyJ<header>.<payload>[.<signature>].
func jwt(s string, i int) (start, end int, ok bool) {
	if !strings.HasPrefix(s[i:], "eyJ") {
		return 0, 0, false
	}
	j := b64URLRun(s, i)
	if j-i < 10 || at(s, j) != '.' {
		return 0, 0, false
	}
	k := b64URLRun(s, j+1)
	if k-j-1 < 2 {
		return 0, 0, false
	}
	if at(s, k) == '.' {
		k = b64URLRun(s, k+1)
	}
	return i, k, true
}

// accountKey matches a storage account key: 64 bytes in base64, 86 characters
// and "==", as listKeys/listSecrets answers and connection strings carry them.
func accountKey(s string, i int) (start, end int, ok bool) {
	j := i
	for j < len(s) && isB64(s[j]) {
		j++
	}
	if j-i != 86 || !strings.HasPrefix(s[j:], "==") {
		return 0, 0, false
	}
	if c := at(s, j+2); isB64(c) || c == '=' {
		return 0, 0, false
	}
	return i, j + 2, true
}

// jsonSecretFields are JSON keys (compared case-insensitively) whose string
// values are secrets: listSecrets and listKeys answers, token responses.
var jsonSecretFields = []string{
	"key", "key1", "key2", "primarykey", "secondarykey", "accountkey", "account_key",
	"sastoken", "sas_token", "password", "secret", "clientsecret", "client_secret",
	"accesstoken", "access_token", "refreshtoken", "refresh_token", "id_token", "token",
	"connectionstring", "primaryconnectionstring", "secondaryconnectionstring",
}

// jsonField matches the string value of a secret JSON field whose name starts at
// n. nested is for JSON inside a JSON string, where quotes are \".
func jsonField(s string, n int, nested bool) (start, end int, ok bool) {
	quote := `"`
	if nested {
		quote = `\"`
	}
	j := n
	for j < len(s) && j-n <= 32 && (isAlnum(s[j]) || s[j] == '_' || s[j] == '-') {
		j++
	}
	if j == n || !strings.HasPrefix(s[j:], quote) || !isSecretField(s[n:j]) {
		return 0, 0, false
	}
	j = spaces(s, j+len(quote))
	if at(s, j) != ':' {
		return 0, 0, false
	}
	j = spaces(s, j+1)
	if !strings.HasPrefix(s[j:], quote) {
		return 0, 0, false
	}
	v := j + len(quote)
	e := v
	for e < len(s) && s[e] != '"' {
		if s[e] == '\\' {
			if nested {
				break
			}
			e++ // skip the escaped byte
		}
		e++
	}
	if e > len(s) {
		e = len(s) - 1 // a lone trailing backslash stays
	}
	if e > v && s[v:e] != Placeholder {
		return v, e, true
	}
	return 0, 0, false
}

func isSecretField(name string) bool {
	for _, f := range jsonSecretFields {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

func at(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

func skip(s string, j int, prefix string) int {
	if strings.HasPrefix(s[j:], prefix) {
		return j + len(prefix)
	}
	if at(s, j) == '"' {
		return j + 1
	}
	return j
}

func spaces(s string, j int) int {
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	return j
}

func b64URLRun(s string, j int) int {
	for j < len(s) && isB64URL(s[j]) {
		j++
	}
	return j
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
// prefix is lower case; the first byte is compared before calling EqualFold.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && (s[0]|0x20 == prefix[0] || s[0] == prefix[0]) && strings.EqualFold(s[:len(prefix)], prefix)
}

// looksLikeCredential tells a token from a word: it has a digit or symbol, or
// an upper-case letter after the first.
func looksLikeCredential(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' && i > 0 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isB64(c byte) bool    { return isAlnum(c) || c == '+' || c == '/' }
func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }
func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// looseBoundary reports whether a loose key may follow c.
func looseBoundary(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', ',', '(', '[', '{', '>':
		return true
	}
	return false
}
