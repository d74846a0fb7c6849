// Package contract compares the generated protobuf descriptors of this module
// with the published wire facts of Zitadel's session v2 API
// (proto/testdata/session-v2-wire.json), so that any drift of a type, field,
// enum value or method from upstream is caught by a test.
package contract

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Register every generated file with protoregistry.GlobalFiles.
	_ "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	_ "github.com/sessionkit/zitadel-session-go/gen/zitadel/error/v2"
	_ "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	_ "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	_ "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	_ "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// Facts is the subset of the wire-facts document that carries wire or JSON
// meaning.
type Facts struct {
	Source   map[string]any   `json:"source"`
	Messages []Message        `json:"messages"`
	Enums    []Enum           `json:"enums"`
	Services []Service        `json:"services"`
	Related  map[string]Facts `json:"related"`
}

// Message describes one message type.
type Message struct {
	FullName       string   `json:"full_name"`
	File           string   `json:"file"`
	Fields         []Field  `json:"fields"`
	Oneofs         []Oneof  `json:"oneofs"`
	Nested         []string `json:"nested_messages"`
	ReservedRanges [][2]int `json:"reserved_ranges_inclusive"`
	ReservedNames  []string `json:"reserved_names"`
	MapEntry       bool     `json:"map_entry"`
}

// Field describes one field of a message.
type Field struct {
	Name           string `json:"name"`
	JSONName       string `json:"json_name"`
	Number         int    `json:"number"`
	Label          string `json:"label"`
	Type           string `json:"type"`
	TypeName       string `json:"type_name"`
	Proto3Optional bool   `json:"proto3_optional"`
	HasPresence    bool   `json:"has_presence"`
	Oneof          string `json:"oneof"`
	Deprecated     bool   `json:"deprecated"`
	Map            *struct {
		KeyType       string `json:"key_type"`
		ValueType     string `json:"value_type"`
		ValueTypeName string `json:"value_type_name"`
		EntryTypeName string `json:"entry_type_name"`
	} `json:"map"`
}

// Oneof describes a real (non-synthetic) oneof.
type Oneof struct {
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
}

// Enum describes one enum type.
type Enum struct {
	FullName string `json:"full_name"`
	File     string `json:"file"`
	Values   []struct {
		Name   string `json:"name"`
		Number int    `json:"number"`
	} `json:"values"`
}

// Service describes one service.
type Service struct {
	FullName string `json:"full_name"`
	Methods  []struct {
		Name            string `json:"name"`
		Procedure       string `json:"procedure"`
		Input           string `json:"input"`
		Output          string `json:"output"`
		ClientStreaming bool   `json:"client_streaming"`
		ServerStreaming bool   `json:"server_streaming"`
	} `json:"methods"`
}

// ParseFacts decodes a wire-facts document.
func ParseFacts(data []byte) (*Facts, error) {
	var f Facts
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("contract: parse wire facts: %w", err)
	}
	return &f, nil
}

// Compare checks every message, enum and service of the facts (including the
// related OIDC and SAML packages) against the descriptors registered in
// files, and also reports zitadel.* types that exist in files but not in the
// facts. It returns one readable line per difference, sorted.
func Compare(f *Facts, files *protoregistry.Files) []string {
	c := &comparer{files: files, seen: map[string]bool{}}
	c.facts(f)
	for _, pkg := range sortedKeys(f.Related) {
		c.facts(new(f.Related[pkg]))
	}
	c.extras()
	sort.Strings(c.diffs)
	return slices.Compact(c.diffs)
}

type comparer struct {
	files *protoregistry.Files
	diffs []string
	seen  map[string]bool
}

func (c *comparer) addf(format string, args ...any) {
	c.diffs = append(c.diffs, fmt.Sprintf(format, args...))
}

func (c *comparer) facts(f *Facts) {
	for _, m := range f.Messages {
		c.message(m)
	}
	for _, e := range f.Enums {
		c.enum(e)
	}
	for _, s := range f.Services {
		c.service(s)
	}
}

