package sessiontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectinprocess"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// restRoute is one google.api.http mapping of Zitadel's REST gateway
// (grpc-gateway): an HTTP method and path template, whether the request
// body holds the remaining fields ("*") or the query does (""), the RPC it
// calls and, if not 200, the HTTP status of a success.
type restRoute struct {
	method, path, body, procedure string
	successCode                   int
}

// restRoutes are the `rest` mappings of the wire facts for the Session,
// OIDC and SAML v2 services; a test holds them to
// proto/testdata/session-v2-wire.json.
var restRoutes = []restRoute{
	{"POST", "/v2/sessions/search", "*", sessionv2connect.SessionServiceListSessionsProcedure, 0},
	{"GET", "/v2/sessions/{session_id}", "", sessionv2connect.SessionServiceGetSessionProcedure, 0},
	{"POST", "/v2/sessions", "*", sessionv2connect.SessionServiceCreateSessionProcedure, http.StatusCreated},
	{"PATCH", "/v2/sessions/{session_id}", "*", sessionv2connect.SessionServiceSetSessionProcedure, 0},
	{"DELETE", "/v2/sessions/{session_id}", "*", sessionv2connect.SessionServiceDeleteSessionProcedure, 0},
	{"GET", "/v2/oidc/auth_requests/{auth_request_id}", "", oidcv2connect.OIDCServiceGetAuthRequestProcedure, 0},
	{"POST", "/v2/oidc/auth_requests/{auth_request_id}", "*", oidcv2connect.OIDCServiceCreateCallbackProcedure, 0},
	{"GET", "/v2/oidc/device_authorization/{user_code}", "", oidcv2connect.OIDCServiceGetDeviceAuthorizationRequestProcedure, 0},
	{"POST", "/v2/oidc/device_authorization/{device_authorization_id}", "*", oidcv2connect.OIDCServiceAuthorizeOrDenyDeviceAuthorizationProcedure, 0},
	{"GET", "/v2/saml/saml_requests/{saml_request_id}", "", samlv2connect.SAMLServiceGetSAMLRequestProcedure, 0},
	{"POST", "/v2/saml/saml_requests/{saml_request_id}", "*", samlv2connect.SAMLServiceCreateResponseProcedure, 0},
}

// maxRESTBody bounds a REST request body.
const maxRESTBody = 4 << 20

// restGateway answers Zitadel's REST paths by calling the RPCs in process,
// so that authentication, validation and behaviour are the RPCs' own; it
// only translates, with grpc-gateway's conventions as Zitadel configures
// them: protojson with camelCase names and unknown fields ignored, path
// parameters winning over the body, GET fields from the query (JSON or
// proto names), and errors as {"code": <gRPC code>, "message", "details":
// [{"@type": "type.googleapis.com/…", …}]}.
type restGateway struct {
	client *connect.Client
	specs  map[string]connect.Spec
}

// mountREST installs the REST gateway under /v2/.
func (s *Server) mountREST(mux *http.ServeMux) {
	g := &restGateway{client: connect.NewClient(connectinprocess.New(s.connect)), specs: map[string]connect.Spec{}}
	for spec := range s.connect.Specs() {
		g.specs[spec.Procedure] = spec
	}
	mux.Handle("/v2/", g)
}

// match finds the route for a request: the path params of the matching
// template, or allowed=false when the path exists with other methods only
// (405), or found=false (404).
func matchRESTRoute(method, escapedPath string) (route restRoute, params map[string]string, found, allowed bool) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	for _, rt := range restRoutes {
		p, ok := matchTemplate(rt.path, segs)
		if !ok {
			continue
		}
		found = true
		if rt.method == method {
			return rt, p, true, true
		}
	}
	return restRoute{}, nil, found, false
}

// matchTemplate matches path segments against a template whose variables
// ({name}) stand for exactly one (possibly empty) segment.
func matchTemplate(tmpl string, segs []string) (map[string]string, bool) {
	t := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
	if len(t) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, ts := range t {
		if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[ts[1:len(ts)-1]] = v
			continue
		}
		if ts != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func (g *restGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, found, allowed := matchRESTRoute(r.Method, r.URL.EscapedPath())
	switch {
	case !found:
		writeGatewayError(w, connect.NewError(connect.CodeNotFound, "Not Found"), http.StatusNotFound)
		return
	case !allowed:
		writeGatewayError(w, connect.NewError(connect.CodeUnimplemented, "Method Not Allowed"), http.StatusMethodNotAllowed)
		return
	}
	spec, ok := g.specs[route.procedure]
	md, _ := spec.Schema.(protoreflect.MethodDescriptor)
	if !ok || md == nil {
		writeGatewayError(w, connect.NewError(connect.CodeUnimplemented, route.procedure+" is not served"), 0)
		return
	}
	req, err := newMessage(md.Input())
	if err == nil {
		err = decodeRESTRequest(r, route, params, req)
	}
	if err != nil {
		writeGatewayError(w, err, 0)
		return
	}
	res, err := newMessage(md.Output())
	if err != nil {
		writeGatewayError(w, err, 0)
		return
	}
	ctx, info := connect.NewClientContext(r.Context())
	for k, vs := range r.Header {
		// Zitadel's gateway forwards the Authorization header and its own
		// x-zitadel-* headers to the RPC.
		if lk := strings.ToLower(k); lk == "authorization" || strings.HasPrefix(lk, "x-zitadel-") {
			for _, v := range vs {
				info.RequestHeader().Add(k, v)
			}
		}
	}
	if err := g.client.CallUnary(ctx, spec, req, res); err != nil {
		writeGatewayError(w, err, 0)
		return
	}
	body, err := protojson.Marshal(res)
	if err != nil {
		writeGatewayError(w, connect.NewError(connect.CodeInternal, "failed to marshal the response"), 0)
		return
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil {
		body = compact.Bytes()
	}
	w.Header().Set("Content-Type", "application/json")
	status := http.StatusOK
	if route.successCode != 0 {
		status = route.successCode
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func newMessage(d protoreflect.MessageDescriptor) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName())
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, "message type "+string(d.FullName())+" is not registered")
	}
	return mt.New().Interface(), nil
}

