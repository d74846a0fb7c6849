package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// lineReader reads stdin line by line. All stdin input of one invocation
// (login name, --password-stdin, --code-stdin, piped answers) goes through
// one lineReader so that nothing is lost to buffering.
type lineReader struct {
	r *bufio.Reader
}

func (a *app) stdinLines() *lineReader {
	if a.lines == nil {
		a.lines = &lineReader{r: bufio.NewReader(a.stdin)}
	}
	return a.lines
}

// readLine returns the next line without its line ending. At EOF it
// returns the last partial line, or io.EOF when there is nothing left.
func (l *lineReader) readLine() (string, error) {
	s, err := l.r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && s != "") {
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// terminalFd returns the file descriptor of stdin if it is a terminal.
func (a *app) terminalFd() (int, bool) {
	f, ok := a.stdin.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// promptLine asks for a non-secret value (shown while typed on a terminal;
// read from stdin otherwise).
func (a *app) promptLine(label string) (string, error) {
	if _, tty := a.terminalFd(); tty {
		fmt.Fprintf(a.stderr, "%s: ", label)
	}
	s, err := a.stdinLines().readLine()
	if err != nil {
		return "", usageErrorf("reading %s from stdin: %s", strings.ToLower(label), readErr(err))
	}
	return strings.TrimSpace(s), nil
}

// promptSecret asks for a secret. On a terminal it is read without echo;
// otherwise it is read as one line from stdin only if allowPipe is set
// (--password-stdin, --code-stdin or the interactive login), else there is
// nothing safe to read it from.
func (a *app) promptSecret(label, stdinFlag string, allowPipe bool) (string, error) {
	var s string
	if fd, tty := a.terminalFd(); tty {
		fmt.Fprintf(a.stderr, "%s (input hidden): ", label)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("reading %s: %s", strings.ToLower(label), readErr(err))
		}
		s = string(b)
	} else if allowPipe {
		line, err := a.stdinLines().readLine()
		if err != nil {
			return "", usageErrorf("reading %s from stdin: %s", strings.ToLower(label), readErr(err))
		}
		s = line
	} else {
		hint := ""
		if stdinFlag != "" {
			hint = " or pass " + stdinFlag + " and pipe it in"
		}
		return "", usageErrorf("%s is needed but stdin is not a terminal: run in a terminal%s", strings.ToLower(label), hint)
	}
	s = strings.TrimRight(s, "\r\n")
	if s == "" {
		return "", invalidErrorf("%s must not be empty", strings.ToLower(label))
	}
	return s, nil
}

func readErr(err error) string {
	if errors.Is(err, io.EOF) {
		return "no input left"
	}
	return err.Error()
}
