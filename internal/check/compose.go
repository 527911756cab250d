package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	"gopkg.in/yaml.v3"

	"github.com/shipshape/shipshape/internal/check/dockercli"
	"github.com/shipshape/shipshape/internal/diag"
)

// compose-go writes warnings through the global logrus logger; the one that
// matters (an obsolete version) is found with its line from the YAML tree
// instead, and the rest (unset variables, which docs leave to the reader)
// are dropped, so loads need no lock and run in parallel.
var (
	composeOnce sync.Once
	composeSeq  atomic.Int64
)

// fillImage is given to services that have neither image nor build, so that
// a fragment showing only networks or volumes still gets the other checks.
const fillImage = "shipshape-fragment-image"

// checkCompose parses with yaml.v3 (for lines), then loads the file in
// memory with compose-go, the library `docker compose` itself uses.
func checkCompose(b *block) string {
	root, ok := parseYAML(b)
	if !ok || root == nil {
		return "yaml"
	}
	top := mapping(root)
	if top == nil {
		b.add(1, diag.Error, "compose-schema", "", "a Compose file is a mapping with a services key")
		return "compose-go"
	}
	if k, _ := lookupKey(top, "version"); k != nil {
		b.add(k.Line, diag.Warning, "compose-version-obsolete", "delete the version line",
			"the top-level `version` attribute is obsolete; Compose ignores it")
	}
	legacyLinks(b, top)
	for _, name := range incompleteServices(top) {
		k, _ := lookupPath(top, []string{"services", name})
		line := 0
		if k != nil {
			line = k.Line
		}
		b.add(line, diag.Info, "compose-fragment", "",
			fmt.Sprintf("service %q has neither image nor build; checked as a fragment", name))
	}
	src, err := yaml.Marshal(root)
	if err != nil {
		b.add(0, diag.Error, "compose-schema", "", err.Error())
		return "compose-go"
	}
	if k, v := lookupKey(top, "services"); k != nil && len(top.Content) == 2 && (v == nil || v.Tag == "!!null") {
		// `services:` alone: the first step of a tutorial that fills it in.
		b.add(k.Line, diag.Info, "compose-fragment", "", "services is empty; nothing to check yet")
		return "compose-go"
	}
	composeOnce.Do(func() { logrus.SetOutput(io.Discard) })
	env := placeholders(b.s.Code, volumeVariables(top))
	name := fmt.Sprintf("snippet-%d.yaml", composeSeq.Add(1))
	load := func(src []byte) error {
		_, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
			WorkingDir:  "/shipshape/snippet",
			ConfigFiles: []types.ConfigFile{{Filename: name, Content: src}},
			Environment: env,
		}, func(o *loader.Options) {
			o.SetProjectName("snippet", true)
			o.SkipResolveEnvironment = true
			o.SkipResolveLabels = true
			o.SkipInclude = true
		})
		if err != nil {
			return errors.New(strings.ReplaceAll(err.Error(), name, "compose file"))
		}
		return nil
	}
	if err := load(src); err != nil {
		msg, partial := firstUndefined(top, src, err.Error(), load)
		for _, m := range strings.Split(msg, "\n") {
			if m = strings.TrimSpace(m); m != "" && !strings.HasSuffix(m, "following error(s):") {
				composeError(b, top, m)
			}
		}
		if partial {
			for i, d := range b.found {
				if d.Rule == "compose-schema" && d.Severity == diag.Error && strings.Contains(d.Message, " undefined ") {
					b.found[i].Severity = diag.Warning
					b.found[i].Message += " (the file also uses a network, volume or service it has no section for: part of a larger setup, such as an override file?)"
				}
			}
		}
	}
	return "compose-go"
}

// invalidProject ends compose-go's messages about references.
const invalidProject = ": invalid compose project"