func (c *comparer) message(m Message) {
	c.seen[m.FullName] = true
	d, err := c.files.FindDescriptorByName(protoreflect.FullName(m.FullName))
	if err != nil {
		c.addf("message %s: missing", m.FullName)
		return
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		c.addf("message %s: is a %T, not a message", m.FullName, d)
		return
	}
	if got := md.ParentFile().Path(); got != m.File {
		c.addf("message %s: declared in %s, want %s", m.FullName, got, m.File)
	}
	if md.IsMapEntry() != m.MapEntry {
		c.addf("message %s: map entry %v, want %v", m.FullName, md.IsMapEntry(), m.MapEntry)
	}
	want := map[string]bool{}
	for _, f := range m.Fields {
		want[f.Name] = true
		fd := md.Fields().ByName(protoreflect.Name(f.Name))
		if fd == nil {
			c.addf("field %s.%s (%d): missing", m.FullName, f.Name, f.Number)
			continue
		}
		c.field(m.FullName, f, fd)
	}
	for i := range md.Fields().Len() {
		fd := md.Fields().Get(i)
		if !want[string(fd.Name())] {
			c.addf("field %s.%s (%d): not in upstream", m.FullName, fd.Name(), fd.Number())
		}
	}
	// Real oneofs.
	wantOneofs := map[string]bool{}
	for _, o := range m.Oneofs {
		wantOneofs[o.Name] = true
		od := md.Oneofs().ByName(protoreflect.Name(o.Name))
		if od == nil || od.IsSynthetic() {
			c.addf("oneof %s.%s: missing", m.FullName, o.Name)
			continue
		}
		var got []string
		for i := range od.Fields().Len() {
			got = append(got, string(od.Fields().Get(i).Name()))
		}
		if !sameSet(got, o.Fields) {
			c.addf("oneof %s.%s: fields %v, want %v", m.FullName, o.Name, got, o.Fields)
		}
	}
	for i := range md.Oneofs().Len() {
		od := md.Oneofs().Get(i)
		if !od.IsSynthetic() && !wantOneofs[string(od.Name())] {
			c.addf("oneof %s.%s: not in upstream", m.FullName, od.Name())
		}
	}
	// Nested messages (map entries included, as in the facts).
	var nested []string
	for i := range md.Messages().Len() {
		if n := md.Messages().Get(i); !n.IsMapEntry() {
			nested = append(nested, string(n.FullName()))
		}
	}
	var wantNested []string
	for _, n := range m.Nested {
		if !strings.HasSuffix(n, "Entry") || !c.isMapEntry(n) {
			wantNested = append(wantNested, n)
		}
	}
	if !sameSet(nested, wantNested) {
		c.addf("message %s: nested types %v, want %v", m.FullName, nested, wantNested)
	}
	// Reserved ranges and names.
	var gotRanges [][2]int
	rr := md.ReservedRanges()
	for i := range rr.Len() {
		r := rr.Get(i)
		gotRanges = append(gotRanges, [2]int{int(r[0]), int(r[1]) - 1})
	}
	if fmt.Sprint(gotRanges) != fmt.Sprint(normRanges(m.ReservedRanges)) {
		c.addf("message %s: reserved numbers %v, want %v", m.FullName, gotRanges, m.ReservedRanges)
	}
	var gotNames []string
	for i := range md.ReservedNames().Len() {
		gotNames = append(gotNames, string(md.ReservedNames().Get(i)))
	}
	if !sameSet(gotNames, m.ReservedNames) {
		c.addf("message %s: reserved names %v, want %v", m.FullName, gotNames, m.ReservedNames)
	}
}

func (c *comparer) isMapEntry(name string) bool {
	d, err := c.files.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return false
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	return ok && md.IsMapEntry()
}

func normRanges(r [][2]int) [][2]int {
	if len(r) == 0 {
		return nil
	}
	return r
}

func (c *comparer) field(msg string, f Field, fd protoreflect.FieldDescriptor) {
	where := fmt.Sprintf("field %s.%s", msg, f.Name)
	if int(fd.Number()) != f.Number {
		c.addf("%s: number %d, want %d", where, fd.Number(), f.Number)
	}
	if fd.JSONName() != f.JSONName {
		c.addf("%s: json_name %q, want %q", where, fd.JSONName(), f.JSONName)
	}
	if fd.IsMap() {
		if f.Type != "map" || f.Map == nil {
			c.addf("%s: is a map, want %s", where, f.Type)
			return
		}
		if got := fd.MapKey().Kind().String(); got != f.Map.KeyType {
			c.addf("%s: map key %s, want %s", where, got, f.Map.KeyType)
		}
		if got := fd.MapValue().Kind().String(); got != f.Map.ValueType {
			c.addf("%s: map value %s, want %s", where, got, f.Map.ValueType)
		}
		if got := typeName(fd.MapValue()); got != f.Map.ValueTypeName {
			c.addf("%s: map value type %q, want %q", where, got, f.Map.ValueTypeName)
		}
		if got := string(fd.Message().FullName()); got != f.Map.EntryTypeName {
			c.addf("%s: map entry %s, want %s", where, got, f.Map.EntryTypeName)
		}
		return
	}
	if f.Type == "map" {
		c.addf("%s: is not a map", where)
		return
	}
	if got := fd.Kind().String(); got != f.Type {
		c.addf("%s: type %s, want %s", where, got, f.Type)
	}
	if got := typeName(fd); got != f.TypeName {
		c.addf("%s: type name %q, want %q", where, got, f.TypeName)
	}
	if got := fd.Cardinality().String(); got != f.Label {
		c.addf("%s: label %s, want %s", where, got, f.Label)
	}
	if fd.HasOptionalKeyword() != f.Proto3Optional {
		c.addf("%s: proto3 optional %v, want %v", where, fd.HasOptionalKeyword(), f.Proto3Optional)
	}
	if fd.HasPresence() != f.HasPresence {
		c.addf("%s: has presence %v, want %v", where, fd.HasPresence(), f.HasPresence)
	}
	got := ""
	if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
		got = string(od.Name())
	}
	if got != f.Oneof {
		c.addf("%s: oneof %q, want %q", where, got, f.Oneof)
	}
	if dep := isDeprecated(fd); dep != f.Deprecated {
		c.addf("%s: deprecated %v, want %v", where, dep, f.Deprecated)
	}
}

