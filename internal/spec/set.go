package spec

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxSetLen   = 64 << 10 // one assignment; SAS URLs are a few hundred bytes
	maxSetDepth = 8        // deepest meaningful key is inputs.<name>.<field>
)

const setExample = "write key=value, for example inputs.heart_data.path=<path> or mini_batch_size=10"

// ParseSet parses one --set assignment "key=value" into its dotted key path and
// value. The value is everything after the first '=' (SAS URLs contain more),
// kept as given: the shell has already removed quotes. Errors name the key.
func ParseSet(s string) (path []string, value string, err error) {
	return parseSet(s, 0)
}

func parseSet(s string, idx int) ([]string, string, error) {
	key, value, found := strings.Cut(s, "=")
	at := loc{set: idx, setKey: shorten(key)}
	if idx == 0 { // ParseSet alone: no position to report
		at = loc{file: strings.TrimSpace("--set " + at.setKey)}
	}
	switch {
	case len(s) > maxSetLen:
		return nil, "", fail(at, "", "", fmt.Sprintf("the assignment is longer than %d bytes", maxSetLen), "pass shorter values; put long input lists in a --file")
	case !utf8.ValidString(s):
		return nil, "", fail(at, "", "", "the assignment is not valid UTF-8", "check the encoding of the command line")
	case !found:
		return nil, "", fail(at, "", s, "the assignment has no '='", setExample)
	case key == "":
		return nil, "", fail(at, "", s, "the key before '=' is empty", setExample)
	}
	if i := strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return nil, "", fail(at, "", key, "the key contains a space or control character", "write the key without spaces around '=' or '.', for example inputs.score_mode.default=append (quote the whole assignment if the value has spaces)")
	}
	path := strings.Split(key, ".")
	if len(path) > maxSetDepth {
		return nil, "", fail(at, "", key, fmt.Sprintf("the key has more than %d parts", maxSetDepth), "keys look like inputs.<name>.<field>, outputs.<name>.<field> or retry_settings.max_retries")
	}
	for _, seg := range path {
		if seg == "" {
			return nil, "", fail(at, "", key, "the key has an empty part (a leading, trailing or doubled '.')", "separate the parts with single dots, for example inputs.heart_data.type=uri_folder")
		}
	}
	return path, value, nil
}

// applySet merges one assignment into root: mappings on the way are created or
// entered, and the last part is set (replacing what the file or an earlier
// assignment gave). Setting a field inside a value that is not a mapping is an error.
func applySet(root *node, idx int, path []string, value string) error {
	at := loc{set: idx, setKey: strings.Join(path, ".")}
	cur := root
	for i, seg := range path[:len(path)-1] {
		e := cur.get(seg)
		if e == nil {
			m := &node{kind: kMap, at: at}
			cur.ents = append(cur.ents, &entry{key: seg, keyAt: at, val: m})
			cur = m
			continue
		}
		if e.val.kind != kMap {
			prefix := strings.Join(path[:i+1], ".")
			if e.val.isNull() {
				// "inputs:" with nothing after it in the file: fill it in.
				e.val = &node{kind: kMap, at: at}
				cur = e.val
				continue
			}
			return fail(at, "", "", fmt.Sprintf("%s is %s (from %s), so nothing can be set inside it", prefix, e.val.describe(), e.val.at),
				fmt.Sprintf("replace the whole value with %s=<value>, or change it where it is set", prefix))
		}
		cur = e.val
	}
	leaf := &node{kind: kScalar, sc: scalar{typ: tStr, text: value}, at: at}
	last := path[len(path)-1]
	if e := cur.get(last); e != nil {
		e.val, e.keyAt = leaf, at
		return nil
	}
	cur.ents = append(cur.ents, &entry{key: last, keyAt: at, val: leaf})
	return nil
}