// undefinedRef is compose-go's complaint about a service's reference to a
// network, volume, secret, config, model or service the file does not
// define. The name runs to the end: a placeholder left as a volume's
// source has blanks in it (<path to config>:/config).
var undefinedRef = regexp.MustCompile(`service "([^"]+)" (?:refers to|depends on) undefined (network|volume|secret|config|model|service) (\S(?:.*\S)?)$`)

// firstUndefined names, of a file's references to undefined networks,
// volumes, secrets, configs, models and services, the first in the file:
// compose-go stops at the first it meets in its map order of services
// (and of a service's networks and depends_on), so "user-backend
// refers to undefined network proxy" on one run was "admin-backend …" on
// the next, and a baseline would see a new finding where nothing changed.
// The file is loaded again without each reference found, up to a few
// times, and the reference on the earliest line is the one reported.
// partial says that one of them is only a warning (its section is not in
// the file: an override file adding to a larger one), which makes the
// others uncertain too: the file that defines them is not shown.
func firstUndefined(top *yaml.Node, src []byte, msg string, load func([]byte) error) (_ string, partial bool) {
	m := undefinedRef.FindStringSubmatch(strings.TrimSuffix(strings.TrimSpace(msg), invalidProject))
	if m == nil || strings.Contains(strings.TrimSpace(msg), "\n") {
		return msg, false
	}
	best, bestLine := ownRef(top, m), refLine(top, m)
	partial = undefinedSeverity(top, m[0]) == diag.Warning
	for i := 0; i < 16; i++ {
		var doc yaml.Node
		if yaml.Unmarshal(src, &doc) != nil || !dropRef(mapping(&doc), m) {
			break
		}
		var err error
		if src, err = yaml.Marshal(&doc); err != nil {
			break
		}
		err = load(src)
		if err == nil {
			break
		}
		if m = undefinedRef.FindStringSubmatch(strings.TrimSuffix(strings.TrimSpace(err.Error()), invalidProject)); m == nil {
			break
		}
		partial = partial || undefinedSeverity(top, m[0]) == diag.Warning
		if l := refLine(top, m); l > 0 && (bestLine == 0 || l < bestLine) {
			best, bestLine = ownRef(top, m), l
		}
	}
	return best, partial
}

// refSection is the key of a service that holds references of a kind.
var refSection = map[string]string{"network": "networks", "volume": "volumes", "secret": "secrets", "config": "configs",
	"model": "models", "service": "depends_on"}

// refLine is the line of the reference an undefinedRef match is about, 0
// if it cannot be found.
func refLine(top *yaml.Node, m []string) int {
	if _, it, _ := findRef(top, m); it != nil {
		return it.Line
	}
	return 0
}

// ownRef names, in an undefinedRef match, the service whose own section
// holds the reference: compose-go names a service that extends it, or the
// one extended, as its map order gives.
func ownRef(top *yaml.Node, m []string) string {
	if _, _, owner := findRef(top, m); owner != "" && owner != m[1] {
		return strings.Replace(m[0], `service "`+m[1]+`"`, `service "`+owner+`"`, 1)
	}
	return m[0]
}

// findRef finds the reference an undefinedRef match is about: in the
// service it names, or in the one that service extends in the same file
// (whose references compose-go reports as the extending service's), the
// section holding it, and the service whose it is.
func findRef(top *yaml.Node, m []string) (section, item *yaml.Node, owner string) {
	svc := m[1]
	for hop := 0; hop < 8; hop++ {
		_, v := lookupPath(top, []string{"services", svc, refSection[m[2]]})
		if v != nil {
			if it := named(v, strings.Trim(m[3], `"`)); it != nil {
				return v, it, svc
			}
		}
		// A section merged in from an anchor (<<: *function) is every
		// merging service's: the first in the file owns it.
		_, own := lookupPath(top, []string{"services", svc})
		for _, src := range mergeSources(own) {
			if _, v := lookupKey(src, refSection[m[2]]); v != nil {
				if it := named(v, strings.Trim(m[3], `"`)); it != nil {
					return v, it, firstMerging(top, src, svc)
				}
			}
		}
		_, ext := lookupPath(top, []string{"services", svc, "extends"})
		switch {
		case ext == nil:
			return nil, nil, ""
		case ext.Kind == yaml.ScalarNode:
			svc = ext.Value
		default:
			if _, file := lookupKey(ext, "file"); file != nil {
				return nil, nil, "" // another file's service
			}
			_, name := lookupKey(ext, "service")
			if name == nil {
				return nil, nil, ""
			}
			svc = name.Value
		}
	}
	return nil, nil, ""
}

