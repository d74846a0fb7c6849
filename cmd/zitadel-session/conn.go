package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionkit/zitadel-session-go/session"
)

// connFlags are the connection settings shared by every command that talks
// to a server. Values come from flags, falling back to the environment.
// Secrets (the access token, the client secret) are never flag values.
type connFlags struct {
	url          string
	tokenFile    string
	keyFile      string
	clientID     string
	issuer       string
	protocol     string
	instanceHost string
	orgID        string
	caFile       string
	insecure     bool
	cleartext    bool
	timeout      time.Duration
}

func (f *connFlags) register(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&f.url, "url", "", "base URL of the Zitadel instance, e.g. https://auth.example.com (env ZITADEL_URL)")
	pf.StringVar(&f.tokenFile, "token-file", "", "file holding the personal access token (env ZITADEL_TOKEN_FILE; or set ZITADEL_TOKEN)")
	pf.StringVar(&f.keyFile, "key-file", "", "service account JSON key file, JWT profile (env ZITADEL_KEY_FILE)")
	pf.StringVar(&f.clientID, "client-id", "", "OAuth client id for client credentials; the secret is read from ZITADEL_CLIENT_SECRET (env ZITADEL_CLIENT_ID)")
	pf.StringVar(&f.issuer, "issuer", "", "token issuer for --key-file/--client-id, if it differs from --url (env ZITADEL_ISSUER)")
	pf.StringVar(&f.protocol, "protocol", "", "wire protocol: connect, grpc or grpcweb (env ZITADEL_PROTOCOL; default connect)")
	pf.StringVar(&f.instanceHost, "instance-host", "", "send x-zitadel-instance-host, when --url is not the instance's domain (env ZITADEL_INSTANCE_HOST)")
	pf.StringVar(&f.orgID, "org-id", "", "send x-zitadel-orgid (env ZITADEL_ORG_ID)")
	pf.StringVar(&f.caFile, "ca-file", "", "PEM file with additional trusted CA certificates (env ZITADEL_CA_FILE)")
	pf.BoolVar(&f.insecure, "insecure", false, "do not verify the server's TLS certificate (testing only)")
	pf.BoolVar(&f.cleartext, "cleartext-credentials", false, "allow sending credentials over plain http:// to a non-loopback host, e.g. in a compose network (env ZITADEL_CLEARTEXT_CREDENTIALS=true)")
	pf.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout of each call to the server")
	_ = root.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"connect", "grpc", "grpcweb"}, cobra.ShellCompDirectiveNoFileComp))
}

// orEnv returns v, or the value of the environment variable when v is empty.
func (a *app) orEnv(v, env string) string {
	if v != "" {
		return v
	}
	return strings.TrimSpace(a.getenv(env))
}

// source names where a setting came from: the flag when flagValue is set,
// else the environment variable.
func (a *app) source(flagValue, flag, env string) string {
	if flagValue != "" {
		return flag
	}
	return env
}

// baseURL returns the validated server URL from --url or ZITADEL_URL.
func (a *app) baseURL() (string, error) {
	raw := a.orEnv(a.conn.url, "ZITADEL_URL")
	if raw == "" {
		return "", usageErrorf("no server: pass --url or set ZITADEL_URL (or run 'zitadel-session demo' to try it without a server)")
	}
	u, err := checkServerURL(a.source(a.conn.url, "--url", "ZITADEL_URL"), raw)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// clientOptions turns the connection settings into session.Options. It
// reads secrets from the environment or files only.
func (a *app) clientOptions(base string) ([]session.Option, error) {
	var opts []session.Option
	switch p := a.orEnv(a.conn.protocol, "ZITADEL_PROTOCOL"); p {
	case "", "connect":
	case "grpc":
		opts = append(opts, session.WithGRPC())
	case "grpcweb", "grpc-web":
		opts = append(opts, session.WithGRPCWeb())
	default:
		return nil, invalidErrorf("%s must be connect, grpc or grpcweb, not %q", a.source(a.conn.protocol, "--protocol", "ZITADEL_PROTOCOL"), p)
	}
	if h := a.orEnv(a.conn.instanceHost, "ZITADEL_INSTANCE_HOST"); h != "" {
		if err := checkHeaderValue(a.source(a.conn.instanceHost, "--instance-host", "ZITADEL_INSTANCE_HOST"), h); err != nil {
			return nil, err
		}
		opts = append(opts, session.WithInstanceHost(h))
	}
	if o := a.orEnv(a.conn.orgID, "ZITADEL_ORG_ID"); o != "" {
		if err := checkHeaderValue(a.source(a.conn.orgID, "--org-id", "ZITADEL_ORG_ID"), o); err != nil {
			return nil, err
		}
		opts = append(opts, session.WithOrgID(o))
	}
	if ca := a.orEnv(a.conn.caFile, "ZITADEL_CA_FILE"); ca != "" {
		caName := a.source(a.conn.caFile, "--ca-file", "ZITADEL_CA_FILE")
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, invalidErrorf("%s: %v", caName, pathError(err))
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, invalidErrorf("%s %s: no PEM certificate found", caName, ca)
		}
		opts = append(opts, session.WithCAPool(pool))
	}
	if a.conn.insecure {
		fmt.Fprintln(a.stderr, "warning: --insecure: the server's TLS certificate is not verified; use this only for testing")
		opts = append(opts, session.WithInsecureSkipVerify())
	}
	cleartext := a.conn.cleartext
	if v := a.orEnv("", "ZITADEL_CLEARTEXT_CREDENTIALS"); v != "" && !cleartext {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidErrorf("ZITADEL_CLEARTEXT_CREDENTIALS must be true or false")
		}
		cleartext = b
	}
	if cleartext {
		opts = append(opts, session.WithCleartextCredentials())
	} else if strings.HasPrefix(base, "http://") && !isLoopbackURL(base) {
		// session.New refuses it too; this names the flag.
		return nil, usageErrorf("--url uses plain http:// to a host that is not a loopback address, so credentials would travel unencrypted: " +
			"use https://, or pass --cleartext-credentials (env ZITADEL_CLEARTEXT_CREDENTIALS=true) if every network hop is trusted")
	}
	cred, err := a.credentials()
	if err != nil {
		return nil, err
	}
	opts = append(opts, cred...)
	return opts, nil
}

