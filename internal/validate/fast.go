package validate

import (
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// fastValid answers "is msg valid?" for the five SessionService request
// types with the generated getters, without protoreflect (which costs time
// and, in protobuf-go v1.36.12, an allocation per message field read).
//
// hot is false for every other type. valid is only a shortcut: when it is
// true the reflective validator would return nil too (TestFastPathAgrees
// and FuzzFastPathAgrees hold it to that); when it is false, Request runs
// the reflective validator, which alone decides and words the error. So the
// fast path may be stricter than the rules, never more lenient.
func fastValid(msg proto.Message) (valid, hot bool) {
	switch m := msg.(type) {
	case *sessionv2.CreateSessionRequest:
		return checksOK(m.GetChecks()) && challengesOK(m.GetChallenges()) && lifetimeOK(m.GetLifetime()), true
	case *sessionv2.SetSessionRequest:
		return runes(m.GetSessionId(), 1, 200) && checksOK(m.GetChecks()) &&
			challengesOK(m.GetChallenges()) && lifetimeOK(m.GetLifetime()), true
	case *sessionv2.GetSessionRequest:
		return runes(m.GetSessionId(), 1, 200) && (m.SessionToken == nil || runes(*m.SessionToken, 1, 500)), true
	case *sessionv2.DeleteSessionRequest:
		return runes(m.GetSessionId(), 1, 200), true
	case *sessionv2.ListSessionsRequest:
		for _, q := range m.GetQueries() {
			if !searchQueryOK(q) {
				return false, true
			}
		}
		return true, true
	}
	return false, false
}

// runes reports whether s has min..max runes (max 0: no upper bound).
func runes(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	return n >= min && (max == 0 || n <= max)
}

func checksOK(c *sessionv2.Checks) bool {
	if c == nil {
		return true
	}
	if u := c.User; u != nil {
		switch s := u.Search.(type) {
		case *sessionv2.CheckUser_UserId:
			if !runes(s.UserId, 1, 200) {
				return false
			}
		case *sessionv2.CheckUser_LoginName:
			if !runes(s.LoginName, 1, 200) {
				return false
			}
		default:
			return false
		}
	}
	if p := c.Password; p != nil && !runes(p.Password, 1, 200) {
		return false
	}
	if w := c.WebAuthN; w != nil && w.CredentialAssertionData == nil {
		return false
	}
	if i := c.IdpIntent; i != nil && !(runes(i.IdpIntentId, 1, 200) && runes(i.IdpIntentToken, 1, 200)) {
		return false
	}
	if t := c.Totp; t != nil && !runes(t.Code, 6, 6) {
		return false
	}
	if o := c.OtpSms; o != nil && !runes(o.Code, 1, 0) {
		return false
	}
	if o := c.OtpEmail; o != nil && !runes(o.Code, 1, 0) {
		return false
	}
	if r := c.RecoveryCode; r != nil && !runes(r.Code, 1, 200) {
		return false
	}
	return true
}

func challengesOK(c *sessionv2.RequestChallenges) bool {
	if c == nil {
		return true
	}
	if w := c.WebAuthN; w != nil {
		uv := w.UserVerificationRequirement
		if !runes(w.Domain, 1, 200) || uv == 0 || sessionv2.UserVerificationRequirement_name[int32(uv)] == "" {
			return false
		}
	}
	if e := c.OtpEmail; e != nil {
		if s, ok := e.DeliveryType.(*sessionv2.RequestChallenges_OTPEmail_SendCode_); ok {
			if s.SendCode == nil {
				return false
			}
			if t := s.SendCode.UrlTemplate; t != nil && !runes(*t, 1, 200) {
				return false
			}
		}
	}
	return true
}

func lifetimeOK(d *durationpb.Duration) bool {
	return d == nil || (d.CheckValid() == nil && d.AsDuration() > 0)
}

func searchQueryOK(q *sessionv2.SearchQuery) bool {
	// A oneof wrapper holding a nil message is left to the reference
	// validator (false), as is an unset oneof.
	switch q := q.GetQuery().(type) {
	case *sessionv2.SearchQuery_IdsQuery:
		return q.IdsQuery != nil
	case *sessionv2.SearchQuery_UserIdQuery:
		return q.UserIdQuery != nil
	case *sessionv2.SearchQuery_CreationDateQuery:
		return q.CreationDateQuery != nil && timestampMethodOK(q.CreationDateQuery.Method)
	case *sessionv2.SearchQuery_ExpirationDateQuery:
		return q.ExpirationDateQuery != nil && timestampMethodOK(q.ExpirationDateQuery.Method)
	case *sessionv2.SearchQuery_CreatorQuery:
		c := q.CreatorQuery
		return c != nil && (c.Id == nil || runes(*c.Id, 0, 200))
	case *sessionv2.SearchQuery_UserAgentQuery:
		u := q.UserAgentQuery
		return u != nil && (u.FingerprintId == nil || runes(*u.FingerprintId, 0, 200))
	}
	return false
}

func timestampMethodOK(m zitadelv1.TimestampQueryMethod) bool {
	return zitadelv1.TimestampQueryMethod_name[int32(m)] != ""
}
