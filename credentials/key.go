package credentials

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// ServiceAccountKey is a Zitadel key file as Zitadel issues it: for a
// service user
//
//	{"type":"serviceaccount","keyId":"…","key":"-----BEGIN RSA PRIVATE KEY-----…","expirationDate":"9999-12-31T23:59:59Z","userId":"…"}
//
// or, for an API application, with "type":"application", "clientId" and
// "appId" instead of "userId".
//
// The String, GoString, Format and LogValue methods never reveal Key. Note
// that encoding/json marshals Key in clear text so that a key can be written
// back to a file; never log a ServiceAccountKey as JSON yourself.
type ServiceAccountKey struct {
	// Type is "serviceaccount" or "application".
	Type string `json:"type"`
	// KeyID identifies the key; it becomes the JWT "kid" header.
	KeyID string `json:"keyId"`
	// Key is the PEM encoded RSA private key (PKCS #1 or PKCS #8). A secret.
	Key string `json:"key"`
	// ExpirationDate is when Zitadel stops accepting the key; zero when the
	// file has none. Zitadel writes 9999-12-31T23:59:59Z for a key created
	// without an expiry.
	ExpirationDate time.Time `json:"expirationDate,omitzero"`
	// UserID is the service user's id (type "serviceaccount").
	UserID string `json:"userId,omitempty"`
	// ClientID is the application's client id (type "application").
	ClientID string `json:"clientId,omitempty"`
	// AppID is the application's id (type "application"); informational.
	AppID string `json:"appId,omitempty"`
}

const (
	keyTypeServiceAccount = "serviceaccount"
	keyTypeApplication    = "application"
	redacted              = "[REDACTED]"
)

// Subject returns the identity the key authenticates: UserID for a service
// account key, ClientID for an application key. It is used as the JWT
// assertion's iss and sub.
func (k *ServiceAccountKey) Subject() string {
	if k.Type == keyTypeApplication {
		return k.ClientID
	}
	return k.UserID
}

// String returns a description of the key with Key redacted.
func (k ServiceAccountKey) String() string {
	exp := ""
	if !k.ExpirationDate.IsZero() {
		exp = k.ExpirationDate.Format(time.RFC3339)
	}
	return fmt.Sprintf("ServiceAccountKey{Type: %q, KeyID: %q, UserID: %q, ClientID: %q, ExpirationDate: %q, Key: %s}",
		k.Type, k.KeyID, k.UserID, k.ClientID, exp, redacted)
}

// GoString returns the same as String, with Key redacted.
func (k ServiceAccountKey) GoString() string { return k.String() }

// Format writes String for every verb, so %v, %+v, %#v, %s and %q never
// reveal Key.
func (k ServiceAccountKey) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, k.String()) }

// LogValue implements slog.LogValuer with Key redacted.
func (k ServiceAccountKey) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", k.Type),
		slog.String("key_id", k.KeyID),
		slog.String("user_id", k.UserID),
		slog.String("client_id", k.ClientID),
		slog.Time("expiration_date", k.ExpirationDate),
		slog.String("key", redacted),
	)
}

// keyFile is the JSON shape of a key file. expirationDate is decoded as a
// string so that a malformed date is reported with the field's name.
type keyFile struct {
	Type           string  `json:"type"`
	KeyID          string  `json:"keyId"`
	Key            string  `json:"key"`
	ExpirationDate *string `json:"expirationDate"`
	UserID         string  `json:"userId"`
	ClientID       string  `json:"clientId"`
	AppID          string  `json:"appId"`
}

