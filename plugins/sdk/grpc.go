package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ironlocal/ironlocal/plugins/sdk/internal/pb"
)

// GRPCPlugin adapts a Trigger to go-plugin's gRPC transport. Plugins use it
// through Serve; the host through PluginSet(nil) and Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Trigger
}

// GRPCServer registers the plugin side.
func (p *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("trigger plugin: no implementation to serve")
	}
	pb.RegisterTriggerServer(s, &triggerServer{impl: p.Impl, broker: broker})
	return nil
}

// GRPCClient returns the host side: a *Client.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pb.NewTriggerClient(c), broker: broker}, nil
}

// Client is the host's handle on a running plugin.
type Client struct {
	rpc    pb.TriggerClient
	broker *plugin.GRPCBroker
}

// Info asks the plugin to describe itself.
func (c *Client) Info(ctx context.Context) (Info, error) {
	r, err := c.rpc.Info(ctx, &pb.Empty{})
	if err != nil {
		return Info{}, fromStatus(err)
	}
	info := Info{Name: r.GetName(), Version: r.GetVersion(), Description: r.GetDescription(),
		EventTypes: r.GetEventTypes(), ConfigSchema: r.GetConfigSchema()}
	for _, s := range r.GetSamples() {
		info.Samples = append(info.Samples, Sample{Name: s.GetName(), EventType: s.GetEventType(), Payload: s.GetPayload()})
	}
	return info, nil
}

// Validate asks the plugin to check a binding's config.
func (c *Client) Validate(ctx context.Context, config []byte) error {
	_, err := c.rpc.Validate(ctx, &pb.ValidateRequest{Config: config})
	return fromStatus(err)
}

// Run runs binding b in the plugin until ctx ends or the plugin's Run
// returns, calling handle for each event in order. host serves the plugin's
// Host calls for this run. It returns nil when the plugin's Run returned
// nil or ctx ended.
func (c *Client) Run(ctx context.Context, b Binding, host Host, handle func(Event)) error {
	id := c.broker.NextId()
	ln, err := c.broker.Accept(id)
	if err != nil {
		return fmt.Errorf("open host channel: %w", err)
	}
	srv := grpc.NewServer()
	pb.RegisterHostServer(srv, &hostServer{host: host})
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	defer func() {
		srv.Stop()
		<-served
	}()
	stream, err := c.rpc.Run(ctx, &pb.RunRequest{HostBrokerId: id, Binding: &pb.Binding{
		Id: b.ID, ProjectId: b.ProjectID, Config: b.Config, Action: b.Action}})
	if err != nil {
		return runErr(ctx, err)
	}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return runErr(ctx, err)
		}
		handle(eventFromPB(ev))
	}
}

func runErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return fromStatus(err)
}

// triggerServer is the plugin side of the Trigger service.
type triggerServer struct {
	pb.UnimplementedTriggerServer
	impl   Trigger
	broker *plugin.GRPCBroker
}

func (s *triggerServer) Info(ctx context.Context, _ *pb.Empty) (*pb.InfoResponse, error) {
	info, err := s.impl.Info(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	r := &pb.InfoResponse{Name: info.Name, Version: info.Version, Description: info.Description,
		EventTypes: info.EventTypes, ConfigSchema: info.ConfigSchema}
	for _, sm := range info.Samples {
		r.Samples = append(r.Samples, &pb.Sample{Name: sm.Name, EventType: sm.EventType, Payload: sm.Payload})
	}
	return r, nil
}

func (s *triggerServer) Validate(ctx context.Context, r *pb.ValidateRequest) (*pb.Empty, error) {
	if err := s.impl.Validate(ctx, r.GetConfig()); err != nil {
		return nil, toStatus(err)
	}
	return &pb.Empty{}, nil
}

func (s *triggerServer) Run(r *pb.RunRequest, stream grpc.ServerStreamingServer[pb.Event]) error {
	conn, err := s.broker.Dial(r.GetHostBrokerId())
	if err != nil {
		return status.Errorf(codes.Unavailable, "dial the host: %v", err)
	}
	defer conn.Close()
	host := &hostClient{rpc: pb.NewHostClient(conn)}
	b := r.GetBinding()
	binding := Binding{ID: b.GetId(), ProjectID: b.GetProjectId(), Config: b.GetConfig(), Action: b.GetAction()}
	em := &streamEmitter{send: stream.Send, host: host}
	return toStatus(s.impl.Run(stream.Context(), binding, host, em))
}

func eventToPB(ev Event) *pb.Event {
	return &pb.Event{Id: ev.ID, Type: ev.Type, Payload: ev.Payload, AtUnixNano: ev.At.UnixNano(),
		Attrs: ev.Attrs, Filtered: ev.Filtered, Concurrent: ev.Concurrent}
}

func eventFromPB(ev *pb.Event) Event {
	e := Event{ID: ev.GetId(), Type: ev.GetType(), Payload: ev.GetPayload(), Attrs: ev.GetAttrs(),
		Filtered: ev.GetFiltered(), Concurrent: ev.GetConcurrent()}
	if n := ev.GetAtUnixNano(); n != 0 {
		e.At = time.Unix(0, n)
	}
	return e
}

// toStatus turns an error into a gRPC status carrying its kind.
func toStatus(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrInvalid):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Unknown, err.Error())
}

// fromStatus turns a gRPC status back into an error that wraps the SDK's
// sentinels, with the remote message as its text.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	msg := st.Message()
	switch st.Code() {
	case codes.NotFound:
		return &remoteError{msg: msg, kind: ErrNotFound}
	case codes.InvalidArgument:
		return &remoteError{msg: msg, kind: ErrInvalid}
	case codes.DeadlineExceeded:
		return &remoteError{msg: msg, kind: context.DeadlineExceeded}
	case codes.Canceled:
		return &remoteError{msg: msg, kind: context.Canceled}
	case codes.Unknown:
		return errors.New(msg)
	}
	return err
}

type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }
