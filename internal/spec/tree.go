package spec

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits that keep hostile or broken files cheap to reject.
const (
	// MaxFileSize is the largest file Load reads (real files are a few hundred bytes).
	MaxFileSize = 1 << 20
	// MaxSets is the largest number of --set assignments.
	MaxSets = 1000
	// MaxEntries caps the number of inputs and of outputs.
	MaxEntries = 1000

	maxDepth = 32     // nesting of mappings and lists
	maxNodes = 100000 // nodes after expanding aliases (alias bombs)
)

type nodeKind uint8

const (
	kScalar nodeKind = iota + 1
	kMap
	kSeq
)

// node is the package's own document tree: file content and --set
// assignments merged, with the origin of every value.
type node struct {
	kind  nodeKind
	sc    scalar // kScalar
	ents  []*entry
	items []*node
	at    loc
}

type entry struct {
	key   string
	keyAt loc
	val   *node
}

func (n *node) get(k string) *entry {
	for _, e := range n.ents {
		if e.key == k {
			return e
		}
	}
	return nil
}

// describe names the shape of n for messages ("a list", "a mapping", "a string").
func (n *node) describe() string {
	switch n.kind {
	case kMap:
		return "a mapping"
	case kSeq:
		return "a list"
	}
	return n.sc.typ.String()
}

func (n *node) isNull() bool { return n.kind == kScalar && n.sc.typ == tNull }

var syntaxLine = names.NewPattern(`^yaml: line (\d+): (.*)$`, 0)

// parseFile reads one YAML document into a tree. An empty document is an empty mapping.
func parseFile(data []byte, file string) (root *node, err error) {
	fileLoc := loc{file: file}
	if len(data) > MaxFileSize {
		return nil, fail(fileLoc, "", "", fmt.Sprintf("the file is larger than %d bytes", MaxFileSize), "an inputs file holds a few inputs and outputs; check that --file names the right file")
	}
	defer func() {
		// yaml.v3 reports some malformed input by panicking internally; never let it escape.
		if r := recover(); r != nil {
			root, err = nil, fail(fileLoc, "", "", fmt.Sprintf("the YAML parser failed: %v", r), "check the file's YAML syntax")
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &node{kind: kMap, at: loc{file: file, line: 1}}, nil
		}
		return nil, syntaxError(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, syntaxError(file, data, err)
		}
		return nil, fail(loc{file: file, line: extra.Line}, "", "", "the file holds more than one YAML document (a second ---)", "keep one document: a single mapping with inputs, outputs, deployment and endpoint")
	}
	c := &conv{file: file, active: map[*yaml.Node]bool{}}
	root, err = c.node(&doc, "", 0)
	if err != nil {
		return nil, err
	}
	if root.isNull() {
		return &node{kind: kMap, at: root.at}, nil
	}
	if root.kind != kMap {
		return nil, fail(root.at, "", "", "the file is "+root.describe()+", not a mapping", "write a mapping with the keys inputs, outputs, deployment or endpoint, for example inputs: {heart_data: {type: uri_folder, path: <path>}}")
	}
	return root, nil
}

