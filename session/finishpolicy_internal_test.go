package session

import (
	"slices"
	"testing"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

func TestHandleKnownFactors(t *testing.T) {
	h := &Handle{id: "s1"}
	h.setToken("t1", checkedFactors(&sessionv2.Checks{User: &sessionv2.CheckUser{}, Password: &sessionv2.CheckPassword{}}))
	h.setToken("", checkedFactors(&sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{}}))
	got := h.knownSession().VerifiedFactors()
	if want := []FactorKind{FactorUser, FactorPassword, FactorWebAuthn}; !slices.Equal(got, want) {
		t.Errorf("known factors = %v, want %v", got, want)
	}
	if h.SessionToken() != "t1" {
		t.Errorf("token = %q; an empty rotation replaced it", h.SessionToken())
	}
	// The handle cannot know user verification: a passkey policy needs the server's view.
	if Passwordless.SatisfiedBy(h.knownSession()) {
		t.Error("Passwordless satisfied by a handle's knowledge")
	}
	every := &sessionv2.Checks{User: &sessionv2.CheckUser{}, Password: &sessionv2.CheckPassword{}, IdpIntent: &sessionv2.CheckIDPIntent{},
		WebAuthN: &sessionv2.CheckWebAuthN{}, Totp: &sessionv2.CheckTOTP{}, OtpSms: &sessionv2.CheckOTP{}, OtpEmail: &sessionv2.CheckOTP{},
		RecoveryCode: &sessionv2.CheckRecoveryCode{}}
	all := (&Handle{checked: checkedFactors(every)}).knownSession().VerifiedFactors()
	if want := []FactorKind{FactorUser, FactorPassword, FactorIntent, FactorWebAuthn, FactorTOTP, FactorOTPSMS, FactorOTPEmail, FactorRecoveryCode}; !slices.Equal(all, want) {
		t.Errorf("all checks give %v", all)
	}
	if checkedFactors(nil) != 0 {
		t.Error("nil checks verify something")
	}
}

func TestIsFactorPolicy(t *testing.T) {
	for _, p := range []Policy{FactorTOTP, Authenticated, PasswordAndSecondFactor, Passwordless, SecondFactor, AllOf(AnyOf(FactorUser, nil))} {
		if !isFactorPolicy(p) {
			t.Errorf("%v is not a factor policy", p)
		}
	}
	type other struct{ Policy }
	for _, p := range []Policy{other{FactorUser}, AllOf(FactorUser, other{FactorTOTP}), AnyOf(other{FactorUser})} {
		if isFactorPolicy(p) {
			t.Errorf("%v counted as a factor policy", p)
		}
	}
}
