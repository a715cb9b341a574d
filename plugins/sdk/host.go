package sdk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk/internal/pb"
)

// streamEmitter is the plugin side of emitting: events go over the Run
// stream (one sender at a time), outcomes come back through the host.
type streamEmitter struct {
	mu   sync.Mutex
	send func(*pb.Event) error
	host Host
}

func (e *streamEmitter) Emit(ctx context.Context, ev Event) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if ev.ID == "" {
		ev.ID = NewEventID()
	}
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	if len(ev.Payload) > MaxEventBytes {
		attrs := make(map[string]string, len(ev.Attrs)+1)
		for k, v := range ev.Attrs {
			attrs[k] = v
		}
		attrs[AttrPayloadDropped] = strconv.Itoa(len(ev.Payload))
		ev.Payload, ev.Attrs = nil, attrs
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.send(eventToPB(ev)); err != nil {
		return "", fromStatus(err)
	}
	return ev.ID, nil
}

func (e *streamEmitter) EmitWait(ctx context.Context, ev Event) (Outcome, error) {
	id, err := e.Emit(ctx, ev)
	if err != nil {
		return Outcome{}, err
	}
	return e.host.Outcome(ctx, id)
}

// NewEventID returns a random event id (16 hex digits).
func NewEventID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hostClient is the plugin side of the Host service.
type hostClient struct{ rpc pb.HostClient }

func timeoutMS(ctx context.Context) int64 {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d).Milliseconds(), 1)
	}
	return 0
}

func (h *hostClient) Outcome(ctx context.Context, eventID string) (Outcome, error) {
	r, err := h.rpc.Outcome(ctx, &pb.OutcomeRequest{EventId: eventID, TimeoutMs: timeoutMS(ctx)})
	if err != nil {
		return Outcome{}, fromStatus(err)
	}
	return Outcome{Outcome: r.GetOutcome(), Reason: r.GetReason(), TaskID: r.GetTaskId(), MessageIDs: r.GetMessageIds()}, nil
}

func int32p(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}

