package docker

import (
	"net/netip"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestTestContainer_FromInspect(t *testing.T) {
	port := network.MustParsePort("4766/tcp")
	inspect := func(env []string, labels map[string]string, ports network.PortMap) container.InspectResponse {
		return container.InspectResponse{ID: "abc123", Name: "/busy_kepler", Created: "2025-03-01T09:59:59Z",
			State:           &container.State{Status: container.StateRunning},
			Config:          &container.Config{Env: env, Labels: labels},
			NetworkSettings: &container.NetworkSettings{Ports: ports}}
	}
	tests := []struct {
		name string
		in   container.InspectResponse
		want emulator.TestContainer
	}{
		{
			name: "labelled, strict, on loopback",
			in: inspect([]string{"PATH=/", "IRONLOCAL_TOKEN=t1,t2"}, map[string]string{
				emulator.LabelTestContainer: "1", emulator.LabelTestName: "TestOrders/fails",
				emulator.LabelTestStarted: "2025-03-01T10:00:00.5Z", emulator.LabelTestPort: "4766/tcp",
				emulator.LabelTestKeep: emulator.KeepOnFailure,
			}, network.PortMap{port: {{HostIP: netip.MustParseAddr("::1"), HostPort: "40001"}, {HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "40000"}}}),
			want: emulator.TestContainer{ID: "abc123", Name: "busy_kepler", Test: "TestOrders/fails", State: "running",
				StartedAt: time.Date(2025, 3, 1, 10, 0, 0, 5e8, time.UTC), URL: "http://127.0.0.1:40000", Token: "t1", KeepOnFailure: true},
		},
		{
			name: "permissive, every address, no start label",
			in: inspect(nil, map[string]string{emulator.LabelTestContainer: "1", emulator.LabelTestPort: "4766/tcp"},
				network.PortMap{port: {{HostIP: netip.MustParseAddr("0.0.0.0"), HostPort: "40002"}}}),
			want: emulator.TestContainer{ID: "abc123", Name: "busy_kepler", State: "running",
				StartedAt: time.Date(2025, 3, 1, 9, 59, 59, 0, time.UTC), URL: "http://127.0.0.1:40002"},
		},
		{
			name: "not published",
			in:   inspect(nil, map[string]string{emulator.LabelTestContainer: "1", emulator.LabelTestPort: "4766/tcp"}, nil),
			want: emulator.TestContainer{ID: "abc123", Name: "busy_kepler", State: "running",
				StartedAt: time.Date(2025, 3, 1, 9, 59, 59, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, testContainer(tt.in))
		})
	}
}
