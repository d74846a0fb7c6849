// Package validate checks Zitadel v2 request messages (zitadel.session.v2,
// zitadel.oidc.v2, zitadel.saml.v2) against the protoc-gen-validate (PGV)
// rules upstream Zitadel annotates them with, before they are sent. A request
// that passes here is not rejected by the server's validation interceptor, and
// a failing one yields the same text the server would put into its
// InvalidArgument status.
//
// Semantics follow PGV's generated Go Validate() (first violation wins):
// non-oneof fields in declaration order, then real oneofs, then proto3
// optional fields (checked only when present); embedded and repeated messages
// are validated recursively; string lengths count runes.
package validate

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// Error is one rule violation. For a violation inside an embedded message the
// outer Error describes the embedding field ("embedded message failed
// validation") and Cause the violation inside it, as PGV does.
// Error texts never contain field values.
type Error struct {
	Message string // Go message name as PGV prints it, e.g. "CheckTOTP"
	Field   string // Go field name as PGV prints it, e.g. "Code" or "Queries[0]"
	Path    string // proto path from the request root, e.g. "checks.totp.code"
	Reason  string // PGV-style reason, e.g. "value length must be 6 runes"
	Cause   *Error // nested violation (PGV "caused by"), nil at the innermost level
}

// Error formats the violation exactly like PGV's generated ValidationError:
// "invalid <Message>.<Field>: <Reason>[ | caused by: <Cause>]".
func (e *Error) Error() string {
	var b strings.Builder
	for cur := e; cur != nil; cur = cur.Cause {
		if cur != e {
			b.WriteString(" | caused by: ")
		}
		b.WriteString("invalid ")
		b.WriteString(cur.Message)
		b.WriteByte('.')
		b.WriteString(cur.Field)
		b.WriteString(": ")
		b.WriteString(cur.Reason)
	}
	return b.String()
}

// Request validates a request message against upstream's rules. It returns nil
// or a *Error. A nil message, a nil pointer, or a message type without any
// upstream rule is valid.
func Request(msg proto.Message) error {
	if msg == nil {
		return nil
	}
	if valid, hot := fastValid(msg); hot && valid {
		return nil
	}
	return requestReflect(msg)
}

// requestReflect is the reference validator: it walks msg with protoreflect
// along the rule table and words the first violation as PGV does.
func requestReflect(msg proto.Message) error {
	loadPlans()
	m := msg.ProtoReflect()
	if !m.IsValid() {
		return nil
	}
	md := m.Descriptor()
	p := plans[md.FullName()]
	if p == nil || p.md != md {
		p = foreignPlan(md)
	}
	if !p.active {
		return nil
	}
	e := p.check(m)
	if e == nil {
		return nil
	}
	// Segments were recorded relative to their message; make them absolute.
	prefix := ""
	for cur := e; cur != nil; cur = cur.Cause {
		if prefix != "" {
			cur.Path = prefix + "." + cur.Path
		}
		prefix = cur.Path
	}
	return e
}

// plan is the precompiled check list for one message type.
type plan struct {
	md       protoreflect.MessageDescriptor
	goName   string
	own      bool // has own rules or required oneofs
	active   bool // own, or some embedded message is active
	fields   []*step
	oneofs   []*oneofStep
	optional []*step // proto3 optional (synthetic oneof) fields, checked last
}

type step struct {
	fd     protoreflect.FieldDescriptor
	goName string
	rule   *fieldRule
	sub    *plan // message type of the field (nil for scalars)
	// precomputed reasons
	strReason  string
	notInText  string
	durGtText  string
	enumValues protoreflect.EnumValueDescriptors
}

type oneofStep struct {
	od       protoreflect.OneofDescriptor
	goName   string
	required bool
	fields   []*step
}

// Reasons as PGV's generated Go code prints them.
const (
	reasonRequired = "value is required"
	reasonEmbedded = "embedded message failed validation"
	reasonDefined  = "value must be one of the defined enum values"
	reasonBadDur   = "value is not a valid duration"
)

var (
	ruleIndex  = map[string]*fieldRule{} // "msg/field"
	oneofIndex = map[string]bool{}       // "msg/oneof"
	plans      = map[protoreflect.FullName]*plan{}

	foreignMu    sync.Mutex
	foreignPlans = map[protoreflect.MessageDescriptor]*plan{}
)

