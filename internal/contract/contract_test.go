package contract

import (
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

func loadFacts(t *testing.T) *Facts {
	t.Helper()
	data, err := os.ReadFile("../../proto/testdata/session-v2-wire.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFacts(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestGeneratedMatchesUpstream is the contract test: every message, field,
// enum value and method of the generated code equals the wire facts.
func TestGeneratedMatchesUpstream(t *testing.T) {
	f := loadFacts(t)
	if got := f.Source["upstream_commit"]; got != "a97999e5ca4b0cffc9eec262de19246230ce6688" {
		t.Errorf("facts are for upstream commit %v; update proto/UPSTREAM.md and README when moving", got)
	}
	if diffs := Compare(f, protoregistry.GlobalFiles); len(diffs) > 0 {
		t.Fatalf("generated code differs from upstream Zitadel in %d places:\n  %s", len(diffs), strings.Join(diffs, "\n  "))
	}
	// The comparison must have covered everything, not nothing.
	n := len(f.Messages) + len(f.Enums) + len(f.Services)
	for _, r := range f.Related {
		n += len(r.Messages) + len(r.Enums) + len(r.Services)
	}
	if n < 70 {
		t.Fatalf("only %d types in the facts; the facts file looks truncated", n)
	}
}

// mutated returns a copy of the global registry in which edit has changed
// the file at path.
func mutated(t *testing.T, path string, edit func(*descriptorpb.FileDescriptorProto)) *protoregistry.Files {
	t.Helper()
	set := &descriptorpb.FileDescriptorSet{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		fdp := protodesc.ToFileDescriptorProto(fd)
		if fd.Path() == path {
			fdp = proto.Clone(fdp).(*descriptorpb.FileDescriptorProto)
			edit(fdp)
		}
		set.File = append(set.File, fdp)
		return true
	})
	files, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatalf("rebuild registry: %v", err)
	}
	return files
}

func findMessage(fdp *descriptorpb.FileDescriptorProto, name string) *descriptorpb.DescriptorProto {
	for _, m := range fdp.MessageType {
		if m.GetName() == name {
			return m
		}
	}
	return nil
}

func findField(m *descriptorpb.DescriptorProto, name string) *descriptorpb.FieldDescriptorProto {
	for _, f := range m.Field {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

// TestCompareCatchesDrift proves the contract test fails when a single fact
// of our proto drifts, in either direction (our descriptors or the facts).
func TestCompareCatchesDrift(t *testing.T) {
	tests := []struct {
		name  string
		files func(t *testing.T) *protoregistry.Files
		facts func(*Facts)
		want  string
	}{
		{
			name: "field number in our proto",
			files: func(t *testing.T) *protoregistry.Files {
				return mutated(t, "zitadel/session/v2/session_service.proto", func(fdp *descriptorpb.FileDescriptorProto) {
					findField(findMessage(fdp, "CheckTOTP"), "code").Number = proto.Int32(7)
				})
			},
			want: "field zitadel.session.v2.CheckTOTP.code: number 7, want 1",
		},
		{
			name: "json_name in our proto",
			files: func(t *testing.T) *protoregistry.Files {
				return mutated(t, "zitadel/session/v2/session_service.proto", func(fdp *descriptorpb.FileDescriptorProto) {
					findField(findMessage(fdp, "CreateSessionResponse"), "session_token").JsonName = proto.String("session_token")
				})
			},
			want: `field zitadel.session.v2.CreateSessionResponse.session_token: json_name "session_token", want "sessionToken"`,
		},
		{
			name: "enum value in our proto",
			files: func(t *testing.T) *protoregistry.Files {
				return mutated(t, "zitadel/session/v2/challenge.proto", func(fdp *descriptorpb.FileDescriptorProto) {
					fdp.EnumType[0].Value[2].Number = proto.Int32(5)
				})
			},
			want: "enum value zitadel.session.v2.UserVerificationRequirement.USER_VERIFICATION_REQUIREMENT_PREFERRED: number 5, want 2",
		},
		{
			name: "field number in the facts",
			facts: func(f *Facts) {
				setField(f, "zitadel.session.v2.Session", "expiration_date", func(x *Field) { x.Number = 9 })
			},
			want: "field zitadel.session.v2.Session.expiration_date: number 8, want 9",
		},
		{
			name: "json_name in the facts",
			facts: func(f *Facts) {
				setField(f, "zitadel.session.v2.Checks", "web_auth_n", func(x *Field) { x.JSONName = "webAuthn" })
			},
			want: `field zitadel.session.v2.Checks.web_auth_n: json_name "webAuthN", want "webAuthn"`,
		},
		{
			name: "enum value in the facts",
			facts: func(f *Facts) {
				for i := range f.Enums {
					if f.Enums[i].FullName == "zitadel.v1.TimestampQueryMethod" {
						f.Enums[i].Values[4].Number = 40
					}
				}
			},
			want: "enum value zitadel.v1.TimestampQueryMethod.TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS: number 4, want 40",
		},
		{
			name: "proto3 optional dropped in our proto",
			files: func(t *testing.T) *protoregistry.Files {
				return mutated(t, "zitadel/session/v2/session_service.proto", func(fdp *descriptorpb.FileDescriptorProto) {
					m := findMessage(fdp, "GetSessionRequest")
					fld := findField(m, "session_token")
					fld.Proto3Optional = nil
					fld.OneofIndex = nil
					m.OneofDecl = nil
				})
			},
			want: "field zitadel.session.v2.GetSessionRequest.session_token: has presence false, want true\n" +
				"field zitadel.session.v2.GetSessionRequest.session_token: proto3 optional false, want true",
		},
		{
			name: "method input in the facts",
			facts: func(f *Facts) {
				f.Services[0].Methods[1].Input = "zitadel.session.v2.SetSessionRequest"
			},
			want: "method zitadel.session.v2.SessionService.GetSession: input zitadel.session.v2.GetSessionRequest, want zitadel.session.v2.SetSessionRequest",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := loadFacts(t)
			files := protoregistry.GlobalFiles
			if tt.files != nil {
				files = tt.files(t)
			}
			if tt.facts != nil {
				tt.facts(facts)
			}
			diffs := Compare(facts, files)
			if strings.Join(diffs, "\n") != tt.want {
				t.Fatalf("got %d differences:\n  %s\nwant exactly:\n  %s", len(diffs), strings.Join(diffs, "\n  "), tt.want)
			}
		})
	}
}

func setField(f *Facts, msg, field string, edit func(*Field)) {
	for i := range f.Messages {
		if f.Messages[i].FullName != msg {
			continue
		}
		for j := range f.Messages[i].Fields {
			if f.Messages[i].Fields[j].Name == field {
				edit(&f.Messages[i].Fields[j])
			}
		}
	}
}
