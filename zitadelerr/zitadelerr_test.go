package zitadelerr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// testServerIDs maps every error-id constant of sessiontest/errors.go (as of
// the switch to this package) to the constant here that replaces it, with
// the value both must have. Replacing sessiontest's ID<Name> by the constant
// named here keeps every value.
var testServerIDs = []struct {
	testServer string
	value      string
	here       string
}{
	{"IDTokenInvalid", "AUTH-7fs1e", zitadelerr.TokenInvalid},
	{"IDAuthFactorRequired", "AUTHZ-Kl3p0", zitadelerr.AuthFactorRequired},
	{"IDAuthSessionExpired", "AUTHZ-EGDo3", zitadelerr.AuthSessionExpired},
	{"IDMembershipNotFound", "AUTHZ-cdgFk", zitadelerr.MembershipNotFound},
	{"IDNoMatchingPermissions", "AUTH-AWfge", zitadelerr.NoMatchingPermissions},
	{"IDSessionNotExisting", "QUERY-SFeaa", zitadelerr.SessionNotExisting},
	{"IDSessionTokenPermission", "QUERY-dsfr3", zitadelerr.SessionTokenPermission},
	{"IDDeleteTokenInvalid", "COMMAND-sGr42", zitadelerr.DeleteTokenInvalid},
	{"IDSessionTerminated", "COMMAND-Hewfq", zitadelerr.SessionTerminated},
	{"IDSessionExpired", "COMMAND-Hkl3d", zitadelerr.SessionExpired},
	{"IDUserNotFound", "QUERY-Dfbg2", zitadelerr.UserNotFound},
	{"IDUserNotActive", "SESSION-Gj4ko", zitadelerr.UserNotActive},
	{"IDUserChangeNotPossible", "", zitadelerr.UserChangeNotPossible},
	{"IDPasswordNoUser", "COMMAND-Sfw3f", zitadelerr.PasswordNoUser},
	{"IDPasswordUserGone", "COMMAND-3n77z", zitadelerr.PasswordUserGone},
	{"IDPasswordLocked", "COMMAND-JLK35", zitadelerr.PasswordLocked},
	{"IDPasswordLockedConcurr", "COMMAND-SFA3t", zitadelerr.PasswordLockedConcurrently},
	{"IDPasswordNotSet", "COMMAND-3nJ4t", zitadelerr.PasswordNotSet},
	{"IDPasswordInvalid", "COMMAND-3M0fs", zitadelerr.PasswordInvalid},
	{"IDIntentNoUser", "COMMAND-Sfw3r", zitadelerr.IntentNoUser},
	{"IDIntentTokenEmpty", "CRYPTO-Sfefs", zitadelerr.IntentTokenEmpty},
	{"IDIntentTokenNotBase64", "CRYPTO-Swg31", zitadelerr.IntentTokenNotBase64},
	{"IDIntentTokenUndecrypt", "CRYPTO-Sf4gt", zitadelerr.IntentTokenUndecryptable},
	{"IDIntentTokenOtherIntent", "CRYPTO-CRYPTO", zitadelerr.IntentTokenOtherIntent},
	{"IDIntentNotSucceeded", "COMMAND-Df4bw", zitadelerr.IntentNotSucceeded},
	{"IDIntentExpired", "COMMAND-SAf42", zitadelerr.IntentExpired},
	{"IDIntentOtherUser", "COMMAND-O8xk3w", zitadelerr.IntentOtherUser},
	{"IDWebAuthNNoUser", "COMMAND-eeR2e", zitadelerr.WebAuthNNoUser},
	{"IDWebAuthNUserNotActive", "COMMAND-Df4b3", zitadelerr.WebAuthNUserNotActive},
	{"IDWebAuthNBeginLogin", "WEBAU-4G8sw", zitadelerr.WebAuthNBeginLogin},
	{"IDWebAuthNNoChallenge", "COMMAND-Ioqu5", zitadelerr.WebAuthNNoChallenge},
	{"IDWebAuthNParse", "WEBAU-ADgv4", zitadelerr.WebAuthNParse},
	{"IDWebAuthNValidate", "WEBAU-3M9si", zitadelerr.WebAuthNValidate},
	{"IDWebAuthNUnknownCred", "COMMAND-Aej7i", zitadelerr.WebAuthNUnknownCredential},
	{"IDTOTPNoUser", "COMMAND-8N9ds", zitadelerr.TOTPNoUser},
	{"IDTOTPNotReady", "COMMAND-3Mif9s", zitadelerr.TOTPNotReady},
	{"IDTOTPInvalid", "EVENT-8isk2", zitadelerr.TOTPInvalid},
	{"IDTOTPLocked", "COMMAND-SF3fg", zitadelerr.TOTPLocked},
	{"IDOTPSMSChallengeNoUser", "COMMAND-JKL3g", zitadelerr.OTPSMSChallengeNoUser},
	{"IDOTPEmailChallengeNoUser", "COMMAND-JK3gp", zitadelerr.OTPEmailChallengeNoUser},
	{"IDOTPSMSNotReady", "COMMAND-BJ2g3", zitadelerr.OTPSMSNotReady},
	{"IDOTPEmailNotReady", "COMMAND-JKLJ3", zitadelerr.OTPEmailNotReady},
	{"IDURLTemplateParse", "DOMAIN-oGh5e", zitadelerr.URLTemplateParse},
	{"IDURLTemplateExecute", "DOMAIN-ieYa7", zitadelerr.URLTemplateExecute},
	{"IDOTPCheckNoUser", "COMMAND-S453v", zitadelerr.OTPCheckNoUser},
	{"IDOTPCheckNotReady", "COMMAND-d2r52", zitadelerr.OTPCheckNotReady},
	{"IDOTPCodeNotFound", "COMMAND-S34gh", zitadelerr.OTPCodeNotFound},
	{"IDOTPCodeExpired", "CODE-QvUQ4P", zitadelerr.OTPCodeExpired},
	{"IDOTPCodeInvalid", "CODE-woT0xc", zitadelerr.OTPCodeInvalid},
	{"IDOTPLocked", "COMMAND-S6h4R", zitadelerr.OTPLocked},
	{"IDRecoveryNoUser", "COMMAND-4m9s2", zitadelerr.RecoveryNoUser},
	{"IDRecoveryLocked", "COMMAND-2w6oa", zitadelerr.RecoveryLocked},
	{"IDRecoveryLockedAfter", "COMMAND-ASV12", zitadelerr.RecoveryLockedAfter},
	{"IDRecoveryNotReady", "COMMAND-84rgg", zitadelerr.RecoveryNotReady},
	{"IDRecoveryInvalid", "DOMAIN-6uvh0", zitadelerr.RecoveryInvalid},
	{"IDListCreatorInvalid", "GRPC-x8n24uh", zitadelerr.ListCreatorInvalid},
	{"IDListUserAgentInvalid", "GRPC-x8n23uh", zitadelerr.ListUserAgentInvalid},
	{"IDAuthHeaderInvalid", "AUTH-toLo1", zitadelerr.AuthHeaderInvalid},
	{"IDAuthRequestNotFound", "QUERY-Thee9", zitadelerr.LoginRequestNotFound},
	{"IDSAMLRequestNotFound", "QUERY-Thee9", zitadelerr.LoginRequestNotFound},
	{"IDAuthRequestNotExisting", "COMMAND-jae5P", zitadelerr.CallbackRequestNotFound},
	{"IDSAMLRequestNotExisting", "COMMAND-GH3PVLSfXC", zitadelerr.ResponseRequestNotFound},
	{"IDAuthRequestHandled", "COMMAND-Sx208nt", zitadelerr.AuthRequestAlreadyHandled},
	{"IDSAMLRequestHandled", "COMMAND-ttPKNdAIFT", zitadelerr.SAMLRequestAlreadyHandled},
	{"IDAuthRequestHandledOnError", "COMMAND-Sx202nt", zitadelerr.AuthRequestHandledOnError},
	{"IDSAMLRequestHandledOnError", "COMMAND-32lGj1Fhjt", zitadelerr.SAMLRequestHandledOnError},
}

