package sessiontest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

// WebAuthnCredential is a registered passkey or U2F security key of a user,
// for AddWebAuthnCredential and the seed file. An authenticator that holds
// the matching private key (a real one, a browser's virtual authenticator,
// a script, or Authenticator.ImportCredential) can sign challenges for it.
type WebAuthnCredential struct {
	// ID is the credential ID (the authenticator's rawId), 1..1023 bytes.
	ID []byte
	// PublicKey is the credential's public key: a COSE_Key (as in the
	// attested credential data of a registration) or a DER
	// SubjectPublicKeyInfo of an ECDSA P-256 key (ES256).
	PublicKey []byte
	// RPID is the relying party ID the credential is registered for: it is
	// offered for challenges whose domain equals it.
	RPID string
	// Passkey marks a passwordless credential, offered for challenges with
	// user verification REQUIRED; otherwise it is a U2F second factor,
	// offered for PREFERRED and DISCOURAGED.
	Passkey bool
	// SignCount is the authenticator's last known signature counter.
	SignCount uint32
	// Origin is an origin accepted in assertions besides "https://<RPID>"
	// (for example "http://localhost:3000"); optional.
	Origin string
}

// AddWebAuthnCredential registers c for userID (a human user).
func (s *Server) AddWebAuthnCredential(userID string, c WebAuthnCredential) error {
	if len(c.ID) == 0 || len(c.ID) > 1023 {
		return fmt.Errorf("sessiontest: AddWebAuthnCredential: credential ID must be 1..1023 bytes, got %d", len(c.ID))
	}
	if c.RPID == "" {
		return errors.New("sessiontest: AddWebAuthnCredential: RPID is required")
	}
	cose, err := coseKey(c.PublicKey)
	if err != nil {
		return fmt.Errorf("sessiontest: AddWebAuthnCredential: PublicKey: %v", err)
	}
	cred := webauthn.Credential{
		ID: append([]byte(nil), c.ID...), PublicKey: cose, AttestationType: "none", AttestationFormat: "none",
		Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: c.Passkey},
		Authenticator: webauthn.Authenticator{AAGUID: make([]byte, 16), SignCount: c.SignCount},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("AddWebAuthnCredential", userID)
	if err != nil {
		return err
	}
	if u.machine {
		return fmt.Errorf("sessiontest: AddWebAuthnCredential: user %q is a machine user", userID)
	}
	for _, uc := range s.usersByID {
		for _, have := range uc.creds {
			if bytes.Equal(have.cred.ID, c.ID) {
				return errors.New("sessiontest: AddWebAuthnCredential: a credential with that ID is already registered")
			}
		}
	}
	u.creds = append(u.creds, waCred{cred: cred, rpID: c.RPID, passwordless: c.Passkey})
	if c.Origin != "" {
		found := false
		for _, o := range s.origins[c.RPID] {
			found = found || o == c.Origin
		}
		if !found {
			s.origins[c.RPID] = append(s.origins[c.RPID], c.Origin)
		}
	}
	return nil
}

// coseKey returns key as a COSE_Key: key itself if it is one the WebAuthn
// library can use, or the conversion of a DER SubjectPublicKeyInfo of a
// P-256 key.
func coseKey(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, errors.New("is empty")
	}
	if pub, err := x509.ParsePKIXPublicKey(key); err == nil {
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, errors.New("a SubjectPublicKeyInfo must hold an ECDSA P-256 key")
		}
		return es256COSE(ec)
	}
	if _, err := webauthncose.ParsePublicKey(key); err != nil {
		return nil, errors.New("is neither a COSE_Key nor a DER SubjectPublicKeyInfo")
	}
	return append([]byte(nil), key...), nil
}

// es256COSE encodes an ECDSA P-256 public key as a COSE_Key (ES256).
func es256COSE(pub *ecdsa.PublicKey) ([]byte, error) {
	ecdh, err := pub.ECDH()
	if err != nil {
		return nil, errors.New("cannot encode the key")
	}
	raw := ecdh.Bytes() // 0x04 || X || Y
	return webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         int64(webauthncose.P256),
		XCoord:        raw[1:33],
		YCoord:        raw[33:65],
	})
}

// ImportCredential adds an existing credential to the virtual authenticator:
// its ID, its ECDSA P-256 private key (PKCS#8 DER, as a browser's virtual
// authenticator exports it), the user handle (the user ID) and the last
// signature counter. Register the matching public key with
// AddWebAuthnCredential (or the seed file) to log in with it.
func (a *Authenticator) ImportCredential(id, pkcs8PrivateKey []byte, userID string, signCount uint32) error {
	k, err := x509.ParsePKCS8PrivateKey(pkcs8PrivateKey)
	if err != nil {
		return errors.New("sessiontest: ImportCredential: the private key is not PKCS#8 DER")
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return errors.New("sessiontest: ImportCredential: the private key is not an ECDSA P-256 key")
	}
	if len(id) == 0 {
		return errors.New("sessiontest: ImportCredential: the credential ID is empty")
	}
	a.mu.Lock()
	a.creds = append(a.creds, &virtualCred{id: append([]byte(nil), id...), key: key, userHandle: []byte(userID), signCount: signCount})
	a.mu.Unlock()
	return nil
}