func syntaxError(file string, data []byte, err error) error {
	msg := err.Error()
	l := loc{file: file}
	if m := syntaxLine.Regexp().FindStringSubmatch(msg); m != nil {
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	l.line = problemLine(data)
	return fail(l, "", "", "YAML syntax error: "+msg, "fix the YAML: indent with spaces (not tabs), put a space after each ':', and quote values that contain ': ', '#' or start with a special character")
}

// problemLine finds the 1-based line of a syntax error in data. yaml.v3's
// message gives the line of the enclosing block's start (its context mark,
// 0-based for parser errors), not of the offending token: a misindented key on
// line 4 of a mapping opened on line 2 is reported as "line 1". A document that
// parses when cut after line k-1 but not after line k has its error on line k,
// so a binary search over line prefixes finds it in O(log lines) parses.
// (Block YAML cut at a line boundary stays valid; an unclosed flow collection or
// quote fails from the line where it opens, which is the line to fix.)
func problemLine(data []byte) int {
	ends := []int{} // ends[k-1] = offset just after line k
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	lo, hi := 1, len(ends) // the full document (hi lines) fails
	if hi == 0 {
		return 1
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if parses(data[:ends[mid-1]]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// parses reports whether data holds at most two YAML documents without a
// syntax error (parseFile reads two to detect a second one).
func parses(data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range 2 {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return errors.Is(err, io.EOF)
		}
	}
	return true
}

// conv converts yaml.v3 nodes, following aliases within a node budget.
type conv struct {
	file   string
	count  int
	active map[*yaml.Node]bool // alias targets being expanded (cycle check)
}

func (c *conv) at(n *yaml.Node) loc { return loc{file: c.file, line: n.Line} }

func (c *conv) node(n *yaml.Node, path string, depth int) (*node, error) {
	c.count++
	if c.count > maxNodes {
		return nil, fail(c.at(n), path, "", fmt.Sprintf("the document expands to more than %d values (YAML aliases?)", maxNodes), "write the inputs out without nested aliases")
	}
	if depth > maxDepth {
		return nil, fail(c.at(n), path, "", "the document is nested too deeply", "an inputs file is at most four levels deep: inputs, name, key, value")
	}
	tagged := n.Style&yaml.TaggedStyle != 0
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &node{kind: kScalar, sc: scalar{typ: tNull}, at: c.at(n)}, nil
		}
		return c.node(n.Content[0], path, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil || c.active[n.Alias] {
			return nil, fail(c.at(n), path, "*"+n.Value, "the alias refers to a value that contains it", "remove the self-referencing alias")
		}
		c.active[n.Alias] = true
		defer delete(c.active, n.Alias)
		return c.node(n.Alias, path, depth+1)
	case yaml.ScalarNode:
		var sc scalar
		switch {
		case tagged:
			var ok bool
			if sc, ok = resolveTagged(n.Tag, n.Value); !ok {
				return nil, fail(c.at(n), path, n.Value, fmt.Sprintf("the value does not fit its YAML tag %s, or the tag is not supported", n.Tag), "remove the tag, or quote the value to make it a string")
			}
		case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			sc = scalar{typ: tStr, text: n.Value}
		default:
			sc = resolvePlain(n.Value)
		}
		return &node{kind: kScalar, sc: sc, at: c.at(n)}, nil
	case yaml.SequenceNode:
		if tagged && n.Tag != "!!seq" {
			return nil, fail(c.at(n), path, "", "unsupported YAML tag "+n.Tag, "remove the tag")
		}
		out := &node{kind: kSeq, at: c.at(n)}
		for i, it := range n.Content {
			v, err := c.node(it, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, v)
		}
		return out, nil
	case yaml.MappingNode:
		if tagged && n.Tag != "!!map" {
			return nil, fail(c.at(n), path, "", "unsupported YAML tag "+n.Tag, "remove the tag")
		}
		return c.mapping(n, path, depth)
	}
	return nil, fail(c.at(n), path, "", "unexpected YAML node", "check the file's YAML syntax")
}

// mapping converts a mapping; explicit keys win over keys merged in with <<.
func (c *conv) mapping(n *yaml.Node, path string, depth int) (*node, error) {
	out := &node{kind: kMap, at: c.at(n)}
	index := map[string]*entry{} // duplicate check without a quadratic scan
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.AliasNode && kn.Alias != nil {
			kn = kn.Alias
		}
		if kn.Kind == yaml.ScalarNode && kn.Tag == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		if kn.Kind != yaml.ScalarNode {
			return nil, fail(c.at(kn), path, "", "a key is a list or mapping", "keys are plain names such as inputs or heart_data")
		}
		key := kn.Value
		kpath := join(path, key)
		if prev := index[key]; prev != nil {
			return nil, fail(c.at(kn), kpath, key, fmt.Sprintf("duplicate key (first at line %d)", prev.keyAt.line), "keep one of them")
		}
		v, err := c.node(vn, kpath, depth+1)
		if err != nil {
			return nil, err
		}
		e := &entry{key: key, keyAt: c.at(kn), val: v}
		out.ents = append(out.ents, e)
		index[key] = e
	}
	for _, mn := range merges {
		src, err := c.node(mn, join(path, "<<"), depth+1)
		if err != nil {
			return nil, err
		}
		var maps []*node
		switch src.kind {
		case kMap:
			maps = []*node{src}
		case kSeq:
			maps = src.items
		}
		if len(maps) == 0 && src.kind != kSeq {
			return nil, fail(src.at, join(path, "<<"), "", "a merge key (<<) needs a mapping or a list of mappings, not "+src.describe(), "merge an anchored mapping: <<: *name")
		}
		for _, m := range maps {
			if m.kind != kMap {
				return nil, fail(m.at, join(path, "<<"), "", "a merge key (<<) list holds "+m.describe(), "list only anchored mappings: <<: [*a, *b]")
			}
			for _, e := range m.ents {
				if index[e.key] == nil {
					out.ents = append(out.ents, e)
					index[e.key] = e
				}
			}
		}
	}
	return out, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
