// Package redact removes secrets from protobuf messages before they are
// logged or printed. It holds the project's one list of secret field names,
// used by interceptors.Logging (through interceptors.Redact) and by the
// zitadel-session command's output.
package redact

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Fields is the set of protobuf field names (as written in the .proto file)
// whose values are secret, in any message, at any depth. The rule is purely
// name based so that it also covers messages added to the API later:
//
//   - password: CheckPassword.password
//   - session_token: the session's bearer secret in requests and responses
//   - code: CheckTOTP, CheckOTP and CheckRecoveryCode codes
//   - idp_intent_token: CheckIDPIntent.idp_intent_token
//   - credential_assertion_data: the WebAuthn assertion (CheckWebAuthN)
//   - otp_sms, otp_email: one-time codes returned in Challenges (the request
//     side's RequestChallenges fields of the same name carry no secret but
//     are redacted too, to keep the rule name based)
//   - metadata: session metadata; its keys stay visible, its values are
//     redacted (they may hold anything a login service stores)
//   - header: the user agent's HTTP headers (UserAgent.header); the header
//     names stay visible, the values (cookies, authorization) are redacted
//   - access_token, refresh_token, id_token, client_secret, assertion,
//     token, private_key, key: generic credential names
//
// url_template (RequestChallenges.OTPEmail.SendCode) is not secret: it is a
// template into which Zitadel inserts the code server side.
//
// What redaction means depends on the field's type: a singular string is
// replaced by the mask; singular bytes, numbers and lists of scalars are
// cleared; a map keeps its keys and has each value replaced (strings by the
// mask, other scalars by their zero value, messages by an empty message); a
// free-form message (google.protobuf.Struct, Value, ListValue or Any, e.g.
// credential_assertion_data) is cleared; any other message (e.g.
// Checks.password, a CheckPassword, or Factors.password) is not secret as a
// whole but is searched recursively, so CheckPassword.password is redacted
// while PasswordFactor.verified_at stays visible. Unknown fields are
// dropped, as they could carry secrets of newer API versions.
//
// Modify the map only during program initialization.
var Fields = map[protoreflect.Name]bool{
	"password":                  true,
	"session_token":             true,
	"code":                      true,
	"idp_intent_token":          true,
	"credential_assertion_data": true,
	"otp_sms":                   true,
	"otp_email":                 true,
	"metadata":                  true,
	"header":                    true,
	"access_token":              true,
	"refresh_token":             true,
	"id_token":                  true,
	"client_secret":             true,
	"assertion":                 true,
	"token":                     true,
	"private_key":               true,
	"key":                       true,
}

// Message returns a deep copy of msg (made with proto.Clone) in which every
// field named in [Fields] is redacted as described there, with mask replacing
// secret strings. Fields named in reveal are left as they are (a caller
// that shows a secret on explicit request, e.g. a session token printed with
// --show-token). msg itself is not modified. A nil message yields nil.
func Message(msg proto.Message, mask string, reveal ...protoreflect.Name) proto.Message {
	if msg == nil {
		return nil
	}
	c := proto.Clone(msg)
	if c == nil {
		return nil
	}
	r := redactor{mask: mask}
	if len(reveal) > 0 {
		r.reveal = make(map[protoreflect.Name]bool, len(reveal))
		for _, n := range reveal {
			r.reveal[n] = true
		}
	}
	r.message(c.ProtoReflect())
	return c
}

type redactor struct {
	mask   string
	reveal map[protoreflect.Name]bool
}

func (r *redactor) message(m protoreflect.Message) {
	if !m.IsValid() {
		return
	}
	var secret []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		elem := fd
		if fd.IsMap() {
			elem = fd.MapValue()
		}
		structured := isMessageKind(elem.Kind()) && !freeForm[elem.Message().FullName()]
		if Fields[fd.Name()] && !r.reveal[fd.Name()] && (fd.IsMap() || !structured) {
			secret = append(secret, fd)
			return true
		}
		if !structured {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				r.message(l.Get(i).Message())
			}
		case fd.IsMap():
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				r.message(mv.Message())
				return true
			})
		default:
			r.message(v.Message())
		}
		return true
	})
	for _, fd := range secret {
		switch {
		case fd.IsMap():
			r.mapValues(m.Mutable(fd).Map(), fd.MapValue())
		case fd.Kind() == protoreflect.StringKind && !fd.IsList():
			m.Set(fd, protoreflect.ValueOfString(r.mask))
		default:
			m.Clear(fd)
		}
	}
	m.SetUnknown(nil)
}

// mapValues replaces every value of a secret map, keeping its keys.
func (r *redactor) mapValues(mp protoreflect.Map, vd protoreflect.FieldDescriptor) {
	var keys []protoreflect.MapKey
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	for _, k := range keys {
		switch {
		case vd.Kind() == protoreflect.StringKind:
			mp.Set(k, protoreflect.ValueOfString(r.mask))
		case isMessageKind(vd.Kind()):
			mp.Set(k, protoreflect.ValueOfMessage(mp.NewValue().Message()))
		default:
			mp.Set(k, vd.Default())
		}
	}
}

// freeForm messages hold arbitrary data; a secret field of such a type is
// cleared as a whole.
var freeForm = map[protoreflect.FullName]bool{
	"google.protobuf.Struct":    true,
	"google.protobuf.Value":     true,
	"google.protobuf.ListValue": true,
	"google.protobuf.Any":       true,
}

func isMessageKind(k protoreflect.Kind) bool {
	return k == protoreflect.MessageKind || k == protoreflect.GroupKind
}