// mergeSources are the mappings a mapping merges in (<<: *a, or
// <<: [*a, *b]).
func mergeSources(m *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "<<" {
			continue
		}
		v := m.Content[i+1]
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		for _, it := range items {
			if it.Kind == yaml.AliasNode && it.Alias != nil {
				it = it.Alias
			}
			if it.Kind == yaml.MappingNode {
				out = append(out, it)
			}
		}
	}
	return out
}

// firstMerging is the first service in the file that merges src, or
// fallback.
func firstMerging(top, src *yaml.Node, fallback string) string {
	_, svcs := lookupKey(top, "services")
	if svcs == nil || svcs.Kind != yaml.MappingNode {
		return fallback
	}
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		for _, m := range mergeSources(svcs.Content[i+1]) {
			if m == src {
				return svcs.Content[i].Value
			}
		}
	}
	return fallback
}

// dropRef removes the reference an undefinedRef match is about from the
// file; false if it is not found.
func dropRef(top *yaml.Node, m []string) bool {
	v, it, _ := findRef(top, m)
	if it == nil {
		return false
	}
	for i, n := range v.Content {
		if n != it {
			continue
		}
		if v.Kind == yaml.MappingNode {
			v.Content = append(v.Content[:i], v.Content[i+2:]...)
		} else {
			v.Content = append(v.Content[:i], v.Content[i+1:]...)
		}
		return true
	}
	return false
}

// notMapping is the schema's complaint about an entry of a top-level
// section (a service, a network) that is no mapping.
var notMapping = regexp.MustCompile(`^(services|networks|volumes|configs|secrets|models)\.(\S+) must be a mapping$`)

// firstNotMapping names, of the entries of a section that are no mapping,
// the first in the file: the schema names whichever its map order gives
// (`image:` or `ports:` written straight under services, the service's name
// left out), and a finding must be the same on every run.
func firstNotMapping(top *yaml.Node, msg string) string {
	m := notMapping.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	_, sec := lookupKey(top, m[1])
	if sec == nil || sec.Kind != yaml.MappingNode {
		return msg
	}
	for i := 0; i+1 < len(sec.Content); i += 2 {
		if v := sec.Content[i+1]; v.Kind != yaml.MappingNode && v.Tag != "!!null" {
			return m[1] + "." + sec.Content[i].Value + " must be a mapping"
		}
	}
	return msg
}

