package interceptors

import (
	"bytes"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// SecretFields is the set of protobuf field names (as written in the .proto
// file) whose values [Logging] never logs, in any message, at any depth.
// The rule is purely name based so that it also covers messages added to the
// API later:
//
//   - password: CheckPassword.password
//   - session_token: the session's bearer secret in requests and responses
//   - code: CheckTOTP, CheckOTP and CheckRecoveryCode codes
//   - idp_intent_token: CheckIDPIntent.idp_intent_token
//   - credential_assertion_data: the WebAuthn assertion (CheckWebAuthN)
//   - otp_sms, otp_email: one-time codes returned in Challenges (the request
//     side's RequestChallenges fields of the same name carry no secret but
//     are redacted too, to keep the rule name based)
//   - access_token, refresh_token, id_token, client_secret, assertion,
//     token, private_key, key: generic credential names
//
// url_template (RequestChallenges.OTPEmail.SendCode) is not secret: it is a
// template into which Zitadel inserts the code server side, so it is logged.
//
// What redaction means depends on the field's type: a singular string is
// replaced by "[REDACTED]"; bytes, numbers, lists and maps of scalars are
// cleared; a free-form message (google.protobuf.Struct, Value, ListValue or
// Any, e.g. credential_assertion_data) is cleared; any other message (e.g.
// Checks.password, a CheckPassword, or Factors.password) is not secret as a
// whole but is searched recursively, so CheckPassword.password is redacted
// while PasswordFactor.verified_at stays visible. Modify the map only during
// program initialization.
var SecretFields = map[protoreflect.Name]bool{
	"password":                  true,
	"session_token":             true,
	"code":                      true,
	"idp_intent_token":          true,
	"credential_assertion_data": true,
	"otp_sms":                   true,
	"otp_email":                 true,
	"access_token":              true,
	"refresh_token":             true,
	"id_token":                  true,
	"client_secret":             true,
	"assertion":                 true,
	"token":                     true,
	"private_key":               true,
	"key":                       true,
}

// Redact returns a deep copy of msg (made with proto.Clone) in which every
// field named in [SecretFields] is redacted, at any nesting depth, including
// inside lists and maps. msg itself is not modified. A nil message yields nil.
func Redact(msg proto.Message) proto.Message {
	if msg == nil {
		return nil
	}
	c := proto.Clone(msg)
	if c == nil {
		return nil
	}
	redactMessage(c.ProtoReflect())
	return c
}

func redactMessage(m protoreflect.Message) {
	if !m.IsValid() {
		return
	}
	var secret []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		elem := fd
		if fd.IsMap() {
			elem = fd.MapValue()
		}
		structured := isMessageKind(elem.Kind()) && !freeFormMessages[elem.Message().FullName()]
		if SecretFields[fd.Name()] && !structured {
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
				redactMessage(l.Get(i).Message())
			}
		case fd.IsMap():
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				redactMessage(mv.Message())
				return true
			})
		default:
			redactMessage(v.Message())
		}
		return true
	})
	for _, fd := range secret {
		if fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap() {
			m.Set(fd, protoreflect.ValueOfString(redacted))
			continue
		}
		m.Clear(fd)
	}
	// Unknown fields could carry secrets of newer API versions.
	m.SetUnknown(nil)
}

// freeFormMessages hold arbitrary data; a secret field of such a type is
// cleared as a whole.
var freeFormMessages = map[protoreflect.FullName]bool{
	"google.protobuf.Struct":    true,
	"google.protobuf.Value":     true,
	"google.protobuf.ListValue": true,
	"google.protobuf.Any":       true,
}

func isMessageKind(k protoreflect.Kind) bool {
	return k == protoreflect.MessageKind || k == protoreflect.GroupKind
}

// redactedJSON renders msg with secrets redacted, or a placeholder for
// values that are not protobuf messages.
func redactedJSON(msg any) string {
	pm, ok := msg.(proto.Message)
	if !ok {
		return "<non-protobuf message>"
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(Redact(pm))
	if err != nil {
		return "<unprintable message>"
	}
	// protojson randomizes whitespace; compact it for stable output.
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}
