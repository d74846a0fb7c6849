package zitadelerr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// TestIDLiteralsLiveHere: every error id is spelled in exactly one
// non-test, non-generated Go file, this package's ids.go. The test walks the
// module's Go files and fails on a string literal equal to one of the ids.
func TestIDLiteralsLiveHere(t *testing.T) {
	fset := token.NewFileSet()
	ids := map[string]bool{}
	f, err := parser.ParseFile(fset, "ids.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, _ := strconv.Unquote(lit.Value); v != "" {
				ids[v] = true
			}
		}
		return true
	})
	if len(ids) < 60 {
		t.Fatalf("found %d ids in ids.go, want the whole catalogue", len(ids))
	}
	root := ".."
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "gen", "zitadelerr", "testdata", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, _ := strconv.Unquote(lit.Value); ids[v] {
					t.Errorf("%s: the id %q is spelled here; use its zitadelerr constant", fset.Position(lit.Pos()), v)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d Go files", checked)
	}
}

// TestKindOf pins the classification of the ids the session predicates and
// the CLI's exit codes rely on.
func TestKindOf(t *testing.T) {
	cases := map[zitadelerr.Kind][]string{
		zitadelerr.KindInvalidCredentials: {"COMMAND-3M0fs", "EVENT-8isk2", "CODE-woT0xc", "CODE-QvUQ4P", "DOMAIN-6uvh0",
			"WEBAU-ADgv4", "WEBAU-3M9si", "COMMAND-Aej7i", "CRYPTO-Sfefs", "CRYPTO-Swg31", "CRYPTO-Sf4gt", "CRYPTO-CRYPTO",
			"COMMAND-Df4bw", "COMMAND-SAf42", "COMMAND-O8xk3w"},
		zitadelerr.KindLocked:            {"COMMAND-JLK35", "COMMAND-SFA3t", "COMMAND-SF3fg", "COMMAND-S6h4R", "COMMAND-2w6oa", "COMMAND-ASV12", "SESSION-Gj4ko"},
		zitadelerr.KindSessionExpired:    {"COMMAND-Hkl3d", "AUTHZ-EGDo3"},
		zitadelerr.KindSessionTerminated: {"COMMAND-Hewfq"},
		zitadelerr.KindAlreadyHandled:    {"COMMAND-Sx208nt", "COMMAND-ttPKNdAIFT"},
		zitadelerr.KindFactorNotReady:    {"WEBAU-4G8sw", "COMMAND-JKLJ3", "COMMAND-BJ2g3", "COMMAND-3Mif9s", "COMMAND-d2r52", "COMMAND-84rgg", "COMMAND-3nJ4t"},
		zitadelerr.KindUnauthenticated:   {"AUTH-7fs1e", "AUTH-toLo1", "AUTHZ-Kl3p0", "QUERY-dsfr3", "COMMAND-sGr42", "COMMAND-hi6Ph"},
		zitadelerr.KindPermissionDenied:  {"AUTH-AWfge", "AUTHZ-cdgFk"},
		zitadelerr.KindNotFound:          {"QUERY-SFeaa", "QUERY-Dfbg2", "QUERY-Thee9", "COMMAND-jae5P", "COMMAND-GH3PVLSfXC"},
		zitadelerr.KindInstanceNotFound:  {"QUERY-1kIjX"},
		zitadelerr.KindOther: {"", "COMMAND-Sfw3f", "COMMAND-3n77z", "COMMAND-Ioqu5", "COMMAND-S34gh", "GRPC-x8n24uh",
			"DOMAIN-oGh5e", "COMMAND-Df4b3", "NO-SUCH-ID", "session.token_invalid"},
	}
	for want, ids := range cases {
		for _, id := range ids {
			if got := zitadelerr.KindOf(id); got != want {
				t.Errorf("KindOf(%q) = %v, want %v", id, got, want)
			}
		}
	}
	for k := zitadelerr.KindOther; k <= zitadelerr.KindInstanceNotFound; k++ {
		if s := k.String(); s == "" || s == "unknown" {
			t.Errorf("Kind(%d).String() = %q", k, s)
		}
	}
	if s := zitadelerr.Kind(200).String(); s != "unknown" {
		t.Errorf("Kind(200).String() = %q", s)
	}
}