var (
	schemaPath    = regexp.MustCompile(`\b((?:services|networks|volumes|configs|secrets|models)(?:\.[A-Za-z0-9_.\-\[\]]+)?)`)
	servicePath   = regexp.MustCompile(`service "([^"]+)"`)
	indexPath     = regexp.MustCompile(`(\w+)\[([^\]]+)\]`)
	variable      = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?=])?`)
	undefinedName = regexp.MustCompile(`undefined \w+ (\S+)`)
	falseSchema   = regexp.MustCompile(`(\S+)\.([A-Za-z0-9_-]+) false schema`)
)

// composeError turns a compose-go error into a finding at the line of the
// key it names.
func composeError(b *block, top *yaml.Node, msg string) {
	msg = strings.TrimPrefix(msg, "validating compose file: ")
	msg = strings.TrimPrefix(msg, "* ")
	msg = indexPath.ReplaceAllString(msg, "$1.$2")
	msg = strings.TrimSuffix(msg, ": invalid compose project")
	msg = firstNotMapping(top, msg)
	msg = additionalInOrder(top, msg)
	msg = typeInFull(top, msg)
	line := 0
	var path []string
	if m := schemaPath.FindStringSubmatch(msg); m != nil {
		path = strings.Split(m[1], ".")
	} else if m := servicePath.FindStringSubmatch(msg); m != nil {
		path = []string{"services", m[1]}
		if i := strings.Index(msg, "undefined "); i >= 0 {
			what := strings.Fields(msg[i+len("undefined "):])
			if len(what) > 0 {
				path = append(path, map[string]string{"network": "networks", "volume": "volumes",
					"service": "depends_on", "secret": "secrets", "config": "configs"}[what[0]])
			}
		}
	}
	if k := deepest(top, path); k != nil {
		line = k.Line
		if m := undefinedName.FindStringSubmatch(msg); m != nil {
			if _, v := lookupPath(top, path); v != nil {
				if item := named(v, strings.Trim(m[1], `"`)); item != nil {
					line = item.Line
				}
			}
		}
	}
	hint := ""
	sev := undefinedSeverity(top, msg)
	if sev == diag.Error && undefinedPlaceholder(msg) {
		// "- <path to data>:/config" names no volume: the reader puts a
		// folder there, and a folder needs no volumes section.
		sev = diag.Warning
		msg += " (a placeholder the reader fills in)"
	}
	if b.s.Guess && onlyServicesKey(top) && strings.HasPrefix(msg, "services.") && notMapping.MatchString(msg) {
		sev = diag.Warning
		msg += " (the block is labelled " + b.s.Lang + " and a services key holding no mapping is all that makes it Compose: another tool's file?)"
	}
	if m := falseSchema.FindStringSubmatch(msg); m != nil {
		if k := firstUnknownKey(top, m[1]); k != nil && k.Value != m[2] {
			m[2], line = k.Value, k.Line
		}
		msg = fmt.Sprintf("unknown key %q in %s", m[2], m[1])
		hint = "check the spelling against the Compose specification"
		if illustration(top, m[1], m[2]) {
			sev = diag.Warning
			msg += " (the service has no key Compose knows: an illustration of syntax?)"
		}
	}
	b.add(line, sev, "compose-schema", hint, msg)
}

// onlyServicesKey says whether a services key, none of whose entries is a
// mapping, is all the block has: a policy's data file (services: ports:
// - "23") has the key too, and only a label or another key would say it
// is Compose.
func onlyServicesKey(top *yaml.Node) bool {
	if len(top.Content) != 2 || top.Content[0].Value != "services" {
		return false
	}
	v := top.Content[1]
	for i := 1; i < len(v.Content); i += 2 {
		if v.Content[i].Kind == yaml.MappingNode {
			return false
		}
	}
	return true
}

// undefinedSeverity: a reference to a network, volume, secret or config
// that the block does not define is an error only when the block has that
// top-level section or a version or name line (so it means to be a whole
// file); a service depending on
// one not shown is an error only when the block shows several services.
// Otherwise the block is a fragment of a larger file or an override file.
func undefinedSeverity(top *yaml.Node, msg string) diag.Severity {
	i := strings.Index(msg, "undefined ")
	if i < 0 {
		return diag.Error
	}
	what := strings.Fields(msg[i+len("undefined "):])
	if len(what) == 0 {
		return diag.Error
	}
	if what[0] == "service" {
		if _, v := lookupKey(top, "services"); v != nil && len(v.Content) > 2 {
			return diag.Error
		}
		return diag.Warning
	}
	section := map[string]string{"network": "networks", "volume": "volumes", "secret": "secrets", "config": "configs"}[what[0]]
	for _, key := range []string{section, "version", "name"} {
		if k, _ := lookupKey(top, key); k != nil {
			return diag.Error // the block means to be a whole file
		}
	}
	return diag.Warning
}

