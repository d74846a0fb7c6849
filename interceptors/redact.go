package interceptors

import (
	"bytes"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sessionkit/zitadel-session-go/internal/redact"
)

// SecretFields is the set of protobuf field names (as written in the .proto
// file) whose values [Logging] never logs, in any message, at any depth. It
// is the project's one list of secret fields (internal/redact.Fields, the
// same map), shared with the zitadel-session command's output; see
// [Redact] for what redaction means per field type. Modify the map only
// during program initialization.
var SecretFields = redact.Fields

// Redact returns a deep copy of msg (made with proto.Clone) in which every
// field named in [SecretFields] is redacted, at any nesting depth, including
// inside lists and maps: a singular string is replaced by "[REDACTED]";
// singular bytes, numbers and lists of scalars are cleared; a map (session
// metadata, the user agent's headers) keeps its keys and loses its values; a
// free-form message (google.protobuf.Struct, Value, ListValue or Any, e.g.
// credential_assertion_data) is cleared; any other message is searched
// recursively. Unknown fields are dropped. msg itself is not modified. A nil
// message yields nil.
func Redact(msg proto.Message) proto.Message {
	return redact.Message(msg, redacted)
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
