package sessiontest

import (
	"context"
	"net/http"
	"slices"
	"sync"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/grpcreflect/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// healthServiceName is the standard gRPC health service, which Zitadel
// lists among its services.
const healthServiceName = "grpc.health.v1.Health"

// servedServices are the services the server offers, as gRPC server
// reflection lists them.
var servedServices = []string{
	sessionv2connect.SessionServiceName, oidcv2connect.OIDCServiceName, samlv2connect.SAMLServiceName,
	healthServiceName, grpcreflect.ReflectV1ServiceName, grpcreflect.ReflectV1AlphaServiceName,
}

// healthFile is grpc/health/v1/health.proto (the Check and Watch RPCs),
// built at run time and kept out of protoregistry.GlobalFiles: a test binary
// that also links grpc-go's generated health package would otherwise see a
// registration conflict.
var healthFile = sync.OnceValues(func() (protoreflect.FileDescriptor, error) {
	s := proto.String
	enum := descriptorpb.FieldDescriptorProto_TYPE_ENUM
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    s("grpc/health/v1/health.proto"),
		Package: s("grpc.health.v1"),
		Syntax:  s("proto3"),
		Options: &descriptorpb.FileOptions{GoPackage: s("google.golang.org/grpc/health/grpc_health_v1")},
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: s("HealthCheckRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: s("service"), Number: proto.Int32(1), Label: &opt, Type: &str, JsonName: s("service")},
			}},
			{Name: s("HealthCheckResponse"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: s("status"), Number: proto.Int32(1), Label: &opt, Type: &enum,
					TypeName: s(".grpc.health.v1.HealthCheckResponse.ServingStatus"), JsonName: s("status")},
			}, EnumType: []*descriptorpb.EnumDescriptorProto{{Name: s("ServingStatus"), Value: []*descriptorpb.EnumValueDescriptorProto{
				{Name: s("UNKNOWN"), Number: proto.Int32(0)}, {Name: s("SERVING"), Number: proto.Int32(1)},
				{Name: s("NOT_SERVING"), Number: proto.Int32(2)}, {Name: s("SERVICE_UNKNOWN"), Number: proto.Int32(3)},
			}}}},
		},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: s("Health"), Method: []*descriptorpb.MethodDescriptorProto{
			{Name: s("Check"), InputType: s(".grpc.health.v1.HealthCheckRequest"), OutputType: s(".grpc.health.v1.HealthCheckResponse")},
			{Name: s("Watch"), InputType: s(".grpc.health.v1.HealthCheckRequest"), OutputType: s(".grpc.health.v1.HealthCheckResponse"),
				ServerStreaming: proto.Bool(true)},
		}}},
	}
	return protodesc.NewFile(fdp, protoregistry.GlobalFiles)
})

// descriptorResolver finds descriptors in the global registry, then in the
// health file.
type descriptorResolver struct{ health protoreflect.FileDescriptor }

func (r descriptorResolver) local() *protoregistry.Files {
	files := new(protoregistry.Files)
	_ = files.RegisterFile(r.health)
	return files
}

func (r descriptorResolver) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if path == r.health.Path() {
		return r.health, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(path)
}

func (r descriptorResolver) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := r.local().FindDescriptorByName(name); err == nil {
		return d, nil
	}
	return protoregistry.GlobalFiles.FindDescriptorByName(name)
}

// mountReflection installs gRPC server reflection (v1 and v1alpha) and
// grpc.health.v1.Health. Like Zitadel's, they need no credentials.
// Reflection is a bidirectional stream, so it works over HTTP/2 only
// (h2c or TLS), as with any Connect server.
func (s *Server) mountReflection(mux *http.ServeMux) {
	health, err := healthFile()
	if err != nil {
		panic("sessiontest: building the health service descriptor: " + err.Error())
	}
	srv := connect.NewServer(recoverInterceptor)
	grpcreflect.Register(srv,
		grpcreflect.WithNamer(grpcreflect.NamerFunc(func() []string { return slices.Clone(servedServices) })),
		grpcreflect.WithDescriptorResolver(descriptorResolver{health: health}))
	svc := health.Services().ByName("Health")
	check, watch := svc.Methods().ByName("Check"), svc.Methods().ByName("Watch")
	srv.Register(
		connect.Method{Spec: connect.Spec{StreamType: connect.StreamTypeUnary, Schema: check,
			Procedure: "/" + healthServiceName + "/Check"}, Handler: healthHandler(check, false)},
		connect.Method{Spec: connect.Spec{StreamType: connect.StreamTypeServer, Schema: watch,
			Procedure: "/" + healthServiceName + "/Watch"}, Handler: healthHandler(watch, true)},
	)
	connecthttp.Mount(mux, srv)
}

// healthHandler answers Check (SERVING for "" and every served service,
// NOT_FOUND "unknown service" otherwise, as grpc-go's health server does)
// and Watch (the same status once, SERVICE_UNKNOWN for an unknown service,
// then nothing until the client goes away).
func healthHandler(md protoreflect.MethodDescriptor, watch bool) connect.ServerFunc {
	return func(ctx context.Context, _ connect.Spec, stream connect.ServerStream) error {
		in := dynamicpb.NewMessage(md.Input())
		if err := stream.Receive(in); err != nil {
			return err
		}
		name := in.Get(md.Input().Fields().ByName("service")).String()
		status := protoreflect.EnumNumber(1) // SERVING
		if name != "" && !slices.Contains(servedServices, name) {
			if !watch {
				return connect.NewError(connect.CodeNotFound, "unknown service")
			}
			status = 3 // SERVICE_UNKNOWN
		}
		out := dynamicpb.NewMessage(md.Output())
		out.Set(md.Output().Fields().ByName("status"), protoreflect.ValueOfEnum(status))
		if err := stream.Send(out); err != nil {
			return err
		}
		if watch {
			<-ctx.Done()
		}
		return nil
	}
}