// loadPlans compiles the plans on first use of the reflective validator, so
// that importing the package (every client and server) costs nothing at
// start-up; valid hot requests never need them (see fastValid).
var loadPlans = sync.OnceFunc(compilePlans)

// compilePlans indexes the rule table and compiles a plan for every message
// reachable from the session, OIDC and SAML services.
func compilePlans() {
	for i := range fieldRules {
		r := &fieldRules[i]
		ruleIndex[r.msg+"/"+r.field] = r
	}
	for _, o := range oneofRules {
		oneofIndex[o.msg+"/"+o.oneof] = true
	}
	for _, fd := range []protoreflect.FileDescriptor{
		sessionv2.File_zitadel_session_v2_session_service_proto,
		oidcv2.File_zitadel_oidc_v2_oidc_service_proto,
		samlv2.File_zitadel_saml_v2_saml_service_proto,
	} {
		msgs := fd.Messages()
		for i := 0; i < msgs.Len(); i++ {
			compile(msgs.Get(i), plans)
		}
	}
	finish(plans)
	// Every rule must land on a real field: a typo would silently disable it.
	for _, r := range fieldRules {
		p := plans[protoreflect.FullName(r.msg)]
		if p == nil || p.md.Fields().ByName(protoreflect.Name(r.field)) == nil {
			panic("validate: rule on unknown field " + r.msg + "." + r.field)
		}
	}
	for _, o := range oneofRules {
		p := plans[protoreflect.FullName(o.msg)]
		if p == nil || p.md.Oneofs().ByName(protoreflect.Name(o.oneof)) == nil {
			panic("validate: rule on unknown oneof " + o.msg + "." + o.oneof)
		}
	}
}

// foreignPlan compiles (and caches) a plan for a descriptor that is not the
// generated one, e.g. a dynamicpb message of the same type.
func foreignPlan(md protoreflect.MessageDescriptor) *plan {
	foreignMu.Lock()
	defer foreignMu.Unlock()
	if p := foreignPlans[md]; p != nil {
		return p
	}
	memo := map[protoreflect.FullName]*plan{}
	p := compile(md, memo)
	finish(memo)
	foreignPlans[md] = p
	return p
}

// compile builds the plan for md and every message type reachable from it.
func compile(md protoreflect.MessageDescriptor, memo map[protoreflect.FullName]*plan) *plan {
	if p := memo[md.FullName()]; p != nil {
		return p
	}
	p := &plan{md: md, goName: goMessageName(md)}
	memo[md.FullName()] = p
	msgName := string(md.FullName())

	newStep := func(fd protoreflect.FieldDescriptor) *step {
		s := &step{fd: fd, goName: goCamelCase(string(fd.Name()))}
		if r, ok := ruleIndex[msgName+"/"+string(fd.Name())]; ok {
			s.rule = r
			p.own = true
			switch r.kind {
			case kindString:
				s.strReason = stringReason(r)
			case kindEnum:
				s.enumValues = fd.Enum().Values()
				if len(r.notIn) > 0 {
					// PGV names enum values in the list: "[USER_VERIFICATION_REQUIREMENT_UNSPECIFIED]"
					names := make([]string, len(r.notIn))
					for i, n := range r.notIn {
						names[i] = string(s.enumValues.ByNumber(protoreflect.EnumNumber(n)).Name())
					}
					s.notInText = "value must not be in list [" + strings.Join(names, " ") + "]"
				}
			case kindDuration:
				s.durGtText = "value must be greater than " + r.gt.String()
			}
		}
		if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
			if fd.IsMap() {
				if v := fd.MapValue(); v.Kind() == protoreflect.MessageKind {
					s.sub = compile(v.Message(), memo)
				}
			} else {
				s.sub = compile(fd.Message(), memo)
			}
		}
		return s
	}

	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		s := newStep(fd)
		if fd.HasOptionalKeyword() && fd.ContainingOneof() != nil {
			p.optional = append(p.optional, s)
		} else {
			p.fields = append(p.fields, s)
		}
	}
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		o := &oneofStep{od: od, goName: goCamelCase(string(od.Name())), required: oneofIndex[msgName+"/"+string(od.Name())]}
		if o.required {
			p.own = true
		}
		ofs := od.Fields()
		for j := 0; j < ofs.Len(); j++ {
			o.fields = append(o.fields, newStep(ofs.Get(j)))
		}
		p.oneofs = append(p.oneofs, o)
	}
	return p
}

