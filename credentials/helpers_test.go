package credentials_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func testKeyPEM(t testing.TB) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testRSAKey())}))
}

// testKeyJSON is a key file of exactly the shape Zitadel v4 issues.
func testKeyJSON(t testing.TB) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"type": "serviceaccount", "keyId": "key-id-1", "key": testKeyPEM(t),
		"expirationDate": "9999-12-31T23:59:59Z", "userId": "user-id-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
