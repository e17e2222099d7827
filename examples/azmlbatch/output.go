package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// print writes v (a value built of maps, slices, strings, numbers, bools and
// nil, as JSON decodes) in the --output format after applying --query.
func (a *app) print(v any) error {
	v = normalize(v)
	if a.g.compiled != nil {
		r, err := a.g.compiled.Search(v)
		if err != nil {
			return usagef("--query %q: %v", a.g.query, err)
		}
		v = r
	}
	return writeOutput(a.stdout, a.g.output, v)
}

// normalize turns v into the generic JSON shape the query and the writers expect.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func writeOutput(w io.Writer, format string, v any) error {
	switch format {
	case "none":
		return nil
	case "json":
		return writeJSON(w, v, false)
	case "jsonc":
		return writeJSON(w, v, true)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "tsv":
		return writeTSV(w, v)
	case "table":
		return writeTable(w, v)
	}
	return usagef("--output/-o %q is not a format", format)
}

// writeJSON indents by two spaces with keys sorted, as az does; jsonc colours it.
func writeJSON(w io.Writer, v any, color bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if !color {
		_, err := w.Write(buf.Bytes())
		return err
	}
	_, err := io.WriteString(w, colorJSON(buf.String()))
	return err
}

// colorJSON colours keys, strings, numbers and literals of indented JSON.
func colorJSON(s string) string {
	const (
		key   = "\x1b[94m"
		str   = "\x1b[32m"
		lit   = "\x1b[36m"
		reset = "\x1b[0m"
	)
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			tok := s[i:min(j+1, len(s))]
			k := j + 1
			for k < len(s) && s[k] == ' ' {
				k++
			}
			if k < len(s) && s[k] == ':' {
				b.WriteString(key + tok + reset)
			} else {
				b.WriteString(str + tok + reset)
			}
			i = j + 1
		case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(s) && !strings.ContainsRune(",\n]} ", rune(s[j])) {
				j++
			}
			b.WriteString(lit + s[i:j] + reset)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// scalar formats a scalar as az's tsv and table do; ok is false for objects and lists.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeTSV writes one line per object (a list gives one per item) of its
// scalar values, tab-separated, in key order; nested objects and lists are left
// out, as az's tsv does.
func writeTSV(w io.Writer, v any) error {
	row := func(x any) string {
		if s, ok := scalar(x); ok {
			return s
		}
		m, ok := x.(map[string]any)
		if !ok {
			return ""
		}
		var cells []string
		for _, k := range sortedKeys(m) {
			if s, ok := scalar(m[k]); ok {
				cells = append(cells, s)
			}
		}
		return strings.Join(cells, "\t")
	}
	var lines []string
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if inner, ok := x.([]any); ok {
				var cells []string
				for _, y := range inner {
					cells = append(cells, row(y))
				}
				lines = append(lines, strings.Join(cells, "\t"))
				continue
			}
			lines = append(lines, row(x))
		}
	} else {
		lines = append(lines, row(v))
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// writeTable writes objects as aligned columns of their scalar values, headed
// by the key with its first letter upper-cased (az's table).
func writeTable(w io.Writer, v any) error {
	var rows []map[string]any
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if m, ok := item.(map[string]any); ok {
				rows = append(rows, m)
			} else {
				rows = append(rows, map[string]any{"Result": item})
			}
		}
	case map[string]any:
		rows = []map[string]any{x}
	case nil:
		return nil
	default:
		rows = []map[string]any{{"Result": x}}
	}
	var cols []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range sortedKeys(r) {
			if _, ok := scalar(r[k]); ok && !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	if len(cols) == 0 {
		return nil
	}
	cells := make([][]string, len(rows)+1)
	widths := make([]int, len(cols))
	for i, c := range cols {
		h := strings.ToUpper(c[:1]) + c[1:]
		cells[0] = append(cells[0], h)
		widths[i] = len(h)
	}
	for r, m := range rows {
		for i, c := range cols {
			s, _ := scalar(m[c])
			cells[r+1] = append(cells[r+1], s)
			widths[i] = max(widths[i], len(s))
		}
	}
	line := func(vals []string) string {
		var b strings.Builder
		for i, s := range vals {
			if i > 0 {
				b.WriteString("  ")
			}
			if i == len(vals)-1 {
				b.WriteString(s)
			} else {
				b.WriteString(s + strings.Repeat(" ", widths[i]-len(s)))
			}
		}
		return b.String()
	}
	dashes := make([]string, len(cols))
	for i := range cols {
		dashes[i] = strings.Repeat("-", widths[i])
	}
	out := []string{line(cells[0]), line(dashes)}
	for _, r := range cells[1:] {
		out = append(out, line(r))
	}
	_, err := io.WriteString(w, strings.Join(out, "\n")+"\n")
	return err
}