// undefinedPlaceholder says whether the volume or network an "undefined"
// message names is a placeholder (<path to data>, %%DATA%%, DATA_DIR).
func undefinedPlaceholder(msg string) bool {
	i := strings.Index(msg, "undefined ")
	if i < 0 {
		return false
	}
	_, name, ok := strings.Cut(msg[i+len("undefined "):], " ")
	return ok && (strings.HasPrefix(name, "<") && strings.HasSuffix(name, ">") || placeholderWord(name))
}

// illustration says whether the service at path ("services.foo") is made
// only of keys Compose does not know, none of them a slip of a real key in
// lower case: such a service shows syntax (merge rules with key1, key2),
// it does not configure anything.
func illustration(top *yaml.Node, path, key string) bool {
	parts := strings.Split(path, ".")
	if len(parts) != 2 || parts[0] != "services" {
		return false
	}
	_, v := lookupPath(top, parts)
	if v = mapping(v); v == nil {
		return false
	}
	known := serviceKeys()
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := v.Content[i].Value
		if k == "image" && v.Content[i+1].Value == fillImage {
			continue // added to check a fragment
		}
		if known[k] {
			return false
		}
	}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	return key != strings.ToLower(key) || dockercli.Suggest(key, names) == ""
}

// additional is the schema's complaint about keys it does not know in a
// mapping, which it lists in its map's order.
var additional = regexp.MustCompile(`^(\S+) additional properties ('[^']*'(?:, '[^']*')*) not allowed$`)

// additionalInOrder lists the unknown keys of an additional-properties
// complaint in the file's order, so that the finding is the same on every
// run.
func additionalInOrder(top *yaml.Node, msg string) string {
	m := additional.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	names := strings.Split(m[2], ", ")
	at := map[string]int{}
	if _, v := lookupPath(top, strings.Split(m[1], ".")); v != nil && v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			at["'"+v.Content[i].Value+"'"] = i/2 + 1
		}
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := at[names[i]], at[names[j]]
		if a == 0 || b == 0 {
			return a != 0 || (b == 0 && names[i] < names[j])
		}
		return a < b
	})
	return m[1] + " additional properties " + strings.Join(names, ", ") + " not allowed"
}

// firstUnknownKey is, of the keys of the mapping at path (dotted) that the
// Compose schema does not know there, the first in the file; nil if the
// schema cannot say. The schema's validator names whichever unknown key
// its map order gives, and a finding must be the same on every run.
func firstUnknownKey(top *yaml.Node, path string) *yaml.Node {
	parts := strings.Split(path, ".")
	_, v := lookupPath(top, parts)
	if v = mapping(v); v == nil {
		return nil
	}
	known, ok := schemaKeys(parts)
	if !ok {
		return nil
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if k := v.Content[i]; !known[k.Value] && !strings.HasPrefix(k.Value, "x-") {
			return k
		}
	}
	return nil
}

// composeSchema is the Compose schema compose-go validates with, decoded.
var composeSchema = sync.OnceValue(func() map[string]any {
	var s map[string]any
	_ = json.Unmarshal([]byte(schema.Schema), &s)
	return s
})

// schemaNodes are the schemas of the Compose schema that may apply at
// path (services, web, build), through references and alternatives; none
// where the path leads nowhere.
func schemaNodes(path []string) []map[string]any {
	root := composeSchema()
	if root == nil {
		return nil
	}
	// expand follows references and alternatives to the schemas that
	// apply together or in turn; depth bounds a cycle.
	var expand func(n any, depth int, out []map[string]any) []map[string]any
	expand = func(n any, depth int, out []map[string]any) []map[string]any {
		m, _ := n.(map[string]any)
		if m == nil || depth > 8 {
			return out
		}
		if ref, _ := m["$ref"].(string); strings.HasPrefix(ref, "#/$defs/") {
			defs, _ := root["$defs"].(map[string]any)
			out = expand(defs[strings.TrimPrefix(ref, "#/$defs/")], depth+1, out)
		}
		out = append(out, m)
		for _, alt := range []string{"allOf", "oneOf", "anyOf"} {
			list, _ := m[alt].([]any)
			for _, a := range list {
				out = expand(a, depth+1, out)
			}
		}
		return out
	}
	nodes := expand(root, 0, nil)
	for _, seg := range path {
		var next []map[string]any
		for _, n := range nodes {
			if props, _ := n["properties"].(map[string]any); props != nil && props[seg] != nil {
				next = expand(props[seg], 0, next)
				continue
			}
			pats, _ := n["patternProperties"].(map[string]any)
			for pat, sub := range pats {
				if re, err := regexp.Compile(pat); err == nil && re.MatchString(seg) {
					next = expand(sub, 0, next)
				}
			}
			if add, _ := n["additionalProperties"].(map[string]any); add != nil {
				next = expand(add, 0, next)
			}
		}
		nodes = next
	}
	return nodes
}

