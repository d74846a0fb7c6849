// Command zitadel-session is a command-line client for Zitadel's Session API
// v2. Run "zitadel-session demo" for a guided tour against a built-in test
// server, and "zitadel-session --help" for the command reference.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