func intp(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func (h *hostClient) QueueTask(ctx context.Context, t Task) (string, error) {
	r, err := h.rpc.QueueTask(ctx, &pb.QueueTaskRequest{CodeName: t.CodeName, Payload: t.Payload,
		Priority: int32p(t.Priority), Delay: int32p(t.Delay), Timeout: int32p(t.Timeout)})
	if err != nil {
		return "", fromStatus(err)
	}
	return r.GetTaskId(), nil
}

func (h *hostClient) WaitTask(ctx context.Context, taskID string) (TaskResult, error) {
	r, err := h.rpc.WaitTask(ctx, &pb.WaitTaskRequest{TaskId: taskID, TimeoutMs: timeoutMS(ctx)})
	if err != nil {
		return TaskResult{}, fromStatus(err)
	}
	return TaskResult{TaskID: r.GetTaskId(), Status: r.GetStatus(), Msg: r.GetMsg(), Output: r.GetOutput(), Log: r.GetLog(),
		Done: r.GetDone()}, nil
}

func (h *hostClient) PostMessages(ctx context.Context, queue string, bodies ...string) ([]string, error) {
	r, err := h.rpc.PostMessages(ctx, &pb.PostMessagesRequest{Queue: queue, Bodies: bodies})
	if err != nil {
		return nil, fromStatus(err)
	}
	return r.GetIds(), nil
}

func (h *hostClient) Reserve(ctx context.Context, queue string, n, timeout, wait int) ([]Message, error) {
	r, err := h.rpc.Reserve(ctx, &pb.ReserveRequest{Queue: queue, N: int32(n), Timeout: int32(timeout), Wait: int32(wait)})
	if err != nil {
		return nil, fromStatus(err)
	}
	out := make([]Message, 0, len(r.GetMessages()))
	for _, m := range r.GetMessages() {
		out = append(out, Message{ID: m.GetId(), Body: m.GetBody(), ReservationID: m.GetReservationId(),
			ReservedCount: int(m.GetReservedCount())})
	}
	return out, nil
}

func refsToPB(refs []MessageRef) []*pb.MessageRef {
	out := make([]*pb.MessageRef, len(refs))
	for i, r := range refs {
		out[i] = &pb.MessageRef{Id: r.ID, ReservationId: r.ReservationID}
	}
	return out
}

func (h *hostClient) Delete(ctx context.Context, queue string, refs ...MessageRef) error {
	_, err := h.rpc.Delete(ctx, &pb.DeleteRequest{Queue: queue, Messages: refsToPB(refs)})
	return fromStatus(err)
}

func (h *hostClient) Release(ctx context.Context, queue string, ref MessageRef, delay int) error {
	_, err := h.rpc.Release(ctx, &pb.ReleaseRequest{Queue: queue, Message: refsToPB([]MessageRef{ref})[0], Delay: int32(delay)})
	return fromStatus(err)
}

func (h *hostClient) CacheGet(ctx context.Context, cache, key string) (json.RawMessage, error) {
	r, err := h.rpc.CacheGet(ctx, &pb.CacheGetRequest{Cache: cache, Key: key})
	if err != nil {
		return nil, fromStatus(err)
	}
	return r.GetValue(), nil
}

func (h *hostClient) CachePut(ctx context.Context, cache, key string, value json.RawMessage, expiresIn int) error {
	_, err := h.rpc.CachePut(ctx, &pb.CachePutRequest{Cache: cache, Key: key, Value: value, ExpiresIn: int32(expiresIn)})
	return fromStatus(err)
}

func (h *hostClient) SetStatus(ctx context.Context, status string, attrs map[string]string) error {
	_, err := h.rpc.SetStatus(ctx, &pb.StatusRequest{Status: status, Attrs: attrs})
	return fromStatus(err)
}

// hostServer is the host side of the Host service: it serves a Host.
type hostServer struct {
	pb.UnimplementedHostServer
	host Host
}

func (s *hostServer) Outcome(ctx context.Context, r *pb.OutcomeRequest) (*pb.OutcomeResponse, error) {
	o, err := s.host.Outcome(ctx, r.GetEventId())
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.OutcomeResponse{Outcome: o.Outcome, Reason: o.Reason, TaskId: o.TaskID, MessageIds: o.MessageIDs}, nil
}

func (s *hostServer) QueueTask(ctx context.Context, r *pb.QueueTaskRequest) (*pb.QueueTaskResponse, error) {
	id, err := s.host.QueueTask(ctx, Task{CodeName: r.GetCodeName(), Payload: r.GetPayload(),
		Priority: intp(r.Priority), Delay: intp(r.Delay), Timeout: intp(r.Timeout)})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.QueueTaskResponse{TaskId: id}, nil
}

func (s *hostServer) WaitTask(ctx context.Context, r *pb.WaitTaskRequest) (*pb.TaskResult, error) {
	res, err := s.host.WaitTask(ctx, r.GetTaskId())
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.TaskResult{TaskId: res.TaskID, Status: res.Status, Msg: res.Msg, Output: res.Output, Log: res.Log,
		Done: res.Done}, nil
}

func (s *hostServer) PostMessages(ctx context.Context, r *pb.PostMessagesRequest) (*pb.PostMessagesResponse, error) {
	ids, err := s.host.PostMessages(ctx, r.GetQueue(), r.GetBodies()...)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.PostMessagesResponse{Ids: ids}, nil
}

func (s *hostServer) Reserve(ctx context.Context, r *pb.ReserveRequest) (*pb.ReserveResponse, error) {
	msgs, err := s.host.Reserve(ctx, r.GetQueue(), int(r.GetN()), int(r.GetTimeout()), int(r.GetWait()))
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.ReserveResponse{}
	for _, m := range msgs {
		out.Messages = append(out.Messages, &pb.Message{Id: m.ID, Body: m.Body, ReservationId: m.ReservationID,
			ReservedCount: int32(m.ReservedCount)})
	}
	return out, nil
}

func refsFromPB(refs []*pb.MessageRef) []MessageRef {
	out := make([]MessageRef, len(refs))
	for i, r := range refs {
		out[i] = MessageRef{ID: r.GetId(), ReservationID: r.GetReservationId()}
	}
	return out
}

func (s *hostServer) Delete(ctx context.Context, r *pb.DeleteRequest) (*pb.Empty, error) {
	if err := s.host.Delete(ctx, r.GetQueue(), refsFromPB(r.GetMessages())...); err != nil {
		return nil, toStatus(err)
	}
	return &pb.Empty{}, nil
}

func (s *hostServer) Release(ctx context.Context, r *pb.ReleaseRequest) (*pb.Empty, error) {
	ref := MessageRef{ID: r.GetMessage().GetId(), ReservationID: r.GetMessage().GetReservationId()}
	if err := s.host.Release(ctx, r.GetQueue(), ref, int(r.GetDelay())); err != nil {
		return nil, toStatus(err)
	}
	return &pb.Empty{}, nil
}

func (s *hostServer) CacheGet(ctx context.Context, r *pb.CacheGetRequest) (*pb.CacheGetResponse, error) {
	v, err := s.host.CacheGet(ctx, r.GetCache(), r.GetKey())
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.CacheGetResponse{Value: v}, nil
}

func (s *hostServer) CachePut(ctx context.Context, r *pb.CachePutRequest) (*pb.Empty, error) {
	if err := s.host.CachePut(ctx, r.GetCache(), r.GetKey(), r.GetValue(), int(r.GetExpiresIn())); err != nil {
		return nil, toStatus(err)
	}
	return &pb.Empty{}, nil
}

func (s *hostServer) SetStatus(ctx context.Context, r *pb.StatusRequest) (*pb.Empty, error) {
	if err := s.host.SetStatus(ctx, r.GetStatus(), r.GetAttrs()); err != nil {
		return nil, toStatus(err)
	}
	return &pb.Empty{}, nil
}
