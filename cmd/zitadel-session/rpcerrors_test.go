package main

import (
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/session"
)

// TestClassifyByLibraryPredicates: the exit code of each error as Zitadel
// sends it (code, id, message) follows the session package's predicates.
func TestClassifyByLibraryPredicates(t *testing.T) {
	for _, tc := range []struct {
		code     connect.Code
		id, msg  string
		exit     int
		predOK   func(error) bool // the library predicate that decides it
		wantLine string
	}{
		{connect.CodeFailedPrecondition, "COMMAND-Hkl3d", "Session has expired", exitSessionExpired, session.IsSessionExpired, "Session has expired (COMMAND-Hkl3d)"},
		{connect.CodePermissionDenied, "AUTHZ-EGDo3", "session expired", exitSessionExpired, session.IsSessionExpired, "session expired (AUTHZ-EGDo3)"},
		{connect.CodeFailedPrecondition, "COMMAND-Hewfq", "Session already terminated", exitSessionTerminated, session.IsSessionTerminated, "Session already terminated (COMMAND-Hewfq)"},
		{connect.CodeFailedPrecondition, "COMMAND-Sx208nt", "Auth Request has already been handled", exitAlreadyHandled, session.IsAlreadyHandled, "Auth Request has already been handled (COMMAND-Sx208nt)"},
		{connect.CodeFailedPrecondition, "COMMAND-ttPKNdAIFT", "SAMLRequest has already been handled", exitAlreadyHandled, session.IsAlreadyHandled, "SAMLRequest has already been handled (COMMAND-ttPKNdAIFT)"},
		{connect.CodeInternal, "WEBAU-4G8sw", "WebAuthN begin login failed", exitFactorNotReady, session.IsFactorNotReady, "WebAuthN begin login failed (WEBAU-4G8sw)"},
		{connect.CodeFailedPrecondition, "COMMAND-JKLJ3", "Multifactor OTP (OneTimePassword) isn't ready", exitFactorNotReady, session.IsFactorNotReady, "Multifactor OTP (OneTimePassword) isn't ready (COMMAND-JKLJ3)"},
		{connect.CodeFailedPrecondition, "COMMAND-3Mif9s", "Multifactor OTP (OneTimePassword) isn't ready", exitFactorNotReady, session.IsFactorNotReady, "Multifactor OTP (OneTimePassword) isn't ready (COMMAND-3Mif9s)"},
		// Expired codes and used intents: credentials not accepted, in the CLI as in IsInvalidCredentials.
		{connect.CodeFailedPrecondition, "CODE-QvUQ4P", "Code is expired", exitAuth, session.IsInvalidCredentials, "Code is expired (CODE-QvUQ4P)"},
		{connect.CodeFailedPrecondition, "COMMAND-Df4bw", "Intent has not succeeded", exitAuth, session.IsInvalidCredentials, "Intent has not succeeded (COMMAND-Df4bw)"},
		{connect.CodeFailedPrecondition, "COMMAND-Aej7i", "Errors.User.WebAuthN.NotFound", exitAuth, session.IsInvalidCredentials, "Errors.User.WebAuthN.NotFound (COMMAND-Aej7i)"},
		// Unclassified ids fall back to the code.
		{connect.CodeFailedPrecondition, "COMMAND-S34gh", "Code not found", exitOther, nil, "Code not found (COMMAND-S34gh)"},
		{connect.CodeInvalidArgument, "DOMAIN-oGh5e", "URL Template is invalid", exitInvalid, nil, "URL Template is invalid (DOMAIN-oGh5e)"},
	} {
		err := zitadelErr(tc.code, tc.id, tc.msg, 0)
		code, line := classify(err)
		if code != tc.exit || line != tc.wantLine {
			t.Errorf("%s: classify = %d, %q; want %d, %q", tc.id, code, line, tc.exit, tc.wantLine)
		}
		if tc.predOK != nil && !tc.predOK(session.WrapError(err)) {
			t.Errorf("%s: the library predicate disagrees", tc.id)
		}
	}
}

// TestClassifyInstanceNotFound: Zitadel's answer for a host that is not an
// instance (not_found, no detail, id inside the message) gets its own exit
// code and names --instance-host.
func TestClassifyInstanceNotFound(t *testing.T) {
	err := connect.NewError(connect.CodeNotFound, "unable to set instance using origin &{127.0.0.1:8080  http} "+
		"(ExternalDomain is localhost): ID=QUERY-1kIjX Message=Instance not found. Make sure you got the domain right. "+
		"Check out https://zitadel.com/docs/apis/introduction#domains Parent=(unable to get instance by domain: instanceDomain 127.0.0.1, publicHostname 127.0.0.1: ID=QUERY-1kIjX Message=Errors.Instance.NotFound)").WithRemote()
	code, line := classify(err)
	if code != exitInstanceNotFound || code == exitNotFound {
		t.Errorf("exit code %d, want %d", code, exitInstanceNotFound)
	}
	for _, want := range []string{"Instance not found.", "(QUERY-1kIjX)", "--instance-host"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "Parent=") {
		t.Errorf("line %q carries Zitadel's internal error chain", line)
	}
}

// TestExitCodeHelpListsEveryCode keeps --help and the constants in step.
func TestExitCodeHelpListsEveryCode(t *testing.T) {
	for _, c := range []int{exitOK, exitOther, exitUsage, exitAuth, exitNotFound, exitInvalid, exitConn,
		exitInstanceNotFound, exitSessionExpired, exitSessionTerminated, exitAlreadyHandled, exitFactorNotReady} {
		found := false
		for _, l := range strings.Split(exitCodeHelp, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == strconv.Itoa(c) {
				found = true
			}
		}
		if !found {
			t.Errorf("exit code %d is not in the help text", c)
		}
	}
}