// finish computes which plans are active (own rules somewhere below) and
// drops embedded-message recursion into inactive subtrees.
func finish(memo map[protoreflect.FullName]*plan) {
	for _, p := range memo {
		p.active = p.own
	}
	subActive := func(s *step) bool { return s.sub != nil && s.sub.active }
	for changed := true; changed; {
		changed = false
		for _, p := range memo {
			if p.active {
				continue
			}
			for _, s := range p.allSteps() {
				if subActive(s) {
					p.active, changed = true, true
					break
				}
			}
		}
	}
	for _, p := range memo {
		for _, s := range p.allSteps() {
			if s.sub != nil && !s.sub.active {
				s.sub = nil
			}
			if s.sub != nil && s.fd.IsMap() {
				// No upstream request has rules below a map value; PGV would
				// print the map key into the error, which we refuse to do.
				panic("validate: rules below map value " + string(s.fd.FullName()))
			}
		}
	}
}

func (p *plan) allSteps() []*step {
	out := append([]*step(nil), p.fields...)
	for _, o := range p.oneofs {
		out = append(out, o.fields...)
	}
	return append(out, p.optional...)
}

func stringReason(r *fieldRule) string {
	switch {
	case r.len > 0:
		return "value length must be " + strconv.Itoa(r.len) + " runes"
	case r.minLen > 0 && r.maxLen > 0 && r.minLen == r.maxLen:
		return "value length must be " + strconv.Itoa(r.minLen) + " runes"
	case r.minLen > 0 && r.maxLen > 0:
		return "value length must be between " + strconv.Itoa(r.minLen) + " and " + strconv.Itoa(r.maxLen) + " runes, inclusive"
	case r.minLen > 0:
		return "value length must be at least " + strconv.Itoa(r.minLen) + " runes"
	case r.maxLen > 0:
		return "value length must be at most " + strconv.Itoa(r.maxLen) + " runes"
	}
	return ""
}

// check runs the plan on m (a valid message of p.md) and returns the first
// violation. Error.Path holds only the segment relative to m.
func (p *plan) check(m protoreflect.Message) *Error {
	for _, s := range p.fields {
		if e := p.checkField(m, s); e != nil {
			return e
		}
	}
	for _, o := range p.oneofs {
		fd := m.WhichOneof(o.od)
		if fd == nil {
			if o.required {
				return &Error{Message: p.goName, Field: o.goName, Path: string(o.od.Name()), Reason: reasonRequired}
			}
			continue
		}
		for _, s := range o.fields {
			if s.fd == fd {
				if e := p.checkField(m, s); e != nil {
					return e
				}
				break
			}
		}
	}
	for _, s := range p.optional {
		if !m.Has(s.fd) {
			continue
		}
		if e := p.checkField(m, s); e != nil {
			return e
		}
	}
	return nil
}

func (p *plan) fail(s *step, reason string) *Error {
	return &Error{Message: p.goName, Field: s.goName, Path: string(s.fd.Name()), Reason: reason}
}

