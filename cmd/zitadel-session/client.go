package main

import (
	"context"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sessionkit/zitadel-session-go/session"
)

// The commands are a thin shell over the session package: they build
// requests with its check, challenge and filter builders, call
// session.Client and session.Handle, and print *session.Session. The one
// place where they see the wire format is the wireRecorder below.

// client builds the session client for the configured server. It is called
// only when a command actually runs, never for --help.
func (a *app) client() (*session.Client, string, error) {
	base, err := a.baseURL()
	if err != nil {
		return nil, "", err
	}
	opts, err := a.clientOptions(base)
	if err != nil {
		return nil, "", err
	}
	c, err := a.newClient(base, opts)
	return c, base, err
}

// newClient returns a session client for base that bounds every call by
// --timeout and records the messages of every call in a.wire. The client
// is closed when the command ends.
func (a *app) newClient(base string, opts []session.Option) (*session.Client, error) {
	opts = append(opts, session.WithInterceptors(callTimeout(a.conn.timeout), a.wire.interceptor()))
	c, err := session.New(base, opts...)
	if err != nil {
		// The URL and the flag combination were checked before, so what
		// is left are the credentials' values (e.g. a malformed key file).
		return nil, &exitError{code: exitInvalid, msg: "cannot set up the client: " + firstLine(err.Error())}
	}
	a.clients = append(a.clients, c)
	return c, nil
}

// closeClients closes the connections of every client created so far.
func (a *app) closeClients() {
	for _, c := range a.clients {
		_ = c.Close()
	}
	a.clients = nil
}

// callTimeout returns an interceptor that bounds each call by d, so that
// --timeout applies per call also when one command makes several (a paged
// list, a login).
func callTimeout(d time.Duration) connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			if d <= 0 {
				return next(ctx, spec)
			}
			ctx, cancel := context.WithTimeout(ctx, d)
			s, err := next(ctx, spec)
			if err != nil {
				cancel()
				return nil, err
			}
			return &cancelOnClose{ClientStream: s, cancel: cancel}, nil
		}
	}
}

// cancelOnClose releases the call's timeout when the stream is closed
// (connect.Client.CallUnary always closes it).
type cancelOnClose struct {
	connect.ClientStream
	cancel context.CancelFunc
}

func (s *cancelOnClose) Close() error {
	err := s.ClientStream.Close()
	s.cancel()
	return err
}

// wireRecorder is the command's one hook into the wire format: a connect
// client interceptor, installed with session.WithInterceptors on every
// client the command builds, that keeps a copy of each request message the
// client sends and each response message it receives. The commands use the
// recorded messages only for output:
//
//   - -o json prints the recorded response, so that it is exactly what
//     Zitadel returned (protojson with upstream's field names), redacted;
//   - demo shows the request and the response of each step.
//
// The table output reads only the session package's typed results
// (including session.Details and session.TotalResult), and requests are
// never built from recorded messages.
type wireRecorder struct {
	mu    sync.Mutex
	calls []*wireCall
}

// wireCall is one recorded call. Response is nil when the call failed.
type wireCall struct {
	Procedure string
	Request   proto.Message
	Response  proto.Message
}

// interceptor returns the recording interceptor.
func (r *wireRecorder) interceptor() connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			s, err := next(ctx, spec)
			if err != nil {
				return nil, err
			}
			call := &wireCall{Procedure: spec.Procedure}
			r.mu.Lock()
			r.calls = append(r.calls, call)
			r.mu.Unlock()
			return &recordingStream{ClientStream: s, r: r, call: call}, nil
		}
	}
}

type recordingStream struct {
	connect.ClientStream
	r    *wireRecorder
	call *wireCall
}

func (s *recordingStream) Send(msg any) error {
	if m, ok := msg.(proto.Message); ok {
		c := proto.Clone(m)
		s.r.mu.Lock()
		s.call.Request = c
		s.r.mu.Unlock()
	}
	return s.ClientStream.Send(msg)
}

func (s *recordingStream) Receive(msg any) error {
	err := s.ClientStream.Receive(msg)
	if m, ok := msg.(proto.Message); ok && err == nil {
		c := proto.Clone(m)
		s.r.mu.Lock()
		s.call.Response = c
		s.r.mu.Unlock()
	}
	return err
}

// mark returns a position; since(mark) returns the calls made after it.
func (r *wireRecorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// since returns copies of the calls recorded after mark, oldest first.
func (r *wireRecorder) since(mark int) []wireCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]wireCall, 0, len(r.calls)-mark)
	for _, c := range r.calls[mark:] {
		out = append(out, *c)
	}
	return out
}

// lastResponse returns the response of the most recent call, nil when it
// failed or there was none.
func (r *wireRecorder) lastResponse() proto.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return nil
	}
	return r.calls[len(r.calls)-1].Response
}

// mergeResponses returns one message holding the responses of several
// calls of the same method (the pages of a listing): repeated fields are
// concatenated, singular fields take the last non-zero value. It returns nil
// when no call has a response.
func mergeResponses(calls []wireCall) proto.Message {
	var out proto.Message
	for _, c := range calls {
		if c.Response == nil {
			continue
		}
		if out == nil {
			out = proto.Clone(c.Response)
			continue
		}
		if out.ProtoReflect().Descriptor() == c.Response.ProtoReflect().Descriptor() {
			proto.Merge(out, c.Response)
		}
	}
	return out
}

// sliceList keeps only the elements [from, to) of the repeated message
// field name of m.
func sliceList(m proto.Message, name protoreflect.Name, from, to int) {
	if m == nil {
		return
	}
	msg := m.ProtoReflect()
	fd := msg.Descriptor().Fields().ByName(name)
	if fd == nil || !fd.IsList() {
		return
	}
	old := msg.Get(fd).List()
	to = min(to, old.Len())
	from = min(from, to)
	nl := msg.NewField(fd).List()
	for i := from; i < to; i++ {
		nl.Append(old.Get(i))
	}
	if nl.Len() == 0 {
		msg.Clear(fd)
		return
	}
	msg.Set(fd, protoreflect.ValueOfList(nl))
}
