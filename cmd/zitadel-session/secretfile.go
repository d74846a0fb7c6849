package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// Files holding secrets (session token files, --token-file, --key-file) are
// refused, not merely warned about, when their permissions let group or
// others read or write them — as OpenSSH refuses ("UNPROTECTED PRIVATE KEY
// FILE!", the key is ignored) a private key others can read. A secret that
// others can read may already be copied, and a warning scrolls past unseen
// in scripts. The check is skipped on Windows, whose permission model the
// Unix mode bits do not describe.

// permissionChecks reports whether Unix permission bits are checked.
var permissionChecks = runtime.GOOS != "windows"

// checkPrivateFile refuses a secret file that group or others may access.
func checkPrivateFile(path string, fi fs.FileInfo, what string) error {
	if !permissionChecks {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return invalidErrorf("%s %s is accessible by others (mode %#o): it holds a secret, so it is not used; run chmod 600 %s", what, path, perm, path)
	}
	return nil
}

// checkPrivateDir refuses a directory for secret files that group or
// others can write to (they could replace or remove the files in it),
// unless its sticky bit is set (as on /tmp), which keeps others from
// renaming or removing files they do not own.
func checkPrivateDir(dir, what string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return invalidErrorf("%s: %s", what, pathError(err))
	}
	if !fi.IsDir() {
		return invalidErrorf("%s: %s is not a directory", what, dir)
	}
	if !permissionChecks {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return invalidErrorf("%s: directory %s is writable by others (mode %#o), so they could replace the session token files in it; run chmod go-w %s", what, dir, perm, dir)
	}
	return nil
}

// readSecretFile reads a file holding one token (a session token or a
// personal access token): it must be private (checkPrivateFile) and hold
// exactly one token of printable characters, surrounding white space
// ignored. what names the file's origin for errors (a flag or environment
// variable). A missing file is returned as an error matching
// fs.ErrNotExist. The file's content never appears in an error.
func readSecretFile(path, what string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fs.ErrNotExist
		}
		return "", invalidErrorf("%s: %s", what, pathError(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", invalidErrorf("%s: %s", what, pathError(err))
	}
	if !fi.Mode().IsRegular() {
		return "", invalidErrorf("%s %s is not a regular file", what, path)
	}
	if err := checkPrivateFile(path, fi, what); err != nil {
		return "", err
	}
	const maxSize = 64 << 10
	b, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return "", invalidErrorf("%s: %s", what, pathError(err))
	}
	if len(b) > maxSize {
		return "", invalidErrorf("%s %s is longer than %d bytes; a token file holds one token", what, path, maxSize)
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case tok == "":
		return "", invalidErrorf("%s %s is empty", what, path)
	case !validToken(tok):
		return "", invalidErrorf("%s %s must hold one token: printable characters without spaces or control characters", what, path)
	}
	return tok, nil
}

// checkSecretFile checks a secret file that another package reads (the
// service-account key file): it must exist and be private.
func checkSecretFile(path, what string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return invalidErrorf("%s: %s", what, pathError(err))
	}
	if !fi.Mode().IsRegular() {
		return invalidErrorf("%s %s is not a regular file", what, path)
	}
	return checkPrivateFile(path, fi, what)
}