func isDeprecated(fd protoreflect.FieldDescriptor) bool {
	type deprecated interface{ GetDeprecated() bool }
	if o, ok := fd.Options().(deprecated); ok {
		return o.GetDeprecated()
	}
	return false
}

func typeName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().FullName())
	case protoreflect.EnumKind:
		return string(fd.Enum().FullName())
	}
	return ""
}

func (c *comparer) enum(e Enum) {
	c.seen[e.FullName] = true
	d, err := c.files.FindDescriptorByName(protoreflect.FullName(e.FullName))
	if err != nil {
		c.addf("enum %s: missing", e.FullName)
		return
	}
	ed, ok := d.(protoreflect.EnumDescriptor)
	if !ok {
		c.addf("enum %s: is a %T, not an enum", e.FullName, d)
		return
	}
	if got := ed.ParentFile().Path(); got != e.File {
		c.addf("enum %s: declared in %s, want %s", e.FullName, got, e.File)
	}
	want := map[string]bool{}
	for _, v := range e.Values {
		want[v.Name] = true
		vd := ed.Values().ByName(protoreflect.Name(v.Name))
		if vd == nil {
			c.addf("enum value %s.%s (%d): missing", e.FullName, v.Name, v.Number)
			continue
		}
		if int(vd.Number()) != v.Number {
			c.addf("enum value %s.%s: number %d, want %d", e.FullName, v.Name, vd.Number(), v.Number)
		}
	}
	for i := range ed.Values().Len() {
		vd := ed.Values().Get(i)
		if !want[string(vd.Name())] {
			c.addf("enum value %s.%s (%d): not in upstream", e.FullName, vd.Name(), vd.Number())
		}
	}
}

func (c *comparer) service(s Service) {
	c.seen[s.FullName] = true
	d, err := c.files.FindDescriptorByName(protoreflect.FullName(s.FullName))
	if err != nil {
		c.addf("service %s: missing", s.FullName)
		return
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		c.addf("service %s: is a %T, not a service", s.FullName, d)
		return
	}
	want := map[string]bool{}
	for _, m := range s.Methods {
		want[m.Name] = true
		md := sd.Methods().ByName(protoreflect.Name(m.Name))
		if md == nil {
			c.addf("method %s.%s: missing", s.FullName, m.Name)
			continue
		}
		where := fmt.Sprintf("method %s.%s", s.FullName, m.Name)
		if got := "/" + string(sd.FullName()) + "/" + string(md.Name()); got != m.Procedure {
			c.addf("%s: procedure %s, want %s", where, got, m.Procedure)
		}
		if got := string(md.Input().FullName()); got != m.Input {
			c.addf("%s: input %s, want %s", where, got, m.Input)
		}
		if got := string(md.Output().FullName()); got != m.Output {
			c.addf("%s: output %s, want %s", where, got, m.Output)
		}
		if md.IsStreamingClient() != m.ClientStreaming || md.IsStreamingServer() != m.ServerStreaming {
			c.addf("%s: streaming client=%v server=%v, want client=%v server=%v", where,
				md.IsStreamingClient(), md.IsStreamingServer(), m.ClientStreaming, m.ServerStreaming)
		}
	}
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		if !want[string(md.Name())] {
			c.addf("method %s.%s: not in upstream", s.FullName, md.Name())
		}
	}
}

// extras reports zitadel.* messages, enums and services that this module
// defines but the facts do not know.
func (c *comparer) extras() {
	c.files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "zitadel.") {
			return true
		}
		var walk func(ms protoreflect.MessageDescriptors, es protoreflect.EnumDescriptors)
		walk = func(ms protoreflect.MessageDescriptors, es protoreflect.EnumDescriptors) {
			for i := range ms.Len() {
				m := ms.Get(i)
				if !c.seen[string(m.FullName())] {
					c.addf("message %s: not in upstream", m.FullName())
				}
				walk(m.Messages(), m.Enums())
			}
			for i := range es.Len() {
				if e := es.Get(i); !c.seen[string(e.FullName())] {
					c.addf("enum %s: not in upstream", e.FullName())
				}
			}
		}
		walk(fd.Messages(), fd.Enums())
		for i := range fd.Services().Len() {
			if s := fd.Services().Get(i); !c.seen[string(s.FullName())] {
				c.addf("service %s: not in upstream", s.FullName())
			}
		}
		return true
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
