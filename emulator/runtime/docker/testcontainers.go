package docker

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/ironlocal/ironlocal/emulator"
)

// TestContainers finds the ironlocal containers test suites started
// (tcironlocal, labelled emulator.LabelTestContainer) on the Docker engine
// of DOCKER_HOST, and removes them. It is safe for concurrent use.
type TestContainers struct {
	cli *client.Client
}

// NewTestContainers returns a finder configured from DOCKER_HOST and the
// other DOCKER_* variables. It does no I/O.
func NewTestContainers() (*TestContainers, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &TestContainers{cli: cli}, nil
}

// Close releases the client's connections.
func (f *TestContainers) Close() error { return f.cli.Close() }

// engineTimeout bounds one listing: the control plane answers quickly,
// engine or not.
const engineTimeout = 10 * time.Second

// noEngine tells the caller there is no engine to ask.
func (f *TestContainers) noEngine(err error) error {
	return &emulator.Error{Code: emulator.CodeUnavailable,
		Msg: fmt.Sprintf("No Docker engine answered at %s: %v", f.cli.DaemonHost(), err)}
}

// List returns the test containers, running or not, newest first.
func (f *TestContainers) List(ctx context.Context) ([]emulator.TestContainer, error) {
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	if _, err := f.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return nil, f.noEngine(err)
	}
	list, err := f.cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", emulator.LabelTestContainer),
	})
	if err != nil {
		return nil, wrap("list test containers", err)
	}
	out := make([]emulator.TestContainer, 0, len(list.Items))
	for _, c := range list.Items {
		res, err := f.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if cerrdefs.IsNotFound(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, wrap("inspect test container "+c.ID, err)
		}
		tc := testContainer(res.Container)
		if tc.KeepOnFailure {
			st, err := f.cli.ContainerStatPath(ctx, c.ID, client.ContainerStatPathOptions{Path: emulator.KeptMarker})
			if err == nil {
				tc.Kept, tc.KeptAt = true, st.Stat.Mtime.UTC()
			}
		}
		out = append(out, tc)
	}
	slices.SortStableFunc(out, func(a, b emulator.TestContainer) int { return b.StartedAt.Compare(a.StartedAt) })
	return out, nil
}

// testContainer reads what the app needs from a container's inspection.
func testContainer(c container.InspectResponse) emulator.TestContainer {
	tc := emulator.TestContainer{ID: c.ID, Name: strings.TrimPrefix(c.Name, "/")}
	var labels map[string]string
	if c.Config != nil {
		labels = c.Config.Labels
		for _, kv := range c.Config.Env {
			if v, ok := strings.CutPrefix(kv, emulator.TokenEnv+"="); ok {
				tc.Token, _, _ = strings.Cut(v, ",")
			}
		}
	}
	tc.Test = labels[emulator.LabelTestName]
	tc.KeepOnFailure = labels[emulator.LabelTestKeep] == emulator.KeepOnFailure
	if t, err := time.Parse(time.RFC3339Nano, labels[emulator.LabelTestStarted]); err == nil {
		tc.StartedAt = t.UTC()
	} else if t, err := time.Parse(time.RFC3339Nano, c.Created); err == nil {
		tc.StartedAt = t.UTC()
	}
	if c.State != nil {
		tc.State = string(c.State.Status)
	}
	if c.NetworkSettings != nil {
		tc.URL = hostURL(c.NetworkSettings.Ports, labels[emulator.LabelTestPort])
	}
	return tc
}

// hostURL is http://IP:port of the port published for portLabel ("4766/tcp"),
// preferring IPv4; an unspecified host address is reached at 127.0.0.1.
func hostURL(ports network.PortMap, portLabel string) string {
	p, err := network.ParsePort(portLabel)
	if err != nil {
		return ""
	}
	bindings := slices.Clone(ports[p])
	slices.SortStableFunc(bindings, func(a, b network.PortBinding) int {
		return boolInt(b.HostIP.Is4() || !b.HostIP.IsValid()) - boolInt(a.HostIP.Is4() || !a.HostIP.IsValid())
	})
	for _, b := range bindings {
		if b.HostPort == "" {
			continue
		}
		ip := b.HostIP
		if !ip.IsValid() || ip.IsUnspecified() {
			ip = netip.MustParseAddr("127.0.0.1")
		}
		return "http://" + net.JoinHostPort(ip.String(), b.HostPort)
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Remove force-removes test container id (an id, an id prefix or a name).
// A container without the test label is refused (emulator.ErrForbidden):
// this route must not become a way to remove any container.
func (f *TestContainers) Remove(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	if _, err := f.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return f.noEngine(err)
	}
	res, err := f.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return emulator.NotFound(fmt.Sprintf("No container %q", id))
	}
	if err != nil {
		return wrap("inspect container "+id, err)
	}
	if res.Container.Config == nil || res.Container.Config.Labels[emulator.LabelTestContainer] == "" {
		return emulator.Forbidden(fmt.Sprintf("Container %q is not an ironlocal test container (no %s label): not removed", id, emulator.LabelTestContainer))
	}
	_, err = f.cli.ContainerRemove(ctx, res.Container.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return wrap("remove test container "+id, err)
	}
	return nil
}
