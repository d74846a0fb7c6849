package credentials_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/sessionkit/zitadel-session-go/credentials"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

func ExamplePersonalAccessToken() {
	ts := credentials.PersonalAccessToken("my-pat")
	fmt.Println(ts) // never prints the token
	tok, err := ts.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type(), tok.Expiry.IsZero())
	// Output:
	// PersonalAccessToken([REDACTED])
	// Bearer true
}

func ExampleClientCredentials() {
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer:       "https://example.zitadel.cloud",
		ClientID:     os.Getenv("ZITADEL_CLIENT_ID"),
		ClientSecret: os.Getenv("ZITADEL_CLIENT_SECRET"),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = interceptors.Auth(ts) // pass to connect.NewClient
}

// A local Zitadel names its issuer after its instance domain
// (http://localhost:8080); Address sends discovery and token requests to
// the address actually dialed, with localhost:8080 as Host.
func ExampleClientCredentials_address() {
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer:       "http://localhost:8080",
		Address:      "http://127.0.0.1:8080",
		ClientID:     os.Getenv("ZITADEL_CLIENT_ID"),
		ClientSecret: os.Getenv("ZITADEL_CLIENT_SECRET"),
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = interceptors.Auth(ts) // pass to connect.NewClient
}

func ExampleJWTProfile() {
	key, err := credentials.ServiceAccountKeyFile("service-account.json")
	if err != nil {
		log.Fatal(err)
	}
	ts, err := credentials.JWTProfile(credentials.JWTProfileConfig{
		Issuer:     "https://example.zitadel.cloud",
		Key:        key,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = interceptors.Auth(ts) // pass to connect.NewClient
}

func ExampleParseServiceAccountKey() {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	// The shape Zitadel issues; unknown fields would be ignored.
	data, err := json.Marshal(map[string]string{
		"type":           "serviceaccount",
		"keyId":          "123",
		"key":            string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})),
		"expirationDate": "9999-12-31T23:59:59Z",
		"userId":         "456",
	})
	if err != nil {
		log.Fatal(err)
	}
	key, err := credentials.ParseServiceAccountKey(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key)
	_, err = credentials.ParseServiceAccountKey([]byte(`{"type":"serviceaccount","keyId":"123","userId":"456"}`))
	fmt.Println(err)
	// Output:
	// ServiceAccountKey{Type: "serviceaccount", KeyID: "123", UserID: "456", ClientID: "", ExpirationDate: "9999-12-31T23:59:59Z", Key: [REDACTED]}
	// credentials: service account key: field "key" is missing or empty
}