// decodeRESTRequest fills req from the body (body "*") or the query, then
// from the path parameters, which win.
func decodeRESTRequest(r *http.Request, route restRoute, params map[string]string, req proto.Message) error {
	if route.body == "*" {
		dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxRESTBody))
		var raw json.RawMessage
		switch err := dec.Decode(&raw); {
		case errors.Is(err, io.EOF):
			// An empty body is an empty message.
		case err != nil:
			return connect.NewError(connect.CodeInvalidArgument, err.Error())
		default:
			if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, req); err != nil {
				return connect.NewError(connect.CodeInvalidArgument, err.Error())
			}
		}
	} else if err := populateQuery(req.ProtoReflect(), r.URL.Query(), params); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err.Error())
	}
	m := req.ProtoReflect()
	for name, v := range params {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
			return connect.NewError(connect.CodeInternal, "path parameter "+name+" has no string field")
		}
		m.Set(fd, protoreflect.ValueOfString(v))
	}
	return nil
}

// populateQuery sets fields from query parameters named by JSON or proto
// name, dotted for nested messages; unknown names and the path parameters
// are ignored, as grpc-gateway does.
func populateQuery(m protoreflect.Message, q url.Values, pathParams map[string]string) error {
	for key, values := range q {
		if _, isPath := pathParams[key]; isPath {
			continue
		}
		target, fd := m, protoreflect.FieldDescriptor(nil)
		parts := strings.Split(key, ".")
		for i, part := range parts {
			fields := target.Descriptor().Fields()
			fd = fields.ByName(protoreflect.Name(part))
			if fd == nil {
				fd = fields.ByJSONName(part)
			}
			if fd == nil {
				break
			}
			if i < len(parts)-1 {
				if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() {
					fd = nil
					break
				}
				target = target.Mutable(fd).Message()
			}
		}
		if fd == nil || fd.IsMap() || fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
			continue
		}
		for _, raw := range values {
			v, err := scalarValue(fd, raw)
			if err != nil {
				return fmt.Errorf("query parameter %q: %v", key, err)
			}
			if fd.IsList() {
				target.Mutable(fd).List().Append(v)
			} else {
				target.Set(fd, v)
			}
		}
	}
	return nil
}

func scalarValue(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s), nil
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(s)
		return protoreflect.ValueOfBool(b), err
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		return protoreflect.ValueOfInt32(int32(n)), err
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, err := strconv.ParseInt(s, 10, 64)
		return protoreflect.ValueOfInt64(n), err
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, err := strconv.ParseUint(s, 10, 32)
		return protoreflect.ValueOfUint32(uint32(n)), err
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, err := strconv.ParseUint(s, 10, 64)
		return protoreflect.ValueOfUint64(n), err
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByName(protoreflect.Name(s)); ev != nil {
			return protoreflect.ValueOfEnum(ev.Number()), nil
		}
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return protoreflect.Value{}, fmt.Errorf("%q is not a value of %s", s, fd.Enum().FullName())
		}
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
	}
	return protoreflect.Value{}, fmt.Errorf("fields of kind %s cannot be set from the query", fd.Kind())
}

// gatewayHTTPStatus is grpc-gateway's HTTP status for a gRPC code.
func gatewayHTTPStatus(c connect.Code) int {
	switch c {
	case connect.CodeCanceled:
		return 499
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition, connect.CodeOutOfRange:
		return http.StatusBadRequest
	case connect.CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case connect.CodeNotFound:
		return http.StatusNotFound
	case connect.CodeAlreadyExists, connect.CodeAborted:
		return http.StatusConflict
	case connect.CodePermissionDenied:
		return http.StatusForbidden
	case connect.CodeUnauthenticated:
		return http.StatusUnauthorized
	case connect.CodeResourceExhausted:
		return http.StatusTooManyRequests
	case connect.CodeUnimplemented:
		return http.StatusNotImplemented
	case connect.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// gatewayError is grpc-gateway's error body: google.rpc.Status in JSON.
type gatewayError struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// writeGatewayError writes err as grpc-gateway does; status 0 means the
// status of the error's code.
func writeGatewayError(w http.ResponseWriter, err error, status int) {
	body := gatewayError{Code: int(connect.CodeUnknown), Message: "unknown error"}
	var ce *connect.Error
	if errors.As(err, &ce) {
		body.Code, body.Message = int(ce.Code()), ce.Message()
		for _, d := range ce.Details() {
			b, err := protojson.Marshal(&anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type, Value: d.Value})
			if err == nil {
				body.Details = append(body.Details, b)
			}
		}
	}
	if status == 0 {
		status = gatewayHTTPStatus(connect.Code(body.Code))
	}
	out, mErr := json.Marshal(body)
	if mErr != nil {
		out = []byte(`{"code":13,"message":"failed to marshal the error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	if connect.Code(body.Code) == connect.CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", body.Message)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