// schemaKeys are the keys the Compose schema names for a mapping at path:
// the properties of every schema that may apply there. ok is false where
// it names none.
func schemaKeys(path []string) (keys map[string]bool, ok bool) {
	keys = map[string]bool{}
	for _, n := range schemaNodes(path) {
		props, _ := n["properties"].(map[string]any)
		for k := range props {
			keys[k] = true
		}
	}
	return keys, len(keys) > 0
}

// mustBe is the schema's complaint about a value's type.
var mustBe = regexp.MustCompile(`^(\S+) must be an? ([a-z, ]+)$`)

// typeInFull names every type the schema takes for a value whose type is
// wrong, and the one it has: where the schema offers alternatives
// (command: a string, a list or nothing), its validator names one of
// them, and "must be a null" misleads.
func typeInFull(top *yaml.Node, msg string) string {
	m := mustBe.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	parts := strings.Split(m[1], ".")
	seen := map[string]bool{}
	var want []string
	for _, n := range schemaNodes(parts) {
		var ts []any
		switch t := n["type"].(type) {
		case string:
			ts = []any{t}
		case []any:
			ts = t
		}
		for _, t := range ts {
			if s, _ := t.(string); s != "" && !seen[s] {
				seen[s] = true
				want = append(want, composeTypeName(s))
			}
		}
	}
	if len(want) < 2 {
		return msg
	}
	sort.Strings(want)
	got := ""
	if _, v := lookupPath(top, parts); v != nil {
		switch v.Kind {
		case yaml.MappingNode:
			got = "a mapping"
		case yaml.SequenceNode:
			got = "a list"
		case yaml.ScalarNode:
			got = "a " + strings.TrimPrefix(v.ShortTag(), "!!")
		}
	}
	out := m[1] + " must be a " + strings.Join(want[:len(want)-1], ", ") + " or " + want[len(want)-1]
	if got != "" {
		out += ", not " + got
	}
	return out
}

// composeTypeName is a JSON schema type as Compose's messages name it.
func composeTypeName(t string) string {
	switch t {
	case "object":
		return "mapping"
	case "array":
		return "list"
	}
	return t
}

// serviceKeys are the keys of a service in the Compose schema that
// compose-go validates against.
var serviceKeys = sync.OnceValue(func() map[string]bool {
	keys, _ := schemaKeys([]string{"services", "service"})
	return keys
})

// legacyLinks flags `links:`, Compose's form of the legacy --link; service
// names resolve on the project network without it.
func legacyLinks(b *block, top *yaml.Node) {
	_, svcs := lookupKey(top, "services")
	if svcs == nil || svcs.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		if k, _ := lookupKey(svcs.Content[i+1], "links"); k != nil {
			b.add(k.Line, diag.Warning, "compose-legacy-links", "delete links; services reach each other by name on the project network",
				fmt.Sprintf("service %q uses links, the legacy --link", svcs.Content[i].Value))
		}
	}
}

