package grpcconn

import (
	"context"
	"fmt"
	"net/textproto"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// wantKey names, on a call's context, the Authorization value the call
// must send (TestSharedMetadataConcurrent).
type wantKey struct{}

// recordConn records the outgoing metadata of every unary call, with the
// value stored under wantKey in the call's context ("" without one).
type recordConn struct {
	mu    sync.Mutex
	calls []recordedCall
}

type recordedCall struct {
	want string
	md   metadata.MD
}

func (c *recordConn) Invoke(ctx context.Context, _ string, _, _ any, _ ...grpc.CallOption) error {
	md, _ := metadata.FromOutgoingContext(ctx)
	want, _ := ctx.Value(wantKey{}).(string)
	c.mu.Lock()
	c.calls = append(c.calls, recordedCall{want: want, md: md})
	c.mu.Unlock()
	return nil
}

func (*recordConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	panic("not used")
}

// unaryCall runs one unary call on tr with the request header set by set.
func unaryCall(tr connect.Transport, ctx context.Context, set func(*connect.Header)) error {
	ctx, info := connect.NewClientContext(ctx)
	set(info.RequestHeader())
	s, err := tr.NewClientStream(ctx, connect.Spec{Procedure: "/s/M", StreamType: connect.StreamTypeUnary})
	if err != nil {
		return err
	}
	if err := s.Send(new(int)); err != nil {
		return err
	}
	return s.Receive(new(int))
}

// call runs one unary call (see unaryCall) and returns the metadata the
// connection saw.
func call(t *testing.T, tr *transport, cc *recordConn, ctx context.Context, set func(*connect.Header)) metadata.MD {
	t.Helper()
	if err := unaryCall(tr, ctx, set); err != nil {
		t.Fatal(err)
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.calls[len(cc.calls)-1].md
}

func TestSharedMetadata(t *testing.T) {
	cc := new(recordConn)
	tr := NewTransport(cc).(*transport)
	ctx := context.Background()
	pat := []string{"Bearer pat"} // as the auth interceptor keeps it: one slice per token

	// The same value slice: shared from the second call on, sent every time.
	for i := range 3 {
		md := call(t, tr, cc, ctx, func(h *connect.Header) { h.SetValues("Authorization", pat) })
		if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer pat" || len(md) != 1 {
			t.Fatalf("call %d sent %v, want only authorization: Bearer pat", i, md)
		}
	}
	shared := tr.shared.last.Load()
	if shared == nil || shared.first != &pat[0] {
		t.Fatal("the repeated header is not shared")
	}

	// A value set per call (a session token) is never shared and never
	// replaced by the shared one.
	for i := range 3 {
		tok := fmt.Sprintf("Bearer session-token-%d", i)
		md := call(t, tr, cc, ctx, func(h *connect.Header) { h.Set("Authorization", tok) })
		if got := md.Get("authorization"); len(got) != 1 || got[0] != tok {
			t.Fatalf("session call %d sent %q, want %q", i, got, tok)
		}
	}
	if tr.shared.last.Load() != shared {
		t.Error("headers set once per call replaced the shared entry")
	}

	// The shared slice changed in place: the new value is sent.
	pat[0] = "Bearer rotated"
	if got := call(t, tr, cc, ctx, func(h *connect.Header) { h.SetValues("Authorization", pat) }).Get("authorization"); len(got) != 1 || got[0] != "Bearer rotated" {
		t.Errorf("after an in-place change sent %q, want Bearer rotated", got)
	}

	// Metadata the caller put on the context is kept.
	withMD := metadata.AppendToOutgoingContext(ctx, "x-caller", "1")
	md := call(t, tr, cc, withMD, func(h *connect.Header) { h.SetValues("Authorization", pat) })
	if md.Get("x-caller")[0] != "1" || md.Get("authorization")[0] != "Bearer rotated" {
		t.Errorf("with caller metadata sent %v", md)
	}

	// Two headers, a binary one, a reserved one: the general path.
	md = call(t, tr, cc, ctx, func(h *connect.Header) {
		h.SetValues("Authorization", pat)
		h.Set("X-Zitadel-Orgid", "org-1")
	})
	if len(md) != 2 || md.Get("x-zitadel-orgid")[0] != "org-1" {
		t.Errorf("two headers sent %v", md)
	}
	bin := []string{connect.EncodeBinaryHeader([]byte{0, 1})}
	for range 2 {
		md = call(t, tr, cc, ctx, func(h *connect.Header) { h.SetValues("X-Trace-Bin", bin) })
		if got := md.Get("x-trace-bin"); len(got) != 1 || got[0] != "\x00\x01" {
			t.Errorf("binary header sent %q, want the decoded bytes", got)
		}
	}
	ua := []string{"mine"}
	for range 2 {
		if md = call(t, tr, cc, ctx, func(h *connect.Header) { h.SetValues("User-Agent", ua) }); len(md) != 0 {
			t.Errorf("reserved header sent as metadata: %v", md)
		}
	}
}

// TestSharedMetadataConcurrent runs calls with two tokens (each one slice,
// as the auth interceptor keeps them) and per-call session tokens at once on
// one transport (go test -race): every call sends its own value.
func TestSharedMetadataConcurrent(t *testing.T) {
	cc := new(recordConn)
	tr := NewTransport(cc)
	tokens := [][]string{{"Bearer a"}, {"Bearer b"}}
	errs := make(chan error, 6)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 200 {
				values := tokens[w%2]
				if w >= 4 {
					values = []string{fmt.Sprintf("Bearer s-%d-%d", w, i)}
				}
				ctx := context.WithValue(context.Background(), wantKey{}, values[0])
				if err := unaryCall(tr, ctx, func(h *connect.Header) { h.SetValues("Authorization", values) }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(cc.calls) != 6*200 {
		t.Fatalf("%d calls reached the connection, want %d", len(cc.calls), 6*200)
	}
	for _, c := range cc.calls {
		if got := c.md.Get("authorization"); len(got) != 1 || got[0] != c.want {
			t.Errorf("call with %q sent %v", c.want, c.md)
		}
	}
}

// TestCanonicalKey checks the table of canonicalKey against textproto and
// that copyMetadata stores every key in canonical form.
func TestCanonicalKey(t *testing.T) {
	for _, key := range []string{"vary", "x-request-id", "x-robots-tag", "cache-control", "pragma", "expires", "x-other-key"} {
		var h connect.Header
		copyMetadata(&h, metadata.MD{key: {"v"}})
		want := textproto.CanonicalMIMEHeaderKey(key)
		var got []string
		for k := range h.All() {
			got = append(got, k)
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("copyMetadata(%q) stored keys %q, want [%q]", key, got, want)
		}
		if c := canonicalKey(key); c != key && c != want {
			t.Errorf("canonicalKey(%q) = %q, want %q", key, c, want)
		}
	}
}