func TestTestServerIDsExistHere(t *testing.T) {
	for _, c := range testServerIDs {
		if c.here != c.value {
			t.Errorf("sessiontest.%s = %q, but its replacement here is %q", c.testServer, c.value, c.here)
		}
	}
}

// TestTestServerIDsListComplete reads sessiontest/errors.go and checks that
// every id constant it defines with a string literal is in testServerIDs with
// the same value, so the list above cannot fall behind the test server.
func TestTestServerIDsListComplete(t *testing.T) {
	path := filepath.Join("..", "sessiontest", "errors.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]string{}
	for _, c := range testServerIDs {
		known[c.testServer] = c.value
	}
	seen := 0
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "ID") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue // already refers to this package
				}
				v, _ := strconv.Unquote(lit.Value)
				seen++
				want, ok := known[name.Name]
				if !ok {
					t.Errorf("sessiontest.%s = %q is not in testServerIDs", name.Name, v)
				} else if want != v {
					t.Errorf("sessiontest.%s = %q, testServerIDs says %q", name.Name, v, want)
				}
			}
		}
	}
	t.Logf("%d literal id constants in sessiontest/errors.go", seen)
}

// TestKindOf pins the classification of the ids the session predicates and
// the CLI's exit codes rely on.
func TestKindOf(t *testing.T) {
	cases := map[zitadelerr.Kind][]string{
		zitadelerr.KindInvalidCredentials: {"COMMAND-3M0fs", "EVENT-8isk2", "CODE-woT0xc", "CODE-QvUQ4P", "DOMAIN-6uvh0",
			"WEBAU-ADgv4", "WEBAU-3M9si", "COMMAND-Aej7i", "CRYPTO-Sfefs", "CRYPTO-Swg31", "CRYPTO-Sf4gt", "CRYPTO-CRYPTO",
			"COMMAND-Df4bw", "COMMAND-SAf42", "COMMAND-O8xk3w"},
		zitadelerr.KindLocked:            {"COMMAND-JLK35", "COMMAND-SFA3t", "COMMAND-SF3fg", "COMMAND-S6h4R", "COMMAND-2w6oa", "COMMAND-ASV12", "SESSION-Gj4ko"},
		zitadelerr.KindSessionExpired:    {"COMMAND-Hkl3d", "AUTHZ-EGDo3"},
		zitadelerr.KindSessionTerminated: {"COMMAND-Hewfq"},
		zitadelerr.KindAlreadyHandled:    {"COMMAND-Sx208nt", "COMMAND-ttPKNdAIFT", "COMMAND-Sf3gt", "COMMAND-Bg3d1"},
		zitadelerr.KindFactorNotReady:    {"WEBAU-4G8sw", "COMMAND-JKLJ3", "COMMAND-BJ2g3", "COMMAND-3Mif9s", "COMMAND-d2r52", "COMMAND-84rgg", "COMMAND-3nJ4t"},
		zitadelerr.KindUnauthenticated:   {"AUTH-7fs1e", "AUTH-toLo1", "AUTHZ-Kl3p0", "QUERY-dsfr3", "COMMAND-sGr42", "COMMAND-hi6Ph"},
		zitadelerr.KindPermissionDenied:  {"AUTH-AWfge", "AUTHZ-cdgFk"},
		zitadelerr.KindNotFound:          {"QUERY-SFeaa", "QUERY-Dfbg2", "QUERY-Thee9", "COMMAND-jae5P", "COMMAND-GH3PVLSfXC", "QUERY-Gsfw2", "QUERY-Sgwg2"},
		zitadelerr.KindInstanceNotFound:  {"QUERY-1kIjX"},
		zitadelerr.KindOther: {"", "COMMAND-Sfw3f", "COMMAND-3n77z", "COMMAND-Ioqu5", "COMMAND-S34gh", "GRPC-x8n24uh",
			"DOMAIN-oGh5e", "COMMAND-Df4b3", "NO-SUCH-ID", "session.token_invalid"},
	}
	for want, ids := range cases {
		for _, id := range ids {
			if got := zitadelerr.KindOf(id); got != want {
				t.Errorf("KindOf(%q) = %v, want %v", id, got, want)
			}
		}
	}
	for k := zitadelerr.KindOther; k <= zitadelerr.KindInstanceNotFound; k++ {
		if s := k.String(); s == "" || s == "unknown" {
			t.Errorf("Kind(%d).String() = %q", k, s)
		}
	}
	if s := zitadelerr.Kind(200).String(); s != "unknown" {
		t.Errorf("Kind(200).String() = %q", s)
	}
}
