package proxy

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds how deeply a request body may nest; the engine's types
// need fewer than ten levels.
const maxDepth = 64

// decode reads a request body into v, one of the Engine API's own types, as
// the engine would (encoding/json: a key matches a field case-insensitively,
// with Unicode simple folding, so "ſecurityopt" is SecurityOpt), after
// refusing what the engine would quietly accept: a key given twice in one
// object (at any depth, compared as the engine compares them; the engine
// keeps the last) and a key that names no field (the engine ignores it,
// and an older engine may not). An empty body decodes as {}.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := walk(dec, reflect.TypeOf(v), "", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body: data after the JSON value")
	}
	// walk has refused every key that is neither a field nor a legacy
	// key at its default, so the rest decodes as the engine decodes it.
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// walk reads one JSON value from dec, checking the keys of its objects
// against t (nil: any keys, still no duplicates).
func walk(dec *json.Decoder, t reflect.Type, at string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("request body: nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	t = deref(t)
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, t, at, depth)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && !custom(t) && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walk(dec, elem, at+"[]", depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

func walkObject(dec *json.Decoder, t reflect.Type, at string, depth int) error {
	var fields map[string]field
	isStruct := t != nil && !custom(t) && t.Kind() == reflect.Struct
	if isStruct {
		fields = fieldsOf(t)
	}
	seen := map[string]string{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return fmt.Errorf("request body: %w", err)
		}
		key, _ := kt.(string)
		f := fold(key)
		if prev, dup := seen[f]; dup {
			return fmt.Errorf("request body: key %q given twice in %s (also as %q)", key, where(at), prev)
		}
		seen[f] = key
		var next reflect.Type
		switch {
		case isStruct:
			fd, ok := fields[f]
			if !ok && legacy[fold(join(at, key))] {
				if err := skipDefault(dec, join(at, key)); err != nil {
					return err
				}
				continue
			}
			if !ok {
				return fmt.Errorf("request body: unknown key %q in %s", key, where(at))
			}
			next = fd.typ
			key = fd.name
		case t != nil && !custom(t) && t.Kind() == reflect.Map:
			next = t.Elem()
		}
		if err := walk(dec, next, join(at, key), depth+1); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

func where(at string) string {
	if at == "" {
		return "the request"
	}
	return at
}

func join(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// custom reports whether t decodes itself; its keys are then its own
// business (but still not duplicated).
func custom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler)
}

type field struct {
	name  string // as encoding/json writes it
	typ   reflect.Type
	depth int
}

// fieldsOf lists the JSON keys a struct accepts, by folded name, with
// embedded structs' fields promoted as encoding/json does.
func fieldsOf(t reflect.Type) map[string]field {
	out := map[string]field{}
	var add func(t reflect.Type, depth int)
	add = func(t reflect.Type, depth int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if sf.Anonymous && name == "" {
				if et := deref(sf.Type); et.Kind() == reflect.Struct {
					add(et, depth+1)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			k := fold(name)
			if old, ok := out[k]; ok && old.depth <= depth {
				continue
			}
			out[k] = field{name: name, typ: sf.Type, depth: depth}
		}
	}
	add(t, 0)
	return out
}

// fold maps a key to the form encoding/json compares: ASCII upper case, and
// every other rune to the smallest rune of its simple case-folding orbit
// (so the long s "ſ" is "S" and the Kelvin sign is "K").
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			continue
		}
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b.WriteRune(r)
	}
	return b.String()
}

// setFields lists the fields of v (a struct, through pointers) that are set
// and that the allowlist does not name, by JSON path: what the proxy would
// otherwise pass to the engine without having judged it. An allowed path
// covers everything under it. A field is set unless it is its type's zero,
// an empty list or map, or a pointer to such a value (clients send all of
// those for "not given"); for the paths in strictZero, where an empty list
// means something (MaskedPaths: [] is "mask nothing"), only the zero is
// unset.
func setFields(v any, allow ...string) []string {
	var out []string
	var visit func(rv reflect.Value, at string)
	visit = func(rv reflect.Value, at string) {
		for rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return
			}
			rv = rv.Elem()
		}
		t := rv.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			fv := rv.Field(i)
			tag := sf.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
				continue
			}
			if sf.Anonymous && name == "" && deref(sf.Type).Kind() == reflect.Struct {
				visit(fv, at)
				continue
			}
			if name == "" {
				name = sf.Name
			}
			p := join(at, name)
			if allowed(p, allow) {
				continue
			}
			if under(p, allow) && deref(sf.Type).Kind() == reflect.Struct {
				visit(fv, p)
				continue
			}
			if strictZero[p] && !fv.IsZero() || !isDefault(fv) {
				out = append(out, p)
			}
		}
	}
	visit(reflect.ValueOf(v), "")
	return out
}

func allowed(p string, allow []string) bool {
	for _, a := range allow {
		if p == a || strings.HasPrefix(p, a+".") {
			return true
		}
	}
	return false
}

func under(p string, allow []string) bool {
	for _, a := range allow {
		if strings.HasPrefix(a, p+".") {
			return true
		}
	}
	return false
}

// strictZero are the fields whose empty value is not their default.
var strictZero = map[string]bool{"HostConfig.MaskedPaths": true, "HostConfig.ReadonlyPaths": true}

// isDefault reports whether a value says nothing: zero, empty, or a
// pointer to or struct of such values.
func isDefault(v reflect.Value) bool {
	if v.IsZero() {
		return true
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Pointer:
		return isDefault(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if !isDefault(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// legacy are keys older clients (the docker CLI of the engine's own era)
// send that the API types no longer have; they are accepted only at their
// default value and dropped, by folded JSON path.
var legacy = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"HostConfig.KernelMemory", "HostConfig.KernelMemoryTCP", "HostConfig.Capabilities",
		"KernelMemory", "KernelMemoryTCP", "MacAddress"} {
		m[fold(k)] = true
	}
	return m
}()

// skipDefault reads a value that must say nothing: 0, "", false, null, []
// or {}.
func skipDefault(dec *json.Decoder, at string) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	switch v := tok.(type) {
	case nil:
		return nil
	case bool:
		if !v {
			return nil
		}
	case string:
		if v == "" {
			return nil
		}
	case json.Number:
		if f, err := v.Float64(); err == nil && f == 0 {
			return nil
		}
	case json.Delim:
		if !dec.More() {
			_, err := dec.Token()
			return err
		}
	}
	return fmt.Errorf("request body: %s is a field of older engines that examples may not set", at)
}