func (p *plan) checkField(m protoreflect.Message, s *step) *Error {
	if r := s.rule; r != nil {
		switch r.kind {
		case kindString:
			if !stringOK(r, m.Get(s.fd).String()) {
				return p.fail(s, s.strReason)
			}
		case kindEnum:
			n := int32(m.Get(s.fd).Enum())
			for _, bad := range r.notIn {
				if n == bad {
					return p.fail(s, s.notInText)
				}
			}
			if r.definedOnly && s.enumValues.ByNumber(protoreflect.EnumNumber(n)) == nil {
				return p.fail(s, reasonDefined)
			}
		case kindMessage:
			if r.required && !m.Has(s.fd) {
				return p.fail(s, reasonRequired)
			}
		case kindDuration:
			// PGV's duration template replaces the embedded-message template.
			if r.required && !m.Has(s.fd) {
				return p.fail(s, reasonRequired)
			}
			if !m.Has(s.fd) {
				return nil
			}
			d, ok := duration(m.Get(s.fd).Message())
			if !ok {
				// PGV adds the protobuf error (which prints the value) as cause; we don't.
				return p.fail(s, reasonBadDur)
			}
			if r.gtSet && d <= r.gt {
				return p.fail(s, s.durGtText)
			}
			return nil
		}
	}
	if s.sub == nil {
		return nil
	}
	if s.fd.IsList() {
		if !m.Has(s.fd) {
			return nil
		}
		l := m.Get(s.fd).List()
		for i := 0; i < l.Len(); i++ {
			if e := s.sub.check(l.Get(i).Message()); e != nil {
				idx := strconv.Itoa(i)
				return &Error{Message: p.goName, Field: s.goName + "[" + idx + "]", Path: string(s.fd.Name()) + "[" + idx + "]", Reason: reasonEmbedded, Cause: e}
			}
		}
		return nil
	}
	if !m.Has(s.fd) {
		return nil // PGV: Validate() on a nil message returns nil
	}
	if e := s.sub.check(m.Get(s.fd).Message()); e != nil {
		er := p.fail(s, reasonEmbedded)
		er.Cause = e
		return er
	}
	return nil
}

func stringOK(r *fieldRule, v string) bool {
	// PGV counts runes; utf8.RuneCountInString does not allocate.
	n := utf8.RuneCountInString(v)
	switch {
	case r.len > 0:
		return n == r.len
	case r.minLen > 0 && r.maxLen > 0 && r.minLen == r.maxLen:
		return n == r.minLen
	}
	if r.minLen > 0 && n < r.minLen {
		return false
	}
	if r.maxLen > 0 && n > r.maxLen {
		return false
	}
	return true
}

// Limits of google.protobuf.Duration (durationpb.CheckValid).
const (
	maxDurSeconds = 315576000000
	minDurSeconds = -maxDurSeconds
)

// duration reads a google.protobuf.Duration reflectively, applying the same
// validity checks and saturation as durationpb's CheckValid / AsDuration.
func duration(d protoreflect.Message) (time.Duration, bool) {
	fs := d.Descriptor().Fields()
	secs := d.Get(fs.ByNumber(1)).Int()
	nanos := d.Get(fs.ByNumber(2)).Int()
	switch {
	case secs < minDurSeconds || secs > maxDurSeconds:
		return 0, false
	case nanos <= -1e9 || nanos >= 1e9:
		return 0, false
	case (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0):
		return 0, false
	}
	dur := time.Duration(secs) * time.Second
	if dur/time.Second != time.Duration(secs) {
		if secs < 0 {
			return time.Duration(math.MinInt64), true
		}
		return time.Duration(math.MaxInt64), true
	}
	sum := dur + time.Duration(nanos)
	if secs < 0 && nanos < 0 && sum > dur {
		return time.Duration(math.MinInt64), true
	}
	if secs > 0 && nanos > 0 && sum < dur {
		return time.Duration(math.MaxInt64), true
	}
	return sum, true
}

// goMessageName is the Go type name protoc-gen-go (and PGV) use for md,
// e.g. "RequestChallenges_WebAuthN".
func goMessageName(md protoreflect.MessageDescriptor) string {
	name := strings.TrimPrefix(string(md.FullName()), string(md.ParentFile().Package())+".")
	return goCamelCase(strings.ReplaceAll(name, ".", "_"))
}

// goCamelCase mirrors protoc-gen-go's field/message name mangling.
func goCamelCase(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && i+1 < len(s) && isLower(s[i+1]):
		case c == '.':
			b = append(b, '_')
		case c == '_' && (i == 0 || s[i-1] == '.'):
			b = append(b, 'X')
		case c == '_' && i+1 < len(s) && isLower(s[i+1]):
		case c >= '0' && c <= '9':
			b = append(b, c)
		default:
			if isLower(c) {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			for ; i+1 < len(s) && isLower(s[i+1]); i++ {
				b = append(b, s[i+1])
			}
		}
	}
	return string(b)
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
