package validate

import (
	"testing"

	"google.golang.org/protobuf/proto"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// hotTypes are the request types fastValid answers for.
var hotTypes = []func() proto.Message{
	func() proto.Message { return new(sessionv2.CreateSessionRequest) },
	func() proto.Message { return new(sessionv2.SetSessionRequest) },
	func() proto.Message { return new(sessionv2.GetSessionRequest) },
	func() proto.Message { return new(sessionv2.DeleteSessionRequest) },
	func() proto.Message { return new(sessionv2.ListSessionsRequest) },
}

// FuzzFastPathAgrees decodes arbitrary bytes into each hot request type and
// checks that the fast path never accepts a request the reference validator
// rejects.
func FuzzFastPathAgrees(f *testing.F) {
	for _, m := range []proto.Message{
		validCreate(),
		&sessionv2.SetSessionRequest{SessionId: "1", Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "12345"}}},
		&sessionv2.GetSessionRequest{SessionId: "1", SessionToken: new("")},
		&sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{{}}},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newMsg := range hotTypes {
			m := newMsg()
			if proto.Unmarshal(data, m) != nil {
				continue
			}
			valid, hot := fastValid(m)
			if !hot {
				t.Fatalf("%T is not on the fast path", m)
			}
			if err := requestReflect(m); valid && err != nil {
				t.Fatalf("fast path accepts %T that the reference rejects: %v", m, err)
			}
		}
	})
}
