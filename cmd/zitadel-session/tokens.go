package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Session tokens are kept in files, never on the command line: create and
// login write them, set rewrites them (Zitadel rotates the token on every
// change), get and delete read them, delete removes them.

// validSessionID reports whether id is safe to use as a file name and looks
// like a Zitadel session id.
func validSessionID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func checkSessionID(id string) error {
	if !validSessionID(id) {
		return invalidErrorf("session id %q is not valid: use the id printed by create or login (letters, digits, - and _)", printableKey(id))
	}
	return nil
}

// defaultTokenPath is <user config dir>/zitadel-session/<session id>.token.
func defaultTokenPath(sessionID string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a directory for the session token (%v): pass --session-token-file", err)
	}
	return filepath.Join(dir, "zitadel-session", sessionID+".token"), nil
}

// tokenPath returns the file for the token of sessionID: flagPath if set,
// else the default path.
func tokenPath(flagPath, sessionID string) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	return defaultTokenPath(sessionID)
}

// writeToken atomically writes token to path with mode 0600, creating the
// directory with mode 0700.
func writeToken(path, token string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s for the session token: %s", dir, pathError(err))
	}
	f, err := os.CreateTemp(dir, ".token-*")
	if err != nil {
		return fmt.Errorf("cannot write the session token to %s: %s", dir, pathError(err))
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the session token: %s", pathError(err))
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the session token: %s", pathError(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write the session token: %s", pathError(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot write the session token to %s: %s", path, pathError(err))
	}
	return nil
}

// readToken reads a token file. A missing file is reported as
// fs.ErrNotExist.
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fs.ErrNotExist
		}
		return "", invalidErrorf("cannot read the session token: %s", pathError(err))
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", invalidErrorf("session token file %s is empty", path)
	}
	return tok, nil
}

// requestToken finds the session token that get and delete send:
// ZITADEL_SESSION_TOKEN, else --session-token-file (which must exist), else
// the default token file if it exists. It returns nil when there is none or
// skip (--no-token) is set, in which case the call relies on the caller's
// permissions; source names where the token came from.
func (a *app) requestToken(skip bool, flagPath, sessionID string) (tok *string, source string, err error) {
	if skip {
		return nil, "", nil
	}
	found := func(t, src string, err error) (*string, string, error) {
		if err != nil || t == "" {
			return nil, "", err
		}
		return &t, src, nil
	}
	if t := strings.TrimSpace(a.getenv("ZITADEL_SESSION_TOKEN")); t != "" {
		return found(t, "ZITADEL_SESSION_TOKEN", nil)
	}
	if flagPath != "" {
		t, err := readToken(flagPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", invalidErrorf("--session-token-file %s does not exist", flagPath)
		}
		return found(t, flagPath, err)
	}
	p, err := defaultTokenPath(sessionID)
	if err != nil {
		return nil, "", nil
	}
	t, err := readToken(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	return found(t, p, err)
}