// ParseServiceAccountKey parses and validates a Zitadel key file (see
// [ServiceAccountKey]). Fields it does not know are ignored, so key files of
// later Zitadel versions keep working. It rejects trailing data, wrong JSON
// types, a missing or unknown "type", a missing "keyId", "key" or "userId"
// ("clientId" for application keys), a key that is not a PEM encoded RSA
// private key (PKCS #1 or PKCS #8), and an "expirationDate" that is not an
// RFC 3339 date or lies in the past. Errors name the offending field but
// never contain the key or other input bytes.
func ParseServiceAccountKey(data []byte) (*ServiceAccountKey, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var f keyFile
	if err := dec.Decode(&f); err != nil {
		return nil, keyJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("credentials: service account key: unexpected data after the JSON object")
	}
	k := &ServiceAccountKey{
		Type: f.Type, KeyID: f.KeyID, Key: f.Key,
		UserID: f.UserID, ClientID: f.ClientID, AppID: f.AppID,
	}
	if f.ExpirationDate != nil && *f.ExpirationDate != "" {
		t, err := time.Parse(time.RFC3339, *f.ExpirationDate)
		if err != nil {
			return nil, errors.New(`credentials: service account key: field "expirationDate" must be an RFC 3339 date and time, as Zitadel writes it`)
		}
		k.ExpirationDate = t
	}
	if err := k.validate(time.Now()); err != nil {
		return nil, err
	}
	return k, nil
}

// validate checks the fields of k as ParseServiceAccountKey does, with now as
// the time for the expiry check.
func (k *ServiceAccountKey) validate(now time.Time) error {
	switch k.Type {
	case keyTypeServiceAccount:
		if k.UserID == "" {
			return errors.New(`credentials: service account key: field "userId" is missing or empty`)
		}
	case keyTypeApplication:
		if k.ClientID == "" {
			return errors.New(`credentials: service account key: field "clientId" is missing or empty`)
		}
	case "":
		return errors.New(`credentials: service account key: field "type" is missing or empty`)
	default:
		return fmt.Errorf(`credentials: service account key: field "type" must be %q or %q`, keyTypeServiceAccount, keyTypeApplication)
	}
	if k.KeyID == "" {
		return errors.New(`credentials: service account key: field "keyId" is missing or empty`)
	}
	if k.Key == "" {
		return errors.New(`credentials: service account key: field "key" is missing or empty`)
	}
	if _, err := parseRSAPrivateKey(k.Key); err != nil {
		return err
	}
	return k.checkExpiry(now)
}

// checkExpiry fails when the key's expiration date has passed.
func (k *ServiceAccountKey) checkExpiry(now time.Time) error {
	if !k.ExpirationDate.IsZero() && !now.Before(k.ExpirationDate) {
		// Neither the date nor the key id is quoted: errors never echo input.
		return errors.New(`credentials: service account key: field "expirationDate" lies in the past: the key has expired; create a new key in Zitadel`)
	}
	return nil
}

// keyJSONError describes a JSON decoding failure without quoting input.
func keyJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errors.New("credentials: service account key: the data must be a JSON object")
	case errors.As(err, &typeErr):
		return fmt.Errorf("credentials: service account key: field %q must be a JSON %s", typeErr.Field, typeErr.Type.Kind())
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("credentials: service account key: invalid JSON at byte offset %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("credentials: service account key: empty or truncated JSON")
	default:
		return errors.New("credentials: service account key: invalid JSON object")
	}
}

// parseRSAPrivateKey parses a PEM encoded PKCS #1 or PKCS #8 RSA private key.
func parseRSAPrivateKey(s string) (*rsa.PrivateKey, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New(`credentials: service account key: field "key" is not PEM encoded`)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New(`credentials: service account key: field "key" has data after the PEM block`)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New(`credentials: service account key: field "key" is not a PKCS #1 or PKCS #8 private key`)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New(`credentials: service account key: field "key" is not an RSA private key`)
	}
	return rk, nil
}

// ServiceAccountKeyFile reads and parses a Zitadel key file with
// [ParseServiceAccountKey]. Errors name the file.
func ServiceAccountKeyFile(path string) (*ServiceAccountKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credentials: reading service account key: %w", err)
	}
	k, err := ParseServiceAccountKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}
