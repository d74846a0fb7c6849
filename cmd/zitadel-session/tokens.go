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
// change), get and delete read them, delete removes them. Every file name
// is built from a checked session id, never from a raw server string.

// maxSessionIDLen is Zitadel's limit for a session id.
const maxSessionIDLen = 200

// validSessionID reports whether id is safe to use as a file name and looks
// like a Zitadel session id: 1 to 200 ASCII letters, digits, '-' and '_'.
func validSessionID(id string) bool {
	if id == "" || len(id) > maxSessionIDLen {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// checkSessionID checks a session id given on the command line.
func checkSessionID(id string) error {
	if !validSessionID(id) {
		return invalidErrorf("session id %q is not valid: use the id printed by create or login (letters, digits, - and _)", printableKey(id))
	}
	return nil
}

// checkServerSessionID checks a session id the server returned, before it
// is used in a file name or printed. A server that returns anything but a
// plain id (e.g. "../../x") is not trusted with the local file system.
func checkServerSessionID(id string) error {
	if validSessionID(id) {
		return nil
	}
	shown := terminalSafe(id)
	if len(shown) > 60 {
		shown = shown[:60] + "..."
	}
	return &exitError{code: exitOther, msg: fmt.Sprintf("the server returned an invalid session id %q (want 1 to %d letters, digits, - or _); nothing was saved", shown, maxSessionIDLen)}
}

// tokenDir is <user config dir>/zitadel-session.
func tokenDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", invalidErrorf("cannot find a directory for session tokens (%v): pass --session-token-file", err)
	}
	return filepath.Join(dir, "zitadel-session"), nil
}

// defaultTokenPath is <user config dir>/zitadel-session/<session id>.token.
// sessionID must have passed validSessionID.
func defaultTokenPath(sessionID string) (string, error) {
	dir, err := tokenDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, sessionID+".token"), nil
}

// tokenPath returns the file for the token of sessionID: flagPath if set,
// else the default path.
func tokenPath(flagPath, sessionID string) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	if !validSessionID(sessionID) {
		return "", checkServerSessionID(sessionID)
	}
	return defaultTokenPath(sessionID)
}

// checkTokenDestination checks, before anything is sent, that a token can
// be written to flagPath (--session-token-file) or, when it is empty, to
// the default token directory: the directory must not be writable by
// others, and the file must not be a symbolic link or anything but a
// regular file.
func checkTokenDestination(flagPath string) error {
	if flagPath == "" {
		dir, err := tokenDir()
		if err != nil {
			return err
		}
		return checkDirIfExists(dir, "the token directory")
	}
	if err := checkDirIfExists(filepath.Dir(flagPath), "--session-token-file"); err != nil {
		return err
	}
	return checkWritableTarget(flagPath, "--session-token-file")
}

// checkDirIfExists applies checkPrivateDir to dir when it exists.
func checkDirIfExists(dir, what string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return checkPrivateDir(dir, what)
}

// checkWritableTarget refuses to write through a symbolic link or over
// anything but a regular file.
func checkWritableTarget(path, what string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return invalidErrorf("%s: %s", what, pathError(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return invalidErrorf("%s %s is a symbolic link; refusing to write a session token through it", what, path)
	case !fi.Mode().IsRegular():
		return invalidErrorf("%s %s is not a regular file", what, path)
	}
	return nil
}

// saveToken writes the session token of sessionID to flagPath or the
// default token file and returns the path. An empty token (nothing
// changed) writes nothing and returns "".
func saveToken(flagPath, sessionID, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	if !validToken(token) {
		return "", errors.New("the server returned a session token with spaces or control characters")
	}
	path, err := tokenPath(flagPath, sessionID)
	if err != nil {
		return "", err
	}
	if err := writeToken(path, token); err != nil {
		return "", err
	}
	return path, nil
}

// tokenNotSaved turns a failure of saveToken after a successful call into
// the command's error: the output (with the session id) has been printed,
// and the exit code is not 0, so that a script notices the token is lost.
func tokenNotSaved(err error, what, sessionID string) error {
	if err == nil {
		return nil
	}
	code := exitOther
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	return &exitError{code: code, msg: fmt.Sprintf("%s, but its session token could not be saved: %s; "+
		"end it with 'zitadel-session delete %s' (as a caller with the session.delete permission)", what, firstLine(err.Error()), sessionID)}
}

// writeToken atomically writes token to path with mode 0600, creating the
// directory with mode 0700. It never writes through a symbolic link: the
// token goes to a new file created exclusively (O_EXCL) in the target
// directory, which is then renamed over path (a rename replaces a link, it
// does not follow it), and an existing link at path is refused. A directory
// others can write to is refused.
func writeToken(path, token string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s for the session token: %s", dir, pathError(err))
	}
	if err := checkPrivateDir(dir, "the token directory"); err != nil {
		return err
	}
	if err := checkWritableTarget(path, "the token file"); err != nil {
		return err
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

// requestToken finds the session token that get and delete send:
// ZITADEL_SESSION_TOKEN, else --session-token-file (which must exist), else
// the default token file if it exists. It returns "" when there is none or
// skip (--no-token) is set, in which case the call relies on the caller's
// permissions; source names where the token came from.
func (a *app) requestToken(skip bool, flagPath, sessionID string) (token, source string, err error) {
	if skip {
		return "", "", nil
	}
	if t := strings.TrimSpace(a.getenv("ZITADEL_SESSION_TOKEN")); t != "" {
		if !validToken(t) {
			return "", "", invalidErrorf("ZITADEL_SESSION_TOKEN must be a token: printable characters without spaces or control characters")
		}
		return t, "ZITADEL_SESSION_TOKEN", nil
	}
	if flagPath != "" {
		t, err := readSecretFile(flagPath, "--session-token-file")
		if errors.Is(err, fs.ErrNotExist) {
			return "", "", invalidErrorf("--session-token-file %s does not exist", flagPath)
		}
		if err != nil {
			return "", "", err
		}
		return t, flagPath, nil
	}
	dir, err := tokenDir()
	if err != nil {
		return "", "", nil
	}
	if err := checkDirIfExists(dir, "the token directory"); err != nil {
		return "", "", err
	}
	p := filepath.Join(dir, sessionID+".token")
	t, err := readSecretFile(p, "the token file")
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	return t, p, nil
}