// placeholders gives a value to every variable the file uses without a
// default: docs leave them to the reader's environment, so an unset
// ${VAR} or ${VAR:?msg} must not fail the check. "1" fits ports, counts
// and sizes alike; a variable that starts a volume's source
// (- ${DATA_DIR}:/data) is a folder, "./1" (as "1" it named a volume the
// file never declares). Variables with a default keep it.
func placeholders(code string, folders map[string]bool) types.Mapping {
	env := types.Mapping{}
	for _, m := range variable.FindAllStringSubmatch(code, -1) {
		if m[2] == "" || strings.HasSuffix(m[2], "?") {
			env[m[1]] = "1"
			if folders[m[1]] {
				env[m[1]] = "./1"
			}
		}
	}
	return env
}

// sourceVariable is a variable at the start of a volume's source.
var sourceVariable = regexp.MustCompile(`^["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// volumeVariables names the variables that start the source of a
// service's volume: "- ${DATA_DIR}:/data" or "source: $DATA_DIR".
func volumeVariables(top *yaml.Node) map[string]bool {
	vars := map[string]bool{}
	_, svcs := lookupKey(top, "services")
	svcs = mapping(svcs)
	if svcs == nil {
		return vars
	}
	for i := 1; i < len(svcs.Content); i += 2 {
		_, vols := lookupKey(svcs.Content[i], "volumes")
		if vols == nil || vols.Kind != yaml.SequenceNode {
			continue
		}
		for _, it := range vols.Content {
			src := it.Value
			if it.Kind == yaml.MappingNode {
				if _, v := lookupKey(it, "source"); v != nil {
					src = v.Value
				}
			}
			if m := sourceVariable.FindStringSubmatch(src); m != nil {
				vars[m[1]] = true
			}
		}
	}
	return vars
}

// named finds the item of a sequence ("- front", "- front:/data") or the
// key of a mapping that names what the error is about.
func named(v *yaml.Node, name string) *yaml.Node {
	switch v.Kind {
	case yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Value == name || strings.HasPrefix(it.Value, name+":") {
				return it
			}
			if it.Kind == yaml.MappingNode {
				if k, s := lookupKey(it, "source"); k != nil && s.Value == name {
					return it
				}
			}
		}
	case yaml.MappingNode:
		if k, _ := lookupKey(v, name); k != nil {
			return k
		}
	}
	return nil
}

// incompleteServices names services with neither image nor build and gives
// each a placeholder image so the remaining checks can run.
func incompleteServices(top *yaml.Node) []string {
	_, svcs := lookupKey(top, "services")
	svcs = mapping(svcs)
	if svcs == nil {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		name, svc := svcs.Content[i].Value, svcs.Content[i+1]
		if svc.Kind == yaml.ScalarNode && svc.Tag == "!!null" {
			svc.Kind, svc.Tag, svc.Value = yaml.MappingNode, "!!map", ""
		}
		if svc.Kind != yaml.MappingNode {
			continue
		}
		has := false
		for _, key := range []string{"image", "build", "provider", "extends"} {
			if k, _ := lookupKey(svc, key); k != nil {
				has = true
			}
		}
		if !has {
			out = append(out, name)
			svc.Content = append(svc.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "image"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fillImage})
		}
	}
	return out
}

// mapping unwraps a document node and returns n if it is a mapping.
func mapping(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

func lookupKey(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func lookupPath(top *yaml.Node, path []string) (k, v *yaml.Node) {
	v = top
	for _, p := range path {
		k, v = lookupKey(v, p)
		if k == nil {
			return nil, nil
		}
	}
	return k, v
}

// deepest returns the node of the longest prefix of path that exists: the
// key itself, or the first element of a sequence value.
func deepest(top *yaml.Node, path []string) *yaml.Node {
	var best *yaml.Node
	cur := top
	for _, p := range path {
		if cur != nil && cur.Kind == yaml.SequenceNode {
			var idx int
			if _, err := fmt.Sscanf(p, "%d", &idx); err == nil && idx < len(cur.Content) {
				best, cur = cur.Content[idx], cur.Content[idx]
				continue
			}
		}
		k, v := lookupKey(cur, p)
		if k == nil {
			break
		}
		best, cur = k, v
	}
	return best
}