// credentials picks exactly one way to authenticate the caller. Flags win
// over the environment; two flags at once are a usage error.
func (a *app) credentials() ([]session.Option, error) {
	var set []string
	if a.conn.tokenFile != "" {
		set = append(set, "--token-file")
	}
	if a.conn.keyFile != "" {
		set = append(set, "--key-file")
	}
	if a.conn.clientID != "" {
		set = append(set, "--client-id")
	}
	if len(set) > 1 {
		return nil, usageErrorf("use only one of %s", strings.Join(set, ", "))
	}
	issuer := a.orEnv(a.conn.issuer, "ZITADEL_ISSUER")
	if issuer != "" {
		if _, err := checkServerURL(a.source(a.conn.issuer, "--issuer", "ZITADEL_ISSUER"), issuer); err != nil {
			return nil, err
		}
	}
	withIssuer := func(opts []session.Option) []session.Option {
		if issuer != "" {
			opts = append(opts, session.WithIssuer(issuer))
		}
		return opts
	}
	tokenFile, keyFile, clientID := a.conn.tokenFile, a.conn.keyFile, a.conn.clientID
	tokenFileName, keyFileName := "--token-file", "--key-file" // where the path came from, for errors
	if len(set) == 0 {
		tokenFileName, keyFileName = "ZITADEL_TOKEN_FILE", "ZITADEL_KEY_FILE"
		switch {
		case a.getenv("ZITADEL_TOKEN") != "":
			tok := strings.TrimSpace(a.getenv("ZITADEL_TOKEN"))
			if !validToken(tok) {
				return nil, invalidErrorf("ZITADEL_TOKEN must be a token: printable characters without spaces or control characters")
			}
			return []session.Option{session.WithPersonalAccessToken(tok)}, nil
		case a.getenv("ZITADEL_TOKEN_FILE") != "":
			tokenFile = a.getenv("ZITADEL_TOKEN_FILE")
		case a.getenv("ZITADEL_KEY_FILE") != "":
			keyFile = a.getenv("ZITADEL_KEY_FILE")
		case a.getenv("ZITADEL_CLIENT_ID") != "":
			clientID = a.getenv("ZITADEL_CLIENT_ID")
		default:
			return nil, &exitError{code: exitAuth, msg: "no credentials: set ZITADEL_TOKEN (a personal access token), or use --token-file, --key-file or --client-id with ZITADEL_CLIENT_SECRET"}
		}
	}
	switch {
	case tokenFile != "":
		tok, err := readSecretFile(tokenFile, tokenFileName)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, invalidErrorf("%s %s does not exist", tokenFileName, tokenFile)
		}
		if err != nil {
			return nil, err
		}
		return []session.Option{session.WithPersonalAccessToken(tok)}, nil
	case keyFile != "":
		if err := checkSecretFile(keyFile, keyFileName); err != nil {
			return nil, err
		}
		return withIssuer([]session.Option{session.WithServiceAccountKeyFile(keyFile)}), nil
	default:
		secret := a.getenv("ZITADEL_CLIENT_SECRET")
		if secret == "" {
			return nil, usageErrorf("--client-id needs the client secret in ZITADEL_CLIENT_SECRET")
		}
		if err := checkHeaderValue(a.source(a.conn.clientID, "--client-id", "ZITADEL_CLIENT_ID"), clientID); err != nil {
			return nil, err
		}
		if !validToken(secret) {
			return nil, invalidErrorf("ZITADEL_CLIENT_SECRET must be printable characters without spaces or control characters")
		}
		return withIssuer([]session.Option{session.WithClientCredentials(clientID, secret)}), nil
	}
}

// pathError reduces a file error to "open PATH: reason" without wrapping
// anything that could carry file content.
func pathError(err error) string {
	var pe *os.PathError
	if e, ok := err.(*os.PathError); ok {
		pe = e
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return isLoopbackHost(u.Hostname())
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
