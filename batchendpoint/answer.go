package batchendpoint

import (
	"bytes"
	"encoding/json"
	"errors"
)

// decodeInvokeAnswer reads the fields of invokeAnswer from the invoke's 201
// and keeps body for the full decode on first use. It checks that the whole
// body is valid JSON, as json.Unmarshal does, and matches keys as it does
// (any case), but converts only the four values it needs: json.Unmarshal,
// even into a four-field struct, took ~13 µs of an invoke's ~60 µs of client
// CPU (pprof of BenchmarkInvoke). A body that is not a job's shape (not an
// object, a needed field not a string) is an error, as json's type errors were.
func decodeInvokeAnswer(body []byte) (invokeAnswer, error) {
	a := invokeAnswer{body: body}
	p := jsonScanner{b: body}
	exactStudio := false
	err := p.object(func(key []byte) error {
		switch {
		case bytes.EqualFold(key, []byte("id")):
			return p.stringInto(&a.ID)
		case bytes.EqualFold(key, []byte("name")):
			return p.stringInto(&a.Name)
		case bytes.EqualFold(key, []byte("properties")):
			return p.object(func(key []byte) error {
				switch {
				case bytes.EqualFold(key, []byte("status")):
					return p.stringInto(&a.Status)
				case bytes.EqualFold(key, []byte("interactionEndpoints")):
					return p.object(func(key []byte) error {
						// As wire.Find: the key "Studio", else any spelling of it.
						if !bytes.EqualFold(key, []byte("Studio")) || (exactStudio && string(key) != "Studio") {
							return p.skip()
						}
						var url string
						err := p.object(func(key []byte) error {
							if bytes.EqualFold(key, []byte("endpoint")) {
								return p.stringInto(&url)
							}
							return p.skip()
						})
						a.StudioURL, exactStudio = url, string(key) == "Studio"
						return err
					})
				}
				return p.skip()
			})
		}
		return p.skip()
	})
	if err == nil {
		p.space()
		if p.i != len(p.b) {
			err = p.fail()
		}
	}
	if err != nil {
		return invokeAnswer{}, err
	}
	return a, nil
}

var errAnswerSyntax = errors.New("the invoke response is not a JSON object of a job")

// jsonScanner walks a JSON document: object calls a function per member,
// skip passes over any value, checking its syntax.
type jsonScanner struct {
	b []byte
	i int
}

func (p *jsonScanner) fail() error { return errAnswerSyntax }

func (p *jsonScanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// object reads an object (null counts as an empty one, as json.Unmarshal
// leaves a struct alone for null), calling member with each key, the scanner
// at its value. key is valid only during the call (it may be body's own
// bytes: a key is not copied into a string, which cost an allocation per member).
func (p *jsonScanner) object(member func(key []byte) error) error {
	p.space()
	if p.literal("null") {
		return nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return p.fail()
	}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.space()
		key, err := p.rawString()
		if err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return p.fail()
		}
		p.i++
		k := key[1 : len(key)-1]
		if hasEscapeOrNonASCII(k) {
			s, err := unquote(k)
			if err != nil {
				return err
			}
			k = []byte(s)
		}
		if err := member(k); err != nil {
			return err
		}
		if end, err := p.separator('}'); end || err != nil {
			return err
		}
	}
}

// rawString returns the next string token, quotes included, unconverted.
func (p *jsonScanner) rawString() ([]byte, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, p.fail()
	}
	start := p.i
	for p.i++; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start:p.i], nil
		case c == '\\':
			p.i++ // the escaped byte; unquote checks the escape itself
		case c < 0x20:
			return nil, p.fail()
		}
	}
	return nil, p.fail()
}

// stringInto reads a string (null leaves *dst as it is, as json.Unmarshal does).
func (p *jsonScanner) stringInto(dst *string) error {
	p.space()
	if p.literal("null") {
		return nil
	}
	raw, err := p.rawString()
	if err != nil {
		return err
	}
	s, err := unquote(raw[1 : len(raw)-1])
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

// unquote converts a string token's content (without its quotes).
func unquote(content []byte) (string, error) {
	if !hasEscapeOrNonASCII(content) {
		return string(content), nil
	}
	q := make([]byte, 0, len(content)+2)
	q = append(append(append(q, '"'), content...), '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", errAnswerSyntax
	}
	return s, nil
}

func hasEscapeOrNonASCII(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return true
		}
	}
	return false
}

func (p *jsonScanner) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// skip passes over one value of any kind, checking its syntax.
func (p *jsonScanner) skip() error {
	p.space()
	if p.i >= len(p.b) {
		return p.fail()
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(func([]byte) error { return p.skip() })
	case c == '[':
		p.i++
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return nil
		}
		for {
			if err := p.skip(); err != nil {
				return err
			}
			if end, err := p.separator(']'); end || err != nil {
				return err
			}
		}
	case c == '"':
		raw, err := p.rawString()
		if err != nil {
			return err
		}
		if hasEscapeOrNonASCII(raw) {
			_, err = unquote(raw[1 : len(raw)-1]) // checks escapes and UTF-8 as json does
		}
		return err
	case p.literal("true"), p.literal("false"), p.literal("null"):
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return p.fail()
}

// number passes over a number with JSON's grammar.
func (p *jsonScanner) number() error {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return p.fail()
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail()
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail()
		}
	}
	if p.i == start {
		return p.fail()
	}
	return nil
}

// separator reads what follows a member or element: ',' (more follow) or the
// closing byte (end is true); anything else is a syntax error.
func (p *jsonScanner) separator(closing byte) (end bool, err error) {
	p.space()
	if p.i >= len(p.b) {
		return false, p.fail()
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return false, p.fail()
}
